// WinHttpCrackUrl / WinHttpCreateUrl: argument checks, the URL_COMPONENTS buffer protocol and the
// last error. Splitting, escaping and assembling are in src/util/url.
#include <winhttp.h>

#include "core/last_error.h"
#include "util/url.h"

#include <cwchar>
#include <string>
#include <string_view>

namespace winhttp {
namespace {

// One string member of URL_COMPONENTS and its length member.
struct ComponentSlot {
    LPWSTR* ptr;
    DWORD* len;
};

bool wanted(const ComponentSlot& s) {
    return *s.ptr != nullptr || *s.len != 0;
}
bool pointer_mode(const ComponentSlot& s) {
    return *s.ptr == nullptr && *s.len != 0;
}

// Hands one cracked component to the caller (URL_COMPONENTS and WinHttpCrackUrl pages):
//  - pointer and length both zero: not wanted, untouched;
//  - pointer NULL, length non-zero: pointer into the input and the component's length;
//    an absent user name or password gives NULL and 0;
//  - pointer non-NULL: copy `text` plus terminator into the caller's buffer of *len characters
//    and set *len to the copied length. When it does not fit, *len receives the size needed
//    including the terminator (the WinINet/WinHTTP string-buffer convention) and false is
//    returned so the caller fails with ERROR_INSUFFICIENT_BUFFER.
bool deliver(const ComponentSlot& slot, std::wstring_view in_input, bool present,
             const std::wstring& text) {
    if (!wanted(slot)) return true;
    if (pointer_mode(slot)) {
        *slot.ptr = present ? const_cast<LPWSTR>(in_input.data()) : nullptr;
        *slot.len = present ? static_cast<DWORD>(in_input.size()) : 0;
        return true;
    }
    if (*slot.len < text.size() + 1) {
        *slot.len = static_cast<DWORD>(text.size() + 1);
        return false;
    }
    text.copy(*slot.ptr, text.size());
    (*slot.ptr)[text.size()] = L'\0';
    *slot.len = static_cast<DWORD>(text.size());
    return true;
}

// The text a copied component receives under ICU_DECODE / ICU_ESCAPE (decode first, so that
// both together canonicalise). `escapable` is false for the user name and password, which
// ICU_ESCAPE leaves alone: the page speaks of what "must be escaped to be represented in an
// HTTP request", and only path and extra info go into one.
std::wstring transform(std::wstring_view raw, DWORD flags, bool decodable, bool escapable) {
    std::wstring text(raw);
    if (decodable && (flags & ICU_DECODE)) text = percent_decode(text);
    if (escapable && (flags & ICU_ESCAPE)) text = escape_url_text(text);
    return text;
}

// A zero-length path or extra info in pointer mode points at the end of the URL rather than at
// the next delimiter, so that the usual crack -> WinHttpCreateUrl round trip (length 0 there
// means "NUL-terminated") reads an empty string instead of the rest of the URL.
std::wstring_view anchor_empty(std::wstring_view part, std::wstring_view url) {
    return part.empty() ? url.substr(url.size()) : part;
}

bool deliver_all(URL_COMPONENTS& uc, const UrlSpan& s, std::wstring_view url, DWORD flags) {
    // When the extra info is not wanted the path carries it (Wine url.c, verified on Windows:
    // ".../get_account?x=3789526775265663876" gives that whole string as the path).
    const bool extra_wanted = wanted({&uc.lpszExtraInfo, &uc.dwExtraInfoLength});
    const std::wstring_view path =
        extra_wanted ? s.path : std::wstring_view(s.path.data(), s.path.size() + s.extra.size());
    bool ok = true;
    ok &= deliver({&uc.lpszScheme, &uc.dwSchemeLength}, s.scheme, true,
                  transform(s.scheme, flags, false, false));
    ok &= deliver({&uc.lpszHostName, &uc.dwHostNameLength}, s.host, true,
                  transform(s.host, flags, false, false));
    ok &= deliver({&uc.lpszUserName, &uc.dwUserNameLength}, s.user, s.has_user_info,
                  transform(s.user, flags, true, false));
    ok &= deliver({&uc.lpszPassword, &uc.dwPasswordLength}, s.password, s.has_password,
                  transform(s.password, flags, true, false));
    ok &= deliver({&uc.lpszUrlPath, &uc.dwUrlPathLength}, anchor_empty(path, url), true,
                  transform(path, flags, true, true));
    ok &= deliver({&uc.lpszExtraInfo, &uc.dwExtraInfoLength}, anchor_empty(s.extra, url), true,
                  transform(s.extra, flags, true, true));
    return ok;
}

template <typename Test>
bool any_slot(URL_COMPONENTS& uc, Test test) {
    const ComponentSlot slots[] = {
        {&uc.lpszScheme, &uc.dwSchemeLength},     {&uc.lpszHostName, &uc.dwHostNameLength},
        {&uc.lpszUserName, &uc.dwUserNameLength}, {&uc.lpszPassword, &uc.dwPasswordLength},
        {&uc.lpszUrlPath, &uc.dwUrlPathLength},   {&uc.lpszExtraInfo, &uc.dwExtraInfoLength}};
    for (const ComponentSlot& s : slots) {
        if (test(s)) return true;
    }
    return false;
}

bool any_pointer_mode(URL_COMPONENTS& uc) {
    return any_slot(uc, pointer_mode);
}

// A caller buffer announced with length 0 (Wine url.c, verified on Windows: the call fails with
// ERROR_INVALID_PARAMETER and leaves every member as it was).
bool any_empty_buffer(URL_COMPONENTS& uc) {
    return any_slot(uc, [](const ComponentSlot& s) { return *s.ptr != nullptr && *s.len == 0; });
}

// A WinHttpCreateUrl input string (URL_COMPONENTS page): NULL = not given; length 0 = the
// pointer is NUL-terminated; otherwise exactly `len` characters.
std::wstring_view input_text(LPCWSTR ptr, DWORD len) {
    if (ptr == nullptr) return {};
    return len == 0 ? std::wstring_view(ptr, std::wcslen(ptr)) : std::wstring_view(ptr, len);
}

}  // namespace
}  // namespace winhttp

