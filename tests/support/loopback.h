// Loopback plumbing for test servers and test clients: address helpers and a tiny blocking
// TCP client in which every wait is bounded. Tests use the client to check the servers
// themselves, without going through the library under test.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace winhttp::test {

// Default bound for any single wait in test support code.
inline constexpr std::chrono::milliseconds kDefaultTimeout = std::chrono::seconds(10);

// True when a socket can be bound to [::1] (containers often lack IPv6 loopback).
bool ipv6_loopback_available();

// A port that was free on 127.0.0.1 a moment ago (bind to port 0, read it, close). Another
// process may take it before the caller binds it; callers retry.
unsigned short pick_free_port();

// "127.0.0.1" or "::1".
inline const char* loopback_host(bool ipv6) {
    return ipv6 ? "::1" : "127.0.0.1";
}

// A loopback listener that never accepts: listen(fd, 0) with its accept queue filled by one
// idle connection. Linux then drops further SYNs, so a client's connect stays pending until
// its own timeout. `port` 0 picks a free one.
class FullBacklogListener {
  public:
    explicit FullBacklogListener(bool ipv6 = false, unsigned short port = 0);
    ~FullBacklogListener();
    FullBacklogListener(const FullBacklogListener&) = delete;
    FullBacklogListener& operator=(const FullBacklogListener&) = delete;

    // False when the port could not be bound (taken) or the queue could not be filled.
    bool ready() const { return ready_; }
    unsigned short port() const { return port_; }
    // Whether a further connect really stays pending for `wait` on this kernel.
    bool connect_pends(std::chrono::milliseconds wait = std::chrono::milliseconds(300)) const;

  private:
    bool ipv6_;
    int listener_ = -1;
    int filler_ = -1;
    unsigned short port_ = 0;
    bool ready_ = false;
};

// A loopback port bound without listening: every connect to it is refused at once (RST).
// Holding the port keeps any other listener off it for the test's lifetime.
class RefusedPort {
  public:
    RefusedPort(bool ipv6, unsigned short port);
    ~RefusedPort();
    RefusedPort(const RefusedPort&) = delete;
    RefusedPort& operator=(const RefusedPort&) = delete;
    bool ready() const { return ready_; }

  private:
    int fd_ = -1;
    bool ready_ = false;
};

// Client sockets of this network namespace still connecting (SYN_SENT) to loopback `port`,
// IPv4 and IPv6 together, from /proc/net/tcp and /proc/net/tcp6.
size_t pending_connects_to(unsigned short port);

// A blocking-style TCP client on 127.0.0.1 or [::1]. Reads return what arrived before the
// deadline, EOF or an error; `eof()` and `error()` tell which. Not thread-safe.
class TcpClient {
  public:
    // Connects at once; check connected().
    explicit TcpClient(unsigned short port, bool ipv6 = false,
                       std::chrono::milliseconds timeout = kDefaultTimeout);
    ~TcpClient();
    TcpClient(const TcpClient&) = delete;
    TcpClient& operator=(const TcpClient&) = delete;

    bool connected() const { return fd_ >= 0 && error_ == 0; }
    int fd() const { return fd_; }
    // errno of the first failed connect/send/recv (ECONNRESET, ETIMEDOUT for a missed
    // deadline, ...), or 0.
    int error() const { return error_; }
    // The peer closed its sending side in an orderly way (recv returned 0).
    bool eof() const { return eof_; }

    // Writes all of `bytes`; false on error or timeout.
    bool send(std::string_view bytes, std::chrono::milliseconds timeout = kDefaultTimeout);
    void shutdown_write();
    void close();

    // Exactly `n` bytes, or fewer if EOF/error/timeout came first.
    std::string read_exactly(size_t n, std::chrono::milliseconds timeout = kDefaultTimeout);
    // Up to and including `delim`, or everything received if it never came.
    std::string read_until(std::string_view delim,
                           std::chrono::milliseconds timeout = kDefaultTimeout);
    // One complete HTTP response (Content-Length, chunked or until close), or what arrived.
    std::string read_response(std::chrono::milliseconds timeout = kDefaultTimeout);
    // Everything until the peer closes (or an error/timeout).
    std::string read_to_close(std::chrono::milliseconds timeout = kDefaultTimeout);

  private:
    using Clock = std::chrono::steady_clock;
    // Receives once into buffer_, waiting until `deadline`; false on EOF, error or timeout.
    bool fill(Clock::time_point deadline);
    std::string take(size_t n);

    int fd_ = -1;
    int error_ = 0;
    bool eof_ = false;
    std::string buffer_;  // received, not yet returned
};

}  // namespace winhttp::test
