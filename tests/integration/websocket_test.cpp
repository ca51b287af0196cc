// WebSockets over a real server (Python `websockets` on 127.0.0.1, tests/support/ws_server.py)
// and the scripted server (exact bytes, misbehaviour), written only against the public API.
// Every test runs twice: on a synchronous session, and on an asynchronous one where each
// operation returns at once and its result is taken from the completion callback
// (WRITE_COMPLETE, READ_COMPLETE with a WINHTTP_WEB_SOCKET_STATUS, CLOSE_COMPLETE,
// SHUTDOWN_COMPLETE, or REQUEST_ERROR with a WINHTTP_WEB_SOCKET_ASYNC_RESULT).
// Expected behaviour: docs/design/websocket.md.
#include <winhttp.h>

#include "http_test_util.h"
#include "net/sys_io.h"
#include "support/nginx.h"
#include "support/recorder.h"
#include "support/scripted_server.h"
#include "support/tinyproxy.h"
#include "support/ws_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using itest::Handle;
using winhttp::test::CallbackEvent;
using winhttp::test::CallbackRecorder;
using winhttp::test::PythonWsServer;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;

// RFC 6455 1.3's example: this key must be answered with this accept value.
constexpr const char* kFixedKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr const char* kFixedAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

const std::string k101 = std::string("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                     "Connection: Upgrade\r\nSec-WebSocket-Accept: ") +
                         kFixedAccept + "\r\n\r\n";

struct Chain {
    Handle session, connect, request;
};

enum class Mode { Sync, Async };

bool is_fragment(WINHTTP_WEB_SOCKET_BUFFER_TYPE t) {
    return t == WINHTTP_WEB_SOCKET_BINARY_FRAGMENT_BUFFER_TYPE ||
           t == WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE;
}

// The operation a REQUEST_ERROR names (WINHTTP_WEB_SOCKET_ASYNC_RESULT), or -1.
int error_operation(const CallbackEvent& e) {
    if (e.status != WINHTTP_CALLBACK_STATUS_REQUEST_ERROR ||
        e.bytes.size() != sizeof(WINHTTP_WEB_SOCKET_ASYNC_RESULT))
        return -1;
    WINHTTP_WEB_SOCKET_ASYNC_RESULT r;
    std::memcpy(&r, e.bytes.data(), sizeof(r));
    return static_cast<int>(r.Operation);
}

// A peer that answers the upgrade, reads our close frame (6-byte masked header + 2-byte status)
// and never answers it: a Close waits until its timeout or until the handle closes.
winhttp::test::Script stalls_after_our_close() {
    return {Step::read_request(), Step::send(k101), Step::read_bytes(6 + 2),
            Step::stall(std::chrono::seconds(10))};
}

// QueryCloseStatus after a connection that ended without a close handshake: 1006.
void expect_aborted(HINTERNET ws) {
    USHORT status = 0;
    DWORD consumed = 0;
    ASSERT_EQ(WinHttpWebSocketQueryCloseStatus(ws, &status, nullptr, 0, &consumed), ERROR_SUCCESS);
    EXPECT_EQ(status, WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS);
}

// A sync WinHttpWebSocketReceive on its own thread, its result stored in `result`; returns once
// the thread is (usually) inside its wait.
std::thread receive_on_a_thread(HINTERNET ws, std::atomic<DWORD>& result) {
    std::atomic<bool> started{false};
    std::thread t([ws, &result, &started] {
        started = true;
        char buf[16];
        DWORD r = 0;
        WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
        result = WinHttpWebSocketReceive(ws, buf, sizeof(buf), &r, &type);
    });
    while (!started) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return t;
}

PythonWsServer& python_server() {
    try {
        return PythonWsServer::shared();
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        throw;
    }
}

// The fixture runs every operation in the mode of the test's parameter; in async mode it turns
// the completion back into the result a synchronous call would have given.
class WebSocketTest : public ::testing::TestWithParam<Mode> {
public:
    bool async() const { return GetParam() == Mode::Async; }

    void TearDown() override {
        // HANDLE_CLOSING of an async handle may come after WinHttpCloseHandle returned: the
        // recorder must outlive it.
        for (int i = 0; i < 10000; ++i) {
            // Sessions get their callback after HANDLE_CREATED: one closing more each.
            if (rec_.count(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) >=
                rec_.count(WINHTTP_CALLBACK_STATUS_HANDLE_CREATED) + sessions_)
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        ADD_FAILURE() << "HANDLE_CLOSING missing\n" << rec_.dump();
    }

    // Waits (bounded) for the first completion of `op` on `ws` recorded at index `from` or
    // later (rec_.size() taken before the call that starts the operation).
    DWORD wait_completion(HINTERNET ws, DWORD success, WINHTTP_WEB_SOCKET_OPERATION op,
                          size_t from, CallbackEvent* out = nullptr) {
        CallbackEvent e;
        const size_t at = rec_.wait_match(
            from,
            [&](const CallbackEvent& ev) {
                return ev.handle == ws &&
                       (ev.status == success || error_operation(ev) == static_cast<int>(op));
            },
            std::chrono::seconds(30), &e);
        if (at == CallbackRecorder::npos) {
            ADD_FAILURE() << "no completion\n" << rec_.dump();
            return ERROR_WINHTTP_TIMEOUT;
        }
        if (out) *out = e;
        return e.status == success ? ERROR_SUCCESS : e.result.dwError;
    }

    DWORD ws_send(HINTERNET ws, WINHTTP_WEB_SOCKET_BUFFER_TYPE type, void* data, DWORD len) {
        const size_t from = rec_.size();
        const DWORD e = WinHttpWebSocketSend(ws, type, data, len);
        if (e || !async()) return e;
        CallbackEvent ev;
        const DWORD r = wait_completion(ws, WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE,
                                        WINHTTP_WEB_SOCKET_SEND_OPERATION, from, &ev);
        if (!r) {
            // WINHTTP_STATUS_CALLBACK page: a WINHTTP_WEB_SOCKET_STATUS with the bytes sent.
            EXPECT_EQ(ev.length, sizeof(WINHTTP_WEB_SOCKET_STATUS));
            EXPECT_EQ(ev.value, len);
        }
        return r;
    }

    DWORD ws_receive(HINTERNET ws, void* buf, DWORD len, DWORD* read,
                     WINHTTP_WEB_SOCKET_BUFFER_TYPE* type) {
        const size_t from = rec_.size();
        const DWORD e = WinHttpWebSocketReceive(ws, buf, len, read, type);
        if (e || !async()) return e;
        CallbackEvent ev;
        const DWORD r = wait_completion(ws, WINHTTP_CALLBACK_STATUS_READ_COMPLETE,
                                        WINHTTP_WEB_SOCKET_RECEIVE_OPERATION, from, &ev);
        if (r) return r;
        // Wine notification.c (verified on Windows): READ_COMPLETE carries a
        // WINHTTP_WEB_SOCKET_STATUS; the out-parameters of the call are not used.
        EXPECT_EQ(ev.length, sizeof(WINHTTP_WEB_SOCKET_STATUS));
        WINHTTP_WEB_SOCKET_STATUS st{};
        if (ev.bytes.size() == sizeof(st)) std::memcpy(&st, ev.bytes.data(), sizeof(st));
        *read = st.dwBytesTransferred;
        *type = st.eBufferType;
        return ERROR_SUCCESS;
    }

    DWORD ws_close(HINTERNET ws, USHORT status, void* reason, DWORD len) {
        const size_t from = rec_.size();
        const DWORD e = WinHttpWebSocketClose(ws, status, reason, len);
        if (e || !async()) return e;
        return wait_completion(ws, WINHTTP_CALLBACK_STATUS_CLOSE_COMPLETE,
                               WINHTTP_WEB_SOCKET_CLOSE_OPERATION, from);
    }

    DWORD ws_shutdown(HINTERNET ws, USHORT status, void* reason, DWORD len) {
        const size_t from = rec_.size();
        const DWORD e = WinHttpWebSocketShutdown(ws, status, reason, len);
        if (e || !async()) return e;
        return wait_completion(ws, WINHTTP_CALLBACK_STATUS_SHUTDOWN_COMPLETE,
                               WINHTTP_WEB_SOCKET_SHUTDOWN_OPERATION, from);
    }

    // Opens a request on 127.0.0.1:port marked for the upgrade, sends it (with `headers`),
    // receives the response. The caller completes the upgrade.
    Chain upgrade_request(unsigned short port, const wchar_t* path, const wchar_t* headers = nullptr,
                          bool mark = true, DWORD open_flags = 0, const wchar_t* host = L"127.0.0.1") {
        Chain c;
        c.session = itest::open_session(async() ? WINHTTP_FLAG_ASYNC : 0);
        if (!proxy_.empty()) {
            WINHTTP_PROXY_INFO info{WINHTTP_ACCESS_TYPE_NAMED_PROXY, proxy_.data(), nullptr};
            EXPECT_TRUE(WinHttpSetOption(c.session, WINHTTP_OPTION_PROXY, &info, sizeof(info)));
        }
        if (async()) {
            ++sessions_;
            DWORD_PTR ctx = rec_.context();
            WinHttpSetStatusCallback(c.session, CallbackRecorder::record,
                                     WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
            EXPECT_TRUE(WinHttpSetOption(c.session, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx)));
        }
        c.connect = Handle(WinHttpConnect(c.session, host, port, 0));
        c.request = Handle(WinHttpOpenRequest(c.connect, L"GET", path, nullptr, WINHTTP_NO_REFERER,
                                              WINHTTP_DEFAULT_ACCEPT_TYPES, open_flags));
        EXPECT_TRUE(c.request.get());
        if (open_flags & WINHTTP_FLAG_SECURE) {
            DWORD flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_CN_INVALID |
                          SECURITY_FLAG_IGNORE_CERT_DATE_INVALID;
            EXPECT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof(flags)));
        }
        DWORD_PTR ctx = rec_.context();
        if (async())
            EXPECT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx)));
        if (mark) EXPECT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET, nullptr, 0));
        EXPECT_TRUE(WinHttpSendRequest(c.request, headers, headers ? static_cast<DWORD>(-1L) : 0,
                                       nullptr, 0, 0, ctx))
            << GetLastError();
        if (async())
            EXPECT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE, 1,
                                      std::chrono::seconds(10), c.request)) << rec_.dump();
        EXPECT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
        if (async())
            EXPECT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE, 1,
                                      std::chrono::seconds(10), c.request)) << rec_.dump();
        return c;
    }

    // The whole upgrade; the request handle is closed at once, as applications do (the
    // WinHttpWebSocketCompleteUpgrade page: the WebSocket goes on without it).
    Handle open_websocket(Chain& c) {
        DWORD status = 0, size = sizeof(status);
        EXPECT_TRUE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                        nullptr, &status, &size, nullptr));
        EXPECT_EQ(status, 101u);
        Handle ws(WinHttpWebSocketCompleteUpgrade(c.request, rec_.context()));
        EXPECT_TRUE(ws.get()) << GetLastError();
        c.request.reset();
        return ws;
    }

    // Receives one whole message (pieces arrive as *_FRAGMENT, the last as *_MESSAGE), or the
    // close. `pieces` counts the receives it took.
    DWORD receive_message(HINTERNET ws, std::string& out, WINHTTP_WEB_SOCKET_BUFFER_TYPE& type,
                          size_t buffer_size = 4096, size_t* pieces = nullptr) {
        out.clear();
        std::vector<char> buf(buffer_size);
        for (size_t n = 0; n < 1000000; ++n) {
            DWORD read = itest::kSentinel;
            WINHTTP_WEB_SOCKET_BUFFER_TYPE t{};
            const DWORD e = ws_receive(ws, buf.data(), static_cast<DWORD>(buf.size()), &read, &t);
            if (e) return e;
            out.append(buf.data(), read);
            type = t;
            if (pieces) *pieces = n + 1;
            if (!is_fragment(t)) return ERROR_SUCCESS;
        }
        return ERROR_MORE_DATA;
    }

    DWORD send_text(HINTERNET ws, const std::string& s,
                    WINHTTP_WEB_SOCKET_BUFFER_TYPE type = WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE) {
        return ws_send(ws, type, const_cast<char*>(s.data()), static_cast<DWORD>(s.size()));
    }

    CallbackRecorder rec_;
    size_t sessions_ = 0;
    std::wstring proxy_;  // upgrade_request's sessions go through this proxy when set
};

