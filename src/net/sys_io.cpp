#include "net/sys_io.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace winhttp::net {

#ifdef WINHTTP_SHORT_IO

namespace {

// One counter per thread and direction: each thread sees the same pattern whatever the others
// do, and reads and writes each get their own. With one counter for both, code that makes one
// write and one read per round (an HTTP/2 connection pump, a full-duplex WebSocket on one event
// loop thread) met the fake EAGAIN on every write and never progressed: a livelock of this
// build's pattern, not of real sockets.
thread_local unsigned recv_calls = 0;
thread_local unsigned send_calls = 0;

// Every odd call fails with EAGAIN before the real call.
bool fake_would_block(unsigned& calls) {
    if (calls++ % 2 == 0) return false;
    errno = EAGAIN;
    return true;
}

// 1..7 bytes, cycling with the call counter: short enough to split every header line and
// every chunk-size line, varied enough to cut them at different places.
size_t short_length(unsigned calls, size_t len) {
    const size_t cap = (calls / 2) % 7 + 1;
    return std::min(len, cap);
}

}  // namespace

ssize_t sys_recv(int fd, void* buf, size_t len, int flags) {
    if (len > 0 && fake_would_block(recv_calls)) return -1;
    return ::recv(fd, buf, short_length(recv_calls, len), flags);
}

ssize_t sys_send(int fd, const void* buf, size_t len, int flags) {
    if (len > 0 && fake_would_block(send_calls)) return -1;
    return ::send(fd, buf, short_length(send_calls, len), flags);
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
