// Windows-verified facts from Wine's dlls/winhttp/tests/winhttp.c that need a server: request
// bytes on the wire, response framings, redirects, cookies and the state rules around
// WinHttpSendRequest / WinHttpReceiveResponse / WinHttpQueryDataAvailable / WinHttpReadData.
// Wine's tests talk to test.winehq.org and to a local server thread; here the scripted server
// on 127.0.0.1 plays both. Where Wine marks a result todo_wine or broken(), Windows' answer is
// the one asserted here.
#include <winhttp.h>

#include <gtest/gtest.h>

#include "net/sys_io.h"

#include <cstring>
#include <string>
#include <vector>

#include "../integration/http_test_util.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::header_value;
using winhttp::test::ScriptedServer;
using winhttp::test::start_line;
using winhttp::test::Step;
using namespace std::chrono_literals;

namespace {

// Wine's test page: 128 bytes.
const std::string kPage1 =
    "<HTML>\r\n"
    "<HEAD><TITLE>winhttp test page</TITLE></HEAD>\r\n"
    "<BODY>The quick brown fox jumped over the lazy dog<P></BODY>\r\n"
    "</HTML>\r\n\r\n";
// A response without framing: the body runs to the close.
const std::string kOkMsg = "HTTP/1.1 200 OK\r\nServer: winetest\r\n\r\n";
const std::string kNotOkMsg = "HTTP/1.1 400 Bad Request\r\n\r\n";

// A server answering one request per connection with `response`, then closing.
ScriptedServer one_shot(const std::string& response) {
    return ScriptedServer({{Step::read_request(), Step::send(response), Step::close()}});
}

bool send_plain(HINTERNET req, LPCWSTR headers = WINHTTP_NO_ADDITIONAL_HEADERS, DWORD headers_len = 0,
                LPVOID data = WINHTTP_NO_REQUEST_DATA, DWORD data_len = 0, DWORD total = 0,
                DWORD_PTR context = 0) {
    SetLastError(kSentinel);
    return WinHttpSendRequest(req, headers, headers_len, data, data_len, total, context);
}

bool whole_reads() { return !winhttp::net::short_io_enabled(); }

}  // namespace

// --- test_WinHttpSendRequest ---------------------------------------------------------------------

TEST(WineSendRequest, PostBodyContextAndHeaderStates) {
    ScriptedServer server =
        one_shot("HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n" + std::string("mode => Test\0\n", 14));
    Client c = open_client(server.port(), L"POST", L"tests/post.php", L"127.0.0.1",
                           WINHTTP_FLAG_BYPASS_PROXY_CACHE);
    DWORD_PTR context = 0xdeadbeef;
    ASSERT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_CONTEXT_VALUE, &context, sizeof(context)));
    DWORD disable = WINHTTP_DISABLE_KEEP_ALIVE;
    ASSERT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_DISABLE_FEATURE, &disable, sizeof(disable)));
    char post_data[] = "mode=Test";
    ASSERT_TRUE(send_plain(c.request, L"Content-Type: application/x-www-form-urlencoded", ~0u,
                           post_data, sizeof(post_data), sizeof(post_data), context + 1))
        << GetLastError();
    // Wine winhttp.c test_WinHttpSendRequest: the context given to WinHttpSendRequest replaces
    // the CONTEXT_VALUE set before
    DWORD_PTR out = 0;
    DWORD size = sizeof(out);
    ASSERT_TRUE(WinHttpQueryOption(c.request, WINHTTP_OPTION_CONTEXT_VALUE, &out, &size));
    EXPECT_EQ(out, DWORD_PTR{0xdeadbef0});
    // Wine winhttp.c test_WinHttpSendRequest: with all declared data passed to
    // WinHttpSendRequest, WinHttpWriteData of one more byte is ERROR_INVALID_PARAMETER and leaves
    // the count alone (Windows 7 and later; older versions wrote the byte)
    for (int i = 3; post_data[i]; ++i) {
        DWORD written = 0xFFFFFFFF;
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpWriteData(c.request, &post_data[i], 1, &written));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
        EXPECT_EQ(written, 0xFFFFFFFFu);
    }
    // Wine winhttp.c test_WinHttpSendRequest: WinHttpReceiveResponse sets ERROR_SUCCESS
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    // Wine winhttp.c test_WinHttpSendRequest: WINHTTP_QUERY_ORIG_URI is
    // ERROR_WINHTTP_HEADER_NOT_FOUND, an info level above WINHTTP_QUERY_MAX
    // ERROR_INVALID_PARAMETER
    DWORD len = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_ORIG_URI, nullptr, nullptr, &len, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_MAX + 1, nullptr, nullptr, &len, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    std::string body;
    EXPECT_EQ(read_body(c.request, body), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(body, std::string("mode => Test\0\n", 14));
    // Wine winhttp.c test_WinHttpSendRequest: the optional data goes out with its length (the
    // trailing NUL included) and the added header
    const std::string req = server.request(0);
    EXPECT_EQ(start_line(req), "POST /tests/post.php HTTP/1.1");
    EXPECT_EQ(header_value(req, "Content-Length").value_or(""), "10");
    EXPECT_EQ(header_value(req, "Content-Type").value_or(""), "application/x-www-form-urlencoded");
    EXPECT_EQ(req.substr(req.size() - 10), std::string("mode=Test\0", 10));
}

