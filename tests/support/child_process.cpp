#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace winhttp::test {

pid_t spawn_child(std::vector<char*>& argv, const std::string& log_path) {
    int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    // The death signal follows the forking *thread*, so a worker thread must not arm it.
    const bool main_thread = ::syscall(SYS_gettid) == ::getpid();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (main_thread) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(1);
        }
        ::dup2(null_in, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        // Test sockets without CLOEXEC must not live on inside the server.
        ::close_range(3, ~0U, 0);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out);
    ::close(null_in);
    return pid;
}

bool wait_ready(pid_t& pid, const std::function<Readiness()>& check,
                std::chrono::steady_clock::time_point deadline) {
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            return false;
        }
        switch (check()) {
            case Readiness::ready: return true;
            case Readiness::failed: stop_child(pid); return false;
            case Readiness::not_yet: break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop_child(pid);
    return false;
}

void stop_child(pid_t& pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid = -1;
}

}  // namespace winhttp::test
