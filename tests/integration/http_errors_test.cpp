// How the synchronous HTTP/1.1 engine fails: unreachable servers, timeouts, broken connections,
// malformed responses, calls out of order, bad arguments and header injection.
//
// HTTP/1.1 only: the faults are exact HTTP/1.1 bytes from the scripted server (status lines,
// Content-Length and chunked framing, connections cut mid-message). Their HTTP/2 counterparts
// (RST_STREAM, GOAWAY, stalls, oversized header blocks) are in http2_fault_test.cpp.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "http_test_util.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;
using namespace std::chrono_literals;

namespace {

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

// A server that answers `response` to one request, then keeps the connection open.
std::vector<winhttp::test::Script> answer(const std::string& response) {
    return {{Step::read_request(), Step::send(response), Step::stall(10s)}};
}

// Runs a GET for `response` and returns the outcome.
Outcome get(const std::string& response, int timeout_ms = 2000) {
    ScriptedServer server(answer(response));
    Client c = open_client(server.port(), L"GET", L"/x");
    if (!c.request) return {"open", GetLastError(), ""};
    WinHttpSetTimeouts(c.request, timeout_ms, timeout_ms, timeout_ms, timeout_ms);
    return run_request(c.request);
}

}  // namespace

// ===== Reaching the server ====================================================================

// WinHttpConnect page: ERROR_WINHTTP_INVALID_URL, "the URL is invalid". A server name is the
// Host header's value, so CR or LF in it would split the request (docs/SECURITY.md): the name
// is refused at WinHttpConnect, so no request with it can ever be made, and no connection is.
TEST(Connect, CrOrLfInTheServerNameFailsWithInvalidUrl) {
    ScriptedServer server({{Step::read_request(), Step::send(kOk)}});
    Handle session = open_session();
    ASSERT_TRUE(session);
    for (const std::wstring name : {std::wstring(L"127.0.0.1\r\nX: y"), std::wstring(L"127.0.0.1\nX: y"),
                                    std::wstring(L"127.0.0.1\rX: y"), std::wstring(L"\r\n127.0.0.1"),
                                    std::wstring(L"127.0.0.1\r\n")}) {
        SCOPED_TRACE(narrow(name));
        SetLastError(kSentinel);
        Handle connect(WinHttpConnect(session, name.c_str(), server.port(), 0));
        EXPECT_FALSE(connect);
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INVALID_URL));
    }
    EXPECT_EQ(server.connections_accepted(), 0u) << "nothing reached the wire";
    // The same server name without the control characters works (the check is not spurious).
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    ASSERT_TRUE(connect) << GetLastError();
    Handle r = open_request(connect, L"GET", L"/x");
    set_timeouts(r);
    Outcome o = run_request(r);
    EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "ok");
    ASSERT_EQ(server.requests().size(), 1u);
    EXPECT_NE(server.requests()[0].find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
              std::string::npos)
        << server.requests()[0];
}

// WinHttpSendRequest page: ERROR_WINHTTP_CANNOT_CONNECT "if connection to the server failed".
TEST(SendRequest, RefusedPortFailsWithCannotConnect) {
    Client c = open_client(unused_port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    Stopwatch sw;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                    WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_CANNOT_CONNECT));
    EXPECT_LT(sw.ms(), 5000);
    // The failed request is in no state to receive.
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReceiveResponse(c.request, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
}

// WinHttpSendRequest page: ERROR_WINHTTP_NAME_NOT_RESOLVED "The server name cannot be resolved".
// ".invalid" never resolves (RFC 2606).
TEST(SendRequest, UnresolvableNameFailsWithNameNotResolved) {
    Client c = open_client(80, L"GET", L"/", L"nonexistent.invalid");
    ASSERT_TRUE(c.request);
    Stopwatch sw;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                    WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_NAME_NOT_RESOLVED));
    EXPECT_LT(sw.ms(), 10000);
}

// ===== Timeouts ===============================================================================

// WinHttpSetTimeouts page: nReceiveTimeout bounds the wait for a response; WinHttpReceiveResponse
// page: ERROR_WINHTTP_TIMEOUT "The request has timed out". The bound is against hangs only.
TEST(ReceiveResponse, StalledServerTimesOutWithinTheReceiveTimeout) {
    ScriptedServer server({{Step::read_request(), Step::stall(10s)}});
    Client c = open_client(server.port(), L"GET", L"/stall");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSetTimeouts(c.request, 2000, 2000, 2000, 500));
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
        << GetLastError();
    Stopwatch sw;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReceiveResponse(c.request, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT));
    EXPECT_LT(sw.ms(), 5000);
}

