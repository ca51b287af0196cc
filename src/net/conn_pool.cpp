#include "net/conn_pool.h"

#include <algorithm>

#include "util/wide.h"

namespace winhttp {

namespace {

// Whether OpenSSL holds bytes of an idle connection that no request asked for. With read-ahead
// a record the server sent after the response (or its close_notify) may already be in OpenSSL's
// buffer. A one-byte peek decrypts what is there: handshake messages (a TLS 1.3 session ticket
// after the response) are consumed by it and leave nothing; application data, an alert, or a
// partial record is the server's and makes the connection unusable.
bool tls_holds_unasked_bytes(net::TlsStream& tls) {
    if (!tls.buffered()) return false;
    const net::IoResult r = tls.peek_readable();
    if (r.status == net::IoStatus::WantRead) return tls.buffered();
    return true;
}

}  // namespace

std::string ConnectionPool::make_key(bool secure, const std::string& host, unsigned short port,
                                     const std::string& via) {
    std::string key = secure ? "https://" : "http://";
    key += to_ascii_lower(host);
    key += ':';
    key += std::to_string(port);
    if (!via.empty()) {
        key += " via ";
        key += via;
    }
    return key;
}

std::string ConnectionPool::proxy_key(const std::string& proxy) {
    return "proxy " + to_ascii_lower(proxy);
}

std::unique_ptr<Connection> ConnectionPool::take_idle(const std::string& key) {
    std::unique_ptr<Connection> stale;
    std::lock_guard lock(mutex_);
    auto it = idle_.find(key);
    while (it != idle_.end() && !it->second.empty()) {
        auto conn = std::move(it->second.back());
        it->second.pop_back();
        // Pending bytes mean the server sent something unasked: not reusable either. Over TLS
        // they may sit in OpenSSL's read-ahead buffer, where poll cannot see them.
        if (conn->pending.empty() && !conn->socket.idle_peer_activity() &&
            !(conn->tls && tls_holds_unasked_bytes(*conn->tls)))
            return conn;
        --in_use_[key];
        freed_.notify_all();
    }
    return nullptr;
}

// Whether a new connection of `key` fits under `limit`. At the limit, an idle connection of the
// key means "take that one" (it went idle after the caller looked): never close a good
// connection only to open another. A shared (HTTP/2) connection that takes more streams serves
// the caller as well, and an h2 caller waits while another one sets up the key's connection.
ConnectionPool::Room ConnectionPool::room(const std::string& key, DWORD limit, bool h2) {
    auto sh = shared_.find(key);
    if (sh != shared_.end())
        for (const auto& c : sh->second)
            if (c->maybe_room()) return Room::Idle;
    if (h2) {
        auto op = h2_opening_.find(key);
        if (op != h2_opening_.end() && op->second) return Room::Full;
    }
    if (limit == 0xFFFFFFFFu || in_use_[key] < limit) return Room::Free;
    auto it = idle_.find(key);
    if (it != idle_.end() && !it->second.empty()) return Room::Idle;
    return Room::Full;
}

ConnectionPool::Room ConnectionPool::reserve_locked(const std::string& key, DWORD limit, bool h2) {
    const Room r = room(key, limit, h2);
    if (r == Room::Free) {
        ++in_use_[key];
        if (h2) {
            auto op = h2_opening_.find(key);
            if (op == h2_opening_.end()) h2_opening_.emplace(key, true);
        }
    }
    return r;
}

void ConnectionPool::h2_opened(const std::string& key, bool http11) {
    {
        std::lock_guard lock(mutex_);
        if (http11)
            h2_opening_[key] = false;
        else
            h2_opening_.erase(key);
        freed_.notify_all();
    }
    wake_all(key);
}

void ConnectionPool::wake_all(const std::string& key) {
    std::deque<std::shared_ptr<OneShot>> waiting;
    {
        std::lock_guard lock(mutex_);
        auto it = waiters_.find(key);
        if (it == waiters_.end()) return;
        waiting.swap(it->second);
        waiters_.erase(it);
    }
    for (auto& w : waiting) w->fire();
}

DWORD ConnectionPool::try_reserve_or_wait(const std::string& key, DWORD limit,
                                          std::shared_ptr<OneShot> wake, bool h2) {
    std::lock_guard lock(mutex_);
    switch (reserve_locked(key, limit, h2)) {
        case Room::Free: return ERROR_SUCCESS;
        case Room::Idle: return kLookAgain;
        case Room::Full: break;
    }
    waiters_[key].push_back(std::move(wake));
    return ERROR_IO_PENDING;
}

void ConnectionPool::wake_one(const std::string& key) {
    for (;;) {
        std::shared_ptr<OneShot> next;
        {
            std::lock_guard lock(mutex_);
            auto it = waiters_.find(key);
            if (it == waiters_.end() || it->second.empty()) return;
            next = std::move(it->second.front());
            it->second.pop_front();
        }
        if (next->fire()) return;  // revoked waiters gave up: try the next one
    }
}

DWORD ConnectionPool::reserve(const std::string& key, DWORD limit, const net::Deadline& deadline,
                              bool h2) {
    std::unique_lock lock(mutex_);
    for (;;) {
        const Room r = reserve_locked(key, limit, h2);
        if (r == Room::Idle) return kLookAgain;
        if (r == Room::Free) return ERROR_SUCCESS;
        if (deadline.infinite) {
            freed_.wait(lock);
        } else if (freed_.wait_until(lock, deadline.at) == std::cv_status::timeout &&
                   room(key, limit, h2) == Room::Full) {
            return ERROR_WINHTTP_TIMEOUT;
        }
    }
}

void ConnectionPool::unreserve(const std::string& key) {
    {
        std::lock_guard lock(mutex_);
        if (in_use_[key] > 0) --in_use_[key];
        freed_.notify_all();
    }
    wake_one(key);
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
    const std::string key = conn->key;
    {
        std::lock_guard lock(mutex_);
        idle_[key].push_back(std::move(conn));
        freed_.notify_all();
    }
    wake_one(key);
}

DWORD ConnectionPool::count(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = in_use_.find(key);
    return it == in_use_.end() ? 0 : it->second;
}

ConnectionPool::~ConnectionPool() {
    // A shared connection gives its slot back when destroyed: destroy them while the maps live.
    std::map<std::string, std::vector<std::shared_ptr<SharedConnection>>> shared;
    {
        std::lock_guard lock(mutex_);
        shared.swap(shared_);
    }
}

std::shared_ptr<SharedConnection> ConnectionPool::find_shared(const std::string& key) {
    // has_room() may read the socket (and takes the connection's lock): never under mutex_,
    // which every request of the session takes. Look at a copy, then forget the dead ones.
    std::vector<std::shared_ptr<SharedConnection>> list;
    std::shared_ptr<SharedConnection> only;  // the usual case: no vector copied per request
    {
        std::lock_guard lock(mutex_);
        auto it = shared_.find(key);
        if (it == shared_.end()) return nullptr;
        if (it->second.size() == 1) only = it->second.front();
        else list = it->second;
    }
    std::shared_ptr<SharedConnection> found;
    std::vector<SharedConnection*> gone;
    if (only) {
        if (only->has_room()) return only;
        gone.push_back(only.get());
    }
    for (const auto& c : list) {
        if (c->has_room()) {
            found = c;
            break;
        }
        gone.push_back(c.get());
    }
    if (gone.empty()) return found;
    std::vector<std::shared_ptr<SharedConnection>> dropped;  // released outside the lock
    {
        std::lock_guard lock(mutex_);
        auto it = shared_.find(key);
        if (it != shared_.end()) {
            auto& now = it->second;
            for (auto c = now.begin(); c != now.end();) {
                if (std::find(gone.begin(), gone.end(), c->get()) != gone.end()) {
                    dropped.push_back(std::move(*c));
                    c = now.erase(c);
                } else {
                    ++c;
                }
            }
            if (now.empty()) shared_.erase(it);
        }
    }
    return found;
}

void ConnectionPool::add_shared(const std::string& key, std::shared_ptr<SharedConnection> conn) {
    {
        std::lock_guard lock(mutex_);
        shared_[key].push_back(std::move(conn));
        freed_.notify_all();
    }
    // Every request waiting for a slot of the key can use it now, not only the oldest. One pass:
    // a request that starts waiting after the push above saw this connection in room().
    wake_all(key);
}

}  // namespace winhttp
