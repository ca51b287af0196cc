#include "support/nginx.h"

#include "support/child_process.h"
#include "support/loopback.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace winhttp::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kDefaultBinary = "/usr/sbin/nginx";
constexpr int kStartAttempts = 10;
// Served from the root with the temp dir's name: tells this nginx from any other server.
constexpr std::string_view kInstanceFile = ".winhttp-nginx-instance";

// WINHTTP_TEST_NGINX overrides the binary, for machines that keep nginx elsewhere.
std::string nginx_binary() {
    const char* env = std::getenv("WINHTTP_TEST_NGINX");
    return env && *env ? env : kDefaultBinary;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_text(const fs::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) throw std::runtime_error("Nginx: cannot write " + path.string());
}

// As root, nginx chowns its temp dirs to the `user` directive (default "nobody"). Naming the
// current user keeps everything in the temp dir ours. With master_process off nginx never
// switches user, so this changes nothing else. As a normal user the directive would only
// draw a warning, so it is left out.
std::string user_directive() {
    if (::geteuid() != 0) return {};
    const passwd* pw = ::getpwuid(::geteuid());
    const group* gr = ::getgrgid(::getegid());
    if (!pw || !gr) return {};
    return std::string("user ") + pw->pw_name + " " + gr->gr_name + ";";
}

// The process-wide nginx and why it could not start, if it could not.
struct SharedNginx {
    std::once_flag once;
    std::unique_ptr<Nginx> instance;
    std::string failure;
};

}  // namespace

Nginx::Nginx(ExtraServers extra) : extra_(std::move(extra)) {
    std::string binary = nginx_binary();
    if (::access(binary.c_str(), X_OK) != 0) {
        throw std::runtime_error(
            "Nginx: " + binary +
            " not found or not executable. Install Debian's nginx package (apt-get install "
            "nginx), or set WINHTTP_TEST_NGINX to the binary. Tests that need a real "
            "HTTP server cannot run without it.");
    }
    char tmpl[] = "/tmp/winhttp-nginx.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("Nginx: mkdtemp failed");
    dir_ = tmpl;
    root_ = dir_ + "/root";
    ipv6_ = ipv6_loopback_available();
    try {
        create_default_files();
        fs::create_directories(fs::path(dir_) / "certs");
        certs_ = std::make_unique<TestCertificates>(dir_ + "/certs");
        // Picking ports and handing them to nginx races with other processes: a start that
        // lost the race ends with nginx's exit (see wait_until_serving), and we retry.
        for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
            if (start_on(pick_free_port())) return;
        }
    } catch (...) {
        stop();
        throw;
    }
    std::string log = error_log();
    stop();
    throw std::runtime_error("Nginx: could not start after " + std::to_string(kStartAttempts) +
                             " attempts. Last error log:\n" + log);
}

Nginx::~Nginx() {
    stop();
}

Nginx& Nginx::shared() {
    // A function-local static: destroyed at exit, which stops nginx.
    static SharedNginx shared;
    std::call_once(shared.once, [] {
        try {
            shared.instance = std::make_unique<Nginx>();
        } catch (const std::exception& e) {
            shared.failure = e.what();
        }
    });
    if (!shared.instance) throw std::runtime_error(shared.failure);
    return *shared.instance;
}

// ---- starting and stopping ---------------------------------------------------------------

namespace {

// The config, as nginx reads it; @DIR@, @ROOT@, @PORT@, @USER@ and @LISTEN6@ are filled in.
// Every path nginx writes is inside the temp dir. Our own tiny types table avoids reading
// /etc/nginx/mime.types.
constexpr std::string_view kConfigTemplate = R"(@USER@
daemon off;
master_process off;
worker_processes 1;
pid @DIR@/nginx.pid;
lock_file @DIR@/nginx.lock;
error_log @DIR@/error.log info;
events { worker_connections 1024; }
http {
  access_log @DIR@/access.log;
  client_body_temp_path @DIR@/tmp/body;
  proxy_temp_path @DIR@/tmp/proxy;
  fastcgi_temp_path @DIR@/tmp/fastcgi;
  uwsgi_temp_path @DIR@/tmp/uwsgi;
  scgi_temp_path @DIR@/tmp/scgi;
  types { text/plain txt; text/html html; application/octet-stream bin; }
  default_type application/octet-stream;
  keepalive_requests 100000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:@PORT@;
    @LISTEN6@
@LOCATIONS@
  }
@TLS_SERVERS@
}
)";

