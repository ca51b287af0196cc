#include "async/request_io.h"

#include <poll.h>

#include <asio/bind_executor.hpp>
#include <asio/defer.hpp>
#include <asio/post.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <mutex>

#include "async/blocking_jobs.h"
#include "async/reactor.h"
#include "core/object.h"
#include "core/ref.h"
#include "net/conn_pool.h"
#include "util/one_shot.h"

namespace winhttp {

namespace {

// Queues `f` on `strand`. From a handler already running on that strand, f could not run before
// this handler returns anyway: it goes to this thread's own queue (asio::defer) and runs here
// next, with no wake-up of another loop thread (futex, or an epoll_ctl on the loop's eventfd)
// and no hand-off of the request to that thread (issue 16: one request in flight stays on one
// thread). From anywhere else, posted as before (another thread may have to take it: the
// caller may be the application's thread, or a callback that blocks).
template <class Strand, class F>
void queue_on(Strand& strand, F&& f) {
    if (strand.running_in_this_thread())
        asio::defer(strand, std::forward<F>(f));
    else
        asio::post(strand, std::forward<F>(f));
}

}  // namespace

// The I/O objects of a request use its strand as their executor (not any_io_executor: smaller,
// and memory held per in-flight request counts, issue 16).
using Strand = asio::strand<asio::io_context::executor_type>;
using Descriptor = asio::posix::basic_stream_descriptor<Strand>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Strand>;

// State of an async request's waits; touched only on the strand.
struct RequestIo::Async {
    explicit Async(RequestIo& owner_io)
        : io(owner_io),
          strand(asio::make_strand(Reactor::get().loop())),
          desc(strand),
          desc2(strand),
          timer(strand) {}

    Ref<Object> keep() { return Ref<Object>(&io.owner_); }

    // Starts a wait: the coroutine `h` resumes with *result once finish() runs for this `gen`.
    unsigned begin(std::coroutine_handle<> h, DWORD* result, const net::Deadline& deadline) {
        waiter = h;
        result_slot = result;
        const unsigned g = ++gen;
        if (!deadline.infinite) {
            timer.expires_at(deadline.at);
            timer.async_wait([k = keep(), this, g](const asio::error_code& ec) {
                if (!ec) finish(g, ERROR_WINHTTP_TIMEOUT);
            });
        }
        return g;
    }

    void finish(unsigned g, DWORD r) {
        if (g != gen || !waiter) return;  // a stale completion of an earlier wait
        ++gen;
        signal_wait = false;
        timer.cancel();
        if (desc.is_open()) desc.cancel();
        if (desc2.is_open()) desc2.cancel();
        if (job) std::exchange(job, nullptr)->revoke();
        *result_slot = r;
        std::exchange(waiter, nullptr).resume();
    }

    // finish() from outside the current call stack (never resume inside await_suspend).
    void finish_later(unsigned g, DWORD r) {
        queue_on(strand, [k = keep(), this, g, r] { finish(g, r); });
    }

    // Gives up the wait `g` begun by begin() without resuming anybody: the caller's
    // await_suspend returns false and the coroutine goes on at once (the socket is ready).
    void abandon(unsigned g) {
        if (g != gen) return;
        ++gen;
        signal_wait = false;
        waiter = nullptr;
        timer.cancel();
        if (desc.is_open()) desc.cancel();
        if (desc2.is_open()) desc2.cancel();
    }

    // Registers `fd` with the loop through `d`. A descriptor is registered once: the other
    // watcher lets it go first (a race's winner is waited on through `desc` afterwards).
    bool watch(Descriptor& d, int fd) {
        if (d.is_open() && d.native_handle() == fd) return true;
        if (d.is_open()) d.release();
        Descriptor& other = &d == &desc ? desc2 : desc;
        if (other.is_open() && other.native_handle() == fd) other.release();
        asio::error_code ec;
        d.assign(fd, ec);
        return !ec;
    }

