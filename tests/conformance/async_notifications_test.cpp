// The order and payload of status callbacks, as ordered tables of expected notifications
// (STYLE.md: wine tests/notification.c). Asynchronous requests are driven from the callback
// the way Microsoft's asynchronous sample does; the informational notifications must come in
// the same order in synchronous mode, on the calling thread.
//
// Pages cited: WINHTTP_STATUS_CALLBACK ("WINHTTP_STATUS_CALLBACK callback function"),
// WinHttpSetStatusCallback, WinHttpSendRequest, WinHttpReceiveResponse, WinHttpCloseHandle.
#include "support/recorder.h"

#include <winhttp.h>

#include <gtest/gtest.h>

#include "net/sys_io.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "conformance/notification_chain.h"
#include "integration/http_test_util.h"
#include "support/http_text.h"
#include "support/nginx.h"
#include "support/scripted_server.h"

using namespace itest;
using namespace std::chrono_literals;
using winhttp::test::CallbackEvent;
using winhttp::test::CallbackRecorder;
using winhttp::test::compare_events;
using winhttp::test::Expected;
using winhttp::test::http_response;
using winhttp::test::Nginx;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;

namespace {

using namespace notif;

}  // namespace

// ===== Success ================================================================================

// WINHTTP_STATUS_CALLBACK page: the order of notifications of one request; HANDLE_CLOSING is
// the last one (WinHttpCloseHandle page).
TEST(AsyncNotifications, FreshConnectionFullSequence) {
    SKIP_IF_SHORT_IO();
    CallbackRecorder rec;
    Chainer chain_calls(rec);
    Chain c(rec, true, Nginx::shared().port(), L"/hello.txt", WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();
    ASSERT_TRUE(chain_calls.wait()) << rec.dump();
    auto events = c.close(c.request);
    const auto want = std::vector<Expected>{kCreated} + fresh_connection() + sending() +
                      std::vector<Expected>{kSendComplete} + receiving() + body_completions(kHello) +
                      std::vector<Expected>{kClosing};
    EXPECT_EQ(compare_events(events, want), "");
    expect_counts_positive(events);
    // HANDLE_CREATED and HANDLE_CLOSING carry the handle itself.
    EXPECT_EQ(events.front().handle_value, events.front().handle);
    EXPECT_EQ(events.back().handle_value, events.back().handle);
    EXPECT_EQ(events.back().length, sizeof(HINTERNET));
}

// A second request on a kept-alive connection: no resolve/connect notifications.
TEST(AsyncNotifications, ReusedConnectionHasNoConnectPhase) {
    SKIP_IF_SHORT_IO();
    CallbackRecorder rec;
    Chainer chain_calls(rec);
    Chain c(rec, true, Nginx::shared().port(), L"/hello.txt", WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();
    ASSERT_TRUE(chain_calls.wait()) << rec.dump();
    c.close(c.request);

    CallbackRecorder rec2;
    Chainer chain2(rec2);
    Handle second = c.open(L"/hello.txt");
    ASSERT_TRUE(WinHttpSendRequest(second, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA,
                                   0, 0, rec2.context()))
        << GetLastError();
    ASSERT_TRUE(chain2.wait()) << rec2.dump();
    HINTERNET h = second.get();
    second.reset();
    ASSERT_TRUE(rec2.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, 5s, h)) << rec2.dump();
    std::this_thread::sleep_for(50ms);
    // HANDLE_CREATED went to the first recorder (the context in force at open time).
    const auto want = sending() + std::vector<Expected>{kSendComplete} + receiving() +
                      body_completions(kHello) + std::vector<Expected>{kClosing};
    EXPECT_EQ(compare_events(rec2.events_for(h), want), "");
}

// WINHTTP_STATUS_CALLBACK page, REDIRECT: "lpvStatusInformation contains a pointer to an LPWSTR
// that indicates the new URL". The second request follows on the same connection.
TEST(AsyncNotifications, RedirectThenSecondSendSequence) {
    SKIP_IF_SHORT_IO();
    CallbackRecorder rec;
    Chainer chain_calls(rec);
    const auto port = Nginx::shared().port();
    Chain c(rec, true, port, L"/redirect/x", WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();
    ASSERT_TRUE(chain_calls.wait()) << rec.dump();
    auto events = c.close(c.request);
    const std::wstring target = L"http://127.0.0.1:" + std::to_wstring(port) + L"/hello.txt";
    const auto want = std::vector<Expected>{kCreated} + fresh_connection() + sending() +
                      std::vector<Expected>{kSendComplete} + receiving() +
                      std::vector<Expected>{text(WINHTTP_CALLBACK_STATUS_REDIRECT, target)} +
                      sending() + receiving() + body_completions(kHello) +
                      std::vector<Expected>{kClosing};
    EXPECT_EQ(compare_events(events, want), "");
}

// WINHTTP_STATUS_CALLBACK page, INTERMEDIATE_RESPONSE: "lpvStatusInformation contains a
// DWORD indicating the status code" of a 1xx before the final response.
TEST(AsyncNotifications, InformationalResponseBeforeFinal) {
    SKIP_IF_SHORT_IO();
    ScriptedServer server({{Step::read_request(), Step::send("HTTP/1.1 100 Continue\r\n\r\n"),
                            Step::sleep(150ms), Step::send(http_response(200, "OK", {}, "ok")),
                            Step::stall(5s)}});
    CallbackRecorder rec;
    Chainer chain_calls(rec);
    Chain c(rec, true, server.port(), L"/one", WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();
    ASSERT_TRUE(chain_calls.wait()) << rec.dump();
    auto events = c.close(c.request);
    const auto want = std::vector<Expected>{kCreated} + fresh_connection() + sending() +
                      std::vector<Expected>{kSendComplete} + receiving() +
                      std::vector<Expected>{value(WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE, 100)} +
                      receiving() + body_completions("ok") + std::vector<Expected>{kClosing};
    EXPECT_EQ(compare_events(events, want), "");
}

// ===== Errors =================================================================================

// WinHttpSendRequest page: ERROR_WINHTTP_CANNOT_CONNECT; in async mode it arrives as
// REQUEST_ERROR with WINHTTP_ASYNC_RESULT {API_SEND_REQUEST, error} (WINHTTP_STATUS_CALLBACK).
TEST(AsyncNotifications, RefusedConnectionIsRequestErrorOfSendRequest) {
    CallbackRecorder rec;
    Chainer chain_calls(rec);
    Chain c(rec, true, unused_port(), L"/", WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();
    ASSERT_TRUE(chain_calls.wait()) << rec.dump();
    auto events = c.close(c.request);
    const auto want = std::vector<Expected>{
        kCreated,
        text(WINHTTP_CALLBACK_STATUS_RESOLVING_NAME, L"127.0.0.1"),
        text(WINHTTP_CALLBACK_STATUS_NAME_RESOLVED, L"127.0.0.1"),
        text(WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER, L"127.0.0.1"),
        error(API_SEND_REQUEST, ERROR_WINHTTP_CANNOT_CONNECT),
        kClosing};
    EXPECT_EQ(compare_events(events, want), "");
}

// WinHttpReceiveResponse page: a connection closed without any response fails the receive;
// the connection is reported closed before the error.
TEST(AsyncNotifications, ServerClosesWithoutAnswerIsRequestErrorOfReceiveResponse) {
    ScriptedServer server({{Step::read_request(), Step::close()}});
    CallbackRecorder rec;
    Chainer chain_calls(rec);
    Chain c(rec, true, server.port(), L"/", WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();
    ASSERT_TRUE(chain_calls.wait()) << rec.dump();
    auto events = c.close(c.request);
    const auto want = std::vector<Expected>{kCreated} + fresh_connection() + sending() +
                      std::vector<Expected>{kSendComplete,
                                            ev(WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE),
                                            ev(WINHTTP_CALLBACK_STATUS_CLOSING_CONNECTION),
                                            ev(WINHTTP_CALLBACK_STATUS_CONNECTION_CLOSED),
                                            error(API_RECEIVE_RESPONSE,
                                                  ERROR_WINHTTP_INVALID_SERVER_RESPONSE),
                                            kClosing};
    EXPECT_EQ(compare_events(events, want), "");
}

// WinHttpSetTimeouts page: the receive timeout bounds the wait for the response;
// WinHttpReceiveResponse page: ERROR_WINHTTP_TIMEOUT.
TEST(AsyncNotifications, ReceiveTimeoutIsRequestErrorOfReceiveResponse) {
    ScriptedServer server({{Step::read_request(), Step::stall(5s)}});
    CallbackRecorder rec;
    Chainer chain_calls(rec);
    Chain c(rec, true, server.port(), L"/", WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS);
    ASSERT_TRUE(WinHttpSetTimeouts(c.request, 5000, 5000, 5000, 400));
    Stopwatch sw;
    ASSERT_TRUE(c.send(c.request)) << GetLastError();
    ASSERT_TRUE(chain_calls.wait()) << rec.dump();
    EXPECT_LT(sw.ms(), 3000);
    auto events = c.close(c.request);
    const auto want = std::vector<Expected>{kCreated} + fresh_connection() + sending() +
                      std::vector<Expected>{kSendComplete,
                                            ev(WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE),
                                            ev(WINHTTP_CALLBACK_STATUS_CLOSING_CONNECTION),
                                            ev(WINHTTP_CALLBACK_STATUS_CONNECTION_CLOSED),
                                            error(API_RECEIVE_RESPONSE, ERROR_WINHTTP_TIMEOUT),
                                            kClosing};
    EXPECT_EQ(compare_events(events, want), "");
}

// ===== Masks ==================================================================================

// WinHttpSetStatusCallback page: dwNotificationFlags selects the notifications;
// WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS gives the completions only.
TEST(AsyncNotifications, CompletionsMaskGivesOnlyCompletions) {
    SKIP_IF_SHORT_IO();
    CallbackRecorder rec;
    Chainer chain_calls(rec);
    Chain c(rec, true, Nginx::shared().port(), L"/hello.txt", WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();
    ASSERT_TRUE(chain_calls.wait()) << rec.dump();
    HINTERNET h = c.request.get();
    c.request.reset();
    std::this_thread::sleep_for(200ms);
    const auto want = std::vector<Expected>{kSendComplete} + body_completions(kHello);
    EXPECT_EQ(compare_events(rec.events_for(h), want), "");
}

// WINHTTP_CALLBACK_FLAG_HANDLES: HANDLE_CREATED and HANDLE_CLOSING only, even when the request
// is closed while in flight (its REQUEST_ERROR is masked out).
TEST(AsyncNotifications, HandlesMaskGivesOnlyCreatedAndClosing) {
    ScriptedServer server({{Step::read_request(), Step::stall(5s)}});
    CallbackRecorder rec;
    Chain c(rec, true, server.port(), L"/", WINHTTP_CALLBACK_FLAG_HANDLES);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();
    server.request(0);
    std::this_thread::sleep_for(100ms);
    auto events = c.close(c.request);
    EXPECT_EQ(compare_events(events, {kCreated, kClosing}), "");
    // The connect handle's creation came through too.
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_HANDLE_CREATED, c.connect.get()), 1u);
}

// ===== Context ================================================================================

namespace {

std::mutex g_ctx_mutex;
std::vector<std::pair<DWORD, DWORD_PTR>> g_ctx_seen;  // (status, context) of the request

void CALLBACK context_callback(HINTERNET, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD) {
    {
        std::lock_guard lock(g_ctx_mutex);
        g_ctx_seen.emplace_back(status, ctx);
    }
    static char buf[4096];
    // Drive on the request handle only (the session and connect have context 0 here).
    if (ctx == 0) return;
    auto* h = reinterpret_cast<HINTERNET*>(ctx);
    switch (status) {
        case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE: WinHttpReceiveResponse(*h, nullptr); break;
        case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
        case WINHTTP_CALLBACK_STATUS_READ_COMPLETE: WinHttpQueryDataAvailable(*h, nullptr); break;
        case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE:
            if (*static_cast<DWORD*>(info)) WinHttpReadData(*h, buf, sizeof buf, nullptr);
            break;
        default: break;
    }
}

}  // namespace

// WinHttpSendRequest page, dwContext: "passed with this request handle to any callback
// functions" — every callback of the request after SendRequest, HANDLE_CLOSING included.
TEST(AsyncNotifications, SendRequestContextReachesEveryCallback) {
    g_ctx_seen.clear();
    Handle session = open_session(WINHTTP_FLAG_ASYNC);
    set_timeouts(session);
    WinHttpSetStatusCallback(session, context_callback, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", Nginx::shared().port(), 0));
    Handle request = open_request(connect, L"GET", L"/hello.txt");
    HINTERNET raw = request.get();
    {
        std::lock_guard lock(g_ctx_mutex);
        g_ctx_seen.clear();  // HANDLE_CREATED of connect and request came with context 0
    }
    const auto ctx = reinterpret_cast<DWORD_PTR>(&raw);
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA,
                                   0, 0, ctx));
    auto seen = [&](DWORD status) {
        std::lock_guard lock(g_ctx_mutex);
        for (auto& p : g_ctx_seen)
            if (p.first == status) return true;
        return false;
    };
    ASSERT_TRUE(eventually([&] { return seen(WINHTTP_CALLBACK_STATUS_READ_COMPLETE); }));
    ASSERT_TRUE(eventually([&] { return seen(WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE); }));
    std::this_thread::sleep_for(100ms);
    request.reset();
    ASSERT_TRUE(eventually([&] { return seen(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING); }));
    std::lock_guard lock(g_ctx_mutex);
    ASSERT_GE(g_ctx_seen.size(), 10u);
    for (auto& [status, c] : g_ctx_seen)
        EXPECT_EQ(c, ctx) << CallbackRecorder::status_name(status);
}

// ===== Sync mode ==============================================================================

// DESIGN.md "Threads" and WINHTTP_STATUS_CALLBACK page: informational notifications are the
// same in synchronous mode, made on the calling thread; there are no completions.
TEST(SyncNotifications, SameInformationalOrderOnTheCallingThread) {
    SKIP_IF_SHORT_IO();
    CallbackRecorder rec;
    Chain c(rec, false, Nginx::shared().port(), L"/hello.txt", WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();  // the recorder's context, on this thread
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string body;
    ASSERT_EQ(read_body(c.request, body), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(body, kHello);
    auto events = c.close(c.request);
    const auto want = std::vector<Expected>{kCreated} + fresh_connection() + sending() + receiving() +
                      std::vector<Expected>{kClosing};
    EXPECT_EQ(compare_events(events, want), "");
    for (const auto& e : events)
        EXPECT_EQ(e.thread, std::this_thread::get_id()) << CallbackRecorder::status_name(e.status);
}

// The redirect sequence in sync mode matches the async one minus completions.
TEST(SyncNotifications, RedirectOrderMatchesAsync) {
    SKIP_IF_SHORT_IO();
    CallbackRecorder rec;
    const auto port = Nginx::shared().port();
    Chain c(rec, false, port, L"/redirect/x", WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS);
    ASSERT_TRUE(c.send(c.request)) << GetLastError();  // the recorder's context, on this thread
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string body;
    ASSERT_EQ(read_body(c.request, body), static_cast<DWORD>(ERROR_SUCCESS));
    auto events = c.close(c.request);
    const std::wstring target = L"http://127.0.0.1:" + std::to_wstring(port) + L"/hello.txt";
    const auto want = std::vector<Expected>{kCreated} + fresh_connection() + sending() + receiving() +
                      std::vector<Expected>{text(WINHTTP_CALLBACK_STATUS_REDIRECT, target)} +
                      sending() + receiving() + std::vector<Expected>{kClosing};
    EXPECT_EQ(compare_events(events, want), "");
}
