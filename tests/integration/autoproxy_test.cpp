// Requests of a WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY session with the Linux auto-proxy setting
// (auto_proxy=<PAC URL>): each request asks the PAC script, served by the scripted server on
// 127.0.0.1 and run in the real worker process, and goes where it says — through tinyproxy,
// direct, or (when the script cannot be had) by the static settings. Sync and async; closing
// the request during the PAC phase cancels it. docs/design/proxies.md "AUTOMATIC_PROXY".
#include <winhttp.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "integration/async_util.h"
#include "integration/http_test_util.h"
#include "support/build_paths.h"
#include "support/nginx.h"
#include "support/recorder.h"
#include "support/scripted_server.h"
#include "support/tinyproxy.h"

namespace {

using namespace itest;
using winhttp::test::CallbackRecorder;
using winhttp::test::http_response;
using winhttp::test::Nginx;
using winhttp::test::Script;
using winhttp::test::ScriptedServer;
using winhttp::test::start_line;
using winhttp::test::Step;
using winhttp::test::Tinyproxy;

// The PAC worker of this build, and a script time limit a loaded machine meets (pac_test.cpp).
void use_test_worker() {
    ::setenv("WINHTTP_PAC_WORKER", winhttp::test::pac_worker_path(), 1);
    ::setenv("WINHTTP_PAC_TIMEOUT_MS", "2000", 0);
}

// Sets variables for the lifetime of the guard and restores the previous values (or their
// absence) after. The settings are read by WinHttpOpen, so a session opened inside the guard
// keeps them; nothing else in the process reads them meanwhile.
class EnvGuard {
public:
    explicit EnvGuard(std::vector<std::pair<const char*, std::string>> vars) {
        for (auto& [name, value] : vars) {
            const char* old = ::getenv(name);
            saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
            ::setenv(name, value.c_str(), 1);
        }
    }
    ~EnvGuard() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
            if (it->second) ::setenv(it->first, it->second->c_str(), 1);
            else ::unsetenv(it->first);
        }
    }

private:
    std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

std::string pac_response(const std::string& script) {
    return http_response(200, "OK", {{"Content-Type", "application/x-ns-proxy-autoconfig"}}, script);
}

std::unique_ptr<ScriptedServer> serve(Script script) {
    return std::make_unique<ScriptedServer>(std::vector<Script>{std::move(script)});
}

std::unique_ptr<ScriptedServer> serve_pac(const std::string& script) {
    return serve({Step::read_request(), Step::send(pac_response(script))});
}

std::string pac_url(const ScriptedServer& s) {
    return "http://127.0.0.1:" + std::to_string(s.port()) + "/proxy.pac";
}

std::string local(unsigned short port) { return "127.0.0.1:" + std::to_string(port); }

// An AUTOMATIC_PROXY session opened while `vars` are the environment.
Handle automatic_session(Mode mode, std::vector<std::pair<const char*, std::string>> vars,
                         int timeout_ms = 5000) {
    // Neither the caller's environment nor an earlier test's leaks in.
    for (const char* v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                          "ALL_PROXY", "no_proxy", "NO_PROXY", "auto_proxy", "AUTO_PROXY"})
        if (std::none_of(vars.begin(), vars.end(), [&](const auto& p) { return std::string(p.first) == v; }))
            vars.push_back({v, ""});  // empty counts as unset
    EnvGuard env(std::move(vars));
    Handle s(WinHttpOpen(kAgent, WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY, WINHTTP_NO_PROXY_NAME,
                         WINHTTP_NO_PROXY_BYPASS, mode == Mode::Async ? WINHTTP_FLAG_ASYNC : 0));
    EXPECT_TRUE(s) << GetLastError();
    if (s) WinHttpSetTimeouts(s, timeout_ms, timeout_ms, timeout_ms, timeout_ms);
    return s;
}

