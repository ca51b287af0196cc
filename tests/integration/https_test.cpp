// HTTPS through the public API against the test nginx's TLS ports (tests/support/nginx.h):
// trust, every certificate failure with its error and SECURE_FAILURE flags, the matching
// ignore flags, keep-alive reuse, client certificates, sync and async.
//
// WinHttpSendRequest page: a certificate problem fails the call with
// ERROR_WINHTTP_SECURE_FAILURE; "to determine what type of error was encountered, verify through
// a WINHTTP_CALLBACK_STATUS_SECURE_FAILURE notification in a status callback function".
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "integration/http_test_util.h"
#include "support/nginx.h"
#include "support/recorder.h"
#include "support/scripted_server.h"

namespace {

using namespace itest;
using winhttp::test::CallbackRecorder;
using winhttp::test::Nginx;
using winhttp::test::TlsPort;

class Https : public ::testing::Test {
protected:
    void SetUp() override {
        nginx_ = &Nginx::shared();
        // The session's trust store is read at its first https request: the test CA replaces
        // the system store, as SSL_CERT_FILE does for every OpenSSL user.
        ::setenv("SSL_CERT_FILE", nginx_->certificates().ca_file().c_str(), 1);
    }
    // Tests of other suites in the same process (gtest filters) expect the system store.
    void TearDown() override { ::unsetenv("SSL_CERT_FILE"); }

    struct Result {
        DWORD error = ERROR_SUCCESS;  // of the first failing call
        DWORD status = 0;
        DWORD secure_flags = 0;       // from SECURE_FAILURE
        std::string body;
    };

    // One synchronous GET of /hello.txt on `port` as `host`, with a recorder on the request.
    Result get(TlsPort which, DWORD ignore_flags = 0, const wchar_t* host = L"localhost") {
        Result out;
        CallbackRecorder rec;
        Client c = open_client(nginx_->tls_port(which), L"GET", L"/hello.txt", host,
                               WINHTTP_FLAG_SECURE);
        WinHttpSetStatusCallback(c.request, CallbackRecorder::record,
                                 WINHTTP_CALLBACK_FLAG_SECURE_FAILURE, 0);
        if (ignore_flags) EXPECT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_SECURITY_FLAGS, ignore_flags));
        if (!WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0,
                                rec.context()) ||
            !WinHttpReceiveResponse(c.request, nullptr)) {
            out.error = GetLastError();
        } else {
            out.status = status_code(c.request);
            out.error = read_body(c.request, out.body);
        }
        for (const auto& e : rec.events())
            if (e.status == WINHTTP_CALLBACK_STATUS_SECURE_FAILURE) out.secure_flags |= e.value;
        WinHttpSetStatusCallback(c.request, nullptr, 0, 0);
        return out;
    }

    Nginx* nginx_ = nullptr;
};

TEST_F(Https, TrustedChainFetchesTheFile) {
    Result r = get(TlsPort::Valid);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "hello, world\n");
    EXPECT_EQ(r.secure_flags, 0u);
}

TEST_F(Https, IpLiteralMatchesTheCertificatesIpSan) {
    Result r = get(TlsPort::Valid, 0, L"127.0.0.1");
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.body, "hello, world\n");
}

struct Failure {
    TlsPort port;
    DWORD flag;    // WINHTTP_CALLBACK_STATUS_FLAG_* expected in SECURE_FAILURE
    DWORD ignore;  // the SECURITY_FLAG_IGNORE_* that lets it through
    const char* name;
};

class HttpsFailure : public Https, public ::testing::WithParamInterface<Failure> {};

TEST_P(HttpsFailure, FailsWithSecureFailureAndItsFlag) {
    Result r = get(GetParam().port);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
    EXPECT_NE(r.secure_flags & GetParam().flag, 0u) << std::hex << r.secure_flags;
}

TEST_P(HttpsFailure, MatchingIgnoreFlagLetsItThrough) {
    Result r = get(GetParam().port, GetParam().ignore);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.body, "hello, world\n");
}

TEST_P(HttpsFailure, IgnoreAllCertErrorsLetsItThrough) {
    Result r = get(GetParam().port, SECURITY_FLAG_IGNORE_ALL_CERT_ERRORS);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
}

