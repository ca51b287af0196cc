// Keep-alive connection pool of a session, keyed by scheme, host, port and proxy.
#pragma once
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/socket.h"
#include "net/tls.h"
#include "util/one_shot.h"

namespace winhttp {

// The local and peer addresses of a connection (WINHTTP_OPTION_CONNECTION_INFO).
struct ConnectionAddresses {
    sockaddr_storage local{}, remote{};
    // getsockname + getpeername of `socket`; null when either fails.
    static std::shared_ptr<const ConnectionAddresses> of(const net::Socket& socket) {
        auto a = std::make_shared<ConnectionAddresses>();
        if (!socket.local_address(a->local) || !socket.remote_address(a->remote)) return nullptr;
        return a;
    }
};

// One TCP connection (with its TLS layer for https) and the bytes already read from it but not
// yet parsed.
struct Connection {
    net::Socket socket;
    std::unique_ptr<net::TlsStream> tls;  // destroyed before the socket closes
    net::Stream& stream() { return tls ? static_cast<net::Stream&>(*tls) : socket; }
    std::string key;
    bool connected = false;  // TCP connection established (closing it is worth a notification)
    std::string pending;  // read ahead beyond the previous response (kept across requests)
    unsigned requests = 0;  // responses completed on this connection
    net::Clock::time_point opened = net::Clock::now();  // WINHTTP_OPTION_CONNECTION_STATS_*
    // Taken once, not per request (CONNECTION_INFO): getsockname/getpeername cost two system
    // calls and never change. Set before the connection is shared (HTTP/2) and never changed
    // after; the requests it serves hold a reference instead of a copy.
    std::shared_ptr<const ConnectionAddresses> addresses;
    // CONNECTION_STATS_* of the requests it served, read lazily (net::TcpStatsCell).
    std::shared_ptr<net::TcpStatsCell> stats;

    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() {
        if (stats) stats->close(stats.use_count() > 1);
    }
};

// A connection many requests use at once (HTTP/2, src/http2/h2_connection.h). It holds one
// reserved slot of its key until it is destroyed.
class SharedConnection {
public:
    virtual ~SharedConnection() = default;
    // New requests may use it (alive, no GOAWAY). May read the socket: never called under the
    // pool's lock.
    virtual bool has_room() = 0;
    // What the last look found, without I/O (the pool's room check asks under its lock).
    virtual bool maybe_room() const noexcept = 0;
};

class ConnectionPool {
public:
    ConnectionPool() = default;
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // Shared connections of `key`: the first that has room, else null; the ones without room
    // are forgotten on the way (their last user closes them).
    std::shared_ptr<SharedConnection> find_shared(const std::string& key);
    void add_shared(const std::string& key, std::shared_ptr<SharedConnection> conn);

    // Key format is internal; equal keys may share connections. The key is the route:
    //   direct:              make_key(secure, host, port, "")
    //   CONNECT tunnel:      make_key(true, host, port, "proxy:port")   one origin per tunnel
    //   plain http by proxy: proxy_key("proxy:port")                    every origin shares it
    static std::string make_key(bool secure, const std::string& host, unsigned short port,
                                const std::string& via);
    static std::string proxy_key(const std::string& proxy);

    // Takes an idle live connection for `key`, or null when there is none. Stale idle
    // connections (closed by the server) are dropped on the way.
    std::unique_ptr<Connection> take_idle(const std::string& key);

    // Not an error: an idle connection of the key is there now; take_idle() again.
    static constexpr DWORD kLookAgain = 0xE0F00002u;

    // Reserves a connection slot for `key` under `limit` (INFINITE = no limit), waiting up to
    // `deadline`. Returns ERROR_SUCCESS, kLookAgain or ERROR_WINHTTP_TIMEOUT.
    //
    // `h2`: the new connection will offer HTTP/2. Only one such connection of a key is set up at
    // a time: the caller that gets the slot becomes the key's opener (it calls h2_opened() once
    // the connection is shared, turned out HTTP/1.1, or failed); the others wait for it, then
    // join the shared connection (kLookAgain) or, without one, open their own.
    DWORD reserve(const std::string& key, DWORD limit, const net::Deadline& deadline,
                  bool h2 = false);
    // Async form of reserve(): ERROR_SUCCESS (reserved), kLookAgain, or ERROR_IO_PENDING after
    // queueing `wake`, fired once when a connection of `key` closes or goes idle.
    DWORD try_reserve_or_wait(const std::string& key, DWORD limit, std::shared_ptr<OneShot> wake,
                              bool h2 = false);
    // The opener of `key` is done (see reserve): every waiter of the key looks again.
    // `http11`: the server chose HTTP/1.1; h2 callers of the key no longer wait for each other
    // (an HTTP/1.1 origin would otherwise get its connections one handshake at a time).
    void h2_opened(const std::string& key, bool http11);
    // Fires the oldest still-armed waiter of `key`, if any.
    void wake_one(const std::string& key);

    // Gives a reserved slot back (connection closed).
    void unreserve(const std::string& key);

    // Returns a connection whose response was read to the end; the slot stays reserved by it.
    void give_back(std::unique_ptr<Connection> conn);

    // Open connections of `key`, busy and idle (WinHttpQueryConnectionGroup).
    DWORD count(const std::string& key);

private:
    std::mutex mutex_;
    std::condition_variable freed_;
    std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
    std::map<std::string, DWORD> in_use_;  // reserved slots per key (busy and idle)
    std::map<std::string, std::deque<std::shared_ptr<OneShot>>> waiters_;
    std::map<std::string, std::vector<std::shared_ptr<SharedConnection>>> shared_;
    // true: an h2-offering connection of the key is being set up; false: the key's server chose
    // HTTP/1.1 (nothing to wait for).
    std::map<std::string, bool> h2_opening_;

    enum class Room { Free, Idle, Full };
    Room room(const std::string& key, DWORD limit, bool h2);  // mutex_ held
    Room reserve_locked(const std::string& key, DWORD limit, bool h2);
    void wake_all(const std::string& key);  // mutex_ not held
};

}  // namespace winhttp
