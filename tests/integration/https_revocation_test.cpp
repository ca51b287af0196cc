// Certificate revocation through the public API: WINHTTP_ENABLE_SSL_REVOCATION
// (WINHTTP_OPTION_ENABLE_FEATURE) and WINHTTP_OPTION_IGNORE_CERT_REVOCATION_OFFLINE against
// the test nginx's OCSP stapling ports (tests/support/nginx.h): nginx staples OCSP responses
// generated at test time (tests/support/tls_certs.h) about the same valid certificate.
//
// Facts (Microsoft pages): Option Flags, WINHTTP_ENABLE_SSL_REVOCATION "If enabled, WinHTTP
// allows SSL revocation. This value can be set only on the request handle";
// IGNORE_CERT_REVOCATION_OFFLINE "Allows secure connections to use security certificates for
// which the certificate revocation list could not be downloaded". WINHTTP_STATUS_CALLBACK,
// SECURE_FAILURE flags: CERT_REVOKED "SSL certificate was revoked"; CERT_REV_FAILED
// "revocation checking has been enabled, but the revocation check failed to verify whether a
// certificate has been revoked. The server used to check for revocation might be unreachable".
// WinHttpSendRequest: a certificate problem fails with ERROR_WINHTTP_SECURE_FAILURE, details in
// SECURE_FAILURE (as for every other certificate problem here: docs/design/revocation.md).
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "integration/http_test_util.h"
#include "support/nginx.h"
#include "support/recorder.h"

namespace {

using namespace itest;
using winhttp::test::CallbackRecorder;
using winhttp::test::Nginx;
using winhttp::test::TlsPort;

constexpr DWORD kRevoked = WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED;
constexpr DWORD kRevFailed = WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED;

// What a request asks for.
struct Check {
    bool revocation = true;       // WINHTTP_ENABLE_SSL_REVOCATION
    bool ignore_offline = false;  // WINHTTP_OPTION_IGNORE_CERT_REVOCATION_OFFLINE
    DWORD ignore_flags = 0;       // WINHTTP_OPTION_SECURITY_FLAGS
    DWORD protocols = 0;          // WINHTTP_OPTION_SECURE_PROTOCOLS on the request; 0: none
    bool keep_alive = true;
};

struct Result {
    DWORD error = ERROR_SUCCESS;  // of the first failing call
    DWORD status = 0;
    DWORD secure_flags = 0;  // from SECURE_FAILURE
    bool secure_failure_seen = false;
    ULONGLONG stat_flags = 0;  // WINHTTP_REQUEST_STATS ullFlags of a successful request
    std::string body;
};

void apply(HINTERNET request, const Check& c) {
    if (c.revocation)
        EXPECT_TRUE(
            set_dword_option(request, WINHTTP_OPTION_ENABLE_FEATURE, WINHTTP_ENABLE_SSL_REVOCATION))
            << GetLastError();
    if (c.ignore_offline) {
        BOOL on = TRUE;
        EXPECT_TRUE(WinHttpSetOption(request, WINHTTP_OPTION_IGNORE_CERT_REVOCATION_OFFLINE, &on,
                                     sizeof(on)))
            << GetLastError();
    }
    if (c.ignore_flags)
        EXPECT_TRUE(set_dword_option(request, WINHTTP_OPTION_SECURITY_FLAGS, c.ignore_flags));
    if (c.protocols)
        EXPECT_TRUE(set_dword_option(request, WINHTTP_OPTION_SECURE_PROTOCOLS, c.protocols));
    if (!c.keep_alive)
        EXPECT_TRUE(
            set_dword_option(request, WINHTTP_OPTION_DISABLE_FEATURE, WINHTTP_DISABLE_KEEP_ALIVE));
}

class Revocation : public ::testing::Test {
  protected:
    void SetUp() override {
        nginx_ = &Nginx::shared();
        ::setenv("SSL_CERT_FILE", nginx_->certificates().ca_file().c_str(), 1);
    }
    void TearDown() override { ::unsetenv("SSL_CERT_FILE"); }