INSTANTIATE_TEST_SUITE_P(
    Certificates, HttpsFailure,
    ::testing::Values(
        Failure{TlsPort::WrongHost, WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID,
                SECURITY_FLAG_IGNORE_CERT_CN_INVALID, "WrongHost"},
        Failure{TlsPort::Expired, WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID,
                SECURITY_FLAG_IGNORE_CERT_DATE_INVALID, "Expired"},
        Failure{TlsPort::NotYetValid, WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID,
                SECURITY_FLAG_IGNORE_CERT_DATE_INVALID, "NotYetValid"},
        Failure{TlsPort::SelfSigned, WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA,
                SECURITY_FLAG_IGNORE_UNKNOWN_CA, "SelfSigned"},
        Failure{TlsPort::WrongUsage, WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE,
                SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE, "WrongUsage"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(Https, KeepAliveReusesTheTlsConnection) {
    const auto before = nginx_->connections_accepted();
    Client c = open_client(nginx_->tls_port(TlsPort::Valid), L"GET", L"/hello.txt", L"localhost",
                           WINHTTP_FLAG_SECURE);
    for (int i = 0; i < 3; ++i) {
        Handle req = open_request(c.connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
        Outcome o = run_request(req);
        EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
        EXPECT_EQ(o.body, "hello, world\n");
    }
    EXPECT_EQ(nginx_->connections_accepted() - before, 1u);
}

// Beyond Windows (which documents nothing here): a kept-alive connection whose certificate
// problem was ignored by one request must not carry a later request that ignores nothing.
TEST_F(Https, ConnectionAcceptedWithIgnoreFlagsIsNotReusedByAStrictRequest) {
    Client c = open_client(nginx_->tls_port(TlsPort::WrongHost), L"GET", L"/hello.txt",
                           L"localhost", WINHTTP_FLAG_SECURE);
    Handle lenient = open_request(c.connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
    ASSERT_TRUE(set_dword_option(lenient.get(), WINHTTP_OPTION_SECURITY_FLAGS,
                                 SECURITY_FLAG_IGNORE_CERT_CN_INVALID));
    Outcome first = run_request(lenient);
    ASSERT_EQ(first.error, ERROR_SUCCESS) << first.stage;
    lenient.reset();  // its connection goes back to the pool

    Handle strict = open_request(c.connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
    Outcome second = run_request(strict);
    EXPECT_EQ(second.error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE)) << second.stage;

    // The same ignore flags may share it.
    Handle again = open_request(c.connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
    ASSERT_TRUE(set_dword_option(again.get(), WINHTTP_OPTION_SECURITY_FLAGS,
                                 SECURITY_FLAG_IGNORE_CERT_CN_INVALID));
    EXPECT_EQ(run_request(again).error, ERROR_SUCCESS);
}

TEST_F(Https, ServerAskingForClientCertificateFailsWithCertNeeded) {
    Result r = get(TlsPort::ClientAuth);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED));
}

TEST_F(Https, PlainHttpRedirectToHttpsIsFollowed) {
    // nginx /redirect/ answers 302 to /hello.txt on the same (plain) port: not an https hop, so
    // this checks the https request path through a redirect on the TLS port instead.
    Client c = open_client(nginx_->tls_port(TlsPort::Valid), L"GET", L"/redirect/x", L"localhost",
                           WINHTTP_FLAG_SECURE);
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "hello, world\n");
    EXPECT_EQ(query_url(c.request).rfind(L"https://localhost:", 0), 0u);
}

// Async: the same fetch completes through the callback; a failure arrives as SECURE_FAILURE
// then REQUEST_ERROR {API_SEND_REQUEST, ERROR_WINHTTP_SECURE_FAILURE}.
TEST_F(Https, AsyncCertificateFailureReportsFlagsThenRequestError) {
    CallbackRecorder rec;
    Handle session = open_session(WINHTTP_FLAG_ASYNC);
    set_timeouts(session);
    Handle connect(WinHttpConnect(session, L"localhost", nginx_->tls_port(TlsPort::SelfSigned), 0));
    Handle request = open_request(connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
    WinHttpSetStatusCallback(request, CallbackRecorder::record,
                             WINHTTP_CALLBACK_FLAG_SECURE_FAILURE | WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS,
                             0);
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0,
                                   rec.context()));
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR)) << rec.dump();
    const auto events = rec.events();
    ASSERT_EQ(events.size(), 2u) << rec.dump();
    EXPECT_EQ(events[0].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_SECURE_FAILURE));
    EXPECT_NE(events[0].value & WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA, 0u);
    EXPECT_EQ(events[1].result.dwResult, static_cast<DWORD_PTR>(API_SEND_REQUEST));
    EXPECT_EQ(events[1].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
    WinHttpSetStatusCallback(request, nullptr, 0, 0);
}

