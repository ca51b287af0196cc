// The rules of the road of asynchronous requests: one operation at a time, calls made from
// inside callbacks, callbacks that never nest or overlap for one request, close from inside
// any callback, and WinHttpSetStatusCallback(h, NULL, 0, 0) as a barrier.
#include "support/recorder.h"

#include <winhttp.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "async_util.h"
#include "http_test_util.h"
#include "support/http_text.h"
#include "support/nginx.h"
#include "support/scripted_server.h"

using namespace itest;
using namespace std::chrono_literals;
using winhttp::test::CallbackRecorder;
using winhttp::test::http_response;
using winhttp::test::Nginx;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;

namespace {

template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds bound = 10s) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

Handle async_session() {
    Handle s = open_session(WINHTTP_FLAG_ASYNC);
    EXPECT_TRUE(WinHttpSetTimeouts(s, 5000, 5000, 5000, 5000));
    return s;
}

}  // namespace

// WinHttpReceiveResponse / WinHttpQueryDataAvailable / WinHttpReadData pages:
// ERROR_WINHTTP_INCORRECT_HANDLE_STATE "The requested operation cannot be carried out because
// the handle supplied is not in the correct state" — here, another operation is pending.
TEST(AsyncRules, SecondOperationWhileOnePendsFailsWithIncorrectHandleState) {
    ScriptedServer server({{Step::read_request(), Step::stall(5s)}});
    CallbackRecorder rec;
    Handle session = async_session();
    WinHttpSetStatusCallback(session, CallbackRecorder::record, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    Handle request = open_request(connect, L"GET", L"/x");
    HINTERNET h = request.get();
    ASSERT_TRUE(WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0,
                                   rec.context()));
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE, 1, 5s, h)) << rec.dump();
    ASSERT_TRUE(WinHttpReceiveResponse(h, nullptr)) << GetLastError();  // now pending
    std::this_thread::sleep_for(50ms);

    char buf[16];
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReceiveResponse(h, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryDataAvailable(h, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReadData(h, buf, sizeof buf, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0,
                                    rec.context()));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    // The failed calls produced no callbacks: the pending receive is still the only operation.
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR, h), 0u) << rec.dump();

    request.reset();
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, 5s, h)) << rec.dump();
    const auto errors = rec.events_for(h);
    size_t n = 0;
    for (const auto& e : errors) {
        if (e.status != WINHTTP_CALLBACK_STATUS_REQUEST_ERROR) continue;
        ++n;
        EXPECT_EQ(e.result.dwResult, static_cast<DWORD_PTR>(API_RECEIVE_RESPONSE));
        EXPECT_EQ(e.result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    }
    EXPECT_EQ(n, 1u) << rec.dump();
    connect.reset();
    session.reset();
    std::this_thread::sleep_for(50ms);
}

// ===== Calls from inside callbacks =============================================================

namespace {

thread_local int t_depth = 0;  // how deep this thread is inside our callbacks

// Reads a body with 1 KiB reads, ReadData from inside DATA_AVAILABLE and QueryDataAvailable
// from inside READ_COMPLETE, checking that callbacks never nest deeper than one and never
// overlap for the request.
struct NestingProbe {
    std::atomic<bool> in_callback{false};
    std::atomic<int> max_depth{0};
    std::atomic<int> overlaps{0};
    std::atomic<bool> done{false};
    std::atomic<bool> closed{false};
    std::atomic<DWORD> error{0};
    std::atomic<int> callbacks_after_closing{0};
    std::string body;  // touched only inside callbacks (which never overlap)
    char buf[1024];

    static void CALLBACK callback(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len) {
        if (ctx) reinterpret_cast<NestingProbe*>(ctx)->on(h, status, info, len);
    }

    void on(HINTERNET h, DWORD status, LPVOID info, DWORD len) {
        if (closed) ++callbacks_after_closing;
        if (in_callback.exchange(true)) ++overlaps;
        ++t_depth;
        max_depth = std::max(max_depth.load(), t_depth);
        step(h, status, info, len);
        --t_depth;
        in_callback = false;
        if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) closed = true;
    }

