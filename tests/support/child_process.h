// Starting a test server (nginx, tinyproxy) as a child process.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace winhttp::test {

// fork + execv of `argv` (null-terminated, prepared by the caller: only async-signal-safe calls
// run between fork and exec, since the test process has other threads), stdin from /dev/null,
// stdout and stderr appended to `log_path`, no other descriptor inherited. A child of the main
// thread dies with the test process even on a crash. Returns the pid, or -1.
pid_t spawn_child(std::vector<char*>& argv, const std::string& log_path);

// SIGTERM, then SIGKILL after 5 s; reaps the child and sets `pid` to -1. No-op when pid <= 0.
void stop_child(pid_t& pid);

}  // namespace winhttp::test