// WinHttpReadData page: ERROR_WINHTTP_TIMEOUT when the body stops arriving.
TEST(ReadData, StalledBodyTimesOutWithinTheReceiveTimeout) {
    ScriptedServer server(answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"));
    Client c = open_client(server.port(), L"GET", L"/short");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSetTimeouts(c.request, 2000, 2000, 2000, 500));
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string body;
    Stopwatch sw;
    EXPECT_EQ(read_body(c.request, body), static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT));
    EXPECT_EQ(body, "only this");
    EXPECT_LT(sw.ms(), 5000);
}

// Option Flags page, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT: the time to receive all response
// headers. A server trickling its head (each byte well within the receive timeout) still fails.
TEST(ReceiveResponse, TricklingHeadFailsAtTheReceiveResponseTimeout) {
    const std::string head = "HTTP/1.1 200 OK\r\nX-Slow: " + std::string(200, 's') + "\r\n\r\n";
    ScriptedServer server({{Step::read_request(), Step::send_slowly(head, 50ms)}});
    Client c = open_client(server.port(), L"GET", L"/slow");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSetTimeouts(c.request, 2000, 2000, 2000, 2000));
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, 500))
        << GetLastError();
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    Stopwatch sw;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReceiveResponse(c.request, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT));
    EXPECT_LT(sw.ms(), 5000);
}

// docs/design/windows-facts.md: without RECEIVE_RESPONSE_TIMEOUT (INFINITE, as Windows reports)
// the wait for the head is bounded by the receive timeout per read (WinHttpSetTimeouts page:
// dwReceiveTimeout), not in total: a head trickling in for longer than the receive timeout,
// each piece well within it, and 1xx blocks before it, is received.
TEST(ReceiveResponse, ReceiveTimeoutBoundsEachReadOfTheHeadNotTheWhole) {
    const std::string head = "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nX-Slow: " +
                             std::string(16, 's') + "\r\nContent-Length: 2\r\n\r\nok";
    ScriptedServer server({{Step::read_request(), Step::send_slowly(head, 40ms)}});
    Client c = open_client(server.port(), L"GET", L"/slow");
    ASSERT_TRUE(c.request);
    // About 80 bytes at 40 ms each: over 3 s in all, 40 ms between reads.
    ASSERT_TRUE(WinHttpSetTimeouts(c.request, 2000, 2000, 2000, 1000));
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string body;
    EXPECT_EQ(read_body(c.request, body), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(body, "ok");
}

// ===== Broken connections =====================================================================

// WinHttpReadData page: ERROR_WINHTTP_CONNECTION_ERROR "The connection with the server has been
// reset or terminated". The bytes that did arrive are delivered first.
TEST(ReadData, ResetMidBodyFailsWithConnectionError) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" +
                                       std::string(100, 'b')),
                            Step::sleep(300ms), Step::reset()}});
    Client c = open_client(server.port(), L"GET", L"/reset");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.stage, "read");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_CONNECTION_ERROR));
    EXPECT_LE(o.body.size(), 100u);
}

// A content-length body cut short by an orderly close is not a complete body either.
TEST(ReadData, CloseBeforeContentLengthIsReachedFailsWithConnectionError) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort"),
                            Step::sleep(100ms), Step::close()}});
    Client c = open_client(server.port(), L"GET", L"/cut");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.stage, "read");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_CONNECTION_ERROR));
    EXPECT_EQ(o.body, "short");
}

// WinHttpReceiveResponse page: ERROR_WINHTTP_CONNECTION_ERROR when the connection is reset
// before any response (on a fresh connection, so there is nothing to retry).
TEST(ReceiveResponse, ResetBeforeAnyResponseFailsWithConnectionError) {
    ScriptedServer server({{Step::read_request(), Step::reset()}});
    Client c = open_client(server.port(), L"GET", L"/rst");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.stage, "receive");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_CONNECTION_ERROR));
}

