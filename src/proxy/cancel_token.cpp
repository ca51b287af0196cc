#include "proxy/cancel_token.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

namespace winhttp::proxy {

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

CancelToken::~CancelToken() {
    if (fd_ >= 0) ::close(fd_);
}

void CancelToken::cancel() {
    std::lock_guard lock(mutex_);
    if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
    if (fd_ >= 0) {
        const uint64_t one = 1;
        [[maybe_unused]] ssize_t r = ::write(fd_, &one, sizeof(one));
    }
    if (hook_) std::exchange(hook_, nullptr)();
}

void CancelToken::set_hook(std::function<void()> hook) {
    std::lock_guard lock(mutex_);
    if (cancelled())
        hook();
    else
        hook_ = std::move(hook);
}

void CancelToken::clear_hook() {
    std::lock_guard lock(mutex_);
    hook_ = nullptr;
}

}  // namespace winhttp::proxy
