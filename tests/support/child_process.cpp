#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

}  // namespace winhttp::test
