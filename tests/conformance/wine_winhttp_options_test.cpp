// Windows-verified facts from Wine's dlls/winhttp/tests/winhttp.c about WinHttpQueryOption,
// WinHttpSetOption and WinHttpSetTimeouts, re-expressed as our own tests (no network: these
// only need handles). Each test names the Wine test function the fact comes from; where Wine
// marks a result todo_wine or broken(), Windows' answer is the one asserted here.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cwchar>

namespace {

constexpr DWORD kSentinel = 0xDEADBEEF;

struct Handles {
    HINTERNET session = WinHttpOpen(L"winetest", 0, nullptr, nullptr, 0);
    HINTERNET connect = WinHttpConnect(session, L"test.winehq.org", INTERNET_DEFAULT_HTTP_PORT, 0);
    HINTERNET request = WinHttpOpenRequest(connect, nullptr, nullptr, nullptr, WINHTTP_NO_REFERER,
                                           WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ~Handles() {
        WinHttpCloseHandle(request);
        WinHttpCloseHandle(connect);
        WinHttpCloseHandle(session);
    }
};

BOOL set_dword(HINTERNET h, DWORD option, DWORD value, DWORD len = sizeof(DWORD)) {
    SetLastError(kSentinel);
    return WinHttpSetOption(h, option, &value, len);
}

DWORD query_dword(HINTERNET h, DWORD option) {
    DWORD v = kSentinel, size = sizeof(v);
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpQueryOption(h, option, &v, &size)) << "option " << option << " error "
                                                          << GetLastError();
    EXPECT_EQ(size, sizeof(DWORD));
    return v;
}

const DWORD kTimeoutOptions[] = {WINHTTP_OPTION_RESOLVE_TIMEOUT, WINHTTP_OPTION_CONNECT_TIMEOUT,
                                 WINHTTP_OPTION_SEND_TIMEOUT, WINHTTP_OPTION_RECEIVE_TIMEOUT};

}  // namespace

// --- test_WinHttpQueryOption -------------------------------------------------------------------

