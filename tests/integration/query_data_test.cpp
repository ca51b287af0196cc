// WinHttpQueryDataAvailable followed by WinHttpReadData of what it reported (Microsoft's sample
// pattern). With identity framing the count comes from the connection without taking the bytes
// (docs/design/read-path.md), so these check that the count stays inside the message framing,
// that the ReadData that follows returns exactly that many bytes, and that the count is never 0
// before the end, over plain TCP, TLS, chunked and decoded bodies, sync and async.
//
// The nginx cases run over HTTP/1.1 and HTTP/2 (protocol_util.h) (there the count
// comes from DATA frames, not the connection). The scripted cases stay HTTP/1.1 only: they
// send exact HTTP/1.1 bytes (bytes past Content-Length, chunked framing, a stalled body).
#include <winhttp.h>

#include <gtest/gtest.h>

#include "net/sys_io.h"

#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

#include "async_util.h"
#include "http_test_util.h"
#include "protocol_util.h"
#include "support/nginx.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::Nginx;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;
using namespace std::chrono_literals;

namespace {

// The classic loop: QueryDataAvailable, ReadData of exactly that much, until 0. Every count
// must be > 0 before the end and every read must return the whole count.
DWORD read_reported(HINTERNET request, std::string& body, size_t& queries) {
    for (int guard = 0; guard < 1'000'000; ++guard) {
        DWORD available = 0xFFFFFFFF;
        if (!WinHttpQueryDataAvailable(request, &available)) return GetLastError();
        ++queries;
        if (available == 0) return ERROR_SUCCESS;
        std::vector<char> buf(available);
        DWORD read = 0xFFFFFFFF;
        if (!WinHttpReadData(request, buf.data(), available, &read)) return GetLastError();
        EXPECT_EQ(read, available) << "after " << body.size() << " bytes";
        if (read == 0 || read > available) return ERROR_INVALID_DATA;
        body.append(buf.data(), read);
    }
    return ERROR_INVALID_DATA;
}

std::string pattern_text(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

}  // namespace

// WinHttpQueryDataAvailable page: the amount that can be read immediately — of this response:
// bytes past the Content-Length (a misbehaving server's) are never counted.
TEST(QueryDataAvailableCount, StaysInsideTheContentLength) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
                            Step::sleep(30ms), Step::send("0123456789EXTRA"), Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/ten");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    DWORD available = 0;
    ASSERT_TRUE(WinHttpQueryDataAvailable(c.request, &available)) << GetLastError();
    ASSERT_GT(available, 0u);
    ASSERT_LE(available, 10u);
    if (!winhttp::net::short_io_enabled()) EXPECT_EQ(available, 10u);
    std::string body;
    size_t queries = 0;
    char first[10];
    DWORD read = 0;
    ASSERT_TRUE(WinHttpReadData(c.request, first, available, &read));
    EXPECT_EQ(read, available);
    body.assign(first, read);
    EXPECT_EQ(read_reported(c.request, body, queries), ERROR_SUCCESS);
    EXPECT_EQ(body, "0123456789");
}

