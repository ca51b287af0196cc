// Session (WinHttpOpen) and connect (WinHttpConnect) objects.
#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "core/object.h"
#include "proxy/config.h"

namespace winhttp {

class ConnectionPool;
class CookieJar;
class RevocationCache;
namespace net {
class TlsContext;
}
namespace proxy {
class PacCache;
}

class Session final : public Object {
public:
    Session(std::wstring agent, proxy::ConfigPtr proxy, DWORD flags);
    ~Session() override;

    bool async() const noexcept { return (flags_ & WINHTTP_FLAG_ASYNC) != 0; }
    bool secure_defaults() const noexcept {
        return (flags_ & WINHTTP_FLAG_SECURE_DEFAULTS) == WINHTTP_FLAG_SECURE_DEFAULTS;
    }
    DWORD open_flags() const noexcept { return flags_; }

    const std::wstring& agent() const { return agent_; }
    void set_agent(std::wstring a) { agent_ = std::move(a); }
    // The proxy configuration (WinHttpOpen's access type, WINHTTP_OPTION_PROXY); any thread.
    proxy::ConfigPtr proxy_config() const {
        std::lock_guard lock(proxy_mutex_);
        return proxy_;
    }
    void set_proxy_config(proxy::ConfigPtr c) {
        std::lock_guard lock(proxy_mutex_);
        proxy_ = std::move(c);
    }

    DWORD max_conns_per_server = 0xFFFFFFFFu;
    DWORD h2_keepalive_ms = 0;  // WINHTTP_OPTION_HTTP2_KEEPALIVE; 0: no PINGs
    DWORD max_conns_per_1_0_server = 0xFFFFFFFFu;

    // The session's TLS context (protocols, trust store, session cache), made on first use with
    // the session's WINHTTP_OPTION_SECURE_PROTOCOLS. ERROR_SUCCESS or the creation error.
    DWORD tls_context(std::shared_ptr<net::TlsContext>& out);

    ConnectionPool& pool() { return *pool_; }
    CookieJar& cookies() { return *cookies_; }
    // PAC scripts, the WPAD result and the PAC operations in flight (src/proxy/pac.h).
    proxy::PacCache& pac_cache() { return *pac_; }
    // OCSP / CRL answers of the session's revocation checks (core/revocation.h).
    const std::shared_ptr<RevocationCache>& revocation_cache() const { return revocation_; }

protected:
    // Cancels the session's PAC operations in flight (download, script run).
    void on_close() override;

private:
    std::wstring agent_;
    mutable std::mutex proxy_mutex_;
    proxy::ConfigPtr proxy_;
    const DWORD flags_;
    std::unique_ptr<ConnectionPool> pool_;
    std::unique_ptr<CookieJar> cookies_;
    std::unique_ptr<proxy::PacCache> pac_;
    std::shared_ptr<RevocationCache> revocation_;
    std::mutex tls_mutex_;
    std::shared_ptr<net::TlsContext> tls_;
};

class Connect final : public Object {
public:
    Connect(Session& session, std::wstring host, INTERNET_PORT port)
        : Object(HandleType::Connect, &session), host_(std::move(host)), port_(port) {}

    Session& session() const { return static_cast<Session&>(*parent()); }
    const std::wstring& host() const { return host_; }
    // INTERNET_DEFAULT_PORT (0) is resolved by scheme when a request is sent.
    INTERNET_PORT port() const noexcept { return port_; }

private:
    std::wstring host_;
    INTERNET_PORT port_;
};

}  // namespace winhttp
