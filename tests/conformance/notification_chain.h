// Helpers for notification-table tests (tests/conformance/*notifications*_test.cpp): a session ->
// connect -> request chain whose callback records into a CallbackRecorder, Microsoft's
// asynchronous sample as a recorder reaction, and builders for rows of expected notifications.
// Header-only and internal to the conformance binary (each test file includes it once).
#pragma once

#include "support/recorder.h"

#include <winhttp.h>

#include <gtest/gtest.h>

#include "net/sys_io.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "integration/http_test_util.h"

namespace notif {

using namespace itest;
using namespace std::chrono_literals;
using winhttp::test::CallbackEvent;
using winhttp::test::CallbackRecorder;
using winhttp::test::compare_events;
using winhttp::test::Expected;

// These tables name one RECEIVING_RESPONSE/RESPONSE_RECEIVED pair per response and whole-body
// DATA_AVAILABLE counts; a short-I/O build (-DWINHTTP_SHORT_IO) reads 1-7 bytes at a time, so
// every socket read adds its own pair. The other tests cover that build.
#define SKIP_IF_SHORT_IO()                                                                   \
    if (winhttp::net::short_io_enabled()) GTEST_SKIP() << "table assumes whole socket reads"

// Waits until `done()` or `bound` passes.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds bound = 10s) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// Microsoft's asynchronous sample, as a recorder reaction: each completion starts the next
// call; the run ends on DATA_AVAILABLE(0) or REQUEST_ERROR.
class Chainer {
  public:
    explicit Chainer(CallbackRecorder& rec) {
        rec.set_reaction([this](HINTERNET h, DWORD s, LPVOID info, DWORD len) { react(h, s, info, len); });
    }
    bool wait(std::chrono::milliseconds bound = 10s) { return eventually([&] { return done_.load(); }, bound); }

  private:
    void react(HINTERNET h, DWORD status, LPVOID info, DWORD len) {
        switch (status) {
            case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
                if (!WinHttpReceiveResponse(h, nullptr)) done_ = true;
                break;
            case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
                if (!WinHttpQueryDataAvailable(h, nullptr)) done_ = true;
                break;
            case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
                if (len == 0 || !WinHttpQueryDataAvailable(h, nullptr)) done_ = true;
                break;
            case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: {
                const DWORD n = *static_cast<DWORD*>(info);
                if (n == 0 || !WinHttpReadData(h, buf_, std::min<DWORD>(n, sizeof buf_), nullptr))
                    done_ = true;
                break;
            }
            case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: done_ = true; break;
            default: break;
        }
    }
    char buf_[4096];
    std::atomic<bool> done_{false};
};

// Session -> connect -> request to 127.0.0.1:port. The callback and the recorder's context are
// set on the session, so the connect and the request inherit both (HANDLE_CREATED included).
struct Chain {
    CallbackRecorder& rec;
    DWORD mask;
    Handle session, connect, request;

    Chain(CallbackRecorder& r, bool async, INTERNET_PORT port, const wchar_t* path, DWORD m,
          int timeout_ms = 5000)
        : rec(r), mask(m) {
        session = open_session(async ? WINHTTP_FLAG_ASYNC : 0);
        WinHttpSetTimeouts(session, timeout_ms, timeout_ms, timeout_ms, timeout_ms);
        EXPECT_NE(WinHttpSetStatusCallback(session, CallbackRecorder::record, mask, 0),
                  WINHTTP_INVALID_STATUS_CALLBACK);
        DWORD_PTR ctx = rec.context();
        EXPECT_TRUE(WinHttpSetOption(session, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof ctx));
        connect = Handle(WinHttpConnect(session, L"127.0.0.1", port, 0));
        EXPECT_TRUE(connect) << GetLastError();
        request = open(path);
    }
    Handle open(const wchar_t* path) {
        return open_request(connect, L"GET", path);
    }
    bool send(HINTERNET r) {
        return WinHttpSendRequest(r, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0,
                                  0, rec.context());
    }
    // Closes `r` and waits for its HANDLE_CLOSING; returns its events.
    std::vector<CallbackEvent> close(Handle& r) {
        HINTERNET h = r.get();
        r.reset();
        EXPECT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, 5s, h)) << rec.dump();
        std::this_thread::sleep_for(50ms);  // anything after HANDLE_CLOSING would show up here
        return rec.events_for(h);
    }
    // The recorder must outlive every callback: close everything and wait for the session's
    // HANDLE_CLOSING (when the mask lets it through).
    ~Chain() {
        HINTERNET s = session.get();
        request.reset();
        connect.reset();
        session.reset();
        if (mask & WINHTTP_CALLBACK_FLAG_HANDLES)
            rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, 2s, s);
        std::this_thread::sleep_for(20ms);
    }
};

