#include "core/request.h"

#include "core/engine.h"

namespace winhttp {

Request::Request(Connect& connect, std::string verb, std::string target, std::string version,
                 std::wstring referrer, std::vector<std::wstring> accept_types, DWORD flags)
    : Object(HandleType::Request, &connect),
      verb_(std::move(verb)),
      target_(std::move(target)),
      version_(std::move(version)),
      referrer_(std::move(referrer)),
      accept_types_(std::move(accept_types)),
      flags_(flags),
      engine_(std::make_unique<RequestEngine>(*this)) {}

Request::~Request() = default;

void Request::on_close() { engine_->cancel(); }

}  // namespace winhttp
