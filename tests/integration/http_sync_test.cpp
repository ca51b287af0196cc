// The synchronous HTTP/1.1 engine against a scripted server: the exact request bytes, response
// framings, keep-alive, decompression, IPv6 and cancellation by closing a blocked request from
// another thread. The same client against nginx is in http_nginx_test.cpp.
#include <winhttp.h>

#include <gtest/gtest.h>

#include "net/sys_io.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "http_test_util.h"
#include "support/recorder.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;
using namespace std::chrono_literals;

namespace {

// The request head WinHTTP sends for a body-less request with no extra headers.
std::string plain_get(const std::string& target, INTERNET_PORT port, const char* verb = "GET") {
    return std::string(verb) + " " + target + " HTTP/1.1\r\nConnection: Keep-Alive\r\nUser-Agent: " +
           kAgentA + "\r\nHost: " + host_port(port) + "\r\n\r\n";
}

// Sends `body` with Content-Length and keeps the connection for more.
std::string ok_response(const std::string& body, const std::string& extra = "") {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
           "\r\n" + body;
}

// Same, then the server closes: each request of a test gets its own connection script.
std::string ok_close(const std::string& body, const std::string& extra = "") {
    return ok_response(body, "Connection: close\r\n" + extra);
}

}  // namespace

// Same, with the body trickling in small pieces: one FILL_BUFFER read still gets all of it.
TEST(ReadDataEx, FillBufferWaitsForBodyArrivingInPieces) {
    std::string body(300, 'x');
    for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
    ScriptedServer server({{
        Step::read_request(),
        Step::send("HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" + body.substr(0, 100)),
        Step::sleep(50ms),
        Step::send(body.substr(100, 100)),
        Step::sleep(50ms),
        Step::send(body.substr(200, 100)),
        Step::stall(),
    }});
    Client c = open_client(server.port(), L"GET", L"/trickle");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::vector<char> buf(300);
    DWORD read = 0xFFFFFFFF;
    EXPECT_EQ(WinHttpReadDataEx(c.request, buf.data(), 300, &read,
                                WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER, 0, nullptr),
              static_cast<DWORD>(ERROR_SUCCESS));
    ASSERT_EQ(read, 300u);
    EXPECT_EQ(std::string(buf.data(), read), body);
    // The declared length is complete: the next read ends the body without waiting.
    read = 0xFFFFFFFF;
    EXPECT_EQ(WinHttpReadDataEx(c.request, buf.data(), 300, &read,
                                WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER, 0, nullptr),
              static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(read, 0u);
}

// WinHttpQueryDataAvailable page: returns the amount of data that can be read immediately.
TEST(QueryDataAvailable, ReportsBufferedBytesThenZeroAtEnd) {
    if (winhttp::net::short_io_enabled())
        GTEST_SKIP() << "counts the whole body as buffered: a short-I/O build reads 1-7 bytes at a time";
    ScriptedServer server({{Step::read_request(), Step::send(ok_response("0123456789")),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/ten");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    DWORD available = 0xFFFFFFFF;
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpQueryDataAvailable(c.request, &available)) << GetLastError();
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(available, 10u);
    char buf[4];
    DWORD read = 0;
    ASSERT_TRUE(WinHttpReadData(c.request, buf, 4, &read));
    EXPECT_EQ(std::string(buf, read), "0123");
    ASSERT_TRUE(WinHttpQueryDataAvailable(c.request, &available));
    EXPECT_EQ(available, 6u);
    std::string rest;
    EXPECT_EQ(read_body(c.request, rest), ERROR_SUCCESS);
    EXPECT_EQ(rest, "456789");
    available = 0xFFFFFFFF;
    ASSERT_TRUE(WinHttpQueryDataAvailable(c.request, &available));
    EXPECT_EQ(available, 0u);
}

// ===== Keep-alive =============================================================================

// A pooled connection the server closed while idle is not an error for the application: the
// next request goes out on a fresh connection (WinHTTP retries stale keep-alive connections).
TEST(KeepAlive, PooledConnectionClosedByServerIsReplacedTransparently) {
    ScriptedServer server({
        {Step::read_request(), Step::send(ok_response("one")), Step::sleep(50ms), Step::close()},
        {Step::read_request(), Step::send(ok_response("two")), Step::stall()},
    });
    Handle session = open_session();
    set_timeouts(session);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    ASSERT_TRUE(connect);
    {
        Handle r = open_request(connect, L"GET", L"/one");
        Outcome o = run_request(r);
        ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
        EXPECT_EQ(o.body, "one");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server has closed by now
    Handle r = open_request(connect, L"GET", L"/two");
    Outcome o = run_request(r);
    EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "two");
    EXPECT_EQ(status_code(r), 200u);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[0], plain_get("/one", server.port()));
    EXPECT_EQ(wire[1], plain_get("/two", server.port()));
}

// Same, but the server closes at once after answering, so the client may find out only when
// its next request gets no answer on the stale connection.
TEST(KeepAlive, PooledConnectionClosedRightAfterResponseIsRetriedOnce) {
    ScriptedServer server({
        {Step::read_request(), Step::send(ok_response("one")), Step::close()},
        {Step::read_request(), Step::send(ok_response("two")), Step::stall()},
    });
    Handle session = open_session();
    set_timeouts(session);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    ASSERT_TRUE(connect);
    Handle r1 = open_request(connect, L"GET", L"/one");
    ASSERT_EQ(run_request(r1).error, ERROR_SUCCESS);
    r1.reset();
    Handle r2 = open_request(connect, L"GET", L"/two");
    Outcome o = run_request(r2);
    EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "two");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], plain_get("/two", server.port()));
}

