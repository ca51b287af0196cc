// Status callbacks: the facts of Wine's dlls/winhttp/tests/notification.c, whose expectations
// were run on Windows (test_connection_cache, test_redirect, test_async, test_recursion,
// test_persistent_connection, test_basic_request). Where Wine marks a notification NF_ALLOW
// ("may or may not happen") the tests here accept it too; NF_WINE_ALLOW marks what Windows does
// NOT send, so it is absent here. Facts that contradict a documented choice of ours, and the
// WebSocket facts, are listed in docs/conformance/wine-facts-later.md instead.
#include "support/recorder.h"

#include <winhttp.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "conformance/notification_chain.h"
#include "integration/http_test_util.h"
#include "support/http_text.h"
#include "support/nginx.h"
#include "support/scripted_server.h"

using namespace notif;
using winhttp::test::http_response;
using winhttp::test::Nginx;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;

namespace {

// One RECEIVING_RESPONSE/RESPONSE_RECEIVED pair per socket read is our documented behaviour
// (docs/design/async.md); a short-I/O build reads a response in many pieces. Runs of pairs
// become one pair here, so the tables below hold in every build.
std::vector<CallbackEvent> one_pair_per_run(const std::vector<CallbackEvent>& in) {
    std::vector<CallbackEvent> out;
    for (const CallbackEvent& e : in) {
        const size_t n = out.size();
        const bool repeat = e.status == WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE && n >= 2 &&
                            out[n - 2].status == WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE &&
                            out[n - 1].status == WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED;
        if (repeat) {
            out.pop_back();
            out.pop_back();
        }
        out.push_back(e);
    }
    return out;
}

// Wine's NF_ALLOW rows for RECEIVING_RESPONSE/RESPONSE_RECEIVED: dropped before comparing.
std::vector<CallbackEvent> without_receiving(const std::vector<CallbackEvent>& in) {
    std::vector<CallbackEvent> out;
    for (const CallbackEvent& e : in) {
        if (e.status != WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE &&
            e.status != WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED)
            out.push_back(e);
    }
    return out;
}

bool has_connection_close(const std::vector<CallbackEvent>& events) {
    for (const CallbackEvent& e : events) {
        if (e.status == WINHTTP_CALLBACK_STATUS_CLOSING_CONNECTION ||
            e.status == WINHTTP_CALLBACK_STATUS_CONNECTION_CLOSED)
            return true;
    }
    return false;
}

// The handles HANDLE_CLOSING named, in order.
std::vector<HINTERNET> closing_order(const std::vector<CallbackEvent>& events) {
    std::vector<HINTERNET> out;
    for (const CallbackEvent& e : events) {
        if (e.status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) out.push_back(e.handle_value);
    }
    return out;
}

const std::vector<Expected> kReceived = receiving();
const Expected kHeaders{.status = WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE, .length = 0};

// A session whose callback (all notifications) and context (the recorder) its children inherit.
Handle recorded_session(CallbackRecorder& rec, bool async) {
    Handle s = open_session(async ? WINHTTP_FLAG_ASYNC : 0);
    set_timeouts(s);
    SetLastError(0xDEADBEEF);
    EXPECT_NE(WinHttpSetStatusCallback(s, CallbackRecorder::record,
                                       WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0),
              WINHTTP_INVALID_STATUS_CALLBACK);
    DWORD_PTR ctx = rec.context();
    EXPECT_TRUE(WinHttpSetOption(s, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof ctx));
    return s;
}

// Closes request, connect and session in that order and waits for the session's HANDLE_CLOSING.
void close_all(CallbackRecorder& rec, Handle& request, Handle& connect, Handle& session) {
    HINTERNET s = session.get();
    request.reset();
    connect.reset();
    session.reset();
    EXPECT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, 5s, s)) << rec.dump();
    std::this_thread::sleep_for(50ms);  // anything after the last HANDLE_CLOSING shows up here
}

// ===== test_connection_cache ===================================================================

// Two responses on one connection, each written at once so that it arrives whole (the fact is
// about a response fully received when the request is closed).
std::vector<winhttp::test::Script> cache_script() {
    const std::string response = http_response(200, "OK", {}, kHello);
    return {{Step::read_request(), Step::send(response), Step::read_request(),
             Step::send(response), Step::stall(10s)}};
}

