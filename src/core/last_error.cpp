#include "core/last_error.h"

#include "util/trace.h"

namespace winhttp {

namespace {
thread_local DWORD t_last_error = 0;
}

void set_last_error(DWORD code, const SourceLocation& where) noexcept {
    t_last_error = code;
    if (trace::on()) trace::api_result(where.function_name(), code);
}
DWORD last_error() noexcept { return t_last_error; }

}  // namespace winhttp
