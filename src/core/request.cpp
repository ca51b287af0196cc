#include "core/request.h"

#include <cstring>

#include "core/engine.h"
#include "util/trace.h"

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
      async_(connect.session().async()),
      engine_(std::make_unique<RequestEngine>(*this, async_)) {
    // A connect handle has no timeouts of its own: the request takes the session's current
    // ones (Wine winhttp.c test_timeouts, verified on Windows).
    settings().timeouts = connect.session().settings().timeouts;
    // Likewise the WebSocket buffer sizes: a connect handle has none (Wine winhttp.c
    // test_websocket, verified on Windows: a new request takes the session's value).
    settings().ws_receive_buffer = connect.session().settings().ws_receive_buffer;
    settings().ws_send_buffer = connect.session().settings().ws_send_buffer;
}

Request::~Request() = default;

void Request::on_close() { engine_->cancel(); }

void Request::on_last_release() noexcept { engine_->keep_finished_connection(); }

// After WinHttpCloseHandle the app hears only how its pending operation ended, then
// HANDLE_CLOSING: informational notifications of the unwinding (connection closing) are dropped.
static bool completion(DWORD code) {
    return (code & WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS) != 0;
}

void Request::status(DWORD code, const void* info, DWORD len, size_t bytes) {
    if (closing() && !completion(code)) return;
    if (!async_) {
        notify(code, const_cast<void*>(info), len);
        return;
    }
    if (delivering_) {  // a callback of ours runs further up this stack: after it returns
        Deferred d{code, info, len, {}};
        if (bytes) {
            d.copy.resize((bytes + 7) / 8);
            std::memcpy(d.copy.data(), info, bytes);
        }
        deferred_.push_back(std::move(d));
        return;
    }
    delivering_ = true;
    notify(code, const_cast<void*>(info), len);
    // Whatever the callback started and completed meanwhile, in order, on this thread.
    while (!deferred_.empty()) {
        Deferred d = std::move(deferred_.front());
        deferred_.pop_front();
        notify(d.code, d.copy.empty() ? const_cast<void*>(d.info) : d.copy.data(), d.len);
    }
    delivering_ = false;
}

Detached run_async(Ref<Object> keep, std::unique_ptr<AsyncOp> op, Task<DWORD> task);

// The driver of one async operation; its frame owns the operation's task and result slot.
Detached run_async(Ref<Object> keep, std::unique_ptr<AsyncOp> op, Task<DWORD> task) {
    Request& r = as<Request>(*keep);
    co_await r.engine().io().enter_strand();
    const DWORD error = co_await task;
    r.complete_async(*op, error);
}

void Request::start_async(std::unique_ptr<AsyncOp> op, Task<DWORD> task) {
    run_async(Ref<Object>(this), std::move(op), std::move(task));
}

// WINHTTP_STATUS_CALLBACK page: what each completion carries.
void Request::complete_async(const AsyncOp& op, DWORD error) {
    busy_.store(false, std::memory_order_release);
    if (trace::on()) trace::async_result(handle(), op.api, op.count, error);
    if (error) {
        WINHTTP_ASYNC_RESULT result{op.api, error};
        status(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR, &result, sizeof(result), sizeof(result));
        return;
    }
    DWORD count = op.count;
    switch (op.api) {
        case API_SEND_REQUEST:
            status(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE, nullptr, 0, 0);
            break;
        case API_RECEIVE_RESPONSE:
            status(WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE, nullptr, 0, 0);
            break;
        case API_QUERY_DATA_AVAILABLE:
            status(WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE, &count, sizeof(count), sizeof(count));
            break;
        case API_READ_DATA:
            status(WINHTTP_CALLBACK_STATUS_READ_COMPLETE, op.buffer, count, 0);
            break;
        case API_WRITE_DATA:
            status(WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE, &count, sizeof(count), sizeof(count));
            break;
        default: break;
    }
}

}  // namespace winhttp