    RequestIo& io;
    Strand strand;
    Descriptor desc;
    Descriptor desc2;  // the second socket of ready_either()
    Timer timer;
    std::coroutine_handle<> waiter;
    DWORD* result_slot = nullptr;
    unsigned gen = 0;
    std::shared_ptr<OneShot> job;  // pending lookup or pool wait
    // ready_or_signal(): the current wait ends on a signal (strand only); a signal not yet
    // taken by a wait (any thread sets it, the strand takes it).
    bool signal_wait = false;
    std::atomic<bool> signal_pending{false};
};

RequestIo::RequestIo(Object& owner, bool async) : owner_(owner), async_(async) {
    if (async_) a_ = std::make_unique<Async>(*this);

}

RequestIo::~RequestIo() {
    if (a_ && a_->desc.is_open()) a_->desc.release();
    if (a_ && a_->desc2.is_open()) a_->desc2.release();
}

namespace {

// The calling thread's wake-up eventfd for sync waits, made at its first wait and closed when
// the thread ends (no wait of the thread is registered anywhere then).
net::CancelEvent& thread_wake_event() {
    thread_local net::CancelEvent event;
    return event;
}

}  // namespace

// A sync wait's registration: while it lives, cancel() signals this thread's wake-up event.
// cancelled() is checked after registering, so a close either sees the registration or is seen.
class RequestIo::SyncWaitScope {
public:
    explicit SyncWaitScope(RequestIo& io) : io_(io), node_{&thread_wake_event(), nullptr} {
        std::lock_guard lock(io_.offload_mutex_);
        node_.next = io_.sync_waiters_;
        io_.sync_waiters_ = &node_;
    }
    ~SyncWaitScope() {
        std::lock_guard lock(io_.offload_mutex_);
        for (SyncWaiter** p = &io_.sync_waiters_; *p; p = &(*p)->next) {
            if (*p == &node_) {
                *p = node_.next;
                break;
            }
        }
    }
    SyncWaitScope(const SyncWaitScope&) = delete;
    SyncWaitScope& operator=(const SyncWaitScope&) = delete;
    const net::CancelEvent* event() const noexcept { return node_.event; }

private:
    RequestIo& io_;
    SyncWaiter node_;
};

void RequestIo::cancel() noexcept {
    cancelled_.store(true, std::memory_order_seq_cst);
    {
        std::shared_ptr<OffloadJob> job;
        {
            std::lock_guard lock(offload_mutex_);
            job = offloaded_;
            // A sync waiter that registers after this sees cancelled_ (SyncWaitScope).
            for (SyncWaiter* w = sync_waiters_; w; w = w->next) w->event->signal();
        }
        if (job) job->cancel();
    }
    if (!async_) return;
    Async* a = a_.get();
    // A close from the request's own callback (its strand runs here) is deferred, not posted.
    queue_on(a->strand, [k = a->keep(), a] { a->finish(a->gen, ERROR_WINHTTP_OPERATION_CANCELLED); });
}

bool RequestIo::StrandEntry::await_ready() const noexcept {
    return !io.async_ || io.a_->strand.running_in_this_thread();
}

void RequestIo::StrandEntry::await_suspend(std::coroutine_handle<> h) {
    asio::post(io.a_->strand, [k = io.a_->keep(), h] { h.resume(); });
}

void RequestIo::forget_fd(int fd) noexcept {
    if (!a_) return;
    // Deregisters without closing: the Socket owns the descriptor.
    for (auto* d : {&a_->desc, &a_->desc2})
        if (d->is_open() && d->native_handle() == fd) d->release();
}

// --- readiness -------------------------------------------------------------------------------

RequestIo::ReadyWait RequestIo::ready(int fd, short events, net::Deadline deadline) {
    return ReadyWait{*this, fd, events, deadline};
}

bool RequestIo::ReadyWait::await_ready() {
    if (io.cancelled()) {
        result = ERROR_WINHTTP_OPERATION_CANCELLED;
        return true;
    }
    if (io.async_) return false;
    SyncWaitScope scope(io);
    result = io.cancelled() ? ERROR_WINHTTP_OPERATION_CANCELLED
                            : net::wait_ready(fd, events, deadline, scope.event(), &io.cancelled_);
    return true;
}

bool RequestIo::suspend_ready(std::coroutine_handle<> h, DWORD* result, int fd, short events,
                              const net::Deadline& deadline) {
    Async& a = *a_;
    pollfd now{fd, events, 0};
    if (::poll(&now, 1, 0) > 0) {
        *result = ERROR_SUCCESS;
        return false;
    }
    const unsigned g = a.begin(h, result, deadline);
    if (!a.watch(a.desc, fd)) {
        a.finish_later(g, ERROR_WINHTTP_CONNECTION_ERROR);
        return true;
    }
    const auto type = (events & POLLOUT) ? asio::posix::descriptor_base::wait_write
                                         : asio::posix::descriptor_base::wait_read;
    a.desc.async_wait(type, [k = a.keep(), &a, g](const asio::error_code& ec) {
        if (ec == asio::error::operation_aborted) return;
        a.finish(g, ec ? ERROR_WINHTTP_CONNECTION_ERROR : ERROR_SUCCESS);
    });
    // The loop watches sockets edge-triggered and Asio keeps no readiness for wait operations:
    // an edge before the wait was queued (bytes that arrived since the call that said EAGAIN,
    // a short-I/O build's simulated EAGAIN, another thread making an h2 stream's wake-up
    // eventfd ready) would be lost. So look once, now that the wait is queued; a ready socket
    // gives the wait up and the coroutine goes on at once, on this thread (a second completion
    // of the same wait is ignored: finish checks the generation). The caller has just seen
    // EAGAIN, so no look before queuing (issue 16: one poll per wait, not two).
    if (::poll(&now, 1, 0) > 0) {
        a.abandon(g);
        *result = ERROR_SUCCESS;
        return false;
    }
    return true;
}

RequestIo::SignalWait RequestIo::ready_or_signal(int fd, short events, net::Deadline deadline) {
    return SignalWait{*this, fd, events, deadline};
}

void RequestIo::signal() noexcept {
    Async* a = a_.get();
    // One queued handler per signal not yet taken: a second signal adds nothing.
    if (!a || a->signal_pending.exchange(true, std::memory_order_acq_rel)) return;
    queue_on(a->strand, [k = a->keep(), a] {
        // No signal wait in progress: the flag stays, and the next one ends at once.
        if (a->signal_wait && a->signal_pending.exchange(false, std::memory_order_acq_rel))
            a->finish(a->gen, ERROR_SUCCESS);
    });
}

bool RequestIo::suspend_signal(std::coroutine_handle<> h, DWORD* result, int fd, short events,
                               const net::Deadline& deadline) {
    Async& a = *a_;
    if (a.signal_pending.exchange(false, std::memory_order_acq_rel)) {
        *result = ERROR_SUCCESS;
        return false;
    }
    const unsigned g = a.begin(h, result, deadline);
    a.signal_wait = true;
    if (fd < 0) return true;
    if (!a.watch(a.desc, fd)) {
        a.finish_later(g, ERROR_WINHTTP_CONNECTION_ERROR);
        return true;
    }
    auto on_ready = [k = a.keep(), &a, g](const asio::error_code& ec) {
        if (ec == asio::error::operation_aborted) return;
        a.finish(g, ec ? ERROR_WINHTTP_CONNECTION_ERROR : ERROR_SUCCESS);
    };
    if (events & POLLIN) a.desc.async_wait(asio::posix::descriptor_base::wait_read, on_ready);
    if (events & POLLOUT) a.desc.async_wait(asio::posix::descriptor_base::wait_write, on_ready);
    // Look once the waits are queued (see suspend_ready).
    pollfd now{fd, events, 0};
    if (::poll(&now, 1, 0) > 0) {
        a.abandon(g);
        *result = ERROR_SUCCESS;
        return false;
    }
    return true;
}

RequestIo::EitherWait RequestIo::ready_either(int fd0, int fd1, short events,
                                              net::Deadline deadline, int& which) {
    return EitherWait{*this, {fd0, fd1}, {events, events}, deadline, &which};
}

RequestIo::EitherWait RequestIo::ready_either(int fd0, short events0, int fd1, short events1,
                                              net::Deadline deadline, int& which) {
    return EitherWait{*this, {fd0, fd1}, {events0, events1}, deadline, &which};
}

bool RequestIo::EitherWait::await_ready() {
    if (io.cancelled()) {
        result = ERROR_WINHTTP_OPERATION_CANCELLED;
        return true;
    }
    if (io.async_) return false;
    SyncWaitScope scope(io);
    result = io.cancelled() ? ERROR_WINHTTP_OPERATION_CANCELLED
                            : net::wait_either(fds, events, deadline, scope.event(), &io.cancelled_,
                                               *which);
    return true;
}

bool RequestIo::suspend_either(std::coroutine_handle<> h, DWORD* result, const int (&fds)[2],
                               const short (&events)[2], const net::Deadline& deadline,
                               int* which) {
    Async& a = *a_;
    const unsigned g = a.begin(h, result, deadline);
    if (!a.watch(a.desc, fds[0]) || !a.watch(a.desc2, fds[1])) {
        a.finish_later(g, ERROR_WINHTTP_CONNECTION_ERROR);
        return true;
    }
    auto on_ready = [k = a.keep(), &a, g, which](int index) {
        return [k, &a, g, which, index](const asio::error_code& ec) {
            if (ec == asio::error::operation_aborted || g != a.gen || !a.waiter) return;
            *which = index;
            a.finish(g, ec ? ERROR_WINHTTP_CONNECTION_ERROR : ERROR_SUCCESS);
        };
    };
    // A descriptor may be watched for reading and writing at once (one wait of each type).
    Descriptor* descs[2] = {&a.desc, &a.desc2};
    for (int i = 0; i < 2; ++i) {
        if (events[i] & POLLIN) descs[i]->async_wait(asio::posix::descriptor_base::wait_read, on_ready(i));
        if (events[i] & POLLOUT) descs[i]->async_wait(asio::posix::descriptor_base::wait_write, on_ready(i));
    }
    // Look once the waits are queued (see suspend_ready).
    pollfd now[2] = {{fds[0], events[0], 0}, {fds[1], events[1], 0}};
    if (::poll(now, 2, 0) > 0) {
        a.abandon(g);
        *which = now[0].revents ? 0 : 1;
        *result = ERROR_SUCCESS;
        return false;
    }
    return true;
}

// --- name lookup -----------------------------------------------------------------------------

RequestIo::ResolveWait RequestIo::resolve(std::string host, unsigned short port,
                                          std::vector<net::Address>& out,
                                          net::Deadline deadline) {
    return ResolveWait{*this, std::move(host), port, &out, deadline};
}

bool RequestIo::ResolveWait::await_ready() {
    if (io.cancelled()) {
        result = ERROR_WINHTTP_OPERATION_CANCELLED;
        return true;
    }
    // Literals need no lookup; sync handles look up on the caller's thread, or on the lookup
    // pool when a resolve timeout bounds the wait.
    if (net::resolve_numeric(host, port, *out)) return true;
    if (io.async_) return false;
    result = deadline.infinite ? net::resolve(host, port, *out)
                               : io.resolve_bounded(host, port, *out, deadline);
    return true;
}

// getaddrinfo cannot be interrupted: run it on the lookup pool and wait for its end, the
// deadline or a close, whichever comes first. A lookup that loses the race finishes alone.
DWORD RequestIo::resolve_bounded(const std::string& host, unsigned short port,
                                 std::vector<net::Address>& out, const net::Deadline& deadline) {
    struct Lookup {
        net::CancelEvent done;  // signalled when the lookup ends
        std::mutex m;           // the eventfd wakes us; the mutex orders the data
        DWORD result = ERROR_WINHTTP_NAME_NOT_RESOLVED;
        std::vector<net::Address> found;
    };
    auto lookup = std::make_shared<Lookup>();
    asio::post(Reactor::get().lookups(), [lookup, host, port] {
        std::vector<net::Address> found;
        const DWORD r = net::resolve(host, port, found);
        {
            std::lock_guard lock(lookup->m);
            lookup->result = r;
            lookup->found = std::move(found);
        }
        lookup->done.signal();
    });
    SyncWaitScope scope(*this);
    if (cancelled()) return ERROR_WINHTTP_OPERATION_CANCELLED;
    const DWORD e = net::wait_ready(lookup->done.fd(), POLLIN, deadline, scope.event(), &cancelled_);
    if (e) return e;
    std::lock_guard lock(lookup->m);
    out = std::move(lookup->found);
    return lookup->result;
}

void RequestIo::suspend_resolve(std::coroutine_handle<> h, DWORD* result, const std::string& host,
                                unsigned short port, std::vector<net::Address>* out,
                                const net::Deadline& deadline) {
    Async& a = *a_;
    const unsigned g = a.begin(h, result, deadline);
    auto job = std::make_shared<OneShot>();
    auto found = std::make_shared<std::pair<DWORD, std::vector<net::Address>>>();
    job->arm([k = a.keep(), &a, g, out, found] {
        asio::post(a.strand, [k, &a, g, out, found] {
            if (g != a.gen) return;
            *out = std::move(found->second);
            a.finish(g, found->first);
        });
    });
    a.job = job;
    asio::post(Reactor::get().lookups(), [job, found, host, port] {
        found->first = net::resolve(host, port, found->second);
        job->fire();
    });
}

// --- connection slots ------------------------------------------------------------------------

RequestIo::RoomWait RequestIo::room(ConnectionPool& pool, std::string key, DWORD limit,
                                    net::Deadline deadline, bool h2) {
    return RoomWait{*this, pool, std::move(key), limit, deadline, h2};
}

bool RequestIo::RoomWait::await_ready() {
    if (io.cancelled()) {
        result = ERROR_WINHTTP_OPERATION_CANCELLED;
        return true;
    }
    if (io.async_) return false;
    result = pool.reserve(key, limit, deadline, h2);
    return true;
}

void RequestIo::suspend_room(std::coroutine_handle<> h, DWORD* result, ConnectionPool& pool,
                             const std::string& key, DWORD limit, const net::Deadline& deadline,
                             bool h2) {
    Async& a = *a_;
    const unsigned g = a.begin(h, result, deadline);
    auto ticket = std::make_shared<OneShot>();
    ticket->arm([k = a.keep(), &a, g, &pool, key] {
        asio::post(a.strand, [k, &a, g, &pool, key] {
            if (g != a.gen) {
                pool.wake_one(key);  // we gave up meanwhile: pass the wake-up on
                return;
            }
            a.finish(g, kPoolChanged);
        });
    });
    a.job = ticket;
    const DWORD now = pool.try_reserve_or_wait(key, limit, ticket, h2);
    if (now != ERROR_IO_PENDING) {
        ticket->revoke();
        a.finish_later(g, now);
    }
}

}  // namespace winhttp

