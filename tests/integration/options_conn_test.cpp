// Connection and measurement options against real servers, synchronous and asynchronous:
// WINHTTP_OPTION_TCP_KEEPALIVE, _EXPIRE_CONNECTION, _REQUEST_TIMES, _REQUEST_STATS and
// _CONNECTION_STATS_V0/V1 (Option Flags page; WINHTTP_REQUEST_TIMES, WINHTTP_REQUEST_STATS,
// TCP_INFO_v0/v1 and tcp_keepalive structure pages). The client's own socket is found through
// /proc/self/fd by the addresses WINHTTP_OPTION_CONNECTION_INFO reports, and read back with
// getsockopt: no hook into the library.
#include <winhttp.h>
#include <mstcpip.h>
#include <schannel.h>

#include <gtest/gtest.h>

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <string>

#include "async_util.h"
#include "http_test_util.h"
#include "support/nginx.h"
#include "support/scripted_server.h"

namespace {

using namespace itest;
using winhttp::test::Nginx;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;
using winhttp::test::TlsPort;

const Mode kModes[] = {Mode::Sync, Mode::Async};

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
    if (a.ss_family != b.ss_family) return false;
    if (a.ss_family == AF_INET) {
        auto* x = reinterpret_cast<const sockaddr_in*>(&a);
        auto* y = reinterpret_cast<const sockaddr_in*>(&b);
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    auto* x = reinterpret_cast<const sockaddr_in6*>(&a);
    auto* y = reinterpret_cast<const sockaddr_in6*>(&b);
    return x->sin6_port == y->sin6_port && std::memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

WINHTTP_CONNECTION_INFO connection_info(HINTERNET request) {
    WINHTTP_CONNECTION_INFO info{};
    info.cbSize = sizeof(info);
    DWORD len = sizeof(info);
    EXPECT_TRUE(WinHttpQueryOption(request, WINHTTP_OPTION_CONNECTION_INFO, &info, &len))
        << GetLastError();
    return info;
}

unsigned short local_port(const WINHTTP_CONNECTION_INFO& info) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&info.LocalAddress)->sin_port);
}

// The descriptor of this process whose socket has these two ends, or -1.
int find_socket(const WINHTTP_CONNECTION_INFO& info) {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return -1;
    int found = -1;
    while (dirent* e = ::readdir(dir)) {
        const int fd = std::atoi(e->d_name);
        if (fd <= 2) continue;
        sockaddr_storage local{}, remote{};
        socklen_t l1 = sizeof(local), l2 = sizeof(remote);
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &l1) != 0) continue;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &l2) != 0) continue;
        if (same_address(local, info.LocalAddress) && same_address(remote, info.RemoteAddress)) {
            found = fd;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

int int_sockopt(int fd, int level, int name) {
    int v = -1;
    socklen_t len = sizeof(v);
    EXPECT_EQ(::getsockopt(fd, level, name, &v, &len), 0);
    return v;
}

// The QueryPerformanceCounter-style clock REQUEST_TIMES uses: CLOCK_MONOTONIC in 100 ns.
ULONGLONG monotonic_100ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<ULONGLONG>(ts.tv_sec) * 10'000'000ull + static_cast<ULONGLONG>(ts.tv_nsec) / 100;
}

WINHTTP_REQUEST_TIMES request_times(HINTERNET request) {
    WINHTTP_REQUEST_TIMES t{};
    DWORD len = sizeof(t);
    EXPECT_TRUE(WinHttpQueryOption(request, WINHTTP_OPTION_REQUEST_TIMES, &t, &len)) << GetLastError();
    EXPECT_EQ(len, sizeof(t));
    return t;
}

WINHTTP_REQUEST_STATS request_stats(HINTERNET request) {
    WINHTTP_REQUEST_STATS st{};
    DWORD len = sizeof(st);
    EXPECT_TRUE(WinHttpQueryOption(request, WINHTTP_OPTION_REQUEST_STATS, &st, &len)) << GetLastError();
    EXPECT_EQ(len, sizeof(st));
    return st;
}

class OptionsConn : public ::testing::TestWithParam<Mode> {
protected:
    void SetUp() override {
        nginx_ = &Nginx::shared();
        ::setenv("SSL_CERT_FILE", nginx_->certificates().ca_file().c_str(), 1);
    }
    Mode mode() const { return GetParam(); }
    Nginx* nginx_ = nullptr;
};

// --- TCP_KEEPALIVE ------------------------------------------------------------------------------

