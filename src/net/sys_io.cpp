#include "net/sys_io.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace winhttp::net {

#ifdef WINHTTP_SHORT_IO

namespace {

// One counter per thread: each thread sees the same pattern whatever the others do.
thread_local unsigned calls = 0;

// Every odd call fails with EAGAIN before the real call.
bool fake_would_block() {
    if (calls++ % 2 == 0) return false;
    errno = EAGAIN;
    return true;
}

// 1..7 bytes, cycling with the call counter: short enough to split every header line and
// every chunk-size line, varied enough to cut them at different places.
size_t short_length(size_t len) {
    const size_t cap = (calls / 2) % 7 + 1;
    return std::min(len, cap);
}

}  // namespace

ssize_t sys_recv(int fd, void* buf, size_t len, int flags) {
    if (len > 0 && fake_would_block()) return -1;
    return ::recv(fd, buf, short_length(len), flags);
}

ssize_t sys_send(int fd, const void* buf, size_t len, int flags) {
    if (len > 0 && fake_would_block()) return -1;
    return ::send(fd, buf, short_length(len), flags);
}

bool short_io_enabled() noexcept { return true; }

#else

ssize_t sys_recv(int fd, void* buf, size_t len, int flags) { return ::recv(fd, buf, len, flags); }

ssize_t sys_send(int fd, const void* buf, size_t len, int flags) {
    return ::send(fd, buf, len, flags);
}

bool short_io_enabled() noexcept { return false; }

#endif

}  // namespace winhttp::net
