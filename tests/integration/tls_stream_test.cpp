// TlsStream against nginx's HTTPS ports, driven the way the engine will drive it: a
// non-blocking TCP socket, and poll() whenever a call says WantRead or WantWrite.
#include "net/tls.h"

#include "support/nginx.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace winhttp::net {
namespace {

using test::Nginx;
using test::TlsPort;

constexpr int kWaitMs = 10000;

// A connected non-blocking TCP socket to 127.0.0.1:port, closed on destruction.
class TcpSocket {
  public:
    explicit TcpSocket(unsigned short port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
            errno == EINPROGRESS) {
            pollfd p{fd_, POLLOUT, 0};
            ::poll(&p, 1, kWaitMs);
        }
    }
    ~TcpSocket() { ::close(fd_); }
    TcpSocket(const TcpSocket&) = delete;
    TcpSocket& operator=(const TcpSocket&) = delete;
    int fd() const { return fd_; }

  private:
    int fd_ = -1;
};

// Calls `step` until it stops asking to wait, polling the socket in between.
IoResult drive(int fd, const std::function<IoResult()>& step) {
    for (;;) {
        IoResult r = step();
        if (r.status != IoStatus::WantRead && r.status != IoStatus::WantWrite) return r;
        pollfd p{fd, static_cast<short>(r.status == IoStatus::WantRead ? POLLIN : POLLOUT), 0};
        if (::poll(&p, 1, kWaitMs) <= 0) return {IoStatus::Failed, 0, ERROR_WINHTTP_TIMEOUT};
    }
}

Nginx& nginx() {
    return Nginx::shared();
}

std::shared_ptr<TlsContext> context_trusting_test_ca(DWORD protocols = kTlsDefaultProtocols) {
    TlsConfig config;
    config.protocols = protocols;
    config.ca_file = nginx().certificates().ca_file();
    std::shared_ptr<TlsContext> ctx;
    EXPECT_EQ(TlsContext::create(config, ctx), static_cast<DWORD>(ERROR_SUCCESS));
    return ctx;
}

std::shared_ptr<TlsContext> context_without_test_ca() {
    std::shared_ptr<TlsContext> ctx;
    EXPECT_EQ(TlsContext::create(TlsConfig{}, ctx), static_cast<DWORD>(ERROR_SUCCESS));
    return ctx;
}

// One connection: a socket and a TlsStream over it.
struct Connection {
    Connection(std::shared_ptr<TlsContext> ctx, TlsPort port, DWORD flags = 0,
               ClientCertChoice client = {}, std::string host = "localhost")
        : socket(nginx().tls_port(port)),
          tls(std::move(ctx), socket.fd(), host, nginx().tls_port(port), flags, std::move(client)) {
    }

    IoResult handshake() {
        return drive(socket.fd(), [this] { return tls.handshake(); });
    }

    // Sends a GET and returns everything until the server closes.
    std::string get(const std::string& path) {
        std::string request =
            "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        size_t sent = 0;
        while (sent < request.size()) {
            IoResult w = drive(socket.fd(), [&] {
                return tls.write_some(request.data() + sent, request.size() - sent);
            });
            if (w.status != IoStatus::Done) return "write failed: " + std::to_string(w.error);
            sent += w.n;
        }
        std::string response;
        char buf[4096];
        for (;;) {
            IoResult r = drive(socket.fd(), [&] { return tls.read_some(buf, sizeof(buf)); });
            if (r.status == IoStatus::Closed) return response;
            if (r.status != IoStatus::Done)
                return response + "\nread failed: " + std::to_string(r.error);
            response.append(buf, r.n);
        }
    }

    TcpSocket socket;
    TlsStream tls;
};

constexpr DWORD kOk = ERROR_SUCCESS;