std::string mode_name(const ::testing::TestParamInfo<Mode>& i) {
    return i.param == Mode::Sync ? "Sync" : "Async";
}

class WebSocketPython : public WebSocketTest {};
class WebSocketScripted : public WebSocketTest {};
// Tests of two operations pending at once on one handle: a synchronous call blocks its thread,
// so they exist for asynchronous handles only (the sync counterparts use two threads:
// WebSocketPython.ClosingTheHandleCancelsABlockedReceive, FullDuplexAndOneReceiveAtATime).
class WebSocketScriptedAsync : public WebSocketTest {};
INSTANTIATE_TEST_SUITE_P(Modes, WebSocketPython, ::testing::Values(Mode::Sync, Mode::Async), mode_name);
INSTANTIATE_TEST_SUITE_P(Modes, WebSocketScripted, ::testing::Values(Mode::Sync, Mode::Async), mode_name);
INSTANTIATE_TEST_SUITE_P(Modes, WebSocketScriptedAsync, ::testing::Values(Mode::Async), mode_name);
class WebSocketPythonAsync : public WebSocketTest {};
INSTANTIATE_TEST_SUITE_P(Modes, WebSocketPythonAsync, ::testing::Values(Mode::Async), mode_name);

// ---- against Python's websockets -------------------------------------------------------------

TEST_P(WebSocketPython, EchoTextAndBinary) {
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    ASSERT_EQ(send_text(ws, "hello"), ERROR_SUCCESS);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(got, "hello");
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE);

    const std::string bin("\x00\xFF\x10", 3);
    ASSERT_EQ(send_text(ws, bin, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE), ERROR_SUCCESS);
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(got, bin);
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE);

    // Wine notification.c (verified on Windows): an empty message may be sent (NULL, 0).
    ASSERT_EQ(ws_send(ws, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE, nullptr, 0),
              ERROR_SUCCESS);
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(got, "");
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE);
}

TEST_P(WebSocketPython, LargeMessageArrivesInFragmentsOfTheBuffer) {
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    std::string big(1 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i & 0xFF) ^ 0xCC);
    ASSERT_EQ(send_text(ws, big, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE), ERROR_SUCCESS);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    size_t pieces = 0;
    ASSERT_EQ(receive_message(ws, got, type, 65536, &pieces), ERROR_SUCCESS);
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE);
    EXPECT_GE(pieces, 16u);  // a 64 KiB buffer never takes more than it holds
    EXPECT_TRUE(got == big);
}

TEST_P(WebSocketPython, FragmentsSentMakeOneMessage) {
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    ASSERT_EQ(send_text(ws, "ab", WINHTTP_WEB_SOCKET_BINARY_FRAGMENT_BUFFER_TYPE), ERROR_SUCCESS);
    // Wine notification.c (verified on Windows): a UTF-8 fragment or message inside a binary
    // message is ERROR_INVALID_PARAMETER.
    EXPECT_EQ(send_text(ws, "x", WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(send_text(ws, "x", WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE), ERROR_INVALID_PARAMETER);
    ASSERT_EQ(send_text(ws, "cd", WINHTTP_WEB_SOCKET_BINARY_FRAGMENT_BUFFER_TYPE), ERROR_SUCCESS);
    ASSERT_EQ(send_text(ws, "e", WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE), ERROR_SUCCESS);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(got, "abcde");  // the server reassembled the fragments into one message
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE);
}

TEST_P(WebSocketPython, FragmentedMessagesFromServer) {
    Chain c = upgrade_request(python_server().port(), L"/fragments");
    Handle ws = open_websocket(c);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    size_t pieces = 0;
    ASSERT_EQ(receive_message(ws, got, type, 4096, &pieces), ERROR_SUCCESS);
    EXPECT_EQ(got, "fragmented");
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE);
    EXPECT_GE(pieces, 3u);  // one receive per frame at least
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(got, std::string("\x01\x02\x03"));
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE);
}

