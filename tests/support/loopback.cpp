#include "support/loopback.h"

#include "support/http_text.h"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace winhttp::test {
namespace {

using Clock = std::chrono::steady_clock;

int ms_until(Clock::time_point deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

// Fills `storage` with the loopback address for `port`; returns its length.
socklen_t loopback_address(sockaddr_storage& storage, unsigned short port, bool ipv6) {
    std::memset(&storage, 0, sizeof storage);
    if (ipv6) {
        auto& a = reinterpret_cast<sockaddr_in6&>(storage);
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        a.sin6_addr = in6addr_loopback;
        return sizeof a;
    }
    auto& a = reinterpret_cast<sockaddr_in&>(storage);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof a;
}

// Waits for `events` on `fd` until `deadline`; returns poll's revents, or 0 on timeout.
short wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        int n = ::poll(&p, 1, ms_until(deadline));
        if (n > 0) return p.revents;
        if (n == 0) return 0;
        if (errno != EINTR) return POLLERR;
    }
}

}  // namespace

bool ipv6_loopback_available() {
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_storage addr;
    socklen_t len = loopback_address(addr, 0, true);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0;
    ::close(fd);
    return ok;
}

namespace {

// A non-blocking socket connecting to loopback `port` (EINPROGRESS), or -1.
int start_connect(unsigned short port, bool ipv6) {
    int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_storage addr;
    socklen_t len = loopback_address(addr, port, ipv6);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// A socket bound to loopback `port` (0: any free one), IPv6 only for [::1] so that the IPv4
// side of the same port stays free; -1 when the port is taken.
int bind_loopback(bool ipv6, unsigned short port) {
    int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int one = 1;
    if (ipv6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_storage addr;
    socklen_t len = loopback_address(addr, port, ipv6);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

FullBacklogListener::FullBacklogListener(bool ipv6, unsigned short port) : ipv6_(ipv6) {
    listener_ = bind_loopback(ipv6, port);
    if (listener_ < 0 || ::listen(listener_, 0) != 0) return;
    sockaddr_storage addr;
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6&>(addr).sin6_port
                       : reinterpret_cast<sockaddr_in&>(addr).sin_port);
    // One connection fits a backlog of 0: once its handshake is done the queue is full.
    filler_ = start_connect(port_, ipv6);
    ready_ = filler_ >= 0 &&
             (wait_for(filler_, POLLOUT, Clock::now() + kDefaultTimeout) & POLLOUT) != 0;
}

FullBacklogListener::~FullBacklogListener() {
    if (filler_ >= 0) ::close(filler_);
    if (listener_ >= 0) ::close(listener_);
}

bool FullBacklogListener::connect_pends(std::chrono::milliseconds wait) const {
    int fd = start_connect(port_, ipv6_);
    if (fd < 0) return false;
    const short r = wait_for(fd, POLLOUT, Clock::now() + wait);
    ::close(fd);
    return r == 0;
}

RefusedPort::RefusedPort(bool ipv6, unsigned short port) {
    fd_ = bind_loopback(ipv6, port);
    ready_ = fd_ >= 0;
}

RefusedPort::~RefusedPort() {
    if (fd_ >= 0) ::close(fd_);
}

size_t pending_connects_to(unsigned short port) {
    size_t n = 0;
    for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        FILE* f = std::fopen(path, "r");
        if (!f) continue;
        char line[512];
        while (std::fgets(line, sizeof line, f)) {
            // "  0: 0100007F:A1B2 0100007F:1F90 02 ..." local, remote (hex port), state.
            char local[64], remote[64];
            unsigned state = 0;
            if (std::sscanf(line, " %*d: %63s %63s %x", local, remote, &state) != 3) continue;
            const char* colon = std::strrchr(remote, ':');
            if (state == 0x02 && colon && std::strtoul(colon + 1, nullptr, 16) == port) ++n;
        }
        std::fclose(f);
    }
    return n;
}

namespace {

// Binds a listening-capable socket to the loopback `port` (0: any); returns the port bound, or 0.
unsigned short bind_loopback(unsigned short port, bool ipv6) {
    int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_storage addr;
    socklen_t len = loopback_address(addr, port, ipv6);
    unsigned short bound = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        bound = ipv6 ? ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port)
                     : ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port);
    }
    ::close(fd);
    return bound;
}

}  // namespace

// Free on 127.0.0.1 AND on ::1: clients connect to "localhost", which tries ::1 first, so a
// port another test process holds on ::1 only would lead them to that process's server (seen:
// a TLS site answered by another test's nginx, ERROR_WINHTTP_SECURE_FAILURE with INVALID_CA).
unsigned short pick_free_port() {
    const bool ipv6 = ipv6_loopback_available();
    for (int tries = 0; tries < 50; ++tries) {
        const unsigned short port = bind_loopback(0, false);
        if (port == 0) return 0;
        if (!ipv6 || bind_loopback(port, true) == port) return port;
    }
    return 0;
}

// ---- TcpClient --------------------------------------------------------------------------

TcpClient::TcpClient(unsigned short port, bool ipv6, std::chrono::milliseconds timeout) {
    fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) {
        error_ = errno;
        return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_storage addr;
    socklen_t len = loopback_address(addr, port, ipv6);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0) return;
    if (errno != EINPROGRESS) {
        error_ = errno;
        return;
    }
    if (wait_for(fd_, POLLOUT, Clock::now() + timeout) == 0) {
        error_ = ETIMEDOUT;
        return;
    }
    socklen_t size = sizeof error_;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error_, &size);
}

TcpClient::~TcpClient() {
    close();
}

void TcpClient::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void TcpClient::shutdown_write() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool TcpClient::send(std::string_view bytes, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!bytes.empty() && connected()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<size_t>(n));
        } else if (errno == EAGAIN || errno == EINTR) {
            if (wait_for(fd_, POLLOUT, deadline) == 0) error_ = ETIMEDOUT;
        } else {
            error_ = errno;
        }
    }
    return bytes.empty();
}

bool TcpClient::fill(Clock::time_point deadline) {
    if (fd_ < 0 || eof_ || error_ != 0) return false;
    for (;;) {
        char chunk[16384];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer_.append(chunk, static_cast<size_t>(n));
            return true;
        }
        if (n == 0) {
            eof_ = true;
            return false;
        }
        if (errno != EAGAIN && errno != EINTR) {
            error_ = errno;
            return false;
        }
        if (wait_for(fd_, POLLIN, deadline) == 0) {
            error_ = ETIMEDOUT;
            return false;
        }
    }
}

std::string TcpClient::take(size_t n) {
    n = std::min(n, buffer_.size());
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
}

std::string TcpClient::read_exactly(size_t n, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (buffer_.size() < n && fill(deadline)) {
    }
    return take(n);
}

std::string TcpClient::read_until(std::string_view delim, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        size_t at = buffer_.find(delim);
        if (at != std::string::npos) return take(at + delim.size());
        if (!fill(deadline)) return take(buffer_.size());
    }
}

std::string TcpClient::read_response(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        if (auto length = message_length(buffer_, MessageKind::response)) return take(*length);
        if (!fill(deadline)) return take(buffer_.size());
    }
}

std::string TcpClient::read_to_close(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (fill(deadline)) {
    }
    return take(buffer_.size());
}

}  // namespace winhttp::test
