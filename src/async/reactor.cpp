#include "async/reactor.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <sched.h>

#include "core/options.h"

namespace winhttp {

namespace {

// WINHTTP_OPTION_WORKER_THREAD_COUNT when set before the first async session, else the CPUs
// this process may run on, kept small: threads only run callbacks and non-blocking I/O. At
// least two, so that one callback blocked in the application does not stall every handle.
unsigned worker_count() {
    const DWORD asked = global_options().worker_threads;
    if (asked) return std::min<unsigned>(asked, 64);
    return std::clamp(usable_cpus(), 2u, 8u);
}

thread_local bool on_worker = false;

}  // namespace

// The affinity mask, not the machine: under `taskset` or a container's cpuset, threads beyond
// the CPUs we may use only add hand-offs (issue 16).
unsigned usable_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return static_cast<unsigned>(n);
    }
    return std::max(std::thread::hardware_concurrency(), 1u);
}

Reactor::Reactor()
    : work_(asio::make_work_guard(loop_)), lookups_(2), threads_(worker_count()) {
    running_ = threads_;
    for (unsigned i = 0; i < threads_; ++i) std::thread([this] { run_worker(); }).detach();
}

void Reactor::run_worker() {
    on_worker = true;
    loop_.run();
    std::lock_guard lock(mutex_);
    --running_;
    idle_.notify_all();
}

// Stops the loop and waits (boundedly: a callback may be blocked by the application) until the
// workers have left their current handler. Runs before the atexit handlers registered earlier,
// OpenSSL's among them when the application initialised it first.
void Reactor::quiesce() {
    loop_.stop();
    const unsigned self = on_worker ? 1 : 0;  // exit() called from a callback
    std::unique_lock lock(mutex_);
    idle_.wait_for(lock, std::chrono::seconds(2), [&] { return running_ <= self; });
}

Reactor& Reactor::get() {
    // Never deleted: a loop destroyed during exit would race with callbacks still running.
    static Reactor* reactor = [] {
        auto* r = new Reactor();
        std::atexit([] { Reactor::get().quiesce(); });
        return r;
    }();
    return *reactor;
}

}  // namespace winhttp
