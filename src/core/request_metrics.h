// What WINHTTP_OPTION_REQUEST_TIMES, _REQUEST_STATS and _CONNECTION_STATS_V0/V1 report for a
// request: filled by the engine at the points where it already notifies, read by the option
// handlers (core/conn_options.cpp) from any thread. Relaxed atomics: a query racing the request
// sees each value either before or after it changes, never a torn one.
#pragma once
#include <winhttp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "net/socket.h"

namespace winhttp {

// A QueryPerformanceCounter-style timestamp: a monotonic clock counted in 100 ns units (the
// 10 MHz counter frequency Windows reports on current systems).
inline ULONGLONG perf_counter_now() {
    using namespace std::chrono;
    return static_cast<ULONGLONG>(
        duration_cast<duration<long long, std::ratio<1, 10'000'000>>>(
            steady_clock::now().time_since_epoch())
            .count());
}

class RequestMetrics {
public:
    // A new send on the handle starts afresh.
    void reset() {
        for (auto& t : times_) t.store(0, std::memory_order_relaxed);
        for (auto& s : stats_) s.store(0, std::memory_order_relaxed);
        flags_.store(0, std::memory_order_relaxed);
        index_.store(0, std::memory_order_relaxed);
        tls_leg_ = 0;
    }
    void mark(WINHTTP_REQUEST_TIME_ENTRY e) {
        if (e < WinHttpRequestTimeLast)
            times_[e].store(perf_counter_now(), std::memory_order_relaxed);
    }
    void set_stat(WINHTTP_REQUEST_STAT_ENTRY e, ULONGLONG v) {
        if (e < WinHttpRequestStatLast) stats_[e].store(v, std::memory_order_relaxed);
    }
    void add_stat(WINHTTP_REQUEST_STAT_ENTRY e, ULONGLONG v) {
        if (e < WinHttpRequestStatLast) stats_[e].fetch_add(v, std::memory_order_relaxed);
    }
    // The connection the request was sent on: how many responses it carried before, and the
    // WINHTTP_REQUEST_STAT_FLAG_* that describe it.
    void set_connection(ULONG index, ULONGLONG flags) {
        index_.store(index, std::memory_order_relaxed);
        flags_.store(flags, std::memory_order_relaxed);
    }

    // TLS handshake legs: a client leg starts when the client writes a flight and ends when it
    // has to wait for the server. Windows counts at most three.
    void tls_leg_start() {
        if (tls_leg_ < 3) mark(leg_entry(tls_leg_, true));
    }
    void tls_leg_end() {
        if (tls_leg_ < 3) mark(leg_entry(tls_leg_++, false));
    }

    void copy_times(WINHTTP_REQUEST_TIMES& out) const {
        out.cTimes = WinHttpRequestTimeLast;
        for (int i = 0; i < WinHttpRequestTimeLast; ++i)
            out.rgullTimes[i] = times_[i].load(std::memory_order_relaxed);
        for (int i = WinHttpRequestTimeLast; i < WinHttpRequestTimeMax; ++i) out.rgullTimes[i] = 0;
    }
    void copy_stats(WINHTTP_REQUEST_STATS& out) const {
        out.ullFlags = flags_.load(std::memory_order_relaxed);
        out.ulIndex = index_.load(std::memory_order_relaxed);
        out.cStats = WinHttpRequestStatLast;
        for (int i = 0; i < WinHttpRequestStatLast; ++i)
            out.rgullStats[i] = stats_[i].load(std::memory_order_relaxed);
        for (int i = WinHttpRequestStatLast; i < WinHttpRequestStatMax; ++i) out.rgullStats[i] = 0;
    }

    // The request's last connection, kept when the connection leaves the request
    // (WINHTTP_OPTION_CONNECTION_STATS_* after the body was read to the end); its TCP_INFO is
    // read when asked. `age_ms` is the connection's lifetime then.
    void keep_tcp_stats(std::shared_ptr<net::TcpStatsCell> cell) {
        std::lock_guard lock(tcp_mutex_);
        if (tcp_ != cell) tcp_ = std::move(cell);
    }
    bool kept_tcp_stats(net::TcpStats& out, ULONGLONG& age_ms) const {
        std::shared_ptr<net::TcpStatsCell> cell;
        {
            std::lock_guard lock(tcp_mutex_);
            cell = tcp_;
        }
        unsigned long long age = 0;
        if (!cell || !cell->get(out, age)) return false;
        age_ms = age;
        return true;
    }

private:
    static WINHTTP_REQUEST_TIME_ENTRY leg_entry(int leg, bool start) {
        return static_cast<WINHTTP_REQUEST_TIME_ENTRY>(WinHttpTlsHandshakeClientLeg1Start +
                                                       2 * leg + (start ? 0 : 1));
    }

    // Only the entries Windows defines (up to ..._Last); the rest of the Max-sized arrays the
    // options return are always zero, so they take no room here (352 B less per request).
    std::atomic<ULONGLONG> times_[WinHttpRequestTimeLast] = {};
    std::atomic<ULONGLONG> stats_[WinHttpRequestStatLast] = {};
    std::atomic<ULONGLONG> flags_{0};
    std::atomic<ULONG> index_{0};
    int tls_leg_ = 0;  // engine only

    mutable std::mutex tcp_mutex_;
    std::shared_ptr<net::TcpStatsCell> tcp_;
};

}  // namespace winhttp
