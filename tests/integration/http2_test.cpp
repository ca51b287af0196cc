// HTTP/2 through the public API against nginx's h2 listener (tests/support/nginx.h,
// TlsPort::H2): negotiation by ALPN, fallback, HTTP_PROTOCOL_USED / _REQUIRED, the key
// HTTP/1.1 checks again over h2 (body, headers, trailers, redirects, decompression, request
// bodies) in sync and async mode, and the multiplexing rules: one connection per session and
// origin, one stream closed alone, a stalled reader never blocking another stream.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <netinet/in.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "integration/async_util.h"
#include "net/sys_io.h"
#include "integration/http_test_util.h"
#include "support/nginx.h"
#include "support/tinyproxy.h"

namespace {

using namespace itest;
using winhttp::test::Nginx;
using winhttp::test::TlsPort;
using winhttp::test::Tinyproxy;

DWORD protocol_used(HINTERNET request) {
    DWORD used = 0xFFFFFFFF, len = sizeof(used);
    EXPECT_TRUE(WinHttpQueryOption(request, WINHTTP_OPTION_HTTP_PROTOCOL_USED, &used, &len))
        << GetLastError();
    return used;
}

class Http2 : public ::testing::TestWithParam<Mode> {
protected:
    void SetUp() override {
        nginx_ = &Nginx::shared();
        ::setenv("SSL_CERT_FILE", nginx_->certificates().ca_file().c_str(), 1);
        if (!nginx_->root().empty()) {
            nginx_->write_file("h2/hello.txt", "hello, h2\n");
            nginx_->make_file("h2/4m.bin", 4u << 20);
        }
    }
    void TearDown() override { ::unsetenv("SSL_CERT_FILE"); }

    // A session of the test's mode with HTTP/2 enabled (unless `enable` is false).
    Handle session(bool enable = true) {
        Handle s = open_mode_session(GetParam());
        if (enable)
            EXPECT_TRUE(set_dword_option(s, WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL,
                                         WINHTTP_PROTOCOL_FLAG_HTTP2));
        return s;
    }
    Handle connect(HINTERNET s, TlsPort which = TlsPort::H2) {
        Handle c(WinHttpConnect(s, L"localhost", nginx_->tls_port(which), 0));
        EXPECT_TRUE(c) << GetLastError();
        return c;
    }
    static RequestSpec get(const wchar_t* path, DWORD* used = nullptr) {
        RequestSpec spec;
        spec.path = path;
        spec.open_flags = WINHTTP_FLAG_SECURE;
        if (used) spec.inspect = [used](HINTERNET r) { *used = protocol_used(r); };
        return spec;
    }

    Nginx* nginx_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Modes, Http2, ::testing::Values(Mode::Sync, Mode::Async),
                         [](const auto& info) { return mode_name(info.param); });

// Option Flags page: ENABLE_HTTP_PROTOCOL with WINHTTP_PROTOCOL_FLAG_HTTP2 enables HTTP/2;
// HTTP_PROTOCOL_USED then reports WINHTTP_PROTOCOL_FLAG_HTTP2.
TEST_P(Http2, NegotiatedWhenEnabled) {
    Handle s = session();
    Handle c = connect(s);
    DWORD used = 0xFFFFFFFF;
    const Response r = run_request_in(GetParam(), c, get(L"/h2/hello.txt", &used));
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "hello, h2\n");
    EXPECT_EQ(used, static_cast<DWORD>(WINHTTP_PROTOCOL_FLAG_HTTP2));
}

TEST_P(Http2, NotOfferedUnlessEnabled) {
    Handle s = session(false);
    Handle c = connect(s);
    DWORD used = 0xFFFFFFFF;
    const Response r = run_request_in(GetParam(), c, get(L"/h2/hello.txt", &used));
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(used, 0u);
}

// A server that does not choose h2 in ALPN gets HTTP/1.1.
TEST_P(Http2, FallsBackToHttp11) {
    Handle s = session();
    Handle c = connect(s, TlsPort::Valid);
    DWORD used = 0xFFFFFFFF;
    const Response r = run_request_in(GetParam(), c, get(L"/h2/hello.txt", &used));
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.body, "hello, h2\n");
    EXPECT_EQ(used, 0u);
}