// Option Flags page: SECURITY_CERTIFICATE_STRUCT fills a WINHTTP_CERTIFICATE_INFO whose strings
// the caller frees with LocalFree; SECURITY_KEY_BITNESS is the cipher strength.
TEST_F(Https, CertificateStructKeyBitnessAndChainWhileTheConnectionIsHeld) {
    Client c = open_client(nginx_->tls_port(TlsPort::Valid), L"GET", L"/1m.bin", L"localhost",
                           WINHTTP_FLAG_SECURE);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();

    WINHTTP_CERTIFICATE_INFO info{};
    DWORD size = sizeof(info);
    ASSERT_TRUE(WinHttpQueryOption(c.request, WINHTTP_OPTION_SECURITY_CERTIFICATE_STRUCT, &info, &size))
        << GetLastError();
    ASSERT_NE(info.lpszSubjectInfo, nullptr);
    ASSERT_NE(info.lpszIssuerInfo, nullptr);
    EXPECT_NE(std::wstring(info.lpszSubjectInfo).find(L"localhost"), std::wstring::npos);
    EXPECT_GT(std::wstring(info.lpszIssuerInfo).size(), 0u);
    const auto ticks = [](FILETIME f) { return (ULONGLONG{f.dwHighDateTime} << 32) | f.dwLowDateTime; };
    EXPECT_GT(ticks(info.ftExpiry), ticks(info.ftStart));
    EXPECT_GE(info.dwKeySize, 128u);
    LocalFree(info.lpszSubjectInfo);
    LocalFree(info.lpszIssuerInfo);

    DWORD bits = 0;
    size = sizeof(bits);
    ASSERT_TRUE(WinHttpQueryOption(c.request, WINHTTP_OPTION_SECURITY_KEY_BITNESS, &bits, &size));
    EXPECT_GE(bits, 128u);

    size = 0;
    EXPECT_FALSE(WinHttpQueryOption(c.request, OPENWINHTTP_OPTION_SERVER_CERT_CHAIN, nullptr, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    std::vector<unsigned char> chain(size);
    ASSERT_TRUE(WinHttpQueryOption(c.request, OPENWINHTTP_OPTION_SERVER_CERT_CHAIN, chain.data(), &size));
    unsigned records = 0;
    for (size_t off = 0; off + sizeof(DWORD) <= chain.size(); ++records) {
        DWORD n;
        std::memcpy(&n, chain.data() + off, sizeof(n));
        ASSERT_LE(off + sizeof(n) + n, chain.size());
        EXPECT_EQ(chain[off + sizeof(n)], 0x30) << "DER starts with a SEQUENCE";
        off += sizeof(n) + n;
    }
    EXPECT_EQ(records, 2u) << "leaf and the test CA";
}

TEST_F(Https, CertificateOptionsOnAPlainRequestAreInTheWrongState) {
    Client c = open_client(nginx_->port(), L"GET", L"/hello.txt");
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr));
    DWORD bits = 0, size = sizeof(bits);
    EXPECT_FALSE(WinHttpQueryOption(c.request, WINHTTP_OPTION_SECURITY_KEY_BITNESS, &bits, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
}

// The Linux mirror of WINHTTP_OPTION_CLIENT_CERT_CONTEXT (winhttp.h, OpenWinHTTP extensions).
TEST_F(Https, ClientCertificateFilesSatisfyTheServer) {
    const auto& certs = nginx_->certificates();
    const std::wstring cert = widen(certs.client().cert_file), key = widen(certs.client().key_file);
    const std::wstring p12 = widen(certs.client_p12()), password = widen(certs.client_p12_password());
    const OPENWINHTTP_CLIENT_CERT_FILES pem{cert.c_str(), key.c_str(), nullptr, nullptr};
    const OPENWINHTTP_CLIENT_CERT_FILES pkcs12{nullptr, nullptr, p12.c_str(), password.c_str()};
    for (const auto* files : {&pem, &pkcs12}) {
        Client c = open_client(nginx_->tls_port(TlsPort::ClientAuth), L"GET", L"/hello.txt",
                               L"localhost", WINHTTP_FLAG_SECURE);
        ASSERT_TRUE(WinHttpSetOption(c.request, OPENWINHTTP_OPTION_CLIENT_CERT_FILES,
                                     const_cast<OPENWINHTTP_CLIENT_CERT_FILES*>(files), sizeof(*files)))
            << GetLastError();
        Outcome o = run_request(c.request);
        EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
        EXPECT_EQ(o.body, "hello, world\n");
    }
}

TEST_F(Https, NoClientCertContextGoesOnWithoutOne) {
    Client c = open_client(nginx_->tls_port(TlsPort::ClientAuth), L"GET", L"/hello.txt",
                           L"localhost", WINHTTP_FLAG_SECURE);
    ASSERT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_CLIENT_CERT_CONTEXT,
                                 WINHTTP_NO_CLIENT_CERT_CONTEXT, 0));
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 400u) << "nginx: no required SSL certificate was sent";
}