// tcp_keepalive page: onoff enables keep-alive probes, keepalivetime is the idle time and
// keepaliveinterval the probe interval, both in milliseconds (Linux: whole seconds, rounded up).
TEST_P(OptionsConn, TcpKeepAliveAppliesToTheSessionsConnections) {
    Handle session = open_mode_session(mode());
    tcp_keepalive ka{1, 7000, 2500};
    ASSERT_TRUE(WinHttpSetOption(session, WINHTTP_OPTION_TCP_KEEPALIVE, &ka, sizeof(ka)))
        << GetLastError();
    Handle connect(WinHttpConnect(session, L"127.0.0.1", nginx_->port(), 0));
    ASSERT_TRUE(connect);
    WINHTTP_CONNECTION_INFO info{};
    RequestSpec spec{.path = L"/hello.txt"};
    spec.inspect = [&](HINTERNET r) { info = connection_info(r); };
    const Response r = run_request_in(mode(), connect, spec);
    ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
    // The connection stays open in the pool after the response.
    const int fd = find_socket(info);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(int_sockopt(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
    EXPECT_EQ(int_sockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 7);
    EXPECT_EQ(int_sockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 3);
}

TEST_P(OptionsConn, WithoutTcpKeepAliveNoProbesAreSent) {
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"127.0.0.1", nginx_->port(), 0));
    ASSERT_TRUE(connect);
    WINHTTP_CONNECTION_INFO info{};
    RequestSpec spec{.path = L"/hello.txt"};
    spec.inspect = [&](HINTERNET r) { info = connection_info(r); };
    const Response r = run_request_in(mode(), connect, spec);
    ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
    const int fd = find_socket(info);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(int_sockopt(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
}

// --- EXPIRE_CONNECTION --------------------------------------------------------------------------

// Option Flags page: the request's connection is not reused after this request.
TEST_P(OptionsConn, ExpireConnectionClosesInsteadOfPooling) {
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"127.0.0.1", nginx_->port(), 0));
    ASSERT_TRUE(connect);
    auto port_of = [&](bool expire) {
        unsigned short port = 0;
        RequestSpec spec{.path = L"/hello.txt"};
        if (expire)
            spec.prepare = [](HINTERNET r) {
                EXPECT_TRUE(WinHttpSetOption(r, WINHTTP_OPTION_EXPIRE_CONNECTION, nullptr, 0))
                    << GetLastError();
            };
        spec.inspect = [&](HINTERNET r) { port = local_port(connection_info(r)); };
        const Response r = run_request_in(mode(), connect, spec);
        EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
        EXPECT_EQ(r.body, "hello, world\n");
        return port;
    };
    const uint64_t before = nginx_->connections_accepted();
    const unsigned short first = port_of(false);
    const unsigned short second = port_of(true);  // reuses the first one, then expires it
    const unsigned short third = port_of(false);
    EXPECT_EQ(first, second);
    EXPECT_NE(second, third);
    EXPECT_EQ(nginx_->connections_accepted() - before, 2u);
}

// --- REQUEST_TIMES ------------------------------------------------------------------------------

void expect_ordered(const WINHTTP_REQUEST_TIMES& t, std::initializer_list<int> entries) {
    ULONGLONG last = 0;
    int last_entry = -1;
    for (int e : entries) {
        EXPECT_NE(t.rgullTimes[e], 0u) << "entry " << e;
        EXPECT_GE(t.rgullTimes[e], last) << "entry " << e << " before entry " << last_entry;
        last = t.rgullTimes[e];
        last_entry = e;
    }
}

// WINHTTP_REQUEST_TIMES page: cTimes is WinHttpRequestTimeLast; times are performance-counter
// values indexed by WINHTTP_REQUEST_TIME_ENTRY.
TEST_P(OptionsConn, RequestTimesFollowTheRequestsSteps) {
    for (bool secure : {false, true}) {
        SCOPED_TRACE(secure ? "https" : "http");
        Handle session = open_mode_session(mode());
        const INTERNET_PORT port = secure ? nginx_->tls_port(TlsPort::Valid) : nginx_->port();
        Handle connect(WinHttpConnect(session, L"localhost", port, 0));
        ASSERT_TRUE(connect);
        WINHTTP_REQUEST_TIMES first{}, second{};
        const ULONGLONG start = monotonic_100ns();
        for (auto* out : {&first, &second}) {
            RequestSpec spec{.path = L"/hello.txt", .open_flags = secure ? WINHTTP_FLAG_SECURE : 0u};
            spec.inspect = [out](HINTERNET r) { *out = request_times(r); };
            const Response r = run_request_in(mode(), connect, spec);
            ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
        }
        const ULONGLONG end = monotonic_100ns();
        EXPECT_EQ(first.cTimes, static_cast<ULONG>(WinHttpRequestTimeLast));
        expect_ordered(first, {WinHttpConnectionAcquireStart, WinHttpNameResolutionStart,
                               WinHttpNameResolutionEnd, WinHttpConnectionEstablishmentStart,
                               WinHttpConnectionEstablishmentEnd, WinHttpConnectionAcquireEnd,
                               WinHttpSendRequestStart, WinHttpSendRequestHeadersEnd,
                               WinHttpSendRequestEnd, WinHttpReceiveResponseStart,
                               WinHttpReceiveResponseHeadersEnd, WinHttpReceiveResponseEnd});
        EXPECT_GE(first.rgullTimes[WinHttpConnectionAcquireStart], start);
        EXPECT_LE(first.rgullTimes[WinHttpReceiveResponseEnd], end);
        if (secure) {
            expect_ordered(first, {WinHttpConnectionEstablishmentEnd,
                                   WinHttpTlsHandshakeClientLeg1Start,
                                   WinHttpTlsHandshakeClientLeg1End, WinHttpConnectionAcquireEnd});
        } else {
            EXPECT_EQ(first.rgullTimes[WinHttpTlsHandshakeClientLeg1Start], 0u);
        }
        // No proxy: its entries stay 0.
        EXPECT_EQ(first.rgullTimes[WinHttpProxyTunnelStart], 0u);
        EXPECT_EQ(first.rgullTimes[WinHttpProxyDetectionStart], 0u);
        // The second request reuses the pooled connection: no resolution, no connect.
        expect_ordered(second, {WinHttpConnectionAcquireStart, WinHttpConnectionAcquireEnd,
                                WinHttpSendRequestStart, WinHttpSendRequestEnd,
                                WinHttpReceiveResponseStart, WinHttpReceiveResponseEnd});
        EXPECT_EQ(second.rgullTimes[WinHttpNameResolutionStart], 0u);
        EXPECT_EQ(second.rgullTimes[WinHttpConnectionEstablishmentStart], 0u);
        EXPECT_GE(second.rgullTimes[WinHttpConnectionAcquireStart],
                  first.rgullTimes[WinHttpReceiveResponseEnd]);
    }
}

