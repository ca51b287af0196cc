// Scale: 10,000 asynchronous requests in flight at once against a private nginx whose answers
// are rate-limited so that every request is really open at the same time. The library's thread
// count must stay a small fixed number (DESIGN.md "Threads": a small fixed number of event-loop
// threads), and the memory per in-flight request is measured and printed for the benchmark
// notes.
//
// WINHTTP_SCALE_REQUESTS overrides the count. The count is capped by RLIMIT_NOFILE (raised to
// the hard limit here): this process and nginx each need one descriptor per connection.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "integration/http_test_util.h"
#include "support/loopback.h"
#include "support/scripted_server.h"

using namespace itest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

constexpr size_t kFileSize = 32 * 1024;  // sent at kRate: each response lasts about 4 s
constexpr const char* kRate = "8k";

// A private nginx sized for many connections; its answers trickle at kRate.
class BigNginx {
  public:
    BigNginx() {
        char tmpl[] = "/tmp/winhttp-scale.XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
        dir_ = tmpl;
        fs::create_directories(dir_ + "/root");
        fs::create_directories(dir_ + "/tmp");
        std::ofstream(dir_ + "/root/slow.bin") << std::string(kFileSize, 'z');
        for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) start(winhttp::test::pick_free_port());
        if (pid_ < 0) throw std::runtime_error("nginx did not start: " + log());
    }
    ~BigNginx() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    unsigned short port() const { return port_; }
    std::string log() const {
        std::ifstream in(dir_ + "/error.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

  private:
    void write_config(unsigned short port) const {
        std::ofstream c(dir_ + "/nginx.conf");
        c << (::geteuid() == 0 ? "user root root;\n" : "") << "daemon off;\nmaster_process off;\n"
          << "worker_processes 1;\nworker_rlimit_nofile 30000;\n"
          << "pid " << dir_ << "/nginx.pid;\nerror_log " << dir_ << "/error.log warn;\n"
          << "events { worker_connections 20000; multi_accept on; }\n"
          << "http {\n  access_log off;\n"
          << "  client_body_temp_path " << dir_ << "/tmp/body;\n  proxy_temp_path " << dir_
          << "/tmp/proxy;\n  fastcgi_temp_path " << dir_ << "/tmp/fastcgi;\n  uwsgi_temp_path "
          << dir_ << "/tmp/uwsgi;\n  scgi_temp_path " << dir_ << "/tmp/scgi;\n"
          << "  default_type application/octet-stream;\n"
          // One shared descriptor for the file: without it each response holds its own, and
          // nginx runs out of descriptors (HTTP 500) at 10,000 connections.
          << "  open_file_cache max=16 inactive=60s;\n"
          << "  server {\n    listen 127.0.0.1:" << port << " backlog=65535;\n"
          << "    root " << dir_ << "/root;\n    limit_rate " << kRate << ";\n  }\n}\n";
    }
    void start(unsigned short port) {
        write_config(port);
        const std::string conf = dir_ + "/nginx.conf", prefix = dir_ + "/", elog = dir_ + "/error.log";
        pid_t pid = ::fork();
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            int out = ::open((dir_ + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(out, 1);
            ::dup2(out, 2);
            ::execl("/usr/sbin/nginx", "nginx", "-p", prefix.c_str(), "-c", conf.c_str(), "-e",
                    elog.c_str(), nullptr);
            ::_exit(127);
        }
        for (int i = 0; i < 100; ++i) {
            std::this_thread::sleep_for(50ms);
            if (::waitpid(pid, nullptr, WNOHANG) == pid) return;  // exited: port taken?
            winhttp::test::TcpClient probe(port, false, 200ms);
            if (probe.connected()) {
                pid_ = pid;
                port_ = port;
                return;
            }
        }
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }

    std::string dir_;
    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

long proc_status_kb(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::strtol(line.c_str() + std::strlen(field), nullptr, 10);
    return -1;
}

size_t thread_count() {
    size_t n = 0;
    for (auto& e : fs::directory_iterator("/proc/self/task")) n += e.is_directory() ? 1 : 0;
    return n;
}

// Counts the requests' progress; each request closes itself from its callback at its end.
struct Progress {
    std::atomic<int> sent{0};      // SENDREQUEST_COMPLETE seen, not finished yet
    std::atomic<int> peak_open{0};
    std::atomic<int> ok{0}, failed{0}, closing{0};
    std::atomic<DWORD> first_error{0};
    std::atomic<long long> bytes{0};
};

Progress g_progress;
std::vector<std::atomic<long long>> g_bytes(1);  // per request, indexed by its context value
thread_local char t_buf[16384];

// `counted`: the request had reached SENDREQUEST_COMPLETE (it is in `sent`).
void finish(HINTERNET h, bool ok, DWORD error = 0, bool counted = true) {
    if (counted) --g_progress.sent;
    if (ok) {
        ++g_progress.ok;
    } else {
        ++g_progress.failed;
        DWORD none = 0;
        g_progress.first_error.compare_exchange_strong(none, error);
    }
    WinHttpCloseHandle(h);
}

void CALLBACK on_status(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len) {
    switch (status) {
        case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE: {
            const int open = ++g_progress.sent;
            for (int p = g_progress.peak_open.load(); open > p && !g_progress.peak_open.compare_exchange_weak(p, open);) {}
            if (!WinHttpReceiveResponse(h, nullptr)) finish(h, false, GetLastError());
            break;
        }
        case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
            if (DWORD code = status_code(h); code != 200) {
                finish(h, false, 100000 + code);
                break;
            }
            if (!WinHttpReadData(h, t_buf, sizeof t_buf, nullptr)) finish(h, false, GetLastError());
            break;
        case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
            // The buffer is thread_local: the data is counted, not kept.
            g_progress.bytes += len;
            if (ctx < g_bytes.size()) g_bytes[ctx] += len;
            if (len == 0) finish(h, true);
            else if (!WinHttpReadData(h, t_buf, sizeof t_buf, nullptr)) finish(h, false, GetLastError());
            break;
        case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: {
            auto* r = static_cast<WINHTTP_ASYNC_RESULT*>(info);
            finish(h, false, r->dwError, r->dwResult != API_SEND_REQUEST);
            break;
        }
        case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING: ++g_progress.closing; break;
        default: break;
    }
}

template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds bound) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

}  // namespace

TEST(Scale, TenThousandRequestsInFlightOnAFewThreads) {
    if (kSanitized) GTEST_SKIP() << "sanitizer builds: 10,000 connections exceed its memory/time budget";
    rlimit lim{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
    lim.rlim_cur = lim.rlim_max;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
    const int wanted = std::getenv("WINHTTP_SCALE_REQUESTS") ? std::atoi(std::getenv("WINHTTP_SCALE_REQUESTS")) : 10000;
    const int fd_room = static_cast<int>(lim.rlim_max) - 500;
    const int n = std::min(wanted, fd_room);
    if (n < wanted)
        std::cout << "scale: RLIMIT_NOFILE hard limit " << lim.rlim_max << " allows " << n
                  << " requests, not " << wanted << "\n";

    BigNginx nginx;
    Handle session = open_session(WINHTTP_FLAG_ASYNC);
    ASSERT_TRUE(WinHttpSetTimeouts(session, 60000, 60000, 60000, 60000));
    Handle connect(WinHttpConnect(session, L"127.0.0.1", nginx.port(), 0));
    const DWORD mask = WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS | WINHTTP_CALLBACK_FLAG_HANDLES;
    WinHttpSetStatusCallback(connect, on_status, mask, 0);

    // Warm up: one request starts the event loop, so its threads count in the baseline.
    g_bytes = std::vector<std::atomic<long long>>(n + 1);
    DWORD_PTR next_ctx = 0;
    auto open_and_send = [&] {
        HINTERNET h = WinHttpOpenRequest(connect, L"GET", L"/slow.bin", nullptr, WINHTTP_NO_REFERER,
                                         WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
        if (!h) return false;
        if (WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0,
                               next_ctx++ % (n + 1)))
            return true;
        WinHttpCloseHandle(h);
        return false;
    };
    ASSERT_TRUE(open_and_send());
    ASSERT_TRUE(eventually([] { return g_progress.closing.load() == 1; }, 20s)) << nginx.log();
    ASSERT_EQ(g_progress.ok.load(), 1) << g_progress.first_error.load();
    g_progress.ok = 0;
    g_progress.closing = 0;
    g_progress.peak_open = 0;
    g_progress.bytes = 0;
    const size_t threads_before = thread_count();
    const long rss_before = proc_status_kb("VmRSS:");

    Stopwatch sw;
    int started = 0;
    for (; started < n; ++started)
        if (!open_and_send()) break;
    ASSERT_EQ(started, n) << "open/send failed: " << GetLastError();
    const long long start_ms = sw.ms();
    // Sample at the peak: all sent, none finished yet (each response lasts about 4 s).
    eventually([&] { return g_progress.peak_open.load() >= n * 95 / 100 || g_progress.ok.load() > 0; }, 20s);
    const long rss_peak = proc_status_kb("VmRSS:");
    const size_t threads_during = thread_count();
    const int peak_at_sample = g_progress.sent.load();

    ASSERT_TRUE(eventually([&] { return g_progress.closing.load() >= n; }, 120s))
        << "ok " << g_progress.ok.load() << " failed " << g_progress.failed.load() << " closing "
        << g_progress.closing.load() << " first error " << g_progress.first_error.load();
    const double per_request_kb = double(rss_peak - rss_before) / std::max(1, peak_at_sample);
    std::cout << "scale: " << n << " requests, started in " << start_ms << " ms, all done in "
              << sw.ms() << " ms; peak open " << g_progress.peak_open.load() << " (at RSS sample "
              << peak_at_sample << "); threads " << threads_before << " -> " << threads_during
              << "; VmRSS " << rss_before << " kB -> " << rss_peak << " kB = " << per_request_kb
              << " kB per in-flight request\n";
    EXPECT_EQ(g_progress.ok.load(), n) << "first error " << g_progress.first_error.load();
    EXPECT_EQ(g_progress.bytes.load(), static_cast<long long>(n) * kFileSize);
    int short_bodies = 0;
    for (size_t i = 1; i < g_bytes.size(); ++i) {
        if (g_bytes[i].load() == static_cast<long long>(kFileSize)) continue;
        if (++short_bodies <= 5)
            ADD_FAILURE() << "request " << i << " ended with success after " << g_bytes[i].load()
                          << " of " << kFileSize << " bytes";
    }
    EXPECT_EQ(short_bodies, 0);
    EXPECT_GE(g_progress.peak_open.load(), n * 9 / 10) << "requests were not in flight together";
    EXPECT_LE(threads_during, threads_before + 2) << "threads grew with the number of requests";
    connect.reset();
    session.reset();
}
