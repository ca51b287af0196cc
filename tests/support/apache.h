// Debian's Apache httpd (apache2-bin) as a real authenticating server for integration tests:
// a child process on 127.0.0.1 with a generated config in a fresh temp dir, in the foreground
// (-DFOREGROUND), with mod_auth_basic, mod_auth_digest and mod_authn_file. The password files
// are written at start (htpasswd's {SHA} form and htdigest's MD5 form), so no apache2-utils.
//
//     auto& httpd = Apache::shared();          // started once per test binary, stopped at exit
//     GET /basic/index.txt   needs Basic  user/secret (realm "basic realm")
//     GET /digest/index.txt  needs Digest user/secret (realm "digest realm", MD5, qop=auth)
//     GET /open.txt          needs nothing
// Apache::negotiate(keytab) is a second instance that also loads mod_auth_gssapi
// (libapache2-mod-auth-gssapi), configured as docs/design/negotiate.md shows:
//     GET /negotiate/index.txt  needs Negotiate (Kerberos only) with a key of `keytab`
// The same instance also answers NTLM through mod_auth_gssapi with gss-ntlmssp (its acceptor
// checks users against the file NTLM_USER_FILE names, "DOMAIN:user:password" lines; the
// mechanism is listed in the GSS_MECH_CONFIG file Apache gets), and is a forward proxy
// (mod_proxy, mod_proxy_http, mod_proxy_connect) on two more ports:
//     GET /ntlm/index.txt       needs NTLM user/secret (domain kNtlmDomain or none); Apache
//                               also offers Negotiate there (mod_auth_gssapi always does)
//     proxy_port(ProxyAuth::Ntlm)       407 until NTLM user/secret (ntlmssp only)
//     proxy_port(ProxyAuth::Negotiate)  407 until Negotiate (Kerberos, key HTTP/<proxy host>)
// Both proxies forward plain http requests and CONNECT to any port.
// Apache::tls() is a third instance with one more port, HTTPS (mod_ssl, the test CA's
// certificate for CN=localhost) offering "h2" and "http/1.1" by ALPN (mod_http2), serving the
// same locations: Basic and Digest over HTTP/2 (issue 14).
//     tls_port()  HTTPS, h2 and http/1.1; certificates().ca_file() verifies it
// Start it after the KerberosRealm fixture: Apache inherits its KRB5_* environment.
// Each file's body is its own path. Startup failures throw std::runtime_error with the log.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "support/tls_certs.h"

namespace winhttp::test {

class Apache {
  public:
    static constexpr const char* kUser = "user";
    static constexpr const char* kPassword = "secret";
    static constexpr const char* kNtlmDomain = "TESTDOM";
    enum class ProxyAuth { Ntlm, Negotiate };

    // `gssapi_keytab` non-empty: also the /negotiate/ location (see above). `tls`: also the
    // HTTPS port with h2 (see above).
    explicit Apache(std::string gssapi_keytab = {}, bool tls = false);  // throws std::runtime_error
    ~Apache();  // SIGTERM, SIGKILL after 5 s; deletes the temp dir
    Apache(const Apache&) = delete;
    Apache& operator=(const Apache&) = delete;

    static Apache& shared();
    // Started once per test binary with the keytab of the first call.
    static Apache& negotiate(const std::string& keytab);
    // Started once per test binary, with the HTTPS port.
    static Apache& tls();

    unsigned short port() const { return port_; }
    // Only for the tls() instance.
    unsigned short tls_port() const { return tls_port_; }
    const TestCertificates& certificates() const { return *certs_; }
    // Only with a keytab (the negotiate() instance).
    unsigned short proxy_port(ProxyAuth which) const {
        return proxy_ports_[which == ProxyAuth::Ntlm ? 0 : 1];
    }
    std::string error_log() const;
    // The request lines and Authorization schemes Apache logged, one line per request:
    // "<status> <request line> <client port> <Authorization or -> <Proxy-Authorization or ->".
    // The client port tells
    // which requests shared a connection.
    std::string access_log() const;
    // Replaces Apache's copy of the keytab (keys added to the realm after the start);
    // mod_auth_gssapi reads the file at each handshake. False when it cannot be copied.
    bool reload_keytab(const std::string& keytab);

  private:
    bool start_on(unsigned short port);
    void kill_process();

    std::string dir_;
    std::string gssapi_keytab_;
    std::vector<std::string> gssapi_env_;  // "KRB5_CONFIG=<readable copy>", ...
    unsigned short port_ = 0;
    unsigned short proxy_ports_[2] = {0, 0};
    unsigned short tls_port_ = 0;
    std::unique_ptr<TestCertificates> certs_;  // tls() only
    pid_t pid_ = -1;
};

}  // namespace winhttp::test
