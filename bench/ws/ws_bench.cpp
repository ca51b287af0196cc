// ws_bench - WebSocket benchmarks of issue 13, side by side in one run (bench/README.md, "WebSockets").
//
//   ws_bench [PYTHON_WS_PORT]                     servers in-process
//   ws_bench --server                             servers only: prints "RAW_PORT WS_PORT"
//   ws_bench --ports RAW_PORT WS_PORT [PY_PORT]   client only, against a --server process
//
// An in-process server thread on 127.0.0.1 speaks raw TCP echo on one port and WebSocket echo
// (RFC 6455, unmasked replies) on another, written with plain sockets; the client side is
// WinHTTP's synchronous WebSocket API against it and a raw socket client against the raw echo:
//   rtt     round trips of 100-byte messages: raw TCP, WinHTTP against the C echo, WinHTTP
//           against the Python websockets echo (when its port is given)
//   stream  1 GiB sent and received as 1 MiB messages (send and receive on two threads), and
//           the same bytes through a raw TCP echo in 1 MiB writes
//   idle    client memory (VmRSS) per open idle WebSocket, 1,000 of them
// Prints one line per figure. Environment: WS_BENCH_RTT (count, default 20000),
// WS_BENCH_MIB (default 1024), WS_BENCH_IDLE (default 1000).
#include <winhttp.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <climits>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <utility>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