// The test CA certificate, DER-encoded.
std::vector<unsigned char> ca_der() {
    BIO* in = BIO_new_file(nginx().certificates().ca_file().c_str(), "r");
    X509* cert = in ? PEM_read_bio_X509(in, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(in);
    std::vector<unsigned char> der;
    int len = cert ? i2d_X509(cert, nullptr) : 0;
    if (len > 0) {
        der.resize(static_cast<size_t>(len));
        unsigned char* p = der.data();
        i2d_X509(cert, &p);
    }
    X509_free(cert);
    return der;
}

// ---- the valid certificate -------------------------------------------------------------------

TEST(TlsStream, ValidChainHandshakes) {
    Connection c(context_trusting_test_ca(), TlsPort::Valid);
    IoResult r = c.handshake();
    ASSERT_EQ(r.status, IoStatus::Done) << r.error;
    EXPECT_TRUE(c.tls.handshake_done());
    EXPECT_EQ(c.tls.failure_flags(), 0u);
    EXPECT_EQ(c.tls.certificate_problems(), 0u);
    EXPECT_EQ(c.tls.protocol_flag(), static_cast<DWORD>(WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3));
    EXPECT_FALSE(c.tls.cipher_name().empty());
    EXPECT_GE(c.tls.cipher_bits(), 128u);
    EXPECT_FALSE(c.tls.client_cert_requested());
}

TEST(TlsStream, IpLiteralHostIsCheckedAgainstIpSan) {
    Connection c(context_trusting_test_ca(), TlsPort::Valid, 0, {}, "127.0.0.1");
    IoResult r = c.handshake();
    EXPECT_EQ(r.status, IoStatus::Done) << r.error;
}

TEST(TlsStream, SslCertFileEnvironmentIsTrusted) {
    ::setenv("SSL_CERT_FILE", nginx().certificates().ca_file().c_str(), 1);
    std::shared_ptr<TlsContext> ctx = context_without_test_ca();
    ::unsetenv("SSL_CERT_FILE");
    Connection c(ctx, TlsPort::Valid);
    IoResult r = c.handshake();
    EXPECT_EQ(r.status, IoStatus::Done) << r.error;
}

TEST(TlsStream, AlpnNegotiatesHttp11) {
    Connection c(context_trusting_test_ca(), TlsPort::Valid);
    ASSERT_EQ(c.handshake().status, IoStatus::Done);
    EXPECT_EQ(c.tls.alpn(), "http/1.1");
}

TEST(TlsStream, GetReturnsNginxResponse) {
    Connection c(context_trusting_test_ca(), TlsPort::Valid);
    std::string response = c.get("/hello.txt");
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
    EXPECT_NE(response.find("\r\n\r\nhello, world\n"), std::string::npos) << response;
}

TEST(TlsStream, LargeBodyArrivesIntact) {
    Connection c(context_trusting_test_ca(), TlsPort::Valid);
    std::string response = c.get("/1m.bin");
    size_t body = response.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos);
    EXPECT_EQ(response.substr(body + 4), Nginx::pattern(1024 * 1024));
}

TEST(TlsStream, ReadAndWriteDriveTheHandshakeThemselves) {
    Connection c(context_trusting_test_ca(), TlsPort::Valid);
    std::string response = c.get("/hello.txt");  // no explicit handshake()
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
}

TEST(TlsStream, SessionResumesOnSecondConnection) {
    std::shared_ptr<TlsContext> ctx = context_trusting_test_ca();
    {
        Connection first(ctx, TlsPort::Valid);
        // TLS 1.3 tickets arrive after the handshake: reading the response processes them.
        first.get("/hello.txt");
        EXPECT_FALSE(first.tls.session_reused());
    }
    EXPECT_EQ(ctx->cached_sessions(), 1u);
    Connection second(ctx, TlsPort::Valid);
    ASSERT_EQ(second.handshake().status, IoStatus::Done);
    EXPECT_TRUE(second.tls.session_reused());
    EXPECT_EQ(second.get("/hello.txt").rfind("HTTP/1.1 200 OK", 0), 0u);
}

