// What real WinHTTP clients (docs/compat.md) needed when their WinHTTP source file ran unchanged
// against the library, re-expressed as our own tests. Each test names the program and the
// call sequence it pins; none of their code is here.
#define UNICODE
#include <windows.h>
#include <winhttp.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "http_test_util.h"
#include "support/http_text.h"
#include "support/nginx.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::http_response;
using winhttp::test::Nginx;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;

namespace {

// Counts lines of `head` starting with `name:` (any case).
int count_header(const std::string& head, const std::string& name) {
    int count = 0;
    size_t pos = 0;
    while ((pos = head.find("\r\n", pos)) != std::string::npos) {
        pos += 2;
        if (head.size() - pos >= name.size() + 1 && strncasecmp(head.c_str() + pos, name.c_str(), name.size()) == 0 &&
            head[pos + name.size()] == ':') {
            ++count;
        }
    }
    return count;
}

// WinHttpCrackUrl into fixed caller buffers, as sentry-native's transport does (a 128-WCHAR
// host, a path buffer whose length is given as 1024).
struct CrackedUrl {
    wchar_t host[128];
    wchar_t path[4096];
    INTERNET_PORT port = 0;
};

bool crack(const std::wstring& url, CrackedUrl& out) {
    URL_COMPONENTS parts;
    ZeroMemory(&parts, sizeof parts);
    parts.dwStructSize = sizeof parts;
    parts.lpszHostName = out.host;
    parts.dwHostNameLength = 128;
    parts.lpszUrlPath = out.path;
    parts.dwUrlPathLength = 1024;
    if (!WinHttpCrackUrl(url.c_str(), 0, 0, &parts)) return false;
    out.port = parts.nPort;
    return true;
}

}  // namespace

// getsentry/sentry-native src/transports/sentry_http_transport_winhttp.c: one envelope POST.
// The headers string (CRLF-separated "name:value" lines, Content-Length included) is passed
// with length (DWORD)-1, the body with the same total length; then RAW_HEADERS_CRLF with a
// size probe, STATUS_CODE | FLAG_NUMBER, and WINHTTP_QUERY_CUSTOM with lower-case names into a
// 2048-WCHAR buffer sized in bytes.
TEST(RealPrograms, SentryEnvelopePost) {
    ScriptedServer server({{
        Step::read_request(),
        Step::send(http_response(200, "OK", {{"X-Sentry-Rate-Limits", "60:error:organization"}}, "{}")),
    }});
    CrackedUrl url;
    ASSERT_TRUE(crack(L"http://127.0.0.1:" + std::to_wstring(server.port()) + L"/api/42/envelope/", url));
    EXPECT_STREQ(url.host, L"127.0.0.1");
    EXPECT_STREQ(url.path, L"/api/42/envelope/");
    EXPECT_EQ(url.port, server.port());

    HINTERNET session = WinHttpOpen(L"sentry.native/0.16", WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, WINHTTP_NO_PROXY_NAME,
                                    WINHTTP_NO_PROXY_BYPASS, 0);
    ASSERT_NE(session, nullptr);
    ASSERT_TRUE(WinHttpSetTimeouts(session, 15000, 15000, 15000, 15000));
    HINTERNET connect = WinHttpConnect(session, url.host, url.port, 0);
    ASSERT_NE(connect, nullptr);
    HINTERNET request = WinHttpOpenRequest(connect, L"POST", url.path, nullptr, WINHTTP_NO_REFERER,
                                           WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_NE(request, nullptr);

    const std::string body = "{\"event_id\":\"0\"}\n{\"type\":\"event\"}\n{}";
    const std::wstring headers = L"x-sentry-auth:Sentry sentry_key=publickey, sentry_version=7\r\n"
                                 L"content-type:application/x-sentry-envelope\r\n"
                                 L"content-length:" + std::to_wstring(body.size()) + L"\r\n";
    ASSERT_TRUE(WinHttpSendRequest(request, headers.c_str(), static_cast<DWORD>(-1),
                                   const_cast<char*>(body.data()), static_cast<DWORD>(body.size()),
                                   static_cast<DWORD>(body.size()), 0))
        << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(request, nullptr)) << GetLastError();

    // WinHttpQueryHeaders page: the size probe fails with ERROR_INSUFFICIENT_BUFFER and sets the size.
    DWORD size = 0;
    EXPECT_FALSE(WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_HEADER_NAME_BY_INDEX, nullptr,
                                     &size, WINHTTP_NO_HEADER_INDEX));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    std::wstring raw(size / sizeof(WCHAR), L'\0');
    ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_HEADER_NAME_BY_INDEX, raw.data(),
                                    &size, WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(raw.rfind(L"HTTP/1.1 200 OK\r\n", 0), 0u);

    DWORD status = 0, status_size = sizeof status;
    ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                    WINHTTP_HEADER_NAME_BY_INDEX, &status, &status_size, WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(status, 200u);

    wchar_t buf[2048];
    DWORD buf_size = sizeof buf;
    ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_CUSTOM, L"x-sentry-rate-limits", buf, &buf_size,
                                    WINHTTP_NO_HEADER_INDEX));
    EXPECT_STREQ(buf, L"60:error:organization");
    buf_size = sizeof buf;
    EXPECT_FALSE(WinHttpQueryHeaders(request, WINHTTP_QUERY_CUSTOM, L"retry-after", buf, &buf_size,
                                     WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));

    // What the server got: the request line, the program's headers once each, the body.
    const std::string sent = server.request(0);
    EXPECT_EQ(sent.rfind("POST /api/42/envelope/ HTTP/1.1\r\n", 0), 0u) << sent;
    const std::string head = sent.substr(0, sent.find("\r\n\r\n") + 2);
    EXPECT_EQ(count_header(head, "content-length"), 1) << head;
    EXPECT_EQ(count_header(head, "x-sentry-auth"), 1) << head;
    EXPECT_EQ(count_header(head, "content-type"), 1) << head;
    EXPECT_EQ(sent.substr(sent.find("\r\n\r\n") + 4), body);

    // The program swaps the request out with InterlockedExchangePointer before closing it.
    HINTERNET taken = InterlockedExchangePointer(&request, nullptr);
    EXPECT_EQ(request, nullptr);
    EXPECT_TRUE(WinHttpCloseHandle(taken));
    EXPECT_TRUE(WinHttpCloseHandle(connect));
    EXPECT_TRUE(WinHttpCloseHandle(session));
}