size_t env_count(const char* name, size_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

bool read_exact(int fd, void* p, size_t n) {
    auto* b = static_cast<char*>(p);
    while (n) {
        const ssize_t r = ::recv(fd, b, n, 0);
        if (r <= 0) return false;
        b += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

bool write_all(int fd, const void* p, size_t n) {
    const auto* b = static_cast<const char*>(p);
    while (n) {
        const ssize_t r = ::send(fd, b, n, MSG_NOSIGNAL);
        if (r <= 0) return false;
        b += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

int listen_any(unsigned short& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 4096);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    return fd;
}

void no_delay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void raw_echo(int fd) {
    no_delay(fd);
    std::vector<char> buf(1 << 20);
    for (;;) {
        const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
        if (r <= 0 || !write_all(fd, buf.data(), static_cast<size_t>(r))) break;
    }
    ::close(fd);
}

// The WebSocket side of the server: the handshake, then every frame echoed unmasked.
void ws_echo(int fd) {
    no_delay(fd);
    std::string head;
    char c;
    while (head.size() < 8192 && head.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1)
        head += c;
    const size_t k = head.find("Sec-WebSocket-Key: ");
    if (k == std::string::npos) return (void)::close(fd);
    const std::string key = head.substr(k + 19, head.find("\r\n", k) - (k + 19)) +
                            "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char sha[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(key.data()), key.size(), sha);
    unsigned char accept[64];
    EVP_EncodeBlock(accept, sha, SHA_DIGEST_LENGTH);
    const std::string reply = std::string("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                          "Connection: Upgrade\r\nSec-WebSocket-Accept: ") +
                              reinterpret_cast<char*>(accept) + "\r\n\r\n";
    write_all(fd, reply.data(), reply.size());
    // As cheap per message as raw_echo: one recv for whatever arrived, every frame in it
    // unmasked in place, and one writev for all the echoed headers and payload pieces (a frame
    // larger than a recv streams through: its header goes out with its first piece).
    // Not zero-filled: an idle connection's buffer stays untouched (idle memory is measured in
    // this process when the servers run in it).
    const std::unique_ptr<unsigned char[]> buf(new unsigned char[1 << 20]);
    const size_t buf_size = 1 << 20;
    std::vector<std::array<unsigned char, 10>> heads;
    std::vector<iovec> out;
    unsigned char hdr[14];
    size_t hdr_len = 0;
    uint64_t remaining = 0, offset = 0;  // payload of the current frame
    unsigned char mask[4]{};
    bool in_payload = false, closing = false;
    for (;;) {
        const ssize_t r = ::recv(fd, buf.get(), buf_size, 0);
        if (r <= 0) break;
        heads.clear();
        heads.reserve(static_cast<size_t>(r) / 6 + 2);  // a header takes 6 bytes (one may have begun earlier): no reallocation under the iovecs
        out.clear();
        size_t i = 0;
        const size_t n = static_cast<size_t>(r);
        while (i < n) {
            if (!in_payload) {
                hdr[hdr_len++] = buf[i++];
                if (hdr_len < 2) continue;
                const unsigned len7 = hdr[1] & 0x7F;
                const size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
                if (hdr_len < need) continue;
                uint64_t len = len7;
                if (len7 == 126) len = (uint64_t(hdr[2]) << 8) | hdr[3];
                if (len7 == 127) {
                    len = 0;
                    for (int k = 2; k < 10; ++k) len = (len << 8) | hdr[k];
                }
                std::memcpy(mask, hdr + need - 4, 4);
                std::array<unsigned char, 10> h{};
                size_t hn = 0;
                h[hn++] = hdr[0];
                if (len < 126) {
                    h[hn++] = static_cast<unsigned char>(len);
                } else if (len <= 0xFFFF) {
                    h[hn++] = 126;
                    h[hn++] = static_cast<unsigned char>(len >> 8);
                    h[hn++] = static_cast<unsigned char>(len);
                } else {
                    h[hn++] = 127;
                    for (int sh = 56; sh >= 0; sh -= 8) h[hn++] = static_cast<unsigned char>(len >> sh);
                }
                heads.push_back(h);
                out.push_back({heads.back().data(), hn});
                if ((hdr[0] & 0x0F) == 8) closing = true;
                hdr_len = 0;
                remaining = len;
                offset = 0;
                in_payload = len > 0;
                continue;
            }
            const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining, n - i));
            for (size_t k = 0; k < take; ++k) buf[i + k] ^= mask[(offset + k) % 4];
            out.push_back({buf.get() + i, take});
            i += take;
            offset += take;
            remaining -= take;
            in_payload = remaining > 0;
        }
        // writev until everything went (the iovec list is at most IOV_MAX long per call).
        size_t at = 0;
        bool ok = true;
        while (ok && at < out.size()) {
            const int cnt = static_cast<int>(std::min<size_t>(out.size() - at, IOV_MAX));
            msghdr m{};
            m.msg_iov = out.data() + at;
            m.msg_iovlen = static_cast<size_t>(cnt);
            ssize_t w = ::sendmsg(fd, &m, MSG_NOSIGNAL);
            if (w <= 0) {
                ok = false;
                break;
            }
            while (w > 0 && at < out.size()) {
                const size_t step = std::min<size_t>(static_cast<size_t>(w), out[at].iov_len);
                out[at].iov_base = static_cast<char*>(out[at].iov_base) + step;
                out[at].iov_len -= step;
                w -= static_cast<ssize_t>(step);
                if (out[at].iov_len == 0) ++at;
            }
        }
        if (!ok || (closing && !in_payload)) break;  // close echoed
    }
    ::close(fd);
}

void serve(int listener, void (*handler)(int)) {
    for (;;) {
        const int fd = ::accept(listener, nullptr, nullptr);
        if (fd < 0) return;
        std::thread(handler, fd).detach();
    }
}

int connect_to(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    no_delay(fd);
    return fd;
}

struct Ws {
    HINTERNET session = nullptr, connect = nullptr, ws = nullptr;
};

// A WebSocket on its own session, or on `session`/`connect` when given (idle: one of each).
Ws open_ws(unsigned short port, const wchar_t* path, HINTERNET session = nullptr,
           HINTERNET connect = nullptr) {
    Ws w;
    w.session = session ? session
                        : WinHttpOpen(L"ws_bench", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                                      WINHTTP_NO_PROXY_BYPASS, 0);
    w.connect = connect ? connect : WinHttpConnect(w.session, L"127.0.0.1", port, 0);
    HINTERNET req = WinHttpOpenRequest(w.connect, L"GET", path, nullptr, WINHTTP_NO_REFERER,
                                       WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    WinHttpSetOption(req, WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET, nullptr, 0);
    // WS_BENCH_SEND_BUFFER / WS_BENCH_RECEIVE_BUFFER: WEB_SOCKET_{SEND,RECEIVE}_BUFFER_SIZE
    // (default 32 KiB each).
    for (auto [env, option] : {std::pair{"WS_BENCH_SEND_BUFFER", WINHTTP_OPTION_WEB_SOCKET_SEND_BUFFER_SIZE},
                               std::pair{"WS_BENCH_RECEIVE_BUFFER", WINHTTP_OPTION_WEB_SOCKET_RECEIVE_BUFFER_SIZE}}) {
        DWORD size = static_cast<DWORD>(env_count(env, 0));
        if (size) WinHttpSetOption(req, option, &size, sizeof size);
    }
    if (!WinHttpSendRequest(req, nullptr, 0, nullptr, 0, 0, 0) || !WinHttpReceiveResponse(req, nullptr)) {
        std::fprintf(stderr, "upgrade request failed: %u\n", GetLastError());
        std::exit(1);
    }
    w.ws = WinHttpWebSocketCompleteUpgrade(req, 0);
    WinHttpCloseHandle(req);
    if (!w.ws) {
        std::fprintf(stderr, "CompleteUpgrade failed: %u\n", GetLastError());
        std::exit(1);
    }
    return w;
}

void close_ws(Ws& w) {
    WinHttpWebSocketClose(w.ws, WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS, nullptr, 0);
    WinHttpCloseHandle(w.ws);
    WinHttpCloseHandle(w.connect);
    WinHttpCloseHandle(w.session);
}

// CPU time (user + system) of the calling thread, in microseconds: less sensitive to other
// load on the machine than wall time.
double thread_cpu_us() {
    rusage u{};
    ::getrusage(RUSAGE_THREAD, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

double g_cpu_us = 0;  // the last rtt run's client CPU per round trip

double ws_rtt_us(unsigned short port, const wchar_t* path, size_t count) {
    Ws w = open_ws(port, path);
    char msg[100];
    std::memset(msg, 'm', sizeof msg);
    char buf[4096];
    const auto t0 = Clock::now();
    const double c0 = thread_cpu_us();
    for (size_t i = 0; i < count; ++i) {
        DWORD read = 0;
        WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
        if (WinHttpWebSocketSend(w.ws, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE, msg, sizeof msg) ||
            WinHttpWebSocketReceive(w.ws, buf, sizeof buf, &read, &type) || read != sizeof msg) {
            std::fprintf(stderr, "ws round trip failed\n");
            std::exit(1);
        }
    }
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / count;
    g_cpu_us = (thread_cpu_us() - c0) / static_cast<double>(count);
    close_ws(w);
    return us;
}

double raw_rtt_us(unsigned short port, size_t count) {
    const int fd = connect_to(port);
    char msg[100], buf[100];
    std::memset(msg, 'm', sizeof msg);
    const auto t0 = Clock::now();
    const double c0 = thread_cpu_us();
    for (size_t i = 0; i < count; ++i)
        if (!write_all(fd, msg, sizeof msg) || !read_exact(fd, buf, sizeof buf)) std::exit(1);
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / count;
    g_cpu_us = (thread_cpu_us() - c0) / static_cast<double>(count);
    ::close(fd);
    return us;
}

double process_cpu_s() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double g_cpu_ms_per_mib = 0;  // the last stream run's process CPU per MiB (client alone with --ports)

// MiB/s of `mib` MiB sent and the same received back, 1 MiB messages, on two threads.
double ws_stream(unsigned short port, size_t mib) {
    Ws w = open_ws(port, L"/");
    std::vector<char> out(1 << 20, 'x');
    const auto t0 = Clock::now();
    const double c0 = process_cpu_s();
    std::thread sender([&] {
        for (size_t i = 0; i < mib; ++i)
            if (WinHttpWebSocketSend(w.ws, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE, out.data(),
                                     static_cast<DWORD>(out.size())))
                std::exit(1);
    });
    std::vector<char> in(1 << 20);
    size_t got = 0;
    while (got < (mib << 20)) {
        DWORD read = 0;
        WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
        if (WinHttpWebSocketReceive(w.ws, in.data(), static_cast<DWORD>(in.size()), &read, &type))
            std::exit(1);
        got += read;
    }
    sender.join();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    g_cpu_ms_per_mib = (process_cpu_s() - c0) * 1e3 / static_cast<double>(mib);
    close_ws(w);
    return static_cast<double>(mib) / s;
}

double raw_stream(unsigned short port, size_t mib) {
    const int fd = connect_to(port);
    std::vector<char> out(1 << 20, 'x');
    const auto t0 = Clock::now();
    const double c0 = process_cpu_s();
    std::thread sender([&] {
        for (size_t i = 0; i < mib; ++i)
            if (!write_all(fd, out.data(), out.size())) std::exit(1);
    });
    std::vector<char> in(1 << 20);
    size_t got = 0;
    while (got < (mib << 20)) {
        const ssize_t r = ::recv(fd, in.data(), in.size(), 0);
        if (r <= 0) std::exit(1);
        got += static_cast<size_t>(r);
    }
    sender.join();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    g_cpu_ms_per_mib = (process_cpu_s() - c0) * 1e3 / static_cast<double>(mib);
    ::close(fd);
    return static_cast<double>(mib) / s;
}

long rss_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned short raw_port = 0, ws_port = 0;
    int py_arg = 1;  // argv index of the Python echo's port, if any
    if (argc > 1 && std::strcmp(argv[1], "--server") == 0) {
        // The servers alone, in their own process (bench/run.py: callgrind and strace then see
        // only the client): prints the two ports, serves until killed.
        const int raw_l = listen_any(raw_port), ws_l = listen_any(ws_port);
        std::printf("%u %u\n", raw_port, ws_port);
        std::fflush(stdout);
        std::thread(serve, raw_l, raw_echo).detach();
        serve(ws_l, ws_echo);
        return 0;
    }
    if (argc > 3 && std::strcmp(argv[1], "--ports") == 0) {
        raw_port = static_cast<unsigned short>(std::atoi(argv[2]));
        ws_port = static_cast<unsigned short>(std::atoi(argv[3]));
        py_arg = 4;
    } else {
        const int raw_l = listen_any(raw_port), ws_l = listen_any(ws_port);
        std::thread(serve, raw_l, raw_echo).detach();
        std::thread(serve, ws_l, ws_echo).detach();
    }
    const size_t rtt = env_count("WS_BENCH_RTT", 20000), mib = env_count("WS_BENCH_MIB", 1024),
                 idle = env_count("WS_BENCH_IDLE", 1000);

    // WS_BENCH_ONLY=rtt-raw|rtt-ws|stream-raw|stream-ws|idle runs one figure alone (for
    // callgrind and strace, which count per message: bench/run.py).
    const char* only_env = std::getenv("WS_BENCH_ONLY");
    const std::string only = only_env ? only_env : "";
    auto want = [&](const char* what) { return only.empty() || only == what; };
    if (!only.empty() && only.rfind("rtt", 0) != 0 && only.rfind("stream", 0) != 0 && only != "idle") {
        std::fprintf(stderr, "WS_BENCH_ONLY: rtt-raw, rtt-ws, stream-raw, stream-ws or idle\n");
        return 2;
    }
    if (only.empty()) ws_rtt_us(ws_port, L"/", rtt / 10);  // warm-up
    double raw_us = 0, ws_us = 0, raw_cpu = 0;
    if (want("rtt-raw")) {
        raw_us = raw_rtt_us(raw_port, rtt);
        raw_cpu = g_cpu_us;
        std::printf("rtt raw-socket echo          %8.2f us per round trip (%zu), client CPU %.2f us\n",
                    raw_us, rtt, raw_cpu);
    }
    if (want("rtt-ws")) {
        ws_us = ws_rtt_us(ws_port, L"/", rtt);
        std::printf("rtt winhttp ws, C echo       %8.2f us per round trip (%.2fx raw), client CPU "
                    "%.2f us (%.2fx raw)\n", ws_us, raw_us > 0 ? ws_us / raw_us : 0.0, g_cpu_us,
                    raw_cpu > 0 ? g_cpu_us / raw_cpu : 0.0);
    }
    if (argc > py_arg && only.empty()) {
        const unsigned short py = static_cast<unsigned short>(std::atoi(argv[py_arg]));
        const double py_us = ws_rtt_us(py, L"/echo", rtt / 4);
        std::printf("rtt winhttp ws, Python echo  %8.2f us per round trip (%zu)\n", py_us, rtt / 4);
    }
    double raw_rate = 0, raw_cpu_mib = 0;
    if (want("stream-raw")) {
        raw_rate = raw_stream(raw_port, mib);
        raw_cpu_mib = g_cpu_ms_per_mib;
        std::printf("stream raw TCP echo          %8.0f MiB/s each way (%zu MiB), CPU %.3f ms/MiB\n",
                    raw_rate, mib, raw_cpu_mib);
    }
    if (want("stream-ws")) {
        const double ws_rate = ws_stream(ws_port, mib);
        std::printf("stream winhttp ws 1 MiB msgs %8.0f MiB/s each way (%.0f%% of raw), CPU %.3f ms/MiB "
                    "(%.2fx raw)\n", ws_rate, raw_rate > 0 ? 100.0 * ws_rate / raw_rate : 0.0,
                    g_cpu_ms_per_mib, raw_cpu_mib > 0 ? g_cpu_ms_per_mib / raw_cpu_mib : 0.0);
    }
    if (!want("idle")) return 0;

    std::vector<Ws> open;
    open.reserve(idle);
    const Ws first = open_ws(ws_port, L"/");  // session, connect handle, loop threads made
    const long before = rss_kib();
    for (size_t i = 0; i < idle; ++i) open.push_back(open_ws(ws_port, L"/", first.session, first.connect));
    const long after = rss_kib();
    std::printf("idle open WebSockets         %8.1f KiB VmRSS each (%zu open)\n",
                static_cast<double>(after - before) / static_cast<double>(idle), idle);
    for (Ws& w : open) WinHttpCloseHandle(w.ws);
    WinHttpCloseHandle(first.ws);
    WinHttpCloseHandle(first.connect);
    WinHttpCloseHandle(first.session);
    return 0;
}