// Runs Wine's connection-cache scenario on one session: two requests on one connect handle, each
// closed after its headers without reading the body. Returns every recorded event; `handles`
// receives the first request, the connect and the session.
std::vector<CallbackEvent> connection_cache_run(bool async, INTERNET_PORT port,
                                                HINTERNET* handles) {
    CallbackRecorder rec;
    Handle session = recorded_session(rec, async);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", port, 0));
    EXPECT_TRUE(connect) << GetLastError();
    HINTERNET first = nullptr;
    for (int i = 0; i < 2; ++i) {
        Handle request = open_request(connect, L"GET", L"/hello.txt");
        EXPECT_TRUE(request) << GetLastError();
        if (i == 0) first = request.get();
        EXPECT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                       WINHTTP_NO_REQUEST_DATA, 0, 0, rec.context()))
            << GetLastError();
        if (async) {
            EXPECT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE, i + 1))
                << rec.dump();
        }
        EXPECT_TRUE(WinHttpReceiveResponse(request, nullptr)) << GetLastError();
        if (async) {
            EXPECT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE, i + 1))
                << rec.dump();
        }
        EXPECT_EQ(status_code(request), 200u);
        HINTERNET h = request.get();
        request.reset();
        EXPECT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, 5s, h)) << rec.dump();
        // Wine closes the second request twice: the second close fails and notifies nothing.
        if (i == 1) {
            SetLastError(0xDEADBEEF);
            EXPECT_FALSE(WinHttpCloseHandle(h));
            EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
        }
    }
    handles[0] = first;
    handles[1] = connect.get();
    handles[2] = session.get();
    Handle none;
    close_all(rec, none, connect, session);
    return rec.events();
}

// The expected table of connection_cache_run (Windows: test_connection_cache, cache_test and
// cache_test_async): a new connection for the first request, the kept-alive one for the second,
// HANDLE_CLOSING only when handles close (no CLOSING_CONNECTION / CONNECTION_CLOSED: the
// connection stays in the pool, also when the session goes).
std::vector<Expected> connection_cache_table(bool async) {
    const std::vector<Expected> send_done =
        async ? std::vector<Expected>{kSendComplete} : std::vector<Expected>{};
    const std::vector<Expected> headers =
        async ? std::vector<Expected>{kHeaders} : std::vector<Expected>{};
    return std::vector<Expected>{kCreated, kCreated} + fresh_connection() + sending() + send_done +
           kReceived + headers + std::vector<Expected>{kClosing, kCreated} + sending() +
           send_done + kReceived + headers + std::vector<Expected>{kClosing, kClosing, kClosing};
}

TEST(WineNotifications, SyncConnectionCache) {
    // Wine notification.c test_connection_cache (sync): the order above, every notification on
    // the calling thread; a second request reuses the connection without connect notifications.
    SKIP_IF_SHORT_IO();  // 1-7 byte reads: the body is still on the network at the close
    ScriptedServer server(cache_script());
    HINTERNET handles[3] = {};
    const auto events = one_pair_per_run(connection_cache_run(false, server.port(), handles));
    EXPECT_EQ(compare_events(events, connection_cache_table(false)), "");
    EXPECT_EQ(server.connections_accepted(), 1u);
    EXPECT_FALSE(has_connection_close(events));
    for (const CallbackEvent& e : events) {
        EXPECT_EQ(e.thread, std::this_thread::get_id()) << CallbackRecorder::status_name(e.status);
    }
}

TEST(WineNotifications, AsyncConnectionCache) {
    // Wine notification.c test_connection_cache (async, cache_test_async): the same order with
    // SENDREQUEST_COMPLETE and HEADERS_AVAILABLE, no connection-close notifications.
    SKIP_IF_SHORT_IO();  // 1-7 byte reads: the body is still on the network at the close
    ScriptedServer server(cache_script());
    HINTERNET handles[3] = {};
    const auto events = one_pair_per_run(connection_cache_run(true, server.port(), handles));
    EXPECT_EQ(compare_events(events, connection_cache_table(true)), "");
    EXPECT_EQ(server.connections_accepted(), 1u);
    EXPECT_FALSE(has_connection_close(events));
}

