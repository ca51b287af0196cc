// The HTTP/1.1 integration tests that talk to nginx run again over HTTP/2 (issue 14: "everything
// the HTTP/1.1 tests check also passes over h2 where the protocol allows"). A test takes a
// Protocol parameter and builds its chain with ProtocolClient:
//
//   Http11     cleartext HTTP/1.1 to nginx.port() (what the test checked before)
//   Http11Tls  HTTP/1.1 over TLS to nginx's h2 listener (TlsPort::H2) with h2 not offered
//   H2         HTTP/2 to the same listener (WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL)
//
// The suites run kBothProtocols (Http11, H2): every ctest entry starts its own nginx (about a
// second), so a third mode would cost a minute per tree. Http11Tls and H2 differ in the protocol
// alone (same listener, same config): add Http11Tls to a suite's values to tell a TLS difference
// from an HTTP/2 one (the suites whose HTTP/1.1 case was over TLS run it already).
// expect_protocol() checks WINHTTP_OPTION_HTTP_PROTOCOL_USED after the exchange, so a silent
// fallback to HTTP/1.1 cannot make an H2 case pass.
#pragma once
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "integration/http_test_util.h"
#include "support/nginx.h"

namespace itest {

enum class Protocol { Http11, Http11Tls, H2 };

inline const char* protocol_name(Protocol p) {
    switch (p) {
    case Protocol::Http11: return "Http11";
    case Protocol::Http11Tls: return "Http11Tls";
    case Protocol::H2: return "H2";
    }
    return "?";
}

inline const auto kBothProtocols = ::testing::Values(Protocol::Http11, Protocol::H2);

struct ProtocolName {
    template <class Info>
    std::string operator()(const Info& info) const {
        return protocol_name(info.param);
    }
};

// One nginx endpoint in the protocol `p`: server name, port, open flags, base URL.
class ProtocolClient {
public:
    explicit ProtocolClient(Protocol p) : p_(p), nginx_(winhttp::test::Nginx::shared()) {
        // The test CA for the TLS modes (the same environment variable http2_test.cpp uses).
        if (tls()) ::setenv("SSL_CERT_FILE", nginx_.certificates().ca_file().c_str(), 1);
    }
    ~ProtocolClient() {
        if (tls()) ::unsetenv("SSL_CERT_FILE");
    }
    ProtocolClient(const ProtocolClient&) = delete;
    ProtocolClient& operator=(const ProtocolClient&) = delete;

    Protocol protocol() const { return p_; }
    bool tls() const { return p_ != Protocol::Http11; }
    winhttp::test::Nginx& nginx() const { return nginx_; }
    const wchar_t* host() const { return tls() ? L"localhost" : L"127.0.0.1"; }
    INTERNET_PORT port() const {
        return tls() ? nginx_.tls_port(winhttp::test::TlsPort::H2) : nginx_.port();
    }
    DWORD open_flags() const { return tls() ? WINHTTP_FLAG_SECURE : 0; }
    // "http://127.0.0.1:<port>" or "https://localhost:<port>": WINHTTP_OPTION_URL's prefix.
    std::wstring base_url() const {
        return std::wstring(tls() ? L"https://" : L"http://") + host() + L":" +
               std::to_wstring(port());
    }

    // Enables HTTP/2 on a session (or request) handle in H2 mode; nothing otherwise.
    void enable(HINTERNET h) const {
        if (p_ == Protocol::H2)
            EXPECT_TRUE(set_dword_option(h, WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL,
                                         WINHTTP_PROTOCOL_FLAG_HTTP2))
                << GetLastError();
    }
    // A session in this protocol (5 s timeouts), `flags` as for WinHttpOpen.
    Handle session(DWORD flags = 0) const {
        Handle s = open_session(flags);
        EXPECT_TRUE(s) << GetLastError();
        if (!s) return s;
        WinHttpSetTimeouts(s, 5000, 5000, 5000, 5000);
        enable(s);
        return s;
    }
    Handle connect(HINTERNET session) const {
        Handle c(WinHttpConnect(session, host(), port(), 0));
        EXPECT_TRUE(c) << GetLastError();
        return c;
    }
    Handle request(HINTERNET connect, const wchar_t* verb, const wchar_t* path) const {
        return open_request(connect, verb, path, open_flags());
    }
    // Session -> connect -> request, as open_client() builds them.
    Client client(const wchar_t* verb, const wchar_t* path) const {
        Client c;
        c.session = session();
        if (c.session) c.connect = connect(c.session);
        if (c.connect) c.request = request(c.connect, verb, path);
        return c;
    }

    // WINHTTP_OPTION_HTTP_PROTOCOL_USED of a request that has received its response.
    static DWORD used(HINTERNET request) {
        DWORD used = 0xFFFFFFFF, len = sizeof(used);
        EXPECT_TRUE(WinHttpQueryOption(request, WINHTTP_OPTION_HTTP_PROTOCOL_USED, &used, &len))
            << GetLastError();
        return used;
    }
    DWORD expected_used() const {
        return p_ == Protocol::H2 ? static_cast<DWORD>(WINHTTP_PROTOCOL_FLAG_HTTP2) : 0u;
    }
    // The exchange of `request` used this mode's protocol (no silent fallback to HTTP/1.1).
    void expect_protocol(HINTERNET request) const {
        EXPECT_EQ(used(request), expected_used()) << "protocol used by a " << protocol_name(p_)
                                                  << " request";
    }

private:
    Protocol p_;
    winhttp::test::Nginx& nginx_;
};

}  // namespace itest