TEST(TlsStream, SessionResumesOverTls12) {
    std::shared_ptr<TlsContext> ctx = context_trusting_test_ca();
    {
        Connection first(ctx, TlsPort::Tls12Only);
        ASSERT_EQ(first.handshake().status, IoStatus::Done);
        EXPECT_EQ(first.tls.protocol_flag(),
                  static_cast<DWORD>(WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2));
    }
    Connection second(ctx, TlsPort::Tls12Only);
    ASSERT_EQ(second.handshake().status, IoStatus::Done);
    EXPECT_TRUE(second.tls.session_reused());
}

TEST(TlsStream, SessionsAreNotSharedBetweenPorts) {
    std::shared_ptr<TlsContext> ctx = context_trusting_test_ca();
    {
        Connection first(ctx, TlsPort::Valid);
        first.get("/hello.txt");
    }
    Connection other(ctx, TlsPort::Tls13Only);
    ASSERT_EQ(other.handshake().status, IoStatus::Done);
    EXPECT_FALSE(other.tls.session_reused());
}

TEST(TlsStream, SessionWithIgnoredProblemsIsNotCached) {
    std::shared_ptr<TlsContext> ctx = context_without_test_ca();
    {
        Connection first(ctx, TlsPort::Valid, SECURITY_FLAG_IGNORE_UNKNOWN_CA);
        first.get("/hello.txt");
    }
    EXPECT_EQ(ctx->cached_sessions(), 0u);
    // A strict request must still see the unknown CA, not a resumed session.
    Connection strict(ctx, TlsPort::Valid);
    IoResult r = strict.handshake();
    EXPECT_EQ(r.status, IoStatus::Failed);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
}

// ---- certificate failures and the ignore flags ----------------------------------------------

struct FailureCase {
    TlsPort port;
    const char* host;
    DWORD flag;    // the WINHTTP_CALLBACK_STATUS_FLAG_* expected
    DWORD ignore;  // the SECURITY_FLAG_IGNORE_* that lets it pass
    bool trust_test_ca;
};

const FailureCase kFailureCases[] = {
    {TlsPort::Valid, "localhost", WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA,
     SECURITY_FLAG_IGNORE_UNKNOWN_CA, false},
    {TlsPort::SelfSigned, "localhost", WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA,
     SECURITY_FLAG_IGNORE_UNKNOWN_CA, true},
    {TlsPort::WrongHost, "localhost", WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID,
     SECURITY_FLAG_IGNORE_CERT_CN_INVALID, true},
    {TlsPort::Valid, "127.0.0.2", WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID,
     SECURITY_FLAG_IGNORE_CERT_CN_INVALID, true},
    {TlsPort::Expired, "localhost", WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID,
     SECURITY_FLAG_IGNORE_CERT_DATE_INVALID, true},
    {TlsPort::NotYetValid, "localhost", WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID,
     SECURITY_FLAG_IGNORE_CERT_DATE_INVALID, true},
    {TlsPort::WrongUsage, "localhost", WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE,
     SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE, true},
};

std::shared_ptr<TlsContext> context_for(const FailureCase& c) {
    return c.trust_test_ca ? context_trusting_test_ca() : context_without_test_ca();
}

