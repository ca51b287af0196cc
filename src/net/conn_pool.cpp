#include "net/conn_pool.h"

#include "util/wide.h"

namespace winhttp {

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
        // Pending bytes mean the server sent something unasked: not reusable either.
        if (conn->pending.empty() && !conn->socket.idle_peer_activity()) return conn;
        --in_use_[key];
        freed_.notify_all();
    }
    return nullptr;
}

// Whether a new connection of `key` fits under `limit`. At the limit, an idle connection of the
// key means "take that one" (it went idle after the caller looked): never close a good
// connection only to open another.
ConnectionPool::Room ConnectionPool::room(const std::string& key, DWORD limit) {
    if (limit == 0xFFFFFFFFu || in_use_[key] < limit) return Room::Free;
    auto it = idle_.find(key);
    if (it != idle_.end() && !it->second.empty()) return Room::Idle;
    // A shared (HTTP/2) connection that takes more streams serves the caller as well.
    auto sh = shared_.find(key);
    if (sh != shared_.end())
        for (const auto& c : sh->second)
            if (c->has_room()) return Room::Idle;
    return Room::Full;
}

DWORD ConnectionPool::try_reserve_or_wait(const std::string& key, DWORD limit,
                                          std::shared_ptr<OneShot> wake) {
    std::lock_guard lock(mutex_);
    switch (room(key, limit)) {
        case Room::Free: ++in_use_[key]; return ERROR_SUCCESS;
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

DWORD ConnectionPool::reserve(const std::string& key, DWORD limit, const net::Deadline& deadline) {
    std::unique_lock lock(mutex_);
    for (;;) {
        const Room r = room(key, limit);
        if (r == Room::Idle) return kLookAgain;
        if (r == Room::Free) break;
        if (deadline.infinite) {
            freed_.wait(lock);
        } else if (freed_.wait_until(lock, deadline.at) == std::cv_status::timeout &&
                   room(key, limit) == Room::Full) {
            return ERROR_WINHTTP_TIMEOUT;
        }
    }
    ++in_use_[key];
    return ERROR_SUCCESS;
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
    std::vector<std::shared_ptr<SharedConnection>> gone;  // released outside the lock
    std::shared_ptr<SharedConnection> found;
    {
        std::lock_guard lock(mutex_);
        auto it = shared_.find(key);
        if (it == shared_.end()) return nullptr;
        auto& list = it->second;
        for (auto c = list.begin(); c != list.end();) {
            if ((*c)->has_room()) {
                found = *c;
                break;
            }
            gone.push_back(std::move(*c));
            c = list.erase(c);
        }
        if (list.empty()) shared_.erase(it);
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

}  // namespace winhttp
