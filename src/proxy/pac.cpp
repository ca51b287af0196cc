#include "proxy/pac.h"

#include <atomic>

#include "core/session.h"
#include "proxy/pac_worker_client.h"
#include "proxy/wpad.h"
#include "util/error_names.h"
#include "util/trace.h"
#include "util/url.h"
#include "util/wide.h"

namespace winhttp::proxy {

namespace {

constexpr size_t kMaxScript = 4u << 20;

int as_timeout(DWORD ms) { return is_infinite(ms) ? 0 : static_cast<int>(std::min<DWORD>(ms, 0x7FFFFFFF)); }

// Closes a handle of the public API when it goes out of scope.
struct Handle {
    HINTERNET h = nullptr;
    ~Handle() {
        if (h) WinHttpCloseHandle(h);
    }
};

// GETs `pac_url` with a private synchronous session (no proxy, the session's timeouts), over
// our own HTTP engine. Cancelling `cancel` closes the request, which ends a blocked call.
DWORD download(const Timeouts& t, const std::wstring& pac_url, CancelToken& cancel,
               std::string& body) {
    ParsedUrl u;
    if (DWORD e = crack_url(pac_url, u)) return e;
    std::wstring host = u.host;
    if (host.size() > 2 && host.front() == L'[') host = host.substr(1, host.size() - 2);
    Handle session, connect;
    session.h = WinHttpOpen(L"OpenWinHTTP-PAC/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, 0);
    if (!session.h) return ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT;
    WinHttpSetTimeouts(session.h, as_timeout(t.resolve), as_timeout(t.connect), as_timeout(t.send),
                       as_timeout(t.receive));
    connect.h = WinHttpConnect(session.h, host.c_str(), u.port, 0);
    if (!connect.h) return ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT;
    const std::wstring object = u.path.empty() ? L"/" + u.extra : u.path + u.extra;
    HINTERNET request = WinHttpOpenRequest(connect.h, L"GET", object.c_str(), nullptr, nullptr,
                                           nullptr, u.scheme == INTERNET_SCHEME_HTTPS ? WINHTTP_FLAG_SECURE : 0);
    if (!request) return ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT;
    auto closed = std::make_shared<std::atomic<bool>>(false);
    cancel.set_hook([request, closed] {
        if (!closed->exchange(true)) WinHttpCloseHandle(request);
    });
    DWORD err = ERROR_SUCCESS;
    DWORD status = 0, size = sizeof(status);
    if (!WinHttpSendRequest(request, nullptr, 0, nullptr, 0, 0, 0) ||
        !WinHttpReceiveResponse(request, nullptr) ||
        !WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER, nullptr,
                             &status, &size, nullptr) ||
        status != 200) {
        err = ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT;
    }
    char buf[16384];
    while (!err) {
        DWORD got = 0;
        if (!WinHttpReadData(request, buf, sizeof(buf), &got)) {
            err = ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT;
            break;
        }
        if (got == 0) break;
        if (body.size() + got > kMaxScript) {
            err = ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT;
            break;
        }
        body.append(buf, got);
    }
    cancel.clear_hook();
    if (!closed->exchange(true)) WinHttpCloseHandle(request);
    if (cancel.cancelled()) return ERROR_WINHTTP_OPERATION_CANCELLED;
    return err;
}

// The host FindProxyForURL gets: without IPv6 brackets, as written (HOST_KEEPCASE is the
// default, WINHTTP_AUTOPROXY_OPTIONS page) unless HOST_LOWERCASE alone asks for lower case.
std::string script_host(const std::wstring& host, DWORD flags) {
    std::string h = to_utf8(host);
    if (h.size() > 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
    const bool lower = (flags & WINHTTP_AUTOPROXY_HOST_LOWERCASE) && !(flags & WINHTTP_AUTOPROXY_HOST_KEEPCASE);
    return lower ? to_ascii_lower(h) : h;
}

// Registers `t` with the session's cache for the duration of an operation.
struct OpScope {
    PacCache& cache;
    CancelToken* t;
    OpScope(PacCache& c, CancelToken* tok) : cache(c), t(tok) { cache.add_op(t); }
    ~OpScope() { cache.remove_op(t); }
};

DWORD run_script(Session& session, const std::wstring& pac_url, const std::string& url,
                 const std::string& host, CancelToken& cancel, std::string& answer,
                 PacPhase& phase) {
    phase = PacPhase::Setup;
    PacCache& cache = session.pac_cache();
    std::shared_ptr<PacScript> script = cache.script(pac_url);
    if (!script) {
        std::string source;
        const DWORD e = download(session.settings().timeouts, pac_url, cancel, source);
        OPENWINHTTP_TRACE_LINE("pac script %ls downloaded: %zu bytes -> %s (%u)", pac_url.c_str(), source.size(), error_name(e), e);
        if (e) return e;
        script = cache.add_script(pac_url, std::make_shared<PacScript>(std::move(source)));
    }
    return script->find(url, host, cancel, answer, phase);
}

}  // namespace

// --- PacScript -------------------------------------------------------------------------------

PacScript::PacScript(std::string source) : source_(std::move(source)) {}
PacScript::~PacScript() = default;

DWORD PacScript::find(const std::string& url, const std::string& host, CancelToken& cancel,
                      std::string& result, PacPhase& phase) {
    phase = PacPhase::Setup;
    std::lock_guard lock(mutex_);
    if (cancel.cancelled()) return ERROR_WINHTTP_OPERATION_CANCELLED;
    if (load_error_) return load_error_;
    wire::Status st;
    std::string text;
    if (!worker_ || worker_->dead()) {
        worker_.reset();
        if (DWORD e = PacWorker::spawn(worker_limits(), worker_)) return e;
        DWORD e = worker_->call(wire::kLoad, source_, cancel.fd(), st, text);
        OPENWINHTTP_TRACE_LINE("pac script compiled in a new worker: %s (%u), %s", error_name(e), e, st == wire::kOk ? "ok" : "script error");
        if (e == ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT) load_error_ = e;  // top level too slow
        if (e) return e;
        if (st != wire::kOk) {
            load_error_ = ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT;
            worker_.reset();
            return load_error_;
        }
    }
    std::string request = url;
    request.push_back('\0');
    request += host;
    phase = PacPhase::Run;
    const DWORD e = worker_->call(wire::kFind, request, cancel.fd(), st, text);
    OPENWINHTTP_TRACE_LINE("pac FindProxyForURL(\"%s\", \"%s\") = \"%.200s\" -> %s (%u)%s", url.c_str(), host.c_str(), text.c_str(), error_name(e), e, !e && st != wire::kOk ? ", script error" : "");
    if (e) return e;
    if (st != wire::kOk) return ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT;
    result = std::move(text);
    return ERROR_SUCCESS;
}

// --- PacCache --------------------------------------------------------------------------------

std::shared_ptr<PacScript> PacCache::script(const std::wstring& pac_url) {
    std::lock_guard lock(mutex_);
    auto it = scripts_.find(pac_url);
    return it == scripts_.end() ? nullptr : it->second;
}

std::shared_ptr<PacScript> PacCache::add_script(const std::wstring& pac_url,
                                                std::shared_ptr<PacScript> s) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = scripts_.emplace(pac_url, std::move(s));
    return it->second;  // another thread's copy when it was first
}

bool PacCache::detected_url(std::wstring& url) {
    std::lock_guard lock(mutex_);
    if (detected_.empty()) return false;
    url = detected_;
    return true;
}

void PacCache::set_detected_url(const std::wstring& url) {
    std::lock_guard lock(mutex_);
    detected_ = url;
}

void PacCache::reset() {
    std::map<std::wstring, std::shared_ptr<PacScript>> old;
    {
        std::lock_guard lock(mutex_);
        old.swap(scripts_);
        detected_.clear();
        failures_.clear();
    }
    // `old` ends here, outside the lock: a script still in use lives on with its user.
}

bool PacCache::recent_failure(const std::wstring& pac_url, DWORD& error) {
    std::lock_guard lock(mutex_);
    auto it = failures_.find(pac_url);
    if (it == failures_.end()) return false;
    if (std::chrono::steady_clock::now() - it->second.at >= kRetryAfter) {
        failures_.erase(it);
        return false;
    }
    error = it->second.error;
    return true;
}

void PacCache::note_failure(const std::wstring& pac_url, DWORD error) {
    std::lock_guard lock(mutex_);
    failures_[pac_url] = Failure{error, std::chrono::steady_clock::now()};
}

void PacCache::add_op(CancelToken* t) {
    bool closed;
    {
        std::lock_guard lock(mutex_);
        closed = closed_;
        ops_.insert(t);
    }
    if (closed) t->cancel();
}

void PacCache::remove_op(CancelToken* t) {
    std::lock_guard lock(mutex_);
    ops_.erase(t);
}

void PacCache::cancel_all() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (CancelToken* t : ops_) t->cancel();
}