// A request closed before its body was read must not leave those bytes for the next request
// on the pooled connection: the next request gets its own response, whether the connection was
// drained and reused or replaced.
TEST(KeepAlive, UnreadBodyOfAClosedRequestDoesNotLeakIntoTheNext) {
    ScriptedServer server({
        {Step::read_request(), Step::send(ok_response("0123456789")), Step::read_request(),
         Step::send(ok_response("second")), Step::stall()},
        {Step::read_request(), Step::send(ok_response("second")), Step::stall()},
    });
    Handle session = open_session();
    set_timeouts(session);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    ASSERT_TRUE(connect);
    {
        Handle r = open_request(connect, L"GET", L"/first");
        ASSERT_TRUE(WinHttpSendRequest(r, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                       WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
        ASSERT_TRUE(WinHttpReceiveResponse(r, nullptr)) << GetLastError();
        char two[2];
        DWORD read = 0;
        ASSERT_TRUE(WinHttpReadData(r, two, 2, &read));  // read a little, leave the rest
    }
    Handle r2 = open_request(connect, L"GET", L"/second");
    Outcome o = run_request(r2);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "second");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], plain_get("/second", server.port()));
}

// A response that says "Connection: close" (or an HTTP/1.0 one without keep-alive) ends its
// connection: the next request opens a new one. A plain HTTP/1.1 response keeps it.
TEST(KeepAlive, ConnectionCloseAndHttp10ResponsesAreNotReused) {
    ScriptedServer server({
        {Step::read_request(), Step::send(ok_response("a", "Connection: close\r\n")),
         Step::close()},
        {Step::read_request(),
         Step::send("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb"), Step::close()},
        {Step::read_request(), Step::send(ok_response("c")), Step::read_request(),
         Step::send(ok_response("d")), Step::stall()},
    });
    Handle session = open_session();
    set_timeouts(session);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    ASSERT_TRUE(connect);
    std::string bodies;
    for (const wchar_t* path : {L"/a", L"/b", L"/c", L"/d"}) {
        Handle r = open_request(connect, L"GET", path);
        Outcome o = run_request(r);
        ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage << " " << narrow(path);
        bodies += o.body;
    }
    EXPECT_EQ(bodies, "abcd");
    EXPECT_EQ(server.connections_accepted(), 3u);
}

// WinHttpSendRequest may be called again on the same request handle once its response is
// done (what authentication retries do): a second, identical request goes out.
TEST(SendRequest, SendingAgainOnTheSameHandleIssuesAnotherRequest) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_response("first")),
                            Step::read_request(), Step::send(ok_response("second")),
                            Step::stall()},
                           {Step::read_request(), Step::send(ok_response("second")),
                            Step::stall()}});
    Client c = open_client(server.port(), L"POST", L"/twice");
    ASSERT_TRUE(c.request);
    char data[] = "data";
    Outcome o1 = run_request(c.request, data, 4, 4);
    ASSERT_EQ(o1.error, ERROR_SUCCESS) << o1.stage;
    EXPECT_EQ(o1.body, "first");
    Outcome o2 = run_request(c.request, data, 4, 4);
    ASSERT_EQ(o2.error, ERROR_SUCCESS) << o2.stage;
    EXPECT_EQ(o2.body, "second");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[0], wire[1]);
}

