// Request object (WinHttpOpenRequest): what the application asked for, plus its engine.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/session.h"

namespace winhttp {

class RequestEngine;

class Request final : public Object {
public:
    Request(Connect& connect, std::string verb, std::string target, std::string version,
            std::wstring referrer, std::vector<std::wstring> accept_types, DWORD flags);
    ~Request() override;

    Connect& connect() const { return static_cast<Connect&>(*parent()); }
    Session& session() const { return connect().session(); }
    bool secure() const noexcept { return (flags_ & WINHTTP_FLAG_SECURE) != 0; }
    DWORD open_flags() const noexcept { return flags_; }
    const std::string& verb() const { return verb_; }
    const std::string& target() const { return target_; }
    const std::string& version() const { return version_; }
    const std::wstring& referrer() const { return referrer_; }
    const std::vector<std::wstring>& accept_types() const { return accept_types_; }

    RequestEngine& engine() { return *engine_; }
    // Set while an API call runs on this request (calls may not overlap).
    std::atomic<bool>& engine_busy() { return busy_; }

protected:
    void on_close() override;

private:
    std::string verb_;
    std::string target_;
    std::string version_;
    std::wstring referrer_;
    std::vector<std::wstring> accept_types_;
    DWORD flags_;
    std::unique_ptr<RequestEngine> engine_;
    std::atomic<bool> busy_{false};
};

}  // namespace winhttp