TEST_F(Https, ClientCertificateFilesErrors) {
    Client c = open_client(nginx_->tls_port(TlsPort::ClientAuth), L"GET", L"/hello.txt",
                           L"localhost", WINHTTP_FLAG_SECURE);
    const OPENWINHTTP_CLIENT_CERT_FILES missing{L"/nonexistent.pem", nullptr, nullptr, nullptr};
    EXPECT_FALSE(WinHttpSetOption(c.request, OPENWINHTTP_OPTION_CLIENT_CERT_FILES,
                                  const_cast<OPENWINHTTP_CLIENT_CERT_FILES*>(&missing), sizeof(missing)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FILE_NOT_FOUND));
    const OPENWINHTTP_CLIENT_CERT_FILES neither{nullptr, nullptr, nullptr, nullptr};
    EXPECT_FALSE(WinHttpSetOption(c.request, OPENWINHTTP_OPTION_CLIENT_CERT_FILES,
                                  const_cast<OPENWINHTTP_CLIENT_CERT_FILES*>(&neither), sizeof(neither)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

// A server that accepts TCP and never answers the ClientHello: the handshake waits.
// Closing the async request then cancels it mid-handshake (seed page: closing cancels work in
// flight); a sync request gives up at its receive timeout.
TEST_F(Https, CloseCancelsAnAsyncHandshakeInFlight) {
    using winhttp::test::ScriptedServer;
    using winhttp::test::Step;
    ScriptedServer server({{Step::stall(std::chrono::seconds(10))}});
    CallbackRecorder rec;
    Handle session = open_session(WINHTTP_FLAG_ASYNC);
    set_timeouts(session, 10000);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    HINTERNET h = WinHttpOpenRequest(connect, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                     WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE);
    ASSERT_NE(h, nullptr);
    WinHttpSetStatusCallback(h, CallbackRecorder::record, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    ASSERT_TRUE(WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0, rec.context()));
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER, 1, std::chrono::seconds(5), h));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // in the handshake now
    Stopwatch sw;
    ASSERT_TRUE(WinHttpCloseHandle(h));
    EXPECT_LT(sw.ms(), 100);
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, std::chrono::seconds(2), h))
        << rec.dump();
    const auto events = rec.events_for(h);
    ASSERT_GE(events.size(), 2u);
    const auto& error = events[events.size() - 2];
    EXPECT_EQ(error.status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR)) << rec.dump();
    EXPECT_EQ(error.result.dwResult, static_cast<DWORD_PTR>(API_SEND_REQUEST));
    EXPECT_EQ(error.result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_SENDING_REQUEST, h), 0u) << "no byte of HTTP was sent";
}