// A large body streamed with WinHttpWriteData in 64 KiB pieces arrives whole, byte for byte.
TEST(WriteData, OneMebibyteUploadArrivesByteExact) {
    std::string upload(1u << 20, '\0');
    for (size_t i = 0; i < upload.size(); ++i) upload[i] = static_cast<char>(i % 253);
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("stored")), Step::close()}});
    Client c = open_client(server.port(), L"PUT", L"/big");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0,
                                   static_cast<DWORD>(upload.size()), 0))
        << GetLastError();
    for (size_t off = 0; off < upload.size(); off += 65536) {
        DWORD written = 0;
        ASSERT_TRUE(WinHttpWriteData(c.request, upload.data() + off, 65536, &written))
            << GetLastError() << " at " << off;
        ASSERT_EQ(written, 65536u);
    }
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string body;
    EXPECT_EQ(read_body(c.request, body), ERROR_SUCCESS);
    EXPECT_EQ(body, "stored");
    const std::string wire = server.request(0);
    const std::string expected_head = "PUT /big HTTP/1.1\r\nConnection: Keep-Alive\r\nUser-Agent: " +
                                      std::string(kAgentA) + "\r\nContent-Length: 1048576\r\nHost: " +
                                      host_port(server.port()) + "\r\n\r\n";
    ASSERT_EQ(wire.size(), expected_head.size() + upload.size());
    EXPECT_EQ(wire.substr(0, expected_head.size()), expected_head);
    EXPECT_TRUE(wire.compare(expected_head.size(), std::string::npos, upload) == 0)
        << "uploaded body differs";
}

// ===== Exact request bytes ====================================================================

// WinHttpOpen page: pszAgentW "is used as the user agent in the HTTP protocol"; WinHttpOpenRequest
// page: pwszVersion NULL means HTTP/1.1. Windows sends Connection: Keep-Alive first and Host last.
TEST(SendRequest, GetRequestBytesAreWhatWindowsSends) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("hi")), Step::close()}});
    Client c = open_client(server.port(), L"GET", L"/path/file.txt?x=1");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "hi");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], plain_get("/path/file.txt?x=1", server.port()));
}

// WinHttpAddRequestHeaders page: headers are appended to the request; several headers in one
// buffer are separated by CR/LF. They go out in the order they were added.
TEST(AddRequestHeaders, AppHeadersGoOutInOrderBetweenConnectionAndUserAgent) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("")), Step::close()}});
    Client c = open_client(server.port(), L"GET", L"/h");
    ASSERT_TRUE(c.request);
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request, L"X-One: 1\r\nX-Two: two words\r\n",
                                         static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    const wchar_t three[] = L"X-Three: 3";
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request, three, 10, WINHTTP_ADDREQ_FLAG_ADD));
    ASSERT_TRUE(WinHttpSendRequest(c.request, L"X-Four: 4\r\n", static_cast<DWORD>(-1),
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
        << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], "GET /h HTTP/1.1\r\n"
                       "Connection: Keep-Alive\r\n"
                       "X-One: 1\r\n"
                       "X-Two: two words\r\n"
                       "X-Three: 3\r\n"
                       "X-Four: 4\r\n"
                       "User-Agent: " + std::string(kAgentA) + "\r\n"
                       "Host: " + host_port(server.port()) + "\r\n\r\n");
}

// WinHttpSendRequest page: dwTotalLength "specifies the Content-Length header of the request";
// lpOptional is "sent immediately after the request headers".
TEST(SendRequest, PostWithOptionalDataSendsContentLengthAndBody) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("done")), Step::close()}});
    Client c = open_client(server.port(), L"POST", L"/form");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request,
                                         L"Content-Type: application/x-www-form-urlencoded",
                                         static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
    char data[] = "hello=world";
    Outcome o = run_request(c.request, data, 11, 11);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "done");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], "POST /form HTTP/1.1\r\n"
                       "Connection: Keep-Alive\r\n"
                       "Content-Type: application/x-www-form-urlencoded\r\n"
                       "User-Agent: " + std::string(kAgentA) + "\r\n"
                       "Content-Length: 11\r\n"
                       "Host: " + host_port(server.port()) + "\r\n\r\n"
                       "hello=world");
}

// A POST without a body still declares its (zero) length, so the server does not wait for one.
TEST(SendRequest, PostWithoutDataSendsContentLengthZero) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("")), Step::close()}});
    Client c = open_client(server.port(), L"POST", L"/empty");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], "POST /empty HTTP/1.1\r\n"
                       "Connection: Keep-Alive\r\n"
                       "User-Agent: " + std::string(kAgentA) + "\r\n"
                       "Content-Length: 0\r\n"
                       "Host: " + host_port(server.port()) + "\r\n\r\n");
}

