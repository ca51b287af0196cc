// Debian's nginx as a real HTTP/1.1 server for integration tests, run as a child process on
// 127.0.0.1 (and [::1] when available) with a generated config in a fresh temp dir.
//
//     auto& nginx = Nginx::shared();           // started once per test binary, stopped at exit
//     ... GET http://127.0.0.1:<nginx.port()>/hello.txt ...
//     EXPECT_EQ(nginx.connections_accepted() - before, 1u);   // the connection was reused
//
// Served paths:
//   /hello.txt        "hello, world\n"            /100.bin /16k.bin /1m.bin   pattern(size)
//   /gz/text.txt      100 KiB of text; everything under /gz/ is gzipped on Accept-Encoding
//   /redirect/...     302 to /hello.txt            /redirect307/...            307 to /hello.txt
//   /redirect-loop    302 to itself                /nginx_status               stub_status
//   /to-http          302 to http://localhost:<port()>/hello.txt (from the HTTPS ports too)
//   /cookie/secure    Set-Cookie: s=from-https; Secure; Path=/   (body "set")
//   /cookie/plain     Set-Cookie: s=from-http; Path=/            (body "set")
//   /cookie/echo      the request's Cookie header as the body
//   /cookie/two       Set-Cookie: a=1; Path=/ and Set-Cookie: b=2; Path=/   (body "set")
//   /post             200 "got <Content-Length>" for any method ("got " without a length)
//   /redirect302-post 302 to /post                 /redirect307-post          307 to /post
//   /basic/...        Basic auth (realm "itest", user kBasicUser, password kBasicPassword,
//                     as Apache's /basic/); /basic/index.txt is "/basic/index.txt" (as Apache's)
//   /ws-proxy/<path>  reverse proxy with the WebSocket upgrade headers to
//                     http://127.0.0.1:<X-WS-Port request header>/<path> (a ws_server.h server)
// Keep-alive: 100000 requests per connection, 60 s idle timeout.
//
// HTTPS: one extra port per test certificate (see tls_certs.h), TLS 1.2 and 1.3, HTTP/1.1
// only except TlsPort::H2, same document root and locations:
//     nginx.tls_port(TlsPort::Valid)        CN=localhost issued by certificates().ca_file()
//     nginx.tls_port(TlsPort::Expired) ...  one port per ServerCert
//     nginx.tls_port(TlsPort::ClientAuth)   valid certificate; requires a client certificate
//                                           issued by the test CA (ssl_verify_client on)
//     nginx.tls_port(TlsPort::Tls12Only)    valid certificate, TLS 1.2 only
//     nginx.tls_port(TlsPort::Tls13Only)    valid certificate, TLS 1.3 only
//     nginx.tls_port(TlsPort::OcspGood)     valid certificate with a stapled OCSP response
//     nginx.tls_port(TlsPort::OcspRevoked) ...  one port per OcspStaple (tls_certs.h);
//                                           TlsPort::Valid staples nothing
//     nginx.tls_port(TlsPort::H2)           valid certificate, "h2" and "http/1.1" by ALPN,
//                                           http2_max_concurrent_streams 64, plus
//                                           /trailer/<file>: the file with trailer "X-Trailer: done"
//
// Startup failures (nginx missing, no free port, bad config) throw std::runtime_error with
// nginx's error log, so the test using it fails with the reason instead of skipping.
#pragma once

#include "support/tls_certs.h"

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace winhttp::test {

// The account of the /basic/ locations.
inline constexpr const char* kBasicUser = "user";
inline constexpr const char* kBasicPassword = "secret";

// The HTTPS listeners; the first ServerCert::Count match ServerCert one to one.
enum class TlsPort {
    Valid,
    WrongHost,
    Expired,
    NotYetValid,
    SelfSigned,
    WrongUsage,
    ClientAuth,
    Tls12Only,
    Tls13Only,
    OcspGood,  // the OcspStaple values follow in their order
    OcspRevoked,
    OcspExpired,
    OcspWrongSigner,
    H2,  // valid certificate, HTTP/2 and HTTP/1.1 by ALPN
    Count
};

class Nginx {
  public:
    // Extra server blocks for a private instance: called before each start attempt with the
    // document root and the HTTP port of that attempt; returns config text (server blocks, which
    // may use @LOCATIONS@ for the usual locations). It may write files and pick ports of its own
    // (a lost port race makes nginx exit, and the next attempt calls it again).
    using ExtraServers = std::function<std::string(const std::string& root, unsigned short port)>;

    // Starts a private instance; throws std::runtime_error on failure.
    explicit Nginx(ExtraServers extra = {});
    // Stops nginx (SIGTERM, then SIGKILL after 5 s) and deletes the temp dir.
    ~Nginx();
    Nginx(const Nginx&) = delete;
    Nginx& operator=(const Nginx&) = delete;

    // The process-wide instance, started on first use and stopped at exit. Throws
    // std::runtime_error on every call if it could not start.
    static Nginx& shared();

    unsigned short port() const { return port_; }
    // The HTTPS port for `which` (127.0.0.1 only).
    unsigned short tls_port(TlsPort which) const { return tls_ports_[static_cast<size_t>(which)]; }
    // The certificates the HTTPS ports use, and the test CA and client certificate.
    const TestCertificates& certificates() const { return *certs_; }
    // Whether nginx also listens on [::1]:port().
    bool has_ipv6() const { return ipv6_; }
    // Document root (absolute path); the temp dir holding config, logs and root.
    const std::string& root() const { return root_; }
    const std::string& dir() const { return dir_; }

    // Creates or replaces root()/relpath (parent directories included). Throws on failure.
    void write_file(std::string_view relpath, std::string_view contents) const;
    // Writes pattern(size_bytes) to root()/relpath.
    void make_file(std::string_view relpath, size_t size_bytes) const;
    // Deterministic content of a made file: byte i is i % 251 (a prime, so the pattern does
    // not line up with power-of-two buffer sizes).
    static std::string pattern(size_t size_bytes);

    // Connections nginx has accepted since it started (stub_status "accepts"), not counting
    // the probe connections this function opens itself. Compare two readings to see whether
    // a client opened new connections. Throws if the status page cannot be read.
    uint64_t connections_accepted() const;

    // Contents of nginx's error log (for failure messages).
    std::string error_log() const;

  private:
    bool start_on(unsigned short port);  // false: nginx exited or never answered
    bool pick_tls_ports(unsigned short http_port);
    bool wait_until_serving();
    void stop();                         // kill_process() and delete the temp dir
    void kill_process();                 // SIGTERM, SIGKILL after 5 s, reap
    void write_config(unsigned short port) const;
    std::string tls_servers() const;  // the config's HTTPS server blocks
    void create_default_files() const;

    ExtraServers extra_;
    std::string dir_;
    std::string root_;
    unsigned short port_ = 0;
    bool ipv6_ = false;
    pid_t pid_ = -1;
    std::unique_ptr<TestCertificates> certs_;
    std::array<unsigned short, static_cast<size_t>(TlsPort::Count)> tls_ports_{};
    mutable std::atomic<uint64_t> probes_{0};
};

}  // namespace winhttp::test
