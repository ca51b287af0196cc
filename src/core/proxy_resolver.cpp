#include "core/proxy_resolver.h"

#include <system_error>
#include <thread>

namespace winhttp {

DWORD ProxyResolver::start(proxy::PacQuery query, DWORD_PTR context) {
    auto cancel = std::make_shared<proxy::CancelToken>();
    {
        std::lock_guard lock(mutex_);
        if (state_ == State::Running) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
        state_ = State::Running;
        entries_.clear();
        cancel_ = cancel;
    }
    set_context(context);  // the completion and, after a close, HANDLE_CLOSING carry it
    Ref<Object> keep(this);  // the operation keeps the handle alive until it has reported
    try {
        std::thread([self = std::move(keep), q = std::move(query), context, cancel]() mutable {
            as<ProxyResolver>(*self).run(q, context, cancel);
        }).detach();
    } catch (const std::system_error&) {
        std::lock_guard lock(mutex_);
        state_ = State::Idle;
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    return ERROR_IO_PENDING;
}

void ProxyResolver::run(const proxy::PacQuery& query, DWORD_PTR,
                        const std::shared_ptr<proxy::CancelToken>& cancel) {
    if (closing()) cancel->cancel();
    std::vector<proxy::PacEntry> entries;
    DWORD err = proxy::find_proxy(session(), query, *cancel, entries);
    {
        std::lock_guard lock(mutex_);
        state_ = err ? State::Failed : State::Done;
        if (!err) entries_ = std::move(entries);
        cancel_.reset();
    }
    if (err) {
        WINHTTP_ASYNC_RESULT r{API_GET_PROXY_FOR_URL, err};
        notify(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR, &r, sizeof(r));
    } else {
        notify(WINHTTP_CALLBACK_STATUS_GETPROXYFORURL_COMPLETE, nullptr, 0);
    }
}

DWORD ProxyResolver::result(std::vector<proxy::PacEntry>& out) const {
    std::lock_guard lock(mutex_);
    if (state_ != State::Done) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    out = entries_;
    return ERROR_SUCCESS;
}

void ProxyResolver::on_close() {
    std::shared_ptr<proxy::CancelToken> cancel;
    {
        std::lock_guard lock(mutex_);
        cancel = cancel_;
    }
    if (cancel) cancel->cancel();
}

}  // namespace winhttp
