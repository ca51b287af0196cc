// Revocation checking by network fetch: WINHTTP_ENABLE_SSL_REVOCATION against a server that
// staples nothing. The client asks the certificate's OCSP responder (AIA) or, failing that,
// its CRL distribution point, as Windows does. Real servers started here: `openssl ocsp` as
// the responder (tests/support/ocsp_responder.h), a private nginx serving the TLS sites and
// the CRL, a port that refuses connections (responder down) and one whose connects never
// complete (responder hangs). Certificates are made at test time (RevocationPki).
//
// Facts (Microsoft pages): Option Flags, WINHTTP_ENABLE_SSL_REVOCATION "allows SSL
// revocation"; IGNORE_CERT_REVOCATION_OFFLINE "allows secure connections to use security
// certificates for which the certificate revocation list could not be downloaded".
// WINHTTP_STATUS_CALLBACK, SECURE_FAILURE: CERT_REVOKED "SSL certificate was revoked";
// CERT_REV_FAILED "the revocation check failed to verify whether a certificate has been
// revoked. The server used to check for revocation might be unreachable". WinHttpSendRequest:
// certificate problems fail with ERROR_WINHTTP_SECURE_FAILURE (docs/design/revocation.md).
#include <winhttp.h>

#include <gtest/gtest.h>

#include <stdlib.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "integration/http_test_util.h"
#include "support/loopback.h"
#include "support/nginx.h"
#include "support/ocsp_responder.h"
#include "support/recorder.h"
#include "support/tls_certs.h"

namespace {

using namespace itest;
using winhttp::test::CallbackRecorder;
using winhttp::test::FullBacklogListener;
using winhttp::test::Nginx;
using winhttp::test::OcspResponder;
using winhttp::test::RefusedPort;
using winhttp::test::RevCert;
using winhttp::test::RevocationPki;

constexpr DWORD kRevoked = WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED;
constexpr DWORD kRevFailed = WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED;
constexpr size_t kRevCerts = static_cast<size_t>(RevCert::Count);

// The servers, started once per test binary.
class Site {
  public:
    static Site& shared() {
        static std::unique_ptr<Site> site(new Site());
        return *site;
    }
    ~Site() {
        nginx_.reset();
        responder_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    INTERNET_PORT port(RevCert which) const { return ports_[static_cast<size_t>(which)]; }
    const OcspResponder& responder() const { return *responder_; }
    const Nginx& nginx() const { return *nginx_; }
    const RevocationPki& pki() const { return *pki_; }
    unsigned short hang_port() const { return hang_->port(); }
    bool hang_pends() const { return hang_->ready() && hang_->connect_pends(); }

  private:
    Site() {
        char tmpl[] = "/tmp/winhttp-rev.XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
        dir_ = tmpl;
        pki_ = std::make_unique<RevocationPki>(dir_);
        responder_ = std::make_unique<OcspResponder>(*pki_, dir_);
        for (int i = 0; i < 20 && !refused_; ++i) {
            const unsigned short p = winhttp::test::pick_free_port();
            auto r = std::make_unique<RefusedPort>(false, p);
            if (r->ready()) {
                refused_ = std::move(r);
                refused_port_ = p;
            }
        }
        if (!refused_) throw std::runtime_error("no port to refuse connections on");
        hang_ = std::make_unique<FullBacklogListener>();
        nginx_ = std::make_unique<Nginx>(
            [this](const std::string& root, unsigned short http_port) {
                return servers(root, http_port);
            });
    }

    // The TLS sites and the CRL for one nginx start attempt on `http_port`.
    std::string servers(const std::string& root, unsigned short http_port) {
        const std::string local = "http://127.0.0.1:";
        pki_->issue(local + std::to_string(responder_->port()),
                    local + std::to_string(refused_port_),
                    local + std::to_string(hang_->port()),
                    local + std::to_string(http_port) + "/crl/ca.crl");
        std::filesystem::create_directories(root + "/crl");
        std::ofstream(root + "/crl/ca.crl", std::ios::binary | std::ios::trunc) << pki_->crl_der();
        std::string out;
        for (size_t i = 0; i < kRevCerts; ++i) {
            unsigned short p = 0;
            for (int tries = 0; tries < 20 && p == 0; ++tries) {
                p = winhttp::test::pick_free_port();
                bool taken = p == http_port;
                for (size_t j = 0; j < i; ++j) taken = taken || ports_[j] == p;
                if (taken) p = 0;
            }
            ports_[i] = p;
            const auto files = pki_->server(static_cast<RevCert>(i));
            out += "  server {\n    listen 127.0.0.1:" + std::to_string(p) +
                   " ssl;\n    ssl_certificate " + files.cert_file + ";\n    ssl_certificate_key " +
                   files.key_file + ";\n@LOCATIONS@\n  }\n";
        }
        return out;
    }

    std::string dir_;
    std::unique_ptr<RevocationPki> pki_;
    std::unique_ptr<OcspResponder> responder_;
    std::unique_ptr<RefusedPort> refused_;
    unsigned short refused_port_ = 0;
    std::unique_ptr<FullBacklogListener> hang_;
    std::unique_ptr<Nginx> nginx_;
    std::array<INTERNET_PORT, kRevCerts> ports_{};
};

struct Check {
    bool ignore_offline = false;
    bool keep_alive = true;
    int connect_timeout_ms = 5000;  // the other timeouts stay at 5 s
};

struct Result {
    DWORD error = ERROR_SUCCESS;
    DWORD status = 0;
    DWORD secure_flags = 0;
    bool secure_failure_seen = false;
    std::string body;
};

void apply(HINTERNET request, const Check& c) {
    EXPECT_TRUE(
        set_dword_option(request, WINHTTP_OPTION_ENABLE_FEATURE, WINHTTP_ENABLE_SSL_REVOCATION));
    if (c.ignore_offline) {
        BOOL on = TRUE;
        EXPECT_TRUE(WinHttpSetOption(request, WINHTTP_OPTION_IGNORE_CERT_REVOCATION_OFFLINE, &on,
                                     sizeof(on)));
    }
    if (!c.keep_alive)
        EXPECT_TRUE(
            set_dword_option(request, WINHTTP_OPTION_DISABLE_FEATURE, WINHTTP_DISABLE_KEEP_ALIVE));
}

class RevocationFetch : public ::testing::Test {
  protected:
    void SetUp() override {
        site_ = &Site::shared();
        ::setenv("SSL_CERT_FILE", site_->pki().ca_file().c_str(), 1);
    }
    void TearDown() override { ::unsetenv("SSL_CERT_FILE"); }

