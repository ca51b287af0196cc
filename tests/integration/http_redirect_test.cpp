// Automatic redirects on synchronous requests: following, turning them off, limits, the method
// and body after 301/302/303/307/308, relative and absolute Location, and which headers follow.
//
// The nginx cases run over cleartext HTTP/1.1 and over HTTP/2 (protocol_util.h). The scripted-server cases stay HTTP/1.1 only: they compare the exact request
// bytes on the wire and close the connection after each hop ("Connection: close"), neither of
// which has an HTTP/2 form (HPACK-coded frames; RFC 9113 §8.2.2).
#include <winhttp.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "http_test_util.h"
#include "protocol_util.h"
#include "support/nginx.h"
#include "support/recorder.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::Nginx;
using winhttp::test::Script;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;
using namespace std::chrono_literals;

namespace {

std::string nginx_file(const std::string& name) {
    std::ifstream f(Nginx::shared().root() + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// A 3xx that closes its connection, so each hop of a test has its own connection script.
std::string redirect(int status, const std::string& location, const std::string& body = "moved") {
    const char* reason = status == 301   ? "Moved Permanently"
                         : status == 302 ? "Found"
                         : status == 303 ? "See Other"
                         : status == 307 ? "Temporary Redirect"
                                         : "Permanent Redirect";
    std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
    if (!location.empty()) r += "Location: " + location + "\r\n";
    return r + "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
           body;
}

std::string ok_close(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

Script hop(const std::string& response) {
    return {Step::read_request(), Step::send(response), Step::close()};
}

std::string head(const std::string& verb, const std::string& target, INTERNET_PORT port,
                 const std::string& extra = "", const std::string& host = "127.0.0.1") {
    return verb + " " + target + " HTTP/1.1\r\nConnection: Keep-Alive\r\n" + extra +
           "User-Agent: " + kAgentA + "\r\nHost: " + host + ":" + std::to_string(port) + "\r\n\r\n";
}

class RedirectProtocols : public ::testing::TestWithParam<Protocol> {
protected:
    ProtocolClient p_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Protocols, RedirectProtocols, kBothProtocols, ProtocolName());

}  // namespace

// ===== nginx ==================================================================================

// Option Flags page: automatic redirection is on unless WINHTTP_DISABLE_REDIRECTS or
// REDIRECT_POLICY_NEVER turns it off; WINHTTP_OPTION_URL "if the call was redirected, the URL
// returned differs from the original".
TEST_P(RedirectProtocols, FollowedByDefaultToTheFinalBodyAndUrl) {
    Client c = p_.client(L"GET", L"/redirect/");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 200u);
    EXPECT_EQ(o.body, nginx_file("hello.txt"));
    SetLastError(kSentinel);
    EXPECT_EQ(query_url(c.request), p_.base_url() + L"/hello.txt");
    p_.expect_protocol(c.request);
}

// Option Flags page, WINHTTP_DISABLE_REDIRECTS: "Automatic redirection is disabled" — the 3xx
// itself reaches the application, Location and body included.
TEST_P(RedirectProtocols, DisableRedirectsReturnsThe302Itself) {
    Client c = p_.client(L"GET", L"/redirect/");
    ASSERT_TRUE(c.request);
    SetLastError(kSentinel);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_DISABLE_FEATURE,
                                 WINHTTP_DISABLE_REDIRECTS))
        << GetLastError();
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 302u);
    const std::wstring location = header(c.request, WINHTTP_QUERY_LOCATION);
    EXPECT_NE(location.find(L"/hello.txt"), std::wstring::npos) << narrow(location);
    EXPECT_EQ(query_url(c.request), p_.base_url() + L"/redirect/");
    p_.expect_protocol(c.request);
}

// Option Flags page, WINHTTP_OPTION_REDIRECT_POLICY_NEVER: redirects are never followed.
TEST_P(RedirectProtocols, PolicyNeverReturnsThe302Itself) {
    Client c = p_.client(L"GET", L"/redirect/");
    ASSERT_TRUE(c.request);
    SetLastError(kSentinel);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_REDIRECT_POLICY,
                                 WINHTTP_OPTION_REDIRECT_POLICY_NEVER))
        << GetLastError();
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 302u);
    p_.expect_protocol(c.request);
}

