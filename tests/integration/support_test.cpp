// Tests of the test support itself (scripted server, nginx, callback recorder), driven by
// plain POSIX socket clients and direct calls, so a failure here points at the support code
// and not at the library.
#include "support/scripted_server.h"
#include "support/nginx.h"
#include "support/recorder.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cwchar>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace winhttp::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string get(std::string_view path, std::string_view extra_headers = {}) {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
           std::string(extra_headers) + "\r\n";
}

// Reads with one recv per call until the peer closes; returns the pieces as they arrived.
// (TcpClient's socket is non-blocking, so each recv waits in poll first, 5 s at most.)
std::vector<std::string> read_pieces(int fd) {
    std::vector<std::string> pieces;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) return pieces;
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return pieces;
        pieces.emplace_back(buf, static_cast<size_t>(n));
    }
}

std::string join(const std::vector<std::string>& pieces) {
    std::string out;
    for (const auto& p : pieces) out += p;
    return out;
}

std::string gunzip(const std::string& data) {
    z_stream z{};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return {};
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    std::string out;
    int rc = Z_OK;
    while (rc == Z_OK) {
        char buf[16384];
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END ? out : std::string();
}

// ---- ScriptedServer --------------------------------------------------------------------

const std::string kOk = http_response(200, "OK", {{"Content-Type", "text/plain"}}, "hi");

TEST(ScriptedServer, RecordsContentLengthRequestExactly) {
    ScriptedServer server({{Step::read_request(), Step::send(kOk)}});
    const std::string request =
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello";

    TcpClient client(server.port());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.send(request));

    EXPECT_EQ(client.read_response(), kOk);
    EXPECT_EQ(server.request(0), request);
    EXPECT_EQ(body_of(server.request(0)), "hello");
    EXPECT_TRUE(server.wait_done());
    EXPECT_TRUE(server.errors().empty());
}

TEST(ScriptedServer, RecordsChunkedRequestExactly) {
    ScriptedServer server({{Step::read_request(), Step::send(kOk)}});
    // A chunk extension and a trailer: read_request must frame them, not just "0\r\n\r\n".
    const std::string request =
        "POST /c HTTP/1.1\r\nHost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\n"
        "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n";

    TcpClient client(server.port());
    // Split inside the framing so the server must wait for the rest.
    ASSERT_TRUE(client.send(request.substr(0, 60)));
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(client.send(request.substr(60)));

    EXPECT_EQ(client.read_response(), kOk);
    EXPECT_EQ(server.request(0), request);
    EXPECT_EQ(body_of(server.request(0)), "hello, world");
    EXPECT_EQ(header_value(server.request(0), "Transfer-Encoding"), "chunked");
}

TEST(ScriptedServer, KeepsPipelinedBytesForTheNextStep) {
    ScriptedServer server({{Step::read_request(), Step::send(kOk), Step::read_request(),
                            Step::send(kOk), Step::read_bytes(3)}});

    TcpClient client(server.port());
    ASSERT_TRUE(client.send(get("/one") + get("/two") + "xyz"));

    EXPECT_EQ(client.read_response(), kOk);
    EXPECT_EQ(client.read_response(), kOk);
    EXPECT_EQ(server.request(0), get("/one"));
    EXPECT_EQ(server.request(1), get("/two"));
    EXPECT_EQ(server.request(2), "xyz");
}

