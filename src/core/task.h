// Coroutine types for the request state machine.
//
// The engine is written once, as straight-line coroutines. What a wait does is decided by the
// awaiter (core/request_io.h): on a synchronous handle it polls on the caller's thread and never
// suspends, so a whole operation runs inside one resume() call; on an asynchronous handle it
// suspends and the event loop resumes it on a worker thread.
//
// Task<T> is lazy. Awaiting a child that completes without suspending continues the parent
// inline (no symmetric transfer), so loops over children never grow the stack; only a child
// that really suspended resumes its parent from its final suspend point.
#pragma once
#include <atomic>
#include <coroutine>
#include <exception>
#include <utility>

#include "core/frame_cache.h"

namespace winhttp {

template <class T>
class Task {
public:
    struct promise_type {
        T value{};
        std::coroutine_handle<> parent;
        // 0: running, 1: the parent suspended waiting for us, 2: finished.
        std::atomic<int> state{0};

        // Frames come from the calling thread's frame cache (core/frame_cache.h).
        static void* operator new(size_t n) { return frame_alloc(n); }
        static void operator delete(void* p, size_t n) noexcept { frame_free(p, n); }

        Task get_return_object() noexcept {
            return Task(std::coroutine_handle<promise_type>::from_promise(*this));
        }
        std::suspend_always initial_suspend() noexcept { return {}; }

        struct FinalAwaiter {
            bool await_ready() noexcept { return false; }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
                promise_type& p = h.promise();
                if (p.state.exchange(2, std::memory_order_acq_rel) == 1) return p.parent;
                return std::noop_coroutine();
            }
            void await_resume() noexcept {}
        };
        FinalAwaiter final_suspend() noexcept { return {}; }
        void return_value(T v) noexcept { value = std::move(v); }
        void unhandled_exception() noexcept { std::terminate(); }
    };

    Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    Task& operator=(Task&&) = delete;
    ~Task() {
        if (h_) h_.destroy();
    }

    // Awaiting: run the child now; suspend the parent only if the child suspended.
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> parent) noexcept {
        promise_type& p = h_.promise();
        p.parent = parent;
        h_.resume();
        int running = 0;
        return p.state.compare_exchange_strong(running, 1, std::memory_order_acq_rel);
    }
    T await_resume() noexcept { return std::move(h_.promise().value); }

    // Runs a task whose awaiters never suspend (synchronous handles) and returns its value.
    T run_inline() noexcept {
        h_.resume();
        return std::move(h_.promise().value);
    }

private:
    explicit Task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    std::coroutine_handle<promise_type> h_;
};

// A fire-and-forget coroutine: starts at once and frees itself when it ends.
struct Detached {
    struct promise_type {
        static void* operator new(size_t n) { return frame_alloc(n); }
        static void operator delete(void* p, size_t n) noexcept { frame_free(p, n); }
        Detached get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
};

}  // namespace winhttp