// sentry-native's shutdown (winhttp_client_shutdown; sentry-native #567, PRs #568/#570): while
// the worker thread is blocked in WinHttpReceiveResponse on a server that never answers, the
// main thread closes the connect handle, then the session handle, then swaps the request out
// with InterlockedExchangePointer and closes it, all without waiting. The blocked call must
// return promptly with ERROR_WINHTTP_OPERATION_CANCELLED (PITFALLS 3: closing handles from
// another thread cancels "prompt ERROR_WINHTTP_OPERATION_CANCELLED, no UAF, no hang").
TEST(RealPrograms, SentryShutdownClosesEverythingUnderABlockedRequest) {
    ScriptedServer server({{Step::read_request(), Step::stall(std::chrono::seconds(30))}});
    HINTERNET session = WinHttpOpen(L"sentry.native/0.16", WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, WINHTTP_NO_PROXY_NAME,
                                    WINHTTP_NO_PROXY_BYPASS, 0);
    ASSERT_NE(session, nullptr);
    HINTERNET connect = WinHttpConnect(session, L"127.0.0.1", server.port(), 0);
    ASSERT_NE(connect, nullptr);
    HINTERNET request = WinHttpOpenRequest(connect, L"POST", L"/api/42/envelope/", nullptr, WINHTTP_NO_REFERER,
                                           WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_NE(request, nullptr);
    HINTERNET worker_request = request;

    std::atomic<DWORD> worker_error{0};
    std::atomic<BOOL> worker_result{TRUE};
    std::thread worker([&] {
        BOOL ok = WinHttpSendRequest(worker_request, L"content-length:2\r\n", static_cast<DWORD>(-1),
                                     const_cast<char*>("{}"), 2, 2, 0);
        if (ok) ok = WinHttpReceiveResponse(worker_request, nullptr);
        worker_result = ok;
        worker_error = ok ? 0 : GetLastError();
    });
    // The server has the whole request: the worker is (or is about to be) blocked receiving.
    EXPECT_NE(server.request(0, std::chrono::seconds(10)), "");

    EXPECT_TRUE(WinHttpCloseHandle(connect));
    EXPECT_TRUE(WinHttpCloseHandle(session));
    HINTERNET taken = InterlockedExchangePointer(&request, nullptr);
    ASSERT_NE(taken, nullptr);
    EXPECT_TRUE(WinHttpCloseHandle(taken));
    worker.join();  // bounded: the close cancels the blocked call (else the stall's 30 s)
    EXPECT_FALSE(worker_result.load());
    // Cancelled inside the call; or, if the close landed in the instant between SendRequest
    // returning and ReceiveResponse starting, the handle is already invalid (as on Windows).
    const DWORD error = worker_error.load();
    EXPECT_TRUE(error == ERROR_WINHTTP_OPERATION_CANCELLED || error == ERROR_INVALID_HANDLE) << error;
}

// sentry-native logs "`WinHttpSendRequest` failed with code `12029`" when nothing listens.
TEST(RealPrograms, RefusedConnectionIsCannotConnect) {
    HINTERNET session = WinHttpOpen(L"sentry.native/0.16", WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, WINHTTP_NO_PROXY_NAME,
                                    WINHTTP_NO_PROXY_BYPASS, 0);
    ASSERT_NE(session, nullptr);
    HINTERNET connect = WinHttpConnect(session, L"127.0.0.1", unused_port(), 0);
    HINTERNET request = WinHttpOpenRequest(connect, L"POST", L"/", nullptr, WINHTTP_NO_REFERER,
                                           WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_NE(request, nullptr);
    EXPECT_FALSE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_CANNOT_CONNECT));
    WinHttpCloseHandle(request);
    WinHttpCloseHandle(connect);
    WinHttpCloseHandle(session);
}

