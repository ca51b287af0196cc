// The session cookie jar on synchronous requests: Set-Cookie from one response comes back as
// Cookie on the next request of the same session, not with WINHTTP_DISABLE_COOKIES and never
// across sessions.
//
// The scripted-server cases check the exact Cookie lines of the HTTP/1.1 request head and close
// the connection after each response, so they stay HTTP/1.1 only. The same jar rules run again
// against nginx (/cookie/plain, /cookie/two, /cookie/echo) over HTTP/1.1 and HTTP/2
// (protocol_util.h): over h2 nginx sees the cookies HPACK-coded, possibly as
// separate cookie fields (RFC 9113 §8.2.3), and echoes them joined with "; ".
#include <winhttp.h>

#include <gtest/gtest.h>

#include "http_test_util.h"
#include "protocol_util.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::Script;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;

namespace {

// Each response closes its connection, so every request of a test has its own script.
Script respond(const std::string& extra_headers, const std::string& body = "") {
    return {Step::read_request(),
            Step::send("HTTP/1.1 200 OK\r\n" + extra_headers + "Content-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body),
            Step::close()};
}

// Runs GET `path` on a new request of `connect`; `disable` is a WINHTTP_DISABLE_* mask or 0.
void get(HINTERNET connect, const wchar_t* path, DWORD disable = 0) {
    Handle r = open_request(connect, L"GET", path);
    ASSERT_TRUE(r);
    if (disable) {
        SetLastError(kSentinel);
        ASSERT_TRUE(set_dword_option(r, WINHTTP_OPTION_DISABLE_FEATURE, disable)) << GetLastError();
        EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    }
    Outcome o = run_request(r);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
}

// The Cookie header lines of a recorded request head.
std::vector<std::string> cookie_lines(const std::string& request) {
    std::vector<std::string> out;
    const std::string head = request.substr(0, request.find("\r\n\r\n") + 2);
    size_t pos = 0;
    while ((pos = head.find("\r\nCookie:", pos)) != std::string::npos) {
        pos += 2;
        out.push_back(head.substr(pos, head.find("\r\n", pos) - pos));
    }
    return out;
}

struct Session {
    Handle session, connect;
    explicit Session(INTERNET_PORT port, const wchar_t* host = L"127.0.0.1") {
        session = open_session();
        EXPECT_TRUE(session);
        WinHttpSetTimeouts(session, 5000, 5000, 5000, 5000);
        connect = Handle(WinHttpConnect(session, host, port, 0));
        EXPECT_TRUE(connect);
    }
};

class CookieProtocols : public ::testing::TestWithParam<Protocol> {
protected:
    // GET `path` on a new request of `connect` in the test's protocol; returns the body.
    std::string get_body(HINTERNET connect, const wchar_t* path, DWORD disable = 0) {
        Handle r = p_.request(connect, L"GET", path);
        EXPECT_TRUE(r);
        if (!r) return "<no request>";
        if (disable) EXPECT_TRUE(set_dword_option(r, WINHTTP_OPTION_DISABLE_FEATURE, disable));
        Outcome o = run_request(r);
        EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
        EXPECT_EQ(status_code(r), 200u);
        p_.expect_protocol(r);
        return o.body;
    }
    ProtocolClient p_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Protocols, CookieProtocols, kBothProtocols, ProtocolName());

// The cases that need an HTTPS origin: over h2 here (over HTTP/1.1 in https_test.cpp).
class TlsCookieProtocols : public CookieProtocols {};
INSTANTIATE_TEST_SUITE_P(Protocols, TlsCookieProtocols, ::testing::Values(Protocol::H2),
                         ProtocolName());

}  // namespace

// ===== nginx, HTTP/1.1 and HTTP/2 =============================================================

// Option Flags page, WINHTTP_DISABLE_COOKIES: cookies are kept per session by default.
TEST_P(CookieProtocols, SetCookieComesBackOnTheNextRequestOfTheSameSession) {
    Handle s = p_.session();
    Handle c = p_.connect(s);
    EXPECT_EQ(get_body(c, L"/cookie/echo"), "");
    EXPECT_EQ(get_body(c, L"/cookie/plain"), "set");
    EXPECT_EQ(get_body(c, L"/cookie/echo"), "s=from-http");
}

// RFC 6265 §5.4: every cookie of the jar that matches goes in the request (one Cookie line in
// HTTP/1.1, RFC 6265 §5.4 step 4; HTTP/2 may carry them as separate fields).
TEST_P(CookieProtocols, CookiesFromSeveralResponsesAreSentTogether) {
    Handle s = p_.session();
    Handle c = p_.connect(s);
    EXPECT_EQ(get_body(c, L"/cookie/two"), "set");
    EXPECT_EQ(get_body(c, L"/cookie/plain"), "set");
    const std::string echoed = get_body(c, L"/cookie/echo");
    for (const char* want : {"a=1", "b=2", "s=from-http"})
        EXPECT_NE(echoed.find(want), std::string::npos) << want << " missing from " << echoed;
    EXPECT_EQ(echoed.size(), std::string("a=1; b=2; s=from-http").size()) << echoed;
}

TEST_P(CookieProtocols, DisableCookiesOnTheNextRequestSendsNoCookie) {
    Handle s = p_.session();
    Handle c = p_.connect(s);
    EXPECT_EQ(get_body(c, L"/cookie/plain"), "set");
    EXPECT_EQ(get_body(c, L"/cookie/echo", WINHTTP_DISABLE_COOKIES), "");
    EXPECT_EQ(get_body(c, L"/cookie/echo"), "s=from-http");
}

TEST_P(CookieProtocols, AreNotSharedAcrossSessions) {
    {
        Handle s = p_.session();
        Handle c = p_.connect(s);
        EXPECT_EQ(get_body(c, L"/cookie/plain"), "set");
    }
    Handle s = p_.session();
    Handle c = p_.connect(s);
    EXPECT_EQ(get_body(c, L"/cookie/echo"), "");
}

// RFC 6265 §5.3 step 12 / §8.6: a Secure cookie from an HTTPS response is stored and sent
// over HTTPS (from cleartext HTTP it is refused: a scripted case below).
TEST_P(TlsCookieProtocols, SecureCookieFromHttpsComesBackOverHttps) {
    Handle s = p_.session();
    Handle c = p_.connect(s);
    EXPECT_EQ(get_body(c, L"/cookie/secure"), "set");
    EXPECT_EQ(get_body(c, L"/cookie/echo"), "s=from-https");
}

// ===== Scripted server, HTTP/1.1 =============================================================

// Option Flags page, WINHTTP_DISABLE_COOKIES exists because WinHTTP keeps cookies per session by
// default: a cookie set by one response is sent with the next request.
TEST(Cookies, SetCookieComesBackOnTheNextRequestOfTheSameSession) {
    ScriptedServer server({respond("Set-Cookie: sid=abc123; Path=/\r\n"), respond("")});
    Session s(server.port());
    get(s.connect, L"/login");
    get(s.connect, L"/account");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_TRUE(cookie_lines(wire[0]).empty()) << wire[0];
    EXPECT_EQ(cookie_lines(wire[1]), std::vector<std::string>{"Cookie: sid=abc123"}) << wire[1];
}

// Several cookies from several responses travel together in one Cookie header.
TEST(Cookies, CookiesFromSeveralResponsesAreSentTogether) {
    ScriptedServer server({respond("Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\n"),
                           respond("Set-Cookie: c=3; Path=/\r\n"), respond("")});
    Session s(server.port());
    get(s.connect, L"/one");
    get(s.connect, L"/two");
    get(s.connect, L"/three");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 3u);
    // Newest first, as Windows orders them (Wine winhttp.c test_cookies, verified on Windows:
    // cookies set as name, NAME go out as "NAME=value; name=value")
    EXPECT_EQ(cookie_lines(wire[1]), std::vector<std::string>{"Cookie: b=2; a=1"}) << wire[1];
    EXPECT_EQ(cookie_lines(wire[2]), std::vector<std::string>{"Cookie: c=3; b=2; a=1"}) << wire[2];
}

