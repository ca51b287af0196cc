// Thread-local last error, Windows semantics. Only src/api/ sets it (STYLE.md §5).
#pragma once
#include <winhttp.h>

#include <source_location>

namespace winhttp {

// Sets the calling thread's last error, as SetLastError does. Every API call ends here, so the
// trace (util/trace.h) writes its "api <function> -> <ERROR_NAME> (<code>)" line here; `where`
// names the API function (the helpers below pass their caller's).
void set_last_error(DWORD code, const std::source_location& where = std::source_location::current()) noexcept;
// Reads the calling thread's last error.
DWORD last_error() noexcept;

// API-layer helpers: record `code` and return the failure value in one expression.
inline BOOL fail(DWORD code, const std::source_location& where = std::source_location::current()) noexcept {
    set_last_error(code, where);
    return FALSE;
}
inline BOOL succeed(const std::source_location& where = std::source_location::current()) noexcept {
    set_last_error(0, where);
    return TRUE;
}

}  // namespace winhttp