// HTTP_PROTOCOL_REQUIRED: protocols other than the enabled ones are not used; the request
// fails with ERROR_WINHTTP_HTTP_PROTOCOL_MISMATCH.
TEST_P(Http2, RequiredFailsWithoutH2) {
    Handle s = session();
    Handle c = connect(s, TlsPort::Valid);
    RequestSpec spec = get(L"/h2/hello.txt");
    spec.prepare = [](HINTERNET r) {
        BOOL yes = TRUE;
        EXPECT_TRUE(WinHttpSetOption(r, WINHTTP_OPTION_HTTP_PROTOCOL_REQUIRED, &yes, sizeof(yes)));
    };
    const Response r = run_request_in(GetParam(), c, spec);
    EXPECT_EQ(r.api, static_cast<DWORD>(API_SEND_REQUEST)) << r;
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_HTTP_PROTOCOL_MISMATCH));
}

TEST_P(Http2, RequiredSucceedsWithH2) {
    Handle s = session();
    Handle c = connect(s);
    RequestSpec spec = get(L"/h2/hello.txt");
    spec.prepare = [](HINTERNET r) {
        BOOL yes = TRUE;
        EXPECT_TRUE(WinHttpSetOption(r, WINHTTP_OPTION_HTTP_PROTOCOL_REQUIRED, &yes, sizeof(yes)));
    };
    const Response r = run_request_in(GetParam(), c, spec);
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.body, "hello, h2\n");
}

// The option on the request alone is enough.
TEST_P(Http2, EnabledOnTheRequest) {
    Handle s = session(false);
    Handle c = connect(s);
    DWORD used = 0xFFFFFFFF;
    RequestSpec spec = get(L"/h2/hello.txt", &used);
    spec.prepare = [](HINTERNET r) {
        EXPECT_TRUE(set_dword_option(r, WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL,
                                     WINHTTP_PROTOCOL_FLAG_HTTP2));
    };
    const Response r = run_request_in(GetParam(), c, spec);
    EXPECT_EQ(r.body, "hello, h2\n") << r;
    EXPECT_EQ(used, static_cast<DWORD>(WINHTTP_PROTOCOL_FLAG_HTTP2));
}

// The HTTP/1.1 checks that hold over h2: a large body, headers, redirects, decompression.
TEST_P(Http2, LargeBody) {
    Handle s = session();
    Handle c = connect(s);
    const Response r = run_request_in(GetParam(), c, get(L"/1m.bin"));
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.body, Nginx::pattern(1 << 20));
    EXPECT_EQ(r.content_length, L"1048576");
    EXPECT_EQ(r.content_type, L"application/octet-stream");
}

TEST_P(Http2, QueryHeadersOnAnH2Response) {
    Handle s = session();
    Handle c = connect(s);
    std::wstring version, raw, text;
    RequestSpec spec = get(L"/h2/hello.txt");
    spec.inspect = [&](HINTERNET r) {
        version = header(r, WINHTTP_QUERY_VERSION);
        raw = header(r, WINHTTP_QUERY_RAW_HEADERS_CRLF);
        text = header(r, WINHTTP_QUERY_STATUS_TEXT);
    };
    const Response r = run_request_in(GetParam(), c, spec);
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(version, L"HTTP/2.0");
    EXPECT_EQ(text, L"");  // HTTP/2 has no reason phrase
    EXPECT_EQ(raw.rfind(L"HTTP/2.0 200\r\n", 0), 0u) << narrow(raw);
    EXPECT_NE(raw.find(L"content-length: 10\r\n"), std::wstring::npos) << narrow(raw);
}

TEST_P(Http2, Redirect) {
    Handle s = session();
    Handle c = connect(s);
    const Response r = run_request_in(GetParam(), c, get(L"/redirect/x"));
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(r.body, "hello, world\n");
    ASSERT_EQ(r.redirects.size(), 1u);
}

TEST_P(Http2, Decompression) {
    Handle s = session();
    Handle c = connect(s);
    RequestSpec spec = get(L"/gz/text.txt");
    spec.decompression = WINHTTP_DECOMPRESSION_FLAG_ALL;
    const Response plain = run_request_in(GetParam(), c, get(L"/gz/text.txt"));
    const Response r = run_request_in(GetParam(), c, spec);
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.content_encoding, L"gzip");
    EXPECT_EQ(r.body, plain.body);
    EXPECT_GT(r.body.size(), 1000u);
}

// Request bodies: the SendRequest optional data then WriteData, under flow control.
TEST_P(Http2, RequestBody) {
    Handle s = session();
    Handle c = connect(s);
    RequestSpec spec = get(L"/post");
    spec.verb = L"POST";
    spec.optional = std::string(1000, 'a');
    spec.writes = {std::string(100000, 'b'), std::string(5, 'c')};
    const Response r = run_request_in(GetParam(), c, spec);
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.body, "got 101005");
}

