// WinHttpQueryHeaders on live responses from a scripted server: status line items, numbers,
// raw blocks, custom names, index enumeration, the size probe, missing headers, the request
// side, and calls made too early.
//
// The scripted cases check exact HTTP/1.1 heads (reason phrases, header order and case, the
// request bytes on the wire), which HTTP/2 does not have, so they stay HTTP/1.1 only. The same
// query rules run again on nginx's /cookie/two over HTTP/1.1 and HTTP/2 (protocol_util.h,
// QueryHeadersProtocols): over h2 the status comes from :status and the
// header names arrive lower-case (RFC 9113 §8.2.1).
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cstring>

#include "http_test_util.h"
#include "protocol_util.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;
using namespace std::chrono_literals;

namespace {

const std::string kResponse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 5\r\n"
    "Set-Cookie: a=1\r\n"
    "Set-Cookie: b=2\r\n"
    "Set-Cookie: c=3\r\n"
    "X-Custom: custom value\r\n"
    "\r\n"
    "hello";

// A request that has received kResponse (headers only; the body is left unread).
class QueryHeadersTest : public ::testing::Test {
protected:
    void SetUp() override {
        server_ = std::make_unique<ScriptedServer>(std::vector<winhttp::test::Script>{
            {Step::read_request(), Step::send(kResponse), Step::stall(10s)}});
        client_ = open_client(server_->port(), L"GET", L"/q");
        ASSERT_TRUE(client_.request);
        ASSERT_TRUE(WinHttpAddRequestHeaders(client_.request, L"X-App: app value",
                                             static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
        ASSERT_TRUE(WinHttpSendRequest(client_.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                       WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
            << GetLastError();
        ASSERT_TRUE(WinHttpReceiveResponse(client_.request, nullptr)) << GetLastError();
    }
    HINTERNET request() const { return client_.request; }

    std::unique_ptr<ScriptedServer> server_;
    Client client_;
};

// A request that has received nginx's /cookie/two (Set-Cookie a=1 and b=2, body "set") in the
// test's protocol, with the body left unread.
class QueryHeadersProtocols : public ::testing::TestWithParam<Protocol> {
protected:
    void SetUp() override {
        client_ = p_.client(L"GET", L"/cookie/two");
        ASSERT_TRUE(client_.request);
        ASSERT_TRUE(WinHttpAddRequestHeaders(client_.request, L"X-App: app value",
                                             static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
        ASSERT_TRUE(WinHttpSendRequest(client_.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                       WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
            << GetLastError();
        ASSERT_TRUE(WinHttpReceiveResponse(client_.request, nullptr)) << GetLastError();
        p_.expect_protocol(client_.request);
    }
    HINTERNET request() const { return client_.request; }
    bool h2() const { return p_.protocol() == Protocol::H2; }

    ProtocolClient p_{GetParam()};
    Client client_;
};

INSTANTIATE_TEST_SUITE_P(Protocols, QueryHeadersProtocols, kBothProtocols, ProtocolName());

// Every Set-Cookie value by lpdwIndex, in order, each call moving the index on by one; past the
// last, ERROR_WINHTTP_HEADER_NOT_FOUND with the index unchanged (WinHttpQueryHeaders page).
void expect_set_cookies_by_index(HINTERNET request, std::initializer_list<const wchar_t*> values) {
    DWORD index = 0;
    for (const wchar_t* expected : values) {
        const DWORD before = index;
        std::wstring value;
        DWORD error = 0;
        ASSERT_TRUE(query_string(request, WINHTTP_QUERY_SET_COOKIE, value,
                                 WINHTTP_HEADER_NAME_BY_INDEX, &index, &error))
            << error;
        EXPECT_EQ(value, expected);
        EXPECT_EQ(index, before + 1);
    }
    WCHAR buf[32];
    DWORD size = sizeof(buf);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(request, WINHTTP_QUERY_SET_COOKIE,
                                     WINHTTP_HEADER_NAME_BY_INDEX, buf, &size, &index));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(index, values.size());
}

}  // namespace

// ===== nginx, HTTP/1.1 and HTTP/2 =============================================================

// WinHttpQueryHeaders page and Query Info Flags page: STATUS_CODE as text (length without the
// NUL) and as a number; CONTENT_LENGTH as a number.
TEST_P(QueryHeadersProtocols, StatusCodeAndContentLength) {
    WCHAR buf[16];
    DWORD size = sizeof(buf);
    ASSERT_TRUE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_STATUS_CODE,
                                    WINHTTP_HEADER_NAME_BY_INDEX, buf, &size,
                                    WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(size, 3 * sizeof(WCHAR));
    EXPECT_EQ(std::wstring(buf), L"200");
    EXPECT_EQ(status_code(request()), 200u);
    DWORD length = 0xFFFFFFFF;
    size = sizeof(length);
    ASSERT_TRUE(WinHttpQueryHeaders(request(),
                                    WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER,
                                    WINHTTP_HEADER_NAME_BY_INDEX, &length, &size,
                                    WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(length, 3u);
    EXPECT_EQ(size, sizeof(DWORD));
}

// VERSION and STATUS_TEXT: HTTP/2 has no reason phrase and reports "HTTP/2.0" (the mapping of
// docs/design/http2.md, as http2_test.cpp checks).
TEST_P(QueryHeadersProtocols, StatusTextAndVersion) {
    EXPECT_EQ(header(request(), WINHTTP_QUERY_VERSION), h2() ? L"HTTP/2.0" : L"HTTP/1.1");
    EXPECT_EQ(header(request(), WINHTTP_QUERY_STATUS_TEXT), h2() ? L"" : L"OK");
}

// RAW_HEADERS_CRLF: the status line first, each header ended by CR/LF, a blank line last;
// RAW_HEADERS: the same lines, each ended by a NUL, and one more NUL.
TEST_P(QueryHeadersProtocols, RawHeadersInBothForms) {
    std::wstring crlf;
    DWORD error = 0;
    ASSERT_TRUE(query_string(request(), WINHTTP_QUERY_RAW_HEADERS_CRLF, crlf,
                             WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_HEADER_INDEX, &error))
        << error;
    const std::wstring status_line = h2() ? L"HTTP/2.0 200\r\n" : L"HTTP/1.1 200 OK\r\n";
    EXPECT_EQ(crlf.rfind(status_line, 0), 0u) << narrow(crlf);
    ASSERT_GE(crlf.size(), 4u);
    EXPECT_EQ(crlf.substr(crlf.size() - 4), L"\r\n\r\n") << narrow(crlf);

    DWORD size = 0;
    EXPECT_FALSE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_RAW_HEADERS,
                                     WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_OUTPUT_BUFFER, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    std::vector<WCHAR> buf(size / sizeof(WCHAR) + 1, L'#');
    ASSERT_TRUE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_RAW_HEADERS,
                                    WINHTTP_HEADER_NAME_BY_INDEX, buf.data(), &size,
                                    WINHTTP_NO_HEADER_INDEX));
    // The NUL form turned back into the CR/LF form is the same text.
    std::wstring nul(buf.data(), size / sizeof(WCHAR));
    std::wstring as_crlf;
    for (size_t at = 0; at < nul.size() && nul[at] != L'\0'; at = nul.find(L'\0', at) + 1)
        as_crlf += nul.substr(at, nul.find(L'\0', at) - at) + L"\r\n";
    EXPECT_EQ(as_crlf + L"\r\n", crlf);
}

// WINHTTP_QUERY_CUSTOM by name in any case; lpdwIndex enumerates Set-Cookie (WinHttpQueryHeaders
// page); past the last, ERROR_WINHTTP_HEADER_NOT_FOUND with the index unchanged.
TEST_P(QueryHeadersProtocols, IndexEnumeratesEverySetCookie) {
    EXPECT_EQ(header(request(), WINHTTP_QUERY_CUSTOM, L"SET-cookie"), L"a=1; Path=/");
    EXPECT_EQ(header(request(), WINHTTP_QUERY_CUSTOM, L"Server").rfind(L"nginx", 0), 0u);
    expect_set_cookies_by_index(request(), {L"a=1; Path=/", L"b=2; Path=/"});
}

// The size probe (WINHTTP_NO_OUTPUT_BUFFER): ERROR_INSUFFICIENT_BUFFER and the bytes needed,
// NUL included; a missing header is ERROR_WINHTTP_HEADER_NOT_FOUND.
TEST_P(QueryHeadersProtocols, SizeProbeAndMissingHeader) {
    DWORD size = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_SET_COOKIE,
                                     WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_OUTPUT_BUFFER, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, (11 + 1) * sizeof(WCHAR));  // "a=1; Path=/" + NUL
    WCHAR buf[32];
    size = sizeof(buf);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_CUSTOM, L"X-Missing", buf, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    size = sizeof(buf);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_LOCATION,
                                     WINHTTP_HEADER_NAME_BY_INDEX, buf, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
}

// WINHTTP_QUERY_FLAG_REQUEST_HEADERS after sending: what the application and WinHTTP sent.
TEST_P(QueryHeadersProtocols, RequestHeadersFlagQueriesWhatWasSent) {
    EXPECT_EQ(header(request(), WINHTTP_QUERY_USER_AGENT | WINHTTP_QUERY_FLAG_REQUEST_HEADERS),
              kAgent);
    EXPECT_EQ(header(request(), WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                     L"X-App"),
              L"app value");
}

// Headers stay queryable while and after the body is read.
TEST_P(QueryHeadersProtocols, HeadersRemainAfterTheBodyIsRead) {
    std::string body;
    ASSERT_EQ(read_body(request(), body), ERROR_SUCCESS);
    EXPECT_EQ(body, "set");
    EXPECT_EQ(status_code(request()), 200u);
    EXPECT_EQ(header(request(), WINHTTP_QUERY_CUSTOM, L"Set-Cookie"), L"a=1; Path=/");
}

// ===== Scripted server, HTTP/1.1 =============================================================

// WinHttpQueryHeaders page: on success lpdwBufferLength is the string length in bytes, without
// the terminating null; Query Info Flags page: WINHTTP_QUERY_STATUS_CODE.
TEST_F(QueryHeadersTest, StatusCodeAsText) {
    WCHAR buf[16];
    DWORD size = sizeof(buf);
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_STATUS_CODE,
                                    WINHTTP_HEADER_NAME_BY_INDEX, buf, &size,
                                    WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(size, 3 * sizeof(WCHAR));
    EXPECT_EQ(std::wstring(buf), L"200");
}

// Query Info Flags page, WINHTTP_QUERY_FLAG_NUMBER: the value as a 32-bit number.
TEST_F(QueryHeadersTest, StatusCodeAsNumber) {
    DWORD status = 0xFFFFFFFF, size = sizeof(status);
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpQueryHeaders(request(),
                                    WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                    WINHTTP_HEADER_NAME_BY_INDEX, &status, &size,
                                    WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(status, 200u);
    EXPECT_EQ(size, sizeof(DWORD));
}

TEST_F(QueryHeadersTest, StatusTextAndVersion) {
    EXPECT_EQ(header(request(), WINHTTP_QUERY_STATUS_TEXT), L"OK");
    EXPECT_EQ(header(request(), WINHTTP_QUERY_VERSION), L"HTTP/1.1");
}

TEST_F(QueryHeadersTest, ContentLengthAsNumber) {
    DWORD length = 0xFFFFFFFF, size = sizeof(length);
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpQueryHeaders(request(),
                                    WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER,
                                    WINHTTP_HEADER_NAME_BY_INDEX, &length, &size,
                                    WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(length, 5u);
    EXPECT_EQ(size, sizeof(DWORD));
    EXPECT_EQ(header(request(), WINHTTP_QUERY_CONTENT_TYPE), L"text/plain");
}

// Query Info Flags page, WINHTTP_QUERY_RAW_HEADERS_CRLF: all response headers, status line
// first, each separated by CR/LF.
TEST_F(QueryHeadersTest, RawHeadersCrlfIsTheWholeHead) {
    std::wstring raw;
    DWORD error = 0;
    ASSERT_TRUE(query_string(request(), WINHTTP_QUERY_RAW_HEADERS_CRLF, raw,
                             WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_HEADER_INDEX, &error))
        << error;
    EXPECT_EQ(narrow(raw), kResponse.substr(0, kResponse.size() - 5));
}

// Query Info Flags page, WINHTTP_QUERY_RAW_HEADERS: each header terminated by a NUL, and one
// more NUL after the last.
TEST_F(QueryHeadersTest, RawHeadersAreNulSeparated) {
    DWORD size = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_RAW_HEADERS,
                                     WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_OUTPUT_BUFFER, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    std::vector<WCHAR> buf(size / sizeof(WCHAR) + 2, L'#');
    ASSERT_TRUE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_RAW_HEADERS,
                                    WINHTTP_HEADER_NAME_BY_INDEX, buf.data(), &size,
                                    WINHTTP_NO_HEADER_INDEX));
    std::wstring expected = L"HTTP/1.1 200 OK";
    expected.push_back(L'\0');
    for (const wchar_t* line : {L"Content-Type: text/plain", L"Content-Length: 5",
                                L"Set-Cookie: a=1", L"Set-Cookie: b=2", L"Set-Cookie: c=3",
                                L"X-Custom: custom value"}) {
        expected += line;
        expected.push_back(L'\0');
    }
    expected.push_back(L'\0');
    ASSERT_GE(buf.size(), expected.size());
    EXPECT_EQ(std::wstring(buf.data(), expected.size()), expected);
}

// Query Info Flags page, WINHTTP_QUERY_CUSTOM: the header named by pwszName (any case).
TEST_F(QueryHeadersTest, CustomHeaderByName) {
    EXPECT_EQ(header(request(), WINHTTP_QUERY_CUSTOM, L"X-Custom"), L"custom value");
    EXPECT_EQ(header(request(), WINHTTP_QUERY_CUSTOM, L"x-CUSTOM"), L"custom value");
}

// WinHttpQueryHeaders page, lpdwIndex: enumerates headers of the same name; on return it is the
// index of the next one; past the last, ERROR_WINHTTP_HEADER_NOT_FOUND.
TEST_F(QueryHeadersTest, IndexEnumeratesEverySetCookie) {
    expect_set_cookies_by_index(request(), {L"a=1", L"b=2", L"c=3"});
    // The same through WINHTTP_QUERY_CUSTOM.
    DWORD index = 1;
    std::wstring value;
    ASSERT_TRUE(query_string(request(), WINHTTP_QUERY_CUSTOM, value, L"Set-Cookie", &index));
    EXPECT_EQ(value, L"b=2");
    EXPECT_EQ(index, 2u);
}

// WinHttpQueryHeaders page: WINHTTP_NO_OUTPUT_BUFFER makes it return FALSE with
// ERROR_INSUFFICIENT_BUFFER and the number of bytes required (terminating null included).
TEST_F(QueryHeadersTest, SizeProbeReportsBytesNeeded) {
    DWORD size = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_CUSTOM, L"X-Custom",
                                     WINHTTP_NO_OUTPUT_BUFFER, &size, WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, (12 + 1) * sizeof(WCHAR));  // "custom value" + NUL

    // A buffer one character short: same answer, same size.
    std::vector<WCHAR> buf(12, L'#');
    size = 12 * sizeof(WCHAR);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_CUSTOM, L"X-Custom", buf.data(),
                                     &size, WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, (12 + 1) * sizeof(WCHAR));

    // Exactly enough: the string and its NUL; the length excludes the NUL.
    buf.assign(13, L'#');
    size = 13 * sizeof(WCHAR);
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_CUSTOM, L"X-Custom", buf.data(),
                                    &size, WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(size, 12 * sizeof(WCHAR));
    EXPECT_EQ(std::wstring(buf.data()), L"custom value");
}

// WinHttpQueryHeaders page: ERROR_WINHTTP_HEADER_NOT_FOUND "The requested header could not be
// located".
TEST_F(QueryHeadersTest, MissingHeaderFailsWithHeaderNotFound) {
    WCHAR buf[32];
    DWORD size = sizeof(buf);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_CUSTOM, L"X-Missing", buf, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    size = sizeof(buf);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(request(), WINHTTP_QUERY_LOCATION,
                                     WINHTTP_HEADER_NAME_BY_INDEX, buf, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
}

// Query Info Flags page, WINHTTP_QUERY_FLAG_REQUEST_HEADERS: queries the request headers. After
// sending, they are what went on the wire.
TEST_F(QueryHeadersTest, RequestHeadersFlagQueriesWhatWasSent) {
    EXPECT_EQ(header(request(), WINHTTP_QUERY_USER_AGENT | WINHTTP_QUERY_FLAG_REQUEST_HEADERS),
              kAgent);
    EXPECT_EQ(header(request(), WINHTTP_QUERY_HOST | WINHTTP_QUERY_FLAG_REQUEST_HEADERS),
              widen(host_port(server_->port())));
    EXPECT_EQ(header(request(), WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                     L"X-App"),
              L"app value");
    std::wstring raw;
    DWORD error = 0;
    ASSERT_TRUE(query_string(request(),
                             WINHTTP_QUERY_RAW_HEADERS_CRLF | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                             raw, WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_HEADER_INDEX, &error))
        << error;
    EXPECT_EQ(narrow(raw), server_->request(0));
}

// Headers stay queryable while and after the body is read.
TEST_F(QueryHeadersTest, HeadersRemainAfterTheBodyIsRead) {
    std::string body;
    ASSERT_EQ(read_body(request(), body), ERROR_SUCCESS);
    EXPECT_EQ(body, "hello");
    EXPECT_EQ(status_code(request()), 200u);
    EXPECT_EQ(header(request(), WINHTTP_QUERY_CUSTOM, L"X-Custom"), L"custom value");
}

// WinHttpQueryHeaders page: "WinHttpReceiveResponse must have been called for this handle and
// have completed before WinHttpQueryHeaders is called."
TEST(QueryHeaders, ResponseHeadersBeforeReceiveResponseFailWithIncorrectHandleState) {
    ScriptedServer server({{Step::read_request(), Step::send(kResponse), Step::stall(10s)}});
    Client c = open_client(server.port(), L"GET", L"/early");
    ASSERT_TRUE(c.request);
    WCHAR buf[32];
    DWORD size = sizeof(buf);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_STATUS_CODE,
                                     WINHTTP_HEADER_NAME_BY_INDEX, buf, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));

    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
        << GetLastError();
    size = sizeof(buf);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_CUSTOM, L"X-Custom", buf, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    size = sizeof(buf);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_RAW_HEADERS_CRLF,
                                     WINHTTP_HEADER_NAME_BY_INDEX, buf, &size,
                                     WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
}

// The request side is queryable before sending: it holds what the application added.
TEST(QueryHeaders, RequestHeadersAreQueryableBeforeSending) {
    Client c = open_client(unused_port(), L"GET", L"/early");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request, L"X-App: before", static_cast<DWORD>(-1),
                                         WINHTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                     L"X-App"),
              L"before");
}

// RFC 9110 §5.5: leading and trailing whitespace is not part of a field value.
TEST(QueryHeaders, ValuesComeWithoutSurroundingWhitespace) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nX-Tight:b\r\nX-Loose:   spaced out \t \r\n"
                                       "Content-Length: 0\r\n\r\n"),
                            Step::stall(10s)}});
    Client c = open_client(server.port(), L"GET", L"/ws");
    ASSERT_TRUE(c.request);
    ASSERT_EQ(run_request(c.request).error, ERROR_SUCCESS);
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_CUSTOM, L"X-Tight"), L"b");
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_CUSTOM, L"X-Loose"), L"spaced out");
}

