// PAC and WPAD through the public API: WinHttpGetProxyForUrl (sync), the resolver family
// (async), WinHttpResetAutoProxy, WinHttpDetectAutoProxyConfigUrl. Scripts are served by the
// scripted server on 127.0.0.1 and run in the real worker process (docs/design/pac.md).
#include <winhttp.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "proxy/wpad.h"
#include "support/build_paths.h"
#include "support/recorder.h"
#include "support/scripted_server.h"

using namespace winhttp::test;
using ::testing::ElementsAre;

namespace {

// Script time limit for these tests (the default is 5 s): long enough for a loaded machine to
// start a worker and run a small script, short enough for the hostile scripts.
constexpr const char* kTestTimeoutMs = "2000";

void use_test_worker() {
    setenv("WINHTTP_PAC_WORKER", pac_worker_path(), 1);
    setenv("WINHTTP_PAC_TIMEOUT_MS", kTestTimeoutMs, 0);
}

std::string pac_response(const std::string& script) {
    return http_response(200, "OK", {{"Content-Type", "application/x-ns-proxy-autoconfig"}}, script);
}

// Serves `script` to every connection.
std::unique_ptr<ScriptedServer> serve_pac(const std::string& script) {
    return std::make_unique<ScriptedServer>(
        std::vector<Script>{{Step::read_request(), Step::send(pac_response(script))}});
}

std::wstring pac_url(const ScriptedServer& s, const char* path = "/proxy.pac") {
    return L"http://127.0.0.1:" + std::to_wstring(s.port()) + std::wstring(path, path + strlen(path));
}

WINHTTP_AUTOPROXY_OPTIONS config_url(const std::wstring& url) {
    WINHTTP_AUTOPROXY_OPTIONS o{};
    o.dwFlags = WINHTTP_AUTOPROXY_CONFIG_URL;
    o.lpszAutoConfigUrl = url.c_str();
    return o;
}
// The options point into the string: never from a temporary.
WINHTTP_AUTOPROXY_OPTIONS config_url(std::wstring&&) = delete;

struct Answer {
    BOOL ok = FALSE;
    DWORD error = 0;
    DWORD access = 0;
    std::wstring proxy;
    bool bypass_null = true;
};

Answer get_proxy(HINTERNET session, const wchar_t* url, WINHTTP_AUTOPROXY_OPTIONS o) {
    Answer a;
    WINHTTP_PROXY_INFO info{0xdead, nullptr, nullptr};
    SetLastError(0xdeadbeef);
    a.ok = WinHttpGetProxyForUrl(session, url, &o, &info);
    a.error = GetLastError();
    if (a.ok) {
        a.access = info.dwAccessType;
        if (info.lpszProxy) a.proxy = info.lpszProxy;
        a.bypass_null = info.lpszProxyBypass == nullptr;
        GlobalFree(info.lpszProxy);
        GlobalFree(info.lpszProxyBypass);
    }
    return a;
}

class Pac : public ::testing::Test {
protected:
    void SetUp() override {
        use_test_worker();
        session_ = WinHttpOpen(L"pac-test", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, 0);
        ASSERT_NE(session_, nullptr);
    }
    void TearDown() override {
        if (session_) WinHttpCloseHandle(session_);
        winhttp::proxy::set_wpad_hooks({});
    }
    Answer run(const std::string& script, const wchar_t* url = L"http://www.example.com/x") {
        server_ = serve_pac(script);
        const std::wstring u = pac_url(*server_);
        return get_proxy(session_, url, config_url(u));
    }
    // Options for the current server's PAC URL (kept alive in pac_).
    WINHTTP_AUTOPROXY_OPTIONS opts() {
        pac_ = pac_url(*server_);
        return config_url(pac_);
    }
    HINTERNET session_ = nullptr;
    std::unique_ptr<ScriptedServer> server_;
    std::wstring pac_;
};

}  // namespace