// --- test_empty_headers_param ----------------------------------------------------------------------

TEST(WineSendRequest, EmptyHeaderStringIsAccepted) {
    ScriptedServer server = one_shot("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    Client c = open_client(server.port(), nullptr, nullptr);
    // Wine winhttp.c test_empty_headers_param: an empty header string of length 0 is accepted
    EXPECT_TRUE(send_plain(c.request, L"", 0)) << GetLastError();
    // Wine winhttp.c test_WinHttpOpenRequest: a successful WinHttpSendRequest sets ERROR_SUCCESS
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
}

// --- test_connect_error / test_resolve_timeout -----------------------------------------------------

TEST(WineSendRequest, RefusedConnectionIsCannotConnect) {
    const unsigned short port = winhttp::test::pick_free_port();
    Client c = open_client(port, L"POST", L"tests/post.php", L"127.0.0.1",
                           WINHTTP_FLAG_BYPASS_PROXY_CACHE);
    char post_data[] = "mode=Test";
    // Wine winhttp.c test_connect_error: a port nobody listens on is
    // ERROR_WINHTTP_CANNOT_CONNECT (at once: Windows does not retry for long)
    EXPECT_FALSE(send_plain(c.request, L"Content-Type: application/x-www-form-urlencoded", ~0u,
                            post_data, sizeof(post_data), sizeof(post_data)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_CANNOT_CONNECT));
    // Wine winhttp.c test_resolve_timeout: after a failed WinHttpSendRequest (there: a name that
    // does not resolve), WinHttpReceiveResponse is ERROR_WINHTTP_INCORRECT_HANDLE_STATE
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReceiveResponse(c.request, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
}

// --- test_request_parameter_defaults ----------------------------------------------------------------

TEST(WineOpenRequest, NullAndEmptyVerbPathVersionMeanGetSlashHttp11) {
    ScriptedServer server({{Step::read_request(), Step::send(kOkMsg + "x"), Step::close()}});
    Handle ses = open_session();
    set_timeouts(ses);
    Handle con(WinHttpConnect(ses, L"127.0.0.1", server.port(), 0));
    // Wine winhttp.c test_request_parameter_defaults: NULL verb, path and version, and empty
    // ones, both make a working request: GET / HTTP/1.1
    for (int empty = 0; empty < 2; ++empty) {
        Handle req(empty ? WinHttpOpenRequest(con, L"", L"", L"", nullptr, nullptr, 0)
                         : WinHttpOpenRequest(con, nullptr, nullptr, nullptr, nullptr, nullptr, 0));
        ASSERT_NE(req.get(), nullptr) << GetLastError();
        ASSERT_TRUE(send_plain(req)) << GetLastError();
        ASSERT_TRUE(WinHttpReceiveResponse(req, nullptr)) << GetLastError();
        EXPECT_EQ(status_code(req), 200u);
        EXPECT_EQ(start_line(server.request(empty)), "GET / HTTP/1.1");
        // Wine winhttp.c test_request_parameter_defaults: WINHTTP_QUERY_VERSION size probe is
        // ERROR_INSUFFICIENT_BUFFER, then the answer's length is the string's
        DWORD size = 0;
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpQueryHeaders(req, WINHTTP_QUERY_VERSION, nullptr, nullptr, &size, nullptr));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
        std::vector<WCHAR> version(size / sizeof(WCHAR) + 1);
        ASSERT_TRUE(WinHttpQueryHeaders(req, WINHTTP_QUERY_VERSION, nullptr, version.data(), &size, nullptr));
        EXPECT_EQ(wcslen(version.data()), size / sizeof(WCHAR));
        EXPECT_STREQ(version.data(), L"HTTP/1.1");
    }
}

// --- test_basic_request ----------------------------------------------------------------------------

TEST(WineBasicRequest, CloseDelimitedBodyAndRawHeaders) {
    ScriptedServer server = one_shot(kOkMsg + kPage1);
    Client c = open_client(server.port(), nullptr, L"/basic", L"localhost");
    ASSERT_TRUE(send_plain(c.request)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(status_code(c.request), 200u);
    // Wine winhttp.c test_basic_request: RAW_HEADERS_CRLF ends with an empty line
    WCHAR buffer[0x100] = {};
    DWORD size = sizeof(buffer);
    ASSERT_TRUE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_RAW_HEADERS_CRLF, nullptr, buffer, &size, nullptr));
    const std::wstring crlf(buffer);
    ASSERT_GE(crlf.size(), 4u);
    EXPECT_EQ(crlf.substr(crlf.size() - 4), L"\r\n\r\n");
    // Wine winhttp.c test_basic_request: RAW_HEADERS' size counts the NUL after the last header
    // but not the final one
    std::memset(buffer, 0, sizeof(buffer));
    size = sizeof(buffer);
    ASSERT_TRUE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_RAW_HEADERS, nullptr, buffer, &size, nullptr));
    ASSERT_GE(size, 2 * sizeof(WCHAR));
    EXPECT_EQ(buffer[size / sizeof(WCHAR) - 1], L'\0');
    EXPECT_NE(buffer[size / sizeof(WCHAR) - 2], L'\0');
    // Wine winhttp.c test_basic_request: the body without framing runs to the close (one read
    // of 256 bytes gets all 128)
    char data[0x100] = {};
    DWORD count = 0;
    ASSERT_TRUE(WinHttpReadData(c.request, data, sizeof(data), &count)) << GetLastError();
    std::string body(data, count);
    if (!whole_reads()) EXPECT_EQ(read_body(c.request, body), static_cast<DWORD>(ERROR_SUCCESS));
    else EXPECT_EQ(count, kPage1.size());
    EXPECT_EQ(body, kPage1);
}