// WINHTTP_QUERY_FLAG_TRAILERS reads the trailer block that ends an h2 stream.
TEST_P(Http2, Trailers) {
    Handle s = session();
    Handle c = connect(s);
    std::wstring trailer;
    DWORD before_end = 0;
    RequestSpec spec = get(L"/trailer/h2/hello.txt");
    spec.inspect = [&](HINTERNET r) {
        wchar_t buf[64];
        DWORD len = sizeof(buf);
        if (WinHttpQueryHeaders(r, WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_TRAILERS, L"X-Trailer",
                                buf, &len, WINHTTP_NO_HEADER_INDEX))
            trailer.assign(buf, len / sizeof(wchar_t));
        else
            before_end = GetLastError();
    };
    const Response r = run_request_in(GetParam(), c, spec);
    EXPECT_EQ(r.body, "hello, h2\n") << r;
    EXPECT_EQ(trailer, L"done") << before_end;
}

// --- multiplexing ---------------------------------------------------------------------------

// Sequential and interleaved requests of one session share one connection.
TEST_P(Http2, RequestsShareOneConnection) {
    Handle s = session();
    Handle c = connect(s);
    ASSERT_EQ(run_request_in(GetParam(), c, get(L"/h2/hello.txt")).status, 200u);
    const uint64_t before = nginx_->connections_accepted();
    for (int i = 0; i < 5; ++i) {
        const Response r = run_request_in(GetParam(), c, get(L"/h2/hello.txt"));
        EXPECT_EQ(r.body, "hello, h2\n") << r;
    }
    EXPECT_EQ(nginx_->connections_accepted() - before, 0u);
}

// WINHTTP_OPTION_CONNECTION_INFO (Option Flags page: "the source and destination IP address
// and port of the request") over HTTP/2: every request on the shared connection reports that
// connection's two ends, the same for the request that opened it and the ones that joined it.
TEST_P(Http2, ConnectionInfoOfTheSharedConnection) {
    Handle s = session();
    Handle c = connect(s);
    std::vector<WINHTTP_CONNECTION_INFO> infos;
    for (int i = 0; i < 3; ++i) {
        RequestSpec spec = get(L"/h2/hello.txt");
        spec.inspect = [&infos](HINTERNET r) {
            WINHTTP_CONNECTION_INFO info{};
            info.cbSize = sizeof(info);
            DWORD len = sizeof(info);
            EXPECT_TRUE(WinHttpQueryOption(r, WINHTTP_OPTION_CONNECTION_INFO, &info, &len))
                << GetLastError();
            EXPECT_EQ(len, sizeof(info));
            EXPECT_EQ(protocol_used(r), DWORD(WINHTTP_PROTOCOL_FLAG_HTTP2));
            infos.push_back(info);
        };
        ASSERT_EQ(run_request_in(GetParam(), c, spec).status, 200u);
    }
    ASSERT_EQ(infos.size(), 3u);
    const auto* remote = reinterpret_cast<const sockaddr_in*>(&infos[0].RemoteAddress);
    const auto* local = reinterpret_cast<const sockaddr_in*>(&infos[0].LocalAddress);
    ASSERT_EQ(remote->sin_family, AF_INET);
    EXPECT_EQ(ntohs(remote->sin_port), nginx_->tls_port(TlsPort::H2));
    EXPECT_EQ(ntohl(remote->sin_addr.s_addr), INADDR_LOOPBACK);
    EXPECT_NE(local->sin_port, 0);
    for (int i = 1; i < 3; ++i) {
        EXPECT_EQ(std::memcmp(&infos[i].LocalAddress, &infos[0].LocalAddress,
                              sizeof(infos[0].LocalAddress)), 0) << i;
        EXPECT_EQ(std::memcmp(&infos[i].RemoteAddress, &infos[0].RemoteAddress,
                              sizeof(infos[0].RemoteAddress)), 0) << i;
    }
}

// Requests running at the same time on several threads share the one connection: for a sync
// session they take turns reading the socket for each other, for an async one the event loop
// drives them all.
TEST_P(Http2, ConcurrentRequestsShareOneConnection) {
    Handle s = session();
    // The short-I/O build moves these 8 MiB 1-7 bytes per system call: a small response queued
    // behind the big ones may wait longer than the 5 s default under load. The test is about
    // sharing, not speed.
    if (winhttp::net::short_io_enabled()) WinHttpSetTimeouts(s, 30000, 30000, 30000, 30000);
    Handle c = connect(s);
    ASSERT_EQ(run_request_in(GetParam(), c, get(L"/h2/hello.txt")).status, 200u);
    const uint64_t before = nginx_->connections_accepted();
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 3; ++i) {
                const bool big = (t + i) % 3 == 0;
                const Response r =
                    run_request_in(GetParam(), c, get(big ? L"/1m.bin" : L"/h2/hello.txt"));
                if (r.error == ERROR_SUCCESS &&
                    r.body == (big ? Nginx::pattern(1u << 20) : std::string("hello, h2\n")))
                    ++good;
                else
                    ADD_FAILURE() << r;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(good.load(), 24);
    EXPECT_EQ(nginx_->connections_accepted() - before, 0u);
}

