// A callback slot that can fire at most once and that the waiting side can revoke. Lookups and
// pool waits hold only this, never the request itself, so a cancelled request is not kept alive
// by a slow DNS server or a busy pool.
#pragma once
#include <functional>
#include <mutex>

namespace winhttp {

class OneShot {
public:
    void arm(std::function<void()> fn) {
        std::lock_guard lock(m_);
        fn_ = std::move(fn);
    }
    void revoke() {
        std::function<void()> dropped;  // destroyed outside the lock
        std::lock_guard lock(m_);
        dropped.swap(fn_);
    }
    // Runs the callback if it is still armed; false when it was revoked or already fired.
    bool fire() {
        std::function<void()> fn;
        {
            std::lock_guard lock(m_);
            fn.swap(fn_);
        }
        if (!fn) return false;
        fn();
        return true;
    }

private:
    std::mutex m_;
    std::function<void()> fn_;
};

}  // namespace winhttp