TEST(WineBasicRequest, PutWithoutDataSendsContentLengthZero) {
    ScriptedServer server = one_shot(kOkMsg);
    Client c = open_client(server.port(), L"PUT", L"/test", L"localhost");
    ASSERT_TRUE(send_plain(c.request)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    // Wine winhttp.c test_basic_request: a PUT without data says "Content-Length: 0"
    const std::string req = server.request(0);
    EXPECT_EQ(start_line(req), "PUT /test HTTP/1.1");
    EXPECT_NE(req.find("Content-Length: 0\r\n"), std::string::npos) << req;
    // Wine winhttp.c test_basic_request: the empty close-delimited body reads as 0 bytes
    char data[0x100];
    DWORD count = kSentinel;
    ASSERT_TRUE(WinHttpReadData(c.request, data, sizeof(data), &count)) << GetLastError();
    EXPECT_EQ(count, 0u);
}

// --- test_chunked_request ----------------------------------------------------------------------------

TEST(WineChunkedRequest, AppChunkedHeaderSendsDataAsGiven) {
    for (const wchar_t* verb : {L"POST", L"PUT"}) {
        ScriptedServer server({{Step::read_until("\r\n\r\n"), Step::read_bytes(4),
                                Step::send(kOkMsg), Step::close()}});
        Client c = open_client(server.port(), verb, L"/test", L"localhost");
        ASSERT_TRUE(WinHttpAddRequestHeaders(c.request, L"Transfer-Encoding: chunked", ~0u,
                                             WINHTTP_ADDREQ_FLAG_ADD));
        char data[] = "post";
        ASSERT_TRUE(send_plain(c.request, nullptr, 0, data, 4, 4)) << GetLastError();
        ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
        // Wine winhttp.c test_chunked_request: with the application's "Transfer-Encoding:
        // chunked" there is no Content-Length and the optional data goes out as given
        const std::string head = server.request(0);
        EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
        EXPECT_EQ(head.find("Content-Length:"), std::string::npos) << head;
        EXPECT_EQ(server.request(1), "post");
        char buffer[0x100];
        DWORD count = kSentinel;
        ASSERT_TRUE(WinHttpReadData(c.request, buffer, sizeof(buffer), &count));
        EXPECT_EQ(count, 0u);
    }
}

// --- test_no_headers -----------------------------------------------------------------------------------

TEST(WineResponse, NoStatusLineIsInvalidServerResponse) {
    ScriptedServer server = one_shot(kPage1);
    Client c = open_client(server.port(), nullptr, L"/no_headers", L"localhost");
    // Wine winhttp.c test_no_headers: a response without a status line fails with
    // ERROR_WINHTTP_INVALID_SERVER_RESPONSE (in WinHttpSendRequest or WinHttpReceiveResponse)
    DWORD error = ERROR_SUCCESS;
    if (!send_plain(c.request)) error = GetLastError();
    else if (!WinHttpReceiveResponse(c.request, nullptr)) error = GetLastError();
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
}

// --- test_no_content -----------------------------------------------------------------------------------

TEST(WineResponse, NoContent) {
    ScriptedServer server = one_shot("HTTP/1.1 204 No Content\r\nServer: winetest\r\n\r\n");
    Client c = open_client(server.port(), nullptr, L"/no_content", L"localhost");
    // Wine winhttp.c test_no_content (todo_wine): WinHttpQueryDataAvailable before sending is
    // ERROR_WINHTTP_INCORRECT_HANDLE_STATE and leaves the count alone
    DWORD size = 12345;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryDataAvailable(c.request, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    EXPECT_EQ(size, 12345u);
    ASSERT_TRUE(send_plain(c.request)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(status_code(c.request), 204u);
    // Wine winhttp.c test_no_content: CONTENT_LENGTH | FLAG_NUMBER is
    // ERROR_WINHTTP_HEADER_NOT_FOUND and leaves the output alone
    DWORD value = 12345;
    size = sizeof(value);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER,
                                     nullptr, &value, &size, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(value, 12345u);
    // Wine winhttp.c test_no_content: 0 bytes available, ERROR_SUCCESS; a read gives 0 bytes,
    // ERROR_SUCCESS; still 0 available after
    size = 12345;
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpQueryDataAvailable(c.request, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(size, 0u);
    char buf[128];
    DWORD read = kSentinel;
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpReadData(c.request, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(read, 0u);
    size = 12345;
    EXPECT_TRUE(WinHttpQueryDataAvailable(c.request, &size));
    EXPECT_EQ(size, 0u);
    // Wine winhttp.c test_no_content: on a closed handle it is ERROR_INVALID_HANDLE and the
    // count is left alone
    HINTERNET closed = c.request.release();
    WinHttpCloseHandle(closed);
    size = 12345;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryDataAvailable(closed, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_EQ(size, 12345u);
}

// --- test_head_request ---------------------------------------------------------------------------------

TEST(WineResponse, HeadHasNoBodyDespiteContentLength) {
    // The server keeps the connection open: a client waiting for 100 body bytes would hang.
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
                            Step::stall(10s)}});
    Client c = open_client(server.port(), L"HEAD", L"/head", L"localhost");
    ASSERT_TRUE(send_plain(c.request)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(status_code(c.request), 200u);
    // Wine winhttp.c test_head_request: CONTENT_LENGTH | FLAG_NUMBER answers 100
    DWORD len = kSentinel, size = sizeof(len);
    ASSERT_TRUE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER,
                                    nullptr, &len, &size, nullptr));
    EXPECT_EQ(len, 100u);
    // Wine winhttp.c test_head_request: 0 available, a read gives 0, still 0 available
    DWORD count = kSentinel;
    EXPECT_TRUE(WinHttpQueryDataAvailable(c.request, &count)) << GetLastError();
    EXPECT_EQ(count, 0u);
    char buf[128];
    count = kSentinel;
    EXPECT_TRUE(WinHttpReadData(c.request, buf, sizeof(buf), &count)) << GetLastError();
    EXPECT_EQ(count, 0u);
    count = kSentinel;
    EXPECT_TRUE(WinHttpQueryDataAvailable(c.request, &count)) << GetLastError();
    EXPECT_EQ(count, 0u);
}

// --- test_not_modified ---------------------------------------------------------------------------------

TEST(WineResponse, NotModifiedWithHeadersOfLengthZero) {
    ScriptedServer server({{Step::read_request(), Step::send("HTTP/1.1 304 Not Modified\r\n\r\n"),
                            Step::stall(10s)}});
    const SYSTEMTIME st = {2008, 7, 1, 28, 10, 5, 52, 0};  // Wine uses today's date
    WCHAR date[WINHTTP_TIME_FORMAT_BUFSIZE + 1];
    ASSERT_TRUE(WinHttpTimeFromSystemTime(&st, date));
    const std::wstring today = std::wstring(L"If-Modified-Since: ") + date;
    Client c = open_client(server.port(), nullptr, L"/not_modified", L"localhost",
                           WINHTTP_FLAG_BYPASS_PROXY_CACHE);
    // Wine winhttp.c test_not_modified: headers passed to WinHttpSendRequest with a length of 0
    // are read up to their NUL and sent
    ASSERT_TRUE(send_plain(c.request, today.c_str(), 0)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(header_value(server.request(0), "If-Modified-Since").value_or(""), narrow(date));
    // Wine winhttp.c test_not_modified: they are request headers of the handle afterwards
    WCHAR buffer[64];
    DWORD index = 0, len = sizeof(buffer);
    EXPECT_TRUE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                                    L"If-Modified-Since", buffer, &len, &index))
        << GetLastError();
    EXPECT_EQ(status_code(c.request), 304u);
    // Wine winhttp.c test_not_modified: a 304 has no body: 0 available at once
    DWORD size = kSentinel;
    EXPECT_TRUE(WinHttpQueryDataAvailable(c.request, &size)) << GetLastError();
    EXPECT_EQ(size, 0u);
}

// --- test_bad_header -----------------------------------------------------------------------------------

TEST(WineBadHeader, MixedLineEndsGoOutAsCrlfLines) {
    ScriptedServer server = one_shot(kOkMsg);
    Client c = open_client(server.port(), L"POST", L"/bad_headers", L"localhost");
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request,
                                         L"Content-Type: text/html\n\r"
                                         L"Test1: Value1\n"
                                         L"Test2: Value2\n\n\n"
                                         L"Test3: Value3\r\r\r"
                                         L"Test4: Value4\r\n\r\n"
                                         L"Cookie: 111",
                                         ~0u, WINHTTP_ADDREQ_FLAG_ADD))
        << GetLastError();
    // Wine winhttp.c test_bad_header: WinHttpSendRequest's headers may be separated by a lone CR
    ASSERT_TRUE(send_plain(c.request, L"Test5: Value5\rTest6: Value6", ~0u)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    // Wine winhttp.c test_bad_header: every header goes out as its own "Name: Value" CRLF line
    const std::string req = server.request(0);
    for (const char* line : {"Content-Type: text/html\r\n", "Test1: Value1\r\n", "Test2: Value2\r\n",
                             "Test3: Value3\r\n", "Test4: Value4\r\n", "Test5: Value5\r\n",
                             "Test6: Value6\r\n", "Cookie: 111\r\n"})
        EXPECT_NE(req.find(line), std::string::npos) << line << " missing in\n" << req;
}

