#include "net/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "net/sys_io.h"
#include "util/wide.h"

namespace winhttp::net {

Deadline Deadline::after_ms(DWORD ms) {
    Deadline d;
    if (ms == 0 || ms == 0xFFFFFFFFu) return d;
    d.infinite = false;
    d.at = Clock::now() + std::chrono::milliseconds(ms);
    return d;
}

int Deadline::poll_timeout_ms() const {
    if (infinite) return -1;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at - Clock::now());
    // Round up so a wait never ends a hair before its deadline and spins.
    return left.count() <= 0 ? 0 : static_cast<int>(left.count()) + 1;
}

CancelEvent::CancelEvent() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
CancelEvent::~CancelEvent() {
    if (fd_ >= 0) ::close(fd_);
}
void CancelEvent::signal() noexcept {
    uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(fd_, &one, sizeof(one));
}
bool CancelEvent::signaled() const noexcept {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}
void CancelEvent::drain() const noexcept {
    uint64_t count = 0;
    [[maybe_unused]] auto r = ::read(fd_, &count, sizeof(count));  // non-blocking
}

namespace {

// Waits for the first `n` entries of `fds`; the last entry is the cancel event's.
DWORD wait_any(pollfd* fds, nfds_t n, const Deadline& deadline, const CancelEvent* cancel,
               const std::atomic<bool>* cancelled, int& which) {
    fds[n] = {cancel ? cancel->fd() : -1, POLLIN, 0};  // poll skips a negative descriptor
    for (;;) {
        const int r = ::poll(fds, n + 1, deadline.poll_timeout_ms());
        if (r < 0 && errno == EINTR) continue;
        if (fds[n].revents & POLLIN) {
            if (!cancelled) return ERROR_WINHTTP_OPERATION_CANCELLED;
            cancel->drain();
            if (cancelled->load(std::memory_order_seq_cst)) return ERROR_WINHTTP_OPERATION_CANCELLED;
            // A late signal meant for an earlier wait of this thread: keep waiting.
        }
        for (nfds_t i = 0; r > 0 && i < n; ++i) {
            if (fds[i].revents) {  // ready, or an error the next call will report
                which = static_cast<int>(i);
                return ERROR_SUCCESS;
            }
        }
        if (deadline.expired() || r == 0) return ERROR_WINHTTP_TIMEOUT;
    }
}

}  // namespace

DWORD wait_ready(int fd, short events, const Deadline& deadline, const CancelEvent* cancel,
                 const std::atomic<bool>* cancelled) {
    pollfd fds[2] = {{fd, events, 0}, {}};
    int which = 0;
    return wait_any(fds, 1, deadline, cancel, cancelled, which);
}

DWORD wait_either(const int (&fd)[2], const short (&events)[2], const Deadline& deadline,
                  const CancelEvent* cancel, const std::atomic<bool>* cancelled, int& which) {
    pollfd fds[3] = {{fd[0], events[0], 0}, {fd[1], events[1], 0}, {}};
    return wait_any(fds, 2, deadline, cancel, cancelled, which);
}

std::wstring Address::text() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
        auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
        ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    } else {
        auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
        ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    }
    return from_utf8(buf);
}

namespace {

// A name under "localhost." ("api.localhost"), in any case, with or without the final dot.
bool under_localhost(std::string_view host) {
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    constexpr std::string_view kSuffix = ".localhost";
    if (host.size() <= kSuffix.size()) return false;
    const std::string_view tail = host.substr(host.size() - kSuffix.size());
    return std::equal(tail.begin(), tail.end(), kSuffix.begin(), [](char a, char b) {
        return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
    });
}

}  // namespace

DWORD resolve(const std::string& host, unsigned short port, std::vector<Address>& out) {
    // RFC 6761 6.3: names under "localhost." are this host and must not go to DNS, where the
    // system resolver would send them (it knows "localhost" itself from /etc/hosts only).
    // Both loopback addresses, IPv6 first as RFC 6724's default policy table orders them.
    if (under_localhost(host)) {
        std::vector<Address> two;
        if (resolve_numeric("::1", port, two)) out.push_back(two.front());
        if (resolve_numeric("127.0.0.1", port, two)) out.push_back(two.front());
        return ERROR_SUCCESS;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
    if (host == "localhost") hints.ai_flags &= ~AI_ADDRCONFIG;  // loopback without a network
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || !res)
        return ERROR_WINHTTP_NAME_NOT_RESOLVED;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        Address a;
        std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
        a.len = ai->ai_addrlen;
        out.push_back(a);
    }
    ::freeaddrinfo(res);
    return ERROR_SUCCESS;
}