// What every server block serves, plain or TLS.
constexpr std::string_view kLocations = R"(    root @ROOT@;
    location = /nginx_status { stub_status; }
    location /gz/ { gzip on; gzip_types *; gzip_min_length 0; }
    location /redirect/ { return 302 /hello.txt; }
    location /redirect307/ { return 307 /hello.txt; }
    location = /redirect-loop { return 302 /redirect-loop; }
    location = /to-http { return 302 http://localhost:@PORT@/hello.txt; }
    location = /cookie/secure { add_header Set-Cookie "s=from-https; Secure; Path=/"; return 200 "set"; }
    location = /cookie/plain { add_header Set-Cookie "s=from-http; Path=/"; return 200 "set"; }
    location = /cookie/echo { return 200 "$http_cookie"; }
    location = /cookie/two { add_header Set-Cookie "a=1; Path=/"; add_header Set-Cookie "b=2; Path=/"; return 200 "set"; }
    location = /post { return 200 "got $content_length"; }
    location = /redirect302-post { return 302 /post; }
    location = /redirect307-post { return 307 /post; }
    location /basic/ { auth_basic "itest"; auth_basic_user_file @DIR@/htpasswd; }
    location /ws-proxy/ {
      rewrite ^/ws-proxy(/.*)$ $1 break;
      proxy_pass http://127.0.0.1:$http_x_ws_port;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 60s;
    })";

// One HTTPS server; HTTP/2 only on TlsPort::H2 (@HTTP2@).
constexpr std::string_view kTlsServer = R"(  server {
    listen 127.0.0.1:@TLS_PORT@ ssl@HTTP2@;
    ssl_certificate @CERT@;
    ssl_certificate_key @KEY@;
    ssl_protocols @PROTOCOLS@;
@EXTRA@
@LOCATIONS@
  }
)";

void replace_all(std::string& text, std::string_view from, std::string_view to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
        text.replace(at, from.size(), to);
        at += to.size();
    }
}

}  // namespace

void Nginx::write_config(unsigned short port) const {
    std::string conf(kConfigTemplate);
    const std::string p = std::to_string(port);
    replace_all(conf, "@TLS_SERVERS@", tls_servers() + (extra_ ? extra_(root_, port) : ""));
    replace_all(conf, "@LOCATIONS@", kLocations);
    replace_all(conf, "@USER@", user_directive());
    replace_all(conf, "@LISTEN6@", ipv6_ ? "listen [::1]:" + p + ";" : "");
    replace_all(conf, "@PORT@", p);
    replace_all(conf, "@ROOT@", root_);
    replace_all(conf, "@DIR@", dir_);
    write_text(fs::path(dir_) / "nginx.conf", conf);
}

namespace {

// The certificate each HTTPS port presents.
ServerCert tls_port_cert(TlsPort which) {
    if (which < TlsPort::ClientAuth) return static_cast<ServerCert>(which);
    return ServerCert::Valid;
}

}  // namespace