    // One synchronous GET of /hello.txt on `connect` (a connect handle for `which`).
    Result get(HINTERNET connect, const Check& check) {
        Result out;
        CallbackRecorder rec;
        Handle request = open_request(connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
        WinHttpSetStatusCallback(request, CallbackRecorder::record,
                                 WINHTTP_CALLBACK_FLAG_SECURE_FAILURE, 0);
        apply(request, check);
        SetLastError(kSentinel);
        if (!WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0,
                                rec.context()) ||
            !WinHttpReceiveResponse(request, nullptr)) {
            out.error = GetLastError();
        } else {
            out.status = status_code(request);
            out.error = read_body(request, out.body);
            WINHTTP_REQUEST_STATS st{};
            DWORD len = sizeof(st);
            if (WinHttpQueryOption(request, WINHTTP_OPTION_REQUEST_STATS, &st, &len))
                out.stat_flags = st.ullFlags;
        }
        for (const auto& e : rec.events()) {
            if (e.status != WINHTTP_CALLBACK_STATUS_SECURE_FAILURE) continue;
            out.secure_failure_seen = true;
            out.secure_flags |= e.value;
        }
        WinHttpSetStatusCallback(request, nullptr, 0, 0);
        return out;
    }

    // The same on a fresh session.
    Result get(TlsPort which, const Check& check) {
        Client c = open_client(nginx_->tls_port(which), L"GET", L"/hello.txt", L"localhost",
                               WINHTTP_FLAG_SECURE);
        return get(c.connect, check);
    }

    static void expect_success(const Result& r) {
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_SUCCESS));
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.body, "hello, world\n");
        EXPECT_FALSE(r.secure_failure_seen);
    }
    static void expect_failure(const Result& r, DWORD flags) {
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
        EXPECT_TRUE(r.secure_failure_seen);
        EXPECT_EQ(r.secure_flags, flags);
    }

    Nginx* nginx_ = nullptr;
};

TEST_F(Revocation, GoodStapleSucceeds) {
    expect_success(get(TlsPort::OcspGood, Check{}));
}

TEST_F(Revocation, RevokedStapleFailsWithCertRevoked) {
    expect_failure(get(TlsPort::OcspRevoked, Check{}), kRevoked);
}

// IGNORE_CERT_REVOCATION_OFFLINE is about missing answers, not about bad news.
TEST_F(Revocation, RevokedStapleFailsEvenWhenOfflineIsIgnored) {
    Check c;
    c.ignore_offline = true;
    expect_failure(get(TlsPort::OcspRevoked, c), kRevoked);
}

// Revocation checking is off by default (Option Flags page: the feature must be enabled): the
// revoked certificate is accepted as before.
TEST_F(Revocation, RevokedStapleIsIgnoredWhenCheckingIsNotEnabled) {
    Check c;
    c.revocation = false;
    expect_success(get(TlsPort::OcspRevoked, c));
}

// A server without stapling, and a certificate without AIA or CDP URLs to ask instead: no
// answer can be had, so this is "the revocation server was offline" (docs/design/revocation.md;
// the fetch itself is tested in https_revocation_fetch_test.cpp).
TEST_F(Revocation, NoStapleFailsWithRevFailed) {
    expect_failure(get(TlsPort::Valid, Check{}), kRevFailed);
}

TEST_F(Revocation, NoStapleIsAcceptedWhenOfflineIsIgnored) {
    Check c;
    c.ignore_offline = true;
    expect_success(get(TlsPort::Valid, c));
}

// A response whose nextUpdate has passed is no current answer: offline.
TEST_F(Revocation, ExpiredStapleFailsWithRevFailed) {
    expect_failure(get(TlsPort::OcspExpired, Check{}), kRevFailed);
}

