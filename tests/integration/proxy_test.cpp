// Proxies on the wire: a real forward proxy (tinyproxy) for plain http and CONNECT tunnels to
// nginx's TLS port, and the scripted server as a proxy for what a real one will not do on
// demand (refused or garbled CONNECT answers, closes, stalls, a dead first proxy). Sync and
// async (itest::run_request_in drives both the way an application does).
#include <winhttp.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "integration/async_util.h"
#include "integration/http_test_util.h"
#include "support/nginx.h"
#include "support/recorder.h"
#include "support/scripted_server.h"
#include "support/tinyproxy.h"

namespace {

using namespace itest;
using winhttp::test::CallbackRecorder;
using winhttp::test::http_response;
using winhttp::test::Nginx;
using winhttp::test::ScriptedServer;
using winhttp::test::Script;
using winhttp::test::start_line;
using winhttp::test::Step;
using winhttp::test::Tinyproxy;
using winhttp::test::TlsPort;

bool contains(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

void set_proxy(HINTERNET h, DWORD access, const wchar_t* proxy, const wchar_t* bypass = nullptr) {
    WINHTTP_PROXY_INFO info{access, const_cast<LPWSTR>(proxy), const_cast<LPWSTR>(bypass)};
    ASSERT_TRUE(WinHttpSetOption(h, WINHTTP_OPTION_PROXY, &info, sizeof(info))) << GetLastError();
}

// A session in `mode` whose requests go through `proxy`.
Handle proxied_session(Mode mode, const std::wstring& proxy, const wchar_t* bypass = nullptr,
                       int timeout_ms = 5000) {
    Handle s(WinHttpOpen(kAgent, WINHTTP_ACCESS_TYPE_NAMED_PROXY, proxy.c_str(), bypass,
                         mode == Mode::Async ? WINHTTP_FLAG_ASYNC : 0));
    EXPECT_TRUE(s) << GetLastError();
    if (s) WinHttpSetTimeouts(s, timeout_ms, timeout_ms, timeout_ms, timeout_ms);
    return s;
}

std::wstring local(unsigned short port) { return L"127.0.0.1:" + std::to_wstring(port); }

class ProxyWire : public ::testing::TestWithParam<Mode> {
protected:
    void SetUp() override {
        nginx_ = &Nginx::shared();
        proxy_ = &Tinyproxy::shared();
        // The test CA is the trust store of https requests (see https_test.cpp).
        ::setenv("SSL_CERT_FILE", nginx_->certificates().ca_file().c_str(), 1);
    }
    Mode mode() const { return GetParam(); }
    Nginx* nginx_ = nullptr;
    Tinyproxy* proxy_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Modes, ProxyWire, ::testing::Values(Mode::Sync, Mode::Async),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

// RFC 9112 3.2.2: a request to a forward proxy carries the absolute URL; Host stays the origin.
TEST_P(ProxyWire, PlainHttpGoesThroughTinyproxyInAbsoluteForm) {
    Handle s = proxied_session(mode(), proxy_->address());
    Handle c(WinHttpConnect(s, L"127.0.0.1", nginx_->port(), 0));
    const size_t before = proxy_->connections_accepted();
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/hello.txt"});
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "hello, world\n");
    EXPECT_EQ(proxy_->connections_accepted() - before, 1u);
    const std::string line =
        "GET http://127.0.0.1:" + std::to_string(nginx_->port()) + "/hello.txt HTTP/1.1";
    EXPECT_TRUE(contains(proxy_->request_lines(), line)) << proxy_->log();
}

// tinyproxy answers "Connection: close": each request needs a new connection to it.
TEST_P(ProxyWire, ProxyThatClosesIsNotReused) {
    Handle s = proxied_session(mode(), proxy_->address());
    Handle c(WinHttpConnect(s, L"127.0.0.1", nginx_->port(), 0));
    const size_t before = proxy_->connections_accepted();
    for (int i = 0; i < 2; ++i) {
        Response r = run_request_in(mode(), c, RequestSpec{.path = L"/hello.txt"});
        EXPECT_EQ(r.status, 200u) << r;
    }
    EXPECT_EQ(proxy_->connections_accepted() - before, 2u);
}

// https through the proxy: CONNECT host:port, then TLS with the origin's name (SNI and the
// certificate check are the origin's), and the tunnel is kept for the next request.
TEST_P(ProxyWire, HttpsTunnelsThroughTinyproxyAndIsReused) {
    Handle s = proxied_session(mode(), proxy_->address());
    const unsigned short tls = nginx_->tls_port(TlsPort::Valid);
    Handle c(WinHttpConnect(s, L"localhost", tls, 0));
    const size_t before = proxy_->connections_accepted();
    const uint64_t origin_before = nginx_->connections_accepted();
    for (int i = 0; i < 2; ++i) {
        Response r = run_request_in(mode(), c,
                                    RequestSpec{.path = L"/hello.txt", .open_flags = WINHTTP_FLAG_SECURE});
        EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.body, "hello, world\n");
    }
    EXPECT_EQ(proxy_->connections_accepted() - before, 1u) << proxy_->log();
    EXPECT_EQ(nginx_->connections_accepted() - origin_before, 1u);
    const std::string line = "CONNECT localhost:" + std::to_string(tls) + " HTTP/1.1";
    EXPECT_TRUE(contains(proxy_->request_lines(), line)) << proxy_->log();
}

// The certificate is checked against the origin's name, through the tunnel as without it.
TEST_P(ProxyWire, TunnelChecksTheOriginsCertificate) {
    Handle s = proxied_session(mode(), proxy_->address());
    Handle c(WinHttpConnect(s, L"localhost", nginx_->tls_port(TlsPort::WrongHost), 0));
    Response r = run_request_in(mode(), c,
                                RequestSpec{.path = L"/hello.txt", .open_flags = WINHTTP_FLAG_SECURE});
    EXPECT_EQ(r.api, static_cast<DWORD>(API_SEND_REQUEST)) << r;
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_SECURE_FAILURE)) << r;
}