TEST(WineNotifications, ClosingChildrenThenParentsNotifiesInThatOrder) {
    // Wine notification.c test_connection_cache: closing the request, the connect and the session
    // gives one HANDLE_CLOSING each, in the order of the closes, the session's last.
    ScriptedServer server(cache_script());
    HINTERNET handles[3] = {};
    const auto events = connection_cache_run(false, server.port(), handles);
    const auto order = closing_order(events);
    ASSERT_EQ(order.size(), 4u);
    EXPECT_EQ(order[0], handles[0]);
    EXPECT_EQ(order[2], handles[1]);
    EXPECT_EQ(order[3], handles[2]);
}

// ===== test_redirect ===========================================================================

std::vector<Expected> redirect_table(bool async, INTERNET_PORT port) {
    const std::wstring target = L"http://127.0.0.1:" + std::to_wstring(port) + L"/hello.txt";
    const std::vector<Expected> send_done =
        async ? std::vector<Expected>{kSendComplete} : std::vector<Expected>{};
    const std::vector<Expected> headers =
        async ? std::vector<Expected>{kHeaders} : std::vector<Expected>{};
    return std::vector<Expected>{kCreated, kCreated} + fresh_connection() + sending() + send_done +
           kReceived + std::vector<Expected>{text(WINHTTP_CALLBACK_STATUS_REDIRECT, target)} +
           sending() + kReceived + headers + std::vector<Expected>{kClosing, kClosing, kClosing};
}

void redirect_run(bool async) {
    // Wine notification.c test_redirect (sync and async): RECEIVING/RECEIVED of the 302, REDIRECT,
    // the second request on the same connection, its response; closing the three handles gives
    // three HANDLE_CLOSING and no connection-close notification.
    CallbackRecorder rec;
    const INTERNET_PORT port = Nginx::shared().port();
    Handle session = recorded_session(rec, async);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", port, 0));
    Handle request = open_request(connect, L"GET", L"/redirect/x");
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, rec.context()))
        << GetLastError();
    if (async) ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE)) << rec.dump();
    ASSERT_TRUE(WinHttpReceiveResponse(request, nullptr)) << GetLastError();
    if (async) ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE)) << rec.dump();
    EXPECT_EQ(status_code(request), 200u);
    close_all(rec, request, connect, session);
    const auto events = one_pair_per_run(rec.events());
    EXPECT_EQ(compare_events(events, redirect_table(async, port)), "");
    EXPECT_FALSE(has_connection_close(events));
}

TEST(WineNotifications, SyncRedirect) {
    redirect_run(false);
}

TEST(WineNotifications, AsyncRedirect) {
    redirect_run(true);
}

// ===== test_async ==============================================================================