    void step(HINTERNET h, DWORD status, LPVOID info, DWORD len) {
        switch (status) {
            case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
                if (!WinHttpReceiveResponse(h, nullptr)) fail(GetLastError());
                break;
            case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
                if (!WinHttpQueryDataAvailable(h, nullptr)) fail(GetLastError());
                break;
            case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE:
                if (*static_cast<DWORD*>(info) == 0) {
                    done = true;
                } else if (!WinHttpReadData(h, buf, sizeof buf, nullptr)) {
                    fail(GetLastError());
                }
                break;
            case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
                body.append(static_cast<const char*>(info), len);
                if (len == 0) done = true;
                else if (!WinHttpQueryDataAvailable(h, nullptr)) fail(GetLastError());
                break;
            case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR:
                fail(static_cast<WINHTTP_ASYNC_RESULT*>(info)->dwError);
                break;
            default: break;
        }
    }
    void fail(DWORD e) {
        error = e;
        done = true;
    }
};

}  // namespace

// WinHttpReadData / WinHttpQueryDataAvailable pages allow calling them from the callback
// (Microsoft's asynchronous sample does); DESIGN.md "Threads": callbacks for one request never
// run concurrently, and a completion at once is deferred until the running callback returns.
TEST(AsyncRules, CallsFromInsideCallbacksNeverNestOrOverlap) {
    NestingProbe probe;
    Handle session = async_session();
    Handle connect(WinHttpConnect(session, L"127.0.0.1", Nginx::shared().port(), 0));
    Handle request = open_request(connect, L"GET", L"/1m.bin");
    WinHttpSetStatusCallback(request, &NestingProbe::callback, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA,
                                   0, 0, reinterpret_cast<DWORD_PTR>(&probe)));
    ASSERT_TRUE(eventually([&] { return probe.done.load(); }, 30s));
    EXPECT_EQ(probe.error.load(), 0u);
    request.reset();
    ASSERT_TRUE(eventually([&] { return probe.closed.load(); }, 5s));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(probe.max_depth.load(), 1);
    EXPECT_EQ(probe.overlaps.load(), 0);
    EXPECT_EQ(probe.callbacks_after_closing.load(), 0);
    EXPECT_EQ(probe.body.size(), 1u << 20);
    EXPECT_TRUE(probe.body == Nginx::pattern(1 << 20));
}

// ===== Close from inside a callback ===========================================================

namespace {

// Closes the request from inside the first callback with `close_on`, then records everything.
struct CloseInside {
    DWORD close_on;
    std::atomic<bool> closed_inside{false};
    std::atomic<BOOL> close_result{FALSE};
    std::atomic<int> closing_count{0};
    std::atomic<int> after_closing{0};
    std::atomic<int> overlaps{0};
    std::atomic<bool> in_cb{false};
    char buf[4096];

    static void CALLBACK callback(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len) {
        if (ctx) reinterpret_cast<CloseInside*>(ctx)->on(h, status, info, len);
    }
    void on(HINTERNET h, DWORD status, LPVOID info, DWORD) {
        if (closing_count) ++after_closing;
        if (in_cb.exchange(true)) ++overlaps;
        if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) ++closing_count;
        if (status == close_on && !closed_inside.exchange(true)) {
            close_result = WinHttpCloseHandle(h);
        } else if (!closed_inside) {
            drive(h, status, info);
        }
        in_cb = false;
    }
    void drive(HINTERNET h, DWORD status, LPVOID info) {
        switch (status) {
            case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE: WinHttpReceiveResponse(h, nullptr); break;
            case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
            case WINHTTP_CALLBACK_STATUS_READ_COMPLETE: WinHttpQueryDataAvailable(h, nullptr); break;
            case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE:
                if (*static_cast<DWORD*>(info)) WinHttpReadData(h, buf, sizeof buf, nullptr);
                break;
            default: break;
        }
    }
};

