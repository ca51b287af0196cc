// WINHTTP_OPTION_IPV6_FAST_FALLBACK (Happy Eyeballs) against real loopback listeners, in
// synchronous and asynchronous mode.
//
// Option Flags page: the option "enables IPv6 fast fallback (Happy Eyeballs) for the
// connection": when a host resolves to IPv6 and IPv4 addresses, the first IPv6 address is
// tried "with a short (300ms) timeout", then the first IPv4 one. We race them as RFC 8305
// does (docs/design/happy-eyeballs.md): the IPv4 connect joins the still-running IPv6 one
// after 300 ms, or at once when IPv6 fails; the first to connect wins.
//
// The host is "happy.localhost": names under localhost. resolve to [::1] and 127.0.0.1, IPv6
// first (RFC 6761 6.3; net/socket.cpp). Each test holds one port P on both: a server or a
// stalled listener on 127.0.0.1:P and a stalled listener or a refusing port on [::1]:P. A
// stalled listener has listen(fd, 0) and a full accept queue, so Linux drops the SYN and the
// connect stays pending (checked with connect_pends()).
//
// No timed assertion beyond "before the 20 s connect timeout fired" and "not before the
// connect timeout": both hold on any machine.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <future>
#include <optional>
#include <thread>

#include "async_util.h"
#include "http_test_util.h"
#include "support/http_text.h"
#include "support/loopback.h"
#include "support/recorder.h"
#include "support/scripted_server.h"

namespace {

using namespace itest;
using namespace std::chrono_literals;
using winhttp::test::CallbackEvent;
using winhttp::test::CallbackRecorder;
using winhttp::test::FullBacklogListener;
using winhttp::test::http_response;
using winhttp::test::pending_connects_to;
using winhttp::test::RefusedPort;
using winhttp::test::Script;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;

const wchar_t* const kHost = L"happy.localhost";
const std::string kBody = "answered over IPv4";
// Long enough that a request still waiting for its IPv6 attempt to time out can never be
// mistaken for one that raced.
constexpr DWORD kLongConnectMs = 20000;
// Short, for the cases that must run into the connect timeout.
constexpr DWORD kShortConnectMs = 1000;

enum class V6 { Stalled, Refused };
enum class V4 { Server, Stalled };

// One port P with listeners on 127.0.0.1:P and [::1]:P.
struct DualStack {
    std::optional<ScriptedServer> server;  // 127.0.0.1, V4::Server
    std::optional<FullBacklogListener> v4_stalled, v6_stalled;
    std::optional<RefusedPort> v6_refused;
    INTERNET_PORT port = 0;

    // False when no port could be held on both families (each try picks a new one).
    bool open(V6 v6, V4 v4) {
        for (int attempt = 0; attempt < 20; ++attempt) {
            server.reset();
            v4_stalled.reset();
            v6_stalled.reset();
            v6_refused.reset();
            if (v4 == V4::Server) {
                server.emplace(std::vector<Script>{
                    {Step::read_request(), Step::send(http_response(200, "OK", {}, kBody)),
                     Step::stall(10s)}});
                port = server->port();
            } else {
                v4_stalled.emplace(false);
                if (!v4_stalled->ready()) continue;
                port = v4_stalled->port();
            }
            if (v6 == V6::Stalled) {
                v6_stalled.emplace(true, port);
                if (v6_stalled->ready()) return true;
            } else {
                v6_refused.emplace(true, port);
                if (v6_refused->ready()) return true;
            }
        }
        return false;
    }

    // The stalled listeners really stall on this kernel.
    bool stalls() const {
        return (!v6_stalled || v6_stalled->connect_pends()) &&
               (!v4_stalled || v4_stalled->connect_pends());
    }
};

#define REQUIRE_DUAL_STACK(dual, v6, v4)                                                      \
    do {                                                                                      \
        if (!winhttp::test::ipv6_loopback_available()) GTEST_SKIP() << "no [::1] here";       \
        ASSERT_TRUE((dual).open(v6, v4)) << "no port free on both 127.0.0.1 and [::1]";       \
        ASSERT_TRUE((dual).stalls()) << "a connect to a full backlog does not pend here";     \
    } while (0)

Handle fallback_session(Mode mode, DWORD connect_ms, bool fast_fallback = true) {
    Handle s = open_session(mode == Mode::Async ? WINHTTP_FLAG_ASYNC : 0);
    EXPECT_TRUE(s) << GetLastError();
    EXPECT_TRUE(WinHttpSetTimeouts(s, 5000, static_cast<int>(connect_ms), 5000, 5000));
    BOOL on = fast_fallback ? TRUE : FALSE;
    // Option Flags page: a BOOL, set on the session handle.
    EXPECT_TRUE(WinHttpSetOption(s, WINHTTP_OPTION_IPV6_FAST_FALLBACK, &on, sizeof on))
        << GetLastError();
    return s;
}

// What a finished request tells about its connection.
struct Seen {
    int family = 0;          // of WINHTTP_OPTION_CONNECTION_INFO's remote address
    std::string remote;      // its numeric text
    ULONGLONG failures = 0;  // REQUEST_STATS WinHttpConnectFailureCount
};

std::function<void(HINTERNET)> inspect_into(Seen& seen) {
    return [&seen](HINTERNET request) {
        WINHTTP_CONNECTION_INFO info{};
        info.cbSize = sizeof info;
        DWORD len = sizeof info;
        if (WinHttpQueryOption(request, WINHTTP_OPTION_CONNECTION_INFO, &info, &len)) {
            seen.family = info.RemoteAddress.ss_family;
            char text[INET6_ADDRSTRLEN] = {};
            if (seen.family == AF_INET)
                ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in&>(info.RemoteAddress).sin_addr,
                            text, sizeof text);
            else
                ::inet_ntop(AF_INET6,
                            &reinterpret_cast<sockaddr_in6&>(info.RemoteAddress).sin6_addr, text,
                            sizeof text);
            seen.remote = text;
        } else {
            ADD_FAILURE() << "CONNECTION_INFO: " << GetLastError();
        }
        WINHTTP_REQUEST_STATS stats{};
        len = sizeof stats;
        if (WinHttpQueryOption(request, WINHTTP_OPTION_REQUEST_STATS, &stats, &len))
            seen.failures = stats.rgullStats[WinHttpConnectFailureCount];
        else
            ADD_FAILURE() << "REQUEST_STATS: " << GetLastError();
    };
}

