#include "proxy/pac_worker_client.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace winhttp::proxy {

namespace {

bool executable(const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

long env_number(const char* name, long fallback, long lo, long hi) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    if (*end || n < lo || n > hi) return fallback;
    return n;
}

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

// Result of one bounded wait.
enum class Wait { Ready, Timeout, Cancelled, Error };

Wait wait_for(int fd, short events, int cancel_fd, Clock::time_point deadline) {
    for (;;) {
        pollfd p[2] = {{fd, events, 0}, {cancel_fd, POLLIN, 0}};
        const int n = ::poll(p, cancel_fd >= 0 ? 2 : 1, remaining_ms(deadline));
        if (n < 0) {
            if (errno == EINTR) continue;
            return Wait::Error;
        }
        if (cancel_fd >= 0 && (p[1].revents & POLLIN)) return Wait::Cancelled;
        if (p[0].revents) return Wait::Ready;
        if (n == 0 && Clock::now() >= deadline) return Wait::Timeout;
    }
}

}  // namespace

const WorkerLimits& worker_limits() {
    static const WorkerLimits limits = [] {
        WorkerLimits l;
        l.timeout_ms = static_cast<int>(env_number("WINHTTP_PAC_TIMEOUT_MS", l.timeout_ms, 50, 600000));
        l.heap_bytes = static_cast<size_t>(env_number("WINHTTP_PAC_HEAP_MB", 64, 4, 4096)) << 20;
        return l;
    }();
    return limits;
}

std::string worker_path() {
    if (const char* v = std::getenv("WINHTTP_PAC_WORKER"); v && *v) return executable(v) ? v : "";
    Dl_info info{};
    if (!::dladdr(reinterpret_cast<void*>(&worker_path), &info) || !info.dli_fname) return "";
    std::string dir = info.dli_fname;
    const size_t slash = dir.rfind('/');
    dir = slash == std::string::npos ? "." : dir.substr(0, slash);
    for (const char* rel : {"/winhttp-pac-worker", "/openwinhttp/winhttp-pac-worker"}) {
        std::string p = dir + rel;
        if (executable(p)) return p;
    }
    return "";
}

DWORD PacWorker::spawn(const WorkerLimits& limits, std::unique_ptr<PacWorker>& out) {
    // Never destroyed: a PAC job of the blocking-job pool may still be spawning a worker while
    // the process runs its static destructors (the pool joins its threads after those of
    // statics made later than itself).
    static const std::string& path = *new std::string(worker_path());
    const std::string exe = path.empty() ? worker_path() : path;
    if (exe.empty()) return ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);  // dup2 clears FD_CLOEXEC on fd 0
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // The child starts with default signal handlers and an empty mask, whatever the app set.
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    const std::string heap = std::to_string(limits.heap_bytes);
    const std::string timeout = std::to_string(limits.timeout_ms);
    std::vector<char*> argv = {const_cast<char*>(exe.c_str()), const_cast<char*>(heap.c_str()),
                               const_cast<char*>(timeout.c_str()), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, exe.c_str(), &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(sv[1]);
    if (rc != 0) {
        ::close(sv[0]);
        return ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR;
    }
    ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    out.reset(new PacWorker(pid, sv[0], limits));
    return ERROR_SUCCESS;
}

PacWorker::~PacWorker() { kill(); }

void PacWorker::kill() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }
}

DWORD PacWorker::call(char op, std::string_view body, int cancel_fd, wire::Status& status,
                      std::string& text) {
    if (dead()) return ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR;
    const auto deadline = Clock::now() + std::chrono::milliseconds(limits_.timeout_ms);
    auto fail = [&](DWORD e) {
        kill();
        return e;
    };
    auto waited = [&](Wait w) -> DWORD {
        switch (w) {
            case Wait::Ready: return ERROR_SUCCESS;
            case Wait::Cancelled: return ERROR_WINHTTP_OPERATION_CANCELLED;
            case Wait::Timeout: return ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT;
            case Wait::Error: break;
        }
        return ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR;
    };
    // Send.
    const std::string msg = wire::frame(op, body);
    size_t sent = 0;
    while (sent < msg.size()) {
        ssize_t n = ::send(fd_, msg.data() + sent, msg.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (DWORD e = waited(wait_for(fd_, POLLOUT, cancel_fd, deadline))) return fail(e);
            continue;
        }
        return fail(ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR);
    }
    // Receive the 4-byte length, then the answer.
    std::string in;
    size_t need = 4;
    bool have_length = false;
    char buf[16384];
    bool readable = false;  // the answer takes a script run: wait before the first recv
    while (in.size() < need) {
        if (!readable) {
            if (DWORD e = waited(wait_for(fd_, POLLIN, cancel_fd, deadline))) return fail(e);
            readable = true;
        }
        ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n > 0) {
            in.append(buf, static_cast<size_t>(n));
            if (!have_length && in.size() >= 4) {
                const uint32_t len = wire::frame_length(reinterpret_cast<const unsigned char*>(in.data()));
                if (len == 0 || len > wire::kMaxMessage) return fail(ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR);
                need = 4 + len;
                have_length = true;
            }
            continue;
        }
        if (n == 0) return fail(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT);  // died inside the call
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            readable = false;
            continue;
        }
        return fail(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT);
    }
    if (in.size() != need) return fail(ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR);
    status = static_cast<wire::Status>(in[4]);
    text.assign(in, 5, std::string::npos);
    return ERROR_SUCCESS;
}

}  // namespace winhttp::proxy
