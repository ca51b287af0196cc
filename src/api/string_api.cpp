// MultiByteToWideChar / WideCharToMultiByte / lstrlenW / lstrlenA for WinHTTP programs, which
// convert between their UTF-8 strings and WinHTTP's WCHAR ones. WCHAR is wchar_t, UTF-32 on
// Linux: one WCHAR per code point. CP_ACP, CP_OEMCP and CP_THREAD_ACP are UTF-8 (as on Windows
// with the UTF-8 active code page); other code pages are not installed (ERROR_INVALID_PARAMETER).
// Invalid input becomes U+FFFD, one per maximal subpart (util/wide.h, Unicode's practice), unless
// the caller asks for ERROR_NO_UNICODE_TRANSLATION (MB_/WC_ERR_INVALID_CHARS).
#include <climits>
#include <cstring>
#include <cwchar>
#include <string>

#include "core/last_error.h"
#include "util/wide.h"
#include <windows.h>

namespace {

enum class Page { utf8, ansi, unsupported };

// The ANSI family is UTF-8 here but keeps the flags Windows accepts for an ANSI code page.
Page page_of(UINT code_page) {
    switch (code_page) {
        case CP_UTF8: return Page::utf8;
        case CP_ACP:
        case CP_OEMCP:
        case CP_THREAD_ACP: return Page::ansi;
        default: return Page::unsupported;
    }
}

int fail(DWORD code) {
    winhttp::set_last_error(code);
    return 0;
}

// Copies a converted string into the caller's buffer with Windows' size rules: a zero capacity
// asks for the size; a short buffer is ERROR_INSUFFICIENT_BUFFER (it may hold a partial result).
template <typename Out, typename In>
int deliver(const In& converted, Out* buffer, int capacity) {
    if (converted.size() > static_cast<std::size_t>(INT_MAX)) return fail(ERROR_INVALID_PARAMETER);
    const int size = static_cast<int>(converted.size());
    if (capacity == 0) return size;
    const int copied = size < capacity ? size : capacity;
    for (int i = 0; i < copied; ++i) buffer[i] = static_cast<Out>(converted[static_cast<std::size_t>(i)]);
    if (size > capacity) return fail(ERROR_INSUFFICIENT_BUFFER);
    return size;
}

DWORD check_mb_flags(Page page, DWORD flags) {
    if (page == Page::utf8) return (flags & ~DWORD{MB_ERR_INVALID_CHARS}) ? ERROR_INVALID_FLAGS : 0;
    const DWORD known = MB_PRECOMPOSED | MB_COMPOSITE | MB_USEGLYPHCHARS | MB_ERR_INVALID_CHARS;
    if (flags & ~known) return ERROR_INVALID_FLAGS;
    if ((flags & MB_PRECOMPOSED) && (flags & MB_COMPOSITE)) return ERROR_INVALID_FLAGS;
    return 0;
}

DWORD check_wc_flags(Page page, DWORD flags) {
    if (page == Page::utf8) return (flags & ~DWORD{WC_ERR_INVALID_CHARS}) ? ERROR_INVALID_FLAGS : 0;
    const DWORD known = WC_COMPOSITECHECK | WC_DISCARDNS | WC_SEPCHARS | WC_DEFAULTCHAR |
                        WC_NO_BEST_FIT_CHARS | WC_ERR_INVALID_CHARS;
    return (flags & ~known) ? ERROR_INVALID_FLAGS : 0;
}

}  // namespace

extern "C" {

int MultiByteToWideChar(UINT CodePage, DWORD dwFlags, LPCSTR lpMultiByteStr, int cbMultiByte,
                        LPWSTR lpWideCharStr, int cchWideChar) {
    if (lpMultiByteStr == nullptr || cbMultiByte == 0 || cbMultiByte < -1 || cchWideChar < 0 ||
        (cchWideChar > 0 && lpWideCharStr == nullptr) ||
        static_cast<const void*>(lpMultiByteStr) == static_cast<const void*>(lpWideCharStr)) {
        return fail(ERROR_INVALID_PARAMETER);
    }
    const Page page = page_of(CodePage);
    if (page == Page::unsupported) return fail(ERROR_INVALID_PARAMETER);
    if (const DWORD error = check_mb_flags(page, dwFlags)) return fail(error);

    // -1: the whole string and its terminating NUL, which the result then counts too.
    const std::size_t size = cbMultiByte == -1 ? std::strlen(lpMultiByteStr) + 1
                                               : static_cast<std::size_t>(cbMultiByte);
    const std::string_view bytes(lpMultiByteStr, size);
    if ((dwFlags & MB_ERR_INVALID_CHARS) && !winhttp::valid_utf8(bytes)) return fail(ERROR_NO_UNICODE_TRANSLATION);
    const std::wstring wide = winhttp::from_utf8(bytes);
    return deliver(wide, lpWideCharStr, cchWideChar);
}

int WideCharToMultiByte(UINT CodePage, DWORD dwFlags, LPCWSTR lpWideCharStr, int cchWideChar,
                        LPSTR lpMultiByteStr, int cbMultiByte, LPCSTR lpDefaultChar,
                        LPBOOL lpUsedDefaultChar) {
    if (lpWideCharStr == nullptr || cchWideChar == 0 || cchWideChar < -1 || cbMultiByte < 0 ||
        (cbMultiByte > 0 && lpMultiByteStr == nullptr) ||
        static_cast<const void*>(lpWideCharStr) == static_cast<const void*>(lpMultiByteStr)) {
        return fail(ERROR_INVALID_PARAMETER);
    }
    const Page page = page_of(CodePage);
    if (page == Page::unsupported) return fail(ERROR_INVALID_PARAMETER);
    if (const DWORD error = check_wc_flags(page, dwFlags)) return fail(error);
    // WideCharToMultiByte page: for CP_UTF8 both default-character pointers must be NULL.
    if (page == Page::utf8 && (lpDefaultChar != nullptr || lpUsedDefaultChar != nullptr)) {
        return fail(ERROR_INVALID_PARAMETER);
    }

    const std::size_t size = cchWideChar == -1 ? std::wcslen(lpWideCharStr) + 1
                                               : static_cast<std::size_t>(cchWideChar);
    // A UTF-16 pair stored in two WCHARs (text built for Windows) is one code point; a lone
    // surrogate or a value above U+10FFFF is invalid.
    const std::wstring_view text(lpWideCharStr, size);
    if ((dwFlags & WC_ERR_INVALID_CHARS) && !winhttp::valid_wide(text)) return fail(ERROR_NO_UNICODE_TRANSLATION);
    // The ANSI family's default character replaces invalid input (its first byte, as a DBCS
    // lead byte would not make sense in UTF-8); otherwise U+FFFD.
    const bool use_default = lpDefaultChar != nullptr && lpDefaultChar[0] != '\0';
    bool replaced = false;
    const std::string bytes =
        winhttp::to_utf8(text, use_default ? std::string_view(lpDefaultChar, 1) : std::string_view("\xEF\xBF\xBD"), replaced);
    if (lpUsedDefaultChar != nullptr) *lpUsedDefaultChar = use_default && replaced ? TRUE : FALSE;
    return deliver(bytes, lpMultiByteStr, cbMultiByte);
}

// lstrlen page: a NULL string has length 0.
int lstrlenW(LPCWSTR lpString) {
    if (lpString == nullptr) return 0;
    const std::size_t n = std::wcslen(lpString);
    return n > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(n);
}

int lstrlenA(LPCSTR lpString) {
    if (lpString == nullptr) return 0;
    const std::size_t n = std::strlen(lpString);
    return n > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(n);
}

}  // extern "C"
