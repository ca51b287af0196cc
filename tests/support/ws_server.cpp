#include "support/ws_server.h"

#include "support/build_paths.h"
#include "support/child_process.h"
#include "support/loopback.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
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

// Debian's python3-websockets is installed for the system Python; another python3 earlier on
// PATH may not see it.
constexpr const char* kPython = "/usr/bin/python3";

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct Shared {
    std::once_flag once;
    std::unique_ptr<PythonWsServer> instance;
    std::string failure;
};

}  // namespace

PythonWsServer::PythonWsServer() {
    char tmpl[] = "/tmp/winhttp-ws.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("PythonWsServer: mkdtemp failed");
    dir_ = tmpl;
    std::string python = kPython;
    std::string script = std::string(test_support_dir()) + "/ws_server.py";
    std::string port_file = dir_ + "/port";
    std::vector<char*> argv = {python.data(), script.data(), port_file.data(), nullptr};
    pid_ = spawn_child(argv, dir_ + "/server.log");
    if (pid_ < 0) throw std::runtime_error("PythonWsServer: could not start " + python);
    // Ready when the server has written the port it listens on.
    const bool ready = wait_ready(pid_, [&] {
        const std::string text = read_text(fs::path(port_file));
        if (text.empty()) return Readiness::not_yet;
        port_ = static_cast<unsigned short>(std::stoi(text));
        return Readiness::ready;
    }, Clock::now() + kDefaultTimeout);
    if (ready) return;
    const std::string text = log();
    throw std::runtime_error(
        "PythonWsServer: not started (install python3-websockets: make deps). Log:\n" + text);
}

PythonWsServer::~PythonWsServer() {
    kill_process();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

PythonWsServer& PythonWsServer::shared() {
    static Shared shared;
    std::call_once(shared.once, [] {
        try {
            shared.instance = std::make_unique<PythonWsServer>();
        } catch (const std::exception& e) {
            shared.failure = e.what();
        }
    });
    if (!shared.instance) throw std::runtime_error(shared.failure);
    return *shared.instance;
}

std::string PythonWsServer::log() const { return read_text(fs::path(dir_) / "server.log"); }

void PythonWsServer::kill_process() { stop_child(pid_); }

}  // namespace winhttp::test
