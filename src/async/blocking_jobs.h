// Blocking work that must stay off the event loop and off its name-lookup pool: PAC
// evaluations (a script download over a private synchronous session, then a call into the
// PAC worker process), for the resolver handle (WinHttpGetProxyForUrlEx) and for requests of
// AUTOMATIC_PROXY sessions. Every job is bounded by its own timeouts and cancellable.
//
// Why not the lookup pool: its two threads serve the name lookups of every async request and
// of the synchronous PAC download itself (a resolve timeout sends a lookup there); PAC jobs
// parked on it could starve or deadlock it.
//
// Threads are made on demand, at most kMaxThreads at once (further jobs queue), and exit when
// the queue is empty. None is detached: a finished thread is joined by the next start(), and at
// process exit (or when the library is unloaded) every job still queued or running is
// cancelled and the threads are joined (bounded), so that no thread runs library code after
// the library is gone.
#pragma once
#include <winhttp.h>

#include <memory>

namespace winhttp {

class BlockingJob {
public:
    virtual ~BlockingJob() = default;
    // Runs on a thread of the pool; blocks for as long as the job's own limits allow.
    virtual void run() noexcept = 0;
    // Any thread, any time (before, during or after run()): makes run() end promptly. Idempotent.
    virtual void cancel() noexcept = 0;
};

class BlockingJobs {
public:
    static constexpr unsigned kMaxThreads = 32;
    // Queues `job`; false when no thread could be made and none is running (the caller fails
    // the operation with ERROR_NOT_ENOUGH_MEMORY), or when the process is exiting.
    static bool start(std::shared_ptr<BlockingJob> job);
    // Jobs queued or running (tests).
    static unsigned pending();
};

}  // namespace winhttp