// WinHttpSendRequest page: if dwTotalLength is greater than dwOptionalLength, WinHttpWriteData
// sends the rest. WinHttpWriteData page: lpdwNumberOfBytesWritten receives the count written.
TEST(WriteData, PostBodyWrittenInPiecesArrivesWhole) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("got it")), Step::close()}});
    Client c = open_client(server.port(), L"POST", L"/upload");
    ASSERT_TRUE(c.request);
    char first[] = "abc";
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, first, 3, 13, 0))
        << GetLastError();
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    for (const char* piece : {"defg", "hij", "klm"}) {
        DWORD written = 0xFFFFFFFF;
        const DWORD len = static_cast<DWORD>(strlen(piece));
        SetLastError(kSentinel);
        ASSERT_TRUE(WinHttpWriteData(c.request, piece, len, &written)) << GetLastError();
        EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
        EXPECT_EQ(written, len);
    }
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    std::string body;
    EXPECT_EQ(read_body(c.request, body), ERROR_SUCCESS);
    EXPECT_EQ(body, "got it");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], "POST /upload HTTP/1.1\r\n"
                       "Connection: Keep-Alive\r\n"
                       "User-Agent: " + std::string(kAgentA) + "\r\n"
                       "Content-Length: 13\r\n"
                       "Host: " + host_port(server.port()) + "\r\n\r\n"
                       "abcdefghijklm");
}

// An application that adds "Transfer-Encoding: chunked" frames the body itself with
// WinHttpWriteData (WINHTTP_IGNORE_REQUEST_TOTAL_LENGTH); WinHTTP sends the bytes verbatim and
// no Content-Length.
TEST(WriteData, AppFramedChunkedBodyIsSentVerbatim) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("ok")), Step::close()}});
    Client c = open_client(server.port(), L"PUT", L"/chunks");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request, L"Transfer-Encoding: chunked",
                                         static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0,
                                   WINHTTP_IGNORE_REQUEST_TOTAL_LENGTH, 0))
        << GetLastError();
    for (const char* piece : {"5\r\nhello\r\n", "6\r\n world\r\n", "0\r\n\r\n"}) {
        DWORD written = 0;
        ASSERT_TRUE(WinHttpWriteData(c.request, piece, static_cast<DWORD>(strlen(piece)),
                                     &written))
            << GetLastError();
        EXPECT_EQ(written, strlen(piece));
    }
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(status_code(c.request), 200u);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], "PUT /chunks HTTP/1.1\r\n"
                       "Connection: Keep-Alive\r\n"
                       "Transfer-Encoding: chunked\r\n"
                       "User-Agent: " + std::string(kAgentA) + "\r\n"
                       "Host: " + host_port(server.port()) + "\r\n\r\n"
                       "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
}

// WinHttpOpenRequest page: ppwszAcceptTypes "specifies media types accepted by the client".
TEST(OpenRequest, AcceptTypesBecomeOneAcceptHeader) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("")), Step::close()}});
    LPCWSTR types[] = {L"text/html", L"application/json", nullptr};
    Client c = open_client(server.port(), L"GET", L"/a", L"127.0.0.1", 0, WINHTTP_NO_REFERER,
                           types);
    ASSERT_TRUE(c.request);
    ASSERT_EQ(run_request(c.request).error, ERROR_SUCCESS);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], "GET /a HTTP/1.1\r\n"
                       "Connection: Keep-Alive\r\n"
                       "Accept: text/html, application/json\r\n"
                       "User-Agent: " + std::string(kAgentA) + "\r\n"
                       "Host: " + host_port(server.port()) + "\r\n\r\n");
}

// WinHttpOpenRequest page: pwszReferrer is "the URL of the document from which the URL in the
// request pwszObjectName was obtained".
TEST(OpenRequest, ReferrerBecomesRefererHeader) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("")), Step::close()}});
    Client c = open_client(server.port(), L"GET", L"/r", L"127.0.0.1", 0,
                           L"http://example.test/from");
    ASSERT_TRUE(c.request);
    ASSERT_EQ(run_request(c.request).error, ERROR_SUCCESS);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], "GET /r HTTP/1.1\r\n"
                       "Connection: Keep-Alive\r\n"
                       "Referer: http://example.test/from\r\n"
                       "User-Agent: " + std::string(kAgentA) + "\r\n"
                       "Host: " + host_port(server.port()) + "\r\n\r\n");
}