bool contains(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

class AutoProxy : public ::testing::TestWithParam<Mode> {
protected:
    void SetUp() override {
        use_test_worker();
        nginx_ = &Nginx::shared();
        proxy_ = &Tinyproxy::shared();
    }
    Mode mode() const { return GetParam(); }
    std::string hello_line() const {
        return "GET http://127.0.0.1:" + std::to_string(nginx_->port()) + "/hello.txt HTTP/1.1";
    }
    Response get_hello(HINTERNET session) {
        Handle c(WinHttpConnect(session, L"127.0.0.1", nginx_->port(), 0));
        return run_request_in(mode(), c, RequestSpec{.path = L"/hello.txt"});
    }
    Nginx* nginx_ = nullptr;
    Tinyproxy* proxy_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Modes, AutoProxy, ::testing::Values(Mode::Sync, Mode::Async),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

// WinHttpOpen page: AUTOMATIC_PROXY "uses system and per-user proxy settings" to decide; on
// Linux the automatic setting is auto_proxy. The script's PROXY is tinyproxy: the request goes
// through it (its log has the absolute-form request line), and the script is downloaded once
// for both requests (cached per session, compiled once in its worker).
TEST_P(AutoProxy, PacProxyRoutesThroughTinyproxy) {
    auto pac = serve_pac("function FindProxyForURL(url, host) { return 'PROXY " + local(proxy_->port()) + "'; }");
    Handle s = automatic_session(mode(), {{"auto_proxy", pac_url(*pac)}});
    for (int i = 0; i < 2; ++i) {
        const size_t before = proxy_->connections_accepted();
        Response r = get_hello(s);
        EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.body, "hello, world\n");
        EXPECT_EQ(proxy_->connections_accepted() - before, 1u) << proxy_->log();
    }
    EXPECT_TRUE(contains(proxy_->request_lines(), hello_line())) << proxy_->log();
    EXPECT_EQ(pac->connections_accepted(), 1u);
}

// The script sees the request's URL and host; DIRECT sends it straight to the origin.
TEST_P(AutoProxy, PacDirectGoesDirect) {
    auto pac = serve_pac(
        "function FindProxyForURL(url, host) {\n"
        "  if (host == '127.0.0.1' && url.indexOf('/hello.txt') > 0) return 'DIRECT';\n"
        "  return 'PROXY " + local(proxy_->port()) + "';\n}");
    Handle s = automatic_session(mode(), {{"auto_proxy", pac_url(*pac)}, {"http_proxy", local(proxy_->port())}});
    const size_t before = proxy_->connections_accepted();
    Response r = get_hello(s);
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(r.body, "hello, world\n");
    EXPECT_EQ(proxy_->connections_accepted(), before);
}

// "PROXY dead; DIRECT": the unreachable proxy passes the request on to a direct connection,
// which carries the origin-form target (RFC 9112 3.2.1), not the proxy's absolute form.
TEST_P(AutoProxy, DeadPacProxyFailsOverToDirect) {
    const unsigned short dead_port = unused_port();
    ScriptedServer origin({{Step::read_request(), Step::send(http_response(200, "OK", {}, "direct"))}});
    auto pac = serve_pac("function FindProxyForURL(u, h) { return 'PROXY " + local(dead_port) + "; DIRECT'; }");
    Handle s = automatic_session(mode(), {{"auto_proxy", pac_url(*pac)}});
    Handle c(WinHttpConnect(s, L"127.0.0.1", origin.port(), 0));
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/x"});
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(r.body, "direct");
    EXPECT_EQ(start_line(origin.request(0)), "GET /x HTTP/1.1");
}

// The fallback when the script cannot be had — not found, or it does not compile — is the
// static setting (http_proxy here: tinyproxy), as WinINet falls back from the automatic to the
// manual settings when "the underlying PAC script failed to be downloaded / parsed" (Chromium's
// "Proxy settings and fallback", determined on Windows). The failure is remembered by the
// session: the second request does not download again.
TEST_P(AutoProxy, PacNotFoundFallsBackToTheStaticSetting) {
    auto pac = serve({Step::read_request(), Step::send(http_response(404, "Not Found", {}, "no"))});
    Handle s = automatic_session(mode(), {{"auto_proxy", pac_url(*pac)}, {"http_proxy", local(proxy_->port())}});
    for (int i = 0; i < 2; ++i) {
        const size_t before = proxy_->connections_accepted();
        Response r = get_hello(s);
        EXPECT_EQ(r.status, 200u) << r;
        EXPECT_EQ(r.body, "hello, world\n");
        EXPECT_EQ(proxy_->connections_accepted() - before, 1u) << proxy_->log();
    }
    EXPECT_EQ(pac->connections_accepted(), 1u);
}

TEST_P(AutoProxy, PacSyntaxErrorFallsBackToTheStaticSetting) {
    auto pac = serve_pac("function FindProxyForURL(url, host) { return 'PROXY x:1' ");
    Handle s = automatic_session(mode(), {{"auto_proxy", pac_url(*pac)}, {"http_proxy", local(proxy_->port())}});
    const size_t before = proxy_->connections_accepted();
    Response r = get_hello(s);
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(proxy_->connections_accepted() - before, 1u) << proxy_->log();
}

// Without a static setting the fallback is a direct connection.
TEST_P(AutoProxy, PacNotFoundWithoutStaticSettingGoesDirect) {
    auto pac = serve({Step::read_request(), Step::send(http_response(404, "Not Found", {}, "no"))});
    Handle s = automatic_session(mode(), {{"auto_proxy", pac_url(*pac)}});
    const size_t before = proxy_->connections_accepted();
    Response r = get_hello(s);
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(proxy_->connections_accepted(), before);
}

// A script that loads but fails for this URL (it throws) sends the request direct, whatever
// the static settings say (Chromium's "Proxy settings and fallback": "if ... the PAC script is
// failing during execution of FindProxyForURL(), it will fallback to direct (regardless of
// whether there are manual proxy settings)").
TEST_P(AutoProxy, ScriptThatThrowsGoesDirect) {
    auto pac = serve_pac("function FindProxyForURL(url, host) { throw new Error('no'); }");
    Handle s = automatic_session(mode(), {{"auto_proxy", pac_url(*pac)}, {"http_proxy", local(proxy_->port())}});
    const size_t before = proxy_->connections_accepted();
    Response r = get_hello(s);
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(proxy_->connections_accepted(), before);
}

// WINHTTP_OPTION_PROXY on the request replaces the session's automatic configuration (the
// pattern of the WinHTTP AutoProxy sample): the script is not asked.
TEST_P(AutoProxy, RequestProxyOptionSkipsTheScript) {
    auto pac = serve_pac("function FindProxyForURL(u, h) { return 'PROXY 127.0.0.1:1'; }");
    Handle s = automatic_session(mode(), {{"auto_proxy", pac_url(*pac)}});
    Handle c(WinHttpConnect(s, L"127.0.0.1", nginx_->port(), 0));
    const std::wstring proxy = L"127.0.0.1:" + std::to_wstring(proxy_->port());
    const size_t before = proxy_->connections_accepted();
    Response r = run_request_in(mode(), c, RequestSpec{.path = L"/hello.txt", .prepare = [&](HINTERNET h) {
        WINHTTP_PROXY_INFO info{WINHTTP_ACCESS_TYPE_NAMED_PROXY, const_cast<LPWSTR>(proxy.c_str()), nullptr};
        ASSERT_TRUE(WinHttpSetOption(h, WINHTTP_OPTION_PROXY, &info, sizeof(info)));
    }});
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(proxy_->connections_accepted() - before, 1u);
    EXPECT_EQ(pac->connections_accepted(), 0u);
}

// --- close during the PAC phase (DESIGN.md close protocol) ---------------------------------

std::unique_ptr<ScriptedServer> stalling_pac() {
    return serve({Step::read_request(), Step::stall(std::chrono::seconds(10))});
}

// A synchronous request closed from another thread while its script downloads ends with
// OPERATION_CANCELLED (DESIGN.md: the sync call returns FALSE with that error).
TEST(AutoProxyClose, CloseCancelsSyncPacDownload) {
    use_test_worker();
    auto pac = stalling_pac();
    Handle s = automatic_session(Mode::Sync, {{"auto_proxy", pac_url(*pac)}}, 10000);
    Handle c(WinHttpConnect(s, L"127.0.0.1", 9, 0));
    HINTERNET req = WinHttpOpenRequest(c, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                       WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_TRUE(req);
    std::thread closer([&] {
        pac->request(0);  // the download is under way: the request is in its PAC phase
        WinHttpCloseHandle(req);
    });
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSendRequest(req, nullptr, 0, nullptr, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    closer.join();
}

// Async: the close resumes the request at once: REQUEST_ERROR (OPERATION_CANCELLED), then
// HANDLE_CLOSING, the last callback; the download, cancelled too, ends on its own thread.
TEST(AutoProxyClose, CloseCancelsAsyncPacDownload) {
    use_test_worker();
    auto pac = stalling_pac();
    Handle s = automatic_session(Mode::Async, {{"auto_proxy", pac_url(*pac)}}, 10000);
    Handle c(WinHttpConnect(s, L"127.0.0.1", 9, 0));
    HINTERNET req = WinHttpOpenRequest(c, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                       WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_TRUE(req);
    CallbackRecorder rec;
    WinHttpSetStatusCallback(req, CallbackRecorder::record,
                             WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    ASSERT_TRUE(WinHttpSendRequest(req, nullptr, 0, nullptr, 0, 0, rec.context())) << GetLastError();
    pac->request(0);
    WinHttpCloseHandle(req);
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING)) << rec.dump();
    // Nothing after HANDLE_CLOSING: give a late completion the chance to show up.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto events = rec.events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING)) << rec.dump();
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING), 1u);
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE), 0u);
    EXPECT_EQ(rec.count(WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER), 0u);
    const size_t err = rec.index_of(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR);
    ASSERT_NE(err, CallbackRecorder::npos) << rec.dump();
    EXPECT_EQ(events[err].result.dwResult, static_cast<DWORD_PTR>(API_SEND_REQUEST));
    EXPECT_EQ(events[err].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
}