// --- test_multiple_reads / test_chunked_read --------------------------------------------------------

TEST(WineReads, AvailableCountIsWhatTheNextReadReturns) {
    const std::string big(0x2250, 'm');
    ScriptedServer server = one_shot(kOkMsg + big);
    Client c = open_client(server.port(), nullptr, L"big", L"localhost");
    ASSERT_TRUE(send_plain(c.request)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    // Wine winhttp.c test_multiple_reads: a read of exactly the available count returns that
    // many bytes; the loop ends with 0 available and the whole body read
    DWORD total = 0;
    for (int guard = 0; guard < 100000; ++guard) {
        DWORD len = kSentinel;
        ASSERT_TRUE(WinHttpQueryDataAvailable(c.request, &len)) << GetLastError();
        ASSERT_NE(len, kSentinel);
        if (!len) break;
        std::vector<char> buf(len);
        DWORD read = kSentinel;
        ASSERT_TRUE(WinHttpReadData(c.request, buf.data(), len, &read)) << GetLastError();
        ASSERT_EQ(read, len);
        total += read;
    }
    EXPECT_EQ(total, 0x2250u);
}

TEST(WineReads, ChunkedResponse) {
    std::string lines;
    for (int i = 0; i < 20; ++i) lines += "line " + std::to_string(i) + " of the chunked test\n";
    ScriptedServer server = one_shot("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                     winhttp::test::chunked(lines, 0));
    Client c = open_client(server.port(), nullptr, L"/tests/chunked");
    ASSERT_TRUE(send_plain(c.request)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    // Wine winhttp.c test_chunked_read: TRANSFER_ENCODING answers "chunked" and there is no
    // CONTENT_LENGTH (ERROR_WINHTTP_HEADER_NOT_FOUND)
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_TRANSFER_ENCODING), L"chunked");
    WCHAR buffer[32];
    DWORD len = sizeof(buffer);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_CONTENT_LENGTH, nullptr, buffer, &len, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    // Wine winhttp.c test_chunked_read: each read of the available count returns that many
    // bytes (ending a line when whole lines are sent as chunks)
    std::string body;
    for (int guard = 0; guard < 100000; ++guard) {
        DWORD avail = kSentinel;
        ASSERT_TRUE(WinHttpQueryDataAvailable(c.request, &avail)) << GetLastError();
        if (!avail) break;
        std::vector<char> buf(avail);
        DWORD read = kSentinel;
        ASSERT_TRUE(WinHttpReadData(c.request, buf.data(), avail, &read)) << GetLastError();
        ASSERT_EQ(read, avail);
        if (whole_reads()) EXPECT_EQ(buf[read - 1], '\n');
        body.append(buf.data(), read);
    }
    EXPECT_EQ(body, lines);
}

// --- test_redirect / test_max_http_automatic_redirects ---------------------------------------------

TEST(WineRedirect, Post307ResendsTheBody) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 307 Temporary Redirect\r\nContent-Length: 0\r\n"
                                       "Location: /temporary\r\nConnection: close\r\n\r\n"),
                            Step::close()},
                           {Step::read_request(), Step::send(kOkMsg + kPage1), Step::close()}});
    Client c = open_client(server.port(), L"POST", L"/redirect", L"localhost");
    char data[] = "data";
    ASSERT_TRUE(send_plain(c.request, nullptr, 0, data, sizeof(data), sizeof(data))) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    // Wine winhttp.c test_redirect: a 307 to a POST is followed: the final status is 200
    EXPECT_EQ(status_code(c.request), 200u);
    // Wine winhttp.c test_redirect: the redirected POST carries the body again
    const std::string second = server.request(1);
    EXPECT_EQ(start_line(second), "POST /temporary HTTP/1.1");
    EXPECT_EQ(second.substr(second.size() - 5), std::string("data\0", 5));
    // Wine winhttp.c test_redirect: the final body (128 bytes) is available and read whole
    DWORD count = 0;
    ASSERT_TRUE(WinHttpQueryDataAvailable(c.request, &count)) << GetLastError();
    if (whole_reads()) EXPECT_EQ(count, 128u);
    std::string body;
    EXPECT_EQ(read_body(c.request, body), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(body, kPage1);
}

