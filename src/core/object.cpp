#include "core/object.h"

#include <algorithm>

#include "util/trace.h"

namespace winhttp {

Object::Object(HandleType type, Object* parent) : type_(type), parent_(parent) {
    if (parent_) {
        parent_->add_ref();
        settings_ = parent_->settings_;
        context_.store(parent_->context(), std::memory_order_relaxed);
        std::lock_guard lock(parent_->cb_mutex_);
        cb_ = parent_->cb_;
        cb_flags_ = parent_->cb_flags_;
        wanted_.store(cb_ ? cb_flags_ : 0, std::memory_order_relaxed);
    }
}

Object::~Object() {
    if (parent_) parent_->release();
}

void Object::release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (closing()) {
        on_last_release();
        deliver_handle_closing();
    }
    delete this;
}

WINHTTP_STATUS_CALLBACK Object::set_callback(WINHTTP_STATUS_CALLBACK fn, DWORD flags) {
    std::unique_lock lock(cb_mutex_);
    WINHTTP_STATUS_CALLBACK previous = cb_;
    cb_ = fn;
    cb_flags_ = fn ? flags : 0;
    wanted_.store(cb_flags_, std::memory_order_relaxed);
    if (!fn) {
        const auto self = std::this_thread::get_id();
        cb_idle_.wait(lock, [&] {
            return std::all_of(cb_running_.begin(), cb_running_.end(),
                               [&](std::thread::id t) { return t == self; });
        });
    }
    return previous;
}

WINHTTP_STATUS_CALLBACK Object::callback() const {
    std::lock_guard lock(cb_mutex_);
    return cb_;
}

DWORD Object::notify_flags() const {
    std::lock_guard lock(cb_mutex_);
    return cb_flags_;
}

void Object::notify(DWORD status, void* info, DWORD info_len) {
    WINHTTP_STATUS_CALLBACK fn;
    const auto self = std::this_thread::get_id();
    {
        std::lock_guard lock(cb_mutex_);
        fn = cb_;
        if (!fn || !(cb_flags_ & status)) return;
        cb_running_.push_back(self);
    }
    if (trace::on()) trace::notification(handle_, status, info_len);
    fn(handle_, context(), status, info, info_len);
    std::lock_guard lock(cb_mutex_);
    cb_running_.erase(std::find(cb_running_.begin(), cb_running_.end(), self));
    cb_idle_.notify_all();
}

void Object::notify_created() {
    HINTERNET h = handle_;
    notify(WINHTTP_CALLBACK_STATUS_HANDLE_CREATED, &h, sizeof(h));
}

void Object::close() {
    closing_.store(true, std::memory_order_release);
    on_close();
    release();
}

void Object::deliver_handle_closing() noexcept {
    // refs_ is zero: no other thread can be in a callback of ours (each holds a reference).
    WINHTTP_STATUS_CALLBACK fn = cb_;
    if (!fn || !(cb_flags_ & WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING)) return;
    if (trace::on()) trace::notification(handle_, WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, sizeof(HINTERNET));
    HINTERNET h = handle_;
    fn(h, context(), WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, &h, sizeof(h));
}

}  // namespace winhttp