TEST(WineNotifications, AsyncCallsSucceedWithLastErrorZeroAndPendingReads) {
    // Wine notification.c test_async: on an async session WinHttpSetStatusCallback,
    // WinHttpSetOption, WinHttpConnect, WinHttpOpenRequest, WinHttpSendRequest,
    // WinHttpReceiveResponse and WinHttpQueryHeaders set the last error to 0. WinHttpQueryDataAvailable
    // returns TRUE with either ERROR_SUCCESS (the callback already ran, on this thread) or
    // ERROR_IO_PENDING (it runs on another thread).
    CallbackRecorder rec;
    Handle session = open_session(WINHTTP_FLAG_ASYNC);
    set_timeouts(session);
    SetLastError(0xDEADBEEF);
    WinHttpSetStatusCallback(session, CallbackRecorder::record,
                             WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    DWORD_PTR ctx = rec.context();
    SetLastError(0xDEADBEEF);
    EXPECT_TRUE(WinHttpSetOption(session, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof ctx));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    SetLastError(0xDEADBEEF);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", Nginx::shared().port(), 0));
    ASSERT_TRUE(connect);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    SetLastError(0xDEADBEEF);
    Handle request(WinHttpOpenRequest(connect, nullptr, L"/hello.txt", nullptr,
                                      WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES, 0));
    ASSERT_TRUE(request);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));

    SetLastError(0xDEADBEEF);
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, ctx));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE)) << rec.dump();

    SetLastError(0xDEADBEEF);
    ASSERT_TRUE(WinHttpReceiveResponse(request, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE)) << rec.dump();

    DWORD status = 0, size = sizeof status;
    SetLastError(0xDEADBEEF);
    ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                    WINHTTP_HEADER_NAME_BY_INDEX, &status, &size,
                                    WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(status, 200u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));

    SetLastError(0xDEADBEEF);
    ASSERT_TRUE(WinHttpQueryDataAvailable(request, nullptr));
    const DWORD err = GetLastError();
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE)) << rec.dump();
    const auto avail = rec.events()[rec.index_of(WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE)];
    if (err == ERROR_SUCCESS) {
        EXPECT_EQ(avail.thread, std::this_thread::get_id());
    } else {
        EXPECT_EQ(err, static_cast<DWORD>(ERROR_IO_PENDING));
        EXPECT_NE(avail.thread, std::this_thread::get_id());
    }

    char buffer[1024];
    SetLastError(0xDEADBEEF);
    ASSERT_TRUE(WinHttpReadData(request, buffer, sizeof buffer, nullptr));
    const DWORD read_err = GetLastError();
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_READ_COMPLETE)) << rec.dump();
    const auto done = rec.events()[rec.index_of(WINHTTP_CALLBACK_STATUS_READ_COMPLETE)];
    if (read_err == ERROR_SUCCESS) {
        EXPECT_EQ(done.thread, std::this_thread::get_id());
    } else {
        EXPECT_EQ(read_err, static_cast<DWORD>(ERROR_IO_PENDING));
        EXPECT_NE(done.thread, std::this_thread::get_id());
    }
    // async_test table: the completions in order, then three HANDLE_CLOSING. A short-I/O build
    // reads the body in pieces, so the counts and the data are only checked in the others.
    close_all(rec, request, connect, session);
    if (winhttp::net::short_io_enabled()) return;
    EXPECT_EQ(done.bytes, kHello);
    const auto events = without_receiving(rec.events());
    const std::vector<Expected> want =
        std::vector<Expected>{kCreated, kCreated} + fresh_connection() + sending() +
        std::vector<Expected>{kSendComplete, kHeaders,
                              value(WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE,
                                    static_cast<DWORD>(kHello.size())),
                              read_complete(kHello), kClosing, kClosing, kClosing};
    EXPECT_EQ(compare_events(events, want), "");
}

// ===== test_persistent_connection ==============================================================

// One connection, four responses: keep-alive with Content-Length, chunked, HTTP/1.1 without a
// Connection header, and "Connection: close".
std::vector<winhttp::test::Script> persistent_script() {
    const std::string head = "HTTP/1.1 200 OK\r\nServer: winetest\r\n";
    return {{
        Step::read_request(),
        Step::send(head + "Connection: keep-alive\r\nContent-Length: 1\r\n\r\nX"),
        Step::read_request(),
        Step::send(head + "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
                          "9\r\n123456789\r\n0\r\n\r\n"),
        Step::read_request(),
        Step::send(head + "Content-Length: 2\r\n\r\nxx"),
        Step::read_request(),
        Step::send(head + "Content-Length: 2\r\nConnection: close\r\n\r\nyy"),
        Step::close(),
    }};
}

