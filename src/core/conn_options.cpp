#include "core/conn_options.h"

#include <mstcpip.h>

#include <cwchar>
#include <string>

#include "core/engine.h"
#include "core/option_buffer.h"
#include "core/request.h"
#include "util/wide.h"

namespace winhttp {

namespace {

RequestEngine& engine_of(Object* o) { return as<Request>(*o).engine(); }

// Linux's TCP states (include/net/tcp_states.h) as Windows' TCPSTATE.
TCPSTATE windows_state(uint8_t linux_state) {
    switch (linux_state) {
        case 1: return TCPSTATE_ESTABLISHED;
        case 2: return TCPSTATE_SYN_SENT;
        case 3: return TCPSTATE_SYN_RCVD;
        case 4: return TCPSTATE_FIN_WAIT_1;
        case 5: return TCPSTATE_FIN_WAIT_2;
        case 6: return TCPSTATE_TIME_WAIT;
        case 8: return TCPSTATE_CLOSE_WAIT;
        case 9: return TCPSTATE_LAST_ACK;
        case 10: return TCPSTATE_LISTEN;
        case 11: return TCPSTATE_CLOSING;
        default: return TCPSTATE_CLOSED;
    }
}

constexpr uint8_t kTcpiOptTimestamps = 1;  // TCPI_OPT_TIMESTAMPS

// The TCP_INFO_v0 fields, from the kernel's counters. Windows counts the congestion window in
// bytes, Linux in segments. Linux has no count of bytes reordered, fast retransmits or
// timeout episodes: those stay 0.
template <class Info>
void fill_v0(Info& out, const net::TcpStats& in, ULONGLONG age_ms) {
    out.State = windows_state(in.state);
    out.Mss = in.snd_mss;
    out.ConnectionTimeMs = age_ms;
    out.TimestampsEnabled = (in.options & kTcpiOptTimestamps) ? 1 : 0;
    out.RttUs = in.rtt;
    out.MinRttUs = in.min_rtt;
    out.BytesInFlight = in.unacked * in.snd_mss;
    out.Cwnd = in.snd_cwnd * in.snd_mss;
    out.SndWnd = in.snd_wnd;
    out.RcvWnd = in.rcv_space;
    out.RcvBuf = in.rcv_space;
    out.BytesOut = in.bytes_sent;
    out.BytesIn = in.bytes_received;
    out.BytesReordered = 0;
    out.BytesRetrans = static_cast<ULONG>(in.bytes_retrans);
    out.FastRetrans = 0;
    out.DupAcksIn = in.dsack_dups;
    out.TimeoutEpisodes = 0;
    out.SynRetrans = 0;
}

ULONG us_to_ms(uint64_t us) { return static_cast<ULONG>(us / 1000); }

template <class Info>
DWORD query_tcp(Object* o, void* b, DWORD* l) {
    net::TcpStats stats;
    ULONGLONG age = 0;
    // The live connection only while no operation uses it (an async one runs on a worker).
    Request& r = as<Request>(*o);
    OperationGuard guard(r);
    const bool have = guard.owned() ? r.engine().tcp_stats(stats, age)
                                    : r.engine().metrics().kept_tcp_stats(stats, age);
    if (!have) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    if (!fits(sizeof(Info), b, l)) return ERROR_INSUFFICIENT_BUFFER;
    Info info{};
    fill_v0(info, stats, age);
    if constexpr (sizeof(Info) == sizeof(TCP_INFO_v1)) {
        // Time limited by each window, from the kernel's "limited" clocks (microseconds).
        info.SndLimTimeRwin = us_to_ms(stats.rwnd_limited);
        info.SndLimTimeSnd = us_to_ms(stats.sndbuf_limited);
        const uint64_t other = stats.rwnd_limited + stats.sndbuf_limited;
        info.SndLimTimeCwnd = us_to_ms(stats.busy_time > other ? stats.busy_time - other : 0);
    }
    return put(info, b, l);
}

}  // namespace

// struct tcp_keepalive: onoff, keepalivetime and keepaliveinterval in milliseconds.
DWORD set_tcp_keepalive(Object* o, const void* b, DWORD l) {
    tcp_keepalive v;
    if (DWORD e = get(b, l, v)) return e;
    Settings& s = o->settings();
    s.tcp_keepalive = v.onoff != 0;
    s.tcp_keepalive_time_ms = v.keepalivetime;
    s.tcp_keepalive_interval_ms = v.keepaliveinterval;
    return ERROR_SUCCESS;
}

// Takes no data: whatever the buffer holds is ignored.
DWORD set_expire_connection(Object* o, const void*, DWORD) {
    engine_of(o).expire_connection();
    return ERROR_SUCCESS;
}

DWORD query_request_times(Object* o, void* b, DWORD* l) {
    if (!fits(sizeof(WINHTTP_REQUEST_TIMES), b, l)) return ERROR_INSUFFICIENT_BUFFER;
    WINHTTP_REQUEST_TIMES t{};
    engine_of(o).metrics().copy_times(t);
    return put(t, b, l);
}

DWORD query_request_stats(Object* o, void* b, DWORD* l) {
    if (!fits(sizeof(WINHTTP_REQUEST_STATS), b, l)) return ERROR_INSUFFICIENT_BUFFER;
    WINHTTP_REQUEST_STATS st{};
    engine_of(o).metrics().copy_stats(st);
    return put(st, b, l);
}

DWORD query_connection_stats_v0(Object* o, void* b, DWORD* l) {
    return query_tcp<TCP_INFO_v0>(o, b, l);
}
DWORD query_connection_stats_v1(Object* o, void* b, DWORD* l) {
    return query_tcp<TCP_INFO_v1>(o, b, l);
}

// A string sized in characters, like every string option set (a NUL inside ends it); an
// empty one goes back to resolving the URL's host.
DWORD set_resolution_hostname(Object* o, const void* b, DWORD l) {
    if (!b && l) return ERROR_INVALID_PARAMETER;
    const auto* p = static_cast<const WCHAR*>(b);
    std::wstring name = p ? std::wstring(p, wcsnlen(p, l)) : std::wstring();
    if (name.size() > 2 && name.front() == L'[' && name.back() == L']')
        name = name.substr(1, name.size() - 2);  // an IPv6 literal as written in a URL
    engine_of(o).set_resolution_host(to_utf8(name));
    return ERROR_SUCCESS;
}

DWORD set_failed_connection_retries(Object* o, const void* b, DWORD l) {
    WINHTTP_FAILED_CONNECTION_RETRIES v;
    if (DWORD e = get(b, l, v)) return e;
    if (v.dwAllowedRetryConditions & ~static_cast<DWORD>(WINHTTP_CONNECTION_RETRY_CONDITION_MASK))
        return ERROR_INVALID_PARAMETER;
    o->settings().failed_connection_retries = v.dwMaxRetries;
    o->settings().failed_connection_retry_conditions = v.dwAllowedRetryConditions;
    return ERROR_SUCCESS;
}

}  // namespace winhttp