// WinHttpReceiveResponse page: ERROR_WINHTTP_REDIRECT_FAILED when "all attempts made to redirect
// failed"; Option Flags page: MAX_HTTP_AUTOMATIC_REDIRECTS bounds them (default 10).
TEST_P(RedirectProtocols, EndlessLoopFailsWithRedirectFailed) {
    Client c = p_.client(L"GET", L"/redirect-loop");
    ASSERT_TRUE(c.request);
    Stopwatch sw;
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.stage, "receive");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_REDIRECT_FAILED));
    EXPECT_LT(sw.ms(), 5000);
}

// The method and body rules below with nginx, whose /post answers "got <Content-Length>":
// RFC 9110 §15.4.3, a POST redirected by 302 is re-issued as GET without a body ...
TEST_P(RedirectProtocols, PostAfter302ArrivesAsGetWithoutBody) {
    Client c = p_.client(L"POST", L"/redirect302-post");
    ASSERT_TRUE(c.request);
    char payload[] = "payload";
    Outcome o = run_request(c.request, payload, 7, 7);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 200u);
    EXPECT_EQ(o.body, "got ");
    EXPECT_EQ(query_url(c.request), p_.base_url() + L"/post");
    p_.expect_protocol(c.request);
}

// ... and §15.4.8, 307 keeps the method and sends the body again.
TEST_P(RedirectProtocols, PostAfter307KeepsMethodAndBody) {
    Client c = p_.client(L"POST", L"/redirect307-post");
    ASSERT_TRUE(c.request);
    char payload[] = "payload";
    Outcome o = run_request(c.request, payload, 7, 7);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 200u);
    EXPECT_EQ(o.body, "got 7");
    EXPECT_EQ(query_url(c.request), p_.base_url() + L"/post");
    p_.expect_protocol(c.request);
}

// ===== Counting hops ==========================================================================

// Option Flags page, MAX_HTTP_AUTOMATIC_REDIRECTS = N: N redirects are followed (the Windows 10
// behaviour after the off-by-one fix, dotnet/corefx#8945); the N+1th fails.
TEST(Redirect, ExactlyMaxRedirectsAreFollowed) {
    ScriptedServer server({hop(redirect(302, "/hop1")), hop(redirect(302, "/hop2")),
                           hop(redirect(302, "/hop3")), hop(ok_close("arrived"))});
    Client c = open_client(server.port(), L"GET", L"/hop0");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_MAX_HTTP_AUTOMATIC_REDIRECTS, 3))
        << GetLastError();
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "arrived");
    EXPECT_EQ(server.requests().size(), 4u);
}

TEST(Redirect, OneMoreThanMaxRedirectsFailsWithRedirectFailed) {
    ScriptedServer server({hop(redirect(302, "/hop1")), hop(redirect(302, "/hop2")),
                           hop(redirect(302, "/hop3")), hop(redirect(302, "/hop4")),
                           hop(ok_close("never"))});
    Client c = open_client(server.port(), L"GET", L"/hop0");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_MAX_HTTP_AUTOMATIC_REDIRECTS, 3));
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.stage, "receive");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_REDIRECT_FAILED));
    EXPECT_EQ(server.requests().size(), 4u);
}

// ===== Method and body after a redirect =======================================================

// RFC 9110 §15.4.3 (302) allows, and WinHTTP does, re-issuing a POST as GET: no body, no
// Content-Length.
TEST(Redirect, PostAfter302BecomesGetWithoutBody) {
    ScriptedServer server({hop(redirect(302, "/next")), hop(ok_close("landed"))});
    Client c = open_client(server.port(), L"POST", L"/form");
    ASSERT_TRUE(c.request);
    char data[] = "a=1&b=2";
    Outcome o = run_request(c.request, data, 7, 7);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "landed");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[0], std::string("POST /form HTTP/1.1\r\nConnection: Keep-Alive\r\nUser-Agent: ") +
                           kAgentA + "\r\nContent-Length: 7\r\nHost: " + host_port(server.port()) +
                           "\r\n\r\na=1&b=2");
    EXPECT_EQ(wire[1], head("GET", "/next", server.port()));
}

// RFC 9110 §15.4.2 (301): same as 302 for a POST.
TEST(Redirect, PostAfter301BecomesGetWithoutBody) {
    ScriptedServer server({hop(redirect(301, "/moved")), hop(ok_close("landed"))});
    Client c = open_client(server.port(), L"POST", L"/form");
    ASSERT_TRUE(c.request);
    char data[] = "x";
    Outcome o = run_request(c.request, data, 1, 1);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], head("GET", "/moved", server.port()));
}