TEST(WineRedirect, MoreRedirectsThanAllowedIsRedirectFailed) {
    auto hop = [](int n) {
        return winhttp::test::Script{
            Step::read_request(),
            Step::send("HTTP/1.1 302 Found\r\nLocation: /tests/redirecttest.php?id=" + std::to_string(n) +
                       "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
            Step::close()};
    };
    ScriptedServer server({hop(1), hop(2), hop(3),
                           {Step::read_request(), Step::send(kOkMsg + "done"), Step::close()}});
    Client c = open_client(server.port(), L"GET", L"tests/redirecttest.php?max=3", L"127.0.0.1",
                           WINHTTP_FLAG_BYPASS_PROXY_CACHE);
    DWORD max_redirects = 2;
    ASSERT_TRUE(WinHttpSetOption(c.request, WINHTTP_OPTION_MAX_HTTP_AUTOMATIC_REDIRECTS,
                                 &max_redirects, sizeof(max_redirects)));
    ASSERT_TRUE(send_plain(c.request)) << GetLastError();
    // Wine winhttp.c test_max_http_automatic_redirects: with a limit of 2, a third redirect
    // fails WinHttpReceiveResponse with ERROR_WINHTTP_REDIRECT_FAILED
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpReceiveResponse(c.request, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_REDIRECT_FAILED));
}

