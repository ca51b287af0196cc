// Non-blocking TCP sockets with bounded, cancellable waits (DESIGN.md "Threads": the sync
// path polls the socket together with the request's wake-up descriptor).
// Errors leave this layer as WinHTTP codes; errno never travels upward.
#pragma once
#include <winhttp.h>

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "net/stream.h"

namespace winhttp::net {

using Clock = std::chrono::steady_clock;

// A point in time after which a wait gives up; `infinite` never expires.
struct Deadline {
    Clock::time_point at{};
    bool infinite = true;
    static Deadline after_ms(DWORD ms);  // 0 and INFINITE mean no deadline
    int poll_timeout_ms() const;         // -1 for infinite, else >= 0
    bool expired() const { return !infinite && Clock::now() >= at; }
};

// An eventfd that a closing thread signals to abort a blocked wait.
class CancelEvent {
public:
    CancelEvent();
    ~CancelEvent();
    CancelEvent(const CancelEvent&) = delete;
    CancelEvent& operator=(const CancelEvent&) = delete;
    void signal() noexcept;
    bool signaled() const noexcept;
    int fd() const noexcept { return fd_; }

private:
    int fd_;
};

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT).
// Returns ERROR_SUCCESS, ERROR_WINHTTP_TIMEOUT or ERROR_WINHTTP_OPERATION_CANCELLED.
DWORD wait_ready(int fd, short events, const Deadline& deadline, const CancelEvent* cancel);

struct Address {
    sockaddr_storage storage{};
    socklen_t len = 0;
    std::wstring text() const;  // numeric form, for CONNECTING_TO_SERVER
};

// Resolves host:port (numeric literals included; brackets already stripped). Blocking.
// Returns ERROR_SUCCESS or ERROR_WINHTTP_NAME_NOT_RESOLVED.
DWORD resolve(const std::string& host, unsigned short port, std::vector<Address>& out);
// Fills `out` and returns true when `host` is an IPv4/IPv6 literal (no lookup needed).
bool resolve_numeric(const std::string& host, unsigned short port, std::vector<Address>& out);

// A non-blocking TCP socket. It never waits: the engine waits its own way (RequestIo).
class Socket final : public Stream {
public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    Socket(Socket&& o) noexcept;
    Socket& operator=(Socket&& o) noexcept;
    ~Socket() override;

    bool valid() const { return fd_ >= 0; }
    int fd() const override { return fd_; }
    void close();

    // Starts connecting to one address: ERROR_SUCCESS (connected), ERROR_IO_PENDING (wait
    // for POLLOUT, then finish_connect) or ERROR_WINHTTP_CANNOT_CONNECT.
    DWORD start_connect(const Address& addr);
    DWORD finish_connect();

    IoResult read_some(char* buf, size_t cap) override;
    IoResult write_some(const char* data, size_t len) override;

    // True when an idle connection has been closed or written to by the peer (stale).
    bool idle_peer_activity() const;

    bool local_address(sockaddr_storage& out) const;
    bool remote_address(sockaddr_storage& out) const;

private:
    int fd_ = -1;
};

}  // namespace winhttp::net
