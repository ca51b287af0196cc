#include "util/url.h"

#include <gtest/gtest.h>

#include "util/wide.h"

#include <cwchar>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

// Pages cited below:
//  [Crack]  https://learn.microsoft.com/windows/win32/api/winhttp/nf-winhttp-winhttpcrackurl
//  [Create] https://learn.microsoft.com/windows/win32/api/winhttp/nf-winhttp-winhttpcreateurl
//  [UC]     https://learn.microsoft.com/windows/win32/api/winhttp/ns-winhttp-url_components
//  [URLs]
//  https://learn.microsoft.com/windows/win32/winhttp/uniform-resource-locators--urls--in-winhttp
//  [Open]   https://learn.microsoft.com/windows/win32/api/winhttp/nf-winhttp-winhttpopenrequest
//  [Bufs]   https://learn.microsoft.com/windows/win32/wininet/appendix-b-using-buffers
//  [3986]   RFC 3986 (URI generic syntax), [7231] RFC 7231 section 7.1.2 (Location)

namespace {

constexpr DWORD kSentinel = 0xDEADBEEF;
constexpr DWORD kAll = static_cast<DWORD>(-1);
const wchar_t kSampleUrl[] =
    L"http://search.msn.com/results.asp?RS=CHECKED&FORM=MSNH&v=1&q=wininet";

std::wstring_view view(LPCWSTR p, DWORD n) {
    return p ? std::wstring_view(p, n) : std::wstring_view();
}

// Every component requested as a pointer into the input ([UC] "If the pointer member is NULL
// but the length member is not zero, both the pointer and length members are returned").
URL_COMPONENTS pointer_components() {
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.dwSchemeLength = uc.dwHostNameLength = uc.dwUserNameLength = kAll;
    uc.dwPasswordLength = uc.dwUrlPathLength = uc.dwExtraInfoLength = kAll;
    uc.nScheme = 77;
    uc.nPort = 7777;
    return uc;
}

// Every component requested as a copy into caller buffers.
struct Buffers {
    WCHAR scheme[16], host[64], user[32], password[32], path[128], extra[128];
};

URL_COMPONENTS buffer_components(Buffers& b) {
    std::wmemset(reinterpret_cast<WCHAR*>(&b), L'#', sizeof(b) / sizeof(WCHAR));
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.lpszScheme = b.scheme;
    uc.dwSchemeLength = std::size(b.scheme);
    uc.lpszHostName = b.host;
    uc.dwHostNameLength = std::size(b.host);
    uc.lpszUserName = b.user;
    uc.dwUserNameLength = std::size(b.user);
    uc.lpszPassword = b.password;
    uc.dwPasswordLength = std::size(b.password);
    uc.lpszUrlPath = b.path;
    uc.dwUrlPathLength = std::size(b.path);
    uc.lpszExtraInfo = b.extra;
    uc.dwExtraInfoLength = std::size(b.extra);
    return uc;
}

struct CallResult {
    BOOL ok;
    DWORD error;
};

CallResult crack(const wchar_t* url, URL_COMPONENTS& uc, DWORD flags = 0, DWORD length = 0) {
    SetLastError(kSentinel);
    const BOOL ok = WinHttpCrackUrl(url, length, flags, &uc);
    return {ok, GetLastError()};
}

void expect_unchanged(const URL_COMPONENTS& a, const URL_COMPONENTS& b) {
    EXPECT_EQ(a.dwStructSize, b.dwStructSize);
    EXPECT_EQ(a.lpszScheme, b.lpszScheme);
    EXPECT_EQ(a.dwSchemeLength, b.dwSchemeLength);
    EXPECT_EQ(a.nScheme, b.nScheme);
    EXPECT_EQ(a.lpszHostName, b.lpszHostName);
    EXPECT_EQ(a.dwHostNameLength, b.dwHostNameLength);
    EXPECT_EQ(a.nPort, b.nPort);
    EXPECT_EQ(a.lpszUserName, b.lpszUserName);
    EXPECT_EQ(a.dwUserNameLength, b.dwUserNameLength);
    EXPECT_EQ(a.lpszPassword, b.lpszPassword);
    EXPECT_EQ(a.dwPasswordLength, b.dwPasswordLength);
    EXPECT_EQ(a.lpszUrlPath, b.lpszUrlPath);
    EXPECT_EQ(a.dwUrlPathLength, b.dwUrlPathLength);
    EXPECT_EQ(a.lpszExtraInfo, b.lpszExtraInfo);
    EXPECT_EQ(a.dwExtraInfoLength, b.dwExtraInfoLength);
}

// ---- WinHttpCrackUrl: arguments -------------------------------------------------------------

TEST(CrackUrl, NullUrlFailsWithInvalidParameter) {
    // [Crack] pwszUrl is a required [in] string.
    URL_COMPONENTS uc = pointer_components();
    const URL_COMPONENTS before = uc;
    const CallResult r = crack(nullptr, uc);
    EXPECT_EQ(r.ok, FALSE);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    expect_unchanged(uc, before);
}

TEST(CrackUrl, NullComponentsFailsWithInvalidParameter) {
    // [Crack] lpUrlComponents is a required [in, out] pointer.
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCrackUrl(kSampleUrl, 0, 0, nullptr), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(CrackUrl, WrongStructSizeFailsWithInvalidParameter) {
    // [Crack] "the size of the URL_COMPONENTS structure must be stored in the dwStructSize".
    for (const DWORD size :
         {DWORD{0}, DWORD{sizeof(URL_COMPONENTS) - 1}, DWORD{sizeof(URL_COMPONENTS) + 1}}) {
        URL_COMPONENTS uc = pointer_components();
        uc.dwStructSize = size;
        const URL_COMPONENTS before = uc;
        const CallResult r = crack(kSampleUrl, uc);
        EXPECT_EQ(r.ok, FALSE) << size;
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_INVALID_PARAMETER)) << size;
        expect_unchanged(uc, before);
    }
}