// Option Flags page, WINHTTP_DISABLE_COOKIES: "Automatic addition of cookie headers to requests
// is disabled. Also, returned cookies are not added to the cookie database."
TEST(Cookies, DisableCookiesOnTheNextRequestSendsNoCookie) {
    ScriptedServer server({respond("Set-Cookie: sid=abc123; Path=/\r\n"), respond("")});
    Session s(server.port());
    get(s.connect, L"/login");
    get(s.connect, L"/account", WINHTTP_DISABLE_COOKIES);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_TRUE(cookie_lines(wire[1]).empty()) << wire[1];
}

TEST(Cookies, DisableCookiesOnTheSettingResponseStoresNothing) {
    ScriptedServer server({respond("Set-Cookie: sid=abc123; Path=/\r\n"), respond("")});
    Session s(server.port());
    get(s.connect, L"/login", WINHTTP_DISABLE_COOKIES);
    get(s.connect, L"/account");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_TRUE(cookie_lines(wire[1]).empty()) << wire[1];
}

// The jar belongs to the session (WinHttpOpen handle): another session starts empty.
TEST(Cookies, AreNotSharedAcrossSessions) {
    ScriptedServer server({respond("Set-Cookie: sid=abc123; Path=/\r\n"), respond("")});
    {
        Session first(server.port());
        get(first.connect, L"/login");
    }
    Session second(server.port());
    get(second.connect, L"/account");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_TRUE(cookie_lines(wire[1]).empty()) << wire[1];
}