class CloseFromCallback : public ::testing::TestWithParam<DWORD> {};

}  // namespace

// WinHttpCloseHandle page: the handle may be closed while a request is in progress; here from
// inside the callback itself, at every notification of a request.
TEST_P(CloseFromCallback, ClosesOnceWithHandleClosingLast) {
    CloseInside probe{.close_on = GetParam()};
    Handle session = async_session();
    Handle connect(WinHttpConnect(session, L"127.0.0.1", Nginx::shared().port(), 0));
    HINTERNET h = WinHttpOpenRequest(connect, L"GET", L"/16k.bin", nullptr, WINHTTP_NO_REFERER,
                                     WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_TRUE(h);
    WinHttpSetStatusCallback(h, &CloseInside::callback, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    ASSERT_TRUE(WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0,
                                   reinterpret_cast<DWORD_PTR>(&probe)));
    ASSERT_TRUE(eventually([&] { return probe.closing_count.load() > 0; }, 10s))
        << "closed inside: " << probe.closed_inside.load();
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(probe.closed_inside.load());
    EXPECT_TRUE(probe.close_result.load());
    EXPECT_EQ(probe.closing_count.load(), 1);
    EXPECT_EQ(probe.after_closing.load(), 0);
    EXPECT_EQ(probe.overlaps.load(), 0);
    // The handle value is dead.
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpCloseHandle(h));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

INSTANTIATE_TEST_SUITE_P(
    AtEachNotification, CloseFromCallback,
    ::testing::Values(WINHTTP_CALLBACK_STATUS_RESOLVING_NAME, WINHTTP_CALLBACK_STATUS_NAME_RESOLVED,
                      WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER,
                      WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER,
                      WINHTTP_CALLBACK_STATUS_SENDING_REQUEST, WINHTTP_CALLBACK_STATUS_REQUEST_SENT,
                      WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE,
                      WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE,
                      WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED,
                      WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE,
                      WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE, WINHTTP_CALLBACK_STATUS_READ_COMPLETE),
    [](const ::testing::TestParamInfo<DWORD>& info) {
        std::string n = CallbackRecorder::status_name(info.param);
        std::erase(n, '_');
        return n;
    });

// ===== WinHttpSetStatusCallback(h, NULL) as a barrier ==========================================

namespace {

struct SlowCallback {
    std::atomic<bool> inside{false};
    std::atomic<int> calls{0};
    static void CALLBACK callback(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID, DWORD) {
        auto* self = reinterpret_cast<SlowCallback*>(ctx);
        if (!self) return;
        ++self->calls;
        if (status == WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE) {
            self->inside = true;
            std::this_thread::sleep_for(300ms);
            WinHttpReceiveResponse(h, nullptr);
            self->inside = false;
        }
    }
};

}  // namespace

// DESIGN.md "Close protocol" (the seed page's race removed): WinHttpSetStatusCallback(h, NULL,
// 0, 0) returns only when no callback of h runs on another thread, and none starts afterwards.
TEST(AsyncRules, ClearingTheCallbackWaitsForTheRunningOne) {
    SlowCallback slow;
    Handle session = async_session();
    Handle connect(WinHttpConnect(session, L"127.0.0.1", Nginx::shared().port(), 0));
    Handle request = open_request(connect, L"GET", L"/1m.bin");
    WinHttpSetStatusCallback(request, &SlowCallback::callback, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA,
                                   0, 0, reinterpret_cast<DWORD_PTR>(&slow)));
    ASSERT_TRUE(eventually([&] { return slow.inside.load(); }, 5s));
    Stopwatch sw;
    WinHttpSetStatusCallback(request, nullptr, 0, 0);
    EXPECT_FALSE(slow.inside.load()) << "returned while the callback was still running";
    EXPECT_GE(sw.ms(), 100);
    const int calls = slow.calls.load();
    std::this_thread::sleep_for(300ms);  // the receive completes meanwhile: no callback may come
    request.reset();
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(slow.calls.load(), calls);
}
