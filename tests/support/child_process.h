// Starting, waiting for and stopping a test server (nginx, tinyproxy, Apache, KDC, websockets).
#pragma once
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace winhttp::test {

// fork + execv of `argv` (null-terminated, prepared by the caller: only async-signal-safe calls
// run between fork and exec, since the test process has other threads), stdin from /dev/null,
// stdout and stderr appended to `log_path`, no other descriptor inherited. A child of the main
// thread dies with the test process even on a crash. Returns the pid, or -1.
pid_t spawn_child(std::vector<char*>& argv, const std::string& log_path);

// What a readiness check saw: not yet (look again), ready, or a start that failed for good.
enum class Readiness { not_yet, ready, failed };

// Waits for a child started by spawn_child() to be ready: calls `check` every 20 ms until it
// says ready or failed, the child exits, or `deadline` passes. True when ready; otherwise the
// child is gone (reaped, or stopped with stop_child()) and `pid` is -1, so the caller may retry
// with another port.
bool wait_ready(pid_t& pid, const std::function<Readiness()>& check,
                std::chrono::steady_clock::time_point deadline);

// SIGTERM, then SIGKILL after 5 s; reaps the child and sets `pid` to -1. No-op when pid <= 0.
void stop_child(pid_t& pid);

}  // namespace winhttp::test