// RFC 6265 §5.3: a cookie whose Max-Age is zero or negative is removed.
TEST(Cookies, ExpiredCookieIsRemoved) {
    ScriptedServer server({respond("Set-Cookie: sid=abc123; Path=/\r\n"),
                           respond("Set-Cookie: sid=gone; Max-Age=0; Path=/\r\n"), respond("")});
    Session s(server.port());
    get(s.connect, L"/login");
    get(s.connect, L"/logout");
    get(s.connect, L"/after");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 3u);
    EXPECT_EQ(cookie_lines(wire[1]), std::vector<std::string>{"Cookie: sid=abc123"}) << wire[1];
    EXPECT_TRUE(cookie_lines(wire[2]).empty()) << wire[2];
}

// RFC 6265 §5.4: a cookie is sent only for request paths within its Path.
TEST(Cookies, PathLimitsWhereTheCookieGoes) {
    ScriptedServer server({respond("Set-Cookie: scoped=1; Path=/app\r\n"), respond(""),
                           respond("")});
    Session s(server.port());
    get(s.connect, L"/app/login");
    get(s.connect, L"/other");
    get(s.connect, L"/app/page");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 3u);
    EXPECT_TRUE(cookie_lines(wire[1]).empty()) << wire[1];
    EXPECT_EQ(cookie_lines(wire[2]), std::vector<std::string>{"Cookie: scoped=1"}) << wire[2];
}

// ===== A hostile server (docs/SECURITY.md; unit tests: tests/unit/cookie_jar_test.cpp) =========

// RFC 6265 §5.1.3 / §5.3 step 6: on an IP-address host a Domain attribute must be the address
// itself; "Domain=1" would otherwise make a cookie for every address ending in ".1".
TEST(Cookies, DomainAttributeOnAnIpAddressHostMustBeThatAddress) {
    ScriptedServer server({respond("Set-Cookie: a=1; Domain=0.0.1; Path=/\r\n"
                                   "Set-Cookie: b=2; Domain=1; Path=/\r\n"
                                   "Set-Cookie: c=3; Domain=127.0.0.1; Path=/\r\n"),
                           respond("")});
    Session s(server.port());
    get(s.connect, L"/set");
    get(s.connect, L"/next");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(cookie_lines(wire[1]), std::vector<std::string>{"Cookie: c=3"}) << wire[1];
}

// RFC 6265 §5.3 step 5: a Domain attribute that is a public suffix is ignored, except when it is
// the request host itself; then the cookie is host-only. "localhost" is a public suffix by the
// list's implicit "*" rule, so this is the exception, end to end.
TEST(Cookies, PublicSuffixThatIsTheHostItselfIsKeptHostOnly) {
    ScriptedServer server({respond("Set-Cookie: a=1; Domain=localhost; Path=/\r\n"), respond("")});
    Session s(server.port(), L"localhost");
    get(s.connect, L"/set");
    get(s.connect, L"/next");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(cookie_lines(wire[1]), std::vector<std::string>{"Cookie: a=1"}) << wire[1];
}

// A server that sets far more cookies than the jar keeps per domain (CookieJar::kMaxPerDomain,
// 50, RFC 6265 §6.1): the oldest go, the jar stays bounded, the newest 50 are sent.
TEST(Cookies, HostileServerCannotGrowTheJarBeyondItsBounds) {
    std::string many;
    for (int i = 0; i < 200; ++i) many += "Set-Cookie: c" + std::to_string(i) + "=v; Path=/\r\n";
    // And one cookie over the per-cookie size limit (4096 bytes of name and value).
    many += "Set-Cookie: huge=" + std::string(5000, 'h') + "; Path=/\r\n";
    ScriptedServer server({respond(many), respond("")});
    Session s(server.port());
    get(s.connect, L"/set");
    get(s.connect, L"/next");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    const auto lines = cookie_lines(wire[1]);
    ASSERT_EQ(lines.size(), 1u) << wire[1];
    std::string expected = "Cookie: ";
    // The 50 newest survive, sent newest first (Wine winhttp.c test_cookies).
    for (int i = 199; i >= 150; --i)
        expected += (i < 199 ? "; c" : "c") + std::to_string(i) + "=v";
    EXPECT_EQ(lines[0], expected);
}

// RFC 6265bis §5.7: a Secure cookie (or a __Secure- / __Host- one) from an http response is
// refused; nothing of it is kept (over https it is kept: https_test.cpp, Https.Secure*).
TEST(Cookies, SecureAndPrefixedCookiesFromHttpAreRefused) {
    ScriptedServer server({respond("Set-Cookie: s=1; Secure; Path=/\r\n"
                                   "Set-Cookie: __Secure-a=1; Secure; Path=/\r\n"
                                   "Set-Cookie: __Host-b=1; Secure; Path=/\r\n"
                                   "Set-Cookie: __Host-c=1; Path=/\r\n"
                                   "Set-Cookie: plain=1; Path=/\r\n"),
                           respond("")});
    Session s(server.port());
    get(s.connect, L"/set");
    get(s.connect, L"/next");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(cookie_lines(wire[1]), std::vector<std::string>{"Cookie: plain=1"}) << wire[1];
}