TEST_P(OptionsConn, RequestTimesSizeAndHandleErrors) {
    Client c = open_client(nginx_->port(), L"GET", L"/hello.txt");
    ASSERT_TRUE(c.request);
    DWORD len = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(c.request, WINHTTP_OPTION_REQUEST_TIMES, nullptr, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(len, sizeof(WINHTTP_REQUEST_TIMES));
    WINHTTP_REQUEST_TIMES t{};
    len = sizeof(t) - 1;
    EXPECT_FALSE(WinHttpQueryOption(c.request, WINHTTP_OPTION_REQUEST_TIMES, &t, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    // Before the request is sent nothing has been measured.
    len = sizeof(t);
    ASSERT_TRUE(WinHttpQueryOption(c.request, WINHTTP_OPTION_REQUEST_TIMES, &t, &len));
    for (ULONGLONG v : t.rgullTimes) EXPECT_EQ(v, 0u);
    // A request option: the session handle is the wrong type; it cannot be set.
    len = sizeof(t);
    EXPECT_FALSE(WinHttpQueryOption(c.session, WINHTTP_OPTION_REQUEST_TIMES, &t, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    EXPECT_FALSE(WinHttpSetOption(c.request, WINHTTP_OPTION_REQUEST_TIMES, &t, sizeof(t)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_OPTION_NOT_SETTABLE));
}

// --- REQUEST_STATS ------------------------------------------------------------------------------

// WINHTTP_REQUEST_STATS page: FIRST_REQUEST marks the first request on a connection, ulIndex
// counts the requests sent on it before; the sizes are exact byte counts.
TEST_P(OptionsConn, RequestStatsCountHeadersBodyAndConnectionUse) {
    const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Pad: abc\r\n\r\nhello";
    const size_t response_head = response.size() - 5;
    ScriptedServer server({{Step::read_request(), Step::send(response), Step::read_request(),
                            Step::send(response)}});
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    ASSERT_TRUE(connect);
    WINHTTP_REQUEST_STATS first{}, second{};
    for (auto* out : {&first, &second}) {
        RequestSpec spec{.path = L"/s"};
        spec.inspect = [out](HINTERNET r) { *out = request_stats(r); };
        const Response r = run_request_in(mode(), connect, spec);
        ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
        ASSERT_EQ(r.body, "hello");
    }
    EXPECT_EQ(first.cStats, static_cast<ULONG>(WinHttpRequestStatLast));
    EXPECT_EQ(first.ullFlags, static_cast<ULONGLONG>(WINHTTP_REQUEST_STAT_FLAG_FIRST_REQUEST));
    EXPECT_EQ(first.ulIndex, 0u);
    EXPECT_EQ(second.ullFlags, 0u);
    EXPECT_EQ(second.ulIndex, 1u);
    EXPECT_EQ(first.rgullStats[WinHttpRequestHeadersSize], server.request(0).size());
    EXPECT_EQ(second.rgullStats[WinHttpRequestHeadersSize], server.request(1).size());
    for (const auto* st : {&first, &second}) {
        EXPECT_EQ(st->rgullStats[WinHttpResponseHeadersSize], response_head);
        EXPECT_EQ(st->rgullStats[WinHttpResponseBodySize], 5u);
        EXPECT_EQ(st->rgullStats[WinHttpResponseBodyCompressedSize], 0u);
        EXPECT_EQ(st->rgullStats[WinHttpConnectFailureCount], 0u);
        EXPECT_EQ(st->rgullStats[WinHttpProxyFailureCount], 0u);
    }
}

// The body counts: decoded bytes in ResponseBodySize, wire bytes in ResponseBodyCompressedSize
// when WINHTTP_OPTION_DECOMPRESSION decoded them.
TEST_P(OptionsConn, RequestStatsBodySizesWithDecompression) {
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"127.0.0.1", nginx_->port(), 0));
    ASSERT_TRUE(connect);
    for (DWORD decompression : {0u, static_cast<DWORD>(WINHTTP_DECOMPRESSION_FLAG_ALL)}) {
        WINHTTP_REQUEST_STATS st{};
        RequestSpec spec{.path = L"/gz/text.txt", .decompression = decompression};
        if (!decompression) spec.headers = L"Accept-Encoding: identity";
        spec.inspect = [&](HINTERNET r) { st = request_stats(r); };
        const Response r = run_request_in(mode(), connect, spec);
        ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
        EXPECT_EQ(st.rgullStats[WinHttpResponseBodySize], r.body.size());
        if (decompression) {
            EXPECT_GT(st.rgullStats[WinHttpResponseBodyCompressedSize], 0u);
            EXPECT_LT(st.rgullStats[WinHttpResponseBodyCompressedSize], r.body.size());
        } else {
            EXPECT_EQ(st.rgullStats[WinHttpResponseBodyCompressedSize], 0u);
        }
    }
}

// A new TLS connection to a server seen before resumes the session (the first one was expired
// so that the second request needs a new connection).
TEST_P(OptionsConn, RequestStatsFlagTlsSessionResumption) {
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"localhost", nginx_->tls_port(TlsPort::Valid), 0));
    ASSERT_TRUE(connect);
    WINHTTP_REQUEST_STATS st[2]{};
    for (auto& out : st) {
        RequestSpec spec{.path = L"/hello.txt", .open_flags = WINHTTP_FLAG_SECURE};
        spec.prepare = [](HINTERNET r) {
            EXPECT_TRUE(WinHttpSetOption(r, WINHTTP_OPTION_EXPIRE_CONNECTION, nullptr, 0));
        };
        spec.inspect = [&out](HINTERNET r) { out = request_stats(r); };
        const Response r = run_request_in(mode(), connect, spec);
        ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
    }
    EXPECT_EQ(st[0].ullFlags, static_cast<ULONGLONG>(WINHTTP_REQUEST_STAT_FLAG_FIRST_REQUEST));
    EXPECT_EQ(st[1].ullFlags, static_cast<ULONGLONG>(WINHTTP_REQUEST_STAT_FLAG_FIRST_REQUEST |
                                                     WINHTTP_REQUEST_STAT_FLAG_TLS_SESSION_RESUMPTION));
}

// --- CONNECTION_STATS_V0 / V1 -------------------------------------------------------------------

// TCP_INFO_v0/v1 pages: the connection's TCP statistics; available while the request holds its
// connection and, here, after the response ended (the last connection's figures).
TEST_P(OptionsConn, ConnectionStatsDescribeTheRequestsConnection) {
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"127.0.0.1", nginx_->port(), 0));
    ASSERT_TRUE(connect);
    TCP_INFO_v0 v0{};
    TCP_INFO_v1 v1{};
    DWORD len0 = 0, len1 = 0;
    RequestSpec spec{.path = L"/16k.bin"};
    spec.prepare = [](HINTERNET r) {
        TCP_INFO_v0 none{};
        DWORD len = sizeof(none);
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpQueryOption(r, WINHTTP_OPTION_CONNECTION_STATS_V0, &none, &len));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    };
    spec.inspect = [&](HINTERNET r) {
        len0 = sizeof(v0);
        EXPECT_TRUE(WinHttpQueryOption(r, WINHTTP_OPTION_CONNECTION_STATS_V0, &v0, &len0));
        len1 = sizeof(v1);
        EXPECT_TRUE(WinHttpQueryOption(r, WINHTTP_OPTION_CONNECTION_STATS_V1, &v1, &len1));
        DWORD probe = 0;
        EXPECT_FALSE(WinHttpQueryOption(r, WINHTTP_OPTION_CONNECTION_STATS_V1, nullptr, &probe));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
        EXPECT_EQ(probe, sizeof(TCP_INFO_v1));
    };
    const ULONGLONG start = monotonic_100ns();
    const Response r = run_request_in(mode(), connect, spec);
    const ULONGLONG elapsed_ms = (monotonic_100ns() - start) / 10'000 + 1;
    ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
    ASSERT_EQ(r.body.size(), 16u * 1024);
    EXPECT_EQ(len0, sizeof(TCP_INFO_v0));
    EXPECT_EQ(len1, sizeof(TCP_INFO_v1));
    for (const TCP_INFO_v0* s : {static_cast<const TCP_INFO_v0*>(&v0), reinterpret_cast<const TCP_INFO_v0*>(&v1)}) {
        EXPECT_EQ(s->State, TCPSTATE_ESTABLISHED);
        EXPECT_GT(s->Mss, 0u);
        EXPECT_LE(s->ConnectionTimeMs, elapsed_ms);
        EXPECT_GE(s->BytesIn, 16u * 1024);
        EXPECT_GT(s->BytesOut, 0u);
        EXPECT_GT(s->Cwnd, 0u);
    }
}