std::string Nginx::tls_servers() const {
    std::string out;
    for (size_t i = 0; i < tls_ports_.size(); ++i) {
        auto which = static_cast<TlsPort>(i);
        CertFiles files = certs_->server(tls_port_cert(which));
        std::string block(kTlsServer);
        replace_all(block, "@TLS_PORT@", std::to_string(tls_ports_[i]));
        replace_all(block, "@CERT@", files.cert_file);
        replace_all(block, "@KEY@", files.key_file);
        replace_all(block, "@PROTOCOLS@",
                    which == TlsPort::Tls12Only   ? "TLSv1.2"
                    : which == TlsPort::Tls13Only ? "TLSv1.3"
                                                  : "TLSv1.2 TLSv1.3");
        std::string extra;
        if (which == TlsPort::ClientAuth) {
            extra = "    ssl_verify_client on;\n    ssl_client_certificate " + certs_->ca_file() + ";";
        } else if (which == TlsPort::H2) {
            extra = "    http2_max_concurrent_streams 64;\n"
                    "    location /trailer/ { alias " + root_ + "/; add_trailer X-Trailer done; }";
        } else if (which >= TlsPort::OcspGood) {
            // The response comes from the file as it is: nginx neither fetches nor checks it.
            const auto staple = static_cast<OcspStaple>(static_cast<size_t>(which) -
                                                        static_cast<size_t>(TlsPort::OcspGood));
            extra = "    ssl_stapling on;\n    ssl_stapling_file " +
                    certs_->ocsp_response(staple) + ";";
        }
        replace_all(block, "@EXTRA@", extra);
        replace_all(block, "@HTTP2@", which == TlsPort::H2 ? " http2" : "");
        out += block;
    }
    return out;
}

// Distinct free ports for the HTTPS listeners, none equal to the HTTP port.
bool Nginx::pick_tls_ports(unsigned short http_port) {
    for (size_t i = 0; i < tls_ports_.size(); ++i) {
        unsigned short port = 0;
        for (int tries = 0; tries < 20 && port == 0; ++tries) {
            port = pick_free_port();
            bool taken = port == http_port;
            for (size_t j = 0; j < i; ++j) taken = taken || tls_ports_[j] == port;
            if (taken) port = 0;
        }
        if (port == 0) return false;
        tls_ports_[i] = port;
    }
    return true;
}

bool Nginx::start_on(unsigned short port) {
    if (port == 0 || !pick_tls_ports(port)) return false;
    write_config(port);
    fs::create_directories(fs::path(dir_) / "tmp");
    fs::remove(fs::path(dir_) / "error.log");

    // Everything the child needs is prepared before fork: between fork and exec only
    // async-signal-safe calls are allowed (the test process has other threads).
    std::string binary = nginx_binary();
    std::string conf = dir_ + "/nginx.conf";
    std::string log = dir_ + "/error.log";
    std::string prefix = dir_ + "/";
    std::vector<char*> argv = {
        binary.data(), const_cast<char*>("-p"), prefix.data(), const_cast<char*>("-c"),
        conf.data(),   const_cast<char*>("-e"), log.data(),    nullptr};
    const pid_t pid = spawn_child(argv, dir_ + "/stderr.log");
    if (pid < 0) return false;
    pid_ = pid;
    port_ = port;
    return wait_until_serving();  // false: nginx is gone (stopped or exited)
}

