// The session cookie jar on synchronous requests: Set-Cookie from one response comes back as
// Cookie on the next request of the same session, not with WINHTTP_DISABLE_COOKIES and never
// across sessions.
#include <winhttp.h>

#include <gtest/gtest.h>

#include "http_test_util.h"
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
    explicit Session(INTERNET_PORT port) {
        session = open_session();
        EXPECT_TRUE(session);
        WinHttpSetTimeouts(session, 5000, 5000, 5000, 5000);
        connect = Handle(WinHttpConnect(session, L"127.0.0.1", port, 0));
        EXPECT_TRUE(connect);
    }
};

}  // namespace

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
