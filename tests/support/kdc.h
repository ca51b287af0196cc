// A throwaway MIT Kerberos realm for integration tests: krb5kdc as a child process on
// 127.0.0.1 (UDP and TCP on one free port), its database, keytabs and ticket cache in a fresh
// temp dir, in the foreground (-n). Nothing of the machine's own Kerberos setup is used
// (/etc/krb5.conf, /etc/krb5kdc, a system krb5-kdc service on port 88 are all ignored).
//
//     auto& realm = KerberosRealm::shared();   // started once per test binary, stopped at exit
//     auth::Credentials c{KerberosRealm::kUser, KerberosRealm::kPassword};
//     ... an acceptor in this process reads realm.keytab() through KRB5_KTNAME ...
//     ASSERT_TRUE(realm.kinit());              // alice's tickets in realm.ccache()
//
// The constructor points this process (and every child it starts later) at the realm by
// setting KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME=FILE:<ccache()>, KRB5_KTNAME=FILE:<keytab()>,
// KRB5_CLIENT_KTNAME (a file that does not exist), KRB5RCACHETYPE=none and GSS_MECH_CONFIG (no
// GSSAPI plugins, so /etc/gss/mech.d does not matter; WINHTTP_TEST_GSS_SYSTEM_MECHS=1 keeps them).
// Create it before the test starts threads that read the environment. Principals:
// alice@OPENWINHTTP.TEST (kPassword), HTTP/localhost and HTTP/127.0.0.1 (random keys, in keytab()).
// The realm UNREACHABLE.TEST is configured with a KDC address where nothing listens;
// STALLING.TEST with a TCP listener of this fixture that never accepts (a login there blocks
// for kdc_timeout, 3 s; wait_stalled_login() sees it waiting). Startup
// failures throw std::runtime_error with the commands' and the KDC's logs.
#pragma once

#include <sys/types.h>

#include <initializer_list>
#include <mutex>
#include <string>
#include <vector>

namespace winhttp::test {

class KerberosRealm {
  public:
    static constexpr const char* kRealm = "OPENWINHTTP.TEST";
    static constexpr const char* kUnreachableRealm = "UNREACHABLE.TEST";
    static constexpr const char* kStallingRealm = "STALLING.TEST";
    static constexpr const char* kUser = "alice";
    static constexpr const char* kPassword = "alice-S3cret";

    KerberosRealm();   // throws std::runtime_error
    ~KerberosRealm();  // SIGTERM (SIGKILL after 5 s); deletes the temp dir
    KerberosRealm(const KerberosRealm&) = delete;
    KerberosRealm& operator=(const KerberosRealm&) = delete;

    static KerberosRealm& shared();

    unsigned short kdc_port() const { return port_; }
    const std::string& dir() const { return dir_; }
    std::string krb5_conf() const { return dir_ + "/krb5.conf"; }
    std::string kdc_conf() const { return dir_ + "/kdc.conf"; }
    // The service keytab (HTTP/... keys): give it to an acceptor (mod_auth_gssapi's
    // GssapiCredStore keytab:<path>, or KRB5_KTNAME, set already for this process).
    std::string keytab() const { return dir_ + "/http.keytab"; }
    // The client ticket cache file; KRB5CCNAME is "FILE:" + this.
    std::string ccache() const { return dir_ + "/ccache"; }

    // addprinc -randkey <principal> and its keys into keytab(); e.g. "HTTP/localhost:8443".
    // Returns false (details in log()) on failure.
    bool add_service(const std::string& principal);
    // addprinc +requires_preauth -pw <password> <name>.
    bool add_user(const std::string& name, const std::string& password);
    // kinit <user> into ccache() (replacing its content), from a keytab of the user's current
    // keys (kadmin.local ktadd -norandkey), so no password goes through a terminal.
    bool kinit(const std::string& user = kUser);
    // Removes the ticket cache: "no default credentials".
    void kdestroy();

    // True once a client connects to STALLING.TEST's KDC (within `timeout_ms`); the connection
    // is taken off the queue, so each call waits for a new one.
    bool wait_stalled_login(int timeout_ms);

    // The KDC's log and the output of the admin commands.
    std::string log() const;

  private:
    void write_config(unsigned short port) const;
    bool start_kdc(unsigned short port);
    bool run(std::vector<std::string> args, std::string* output = nullptr) const;
    bool kadmin(const std::string& query, std::initializer_list<const char*> success) const;
    void kill_process();

    std::string dir_;
    unsigned short port_ = 0;
    pid_t pid_ = -1;
    int stall_fd_ = -1;  // STALLING.TEST's listener
    unsigned short stall_port_ = 0;
    std::mutex stalled_mutex_;
    std::vector<int> stalled_;  // accepted connections, held open
};

}  // namespace winhttp::test
