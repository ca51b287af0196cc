// A Windows-style client against a real server (nginx on 127.0.0.1): status and body, HEAD,
// large bodies byte for byte, FILL_BUFFER reads, connection reuse and decompression.
//
// Every protocol-neutral case runs twice (protocol_util.h): cleartext HTTP/1.1 and HTTP/2
// against nginx's h2 listener. HTTP/1.1 only, and why:
//   KeepAlive.DisableKeepAliveOpensOneConnectionPerRequest  "Connection: close" per request
//       has no HTTP/2 form (RFC 9113 §8.2.2 forbids connection-specific fields)
//   WindowsStyleClient.Ipv6LoopbackLiteralReachesNginx      nginx's TLS listeners are on
//       127.0.0.1 only; the check is about the address literal, not the protocol
#include <winhttp.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "http_test_util.h"
#include "protocol_util.h"
#include "support/nginx.h"

using namespace itest;
using winhttp::test::Nginx;

namespace {

std::string nginx_file(const std::string& name) {
    std::ifstream f(Nginx::shared().root() + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

class NginxProtocols : public ::testing::TestWithParam<Protocol> {
protected:
    ProtocolClient p_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Protocols, NginxProtocols, kBothProtocols, ProtocolName());

}  // namespace

// ===== A Windows-style client against nginx ==================================================

// WinHttpReceiveResponse page: when it succeeds "the status code and response headers have been
// received"; WinHttpReadData page: TRUE with zero bytes read means the transfer is complete.
TEST_P(NginxProtocols, GetHelloTxtGivesStatusHeadersAndBody) {
    const std::string expected = nginx_file("hello.txt");
    ASSERT_EQ(expected, "hello, world\n");

    SetLastError(kSentinel);
    Handle session(WinHttpOpen(kAgent, WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                               WINHTTP_NO_PROXY_BYPASS, 0));
    ASSERT_NE(session.get(), nullptr) << GetLastError();
    set_timeouts(session);
    p_.enable(session);
    Handle connect(WinHttpConnect(session, p_.host(), p_.port(), 0));
    ASSERT_NE(connect.get(), nullptr) << GetLastError();
    Handle request(WinHttpOpenRequest(connect, L"GET", L"/hello.txt", nullptr, WINHTTP_NO_REFERER,
                                      WINHTTP_DEFAULT_ACCEPT_TYPES, p_.open_flags()));
    ASSERT_NE(request.get(), nullptr) << GetLastError();

    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpAddRequestHeaders(request, L"X-Client: itest\r\nAccept-Language: en",
                                         static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);

    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
        << GetLastError();
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);

    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpReceiveResponse(request, nullptr)) << GetLastError();
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);

    DWORD status = 0, size = sizeof(status);
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                    WINHTTP_HEADER_NAME_BY_INDEX, &status, &size,
                                    WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(status, 200u);
    EXPECT_EQ(size, sizeof(DWORD));

    DWORD length = 0;
    size = sizeof(length);
    ASSERT_TRUE(WinHttpQueryHeaders(request,
                                    WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER,
                                    WINHTTP_HEADER_NAME_BY_INDEX, &length, &size,
                                    WINHTTP_NO_HEADER_INDEX));
    EXPECT_EQ(length, expected.size());

    // The classic loop: QueryDataAvailable, then ReadData that much, until 0.
    std::string body;
    for (int i = 0; i < 1000; ++i) {
        DWORD available = 0xFFFFFFFF;
        SetLastError(kSentinel);
        ASSERT_TRUE(WinHttpQueryDataAvailable(request, &available)) << GetLastError();
        EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
        if (available == 0) break;
        ASSERT_LE(available, expected.size());
        std::string chunk(available, '\0');
        DWORD read = 0xFFFFFFFF;
        SetLastError(kSentinel);
        ASSERT_TRUE(WinHttpReadData(request, chunk.data(), available, &read)) << GetLastError();
        EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
        ASSERT_GT(read, 0u);
        ASSERT_LE(read, available);
        body.append(chunk.data(), read);
    }
    EXPECT_EQ(body, expected);

    // After the end, ReadData keeps returning TRUE with 0 bytes.
    char extra[16];
    DWORD read = 0xFFFFFFFF;
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpReadData(request, extra, sizeof(extra), &read));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(read, 0u);
    p_.expect_protocol(request);

    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpCloseHandle(request.release()));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
}

