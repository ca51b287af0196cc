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

#include "http_test_util.h"
#include "support/http_text.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::http_response;
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
