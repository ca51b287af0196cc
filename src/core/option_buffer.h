// WinHttpQueryOption / WinHttpSetOption's buffer protocol, shared by the option handlers
// (options.cpp, tls_options.cpp).
#pragma once
#include <winhttp.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace winhttp {

// True when `buf` can take `size` bytes; otherwise *len = size (ERROR_INSUFFICIENT_BUFFER).
inline bool fits(DWORD size, const void* buf, DWORD* len) {
    if (buf && *len >= size) return true;
    *len = size;
    return false;
}

template <class T>
DWORD put(const T& v, void* buf, DWORD* len) {
    if (!fits(static_cast<DWORD>(sizeof(T)), buf, len)) return ERROR_INSUFFICIENT_BUFFER;
    std::memcpy(buf, &v, sizeof(T));
    *len = static_cast<DWORD>(sizeof(T));
    return ERROR_SUCCESS;
}

// No buffer or a length of 0 is ERROR_INVALID_PARAMETER; any other length than the value's
// is ERROR_INSUFFICIENT_BUFFER (Wine winhttp.c test_WinHttpQueryOption, verified on Windows:
// 3 or 5 bytes for a DWORD option).
template <class T>
DWORD get(const void* buf, DWORD len, T& out) {
    if (!buf || len == 0) return ERROR_INVALID_PARAMETER;
    if (len != sizeof(T)) return ERROR_INSUFFICIENT_BUFFER;
    std::memcpy(&out, buf, sizeof(T));
    return ERROR_SUCCESS;
}

// A string the caller frees with GlobalFree or LocalFree (both free() here).
inline LPWSTR alloc_wstring(const std::wstring& s) {
    auto* p = static_cast<LPWSTR>(std::malloc((s.size() + 1) * sizeof(WCHAR)));
    if (p) std::memcpy(p, s.c_str(), (s.size() + 1) * sizeof(WCHAR));
    return p;
}

}  // namespace winhttp
