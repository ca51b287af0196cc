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
//   host, port, path, secure (0/1), count, buf, max_conns, rounds,
//   proxy (host:port of a forward proxy for the sync workloads; empty: direct),
//   h2 (0/1: HTTP/2 over TLS, multiplexed: WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL / curl's
//   CURL_HTTP_VERSION_2TLS with CURLPIPE_MULTIPLEX and CURLOPT_PIPEWAIT)
//
// The result is one line on stdout, easy to parse from Python:
//   RESULT ok=1 wall=<seconds> requests=<n> bytes=<n> rss_kib=<peak resident KiB>
//   RESULT ok=0 error=<code> what=<where it failed>
// Exit status: 0 ok, 2 a request failed, 3 usage error.
#pragma once

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
    return (a.buf > 0 || (a.buf == 0 && a.workload == "download_qda")) && a.count >= 0 &&
           a.rounds >= 1;
}

inline int usage(const char* prog) {
    std::fprintf(stderr,
                 "usage: %s seq|download|download_qda|concurrent|async_seq|handles host=H port=P path=/x "
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

inline int report(const Outcome& o) {
    if (o.error != 0) {
        std::printf("RESULT ok=0 error=%lu what=%s\n", o.error, o.what.c_str());
        return 2;
    }
    std::printf("RESULT ok=1 wall=%.6f requests=%ld bytes=%llu rss_kib=%ld\n", o.wall, o.requests,
                o.bytes, peak_rss_kib());
    return 0;
}

}  // namespace bench
