// WinHttpGetProxyForUrl with a cached script (issue 11 goal: <= 50 us for a second URL): the
// script is downloaded and compiled once; each iteration is one FindProxyForURL round trip to
// the worker process plus the API's own work (URL check, result parsing, GlobalFree strings).
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include <winhttp.h>

#include "pac_worker/pac_engine.h"

namespace {

const char kScript[] =
    "function FindProxyForURL(url, host) {\n"
    "  if (isPlainHostName(host) || dnsDomainIs(host, '.corp.example')) return 'DIRECT';\n"
    "  if (shExpMatch(url, 'https://*')) return 'PROXY secure.example:8443; DIRECT';\n"
    "  return 'PROXY proxy1.example:8080; PROXY proxy2.example:8080; DIRECT';\n"
    "}\n";

// Serves kScript to every connection on 127.0.0.1 until stopped.
class PacServer {
public:
    PacServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
        socklen_t len = sizeof(a);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        ::listen(fd_, 8);
        thread_ = std::thread([this] { serve(); });
    }
    ~PacServer() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
    }
    unsigned short port() const { return port_; }

private:
    void serve() {
        while (!stop_) {
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            char buf[4096];
            std::string req;
            while (req.find("\r\n\r\n") == std::string::npos) {
                ssize_t n = ::read(c, buf, sizeof(buf));
                if (n <= 0) break;
                req.append(buf, static_cast<size_t>(n));
            }
            std::string body = kScript;
            std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ns-proxy-autoconfig\r\n"
                               "Connection: close\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body;
            [[maybe_unused]] ssize_t w = ::write(c, resp.data(), resp.size());
            ::close(c);
        }
    }
    int fd_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

void BM_GetProxyForUrlCachedScript(benchmark::State& state) {
    setenv("WINHTTP_PAC_WORKER", WINHTTP_PAC_WORKER_PATH, 0);
    PacServer server;
    HINTERNET session = WinHttpOpen(L"pac-bench", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, 0);
    const std::wstring pac = L"http://127.0.0.1:" + std::to_wstring(server.port()) + L"/proxy.pac";
    WINHTTP_AUTOPROXY_OPTIONS o{};
    o.dwFlags = WINHTTP_AUTOPROXY_CONFIG_URL;
    o.lpszAutoConfigUrl = pac.c_str();
    WINHTTP_PROXY_INFO info{};
    // First URL: download, worker start, compile.
    if (!WinHttpGetProxyForUrl(session, L"http://first.example/", &o, &info)) {
        state.SkipWithError("first WinHttpGetProxyForUrl failed");
        WinHttpCloseHandle(session);
        return;
    }
    GlobalFree(info.lpszProxy);
    for (auto _ : state) {
        if (!WinHttpGetProxyForUrl(session, L"http://www.example.com/second/path?q=1", &o, &info)) {
            state.SkipWithError("WinHttpGetProxyForUrl failed");
            break;
        }
        benchmark::DoNotOptimize(info.lpszProxy);
        GlobalFree(info.lpszProxy);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    WinHttpCloseHandle(session);
}
BENCHMARK(BM_GetProxyForUrlCachedScript)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The same FindProxyForURL call inside the engine alone (what the worker spends per URL): the
// difference to the row above is the process round trip and the API's own work.
void BM_PacEngineFind(benchmark::State& state) {
    winhttp::pacworker::PacEngine engine;
    std::string out;
    if (engine.load(kScript, out) != winhttp::proxy::wire::kOk) {
        state.SkipWithError("load failed");
        return;
    }
    for (auto _ : state) {
        engine.find("http://www.example.com/second/path?q=1", "www.example.com", out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PacEngineFind)->Unit(benchmark::kMicrosecond);

}  // namespace