// WinHttpWriteData page: ERROR_WINHTTP_CONNECTION_ERROR when the connection is reset while the
// application is still writing the body.
TEST(WriteData, ServerResetDuringUploadFailsWithConnectionError) {
    ScriptedServer server({{Step::read_until("\r\n\r\n"), Step::reset()}});
    Client c = open_client(server.port(), L"PUT", L"/upload");
    ASSERT_TRUE(c.request);
    const DWORD total = 64u << 20;
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, total, 0))
        << GetLastError();
    std::string piece(1u << 20, 'u');
    BOOL ok = TRUE;
    DWORD error = 0;
    Stopwatch sw;
    for (DWORD sent = 0; ok && sent < total; sent += piece.size()) {
        DWORD written = 0;
        SetLastError(kSentinel);
        ok = WinHttpWriteData(c.request, piece.data(), static_cast<DWORD>(piece.size()), &written);
        error = GetLastError();
        if (!ok) EXPECT_EQ(written, 0u);
    }
    EXPECT_FALSE(ok) << "64 MiB went into a reset connection";
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_WINHTTP_CONNECTION_ERROR));
    EXPECT_LT(sw.ms(), 5000);
}

// ===== Malformed responses ====================================================================

// WinHttpReceiveResponse page: ERROR_WINHTTP_INVALID_SERVER_RESPONSE "The server response
// could not be parsed".
TEST(ReceiveResponse, GarbageStatusLineIsInvalidServerResponse) {
    for (const std::string bad : {
             std::string("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
             std::string("HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
             std::string("SSH-2.0-OpenSSH_9.6\r\n\r\n"),
         }) {
        SCOPED_TRACE(bad);
        Outcome o = get(bad);
        EXPECT_EQ(o.stage, "receive");
        EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    }
}

// RFC 9112 §6.3: Content-Length together with Transfer-Encoding is a smuggling vector; the
// response is refused.
TEST(ReceiveResponse, ContentLengthWithTransferEncodingIsInvalidServerResponse) {
    Outcome o = get("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n0\r\n\r\n");
    EXPECT_EQ(o.stage, "receive");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
}

// Two different Content-Length values cannot both be right.
TEST(ReceiveResponse, ConflictingContentLengthsAreInvalidServerResponse) {
    Outcome o = get("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    EXPECT_EQ(o.stage, "receive");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
}

// A Content-Length beyond 64 bits (or negative) cannot frame a body.
TEST(ReceiveResponse, OverflowingContentLengthIsInvalidServerResponse) {
    for (const std::string value : {std::string("99999999999999999999999"), std::string("-1"),
                                    std::string("12abc")}) {
        SCOPED_TRACE(value);
        Outcome o = get("HTTP/1.1 200 OK\r\nContent-Length: " + value + "\r\n\r\nbody");
        EXPECT_EQ(o.stage, "receive");
        EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    }
}

// The headers are fine, so ReceiveResponse succeeds; the body framing is not, so reading fails.
TEST(ReadData, BadChunkSizeIsInvalidServerResponse) {
    // RFC 9112 §7.1: chunk data is followed by CRLF ("helloXX" is refused, not read as "hello").
    for (const std::string body : {std::string("zz\r\nhello\r\n0\r\n\r\n"),
                                   std::string("fffffffffffffffffff\r\nx\r\n0\r\n\r\n"),
                                   std::string("5\r\nhelloXX0\r\n\r\n")}) {
        SCOPED_TRACE(body);
        Outcome o = get("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        EXPECT_EQ(o.stage, "read") << "body read: " << o.body;
        EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    }
}

// WinHttpReceiveResponse page: ERROR_WINHTTP_HEADER_SIZE_OVERFLOW when the headers exceed the
// handle's limit (Option Flags page, WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE).
TEST(ReceiveResponse, HeaderBlockOverMaxResponseHeaderSizeOverflows) {
    ScriptedServer server(answer("HTTP/1.1 200 OK\r\nX-Big: " + std::string(2000, 'h') +
                                 "\r\nContent-Length: 0\r\n\r\n"));
    Client c = open_client(server.port(), L"GET", L"/big");
    ASSERT_TRUE(c.request);
    SetLastError(kSentinel);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE, 1024))
        << GetLastError();
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.stage, "receive");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW));
}

// Option Flags page: the default MAX_RESPONSE_HEADER_SIZE is 64 KB.
TEST(ReceiveResponse, HeaderBlockOverDefaultLimitOverflows) {
    std::string head = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 80; ++i) head += "X-H" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
    Outcome o = get(head + "Content-Length: 0\r\n\r\n");
    EXPECT_EQ(o.stage, "receive");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW));
}

// ===== Calls out of order =====================================================================