// WinHttpOpenRequest page, WINHTTP_FLAG_ESCAPE_DISABLE(_QUERY): without them unsafe characters
// of pwszObjectName, its query included, are converted to escape sequences.
TEST(OpenRequest, SpacesInObjectNameAreEscaped) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("")), Step::close()}});
    Client c = open_client(server.port(), L"GET", L"/dir name/a file.txt?q=a b");
    ASSERT_TRUE(c.request);
    ASSERT_EQ(run_request(c.request).error, ERROR_SUCCESS);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], plain_get("/dir%20name/a%20file.txt?q=a%20b", server.port()));
}

// WinHttpOpenRequest page, WINHTTP_FLAG_REFRESH: the request goes to the originating server;
// "a Pragma: no-cache header is added", and for HTTP/1.1 "Cache-Control: no-cache" too.
TEST(OpenRequest, RefreshFlagAddsPragmaAndCacheControlNoCache) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("")), Step::close()}});
    Client c = open_client(server.port(), L"GET", L"/fresh", L"127.0.0.1", WINHTTP_FLAG_REFRESH);
    ASSERT_TRUE(c.request);
    ASSERT_EQ(run_request(c.request).error, ERROR_SUCCESS);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_NE(wire[0].find("\r\nPragma: no-cache\r\n"), std::string::npos) << wire[0];
    EXPECT_NE(wire[0].find("\r\nCache-Control: no-cache\r\n"), std::string::npos) << wire[0];
}

// ===== Response framings ======================================================================

// RFC 9112 §7.1: a chunked body ends with a zero-size chunk and optional trailer fields; the
// connection stays usable (the second request reuses it).
TEST(ReceiveResponse, ChunkedBodyWithTrailersIsDecodedAndConnectionReused) {
    const std::string chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
        "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n";
    ScriptedServer server({{Step::read_request(), Step::send(chunked), Step::read_request(),
                            Step::send(ok_response("again")), Step::stall()}});
    Handle session = open_session();
    set_timeouts(session);
    Handle connect(WinHttpConnect(session, L"127.0.0.1", server.port(), 0));
    ASSERT_TRUE(connect);
    Handle r1 = open_request(connect, L"GET", L"/chunked");
    Outcome o = run_request(r1);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "hello world");
    EXPECT_EQ(header(r1, WINHTTP_QUERY_TRANSFER_ENCODING), L"chunked");
    r1.reset();
    Handle r2 = open_request(connect, L"GET", L"/again");
    Outcome o2 = run_request(r2);
    ASSERT_EQ(o2.error, ERROR_SUCCESS) << o2.stage;
    EXPECT_EQ(o2.body, "again");
    EXPECT_EQ(server.requests().size(), 2u);
}

// Query Info Flags page, WINHTTP_QUERY_FLAG_TRAILERS: queries the response trailers instead of
// the headers; they exist once the body has been read to the end.
TEST(QueryHeaders, TrailersFlagReturnsChunkedTrailerAfterBody) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "3\r\nabc\r\n0\r\nX-Checksum: 900150983cd2\r\n\r\n"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/t");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "abc");
    std::wstring value;
    DWORD error = 0;
    EXPECT_TRUE(query_string(c.request, WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_TRAILERS, value,
                             L"X-Checksum", WINHTTP_NO_HEADER_INDEX, &error))
        << error;
    EXPECT_EQ(value, L"900150983cd2");
    // A trailer is not a header.
    EXPECT_FALSE(query_string(c.request, WINHTTP_QUERY_CUSTOM, value, L"X-Checksum",
                              WINHTTP_NO_HEADER_INDEX, &error));
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
}

// RFC 9112 §6.3: without Content-Length or chunking, the body runs until the server closes.
TEST(ReceiveResponse, BodyDelimitedByCloseIsReadToTheEnd) {
    const std::string body(5000, 'z');
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body),
                            Step::close()}});
    Client c = open_client(server.port(), L"GET", L"/eof");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, body);
}

TEST(ReceiveResponse, Http10BodyWithoutLengthIsReadToTheEnd) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold"),
                            Step::close()}});
    Client c = open_client(server.port(), L"GET", L"/old");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "old");
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_VERSION), L"HTTP/1.0");
}

// RFC 9110 §15.3.5 / §15.4.5: 204 and 304 never have content, whatever the headers say. The
// server keeps the connection open: the read must end the body without waiting for more.
TEST(ReceiveResponse, NoContentHasNoBody) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n"), Step::stall()}});
    Client c = open_client(server.port(), L"DELETE", L"/thing");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "");
    EXPECT_EQ(status_code(c.request), 204u);
}

TEST(ReceiveResponse, NotModifiedHasNoBodyDespiteContentLength) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n"
                                       "ETag: \"v1\"\r\n\r\n"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/cached");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request, L"If-None-Match: \"v1\"",
                                         static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "");
    EXPECT_EQ(status_code(c.request), 304u);
}