// ---- WinHttpCrackUrl: the URL_COMPONENTS protocol -----------------------------------------

TEST(CrackUrl, PointerModeReturnsPointersIntoInput) {
    // [Crack] "the address of the first character of the corresponding component in the
    // pwszUrl string is stored in the pointer, and the length ... in the length member".
    URL_COMPONENTS uc = pointer_components();
    const CallResult r = crack(kSampleUrl, uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(uc.dwStructSize, sizeof(URL_COMPONENTS));
    EXPECT_EQ(uc.lpszScheme, kSampleUrl);
    EXPECT_EQ(uc.dwSchemeLength, 4u);
    EXPECT_EQ(uc.nScheme, INTERNET_SCHEME_HTTP);
    EXPECT_EQ(uc.lpszHostName, kSampleUrl + 7);
    EXPECT_EQ(uc.dwHostNameLength, 14u);
    EXPECT_EQ(uc.nPort, INTERNET_DEFAULT_HTTP_PORT);
    EXPECT_EQ(uc.lpszUserName, nullptr);
    EXPECT_EQ(uc.dwUserNameLength, 0u);
    EXPECT_EQ(uc.lpszPassword, nullptr);
    EXPECT_EQ(uc.dwPasswordLength, 0u);
    EXPECT_EQ(uc.lpszUrlPath, kSampleUrl + 21);
    EXPECT_EQ(view(uc.lpszUrlPath, uc.dwUrlPathLength), L"/results.asp");
    EXPECT_EQ(uc.lpszExtraInfo, kSampleUrl + 33);
    EXPECT_EQ(view(uc.lpszExtraInfo, uc.dwExtraInfoLength), L"?RS=CHECKED&FORM=MSNH&v=1&q=wininet");
}

TEST(CrackUrl, ComponentWithNullPointerAndZeroLengthIsNotReturned) {
    // [Crack] "If both the value and the length for a component are equal to zero, that
    // component is not returned."
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.dwHostNameLength = 1;
    const CallResult r = crack(L"https://u:p@host:444/path?x", uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(view(uc.lpszHostName, uc.dwHostNameLength), L"host");
    // [URLs] "both the scheme and port numbers are returned on all successful calls".
    EXPECT_EQ(uc.nScheme, INTERNET_SCHEME_HTTPS);
    EXPECT_EQ(uc.nPort, 444);
    EXPECT_EQ(uc.lpszScheme, nullptr);
    EXPECT_EQ(uc.dwSchemeLength, 0u);
    EXPECT_EQ(uc.lpszUserName, nullptr);
    EXPECT_EQ(uc.dwUserNameLength, 0u);
    EXPECT_EQ(uc.lpszPassword, nullptr);
    EXPECT_EQ(uc.dwPasswordLength, 0u);
    EXPECT_EQ(uc.lpszUrlPath, nullptr);
    EXPECT_EQ(uc.dwUrlPathLength, 0u);
    EXPECT_EQ(uc.lpszExtraInfo, nullptr);
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
}

TEST(CrackUrl, ExplicitLengthLimitsTheInput) {
    // [Crack] dwUrlLength is "The length of the pwszUrl string, in characters".
    const wchar_t url[] = L"http://host/pathIGNORED";
    URL_COMPONENTS uc = pointer_components();
    const CallResult r = crack(url, uc, 0, 16);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(view(uc.lpszScheme, uc.dwSchemeLength), L"http");
    EXPECT_EQ(view(uc.lpszHostName, uc.dwHostNameLength), L"host");
    EXPECT_EQ(view(uc.lpszUrlPath, uc.dwUrlPathLength), L"/path");
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
    EXPECT_EQ(uc.lpszExtraInfo, url + 16);
}

TEST(CrackUrl, BufferModeCopiesTerminatedComponents) {
    // [Crack] "copies the component into the buffer, and the length member is set to the
    // length of the copied component, minus 1 for the trailing string terminator".
    Buffers b;
    URL_COMPONENTS uc = buffer_components(b);
    const CallResult r = crack(L"https://user:pw@example.com:8443/a/b.html?q=1#top", uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(uc.lpszScheme, b.scheme);
    EXPECT_STREQ(b.scheme, L"https");
    EXPECT_EQ(uc.dwSchemeLength, 5u);
    EXPECT_EQ(uc.nScheme, INTERNET_SCHEME_HTTPS);
    EXPECT_STREQ(b.host, L"example.com");
    EXPECT_EQ(uc.dwHostNameLength, 11u);
    EXPECT_EQ(uc.nPort, 8443);
    EXPECT_STREQ(b.user, L"user");
    EXPECT_EQ(uc.dwUserNameLength, 4u);
    EXPECT_STREQ(b.password, L"pw");
    EXPECT_EQ(uc.dwPasswordLength, 2u);
    EXPECT_STREQ(b.path, L"/a/b.html");
    EXPECT_EQ(uc.dwUrlPathLength, 9u);
    EXPECT_STREQ(b.extra, L"?q=1#top");
    EXPECT_EQ(uc.dwExtraInfoLength, 8u);
}

TEST(CrackUrl, BufferModeAbsentComponentsAreEmptyStrings) {
    // [UC] a component the URL lacks is copied as an empty string (length 0).
    Buffers b;
    URL_COMPONENTS uc = buffer_components(b);
    const CallResult r = crack(L"http://host", uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_STREQ(b.user, L"");
    EXPECT_EQ(uc.dwUserNameLength, 0u);
    EXPECT_STREQ(b.password, L"");
    EXPECT_EQ(uc.dwPasswordLength, 0u);
    EXPECT_STREQ(b.path, L"");
    EXPECT_EQ(uc.dwUrlPathLength, 0u);
    EXPECT_STREQ(b.extra, L"");
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
}

TEST(CrackUrl, TooSmallBufferFailsWithInsufficientBufferAndRequiredLength) {
    // [Crack] "If a user-supplied buffer is not large enough, WinHttpCrackUrl returns FALSE,
    // and GetLastError returns ERROR_INSUFFICIENT_BUFFER"; the length then holds the size
    // needed including the terminator ([Bufs] convention; the WinHTTP page is silent).
    WCHAR host[11];
    std::wmemset(host, L'#', 11);
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.lpszHostName = host;
    uc.dwHostNameLength = 11;  // "example.com" is 11 characters: no room for the terminator
    const CallResult r = crack(L"http://example.com/", uc);
    EXPECT_EQ(r.ok, FALSE);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(uc.dwHostNameLength, 12u);
    EXPECT_EQ(uc.lpszHostName, host);
    EXPECT_EQ(host[0], L'#');
    EXPECT_EQ(uc.nScheme, INTERNET_SCHEME_HTTP);
    EXPECT_EQ(uc.nPort, INTERNET_DEFAULT_HTTP_PORT);

    // Retrying with the length it asked for succeeds.
    WCHAR bigger[12];
    uc.lpszHostName = bigger;
    const CallResult again = crack(L"http://example.com/", uc);
    EXPECT_EQ(again.ok, TRUE);
    EXPECT_EQ(again.error, ERROR_SUCCESS);
    EXPECT_STREQ(bigger, L"example.com");
    EXPECT_EQ(uc.dwHostNameLength, 11u);
}

TEST(CrackUrl, TooSmallBufferStillFillsTheComponentsThatFit) {
    // Our choice (page silent): every too-small component reports its size in one call and
    // every other one is delivered, so one retry suffices.
    Buffers b;
    URL_COMPONENTS uc = buffer_components(b);
    uc.dwUrlPathLength = 3;
    uc.dwExtraInfoLength = 2;
    const CallResult r = crack(L"http://h/long/path?query", uc);
    EXPECT_EQ(r.ok, FALSE);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(uc.dwUrlPathLength, 11u);
    EXPECT_EQ(uc.dwExtraInfoLength, 7u);
    EXPECT_EQ(b.path[0], L'#');
    EXPECT_EQ(b.extra[0], L'#');
    EXPECT_STREQ(b.scheme, L"http");
    EXPECT_EQ(uc.dwSchemeLength, 4u);
    EXPECT_STREQ(b.host, L"h");
    EXPECT_EQ(uc.dwHostNameLength, 1u);
}

// ---- WinHttpCrackUrl: URL forms -----------------------------------------------------------

TEST(CrackUrl, SchemeIsCaseInsensitiveAndSetsDefaultPort) {
    // [UC] nScheme is INTERNET_SCHEME_HTTP or _HTTPS; [Crack] only HTTP and HTTPS are accepted.
    URL_COMPONENTS uc = pointer_components();
    CallResult r = crack(L"HTTPS://Host.Example/", uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(view(uc.lpszScheme, uc.dwSchemeLength), L"HTTPS");
    EXPECT_EQ(uc.nScheme, INTERNET_SCHEME_HTTPS);
    EXPECT_EQ(uc.nPort, INTERNET_DEFAULT_HTTPS_PORT);
    EXPECT_EQ(view(uc.lpszHostName, uc.dwHostNameLength), L"Host.Example");
    EXPECT_EQ(view(uc.lpszUrlPath, uc.dwUrlPathLength), L"/");
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
}

TEST(CrackUrl, EmptyPortMeansDefaultPort) {
    // [3986] 3.2.3: an empty port is the scheme's default.
    URL_COMPONENTS uc = pointer_components();
    const CallResult r = crack(L"http://host:/x", uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(uc.nPort, 80);
    EXPECT_EQ(view(uc.lpszHostName, uc.dwHostNameLength), L"host");
    EXPECT_EQ(view(uc.lpszUrlPath, uc.dwUrlPathLength), L"/x");
}

TEST(CrackUrl, AcceptsHighestPort) {
    // [UC] nPort is an INTERNET_PORT (16 bits): 65535 is the largest.
    URL_COMPONENTS uc = pointer_components();
    const CallResult r = crack(L"http://host:065535", uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(uc.nPort, 65535);
    EXPECT_EQ(uc.dwUrlPathLength, 0u);
}

TEST(CrackUrl, SplitsUserAndPassword) {
    // [UC] lpszUserName / lpszPassword hold the credentials embedded in the URL.
    const wchar_t url[] = L"http://alice:s3cr:t@example.com:8080/p";
    URL_COMPONENTS uc = pointer_components();
    const CallResult r = crack(url, uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(uc.lpszUserName, url + 7);
    EXPECT_EQ(view(uc.lpszUserName, uc.dwUserNameLength), L"alice");
    EXPECT_EQ(view(uc.lpszPassword, uc.dwPasswordLength), L"s3cr:t");
    EXPECT_EQ(view(uc.lpszHostName, uc.dwHostNameLength), L"example.com");
    EXPECT_EQ(uc.nPort, 8080);
    EXPECT_EQ(view(uc.lpszUrlPath, uc.dwUrlPathLength), L"/p");
}

TEST(CrackUrl, UserWithoutPasswordGivesNullPassword) {
    // [UC] a component absent from the URL is not returned.
    URL_COMPONENTS uc = pointer_components();
    const CallResult r = crack(L"http://bob@host/", uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(view(uc.lpszUserName, uc.dwUserNameLength), L"bob");
    EXPECT_EQ(uc.lpszPassword, nullptr);
    EXPECT_EQ(uc.dwPasswordLength, 0u);
}

TEST(CrackUrl, RejectUserPwdFailsOnEmbeddedCredentials) {
    // [Crack] ICU_REJECT_USERPWD "Rejects URLs as input that contains either a username, or a
    // password, or both" with ERROR_WINHTTP_INVALID_URL.
    for (const wchar_t* url : {L"http://u:p@host/", L"http://u@host/", L"http://:p@host/"}) {
        URL_COMPONENTS uc = pointer_components();
        const URL_COMPONENTS before = uc;
        const CallResult r = crack(url, uc, ICU_REJECT_USERPWD);
        EXPECT_EQ(r.ok, FALSE);
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_URL));
        expect_unchanged(uc, before);
    }
    URL_COMPONENTS uc = pointer_components();
    const CallResult r = crack(L"http://host/", uc, ICU_REJECT_USERPWD);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(view(uc.lpszHostName, uc.dwHostNameLength), L"host");
}

TEST(CrackUrl, Ipv6LiteralKeepsBrackets) {
    // [3986] 3.2.2: an IPv6 address is written in brackets; the port follows the ']'.
    URL_COMPONENTS uc = pointer_components();
    const CallResult r = crack(L"http://[2001:db8::1]:8080/x?y", uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(view(uc.lpszHostName, uc.dwHostNameLength), L"[2001:db8::1]");
    EXPECT_EQ(uc.nPort, 8080);
    EXPECT_EQ(view(uc.lpszUrlPath, uc.dwUrlPathLength), L"/x");
    EXPECT_EQ(view(uc.lpszExtraInfo, uc.dwExtraInfoLength), L"?y");

    URL_COMPONENTS uc2 = pointer_components();
    const CallResult r2 = crack(L"https://[::1]", uc2);
    EXPECT_EQ(r2.ok, TRUE);
    EXPECT_EQ(r2.error, ERROR_SUCCESS);
    EXPECT_EQ(view(uc2.lpszHostName, uc2.dwHostNameLength), L"[::1]");
    EXPECT_EQ(uc2.nPort, 443);
}

TEST(CrackUrl, QueryAndFragmentGoToExtraInfo) {
    // [UC] lpszExtraInfo holds "the extra information, for example, ?something or #something".
    struct Case {
        const wchar_t* url;
        const wchar_t* path;
        const wchar_t* extra;
    };
    const Case cases[] = {{L"http://h/p?q=1#f", L"/p", L"?q=1#f"},
                          {L"http://h/p#f?notquery", L"/p", L"#f?notquery"},
                          {L"http://h?q", L"", L"?q"},
                          {L"http://h#f", L"", L"#f"},
                          {L"http://h/a/b/", L"/a/b/", L""}};
    for (const Case& c : cases) {
        URL_COMPONENTS uc = pointer_components();
        const CallResult r = crack(c.url, uc);
        EXPECT_EQ(r.ok, TRUE);
        EXPECT_EQ(r.error, ERROR_SUCCESS);
        EXPECT_EQ(view(uc.lpszHostName, uc.dwHostNameLength), L"h");
        EXPECT_EQ(view(uc.lpszUrlPath, uc.dwUrlPathLength), c.path);
        EXPECT_EQ(view(uc.lpszExtraInfo, uc.dwExtraInfoLength), c.extra);
    }
}

TEST(CrackUrl, EmptyPathPointsAtTerminator) {
    // Our choice: a zero-length path points at the end of the URL, so a round trip through
    // WinHttpCreateUrl (length 0 = NUL-terminated, [UC]) reads "" and not the query.
    const wchar_t url[] = L"http://h?q";
    URL_COMPONENTS uc = pointer_components();
    const CallResult r = crack(url, uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(uc.lpszUrlPath, url + 10);
    EXPECT_EQ(uc.dwUrlPathLength, 0u);
}

TEST(CrackUrl, MalformedUrlsFailWithInvalidUrl) {
    // [Crack] "ERROR_WINHTTP_INVALID_URL: The URL is invalid." (Port 0 is valid on Windows:
    // tests/conformance/wine_url_test.cpp.)
    for (const wchar_t* url :
         {L"http://", L"http:///path", L"http://host:99999/", L"http://host:65536/",
          L"http://host:99999999999999999999/", L"http://host:abc/", L"http://host:8o/",
          L"http://host:-1/", L"http://:80/", L"http://user@/", L"http:x",
          L"http:/x", L"http://[::1/", L"http://[::1]x/", L"http://[]/", L"http://[host]/"}) {
        SCOPED_TRACE(testing::Message() << winhttp::to_utf8(url));
        URL_COMPONENTS uc = pointer_components();
        const URL_COMPONENTS before = uc;
        const CallResult r = crack(url, uc);
        EXPECT_EQ(r.ok, FALSE);
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_URL));
        expect_unchanged(uc, before);
    }
}

TEST(CrackUrl, OtherSchemesFailWithUnrecognizedScheme) {
    // [Crack] "If the Internet protocol of the URL ... is not HTTP or HTTPS, then
    // WinHttpCrackUrl returns FALSE and GetLastError indicates ERROR_WINHTTP_UNRECOGNIZED_SCHEME."
    for (const wchar_t* url : {L"ftp://x/", L"file:///etc/passwd", L"httpx://h/", L"no-scheme",
                               L"http//x", L"", L"://host/", L"1http://h/", L" http://h/"}) {
        SCOPED_TRACE(testing::Message() << winhttp::to_utf8(url));
        URL_COMPONENTS uc = pointer_components();
        const URL_COMPONENTS before = uc;
        const CallResult r = crack(url, uc);
        EXPECT_EQ(r.ok, FALSE);
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_UNRECOGNIZED_SCHEME));
        expect_unchanged(uc, before);
    }
}

// ---- WinHttpCrackUrl: ICU_DECODE / ICU_ESCAPE ---------------------------------------------

TEST(CrackUrl, DecodeUnescapesPercentSequences) {
    // [Crack] ICU_DECODE "Converts characters that are "escape encoded" (%xx) to their
    // non-escaped form. This does not decode other encodings, such as UTF-8."
    Buffers b;
    URL_COMPONENTS uc = buffer_components(b);
    const CallResult r =
        crack(L"http://us%65r:p%40ss@h/a%20b%2fc%C3%A9?x=%41%zz%4", uc, ICU_DECODE);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_STREQ(b.user, L"user");
    EXPECT_EQ(uc.dwUserNameLength, 4u);
    EXPECT_STREQ(b.password, L"p@ss");
    EXPECT_EQ(uc.dwPasswordLength, 4u);
    EXPECT_STREQ(b.host, L"h");
    EXPECT_STREQ(b.path, L"/a b/c\x00C3\x00A9");
    EXPECT_EQ(uc.dwUrlPathLength, 8u);
    EXPECT_STREQ(b.extra, L"?x=A%zz%4");
    EXPECT_EQ(uc.dwExtraInfoLength, 9u);
}

TEST(CrackUrl, EscapeEncodesUnsafeCharactersOfPathAndExtraInfo) {
    // [Crack] ICU_ESCAPE: "Characters to be escaped are non-ASCII characters or those ASCII
    // characters that must be escaped to be represented in an HTTP request."
    Buffers b;
    URL_COMPONENTS uc = buffer_components(b);
    const CallResult r = crack(L"http://h/a b/\x00E9/100%?q=<x>&y=\"1\"#f", uc, ICU_ESCAPE);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_STREQ(b.path, L"/a%20b/%C3%A9/100%");
    EXPECT_EQ(uc.dwUrlPathLength, 18u);
    EXPECT_STREQ(b.extra, L"?q=%3Cx%3E&y=%221%22#f");
    EXPECT_EQ(uc.dwExtraInfoLength, 22u);
    EXPECT_STREQ(b.host, L"h");
}

TEST(CrackUrl, DecodeOrEscapeWithPointerModeFailsWithInvalidParameter) {
    // [Crack] ICU_DECODE/ICU_ESCAPE "can be used only if the user provides buffers".
    for (const DWORD flag : {DWORD{ICU_DECODE}, DWORD{ICU_ESCAPE}}) {
        URL_COMPONENTS uc = pointer_components();
        const URL_COMPONENTS before = uc;
        const CallResult r = crack(L"http://h/a%20b", uc, flag);
        EXPECT_EQ(r.ok, FALSE);
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_INVALID_PARAMETER));
        expect_unchanged(uc, before);
    }
}

TEST(CrackUrl, DecodedLengthDecidesBufferSize) {
    // [Crack] the buffer must hold the copied (decoded) component and its terminator.
    WCHAR path[4];
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.lpszUrlPath = path;
    uc.dwUrlPathLength = 4;
    const CallResult r = crack(L"http://h/%41%42", uc, ICU_DECODE);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_STREQ(path, L"/AB");
    EXPECT_EQ(uc.dwUrlPathLength, 3u);
}

// ---- WinHttpCreateUrl ---------------------------------------------------------------------

URL_COMPONENTS create_components(const wchar_t* host, const wchar_t* path = nullptr,
                                 const wchar_t* extra = nullptr) {
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.nScheme = INTERNET_SCHEME_HTTP;
    uc.lpszHostName = const_cast<LPWSTR>(host);
    uc.lpszUrlPath = const_cast<LPWSTR>(path);
    uc.lpszExtraInfo = const_cast<LPWSTR>(extra);
    return uc;
}

struct CreateResult {
    BOOL ok;
    DWORD error;
    DWORD length;
    std::wstring url;
};

// Probes for the size, then creates into a buffer of exactly that size ([Create] sample).
CreateResult create(URL_COMPONENTS& uc, DWORD flags = 0) {
    DWORD length = 0;
    SetLastError(kSentinel);
    CreateResult r{WinHttpCreateUrl(&uc, flags, nullptr, &length), GetLastError(), length, {}};
    if (r.ok || r.error != ERROR_INSUFFICIENT_BUFFER) return r;
    std::wstring buf(length, L'#');
    SetLastError(kSentinel);
    r.ok = WinHttpCreateUrl(&uc, flags, buf.data(), &length);
    r.error = GetLastError();
    r.length = length;
    if (r.ok) r.url = buf.substr(0, std::wcslen(buf.c_str()));
    return r;
}

TEST(CreateUrl, NullComponentsFailsWithInvalidParameter) {
    // [Create] lpUrlComponents is a required [in] pointer.
    WCHAR buf[64];
    DWORD length = 64;
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(nullptr, 0, buf, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(length, 64u);
}

TEST(CreateUrl, NullLengthFailsWithInvalidParameter) {
    // [Create] pdwUrlLength is a required [in, out] pointer.
    URL_COMPONENTS uc = create_components(L"host");
    WCHAR buf[64];
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&uc, 0, buf, nullptr), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(CreateUrl, WrongStructSizeFailsWithInvalidParameter) {
    // [UC] dwStructSize is "Used for version checking".
    URL_COMPONENTS uc = create_components(L"host");
    uc.dwStructSize = sizeof(uc) - 4;
    DWORD length = 0;
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&uc, 0, nullptr, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(length, 0u);
}

TEST(CreateUrl, SizeProbeReturnsRequiredCharactersIncludingTerminator) {
    // [Create] "If GetLastError returns ERROR_INSUFFICIENT_BUFFER, this parameter receives the
    // number of wide characters required to hold the created URL" (the sample allocates
    // exactly that many WCHARs, so it counts the terminator).
    URL_COMPONENTS uc = create_components(L"host", L"/p");
    DWORD length = 0;
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&uc, 0, nullptr, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, std::wcslen(L"http://host/p") + 1);
}

TEST(CreateUrl, BufferOneShortFailsWithoutWriting) {
    // [Create] the buffer length is in characters and must include the terminator.
    URL_COMPONENTS uc = create_components(L"host", L"/p");
    WCHAR buf[13];
    std::wmemset(buf, L'#', 13);
    DWORD length = 13;  // strlen("http://host/p")
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&uc, 0, buf, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, 14u);
    EXPECT_EQ(buf[0], L'#');
}

TEST(CreateUrl, SuccessReturnsLengthWithoutTerminator) {
    // [Create] "this parameter receives the length of the URL string wide in characters, minus
    // 1 for the terminating character".
    URL_COMPONENTS uc = create_components(L"host", L"/p", L"?q=1");
    const CreateResult r = create(uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.url, L"http://host/p?q=1");
    EXPECT_EQ(r.length, r.url.size());
}

TEST(CreateUrl, HonoursExplicitLengths) {
    // [UC] "If the length member is not zero, it is the string length of the corresponding
    // pointer member."
    URL_COMPONENTS uc = create_components(L"hostXXX", L"/pathXXX", L"?qXXX");
    uc.lpszScheme = const_cast<LPWSTR>(L"httpsXXX");
    uc.dwSchemeLength = 5;
    uc.dwHostNameLength = 4;
    uc.dwUrlPathLength = 5;
    uc.dwExtraInfoLength = 2;
    const CreateResult r = create(uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.url, L"https://host/path?q");
    EXPECT_EQ(r.length, r.url.size());
}

TEST(CreateUrl, SchemeComesFromNSchemeWhenStringIsNull) {
    // [UC] "the pointer members should be NULL if the component of the URL is not required";
    // nScheme then names the scheme.
    URL_COMPONENTS uc = create_components(L"host", L"/");
    uc.nScheme = INTERNET_SCHEME_HTTPS;
    const CreateResult r = create(uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.url, L"https://host/");
}

TEST(CreateUrl, OmitsDefaultPortUnlessAsked) {
    // [UC] nPort; ICU_INCLUDE_DEFAULT_PORT (SDK winhttp.h) asks for the default port too.
    URL_COMPONENTS uc = create_components(L"host", L"/");
    uc.nPort = 80;
    CreateResult r = create(uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.url, L"http://host/");
    r = create(uc, ICU_INCLUDE_DEFAULT_PORT);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.url, L"http://host:80/");
    uc.nPort = 0;
    r = create(uc);
    EXPECT_EQ(r.url, L"http://host/");
    r = create(uc, ICU_INCLUDE_DEFAULT_PORT);
    EXPECT_EQ(r.url, L"http://host:80/");
    uc.nPort = 443;
    r = create(uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.url, L"http://host:443/");
}

TEST(CreateUrl, WritesUserAndPassword) {
    // [UC] lpszUserName and lpszPassword become part of the URL.
    URL_COMPONENTS uc = create_components(L"host", L"/");
    uc.lpszUserName = const_cast<LPWSTR>(L"alice");
    uc.lpszPassword = const_cast<LPWSTR>(L"pw");
    CreateResult r = create(uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.url, L"http://alice:pw@host/");
    uc.lpszPassword = nullptr;
    r = create(uc);
    EXPECT_EQ(r.url, L"http://alice@host/");
}

TEST(CreateUrl, RejectUserPwdFailsWithInvalidUrl) {
    // [Create] ICU_REJECT_USERPWD: "subsequent calls to GetLastError will return
    // ERROR_WINHTTP_INVALID_URL".
    URL_COMPONENTS uc = create_components(L"host", L"/");
    uc.lpszUserName = const_cast<LPWSTR>(L"alice");
    DWORD length = 0;
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&uc, ICU_REJECT_USERPWD, nullptr, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INVALID_URL));
    EXPECT_EQ(length, 0u);
}