TEST_P(WebSocketPython, ServerCloseWithCodeAndReason) {
    Chain c = upgrade_request(python_server().port(), L"/close");
    Handle ws = open_websocket(c);
    char buf[64];
    DWORD read = itest::kSentinel;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(ws_receive(ws, buf, sizeof(buf), &read, &type), ERROR_SUCCESS);
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE);

    // Size probe (WinHttpWebSocketQueryCloseStatus page), then the reason.
    USHORT status = 0;
    DWORD consumed = 0;
    EXPECT_EQ(WinHttpWebSocketQueryCloseStatus(ws, &status, nullptr, 0, &consumed),
              ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(consumed, 7u);
    ASSERT_EQ(WinHttpWebSocketQueryCloseStatus(ws, &status, buf, sizeof(buf), &consumed), ERROR_SUCCESS);
    EXPECT_EQ(status, 4001);
    EXPECT_EQ(std::string(buf, consumed), "bye now");

    // WinHttpWebSocketReceive page: the receive channel is closed.
    EXPECT_EQ(ws_receive(ws, buf, sizeof(buf), &read, &type), ERROR_INVALID_OPERATION);
    // WinHttpWebSocketClose page: after a close frame arrived, Close sends ours and is done.
    EXPECT_EQ(ws_close(ws, WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS, nullptr, 0),
              ERROR_SUCCESS);
}

TEST_P(WebSocketPython, CloseHandshakeFromClient) {
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    USHORT status = 0xDEAD;
    char buf[64];
    DWORD consumed = itest::kSentinel;
    // Wine notification.c (verified on Windows): before a close frame, ERROR_INVALID_OPERATION
    // and the out-parameters untouched.
    EXPECT_EQ(WinHttpWebSocketQueryCloseStatus(ws, &status, buf, sizeof(buf), &consumed),
              ERROR_INVALID_OPERATION);
    EXPECT_EQ(status, 0xDEAD);
    EXPECT_EQ(consumed, itest::kSentinel);

    char reason[] = "success";
    ASSERT_EQ(ws_close(ws, 1000, reason, sizeof(reason) - 1), ERROR_SUCCESS);
    ASSERT_EQ(WinHttpWebSocketQueryCloseStatus(ws, &status, buf, sizeof(buf), &consumed), ERROR_SUCCESS);
    EXPECT_EQ(status, 1000);  // websockets answers with the client's code and reason
    EXPECT_EQ(std::string(buf, consumed), "success");
}

TEST_P(WebSocketPython, ShutdownThenReceiveTheServersClose) {
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    ASSERT_EQ(ws_shutdown(ws, 1000, nullptr, 0), ERROR_SUCCESS);
    // Wine notification.c (verified on Windows): Send or Shutdown after Shutdown is
    // ERROR_INVALID_OPERATION.
    EXPECT_EQ(send_text(ws, "late"), ERROR_INVALID_OPERATION);
    EXPECT_EQ(ws_shutdown(ws, 1000, nullptr, 0), ERROR_INVALID_OPERATION);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE);
    USHORT status = 0;
    DWORD consumed = 0;
    ASSERT_EQ(WinHttpWebSocketQueryCloseStatus(ws, &status, nullptr, 0, &consumed), ERROR_SUCCESS);
    EXPECT_EQ(status, 1000);
}

TEST_P(WebSocketPython, PingIsAnsweredAutomatically) {
    // The server sends a ping and answers "pong ok" only after our pong came back.
    Chain c = upgrade_request(python_server().port(), L"/ping");
    Handle ws = open_websocket(c);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(got, "pong ok");
}

TEST_P(WebSocketPython, PeerVanishingIsAnAbort) {
    Chain c = upgrade_request(python_server().port(), L"/drop");
    Handle ws = open_websocket(c);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(got, "bye");
    EXPECT_EQ(receive_message(ws, got, type), ERROR_WINHTTP_CONNECTION_ERROR);
    expect_aborted(ws);
    EXPECT_EQ(send_text(ws, "x"), ERROR_INVALID_OPERATION);
}

TEST_P(WebSocketPython, FullDuplexAndOneReceiveAtATime) {
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    // Two receives race for the receive direction: whichever comes second fails at once with
    // ERROR_INVALID_OPERATION (WinHttpWebSocketReceive page: "a receive is pending"); the first
    // waits, while this thread sends, and gets the echo.
    std::atomic<DWORD> results[2] = {itest::kSentinel, itest::kSentinel};
    std::string texts[2];
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i)
        threads.emplace_back([&, i] {
            WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
            results[i] = receive_message(ws, texts[i], type);
        });
    // Until one receive has failed, the other may not have started: send only then.
    for (int spin = 0; spin < 10000; ++spin) {
        bool one_failed = false;
        for (int i = 0; i < 2; ++i) one_failed |= results[i].load() == ERROR_INVALID_OPERATION;
        if (one_failed) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(send_text(ws, "duplex"), ERROR_SUCCESS);
    for (auto& t : threads) t.join();
    const int ok = results[0].load() == ERROR_SUCCESS ? 0 : 1;
    EXPECT_EQ(results[ok].load(), ERROR_SUCCESS);
    EXPECT_EQ(results[1 - ok].load(), ERROR_INVALID_OPERATION);
    EXPECT_EQ(texts[ok], "duplex");
}

TEST_P(WebSocketPython, ClosingTheHandleCancelsABlockedReceive) {
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    std::atomic<DWORD> result{itest::kSentinel};
    HINTERNET raw = ws.get();
    std::thread receiver([&] {
        std::string got;
        WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
        result = receive_message(raw, got, type);
    });
    // Closing before or during the receive: either way it ends at once (DESIGN.md close
    // protocol): cancelled if it was waiting, invalid handle if it came after the close.
    ASSERT_TRUE(WinHttpCloseHandle(ws.release()));
    receiver.join();
    EXPECT_TRUE(result == ERROR_WINHTTP_OPERATION_CANCELLED || result == ERROR_INVALID_HANDLE)
        << result;
}

TEST_P(WebSocketPython, SendAndReceiveOnTwoThreads) {
    // Full duplex (DESIGN.md): one thread sends while another receives the echoes.
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    constexpr int kMessages = 200;
    std::atomic<DWORD> send_error{0};
    std::thread sender([&] {
        for (int i = 0; i < kMessages && !send_error; ++i)
            send_error = send_text(ws, "message " + std::to_string(i));
    });
    for (int i = 0; i < kMessages; ++i) {
        std::string got;
        WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
        ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
        ASSERT_EQ(got, "message " + std::to_string(i));
    }
    sender.join();
    EXPECT_EQ(send_error, 0u);
}

TEST_P(WebSocketPython, CloseStormWithReceivesPending) {
    // Every WebSocket has a receive blocked on its own thread; all handles are closed from this
    // one. Each receive ends promptly (cancelled, or invalid handle if the close came first);
    // nothing hangs or touches freed memory (run under ASan and TSan).
    constexpr int kSockets = 12;
    std::vector<Chain> chains(kSockets);
    std::vector<HINTERNET> sockets;
    for (auto& c : chains) {
        c = upgrade_request(python_server().port(), L"/echo");
        sockets.push_back(open_websocket(c).release());
    }
    std::vector<DWORD> results(kSockets, itest::kSentinel);
    std::vector<std::thread> threads;
    for (int i = 0; i < kSockets; ++i)
        threads.emplace_back([&, i] {
            std::string got;
            WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
            results[i] = receive_message(sockets[i], got, type);
        });
    for (HINTERNET h : sockets) EXPECT_TRUE(WinHttpCloseHandle(h));
    for (auto& t : threads) t.join();
    for (DWORD r : results)
        EXPECT_TRUE(r == ERROR_WINHTTP_OPERATION_CANCELLED || r == ERROR_INVALID_HANDLE) << r;
}

