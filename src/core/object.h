// The refcounted base of every HINTERNET object, its status callback, and the close protocol.
//
// Lifetime (DESIGN.md "Close protocol"):
//
//   create ──► registered in the handle table (the table owns one reference)
//      │          every API call takes a reference for its duration (HandleTable::lookup)
//      │          every child holds a reference on its parent
//      ▼
//   WinHttpCloseHandle ──► value removed from the table (dead to every thread at once),
//      │                   on_close() cancels work in flight, the table's reference is dropped
//      ▼
//   last reference dropped ──► HANDLE_CLOSING delivered (the last callback ever), object deleted
//
// Because a running callback, an API call in progress and each open child all hold a
// reference, HANDLE_CLOSING can only come after all of them are done.
#pragma once
#include <winhttp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/ref.h"
#include "core/settings.h"

namespace winhttp {

enum class HandleType : DWORD {
    Session = WINHTTP_HANDLE_TYPE_SESSION,
    Connect = WINHTTP_HANDLE_TYPE_CONNECT,
    Request = WINHTTP_HANDLE_TYPE_REQUEST,
    ProxyResolver = WINHTTP_HANDLE_TYPE_PROXY_RESOLVER,
    WebSocket = WINHTTP_HANDLE_TYPE_WEBSOCKET,
};

class Object {
public:
    Object(HandleType type, Object* parent);
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;
    virtual ~Object();

    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    // Dropping the last reference of a closed object delivers HANDLE_CLOSING, then deletes it.
    void release() noexcept;

    HandleType type() const noexcept { return type_; }
    HINTERNET handle() const noexcept { return handle_; }
    void set_handle(HINTERNET h) noexcept { handle_ = h; }
    Object* parent() const noexcept { return parent_; }

    Settings& settings() noexcept { return settings_; }
    const Settings& settings() const noexcept { return settings_; }

    DWORD_PTR context() const noexcept { return context_.load(std::memory_order_acquire); }
    void set_context(DWORD_PTR c) noexcept { context_.store(c, std::memory_order_release); }

    // WinHttpSetStatusCallback. Returns the previous callback. When `fn` is NULL, returns only
    // once no callback of this object is running on another thread (the seed page's race,
    // removed); a callback of this object running on the calling thread is not waited for.
    WINHTTP_STATUS_CALLBACK set_callback(WINHTTP_STATUS_CALLBACK fn, DWORD flags);
    WINHTTP_STATUS_CALLBACK callback() const;
    DWORD notify_flags() const;
    // Lock-free pre-check for hot paths: does the current callback's mask select `status`?
    bool wants(DWORD status) const noexcept {
        return (wanted_.load(std::memory_order_relaxed) & status) != 0;
    }

    // Delivers `status` to the application if a callback is set and its mask selects it.
    // The caller must hold a reference to this object.
    void notify(DWORD status, void* info, DWORD info_len);

    // Delivers HANDLE_CREATED for this freshly registered object (hInternet = this handle).
    void notify_created();

    // Called once by WinHttpCloseHandle after the value left the handle table.
    // Cancels work in flight (on_close) and drops the table's reference.
    void close();
    bool closing() const noexcept { return closing_.load(std::memory_order_acquire); }

protected:
    // Subclasses cancel in-flight work here; runs on the closing thread, must not block
    // on the network.
    virtual void on_close() {}
    // Called once the last reference of a closed object is gone, before HANDLE_CLOSING: no other
    // thread can touch the object any more, so it may settle its state (a request hands a
    // finished connection back to the pool, so that a request the app opens on HANDLE_CLOSING
    // finds it). Must not block or notify.
    virtual void on_last_release() noexcept {}

    Settings settings_;

private:
    // HANDLE_CLOSING goes to a callback whose mask includes it, whatever the context value:
    // Windows delivers it with context 0 too (Azure SDK PR #7353 waits for it), although the
    // WinHttpCloseHandle page, inherited from WinINet, mentions a non-NULL context.
    void deliver_handle_closing() noexcept;

    const HandleType type_;
    Object* const parent_;  // holds a reference
    HINTERNET handle_ = nullptr;
    std::atomic<int> refs_{1};
    std::atomic<bool> closing_{false};
    std::atomic<DWORD_PTR> context_{0};

    mutable std::mutex cb_mutex_;
    std::condition_variable cb_idle_;
    WINHTTP_STATUS_CALLBACK cb_ = nullptr;
    DWORD cb_flags_ = 0;
    std::atomic<DWORD> wanted_{0};  // cb_flags_ when a callback is set, else 0
    std::vector<std::thread::id> cb_running_;  // threads inside one of our callbacks
};

// Casts after a type check done by the handle table.
template <class T>
T& as(Object& o) {
    return static_cast<T&>(o);
}

}  // namespace winhttp