TEST(CreateUrl, EscapeEncodesPathAndExtraInfoOnly) {
    // [Create] ICU_ESCAPE "Converts all unsafe characters to their corresponding escape
    // sequences in the path string ... and in lpszExtraInfo"; '#' is one of them (Wine url.c,
    // verified on Windows).
    URL_COMPONENTS uc = create_components(L"h\x00E9", L"/a b/\x00E9", L"?q=a b#x y");
    const CreateResult r = create(uc, ICU_ESCAPE);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.url, L"http://h\x00E9/a%20b/%C3%A9?q=a%20b%23x%20y");
    EXPECT_EQ(r.length, r.url.size());
    const CreateResult raw = create(uc);
    EXPECT_EQ(raw.url, L"http://h\x00E9/a b/\x00E9?q=a b#x y");
}

TEST(CreateUrl, BracketsBareIpv6HostAndAddsLeadingSlash) {
    // [3986] 3.2.2 IPv6 literals are bracketed; a path after an authority starts with '/'.
    URL_COMPONENTS uc = create_components(L"::1", L"x");
    uc.nPort = 8080;
    const CreateResult r = create(uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.url, L"http://[::1]:8080/x");
}

TEST(CreateUrl, MissingHostIsAllowedButUnknownNSchemeIsInvalid) {
    // Wine url.c (verified on Windows): components without a host give "http://" and the rest.
    URL_COMPONENTS no_host = create_components(nullptr, L"/");
    const CreateResult r = create(no_host);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.url, L"http:///");
    // Our choice (page silent): an nScheme other than 0, HTTP or HTTPS without a scheme string.
    URL_COMPONENTS no_scheme = create_components(L"host", L"/");
    no_scheme.nScheme = INTERNET_SCHEME_FTP;
    DWORD length = 0;
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&no_scheme, 0, nullptr, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(length, 0u);
}

