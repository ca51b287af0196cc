// The library's event loop for asynchronous handles (DESIGN.md "Threads"): one asio::io_context
// run by a small fixed number of worker threads, plus a separate pool for blocking name lookups
// so that a slow DNS server never stalls the loop.
//
// Started on first use and never torn down: worker threads live as long as the process, as
// Windows' do, so a callback running during exit never meets a destroyed loop.
#pragma once
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>

namespace winhttp {

class Reactor {
public:
    static Reactor& get();
    asio::io_context& loop() { return loop_; }
    asio::thread_pool& lookups() { return lookups_; }
    unsigned threads() const { return threads_; }

private:
    Reactor();
    asio::io_context loop_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    asio::thread_pool lookups_;
    unsigned threads_;
};

}  // namespace winhttp