// RFC 9110 §9.3.2 (HEAD has no content); WinHttpReadData page: zero bytes read = complete.
TEST_P(NginxProtocols, HeadHasHeadersButNoBody) {
    Client c = p_.client(L"HEAD", L"/hello.txt");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0))
        << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(status_code(c.request), 200u);
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_CONTENT_LENGTH),
              std::to_wstring(nginx_file("hello.txt").size()));

    DWORD available = 0xFFFFFFFF;
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpQueryDataAvailable(c.request, &available));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(available, 0u);
    char buf[64];
    DWORD read = 0xFFFFFFFF;
    EXPECT_TRUE(WinHttpReadData(c.request, buf, sizeof(buf), &read));
    EXPECT_EQ(read, 0u);
    p_.expect_protocol(c.request);
}

// WinHttpReadData page: reads up to dwNumberOfBytesToRead; the body arrives in order, whole.
TEST_P(NginxProtocols, OneMebibyteWithOneKibibyteBufferIsByteExact) {
    const std::string expected = Nginx::pattern(1u << 20);
    ASSERT_EQ(nginx_file("1m.bin"), expected);
    Client c = p_.client(L"GET", L"/1m.bin");
    ASSERT_TRUE(c.request);
    std::string body;
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(read_body(c.request, body, 1024), ERROR_SUCCESS);
    ASSERT_EQ(body.size(), expected.size());
    EXPECT_TRUE(body == expected) << "1 MiB body differs";
    p_.expect_protocol(c.request);
}

TEST_P(NginxProtocols, OneMebibyteWithLargeBufferIsByteExact) {
    const std::string expected = Nginx::pattern(1u << 20);
    Client c = p_.client(L"GET", L"/1m.bin");
    ASSERT_TRUE(c.request);
    std::string body;
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    EXPECT_EQ(read_body(c.request, body, 4u << 20), ERROR_SUCCESS);
    ASSERT_EQ(body.size(), expected.size());
    EXPECT_TRUE(body == expected) << "1 MiB body differs";
    p_.expect_protocol(c.request);
}

