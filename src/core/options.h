// WinHttpQueryOption / WinHttpSetOption: a table of per-option handlers (STYLE.md §2),
// each saying on which kinds of handle it may be queried or set.
#pragma once
#include <winhttp.h>

#include "core/object.h"

namespace winhttp {

// Contract: `obj` is the live object behind the handle, or null for a NULL handle.
// `buffer_len` is non-null. Returns ERROR_SUCCESS or one of: ERROR_WINHTTP_INVALID_OPTION
// (unknown or unsupported), ERROR_WINHTTP_OPTION_NOT_SETTABLE (query-only, on set),
// ERROR_WINHTTP_INCORRECT_HANDLE_TYPE, ERROR_INVALID_HANDLE (NULL handle for a per-handle
// option), ERROR_INSUFFICIENT_BUFFER (*buffer_len = bytes needed), ERROR_INVALID_PARAMETER,
// ERROR_WINHTTP_INCORRECT_HANDLE_STATE.
DWORD query_option(Object* obj, DWORD option, void* buffer, DWORD* buffer_len);
DWORD set_option(Object* obj, DWORD option, const void* buffer, DWORD buffer_len);

// Process-wide settings reachable with a NULL handle.
struct GlobalOptions {
    DWORD worker_threads = 0;  // 0 = number of CPUs
    HTTP_VERSION_INFO http_version{1, 1};
};
GlobalOptions& global_options();

}  // namespace winhttp