// Closing the request while its script runs (an endless loop, bounded by the time limit)
// cancels the same way, long before the limit.
TEST(AutoProxyClose, CloseCancelsAsyncPacScriptRun) {
    use_test_worker();
    auto pac = serve_pac("function FindProxyForURL(u, h) { for (;;) {} }");
    Handle s = automatic_session(Mode::Async, {{"auto_proxy", pac_url(*pac)}}, 10000);
    Handle c(WinHttpConnect(s, L"127.0.0.1", 9, 0));
    HINTERNET req = WinHttpOpenRequest(c, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                       WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_TRUE(req);
    CallbackRecorder rec;
    WinHttpSetStatusCallback(req, CallbackRecorder::record,
                             WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS | WINHTTP_CALLBACK_FLAG_HANDLES, 0);
    ASSERT_TRUE(WinHttpSendRequest(req, nullptr, 0, nullptr, 0, 0, rec.context())) << GetLastError();
    ASSERT_TRUE(pac->wait_done(1));  // downloaded: the request is in (or at) the script
    WinHttpCloseHandle(req);
    ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING)) << rec.dump();
    const auto events = rec.events();
    EXPECT_EQ(events.back().status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING));
    const size_t err = rec.index_of(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR);
    ASSERT_NE(err, CallbackRecorder::npos) << rec.dump();
    EXPECT_EQ(events[err].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
}

}  // namespace
