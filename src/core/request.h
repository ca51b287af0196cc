// Request object (WinHttpOpenRequest): what the application asked for, plus its engine, plus
// how an asynchronous request reports (completions and notifications through the callback).
#pragma once
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/session.h"
#include "core/task.h"
#include "net/tls.h"

namespace winhttp {

class RequestEngine;

// One asynchronous operation: which API started it (WINHTTP_ASYNC_RESULT.dwResult) and what
// its completion reports.
struct AsyncOp {
    DWORD api = 0;             // API_SEND_REQUEST, API_READ_DATA, ...
    DWORD count = 0;           // bytes available/read/written, filled by the engine
    void* buffer = nullptr;    // ReadData's buffer, handed back in READ_COMPLETE
};

class Request;

// Holds a request's busy flag for one operation: calls on one request may not overlap (one
// operation at a time, WinHttpSendRequest page); the loser gets INCORRECT_HANDLE_STATE.
class OperationGuard {
public:
    explicit OperationGuard(Request& r);
    ~OperationGuard() {
        if (owned_) busy_.store(false, std::memory_order_release);
    }
    OperationGuard(const OperationGuard&) = delete;
    OperationGuard& operator=(const OperationGuard&) = delete;
    bool owned() const { return owned_; }
    // An async operation keeps the request busy until its completion (Request::start_async).
    void hand_over() { owned_ = false; }

private:
    std::atomic<bool>& busy_;
    bool owned_;
};

class Request final : public Object {
public:
    Request(Connect& connect, std::string verb, std::string target, std::string version,
            std::wstring referrer, std::vector<std::wstring> accept_types, DWORD flags);
    ~Request() override;

    Connect& connect() const { return static_cast<Connect&>(*parent()); }
    Session& session() const { return connect().session(); }
    bool async() const noexcept { return async_; }
    bool secure() const noexcept { return (flags_ & WINHTTP_FLAG_SECURE) != 0; }
    DWORD open_flags() const noexcept { return flags_; }
    const std::string& verb() const { return verb_; }
    const std::string& target() const { return target_; }
    const std::string& version() const { return version_; }
    const std::wstring& referrer() const { return referrer_; }
    const std::vector<std::wstring>& accept_types() const { return accept_types_; }

    RequestEngine& engine() { return *engine_; }

    // WINHTTP_OPTION_CLIENT_CERT_CONTEXT and its Linux mirror (docs/design/tls.md).
    net::ClientCertChoice client_cert() const {
        std::lock_guard lock(cert_mutex_);
        return client_cert_;
    }
    void set_client_cert(net::ClientCertChoice c) {
        std::lock_guard lock(cert_mutex_);
        client_cert_ = std::move(c);
    }
    // WINHTTP_OPTION_PROXY set on the request, else the session's configuration; any thread.
    proxy::ConfigPtr proxy_config() const {
        {
            std::lock_guard lock(cert_mutex_);
            if (proxy_override_) return proxy_override_;
        }
        return session().proxy_config();
    }
    void set_proxy_config(proxy::ConfigPtr c) {
        std::lock_guard lock(cert_mutex_);
        proxy_override_ = std::move(c);
    }
    // Set while an operation runs on this request (operations may not overlap). For an async
    // operation it stays set until just before its completion callback.
    std::atomic<bool>& engine_busy() { return busy_; }

    // Runs `task` on the request's strand and reports its end through the callback. The caller
    // holds engine_busy(); it is released before the completion is delivered, so the callback
    // may start the next operation.
    void start_async(std::unique_ptr<AsyncOp> op, Task<DWORD> task);

    // A notification from the engine. Sync handles: delivered now, on this thread. Async
    // handles: delivered on the request's strand, deferred (payload copied, `bytes` long) when
    // a callback of this request is already running further up the stack, so that callbacks
    // never nest or run concurrently.
    void status(DWORD code, const void* info, DWORD len, size_t bytes);

protected:
    void on_close() override;
    void on_last_release() noexcept override;

private:
    struct Deferred {
        DWORD code;
        const void* info;  // borrowed (ReadData's buffer) when copy is empty
        DWORD len;
        std::vector<std::uint64_t> copy;
    };
    friend Detached run_async(Ref<Object> keep, std::unique_ptr<AsyncOp> op, Task<DWORD> task);
    void complete_async(const AsyncOp& op, DWORD error);

    std::string verb_;
    std::string target_;
    std::string version_;
    std::wstring referrer_;
    std::vector<std::wstring> accept_types_;
    DWORD flags_;
    bool async_;
    std::unique_ptr<RequestEngine> engine_;
    std::atomic<bool> busy_{false};
    mutable std::mutex cert_mutex_;
    net::ClientCertChoice client_cert_;
    proxy::ConfigPtr proxy_override_;  // guarded by cert_mutex_
    // Strand-only state of async delivery.
    bool delivering_ = false;
    std::deque<Deferred> deferred_;
};

inline OperationGuard::OperationGuard(Request& r) : busy_(r.engine_busy()) {
    owned_ = !busy_.exchange(true, std::memory_order_acquire);
}

}  // namespace winhttp
