// WinHttpQueryOption / WinHttpSetOption / WinHttpSetTimeouts ("Option Flags" page and the
// functions' pages): defaults, buffer protocol, handle kinds and bad input.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cwchar>

namespace {

constexpr DWORD kSentinel = 0xDEADBEEF;

struct Tree {
    HINTERNET session = WinHttpOpen(L"Agent/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, 0);
    HINTERNET connect = WinHttpConnect(session, L"example.test", 8080, 0);
    HINTERNET request = WinHttpOpenRequest(connect, L"GET", L"/path?q=1", nullptr, nullptr, nullptr, 0);
    ~Tree() {
        WinHttpCloseHandle(request);
        WinHttpCloseHandle(connect);
        WinHttpCloseHandle(session);
    }
};

DWORD query_dword(HINTERNET h, DWORD option) {
    DWORD v = kSentinel, size = sizeof(v);
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpQueryOption(h, option, &v, &size)) << "option " << option;
    EXPECT_EQ(size, sizeof(DWORD));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    return v;
}

}  // namespace

// WinHttpSetTimeouts page and option pages: documented defaults.
TEST(QueryOption, DocumentedDefaults) {
    Tree t;
    for (HINTERNET h : {t.session, t.request}) {
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_RESOLVE_TIMEOUT), 0u);
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_CONNECT_TIMEOUT), 60000u);
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_SEND_TIMEOUT), 30000u);
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_RECEIVE_TIMEOUT), 30000u);
        // The page says 90 s; Windows answers INFINITE (Wine winhttp.c test_timeouts)
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT), 0xFFFFFFFFu);
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_CONNECT_RETRIES), 5u);
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_REDIRECT_POLICY),
                  static_cast<DWORD>(WINHTTP_OPTION_REDIRECT_POLICY_DISALLOW_HTTPS_TO_HTTP));
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_MAX_HTTP_AUTOMATIC_REDIRECTS), 10u);
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_MAX_HTTP_STATUS_CONTINUE), 10u);
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE), 64u * 1024);
        EXPECT_EQ(query_dword(h, WINHTTP_OPTION_MAX_RESPONSE_DRAIN_SIZE), 1024u * 1024);
    }
    EXPECT_EQ(query_dword(t.session, WINHTTP_OPTION_MAX_CONNS_PER_SERVER), 0xFFFFFFFFu);
    EXPECT_EQ(query_dword(t.request, WINHTTP_OPTION_SECURITY_FLAGS), 0u);
    EXPECT_EQ(query_dword(t.session, WINHTTP_OPTION_HANDLE_TYPE), DWORD{WINHTTP_HANDLE_TYPE_SESSION});
    EXPECT_EQ(query_dword(t.connect, WINHTTP_OPTION_HANDLE_TYPE), DWORD{WINHTTP_HANDLE_TYPE_CONNECT});
    EXPECT_EQ(query_dword(t.request, WINHTTP_OPTION_HANDLE_TYPE), DWORD{WINHTTP_HANDLE_TYPE_REQUEST});
}

// Settings inherit downward at creation; later changes on the parent don't reach children.
TEST(SetOption, ChildrenCopyParentSettingsAtCreation) {
    HINTERNET s = WinHttpOpen(L"a", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, 0);
    DWORD v = 1234;
    ASSERT_TRUE(WinHttpSetOption(s, WINHTTP_OPTION_CONNECT_TIMEOUT, &v, sizeof(v)));
    HINTERNET c = WinHttpConnect(s, L"h", 80, 0);
    HINTERNET r = WinHttpOpenRequest(c, nullptr, nullptr, nullptr, nullptr, nullptr, 0);
    EXPECT_EQ(query_dword(r, WINHTTP_OPTION_CONNECT_TIMEOUT), 1234u);
    v = 99;
    ASSERT_TRUE(WinHttpSetOption(s, WINHTTP_OPTION_CONNECT_TIMEOUT, &v, sizeof(v)));
    EXPECT_EQ(query_dword(r, WINHTTP_OPTION_CONNECT_TIMEOUT), 1234u);
    WinHttpCloseHandle(r);
    WinHttpCloseHandle(c);
    WinHttpCloseHandle(s);
}