// A HEAD response announces a length it never sends.
TEST(ReceiveResponse, HeadResponseWithContentLengthHasNoBody) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"HEAD", L"/h");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "");
    EXPECT_EQ(server.requests().at(0), plain_get("/h", server.port(), "HEAD"));
}

// PITFALLS §5 (WinHttpPAL broke on "100 Continue" followed by "200"): the interim response is
// skipped; the application sees the final status.
TEST(ReceiveResponse, ContinueThenOkReportsOk) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 100 Continue\r\n\r\n"
                                       "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"POST", L"/c");
    ASSERT_TRUE(c.request);
    char data[] = "x";
    Outcome o = run_request(c.request, data, 1, 1);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "body");
    EXPECT_EQ(status_code(c.request), 200u);
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_STATUS_TEXT), L"OK");
}

// WINHTTP_STATUS_CALLBACK page, WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE: "Received an
// intermediate (100 level) status code message from the server"; the payload is that status.
TEST(ReceiveResponse, InterimResponseIsNotifiedWithItsStatus) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 100 Continue\r\n\r\n"
                                       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/c");
    ASSERT_TRUE(c.request);
    winhttp::test::CallbackRecorder rec;
    ASSERT_NE(WinHttpSetStatusCallback(c.request, winhttp::test::CallbackRecorder::record,
                                       WINHTTP_CALLBACK_FLAG_INTERMEDIATE_RESPONSE, 0),
              WINHTTP_INVALID_STATUS_CALLBACK);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, rec.context()));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    const auto events = rec.events_for(c.request);
    ASSERT_EQ(events.size(), 1u) << rec.dump();
    EXPECT_EQ(events[0].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE));
    EXPECT_EQ(events[0].length, sizeof(DWORD));
    EXPECT_EQ(events[0].value, 100u);
    EXPECT_EQ(status_code(c.request), 200u);
}

// Option Flags page, WINHTTP_OPTION_MAX_HTTP_STATUS_CONTINUE: the number of informational
// responses WinHTTP skips (default 10). Several below the limit are all skipped.
TEST(ReceiveResponse, SeveralInformationalResponsesAreSkipped) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 100 Continue\r\n\r\n"
                                       "HTTP/1.1 102 Processing\r\n\r\n"
                                       "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                                       "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"POST", L"/c");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "ok");
    EXPECT_EQ(status_code(c.request), 201u);
    // The interim responses' headers are not the final response's.
    std::wstring link;
    DWORD error = 0;
    EXPECT_FALSE(query_string(c.request, WINHTTP_QUERY_LINK, link, WINHTTP_HEADER_NAME_BY_INDEX,
                              WINHTTP_NO_HEADER_INDEX, &error));
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
}

// More informational responses than WINHTTP_OPTION_MAX_HTTP_STATUS_CONTINUE allows: the response
// is refused rather than waited on forever.
TEST(ReceiveResponse, MoreInformationalResponsesThanTheLimitFail) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 100 Continue\r\n\r\n"
                                       "HTTP/1.1 100 Continue\r\n\r\n"
                                       "HTTP/1.1 100 Continue\r\n\r\n"
                                       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/c");
    ASSERT_TRUE(c.request);
    SetLastError(kSentinel);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_MAX_HTTP_STATUS_CONTINUE, 2))
        << GetLastError();
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.stage, "receive");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
}

// The parser does not depend on how the bytes are cut: the same response written one byte at a
// time gives the same status, headers, body and trailers.
TEST(ReceiveResponse, ResponseWrittenOneByteAtATimeGivesTheSameResult) {
    const std::string response =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Custom: split value\r\n\r\n"
        "4\r\nwiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n";
    ScriptedServer server({{Step::read_request(), Step::send_split(response, 1), Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/split");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "wikipedia");
    EXPECT_EQ(status_code(c.request), 200u);
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_CUSTOM, L"X-Custom"), L"split value");
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_TRAILERS, L"X-Trailer"),
              L"t");
}

// ===== Decompression ==========================================================================

// Windows sends "Accept-Encoding: gzip, deflate" when both decoders are enabled; the gzip body
// is decoded however it is cut.
TEST(Decompression, OptionSendsAcceptEncodingAndDecodesScriptedGzip) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i) + " of some text\n";
    const std::string gz = gzip(text);
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                       "Content-Length: " + std::to_string(gz.size()) +
                                       "\r\n\r\n" + gz.substr(0, 10)),
                            Step::sleep(20ms), Step::send(gz.substr(10)), Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/gz");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_DECOMPRESSION,
                                 WINHTTP_DECOMPRESSION_FLAG_ALL));
    std::string body;
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(read_body(c.request, body, 100), ERROR_SUCCESS);
    EXPECT_EQ(body, text);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_NE(wire[0].find("\r\nAccept-Encoding: gzip, deflate\r\n"), std::string::npos)
        << wire[0];
}