TEST_P(WebSocketPython, CloseCancelsAPendingReceive) {
    // Wine notification.c websocket_test2 (verified on Windows): WinHttpWebSocketClose while a
    // receive is pending cancels that receive: REQUEST_ERROR {RECEIVE_OPERATION, dwResult 0,
    // ERROR_WINHTTP_OPERATION_CANCELLED}, before CLOSE_COMPLETE; QueryCloseStatus then gives 1000.
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    char buf[64];
    DWORD read = itest::kSentinel;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type = static_cast<WINHTTP_WEB_SOCKET_BUFFER_TYPE>(99);
    std::atomic<DWORD> result{itest::kSentinel};
    std::atomic<bool> started{false};
    std::thread receiver;
    if (async()) {
        ASSERT_EQ(WinHttpWebSocketReceive(ws, buf, sizeof(buf), &read, &type), ERROR_SUCCESS);
    } else {
        receiver = std::thread([&] {
            started = true;
            DWORD r = 0;
            WINHTTP_WEB_SOCKET_BUFFER_TYPE t{};
            result = WinHttpWebSocketReceive(ws, buf, sizeof(buf), &r, &t);
        });
        while (!started) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // usually inside its wait
    }
    char reason[] = "success";
    ASSERT_EQ(ws_close(ws, 1000, reason, sizeof(reason) - 1), ERROR_SUCCESS);
    if (async()) {
        const auto events = rec_.events_for(ws);
        size_t cancelled = events.size(), closed = events.size();
        for (size_t i = 0; i < events.size(); ++i) {
            if (error_operation(events[i]) == WINHTTP_WEB_SOCKET_RECEIVE_OPERATION) {
                cancelled = i;
                EXPECT_EQ(events[i].result.dwResult, 0u);
                EXPECT_EQ(events[i].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
            }
            if (events[i].status == WINHTTP_CALLBACK_STATUS_CLOSE_COMPLETE) closed = i;
        }
        EXPECT_LT(cancelled, closed) << rec_.dump();
        EXPECT_LT(closed, events.size()) << rec_.dump();
        EXPECT_EQ(read, itest::kSentinel);  // async: the out-parameters are not used
    } else {
        receiver.join();
        // Cancelled while it waited; or, when the thread came late, the receive channel was
        // closed (Receive page) or the receive took the server's close frame first.
        EXPECT_TRUE(result == ERROR_WINHTTP_OPERATION_CANCELLED || result == ERROR_INVALID_OPERATION ||
                    result == ERROR_SUCCESS)
            << result;
    }
    USHORT status = 0;
    DWORD consumed = 0;
    ASSERT_EQ(WinHttpWebSocketQueryCloseStatus(ws, &status, buf, sizeof(buf), &consumed), ERROR_SUCCESS);
    EXPECT_EQ(status, 1000);
}

TEST_P(WebSocketPython, ShutdownWhileAReceiveIsPending) {
    // Wine notification.c websocket_test5 (verified on Windows): Shutdown with a receive pending
    // completes (SHUTDOWN_COMPLETE); the receive then gets the server's close frame
    // (CLOSE_BUFFER_TYPE, 0 bytes); a further receive is ERROR_INVALID_OPERATION; Close completes.
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    std::string got = "x";
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    std::atomic<DWORD> result{itest::kSentinel};
    std::thread receiver([&] { result = receive_message(ws, got, type); });
    ASSERT_EQ(ws_shutdown(ws, 1000, nullptr, 0), ERROR_SUCCESS);
    receiver.join();
    EXPECT_EQ(result, ERROR_SUCCESS);
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE);
    EXPECT_EQ(got, "");
    char buf[8];
    DWORD read = 0;
    EXPECT_EQ(WinHttpWebSocketReceive(ws, buf, sizeof(buf), &read, &type), ERROR_INVALID_OPERATION);
    EXPECT_EQ(ws_close(ws, 1000, nullptr, 0), ERROR_SUCCESS);
}