TEST_F(Https, SyncHandshakeGivesUpAtTheReceiveTimeout) {
    using winhttp::test::ScriptedServer;
    using winhttp::test::Step;
    ScriptedServer server({{Step::stall(std::chrono::seconds(10))}});
    Client c = open_client(server.port(), L"GET", L"/", L"127.0.0.1", WINHTTP_FLAG_SECURE);
    ASSERT_TRUE(WinHttpSetTimeouts(c.request, 5000, 5000, 5000, 300));
    Stopwatch sw;
    EXPECT_FALSE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT));
    EXPECT_LT(sw.ms(), 3000);
}

// ===== https -> http redirects (docs/SECURITY.md) =============================================

// Option Flags page, WINHTTP_OPTION_REDIRECT_POLICY: DISALLOW_HTTPS_TO_HTTP is the default, "all
// redirects are automatically followed, except those that originate from a secure (https) URL
// to an unsecure (http) URL"; the 3xx is then the response the application gets.
TEST_F(Https, RedirectToHttpIsNotFollowedByDefault) {
    const uint64_t before = nginx_->connections_accepted();
    Client c = open_client(nginx_->tls_port(TlsPort::Valid), L"GET", L"/to-http", L"localhost",
                           WINHTTP_FLAG_SECURE);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 302u);
    const std::wstring target = L"http://localhost:" + std::to_wstring(nginx_->port()) + L"/hello.txt";
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_LOCATION), target);
    EXPECT_EQ(query_url(c.request),
              L"https://localhost:" + std::to_wstring(nginx_->tls_port(TlsPort::Valid)) + L"/to-http");
    EXPECT_EQ(nginx_->connections_accepted() - before, 1u) << "only the https connection";
}

TEST_F(Https, RedirectToHttpIsFollowedWithPolicyAlways) {
    const uint64_t before = nginx_->connections_accepted();
    Client c = open_client(nginx_->tls_port(TlsPort::Valid), L"GET", L"/to-http", L"localhost",
                           WINHTTP_FLAG_SECURE);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_REDIRECT_POLICY,
                                 WINHTTP_OPTION_REDIRECT_POLICY_ALWAYS));
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 200u);
    EXPECT_EQ(o.body, "hello, world\n");
    EXPECT_EQ(query_url(c.request),
              L"http://localhost:" + std::to_wstring(nginx_->port()) + L"/hello.txt");
    EXPECT_EQ(nginx_->connections_accepted() - before, 2u);
}

// ===== Secure cookies (RFC 6265bis §5.7; docs/SECURITY.md) ====================================

// GET `path` on a new connect + request of `session`, https or http, on the test nginx as
// "localhost"; returns the body ("" and a test failure if the request fails).
std::string fetch(HINTERNET session, const Nginx& nginx, const wchar_t* path, bool https) {
    Handle connect(WinHttpConnect(session, L"localhost",
                                  https ? nginx.tls_port(TlsPort::Valid) : nginx.port(), 0));
    EXPECT_TRUE(connect) << GetLastError();
    if (!connect) return {};
    Handle r = open_request(connect, L"GET", path, https ? WINHTTP_FLAG_SECURE : 0);
    Outcome o = run_request(r);
    EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage << " " << narrow(path);
    return o.body;
}

TEST_F(Https, SecureCookieIsKeptForHttpsAndNeverSentOverHttp) {
    Handle session = open_session();
    set_timeouts(session);
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/secure", true), "set");
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/echo", true), "s=from-https");
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/echo", false), "");
}

TEST_F(Https, HttpResponseCannotOverwriteASecureCookie) {
    Handle session = open_session();
    set_timeouts(session);
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/secure", true), "set");
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/plain", false), "set");
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/echo", true), "s=from-https");
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/echo", false), "") << "nor shadow it over http";
}

TEST_F(Https, SecureCookieFromAnHttpResponseIsRefused) {
    Handle session = open_session();
    set_timeouts(session);
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/secure", false), "set");
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/echo", true), "");
    // A plain cookie is what an http response can set, and https requests get it too.
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/plain", false), "set");
    EXPECT_EQ(fetch(session, *nginx_, L"/cookie/echo", true), "s=from-http");
}

}  // namespace