// --- pipeline --------------------------------------------------------------------------------

DWORD validate_options(const WINHTTP_AUTOPROXY_OPTIONS& o) {
    const DWORD kinds = o.dwFlags & (WINHTTP_AUTOPROXY_AUTO_DETECT | WINHTTP_AUTOPROXY_CONFIG_URL);
    if (!kinds) return ERROR_INVALID_PARAMETER;
    if (o.dwFlags & WINHTTP_AUTOPROXY_AUTO_DETECT) {
        constexpr DWORD known = WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A;
        if (!o.dwAutoDetectFlags || (o.dwAutoDetectFlags & ~known)) return ERROR_INVALID_PARAMETER;
    }
    if ((o.dwFlags & WINHTTP_AUTOPROXY_CONFIG_URL) && (!o.lpszAutoConfigUrl || !*o.lpszAutoConfigUrl))
        return ERROR_INVALID_PARAMETER;
    if (o.lpvReserved || o.dwReserved) return ERROR_INVALID_PARAMETER;
    return ERROR_SUCCESS;
}

DWORD find_proxy(Session& session, const PacQuery& q, CancelToken& cancel,
                 std::vector<PacEntry>& out, PacPhase* phase_out) {
    PacPhase unused;
    PacPhase& phase = phase_out ? *phase_out : unused;
    phase = PacPhase::Setup;
    ParsedUrl target;
    if (DWORD e = crack_url(q.url, target)) return e;
    OpScope scope(session.pac_cache(), &cancel);
    const std::string url = to_utf8(q.url);
    const std::string host = script_host(target.host, q.flags);
    DWORD err = ERROR_WINHTTP_AUTODETECTION_FAILED;
    std::vector<std::wstring> pac_urls;
    if (q.flags & WINHTTP_AUTOPROXY_AUTO_DETECT) {
        std::wstring detected;
        if (session.pac_cache().detected_url(detected) ||
            detect_wpad_url(q.detect_flags, detected) == ERROR_SUCCESS) {
            session.pac_cache().set_detected_url(detected);
            OPENWINHTTP_TRACE_LINE("pac WPAD found %ls", detected.c_str());
            pac_urls.push_back(detected);
        }
    }
    if (q.flags & WINHTTP_AUTOPROXY_CONFIG_URL) pac_urls.push_back(q.config_url);
    for (const std::wstring& pac_url : pac_urls) {
        if (cancel.cancelled()) return ERROR_WINHTTP_OPERATION_CANCELLED;
        std::string answer;
        err = run_script(session, pac_url, url, host, cancel, answer, phase);
        if (err == ERROR_WINHTTP_OPERATION_CANCELLED) return err;
        OPENWINHTTP_TRACE_LINE("pac %ls -> %s (%u)%s", pac_url.c_str(), error_name(err), err, err && &pac_url != &pac_urls.back() ? ": trying the next script" : "");
        if (err) continue;
        phase = PacPhase::Run;
        out = parse_pac_result(answer);
        return out.empty() ? ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR : ERROR_SUCCESS;
    }
    return cancel.cancelled() ? ERROR_WINHTTP_OPERATION_CANCELLED : err;
}