// WinHttpGetProxyForUrl page: the answer is a WINHTTP_PROXY_INFO for WINHTTP_OPTION_PROXY,
// strings freed with GlobalFree.
TEST_F(Pac, ConfigUrlGivesTheProxyListInOrder) {
    Answer a = run("function FindProxyForURL(url, host) {"
                   "  return 'PROXY a.example:8080; PROXY b.example:3128; DIRECT'; }");
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_EQ(a.access, static_cast<DWORD>(WINHTTP_ACCESS_TYPE_NAMED_PROXY));
    EXPECT_EQ(a.proxy, L"a.example:8080;b.example:3128");
    EXPECT_TRUE(a.bypass_null);
}

TEST_F(Pac, DirectGivesNoProxy) {
    Answer a = run("function FindProxyForURL(url, host) { return 'DIRECT'; }");
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.access, static_cast<DWORD>(WINHTTP_ACCESS_TYPE_NO_PROXY));
    EXPECT_EQ(a.proxy, L"");
}

TEST_F(Pac, HttpsEntriesKeepTheirSchemeAndSocksIsSkipped) {
    Answer a = run("function FindProxyForURL(url, host) {"
                   "  return 'SOCKS5 s:1080; HTTPS secure.example:8443; PROXY p:80'; }");
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.proxy, L"https://secure.example:8443;p:80");
}

TEST_F(Pac, SocksOnlyFindsNoProxy) {
    Answer a = run("function FindProxyForURL(url, host) { return 'SOCKS s:1080'; }");
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR));
}

// The script gets the whole URL and the host. WINHTTP_AUTOPROXY_OPTIONS page: HOST_KEEPCASE
// "maintains the case of the host name passed to the PAC script. This is the default
// behavior"; HOST_LOWERCASE converts it to lower case.
TEST_F(Pac, ScriptSeesUrlAndHost) {
    const std::string script =
        "function FindProxyForURL(url, host) {"
        "  if (!shExpMatch(url, 'http://*/path?q=1')) return 'PROXY badurl:1';"
        "  return 'PROXY ' + host + ':1'; }";
    Answer a = run(script, L"http://WWW.Example.COM/path?q=1");
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.proxy, L"WWW.Example.COM:1");
    WINHTTP_AUTOPROXY_OPTIONS o = opts();
    o.dwFlags |= WINHTTP_AUTOPROXY_HOST_LOWERCASE;
    a = get_proxy(session_, L"http://WWW.Example.COM/path?q=1", o);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.proxy, L"www.example.com:1");
}

// Every Netscape helper and Microsoft's IPv6 ones, through the real worker process.
TEST_F(Pac, EveryHelperFunctionWorks) {
    const std::string script = R"JS(
function FindProxyForURL(url, host) {
  var checks = [
    isPlainHostName('intranet'), !isPlainHostName('www.example.com'),
    dnsDomainIs(host, '.example.com'), localHostOrDomainIs('www', 'www.example.com'),
    isResolvable('localhost'), isInNet('localhost', '127.0.0.0', '255.0.0.0'),
    dnsResolve('localhost') == '127.0.0.1', /^\d+\.\d+\.\d+\.\d+$/.test(myIpAddress()),
    dnsDomainLevels(host) == 2, shExpMatch(url, 'http://*.example.com/*'),
    weekdayRange('SUN', 'SAT'), dateRange(1, 31), dateRange('JAN', 'DEC', 'GMT'),
    timeRange(0, 24), alert('checking') === undefined,
    isResolvableEx('localhost'), isInNetEx('2001:db8::1', '2001:db8::/32'),
    dnsResolveEx('localhost').indexOf('127.0.0.1') >= 0, typeof myIpAddressEx() == 'string',
    sortIpAddressList('10.0.0.2;10.0.0.1') == '10.0.0.1;10.0.0.2', getClientVersion() == '1.0'
  ];
  for (var i = 0; i < checks.length; i++) if (checks[i] !== true) return 'PROXY failed-' + i + ':1';
  return 'PROXY ok:1';
}
function FindProxyForURLEx(url, host) { return FindProxyForURL(url, host); }
)JS";
    Answer a = run(script);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.proxy, L"ok:1");
}