// WINHTTP_PROXY_INFO page: a bypassed host is reached directly.
TEST_P(ProxyWire, BypassedHostGoesDirect) {
    Handle s = proxied_session(mode(), proxy_->address(), L"<local>;127.0.0.1");
    Handle c(WinHttpConnect(s, L"127.0.0.1", nginx_->port(), 0));
    const size_t before = proxy_->connections_accepted();
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/hello.txt"});
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(proxy_->connections_accepted(), before);
}

// WINHTTP_OPTION_PROXY on a request overrides the session's configuration for that request.
TEST_P(ProxyWire, RequestProxyOptionRoutesThatRequest) {
    Handle s = open_mode_session(mode());
    Handle c(WinHttpConnect(s, L"127.0.0.1", nginx_->port(), 0));
    Handle req(WinHttpOpenRequest(c, L"GET", L"/hello.txt", nullptr, WINHTTP_NO_REFERER,
                                  WINHTTP_DEFAULT_ACCEPT_TYPES, 0));
    const std::wstring addr = proxy_->address();
    set_proxy(req, WINHTTP_ACCESS_TYPE_NAMED_PROXY, addr.c_str());
    WINHTTP_PROXY_INFO got{};
    DWORD len = sizeof(got);
    ASSERT_TRUE(WinHttpQueryOption(req, WINHTTP_OPTION_PROXY, &got, &len));
    EXPECT_EQ(got.dwAccessType, static_cast<DWORD>(WINHTTP_ACCESS_TYPE_NAMED_PROXY));
    EXPECT_EQ(std::wstring(got.lpszProxy), addr);
    GlobalFree(got.lpszProxy);
    GlobalFree(got.lpszProxyBypass);
    const size_t before = proxy_->connections_accepted();
    if (mode() == Mode::Sync) {
        Outcome o = run_request(req);
        EXPECT_EQ(o.error, ERROR_SUCCESS) << o.stage;
        EXPECT_EQ(o.body, "hello, world\n");
        EXPECT_EQ(proxy_->connections_accepted() - before, 1u);
    }
    // The session itself still goes direct.
    const size_t mid = proxy_->connections_accepted();
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/hello.txt"});
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(proxy_->connections_accepted(), mid);
}

// --- the environment (DEFAULT_PROXY) ---

class EnvGuard {
public:
    explicit EnvGuard(std::vector<std::pair<const char*, std::string>> vars) {
        for (auto& [k, v] : vars) {
            names_.push_back(k);
            ::setenv(k, v.c_str(), 1);
        }
    }
    ~EnvGuard() {
        for (const char* k : names_) ::unsetenv(k);
    }

private:
    std::vector<const char*> names_;
};

Handle default_session(Mode mode, DWORD access = WINHTTP_ACCESS_TYPE_DEFAULT_PROXY) {
    Handle s(WinHttpOpen(kAgent, access, nullptr, nullptr, mode == Mode::Async ? WINHTTP_FLAG_ASYNC : 0));
    EXPECT_TRUE(s) << GetLastError();
    if (s) WinHttpSetTimeouts(s, 5000, 5000, 5000, 5000);
    return s;
}