TEST(TlsStream, EachCertificateProblemFailsWithSecureFailureAndItsFlag) {
    for (const FailureCase& fc : kFailureCases) {
        SCOPED_TRACE(std::string(test::server_cert_name(static_cast<test::ServerCert>(fc.port))) +
                     " as " + fc.host);
        Connection c(context_for(fc), fc.port, 0, {}, fc.host);
        IoResult r = c.handshake();
        EXPECT_EQ(r.status, IoStatus::Failed);
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
        EXPECT_EQ(c.tls.failure_flags(), fc.flag);
        EXPECT_FALSE(c.tls.handshake_done());
        // The failure sticks: later calls repeat it without touching the socket.
        EXPECT_EQ(c.tls.handshake().error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
        char buf[16];
        EXPECT_EQ(c.tls.read_some(buf, sizeof(buf)).status, IoStatus::Failed);
    }
}

TEST(TlsStream, EachIgnoreFlagLetsItsProblemPass) {
    for (const FailureCase& fc : kFailureCases) {
        SCOPED_TRACE(std::string(test::server_cert_name(static_cast<test::ServerCert>(fc.port))) +
                     " as " + fc.host);
        Connection c(context_for(fc), fc.port, fc.ignore, {}, fc.host);
        IoResult r = c.handshake();
        EXPECT_EQ(r.status, IoStatus::Done) << r.error;
        EXPECT_EQ(c.tls.failure_flags(), 0u);
        EXPECT_EQ(c.tls.certificate_problems(), fc.flag);
    }
}

TEST(TlsStream, IgnoreAllCertErrorsCoversEveryCase) {
    for (const FailureCase& fc : kFailureCases) {
        Connection c(context_for(fc), fc.port, SECURITY_FLAG_IGNORE_ALL_CERT_ERRORS, {}, fc.host);
        EXPECT_EQ(c.handshake().status, IoStatus::Done);
    }
}

TEST(TlsStream, OtherIgnoreFlagsDoNotCoverAProblem) {
    const DWORD all = SECURITY_FLAG_IGNORE_ALL_CERT_ERRORS;
    for (const FailureCase& fc : kFailureCases) {
        Connection c(context_for(fc), fc.port, all & ~fc.ignore, {}, fc.host);
        IoResult r = c.handshake();
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
        EXPECT_EQ(c.tls.failure_flags(), fc.flag);
    }
}

TEST(TlsStream, SeveralProblemsAreAllReported) {
    // Expired and issued by a CA this context does not trust.
    Connection c(context_without_test_ca(), TlsPort::Expired);
    IoResult r = c.handshake();
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
    EXPECT_EQ(c.tls.failure_flags(),
              static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA |
                                 WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID));
    // Ignoring one leaves the other.
    Connection d(context_without_test_ca(), TlsPort::Expired, SECURITY_FLAG_IGNORE_UNKNOWN_CA);
    EXPECT_EQ(d.handshake().error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
    EXPECT_EQ(d.tls.failure_flags(),
              static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID));
}

TEST(TlsStream, PeerCertificateIsAvailableAfterACertificateFailure) {
    Connection c(context_trusting_test_ca(), TlsPort::Expired);
    ASSERT_EQ(c.handshake().status, IoStatus::Failed);
    CertificateInfo info;
    ASSERT_TRUE(certificate_info(c.tls, info));
    EXPECT_EQ(info.subject, L"US\r\nOpenWinHTTP Test\r\nlocalhost");
}

// ---- protocol versions ---------------------------------------------------------------------

TEST(TlsStream, ProtocolMaskLimitsTheVersion) {
    Connection c(context_trusting_test_ca(WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2), TlsPort::Valid);
    ASSERT_EQ(c.handshake().status, IoStatus::Done);
    EXPECT_EQ(c.tls.protocol_flag(), static_cast<DWORD>(WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2));
}

TEST(TlsStream, NoCommonVersionIsConnectionError) {
    Connection c(context_trusting_test_ca(WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3), TlsPort::Tls12Only);
    IoResult r = c.handshake();
    EXPECT_EQ(r.status, IoStatus::Failed);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_CONNECTION_ERROR));

    Connection d(context_trusting_test_ca(WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2), TlsPort::Tls13Only);
    EXPECT_EQ(d.handshake().error, static_cast<DWORD>(ERROR_WINHTTP_CONNECTION_ERROR));
}

TEST(TlsStream, PlainHttpServerIsConnectionError) {
    TcpSocket socket(nginx().port());
    TlsStream tls(context_trusting_test_ca(), socket.fd(), "localhost", nginx().port(), 0);
    IoResult r = drive(socket.fd(), [&] { return tls.handshake(); });
    EXPECT_EQ(r.status, IoStatus::Failed);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_CONNECTION_ERROR));
}

// ---- client certificates --------------------------------------------------------------------

TEST(TlsStream, ServerAskingForClientCertFailsWithCertNeeded) {
    Connection c(context_trusting_test_ca(), TlsPort::ClientAuth);
    IoResult r = c.handshake();
    EXPECT_EQ(r.status, IoStatus::Failed);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED));
    EXPECT_TRUE(c.tls.client_cert_requested());
}

