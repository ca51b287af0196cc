// WinHttpCreateUrl and WinHttpCrackUrl: the facts of Wine's dlls/winhttp/tests/url.c, whose
// expectations were run on Windows. Each test names the Wine test function it re-expresses;
// where Wine accepts an older Windows answer with broken(), the current Windows answer is the one
// tested here. No Wine code is copied: inputs and checks are written anew.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cwchar>
#include <string>
#include <string_view>

namespace {

constexpr DWORD kSentinel = 0xDEADBEEF;
constexpr DWORD kAll = ~0u;

// ---- WinHttpCreateUrl ---------------------------------------------------------------------

// The components every CreateUrl case starts from: a full http URL with user info and query.
struct CreateInput {
    std::wstring scheme = L"http", host = L"www.example.org", user = L"alice",
                 password = L"secret", path = L"/a/page", extra = L"?x=1";
};
// "http://alice:secret@www.example.org/a/page?x=1"
constexpr size_t kFullLength = 46;

URL_COMPONENTS full_components(CreateInput& in) {
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.lpszScheme = in.scheme.data();
    uc.dwSchemeLength = static_cast<DWORD>(in.scheme.size());
    uc.nScheme = INTERNET_SCHEME_HTTP;
    uc.lpszHostName = in.host.data();
    uc.dwHostNameLength = static_cast<DWORD>(in.host.size());
    uc.nPort = 80;
    uc.lpszUserName = in.user.data();
    uc.dwUserNameLength = static_cast<DWORD>(in.user.size());
    uc.lpszPassword = in.password.data();
    uc.dwPasswordLength = static_cast<DWORD>(in.password.size());
    uc.lpszUrlPath = in.path.data();
    uc.dwUrlPathLength = static_cast<DWORD>(in.path.size());
    uc.lpszExtraInfo = in.extra.data();
    uc.dwExtraInfoLength = static_cast<DWORD>(in.extra.size());
    return uc;
}

struct Created {
    BOOL ok;
    DWORD error;
    DWORD length;
    std::wstring url;
};

// One call with a 256-character buffer, as Wine's cases do.
Created create(URL_COMPONENTS& uc, DWORD flags = 0) {
    WCHAR buf[256];
    buf[0] = L'\0';
    DWORD length = 256;
    SetLastError(kSentinel);
    const BOOL ok = WinHttpCreateUrl(&uc, flags, buf, &length);
    return {ok, GetLastError(), length, ok ? std::wstring(buf) : std::wstring()};
}

void expect_created(const Created& r, std::wstring_view url) {
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(r.url, url);
    EXPECT_EQ(r.length, url.size());
}

TEST(WineCreateUrl, NullComponentsFailAndKeepLength) {
    // Wine url.c WinHttpCreateUrl_test: NULL components -> ERROR_INVALID_PARAMETER, length kept.
    DWORD length = kAll;
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(nullptr, 0, nullptr, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(length, kAll);
}

TEST(WineCreateUrl, ZeroedComponentsFailAndKeepLength) {
    // Wine url.c WinHttpCreateUrl_test: all-zero URL_COMPONENTS (dwStructSize 0) -> invalid.
    URL_COMPONENTS uc{};
    DWORD length = kAll;
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&uc, 0, nullptr, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(length, kAll);
}

TEST(WineCreateUrl, NullLengthFails) {
    // Wine url.c WinHttpCreateUrl_test: valid components, NULL url and NULL length -> invalid.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&uc, 0, nullptr, nullptr), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(WineCreateUrl, SizeProbeCountsTheTerminator) {
    // Wine url.c WinHttpCreateUrl_test: NULL url, length 0 -> ERROR_INSUFFICIENT_BUFFER and the
    // length of the URL plus one.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    DWORD length = 0;
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&uc, 0, nullptr, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, kFullLength + 1);
}

TEST(WineCreateUrl, NullUrlWithLargeLengthIsInvalidParameter) {
    // Wine url.c WinHttpCreateUrl_test: NULL url with a sufficient length -> ERROR_INVALID_PARAMETER
    // and the length untouched (Windows 7 and later; older ones answered INSUFFICIENT_BUFFER).
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    for (const DWORD given : {DWORD{256}, DWORD{kFullLength + 1}}) {
        DWORD length = given;
        SetLastError(kSentinel);
        EXPECT_EQ(WinHttpCreateUrl(&uc, 0, nullptr, &length), FALSE);
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
        EXPECT_EQ(length, given);
    }
}

TEST(WineCreateUrl, ShortBufferGivesRequiredLength) {
    // Wine url.c WinHttpCreateUrl_test: a buffer of 2 -> ERROR_INSUFFICIENT_BUFFER, length + 1.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    WCHAR buf[256];
    DWORD length = 2;
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCreateUrl(&uc, 0, buf, &length), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, kFullLength + 1);
}