// A storm of requests closed mid-body on several threads: each close resets its own stream
// only, and the connection serves the next request.
TEST_P(Http2, CloseStorm) {
    Handle s = session();
    // Before its RST_STREAM lands, each of the 18 cancelled 4 MiB streams may bring up to its
    // 1 MiB window, which the connection reads and drops before the last request's answer: in
    // the short-I/O build, 1-7 bytes per system call, that took more than the 5 s default on a
    // loaded machine (session 7). The test is about closing, not speed.
    if (winhttp::net::short_io_enabled()) WinHttpSetTimeouts(s, 30000, 30000, 30000, 30000);
    Handle c = connect(s);
    ASSERT_EQ(run_request_in(GetParam(), c, get(L"/h2/hello.txt")).status, 200u);
    const uint64_t before = nginx_->connections_accepted();
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 3; ++i) {
                Handle r(WinHttpOpenRequest(c, L"GET", L"/h2/4m.bin", nullptr, WINHTTP_NO_REFERER,
                                            WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE));
                if (!r) continue;
                const bool sent =
                    WinHttpSendRequest(r, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0, 0);
                if (GetParam() == Mode::Sync && sent && WinHttpReceiveResponse(r, nullptr)) {
                    char buf[1000];
                    DWORD n = 0;
                    WinHttpReadData(r, buf, sizeof(buf), &n);
                }
                r.reset();  // async: closed with its send in flight
            }
        });
    }
    for (auto& th : threads) th.join();
    const Response r = run_request_in(GetParam(), c, get(L"/h2/hello.txt"));
    EXPECT_EQ(r.body, "hello, h2\n") << r;
    EXPECT_EQ(nginx_->connections_accepted() - before, 0u);
}

// The rest drive several requests of one synchronous session by hand.
class Http2Sync : public Http2 {};
INSTANTIATE_TEST_SUITE_P(Modes, Http2Sync, ::testing::Values(Mode::Sync),
                         [](const auto& info) { return mode_name(info.param); });

Handle started(HINTERNET connect, const wchar_t* path) {
    Handle r(WinHttpOpenRequest(connect, L"GET", path, nullptr, WINHTTP_NO_REFERER,
                                WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE));
    EXPECT_TRUE(r) << GetLastError();
    EXPECT_TRUE(WinHttpSendRequest(r, WINHTTP_NO_ADDITIONAL_HEADERS, 0, nullptr, 0, 0, 0))
        << GetLastError();
    EXPECT_TRUE(WinHttpReceiveResponse(r, nullptr)) << GetLastError();
    return r;
}

// Responses in flight at the same time on one connection; one application reads none of its
// body (its stream window fills) while the others read theirs to the end.
TEST_P(Http2Sync, StalledReaderDoesNotBlockOthers) {
    Handle s = session();
    Handle c = connect(s);
    ASSERT_EQ(run_request_in(Mode::Sync, c, get(L"/h2/hello.txt")).status, 200u);
    const uint64_t before = nginx_->connections_accepted();
    Handle stalled = started(c, L"/h2/4m.bin");
    Handle a = started(c, L"/h2/4m.bin");
    Handle b = started(c, L"/1m.bin");
    std::string body_a, body_b;
    EXPECT_EQ(read_body(a, body_a, 65536), ERROR_SUCCESS);
    EXPECT_EQ(read_body(b, body_b, 65536), ERROR_SUCCESS);
    EXPECT_EQ(body_a, Nginx::pattern(4u << 20));
    EXPECT_EQ(body_b, Nginx::pattern(1u << 20));
    EXPECT_EQ(protocol_used(stalled), static_cast<DWORD>(WINHTTP_PROTOCOL_FLAG_HTTP2));
    // The stalled one still reads its whole body afterwards.
    std::string body_s;
    EXPECT_EQ(read_body(stalled, body_s, 65536), ERROR_SUCCESS);
    EXPECT_EQ(body_s.size(), 4u << 20);
    EXPECT_EQ(nginx_->connections_accepted() - before, 0u);
}

