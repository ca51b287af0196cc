// Thread-local last error, Windows semantics. Only src/api/ sets it (STYLE.md §5).
#pragma once
#include <winhttp.h>

namespace winhttp {

// Sets the calling thread's last error, as SetLastError does.
void set_last_error(DWORD code) noexcept;
// Reads the calling thread's last error.
DWORD last_error() noexcept;

// API-layer helpers: record `code` and return the failure value in one expression.
inline BOOL fail(DWORD code) noexcept {
    set_last_error(code);
    return FALSE;
}
inline BOOL succeed() noexcept {
    set_last_error(0);
    return TRUE;
}

}  // namespace winhttp