TEST(WineCreateUrl, FullComponents) {
    // Wine url.c WinHttpCreateUrl_test: valid components -> the URL, length without terminator.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    expect_created(create(uc), L"http://alice:secret@www.example.org/a/page?x=1");
}

TEST(WineCreateUrl, NullSchemeStringUsesNScheme) {
    // Wine url.c WinHttpCreateUrl_test: lpszScheme NULL -> scheme from nScheme, last error 0.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    uc.lpszScheme = nullptr;
    expect_created(create(uc), L"http://alice:secret@www.example.org/a/page?x=1");
}

TEST(WineCreateUrl, ZeroNSchemeUsesSchemeString) {
    // Wine url.c WinHttpCreateUrl_test: nScheme 0 with lpszScheme "http" -> same URL.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    uc.nScheme = static_cast<INTERNET_SCHEME>(0);
    expect_created(create(uc), L"http://alice:secret@www.example.org/a/page?x=1");
}

TEST(WineCreateUrl, UserWithNullPassword) {
    // Wine url.c WinHttpCreateUrl_test: a user name with a NULL password succeeds.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    uc.lpszPassword = nullptr;
    uc.dwPasswordLength = 0;
    expect_created(create(uc), L"http://alice@www.example.org/a/page?x=1");
}

TEST(WineCreateUrl, UserWithEmptyPasswordKeepsColon) {
    // Wine url.c WinHttpCreateUrl_test: user name and empty password -> "user:@host".
    CreateInput in;
    in.password.clear();
    URL_COMPONENTS uc = full_components(in);
    expect_created(create(uc), L"http://alice:@www.example.org/a/page?x=1");
}