// The connect failures of a request whose send failed.
std::function<void(HINTERNET)> count_failures(ULONGLONG& failures) {
    return [&failures](HINTERNET request) {
        WINHTTP_REQUEST_STATS stats{};
        DWORD len = sizeof stats;
        ASSERT_TRUE(WinHttpQueryOption(request, WINHTTP_OPTION_REQUEST_STATS, &stats, &len))
            << GetLastError();
        failures = stats.rgullStats[WinHttpConnectFailureCount];
    };
}

class FastFallback : public ::testing::TestWithParam<Mode> {};

// The IPv6 attempt hangs: the IPv4 one, started after the head start, wins long before the
// 20 s connect timeout could end the IPv6 attempt; the IPv6 attempt is dropped, not counted
// as a failure.
TEST_P(FastFallback, StalledIpv6LosesTheRaceToIpv4) {
    DualStack dual;
    REQUIRE_DUAL_STACK(dual, V6::Stalled, V4::Server);
    Handle session = fallback_session(GetParam(), kLongConnectMs);
    Handle connect(WinHttpConnect(session, kHost, dual.port, 0));
    ASSERT_TRUE(connect) << GetLastError();
    Seen seen;
    Stopwatch sw;
    Response r = run_request_in(GetParam(), connect,
                                RequestSpec{.path = L"/race", .inspect = inspect_into(seen)}, 30s);
    EXPECT_LT(sw.ms(), static_cast<long long>(kLongConnectMs)) << "the IPv4 attempt did not race";
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(r.body, kBody);
    EXPECT_EQ(seen.family, AF_INET);
    EXPECT_EQ(seen.remote, "127.0.0.1");
    EXPECT_EQ(seen.failures, 0u);
    EXPECT_EQ(dual.server->connections_accepted(), 1u);
}

// The IPv6 attempt is refused: IPv4 is tried at once and the refusal counts as one failure.
TEST_P(FastFallback, RefusedIpv6FallsOverToIpv4) {
    DualStack dual;
    REQUIRE_DUAL_STACK(dual, V6::Refused, V4::Server);
    Handle session = fallback_session(GetParam(), kLongConnectMs);
    Handle connect(WinHttpConnect(session, kHost, dual.port, 0));
    Seen seen;
    Response r = run_request_in(GetParam(), connect,
                                RequestSpec{.path = L"/refused", .inspect = inspect_into(seen)});
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(r.body, kBody);
    EXPECT_EQ(seen.remote, "127.0.0.1");
    EXPECT_EQ(seen.failures, 1u);
    EXPECT_EQ(dual.server->connections_accepted(), 1u);
}

// Neither family answers: ERROR_WINHTTP_TIMEOUT from WinHttpSendRequest [SR], and not before
// the connect timeout (each attempt has the whole timeout). Both attempts count as failures.
TEST_P(FastFallback, BothFamiliesStalledTimeOut) {
    DualStack dual;
    REQUIRE_DUAL_STACK(dual, V6::Stalled, V4::Stalled);
    Handle session = fallback_session(GetParam(), kShortConnectMs);
    Handle connect(WinHttpConnect(session, kHost, dual.port, 0));
    ULONGLONG failures = 99;
    Stopwatch sw;
    Response r = run_request_in(GetParam(), connect,
                                RequestSpec{.path = L"/nobody", .inspect = count_failures(failures)},
                                30s);
    EXPECT_GE(sw.ms(), static_cast<long long>(kShortConnectMs));
    EXPECT_EQ(r.api, static_cast<DWORD>(API_SEND_REQUEST)) << r;
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT)) << r;
    EXPECT_EQ(failures, 2u);
}

