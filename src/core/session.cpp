#include "core/session.h"

#include "core/cookies.h"
#include "net/conn_pool.h"

namespace winhttp {

Session::Session(std::wstring agent, DWORD access_type, std::wstring proxy, std::wstring bypass,
                 DWORD flags)
    : Object(HandleType::Session, nullptr),
      agent_(std::move(agent)),
      access_type_(access_type),
      proxy_(std::move(proxy)),
      bypass_(std::move(bypass)),
      flags_(flags),
      pool_(std::make_unique<ConnectionPool>()),
      cookies_(std::make_unique<CookieJar>()) {}

Session::~Session() = default;

void Session::set_proxy(DWORD access, std::wstring proxy, std::wstring bypass) {
    access_type_ = access;
    proxy_ = std::move(proxy);
    bypass_ = std::move(bypass);
}

}  // namespace winhttp
