// The library's event loop for asynchronous handles (DESIGN.md "Threads"): one asio::io_context
// run by a small fixed number of worker threads, plus a separate pool for blocking name lookups
// so that a slow DNS server never stalls the loop.
//
// Started on first use and never destroyed. At process exit (atexit) the loop is stopped and the
// workers are given a moment to leave their handlers, so that no handle object is still being
// released on a worker thread while the C runtime and OpenSSL tear down their state.
#pragma once
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>

#include <condition_variable>
#include <mutex>

namespace winhttp {

// CPUs in this thread's affinity mask (the machine's count if it cannot be read).
unsigned usable_cpus();

class Reactor {
public:
    static Reactor& get();
    asio::io_context& loop() { return loop_; }
    asio::thread_pool& lookups() { return lookups_; }
    unsigned threads() const { return threads_; }

private:
    Reactor();
    void run_worker();
    void quiesce();  // at exit

    asio::io_context loop_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    asio::thread_pool lookups_;
    unsigned threads_;
    std::mutex mutex_;
    std::condition_variable idle_;
    unsigned running_ = 0;  // workers inside loop_.run()
};

}  // namespace winhttp
