// A byte stream over a non-blocking socket: plain TCP or TLS. Calls never wait; they say what
// to wait for, and the request engine waits its own way (poll on the caller's thread for sync
// handles, the event loop for async ones).
#pragma once
#include <winhttp.h>

#include <poll.h>

#include <cstddef>

namespace winhttp::net {

enum class IoStatus {
    Done,       // n bytes moved (n > 0)
    WantRead,   // wait until the socket is readable, then call again
    WantWrite,  // wait until the socket is writable, then call again
    Closed,     // orderly end of stream from the peer (reads only)
    Failed,     // `error` holds the WinHTTP error code
};

struct IoResult {
    IoStatus status = IoStatus::Done;
    size_t n = 0;
    DWORD error = 0;
};

// The poll events to wait for after a WantRead or WantWrite.
inline short wait_events(IoStatus s) { return s == IoStatus::WantWrite ? POLLOUT : POLLIN; }

class Stream {
public:
    virtual ~Stream() = default;
    // The socket to wait on.
    virtual int fd() const = 0;
    virtual IoResult read_some(char* buf, size_t cap) = 0;
    virtual IoResult write_some(const char* data, size_t len) = 0;
    // How many bytes read_some can return now without waiting, without taking them: Done with
    // n > 0, WantRead/WantWrite to wait first. Anything else (Closed, Failed, or a stream that
    // cannot tell) says nothing: the caller reads with read_some, which reports what happened.
    virtual IoResult peek_readable() { return {IoStatus::Failed, 0, 0}; }
    // Bytes this stream already took off the socket and holds (TLS: decrypted, or raw records
    // read ahead), which the socket's readiness does not show. Whoever polls the socket before
    // a read that returned WantRead must read first while this is true.
    virtual bool buffered() const { return false; }
};

}  // namespace winhttp::net
