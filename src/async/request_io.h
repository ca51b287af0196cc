// How a request waits. The engine co_awaits these; it never knows which mode it runs in.
//
//   synchronous handle: await_ready() does the wait on the caller's thread (poll with the
//     handle's timeout and a cancel eventfd) and the coroutine never suspends.
//   asynchronous handle: the coroutine suspends; the event loop resumes it on the request's
//     strand when the socket is ready, the deadline passes, the lookup ends, or the request is
//     cancelled. Everything of one request (engine code, callbacks) runs on that strand.
#pragma once
#include <winhttp.h>

#include <atomic>
#include <coroutine>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/conn_pool.h"
#include "net/socket.h"

namespace winhttp {

class Object;

// Blocking work a request must wait for without blocking the event loop: a PAC evaluation.
class OffloadJob {
public:
    virtual ~OffloadJob() = default;
    // Blocks, bounded by the job's own limits. Holds no reference to the request.
    virtual DWORD run() noexcept = 0;
    // Any thread, any time: makes run() end promptly. Idempotent.
    virtual void cancel() noexcept = 0;
};

class RequestIo {
public:
    RequestIo(Object& owner, bool async);
    ~RequestIo();
    RequestIo(const RequestIo&) = delete;
    RequestIo& operator=(const RequestIo&) = delete;

    bool async() const noexcept { return async_; }
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_seq_cst); }
    // Any thread: ends the current wait (and every later one) with OPERATION_CANCELLED.
    void cancel() noexcept;
    // Moves the awaiting coroutine onto the request's strand (no-op when already there or
    // for a sync handle).
    struct StrandEntry {
        RequestIo& io;
        bool await_ready() const noexcept;
        void await_suspend(std::coroutine_handle<> h);
        void await_resume() const noexcept {}
    };
    StrandEntry enter_strand() { return StrandEntry{*this}; }
    // Async only: the socket `fd` is leaving the request (closed or pooled); stop watching it.
    void forget_fd(int fd) noexcept;

    // Socket readiness (POLLIN/POLLOUT). Result: ERROR_SUCCESS, ERROR_WINHTTP_TIMEOUT,
    // ERROR_WINHTTP_OPERATION_CANCELLED.
    struct ReadyWait;
    ReadyWait ready(int fd, short events, net::Deadline deadline);
    // Readiness of either of two sockets (the two attempts of a connection race). Result as
    // ready(); on ERROR_SUCCESS `which` says which socket is ready (0: fd0, 1: fd1).
    struct EitherWait;
    EitherWait ready_either(int fd0, int fd1, short events, net::Deadline deadline, int& which);
    // The same with events of each descriptor (an h2 reader: its socket for POLLIN, and for
    // POLLOUT too while output is queued, and its wake-up eventfd for POLLIN).
    EitherWait ready_either(int fd0, short events0, int fd1, short events1,
                            net::Deadline deadline, int& which);
    // Async handles only: readiness of `fd` for `events` (none when fd is -1), or a signal().
    // A signal given while no such wait is in progress ends the next one at once (a spurious
    // wake-up is possible: the caller looks again). Result as ready(). No descriptor, no
    // system call: an h2 stream's waiter is woken this way instead of through an eventfd
    // registered with the loop for the wait (issue 16).
    struct SignalWait;
    SignalWait ready_or_signal(int fd, short events, net::Deadline deadline);
    // Any thread, async handles only: ends the current (or next) ready_or_signal wait. The
    // caller must know the owner is alive (it takes a reference until the strand runs it).
    void signal() noexcept;
    // Name lookup. Result: ERROR_SUCCESS, ERROR_WINHTTP_NAME_NOT_RESOLVED, _TIMEOUT, _CANCELLED.
    struct ResolveWait;
    ResolveWait resolve(std::string host, unsigned short port, std::vector<net::Address>& out,
                        net::Deadline deadline);
    // A connection slot of `key` under `limit`. Result: ERROR_SUCCESS when a slot is reserved,
    // kPoolChanged when a connection went idle or closed (look for an idle one, then wait
    // again), ERROR_WINHTTP_TIMEOUT, ERROR_WINHTTP_OPERATION_CANCELLED. `h2`: the connection
    // will offer HTTP/2 (ConnectionPool::reserve: one opener per key at a time).
    static constexpr DWORD kPoolChanged = ConnectionPool::kLookAgain;
    struct RoomWait;
    RoomWait room(ConnectionPool& pool, std::string key, DWORD limit, net::Deadline deadline,
                  bool h2 = false);
    // Blocking work: run on the caller's thread for a sync handle (a close from another thread
    // cancels the job), on the blocking-job pool (async/blocking_jobs.h) for an async one, never
    // on the event loop or its lookup pool. Result: the job's, or ERROR_WINHTTP_OPERATION_CANCELLED
    // (a close resumes the request at once; the job, cancelled too, ends on its own).
    struct OffloadWait;
    OffloadWait offload(std::shared_ptr<OffloadJob> job);