TEST(CreateUrl, RoundTripsDocumentationSample) {
    // [Create] sample: crack, replace the extra info, create.
    URL_COMPONENTS uc = pointer_components();
    uc.dwUserNameLength = uc.dwPasswordLength = 0;
    ASSERT_EQ(crack(kSampleUrl, uc).ok, TRUE);
    CreateResult r = create(uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.url, kSampleUrl);
    uc.lpszExtraInfo = const_cast<LPWSTR>(L"?RS=CHECKED&FORM=MSNH&v=1&q=winhttp");
    r = create(uc);
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.url, L"http://search.msn.com/results.asp?RS=CHECKED&FORM=MSNH&v=1&q=winhttp");
}

TEST(CreateUrl, RoundTripsEveryComponent) {
    // [URLs] WinHttpCrackUrl and WinHttpCreateUrl are inverses on a canonical URL.
    for (const wchar_t* url :
         {L"https://u:p@example.com:8443/a/b?c=d#e", L"http://h", L"http://h?q",
          L"http://[::1]:81/x", L"HTTP://Host/", L"http://h#frag"}) {
        SCOPED_TRACE(testing::Message() << winhttp::to_utf8(url));
        URL_COMPONENTS uc = pointer_components();
        ASSERT_EQ(crack(url, uc).ok, TRUE);
        const CreateResult r = create(uc);
        EXPECT_EQ(r.ok, TRUE);
        EXPECT_EQ(r.error, ERROR_SUCCESS);
        EXPECT_EQ(r.url, url);
    }
}

