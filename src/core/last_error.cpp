#include "core/last_error.h"

namespace winhttp {

namespace {
thread_local DWORD t_last_error = 0;
}

void set_last_error(DWORD code) noexcept { t_last_error = code; }
DWORD last_error() noexcept { return t_last_error; }

}  // namespace winhttp
