#include "support/kdc.h"

#include "support/child_process.h"
#include "support/loopback.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace winhttp::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kStartAttempts = 5;
constexpr const char* kMasterPassword = "openwinhttp-master";

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct Shared {
    std::once_flag once;
    std::unique_ptr<KerberosRealm> instance;
    std::string failure;
};

// Waits (bounded) for a child; its exit status, or -1 when it had to be killed.
int wait_child(pid_t pid) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

KerberosRealm::KerberosRealm() {
    for (const char* bin :
         {"/usr/sbin/krb5kdc", "/usr/sbin/kdb5_util", "/usr/sbin/kadmin.local", "/usr/bin/kinit"})
        if (::access(bin, X_OK) != 0)
            throw std::runtime_error(std::string("KerberosRealm: ") + bin +
                                     " not found. Install Debian's krb5-kdc, krb5-admin-server "
                                     "and krb5-user (make deps).");
    char tmpl[] = "/tmp/winhttp-krb5.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("KerberosRealm: mkdtemp failed");
    dir_ = tmpl;
    // The library under test, the acceptor in the test and every command read these.
    ::setenv("KRB5_CONFIG", krb5_conf().c_str(), 1);
    ::setenv("KRB5_KDC_PROFILE", kdc_conf().c_str(), 1);
    ::setenv("KRB5CCNAME", ("FILE:" + ccache()).c_str(), 1);
    ::setenv("KRB5_KTNAME", ("FILE:" + keytab()).c_str(), 1);
    ::setenv("KRB5_CLIENT_KTNAME", ("FILE:" + dir_ + "/no-client.keytab").c_str(), 1);
    ::setenv("KRB5RCACHETYPE", "none", 1);
    // Only GSSAPI's built-in mechanisms (Kerberos, SPNEGO): the tests see the same on every
    // machine, whatever plugins /etc/gss/mech.d lists (gss-ntlmssp leaks under LSan when
    // SPNEGO acquires credentials through it: docs/design/negotiate.md).
    // WINHTTP_TEST_GSS_SYSTEM_MECHS=1 keeps the machine's plugins (plain builds only).
    const char* system_mechs = std::getenv("WINHTTP_TEST_GSS_SYSTEM_MECHS");
    if (!system_mechs || std::string(system_mechs) != "1") {
        std::ofstream(dir_ + "/gss-mech") << "# built-in mechanisms only\n";
        ::setenv("GSS_MECH_CONFIG", (dir_ + "/gss-mech").c_str(), 1);
    }

    // STALLING.TEST's KDC: a listener whose connections get no answer (kept open until the
    // client gives up: a login there blocks for kdc_timeout).
    stall_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sa_len = sizeof(sa);
    if (stall_fd_ < 0 || ::bind(stall_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
        ::listen(stall_fd_, 16) != 0 ||
        ::getsockname(stall_fd_, reinterpret_cast<sockaddr*>(&sa), &sa_len) != 0)
        throw std::runtime_error("KerberosRealm: the stalling KDC listener failed");
    stall_port_ = ntohs(sa.sin_port);

    std::string failure;
    write_config(pick_free_port());
    const std::string realm = kRealm;
    if (!run({"/usr/sbin/kdb5_util", "create", "-s", "-r", realm, "-P", kMasterPassword}) ||
        !add_user(kUser, kPassword) || !add_service("HTTP/localhost") ||
        !add_service("HTTP/127.0.0.1")) {
        failure = "KerberosRealm: creating the realm failed. Log:\n" + log();
    } else {
        for (int attempt = 0; attempt < kStartAttempts; ++attempt)
            if (start_kdc(attempt == 0 ? port_ : pick_free_port())) return;
        failure = "KerberosRealm: krb5kdc did not start. Log:\n" + log();
    }
    kill_process();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    throw std::runtime_error(failure);
}

KerberosRealm::~KerberosRealm() {
    for (int fd : stalled_) ::close(fd);
    if (stall_fd_ >= 0) ::close(stall_fd_);
    kill_process();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

KerberosRealm& KerberosRealm::shared() {
    static Shared shared;
    std::call_once(shared.once, [] {
        try {
            shared.instance = std::make_unique<KerberosRealm>();
        } catch (const std::exception& e) {
            shared.failure = e.what();
        }
    });
    if (!shared.instance) throw std::runtime_error(shared.failure);
    return *shared.instance;
}

bool KerberosRealm::wait_stalled_login(int timeout_ms) {
    pollfd p{stall_fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    const int fd = ::accept4(stall_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return false;
    std::lock_guard lock(stalled_mutex_);
    stalled_.push_back(fd);  // held open: the client waits for an answer that never comes
    return true;
}

void KerberosRealm::write_config(unsigned short port) const {
    const std::string realm = kRealm;
    // A realm whose KDC address has no listener: "KDC unreachable".
    const unsigned short dead_port = pick_free_port();
    {
        std::ofstream out(krb5_conf(), std::ios::trunc);
        out << "[libdefaults]\n"
            << "  default_realm = " << realm << "\n"
            << "  dns_lookup_kdc = false\n"
            << "  dns_lookup_realm = false\n"
            << "  dns_canonicalize_hostname = false\n"
            << "  qualify_shortname = \"\"\n"
            << "  rdns = false\n"
            << "  udp_preference_limit = 1\n"
            << "  kdc_timeout = 3s\n"
            << "  max_retries = 1\n"
            << "[realms]\n"
            << "  " << realm << " = {\n    kdc = 127.0.0.1:" << port << "\n  }\n"
            << "  " << kUnreachableRealm << " = {\n    kdc = 127.0.0.1:" << dead_port << "\n  }\n"
            << "  " << kStallingRealm << " = {\n    kdc = 127.0.0.1:" << stall_port_ << "\n  }\n"
            << "[domain_realm]\n"
            << "  localhost = " << realm << "\n"
            << "  127.0.0.1 = " << realm << "\n";
    }
    std::ofstream out(kdc_conf(), std::ios::trunc);
    out << "[kdcdefaults]\n"
        << "  kdc_ports = " << port << "\n"
        << "  kdc_tcp_ports = " << port << "\n"
        << "[realms]\n"
        << "  " << realm << " = {\n"
        << "    database_name = " << dir_ << "/principal\n"
        << "    key_stash_file = " << dir_ << "/stash\n"
        << "    acl_file = " << dir_ << "/kadm5.acl\n"
        << "    kdc_listen = 127.0.0.1:" << port << "\n"
        << "    kdc_tcp_listen = 127.0.0.1:" << port << "\n"
        << "  }\n"
        << "[logging]\n"
        << "  kdc = FILE:" << dir_ << "/kdc.log\n"
        << "  admin_server = FILE:" << dir_ << "/kadmin.log\n"
        << "  default = FILE:" << dir_ << "/kdc.log\n";
}

bool KerberosRealm::run(std::vector<std::string> args, std::string* output) const {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out_file = dir_ + "/command.out";
    std::error_code ignored;
    fs::remove(out_file, ignored);
    const pid_t pid = spawn_child(argv, out_file);
    const bool ok = pid > 0 && wait_child(pid) == 0;
    const std::string text = read_text(out_file);
    if (output) *output = text;
    // The command line is logged without its arguments: they may hold passwords.
    std::ofstream log_out(dir_ + "/commands.log", std::ios::app);
    log_out << "$ " << args[0] << (ok ? "" : "  [failed]") << "\n" << text;
    return ok;
}

// kadmin.local -q exits 0 even when the query fails, so success is read from its output.
bool KerberosRealm::kadmin(const std::string& query,
                           std::initializer_list<const char*> success) const {
    std::string output;
    if (!run({"/usr/sbin/kadmin.local", "-r", kRealm, "-q", query}, &output)) return false;
    for (const char* marker : success)
        if (output.find(marker) != std::string::npos) return true;
    return false;
}

bool KerberosRealm::add_service(const std::string& principal) {
    // Idempotent, so a repeated test (--gtest_repeat) finds the principal already there.
    return kadmin("addprinc -randkey " + principal, {"\" created.", "already exists"}) &&
           kadmin("ktadd -k " + keytab() + " " + principal, {"added to keytab"});
}

bool KerberosRealm::add_user(const std::string& name, const std::string& password) {
    // Pre-authentication required, as Active Directory does for users.
    return kadmin("addprinc +requires_preauth -pw " + password + " " + name, {"\" created."});
}

bool KerberosRealm::kinit(const std::string& user) {
    const std::string user_keytab = dir_ + "/" + user + ".keytab";
    std::error_code ignored;
    fs::remove(user_keytab, ignored);
    return kadmin("ktadd -norandkey -k " + user_keytab + " " + user, {"added to keytab"}) &&
           run({"/usr/bin/kinit", "-k", "-t", user_keytab, "-c", "FILE:" + ccache(), user});
}

void KerberosRealm::kdestroy() {
    std::error_code ignored;
    fs::remove(ccache(), ignored);
}

std::string KerberosRealm::log() const {
    return read_text(fs::path(dir_) / "commands.log") + read_text(fs::path(dir_) / "kdc.log");
}

bool KerberosRealm::start_kdc(unsigned short port) {
    if (port == 0) return false;
    if (port != port_) write_config(port);
    port_ = port;
    const std::string kdc_log = dir_ + "/kdc.log";
    std::error_code ignored;
    fs::remove(kdc_log, ignored);
    std::string bin = "/usr/sbin/krb5kdc";
    std::string realm = kRealm;
    std::vector<char*> argv = {bin.data(), const_cast<char*>("-n"), const_cast<char*>("-r"),
                               realm.data(), nullptr};
    const pid_t pid = spawn_child(argv, dir_ + "/krb5kdc.stderr");
    if (pid < 0) return false;
    pid_ = pid;
    // Ready when the log says both sockets are bound and requests are served.
    // A socket that could not be bound (port taken) fails the start: the caller tries another port.
    return wait_ready(pid_, [&] {
        const std::string text = read_text(kdc_log);
        if (text.find("commencing operation") == std::string::npos) return Readiness::not_yet;
        return text.find("set up 2 sockets") != std::string::npos ? Readiness::ready
                                                                   : Readiness::failed;
    }, Clock::now() + kDefaultTimeout);
}

void KerberosRealm::kill_process() { stop_child(pid_); }

}  // namespace winhttp::test