// --- RESOLUTION_HOSTNAME ------------------------------------------------------------------------

void set_resolution(HINTERNET request, const wchar_t* name) {
    EXPECT_TRUE(WinHttpSetOption(request, WINHTTP_OPTION_RESOLUTION_HOSTNAME,
                                 const_cast<wchar_t*>(name), static_cast<DWORD>(wcslen(name))))
        << GetLastError();
}

// Option Flags page: the request connects to the given name or address instead of resolving the
// URL's host; the Host header stays the URL's (the name below does not resolve at all).
TEST_P(OptionsConn, ResolutionHostnameConnectsElsewhereKeepingTheHost) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")}});
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"resolution.example.invalid", server.port(), 0));
    ASSERT_TRUE(connect);
    RequestSpec spec{.path = L"/r"};
    spec.prepare = [](HINTERNET r) { set_resolution(r, L"127.0.0.1"); };
    const Response r = run_request_in(mode(), connect, spec);
    ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.body, "ok");
    const std::string host = "Host: resolution.example.invalid:" + std::to_string(server.port()) + "\r\n";
    EXPECT_NE(server.request(0).find(host), std::string::npos) << server.request(0);
}

// Over TLS the certificate is still checked against the URL's host (SNI too): this server's
// certificate names only wrong.example.invalid, which resolves nowhere.
TEST_P(OptionsConn, ResolutionHostnameKeepsTheTlsNameOfTheUrl) {
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"wrong.example.invalid",
                                  nginx_->tls_port(TlsPort::WrongHost), 0));
    ASSERT_TRUE(connect);
    RequestSpec spec{.path = L"/hello.txt", .open_flags = WINHTTP_FLAG_SECURE};
    spec.prepare = [](HINTERNET r) { set_resolution(r, L"127.0.0.1"); };
    const Response r = run_request_in(mode(), connect, spec);
    ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.body, "hello, world\n");
}