TEST_F(Revocation, ExpiredStapleIsAcceptedWhenOfflineIsIgnored) {
    Check c;
    c.ignore_offline = true;
    expect_success(get(TlsPort::OcspExpired, c));
}

// A response signed by a responder the CA never authorised proves nothing; it is not an
// offline responder either, so ignoring offline does not let it through.
TEST_F(Revocation, WrongSignerFailsWithRevFailedEvenWhenOfflineIsIgnored) {
    expect_failure(get(TlsPort::OcspWrongSigner, Check{}), kRevFailed);
    Check c;
    c.ignore_offline = true;
    expect_failure(get(TlsPort::OcspWrongSigner, c), kRevFailed);
}

// Option Flags page, SECURITY_FLAGS: each IGNORE flag covers its own problem;
// IGNORE_ALL_CERT_ERRORS is UNKNOWN_CA | WRONG_USAGE | CN_INVALID | DATE_INVALID, none of
// which is about revocation.
TEST_F(Revocation, IgnoreAllCertErrorsDoesNotCoverRevocation) {
    Check c;
    c.ignore_flags = SECURITY_FLAG_IGNORE_ALL_CERT_ERRORS;
    expect_failure(get(TlsPort::OcspRevoked, c), kRevoked);
    expect_failure(get(TlsPort::Valid, c), kRevFailed);
    expect_success(get(TlsPort::OcspGood, c));
}

// An ignored problem is not reported next to the revocation one.
TEST_F(Revocation, IgnoredDateProblemIsNotReportedWithTheRevocationOne) {
    Check c;
    c.ignore_flags = SECURITY_FLAG_IGNORE_CERT_DATE_INVALID;
    expect_failure(get(TlsPort::Expired, c), kRevFailed);
    c.ignore_offline = true;
    expect_success(get(TlsPort::Expired, c));
}

// TLS 1.2 carries the staple in its own CertificateStatus message, TLS 1.3 inside the
// Certificate message: both are checked.
TEST_F(Revocation, BothTlsVersionsCarryTheStaple) {
    for (DWORD protocol :
         {DWORD{WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2}, DWORD{WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3}}) {
        SCOPED_TRACE(protocol);
        Check c;
        c.protocols = protocol;
        expect_success(get(TlsPort::OcspGood, c));
        expect_failure(get(TlsPort::OcspRevoked, c), kRevoked);
        expect_failure(get(TlsPort::OcspExpired, c), kRevFailed);
    }
}

// A kept-alive connection opened without the check must not serve a request that asks for it.
TEST_F(Revocation, PooledUncheckedConnectionIsNotReusedForACheckedRequest) {
    Client c = open_client(nginx_->tls_port(TlsPort::OcspRevoked), L"GET", L"/hello.txt",
                           L"localhost", WINHTTP_FLAG_SECURE);
    Check unchecked;
    unchecked.revocation = false;
    expect_success(get(c.connect, unchecked));
    expect_failure(get(c.connect, Check{}), kRevoked);
    expect_success(get(c.connect, unchecked));
}

// A resumed TLS session skips the Certificate message and so the staple (TLS 1.2 tickets and
// TLS 1.3 PSK alike): a checked request makes a full handshake instead of resuming.
TEST_F(Revocation, CachedSessionDoesNotSkipTheCheck) {
    for (DWORD protocol :
         {DWORD{WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2}, DWORD{WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3}}) {
        SCOPED_TRACE(protocol);
        Client c = open_client(nginx_->tls_port(TlsPort::OcspRevoked), L"GET", L"/hello.txt",
                               L"localhost", WINHTTP_FLAG_SECURE);
        ASSERT_TRUE(set_dword_option(c.session, WINHTTP_OPTION_SECURE_PROTOCOLS, protocol));
        Check unchecked;
        unchecked.revocation = false;
        unchecked.keep_alive = false;
        expect_success(get(c.connect, unchecked));
        // The session is cached and resumable: an unchecked request resumes it...
        Result resumed = get(c.connect, unchecked);
        expect_success(resumed);
        EXPECT_NE(resumed.stat_flags & WINHTTP_REQUEST_STAT_FLAG_TLS_SESSION_RESUMPTION, 0u);
        // ...a checked one does not, and finds the revocation.
        Check checked;
        checked.keep_alive = false;
        expect_failure(get(c.connect, checked), kRevoked);
    }
}