TEST(WineCreateUrl, PasswordWithoutUserIsInvalidParameter) {
    // Wine url.c WinHttpCreateUrl_test: a password with a NULL user name -> ERROR_INVALID_PARAMETER.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    uc.lpszUserName = nullptr;
    const Created r = create(uc);
    EXPECT_EQ(r.ok, FALSE);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(WineCreateUrl, EmptyUserWithPassword) {
    // Wine url.c WinHttpCreateUrl_test: an empty (non-NULL) user name with a password succeeds.
    CreateInput in;
    in.user.clear();
    URL_COMPONENTS uc = full_components(in);
    expect_created(create(uc), L"http://:secret@www.example.org/a/page?x=1");
}

TEST(WineCreateUrl, NullUserAndPasswordGiveNoUserInfo) {
    // Wine url.c WinHttpCreateUrl_test: NULL user name and password -> no user info at all.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    uc.lpszUserName = uc.lpszPassword = nullptr;
    expect_created(create(uc), L"http://www.example.org/a/page?x=1");
}

TEST(WineCreateUrl, EmptyUserAndPasswordKeepColonAndAt) {
    // Wine url.c WinHttpCreateUrl_test: empty user name and password -> "http://:@host".
    CreateInput in;
    in.user.clear();
    in.password.clear();
    URL_COMPONENTS uc = full_components(in);
    expect_created(create(uc), L"http://:@www.example.org/a/page?x=1");
}

TEST(WineCreateUrl, SchemeStringWinsOverNScheme) {
    // Wine url.c WinHttpCreateUrl_test: lpszScheme "ftp" beats nScheme HTTP; port 80 is then
    // not a default and is written.
    CreateInput in;
    in.scheme = L"ftp";
    URL_COMPONENTS uc = full_components(in);
    expect_created(create(uc), L"ftp://alice:secret@www.example.org:80/a/page?x=1");
}

TEST(WineCreateUrl, NonStandardPortIsWritten) {
    // Wine url.c WinHttpCreateUrl_test: http with port 42 -> ":42".
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    uc.nPort = 42;
    expect_created(create(uc), L"http://alice:secret@www.example.org:42/a/page?x=1");
}

TEST(WineCreateUrl, EscapeExtraInfoPunctuation) {
    // Wine url.c WinHttpCreateUrl_test: ICU_ESCAPE on the printable ASCII punctuation escapes
    // space " # % < > [ \ ] ^ ` { | } ~ and keeps ! $ & ' ( ) * + , - . / : ; = ? @ _; the extra
    // info is appended as given (no '?' added).
    CreateInput in;
    in.extra = L" !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    URL_COMPONENTS uc = full_components(in);
    expect_created(create(uc, ICU_ESCAPE),
                   L"http://alice:secret@www.example.org/a/page%20!%22%23$%25&'()*+,-./:;%3C="
                   L"%3E?@%5B%5C%5D%5E_%60%7B%7C%7D%7E");
}

// Zeroed components apart from the size: no scheme, no host, no port.
URL_COMPONENTS bare_components() {
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    return uc;
}

TEST(WineCreateUrl, EscapeControlCharactersOfExtraInfoWithoutHost) {
    // Wine url.c WinHttpCreateUrl_test: only extra info given -> "http://" and the escaped text;
    // CR, 0x1F, space, LF and DEL become %XX.
    std::wstring extra = L"\r\x1f \n\x7f\r\n";
    URL_COMPONENTS uc = bare_components();
    uc.lpszExtraInfo = extra.data();
    uc.dwExtraInfoLength = static_cast<DWORD>(extra.size());
    expect_created(create(uc, ICU_ESCAPE), L"http://%0D%1F%20%0A%7F%0D%0A");
}

TEST(WineCreateUrl, EscapeControlCharactersOfPathWithoutHost) {
    // Wine url.c WinHttpCreateUrl_test: the same text as the path -> the same URL (no '/' added).
    std::wstring path = L"\r\x1f \n\x7f\r\n";
    URL_COMPONENTS uc = bare_components();
    uc.lpszUrlPath = path.data();
    uc.dwUrlPathLength = static_cast<DWORD>(path.size());
    expect_created(create(uc, ICU_ESCAPE), L"http://%0D%1F%20%0A%7F%0D%0A");
}

TEST(WineCreateUrl, NonAsciiWithEscapeSucceedsWhenCodePageIsUtf8) {
    // Wine url.c WinHttpCreateUrl_test: ICU_ESCAPE on U+FB00 fails with ERROR_INVALID_PARAMETER
    // unless the ANSI code page is UTF-8, where it succeeds with last error 0. CP_ACP is UTF-8 on
    // Linux, so it succeeds (escaped as the UTF-8 bytes).
    for (const bool as_path : {false, true}) {
        std::wstring text = as_path ? L"/text=\xfb00" : L"?text=\xfb00";
        URL_COMPONENTS uc = bare_components();
        (as_path ? uc.lpszUrlPath : uc.lpszExtraInfo) = text.data();
        (as_path ? uc.dwUrlPathLength : uc.dwExtraInfoLength) = static_cast<DWORD>(text.size());
        const Created r = create(uc, ICU_ESCAPE);
        EXPECT_EQ(r.ok, TRUE) << as_path;
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_SUCCESS)) << as_path;
        EXPECT_EQ(r.url, std::wstring(L"http://") + (as_path ? L'/' : L'?') + L"text=%EF%AC%80");
    }
}

TEST(WineCreateUrl, NonAsciiWithoutEscapeIsCopied) {
    // Wine url.c WinHttpCreateUrl_test: without ICU_ESCAPE U+FB00 is copied as is
    // ("http://?text=\xfb00" and "http:///text=\xfb00").
    std::wstring extra = L"?text=\xfb00";
    URL_COMPONENTS uc = bare_components();
    uc.lpszExtraInfo = extra.data();
    uc.dwExtraInfoLength = static_cast<DWORD>(extra.size());
    expect_created(create(uc), L"http://?text=\xfb00");

    std::wstring path = L"/text=\xfb00";
    uc = bare_components();
    uc.lpszUrlPath = path.data();
    uc.dwUrlPathLength = static_cast<DWORD>(path.size());
    expect_created(create(uc), L"http:///text=\xfb00");
}

TEST(WineCreateUrl, NoSchemeAtAllMeansHttpAndPortZeroIsWritten) {
    // Wine url.c WinHttpCreateUrl_test: NULL lpszScheme, nScheme 0 and nPort 0 -> "http://" and
    // an explicit ":0" after the host.
    CreateInput in;
    URL_COMPONENTS uc = full_components(in);
    uc.lpszScheme = nullptr;
    uc.dwSchemeLength = 0;
    uc.nScheme = static_cast<INTERNET_SCHEME>(0);
    uc.nPort = 0;
    expect_created(create(uc), L"http://alice:secret@www.example.org:0/a/page?x=1");
}