// WinHttpQueryOption page: too small a buffer gives ERROR_INSUFFICIENT_BUFFER and the size.
TEST(QueryOption, SizeProbeForDword) {
    Tree t;
    DWORD size = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(t.session, WINHTTP_OPTION_CONNECT_TIMEOUT, nullptr, &size));
    EXPECT_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, sizeof(DWORD));
    char small[2];
    size = sizeof(small);
    EXPECT_FALSE(WinHttpQueryOption(t.session, WINHTTP_OPTION_CONNECT_TIMEOUT, small, &size));
    EXPECT_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, sizeof(DWORD));
}

TEST(QueryOption, NullLengthIsInvalidParameter) {
    Tree t;
    DWORD v;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(t.session, WINHTTP_OPTION_CONNECT_TIMEOUT, &v, nullptr));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
}

// Strings are sized in bytes: the probe includes the NUL, success excludes it.
TEST(QueryOption, UserAgentStringProtocol) {
    Tree t;
    DWORD size = 0;
    EXPECT_FALSE(WinHttpQueryOption(t.session, WINHTTP_OPTION_USER_AGENT, nullptr, &size));
    EXPECT_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, (wcslen(L"Agent/1.0") + 1) * sizeof(WCHAR));
    WCHAR buf[64];
    size = sizeof(buf);
    ASSERT_TRUE(WinHttpQueryOption(t.session, WINHTTP_OPTION_USER_AGENT, buf, &size));
    EXPECT_STREQ(buf, L"Agent/1.0");
    EXPECT_EQ(size, wcslen(L"Agent/1.0") * sizeof(WCHAR));
    const WCHAR agent[] = L"Other/2.0";
    ASSERT_TRUE(WinHttpSetOption(t.session, WINHTTP_OPTION_USER_AGENT, (LPVOID)agent,
                                 static_cast<DWORD>(wcslen(agent))));
    size = sizeof(buf);
    ASSERT_TRUE(WinHttpQueryOption(t.session, WINHTTP_OPTION_USER_AGENT, buf, &size));
    EXPECT_STREQ(buf, L"Other/2.0");
}

TEST(QueryOption, UrlOfUnsentRequest) {
    Tree t;
    WCHAR buf[128];
    DWORD size = sizeof(buf);
    ASSERT_TRUE(WinHttpQueryOption(t.request, WINHTTP_OPTION_URL, buf, &size));
    EXPECT_STREQ(buf, L"http://example.test:8080/path?q=1");
}

TEST(QueryOption, ContextValueRoundTrip) {
    Tree t;
    DWORD_PTR v = 0x1234567890ull, out = 0;
    ASSERT_TRUE(WinHttpSetOption(t.connect, WINHTTP_OPTION_CONTEXT_VALUE, &v, sizeof(v)));
    DWORD size = sizeof(out);
    ASSERT_TRUE(WinHttpQueryOption(t.connect, WINHTTP_OPTION_CONTEXT_VALUE, &out, &size));
    EXPECT_EQ(out, v);
    EXPECT_EQ(size, sizeof(DWORD_PTR));
}

// Unknown options fail with ERROR_WINHTTP_INVALID_OPTION so apps can probe (PITFALLS 9).
TEST(SetOption, UnknownOptionIsInvalidOption) {
    Tree t;
    DWORD v = 1, size = sizeof(v);
    for (DWORD opt : {8u, 10u, 11u, 500u, 0xFFFFu}) {
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpSetOption(t.request, opt, &v, sizeof(v)));
        EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INVALID_OPTION);
        EXPECT_FALSE(WinHttpQueryOption(t.request, opt, &v, &size));
        EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INVALID_OPTION);
    }
}