// A body arriving in pieces over a kept-alive connection: counts and reads agree piece by piece,
// and the connection carries the next request (nothing of the first one was left unread).
TEST(QueryDataAvailableCount, ReadsWhatItReportsThenReusesTheConnection) {
    const std::string body = pattern_text(70000);
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n"),
                            Step::send_split(body, 9000, 5ms), Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nend"),
                            Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/a");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string got;
    size_t queries = 0;
    ASSERT_EQ(read_reported(c.request, got, queries), ERROR_SUCCESS);
    EXPECT_EQ(got, body);
    Handle second = open_request(c.connect, L"GET", L"/b");
    ASSERT_TRUE(WinHttpSendRequest(second, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(second, nullptr)) << GetLastError();
    got.clear();
    ASSERT_EQ(read_reported(second, got, queries), ERROR_SUCCESS);
    EXPECT_EQ(got, "end");
}

// Chunked framing: counts never cross into chunk headers; cut at every kind of boundary.
TEST(QueryDataAvailableCount, ChunkedBodyCutAcrossChunkBoundaries) {
    const std::string wire = "5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\n\r\n";
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
                            Step::send_split(wire, 4, 5ms), Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/chunked");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string got;
    size_t queries = 0;
    ASSERT_EQ(read_reported(c.request, got, queries), ERROR_SUCCESS);
    EXPECT_EQ(got, "hello, world");
}

// Option Flags page, WINHTTP_OPTION_DECOMPRESSION: counts are of decoded bytes.
TEST(QueryDataAvailableCount, CountsDecodedBytesOfAGzipBody) {
    std::string text;
    for (int i = 0; i < 3000; ++i) text += "line " + std::to_string(i) + " of some text\n";
    const std::string gz = gzip(text);
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                       "Content-Length: " + std::to_string(gz.size()) + "\r\n\r\n"),
                            Step::send_split(gz, 1000, 2ms), Step::stall()}});
    Client c = open_client(server.port(), L"GET", L"/gz");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_DECOMPRESSION,
                                 WINHTTP_DECOMPRESSION_FLAG_ALL));
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    std::string got;
    size_t queries = 0;
    ASSERT_EQ(read_reported(c.request, got, queries), ERROR_SUCCESS);
    EXPECT_EQ(got, text);
}

// WinHttpSetTimeouts page: the receive timeout bounds QueryDataAvailable's wait for body bytes.
TEST(QueryDataAvailableCount, WaitEndsAtTheReceiveTimeout) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
                            Step::stall(10s)}});
    Client c = open_client(server.port(), L"GET", L"/stalls");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSetTimeouts(c.request, 5000, 5000, 5000, 200));
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    DWORD available = 0xFFFFFFFF;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryDataAvailable(c.request, &available));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT));
}

// The same loop over TLS (counts from OpenSSL's decrypted record; over h2 from DATA frames),
// byte-exact, and the TLS connection is kept alive for the next request.
class QueryDataTls : public ::testing::TestWithParam<Protocol> {};
INSTANTIATE_TEST_SUITE_P(Protocols, QueryDataTls,
                         ::testing::Values(Protocol::Http11Tls, Protocol::H2), ProtocolName());

