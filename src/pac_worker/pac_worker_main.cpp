// winhttp-pac-worker: runs one PAC script for the library, in its own process, so that a
// hostile script can loop, allocate or crash without touching the application
// (docs/design/pac.md). File descriptor 0 is a socket to the library; messages are framed as
// src/proxy/pac_protocol.h says.
//
// Usage: winhttp-pac-worker HEAP_BYTES CALL_TIMEOUT_MS
//
// Limits: the Duktape heap is capped at HEAP_BYTES; the address space (except in sanitizer
// builds, whose shadow memory needs terabytes of it), file size (0: no file is ever written)
// and core dumps are limited with setrlimit. A watchdog thread ends the process when the
// library goes away (the socket hangs up) or when one call runs longer than twice
// CALL_TIMEOUT_MS (the library kills the process after CALL_TIMEOUT_MS already; this is the
// backstop for a library that could not).
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "pac_worker/pac_engine.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PAC_WORKER_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PAC_WORKER_SANITIZED 1
#endif
#endif

namespace {

using namespace winhttp;
namespace wire = proxy::wire;

std::atomic<long long> busy_since{0};  // steady-clock ms when the current call started, 0 idle

long long now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool read_all(int fd, void* buf, size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n > 0) {
        ssize_t r = ::read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

bool write_all(int fd, const std::string& s) {
    const char* p = s.data();
    size_t n = s.size();
    while (n > 0) {
        ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

void limit(int resource, rlim_t value) {
    rlimit r{value, value};
    setrlimit(resource, &r);
}

void watchdog(long long max_call_ms) {
    for (;;) {
        pollfd p{0, POLLRDHUP, 0};
        int r = ::poll(&p, 1, 200);
        if (r > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))) std::_Exit(0);
        const long long since = busy_since.load();
        if (since && now_ms() - since > max_call_ms) std::_Exit(71);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    const size_t heap_bytes = std::strtoull(argv[1], nullptr, 10);
    const long long timeout_ms = std::strtoll(argv[2], nullptr, 10);
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_FSIZE, 0);
#ifndef PAC_WORKER_SANITIZED
    // The heap cap plus room for the code, the stacks and the resolver.
    limit(RLIMIT_AS, heap_bytes * 2 + (256u << 20));
#endif
    std::thread(watchdog, timeout_ms > 0 ? timeout_ms * 2 + 1000 : 60000).detach();

    pacworker::PacEngine engine(heap_bytes);
    std::string body, answer;
    for (;;) {
        unsigned char head[4];
        if (!read_all(0, head, 4)) return 0;
        const uint32_t n = wire::frame_length(head);
        if (n == 0 || n > wire::kMaxMessage) return 3;
        body.resize(n);
        if (!read_all(0, body.data(), n)) return 0;
        busy_since.store(now_ms());
        const char op = body[0];
        const std::string_view arg = std::string_view(body).substr(1);
        wire::Status st = wire::kBadRequest;
        answer.clear();
        if (op == wire::kLoad) {
            st = engine.load(arg, answer);
        } else if (op == wire::kFind) {
            const size_t nul = arg.find('\0');
            if (nul != std::string_view::npos)
                st = engine.find(arg.substr(0, nul), arg.substr(nul + 1), answer);
        }
        busy_since.store(0);
        if (!write_all(0, wire::frame(st, answer))) return 0;
    }
}
