#include "proxy/wpad.h"

#include <netdb.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "async/blocking_jobs.h"
#include "util/wide.h"

namespace winhttp::proxy {

namespace {

std::mutex hooks_mutex;
WpadHooks hooks;

constexpr auto kDetectBudget = std::chrono::milliseconds(2000);

std::vector<std::string> split_words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

// getaddrinfo on a thread of the blocking-job pool, waited for until `deadline`; a lookup still
// running then is left to finish by itself (glibc's resolver cannot be cancelled), but the pool
// still owns and joins its thread, so none outlives the library.
class DnsProbe final : public BlockingJob {
public:
    explicit DnsProbe(std::string host) : host_(std::move(host)) {}

    void run() noexcept override {
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        const bool ok = getaddrinfo(host_.c_str(), nullptr, &hints, &res) == 0;
        if (res) freeaddrinfo(res);
        std::lock_guard lock(m_);
        done_ = true;
        ok_ = ok;
        cv_.notify_all();
    }
    void cancel() noexcept override {}

    bool wait_until(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(m_);
        cv_.wait_until(lock, deadline, [&] { return done_; });
        return done_ && ok_;
    }

private:
    std::string host_;
    std::mutex m_;
    std::condition_variable cv_;
    bool done_ = false;
    bool ok_ = false;
};

bool resolves_by_dns(const std::string& host, std::chrono::steady_clock::time_point deadline) {
    auto probe = std::make_shared<DnsProbe>(host);
    if (!BlockingJobs::start(probe)) return false;
    return probe->wait_until(deadline);
}

}  // namespace

std::vector<std::string> wpad_candidates(std::string_view resolv_conf) {
    std::vector<std::string> domains, search, out;
    std::string domain;
    std::istringstream in{std::string(resolv_conf)};
    for (std::string line; std::getline(in, line);) {
        auto words = split_words(line);
        if (words.empty() || words[0][0] == '#' || words[0][0] == ';') continue;
        // The last "search" or "domain" line wins, as in resolv.conf(5).
        if (words[0] == "search") {
            search.assign(words.begin() + 1, words.end());
            domain.clear();
        } else if (words[0] == "domain" && words.size() > 1) {
            domain = words[1];
            search.clear();
        }
    }
    domains = search.empty() && !domain.empty() ? std::vector<std::string>{domain} : search;
    for (std::string d : domains) {
        d = to_ascii_lower(d);
        while (!d.empty() && d.back() == '.') d.pop_back();
        if (d.empty() || d.size() > 240) continue;
        for (;;) {
            const size_t dot = d.find('.');
            if (dot == std::string::npos) break;  // one label left: never asked
            std::string name = "wpad." + d;
            bool seen = false;
            for (const auto& o : out) seen = seen || o == name;
            if (!seen) out.push_back(name);
            d = d.substr(dot + 1);
        }
    }
    return out;
}

void set_wpad_hooks(WpadHooks h) {
    std::lock_guard lock(hooks_mutex);
    hooks = std::move(h);
}

DWORD detect_wpad_url(DWORD detect_flags, std::wstring& url) {
    if (!(detect_flags & WINHTTP_AUTO_DETECT_TYPE_DNS_A)) return ERROR_WINHTTP_AUTODETECTION_FAILED;
    WpadHooks h;
    {
        std::lock_guard lock(hooks_mutex);
        h = hooks;
    }
    std::ifstream file(h.resolv_conf.empty() ? "/etc/resolv.conf" : h.resolv_conf);
    if (!file) return ERROR_WINHTTP_AUTODETECTION_FAILED;
    std::stringstream text;
    text << file.rdbuf();
    const auto deadline = std::chrono::steady_clock::now() + kDetectBudget;
    for (const std::string& name : wpad_candidates(text.str())) {
        if (std::chrono::steady_clock::now() >= deadline) break;
        const bool found = h.resolves ? h.resolves(name) : resolves_by_dns(name, deadline);
        if (found) {
            url = L"http://" + from_utf8(name) + L"/wpad.dat";
            return ERROR_SUCCESS;
        }
    }
    return ERROR_WINHTTP_AUTODETECTION_FAILED;
}

}  // namespace winhttp::proxy