// --- test_connection_info ----------------------------------------------------------------------------

TEST(WineConnectionInfo, StatesAndSize) {
    ScriptedServer server = one_shot(kOkMsg + kPage1);
    Client c = open_client(server.port(), nullptr, L"/basic", L"localhost");
    WINHTTP_CONNECTION_INFO info;
    // Wine winhttp.c test_connection_info: before sending it is
    // ERROR_WINHTTP_INCORRECT_HANDLE_STATE
    DWORD size = sizeof(info);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(c.request, WINHTTP_OPTION_CONNECTION_INFO, &info, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    ASSERT_TRUE(send_plain(c.request)) << GetLastError();
    // Wine winhttp.c test_connection_info: after sending, a size of 0 is
    // ERROR_INSUFFICIENT_BUFFER
    size = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryOption(c.request, WINHTTP_OPTION_CONNECTION_INFO, &info, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    // Wine winhttp.c test_connection_info: a zeroed struct of the right size is filled in, with
    // cbSize set, after sending and after receiving
    for (int received = 0; received < 2; ++received) {
        if (received) ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
        size = sizeof(info);
        std::memset(&info, 0, sizeof(info));
        EXPECT_TRUE(WinHttpQueryOption(c.request, WINHTTP_OPTION_CONNECTION_INFO, &info, &size))
            << GetLastError();
        EXPECT_EQ(info.cbSize, sizeof(info));
    }
}

// --- test_cookies --------------------------------------------------------------------------------------

namespace {

DWORD get_status(HINTERNET con, const wchar_t* path, LPCWSTR headers = nullptr) {
    Handle req = open_request(con, nullptr, path);
    if (!send_plain(req, headers, headers ? ~0u : 0)) return GetLastError();
    if (!WinHttpReceiveResponse(req, nullptr)) return GetLastError();
    return status_code(req);
}

}  // namespace

TEST(WineCookies, NamesAreCaseSensitiveAndSharedBySession) {
    const auto answer = [](const std::string& response) {
        return winhttp::test::Script{Step::read_request(), Step::send(response), Step::close()};
    };
    ScriptedServer server({answer("HTTP/1.1 200 OK\r\nSet-Cookie: name = value \r\n"
                                  "Set-Cookie: NAME = value \r\n\r\n"),
                           answer(kOkMsg), answer(kOkMsg), answer(kOkMsg), answer(kOkMsg)});
    Handle ses = open_session();
    set_timeouts(ses);
    {
        Handle con(WinHttpConnect(ses, L"localhost", server.port(), 0));
        EXPECT_EQ(get_status(con, L"/cookie"), 200u);
        EXPECT_EQ(get_status(con, L"/cookie2"), 200u);
    }
    // Wine winhttp.c test_cookies: "name" and "NAME" are two cookies, spaces around the name and
    // value dropped; a new connect handle of the same session sends both
    Handle con(WinHttpConnect(ses, L"localhost", server.port(), 0));
    EXPECT_EQ(get_status(con, L"/cookie2"), 200u);
    // Wine winhttp.c test_cookies: a Cookie header of the application comes first, then the
    // jar's cookies, in one header
    EXPECT_EQ(get_status(con, L"/cookie3", L"Cookie: name=value2\r\n"), 200u);
    // Wine winhttp.c test_cookies: another session has none
    Handle ses2 = open_session();
    set_timeouts(ses2);
    Handle con2(WinHttpConnect(ses2, L"localhost", server.port(), 0));
    EXPECT_EQ(get_status(con2, L"/cookie2"), 200u);

    auto cookie_of = [&](size_t i) { return header_value(server.request(i), "Cookie").value_or("<none>"); };
    EXPECT_EQ(cookie_of(0), "<none>");
    EXPECT_EQ(cookie_of(1), "NAME=value; name=value");
    EXPECT_EQ(cookie_of(2), "NAME=value; name=value");
    EXPECT_EQ(cookie_of(3), "name=value2; NAME=value; name=value");
    EXPECT_EQ(cookie_of(4), "<none>");
}

TEST(WineCookies, DomainAndPathAttributesWithSpaces) {
    // Wine's Expires date (2021) is in the past by now; a future one keeps the fact about the
    // attributes apart from expiry.
    ScriptedServer server(
        {{Step::read_request(),
          Step::send("HTTP/1.1 200 OK\r\nSet-Cookie: name2=value; Domain = localhost; Path=/cookie5;"
                     "Expires=Wed, 13 Jan 2099 22:23:01 GMT; HttpOnly; \r\n\r\n"),
          Step::close()},
         {Step::read_request(), Step::send(kOkMsg), Step::close()}});
    Handle ses = open_session();
    set_timeouts(ses);
    Handle con(WinHttpConnect(ses, L"localhost", server.port(), 0));
    EXPECT_EQ(get_status(con, L"/cookie4"), 200u);
    EXPECT_EQ(get_status(con, L"/cookie5"), 200u);
    // Wine winhttp.c test_cookies: "Domain = localhost" (spaces around '='), a Path, HttpOnly and
    // a trailing "; " are understood: the cookie goes to /cookie5 as "Cookie: name2=value"
    EXPECT_EQ(header_value(server.request(1), "Cookie").value_or("<none>"), "name2=value");
}

// --- test_request_path_escapes -------------------------------------------------------------------------

TEST(WineOpenRequest, PathEscapes) {
    ScriptedServer server({{Step::read_request(), Step::send(kOkMsg), Step::close()}});
    Handle ses = open_session();
    set_timeouts(ses);
    Handle con(WinHttpConnect(ses, L"localhost", server.port(), 0));
    const std::wstring tail = std::wstring(L"?\x1f\x7f !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\r\n");
    struct Case {
        std::wstring path;
        DWORD flags;
        std::string expected;  // what follows "GET /escape" on the request line, up to " HTTP/1.1"
    };
    const Case cases[] = {
        // Wine winhttp.c test_request_path_escapes: by default CR, LF, controls, DEL, space,
        // '"', '#', '<', '>', '[', '\', ']', '^', '`', '{', '|', '}' are escaped in path and
        // query; '%' is left alone
        {L"/escape\r\n\x1f\x7f< %one" + tail, 0,
         "%0D%0A%1F%7F%3C%20%one?%1F%7F%20!%22%23$%&'()*+,-./:;%3C=%3E?@%5B%5C%5D%5E_%60%7B%7C%7D~%0D%0A"},
        // Wine winhttp.c test_request_path_escapes: WINHTTP_FLAG_ESCAPE_PERCENT escapes '%' too
        {L"/escape\r\n\x1f\x7f< %two" + tail, WINHTTP_FLAG_ESCAPE_PERCENT,
         "%0D%0A%1F%7F%3C%20%25two?%1F%7F%20!%22%23$%25&'()*+,-./:;%3C=%3E?@%5B%5C%5D%5E_%60%7B%7C%7D~%0D%0A"},
        // Wine winhttp.c test_request_path_escapes: WINHTTP_FLAG_ESCAPE_DISABLE_QUERY escapes the
        // path but only spaces in the query
        {L"/escape\r\n\x1f\x7f< %four" + tail, WINHTTP_FLAG_ESCAPE_DISABLE_QUERY,
         "%0D%0A%1F%7F%3C%20%four?\x1f\x7f%20!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"},
        // Wine winhttp.c test_request_path_escapes: non-ASCII goes out as escaped UTF-8; DEL is
        // escaped, '~' is not
        {std::wstring(L"/escape&text=one\x80\x7f~"), 0, "&text=one%C2%80%7F~"},
        // Wine winhttp.c test_request_path_escapes: with WINHTTP_FLAG_ESCAPE_DISABLE non-ASCII
        // is still escaped UTF-8, DEL is sent as is
        {std::wstring(L"/escape&text=two\x80\x7f~"), WINHTTP_FLAG_ESCAPE_DISABLE, "&text=two%C2%80\x7f~"},
        {std::wstring(L"/escape&text=\x541b\x306e\x540d\x306f"), WINHTTP_FLAG_ESCAPE_DISABLE,
         "&text=%E5%90%9B%E3%81%AE%E5%90%8D%E3%81%AF"},
    };
    size_t i = 0;
    for (const Case& k : cases) {
        Handle req = open_request(con, nullptr, k.path.c_str(), k.flags);
        ASSERT_TRUE(send_plain(req)) << GetLastError();
        ASSERT_TRUE(WinHttpReceiveResponse(req, nullptr)) << GetLastError();
        const std::string line = start_line(server.request(i++));
        EXPECT_EQ(line, "GET /escape" + k.expected + " HTTP/1.1") << "flags " << k.flags;
    }
}

TEST(WineOpenRequest, PathEscapesDisabled) {
    ScriptedServer server({{Step::read_request(), Step::send(kOkMsg), Step::close()}});
    Handle ses = open_session();
    set_timeouts(ses);
    Handle con(WinHttpConnect(ses, L"localhost", server.port(), 0));
    // Wine winhttp.c test_request_path_escapes: WINHTTP_FLAG_ESCAPE_DISABLE leaves path and
    // query as given except spaces (%20); the request line holds the rest verbatim
    const std::wstring path =
        L"/escape\x1f\x7f< %three?\x1f\x7f !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    Handle req = open_request(con, nullptr, path.c_str(), WINHTTP_FLAG_ESCAPE_DISABLE);
    ASSERT_TRUE(send_plain(req)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(req, nullptr)) << GetLastError();
    EXPECT_EQ(start_line(server.request(0)),
              "GET /escape\x1f\x7f<%20%three?\x1f\x7f%20!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ HTTP/1.1");
}

// --- test_multi_authentication: the header part (the schemes are for the authentication work) --

TEST(WineQueryHeaders, RepeatedResponseHeaderByIndex) {
    ScriptedServer server = one_shot(
        "HTTP/1.1 401 Unauthorized\r\nServer: winetest\r\nWWW-Authenticate: Bearer\r\n"
        "WWW-Authenticate: Basic realm=\"placebo\"\r\nWWW-Authenticate: NTLM\r\n"
        "Content-Length: 10\r\nContent-Type: text/plain\r\n\r\n0123456789");
    Client c = open_client(server.port(), L"GET", L"/multiauth", L"localhost");
    ASSERT_TRUE(send_plain(c.request)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    // Wine winhttp.c test_multi_authentication: index 0 of a repeated header is the first
    // value, its length in bytes without the NUL, and the index becomes 1
    WCHAR buf[512];
    DWORD index = 0, size = sizeof(buf);
    ASSERT_TRUE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_CUSTOM, L"WWW-Authenticate", buf, &size, &index));
    EXPECT_STREQ(buf, L"Bearer");
    EXPECT_EQ(size, wcslen(buf) * sizeof(WCHAR));
    EXPECT_EQ(index, 1u);
    // Wine winhttp.c test_multi_authentication: the size probe answers the size with the NUL
    // and leaves the index at 0
    index = 0;
    size = 0xdeadbeef;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_CUSTOM, L"WWW-Authenticate", nullptr, &size, &index));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, (wcslen(L"Bearer") + 1) * sizeof(WCHAR));
    EXPECT_EQ(index, 0u);
}