TEST_P(QueryDataTls, ReadsWhatItReportsAndKeepsTheConnection) {
    ProtocolClient p(GetParam());
    Nginx& nginx = p.nginx();
    const auto before = nginx.connections_accepted();
    {
        Handle session = p.session();
        Handle connect = p.connect(session);
        ASSERT_TRUE(connect);
        const std::pair<const wchar_t*, size_t> files[] = {{L"/1m.bin", 1u << 20},
                                                           {L"/16k.bin", 16u << 10}};
        for (const auto& [path, size] : files) {
            Handle r = p.request(connect, L"GET", path);
            ASSERT_TRUE(WinHttpSendRequest(r, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                           WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
                << GetLastError();
            ASSERT_TRUE(WinHttpReceiveResponse(r, nullptr)) << GetLastError();
            std::string got;
            size_t queries = 0;
            ASSERT_EQ(read_reported(r, got, queries), ERROR_SUCCESS);
            EXPECT_TRUE(got == Nginx::pattern(size)) << narrow(path) << ": " << got.size() << " bytes";
            p.expect_protocol(r);
        }
    }
    EXPECT_EQ(nginx.connections_accepted() - before, 1u);
}

namespace {

// An async request read Microsoft's way; records every DATA_AVAILABLE count and READ_COMPLETE
// size. Lives until HANDLE_CLOSING.
struct AsyncReader {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<DWORD> counts, reads;
    std::vector<char> buf;
    std::string body;
    DWORD error = 0;
    DWORD protocol_used = 0xFFFFFFFF;  // WINHTTP_OPTION_HTTP_PROTOCOL_USED at HEADERS_AVAILABLE
    bool done = false, closed = false;

    void end(HINTERNET h, DWORD e) {
        {
            std::lock_guard lock(mutex);
            error = e;
            done = true;
        }
        changed.notify_all();
        WinHttpCloseHandle(h);
    }
    static void CALLBACK callback(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len) {
        auto* self = reinterpret_cast<AsyncReader*>(ctx);
        if (!self) return;
        switch (status) {
            case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
                if (!WinHttpReceiveResponse(h, nullptr)) self->end(h, GetLastError());
                break;
            case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
            case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
                if (status == WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE)
                    self->protocol_used = ProtocolClient::used(h);
                if (status == WINHTTP_CALLBACK_STATUS_READ_COMPLETE) {
                    self->reads.push_back(len);
                    self->body.append(self->buf.data(), len);
                }
                if (!WinHttpQueryDataAvailable(h, nullptr)) self->end(h, GetLastError());
                break;
            case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: {
                const DWORD n = *static_cast<DWORD*>(info);
                self->counts.push_back(n);
                if (n == 0) return self->end(h, ERROR_SUCCESS);
                self->buf.resize(n);
                if (!WinHttpReadData(h, self->buf.data(), n, nullptr)) self->end(h, GetLastError());
                break;
            }
            case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR:
                self->end(h, static_cast<WINHTTP_ASYNC_RESULT*>(info)->dwError);
                break;
            case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING: {
                std::lock_guard lock(self->mutex);
                self->closed = true;
                self->changed.notify_all();
                break;
            }
            default: break;
        }
    }
};

}  // namespace

// WinHttpQueryDataAvailable page (async): DATA_AVAILABLE carries the count, 0 only at the end;
// ReadData of that count completes with all of it.
class QueryDataAsync : public ::testing::TestWithParam<Protocol> {};
INSTANTIATE_TEST_SUITE_P(Protocols, QueryDataAsync, kBothProtocols, ProtocolName());

TEST_P(QueryDataAsync, CountsAreReadWholeAndZeroOnlyAtTheEnd) {
    ProtocolClient p(GetParam());
    Handle session = p.session(WINHTTP_FLAG_ASYNC);
    Handle connect = p.connect(session);
    ASSERT_TRUE(connect);
    // A short-I/O build moves 1-7 bytes per call: 1 MiB would take minutes there.
    const bool small = winhttp::net::short_io_enabled();
    HINTERNET h = WinHttpOpenRequest(connect, L"GET", small ? L"/16k.bin" : L"/1m.bin", nullptr,
                                     WINHTTP_NO_REFERER,
                                     WINHTTP_DEFAULT_ACCEPT_TYPES, p.open_flags());
    ASSERT_TRUE(h);
    auto* reader = new AsyncReader;
    WinHttpSetStatusCallback(h, &AsyncReader::callback, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    ASSERT_TRUE(WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0,
                                   0, reinterpret_cast<DWORD_PTR>(reader)));
    std::unique_lock lock(reader->mutex);
    ASSERT_TRUE(reader->changed.wait_for(lock, 20s, [&] { return reader->closed; }));
    EXPECT_EQ(reader->error, ERROR_SUCCESS);
    EXPECT_EQ(reader->protocol_used, p.expected_used());
    EXPECT_TRUE(reader->body == Nginx::pattern(small ? 16u << 10 : 1u << 20))
        << reader->body.size() << " bytes";
    ASSERT_FALSE(reader->counts.empty());
    EXPECT_EQ(reader->counts.back(), 0u);
    ASSERT_EQ(reader->reads.size() + 1, reader->counts.size());
    for (size_t i = 0; i < reader->reads.size(); ++i) {
        EXPECT_GT(reader->counts[i], 0u) << i;
        EXPECT_EQ(reader->reads[i], reader->counts[i]) << i;
    }
    lock.unlock();
    delete reader;
}