// ---- crack_url / resolve_reference / escape_object_name (internal, request engine) ----------

TEST(CrackUrlEngine, CrackUrlFillsParsedUrl) {
    winhttp::ParsedUrl p;
    ASSERT_EQ(winhttp::crack_url(L"https://u:pw@[::1]/a%20b?x#y", p), ERROR_SUCCESS);
    EXPECT_EQ(p.scheme, INTERNET_SCHEME_HTTPS);
    EXPECT_EQ(p.host, L"[::1]");
    EXPECT_EQ(p.port, 443);
    EXPECT_EQ(p.user, L"u");
    EXPECT_EQ(p.password, L"pw");
    EXPECT_EQ(p.path, L"/a%20b");
    EXPECT_EQ(p.extra, L"?x#y");
}

TEST(CrackUrlEngine, CrackUrlReturnsWinHttpErrors) {
    winhttp::ParsedUrl p;
    p.host = L"untouched";
    EXPECT_EQ(winhttp::crack_url(L"ftp://h/", p),
              static_cast<DWORD>(ERROR_WINHTTP_UNRECOGNIZED_SCHEME));
    EXPECT_EQ(winhttp::crack_url(L"http://h:x/", p), static_cast<DWORD>(ERROR_WINHTTP_INVALID_URL));
    EXPECT_EQ(p.host, L"untouched");
}