TEST_P(ProxyWire, DefaultProxySessionFollowsHttpProxyVariable) {
    Handle s;
    {
        // The environment is read when the session is opened.
        EnvGuard env({{"http_proxy", "http://" + narrow(proxy_->address()) + "/"}});
        s = default_session(mode());
    }
    Handle c(WinHttpConnect(s, L"127.0.0.1", nginx_->port(), 0));
    const size_t before = proxy_->connections_accepted();
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/hello.txt"});
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(proxy_->connections_accepted() - before, 1u);
}

TEST_P(ProxyWire, AutomaticProxySessionFollowsTheEnvironmentToo) {
    Handle s;
    {
        EnvGuard env({{"all_proxy", narrow(proxy_->address())}});
        s = default_session(mode(), WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY);
    }
    Handle c(WinHttpConnect(s, L"127.0.0.1", nginx_->port(), 0));
    const size_t before = proxy_->connections_accepted();
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/hello.txt"});
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(proxy_->connections_accepted() - before, 1u);
}

TEST_P(ProxyWire, NoProxyVariableAndNoProxyAccessTypeGoDirect) {
    Handle by_no_proxy, by_access;
    {
        EnvGuard env({{"http_proxy", narrow(proxy_->address())}, {"no_proxy", "localhost,127.0.0.0/8"}});
        by_no_proxy = default_session(mode());
        by_access = default_session(mode(), WINHTTP_ACCESS_TYPE_NO_PROXY);
    }
    const size_t before = proxy_->connections_accepted();
    for (HINTERNET s : {by_no_proxy.get(), by_access.get()}) {
        Handle c(WinHttpConnect(s, L"127.0.0.1", nginx_->port(), 0));
        Response r = run_request_in(mode(), c, RequestSpec{.path = L"/hello.txt"});
        EXPECT_EQ(r.status, 200u) << r;
    }
    EXPECT_EQ(proxy_->connections_accepted(), before);
}

// --- the scripted server as a proxy ---

// One proxy connection serves requests to several origins (the pool is keyed by the proxy).
TEST_P(ProxyWire, KeepAliveProxyConnectionServesSeveralOrigins) {
    ScriptedServer proxy({{
        Step::read_request(), Step::send(http_response(200, "OK", {}, "one")),
        Step::read_request(), Step::send(http_response(200, "OK", {}, "two")),
        Step::expect_client_close(std::chrono::seconds(10)),
    }});
    Handle s = proxied_session(mode(), local(proxy.port()));
    Handle a(WinHttpConnect(s, L"origin-a.example", 80, 0));
    Handle b(WinHttpConnect(s, L"origin-b.example", 8080, 0));
    Response r1 = run_request_in(mode(), a, RequestSpec{.path = L"/x"});
    Response r2 = run_request_in(mode(), b, RequestSpec{.path = L"/y?q=1"});
    EXPECT_EQ(r1.body, "one") << r1;
    EXPECT_EQ(r2.body, "two") << r2;
    EXPECT_EQ(proxy.connections_accepted(), 1u);
    EXPECT_EQ(start_line(proxy.request(0)), "GET http://origin-a.example/x HTTP/1.1");
    EXPECT_EQ(start_line(proxy.request(1)), "GET http://origin-b.example:8080/y?q=1 HTTP/1.1");
    EXPECT_NE(proxy.request(1).find("\r\nHost: origin-b.example:8080\r\n"), std::string::npos);
    s.reset();
}

// WINHTTP_PROXY_INFO page: the proxies of a list are tried in order.
TEST_P(ProxyWire, DeadFirstProxyFailsOverToTheNext) {
    ScriptedServer proxy({{Step::read_request(), Step::send(http_response(200, "OK", {}, "second"))}});
    const std::wstring list = local(unused_port()) + L";" + local(proxy.port());
    Handle s = proxied_session(mode(), list);
    Handle c(WinHttpConnect(s, L"origin.example", 80, 0));
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/"});
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.body, "second");
}

TEST_P(ProxyWire, OnlyDeadProxiesCannotConnect) {
    const std::wstring list = local(unused_port()) + L" " + local(unused_port());
    Handle s = proxied_session(mode(), list);
    Handle c(WinHttpConnect(s, L"origin.example", 80, 0));
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/"});
    EXPECT_EQ(r.api, static_cast<DWORD>(API_SEND_REQUEST)) << r;
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_CANNOT_CONNECT)) << r;
}