// Bytes after the end of the gzip stream (within Content-Length) are ignored; when there are
// more of them than WINHTTP_OPTION_MAX_RESPONSE_DRAIN_SIZE allows to drain, the connection is
// closed instead, and the reads after that still end the body cleanly (they must not touch the
// closed connection).
TEST(Decompression, TrailingBytesPastTheDrainLimitEndTheBodyCleanly) {
    const std::string text(3000, 'z');
    const std::string gz = gzip(text);
    const std::string junk(4096, 'j');  // of the 10,000 the length announces: the rest never comes
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                       "Content-Length: " + std::to_string(gz.size() + 10000) +
                                       "\r\n\r\n" + gz),
                            Step::sleep(20ms), Step::send(junk.substr(0, 1000)),
                            Step::sleep(20ms), Step::send(junk.substr(1000)), Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/gz");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_DECOMPRESSION,
                                 WINHTTP_DECOMPRESSION_FLAG_ALL));
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_MAX_RESPONSE_DRAIN_SIZE, 100));
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string body;
    EXPECT_EQ(read_body(c.request, body, 100), ERROR_SUCCESS);
    EXPECT_EQ(body, text);
    // After the end, more reads find the end again (WinHttpReadData page: TRUE, 0 bytes).
    DWORD n = 1;
    EXPECT_TRUE(WinHttpQueryDataAvailable(c.request, &n)) << GetLastError();
    EXPECT_EQ(n, 0u);
    char more[16];
    n = 1;
    EXPECT_TRUE(WinHttpReadData(c.request, more, sizeof(more), &n)) << GetLastError();
    EXPECT_EQ(n, 0u);
}

// Option Flags page, WINHTTP_DECOMPRESSION_FLAG_DEFLATE: "deflate" content (RFC 9110 §8.4.1.2,
// the zlib format) is decoded too.
TEST(Decompression, DeflateBodyIsDecoded) {
    const std::string text(5000, 'd');
    std::string packed(compressBound(text.size()), '\0');
    uLongf packed_len = packed.size();
    ASSERT_EQ(compress(reinterpret_cast<Bytef*>(packed.data()), &packed_len,
                       reinterpret_cast<const Bytef*>(text.data()), text.size()),
              Z_OK);
    packed.resize(packed_len);
    ScriptedServer server({{Step::read_request(),
                            Step::send(ok_response(packed, "Content-Encoding: deflate\r\n")),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/deflate");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_DECOMPRESSION,
                                 WINHTTP_DECOMPRESSION_FLAG_DEFLATE));
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, text);
    EXPECT_NE(server.request(0).find("\r\nAccept-Encoding: deflate\r\n"), std::string::npos)
        << server.request(0);
}

// With the option on, a response the server did not compress is passed through unchanged.
TEST(Decompression, UncompressedResponseIsPassedThrough) {
    ScriptedServer server({{Step::read_request(), Step::send(ok_response("plain text")),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/plain");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_DECOMPRESSION,
                                 WINHTTP_DECOMPRESSION_FLAG_ALL));
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "plain text");
}

// A gzip-encoded response that has no body (204) is not an error either.
TEST(Decompression, EncodedResponseWithoutBodyIsEmpty) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 204 No Content\r\nContent-Encoding: gzip\r\n\r\n"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/none");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_DECOMPRESSION,
                                 WINHTTP_DECOMPRESSION_FLAG_ALL));
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "");
}

// ===== IPv6 ===================================================================================

// WinHttpConnect page: pswzServerName is a host name or an IP address; an IPv6 literal in
// brackets reaches [::1], and the Host header carries the brackets.
TEST(Connect, Ipv6LoopbackLiteralWorks) {
    if (!winhttp::test::ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
    ScriptedServer::Options v6;
    v6.ipv6 = true;
    ScriptedServer server({{Step::read_request(), Step::send(ok_close("six")), Step::close()}},
                          v6);
    Handle session = open_session();
    set_timeouts(session);
    Handle connect(WinHttpConnect(session, L"[::1]", server.port(), 0));
    ASSERT_TRUE(connect) << GetLastError();
    Handle r = open_request(connect, L"GET", L"/v6");
    Outcome o = run_request(r);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "six");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 1u);
    EXPECT_EQ(wire[0], "GET /v6 HTTP/1.1\r\nConnection: Keep-Alive\r\nUser-Agent: " +
                           std::string(kAgentA) + "\r\nHost: [::1]:" +
                           std::to_string(server.port()) + "\r\n\r\n");
}