// Issue 11: scripts are cached per session (compiled once); WinHttpResetAutoProxy flushes.
TEST_F(Pac, ScriptIsDownloadedOncePerSessionUntilReset) {
    Answer a = run("function FindProxyForURL(url, host) { return 'PROXY ' + host + ':1'; }");
    ASSERT_TRUE(a.ok) << a.error;
    const std::wstring u = pac_url(*server_);
    a = get_proxy(session_, L"http://second.example/", config_url(u));
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.proxy, L"second.example:1");
    EXPECT_EQ(server_->requests().size(), 1u);
    EXPECT_EQ(WinHttpResetAutoProxy(session_, WINHTTP_RESET_SCRIPT_CACHE), static_cast<DWORD>(ERROR_SUCCESS));
    a = get_proxy(session_, L"http://third.example/", config_url(u));
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(server_->requests().size(), 2u);
    EXPECT_THAT(server_->request(0), ::testing::StartsWith("GET /proxy.pac HTTP/1.1\r\n"));
}

// --- hostile and broken scripts: ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT (WinHttpGetProxyForUrl
// page: "an error occurred executing the script code"), bounded in time and memory --------

TEST_F(Pac, InfiniteLoopFailsWithinTheTimeLimit) {
    Answer a = run("function FindProxyForURL(url, host) { for (;;) {} }");
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
}

TEST_F(Pac, InfiniteLoopAtTopLevelFails) {
    Answer a = run("while (true) {}\nfunction FindProxyForURL(url, host) { return 'DIRECT'; }");
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
}

TEST_F(Pac, HugeAllocationFails) {
    Answer a = run("function FindProxyForURL(url, host) {"
                   "  var a = [], s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';"
                   "  for (;;) { s = s + s; a.push(s + a.length); } }");
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
}

TEST_F(Pac, DeepRecursionFails) {
    Answer a = run("function f(n) { return f(n + 1) + 1; }"
                   "function FindProxyForURL(url, host) { return 'PROXY x:' + f(0); }");
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
}

TEST_F(Pac, SyntaxErrorFails) {
    Answer a = run("function FindProxyForURL(url, host) { return 'DIRECT' ");
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
}

TEST_F(Pac, MissingFindProxyForURLFails) {
    Answer a = run("function FindProxy(url, host) { return 'DIRECT'; }");
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
}

TEST_F(Pac, ThrowingScriptFailsAndTheSessionGoesOn) {
    Answer a = run("function FindProxyForURL(url, host) {"
                   "  if (host == 'bad.example') throw new Error('no'); return 'PROXY fine:1'; }",
                   L"http://bad.example/");
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
    a = get_proxy(session_, L"http://good.example/", opts());
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.proxy, L"fine:1");
}

// After a script was killed for looping, the next call starts a fresh worker.
TEST_F(Pac, KilledWorkerIsReplaced) {
    Answer a = run("function FindProxyForURL(url, host) {"
                   "  if (host == 'loop.example') for (;;) {} return 'PROXY fine:1'; }",
                   L"http://loop.example/");
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
    a = get_proxy(session_, L"http://good.example/", opts());
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.proxy, L"fine:1");
}

// WinHttpGetProxyForUrlEx page: ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT, e.g. a 404.
TEST_F(Pac, NotFoundCannotBeDownloaded) {
    server_ = std::make_unique<ScriptedServer>(std::vector<Script>{
        {Step::read_request(), Step::send(http_response(404, "Not Found", {}, "no"))}});
    Answer a = get_proxy(session_, L"http://www.example.com/", opts());
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT));
}

// Issue 11: the script is downloaded with the session's timeouts.
TEST_F(Pac, SlowDownloadTimesOutWithTheSessionTimeouts) {
    server_ = std::make_unique<ScriptedServer>(
        std::vector<Script>{{Step::read_request(), Step::stall(std::chrono::seconds(10))}});
    ASSERT_TRUE(WinHttpSetTimeouts(session_, 0, 2000, 2000, 300));
    Answer a = get_proxy(session_, L"http://www.example.com/", opts());
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT));
}

TEST_F(Pac, OversizedScriptIsRefused) {
    Answer a = run("/*" + std::string(5u << 20, 'x') + "*/ function FindProxyForURL(u, h) { return 'DIRECT'; }");
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
}

// --- bad input ------------------------------------------------------------------------------

