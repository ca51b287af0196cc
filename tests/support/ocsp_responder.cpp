#include "support/ocsp_responder.h"

#include "support/child_process.h"
#include "support/loopback.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace winhttp::test {
namespace {

constexpr const char* kOpenssl = "/usr/bin/openssl";
constexpr const char* kStdbuf = "/usr/bin/stdbuf";
constexpr int kStartAttempts = 10;
// Printed once the listening socket is bound (then "waiting for OCSP client connections").
constexpr std::string_view kReady = "waiting for OCSP client connections";
constexpr std::string_view kRequestMark = "OCSP Request Data";

size_t count(const std::string& text, std::string_view what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

OcspResponder::OcspResponder(const RevocationPki& pki, const std::string& dir)
    : log_path_(dir + "/ocsp-responder.log") {
    if (::access(kOpenssl, X_OK) != 0 || ::access(kStdbuf, X_OK) != 0)
        throw std::runtime_error("OcspResponder: needs /usr/bin/openssl (Debian package openssl) "
                                 "and /usr/bin/stdbuf (coreutils)");
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        if (start_on(pick_free_port(), pki)) return;
    }
    throw std::runtime_error("OcspResponder: could not start; log:\n" + log());
}

OcspResponder::~OcspResponder() { stop_child(pid_); }

// A port taken by someone else makes openssl exit; the caller then tries another.
bool OcspResponder::start_on(unsigned short port, const RevocationPki& pki) {
    if (port == 0) return false;
    { std::ofstream truncate(log_path_, std::ios::trunc); }
    std::string stdbuf = kStdbuf, openssl = kOpenssl, p = std::to_string(port);
    std::string index = pki.index_file(), ca = pki.ca_file();
    std::string signer = pki.responder_cert(), key = pki.responder_key_file();
    std::vector<std::string> args = {stdbuf, "-o0", "-e0", openssl, "ocsp", "-port", p,
                                     "-index", index, "-CA", ca, "-rsigner", signer, "-rkey",
                                     key, "-nmin", "60", "-req_text"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = spawn_child(argv, log_path_);
    if (pid_ < 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + kDefaultTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: the port was taken
            pid_ = -1;
            return false;
        }
        if (log().find(kReady) != std::string::npos) {
            port_ = port;
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop_child(pid_);
    return false;
}

size_t OcspResponder::requests() const { return count(log(), kRequestMark); }

std::string OcspResponder::log() const {
    std::ifstream in(log_path_, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace winhttp::test