winhttp::ParsedUrl rfc3986_base() {
    winhttp::ParsedUrl base;
    EXPECT_EQ(winhttp::crack_url(L"http://a/b/c/d;p?q", base), ERROR_SUCCESS);
    return base;
}

TEST(CrackUrlEngine, ResolvesRfc3986NormalExamples) {
    // [3986] 5.4.1 normal examples against base "http://a/b/c/d;p?q".
    const winhttp::ParsedUrl base = rfc3986_base();
    const std::pair<const wchar_t*, const wchar_t*> cases[] = {{L"g:h", L"g:h"},
                                                               {L"g", L"http://a/b/c/g"},
                                                               {L"./g", L"http://a/b/c/g"},
                                                               {L"g/", L"http://a/b/c/g/"},
                                                               {L"/g", L"http://a/g"},
                                                               {L"//g", L"http://g"},
                                                               {L"?y", L"http://a/b/c/d;p?y"},
                                                               {L"g?y", L"http://a/b/c/g?y"},
                                                               {L"#s", L"http://a/b/c/d;p?q#s"},
                                                               {L"g#s", L"http://a/b/c/g#s"},
                                                               {L";x", L"http://a/b/c/;x"},
                                                               {L"", L"http://a/b/c/d;p?q"},
                                                               {L".", L"http://a/b/c/"},
                                                               {L"./", L"http://a/b/c/"},
                                                               {L"..", L"http://a/b/"},
                                                               {L"../g", L"http://a/b/g"},
                                                               {L"../..", L"http://a/"},
                                                               {L"../../g", L"http://a/g"}};
    for (const auto& [ref, expected] : cases) {
        EXPECT_EQ(winhttp::resolve_reference(base, ref), expected) << winhttp::to_utf8(ref);
    }
}