// ---- WinHttpCrackUrl ----------------------------------------------------------------------

const wchar_t kUrl1[] = L"http://alice:secret@www.example.org/a/page?x=1";

struct Buffers {
    WCHAR scheme[20], user[20], pass[20], host[40], path[80], extra[40];
};

// Caller buffers for every component, with the given lengths.
URL_COMPONENTS buffer_components(Buffers& b, DWORD host_len = 20, DWORD path_len = 40,
                                 DWORD extra_len = 20) {
    std::wmemset(reinterpret_cast<WCHAR*>(&b), L'#', sizeof(b) / sizeof(WCHAR));
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.lpszScheme = b.scheme;
    uc.dwSchemeLength = 20;
    uc.lpszUserName = b.user;
    uc.dwUserNameLength = 20;
    uc.lpszPassword = b.pass;
    uc.dwPasswordLength = 20;
    uc.lpszHostName = b.host;
    uc.dwHostNameLength = host_len;
    uc.lpszUrlPath = b.path;
    uc.dwUrlPathLength = path_len;
    uc.lpszExtraInfo = b.extra;
    uc.dwExtraInfoLength = extra_len;
    return uc;
}

// Pointer mode as Wine resets it: every length ~0 except the host's, which is 1.
URL_COMPONENTS pointer_components() {
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.dwSchemeLength = kAll;
    uc.dwHostNameLength = 1;
    uc.dwUserNameLength = kAll;
    uc.dwPasswordLength = kAll;
    uc.dwUrlPathLength = kAll;
    uc.dwExtraInfoLength = kAll;
    return uc;
}

struct Cracked {
    BOOL ok;
    DWORD error;
};

Cracked crack(const wchar_t* url, URL_COMPONENTS& uc, DWORD flags = 0) {
    SetLastError(kSentinel);
    const BOOL ok = WinHttpCrackUrl(url, 0, flags, &uc);
    return {ok, GetLastError()};
}

void expect_cracked(const Cracked& r) {
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_SUCCESS));
}

void expect_failed(const Cracked& r, DWORD error) {
    EXPECT_EQ(r.ok, FALSE);
    EXPECT_EQ(r.error, error);
}

TEST(WineCrackUrl, BuffersOfSufficientLength) {
    // Wine url.c WinHttpCrackUrl_test: every component copied, lengths without terminator.
    Buffers b;
    URL_COMPONENTS uc = buffer_components(b);
    expect_cracked(crack(kUrl1, uc));
    EXPECT_EQ(uc.nScheme, static_cast<INTERNET_SCHEME>(INTERNET_SCHEME_HTTP));
    EXPECT_STREQ(b.scheme, L"http");
    EXPECT_EQ(uc.dwSchemeLength, 4u);
    EXPECT_STREQ(b.user, L"alice");
    EXPECT_EQ(uc.dwUserNameLength, 5u);
    EXPECT_STREQ(b.pass, L"secret");
    EXPECT_EQ(uc.dwPasswordLength, 6u);
    EXPECT_STREQ(b.host, L"www.example.org");
    EXPECT_EQ(uc.dwHostNameLength, 15u);
    EXPECT_EQ(uc.nPort, 80);
    EXPECT_STREQ(b.path, L"/a/page");
    EXPECT_EQ(uc.dwUrlPathLength, 7u);
    EXPECT_STREQ(b.extra, L"?x=1");
    EXPECT_EQ(uc.dwExtraInfoLength, 4u);
}

