#include "support/apache.h"

#include "support/child_process.h"
#include "support/loopback.h"

#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace winhttp::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kStartAttempts = 5;
constexpr const char* kModules = "/usr/lib/apache2/modules";

std::string binary() {
    const char* env = std::getenv("WINHTTP_TEST_APACHE");
    return env && *env ? env : "/usr/sbin/apache2";
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string digest_hex(const EVP_MD* md, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < len; ++i) {
        s += kHex[out[i] >> 4];
        s += kHex[out[i] & 15];
    }
    return s;
}

// htpasswd -s: "{SHA}" + base64(SHA-1(password)).
std::string sha_password(const std::string& password) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(password.data(), password.size(), out, &len, EVP_sha1(), nullptr);
    unsigned char b64[64];
    const int n = EVP_EncodeBlock(b64, out, static_cast<int>(len));
    return "{SHA}" + std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
}

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::trunc | std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("Apache: cannot write " + p.string());
    ::chmod(p.c_str(), 0644);
}

// gss-ntlmssp's plugin (Debian gss-ntlmssp), at its multiarch path.
std::string ntlmssp_plugin() {
    for (const char* p : {"/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so",
                          "/usr/lib/aarch64-linux-gnu/gssntlmssp/gssntlmssp.so",
                          "/usr/lib64/gssntlmssp/gssntlmssp.so"})
        if (::access(p, R_OK) == 0) return p;
    throw std::runtime_error("Apache: gssntlmssp.so not found. Install Debian's gss-ntlmssp "
                             "(make deps).");
}

struct Shared {
    std::once_flag once;
    std::unique_ptr<Apache> instance;
    std::string failure;
};

}  // namespace

Apache::Apache(std::string gssapi_keytab, bool tls) : gssapi_keytab_(std::move(gssapi_keytab)) {
    if (::access(binary().c_str(), X_OK) != 0)
        throw std::runtime_error("Apache: " + binary() +
                                 " not found. Install Debian's apache2-bin (make deps), or set "
                                 "WINHTTP_TEST_APACHE to the binary.");
    char tmpl[] = "/tmp/winhttp-apache.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("Apache: mkdtemp failed");
    dir_ = tmpl;
    // Apache's children run as `nobody` when the tests run as root: they must read the files.
    ::chmod(dir_.c_str(), 0755);
    const fs::path d(dir_);
    fs::create_directories(d / "htdocs/basic");
    fs::create_directories(d / "htdocs/digest");
    ::chmod((d / "htdocs").c_str(), 0755);
    ::chmod((d / "htdocs/basic").c_str(), 0755);
    ::chmod((d / "htdocs/digest").c_str(), 0755);
    write_file(d / "htdocs/open.txt", "/open.txt");
    write_file(d / "htdocs/basic/index.txt", "/basic/index.txt");
    write_file(d / "htdocs/digest/index.txt", "/digest/index.txt");
    if (!gssapi_keytab_.empty()) {
        // A copy Apache's children (user nobody when the tests run as root) can read.
        const fs::path copy = d / "http.keytab";
        fs::copy_file(gssapi_keytab_, copy, fs::copy_options::overwrite_existing);
        ::chmod(copy.c_str(), 0644);
        gssapi_keytab_ = copy.string();
        // Likewise the realm's krb5.conf (the Kerberos fixture's directory is private), given
        // to Apache alone through env(1) at start.
        if (const char* from = std::getenv("KRB5_CONFIG")) {
            const fs::path to = d / "krb5.conf";
            fs::copy_file(from, to, fs::copy_options::overwrite_existing);
            ::chmod(to.c_str(), 0644);
            gssapi_env_.push_back("KRB5_CONFIG=" + to.string());
        }
        // Apache's own GSSAPI mechanism list: gss-ntlmssp (gssntlmssp(8)) for /ntlm/ and the
        // NTLM proxy; krb5 is built in. The test process keeps the fixture's empty list.
        write_file(d / "gss-mech", std::string("gssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 ") +
                                       ntlmssp_plugin() + "\n");
        gssapi_env_.push_back("GSS_MECH_CONFIG=" + (d / "gss-mech").string());
        write_file(d / "ntlm-users",
                   std::string(kNtlmDomain) + ":" + kUser + ":" + kPassword + "\n");
        gssapi_env_.push_back("NTLM_USER_FILE=" + (d / "ntlm-users").string());
        for (const char* sub : {"negotiate", "ntlm"}) {
            fs::create_directories(d / "htdocs" / sub);
            ::chmod((d / "htdocs" / sub).c_str(), 0755);
            write_file(d / "htdocs" / sub / "index.txt", "/" + std::string(sub) + "/index.txt");
        }
    }
    if (tls) {
        fs::create_directories(d / "certs");
        ::chmod((d / "certs").c_str(), 0755);
        certs_ = std::make_unique<TestCertificates>((d / "certs").string());
    }
    write_file(d / "htpasswd", std::string(kUser) + ":" + sha_password(kPassword) + "\n");
    const std::string ha1 =
        digest_hex(EVP_md5(), std::string(kUser) + ":digest realm:" + kPassword);
    write_file(d / "htdigest", std::string(kUser) + ":digest realm:" + ha1 + "\n");
    for (int attempt = 0; attempt < kStartAttempts; ++attempt)
        if (start_on(pick_free_port())) return;
    const std::string text = error_log();
    kill_process();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    throw std::runtime_error("Apache: could not start. Log:\n" + text);
}

