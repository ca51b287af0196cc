// The two socket calls of the transport, behind a seam that a debug build can make hostile.
//
// Normally sys_recv and sys_send are recv(2) and send(2). Built with WINHTTP_SHORT_IO defined,
// they behave like a congested network on every call, deterministically, so that every caller's
// handling of short reads, partial writes and EAGAIN is exercised by the ordinary test suite:
//   - every other call on a thread fails with EAGAIN before touching the socket (the caller
//     must wait for readiness and call again; the socket stays ready, so it will not hang);
//   - every call that does reach the socket moves at most 1..7 bytes (cycling), never 0 unless
//     the real call returns 0.
// The pattern is driven by a per-thread counter: no locks, reproducible on one thread.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace winhttp::net {

ssize_t sys_recv(int fd, void* buf, size_t len, int flags);
ssize_t sys_send(int fd, const void* buf, size_t len, int flags);

// True when this build was compiled with WINHTTP_SHORT_IO (for tests and diagnostics).
bool short_io_enabled() noexcept;

}  // namespace winhttp::net