TEST(WineNotifications, PersistentConnectionCarriesEveryKeptAliveResponse) {
    SKIP_IF_SHORT_IO();  // one ReadData must return the whole body
    // Wine notification.c test_persistent_connection: after a keep-alive, a chunked and a plain
    // HTTP/1.1 response (persistent by default) the next request goes out on the same socket
    // with only SENDING_REQUEST, REQUEST_SENT and SENDREQUEST_COMPLETE; ReceiveResponse gives
    // HEADERS_AVAILABLE, a ReadData READ_COMPLETE with the body (RECEIVING/RECEIVED may come
    // around both); closing gives HANDLE_CLOSING only, also after "Connection: close".
    ScriptedServer server(persistent_script());
    CallbackRecorder rec;
    Handle session = recorded_session(rec, true);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    ASSERT_TRUE(connect);
    const char* bodies[] = {"X", "123456789", "xx", "yy"};
    for (size_t i = 0; i < 4; ++i) {
        SCOPED_TRACE(i);
        Handle request = open_request(connect, L"GET", i == 0 ? L"/socket" : L"/test");
        rec.clear();
        ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                       WINHTTP_NO_REQUEST_DATA, 0, 0, rec.context()));
        ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE)) << rec.dump();
        const std::vector<Expected> connect_phase =
            i == 0 ? fresh_connection() : std::vector<Expected>{};
        EXPECT_EQ(compare_events(rec.events(), connect_phase + sending() +
                                                   std::vector<Expected>{kSendComplete}),
                  "");
        if (i > 0) {
            EXPECT_EQ(winhttp::test::start_line(server.request(i)), "GET /test HTTP/1.1");
        }

        rec.clear();
        ASSERT_TRUE(WinHttpReceiveResponse(request, nullptr));
        ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE)) << rec.dump();
        std::this_thread::sleep_for(20ms);
        EXPECT_EQ(compare_events(without_receiving(rec.events()), {kHeaders}), "");

        rec.clear();
        char buffer[1024];
        ASSERT_TRUE(WinHttpReadData(request, buffer, sizeof buffer, nullptr));
        ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_READ_COMPLETE)) << rec.dump();
        std::this_thread::sleep_for(20ms);
        EXPECT_EQ(compare_events(without_receiving(rec.events()), {read_complete(bodies[i])}), "");

        rec.clear();
        HINTERNET h = request.get();
        request.reset();
        ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, 5s, h)) << rec.dump();
        std::this_thread::sleep_for(20ms);
        EXPECT_EQ(compare_events(rec.events(), {kClosing}), "");
    }
    EXPECT_EQ(server.connections_accepted(), 1u);
    rec.clear();
    Handle none;
    close_all(rec, none, connect, session);
    EXPECT_EQ(compare_events(rec.events(), {kClosing, kClosing}), "");
}

// ===== test_recursion ==========================================================================

// Reads a body one byte at a time from the callbacks: ReadData from DATA_AVAILABLE, and
// QueryDataAvailable from READ_COMPLETE, as Wine's test_recursion_callback does.
struct OneByteReader {
    HINTERNET request = nullptr;
    std::atomic<int> depth{0}, max_depth{0};
    std::atomic<bool> done{false}, failed{false};
    std::string body;
    unsigned char byte = 0xFF;

    static void CALLBACK callback(HINTERNET, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len) {
        auto* self = reinterpret_cast<OneByteReader*>(ctx);
        if (self) self->on(status, info, len);
    }

    void enter() {
        const int d = ++depth;
        int m = max_depth.load();
        while (d > m && !max_depth.compare_exchange_weak(m, d)) {
        }
    }

    void on(DWORD status, LPVOID info, DWORD len) {
        switch (status) {
            case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
                if (!WinHttpReceiveResponse(request, nullptr)) fail();
                break;
            case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
                if (!WinHttpQueryDataAvailable(request, nullptr)) fail();
                break;
            case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: {
                if (*static_cast<DWORD*>(info) == 0) {
                    done = true;
                    break;
                }
                enter();
                DWORD read = 0xDEADBEEF;
                SetLastError(0xDEADBEEF);
                if (!WinHttpReadData(request, &byte, 1, &read)) fail();
                const DWORD err = GetLastError();
                if (err != ERROR_SUCCESS && err != ERROR_IO_PENDING) fail();
                --depth;
                break;
            }
            case WINHTTP_CALLBACK_STATUS_READ_COMPLETE: {
                if (len == 0) {
                    done = true;
                    break;
                }
                body.append(static_cast<const char*>(info), len);
                enter();
                static DWORD available;  // static: Wine's note on old Windows writing it late
                available = 0xDEADBEEF;
                SetLastError(0xDEADBEEF);
                if (!WinHttpQueryDataAvailable(request, &available)) fail();
                const DWORD err = GetLastError();
                if (err != ERROR_SUCCESS && err != ERROR_IO_PENDING) fail();
                if (available == 0xDEADBEEF) fail();
                --depth;
                break;
            }
            case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: fail(); break;
            default: break;
        }
    }
    void fail() {
        failed = true;
        done = true;
    }
};