DWORD pac_find_proxy(Session& session, std::wstring_view url, std::wstring_view pac_url,
                     CancelToken& cancel, std::vector<PacEntry>& out, PacPhase& phase) {
    phase = PacPhase::Setup;
    const std::wstring key(pac_url);
    DWORD remembered = 0;
    if (session.pac_cache().recent_failure(key, remembered)) {
        OPENWINHTTP_TRACE_LINE("pac %ls failed recently: %s (%u), not tried again yet", key.c_str(), error_name(remembered), remembered);
        return remembered;
    }
    PacQuery q;
    q.url = url;
    if (pac_url.empty()) {
        q.flags = WINHTTP_AUTOPROXY_AUTO_DETECT;
        q.detect_flags = WINHTTP_AUTO_DETECT_TYPE_DNS_A;
    } else {
        q.flags = WINHTTP_AUTOPROXY_CONFIG_URL;
        q.config_url = pac_url;
    }
    const DWORD e = find_proxy(session, q, cancel, out, &phase);
    if (e && e != ERROR_WINHTTP_OPERATION_CANCELLED && phase == PacPhase::Setup &&
        e != ERROR_WINHTTP_INVALID_URL)  // a bad request URL says nothing about the PAC
        session.pac_cache().note_failure(key, e);
    return e;
}

}  // namespace winhttp::proxy
