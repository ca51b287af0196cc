#include "net/conn_pool.h"

#include "util/wide.h"

namespace winhttp {

std::string ConnectionPool::make_key(bool secure, const std::string& host, unsigned short port,
                                     const std::wstring& proxy) {
    std::string key = secure ? "https://" : "http://";
    key += to_ascii_lower(host);
    key += ':';
    key += std::to_string(port);
    if (!proxy.empty()) {
        key += " via ";
        key += to_utf8(proxy);
    }
    return key;
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

DWORD ConnectionPool::reserve(const std::string& key, DWORD limit, const net::Deadline& deadline) {
    std::unique_lock lock(mutex_);
    auto has_room = [&] { return limit == 0xFFFFFFFFu || in_use_[key] < limit; };
    while (!has_room()) {
        // An idle connection of this key can make room: close the oldest.
        auto it = idle_.find(key);
        if (it != idle_.end() && !it->second.empty()) {
            it->second.erase(it->second.begin());
            --in_use_[key];
            continue;
        }
        if (deadline.infinite) {
            freed_.wait(lock);
        } else if (freed_.wait_until(lock, deadline.at) == std::cv_status::timeout && !has_room()) {
            return ERROR_WINHTTP_TIMEOUT;
        }
    }
    ++in_use_[key];
    return ERROR_SUCCESS;
}

void ConnectionPool::unreserve(const std::string& key) {
    std::lock_guard lock(mutex_);
    if (in_use_[key] > 0) --in_use_[key];
    freed_.notify_all();
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mutex_);
    idle_[conn->key].push_back(std::move(conn));
    freed_.notify_all();
}

}  // namespace winhttp