// Redirects decide the route again for the new URL: here the new host is in the bypass list.
TEST_P(ProxyWire, RedirectDecidesTheRouteAgain) {
    const std::string target = "http://localhost:" + std::to_string(nginx_->port()) + "/hello.txt";
    ScriptedServer proxy({{Step::read_request(),
                           Step::send(http_response(302, "Found", {{"Location", target}}))}});
    Handle s = proxied_session(mode(), local(proxy.port()), L"localhost");
    Handle c(WinHttpConnect(s, L"origin.example", 80, 0));
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/start"});
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(r.body, "hello, world\n");
    EXPECT_EQ(proxy.connections_accepted(), 1u);
}

RequestSpec secure_get(const wchar_t* path = L"/") {
    return RequestSpec{.path = path, .open_flags = WINHTTP_FLAG_SECURE};
}

// A refused tunnel ends the request; see docs/design/proxies.md for the error chosen.
TEST_P(ProxyWire, ConnectAnswered502CannotConnect) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"),
                           Step::send(http_response(502, "Bad Gateway", {}, "no route"))}});
    Handle s = proxied_session(mode(), local(proxy.port()));
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    Response r = run_request_in(mode(), c, secure_get());
    EXPECT_EQ(r.api, static_cast<DWORD>(API_SEND_REQUEST)) << r;
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_CANNOT_CONNECT)) << r;
    EXPECT_EQ(start_line(proxy.request(0)), "CONNECT origin.example:443 HTTP/1.1");
    EXPECT_NE(proxy.request(0).find("\r\nHost: origin.example:443\r\n"), std::string::npos);
}

// WINHTTP_OPTION_RECEIVE_PROXY_CONNECT_RESPONSE: the proxy's answer becomes the response.
TEST_P(ProxyWire, ReceiveProxyConnectResponseHandsTheAnswerOver) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"),
                           Step::send(http_response(502, "Bad Gateway", {}, "no route"))}});
    Handle s = proxied_session(mode(), local(proxy.port()));
    BOOL on = TRUE;
    ASSERT_TRUE(WinHttpSetOption(s, WINHTTP_OPTION_RECEIVE_PROXY_CONNECT_RESPONSE, &on, sizeof on));
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    Response r = run_request_in(mode(), c, secure_get());
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.status, 502u);
    EXPECT_EQ(r.body, "no route");
}

// A 407 from the proxy goes to the application (proxy authentication is its answer to it).
TEST_P(ProxyWire, ProxyAuthenticationRequiredIsTheResponse) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"),
                           Step::send(http_response(407, "Proxy Authentication Required",
                                                    {{"Proxy-Authenticate", "Basic realm=\"p\""}}, "auth"))}});
    Handle s = proxied_session(mode(), local(proxy.port()));
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    Response r = run_request_in(mode(), c, secure_get());
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_EQ(r.status, 407u);
    EXPECT_EQ(r.body, "auth");
}

TEST(ProxyConnectResponse, IsProxyConnectResponseTellsWhich) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"),
                           Step::send(http_response(407, "Proxy Authentication Required", {}, "x"))}});
    Handle s = proxied_session(Mode::Sync, local(proxy.port()));
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    Handle req(WinHttpOpenRequest(c, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                  WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE));
    BOOL is = TRUE;
    DWORD len = sizeof is;
    ASSERT_TRUE(WinHttpQueryOption(req, WINHTTP_OPTION_IS_PROXY_CONNECT_RESPONSE, &is, &len));
    EXPECT_FALSE(is);
    ASSERT_TRUE(WinHttpSendRequest(req, nullptr, 0, nullptr, 0, 0, 0)) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(req, nullptr)) << GetLastError();
    EXPECT_EQ(status_code(req), 407u);
    ASSERT_TRUE(WinHttpQueryOption(req, WINHTTP_OPTION_IS_PROXY_CONNECT_RESPONSE, &is, &len));
    EXPECT_TRUE(is);
    EXPECT_FALSE(WinHttpSetOption(req, WINHTTP_OPTION_IS_PROXY_CONNECT_RESPONSE, &is, sizeof is));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_OPTION_NOT_SETTABLE));
}