TEST(TlsStream, NoClientCertContextGoesOnWithoutOne) {
    ClientCertChoice none;
    none.none_wanted = true;
    Connection c(context_trusting_test_ca(), TlsPort::ClientAuth, 0, none);
    ASSERT_EQ(c.handshake().status, IoStatus::Done);
    EXPECT_TRUE(c.tls.client_cert_requested());
    // nginx answers a missing required certificate with 400.
    EXPECT_EQ(c.get("/hello.txt").rfind("HTTP/1.1 400", 0), 0u);
}

TEST(TlsStream, ClientCertFromPemFilesIsAccepted) {
    const auto& certs = nginx().certificates();
    ClientCertChoice choice;
    ASSERT_EQ(ClientCredentials::from_pem(certs.client().cert_file, certs.client().key_file,
                                          choice.credentials),
              kOk);
    Connection c(context_trusting_test_ca(), TlsPort::ClientAuth, 0, choice);
    ASSERT_EQ(c.handshake().status, IoStatus::Done);
    EXPECT_TRUE(c.tls.client_cert_requested());
    EXPECT_EQ(c.get("/hello.txt").rfind("HTTP/1.1 200 OK", 0), 0u);
}

TEST(TlsStream, ClientCertFromCombinedPemIsAccepted) {
    ClientCertChoice choice;
    ASSERT_EQ(ClientCredentials::from_pem(nginx().certificates().client_combined_pem(), "",
                                          choice.credentials),
              kOk);
    Connection c(context_trusting_test_ca(), TlsPort::ClientAuth, 0, choice);
    EXPECT_EQ(c.get("/hello.txt").rfind("HTTP/1.1 200 OK", 0), 0u);
}

TEST(TlsStream, ClientCertFromPkcs12IsAccepted) {
    const auto& certs = nginx().certificates();
    ClientCertChoice choice;
    ASSERT_EQ(ClientCredentials::from_pkcs12(certs.client_p12(), certs.client_p12_password(),
                                             choice.credentials),
              kOk);
    Connection c(context_trusting_test_ca(), TlsPort::ClientAuth, 0, choice);
    EXPECT_EQ(c.get("/hello.txt").rfind("HTTP/1.1 200 OK", 0), 0u);
}

TEST(TlsStream, ClientCredentialErrors) {
    const auto& certs = nginx().certificates();
    std::shared_ptr<const ClientCredentials> creds;
    EXPECT_EQ(ClientCredentials::from_pem("/nonexistent.pem", "", creds),
              static_cast<DWORD>(ERROR_FILE_NOT_FOUND));
    EXPECT_EQ(ClientCredentials::from_pem(certs.client().cert_file, "", creds),
              static_cast<DWORD>(ERROR_WINHTTP_CLIENT_CERT_NO_PRIVATE_KEY));
    EXPECT_EQ(ClientCredentials::from_pem(certs.client().cert_file,
                                          certs.server(test::ServerCert::Valid).key_file, creds),
              static_cast<DWORD>(ERROR_WINHTTP_CLIENT_CERT_NO_PRIVATE_KEY));
    EXPECT_EQ(ClientCredentials::from_pem(certs.client().key_file, certs.client().key_file, creds),
              static_cast<DWORD>(ERROR_INVALID_DATA));
    EXPECT_EQ(ClientCredentials::from_pkcs12(certs.client_p12(), "wrong", creds),
              static_cast<DWORD>(ERROR_INVALID_DATA));
    EXPECT_EQ(creds, nullptr);
}

TEST(TlsStream, ClientCertIsNotSentToAServerThatFailsVerification) {
    ClientCertChoice choice;
    ASSERT_EQ(ClientCredentials::from_pem(nginx().certificates().client_combined_pem(), "",
                                          choice.credentials),
              kOk);
    Connection c(context_without_test_ca(), TlsPort::ClientAuth, 0, choice);
    IoResult r = c.handshake();
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE));
    EXPECT_EQ(c.tls.failure_flags(), static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA));
}