TEST_P(WebSocketPython, Options) {
    Chain c = upgrade_request(python_server().port(), L"/echo");
    DWORD value = 20000;
    // Option Flags page: the WebSocket options belong to the WebSocket handle.
    EXPECT_FALSE(WinHttpSetOption(c.request, WINHTTP_OPTION_WEB_SOCKET_KEEPALIVE_INTERVAL, &value,
                                  sizeof(value)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    Handle ws = open_websocket(c);

    DWORD size = sizeof(value);
    ASSERT_TRUE(WinHttpQueryOption(ws, WINHTTP_OPTION_HANDLE_TYPE, &value, &size));
    EXPECT_EQ(value, static_cast<DWORD>(WINHTTP_HANDLE_TYPE_WEBSOCKET));
    // Option Flags page: close timeout default 10 s, in milliseconds; keep-alive default 30000,
    // minimum 15000 (lower: ERROR_INVALID_PARAMETER).
    size = sizeof(value);
    ASSERT_TRUE(WinHttpQueryOption(ws, WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, &value, &size));
    EXPECT_EQ(value, 10000u);
    size = sizeof(value);
    ASSERT_TRUE(WinHttpQueryOption(ws, WINHTTP_OPTION_WEB_SOCKET_KEEPALIVE_INTERVAL, &value, &size));
    EXPECT_EQ(value, 30000u);
    value = 14999;
    EXPECT_FALSE(WinHttpSetOption(ws, WINHTTP_OPTION_WEB_SOCKET_KEEPALIVE_INTERVAL, &value, sizeof(value)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    value = 15000;
    EXPECT_TRUE(WinHttpSetOption(ws, WINHTTP_OPTION_WEB_SOCKET_KEEPALIVE_INTERVAL, &value, sizeof(value)));
    value = 2500;
    EXPECT_TRUE(WinHttpSetOption(ws, WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, &value, sizeof(value)));
    size = sizeof(value);
    ASSERT_TRUE(WinHttpQueryOption(ws, WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, &value, &size));
    EXPECT_EQ(value, 2500u);
}

TEST_P(WebSocketPython, BufferSizeOptions) {
    // Wine winhttp.c test_websocket (verified on Windows): WEB_SOCKET_RECEIVE/SEND_BUFFER_SIZE
    // default to 32768 (4 bytes), are options of the session (a new request takes its value)
    // and the request; a connect handle or a WebSocket handle has them not:
    // ERROR_WINHTTP_INCORRECT_HANDLE_TYPE.
    Handle session = itest::open_session();
    DWORD value = 0, size = sizeof(value);
    ASSERT_TRUE(WinHttpQueryOption(session, WINHTTP_OPTION_WEB_SOCKET_RECEIVE_BUFFER_SIZE, &value, &size));
    EXPECT_EQ(value, 32768u);
    EXPECT_EQ(size, 4u);
    size = sizeof(value);
    ASSERT_TRUE(WinHttpQueryOption(session, WINHTTP_OPTION_WEB_SOCKET_SEND_BUFFER_SIZE, &value, &size));
    EXPECT_EQ(value, 32768u);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", 80, 0));
    size = sizeof(value);
    EXPECT_FALSE(WinHttpQueryOption(connect, WINHTTP_OPTION_WEB_SOCKET_RECEIVE_BUFFER_SIZE, &value, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    value = 1000;
    ASSERT_TRUE(WinHttpSetOption(session, WINHTTP_OPTION_WEB_SOCKET_RECEIVE_BUFFER_SIZE, &value, sizeof(value)));
    Handle request(WinHttpOpenRequest(connect, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                      WINHTTP_DEFAULT_ACCEPT_TYPES, 0));
    size = sizeof(value);
    value = 0;
    ASSERT_TRUE(WinHttpQueryOption(request, WINHTTP_OPTION_WEB_SOCKET_RECEIVE_BUFFER_SIZE, &value, &size));
    EXPECT_EQ(value, 1000u);

    // Small buffers on both sides still carry a large message whole (our receive and send
    // chunks follow them: docs/design/websocket.md).
    Chain c = upgrade_request(python_server().port(), L"/echo");
    value = 1000;
    // (set before the upgrade request was sent would apply too; here the request's copy is
    // what the WebSocket takes at CompleteUpgrade)
    ASSERT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_WEB_SOCKET_RECEIVE_BUFFER_SIZE, &value, sizeof(value)));
    value = 100;
    ASSERT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_WEB_SOCKET_SEND_BUFFER_SIZE, &value, sizeof(value)));
    Handle ws = open_websocket(c);
    size = sizeof(value);
    EXPECT_FALSE(WinHttpQueryOption(ws, WINHTTP_OPTION_WEB_SOCKET_SEND_BUFFER_SIZE, &value, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    value = 65535;
    EXPECT_FALSE(WinHttpSetOption(ws, WINHTTP_OPTION_WEB_SOCKET_RECEIVE_BUFFER_SIZE, &value, sizeof(value)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    std::string big(200000, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
    ASSERT_EQ(send_text(ws, big, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE), ERROR_SUCCESS);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(receive_message(ws, got, type, 65536), ERROR_SUCCESS);
    EXPECT_TRUE(got == big);
}

TEST_P(WebSocketPython, WssThroughNginx) {
    // wss:// (WinHttpWebSocketCompleteUpgrade page: the upgrade works over HTTPS): TLS ends at
    // nginx, which proxies the upgrade (Upgrade/Connection headers) to the Python server.
    auto& nginx = winhttp::test::Nginx::shared();
    const std::wstring headers = L"X-WS-Port: " + std::to_wstring(python_server().port());
    Chain c = upgrade_request(nginx.tls_port(winhttp::test::TlsPort::Valid), L"/ws-proxy/echo",
                              headers.c_str(), true, WINHTTP_FLAG_SECURE, L"localhost");
    Handle ws = open_websocket(c);
    ASSERT_TRUE(ws.get());
    std::string big(100000, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 13);
    for (const std::string& msg : {std::string("over tls"), big}) {
        ASSERT_EQ(send_text(ws, msg, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE), ERROR_SUCCESS);
        std::string got;
        WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
        ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
        EXPECT_TRUE(got == msg);
        EXPECT_EQ(type, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE);
    }
    char reason[] = "done";
    EXPECT_EQ(ws_close(ws, 1000, reason, 4), ERROR_SUCCESS);
    USHORT status = 0;
    DWORD consumed = 0;
    char buf[16];
    ASSERT_EQ(WinHttpWebSocketQueryCloseStatus(ws, &status, buf, sizeof(buf), &consumed), ERROR_SUCCESS);
    EXPECT_EQ(status, 1000);
}

// Through a forward proxy a WebSocket goes inside a CONNECT tunnel, ws:// as well as wss://
// (RFC 6455 4.1; docs/design/websocket.md "Proxies"): a proxy does not pass an upgraded
// connection on when asked with an absolute-form GET.
void expect_echo_and_close(WebSocketTest& t, HINTERNET ws) {
    std::string big(100000, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 11);
    for (const std::string& msg : {std::string("via proxy"), big}) {
        ASSERT_EQ(t.send_text(ws, msg, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE), ERROR_SUCCESS);
        std::string got;
        WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
        ASSERT_EQ(t.receive_message(ws, got, type), ERROR_SUCCESS);
        EXPECT_TRUE(got == msg);
    }
    EXPECT_EQ(t.ws_close(ws, 1000, nullptr, 0), ERROR_SUCCESS);
}

bool has_line(const std::vector<std::string>& lines, const std::string& want) {
    for (const auto& l : lines)
        if (l == want) return true;
    return false;
}

// One body for ws:// (straight to the Python server) and wss:// (TLS ends at nginx, which
// passes the upgrade on to the Python server), each sync and async (the fixture's modes): the
// proxy sees a CONNECT to the origin, the echo and the close handshake work inside the tunnel.
void expect_websocket_through_proxy(WebSocketTest& t, std::wstring& proxy_setting, bool secure) {
    auto& proxy = winhttp::test::Tinyproxy::shared();
    proxy_setting = proxy.address();
    const unsigned short py_port = python_server().port();
    Chain c;
    std::string connect;
    if (secure) {
        const unsigned short port =
            winhttp::test::Nginx::shared().tls_port(winhttp::test::TlsPort::Valid);
        const std::wstring headers = L"X-WS-Port: " + std::to_wstring(py_port);
        c = t.upgrade_request(port, L"/ws-proxy/echo", headers.c_str(), true, WINHTTP_FLAG_SECURE,
                              L"localhost");
        connect = "CONNECT localhost:" + std::to_string(port) + " HTTP/1.1";
    } else {
        c = t.upgrade_request(py_port, L"/echo");
        connect = "CONNECT 127.0.0.1:" + std::to_string(py_port) + " HTTP/1.1";
    }
    Handle ws = t.open_websocket(c);
    ASSERT_TRUE(ws.get());
    expect_echo_and_close(t, ws);
    EXPECT_TRUE(has_line(proxy.request_lines(), connect)) << proxy.log();
}

TEST_P(WebSocketPython, WsThroughAProxyUsesConnect) {
    expect_websocket_through_proxy(*this, proxy_, false);
}

TEST_P(WebSocketPython, WssThroughAProxyAndNginx) {
    expect_websocket_through_proxy(*this, proxy_, true);
}

TEST_P(WebSocketPythonAsync, NotificationSequenceOfTheUpgradeAndAfter) {
    // Wine notification.c websocket_test (verified on Windows), on an async session: the
    // request's notifications up to HEADERS_AVAILABLE, HANDLE_CREATED for the WebSocket from
    // CompleteUpgrade, the request's HANDLE_CLOSING when the application closes it, then one
    // completion per WebSocket operation and HANDLE_CLOSING last. (Wine allows RESOLVING_NAME
    // and NAME_RESOLVED to be absent for an address literal; we send both.)
    Chain c = upgrade_request(python_server().port(), L"/echo");
    HINTERNET request = c.request.get();
    HINTERNET connect = c.connect.get();
    Handle ws = open_websocket(c);
    HINTERNET raw = ws.get();
    ASSERT_EQ(send_text(ws, "hello"), ERROR_SUCCESS);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    size_t pieces = 0;  // one READ_COMPLETE per receive (the short-I/O build takes several)
    ASSERT_EQ(receive_message(ws, got, type, 4096, &pieces), ERROR_SUCCESS);
    EXPECT_EQ(ws_close(ws, 1000, nullptr, 0), ERROR_SUCCESS);
    ASSERT_TRUE(WinHttpCloseHandle(ws.release()));
    ASSERT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, std::chrono::seconds(10), raw))
        << rec_.dump();
    // The request's HANDLE_CLOSING may come after its close returned (WinHttpCloseHandle page:
    // callbacks can still arrive); it comes from the event loop once its last operation ends.
    ASSERT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, std::chrono::seconds(10), request))
        << rec_.dump();
    using winhttp::test::Expected;
    const std::vector<Expected> want_request = {
        {WINHTTP_CALLBACK_STATUS_RESOLVING_NAME},
        {WINHTTP_CALLBACK_STATUS_NAME_RESOLVED},
        {WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER},
        {WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER},
        {WINHTTP_CALLBACK_STATUS_SENDING_REQUEST},
        {WINHTTP_CALLBACK_STATUS_REQUEST_SENT},
        {WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE},
        {WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE},
        {WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED},
        {WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE},
        {WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING},
    };
    // One RECEIVING_RESPONSE / RESPONSE_RECEIVED pair per read: a response head that arrives
    // in several reads (the short-I/O build, a loaded machine) repeats the pair; kept once.
    std::vector<CallbackEvent> request_events;
    bool skip_received = false;
    for (const CallbackEvent& e : rec_.events_for(request)) {
        if (e.status == WINHTTP_CALLBACK_STATUS_HANDLE_CREATED) continue;
        if (e.status == WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE && !request_events.empty() &&
            request_events.back().status == WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED) {
            skip_received = true;
            continue;
        }
        if (skip_received && e.status == WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED) {
            skip_received = false;
            continue;
        }
        request_events.push_back(e);
    }
    EXPECT_EQ(winhttp::test::compare_events(request_events, want_request), "");
    std::vector<Expected> want_ws = {{WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE}};
    for (size_t i = 0; i < pieces; ++i) want_ws.push_back({WINHTTP_CALLBACK_STATUS_READ_COMPLETE});
    want_ws.push_back({WINHTTP_CALLBACK_STATUS_CLOSE_COMPLETE});
    want_ws.push_back({WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING});
    std::vector<CallbackEvent> ws_events;
    for (const CallbackEvent& e : rec_.events_for(raw))
        if (e.status != WINHTTP_CALLBACK_STATUS_HANDLE_CREATED) ws_events.push_back(e);
    EXPECT_EQ(winhttp::test::compare_events(ws_events, want_ws), "");
    // Across handles: the WebSocket's HANDLE_CREATED comes after HEADERS_AVAILABLE and before
    // the request's HANDLE_CLOSING; the connect handle is still open.
    const std::vector<CallbackEvent> all = rec_.events();
    size_t headers = all.size(), created = all.size(), closing = all.size();
    for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].handle == request && all[i].status == WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE) headers = i;
        if (all[i].status == WINHTTP_CALLBACK_STATUS_HANDLE_CREATED && all[i].handle_value == raw) created = i;
        if (all[i].handle == request && all[i].status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) closing = i;
    }
    EXPECT_LT(headers, created) << rec_.dump();
    EXPECT_LT(created, closing) << rec_.dump();
    EXPECT_EQ(rec_.count(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, connect), 0u);
}