TEST_P(ProxyWire, GarbageAnswerToConnectIsInvalidServerResponse) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"), Step::send("SSH-2.0-OpenSSH\r\n\r\n")}});
    Handle s = proxied_session(mode(), local(proxy.port()));
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    Response r = run_request_in(mode(), c, secure_get());
    EXPECT_EQ(r.api, static_cast<DWORD>(API_SEND_REQUEST)) << r;
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE)) << r;
}

TEST_P(ProxyWire, ProxyClosingTheTunnelBeforeTlsIsAConnectionError) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"),
                           Step::send("HTTP/1.1 200 Connection established\r\n\r\n"), Step::close()}});
    Handle s = proxied_session(mode(), local(proxy.port()));
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    Response r = run_request_in(mode(), c, secure_get());
    EXPECT_EQ(r.api, static_cast<DWORD>(API_SEND_REQUEST)) << r;
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_CONNECTION_ERROR)) << r;
}

TEST_P(ProxyWire, ProxyClosingBeforeItAnswersIsAConnectionError) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"), Step::close()}});
    Handle s = proxied_session(mode(), local(proxy.port()));
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    Response r = run_request_in(mode(), c, secure_get());
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_CONNECTION_ERROR)) << r;
}

TEST_P(ProxyWire, StalledConnectTimesOut) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"), Step::stall(std::chrono::seconds(10))}});
    Handle s = proxied_session(mode(), local(proxy.port()), nullptr, 300);
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    Response r = run_request_in(mode(), c, secure_get());
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT)) << r;
}

// Closing the request while it waits for the CONNECT answer cancels it.
TEST(ProxyClose, CloseCancelsSyncConnect) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"), Step::stall(std::chrono::seconds(10))}});
    Handle s = proxied_session(Mode::Sync, local(proxy.port()), nullptr, 10000);
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    HINTERNET req = WinHttpOpenRequest(c, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                       WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE);
    ASSERT_TRUE(req);
    std::thread closer([&] {
        proxy.request(0);  // the CONNECT arrived: the request now waits for the answer
        WinHttpCloseHandle(req);
    });
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSendRequest(req, nullptr, 0, nullptr, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    closer.join();
}

TEST(ProxyClose, CloseCancelsAnAsyncConnect) {
    ScriptedServer proxy({{Step::read_until("\r\n\r\n"), Step::stall(std::chrono::seconds(10))}});
    Handle s = proxied_session(Mode::Async, local(proxy.port()), nullptr, 10000);
    Handle c(WinHttpConnect(s, L"origin.example", 443, 0));
    HINTERNET req = WinHttpOpenRequest(c, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                       WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE);
    ASSERT_TRUE(req);
    CallbackRecorder rec;
    WinHttpSetStatusCallback(req, CallbackRecorder::record,
                             WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS | WINHTTP_CALLBACK_FLAG_HANDLES, 0);
    ASSERT_TRUE(WinHttpSendRequest(req, nullptr, 0, nullptr, 0, 0, rec.context())) << GetLastError();
    proxy.request(0);
    WinHttpCloseHandle(req);
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING));
    const auto events = rec.events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING));
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE), 0u);
    const size_t err = rec.index_of(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR);
    ASSERT_NE(err, CallbackRecorder::npos);
    EXPECT_EQ(events[err].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
}

// Informational notifications name the proxy: it is the server WinHTTP resolves and connects to.
TEST(ProxyNotifications, ResolvingNameIsTheProxys) {
    ScriptedServer proxy({{Step::read_request(), Step::send(http_response(200, "OK", {}, "x"))}});
    Handle s = proxied_session(Mode::Sync, L"localhost:" + std::to_wstring(proxy.port()));
    Handle c(WinHttpConnect(s, L"origin.example", 80, 0));
    Handle req(WinHttpOpenRequest(c, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                  WINHTTP_DEFAULT_ACCEPT_TYPES, 0));
    CallbackRecorder rec;
    WinHttpSetStatusCallback(req, CallbackRecorder::record, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    ASSERT_TRUE(WinHttpSendRequest(req, nullptr, 0, nullptr, 0, 0, rec.context())) << GetLastError();
    ASSERT_TRUE(WinHttpReceiveResponse(req, nullptr)) << GetLastError();
    const size_t i = rec.index_of(WINHTTP_CALLBACK_STATUS_RESOLVING_NAME);
    ASSERT_NE(i, CallbackRecorder::npos);
    EXPECT_EQ(rec.events()[i].text, L"localhost");
    EXPECT_NE(rec.index_of(WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER), CallbackRecorder::npos);
    WinHttpSetStatusCallback(req, nullptr, 0, 0);
}

}  // namespace