Apache::~Apache() {
    kill_process();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

Apache& Apache::shared() {
    static Shared shared;
    std::call_once(shared.once, [] {
        try {
            shared.instance = std::make_unique<Apache>();
        } catch (const std::exception& e) {
            shared.failure = e.what();
        }
    });
    if (!shared.instance) throw std::runtime_error(shared.failure);
    return *shared.instance;
}

bool Apache::reload_keytab(const std::string& keytab) {
    if (gssapi_keytab_.empty()) return false;
    std::error_code e;
    const std::string tmp = gssapi_keytab_ + ".new";
    fs::copy_file(keytab, tmp, fs::copy_options::overwrite_existing, e);
    if (e) return false;
    ::chmod(tmp.c_str(), 0644);
    fs::rename(tmp, gssapi_keytab_, e);  // atomic: a handshake reads the old or the new file
    return !e;
}

Apache& Apache::tls() {
    static Shared shared;
    std::call_once(shared.once, [] {
        try {
            shared.instance = std::make_unique<Apache>(std::string(), true);
        } catch (const std::exception& e) {
            shared.failure = e.what();
        }
    });
    if (!shared.instance) throw std::runtime_error(shared.failure);
    return *shared.instance;
}

Apache& Apache::negotiate(const std::string& keytab) {
    static Shared shared;
    std::call_once(shared.once, [&] {
        try {
            shared.instance = std::make_unique<Apache>(keytab);
        } catch (const std::exception& e) {
            shared.failure = e.what();
        }
    });
    if (!shared.instance) throw std::runtime_error(shared.failure);
    return *shared.instance;
}

std::string Apache::error_log() const {
    return read_text(fs::path(dir_) / "error.log");
}
std::string Apache::access_log() const {
    return read_text(fs::path(dir_) / "access.log");
}

bool Apache::start_on(unsigned short port) {
    if (port == 0) return false;
    if (certs_) {
        tls_port_ = pick_free_port();
        if (tls_port_ == 0 || tls_port_ == port) return false;
    }
    if (!gssapi_keytab_.empty()) {
        proxy_ports_[0] = pick_free_port();
        proxy_ports_[1] = pick_free_port();
        if (proxy_ports_[0] == 0 || proxy_ports_[1] == 0 || proxy_ports_[0] == port ||
            proxy_ports_[1] == port || proxy_ports_[0] == proxy_ports_[1])
            return false;
    }
    const fs::path d(dir_);
    fs::remove(d / "error.log");
    fs::remove(d / "httpd.pid");
    std::ostringstream c;
    c << "ServerRoot \"" << dir_ << "\"\n"
      << "DefaultRuntimeDir \"" << dir_ << "\"\n"
      << "PidFile \"" << dir_ << "/httpd.pid\"\n"
      << "Listen 127.0.0.1:" << port << "\n"
      << "ServerName 127.0.0.1\n"
      << "ErrorLog \"" << dir_ << "/error.log\"\n"
      << "LogLevel warn\n";
    for (const char* m : {"mpm_event", "authn_core", "authn_file", "authz_core", "authz_user",
                          "auth_basic", "auth_digest"})
        c << "LoadModule " << m << "_module " << kModules << "/mod_" << m << ".so\n";
    if (::geteuid() == 0) c << "User nobody\nGroup nogroup\n";
    c << "LogFormat \"%>s \\\"%r\\\" %{remote}p %{Authorization}i %{Proxy-Authorization}i\" auth\n"
      << "CustomLog \"" << dir_ << "/access.log\" auth\n"
      << "KeepAlive On\n"
      << "DocumentRoot \"" << dir_ << "/htdocs\"\n"
      << "<Directory />\n  Require all granted\n</Directory>\n"
      << "<Location /basic>\n  AuthType Basic\n  AuthName \"basic realm\"\n"
      << "  AuthBasicProvider file\n  AuthUserFile \"" << dir_ << "/htpasswd\"\n"
      << "  Require valid-user\n</Location>\n"
      << "<Location /digest>\n  AuthType Digest\n  AuthName \"digest realm\"\n"
      << "  AuthDigestDomain /digest/\n  AuthDigestProvider file\n"
      << "  AuthUserFile \"" << dir_ << "/htdigest\"\n  Require valid-user\n</Location>\n";
    if (certs_) {
        // The same locations (they are server-wide) over HTTPS, h2 offered first by ALPN.
        const CertFiles files = certs_->server(ServerCert::Valid);
        for (const char* m : {"socache_shmcb", "ssl", "http2"})
            c << "LoadModule " << m << "_module " << kModules << "/mod_" << m << ".so\n";
        c << "Listen 127.0.0.1:" << tls_port_ << "\n"
          << "<VirtualHost 127.0.0.1:" << tls_port_ << ">\n"
          << "  SSLEngine on\n  SSLCertificateFile \"" << files.cert_file << "\"\n"
          << "  SSLCertificateKeyFile \"" << files.key_file << "\"\n"
          << "  Protocols h2 http/1.1\n</VirtualHost>\n";
    }
    if (!gssapi_keytab_.empty())
        c << "LoadModule auth_gssapi_module " << kModules << "/mod_auth_gssapi.so\n"
          << "<Location /negotiate/>\n  AuthType GSSAPI\n  AuthName \"OpenWinHTTP Negotiate\"\n"
          << "  GssapiCredStore keytab:" << gssapi_keytab_ << "\n  GssapiAllowedMech krb5\n"
          << "  GssapiBasicAuth Off\n  GssapiConnectionBound On\n  Require valid-user\n"
          << "</Location>\n"
          << "<Location /ntlm/>\n  AuthType GSSAPI\n  AuthName \"OpenWinHTTP NTLM\"\n"
          << "  GssapiAllowedMech ntlmssp\n  GssapiBasicAuth Off\n"
          << "  GssapiConnectionBound On\n  Require valid-user\n</Location>\n";
    if (!gssapi_keytab_.empty()) {
        for (const char* m : {"proxy", "proxy_http", "proxy_connect"})
            c << "LoadModule " << m << "_module " << kModules << "/mod_" << m << ".so\n";
        for (int i = 0; i < 2; ++i) {
            c << "Listen 127.0.0.1:" << proxy_ports_[i] << "\n"
              << "<VirtualHost 127.0.0.1:" << proxy_ports_[i] << ">\n"
              << "  ProxyRequests On\n  AllowCONNECT 1-65535\n  <Proxy \"*\">\n"
              << "    AuthType GSSAPI\n    AuthName \"OpenWinHTTP proxy\"\n";
            if (i == 0)
                c << "    GssapiAllowedMech ntlmssp\n";
            else
                c << "    GssapiCredStore keytab:" << gssapi_keytab_
                  << "\n    GssapiAllowedMech krb5\n";
            c << "    GssapiBasicAuth Off\n    GssapiConnectionBound On\n"
              << "    Require valid-user\n  </Proxy>\n</VirtualHost>\n";
        }
    }
    write_file(d / "httpd.conf", c.str());
    // Prepared before fork: only async-signal-safe calls between fork and exec.
    std::string bin = binary();
    std::string root = dir_;
    std::string conf = dir_ + "/httpd.conf";
    std::string env_bin = "/usr/bin/env";
    std::vector<std::string> env = gssapi_env_;
    std::vector<char*> argv;
    if (!env.empty()) {
        argv.push_back(env_bin.data());
        for (auto& e : env) argv.push_back(e.data());
    }
    for (char* a : {bin.data(), const_cast<char*>("-d"), root.data(), const_cast<char*>("-f"),
                    conf.data(), const_cast<char*>("-DFOREGROUND")})
        argv.push_back(a);
    argv.push_back(nullptr);
    const pid_t pid = spawn_child(argv, dir_ + "/stderr.log");
    if (pid < 0) return false;
    pid_ = pid;
    port_ = port;
    // The pid file appears after the listening socket is bound.
    return wait_ready(pid_, [&] {
        return fs::exists(d / "httpd.pid") ? Readiness::ready : Readiness::not_yet;
    }, Clock::now() + kDefaultTimeout);
}

void Apache::kill_process() { stop_child(pid_); }

}  // namespace winhttp::test
