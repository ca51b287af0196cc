// The proxy resolver handle (WinHttpCreateProxyResolver): a child of an asynchronous session
// that runs one WinHttpGetProxyForUrlEx(2) at a time and keeps its answer for
// WinHttpGetProxyResult(Ex).
//
//   Idle ──start()──► Running ──► Done (entries kept)  ──start()──► Running ...
//                        │    └─► Failed
//                        └─ close: the operation is cancelled; REQUEST_ERROR
//                           (OPERATION_CANCELLED) is its last notification, HANDLE_CLOSING follows
//
// The operation runs on a thread of the blocking-job pool (it may block on a download or on the worker
// process for as long as their timeouts allow); its completion — GETPROXYFORURL_COMPLETE or
// REQUEST_ERROR with API_GET_PROXY_FOR_URL — goes to the resolver's callback with the
// context given to WinHttpGetProxyForUrlEx.
#pragma once
#include <memory>
#include <mutex>
#include <vector>

#include "core/object.h"
#include "core/session.h"
#include "proxy/cancel_token.h"
#include "proxy/pac.h"

namespace winhttp {

class ProxyResolver final : public Object {
public:
    explicit ProxyResolver(Session& session) : Object(HandleType::ProxyResolver, &session) {}

    Session& session() const { return static_cast<Session&>(*parent()); }

    // Starts an evaluation. ERROR_IO_PENDING, or ERROR_WINHTTP_INCORRECT_HANDLE_STATE while one
    // is running, or ERROR_NOT_ENOUGH_MEMORY when no thread could be started.
    DWORD start(proxy::PacQuery query, DWORD_PTR context);

    // The entries of the last successful evaluation: ERROR_SUCCESS, or
    // ERROR_WINHTTP_INCORRECT_HANDLE_STATE when there is none (never run, running, failed).
    DWORD result(std::vector<proxy::PacEntry>& out) const;

protected:
    void on_close() override;

public:
    // The evaluation itself, on a thread of the blocking-job pool (async/blocking_jobs.h).
    void run(const proxy::PacQuery& query, DWORD_PTR context,
             const std::shared_ptr<proxy::CancelToken>& cancel);

private:
    enum class State { Idle, Running, Done, Failed };

    mutable std::mutex mutex_;
    State state_ = State::Idle;
    std::vector<proxy::PacEntry> entries_;
    std::shared_ptr<proxy::CancelToken> cancel_;
};

}  // namespace winhttp