// Query-only options cannot be set (error-messages page: ERROR_WINHTTP_OPTION_NOT_SETTABLE).
TEST(SetOption, QueryOnlyOptionIsNotSettable) {
    Tree t;
    DWORD v = 1;
    for (DWORD opt : {DWORD{WINHTTP_OPTION_HANDLE_TYPE}, DWORD{WINHTTP_OPTION_URL},
                      DWORD{WINHTTP_OPTION_PARENT_HANDLE}, DWORD{WINHTTP_OPTION_HTTP_PROTOCOL_USED}}) {
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpSetOption(t.request, opt, &v, sizeof(v)));
        EXPECT_EQ(GetLastError(), ERROR_WINHTTP_OPTION_NOT_SETTABLE);
    }
}

TEST(SetOption, WrongHandleKindIsIncorrectHandleType) {
    Tree t;
    DWORD v = 1, size = sizeof(v);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(t.session, WINHTTP_OPTION_URL, &v, &size));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    EXPECT_FALSE(WinHttpSetOption(t.connect, WINHTTP_OPTION_CONNECT_TIMEOUT, &v, sizeof(v)));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    EXPECT_FALSE(WinHttpSetOption(t.session, WINHTTP_OPTION_DISABLE_FEATURE, &v, sizeof(v)));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    EXPECT_FALSE(WinHttpQueryOption(t.request, WINHTTP_OPTION_MAX_CONNS_PER_SERVER, &v, &size));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
}

TEST(SetOption, BadSizesAndValuesAreInvalidParameter) {
    Tree t;
    DWORD v = 1;
    SetLastError(kSentinel);
    // Wine winhttp.c test_WinHttpQueryOption (verified on Windows): a wrong length for a DWORD
    // option is ERROR_INSUFFICIENT_BUFFER, not ERROR_INVALID_PARAMETER
    EXPECT_FALSE(WinHttpSetOption(t.session, WINHTTP_OPTION_CONNECT_TIMEOUT, &v, 2));
    EXPECT_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_FALSE(WinHttpSetOption(t.session, WINHTTP_OPTION_CONNECT_TIMEOUT, &v, 0));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    EXPECT_FALSE(WinHttpSetOption(t.session, WINHTTP_OPTION_CONNECT_TIMEOUT, nullptr, 4));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    v = 3;
    EXPECT_FALSE(WinHttpSetOption(t.session, WINHTTP_OPTION_REDIRECT_POLICY, &v, sizeof(v)));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    // (DISABLE_FEATURE takes any bits on Windows: Wine winhttp.c test_WinHttpQueryOption.)
    v = 0x4;
    EXPECT_FALSE(WinHttpSetOption(t.session, WINHTTP_OPTION_DECOMPRESSION, &v, sizeof(v)));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
}

TEST(SetOption, NullHandleOnlyForGlobalOptions) {
    DWORD v = 4, size = sizeof(v);
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpSetOption(nullptr, WINHTTP_OPTION_WORKER_THREAD_COUNT, &v, sizeof(v)));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_FALSE(WinHttpQueryOption(nullptr, WINHTTP_OPTION_CONNECT_TIMEOUT, &v, &size));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    HTTP_VERSION_INFO ver{}; 
    size = sizeof(ver);
    EXPECT_TRUE(WinHttpQueryOption(nullptr, WINHTTP_OPTION_HTTP_VERSION, &ver, &size));
    EXPECT_EQ(ver.dwMajorVersion, 1u);
    EXPECT_EQ(ver.dwMinorVersion, 1u);
    v = 0;  // back to the process default, which other tests check
    EXPECT_TRUE(WinHttpSetOption(nullptr, WINHTTP_OPTION_WORKER_THREAD_COUNT, &v, sizeof(v)));
}

