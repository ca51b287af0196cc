#include "support/tinyproxy.h"

#include "support/child_process.h"
#include "support/loopback.h"

#include <fcntl.h>
#include <signal.h>
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

std::string binary() {
    const char* env = std::getenv("WINHTTP_TEST_TINYPROXY");
    return env && *env ? env : "/usr/bin/tinyproxy";
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct Shared {
    std::once_flag once;
    std::unique_ptr<Tinyproxy> instance;
    std::string failure;
};

}  // namespace

Tinyproxy::Tinyproxy(std::string basic_auth) : basic_auth_(std::move(basic_auth)) {
    if (::access(binary().c_str(), X_OK) != 0)
        throw std::runtime_error("Tinyproxy: " + binary() +
                                 " not found. Install Debian's tinyproxy (make deps), or set "
                                 "WINHTTP_TEST_TINYPROXY to the binary.");
    char tmpl[] = "/tmp/winhttp-tinyproxy.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("Tinyproxy: mkdtemp failed");
    dir_ = tmpl;
    for (int attempt = 0; attempt < kStartAttempts; ++attempt)
        if (start_on(pick_free_port())) return;
    const std::string text = log();
    kill_process();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    throw std::runtime_error("Tinyproxy: could not start. Log:\n" + text);
}

Tinyproxy::~Tinyproxy() {
    kill_process();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

Tinyproxy& Tinyproxy::shared_with_basic_auth() {
    static Shared shared;
    std::call_once(shared.once, [] {
        try {
            shared.instance = std::make_unique<Tinyproxy>("user secret");
        } catch (const std::exception& e) {
            shared.failure = e.what();
        }
    });
    if (!shared.instance) throw std::runtime_error(shared.failure);
    return *shared.instance;
}

Tinyproxy& Tinyproxy::shared() {
    static Shared shared;
    std::call_once(shared.once, [] {
        try {
            shared.instance = std::make_unique<Tinyproxy>();
        } catch (const std::exception& e) {
            shared.failure = e.what();
        }
    });
    if (!shared.instance) throw std::runtime_error(shared.failure);
    return *shared.instance;
}

std::wstring Tinyproxy::address() const { return L"127.0.0.1:" + std::to_wstring(port_); }

std::string Tinyproxy::log() const { return read_text(fs::path(dir_) / "tinyproxy.log"); }

size_t Tinyproxy::connections_accepted() const {
    std::istringstream in(log());
    size_t n = 0;
    for (std::string line; std::getline(in, line);)
        if (line.find("]: Connect (file descriptor ") != std::string::npos) ++n;
    return n;
}

std::vector<std::string> Tinyproxy::request_lines() const {
    std::istringstream in(log());
    std::vector<std::string> out;
    const std::string marker = "]: Request (file descriptor ";
    for (std::string line; std::getline(in, line);) {
        const size_t at = line.find(marker);
        if (at == std::string::npos) continue;
        const size_t colon = line.find("): ", at);
        if (colon != std::string::npos) out.push_back(line.substr(colon + 3));
    }
    return out;
}

bool Tinyproxy::start_on(unsigned short port) {
    if (port == 0) return false;
    const std::string conf = dir_ + "/tinyproxy.conf";
    const std::string logfile = dir_ + "/tinyproxy.log";
    fs::remove(logfile);
    {
        std::ofstream out(conf, std::ios::trunc);
        out << "Port " << port << "\n"
            << "Listen 127.0.0.1\n"
            << "Timeout 30\n"
            << "LogFile \"" << logfile << "\"\n"
            << "LogLevel Info\n"
            << "MaxClients 100\n"
            << "Allow 127.0.0.1\n";
        if (!basic_auth_.empty()) out << "BasicAuth " << basic_auth_ << "\n";
        if (!out) return false;
    }
    // Prepared before fork: only async-signal-safe calls between fork and exec.
    std::string bin = binary();
    std::string conf_arg = conf;
    std::vector<char*> argv = {bin.data(), const_cast<char*>("-d"), const_cast<char*>("-c"),
                               conf_arg.data(), nullptr};
    const pid_t pid = spawn_child(argv, dir_ + "/stderr.log");
    if (pid < 0) return false;
    pid_ = pid;
    port_ = port;
    // Ready when the log says so (a probe connection would show up in the counts).
    return wait_ready(pid_, [this] {
        return log().find("Accepting connections") != std::string::npos ? Readiness::ready
                                                                         : Readiness::not_yet;
    }, Clock::now() + kDefaultTimeout);
}

void Tinyproxy::kill_process() { stop_child(pid_); }

}  // namespace winhttp::test