// ---- SSLKEYLOGFILE -----------------------------------------------------------------------------

TEST(TlsStream, SslKeyLogFileIsWritten) {
    std::string path = nginx().dir() + "/keylog.txt";
    std::filesystem::remove(path);
    ::setenv("SSLKEYLOGFILE", path.c_str(), 1);
    std::shared_ptr<TlsContext> ctx = context_trusting_test_ca();
    ::unsetenv("SSLKEYLOGFILE");
    EXPECT_EQ(ctx->keylog_path(), path);
    {
        Connection c(ctx, TlsPort::Valid);
        ASSERT_EQ(c.handshake().status, IoStatus::Done);
    }
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    // TLS 1.3 secrets, one NSS key log line each.
    EXPECT_NE(text.str().find("CLIENT_HANDSHAKE_TRAFFIC_SECRET "), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("CLIENT_TRAFFIC_SECRET_0 "), std::string::npos);
    EXPECT_EQ(text.str().back(), '\n');
}

TEST(TlsStream, NoKeyLogWithoutTheVariable) {
    ::unsetenv("SSLKEYLOGFILE");
    EXPECT_TRUE(context_trusting_test_ca()->keylog_path().empty());
}

// ---- information for options ---------------------------------------------------------------

TEST(TlsStream, CertificateInfoHasWindowsStyleNamesAndDates) {
    Connection c(context_trusting_test_ca(), TlsPort::Valid);
    ASSERT_EQ(c.handshake().status, IoStatus::Done);
    CertificateInfo info;
    ASSERT_TRUE(certificate_info(c.tls, info));
    EXPECT_EQ(info.subject, L"US\r\nOpenWinHTTP Test\r\nlocalhost");
    EXPECT_EQ(info.issuer, L"US\r\nOpenWinHTTP Test\r\nOpenWinHTTP Test CA");
    EXPECT_EQ(info.key_size, c.tls.cipher_bits());

    auto ticks = [](FILETIME ft) {
        return (static_cast<uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
    };
    const uint64_t now =
        ticks(unix_time_to_filetime(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()));
    const uint64_t day = 86400ull * 10000000ull;
    // The test certificates are valid from a day ago for 365 days.
    EXPECT_LT(ticks(info.start), now - day + day / 24);
    EXPECT_GT(ticks(info.start), now - 2 * day);
    EXPECT_GT(ticks(info.expiry), now + 364 * day);
    EXPECT_LT(ticks(info.expiry), now + 366 * day);
}

TEST(TlsStream, PeerChainEndsAtTheTrustedRoot) {
    Connection c(context_trusting_test_ca(), TlsPort::Valid);
    ASSERT_EQ(c.handshake().status, IoStatus::Done);
    auto chain = peer_chain_der(c.tls);
    ASSERT_EQ(chain.size(), 2u);  // leaf, then the test CA
    EXPECT_FALSE(chain[0].empty());
    EXPECT_EQ(chain[1], ca_der());
}

TEST(TlsStream, NothingBeforeTheHandshake) {
    TcpSocket socket(nginx().tls_port(TlsPort::Valid));
    TlsStream tls(context_trusting_test_ca(), socket.fd(), "localhost", 0, 0);
    EXPECT_EQ(tls.protocol_flag(), 0u);
    EXPECT_EQ(tls.cipher_bits(), 0u);
    EXPECT_TRUE(tls.cipher_name().empty());
    EXPECT_FALSE(tls.session_reused());
    CertificateInfo info;
    EXPECT_FALSE(certificate_info(tls, info));
    EXPECT_TRUE(peer_chain_der(tls).empty());
}

TEST(TlsStream, ShutdownSendsCloseNotify) {
    Connection c(context_trusting_test_ca(), TlsPort::Valid);
    ASSERT_EQ(c.handshake().status, IoStatus::Done);
    EXPECT_EQ(drive(c.socket.fd(), [&] { return c.tls.shutdown(); }).status, IoStatus::Done);
}

}  // namespace
}  // namespace winhttp::net
