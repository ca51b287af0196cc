// Non-blocking TCP sockets with bounded, cancellable waits (DESIGN.md "Threads": the sync
// path polls the socket together with the request's wake-up descriptor).
// Errors leave this layer as WinHTTP codes; errno never travels upward.
#pragma once
#include <winhttp.h>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstddef>
#include <mutex>
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
    // The earlier of the two.
    static Deadline earlier(const Deadline& a, const Deadline& b) {
        if (a.infinite) return b;
        if (b.infinite) return a;
        return a.at <= b.at ? a : b;
    }
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
    // Makes it unsignalled again (any thread; a no-op when it is not signalled).
    void drain() const noexcept;
    int fd() const noexcept { return fd_; }

private:
    int fd_;
};

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT), or `cancel` is signalled.
// Without `cancelled`, a signal ends the wait; with it, the wait drains the signal and ends only
// when *cancelled is true, else it goes on (`cancel` is shared by the waits of one thread, and a
// signal may be a late one meant for an earlier wait).
// Returns ERROR_SUCCESS, ERROR_WINHTTP_TIMEOUT or ERROR_WINHTTP_OPERATION_CANCELLED.
DWORD wait_ready(int fd, short events, const Deadline& deadline, const CancelEvent* cancel,
                 const std::atomic<bool>* cancelled = nullptr);
// The same for whichever of two descriptors is ready first (each for its own events); on
// ERROR_SUCCESS `which` is its index (the first one when both are).
DWORD wait_either(const int (&fds)[2], const short (&events)[2], const Deadline& deadline,
                  const CancelEvent* cancel, const std::atomic<bool>* cancelled, int& which);

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

// The kernel's TCP_INFO in the layout of Linux's UAPI <linux/tcp.h> (kernel 5.4+; glibc's
// struct tcp_info stops early). An older kernel fills a prefix and leaves the rest 0.
struct TcpStats {
    uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, app_limited;
    uint32_t rto, ato, snd_mss, rcv_mss;
    uint32_t unacked, sacked, lost, retrans, fackets;
    uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
    uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
    uint32_t rcv_rtt, rcv_space;
    uint32_t total_retrans;
    uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
    uint32_t segs_out, segs_in;
    uint32_t notsent_bytes, min_rtt, data_segs_in, data_segs_out;
    uint64_t delivery_rate;
    uint64_t busy_time, rwnd_limited, sndbuf_limited;  // microseconds
    uint32_t delivered, delivered_ce;
    uint64_t bytes_sent, bytes_retrans;
    uint32_t dsack_dups, reord_seen;
    uint32_t rcv_ooopack;
    uint32_t snd_wnd;
};

// The kernel's TCP_INFO of socket `fd`; false when it is not available.
bool read_tcp_stats(int fd, TcpStats& out);

// The TCP statistics of one connection for the requests it served
// (WINHTTP_OPTION_CONNECTION_STATS_*): read from the socket only when an application asks (no
// getsockopt per request), and kept as they were when the connection closes. Shared by the
// connection and the requests it served; get() may run on any thread.
class TcpStatsCell {
public:
    TcpStatsCell(int fd, Clock::time_point opened) : fd_(fd), opened_(opened) {}
    // The live figures while the connection is open, else those at its close. `age_ms` is the
    // connection's lifetime (then).
    bool get(TcpStats& out, unsigned long long& age_ms);
    // The connection is closing (its descriptor still open): keep its last figures when anyone
    // else may still ask (`shared`).
    void close(bool shared);

private:
    std::mutex mutex_;
    int fd_;  // -1 once closed
    Clock::time_point opened_;
    TcpStats last_{};
    unsigned long long age_ms_ = 0;
    bool have_ = false;
};

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
    // FIONREAD; when it says 0, a one-byte MSG_PEEK tells "nothing yet" from the end.
    IoResult peek_readable() override;

    // True when an idle connection has been closed or written to by the peer (stale).
    bool idle_peer_activity() const;

    // TCP keep-alive probes after `idle_ms` without traffic, then every `interval_ms` (Linux
    // counts whole seconds: rounded up, at least 1). False when the kernel refused.
    bool set_keepalive(bool on, DWORD idle_ms, DWORD interval_ms);
    // The kernel's TCP_INFO for this connection; false when it is not available.
    bool tcp_stats(TcpStats& out) const;

    bool local_address(sockaddr_storage& out) const;
    bool remote_address(sockaddr_storage& out) const;

private:
    int fd_ = -1;
};

}  // namespace winhttp::net