// Query Info Flags page, WINHTTP_QUERY_FLAG_SYSTEMTIME: the value as a SYSTEMTIME (HTTP-date,
// RFC 9110 §5.6.7).
TEST(QueryHeaders, SystemTimeFlagParsesTheDateHeader) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                       "Content-Length: 0\r\n\r\n"),
                            Step::stall(10s)}});
    Client c = open_client(server.port(), L"GET", L"/date");
    ASSERT_TRUE(c.request);
    ASSERT_EQ(run_request(c.request).error, ERROR_SUCCESS);
    SYSTEMTIME st;
    memset(&st, 0xAB, sizeof(st));
    DWORD size = sizeof(st);
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpQueryHeaders(c.request, WINHTTP_QUERY_DATE | WINHTTP_QUERY_FLAG_SYSTEMTIME,
                                    WINHTTP_HEADER_NAME_BY_INDEX, &st, &size,
                                    WINHTTP_NO_HEADER_INDEX))
        << GetLastError();
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(size, sizeof(SYSTEMTIME));
    EXPECT_EQ(st.wYear, 1994);
    EXPECT_EQ(st.wMonth, 11);
    EXPECT_EQ(st.wDayOfWeek, 0);
    EXPECT_EQ(st.wDay, 6);
    EXPECT_EQ(st.wHour, 8);
    EXPECT_EQ(st.wMinute, 49);
    EXPECT_EQ(st.wSecond, 37);
    EXPECT_EQ(st.wMilliseconds, 0);
}

// Query Info Flags page, WINHTTP_QUERY_FLAG_NUMBER64: the value as a 64-bit number, for lengths
// beyond 4 GiB (a HEAD response announces one without sending it).
TEST(QueryHeaders, Number64FlagReturnsLengthsBeyondFourGibibytes) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 5000000000\r\n\r\n"),
                            Step::stall(10s)}});
    Client c = open_client(server.port(), L"HEAD", L"/huge");
    ASSERT_TRUE(c.request);
    ASSERT_EQ(run_request(c.request).error, ERROR_SUCCESS);
    ULONGLONG length = 0;
    DWORD size = sizeof(length);
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpQueryHeaders(c.request,
                                    WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER64,
                                    WINHTTP_HEADER_NAME_BY_INDEX, &length, &size,
                                    WINHTTP_NO_HEADER_INDEX))
        << GetLastError();
    EXPECT_EQ(length, 5000000000ull);
    EXPECT_EQ(size, sizeof(ULONGLONG));
}