inline Expected ev(DWORD status) { return Expected{.status = status}; }
inline Expected text(DWORD status, std::wstring t) { return Expected{.status = status, .text = std::move(t)}; }
inline Expected value(DWORD status, DWORD v) { return Expected{.status = status, .value = v}; }
inline Expected error(DWORD api, DWORD e) {
    return Expected{.status = WINHTTP_CALLBACK_STATUS_REQUEST_ERROR,
                    .result = WINHTTP_ASYNC_RESULT{api, e},
                    .length = static_cast<DWORD>(sizeof(WINHTTP_ASYNC_RESULT))};
}
inline Expected read_complete(std::string data) {
    return Expected{.status = WINHTTP_CALLBACK_STATUS_READ_COMPLETE,
                    .length = static_cast<DWORD>(data.size()),
                    .bytes = std::move(data)};
}

// The connect phase of a new connection to 127.0.0.1 (WINHTTP_STATUS_CALLBACK page: the
// name/IP strings are LPWSTR).
inline std::vector<Expected> fresh_connection() {
    return {text(WINHTTP_CALLBACK_STATUS_RESOLVING_NAME, L"127.0.0.1"),
            text(WINHTTP_CALLBACK_STATUS_NAME_RESOLVED, L"127.0.0.1"),
            text(WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER, L"127.0.0.1"),
            text(WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER, L"127.0.0.1")};
}

// SENDING_REQUEST (no payload) and REQUEST_SENT (DWORD bytes sent).
inline std::vector<Expected> sending() {
    return {Expected{.status = WINHTTP_CALLBACK_STATUS_SENDING_REQUEST, .length = 0},
            Expected{.status = WINHTTP_CALLBACK_STATUS_REQUEST_SENT, .length = sizeof(DWORD)}};
}

// RECEIVING_RESPONSE (no payload) and RESPONSE_RECEIVED (DWORD bytes received).
inline std::vector<Expected> receiving() {
    return {Expected{.status = WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE, .length = 0},
            Expected{.status = WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED, .length = sizeof(DWORD)}};
}

// The completions of a successful read of `body` (one read: the body is small).
inline std::vector<Expected> body_completions(const std::string& body) {
    return {Expected{.status = WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE, .length = 0},
            Expected{.status = WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE,
                     .value = static_cast<DWORD>(body.size()), .length = sizeof(DWORD)},
            read_complete(body),
            Expected{.status = WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE, .value = 0,
                     .length = sizeof(DWORD)}};
}

inline std::vector<Expected> operator+(std::vector<Expected> a, const std::vector<Expected>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

inline const Expected kCreated = ev(WINHTTP_CALLBACK_STATUS_HANDLE_CREATED);
inline const Expected kClosing = ev(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING);
inline const Expected kSendComplete{.status = WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE, .length = 0};
inline const std::string kHello = "hello, world\n";

// Byte counts carried by REQUEST_SENT / RESPONSE_RECEIVED are positive.
inline void expect_counts_positive(const std::vector<CallbackEvent>& events) {
    for (const auto& e : events) {
        if (e.status == WINHTTP_CALLBACK_STATUS_REQUEST_SENT ||
            e.status == WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED)
            EXPECT_GT(e.value, 0u) << CallbackRecorder::status_name(e.status);
    }
}

}  // namespace notif