TEST(ScriptedServer, ReadUntilStopsAtDelimiter) {
    ScriptedServer server(
        {{Step::read_until("\r\n\r\n"), Step::send("HTTP/1.1 100 Continue\r\n\r\n"),
          Step::read_bytes(4), Step::send(kOk)}});

    TcpClient client(server.port());
    ASSERT_TRUE(
        client.send("PUT /x HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
    EXPECT_EQ(client.read_response(), "HTTP/1.1 100 Continue\r\n\r\n");
    ASSERT_TRUE(client.send("body"));

    EXPECT_EQ(client.read_response(), kOk);
    EXPECT_EQ(server.request(0),
              "PUT /x HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(server.request(1), "body");
}

TEST(ScriptedServer, SendSplitWritesSeparatePieces) {
    const std::string response = http_response(200, "OK", {}, "0123456789");
    ScriptedServer server({{Step::send_split(response, 10, 30ms)}});

    TcpClient client(server.port());
    std::vector<std::string> pieces = read_pieces(client.fd());

    EXPECT_EQ(join(pieces), response);
    // 30 ms apart, the pieces arrive one by one; allow some coalescing on a busy machine.
    EXPECT_GE(pieces.size(), (response.size() + 9) / 10 / 2);
}

TEST(ScriptedServer, SendSlowlyTricklesOneByteAtATime) {
    ScriptedServer server({{Step::send_slowly("abcdef", 50ms)}});

    auto start = Clock::now();  // before connecting: the server cannot send earlier
    TcpClient client(server.port());
    std::vector<std::string> pieces = read_pieces(client.fd());

    EXPECT_EQ(join(pieces), "abcdef");
    // The elapsed time proves the gaps; the piece count only that the bytes did not come as
    // one write (a loaded machine may wake this reader late and coalesce a few).
    EXPECT_GE(pieces.size(), 2u);
    EXPECT_GE(Clock::now() - start, 250ms);  // five gaps of 50 ms
}

TEST(ScriptedServer, ResetGivesClientConnectionReset) {
    ScriptedServer server({{Step::read_request(), Step::reset()}});

    TcpClient client(server.port());
    ASSERT_TRUE(client.send(get("/")));
    std::string received = client.read_to_close();

    EXPECT_EQ(received, "");
    EXPECT_EQ(client.error(), ECONNRESET);
    EXPECT_FALSE(client.eof());
}

TEST(ScriptedServer, EndOfScriptClosesGracefully) {
    ScriptedServer server(
        {{Step::read_request(), Step::send("HTTP/1.1 200 OK\r\n\r\nuntil close")}});

    TcpClient client(server.port());
    ASSERT_TRUE(client.send(get("/") + "unread trailing bytes"));

    // The unread bytes must not turn the close into a reset.
    EXPECT_EQ(client.read_to_close(), "HTTP/1.1 200 OK\r\n\r\nuntil close");
    EXPECT_TRUE(client.eof());
    EXPECT_EQ(client.error(), 0);
}

TEST(ScriptedServer, ShutdownWriteStillReads) {
    ScriptedServer server({{Step::shutdown_write(), Step::read_request()}});

    TcpClient client(server.port());
    EXPECT_EQ(client.read_to_close(), "");
    EXPECT_TRUE(client.eof());
    ASSERT_TRUE(client.send(get("/after-fin")));

    EXPECT_EQ(server.request(0), get("/after-fin"));
}

TEST(ScriptedServer, StallEndsWhenClientCloses) {
    ScriptedServer server({{Step::stall()}});

    TcpClient client(server.port());
    ASSERT_TRUE(client.send("never read"));
    ASSERT_TRUE(server.wait_done(1, 200ms) == false);  // still stalled
    client.close();

    EXPECT_TRUE(server.wait_done(1, 5s));
    EXPECT_TRUE(server.errors().empty());
}

TEST(ScriptedServer, DestructorStopsStalledConnectionsPromptly) {
    auto server = std::make_unique<ScriptedServer>(std::vector<Script>{{Step::stall()}});
    TcpClient client(server->port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(server->wait_done(1, 100ms) == false);

    auto start = Clock::now();
    server.reset();

    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_EQ(client.read_to_close(1s), "");
    EXPECT_TRUE(client.eof() || client.error() == ECONNRESET);
}

TEST(ScriptedServer, ConnectionsFollowTheirOwnScriptsThenRepeatTheLast) {
    ScriptedServer server({{Step::send("first")}, {Step::send("second")}});

    std::vector<std::string> got;
    for (int i = 0; i < 3; ++i) {
        TcpClient client(server.port());
        got.push_back(client.read_to_close());
        ASSERT_TRUE(server.wait_done(static_cast<size_t>(i + 1)));  // keep accept order fixed
    }

    EXPECT_EQ(got, (std::vector<std::string>{"first", "second", "second"}));
    EXPECT_EQ(server.connections_accepted(), 3u);
}

TEST(ScriptedServer, UnexpectedConnectionIsReportedWhenNotRepeating) {
    ScriptedServer server({{Step::send("only")}}, {.repeat_last_script = false});

    TcpClient first(server.port());
    EXPECT_EQ(first.read_to_close(), "only");
    TcpClient second(server.port());
    EXPECT_EQ(second.read_to_close(), "");
    ASSERT_TRUE(server.wait_done(2));

    ASSERT_EQ(server.errors().size(), 1u);
    EXPECT_NE(server.errors()[0].find("connection 1"), std::string::npos);
}

TEST(ScriptedServer, ReadTimeoutIsReportedAndBounded) {
    ScriptedServer server({{Step::read_request()}}, {.io_timeout = 200ms});

    TcpClient client(server.port());
    ASSERT_TRUE(client.send("GET / HTTP/1.1\r\n"));  // head never finishes

    ASSERT_TRUE(server.wait_done(1, 5s));
    ASSERT_EQ(server.errors().size(), 1u);
    EXPECT_NE(server.errors()[0].find("read_request: timed out"), std::string::npos)
        << server.errors()[0];
}

TEST(ScriptedServer, RequestThatNeverArrivesFailsTheTest) {
    ScriptedServer server({{Step::read_request()}});

    EXPECT_NONFATAL_FAILURE(server.request(0, 50ms), "request 0 not received within 50 ms");
}

TEST(ScriptedServer, ListensOnIpv6Loopback) {
    if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback on this machine";
    ScriptedServer server({{Step::read_request(), Step::send(kOk)}}, {.ipv6 = true});

    TcpClient client(server.port(), /*ipv6=*/true);
    ASSERT_TRUE(client.send(get("/six")));

    EXPECT_EQ(client.read_response(), kOk);
    EXPECT_EQ(server.request(0), get("/six"));
    EXPECT_STREQ(server.host(), "::1");
}

TEST(ScriptedServer, HttpResponseKeepsExplicitFraming) {
    EXPECT_EQ(http_response(204, "No Content"),
              "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(http_response(200, "OK", {{"Transfer-Encoding", "chunked"}}, chunked("abc")),
              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    EXPECT_EQ(chunked("abcde", 2), "2\r\nab\r\n2\r\ncd\r\n1\r\ne\r\n0\r\n\r\n");
}

// ---- Nginx -------------------------------------------------------------------------------

TEST(Nginx, ServesHelloTxt) {
    Nginx& nginx = Nginx::shared();

    TcpClient client(nginx.port());
    ASSERT_TRUE(client.send(get("/hello.txt")));
    std::string response = client.read_response();

    EXPECT_EQ(start_line(response), "HTTP/1.1 200 OK");
    EXPECT_EQ(header_value(response, "Content-Length"), "13");
    EXPECT_EQ(body_of(response), "hello, world\n");
}

TEST(Nginx, ServesPrecreatedAndMadeFiles) {
    Nginx& nginx = Nginx::shared();
    nginx.make_file("made/5000.bin", 5000);
    nginx.write_file("/made/note.txt", "note");

    TcpClient client(nginx.port());
    for (auto [path, body] :
         std::vector<std::pair<std::string, std::string>>{{"/100.bin", Nginx::pattern(100)},
                                                          {"/16k.bin", Nginx::pattern(16 * 1024)},
                                                          {"/1m.bin", Nginx::pattern(1024 * 1024)},
                                                          {"/made/5000.bin", Nginx::pattern(5000)},
                                                          {"/made/note.txt", "note"}}) {
        ASSERT_TRUE(client.send(get(path)));
        std::string response = client.read_response();
        EXPECT_EQ(start_line(response), "HTTP/1.1 200 OK") << path;
        EXPECT_TRUE(body_of(response) == body) << path;  // no 1 MiB diff dump on failure
    }
}

TEST(Nginx, KeepAliveReuseShowsInConnectionsAccepted) {
    Nginx& nginx = Nginx::shared();
    uint64_t before = nginx.connections_accepted();

    {
        TcpClient client(nginx.port());
        for (int i = 0; i < 3; ++i) {
            ASSERT_TRUE(client.send(get("/hello.txt")));
            EXPECT_EQ(body_of(client.read_response()), "hello, world\n");
        }
    }
    uint64_t after_one_connection = nginx.connections_accepted();
    {
        TcpClient client(nginx.port());
        ASSERT_TRUE(client.send(get("/hello.txt")));
        EXPECT_EQ(body_of(client.read_response()), "hello, world\n");
    }

    EXPECT_EQ(after_one_connection - before, 1u);
    EXPECT_EQ(nginx.connections_accepted() - before, 2u);
}

TEST(Nginx, GzipLocationCompressesOnAcceptEncoding) {
    Nginx& nginx = Nginx::shared();
    TcpClient client(nginx.port());

    ASSERT_TRUE(client.send(get("/gz/text.txt", "Accept-Encoding: gzip\r\n")));
    std::string gzipped = client.read_response();
    ASSERT_TRUE(client.send(get("/gz/text.txt")));
    std::string plain = client.read_response();

    EXPECT_EQ(header_value(gzipped, "Content-Encoding"), "gzip");
    std::string text = gunzip(body_of(gzipped));
    EXPECT_EQ(text.size(), 100u * 1024);
    EXPECT_LT(body_of(gzipped).size(), text.size() / 4);
    EXPECT_EQ(header_value(plain, "Content-Encoding"), std::nullopt);
    EXPECT_TRUE(body_of(plain) == text);
}

TEST(Nginx, RedirectLocations) {
    Nginx& nginx = Nginx::shared();
    TcpClient client(nginx.port());
    auto location_of = [&](std::string_view path) {
        EXPECT_TRUE(client.send(get(path)));
        std::string response = client.read_response();
        return start_line(response) + " -> " + header_value(response, "Location").value_or("");
    };
    const std::string base = "http://127.0.0.1:" + std::to_string(nginx.port());

    EXPECT_EQ(location_of("/redirect/a"),
              "HTTP/1.1 302 Moved Temporarily -> " + base + "/hello.txt");
    EXPECT_EQ(location_of("/redirect307/b"),
              "HTTP/1.1 307 Temporary Redirect -> " + base + "/hello.txt");
    EXPECT_EQ(location_of("/redirect-loop"),
              "HTTP/1.1 302 Moved Temporarily -> " + base + "/redirect-loop");
}

TEST(Nginx, ListensOnIpv6LoopbackWhenAvailable) {
    Nginx& nginx = Nginx::shared();
    if (!nginx.has_ipv6()) GTEST_SKIP() << "no IPv6 loopback on this machine";

    TcpClient client(nginx.port(), /*ipv6=*/true);
    ASSERT_TRUE(client.send(get("/hello.txt")));

    EXPECT_EQ(body_of(client.read_response()), "hello, world\n");
}

// ---- CallbackRecorder ----------------------------------------------------------------------

TEST(CallbackRecorder, CopiesPayloadsByStatus) {
    CallbackRecorder rec;
    HINTERNET request = reinterpret_cast<HINTERNET>(uintptr_t{0x30});
    HINTERNET created = reinterpret_cast<HINTERNET>(uintptr_t{0x31});
    DWORD sent = 77;
    WINHTTP_ASYNC_RESULT failure{API_RECEIVE_RESPONSE, ERROR_WINHTTP_TIMEOUT};
    wchar_t url[] = L"http://127.0.0.1/next";
    char data[] = "abc";

    CallbackRecorder::record(request, rec.context(), WINHTTP_CALLBACK_STATUS_HANDLE_CREATED,
                             &created, sizeof created);
    CallbackRecorder::record(request, rec.context(), WINHTTP_CALLBACK_STATUS_REQUEST_SENT, &sent,
                             sizeof sent);
    CallbackRecorder::record(request, rec.context(), WINHTTP_CALLBACK_STATUS_REDIRECT, url,
                             static_cast<DWORD>(std::wcslen(url) + 1));
    CallbackRecorder::record(request, rec.context(), WINHTTP_CALLBACK_STATUS_READ_COMPLETE, data,
                             3);
    CallbackRecorder::record(request, rec.context(), WINHTTP_CALLBACK_STATUS_REQUEST_ERROR,
                             &failure, sizeof failure);

    std::vector<CallbackEvent> events = rec.events();
    ASSERT_EQ(events.size(), 5u);
    EXPECT_EQ(events[0].handle_value, created);
    EXPECT_EQ(events[1].value, 77u);
    EXPECT_EQ(events[2].text, L"http://127.0.0.1/next");
    EXPECT_EQ(events[3].bytes, "abc");
    EXPECT_EQ(events[3].info, data);
    EXPECT_EQ(events[4].result.dwResult, DWORD_PTR{API_RECEIVE_RESPONSE});
    EXPECT_EQ(events[4].result.dwError, DWORD{ERROR_WINHTTP_TIMEOUT});
    EXPECT_EQ(events[4].thread, std::this_thread::get_id());
    EXPECT_EQ(rec.index_of(WINHTTP_CALLBACK_STATUS_REDIRECT, request), 2u);
    EXPECT_EQ(rec.index_of(WINHTTP_CALLBACK_STATUS_REDIRECT, created), CallbackRecorder::npos);
    EXPECT_NE(rec.dump().find("REQUEST_ERROR"), std::string::npos);
}

TEST(CallbackRecorder, WaitsForEventsFromOtherThreads) {
    CallbackRecorder rec;
    std::atomic<int> reactions{0};
    rec.set_reaction([&](HINTERNET, DWORD status, LPVOID, DWORD) {
        if (status == WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE) ++reactions;
    });
    HINTERNET h = reinterpret_cast<HINTERNET>(uintptr_t{0x40});

    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            for (int j = 0; j < 100; ++j) {
                DWORD available = 5;
                CallbackRecorder::record(h, rec.context(), WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE,
                                         &available, sizeof available);
            }
        });
    }

    EXPECT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE, 400, 5s));
    for (auto& t : threads) t.join();
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE, h), 400u);
    EXPECT_EQ(reactions.load(), 400);
    EXPECT_FALSE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, 20ms));
}

TEST(CallbackRecorder, ZeroContextIsCountedNotRecorded) {
    size_t before = CallbackRecorder::ignored();

    CallbackRecorder::record(nullptr, 0, WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, nullptr, 0);

    EXPECT_EQ(CallbackRecorder::ignored(), before + 1);
}

}  // namespace
}  // namespace winhttp::test