// Azure SDK for C++ azure-core 1.7.2 src/http/winhttp/win_http_transport.cpp: a session opened
// with a NULL agent and WINHTTP_OPTION_SECURE_PROTOCOLS = TLS 1.2; per response the
// RAW_HEADERS size probe and the NUL-separated list (status line first, a final empty
// string), WINHTTP_QUERY_VERSION and STATUS_TEXT read into that same buffer with its byte size,
// STATUS_CODE and CONTENT_LENGTH as numbers (not for HEAD), then WinHttpReadData until 0.
TEST(RealPrograms, AzureCoreResponseParsing) {
    Nginx& nginx = Nginx::shared();
    HINTERNET session = WinHttpOpen(nullptr, WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                                    WINHTTP_NO_PROXY_BYPASS, 0);
    ASSERT_NE(session, nullptr);
    DWORD tls = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2;
    ASSERT_TRUE(WinHttpSetOption(session, WINHTTP_OPTION_SECURE_PROTOCOLS, &tls, sizeof tls)) << GetLastError();
    HINTERNET connect = WinHttpConnect(session, L"127.0.0.1", nginx.port(), 0);
    ASSERT_NE(connect, nullptr);

    struct Case {
        const wchar_t* verb;
        const wchar_t* path;
        DWORD status;
        const wchar_t* reason;
        size_t body;
    };
    for (const Case& c : {Case{L"GET", L"/hello.txt", 200, L"OK", 13}, Case{L"GET", L"/1m.bin", 200, L"OK", 1u << 20},
                          Case{L"GET", L"/missing", 404, L"Not Found", 0}, Case{L"HEAD", L"/hello.txt", 200, L"OK", 0}}) {
        SCOPED_TRACE(narrow(c.path));
        HINTERNET request = WinHttpOpenRequest(connect, c.verb, c.path, nullptr, WINHTTP_NO_REFERER,
                                               WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
        ASSERT_NE(request, nullptr);
        const std::wstring headers = L"User-Agent: azsdk-cpp-core/1.7.2\r\nx-ms-client-request-id: 1\r\n\r\n";
        ASSERT_TRUE(WinHttpSendRequest(request, headers.c_str(), static_cast<DWORD>(headers.size()),
                                       WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
        ASSERT_TRUE(WinHttpReceiveResponse(request, nullptr));

        DWORD size = 0;
        EXPECT_FALSE(WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS, WINHTTP_HEADER_NAME_BY_INDEX, nullptr,
                                         &size, WINHTTP_NO_HEADER_INDEX));
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
        std::vector<WCHAR> buffer(size / sizeof(WCHAR), 0);
        ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS, WINHTTP_HEADER_NAME_BY_INDEX, buffer.data(),
                                        &size, WINHTTP_NO_HEADER_INDEX));
        // Query Info Flags page (RAW_HEADERS): each header NUL-terminated, the list ends with an
        // extra NUL. Azure takes the status line up to the first NUL, the headers after it.
        const std::wstring raw(buffer.data(), size / sizeof(WCHAR));
        EXPECT_EQ(raw.substr(0, raw.find(L'\0')), L"HTTP/1.1 " + std::to_wstring(c.status) + L" " + c.reason);
        EXPECT_NE(raw.find(std::wstring(L"\0Server: nginx", 14)), std::wstring::npos);
        EXPECT_EQ(raw.back(), L'\0');

        DWORD version_size = static_cast<DWORD>(buffer.size() * sizeof(WCHAR));
        ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_VERSION, WINHTTP_HEADER_NAME_BY_INDEX, buffer.data(),
                                        &version_size, WINHTTP_NO_HEADER_INDEX));
        EXPECT_EQ(std::wstring(buffer.data(), version_size / sizeof(WCHAR)), L"HTTP/1.1");

        DWORD status = 0, status_size = sizeof status;
        ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                        WINHTTP_HEADER_NAME_BY_INDEX, &status, &status_size, WINHTTP_NO_HEADER_INDEX));
        EXPECT_EQ(status, c.status);
        DWORD reason_size = static_cast<DWORD>(buffer.size() * sizeof(WCHAR));
        ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_TEXT, WINHTTP_HEADER_NAME_BY_INDEX, buffer.data(),
                                        &reason_size, WINHTTP_NO_HEADER_INDEX));
        EXPECT_EQ(std::wstring(buffer.data(), reason_size / sizeof(WCHAR)), c.reason);

        DWORD length = 0, length_size = sizeof length;
        ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER,
                                        WINHTTP_HEADER_NAME_BY_INDEX, &length, &length_size, WINHTTP_NO_HEADER_INDEX));
        if (c.status == 200) EXPECT_EQ(length, c.verb == std::wstring(L"HEAD") ? 13u : c.body);

        std::string body;
        EXPECT_EQ(read_body(request, body, 64 * 1024), 0u);
        EXPECT_EQ(c.status == 404 ? 0 : body.size(), c.body);
        EXPECT_TRUE(WinHttpCloseHandle(request));
    }
    EXPECT_TRUE(WinHttpCloseHandle(connect));
    EXPECT_TRUE(WinHttpCloseHandle(session));
}