extern "C" BOOL WINAPI WinHttpCrackUrl(LPCWSTR pwszUrl, DWORD dwUrlLength, DWORD dwFlags,
                                       LPURL_COMPONENTS lpUrlComponents) {
    using namespace winhttp;
    if (pwszUrl == nullptr || lpUrlComponents == nullptr) return fail(ERROR_INVALID_PARAMETER);
    URL_COMPONENTS& uc = *lpUrlComponents;
    // "the size of the URL_COMPONENTS structure must be stored in the dwStructSize member".
    if (uc.dwStructSize != sizeof(URL_COMPONENTS)) return fail(ERROR_INVALID_PARAMETER);
    // ICU_DECODE / ICU_ESCAPE "can be used only if the user provides buffers".
    if ((dwFlags & (ICU_DECODE | ICU_ESCAPE)) && any_pointer_mode(uc)) {
        return fail(ERROR_INVALID_PARAMETER);
    }
    if (any_empty_buffer(uc)) return fail(ERROR_INVALID_PARAMETER);
    const std::wstring_view url = dwUrlLength == 0
                                      ? std::wstring_view(pwszUrl, std::wcslen(pwszUrl))
                                      : std::wstring_view(pwszUrl, dwUrlLength);
    UrlSpan span;
    const DWORD err = split_url(url, span);
    if (err != ERROR_SUCCESS) return fail(err);
    if ((dwFlags & ICU_REJECT_USERPWD) && span.has_user_info) {
        return fail(ERROR_WINHTTP_INVALID_URL);
    }
    // "both the scheme and port numbers are returned on all successful calls".
    uc.nScheme = span.scheme_id;
    uc.nPort = span.port;
    if (!deliver_all(uc, span, url, dwFlags)) return fail(ERROR_INSUFFICIENT_BUFFER);
    return succeed();
}

extern "C" BOOL WINAPI WinHttpCreateUrl(LPURL_COMPONENTS lpUrlComponents, DWORD dwFlags,
                                        LPWSTR pwszUrl, LPDWORD pdwUrlLength) {
    using namespace winhttp;
    if (lpUrlComponents == nullptr || pdwUrlLength == nullptr) {
        return fail(ERROR_INVALID_PARAMETER);
    }
    const URL_COMPONENTS& uc = *lpUrlComponents;
    if (uc.dwStructSize != sizeof(URL_COMPONENTS)) return fail(ERROR_INVALID_PARAMETER);
    UrlBuildParts parts;
    parts.scheme = input_text(uc.lpszScheme, uc.dwSchemeLength);
    parts.scheme_id = uc.nScheme;
    parts.host = input_text(uc.lpszHostName, uc.dwHostNameLength);
    parts.has_host = uc.lpszHostName != nullptr;
    parts.has_user = uc.lpszUserName != nullptr;
    parts.has_password = uc.lpszPassword != nullptr;
    parts.port = uc.nPort;
    parts.user = input_text(uc.lpszUserName, uc.dwUserNameLength);
    parts.password = input_text(uc.lpszPassword, uc.dwPasswordLength);
    parts.path = input_text(uc.lpszUrlPath, uc.dwUrlPathLength);
    parts.extra = input_text(uc.lpszExtraInfo, uc.dwExtraInfoLength);
    std::wstring url;
    const DWORD err = build_url(parts, dwFlags, url);
    if (err != ERROR_SUCCESS) return fail(err);
    // Sizes are in characters. Too small: the page says the length "receives the number of wide
    // characters required to hold the created URL", and its sample allocates exactly that many
    // WCHARs and writes the URL with its terminator, so it counts the NUL (Wine url.c, verified
    // on Windows: 57 for a 56-character URL).
    if (*pdwUrlLength < url.size() + 1) {
        *pdwUrlLength = static_cast<DWORD>(url.size() + 1);
        return fail(ERROR_INSUFFICIENT_BUFFER);
    }
    // A large enough length with no buffer is a bad argument, length untouched (Wine url.c,
    // verified on Windows 7 and later).
    if (pwszUrl == nullptr) return fail(ERROR_INVALID_PARAMETER);
    url.copy(pwszUrl, url.size());
    pwszUrl[url.size()] = L'\0';
    *pdwUrlLength = static_cast<DWORD>(url.size());  // "minus 1 for the terminating character"
    return succeed();
}
