#include "async/reactor.h"

#include <algorithm>
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

}  // namespace

Reactor::Reactor()
    : work_(asio::make_work_guard(loop_)), lookups_(2), threads_(worker_count()) {
    for (unsigned i = 0; i < threads_; ++i) std::thread([this] { loop_.run(); }).detach();
}

Reactor& Reactor::get() {
    // Deliberately leaked (see the header): destroying a running loop at exit would race with
    // callbacks still on its threads.
    static Reactor* reactor = new Reactor();
    return *reactor;
}

}  // namespace winhttp