// RFC 9110 §15.4.4: 303 See Other is retrieved with GET.
TEST(Redirect, PutAfter303BecomesGet) {
    ScriptedServer server({hop(redirect(303, "/see")), hop(ok_close("seen"))});
    Client c = open_client(server.port(), L"PUT", L"/doc");
    ASSERT_TRUE(c.request);
    char data[] = "new content";
    Outcome o = run_request(c.request, data, 11, 11);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "seen");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], head("GET", "/see", server.port()));
}

// RFC 9110 §15.4.8 / §15.4.9: 307 and 308 keep the method and the body.
TEST(Redirect, PostAfter307KeepsMethodAndBody) {
    ScriptedServer server({hop(redirect(307, "/again")), hop(ok_close("kept"))});
    Client c = open_client(server.port(), L"POST", L"/form");
    ASSERT_TRUE(c.request);
    char data[] = "payload";
    Outcome o = run_request(c.request, data, 7, 7);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "kept");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], "POST /again HTTP/1.1\r\nConnection: Keep-Alive\r\nUser-Agent: " +
                           std::string(kAgentA) + "\r\nContent-Length: 7\r\nHost: " +
                           host_port(server.port()) + "\r\n\r\npayload");
}

TEST(Redirect, PostAfter308KeepsMethodAndBody) {
    ScriptedServer server({hop(redirect(308, "/perm")), hop(ok_close("kept"))});
    Client c = open_client(server.port(), L"POST", L"/form");
    ASSERT_TRUE(c.request);
    char data[] = "payload";
    Outcome o = run_request(c.request, data, 7, 7);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], "POST /perm HTTP/1.1\r\nConnection: Keep-Alive\r\nUser-Agent: " +
                           std::string(kAgentA) + "\r\nContent-Length: 7\r\nHost: " +
                           host_port(server.port()) + "\r\n\r\npayload");
}

// ===== Location forms =========================================================================

// RFC 9110 §10.2.2: Location may be relative; it resolves against the request's URL (RFC 3986
// §5). WINHTTP_OPTION_URL then names the resolved URL.
TEST(Redirect, RelativeLocationResolvesAgainstTheRequestUrl) {
    ScriptedServer server({hop(redirect(302, "sibling?x=1")), hop(redirect(302, "../up")),
                           hop(redirect(302, "/abs/path")), hop(ok_close("done"))});
    Client c = open_client(server.port(), L"GET", L"/dir/sub/page");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 4u);
    EXPECT_EQ(wire[1], head("GET", "/dir/sub/sibling?x=1", server.port()));
    EXPECT_EQ(wire[2], head("GET", "/dir/up", server.port()));
    EXPECT_EQ(wire[3], head("GET", "/abs/path", server.port()));
    EXPECT_EQ(query_url(c.request),
              L"http://127.0.0.1:" + std::to_wstring(server.port()) + L"/abs/path");
}

// An absolute Location moves the request to another server (here another port).
TEST(Redirect, AbsoluteLocationToAnotherServerIsFollowed) {
    ScriptedServer target({hop(ok_close("over there"))});
    ScriptedServer origin({hop(redirect(
        302, "http://127.0.0.1:" + std::to_string(target.port()) + "/landing?q=2"))});
    Client c = open_client(origin.port(), L"GET", L"/start");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "over there");
    ASSERT_EQ(target.requests().size(), 1u);
    EXPECT_EQ(target.requests()[0], head("GET", "/landing?q=2", target.port()));
    EXPECT_EQ(query_url(c.request),
              L"http://127.0.0.1:" + std::to_wstring(target.port()) + L"/landing?q=2");
}

// A 3xx without Location cannot be followed; the project returns it to the application as is
// (Windows fails such a request instead, dotnet/corefx#24819: a deliberate difference).
TEST(Redirect, ThreeXxWithoutLocationIsReturnedAsIs) {
    ScriptedServer server({hop(redirect(302, "", "no location"))});
    Client c = open_client(server.port(), L"GET", L"/nowhere");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 302u);
    EXPECT_EQ(o.body, "no location");
    EXPECT_EQ(server.requests().size(), 1u);
}

