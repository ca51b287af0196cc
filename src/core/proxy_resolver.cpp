#include "core/proxy_resolver.h"

#include "async/blocking_jobs.h"

namespace winhttp {

namespace {

// One evaluation on a thread of the blocking-job pool (never detached: the pool joins its
// threads at exit). Holds the resolver until it has reported.
class ResolverJob final : public BlockingJob {
public:
    ResolverJob(Ref<Object> resolver, proxy::PacQuery query, DWORD_PTR context,
                std::shared_ptr<proxy::CancelToken> cancel)
        : resolver_(std::move(resolver)), query_(std::move(query)), context_(context),
          cancel_(std::move(cancel)) {}
    void run() noexcept override {
        as<ProxyResolver>(*resolver_).run(query_, context_, cancel_);
        resolver_ = Ref<Object>();  // on this thread, before the pool forgets the job
    }
    void cancel() noexcept override { cancel_->cancel(); }

private:
    Ref<Object> resolver_;
    const proxy::PacQuery query_;
    const DWORD_PTR context_;
    const std::shared_ptr<proxy::CancelToken> cancel_;
};

}  // namespace

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
    // The operation keeps the handle alive until it has reported.
    auto job = std::make_shared<ResolverJob>(Ref<Object>(this), std::move(query), context, cancel);
    if (!BlockingJobs::start(std::move(job))) {
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