// Ready when *this* nginx answers an HTTP request: it serves only once every listener of its
// configuration is bound. A TCP connect is not enough, and was the cause of one-off 12029/12030
// failures of TLS tests under parallel load: a port probed free by pick_free_port() can be
// taken by another process (a parallel test's port probe, client socket or listener) before
// nginx binds it. nginx then retries that bind for 2.5 s and exits, while the listeners it did
// bind already complete TCP handshakes. The old check (one TCP connect to the HTTP port) passed
// during those 2.5 s, and a test saw ERROR_WINHTTP_CANNOT_CONNECT (12029) on the port nginx
// never got, or ERROR_WINHTTP_CONNECTION_ERROR (12030) in mid-handshake when nginx gave up.
// The answer must carry this instance's token: the HTTP port itself may belong to another
// server. False when nginx exits (the caller retries with other ports), answers wrongly or not
// in time; nginx is then stopped. (Handing nginx sockets bound here, through its NGINX=fd;...
// variable, would close the window entirely, but nginx 1.22 crashes with inherited sockets and
// master_process off.)
bool Nginx::wait_until_serving() {
    const auto deadline = Clock::now() + kDefaultTimeout;
    const std::string request = "GET /" + std::string(kInstanceFile) +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    std::optional<TcpClient> probe;  // connected and asked: the answer comes once nginx serves
    return wait_ready(pid_, [&] {
        if (!probe) {
            probe.emplace(port_, false, std::chrono::milliseconds(200));
            if (!probe->connected() || !probe->send(request)) {
                probe.reset();  // not listening yet
                return Readiness::not_yet;
            }
        }
        pollfd answer{probe->fd(), POLLIN, 0};
        if (::poll(&answer, 1, 100) <= 0) return Readiness::not_yet;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        std::string response = probe->read_to_close(std::max(left, std::chrono::milliseconds(1)));
        if (response.rfind("HTTP/1.1 200 ", 0) != 0 || !response.ends_with("\r\n\r\n" + dir_))
            return Readiness::failed;
        probes_ = 1;  // nginx counted the probe; connections_accepted() must not
        return Readiness::ready;
    }, deadline);
}

void Nginx::stop() {
    kill_process();
    if (!dir_.empty()) {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
        dir_.clear();
    }
}

void Nginx::kill_process() { stop_child(pid_); }

// ---- files --------------------------------------------------------------------------------

void Nginx::create_default_files() const {
    write_file(kInstanceFile, dir_);
    write_file("hello.txt", "hello, world\n");
    make_file("100.bin", 100);
    make_file("16k.bin", 16 * 1024);
    make_file("1m.bin", 1024 * 1024);
    std::string text;
    for (int line = 0; text.size() < 100 * 1024; ++line) {
        text += "line " + std::to_string(line) + ": the quick brown fox jumps over the lazy dog\n";
    }
    text.resize(100 * 1024);
    write_file("gz/text.txt", text);
    write_file("basic/index.txt", "/basic/index.txt");
    write_text(fs::path(dir_) / "htpasswd", std::string(kBasicUser) + ":{PLAIN}" + kBasicPassword + "\n");
}

void Nginx::write_file(std::string_view relpath, std::string_view contents) const {
    while (!relpath.empty() && relpath.front() == '/') relpath.remove_prefix(1);
    fs::path path = fs::path(root_) / relpath;
    if (path.lexically_normal().string().rfind(root_, 0) != 0) {
        throw std::runtime_error("Nginx::write_file: path escapes the root: " +
                                 std::string(relpath));
    }
    fs::create_directories(path.parent_path());
    write_text(path, contents);
}

void Nginx::make_file(std::string_view relpath, size_t size_bytes) const {
    write_file(relpath, pattern(size_bytes));
}

std::string Nginx::pattern(size_t size_bytes) {
    std::string data(size_bytes, '\0');
    for (size_t i = 0; i < size_bytes; ++i) data[i] = static_cast<char>(i % 251);
    return data;
}

// ---- status ------------------------------------------------------------------------------

uint64_t Nginx::connections_accepted() const {
    TcpClient client(port_);
    ++probes_;  // counted before the request: nginx counts the connection at accept
    std::string response;
    if (client.send("GET /nginx_status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) {
        response = client.read_to_close();
    }
    // "...server accepts handled requests\n 3 3 3 \n..."
    constexpr std::string_view kLabel = "server accepts handled requests";
    size_t at = response.find(kLabel);
    if (at == std::string::npos) {
        throw std::runtime_error("Nginx: cannot read /nginx_status (errno " +
                                 std::to_string(client.error()) + "), got:\n" + response);
    }
    uint64_t accepts = std::strtoull(response.c_str() + at + kLabel.size(), nullptr, 10);
    return accepts - probes_.load();
}

std::string Nginx::error_log() const {
    return read_text(fs::path(dir_) / "error.log") + read_text(fs::path(dir_) / "stderr.log");
}

}  // namespace winhttp::test