// 300 Multiple Choices and 304 are not redirects to follow.
TEST(Redirect, NotModifiedAndMultipleChoicesAreNotFollowed) {
    ScriptedServer server({hop("HTTP/1.1 300 Multiple Choices\r\nLocation: /a\r\nContent-Length: "
                               "4\r\nConnection: close\r\n\r\npick")});
    Client c = open_client(server.port(), L"GET", L"/choices");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 300u);
    EXPECT_EQ(o.body, "pick");
    EXPECT_EQ(server.requests().size(), 1u);
}

// ===== Which headers follow ===================================================================

// WinHttpAddRequestHeaders page: "Headers are transferred across redirects." The project's one
// exception: credentials (Authorization) never go to a different host.
TEST(Redirect, AuthorizationIsNotForwardedToAnotherHost) {
    ScriptedServer target({hop(ok_close("other host"))});
    ScriptedServer origin({hop(redirect(
        302, "http://localhost:" + std::to_string(target.port()) + "/landing"))});
    Client c = open_client(origin.port(), L"GET", L"/private");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request,
                                         L"Authorization: Bearer s3cret\r\nX-Custom: kept",
                                         static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "other host");
    ASSERT_EQ(origin.requests().size(), 1u);
    EXPECT_NE(origin.requests()[0].find("\r\nAuthorization: Bearer s3cret\r\n"), std::string::npos);
    ASSERT_EQ(target.requests().size(), 1u);
    EXPECT_EQ(target.requests()[0],
              head("GET", "/landing", target.port(), "X-Custom: kept\r\n", "localhost"));
}

// Same host, same port: the redirect stays within the credentials' scope and keeps them.
TEST(Redirect, AuthorizationIsKeptOnTheSameHost) {
    ScriptedServer server({hop(redirect(302, "/landing")), hop(ok_close("same host"))});
    Client c = open_client(server.port(), L"GET", L"/private");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(WinHttpAddRequestHeaders(c.request, L"Authorization: Bearer s3cret",
                                         static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], head("GET", "/landing", server.port(), "Authorization: Bearer s3cret\r\n"));
}

// ===== More hops ==============================================================================

// A cookie set by the 3xx itself is stored and sent with the redirected request.
TEST(Redirect, CookieSetByTheRedirectIsSentToTheTarget) {
    ScriptedServer server({hop("HTTP/1.1 302 Found\r\nLocation: /next\r\nSet-Cookie: r=1; Path=/\r\n"
                               "Content-Length: 0\r\nConnection: close\r\n\r\n"),
                           hop(ok_close("with cookie"))});
    Client c = open_client(server.port(), L"GET", L"/start");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(winhttp::test::start_line(wire[1]), "GET /next HTTP/1.1");
    EXPECT_EQ(winhttp::test::header_value(wire[1], "Cookie").value_or("<none>"), "r=1") << wire[1];
}

// RFC 9110 §4.2.4 / RFC 3986 §3.5: a fragment never goes on the wire.
TEST(Redirect, FragmentOfLocationIsNotSent) {
    ScriptedServer server({hop(redirect(302, "/next?a=b#section")), hop(ok_close("ok"))});
    Client c = open_client(server.port(), L"GET", L"/start");
    ASSERT_TRUE(c.request);
    ASSERT_EQ(run_request(c.request).error, ERROR_SUCCESS);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], head("GET", "/next?a=b", server.port()));
}

// A HEAD stays a HEAD through a 302 (only POST is rewritten to GET).
TEST(Redirect, HeadStaysHeadAfter302) {
    ScriptedServer server({hop(redirect(302, "/next", "")),
                           {Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"),
                            Step::close()}});
    Client c = open_client(server.port(), L"HEAD", L"/start");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "");
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], head("HEAD", "/next", server.port()));
}

// Option Flags page, WINHTTP_OPTION_MAX_RESPONSE_DRAIN_SIZE: the body of a redirect response is
// drained so that its connection can carry the redirected request.
TEST(Redirect, KeepAliveConnectionIsReusedAfterDrainingTheRedirectBody) {
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 20\r\n"
                                       "\r\n01234567890123456789"),
                            Step::read_request(), Step::send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"),
                            Step::stall(10s)}});
    Client c = open_client(server.port(), L"GET", L"/start");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "next");
    EXPECT_EQ(server.connections_accepted(), 1u);
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], head("GET", "/next", server.port()));
}