TEST(CrackUrlEngine, ResolvesRfc3986AbnormalExamples) {
    // [3986] 5.4.2 abnormal examples.
    const winhttp::ParsedUrl base = rfc3986_base();
    const std::pair<const wchar_t*, const wchar_t*> cases[] = {
        {L"../../../g", L"http://a/g"},
        {L"/./g", L"http://a/g"},
        {L"/../g", L"http://a/g"},
        {L"g.", L"http://a/b/c/g."},
        {L"..g", L"http://a/b/c/..g"},
        {L"./../g", L"http://a/b/g"},
        {L"g/./h", L"http://a/b/c/g/h"},
        {L"g/../h", L"http://a/b/c/h"},
        {L"g?y/./x", L"http://a/b/c/g?y/./x"},
        {L"g#s/../x", L"http://a/b/c/g#s/../x"}};
    for (const auto& [ref, expected] : cases) {
        EXPECT_EQ(winhttp::resolve_reference(base, ref), expected) << winhttp::to_utf8(ref);
    }
}

TEST(CrackUrlEngine, ResolveKeepsPortAndDropsUserInfo) {
    winhttp::ParsedUrl base;
    ASSERT_EQ(winhttp::crack_url(L"https://user:pw@h:8443/dir/page", base), ERROR_SUCCESS);
    EXPECT_EQ(winhttp::resolve_reference(base, L"next"), L"https://h:8443/dir/next");
    EXPECT_EQ(winhttp::resolve_reference(base, L"//other/x"), L"https://other/x");
    EXPECT_EQ(winhttp::resolve_reference(base, L"  http://abs/y?z  "), L"http://abs/y?z");
    EXPECT_EQ(winhttp::resolve_reference(base, L"/a/../b"), L"https://h:8443/b");
}