TEST(SetOption, SettableOptionsRoundTrip) {
    Tree t;
    struct {
        HINTERNET h;
        DWORD option;
        DWORD value;
    } cases[] = {
        {t.session, WINHTTP_OPTION_MAX_CONNS_PER_SERVER, 6},
        {t.session, WINHTTP_OPTION_MAX_CONNS_PER_1_0_SERVER, 3},
        {t.request, WINHTTP_OPTION_SECURITY_FLAGS, SECURITY_FLAG_IGNORE_UNKNOWN_CA},
        {t.request, WINHTTP_OPTION_REDIRECT_POLICY, WINHTTP_OPTION_REDIRECT_POLICY_ALWAYS},
        {t.request, WINHTTP_OPTION_MAX_HTTP_AUTOMATIC_REDIRECTS, 3},
        {t.request, WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE, 1000},
        {t.request, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, 5},
        {t.request, WINHTTP_OPTION_READ_BUFFER_SIZE, 16384},
    };
    for (const auto& c : cases) {
        DWORD v = c.value;
        SetLastError(kSentinel);
        ASSERT_TRUE(WinHttpSetOption(c.h, c.option, &v, sizeof(v))) << c.option;
        EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
        EXPECT_EQ(query_dword(c.h, c.option), c.value) << c.option;
    }
    // Set-only options accept their documented flags.
    DWORD v = WINHTTP_DECOMPRESSION_FLAG_ALL;
    EXPECT_TRUE(WinHttpSetOption(t.request, WINHTTP_OPTION_DECOMPRESSION, &v, sizeof(v)));
    v = WINHTTP_DISABLE_COOKIES | WINHTTP_DISABLE_REDIRECTS;
    EXPECT_TRUE(WinHttpSetOption(t.request, WINHTTP_OPTION_DISABLE_FEATURE, &v, sizeof(v)));
    v = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2 | WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
    EXPECT_TRUE(WinHttpSetOption(t.session, WINHTTP_OPTION_SECURE_PROTOCOLS, &v, sizeof(v)));
}

// WinHttpSetTimeouts page.
TEST(SetTimeouts, StoresValuesAndRejectsNegatives) {
    Tree t;
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpSetTimeouts(t.request, 1, 2, 3, 4));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(query_dword(t.request, WINHTTP_OPTION_RESOLVE_TIMEOUT), 1u);
    EXPECT_EQ(query_dword(t.request, WINHTTP_OPTION_CONNECT_TIMEOUT), 2u);
    EXPECT_EQ(query_dword(t.request, WINHTTP_OPTION_SEND_TIMEOUT), 3u);
    EXPECT_EQ(query_dword(t.request, WINHTTP_OPTION_RECEIVE_TIMEOUT), 4u);
    ASSERT_TRUE(WinHttpSetTimeouts(t.session, -1, 0, -1, 0));
    EXPECT_EQ(query_dword(t.session, WINHTTP_OPTION_RESOLVE_TIMEOUT), 0xFFFFFFFFu);
    EXPECT_FALSE(WinHttpSetTimeouts(t.session, -2, 0, 0, 0));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    EXPECT_FALSE(WinHttpSetTimeouts(t.connect, 0, 0, 0, 0));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    EXPECT_FALSE(WinHttpSetTimeouts(nullptr, 0, 0, 0, 0));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
}

// Option Flags page: IGNORE_CERT_REVOCATION_OFFLINE is a BOOL for a request (surface table:
// request handle, set only); WINHTTP_ENABLE_SSL_REVOCATION "can be set only on the request
// handle" and goes with it.
TEST(SetOption, IgnoreCertRevocationOfflineIsARequestBool) {
    Tree t;
    BOOL on = TRUE;
    DWORD feature = WINHTTP_ENABLE_SSL_REVOCATION;
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpSetOption(t.request, WINHTTP_OPTION_ENABLE_FEATURE, &feature, sizeof(feature)));
    EXPECT_TRUE(WinHttpSetOption(t.request, WINHTTP_OPTION_IGNORE_CERT_REVOCATION_OFFLINE, &on,
                                 sizeof(on)))
        << GetLastError();
    for (HINTERNET h : {t.session, t.connect}) {
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpSetOption(h, WINHTTP_OPTION_IGNORE_CERT_REVOCATION_OFFLINE, &on,
                                      sizeof(on)));
        EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    }
}