TEST(WineCrackUrl, BuffersOfInsufficientLength) {
    // Wine url.c WinHttpCrackUrl_test: scheme and host buffers of 1 -> ERROR_INSUFFICIENT_BUFFER,
    // their lengths become the size needed with the terminator, a sufficient path is still
    // copied with its length.
    Buffers b;
    URL_COMPONENTS uc = buffer_components(b);
    uc.dwSchemeLength = 1;
    uc.dwHostNameLength = 1;
    expect_failed(crack(kUrl1, uc), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(uc.dwSchemeLength, 5u);
    EXPECT_EQ(uc.dwHostNameLength, 16u);
    EXPECT_EQ(uc.dwUrlPathLength, 7u);
}

TEST(WineCrackUrl, NoBuffersGivePointersIntoTheUrl) {
    // Wine url.c WinHttpCrackUrl_test: pointer mode on a URL without query -> pointers into the
    // input, the extra info at the end with length 0, last error ERROR_SUCCESS.
    const wchar_t url[] = L"http://alice:secret@www.example.org/a/page";
    URL_COMPONENTS uc = pointer_components();
    expect_cracked(crack(url, uc));
    EXPECT_EQ(uc.nScheme, static_cast<INTERNET_SCHEME>(INTERNET_SCHEME_HTTP));
    EXPECT_EQ(uc.lpszScheme, url);
    EXPECT_EQ(uc.dwSchemeLength, 4u);
    EXPECT_EQ(uc.lpszUserName, url + 7);
    EXPECT_EQ(uc.dwUserNameLength, 5u);
    EXPECT_EQ(uc.lpszPassword, url + 13);
    EXPECT_EQ(uc.dwPasswordLength, 6u);
    EXPECT_EQ(uc.lpszHostName, url + 20);
    EXPECT_EQ(uc.dwHostNameLength, 15u);
    EXPECT_EQ(uc.nPort, 80);
    EXPECT_EQ(uc.lpszUrlPath, url + 35);
    EXPECT_EQ(uc.dwUrlPathLength, 7u);
    EXPECT_EQ(uc.lpszExtraInfo, url + 42);
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
}

TEST(WineCrackUrl, HostOnlyUrlWithLengthsOfOne) {
    // Wine url.c WinHttpCrackUrl_test: all lengths 1, "http://host" -> no user/password (NULL, 0),
    // path and extra info empty at the end of the URL.
    const wchar_t url[] = L"http://www.example.org";
    URL_COMPONENTS uc = pointer_components();
    uc.dwSchemeLength = uc.dwUserNameLength = uc.dwPasswordLength = 1;
    uc.dwUrlPathLength = uc.dwExtraInfoLength = 1;
    expect_cracked(crack(url, uc));
    EXPECT_EQ(uc.lpszScheme, url);
    EXPECT_EQ(uc.dwSchemeLength, 4u);
    EXPECT_EQ(uc.lpszUserName, nullptr);
    EXPECT_EQ(uc.dwUserNameLength, 0u);
    EXPECT_EQ(uc.lpszPassword, nullptr);
    EXPECT_EQ(uc.dwPasswordLength, 0u);
    EXPECT_EQ(uc.lpszHostName, url + 7);
    EXPECT_EQ(uc.dwHostNameLength, 15u);
    EXPECT_EQ(uc.nPort, 80);
    EXPECT_EQ(uc.lpszUrlPath, url + 22);
    EXPECT_EQ(uc.dwUrlPathLength, 0u);
    EXPECT_EQ(uc.lpszExtraInfo, url + 22);
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
}

TEST(WineCrackUrl, HttpsWithLoneQuestionMarkAfterPath) {
    // Wine url.c WinHttpCrackUrl_test: "https://host/post?" -> port 443, path "/post", extra "?".
    const wchar_t url[] = L"https://www.example.org/post?";
    URL_COMPONENTS uc = pointer_components();
    expect_cracked(crack(url, uc));
    EXPECT_EQ(uc.nScheme, static_cast<INTERNET_SCHEME>(INTERNET_SCHEME_HTTPS));
    EXPECT_EQ(uc.lpszScheme, url);
    EXPECT_EQ(uc.dwSchemeLength, 5u);
    EXPECT_EQ(uc.lpszUserName, nullptr);
    EXPECT_EQ(uc.lpszPassword, nullptr);
    EXPECT_EQ(uc.lpszHostName, url + 8);
    EXPECT_EQ(uc.dwHostNameLength, 15u);
    EXPECT_EQ(uc.nPort, 443);
    EXPECT_EQ(uc.lpszUrlPath, url + 23);
    EXPECT_EQ(uc.dwUrlPathLength, 5u);
    EXPECT_EQ(uc.lpszExtraInfo, url + 28);
    EXPECT_EQ(uc.dwExtraInfoLength, 1u);
}

TEST(WineCrackUrl, LoneQuestionMarkWithoutPathIsDropped) {
    // Wine url.c WinHttpCrackUrl_test: "http://host?" -> path and extra info both empty at the
    // end of the URL (Windows 8 answered extra "?" of length 1; later Windows do not).
    const wchar_t url[] = L"http://winehq?";
    URL_COMPONENTS uc = pointer_components();
    expect_cracked(crack(url, uc));
    EXPECT_EQ(uc.lpszUrlPath, url + 14);
    EXPECT_EQ(uc.dwUrlPathLength, 0u);
    EXPECT_EQ(uc.lpszExtraInfo, url + 14);
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
}

TEST(WineCrackUrl, SemicolonStaysInThePath) {
    // Wine url.c WinHttpCrackUrl_test: "http://winehq/post;a" -> path "/post;a", extra empty.
    const wchar_t url[] = L"http://winehq/post;a";
    URL_COMPONENTS uc = pointer_components();
    expect_cracked(crack(url, uc));
    EXPECT_EQ(uc.lpszUrlPath, url + 13);
    EXPECT_EQ(uc.dwUrlPathLength, 7u);
    EXPECT_EQ(uc.lpszExtraInfo, url + 20);
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
}

TEST(WineCrackUrl, MissingSlashesAreInvalidUrl) {
    // Wine url.c WinHttpCrackUrl_test: "HTTP:host", "http:/host" and "http://" ->
    // ERROR_WINHTTP_INVALID_URL.
    for (const wchar_t* url : {L"HTTP:www.example.org", L"http:/www.example.org", L"http://"}) {
        URL_COMPONENTS uc = pointer_components();
        expect_failed(crack(url, uc), ERROR_WINHTTP_INVALID_URL);
    }
}

TEST(WineCrackUrl, NoSchemeIsUnrecognizedScheme) {
    // Wine url.c WinHttpCrackUrl_test: "host.name", "www", "http" and "" ->
    // ERROR_WINHTTP_UNRECOGNIZED_SCHEME.
    for (const wchar_t* url : {L"www.example.org", L"www", L"http", L""}) {
        URL_COMPONENTS uc = pointer_components();
        expect_failed(crack(url, uc), ERROR_WINHTTP_UNRECOGNIZED_SCHEME);
    }
}

TEST(WineCrackUrl, NullArgumentsAreInvalidParameter) {
    // Wine url.c WinHttpCrackUrl_test: NULL components or NULL url -> ERROR_INVALID_PARAMETER.
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpCrackUrl(kUrl1, 0, 0, nullptr), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    URL_COMPONENTS uc = pointer_components();
    expect_failed(crack(nullptr, uc), ERROR_INVALID_PARAMETER);
}

// Path with every escaped punctuation character, then a query.
const wchar_t kEscapedUrl[] =
    L"http://alice:secret@www.example.org/a/page%20!%22%23$%25&'()*+,-./:;%3C=%3E"
    L"?@%5B%5C%5D%5E_%60%7B%7C%7D%7E";

TEST(WineCrackUrl, DecodeWithoutBuffersIsInvalidParameter) {
    // Wine url.c WinHttpCrackUrl_test: ICU_DECODE in pointer mode -> ERROR_INVALID_PARAMETER.
    URL_COMPONENTS uc = pointer_components();
    expect_failed(crack(kEscapedUrl, uc, ICU_DECODE), ERROR_INVALID_PARAMETER);
}

TEST(WineCrackUrl, DecodeWithBuffersSplitsBeforeDecoding) {
    // Wine url.c WinHttpCrackUrl_test: ICU_DECODE decodes the path (a decoded '#' or '?' stays in
    // it) and the extra info, which starts at the first raw '?'.
    Buffers b;
    URL_COMPONENTS uc = buffer_components(b, 20, 80, 40);
    expect_cracked(crack(kEscapedUrl, uc, ICU_DECODE));
    EXPECT_STREQ(b.path, L"/a/page !\"#$%&'()*+,-./:;<=>");
    EXPECT_EQ(uc.dwUrlPathLength, 28u);
    EXPECT_STREQ(b.extra, L"?@[\\]^_`{|}~");
    EXPECT_EQ(uc.dwExtraInfoLength, 12u);
}

TEST(WineCrackUrl, ExplicitPortsAreReturnedAsGiven) {
    // Wine url.c WinHttpCrackUrl_test: ":42" -> 42 (host copied without it), ":0" -> 0, ":80" on
    // http -> 80, ":443" on https -> 443.
    Buffers b;
    URL_COMPONENTS uc = buffer_components(b);
    expect_cracked(crack(L"http://alice:secret@www.example.org:42/a/page?x=1", uc));
    EXPECT_STREQ(b.host, L"www.example.org");
    EXPECT_EQ(uc.dwHostNameLength, 15u);
    EXPECT_EQ(uc.nPort, 42);

    const struct {
        const wchar_t* url;
        INTERNET_PORT port;
    } cases[] = {{L"http://alice:secret@www.example.org:0/a/page?x=1", 0},
                 {L"http://alice:secret@www.example.org:80/a/page?x=1", 80},
                 {L"https://alice:secret@www.example.org:443/a/page?x=1", 443},
                 {L"http://winehq.org:0", 0}};
    for (const auto& c : cases) {
        uc = pointer_components();
        uc.nPort = 1;
        expect_cracked(crack(c.url, uc));
        EXPECT_EQ(uc.nPort, c.port);
    }
}

TEST(WineCrackUrl, PortAbove65535IsInvalidUrl) {
    // Wine url.c WinHttpCrackUrl_test: ":65536" -> ERROR_WINHTTP_INVALID_URL.
    URL_COMPONENTS uc = pointer_components();
    expect_failed(crack(L"http://winehq.org:65536", uc), ERROR_WINHTTP_INVALID_URL);
}

TEST(WineCrackUrl, EmptyPortMeansSchemeDefault) {
    // Wine url.c WinHttpCrackUrl_test: "http://host:" and "http://host:/" -> port 80.
    for (const wchar_t* url : {L"http://winehq.org:", L"http://winehq.org:/"}) {
        URL_COMPONENTS uc = pointer_components();
        uc.nPort = 1;
        expect_cracked(crack(url, uc));
        EXPECT_EQ(uc.nPort, 80);
    }
}

TEST(WineCrackUrl, AtSignInQueryIsNotUserInfo) {
    // Wine url.c WinHttpCrackUrl_test: '@' after the path belongs to the extra info.
    const wchar_t url[] = L"http://example.net/path?var1=example@example.com&var2=x&var3=y";
    URL_COMPONENTS uc = pointer_components();
    expect_cracked(crack(url, uc));
    EXPECT_EQ(uc.nScheme, static_cast<INTERNET_SCHEME>(INTERNET_SCHEME_HTTP));
    EXPECT_EQ(uc.lpszScheme, url);
    EXPECT_EQ(uc.dwSchemeLength, 4u);
    EXPECT_EQ(uc.lpszUserName, nullptr);
    EXPECT_EQ(uc.lpszPassword, nullptr);
    EXPECT_EQ(uc.lpszHostName, url + 7);
    EXPECT_EQ(uc.dwHostNameLength, 11u);
    EXPECT_EQ(uc.nPort, 80);
    EXPECT_EQ(uc.lpszUrlPath, url + 18);
    EXPECT_EQ(uc.dwUrlPathLength, 5u);
    EXPECT_EQ(uc.lpszExtraInfo, url + 23);
    EXPECT_EQ(uc.dwExtraInfoLength, 39u);
}

TEST(WineCrackUrl, DecodeWithSomeComponentsNotWanted) {
    // Wine url.c WinHttpCrackUrl_test: ICU_DECODE with buffers for scheme, host and path and the
    // other components NULL with length 0 succeeds; the path then carries the query.
    WCHAR scheme[20], host[20], path[40];
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.lpszScheme = scheme;
    uc.dwSchemeLength = 20;
    uc.lpszHostName = host;
    uc.dwHostNameLength = 20;
    uc.lpszUrlPath = path;
    uc.dwUrlPathLength = 40;
    expect_cracked(crack(L"https://tools.example.com/service/update2?w=3:BxDHoWy8ezM", uc,
                         ICU_DECODE));
    EXPECT_STREQ(path, L"/service/update2?w=3:BxDHoWy8ezM");
}

TEST(WineCrackUrl, EscapeAndDecodeLeaveTheHostAlone) {
    // Wine url.c WinHttpCrackUrl_test: ICU_ESCAPE|ICU_DECODE on "http://winehq.o g/path with
    // spaces" -> host "winehq.o g" as written, path "/path%20with%20spaces".
    WCHAR scheme[20], host[20], path[40];
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.lpszScheme = scheme;
    uc.dwSchemeLength = 20;
    uc.lpszHostName = host;
    uc.dwHostNameLength = 20;
    uc.lpszUrlPath = path;
    uc.dwUrlPathLength = 40;
    expect_cracked(crack(L"http://winehq.o g/path with spaces", uc, ICU_ESCAPE | ICU_DECODE));
    EXPECT_STREQ(host, L"winehq.o g");
    EXPECT_STREQ(path, L"/path%20with%20spaces");
    EXPECT_EQ(uc.dwUrlPathLength, std::wcslen(L"/path%20with%20spaces"));
}

TEST(WineCrackUrl, SchemeNotWantedStaysNull) {
    // Wine url.c WinHttpCrackUrl_test: scheme NULL/0 is left alone while nScheme and nPort are
    // set; user and password absent give NULL and 0; the extra info points at "".
    const wchar_t url[] = L"http://www.example.org/test";
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.dwHostNameLength = uc.dwUserNameLength = uc.dwPasswordLength = kAll;
    uc.dwUrlPathLength = uc.dwExtraInfoLength = kAll;
    expect_cracked(crack(url, uc));
    EXPECT_EQ(uc.lpszScheme, nullptr);
    EXPECT_EQ(uc.dwSchemeLength, 0u);
    EXPECT_EQ(uc.nScheme, static_cast<INTERNET_SCHEME>(INTERNET_SCHEME_HTTP));
    EXPECT_EQ(uc.lpszHostName, url + 7);
    EXPECT_EQ(uc.dwHostNameLength, 15u);
    EXPECT_EQ(uc.nPort, 80);
    EXPECT_EQ(uc.lpszUserName, nullptr);
    EXPECT_EQ(uc.dwUserNameLength, 0u);
    EXPECT_EQ(uc.lpszPassword, nullptr);
    EXPECT_EQ(uc.dwPasswordLength, 0u);
    EXPECT_EQ(uc.lpszUrlPath, url + 22);
    EXPECT_EQ(uc.dwUrlPathLength, 5u);
    ASSERT_NE(uc.lpszExtraInfo, nullptr);
    EXPECT_EQ(uc.lpszExtraInfo[0], L'\0');
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
}

TEST(WineCrackUrl, BufferOfLengthZeroIsInvalidParameterAndChangesNothing) {
    // Wine url.c WinHttpCrackUrl_test: a scheme buffer announced with length 0 ->
    // ERROR_INVALID_PARAMETER; the buffer, nScheme, nPort and every other member stay as they were.
    WCHAR scheme[20] = L"keep";
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.lpszScheme = scheme;
    uc.dwUserNameLength = kAll;
    uc.dwPasswordLength = kAll;
    expect_failed(crack(L"http://www.example.org/test", uc), ERROR_INVALID_PARAMETER);
    EXPECT_STREQ(scheme, L"keep");
    EXPECT_EQ(uc.dwSchemeLength, 0u);
    EXPECT_EQ(uc.nScheme, static_cast<INTERNET_SCHEME>(0));
    EXPECT_EQ(uc.lpszHostName, nullptr);
    EXPECT_EQ(uc.dwHostNameLength, 0u);
    EXPECT_EQ(uc.nPort, 0);
    EXPECT_EQ(uc.lpszUserName, nullptr);
    EXPECT_EQ(uc.dwUserNameLength, kAll);
    EXPECT_EQ(uc.lpszPassword, nullptr);
    EXPECT_EQ(uc.dwPasswordLength, kAll);
    EXPECT_EQ(uc.lpszUrlPath, nullptr);
    EXPECT_EQ(uc.dwUrlPathLength, 0u);
    EXPECT_EQ(uc.lpszExtraInfo, nullptr);
    EXPECT_EQ(uc.dwExtraInfoLength, 0u);
}

TEST(WineCrackUrl, PathCarriesQueryWhenExtraInfoIsNotWanted) {
    // Wine url.c WinHttpCrackUrl_test: buffers for scheme, host and path only -> the path is
    // everything after the port, query included (50 characters here).
    const wchar_t url[] =
        L"https://nba2k19-ws.2ksports.com:19133/nba/v4/Accounts/get_account?x=3789526775265663876";
    WCHAR scheme[20], host[40], path[80];
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    uc.lpszScheme = scheme;
    uc.dwSchemeLength = 20;
    uc.lpszHostName = host;
    uc.dwHostNameLength = 40;
    uc.lpszUrlPath = path;
    uc.dwUrlPathLength = 80;
    expect_cracked(crack(url, uc));
    EXPECT_STREQ(path, url + 37);
    EXPECT_EQ(uc.dwUrlPathLength, 50u);
}

}  // namespace