// Without the option the addresses are tried one after another, each with the whole connect
// timeout: the stalled IPv6 attempt runs out first, then IPv4 answers.
TEST_P(FastFallback, WithoutTheOptionAddressesAreTriedInTurn) {
    DualStack dual;
    REQUIRE_DUAL_STACK(dual, V6::Stalled, V4::Server);
    Handle session = fallback_session(GetParam(), kShortConnectMs, false);
    Handle connect(WinHttpConnect(session, kHost, dual.port, 0));
    Seen seen;
    Stopwatch sw;
    Response r = run_request_in(GetParam(), connect,
                                RequestSpec{.path = L"/in-turn", .inspect = inspect_into(seen)}, 30s);
    EXPECT_GE(sw.ms(), static_cast<long long>(kShortConnectMs)) << "IPv4 did not wait for IPv6";
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(seen.remote, "127.0.0.1");
    EXPECT_EQ(seen.failures, 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, FastFallback, ::testing::Values(Mode::Sync, Mode::Async),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                             return std::string(mode_name(info.param));
                         });

// Both attempts are in flight once the kernel lists two connects to the port.
bool both_attempts_pending(unsigned short port) {
    for (int i = 0; i < 500; ++i) {
        if (pending_connects_to(port) == 2) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

bool no_attempt_left(unsigned short port) {
    for (int i = 0; i < 500; ++i) {
        if (pending_connects_to(port) == 0) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

// Closing the request during the race (WinHttpCloseHandle page, DESIGN.md "Close protocol"):
// REQUEST_ERROR with ERROR_WINHTTP_OPERATION_CANCELLED for WinHttpSendRequest, then
// HANDLE_CLOSING, the last callback; both connecting sockets are closed.
TEST(FastFallbackClose, AsyncCloseDuringTheRaceCancelsBothAttempts) {
    DualStack dual;
    REQUIRE_DUAL_STACK(dual, V6::Stalled, V4::Stalled);
    CallbackRecorder rec;
    Handle session = fallback_session(Mode::Async, kLongConnectMs);
    WinHttpSetStatusCallback(session, CallbackRecorder::record,
                             WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    Handle connect(WinHttpConnect(session, kHost, dual.port, 0));
    Handle request = open_request(connect, L"GET", L"/close");
    HINTERNET h = request.get();
    ASSERT_TRUE(WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA,
                                   0, 0, rec.context()))
        << GetLastError();
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER, 2, 10s, h)) << rec.dump();
    ASSERT_TRUE(both_attempts_pending(dual.port));
    std::vector<std::wstring> tried;
    for (const CallbackEvent& e : rec.events_for(h))
        if (e.status == WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER) tried.push_back(e.text);
    EXPECT_EQ(tried, (std::vector<std::wstring>{L"::1", L"127.0.0.1"})) << rec.dump();
    ASSERT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR, h), 0u) << rec.dump();

    const size_t before = rec.events_for(h).size();
    ASSERT_TRUE(request.release() && WinHttpCloseHandle(h));
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, 10s, h)) << rec.dump();
    std::vector<CallbackEvent> after = rec.events_for(h);
    after.erase(after.begin(), after.begin() + static_cast<long>(before));
    ASSERT_EQ(after.size(), 2u) << rec.dump();
    EXPECT_EQ(after[0].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR));
    EXPECT_EQ(after[0].result.dwResult, static_cast<DWORD_PTR>(API_SEND_REQUEST));
    EXPECT_EQ(after[0].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    EXPECT_EQ(after[1].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING));
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER, h), 0u);
    EXPECT_TRUE(no_attempt_left(dual.port)) << pending_connects_to(dual.port) << " still connecting";
    connect.reset();
    session.reset();
}

// A synchronous WinHttpSendRequest blocked in the race returns FALSE with
// ERROR_WINHTTP_OPERATION_CANCELLED when another thread closes the request; both connecting
// sockets are closed.
TEST(FastFallbackClose, SyncCloseDuringTheRaceCancelsBothAttempts) {
    DualStack dual;
    REQUIRE_DUAL_STACK(dual, V6::Stalled, V4::Stalled);
    Handle session = fallback_session(Mode::Sync, kLongConnectMs);
    Handle connect(WinHttpConnect(session, kHost, dual.port, 0));
    Handle request = open_request(connect, L"GET", L"/close");
    HINTERNET h = request.get();
    auto blocked = std::async(std::launch::async, [h]() -> std::pair<BOOL, DWORD> {
        SetLastError(kSentinel);
        const BOOL ok = WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                           WINHTTP_NO_REQUEST_DATA, 0, 0, 0);
        return {ok, GetLastError()};
    });
    ASSERT_TRUE(both_attempts_pending(dual.port));
    ASSERT_EQ(blocked.wait_for(0s), std::future_status::timeout) << "the call did not block";
    EXPECT_TRUE(WinHttpCloseHandle(request.release()));
    ASSERT_EQ(blocked.wait_for(10s), std::future_status::ready) << "the blocked call did not return";
    auto [ok, error] = blocked.get();
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    EXPECT_TRUE(no_attempt_left(dual.port)) << pending_connects_to(dual.port) << " still connecting";
}

}  // namespace