TEST(WineNotifications, ReadAndQueryFromCallbacksOneByteAtATime) {
    // Wine notification.c test_recursion: WinHttpReadData from DATA_AVAILABLE and
    // WinHttpQueryDataAvailable from READ_COMPLETE return TRUE with ERROR_SUCCESS or
    // ERROR_IO_PENDING, the count out-parameter is written at once (not left at its old value),
    // the nesting stays below Windows' limit, and the whole body arrives.
    OneByteReader reader;
    Handle session = open_session(WINHTTP_FLAG_ASYNC);
    set_timeouts(session);
    WinHttpSetStatusCallback(session, OneByteReader::callback,
                             WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", Nginx::shared().port(), 0));
    Handle request = open_request(connect, L"GET", L"/hello.txt");
    reader.request = request.get();
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0,
                                   reinterpret_cast<DWORD_PTR>(&reader)));
    ASSERT_TRUE(eventually([&] { return reader.done.load(); }));
    EXPECT_FALSE(reader.failed.load());
    EXPECT_EQ(reader.body, kHello);
    EXPECT_LT(reader.max_depth.load(), 128);
    WinHttpSetStatusCallback(session, nullptr, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
}

struct WriteThenReceive {
    HINTERNET request = nullptr;
    std::thread::id main;
    std::atomic<bool> done{false}, failed{false}, other_thread{false};
    char byte = 'b';

    static void CALLBACK callback(HINTERNET, DWORD_PTR ctx, DWORD status, LPVOID, DWORD) {
        auto* self = reinterpret_cast<WriteThenReceive*>(ctx);
        if (!self) return;
        switch (status) {
            case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
                if (!WinHttpWriteData(self->request, &self->byte, 1, nullptr)) self->fail();
                break;
            case WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE:
                if (!WinHttpReceiveResponse(self->request, nullptr)) self->fail();
                break;
            case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
                self->other_thread = std::this_thread::get_id() != self->main;
                self->done = true;
                break;
            case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: self->fail(); break;
            default: break;
        }
    }
    void fail() {
        failed = true;
        done = true;
    }
};

TEST(WineNotifications, WriteFromSendCompleteThenReceiveFromWriteComplete) {
    // Wine notification.c test_recursion: with a total length of 1, WinHttpWriteData from
    // SENDREQUEST_COMPLETE and WinHttpReceiveResponse from WRITE_COMPLETE lead to
    // HEADERS_AVAILABLE, on a thread other than the one that sent.
    ScriptedServer server({{Step::read_request(), Step::send(http_response(200, "OK", {}, "ok")),
                            Step::stall(5s)}});
    WriteThenReceive ctx;
    ctx.main = std::this_thread::get_id();
    Handle session = open_session(WINHTTP_FLAG_ASYNC);
    set_timeouts(session);
    WinHttpSetStatusCallback(session, WriteThenReceive::callback,
                             WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    Handle request = open_request(connect, L"POST", L"/");
    ctx.request = request.get();
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 1,
                                   reinterpret_cast<DWORD_PTR>(&ctx)));
    ASSERT_TRUE(eventually([&] { return ctx.done.load(); }));
    EXPECT_FALSE(ctx.failed.load());
    EXPECT_TRUE(ctx.other_thread.load());
    EXPECT_EQ(status_code(request), 200u);
    const std::string sent = server.request(0);
    EXPECT_EQ(sent.substr(sent.size() - 1), "b");
    WinHttpSetStatusCallback(session, nullptr, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
}

// ===== test_basic_request ======================================================================

TEST(WineNotifications, SyncRequestReadsBodyEndedByClose) {
    // Wine notification.c test_basic_request: a 200 without Content-Length whose body ends when
    // the server closes is read whole by one WinHttpReadData with a large enough buffer.
    SKIP_IF_SHORT_IO();
    const std::string page =
        "<HTML>\r\n<HEAD><TITLE>winhttp test page</TITLE></HEAD>\r\n"
        "<BODY>The quick brown fox jumped over the lazy dog<P></BODY>\r\n</HTML>\r\n\r\n";
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nServer: winetest\r\n\r\n" + page),
                            Step::close()}});
    Handle session = open_session();
    set_timeouts(session);
    Handle connect(WinHttpConnect(session, L"localhost", server.port(), 0));
    Handle request = open_request(connect, nullptr, L"/quit");
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(request, nullptr));
    EXPECT_EQ(status_code(request), static_cast<DWORD>(HTTP_STATUS_OK));
    // The body may still be on its way when the headers are parsed: wait until the server is
    // done so that one read sees all of it.
    ASSERT_TRUE(server.wait_done());
    char buffer[0x100] = {};
    DWORD count = 0;
    ASSERT_TRUE(WinHttpReadData(request, buffer, sizeof buffer, &count)) << GetLastError();
    EXPECT_EQ(std::string(buffer, count), page);
}

}  // namespace