// Option Flags page, WINHTTP_OPTION_CONFIGURE_PASSPORT_AUTH: "Sets an unsigned long integer
// value that specifies whether Passport Authentication in WinHTTP authentication is enabled",
// one of WINHTTP_DISABLE_PASSPORT_AUTH (the default), WINHTTP_ENABLE_PASSPORT_AUTH,
// WINHTTP_DISABLE_PASSPORT_KEYRING, WINHTTP_ENABLE_PASSPORT_KEYRING; the page's table: session
// handle, set only, DWORD. Accepted there; a Passport challenge still goes to the application
// (auth_test.cpp PassportChallengeGoesToTheApplication).
TEST(SetOption, ConfigurePassportAuthIsASessionDword) {
    Tree t;
    for (DWORD v : {DWORD{WINHTTP_DISABLE_PASSPORT_AUTH}, DWORD{WINHTTP_ENABLE_PASSPORT_AUTH},
                    DWORD{WINHTTP_DISABLE_PASSPORT_KEYRING}, DWORD{WINHTTP_ENABLE_PASSPORT_KEYRING},
                    DWORD{WINHTTP_ENABLE_PASSPORT_AUTH | WINHTTP_ENABLE_PASSPORT_KEYRING}}) {
        SetLastError(kSentinel);
        EXPECT_TRUE(
            WinHttpSetOption(t.session, WINHTTP_OPTION_CONFIGURE_PASSPORT_AUTH, &v, sizeof(v)))
            << v;
        EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    }
    DWORD v = WINHTTP_ENABLE_PASSPORT_AUTH, size = sizeof(v);
    EXPECT_FALSE(
        WinHttpSetOption(t.request, WINHTTP_OPTION_CONFIGURE_PASSPORT_AUTH, &v, sizeof(v)));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    EXPECT_FALSE(
        WinHttpSetOption(t.connect, WINHTTP_OPTION_CONFIGURE_PASSPORT_AUTH, &v, sizeof(v)));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    // Not queryable (the table's "Query option" column): as every set-only option.
    EXPECT_FALSE(WinHttpQueryOption(t.session, WINHTTP_OPTION_CONFIGURE_PASSPORT_AUTH, &v, &size));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    EXPECT_FALSE(WinHttpSetOption(t.session, WINHTTP_OPTION_CONFIGURE_PASSPORT_AUTH, &v, 2));
    EXPECT_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    v = 0x1;  // no such flag
    EXPECT_FALSE(
        WinHttpSetOption(t.session, WINHTTP_OPTION_CONFIGURE_PASSPORT_AUTH, &v, sizeof(v)));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
}

// Option Flags page, WINHTTP_OPTION_SERVER_CBT: request handle, query only ("This token can
// only be obtained by this option after an SSL connection has been established"). Before any
// connection: ERROR_WINHTTP_INCORRECT_HANDLE_STATE, also for the NULL-buffer size probe (the
// size depends on the certificate). Over https: auth_test.cpp ServerCbt*.
TEST(QueryOption, ServerCbtNeedsARequestWithATlsConnection) {
    Tree t;
    unsigned char buf[256];
    DWORD size = sizeof(buf);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(t.request, WINHTTP_OPTION_SERVER_CBT, buf, &size));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_STATE);
    size = 0;
    EXPECT_FALSE(WinHttpQueryOption(t.request, WINHTTP_OPTION_SERVER_CBT, nullptr, &size));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_STATE);
    EXPECT_EQ(size, 0u);
    for (HINTERNET h : {t.session, t.connect}) {
        size = sizeof(buf);
        EXPECT_FALSE(WinHttpQueryOption(h, WINHTTP_OPTION_SERVER_CBT, buf, &size));
        EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    }
    EXPECT_FALSE(WinHttpSetOption(t.request, WINHTTP_OPTION_SERVER_CBT, buf, sizeof(buf)));
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_OPTION_NOT_SETTABLE);
}