    struct Conn {
        Handle session, connect;
    };
    Conn connect(RevCert which, DWORD flags = 0, int connect_ms = 5000, int other_ms = 5000) {
        Conn c;
        c.session = open_session(flags);
        WinHttpSetTimeouts(c.session, other_ms, connect_ms, other_ms, other_ms);
        c.connect = Handle(WinHttpConnect(c.session, L"localhost", site_->port(which), 0));
        EXPECT_NE(c.connect.get(), nullptr);
        return c;
    }

    // One synchronous GET of /hello.txt.
    Result get(HINTERNET connect, const Check& check) {
        Result out;
        CallbackRecorder rec;
        Handle request = open_request(connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
        WinHttpSetStatusCallback(request, CallbackRecorder::record,
                                 WINHTTP_CALLBACK_FLAG_SECURE_FAILURE, 0);
        apply(request, check);
        if (!WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0,
                                rec.context()) ||
            !WinHttpReceiveResponse(request, nullptr)) {
            out.error = GetLastError();
        } else {
            out.status = status_code(request);
            out.error = read_body(request, out.body);
        }
        for (const auto& e : rec.events()) {
            if (e.status != WINHTTP_CALLBACK_STATUS_SECURE_FAILURE) continue;
            out.secure_failure_seen = true;
            out.secure_flags |= e.value;
        }
        WinHttpSetStatusCallback(request, nullptr, 0, 0);
        return out;
    }
    Result get(RevCert which, const Check& check = {}) {
        Conn c = connect(which, 0, check.connect_timeout_ms);
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

    Site* site_ = nullptr;
};

TEST_F(RevocationFetch, GoodAnswerFromTheResponderPasses) {
    const size_t before = site_->responder().requests();
    expect_success(get(RevCert::OcspGood));
    EXPECT_EQ(site_->responder().requests(), before + 1) << site_->responder().log();
}

TEST_F(RevocationFetch, RevokedAnswerFailsWithCertRevoked) {
    expect_failure(get(RevCert::OcspRevoked), kRevoked);
    // IGNORE_CERT_REVOCATION_OFFLINE is about missing answers, not bad news.
    Check c;
    c.ignore_offline = true;
    expect_failure(get(RevCert::OcspRevoked, c), kRevoked);
}

// CERT_REV_FAILED: "the server used to check for revocation might be unreachable".
TEST_F(RevocationFetch, ResponderDownFailsWithRevFailed) {
    expect_failure(get(RevCert::OcspDown), kRevFailed);
}

TEST_F(RevocationFetch, ResponderDownPassesWhenOfflineIsIgnored) {
    Check c;
    c.ignore_offline = true;
    expect_success(get(RevCert::OcspDown, c));
}

// The request's timeouts bound the fetch: a responder whose connect never completes is
// offline once the connect timeout passes.
TEST_F(RevocationFetch, HangingResponderIsOfflineAfterTheConnectTimeout) {
    if (!site_->hang_pends()) GTEST_SKIP() << "full backlog connect does not pend here";
    Check c;
    c.connect_timeout_ms = 500;
    expect_failure(get(RevCert::OcspHangs, c), kRevFailed);
    c.ignore_offline = true;
    expect_success(get(RevCert::OcspHangs, c));
}

TEST_F(RevocationFetch, CrlListsTheRevokedCertificate) {
    expect_failure(get(RevCert::CrlRevoked), kRevoked);
}

TEST_F(RevocationFetch, CrlWithoutTheCertificatePasses) {
    expect_success(get(RevCert::CrlGood));
}

// OCSP first; when the responder cannot be reached, the CRL decides.
TEST_F(RevocationFetch, CrlIsAskedWhenTheResponderIsDown) {
    expect_success(get(RevCert::OcspDownCrlGood));
}

// Answers are cached per session until their nextUpdate: a second full handshake (no
// keep-alive) with the same certificate does not ask the responder again; a new session does.
TEST_F(RevocationFetch, AnswerIsCachedForItsValidity) {
    Check c;
    c.keep_alive = false;
    Conn conn = connect(RevCert::OcspGood);
    const uint64_t accepted = site_->nginx().connections_accepted();
    const size_t before = site_->responder().requests();
    expect_success(get(conn.connect, c));
    expect_success(get(conn.connect, c));
    EXPECT_EQ(site_->nginx().connections_accepted(), accepted + 2);  // two handshakes
    EXPECT_EQ(site_->responder().requests(), before + 1) << site_->responder().log();
    expect_success(get(RevCert::OcspGood, c));  // another session
    EXPECT_EQ(site_->responder().requests(), before + 2) << site_->responder().log();
}

TEST_F(RevocationFetch, RevokedAnswerIsCachedToo) {
    Check c;
    c.keep_alive = false;
    Conn conn = connect(RevCert::OcspRevoked);
    const size_t before = site_->responder().requests();
    expect_failure(get(conn.connect, c), kRevoked);
    expect_failure(get(conn.connect, c), kRevoked);
    EXPECT_EQ(site_->responder().requests(), before + 1) << site_->responder().log();
}

// Closing the request from another thread while its fetch waits on the responder ends the
// blocked WinHttpSendRequest with ERROR_WINHTTP_OPERATION_CANCELLED (docs/design/close.md), and
// the fetch's own connection is dropped.
TEST_F(RevocationFetch, CloseDuringTheFetchCancelsIt) {
    if (!site_->hang_pends()) GTEST_SKIP() << "full backlog connect does not pend here";
    Conn conn = connect(RevCert::OcspHangs, 0, 30000, 30000);
    Handle request = open_request(conn.connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
    apply(request, Check{});
    std::atomic<bool> closed{false};
    HINTERNET raw = request.release();
    std::thread closer([&] {
        for (int i = 0; i < 1000 && winhttp::test::pending_connects_to(site_->hang_port()) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        closed = true;
        WinHttpCloseHandle(raw);
    });
    const BOOL ok = WinHttpSendRequest(raw, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0, 0);
    const DWORD error = GetLastError();
    closer.join();
    EXPECT_TRUE(closed);
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    for (int i = 0; i < 1000 && winhttp::test::pending_connects_to(site_->hang_port()) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(winhttp::test::pending_connects_to(site_->hang_port()), 0u);
}

// Async: the fetch runs off the event loop; the outcome arrives as SECURE_FAILURE then
// REQUEST_ERROR {API_SEND_REQUEST, ERROR_WINHTTP_SECURE_FAILURE}, or SENDREQUEST_COMPLETE.
class AsyncRevocationFetch : public RevocationFetch {
  protected:
    struct Sent {
        std::vector<winhttp::test::CallbackEvent> events;
        std::string dump;
    };
    Sent send(RevCert which, DWORD last) {
        Sent out;
        CallbackRecorder rec;
        Conn conn = connect(which, WINHTTP_FLAG_ASYNC);
        Handle request = open_request(conn.connect, L"GET", L"/hello.txt", WINHTTP_FLAG_SECURE);
        apply(request, Check{});
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
};

TEST_F(AsyncRevocationFetch, RevokedReportsTheFlagThenRequestError) {
    for (RevCert which : {RevCert::OcspRevoked, RevCert::CrlRevoked}) {
        SCOPED_TRACE(winhttp::test::rev_cert_name(which));
        Sent r = send(which, WINHTTP_CALLBACK_STATUS_REQUEST_ERROR);
        ASSERT_EQ(r.events.size(), 2u) << r.dump;
        EXPECT_EQ(r.events[0].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_SECURE_FAILURE));
        EXPECT_EQ(r.events[0].value, kRevoked);
        EXPECT_EQ(r.events[1].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR));
        EXPECT_EQ(r.events[1].result.dwResult, static_cast<DWORD_PTR>(API_SEND_REQUEST));
        EXPECT_EQ(r.events[1].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
    }
}

TEST_F(AsyncRevocationFetch, GoodAnswerCompletes) {
    for (RevCert which : {RevCert::OcspGood, RevCert::CrlGood}) {
        SCOPED_TRACE(winhttp::test::rev_cert_name(which));
        Sent r = send(which, WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE);
        ASSERT_EQ(r.events.size(), 1u) << r.dump;
        EXPECT_EQ(r.events[0].status,
                  static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE));
    }
}

// Closing an async request while its fetch waits: REQUEST_ERROR with
// ERROR_WINHTTP_OPERATION_CANCELLED or nothing, then HANDLE_CLOSING, never a completion.
TEST_F(AsyncRevocationFetch, CloseDuringTheFetchCancelsIt) {
    if (!site_->hang_pends()) GTEST_SKIP() << "full backlog connect does not pend here";
    CallbackRecorder rec;
    Conn conn = connect(RevCert::OcspHangs, WINHTTP_FLAG_ASYNC, 30000, 30000);
    HINTERNET request =
        WinHttpOpenRequest(conn.connect, L"GET", L"/hello.txt", nullptr, WINHTTP_NO_REFERER,
                           WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE);
    ASSERT_NE(request, nullptr);
    apply(request, Check{});
    WinHttpSetStatusCallback(request, CallbackRecorder::record,
                             WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS | WINHTTP_CALLBACK_FLAG_HANDLES |
                                 WINHTTP_CALLBACK_FLAG_SECURE_FAILURE,
                             0);
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0,
                                   rec.context()));
    for (int i = 0; i < 1000 && winhttp::test::pending_connects_to(site_->hang_port()) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_GT(winhttp::test::pending_connects_to(site_->hang_port()), 0u);
    WinHttpCloseHandle(request);
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING)) << rec.dump();
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE), 0u) << rec.dump();
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_SECURE_FAILURE), 0u) << rec.dump();
    for (const auto& e : rec.events())
        if (e.status == WINHTTP_CALLBACK_STATUS_REQUEST_ERROR)
            EXPECT_EQ(e.result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    for (int i = 0; i < 1000 && winhttp::test::pending_connects_to(site_->hang_port()) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(winhttp::test::pending_connects_to(site_->hang_port()), 0u);
}

}  // namespace