TEST_P(WebSocketPython, ArgumentChecks) {
    Chain c = upgrade_request(python_server().port(), L"/echo");
    Handle ws = open_websocket(c);
    char buf[8];
    DWORD read = 0;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    EXPECT_EQ(ws_send(ws, WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE, buf, 1), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(ws_send(ws, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE, nullptr, 1),
              ERROR_INVALID_PARAMETER);
    EXPECT_EQ(ws_receive(ws, nullptr, 8, &read, &type), ERROR_INVALID_PARAMETER);
    // WinHttpWebSocketClose page: the reason is at most 123 bytes, NULL only with length 0.
    std::string long_reason(124, 'r');
    EXPECT_EQ(ws_close(ws, 1000, long_reason.data(), 124), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(ws_close(ws, 1000, nullptr, 3), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(ws_shutdown(ws, 1006, nullptr, 0), ERROR_INVALID_PARAMETER);  // never sent
    EXPECT_EQ(ws_send(nullptr, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE, buf, 1),
              ERROR_INVALID_HANDLE);
    EXPECT_EQ(ws_send(c.session, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE, buf, 1),
              ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
}

// ---- exact bytes and misbehaviour (scripted server) ------------------------------------------

// A server frame (unmasked unless `mask`).
std::string frame(uint8_t b0, const std::string& payload, bool mask = false) {
    std::string f(1, static_cast<char>(b0));
    if (payload.size() < 126) {
        f += static_cast<char>((mask ? 0x80 : 0) | payload.size());
    } else if (payload.size() > 0xFFFF) {
        f += static_cast<char>((mask ? 0x80 : 0) | 127);
        for (int shift = 56; shift >= 0; shift -= 8)
            f += static_cast<char>((static_cast<uint64_t>(payload.size()) >> shift) & 0xFF);
    } else {
        f += static_cast<char>((mask ? 0x80 : 0) | 126);
        f += static_cast<char>(payload.size() >> 8);
        f += static_cast<char>(payload.size() & 0xFF);
    }
    if (mask) f += std::string(4, '\0');  // key 0: payload unchanged
    return f + payload;
}

// Decodes one masked client frame with a payload under 126 bytes: opcode byte and payload.
std::pair<int, std::string> client_frame(const std::string& bytes) {
    if (bytes.size() < 6 || !(static_cast<uint8_t>(bytes[1]) & 0x80)) return {-1, ""};
    const size_t len = static_cast<uint8_t>(bytes[1]) & 0x7F;
    std::string payload = bytes.substr(6, len);
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ bytes[2 + i % 4]);
    return {static_cast<uint8_t>(bytes[0]), payload};
}

const wchar_t* kKeyHeader = L"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

TEST_P(WebSocketScripted, HandshakeRequestHeaders) {
    ScriptedServer server({{Step::read_request(), Step::send(k101), Step::expect_client_close()}});
    Chain c = upgrade_request(server.port(), L"/chat");
    const std::string req = server.request(0);
    // RFC 6455 4.1: GET, Upgrade: websocket, Connection: Upgrade, a 16-byte base64 key,
    // version 13.
    EXPECT_EQ(req.rfind("GET /chat HTTP/1.1\r\n", 0), 0u) << req;
    EXPECT_NE(req.find("\r\nUpgrade: websocket\r\n"), std::string::npos) << req;
    EXPECT_NE(req.find("\r\nConnection: Upgrade\r\n"), std::string::npos) << req;
    EXPECT_NE(req.find("\r\nSec-WebSocket-Version: 13\r\n"), std::string::npos) << req;
    const size_t k = req.find("\r\nSec-WebSocket-Key: ");
    ASSERT_NE(k, std::string::npos) << req;
    const std::string key = req.substr(k + 21, req.find("\r\n", k + 2) - (k + 21));
    EXPECT_EQ(key.size(), 24u);
    EXPECT_EQ(key.substr(22), "==");
    // The scripted 101 carries the accept of RFC 6455's example key, not of this random one.
    SetLastError(0);
    EXPECT_EQ(WinHttpWebSocketCompleteUpgrade(c.request, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
}

TEST_P(WebSocketScripted, KeysAreFreshPerRequest) {
    ScriptedServer server({{Step::read_request(), Step::send(k101), Step::expect_client_close()}});
    Chain a = upgrade_request(server.port(), L"/");
    Chain b = upgrade_request(server.port(), L"/");
    auto key_of = [](const std::string& r) {
        const size_t k = r.find("Sec-WebSocket-Key: ");
        return r.substr(k, r.find("\r\n", k) - k);
    };
    EXPECT_NE(key_of(server.request(0)), key_of(server.request(1)));
}

TEST_P(WebSocketScripted, UpgradeRefusedCases) {
    // WinHttpWebSocketCompleteUpgrade page: only after a 101 to a request marked with
    // WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET.
    ScriptedServer ok_server({{Step::read_request(),
                               Step::send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                               Step::expect_client_close()}});
    Chain c = upgrade_request(ok_server.port(), L"/", kKeyHeader);
    EXPECT_EQ(WinHttpWebSocketCompleteUpgrade(c.request, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));

    ScriptedServer unmarked({{Step::read_request(), Step::send(k101), Step::expect_client_close()}});
    Chain u = upgrade_request(unmarked.port(), L"/", kKeyHeader, false);
    EXPECT_EQ(WinHttpWebSocketCompleteUpgrade(u.request, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));

    // RFC 6455 4.1: a 101 without "Upgrade: websocket" fails the handshake.
    ScriptedServer no_upgrade({{Step::read_request(),
                                Step::send(std::string("HTTP/1.1 101 Switching Protocols\r\n"
                                                       "Connection: Upgrade\r\nSec-WebSocket-Accept: ") +
                                           kFixedAccept + "\r\n\r\n"),
                                Step::expect_client_close()}});
    Chain n = upgrade_request(no_upgrade.port(), L"/", kKeyHeader);
    EXPECT_EQ(WinHttpWebSocketCompleteUpgrade(n.request, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));

    // The option is for a request not sent yet.
    EXPECT_FALSE(WinHttpSetOption(n.request, WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
}

// Runs `server_bytes` after a good handshake and returns what one receive gives and the client's
// frame the server read back (`reply_len` bytes).
struct Misbehaviour {
    DWORD receive_error = 0;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    std::string data;
    std::pair<int, std::string> reply;
};

Misbehaviour run_misbehaving(WebSocketTest& t, const std::string& server_bytes, size_t reply_len) {
    ScriptedServer server({{Step::read_request(), Step::send(k101 + server_bytes),
                            Step::read_bytes(reply_len), Step::expect_client_close()}});
    Chain c = t.upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = t.open_websocket(c);
    Misbehaviour m;
    if (!ws.get()) return m;
    m.receive_error = t.receive_message(ws, m.data, m.type);
    m.reply = client_frame(server.request(1));
    return m;
}

TEST_P(WebSocketScripted, DataInTheSameWriteAsThe101) {
    ScriptedServer server({{Step::read_request(), Step::send(k101 + frame(0x81, "first")),
                            Step::expect_client_close()}});
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(got, "first");
}

TEST_P(WebSocketScripted, LargeFramesBackToBackKeepTheirBoundaries) {
    // Large payloads are read straight into the caller's buffer (docs/design/websocket.md
    // "Speed"): such a read must stop at the frame's end, so the next frame's header, a ping
    // between messages and a text message (UTF-8 checked) that arrive in the same write are
    // still parsed. A 2-byte UTF-8 character straddles the first and second halves of the text
    // frame's payload.
    std::string a(200000, '\0'), b(70000, '\0');
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<char>(i * 31);
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<char>(i * 17 + 3);
    std::string text(9000, 'x');
    text[4999] = '\xC3';
    text[5000] = '\xA9';  // U+00E9
    ScriptedServer server({{Step::read_request(),
                            Step::send(k101 + frame(0x82, a) + frame(0x89, "p") + frame(0x02, b) +
                                       frame(0x80, "tail") + frame(0x81, text)),
                            Step::read_bytes(7), Step::expect_client_close()}});
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(receive_message(ws, got, type, 1 << 20), ERROR_SUCCESS);
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE);
    EXPECT_TRUE(got == a);
    ASSERT_EQ(receive_message(ws, got, type, 65536), ERROR_SUCCESS);
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE);
    EXPECT_TRUE(got == b + "tail");
    ASSERT_EQ(receive_message(ws, got, type, 8192), ERROR_SUCCESS);
    EXPECT_EQ(type, WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE);
    EXPECT_TRUE(got == text);
    EXPECT_EQ(client_frame(server.request(1)), std::make_pair(0x8A, std::string("p")));
}

TEST_P(WebSocketScripted, PongEchoesThePingPayload) {
    // RFC 6455 5.5.3: the pong carries the ping's application data.
    const Misbehaviour m = run_misbehaving(*this, frame(0x89, "are you there") + frame(0x81, "ok"), 6 + 13);
    EXPECT_EQ(m.receive_error, ERROR_SUCCESS);
    EXPECT_EQ(m.data, "ok");
    EXPECT_EQ(m.reply.first, 0x8A);
    EXPECT_EQ(m.reply.second, "are you there");
}

TEST_P(WebSocketScripted, ProtocolErrorsFailWith1002) {
    // RFC 6455 5.1 masked server frame, 5.5 control frame over 125 bytes, 5.5 fragmented control
    // frame, 5.2 reserved bit and opcode, 5.4 continuation without start and a new message inside
    // a fragmented one, 7.4 a close code an endpoint may not send (999, 1005) and 5.5.1 a close
    // payload of one byte: the client closes with 1002 and the receive fails with
    // ERROR_WINHTTP_INVALID_SERVER_RESPONSE (WinHttpWebSocketReceive page).
    for (const std::string& bad :
         {frame(0x81, "hi", true), frame(0x89, std::string(126, 'p')), frame(0x09, "p"),
          frame(0xC1, "x"), frame(0x83, "x"), frame(0x80, "x"), frame(0x01, "a") + frame(0x81, "b"),
          frame(0x88, std::string("\x03\xE7", 2)), frame(0x88, std::string("\x03\xED", 2)),
          frame(0x88, std::string("\x03", 1))}) {
        const Misbehaviour m = run_misbehaving(*this, bad, 8);
        EXPECT_EQ(m.receive_error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
        EXPECT_EQ(m.reply.first, 0x88);
        EXPECT_EQ(m.reply.second, std::string("\x03\xEA", 2));  // 1002
    }
}

TEST_P(WebSocketScripted, InvalidUtf8FailsWith1007) {
    // RFC 6455 8.1: text that is not UTF-8 fails the connection with 1007.
    const Misbehaviour m = run_misbehaving(*this, frame(0x81, "\xED\xA0\x80"), 8);
    EXPECT_EQ(m.receive_error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    EXPECT_EQ(m.reply.first, 0x88);
    EXPECT_EQ(m.reply.second, std::string("\x03\xEF", 2));  // 1007
}

TEST_P(WebSocketScripted, CloseTimeoutWhenThePeerNeverAnswers) {
    // libHttpClient #696 (PITFALLS 12): Close must respect WEB_SOCKET_CLOSE_TIMEOUT.
    ScriptedServer server({stalls_after_our_close()});
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    DWORD ms = 200;
    ASSERT_TRUE(WinHttpSetOption(ws, WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, &ms, sizeof(ms)));
    EXPECT_EQ(ws_close(ws, 1000, nullptr, 0), static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT));
    EXPECT_EQ(client_frame(server.request(1)), std::make_pair(0x88, std::string("\x03\xE8", 2)));
    expect_aborted(ws);
}

TEST_P(WebSocketScripted, CloseTimeoutWithAReceivePending) {
    // Close page and Wine notification.c websocket_test2 (verified on Windows): Close cancels a
    // pending receive (ERROR_WINHTTP_OPERATION_CANCELLED) and waits for the peer's close frame
    // at most WEB_SOCKET_CLOSE_TIMEOUT (ERROR_WINHTTP_TIMEOUT, connection aborted: 1006). A
    // sync receive on a plain socket waits in recv() itself (docs/design/websocket.md "Speed"):
    // a peer that never answers must not keep it, or the Close, waiting.
    if (async())
        GTEST_SKIP() << "the async receive waits on the event loop; CloseCancelsAPendingReceive";
    ScriptedServer server({stalls_after_our_close()});
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    DWORD ms = 200;
    ASSERT_TRUE(WinHttpSetOption(ws, WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, &ms, sizeof(ms)));
    std::atomic<DWORD> received{itest::kSentinel};
    std::thread receiver = receive_on_a_thread(ws.get(), received);
    EXPECT_EQ(ws_close(ws, 1000, nullptr, 0), static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT));
    receiver.join();
    // Cancelled while it waited; or, when the thread came late, a close is pending (Receive page).
    EXPECT_TRUE(received == ERROR_WINHTTP_OPERATION_CANCELLED ||
                received == ERROR_INVALID_OPERATION)
        << received;
    EXPECT_EQ(client_frame(server.request(1)), std::make_pair(0x88, std::string("\x03\xE8", 2)));
    expect_aborted(ws);
}

TEST_P(WebSocketScripted, ClosingTheHandleCancelsABlockedReceiveAndClose) {
    // DESIGN.md close protocol: WinHttpCloseHandle cancels every wait; a sync receive blocked
    // in recv() (docs/design/websocket.md "Speed") and the Close waiting for the receive side
    // both end with ERROR_WINHTTP_OPERATION_CANCELLED.
    if (async())
        GTEST_SKIP() << "sync receive path; the async one: ClosingTheHandleCancelsAPendingReceive";
    ScriptedServer server({stalls_after_our_close()});
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    HINTERNET raw = ws.get();
    std::atomic<DWORD> received{itest::kSentinel};
    std::atomic<DWORD> closed{itest::kSentinel};
    std::thread receiver = receive_on_a_thread(raw, received);
    std::thread closer([&] { closed = WinHttpWebSocketClose(raw, 1000, nullptr, 0); });
    server.request(1);  // our close frame arrived: the Close waits for the receive side
    ASSERT_TRUE(WinHttpCloseHandle(ws.release()));
    receiver.join();
    closer.join();
    EXPECT_TRUE(received == ERROR_WINHTTP_OPERATION_CANCELLED ||
                received == ERROR_INVALID_OPERATION)
        << received;  // the latter when the thread came late (Receive page: a close is pending)
    EXPECT_EQ(closed, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
}

TEST_P(WebSocketScripted, ClosingTheHandleCancelsAPendingClose) {
    // Wine notification.c websocket_test3 (verified on Windows): closing the WebSocket handle
    // while WinHttpWebSocketClose waits for the peer's close frame ends that Close with
    // ERROR_WINHTTP_OPERATION_CANCELLED (REQUEST_ERROR {CLOSE_OPERATION}); the receive the Close
    // cancelled reported first; HANDLE_CLOSING is last (DESIGN.md close protocol).
    ScriptedServer server({stalls_after_our_close()});
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    HINTERNET raw = ws.get();
    if (async()) {
        char buf[16];
        DWORD read = 0;
        WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
        ASSERT_EQ(WinHttpWebSocketReceive(raw, buf, sizeof(buf), &read, &type), ERROR_SUCCESS);
        ASSERT_EQ(WinHttpWebSocketClose(raw, 1000, nullptr, 0), ERROR_SUCCESS);
        ASSERT_TRUE(WinHttpCloseHandle(ws.release()));
        ASSERT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, std::chrono::seconds(10), raw))
            << rec_.dump();
        const auto events = rec_.events_for(raw);
        ASSERT_GE(events.size(), 3u) << rec_.dump();
        const size_t n = events.size();
        EXPECT_EQ(error_operation(events[n - 3]), WINHTTP_WEB_SOCKET_RECEIVE_OPERATION) << rec_.dump();
        EXPECT_EQ(error_operation(events[n - 2]), WINHTTP_WEB_SOCKET_CLOSE_OPERATION) << rec_.dump();
        EXPECT_EQ(events[n - 2].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
        EXPECT_EQ(events[n - 1].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING));
    } else {
        std::atomic<DWORD> result{itest::kSentinel};
        std::thread closer([&] { result = WinHttpWebSocketClose(raw, 1000, nullptr, 0); });
        server.request(1);  // our close frame arrived: the Close waits for the answer
        ASSERT_TRUE(WinHttpCloseHandle(ws.release()));
        closer.join();
        EXPECT_EQ(result, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    }
}

TEST_P(WebSocketScriptedAsync, ClosingTheHandleCancelsAPendingReceive) {
    // Wine notification.c websocket_test4 (verified on Windows): REQUEST_ERROR
    // {RECEIVE_OPERATION, dwResult 0, ERROR_WINHTTP_OPERATION_CANCELLED}, then HANDLE_CLOSING.
    ScriptedServer server({{Step::read_request(), Step::send(k101), Step::stall(std::chrono::seconds(10))}});
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    HINTERNET raw = ws.get();
    char buf[16];
    DWORD read = 0;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(WinHttpWebSocketReceive(raw, buf, sizeof(buf), &read, &type), ERROR_SUCCESS);
    ASSERT_TRUE(WinHttpCloseHandle(ws.release()));
    ASSERT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, std::chrono::seconds(10), raw))
        << rec_.dump();
    const auto events = rec_.events_for(raw);
    ASSERT_GE(events.size(), 2u) << rec_.dump();
    const CallbackEvent& error = events[events.size() - 2];
    EXPECT_EQ(error_operation(error), WINHTTP_WEB_SOCKET_RECEIVE_OPERATION) << rec_.dump();
    EXPECT_EQ(error.result.dwResult, 0u);
    EXPECT_EQ(error.result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    EXPECT_EQ(events.back().status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING));
}

TEST_P(WebSocketScriptedAsync, OneSendAtATime) {
    // WinHttpWebSocketSend page: a second send while one is pending fails with
    // ERROR_INVALID_OPERATION ("a close or send is pending"), and so does Close; closing the
    // handle cancels the pending send (REQUEST_ERROR {SEND_OPERATION}, then HANDLE_CLOSING).
    ScriptedServer::Options opts;
    opts.small_buffers = true;
    ScriptedServer server({{Step::read_request(), Step::send(k101), Step::stall(std::chrono::seconds(10))}},
                          opts);
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    HINTERNET raw = ws.get();
    std::string big(16u << 20, 'b');  // far more than the socket buffers take
    ASSERT_EQ(WinHttpWebSocketSend(raw, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE, big.data(),
                                   static_cast<DWORD>(big.size())),
              ERROR_SUCCESS);
    char one[] = "x";
    EXPECT_EQ(WinHttpWebSocketSend(raw, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE, one, 1),
              ERROR_INVALID_OPERATION);
    EXPECT_EQ(WinHttpWebSocketClose(raw, 1000, nullptr, 0), ERROR_INVALID_OPERATION);
    ASSERT_TRUE(WinHttpCloseHandle(ws.release()));
    ASSERT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, std::chrono::seconds(10), raw))
        << rec_.dump();
    const auto events = rec_.events_for(raw);
    ASSERT_GE(events.size(), 2u) << rec_.dump();
    EXPECT_EQ(error_operation(events[events.size() - 2]), WINHTTP_WEB_SOCKET_SEND_OPERATION) << rec_.dump();
    EXPECT_EQ(events[events.size() - 2].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    EXPECT_EQ(events.back().status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING));
}

TEST_P(WebSocketScripted, ThePongNeverWaitsForALongSend) {
    // A ping arrives while our send of a long frame waits for a server that writes before it
    // reads. The receive side must go on reading (the pong goes out after the frame, RFC 6455
    // 5.4: control frames only between frames): stopping to wait for the frame lock left both
    // sides blocked on full socket buffers.
    const size_t n = 2u << 20;
    std::string down(n, 'd');
    ScriptedServer::Options opts;
    opts.small_buffers = true;
    ScriptedServer server({{Step::read_request(), Step::send(k101), Step::read_bytes(14),
                            Step::send(frame(0x89, "p1") + frame(0x82, down)), Step::read_bytes(n),
                            Step::read_bytes(8), Step::send(frame(0x88, "\x03\xE8")),
                            Step::expect_client_close(std::chrono::seconds(10))}},
                          opts);
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    std::string up(n, 'u');
    DWORD sent = ERROR_INVALID_OPERATION;
    std::thread sender([&] {
        sent = ws_send(ws, WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE, up.data(),
                       static_cast<DWORD>(up.size()));
    });
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    const DWORD received = receive_message(ws, got, type, 1u << 20);
    sender.join();
    EXPECT_EQ(received, ERROR_SUCCESS);
    EXPECT_TRUE(got == down);
    EXPECT_EQ(sent, ERROR_SUCCESS);
    EXPECT_EQ(client_frame(server.request(3)), std::make_pair(0x8A, std::string("p1")));
}

TEST_P(WebSocketScripted, KeepAlivePingWhileAReceiveWaits) {
    // Option Flags page: WEB_SOCKET_KEEPALIVE_INTERVAL (minimum 15000 ms) is the interval of
    // keep-alive pings; ours go out while a receive waits that long without a byte (RFC 6455
    // 5.5.2: a masked ping, here with no payload: 6 bytes).
    ScriptedServer::Options opts;
    opts.io_timeout = std::chrono::seconds(30);
    ScriptedServer server({{Step::read_request(), Step::send(k101), Step::read_bytes(6),
                            Step::send(frame(0x81, "ok")), Step::expect_client_close()}},
                          opts);
    Chain c = upgrade_request(server.port(), L"/", kKeyHeader);
    Handle ws = open_websocket(c);
    DWORD ms = 15000;
    ASSERT_TRUE(WinHttpSetOption(ws, WINHTTP_OPTION_WEB_SOCKET_KEEPALIVE_INTERVAL, &ms, sizeof(ms)));
    std::string got;
    WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
    ASSERT_EQ(receive_message(ws, got, type), ERROR_SUCCESS);
    EXPECT_EQ(got, "ok");
    EXPECT_EQ(client_frame(server.request(1)), std::make_pair(0x89, std::string()));
}

}  // namespace