TEST(WineQueryOption, NullSizePointerIsInvalidParameter) {
    Handles h;
    // Wine winhttp.c test_WinHttpQueryOption: a NULL size pointer is ERROR_INVALID_PARAMETER
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(h.session, WINHTTP_OPTION_REDIRECT_POLICY, nullptr, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(WineQueryOption, SizeProbeAndTooSmallBufferGiveFour) {
    Handles h;
    // Wine winhttp.c test_WinHttpQueryOption: a NULL buffer asks for the size: 4 bytes
    DWORD size = kSentinel;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(h.session, WINHTTP_OPTION_REDIRECT_POLICY, nullptr, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, 4u);
    // Wine winhttp.c test_WinHttpQueryOption: 3 bytes are too few, the size says 4
    DWORD feature = kSentinel;
    size = sizeof(feature) - 1;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(h.session, WINHTTP_OPTION_REDIRECT_POLICY, &feature, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, 4u);
}

TEST(WineQueryOption, LargerBufferSucceedsAndSizeBecomesFour) {
    Handles h;
    // Wine winhttp.c test_WinHttpQueryOption: WORKER_THREAD_COUNT on a session with 5 bytes
    // succeeds, sets the size to 4, answers 0 and sets ERROR_SUCCESS
    DWORD feature[2] = {kSentinel, kSentinel};
    DWORD size = sizeof(DWORD) + 1;
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpQueryOption(h.session, WINHTTP_OPTION_WORKER_THREAD_COUNT, feature, &size))
        << GetLastError();
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(size, 4u);
    EXPECT_EQ(feature[0], 0u);
    // Wine winhttp.c test_WinHttpQueryOption: REDIRECT_POLICY with 5 bytes succeeds, size 4,
    // default DISALLOW_HTTPS_TO_HTTP
    feature[0] = kSentinel;
    size = sizeof(DWORD) + 1;
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpQueryOption(h.session, WINHTTP_OPTION_REDIRECT_POLICY, feature, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(size, 4u);
    EXPECT_EQ(feature[0], static_cast<DWORD>(WINHTTP_OPTION_REDIRECT_POLICY_DISALLOW_HTTPS_TO_HTTP));
}

TEST(WineQueryOption, WorkerThreadCountOnConnectAndRequest) {
    Handles h;
    // Wine winhttp.c test_WinHttpQueryOption: WORKER_THREAD_COUNT can be queried on a connect
    // and a request handle too: 0, size 4, ERROR_SUCCESS
    for (HINTERNET handle : {h.connect, h.request}) {
        EXPECT_EQ(query_dword(handle, WINHTTP_OPTION_WORKER_THREAD_COUNT), 0u);
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    }
}

TEST(WineSetOption, DwordOptionWithWrongLengthIsInsufficientBuffer) {
    Handles h;
    // Wine winhttp.c test_WinHttpQueryOption: a NULL buffer of 4 bytes is ERROR_INVALID_PARAMETER
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetOption(h.session, WINHTTP_OPTION_REDIRECT_POLICY, nullptr, sizeof(DWORD)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpQueryOption: 3 or 5 bytes for a DWORD option is
    // ERROR_INSUFFICIENT_BUFFER
    EXPECT_FALSE(set_dword(h.session, WINHTTP_OPTION_REDIRECT_POLICY,
                           WINHTTP_OPTION_REDIRECT_POLICY_ALWAYS, sizeof(DWORD) - 1));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    DWORD two[2] = {WINHTTP_OPTION_REDIRECT_POLICY_ALWAYS, 0};
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetOption(h.session, WINHTTP_OPTION_REDIRECT_POLICY, two, sizeof(DWORD) + 1));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    // Wine winhttp.c test_WinHttpQueryOption: 4 bytes set it, and it reads back
    EXPECT_TRUE(set_dword(h.session, WINHTTP_OPTION_REDIRECT_POLICY,
                          WINHTTP_OPTION_REDIRECT_POLICY_ALWAYS));
    EXPECT_EQ(query_dword(h.session, WINHTTP_OPTION_REDIRECT_POLICY),
              static_cast<DWORD>(WINHTTP_OPTION_REDIRECT_POLICY_ALWAYS));
}

TEST(WineSetOption, DisableFeatureOnlyOnRequests) {
    Handles h;
    // Wine winhttp.c test_WinHttpQueryOption: DISABLE_FEATURE on a session or a connect handle
    // is ERROR_WINHTTP_INCORRECT_HANDLE_TYPE
    for (HINTERNET handle : {h.session, h.connect}) {
        EXPECT_FALSE(set_dword(handle, WINHTTP_OPTION_DISABLE_FEATURE, WINHTTP_DISABLE_COOKIES));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    }
    // Wine winhttp.c test_WinHttpQueryOption: on a request 0, 0xffffffff and
    // WINHTTP_DISABLE_COOKIES are all accepted
    EXPECT_TRUE(set_dword(h.request, WINHTTP_OPTION_DISABLE_FEATURE, 0)) << GetLastError();
    EXPECT_TRUE(set_dword(h.request, WINHTTP_OPTION_DISABLE_FEATURE, 0xFFFFFFFF)) << GetLastError();
    EXPECT_TRUE(set_dword(h.request, WINHTTP_OPTION_DISABLE_FEATURE, WINHTTP_DISABLE_COOKIES))
        << GetLastError();
}

TEST(WineQueryOption, SetOnlyFeatureOptionsCannotBeQueried) {
    Handles h;
    // Wine winhttp.c test_WinHttpQueryOption: querying DISABLE_FEATURE is ERROR_INVALID_PARAMETER
    DWORD feature = kSentinel, size = sizeof(feature);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(h.request, WINHTTP_OPTION_DISABLE_FEATURE, &feature, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpQueryOption: also with a NULL buffer and size 0
    size = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(h.request, WINHTTP_OPTION_DISABLE_FEATURE, nullptr, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpQueryOption: querying ENABLE_FEATURE is ERROR_INVALID_PARAMETER
    // and leaves the buffer alone
    feature = kSentinel;
    size = sizeof(feature);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(h.request, WINHTTP_OPTION_ENABLE_FEATURE, &feature, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(feature, kSentinel);
}

TEST(WineSetOption, EnableFeatureChecksBufferLengthAndBits) {
    Handles h;
    DWORD feature = WINHTTP_ENABLE_SSL_REVOCATION;
    // Wine winhttp.c test_WinHttpQueryOption: ENABLE_FEATURE with a NULL buffer is
    // ERROR_INVALID_PARAMETER
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetOption(h.request, WINHTTP_OPTION_ENABLE_FEATURE, nullptr, sizeof(feature)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpQueryOption: ... and with a length of 0
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetOption(h.request, WINHTTP_OPTION_ENABLE_FEATURE, &feature, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpQueryOption: WINHTTP_ENABLE_SSL_REVOCATION is accepted and the
    // last error is NO_ERROR
    EXPECT_TRUE(set_dword(h.request, WINHTTP_OPTION_ENABLE_FEATURE, WINHTTP_ENABLE_SSL_REVOCATION));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(NO_ERROR));
    // Wine winhttp.c test_WinHttpQueryOption: unknown bits (0xdeadbeef) are
    // ERROR_INVALID_PARAMETER
    EXPECT_FALSE(set_dword(h.request, WINHTTP_OPTION_ENABLE_FEATURE, 0xDEADBEEF));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(WineSetOption, ConnectRetriesOnRequest) {
    Handles h;
    // Wine winhttp.c test_WinHttpQueryOption: CONNECT_RETRIES can be set on a request
    EXPECT_TRUE(set_dword(h.request, WINHTTP_OPTION_CONNECT_RETRIES, 6)) << GetLastError();
    EXPECT_EQ(query_dword(h.request, WINHTTP_OPTION_CONNECT_RETRIES), 6u);
}

// --- test_basic_request: option 0 --------------------------------------------------------------

TEST(WineSetOption, OptionZeroIsInvalidOptionToSetAndInvalidParameterToQuery) {
    Handles h;
    char buffer[0x100] = {};
    for (HINTERNET handle : {h.session, h.connect, h.request}) {
        // Wine winhttp.c test_basic_request: setting option 0 is ERROR_WINHTTP_INVALID_OPTION
        // on every handle kind (todo_wine for the connect handle: Windows' answer)
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpSetOption(handle, 0, buffer, sizeof(buffer)));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INVALID_OPTION));
        // Wine winhttp.c test_basic_request: querying option 0 is ERROR_INVALID_PARAMETER
        DWORD size = sizeof(buffer);
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpQueryOption(handle, 0, buffer, &size));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    }
}

// --- test_secure_connection: option facts that need no server ------------------------------------

TEST(WineSetOption, SecureProtocolsNotOnConnectHandles) {
    Handles h;
    // Wine winhttp.c test_secure_connection: SECURE_PROTOCOLS is accepted on a session
    EXPECT_TRUE(set_dword(h.session, WINHTTP_OPTION_SECURE_PROTOCOLS,
                          WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2))
        << GetLastError();
    // Wine winhttp.c test_secure_connection: ... and is ERROR_WINHTTP_INCORRECT_HANDLE_TYPE on a
    // connect handle
    EXPECT_FALSE(set_dword(h.connect, WINHTTP_OPTION_SECURE_PROTOCOLS,
                           WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
}

TEST(WineSetOption, ClientCertContextNeedsASecureRequest) {
    Handles h;
    // Wine winhttp.c test_secure_connection: WINHTTP_NO_CLIENT_CERT_CONTEXT on a request opened
    // without WINHTTP_FLAG_SECURE is ERROR_WINHTTP_INCORRECT_HANDLE_STATE
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetOption(h.request, WINHTTP_OPTION_CLIENT_CERT_CONTEXT,
                                  WINHTTP_NO_CLIENT_CERT_CONTEXT, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    // Wine winhttp.c test_secure_connection: on a WINHTTP_FLAG_SECURE request it is accepted
    HINTERNET secure = WinHttpOpenRequest(h.connect, nullptr, nullptr, nullptr, nullptr, nullptr,
                                          WINHTTP_FLAG_SECURE);
    ASSERT_NE(secure, nullptr);
    EXPECT_TRUE(WinHttpSetOption(secure, WINHTTP_OPTION_CLIENT_CERT_CONTEXT,
                                 WINHTTP_NO_CLIENT_CERT_CONTEXT, 0))
        << GetLastError();
    WinHttpCloseHandle(secure);
}

TEST(WineSetOption, SecurityFlagsAcceptOnlyIgnoreFlags) {
    Handles h;
    HINTERNET req = WinHttpOpenRequest(h.connect, nullptr, nullptr, nullptr, nullptr, nullptr,
                                       WINHTTP_FLAG_SECURE);
    ASSERT_NE(req, nullptr);
    // Wine winhttp.c test_secure_connection: a new secure request has no security flags
    EXPECT_EQ(query_dword(req, WINHTTP_OPTION_SECURITY_FLAGS), 0u);
    // Wine winhttp.c test_secure_connection: SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE is accepted
    EXPECT_TRUE(set_dword(req, WINHTTP_OPTION_SECURITY_FLAGS, SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE));
    // Wine winhttp.c test_secure_connection: SECURITY_FLAG_SECURE and STRENGTH_STRONG are refused
    EXPECT_FALSE(set_dword(req, WINHTTP_OPTION_SECURITY_FLAGS, SECURITY_FLAG_SECURE));
    EXPECT_FALSE(set_dword(req, WINHTTP_OPTION_SECURITY_FLAGS, SECURITY_FLAG_STRENGTH_STRONG));
    // Wine winhttp.c test_secure_connection: UNKNOWN_CA | DATE_INVALID | CN_INVALID and 0 are
    // accepted
    EXPECT_TRUE(set_dword(req, WINHTTP_OPTION_SECURITY_FLAGS,
                          SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_DATE_INVALID |
                              SECURITY_FLAG_IGNORE_CERT_CN_INVALID));
    EXPECT_TRUE(set_dword(req, WINHTTP_OPTION_SECURITY_FLAGS, 0));
    WinHttpCloseHandle(req);
}

// --- test_timeouts ------------------------------------------------------------------------------

TEST(WineSetTimeouts, MinusTwoIsInvalidParameterOnEveryHandleKind) {
    Handles h;
    // Wine winhttp.c test_timeouts: a value below -1 in any position is ERROR_INVALID_PARAMETER,
    // on a session, a connect handle (checked before the handle type) and a request
    for (HINTERNET handle : {h.session, h.connect, h.request}) {
        const int bad = -2;
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpSetTimeouts(handle, bad, 0, 0, 0));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
        EXPECT_FALSE(WinHttpSetTimeouts(handle, 0, bad, 0, 0));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
        EXPECT_FALSE(WinHttpSetTimeouts(handle, 0, 0, bad, 0));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
        EXPECT_FALSE(WinHttpSetTimeouts(handle, 0, 0, 0, bad));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    }
}

TEST(WineSetTimeouts, SessionValuesReadBack) {
    Handles h;
    // Wine winhttp.c test_timeouts: -1 everywhere is accepted with ERROR_SUCCESS; so is 0
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpSetTimeouts(h.session, -1, -1, -1, -1));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_TRUE(WinHttpSetTimeouts(h.session, 0, 0, 0, 0));
    // Wine winhttp.c test_timeouts: the four values read back as the four options
    EXPECT_TRUE(WinHttpSetTimeouts(h.session, 0x0123, 0x4567, 0x89ab, 0xcdef));
    EXPECT_EQ(query_dword(h.session, WINHTTP_OPTION_RESOLVE_TIMEOUT), 0x0123u);
    EXPECT_EQ(query_dword(h.session, WINHTTP_OPTION_CONNECT_TIMEOUT), 0x4567u);
    EXPECT_EQ(query_dword(h.session, WINHTTP_OPTION_SEND_TIMEOUT), 0x89abu);
    EXPECT_EQ(query_dword(h.session, WINHTTP_OPTION_RECEIVE_TIMEOUT), 0xcdefu);
    // Wine winhttp.c test_timeouts: each timeout option takes 0 and 0xbeefdead on a session
    for (DWORD option : kTimeoutOptions) {
        for (DWORD value : {0u, 0xBEEFDEADu}) {
            EXPECT_TRUE(set_dword(h.session, option, value)) << GetLastError();
            EXPECT_EQ(query_dword(h.session, option), value);
        }
    }
}

TEST(WineSetTimeouts, ConnectHandleShowsTheSessionsCurrentValues) {
    HINTERNET ses = WinHttpOpen(L"winetest", 0, nullptr, nullptr, 0);
    for (DWORD option : kTimeoutOptions) ASSERT_TRUE(set_dword(ses, option, 0xBEEFDEAD));
    HINTERNET con = WinHttpConnect(ses, L"test.winehq.org", 0, 0);
    ASSERT_NE(con, nullptr);
    // Wine winhttp.c test_timeouts: a connect handle reports the session's timeouts
    for (DWORD option : kTimeoutOptions) EXPECT_EQ(query_dword(con, option), 0xBEEFDEADu);
    // Wine winhttp.c test_timeouts: WinHttpSetTimeouts and the timeout options are
    // ERROR_WINHTTP_INCORRECT_HANDLE_TYPE on a connect handle
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetTimeouts(con, -1, -1, -1, -1));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetTimeouts(con, 0, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    for (DWORD option : kTimeoutOptions) {
        EXPECT_FALSE(set_dword(con, option, 0));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    }
    // Wine winhttp.c test_timeouts: changing the session's timeouts later changes what the
    // connect handle reports
    for (DWORD option : kTimeoutOptions) {
        ASSERT_TRUE(set_dword(ses, option, 0xDEAD));
        EXPECT_EQ(query_dword(con, option), 0xDEADu);
    }
    WinHttpCloseHandle(con);
    WinHttpCloseHandle(ses);
}

TEST(WineSetTimeouts, RequestCopiesAtCreationThenIsIndependent) {
    HINTERNET ses = WinHttpOpen(L"winetest", 0, nullptr, nullptr, 0);
    HINTERNET con = WinHttpConnect(ses, L"test.winehq.org", 0, 0);
    for (DWORD option : kTimeoutOptions) ASSERT_TRUE(set_dword(ses, option, 0xDEAD));
    HINTERNET req = WinHttpOpenRequest(con, nullptr, nullptr, nullptr, nullptr, nullptr, 0);
    ASSERT_NE(req, nullptr);
    // Wine winhttp.c test_timeouts: a new request has the session's timeouts
    for (DWORD option : kTimeoutOptions) EXPECT_EQ(query_dword(req, option), 0xDEADu);
    // Wine winhttp.c test_timeouts: -1 and 0 are accepted on a request, and the four values of
    // WinHttpSetTimeouts read back
    EXPECT_TRUE(WinHttpSetTimeouts(req, -1, -1, -1, -1));
    EXPECT_TRUE(WinHttpSetTimeouts(req, 0, 0, 0, 0));
    EXPECT_TRUE(WinHttpSetTimeouts(req, 0xcdef, 0x89ab, 0x4567, 0x0123));
    EXPECT_EQ(query_dword(req, WINHTTP_OPTION_RESOLVE_TIMEOUT), 0xcdefu);
    EXPECT_EQ(query_dword(req, WINHTTP_OPTION_CONNECT_TIMEOUT), 0x89abu);
    EXPECT_EQ(query_dword(req, WINHTTP_OPTION_SEND_TIMEOUT), 0x4567u);
    EXPECT_EQ(query_dword(req, WINHTTP_OPTION_RECEIVE_TIMEOUT), 0x0123u);
    // Wine winhttp.c test_timeouts: each option takes 0 and 0xbeefdead on a request
    for (DWORD option : kTimeoutOptions) {
        for (DWORD value : {0u, 0xBEEFDEADu}) {
            EXPECT_TRUE(set_dword(req, option, value));
            EXPECT_EQ(query_dword(req, option), value);
        }
    }
    // Wine winhttp.c test_timeouts: a request's timeouts don't change the session's, and
    // changing the session's afterwards doesn't change the request's
    for (DWORD option : kTimeoutOptions) {
        EXPECT_EQ(query_dword(ses, option), 0xDEADu);
        ASSERT_TRUE(set_dword(ses, option, 0xBEEF));
        EXPECT_EQ(query_dword(req, option), 0xBEEFDEADu);
    }
    WinHttpCloseHandle(req);
    WinHttpCloseHandle(con);
    WinHttpCloseHandle(ses);
}

TEST(WineSetTimeouts, ReceiveResponseTimeoutDefaultsToInfinite) {
    Handles h;
    // Wine winhttp.c test_timeouts: RECEIVE_RESPONSE_TIMEOUT reads ~0 (INFINITE) on a request,
    // a connect handle and a session, although the Option Flags page says 90 seconds: Windows
    // is followed
    for (HINTERNET handle : {h.request, h.connect, h.session})
        EXPECT_EQ(query_dword(handle, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT), ~0u);
}

TEST(WineSetTimeouts, ReceiveResponseTimeoutNotSettableOnConnect) {
    Handles h;
    // Wine winhttp.c test_timeouts: RECEIVE_RESPONSE_TIMEOUT can be queried on a connect handle
    // but setting it there is ERROR_WINHTTP_INCORRECT_HANDLE_TYPE
    query_dword(h.connect, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT);
    EXPECT_FALSE(set_dword(h.connect, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, 30000));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    // Wine winhttp.c test_timeouts: it is settable on a request and on a session (48880 reads
    // back as set)
    EXPECT_TRUE(set_dword(h.request, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, 30000));
    EXPECT_TRUE(set_dword(h.session, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, 48880));
    EXPECT_EQ(query_dword(h.session, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT), 48880u);
}

// --- test_credentials: the USERNAME / PASSWORD / PROXY_USERNAME / PROXY_PASSWORD options ----------

namespace {

std::wstring query_string(HINTERNET h, DWORD option, DWORD* size_out) {
    WCHAR buffer[32];
    buffer[0] = L'x';
    DWORD size = sizeof(buffer);
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpQueryOption(h, option, buffer, &size)) << "option " << option << " error "
                                                              << GetLastError();
    *size_out = size;
    return std::wstring(buffer);
}

}  // namespace

TEST(WineCredentialOptions, NewRequestAnswersEmptyStrings) {
    // Wine winhttp.c test_credentials: the proxy name/bypass arguments of WinHttpOpen are not
    // credentials: a new request reports empty strings of size 0 for all four options
    HINTERNET ses = WinHttpOpen(L"winetest", 0, L"proxyuser", L"proxypass", 0);
    ASSERT_NE(ses, nullptr);
    HINTERNET con = WinHttpConnect(ses, L"localhost", 0, 0);
    HINTERNET req = WinHttpOpenRequest(con, nullptr, nullptr, nullptr, nullptr, nullptr, 0);
    ASSERT_NE(req, nullptr);
    for (DWORD option : {WINHTTP_OPTION_PROXY_USERNAME, WINHTTP_OPTION_PROXY_PASSWORD,
                         WINHTTP_OPTION_USERNAME, WINHTTP_OPTION_PASSWORD}) {
        DWORD size = kSentinel;
        EXPECT_EQ(query_string(req, option, &size), L"") << option;
        EXPECT_EQ(size, 0u) << option;
    }
    WinHttpCloseHandle(req);
    WinHttpCloseHandle(con);
    WinHttpCloseHandle(ses);
}

TEST(WineCredentialOptions, SetValuesReadBackSizedInBytesWithoutNul) {
    Handles h;
    struct Case {
        DWORD option;
        const wchar_t* value;
    };
    const Case cases[] = {{WINHTTP_OPTION_PROXY_USERNAME, L"proxyuser"},
                          {WINHTTP_OPTION_PROXY_PASSWORD, L"proxypass"},
                          {WINHTTP_OPTION_USERNAME, L"user"},
                          {WINHTTP_OPTION_PASSWORD, L"pass"}};
    for (const Case& c : cases) {
        // Wine winhttp.c test_credentials: the set length is in characters; the query answers
        // the string and its size in bytes without the NUL
        const DWORD chars = static_cast<DWORD>(wcslen(c.value));
        EXPECT_TRUE(WinHttpSetOption(h.request, c.option, const_cast<wchar_t*>(c.value), chars))
            << GetLastError();
        DWORD size = 0;
        EXPECT_EQ(query_string(h.request, c.option, &size), c.value);
        EXPECT_EQ(size, chars * sizeof(WCHAR));
    }
    // Wine winhttp.c test_credentials: setting the proxy user name does not set the user name
    HINTERNET fresh = WinHttpOpenRequest(h.connect, nullptr, nullptr, nullptr, nullptr, nullptr, 0);
    ASSERT_TRUE(WinHttpSetOption(fresh, WINHTTP_OPTION_PROXY_USERNAME,
                                 const_cast<wchar_t*>(L"proxyuser"), 9));
    DWORD size = kSentinel;
    EXPECT_EQ(query_string(fresh, WINHTTP_OPTION_USERNAME, &size), L"");
    EXPECT_EQ(size, 0u);
    WinHttpCloseHandle(fresh);
}

TEST(WineCredentialOptions, SizeProbeCountsTheNul) {
    Handles h;
    ASSERT_TRUE(WinHttpSetOption(h.request, WINHTTP_OPTION_USERNAME, const_cast<wchar_t*>(L"user"), 4));
    // WinHttpQueryOption page (string options, as every other string option here): a NULL
    // buffer answers ERROR_INSUFFICIENT_BUFFER and the size in bytes including the NUL
    DWORD size = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(h.request, WINHTTP_OPTION_USERNAME, nullptr, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, 5 * sizeof(WCHAR));
}