// --- blocking work ---------------------------------------------------------------------------

namespace winhttp {

namespace {

// An offloaded job on the blocking-job pool; its end is posted to the request's strand through
// a OneShot, so the pool holds the job and never the request.
class OffloadRunner final : public BlockingJob {
public:
    OffloadRunner(std::shared_ptr<OffloadJob> job, std::shared_ptr<OneShot> done,
                  std::shared_ptr<DWORD> result)
        : job_(std::move(job)), done_(std::move(done)), result_(std::move(result)) {}
    void run() noexcept override {
        *result_ = job_->run();
        done_->fire();
    }
    void cancel() noexcept override { job_->cancel(); }

private:
    std::shared_ptr<OffloadJob> job_;
    std::shared_ptr<OneShot> done_;
    std::shared_ptr<DWORD> result_;
};

}  // namespace

RequestIo::OffloadWait RequestIo::offload(std::shared_ptr<OffloadJob> job) {
    return OffloadWait{*this, std::move(job)};
}

void RequestIo::set_offloaded(std::shared_ptr<OffloadJob> job) {
    std::shared_ptr<OffloadJob> old;  // released outside the lock
    std::lock_guard lock(offload_mutex_);
    old = std::exchange(offloaded_, std::move(job));
}

bool RequestIo::OffloadWait::await_ready() {
    if (io.cancelled()) {
        result = ERROR_WINHTTP_OPERATION_CANCELLED;
        return true;
    }
    if (io.async_) return false;
    io.set_offloaded(job);
    if (io.cancelled()) job->cancel();  // a close that came before the job was registered
    result = job->run();
    if (io.cancelled()) result = ERROR_WINHTTP_OPERATION_CANCELLED;
    return true;
}

DWORD RequestIo::OffloadWait::await_resume() noexcept {
    io.set_offloaded(nullptr);
    return result;
}

void RequestIo::suspend_offload(std::coroutine_handle<> h, DWORD* result,
                                const std::shared_ptr<OffloadJob>& job) {
    Async& a = *a_;
    const unsigned g = a.begin(h, result, net::Deadline{});  // the job bounds itself
    auto done = std::make_shared<OneShot>();
    auto value = std::make_shared<DWORD>(ERROR_SUCCESS);
    done->arm([k = a.keep(), &a, g, value] {
        asio::post(a.strand, [k, &a, g, value] {
            if (g != a.gen) return;
            a.finish(g, *value);
        });
    });
    a.job = done;
    set_offloaded(job);
    if (cancelled()) job->cancel();
    if (!BlockingJobs::start(std::make_shared<OffloadRunner>(job, done, value))) {
        done->revoke();
        a.finish_later(g, ERROR_NOT_ENOUGH_MEMORY);
    }
}

}  // namespace winhttp