// Option Flags page, WINHTTP_OPTION_MAX_RESPONSE_DRAIN_SIZE: "the maximum amount of data that
// WinHTTP will drain" from a response it does not hand over. A redirect body over the limit is
// not drained to the end: its connection is dropped (never reused: the server flags a second
// request on it), and the redirect is still followed on a new connection.
TEST(Redirect, RedirectBodyOverTheDrainLimitDropsTheConnectionAndIsStillFollowed) {
    const DWORD limit = 1000;
    const std::string big(64 * 1024, 'x');
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: " +
                                       std::to_string(big.size()) + "\r\n\r\n" + big),
                            Step::expect_client_close()},
                           {Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"),
                            Step::stall(10s)}});
    Client c = open_client(server.port(), L"GET", L"/start");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_MAX_RESPONSE_DRAIN_SIZE, limit))
        << GetLastError();
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(status_code(c.request), 200u);
    EXPECT_EQ(o.body, "next");
    EXPECT_EQ(server.connections_accepted(), 2u) << "the redirect went out on a new connection";
    const auto wire = server.requests();
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(wire[1], head("GET", "/next", server.port()));
    c = Client{};
    EXPECT_TRUE(server.wait_done(2, 5s));
    for (const auto& e : server.errors()) {
        EXPECT_EQ(e.find("connection reused"), std::string::npos) << e;
        EXPECT_EQ(e.find("kept open"), std::string::npos) << e;
    }
}

// The same body within the limit is drained and the connection carries the redirect.
TEST(Redirect, RedirectBodyWithinTheDrainLimitKeepsTheConnection) {
    const std::string body(900, 'x');
    ScriptedServer server({{Step::read_request(),
                            Step::send("HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: " +
                                       std::to_string(body.size()) + "\r\n\r\n" + body),
                            Step::read_request(),
                            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"),
                            Step::stall(10s)}});
    Client c = open_client(server.port(), L"GET", L"/start");
    ASSERT_TRUE(c.request);
    ASSERT_TRUE(set_dword_option(c.request, WINHTTP_OPTION_MAX_RESPONSE_DRAIN_SIZE, 1000));
    Outcome o = run_request(c.request);
    ASSERT_EQ(o.error, ERROR_SUCCESS) << o.stage;
    EXPECT_EQ(o.body, "next");
    EXPECT_EQ(server.connections_accepted(), 1u);
}

// WinHttpReceiveResponse page: ERROR_WINHTTP_REDIRECT_FAILED when "the scheme changed" to one
// WinHTTP cannot follow.
TEST(Redirect, LocationWithUnsupportedSchemeFailsWithRedirectFailed) {
    ScriptedServer server({hop(redirect(302, "ftp://127.0.0.1/file"))});
    Client c = open_client(server.port(), L"GET", L"/start");
    ASSERT_TRUE(c.request);
    Outcome o = run_request(c.request);
    EXPECT_EQ(o.stage, "receive");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_REDIRECT_FAILED));
    EXPECT_EQ(server.requests().size(), 1u);
}

// WINHTTP_CALLBACK_STATUS_REDIRECT (WINHTTP_STATUS_CALLBACK page): "about to automatically
// redirect the request"; lpvStatusInformation is the new URL.
TEST(Redirect, RedirectNotificationCarriesTheNewUrl) {
    ScriptedServer server({hop(redirect(302, "/next")), hop(ok_close("ok"))});
    Client c = open_client(server.port(), L"GET", L"/start");
    ASSERT_TRUE(c.request);
    winhttp::test::CallbackRecorder rec;
    DWORD_PTR ctx = rec.context();
    ASSERT_NE(WinHttpSetStatusCallback(c.request, winhttp::test::CallbackRecorder::record,
                                       WINHTTP_CALLBACK_FLAG_REDIRECT, 0),
              WINHTTP_INVALID_STATUS_CALLBACK);
    ASSERT_TRUE(WinHttpSendRequest(c.request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                   WINHTTP_NO_REQUEST_DATA, 0, 0, ctx));
    ASSERT_TRUE(WinHttpReceiveResponse(c.request, nullptr)) << GetLastError();
    const auto events = rec.events_for(c.request);
    ASSERT_EQ(events.size(), 1u) << rec.dump();
    EXPECT_EQ(events[0].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_REDIRECT));
    EXPECT_EQ(events[0].text, L"http://127.0.0.1:" + std::to_wstring(server.port()) + L"/next");
}