// WinHttpReadDataEx page: with WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER the call does not complete
// until the buffer is full or the response is complete.
TEST_P(NginxProtocols, FillBufferFillsTheWholeBufferFromNginx) {
    const std::string expected = Nginx::pattern(16384);
    ASSERT_EQ(expected.size(), 16384u);
    Client c = p_.client(L"GET", L"/16k.bin");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, 0));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();

    std::string got;
    std::vector<char> buf(10000);
    DWORD read = 0xFFFFFFFF;
    EXPECT_EQ(WinHttpReadDataEx(c.request, buf.data(), 10000, &read,
                                WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER, 0, nullptr),
              static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(read, 10000u);
    got.append(buf.data(), std::min<DWORD>(read, 10000));
    read = 0xFFFFFFFF;
    EXPECT_EQ(WinHttpReadDataEx(c.request, buf.data(), 10000, &read,
                                WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER, 0, nullptr),
              static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(read, 6384u);
    got.append(buf.data(), std::min<DWORD>(read, 10000));
    read = 0xFFFFFFFF;
    EXPECT_EQ(WinHttpReadDataEx(c.request, buf.data(), 10000, &read,
                                WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER, 0, nullptr),
              static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(read, 0u);
    EXPECT_TRUE(got == expected);
    p_.expect_protocol(c.request);
}

// WINHTTP_OPTION_DISABLE_FEATURE (Option Flags page) exists because keep-alive is the default:
// sequential requests on one session share one pooled connection (over h2: one connection
// carries every stream, issue 14).
TEST_P(NginxProtocols, SequentialRequestsOnOneSessionReuseOneConnection) {
    Nginx& nginx = p_.nginx();
    const uint64_t before = nginx.connections_accepted();
    {
        Handle session = p_.session();
        Handle connect = p_.connect(session);
        ASSERT_TRUE(connect);
        for (int i = 0; i < 3; ++i) {
            Handle r = p_.request(connect, L"GET", L"/hello.txt");
            Outcome o = run_request(r);
            ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage << " of request " << i;
            EXPECT_EQ(o.body, nginx_file("hello.txt"));
            p_.expect_protocol(r);
        }
    }
    EXPECT_EQ(nginx.connections_accepted() - before, 1u);
}

// Option Flags page, WINHTTP_DISABLE_KEEP_ALIVE: "Disables keep-alive semantics for the
// connection": every request opens its own connection.
TEST(KeepAlive, DisableKeepAliveOpensOneConnectionPerRequest) {
    Nginx& nginx = Nginx::shared();
    const uint64_t before = nginx.connections_accepted();
    {
        Handle session = open_session();
        set_timeouts(session);
        Handle connect(WinHttpConnect(session, L"127.0.0.1", nginx.port(), 0));
        ASSERT_TRUE(connect);
        for (int i = 0; i < 3; ++i) {
            Handle r = open_request(connect, L"GET", L"/hello.txt");
            SetLastError(kSentinel);
            ASSERT_TRUE(set_dword_option(r, WINHTTP_OPTION_DISABLE_FEATURE,
                                         WINHTTP_DISABLE_KEEP_ALIVE))
                << GetLastError();
            Outcome o = run_request(r);
            ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage << " of request " << i;
        }
    }
    EXPECT_EQ(nginx.connections_accepted() - before, 3u);
}

// Option Flags page, WINHTTP_OPTION_DECOMPRESSION: WinHTTP asks for and decodes gzip/deflate
// content; the application reads the decoded body.
TEST_P(NginxProtocols, DecompressionOptionGivesDecodedBodyFromNginx) {
    const std::string expected = nginx_file("gz/text.txt");
    ASSERT_FALSE(expected.empty());
    Client c = p_.client(L"GET", L"/gz/text.txt");
    ASSERT_TRUE(c.request);
    SetLastError(kSentinel);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_DECOMPRESSION,
                                 WINHTTP_DECOMPRESSION_FLAG_ALL))
        << GetLastError();
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, expected);
    // The request did ask for compression.
    std::wstring ae = header(c.request, WINHTTP_QUERY_ACCEPT_ENCODING |
                                            WINHTTP_QUERY_FLAG_REQUEST_HEADERS);
    EXPECT_NE(ae.find(L"gzip"), std::wstring::npos) << narrow(ae);
    p_.expect_protocol(c.request);
}

// Without the option nothing is decoded: an application that asks for gzip itself gets the
// compressed bytes (and Content-Encoding) as the server sent them.
TEST_P(NginxProtocols, WithoutDecompressionOptionBodyArrivesCompressed) {
    const std::string expected = nginx_file("gz/text.txt");
    Client c = p_.client(L"GET", L"/gz/text.txt");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request, L"Accept-Encoding: gzip",
                                         static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(header(c.request, WINHTTP_QUERY_CONTENT_ENCODING), L"gzip");
    ASSERT_GE(o.body.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(o.body[0]), 0x1fu);
    EXPECT_EQ(static_cast<unsigned char>(o.body[1]), 0x8bu);
    EXPECT_EQ(gunzip(o.body), expected);
    p_.expect_protocol(c.request);
}

// WinHttpConnect page: pswzServerName may be an IP address; a bracketed IPv6 literal reaches
// nginx on [::1].
TEST(WindowsStyleClient, Ipv6LoopbackLiteralReachesNginx) {
    Nginx& nginx = Nginx::shared();
    if (!nginx.has_ipv6()) GTEST_SKIP() << "nginx has no [::1] listener here";
    Client c = open_client(nginx.port(), L"GET", L"/hello.txt", L"[::1]");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 200u);
    EXPECT_EQ(o.body, "hello, world\n");
    EXPECT_EQ(query_url(c.request),
              L"http://[::1]:" + std::to_wstring(nginx.port()) + L"/hello.txt");
}