// NULL session: ERROR_INVALID_HANDLE; a handle that is not a session: INCORRECT_HANDLE_TYPE;
// missing URL/options/info, no autoproxy kind, AUTO_DETECT without detect flags, CONFIG_URL
// without a URL, reserved fields set: ERROR_INVALID_PARAMETER (the WinHttpGetProxyForUrl and
// WINHTTP_AUTOPROXY_OPTIONS pages; Wine's tests of this function were not re-read here).
TEST_F(Pac, BadArguments) {
    const std::wstring u = L"http://127.0.0.1:9/proxy.pac";
    WINHTTP_AUTOPROXY_OPTIONS o = config_url(u);
    WINHTTP_PROXY_INFO info{};
    auto error_of = [&](HINTERNET s, LPCWSTR url, WINHTTP_AUTOPROXY_OPTIONS* opt, WINHTTP_PROXY_INFO* i) {
        SetLastError(0xdeadbeef);
        EXPECT_FALSE(WinHttpGetProxyForUrl(s, url, opt, i));
        return GetLastError();
    };
    EXPECT_EQ(error_of(nullptr, L"http://a/", &o, &info), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_EQ(error_of(session_, nullptr, &o, &info), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(error_of(session_, L"", &o, &info), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(error_of(session_, L"http://a/", nullptr, &info), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(error_of(session_, L"http://a/", &o, nullptr), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_AUTOPROXY_OPTIONS none{};
    EXPECT_EQ(error_of(session_, L"http://a/", &none, &info), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_AUTOPROXY_OPTIONS detect{};
    detect.dwFlags = WINHTTP_AUTOPROXY_AUTO_DETECT;  // without dwAutoDetectFlags
    EXPECT_EQ(error_of(session_, L"http://a/", &detect, &info), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_AUTOPROXY_OPTIONS no_url{};
    no_url.dwFlags = WINHTTP_AUTOPROXY_CONFIG_URL;
    EXPECT_EQ(error_of(session_, L"http://a/", &no_url, &info), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_AUTOPROXY_OPTIONS reserved = o;
    reserved.dwReserved = 1;
    EXPECT_EQ(error_of(session_, L"http://a/", &reserved, &info), static_cast<DWORD>(ERROR_INVALID_PARAMETER));

    HINTERNET connect = WinHttpConnect(session_, L"127.0.0.1", 9, 0);
    ASSERT_NE(connect, nullptr);
    EXPECT_EQ(error_of(connect, L"http://a/", &o, &info), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    WinHttpCloseHandle(connect);
    // WinHttpGetProxyForUrlEx page: a PAC URL that is not http(s) is UNRECOGNIZED_SCHEME.
    const std::wstring ftp = L"ftp://127.0.0.1/proxy.pac";
    WINHTTP_AUTOPROXY_OPTIONS ftp_opt = config_url(ftp);
    EXPECT_EQ(error_of(session_, L"http://a/", &ftp_opt, &info), static_cast<DWORD>(ERROR_WINHTTP_UNRECOGNIZED_SCHEME));
    EXPECT_EQ(error_of(session_, L"http://", &o, &info), static_cast<DWORD>(ERROR_WINHTTP_INVALID_URL));
}

// --- WPAD -------------------------------------------------------------------------------------

namespace {

std::string write_resolv_conf(const std::string& text) {
    char path[] = "/tmp/winhttp-resolv-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    FILE* f = fdopen(fd, "w");
    fputs(text.c_str(), f);
    fclose(f);
    return path;
}

}  // namespace

// WinHttpDetectAutoProxyConfigUrl page: the URL is returned for GlobalFree.
TEST_F(Pac, DetectFindsWpadOfTheSearchDomain) {
    const std::string conf = write_resolv_conf("nameserver 127.0.0.1\nsearch corp.example.test\n");
    std::vector<std::string> asked;
    winhttp::proxy::set_wpad_hooks({conf, [&](const std::string& host) {
                                        asked.push_back(host);
                                        return host == "wpad.example.test";
                                    }});
    LPWSTR url = nullptr;
    SetLastError(0xdeadbeef);
    ASSERT_TRUE(WinHttpDetectAutoProxyConfigUrl(WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A, &url));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    ASSERT_NE(url, nullptr);
    EXPECT_STREQ(url, L"http://wpad.example.test/wpad.dat");
    GlobalFree(url);
    EXPECT_THAT(asked, ElementsAre("wpad.corp.example.test", "wpad.example.test"));
    std::remove(conf.c_str());
}

// ERROR_WINHTTP_AUTODETECTION_FAILED when nothing is found; no DHCP option 252 on Linux.
TEST_F(Pac, DetectFailsFastWithoutWpad) {
    const std::string conf = write_resolv_conf("nameserver 127.0.0.1\nsearch corp.example.test\n");
    winhttp::proxy::set_wpad_hooks({conf, [](const std::string&) { return false; }});
    LPWSTR url = nullptr;
    SetLastError(0xdeadbeef);
    EXPECT_FALSE(WinHttpDetectAutoProxyConfigUrl(WINHTTP_AUTO_DETECT_TYPE_DNS_A, &url));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_AUTODETECTION_FAILED));
    EXPECT_EQ(url, nullptr);
    winhttp::proxy::set_wpad_hooks({conf, [](const std::string&) { return true; }});
    EXPECT_FALSE(WinHttpDetectAutoProxyConfigUrl(WINHTTP_AUTO_DETECT_TYPE_DHCP, &url));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_AUTODETECTION_FAILED));
    std::remove(conf.c_str());
}

TEST_F(Pac, DetectBadArguments) {
    LPWSTR url = nullptr;
    SetLastError(0xdeadbeef);
    EXPECT_FALSE(WinHttpDetectAutoProxyConfigUrl(0, &url));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(WinHttpDetectAutoProxyConfigUrl(WINHTTP_AUTO_DETECT_TYPE_DNS_A, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(WinHttpDetectAutoProxyConfigUrl(0x100, &url));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

// AUTO_DETECT is tried first; CONFIG_URL is the fallback when detection finds nothing.
TEST_F(Pac, AutoDetectFailureFallsBackToConfigUrl) {
    const std::string conf = write_resolv_conf("nameserver 127.0.0.1\n");
    winhttp::proxy::set_wpad_hooks({conf, [](const std::string&) { return false; }});
    WINHTTP_AUTOPROXY_OPTIONS o{};
    o.dwFlags = WINHTTP_AUTOPROXY_AUTO_DETECT;
    o.dwAutoDetectFlags = WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A;
    Answer a = get_proxy(session_, L"http://www.example.com/", o);
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_AUTODETECTION_FAILED));
    server_ = serve_pac("function FindProxyForURL(u, h) { return 'PROXY fallback:1'; }");
    const std::wstring u = pac_url(*server_);
    o.dwFlags |= WINHTTP_AUTOPROXY_CONFIG_URL;
    o.lpszAutoConfigUrl = u.c_str();
    a = get_proxy(session_, L"http://www.example.com/", o);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.proxy, L"fallback:1");
    std::remove(conf.c_str());
}

// --- close cancels a synchronous call (DESIGN.md close protocol, beyond Windows) -------------

TEST_F(Pac, ClosingTheSessionCancelsTheDownload) {
    server_ = std::make_unique<ScriptedServer>(
        std::vector<Script>{{Step::read_request(), Step::stall(std::chrono::seconds(10))}});
    const std::wstring u = pac_url(*server_);
    auto call = std::async(std::launch::async, [&] { return get_proxy(session_, L"http://a.example/", config_url(u)); });
    server_->request(0);  // the download is under way
    ASSERT_TRUE(WinHttpCloseHandle(session_));
    session_ = nullptr;
    ASSERT_EQ(call.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    Answer a = call.get();
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
}

TEST_F(Pac, ClosingTheSessionCancelsTheScript) {
    // Long enough that the close always comes first.
    server_ = serve_pac("function FindProxyForURL(url, host) { for (;;) {} }");
    const std::wstring u = pac_url(*server_);
    auto call = std::async(std::launch::async, [&] { return get_proxy(session_, L"http://a.example/", config_url(u)); });
    server_->request(0);
    ASSERT_TRUE(server_->wait_done(1));  // the script is downloaded: the call is in (or at) the script
    ASSERT_TRUE(WinHttpCloseHandle(session_));
    session_ = nullptr;
    ASSERT_EQ(call.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    Answer a = call.get();
    EXPECT_FALSE(a.ok);
    EXPECT_EQ(a.error, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
}

// --- the resolver family (async) --------------------------------------------------------------

namespace {

// The resolver's HANDLE_CLOSING runs on the operation's thread, which may still be returning
// from the recorder when the test ends: recorders live for the whole run (reachable, so not a
// leak), never destroyed under a callback.
CallbackRecorder& lasting_recorder() {
    static auto* all = new std::vector<CallbackRecorder*>;  // never destroyed: stays reachable
    static std::mutex m;
    std::lock_guard lock(m);
    all->push_back(new CallbackRecorder);
    return *all->back();
}

class PacResolver : public ::testing::Test {
protected:
    void SetUp() override {
        use_test_worker();
        session_ = WinHttpOpen(L"pac-test", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, WINHTTP_FLAG_ASYNC);
        ASSERT_NE(session_, nullptr);
        // The resolver inherits the session's context: HANDLE_CLOSING of a resolver that never
        // ran reaches the recorder too.
        DWORD_PTR ctx = rec_.context();
        ASSERT_TRUE(WinHttpSetOption(session_, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx)));
        ASSERT_EQ(WinHttpCreateProxyResolver(session_, &resolver_), static_cast<DWORD>(ERROR_SUCCESS));
        ASSERT_NE(resolver_, nullptr);
        ASSERT_NE(WinHttpSetStatusCallback(resolver_, CallbackRecorder::record,
                                           WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0),
                  WINHTTP_INVALID_STATUS_CALLBACK);
    }
    void TearDown() override {
        if (resolver_) close_resolver();
        WinHttpCloseHandle(session_);
    }
    void close_resolver() {
        ASSERT_TRUE(WinHttpCloseHandle(resolver_));
        EXPECT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, 1, std::chrono::seconds(10), resolver_))
            << rec_.dump();
        closed_ = resolver_;
        resolver_ = nullptr;
    }
    DWORD start(const std::wstring& pac, const wchar_t* url = L"http://www.example.com/") {
        WINHTTP_AUTOPROXY_OPTIONS o = config_url(pac);
        return WinHttpGetProxyForUrlEx(resolver_, url, &o, rec_.context());
    }
    HINTERNET session_ = nullptr;
    HINTERNET resolver_ = nullptr;
    HINTERNET closed_ = nullptr;
    CallbackRecorder& rec_ = lasting_recorder();
    std::unique_ptr<ScriptedServer> server_;
};

}  // namespace

// WinHttpGetProxyForUrlEx page: ERROR_IO_PENDING, then GETPROXYFORURL_COMPLETE and
// WinHttpGetProxyResult gives the entries (freed with WinHttpFreeProxyResult).
TEST_F(PacResolver, CompletesAndGivesEntries) {
    server_ = serve_pac("function FindProxyForURL(u, h) { return 'PROXY a.example:8080; HTTPS b.example; DIRECT'; }");
    ASSERT_EQ(start(pac_url(*server_)), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_GETPROXYFORURL_COMPLETE)) << rec_.dump();
    WINHTTP_PROXY_RESULT r{};
    ASSERT_EQ(WinHttpGetProxyResult(resolver_, &r), static_cast<DWORD>(ERROR_SUCCESS));
    ASSERT_EQ(r.cEntries, 3u);
    EXPECT_TRUE(r.pEntries[0].fProxy);
    EXPECT_FALSE(r.pEntries[0].fBypass);
    EXPECT_EQ(r.pEntries[0].ProxyScheme, INTERNET_SCHEME_HTTP);
    EXPECT_STREQ(r.pEntries[0].pwszProxy, L"a.example");
    EXPECT_EQ(r.pEntries[0].ProxyPort, 8080);
    EXPECT_EQ(r.pEntries[1].ProxyScheme, INTERNET_SCHEME_HTTPS);
    EXPECT_STREQ(r.pEntries[1].pwszProxy, L"b.example");
    EXPECT_EQ(r.pEntries[1].ProxyPort, 443);
    EXPECT_FALSE(r.pEntries[2].fProxy);  // DIRECT
    EXPECT_EQ(r.pEntries[2].pwszProxy, nullptr);
    WinHttpFreeProxyResult(&r);
    EXPECT_EQ(r.cEntries, 0u);
    EXPECT_EQ(r.pEntries, nullptr);
    close_resolver();
    EXPECT_THAT(rec_.statuses(closed_), ElementsAre(WINHTTP_CALLBACK_STATUS_GETPROXYFORURL_COMPLETE,
                                                    WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING))
        << rec_.dump();
}

TEST_F(PacResolver, Ex2AndResultEx) {
    server_ = serve_pac("function FindProxyForURL(u, h) { return 'PROXY a.example:8080'; }");
    const std::wstring pac = pac_url(*server_);
    WINHTTP_AUTOPROXY_OPTIONS o = config_url(pac);
    BYTE selection[4] = {};
    EXPECT_EQ(WinHttpGetProxyForUrlEx2(resolver_, L"http://x.example/", &o, 4, nullptr, rec_.context()),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    ASSERT_EQ(WinHttpGetProxyForUrlEx2(resolver_, L"http://x.example/", &o, sizeof(selection), selection,
                                       rec_.context()),
              static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_GETPROXYFORURL_COMPLETE)) << rec_.dump();
    WINHTTP_PROXY_RESULT_EX r{};
    ASSERT_EQ(WinHttpGetProxyResultEx(resolver_, &r), static_cast<DWORD>(ERROR_SUCCESS));
    ASSERT_EQ(r.cEntries, 1u);
    EXPECT_STREQ(r.pEntries[0].pwszProxy, L"a.example");
    EXPECT_EQ(r.hProxyDetectionHandle, nullptr);
    WinHttpFreeProxyResultEx(&r);
    EXPECT_EQ(r.pEntries, nullptr);
}

// REQUEST_ERROR carries API_GET_PROXY_FOR_URL and the error; no result is available then.
TEST_F(PacResolver, FailureIsReportedAsRequestError) {
    server_ = std::make_unique<ScriptedServer>(std::vector<Script>{
        {Step::read_request(), Step::send(http_response(404, "Not Found", {}, "no"))}});
    ASSERT_EQ(start(pac_url(*server_)), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR)) << rec_.dump();
    auto ev = rec_.events_for(resolver_);
    ASSERT_EQ(ev.size(), 1u) << rec_.dump();
    EXPECT_EQ(ev[0].result.dwResult, static_cast<DWORD_PTR>(API_GET_PROXY_FOR_URL));
    EXPECT_EQ(ev[0].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT));
    WINHTTP_PROXY_RESULT r{};
    EXPECT_EQ(WinHttpGetProxyResult(resolver_, &r), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
}

TEST_F(PacResolver, HostileScriptIsReportedAsRequestError) {
    server_ = serve_pac("function FindProxyForURL(u, h) { for (;;) {} }");
    ASSERT_EQ(start(pac_url(*server_)), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(rec_.wait_for(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR)) << rec_.dump();
    auto ev = rec_.events_for(resolver_);
    ASSERT_EQ(ev.size(), 1u) << rec_.dump();
    EXPECT_EQ(ev[0].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT));
}

// WinHttpGetProxyResult page: INCORRECT_HANDLE_STATE until a call has completed successfully.
TEST_F(PacResolver, ResultBeforeCompletionIsIncorrectState) {
    WINHTTP_PROXY_RESULT r{};
    EXPECT_EQ(WinHttpGetProxyResult(resolver_, &r), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    WINHTTP_PROXY_RESULT_EX rx{};
    EXPECT_EQ(WinHttpGetProxyResultEx(resolver_, &rx), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    server_ = std::make_unique<ScriptedServer>(
        std::vector<Script>{{Step::read_request(), Step::stall(std::chrono::seconds(10))}});
    ASSERT_EQ(start(pac_url(*server_)), static_cast<DWORD>(ERROR_IO_PENDING));
    EXPECT_EQ(WinHttpGetProxyResult(resolver_, &r), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    // One evaluation at a time per resolver.
    EXPECT_EQ(start(pac_url(*server_)), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    EXPECT_EQ(WinHttpGetProxyResult(resolver_, nullptr), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

// Closing the resolver cancels: REQUEST_ERROR(OPERATION_CANCELLED), then HANDLE_CLOSING last.
TEST_F(PacResolver, CloseCancelsTheDownload) {
    server_ = std::make_unique<ScriptedServer>(
        std::vector<Script>{{Step::read_request(), Step::stall(std::chrono::seconds(10))}});
    ASSERT_EQ(start(pac_url(*server_)), static_cast<DWORD>(ERROR_IO_PENDING));
    server_->request(0);
    close_resolver();
    auto ev = rec_.events_for(closed_);
    ASSERT_EQ(ev.size(), 2u) << rec_.dump();
    EXPECT_EQ(ev[0].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR));
    EXPECT_EQ(ev[0].result.dwResult, static_cast<DWORD_PTR>(API_GET_PROXY_FOR_URL));
    EXPECT_EQ(ev[0].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    EXPECT_EQ(ev[1].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING));
}

TEST_F(PacResolver, CloseCancelsTheScript) {
    server_ = serve_pac("function FindProxyForURL(u, h) { for (;;) {} }");
    ASSERT_EQ(start(pac_url(*server_)), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(server_->wait_done(1));
    close_resolver();
    auto ev = rec_.events_for(closed_);
    ASSERT_EQ(ev.size(), 2u) << rec_.dump();
    EXPECT_EQ(ev[0].result.dwError, static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    EXPECT_EQ(ev[1].status, static_cast<DWORD>(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING));
}

// A resolver that never ran closes with HANDLE_CLOSING only.
TEST_F(PacResolver, CloseIdleResolver) {
    close_resolver();
    EXPECT_THAT(rec_.statuses(closed_), ElementsAre(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING)) << rec_.dump();
}

// WinHttpCreateProxyResolver page: ERROR_INVALID_HANDLE for NULL, INCORRECT_HANDLE_TYPE for
// a handle that is not an asynchronous session.
TEST_F(PacResolver, CreateBadArguments) {
    HINTERNET r = nullptr;
    EXPECT_EQ(WinHttpCreateProxyResolver(nullptr, &r), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    HINTERNET sync = WinHttpOpen(L"pac-test", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, 0);
    EXPECT_EQ(WinHttpCreateProxyResolver(sync, &r), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    WinHttpCloseHandle(sync);
    EXPECT_EQ(WinHttpCreateProxyResolver(resolver_, &r), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(WinHttpCreateProxyResolver(session_, nullptr), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(r, nullptr);
}

// WinHttpGetProxyForUrlEx page: INCORRECT_HANDLE_TYPE, INVALID_URL; bad options as for
// WinHttpGetProxyForUrl.
TEST_F(PacResolver, GetProxyForUrlExBadArguments) {
    const std::wstring pac = L"http://127.0.0.1:9/p.pac";
    WINHTTP_AUTOPROXY_OPTIONS o = config_url(pac);
    EXPECT_EQ(WinHttpGetProxyForUrlEx(nullptr, L"http://a/", &o, 0), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_EQ(WinHttpGetProxyForUrlEx(session_, L"http://a/", &o, 0), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(WinHttpGetProxyForUrlEx(resolver_, nullptr, &o, 0), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpGetProxyForUrlEx(resolver_, L"http://a/", nullptr, 0), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_AUTOPROXY_OPTIONS none{};
    EXPECT_EQ(WinHttpGetProxyForUrlEx(resolver_, L"http://a/", &none, 0), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpGetProxyForUrlEx(resolver_, L"http://", &o, 0), static_cast<DWORD>(ERROR_WINHTTP_INVALID_URL));
    WINHTTP_PROXY_RESULT r{};
    EXPECT_EQ(WinHttpGetProxyResult(session_, &r), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(WinHttpGetProxyResult(nullptr, &r), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    WinHttpFreeProxyResult(nullptr);
    WinHttpFreeProxyResultEx(nullptr);
    EXPECT_EQ(WinHttpResetAutoProxy(nullptr, WINHTTP_RESET_ALL), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_EQ(WinHttpResetAutoProxy(resolver_, WINHTTP_RESET_ALL), static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(rec_.events_for(resolver_).size(), 0u) << rec_.dump();
}
