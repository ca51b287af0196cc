// The library's side of one PAC worker process (src/pac_worker/): spawn, ask, wait with a
// deadline and a cancel descriptor, kill. One call at a time (the caller serializes).
#pragma once
#include <winhttp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "proxy/pac_protocol.h"

namespace winhttp::proxy {

struct WorkerLimits {
    size_t heap_bytes = 64u << 20;  // Duktape heap cap
    int timeout_ms = 5000;          // per call (load or find)
};

// The limits in force: the defaults, or WINHTTP_PAC_TIMEOUT_MS / WINHTTP_PAC_HEAP_MB from the
// environment (read once; for tests and for administrators who need other bounds).
const WorkerLimits& worker_limits();

// The worker executable: $WINHTTP_PAC_WORKER, else winhttp-pac-worker next to the library (or
// in its openwinhttp/ subdirectory, where `make install` puts it). Empty when none exists.
std::string worker_path();

class PacWorker {
public:
    // Starts a worker. ERROR_SUCCESS, or ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR when the
    // executable is missing or cannot be started.
    static DWORD spawn(const WorkerLimits& limits, std::unique_ptr<PacWorker>& out);
    ~PacWorker();  // kills and reaps the process

    // Sends one request and waits for its answer, at most limits.timeout_ms, and no longer than
    // `cancel_fd` (may be -1) stays unreadable. Returns:
    //   ERROR_SUCCESS                         `status` and `text` hold the answer
    //   ERROR_WINHTTP_OPERATION_CANCELLED     cancel_fd fired; the worker is killed
    //   ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT   the call ran out of time, or the worker died in it
    //                                         (a script that crashed its engine); killed
    //   ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR the worker could not be talked to; killed
    // After any failure dead() is true and the worker must be replaced.
    DWORD call(char op, std::string_view body, int cancel_fd, wire::Status& status,
               std::string& text);

    bool dead() const { return pid_ <= 0; }
    pid_t pid() const { return pid_; }

private:
    PacWorker(pid_t pid, int fd, WorkerLimits limits) : pid_(pid), fd_(fd), limits_(limits) {}
    void kill();

    pid_t pid_;
    int fd_;
    WorkerLimits limits_;
};

}  // namespace winhttp::proxy
