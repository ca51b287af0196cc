#include "core/session.h"

#include "core/cookies.h"
#include "core/revocation.h"
#include "net/conn_pool.h"
#include "net/tls.h"
#include "proxy/pac.h"

namespace winhttp {

Session::Session(std::wstring agent, proxy::ConfigPtr proxy, DWORD flags)
    : Object(HandleType::Session, nullptr),
      agent_(std::move(agent)),
      proxy_(std::move(proxy)),
      flags_(flags),
      pool_(std::make_unique<ConnectionPool>()),
      cookies_(std::make_unique<CookieJar>()),
      pac_(std::make_unique<proxy::PacCache>()),
      revocation_(std::make_shared<RevocationCache>()) {}

Session::~Session() = default;

DWORD Session::tls_context(std::shared_ptr<net::TlsContext>& out) {
    std::lock_guard lock(tls_mutex_);
    if (!tls_) {
        net::TlsConfig config;
        config.protocols = settings().secure_protocols;
        if (DWORD e = net::TlsContext::create(config, tls_)) return e;
    }
    out = tls_;
    return ERROR_SUCCESS;
}

void Session::on_close() { pac_->cancel_all(); }

}  // namespace winhttp