// WinHttpReceiveResponse page: "Wait until WinHttpSendRequest has completed for this handle";
// ERROR_WINHTTP_INCORRECT_HANDLE_STATE "the handle supplied is not in the correct state".
TEST(ReceiveResponse, BeforeSendRequestFailsWithIncorrectHandleState) {
    Client c = open_client(unused_port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReceiveResponse(c.request, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
}

// WinHttpReadData page: WinHttpReceiveResponse must have completed first.
TEST(ReadData, BeforeSendRequestFailsWithIncorrectHandleState) {
    Client c = open_client(unused_port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    char buf[8];
    DWORD read = 0xFFFFFFFF;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReadData(c.request, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    // WinHttpReadData page: "sets this value to zero before doing any work or error checking".
    EXPECT_EQ(read, 0u);
}

TEST(ReadData, BeforeReceiveResponseFailsWithIncorrectHandleState) {
    ScriptedServer server(answer(kOk));
    Client c = open_client(server.port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
        << GetLastError();
    char buf[8];
    DWORD read = 0xFFFFFFFF;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReadData(c.request, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    EXPECT_EQ(read, 0u);
    read = 0xFFFFFFFF;
    EXPECT_EQ(WinHttpReadDataEx(c.request, buf, sizeof(buf), &read, 0, 0, nullptr),
              static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    DWORD available = 0xFFFFFFFF;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryDataAvailable(c.request, &available));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    // The request is still fine: receiving now works.
    EXPECT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string body;
    EXPECT_EQ(read_body(c.request, body), ERROR_SUCCESS);
    EXPECT_EQ(body, "ok");
}

// WinHttpWriteData page: "Wait until WinHttpSendRequest has completed before calling".
TEST(WriteData, BeforeSendRequestFailsWithIncorrectHandleState) {
    Client c = open_client(unused_port(), L"POST", L"/");
    ASSERT_TRUE(c.request);
    DWORD written = 0xFFFFFFFF;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpWriteData(c.request, "abc", 3, &written));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    // WinHttpWriteData page: the count is set to zero before any work or error checking.
    EXPECT_EQ(written, 0u);
}

// A request sent without a declared body (dwTotalLength 0) has nothing left to write.
TEST(WriteData, WithoutDeclaredBodyFailsWithIncorrectHandleState) {
    ScriptedServer server(answer(kOk));
    Client c = open_client(server.port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    DWORD written = 0xFFFFFFFF;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpWriteData(c.request, "abc", 3, &written));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    EXPECT_EQ(written, 0u);
}

// "WinHttpWriteData will fail with ERROR_INVALID_PARAMETER if you are trying to send more data
// than specified in WinHttpSendRequest" (Microsoft blog, Windows 7 and later).
TEST(WriteData, MoreThanDeclaredFailsWithInvalidParameter) {
    ScriptedServer server({{Step::read_until("\r\n\r\n"), Step::stall(10s)}});
    Client c = open_client(server.port(), L"POST", L"/");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 4, 0))
        << GetLastError();
    DWORD written = 0xFFFFFFFF;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpWriteData(c.request, "abcdef", 6, &written));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpSendRequest (verified on Windows): the count is left alone
    EXPECT_EQ(written, 0xFFFFFFFFu);
}

// ===== Bad handles and arguments ==============================================================

namespace {

// Each request function, called on `h` with otherwise valid arguments; returns its error
// (BOOL functions: GetLastError() after FALSE; TRUE gives ERROR_SUCCESS).
struct RequestCall {
    const char* name;
    std::function<DWORD(HINTERNET)> call;
};

DWORD boolean(BOOL ok) { return ok ? ERROR_SUCCESS : GetLastError(); }

std::vector<RequestCall> request_calls() {
    return {
        {"WinHttpSendRequest",
         [](HINTERNET h) {
             return boolean(WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                               WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
         }},
        {"WinHttpReceiveResponse",
         [](HINTERNET h) { return boolean(WinHttpReceiveResponse(h, nullptr)); }},
        {"WinHttpQueryDataAvailable",
         [](HINTERNET h) {
             DWORD n = 0;
             return boolean(WinHttpQueryDataAvailable(h, &n));
         }},
        {"WinHttpReadData",
         [](HINTERNET h) {
             char b[4];
             DWORD n = 0;
             return boolean(WinHttpReadData(h, b, sizeof(b), &n));
         }},
        {"WinHttpReadDataEx",
         [](HINTERNET h) {
             char b[4];
             DWORD n = 0;
             return WinHttpReadDataEx(h, b, sizeof(b), &n, 0, 0, nullptr);
         }},
        {"WinHttpWriteData",
         [](HINTERNET h) {
             DWORD n = 0;
             return boolean(WinHttpWriteData(h, "x", 1, &n));
         }},
        {"WinHttpAddRequestHeaders",
         [](HINTERNET h) {
             return boolean(WinHttpAddRequestHeaders(h, L"X-A: b", static_cast<DWORD>(-1),
                                                     WINHTTP_ADDREQ_FLAG_ADD));
         }},
        {"WinHttpQueryHeaders",
         [](HINTERNET h) {
             WCHAR b[64];
             DWORD size = sizeof(b);
             return boolean(WinHttpQueryHeaders(h, WINHTTP_QUERY_RAW_HEADERS_CRLF,
                                                WINHTTP_HEADER_NAME_BY_INDEX, b, &size,
                                                WINHTTP_NO_HEADER_INDEX));
         }},
    };
}

}  // namespace

// Handle model (DESIGN.md): a NULL, forged or closed value is ERROR_INVALID_HANDLE.
TEST(RequestFunctions, NullHandleFailsWithInvalidHandle) {
    for (const auto& f : request_calls()) {
        SCOPED_TRACE(f.name);
        SetLastError(kSentinel);
        EXPECT_EQ(f.call(nullptr), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    }
}

TEST(RequestFunctions, GarbageHandleFailsWithInvalidHandle) {
    for (const auto& f : request_calls()) {
        SCOPED_TRACE(f.name);
        SetLastError(kSentinel);
        EXPECT_EQ(f.call(kGarbage), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    }
}

// WinHttpCloseHandle page: once closed, the handle cannot be used with any other function.
TEST(RequestFunctions, ClosedRequestHandleFailsWithInvalidHandle) {
    Client c = open_client(unused_port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    HINTERNET dead = c.request.release();
    ASSERT_TRUE(WinHttpCloseHandle(dead));
    for (const auto& f : request_calls()) {
        SCOPED_TRACE(f.name);
        SetLastError(kSentinel);
        EXPECT_EQ(f.call(dead), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    }
}

// WinHttpSendRequest page: ERROR_WINHTTP_INCORRECT_HANDLE_TYPE "The type of handle supplied is
// incorrect for this operation" — a session or connect handle where a request is expected.
TEST(RequestFunctions, SessionOrConnectHandleFailsWithIncorrectHandleType) {
    Client c = open_client(unused_port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    for (HINTERNET wrong : {c.session.get(), c.connect.get()}) {
        for (const auto& f : request_calls()) {
            SCOPED_TRACE(f.name);
            SetLastError(kSentinel);
            EXPECT_EQ(f.call(wrong), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
        }
    }
}

// WinHttpSendRequest page: "When lpOptional is not NULL, this parameter must contain a valid
// length"; a NULL buffer with a length is refused before anything goes on the wire.
TEST(SendRequest, NullOptionalWithLengthFailsWithInvalidParameter) {
    ScriptedServer server(answer(kOk));
    Client c = open_client(server.port(), L"POST", L"/");
    ASSERT_TRUE(c.request);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 5, 5, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(server.connections_accepted(), 0u);
}

// WinHttpSendRequest page: dwTotalLength is the whole body; it cannot be less than the optional
// data sent with the headers.
TEST(SendRequest, TotalLengthBelowOptionalLengthFailsWithInvalidParameter) {
    ScriptedServer server(answer(kOk));
    Client c = open_client(server.port(), L"POST", L"/");
    ASSERT_TRUE(c.request);
    char data[] = "0123456789";
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, data, 10, 4, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(server.connections_accepted(), 0u);
}

// WinHttpReceiveResponse page: lpReserved "is reserved and must be NULL".
TEST(ReceiveResponse, NonNullReservedFailsWithInvalidParameter) {
    ScriptedServer server(answer(kOk));
    Client c = open_client(server.port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    int reserved = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReceiveResponse(c.request, &reserved));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

// WinHttpReadDataEx page: cbProperty and pvProperty are reserved (0 and NULL).
TEST(ReadDataEx, ReservedArgumentsOrUnknownFlagsFailWithInvalidParameter) {
    ScriptedServer server(answer(kOk));
    Client c = open_client(server.port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    char buf[8];
    int prop = 0;
    DWORD read = 0xFFFFFFFF;
    EXPECT_EQ(WinHttpReadDataEx(c.request, buf, sizeof(buf), &read, 0, sizeof(prop), &prop),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpReadDataEx(c.request, buf, sizeof(buf), &read, 0x80, 0, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Still readable with proper arguments (a short-I/O build may hand it over a byte at a time).
    std::string body;
    for (int i = 0; i < 16; ++i) {
        read = 0;
        ASSERT_EQ(WinHttpReadDataEx(c.request, buf, sizeof(buf), &read, 0, 0, nullptr),
                  static_cast<DWORD>(ERROR_SUCCESS));
        if (read == 0) break;
        body.append(buf, read);
    }
    EXPECT_EQ(body, "ok");
}

// ===== Header injection =======================================================================

// WinHttpAddRequestHeaders page: "The name and value of request headers added with this
// function are validated ... If an invalid header is used, this function fails and
// GetLastError returns ERROR_INVALID_PARAMETER. The invalid header is not added."
TEST(AddRequestHeaders, ControlCharactersInNameOrValueAreRefused) {
    ScriptedServer server({{Step::read_request(), Step::send(kOk), Step::close()}});
    Client c = open_client(server.port(), L"GET", L"/inject");
    ASSERT_TRUE(c.request);
    const std::wstring bad[] = {
        // (A lone CR separates two headers on Windows: Wine winhttp.c test_bad_header.)
        std::wstring(L"X-Bad: a\x01Injected: 1"),     // control character inside the value
        std::wstring(L"X-Bad: a\0Injected: 1", 20),   // NUL inside the value (explicit length)
        std::wstring(L"X-B\rad: a"),                  // CR inside the name
        std::wstring(L"X-B\0ad: a", 9),               // NUL inside the name
        std::wstring(L"X Bad: a"),                    // space inside the name
        std::wstring(L"NoColonHere"),                 // not a header at all
    };
    for (const auto& h : bad) {
        SCOPED_TRACE(narrow(h));
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpAddRequestHeaders(c.request, h.data(), static_cast<DWORD>(h.size()),
                                              WINHTTP_ADDREQ_FLAG_ADD));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    }
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], "GET /inject HTTP/1.1\r\nConnection: Keep-Alive\r\nUser-Agent: " +
                           std::string(kAgentA) + "\r\nHost: " + host_port(server.port()) +
                           "\r\n\r\n");
}

// WinHttpAddRequestHeadersEx takes name and value apart, so a CR/LF cannot be a separator there:
// it can only be an attempt to smuggle a line.
TEST(AddRequestHeadersEx, CrLfInNameOrValueIsRefused) {
    Client c = open_client(unused_port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    WINHTTP_EXTENDED_HEADER bad_value{};
    bad_value.pwszName = L"X-Value";
    bad_value.pwszValue = L"a\r\nInjected: 1";
    EXPECT_EQ(WinHttpAddRequestHeadersEx(c.request, WINHTTP_ADDREQ_FLAG_ADD,
                                         WINHTTP_EXTENDED_HEADER_FLAG_UNICODE, 0, 1, &bad_value),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_EXTENDED_HEADER bad_name{};
    bad_name.pwszName = L"X-Name\r\nInjected";
    bad_name.pwszValue = L"1";
    EXPECT_EQ(WinHttpAddRequestHeadersEx(c.request, WINHTTP_ADDREQ_FLAG_ADD,
                                         WINHTTP_EXTENDED_HEADER_FLAG_UNICODE, 0, 1, &bad_name),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_EXTENDED_HEADER lone_lf{};
    lone_lf.pszName = "X-Narrow";
    lone_lf.pszValue = "a\nInjected: 1";
    EXPECT_EQ(WinHttpAddRequestHeadersEx(c.request, WINHTTP_ADDREQ_FLAG_ADD, 0, 0, 1, &lone_lf),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // None of them was added.
    std::wstring value;
    DWORD error = 0;
    for (const wchar_t* name : {L"X-Value", L"X-Name", L"X-Narrow", L"Injected"}) {
        EXPECT_FALSE(query_string(c.request, WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                                  value, name, WINHTTP_NO_HEADER_INDEX, &error))
            << narrow(name);
        EXPECT_EQ(error, static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND)) << narrow(name);
    }
}

// WinHttpSendRequest validates lpszHeaders the same way, before connecting.
TEST(SendRequest, ControlCharacterInAdditionalHeadersIsRefusedBeforeConnecting) {
    ScriptedServer server(answer(kOk));
    Client c = open_client(server.port(), L"GET", L"/");
    ASSERT_TRUE(c.request);
    SetLastError(kSentinel);
    // (Not a lone CR: that separates two headers on Windows, Wine winhttp.c test_bad_header.)
    EXPECT_FALSE(WinHttpSendRequest(c.request, L"X-Bad: a\x01Injected: 1", static_cast<DWORD>(-1),
                                    WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(server.connections_accepted(), 0u);
}