private:
    struct Async;
    friend struct Async;
    DWORD resolve_bounded(const std::string& host, unsigned short port,
                          std::vector<net::Address>& out, const net::Deadline& deadline);
    // false: the socket is ready already, the coroutine goes on without suspending.
    bool suspend_ready(std::coroutine_handle<> h, DWORD* result, int fd, short events,
                       const net::Deadline& deadline);
    bool suspend_signal(std::coroutine_handle<> h, DWORD* result, int fd, short events,
                        const net::Deadline& deadline);
    bool suspend_either(std::coroutine_handle<> h, DWORD* result, const int (&fds)[2],
                        const short (&events)[2], const net::Deadline& deadline, int* which);
    void suspend_resolve(std::coroutine_handle<> h, DWORD* result, const std::string& host,
                         unsigned short port, std::vector<net::Address>* out,
                         const net::Deadline& deadline);
    void suspend_room(std::coroutine_handle<> h, DWORD* result, ConnectionPool& pool,
                      const std::string& key, DWORD limit, const net::Deadline& deadline,
                      bool h2);
    void suspend_offload(std::coroutine_handle<> h, DWORD* result,
                         const std::shared_ptr<OffloadJob>& job);
    // The job in progress, cancelled by cancel(); null when none.
    void set_offloaded(std::shared_ptr<OffloadJob> job);

    Object& owner_;
    const bool async_;
    std::atomic<bool> cancelled_{false};
    // Sync handles: a blocked wait polls its socket together with its thread's wake-up eventfd
    // (one per thread, made at the thread's first wait: no system calls per request), which
    // it registers here for the length of the wait; cancel() signals every registered one.
    // A signal that reaches a thread after its wait ended (cancel() raced the wait's end) is
    // drained by that thread's next wait, which goes on waiting unless its own request is
    // cancelled (net::wait_ready's `cancelled`).
    struct SyncWaiter {
        net::CancelEvent* event;
        SyncWaiter* next;
    };
    class SyncWaitScope;
    std::unique_ptr<Async> a_;                  // async handles
    std::mutex offload_mutex_;                  // guards offloaded_ and sync_waiters_
    std::shared_ptr<OffloadJob> offloaded_;     // under offload_mutex_
    SyncWaiter* sync_waiters_ = nullptr;        // under offload_mutex_
};

struct RequestIo::ReadyWait {
    RequestIo& io;
    int fd;
    short events;
    net::Deadline deadline;
    DWORD result = ERROR_SUCCESS;
    bool await_ready();
    bool await_suspend(std::coroutine_handle<> h) {
        return io.suspend_ready(h, &result, fd, events, deadline);
    }
    DWORD await_resume() const noexcept { return result; }
};

struct RequestIo::EitherWait {
    RequestIo& io;
    int fds[2];
    short events[2];
    net::Deadline deadline;
    int* which;
    DWORD result = ERROR_SUCCESS;
    bool await_ready();
    bool await_suspend(std::coroutine_handle<> h) {
        return io.suspend_either(h, &result, fds, events, deadline, which);
    }
    DWORD await_resume() const noexcept { return result; }
};

struct RequestIo::SignalWait {
    RequestIo& io;
    int fd;
    short events;
    net::Deadline deadline;
    DWORD result = ERROR_SUCCESS;
    bool await_ready() noexcept {
        if (!io.cancelled()) return false;
        result = ERROR_WINHTTP_OPERATION_CANCELLED;
        return true;
    }
    bool await_suspend(std::coroutine_handle<> h) {
        return io.suspend_signal(h, &result, fd, events, deadline);
    }
    DWORD await_resume() const noexcept { return result; }
};

struct RequestIo::ResolveWait {
    RequestIo& io;
    std::string host;
    unsigned short port;
    std::vector<net::Address>* out;
    net::Deadline deadline;
    DWORD result = ERROR_SUCCESS;
    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) {
        io.suspend_resolve(h, &result, host, port, out, deadline);
    }
    DWORD await_resume() const noexcept { return result; }
};

struct RequestIo::RoomWait {
    RequestIo& io;
    ConnectionPool& pool;
    std::string key;
    DWORD limit;
    net::Deadline deadline;
    bool h2 = false;
    DWORD result = ERROR_SUCCESS;
    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) {
        io.suspend_room(h, &result, pool, key, limit, deadline, h2);
    }
    DWORD await_resume() const noexcept { return result; }
};

struct RequestIo::OffloadWait {
    RequestIo& io;
    std::shared_ptr<OffloadJob> job;
    DWORD result = ERROR_SUCCESS;
    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) { io.suspend_offload(h, &result, job); }
    DWORD await_resume() noexcept;
};

}  // namespace winhttp
