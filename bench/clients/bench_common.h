// Shared by the two benchmark clients: command line, clock, result line.
//
// Both clients take the same arguments so bench/run.py can call them the same way:
//
//   <client> <workload> key=value ...
//
//   workload  seq        `count` sequential GETs of `path`, sync (one connection, keep-alive)
//             download   one GET of `path`, read with `buf`-byte reads, sync
//             download_qda  the same read Windows' way: WinHttpQueryDataAvailable, then
//                        WinHttpReadData of what it reported (at most `buf`; with `buf=0` the
//                        buffer grows to whatever it reported); curl: the plain download
//             concurrent `count` GETs of `path` all in flight at once, async, `rounds` times
//             async_seq  `count` GETs, async, one in flight at a time
//             handles    `count` open + close of a session/connect/request handle tree
//             inflight   W8: `count` async GETs of `path` held in flight at once by
//                        bench/stall_server.py on `port`; reports the resident memory with
//                        none and with all of them in flight (extra RESULT fields below)
//   host, port, path, secure (0/1), count, buf, max_conns, rounds,
//   proxy (host:port of a forward proxy for the sync workloads; empty: direct),
//   h2 (0/1: HTTP/2 over TLS, multiplexed: WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL / curl's
//   CURL_HTTP_VERSION_2TLS with CURLPIPE_MULTIPLEX and CURLOPT_PIPEWAIT),
//   workers (async, WinHTTP only: WINHTTP_OPTION_WORKER_THREAD_COUNT set before the session;
//   for profiles, bench/run.py leaves it unset)
//
// The result is one line on stdout, easy to parse from Python:
//   RESULT ok=1 wall=<seconds> requests=<n> bytes=<n> rss_kib=<peak resident KiB>
//   RESULT ok=0 error=<code> what=<where it failed>
// inflight adds: idle_kib=<VmRSS, none in flight> inflight_kib=<VmRSS, all in flight>
//   per_req_bytes=<the difference / count> heap_per_req=<the same for malloc's bytes in use>
//   conns=<sockets open, all in flight>
// Exit status: 0 ok, 2 a request failed, 3 usage error.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace bench {

struct Args {
    std::string workload;
    std::string host = "127.0.0.1";
    int port = 80;
    std::string path = "/100.bin";
    bool secure = false;
    long count = 1;
    long buf = 64 * 1024;
    long max_conns = 64;
    long rounds = 1;
    std::string proxy;  // "host:port": sync requests go through this forward proxy
    bool h2 = false;    // HTTP/2 (https only)
    long workers = 0;   // async: WINHTTP_OPTION_WORKER_THREAD_COUNT (0: the library's default)
};

inline bool parse_args(int argc, char** argv, Args& a) {
    if (argc < 2) return false;
    a.workload = argv[1];
    std::map<std::string, std::string> kv;
    for (int i = 2; i < argc; ++i) {
        const char* eq = std::strchr(argv[i], '=');
        if (!eq) return false;
        kv[std::string(argv[i], static_cast<size_t>(eq - argv[i]))] = eq + 1;
    }
    auto num = [&](const char* key, long fallback) {
        auto it = kv.find(key);
        return it == kv.end() ? fallback : std::strtol(it->second.c_str(), nullptr, 10);
    };
    if (kv.count("host")) a.host = kv["host"];
    if (kv.count("path")) a.path = kv["path"];
    if (kv.count("proxy")) a.proxy = kv["proxy"];
    a.port = static_cast<int>(num("port", a.port));
    a.secure = num("secure", 0) != 0;
    a.h2 = num("h2", 0) != 0;
    a.count = num("count", a.count);
    a.buf = num("buf", a.buf);
    a.max_conns = num("max_conns", a.max_conns);
    a.rounds = num("rounds", a.rounds);
    a.workers = num("workers", 0);
    return (a.buf > 0 || (a.buf == 0 && a.workload == "download_qda")) && a.count >= 0 &&
           a.rounds >= 1;
}

inline int usage(const char* prog) {
    std::fprintf(stderr,
                 "usage: %s seq|download|download_qda|concurrent|async_seq|handles|inflight host=H port=P path=/x "
                 "secure=0|1 count=N buf=B max_conns=M rounds=R [proxy=H:P] [h2=0|1]\n",
                 prog);
    return 3;
}

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// What a workload reports; `error` is the first failure's code (0 = none).
struct Outcome {
    double wall = 0;
    long requests = 0;
    unsigned long long bytes = 0;
    unsigned long error = 0;
    std::string what;  // the call that failed
    std::string extra;  // more " key=value" fields of the RESULT line
};

// Peak resident set of this process (VmHWM). The kernel's ru_maxrss seen by the parent would
// include the forking parent's memory from before exec, so each client reports its own.
inline long peak_rss_kib() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof(line), f)) {
        if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::strtol(line + 6, nullptr, 10);
    }
    std::fclose(f);
    return kib;
}

// Resident set now (VmRSS), KiB.
inline long current_rss_kib() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof(line), f)) {
        if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::strtol(line + 6, nullptr, 10);
    }
    std::fclose(f);
    return kib;
}

// Bytes malloc has handed out and not had back (all arenas, mmapped blocks included).
inline long heap_in_use_kib() {
    const struct mallinfo2 m = mallinfo2();
    return static_cast<long>((m.uordblks + m.hblkhd) / 1024);
}

// Sockets this process has open (W8: connections to the stall server plus a few others).
inline long open_sockets() {
    DIR* d = opendir("/proc/self/fd");
    if (!d) return -1;
    long n = 0;
    char target[64];
    while (dirent* e = readdir(d)) {
        std::string p = std::string("/proc/self/fd/") + e->d_name;
        ssize_t len = readlink(p.c_str(), target, sizeof(target) - 1);
        if (len > 0 && std::strncmp(target, "socket:", 7) == 0) ++n;
    }
    closedir(d);
    return n;
}

// W8: 10,000 sockets need more descriptors than the usual soft limit of 1,024.
inline void raise_fd_limit() {
    rlimit r{};
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

// W8: one control request to bench/stall_server.py over a plain socket (outside the library
// measured): "/count" answers how many requests it holds, "/release" answers them all.
// Returns the body as a number (-1 on failure).
inline long stall_control(const std::string& host, int port, const char* path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<unsigned short>(port));
    inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
    std::string all;
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
        std::string req = std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
        if (send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size())) {
            char buf[512];
            ssize_t n;
            while ((n = recv(fd, buf, sizeof buf, 0)) > 0) all.append(buf, static_cast<size_t>(n));
        }
    }
    close(fd);
    size_t body = all.find("\r\n\r\n");
    if (body == std::string::npos) return -1;
    return std::strtol(all.c_str() + body + 4, nullptr, 10);
}

inline int report(const Outcome& o) {
    if (o.error != 0) {
        std::printf("RESULT ok=0 error=%lu what=%s\n", o.error, o.what.c_str());
        return 2;
    }
    std::printf("RESULT ok=1 wall=%.6f requests=%ld bytes=%llu rss_kib=%ld%s\n", o.wall,
                o.requests, o.bytes, peak_rss_kib(), o.extra.c_str());
    return 0;
}

}  // namespace bench