TEST_F(Revocation, CheckedRequestOnAGoodServerMakesAFullHandshake) {
    Client c = open_client(nginx_->tls_port(TlsPort::OcspGood), L"GET", L"/hello.txt", L"localhost",
                           WINHTTP_FLAG_SECURE);
    Check checked;
    checked.keep_alive = false;
    for (int i = 0; i < 2; ++i) {
        Result r = get(c.connect, checked);
        expect_success(r);
        EXPECT_EQ(r.stat_flags & WINHTTP_REQUEST_STAT_FLAG_TLS_SESSION_RESUMPTION, 0u);
    }
}

// Async: SECURE_FAILURE with the flag, then REQUEST_ERROR {API_SEND_REQUEST,
// ERROR_WINHTTP_SECURE_FAILURE}; a good staple completes normally.
class AsyncRevocation : public Revocation {
  protected:
    struct AsyncResult {
        std::vector<winhttp::test::CallbackEvent> events;
        std::string dump;
    };
    // Sends and waits for `last` (REQUEST_ERROR or SENDREQUEST_COMPLETE).
    AsyncResult send(TlsPort which, const Check& check, DWORD last) {
        AsyncResult out;
        CallbackRecorder rec;
        Handle session = open_session(WINHTTP_FLAG_ASYNC);
        set_timeouts(session);
        Handle connect(WinHttpConnect(session, L"localhost", nginx_->tls_port(which), 0));
        Handle request = open_request(connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
        apply(request, check);
        WinHttpSetStatusCallback(
            request, CallbackRecorder::record,
            WINHTTP_CALLBACK_FLAG_SECURE_FAILURE | WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS, 0);
        EXPECT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0,
                                       rec.context()));
        EXPECT_TRUE(rec.wait_for(last)) << rec.dump();
        WinHttpSetStatusCallback(request, nullptr, 0, 0);
        out.events = rec.events();
        out.dump = rec.dump();
        return out;
    }
    static void expect_async_failure(const AsyncResult& r, DWORD flags) {
        ASSERT_EQ(r.events.size(), 2u) << r.dump;
        EXPECT_EQ(r.events[0].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_SECURE_FAILURE));
        EXPECT_EQ(r.events[0].value, flags);
        EXPECT_EQ(r.events[1].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR));
        EXPECT_EQ(r.events[1].result.dwResult, static_cast<DWORD_PTR>(API_SEND_REQUEST));
        EXPECT_EQ(r.events[1].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
    }
};

TEST_F(AsyncRevocation, RevokedReportsTheFlagThenRequestError) {
    expect_async_failure(send(TlsPort::OcspRevoked, Check{}, WINHTTP_CALLBACK_STATUS_REQUEST_ERROR),
                         kRevoked);
}

TEST_F(AsyncRevocation, NoStapleReportsRevFailedThenRequestError) {
    expect_async_failure(send(TlsPort::Valid, Check{}, WINHTTP_CALLBACK_STATUS_REQUEST_ERROR),
                         kRevFailed);
}

TEST_F(AsyncRevocation, GoodStapleAndIgnoredOfflineComplete) {
    Check ignore;
    ignore.ignore_offline = true;
    for (const auto& [port, check] :
         {std::pair{TlsPort::OcspGood, Check{}}, std::pair{TlsPort::Valid, ignore}}) {
        AsyncResult r = send(port, check, WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE);
        ASSERT_EQ(r.events.size(), 1u) << r.dump;
        EXPECT_EQ(r.events[0].status,
                  static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE));
    }
}

}  // namespace
