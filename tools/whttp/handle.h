// handle.h - an owning HINTERNET that WinHttpCloseHandle()s on destruction.
#pragma once

#include <winhttp.h>

#include <utility>

namespace whttp {

class Handle {
  public:
    Handle() = default;
    explicit Handle(HINTERNET h) : h_(h) {}
    ~Handle() { reset(); }
    Handle(Handle&& other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            reset();
            h_ = std::exchange(other.h_, nullptr);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    HINTERNET get() const { return h_; }
    explicit operator bool() const { return h_ != nullptr; }

    void reset() {
        if (h_) WinHttpCloseHandle(h_);
        h_ = nullptr;
    }

  private:
    HINTERNET h_ = nullptr;
};

}  // namespace whttp