// Closing a request handle resets its stream (RST_STREAM CANCEL) and leaves the others alone.
TEST_P(Http2Sync, CloseOneStreamLeavesTheOthers) {
    Handle s = session();
    Handle c = connect(s);
    ASSERT_EQ(run_request_in(Mode::Sync, c, get(L"/h2/hello.txt")).status, 200u);
    const uint64_t before = nginx_->connections_accepted();
    Handle closed = started(c, L"/h2/4m.bin");
    Handle other = started(c, L"/h2/4m.bin");
    char buf[1000];
    DWORD n = 0;
    EXPECT_TRUE(WinHttpReadData(closed, buf, sizeof(buf), &n));
    closed.reset();
    std::string body;
    EXPECT_EQ(read_body(other, body, 65536), ERROR_SUCCESS);
    EXPECT_EQ(body, Nginx::pattern(4u << 20));
    const Response r = run_request_in(Mode::Sync, c, get(L"/h2/hello.txt"));
    EXPECT_EQ(r.body, "hello, h2\n") << r;
    EXPECT_EQ(nginx_->connections_accepted() - before, 0u);
}

// h2 and HTTP/1.1 connections are pooled apart: a session that enables h2 after an HTTP/1.1
// request to the same origin opens an h2 connection instead of reusing the HTTP/1.1 one.
TEST_P(Http2Sync, PoolKeepsH2ConnectionsApart) {
    Handle s = session(false);
    Handle c = connect(s);
    DWORD used = 0xFFFFFFFF;
    ASSERT_EQ(run_request_in(Mode::Sync, c, get(L"/h2/hello.txt", &used)).status, 200u);
    EXPECT_EQ(used, 0u);
    const uint64_t before = nginx_->connections_accepted();
    ASSERT_TRUE(set_dword_option(s, WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL, WINHTTP_PROTOCOL_FLAG_HTTP2));
    Handle c2 = connect(s);  // a connect handle takes the session's options when opened
    ASSERT_EQ(run_request_in(Mode::Sync, c2, get(L"/h2/hello.txt", &used)).status, 200u);
    EXPECT_EQ(used, static_cast<DWORD>(WINHTTP_PROTOCOL_FLAG_HTTP2));
    EXPECT_EQ(nginx_->connections_accepted() - before, 1u);
}

// h2 inside a CONNECT tunnel (issue 14: "proxies (h2 inside a CONNECT tunnel)"): through
// tinyproxy, the TLS handshake with the origin runs inside the tunnel and its ALPN chooses h2;
// the requests, sequential and concurrent, share that one tunnel and h2 connection.
TEST_P(Http2, InsideConnectTunnelThroughTinyproxy) {
    Tinyproxy& proxy = Tinyproxy::shared();
    Handle s(WinHttpOpen(L"h2-tunnel", WINHTTP_ACCESS_TYPE_NAMED_PROXY, proxy.address().c_str(),
                         WINHTTP_NO_PROXY_BYPASS, GetParam() == Mode::Async ? WINHTTP_FLAG_ASYNC : 0));
    ASSERT_TRUE(s) << GetLastError();
    WinHttpSetTimeouts(s, 5000, 5000, 5000, 5000);
    ASSERT_TRUE(set_dword_option(s, WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL, WINHTTP_PROTOCOL_FLAG_HTTP2));
    Handle c = connect(s);
    const size_t proxy_before = proxy.connections_accepted();
    const uint64_t origin_before = nginx_->connections_accepted();
    DWORD used = 0xFFFFFFFF;
    Response r = run_request_in(GetParam(), c, get(L"/h2/hello.txt", &used));
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.body, "hello, h2\n");
    EXPECT_EQ(used, static_cast<DWORD>(WINHTTP_PROTOCOL_FLAG_HTTP2));
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            DWORD u = 0;
            const Response x = run_request_in(GetParam(), c, get(L"/h2/hello.txt", &u));
            if (x.body == "hello, h2\n" && u == WINHTTP_PROTOCOL_FLAG_HTTP2)
                ++good;
            else
                ADD_FAILURE() << x;
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(good.load(), 4);
    EXPECT_EQ(proxy.connections_accepted() - proxy_before, 1u) << proxy.log();
    EXPECT_EQ(nginx_->connections_accepted() - origin_before, 1u);
    const std::string line =
        "CONNECT localhost:" + std::to_string(nginx_->tls_port(TlsPort::H2)) + " HTTP/1.1";
    bool seen = false;
    for (const auto& l : proxy.request_lines()) seen = seen || l == line;
    EXPECT_TRUE(seen) << proxy.log();
}

}  // namespace