TEST(CrackUrlEngine, ResolveInheritsFragment) {
    // [7231] "If the Location value provided in a 3xx response does not have a fragment
    // component, a user agent MUST process the redirection as if the value inherits the
    // fragment component of the URI reference used to generate the request target".
    winhttp::ParsedUrl base;
    ASSERT_EQ(winhttp::crack_url(L"http://h/a#frag", base), ERROR_SUCCESS);
    EXPECT_EQ(winhttp::resolve_reference(base, L"/b"), L"http://h/b#frag");
    EXPECT_EQ(winhttp::resolve_reference(base, L"/b#other"), L"http://h/b#other");
}

TEST(CrackUrlEngine, ResolveOnEmptyBasePath) {
    winhttp::ParsedUrl base;
    ASSERT_EQ(winhttp::crack_url(L"http://h", base), ERROR_SUCCESS);
    EXPECT_EQ(winhttp::resolve_reference(base, L"x"), L"http://h/x");
    EXPECT_EQ(winhttp::resolve_reference(base, L"?q"), L"http://h?q");
}

TEST(CreateUrlObjectName, EscapesUnsafeCharactersButNotPercentByDefault) {
    // [Open] "By default, all unsafe characters except the percent symbol are converted to an
    // escape sequence."
    EXPECT_EQ(winhttp::escape_object_name(L"/a b/\x00E9/50%?q=a b&r=\"x\"", 0),
              "/a%20b/%C3%A9/50%?q=a%20b&r=%22x%22");
    EXPECT_EQ(winhttp::escape_object_name(L"/ok/path-._~!$&'()*+,;=:@?x=1", 0),
              "/ok/path-._~!$&'()*+,;=:@?x=1");
    // Wine winhttp.c test_request_path_escapes (verified on Windows): '#' is escaped, and CR/LF
    // become %0D%0A
    EXPECT_EQ(winhttp::escape_object_name(L"/p?x=1#f\r\n", 0), "/p?x=1%23f%0D%0A");
    EXPECT_EQ(winhttp::escape_object_name(L"", 0), "");
}

TEST(CreateUrlObjectName, EscapePercentAlsoEscapesPercent) {
    // [Open] WINHTTP_FLAG_ESCAPE_PERCENT: "All unsafe characters are converted to an escape
    // sequence including the percent symbol."
    EXPECT_EQ(winhttp::escape_object_name(L"/50% off?d=10%", WINHTTP_FLAG_ESCAPE_PERCENT),
              "/50%25%20off?d=10%25");
}

TEST(CreateUrlObjectName, EscapeDisableQueryLeavesQueryRaw) {
    // [Open] WINHTTP_FLAG_ESCAPE_DISABLE_QUERY: "Unsafe characters in the query component ...
    // are not converted to escape sequences."
    // Wine winhttp.c test_request_path_escapes (verified on Windows): spaces still go out as
    // %20 in the "raw" query, other unsafe characters as given, CR/LF dropped
    EXPECT_EQ(winhttp::escape_object_name(L"/a b?c d<\r\n", WINHTTP_FLAG_ESCAPE_DISABLE_QUERY),
              "/a%20b?c%20d<");
}

TEST(CreateUrlObjectName, EscapeDisableLeavesEverythingRaw) {
    // [Open] WINHTTP_FLAG_ESCAPE_DISABLE: "Unsafe characters in the URL passed in for
    // pwszObjectName are not converted to escape sequences."
    // Wine winhttp.c test_request_path_escapes (verified on Windows): except spaces (%20) and
    // non-ASCII (escaped UTF-8); DEL and '<' go out as given
    EXPECT_EQ(winhttp::escape_object_name(L"/a b<\x7F?c\x00E9", WINHTTP_FLAG_ESCAPE_DISABLE),
              "/a%20b<\x7F?c%C3%A9");
}

}  // namespace
