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
// Start it after the KerberosRealm fixture: Apache inherits its KRB5_* environment.
// Each file's body is its own path. Startup failures throw std::runtime_error with the log.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace winhttp::test {

class Apache {
  public:
    static constexpr const char* kUser = "user";
    static constexpr const char* kPassword = "secret";

    // `gssapi_keytab` non-empty: also the /negotiate/ location (see above).
    explicit Apache(std::string gssapi_keytab = {});  // throws std::runtime_error
    ~Apache();  // SIGTERM, SIGKILL after 5 s; deletes the temp dir
    Apache(const Apache&) = delete;
    Apache& operator=(const Apache&) = delete;

    static Apache& shared();
    // Started once per test binary with the keytab of the first call.
    static Apache& negotiate(const std::string& keytab);

    unsigned short port() const { return port_; }
    std::string error_log() const;
    // The request lines and Authorization schemes Apache logged, one line per request:
    // "<status> <request line> <auth scheme or ->".
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
    pid_t pid_ = -1;
};

}  // namespace winhttp::test
