// Thread-local last error, Windows semantics. Only src/api/ sets it (STYLE.md §5).
#pragma once
#include <winhttp.h>

#include "util/trace.h"

namespace winhttp {

// The calling function's name, for the trace. Not SourceLocation: the fuzz build's
// clang 14 has no <source_location> support with Debian 12's libstdc++; __builtin_FUNCTION is
// in GCC and Clang alike.
struct SourceLocation {
    const char* name = "";
    static constexpr SourceLocation current(const char* fn = __builtin_FUNCTION()) noexcept {
        return SourceLocation{fn};
    }
    constexpr const char* function_name() const noexcept { return name; }
};

// Sets the calling thread's last error, as SetLastError does. Every API call ends here, so the
// trace (util/trace.h) writes its "api <function> -> <ERROR_NAME> (<code>)" line here; `where`
// names the API function (the helpers below pass their caller's).
void set_last_error(DWORD code, const SourceLocation& where = SourceLocation::current()) noexcept;
// Reads the calling thread's last error.
DWORD last_error() noexcept;

// API-layer helpers: record `code` and return the failure value in one expression.
inline BOOL fail(DWORD code, const SourceLocation& where = SourceLocation::current()) noexcept {
    set_last_error(code, where);
    return FALSE;
}
inline BOOL succeed(const SourceLocation& where = SourceLocation::current()) noexcept {
    set_last_error(0, where);
    return TRUE;
}

// API functions that return their error instead of setting the last error end here, so the
// trace has their result line too: `return traced(code);`.
inline DWORD traced(DWORD code, const SourceLocation& where = SourceLocation::current()) noexcept {
    if (trace::on()) trace::api_result(where.function_name(), code);
    return code;
}

}  // namespace winhttp