bool resolve_numeric(const std::string& host, unsigned short port, std::vector<Address>& out) {
    Address a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.len = sizeof(sockaddr_in);
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.len = sizeof(sockaddr_in6);
    } else {
        return false;
    }
    out.assign(1, a);
    return true;
}

Socket::Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
Socket& Socket::operator=(Socket&& o) noexcept {
    if (this != &o) {
        close();
        fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
}
Socket::~Socket() { close(); }

void Socket::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

DWORD Socket::start_connect(const Address& addr) {
    close();
    fd_ = ::socket(addr.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return ERROR_WINHTTP_CANNOT_CONNECT;
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr.storage), addr.len) == 0)
        return ERROR_SUCCESS;
    return errno == EINPROGRESS ? ERROR_IO_PENDING : ERROR_WINHTTP_CANNOT_CONNECT;
}

DWORD Socket::finish_connect() {
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    return err == 0 ? ERROR_SUCCESS : ERROR_WINHTTP_CANNOT_CONNECT;
}

IoResult Socket::read_some(char* buf, size_t cap) {
    for (;;) {
        const ssize_t r = sys_recv(fd_, buf, cap, 0);
        if (r > 0) return {IoStatus::Done, static_cast<size_t>(r), 0};
        if (r == 0) return {IoStatus::Closed, 0, 0};
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::WantRead, 0, 0};
        return {IoStatus::Failed, 0, ERROR_WINHTTP_CONNECTION_ERROR};
    }
}

IoResult Socket::write_some(const char* data, size_t len) {
    for (;;) {
        const ssize_t n = sys_send(fd_, data, len, MSG_NOSIGNAL);
        if (n > 0) return {IoStatus::Done, static_cast<size_t>(n), 0};
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {IoStatus::WantWrite, 0, 0};
        return {IoStatus::Failed, 0, ERROR_WINHTTP_CONNECTION_ERROR};
    }
}

IoResult Socket::peek_readable() {
    int queued = 0;
    if (::ioctl(fd_, FIONREAD, &queued) == 0 && queued > 0)
        return {IoStatus::Done, static_cast<size_t>(queued), 0};
    for (;;) {
        char probe;
        const ssize_t r = sys_recv(fd_, &probe, 1, MSG_PEEK);
        if (r > 0) {
            queued = 0;
            ::ioctl(fd_, FIONREAD, &queued);
            return {IoStatus::Done, static_cast<size_t>(std::max(queued, 1)), 0};
        }
        if (r == 0) return {IoStatus::Closed, 0, 0};
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::WantRead, 0, 0};
        return {IoStatus::Failed, 0, ERROR_WINHTTP_CONNECTION_ERROR};
    }
}

bool Socket::idle_peer_activity() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) != 0;
}

bool Socket::set_keepalive(bool on, DWORD idle_ms, DWORD interval_ms) {
    const int enable = on ? 1 : 0;
    if (::setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &enable, sizeof(enable)) != 0) return false;
    if (!on) return true;
    auto seconds = [](DWORD ms) { return static_cast<int>(std::max<DWORD>(1, (ms + 999) / 1000)); };
    const int idle = seconds(idle_ms), interval = seconds(interval_ms);
    return ::setsockopt(fd_, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) == 0 &&
           ::setsockopt(fd_, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval)) == 0;
}

bool read_tcp_stats(int fd, TcpStats& out) {
    socklen_t len = sizeof(out);
    std::memset(&out, 0, sizeof(out));
    return fd >= 0 && ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &out, &len) == 0;
}

bool Socket::tcp_stats(TcpStats& out) const { return read_tcp_stats(fd_, out); }

namespace {
unsigned long long ms_since(Clock::time_point t) {
    return static_cast<unsigned long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}
}  // namespace

bool TcpStatsCell::get(TcpStats& out, unsigned long long& age_ms) {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) {
        // Under the lock: close() cannot let the descriptor go (and be reused) meanwhile.
        if (!read_tcp_stats(fd_, out)) return false;
        age_ms = ms_since(opened_);
        return true;
    }
    out = last_;
    age_ms = age_ms_;
    return have_;
}

void TcpStatsCell::close(bool shared) {
    std::lock_guard lock(mutex_);
    if (fd_ < 0) return;
    if (shared) {
        have_ = read_tcp_stats(fd_, last_);
        age_ms_ = ms_since(opened_);
    }
    fd_ = -1;
}

bool Socket::local_address(sockaddr_storage& out) const {
    socklen_t len = sizeof(out);
    return ::getsockname(fd_, reinterpret_cast<sockaddr*>(&out), &len) == 0;
}

bool Socket::remote_address(sockaddr_storage& out) const {
    socklen_t len = sizeof(out);
    return ::getpeername(fd_, reinterpret_cast<sockaddr*>(&out), &len) == 0;
}

}  // namespace winhttp::net