// ===== Cancellation by closing from another thread ===========================================

namespace {

// Records HANDLE_CLOSING for one request, with the thread it came on and whether the blocked
// call had returned by then.
struct CloseWatch {
    std::mutex m;
    int closing = 0;
    int after_closing = 0;
    std::thread::id closing_thread;
    bool blocked_call_returned_at_closing = false;
    std::atomic<bool> blocked_call_returned{false};

    static void CALLBACK cb(HINTERNET, DWORD_PTR ctx, DWORD status, LPVOID, DWORD) {
        auto* self = reinterpret_cast<CloseWatch*>(ctx);
        std::lock_guard lock(self->m);
        if (self->closing) self->after_closing++;
        if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) {
            self->closing++;
            self->closing_thread = std::this_thread::get_id();
            self->blocked_call_returned_at_closing = self->blocked_call_returned.load();
        }
    }
    int closing_count() {
        std::lock_guard lock(m);
        return closing;
    }
};

}  // namespace

// DESIGN.md close protocol / PITFALLS §3: closing a request whose synchronous call is blocked on
// another thread makes that call return FALSE with ERROR_WINHTTP_OPERATION_CANCELLED promptly;
// WinHttpCloseHandle page: HANDLE_CLOSING is the last notification, exactly once.
TEST(CloseHandle, ClosingBlockedSyncRequestFromAnotherThreadCancelsIt) {
    ScriptedServer server({{Step::read_request(), Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/stall");
    ASSERT_TRUE(c.request);
    // A close that fails to cancel still ends by timeout instead of hanging the suite.
    ASSERT_TRUE(WinHttpSetTimeouts(c.request, 10000, 10000, 10000, 10000));
    CloseWatch watch;
    DWORD_PTR ctx = reinterpret_cast<DWORD_PTR>(&watch);
    ASSERT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx)));
    ASSERT_NE(WinHttpSetStatusCallback(c.request, CloseWatch::cb,
                                       WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0),
              WINHTTP_INVALID_STATUS_CALLBACK);
    // WinHttpSendRequest page: dwContext is the value passed to callbacks from now on.
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, ctx))
        << GetLastError();

    BOOL ok = TRUE;
    DWORD error = 0;
    std::chrono::steady_clock::time_point returned_at;
    std::thread::id blocked_thread;
    HINTERNET request = c.request.release();
    std::thread t([&] {
        blocked_thread = std::this_thread::get_id();
        SetLastError(kSentinel);
        ok = WinHttpReceiveResponse(request, nullptr);
        error = GetLastError();
        returned_at = std::chrono::steady_clock::now();
        watch.blocked_call_returned = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(watch.blocked_call_returned.load()) << "ReceiveResponse did not block";
    const auto closed_at = std::chrono::steady_clock::now();
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpCloseHandle(request));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    t.join();

    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(returned_at - closed_at)
                  .count(),
              2000);
    for (int i = 0; i < 200 && watch.closing_count() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard lock(watch.m);
    EXPECT_EQ(watch.closing, 1);
    EXPECT_EQ(watch.after_closing, 0);
    // Delivered as the cancelled call unwound on its own thread, or after it returned; never
    // while it was still running.
    EXPECT_TRUE(watch.closing_thread == blocked_thread || watch.blocked_call_returned_at_closing);
}

// Same for a read blocked in the middle of a body.
TEST(CloseHandle, ClosingRequestBlockedInReadDataCancelsIt) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/partial");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSetTimeouts(c.request, 10000, 10000, 10000, 10000));
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    char buf[100];
    DWORD read = 0;
    ASSERT_EQ(WinHttpReadDataEx(c.request, buf, 4, &read, WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER, 0,
                                nullptr),
              static_cast<DWORD>(ERROR_SUCCESS));
    ASSERT_EQ(std::string(buf, read), "part");

    BOOL ok = TRUE;
    DWORD error = 0;
    std::atomic<bool> returned{false};
    HINTERNET request = c.request.release();
    std::thread t([&] {
        DWORD n = 0;
        SetLastError(kSentinel);
        ok = WinHttpReadData(request, buf, sizeof(buf), &n);
        error = GetLastError();
        returned = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(returned.load()) << "ReadData did not block";
    Stopwatch since_close;
    EXPECT_TRUE(WinHttpCloseHandle(request));
    t.join();
    EXPECT_LT(since_close.ms(), 2000);
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
}
