// ws_bench - WebSocket benchmarks of issue 13, side by side in one run (bench/README.md, "WebSockets").
//
//   ws_bench [PYTHON_WS_PORT]
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
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
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
    std::vector<unsigned char> payload;
    for (;;) {
        unsigned char h[2];
        if (!read_exact(fd, h, 2)) break;
        uint64_t len = h[1] & 0x7F;
        if (len == 126) {
            unsigned char e[2];
            if (!read_exact(fd, e, 2)) break;
            len = (uint64_t(e[0]) << 8) | e[1];
        } else if (len == 127) {
            unsigned char e[8];
            if (!read_exact(fd, e, 8)) break;
            len = 0;
            for (unsigned char b : e) len = (len << 8) | b;
        }
        unsigned char mask[4];
        if (!read_exact(fd, mask, 4)) break;
        payload.resize(len);
        if (len && !read_exact(fd, payload.data(), len)) break;
        for (uint64_t i = 0; i < len; ++i) payload[i] ^= mask[i % 4];
        unsigned char out[10];
        size_t n = 0;
        out[n++] = h[0];
        if (len < 126) {
            out[n++] = static_cast<unsigned char>(len);
        } else if (len <= 0xFFFF) {
            out[n++] = 126;
            out[n++] = static_cast<unsigned char>(len >> 8);
            out[n++] = static_cast<unsigned char>(len);
        } else {
            out[n++] = 127;
            for (int s = 56; s >= 0; s -= 8) out[n++] = static_cast<unsigned char>(len >> s);
        }
        if (!write_all(fd, out, n) || (len && !write_all(fd, payload.data(), len))) break;
        if ((h[0] & 0x0F) == 8) break;  // close echoed
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

double ws_rtt_us(unsigned short port, const wchar_t* path, size_t count) {
    Ws w = open_ws(port, path);
    char msg[100];
    std::memset(msg, 'm', sizeof msg);
    char buf[4096];
    const auto t0 = Clock::now();
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
    close_ws(w);
    return us;
}

double raw_rtt_us(unsigned short port, size_t count) {
    const int fd = connect_to(port);
    char msg[100], buf[100];
    std::memset(msg, 'm', sizeof msg);
    const auto t0 = Clock::now();
    for (size_t i = 0; i < count; ++i)
        if (!write_all(fd, msg, sizeof msg) || !read_exact(fd, buf, sizeof buf)) std::exit(1);
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / count;
    ::close(fd);
    return us;
}

// MiB/s of `mib` MiB sent and the same received back, 1 MiB messages, on two threads.
double ws_stream(unsigned short port, size_t mib) {
    Ws w = open_ws(port, L"/");
    std::vector<char> out(1 << 20, 'x');
    const auto t0 = Clock::now();
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
    close_ws(w);
    return static_cast<double>(mib) / s;
}

double raw_stream(unsigned short port, size_t mib) {
    const int fd = connect_to(port);
    std::vector<char> out(1 << 20, 'x');
    const auto t0 = Clock::now();
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
    const int raw_l = listen_any(raw_port), ws_l = listen_any(ws_port);
    std::thread(serve, raw_l, raw_echo).detach();
    std::thread(serve, ws_l, ws_echo).detach();
    const size_t rtt = env_count("WS_BENCH_RTT", 20000), mib = env_count("WS_BENCH_MIB", 1024),
                 idle = env_count("WS_BENCH_IDLE", 1000);

    ws_rtt_us(ws_port, L"/", rtt / 10);  // warm-up
    const double raw_us = raw_rtt_us(raw_port, rtt);
    const double ws_us = ws_rtt_us(ws_port, L"/", rtt);
    std::printf("rtt raw-socket echo          %8.2f us per round trip (%zu)\n", raw_us, rtt);
    std::printf("rtt winhttp ws, C echo       %8.2f us per round trip (%.2fx raw)\n", ws_us, ws_us / raw_us);
    if (argc > 1) {
        const unsigned short py = static_cast<unsigned short>(std::atoi(argv[1]));
        const double py_us = ws_rtt_us(py, L"/echo", rtt / 4);
        std::printf("rtt winhttp ws, Python echo  %8.2f us per round trip (%zu)\n", py_us, rtt / 4);
    }
    const double raw_rate = raw_stream(raw_port, mib);
    const double ws_rate = ws_stream(ws_port, mib);
    std::printf("stream raw TCP echo          %8.0f MiB/s each way (%zu MiB)\n", raw_rate, mib);
    std::printf("stream winhttp ws 1 MiB msgs %8.0f MiB/s each way (%.0f%% of raw)\n", ws_rate,
                100.0 * ws_rate / raw_rate);

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
