// Cancellation of one PAC operation (download, script run) from another thread: closing the
// session or the resolver handle calls cancel(); the operation's waits poll fd() and its
// download is ended through the hook.
#pragma once
#include <atomic>
#include <functional>
#include <mutex>

namespace winhttp::proxy {

class CancelToken {
public:
    CancelToken();
    ~CancelToken();
    CancelToken(const CancelToken&) = delete;
    CancelToken& operator=(const CancelToken&) = delete;

    // Idempotent. Makes fd() readable and runs the hook (once) if one is set.
    void cancel();
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
    // An eventfd that becomes readable on cancel (-1 if none could be made: cancelled() then
    // is polled by the waits instead).
    int fd() const noexcept { return fd_; }

    // Runs `hook` on cancel; at once when already cancelled. clear_hook() returns only when a
    // hook running on another thread has finished.
    void set_hook(std::function<void()> hook);
    void clear_hook();

private:
    std::atomic<bool> cancelled_{false};
    int fd_ = -1;
    std::mutex mutex_;
    std::function<void()> hook_;
};

}  // namespace winhttp::proxy
