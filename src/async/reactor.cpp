#include "async/reactor.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/options.h"

namespace winhttp {

namespace {

// WINHTTP_OPTION_WORKER_THREAD_COUNT when set before the first async session, else the CPU
// count, kept small: threads only run callbacks and non-blocking I/O.
unsigned worker_count() {
    const DWORD asked = global_options().worker_threads;
    if (asked) return std::min<unsigned>(asked, 64);
    return std::clamp(std::thread::hardware_concurrency(), 2u, 8u);
}

thread_local bool on_worker = false;

}  // namespace

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