// --- FAILED_CONNECTION_RETRIES -------------------------------------------------------------------

WINHTTP_FAILED_CONNECTION_RETRIES retries(DWORD max, DWORD conditions) {
    WINHTTP_FAILED_CONNECTION_RETRIES v{};
    v.dwMaxRetries = max;
    v.dwAllowedRetryConditions = conditions;
    return v;
}

// WINHTTP_FAILED_CONNECTION_RETRIES page: CONDITION_408 retries a request the server answered
// with 408 Request Timeout.
TEST_P(OptionsConn, FailedConnectionRetriesResendsAfter408) {
    for (bool enabled : {false, true}) {
        SCOPED_TRACE(enabled ? "with the option" : "without");
        ScriptedServer server(
            {{Step::read_request(),
              Step::send("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
              Step::close()},
             {Step::read_request(), Step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")}});
        Handle session = open_mode_session(mode());
        auto v = retries(1, WINHTTP_CONNECTION_RETRY_CONDITION_408);
        if (enabled) ASSERT_TRUE(WinHttpSetOption(session, WINHTTP_OPTION_FAILED_CONNECTION_RETRIES, &v, sizeof(v)));
        Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
        ASSERT_TRUE(connect);
        const Response r = run_request_in(mode(), connect, RequestSpec{.path = L"/t"});
        ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
        EXPECT_EQ(r.status, enabled ? 200u : 408u);
        EXPECT_EQ(server.requests().size(), enabled ? 2u : 1u);
    }
}

// CONDITION_SSL_HANDSHAKE: a handshake that fails (here the server resets the connection) is
// tried again on a new connection, dwMaxRetries times at most.
TEST_P(OptionsConn, FailedConnectionRetriesRepeatsAFailedHandshake) {
    for (bool enabled : {false, true}) {
        SCOPED_TRACE(enabled ? "with the option" : "without");
        ScriptedServer server({{Step::read_bytes(1), Step::reset()}});
        Handle session = open_mode_session(mode());
        auto v = retries(2, WINHTTP_CONNECTION_RETRY_CONDITION_SSL_HANDSHAKE);
        if (enabled) ASSERT_TRUE(WinHttpSetOption(session, WINHTTP_OPTION_FAILED_CONNECTION_RETRIES, &v, sizeof(v)));
        Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
        ASSERT_TRUE(connect);
        const Response r = run_request_in(mode(), connect,
                                          RequestSpec{.path = L"/t", .open_flags = WINHTTP_FLAG_SECURE});
        EXPECT_NE(r.error, static_cast<DWORD>(ERROR_SUCCESS)) << r;
        const size_t expected = enabled ? 3 : 1;
        EXPECT_TRUE(server.wait_done(expected));
        EXPECT_EQ(server.connections_accepted(), expected);
    }
}

// --- SECURE_PROTOCOLS on a request ---------------------------------------------------------------

// Option Flags page: WINHTTP_OPTION_SECURE_PROTOCOLS; set on a request handle it decides that
// request's protocols, whatever the session allows (Azure/azure-c-shared-utility PR #393 sets it
// per request).
TEST_P(OptionsConn, SecureProtocolsOfARequestApplyToItsConnection) {
    struct Case {
        DWORD session_mask, request_mask;
        TlsPort port;
        DWORD error;
    };
    const DWORD tls12 = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2, tls13 = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
    const Case cases[] = {
        {tls12 | tls13, tls13, TlsPort::Tls12Only, ERROR_WINHTTP_CONNECTION_ERROR},
        {tls12 | tls13, tls13, TlsPort::Tls13Only, ERROR_SUCCESS},
        {tls12 | tls13, tls12, TlsPort::Tls13Only, ERROR_WINHTTP_CONNECTION_ERROR},
        {tls12 | tls13, tls12, TlsPort::Tls12Only, ERROR_SUCCESS},
        {tls12, tls13, TlsPort::Tls13Only, ERROR_SUCCESS},
        {tls13, tls12, TlsPort::Tls12Only, ERROR_SUCCESS},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(testing::Message() << "session " << c.session_mask << " request "
                                        << c.request_mask << " port " << static_cast<int>(c.port));
        Handle session = open_mode_session(mode());
        ASSERT_TRUE(set_dword_option(session, WINHTTP_OPTION_SECURE_PROTOCOLS, c.session_mask));
        Handle connect(WinHttpConnect(session, L"localhost", nginx_->tls_port(c.port), 0));
        ASSERT_TRUE(connect);
        RequestSpec spec{.path = L"/hello.txt", .open_flags = WINHTTP_FLAG_SECURE};
        spec.prepare = [&c](HINTERNET r) {
            EXPECT_TRUE(set_dword_option(r, WINHTTP_OPTION_SECURE_PROTOCOLS, c.request_mask));
        };
        const Response r = run_request_in(mode(), connect, spec);
        EXPECT_EQ(r.error, c.error) << r;
        if (c.error == ERROR_SUCCESS) EXPECT_EQ(r.body, "hello, world\n");
    }
}

// A request with its own protocols does not take a pooled connection made under others.
TEST_P(OptionsConn, SecureProtocolsOfARequestKeepItsConnectionsApart) {
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"localhost", nginx_->tls_port(TlsPort::Valid), 0));
    ASSERT_TRUE(connect);
    WINHTTP_REQUEST_STATS st[2]{};
    for (int i = 0; i < 2; ++i) {
        RequestSpec spec{.path = L"/hello.txt", .open_flags = WINHTTP_FLAG_SECURE};
        if (i == 1)
            spec.prepare = [](HINTERNET r) {
                EXPECT_TRUE(set_dword_option(r, WINHTTP_OPTION_SECURE_PROTOCOLS,
                                             WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2));
            };
        spec.inspect = [&st, i](HINTERNET r) { st[i] = request_stats(r); };
        const Response r = run_request_in(mode(), connect, spec);
        ASSERT_EQ(r.error, ERROR_SUCCESS) << r;
    }
    EXPECT_NE(st[1].ullFlags & WINHTTP_REQUEST_STAT_FLAG_FIRST_REQUEST, 0u);
}

// --- SECURITY_INFO ------------------------------------------------------------------------------

std::wstring wstr(const WCHAR* s) { return std::wstring(s); }

// Option Flags page: WINHTTP_SECURITY_INFO holds schannel's SecPkgContext_ConnectionInfo and
// SecPkgContext_CipherInfo of the request's TLS connection (queried once the headers are in).
TEST(OptionsConnTls, SecurityInfoDescribesTheNegotiatedSuite) {
    Nginx& nginx = Nginx::shared();
    ::setenv("SSL_CERT_FILE", nginx.certificates().ca_file().c_str(), 1);
    struct Case {
        TlsPort port;
        DWORD protocol;
    };
    for (const Case& k : {Case{TlsPort::Tls13Only, SP_PROT_TLS1_3_CLIENT},
                          Case{TlsPort::Tls12Only, SP_PROT_TLS1_2_CLIENT}}) {
        SCOPED_TRACE(k.protocol);
        Client c = open_client(nginx.tls_port(k.port), L"GET", L"/hello.txt", L"localhost",
                               WINHTTP_FLAG_SECURE);
        ASSERT_TRUE(c.request);
        WINHTTP_SECURITY_INFO info{};
        DWORD len = sizeof(info);
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpQueryOption(c.request, WINHTTP_OPTION_SECURITY_INFO, &info, &len));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
        ASSERT_TRUE(WinHttpSendRequest(c.request, nullptr, 0, nullptr, 0, 0, 0)) << GetLastError();
        ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
        DWORD probe = 0;
        EXPECT_FALSE(WinHttpQueryOption(c.request, WINHTTP_OPTION_SECURITY_INFO, nullptr, &probe));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
        EXPECT_EQ(probe, sizeof(WINHTTP_SECURITY_INFO));
        len = sizeof(info);
        ASSERT_TRUE(WinHttpQueryOption(c.request, WINHTTP_OPTION_SECURITY_INFO, &info, &len))
            << GetLastError();
        EXPECT_EQ(len, sizeof(info));
        const SecPkgContext_ConnectionInfo& ci = info.ConnectionInfo;
        const SecPkgContext_CipherInfo& cp = info.CipherInfo;
        EXPECT_EQ(ci.dwProtocol, k.protocol);
        EXPECT_EQ(cp.dwProtocol, k.protocol);
        EXPECT_EQ(cp.dwVersion, static_cast<DWORD>(SECPKGCONTEXT_CIPHERINFO_V1));
        // The key bitness option and the cipher strength agree.
        DWORD bits = 0;
        len = sizeof(bits);
        ASSERT_TRUE(WinHttpQueryOption(c.request, WINHTTP_OPTION_SECURITY_KEY_BITNESS, &bits, &len));
        EXPECT_EQ(ci.dwCipherStrength, bits);
        EXPECT_EQ(cp.dwCipherLen, bits);
        // nginx's defaults pick an AEAD suite with an ephemeral (EC)DH exchange.
        EXPECT_EQ(ci.aiExch, static_cast<ALG_ID>(CALG_ECDH_EPHEM));
        EXPECT_GT(ci.dwExchStrength, 0u);
        EXPECT_EQ(wstr(cp.szExchange), L"ECDHE");
        EXPECT_NE(cp.dwCipherSuite, 0u);
        const std::wstring suite = wstr(cp.szCipherSuite);
        EXPECT_EQ(suite.rfind(L"TLS_", 0), 0u) << narrow(suite);
        // The suite's name carries its cipher and hash.
        EXPECT_NE(suite.find(wstr(cp.szCipher)), std::wstring::npos) << narrow(suite);
        EXPECT_NE(suite.find(wstr(cp.szHash)), std::wstring::npos) << narrow(suite);
        EXPECT_EQ(cp.dwHashLen, wstr(cp.szHash) == L"SHA384" ? 384u : 256u);
        // The test certificates carry P-256 keys (tests/support/tls_certs.cpp).
        EXPECT_EQ(wstr(cp.szCertificate), L"ECDSA");
        std::string body;
        EXPECT_EQ(read_body(c.request, body), static_cast<DWORD>(ERROR_SUCCESS));
    }
}

// A plain http request has no TLS connection to describe.
TEST(OptionsConnTls, SecurityInfoOnPlainHttpIsWrongState) {
    Nginx& nginx = Nginx::shared();
    Client c = open_client(nginx.port(), L"GET", L"/hello.txt");
    ASSERT_TRUE(WinHttpSendRequest(c.request, nullptr, 0, nullptr, 0, 0, 0)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    WINHTTP_SECURITY_INFO info{};
    DWORD len = sizeof(info);
    EXPECT_FALSE(WinHttpQueryOption(c.request, WINHTTP_OPTION_SECURITY_INFO, &info, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    EXPECT_FALSE(WinHttpQueryOption(c.session, WINHTTP_OPTION_SECURITY_INFO, &info, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
}

// --- WinHttpQueryConnectionGroup ----------------------------------------------------------------

// Connections counted for `h`'s host (cHosts 0: none); checks the result's shape.
ULONG pooled(HINTERNET h, ULONGLONG flags, const GUID* guid = nullptr) {
    PWINHTTP_QUERY_CONNECTION_GROUP_RESULT result = nullptr;
    const DWORD e = WinHttpQueryConnectionGroup(h, guid, flags, &result);
    EXPECT_EQ(e, static_cast<DWORD>(ERROR_SUCCESS));
    if (e || !result) return 0xFFFFFFFF;
    ULONG n = 0;
    if (result->cHosts > 0) {
        EXPECT_EQ(result->cHosts, 1u);
        const WINHTTP_HOST_CONNECTION_GROUP& host = result->pHostConnectionGroups[0];
        EXPECT_EQ(std::wstring(host.pwszHost), L"127.0.0.1");
        EXPECT_EQ(host.cConnectionGroups, 1u);
        n = host.pConnectionGroups[0].cConnections;
        const GUID zero{};
        EXPECT_EQ(std::memcmp(&host.pConnectionGroups[0].guidGroup, &zero, sizeof(GUID)), 0);
    }
    WinHttpFreeQueryConnectionGroupResult(result);
    return n;
}

// WinHttpQueryConnectionGroup page: the connections to the host of a request or connect handle;
// a connect handle means https unless WINHTTP_QUERY_CONNECTION_GROUP_FLAG_INSECURE is passed.
TEST_P(OptionsConn, QueryConnectionGroupCountsThePoolsConnections) {
    Handle session = open_mode_session(mode());
    Handle connect(WinHttpConnect(session, L"127.0.0.1", nginx_->port(), 0));
    ASSERT_TRUE(connect);
    const ULONGLONG insecure = WINHTTP_QUERY_CONNECTION_GROUP_FLAG_INSECURE;
    EXPECT_EQ(pooled(connect, insecure), 0u);
    ULONG during = 0;
    RequestSpec spec{.path = L"/hello.txt"};
    spec.inspect = [&](HINTERNET r) { during = pooled(r, 0); };
    ASSERT_EQ(run_request_in(mode(), connect, spec).error, ERROR_SUCCESS);
    EXPECT_EQ(during, 1u);                     // the request's handle: its own scheme
    EXPECT_EQ(pooled(connect, insecure), 1u);  // idle in the pool now
    EXPECT_EQ(pooled(connect, 0), 0u);         // no https connection to that host
    const GUID other{1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}};
    EXPECT_EQ(pooled(connect, insecure, &other), 0u);
    // An expired connection leaves the pool.
    RequestSpec expire{.path = L"/hello.txt"};
    expire.prepare = [](HINTERNET r) {
        EXPECT_TRUE(WinHttpSetOption(r, WINHTTP_OPTION_EXPIRE_CONNECTION, nullptr, 0));
    };
    ASSERT_EQ(run_request_in(mode(), connect, expire).error, ERROR_SUCCESS);
    EXPECT_EQ(pooled(connect, insecure), 0u);
}

TEST(OptionsConnHandles, QueryConnectionGroupArguments) {
    Client c = open_client(1, L"GET", L"/");
    ASSERT_TRUE(c.request);
    PWINHTTP_QUERY_CONNECTION_GROUP_RESULT result = nullptr;
    EXPECT_EQ(WinHttpQueryConnectionGroup(c.connect, nullptr, 0, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpQueryConnectionGroup(c.connect, nullptr, 0x2, &result),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpQueryConnectionGroup(c.session, nullptr, 0, &result),
              static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(WinHttpQueryConnectionGroup(kGarbage, nullptr, 0, &result),
              static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_EQ(result, nullptr);
    ASSERT_EQ(WinHttpQueryConnectionGroup(c.request, nullptr, 0, &result),
              static_cast<DWORD>(ERROR_SUCCESS));
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->cHosts, 0u);
    WinHttpFreeQueryConnectionGroupResult(result);
    WinHttpFreeQueryConnectionGroupResult(nullptr);  // like free(NULL)
}

INSTANTIATE_TEST_SUITE_P(Modes, OptionsConn, ::testing::ValuesIn(kModes),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

// --- handle types and sizes (no server needed) ---------------------------------------------------

// Option Flags page: TCP_KEEPALIVE is set on a session handle; EXPIRE_CONNECTION on a request.
TEST(OptionsConnHandles, SetOnTheDocumentedHandlesOnly) {
    Client c = open_client(1, L"GET", L"/");
    ASSERT_TRUE(c.request);
    tcp_keepalive ka{1, 1000, 1000};
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetOption(c.request, WINHTTP_OPTION_TCP_KEEPALIVE, &ka, sizeof(ka)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    EXPECT_FALSE(WinHttpSetOption(c.connect, WINHTTP_OPTION_TCP_KEEPALIVE, &ka, sizeof(ka)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    // A buffer that is not a tcp_keepalive is refused.
    EXPECT_FALSE(WinHttpSetOption(c.session, WINHTTP_OPTION_TCP_KEEPALIVE, &ka, sizeof(ka) - 1));
    EXPECT_TRUE(WinHttpSetOption(c.session, WINHTTP_OPTION_TCP_KEEPALIVE, &ka, sizeof(ka)));
    EXPECT_FALSE(WinHttpSetOption(c.session, WINHTTP_OPTION_EXPIRE_CONNECTION, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    EXPECT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_EXPIRE_CONNECTION, nullptr, 0));
    // FAILED_CONNECTION_RETRIES: on a session; unknown condition bits are refused.
    WINHTTP_FAILED_CONNECTION_RETRIES fr{1, 0x8};
    EXPECT_FALSE(WinHttpSetOption(c.session, WINHTTP_OPTION_FAILED_CONNECTION_RETRIES, &fr, sizeof(fr)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    fr.dwAllowedRetryConditions = WINHTTP_CONNECTION_RETRY_CONDITION_MASK;
    EXPECT_TRUE(WinHttpSetOption(c.session, WINHTTP_OPTION_FAILED_CONNECTION_RETRIES, &fr, sizeof(fr)));
    EXPECT_FALSE(WinHttpSetOption(c.request, WINHTTP_OPTION_FAILED_CONNECTION_RETRIES, &fr, sizeof(fr)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    // RESOLUTION_HOSTNAME: on a request.
    EXPECT_FALSE(WinHttpSetOption(c.session, WINHTTP_OPTION_RESOLUTION_HOSTNAME, const_cast<wchar_t*>(L"x"), 1));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    EXPECT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_RESOLUTION_HOSTNAME, const_cast<wchar_t*>(L"x"), 1));
    DWORD len = sizeof(TCP_INFO_v0);
    TCP_INFO_v0 v0{};
    EXPECT_FALSE(WinHttpQueryOption(c.session, WINHTTP_OPTION_CONNECTION_STATS_V0, &v0, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
}

}  // namespace
