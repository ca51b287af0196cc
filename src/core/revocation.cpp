// Revocation checking by network fetch: see revocation.h and docs/design/revocation.md.
#include "core/revocation.h"

#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <new>

#include "net/tls.h"
#include "util/url.h"
#include "util/wide.h"

namespace winhttp {

namespace {

// Limits of what a responder or distribution point may send. OCSP answers are a few KiB
// (RFC 5019 keeps them small); CRLs of large CAs reach tens of MiB.
constexpr size_t kMaxOcspResponse = 1u << 20;
constexpr size_t kMaxCrl = 32u << 20;
// RFC 5019 2.1.1: GET for requests whose encoded URL stays under 255 bytes, else POST.
constexpr size_t kMaxGetUrl = 255;

int as_timeout(DWORD ms) {
    return is_infinite(ms) ? 0 : static_cast<int>(std::min<DWORD>(ms, 0x7FFFFFFF));
}

// Closes a handle of the public API when it goes out of scope.
struct Handle {
    HINTERNET h = nullptr;
    ~Handle() {
        if (h) WinHttpCloseHandle(h);
    }
};

bool decided(net::Revocation r) {
    return r == net::Revocation::Good || r == net::Revocation::Revoked;
}

}  // namespace

// ---- the cache -------------------------------------------------------------------------------

bool RevocationCache::find(const std::string& key, net::Revocation& out) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return false;
    if (it->second.valid_until <= static_cast<int64_t>(std::time(nullptr))) {
        entries_.erase(it);  // past its nextUpdate: ask again
        return false;
    }
    out = it->second.answer;
    return true;
}

void RevocationCache::store(const std::string& key, net::Revocation r, int64_t valid_until) {
    if (key.empty() || valid_until <= static_cast<int64_t>(std::time(nullptr)) || !decided(r))
        return;
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxEntries) {
        const auto now = static_cast<int64_t>(std::time(nullptr));
        std::erase_if(entries_, [now](const auto& e) { return e.second.valid_until <= now; });
        if (entries_.size() >= kMaxEntries) entries_.clear();  // bounded, whatever the server
    }
    entries_[key] = Entry{r, valid_until};
}

size_t RevocationCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

// ---- the job ---------------------------------------------------------------------------------

RevocationJob::RevocationJob(std::shared_ptr<RevocationCache> cache, const Timeouts& timeouts,
                             std::vector<Target> targets, STACK_OF(X509) * chain,
                             X509_STORE* store)
    : cache_(std::move(cache)),
      timeouts_(timeouts),
      targets_(std::move(targets)),
      chain_(chain),
      store_(store) {}

RevocationJob::~RevocationJob() {
    for (const Target& t : targets_) {
        X509_free(t.cert);
        X509_free(t.issuer);
    }
    sk_X509_pop_free(chain_, X509_free);
    X509_STORE_free(store_);
}

DWORD RevocationJob::run() noexcept {
    try {
        results.clear();
        for (const Target& t : targets_) {
            const net::Revocation r = check_one(t);
            if (cancel_.cancelled()) return ERROR_WINHTTP_OPERATION_CANCELLED;
            results.push_back(r);
            // A revoked certificate decides the chain: the rest need not be asked.
            if (r == net::Revocation::Revoked) break;
        }
        return ERROR_SUCCESS;
    } catch (const std::bad_alloc&) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
}

// The OCSP responders first, then the CRLs, as CryptoAPI's revocation provider does
// (docs/design/revocation.md): the first good or revoked answer decides. Without one, a
// present but untrustworthy answer makes the outcome Unverified, else it is Offline (no
// source, or none answered in time).
net::Revocation RevocationJob::check_one(const Target& t) {
    const std::string key = net::revocation_key(t.cert, t.issuer);
    net::Revocation r = net::Revocation::Offline;
    if (cache_ && !key.empty() && cache_->find(key, r)) return r;
    bool unverified = false;
    r = ask_responders(t, unverified);
    if (!decided(r) && !cancel_.cancelled()) r = read_crls(t, unverified);
    if (decided(r)) return r;
    return unverified ? net::Revocation::Unverified : net::Revocation::Offline;
}

net::Revocation RevocationJob::ask_responders(const Target& t, bool& unverified) {
    const std::vector<std::string> urls = net::ocsp_urls(t.cert);
    if (urls.empty()) return net::Revocation::Offline;
    const std::string request = net::ocsp_request(t.cert, t.issuer);
    if (request.empty()) return net::Revocation::Offline;
    for (const std::string& responder : urls) {
        if (cancel_.cancelled()) break;
        const std::string get = net::ocsp_get_url(responder, request);
        std::string body;
        const DWORD e = get.size() <= kMaxGetUrl
                            ? fetch(get, nullptr, kMaxOcspResponse, body)
                            : fetch(responder, &request, kMaxOcspResponse, body);
        if (e) continue;  // this responder is offline; try the next source
        int64_t valid_until = 0;
        const net::Revocation r =
            net::check_fetched_ocsp(reinterpret_cast<const unsigned char*>(body.data()),
                                    static_cast<long>(body.size()), t.cert, t.issuer, chain_,
                                    store_, valid_until);
        if (decided(r)) {
            if (cache_) cache_->store(net::revocation_key(t.cert, t.issuer), r, valid_until);
            return r;
        }
        if (r == net::Revocation::Unverified) unverified = true;
    }
    return net::Revocation::Offline;
}

net::Revocation RevocationJob::read_crls(const Target& t, bool& unverified) {
    for (const std::string& url : net::crl_urls(t.cert)) {
        if (cancel_.cancelled()) break;
        std::string body;
        if (fetch(url, nullptr, kMaxCrl, body)) continue;
        int64_t valid_until = 0;
        const net::Revocation r =
            net::check_crl(reinterpret_cast<const unsigned char*>(body.data()),
                           static_cast<long>(body.size()), t.cert, t.issuer, valid_until);
        if (decided(r)) {
            if (cache_) cache_->store(net::revocation_key(t.cert, t.issuer), r, valid_until);
            return r;
        }
        if (r == net::Revocation::Unverified) unverified = true;
    }
    return net::Revocation::Offline;
}

// A private synchronous session (no proxy, the request's timeouts) over our own engine, as
// the PAC download does. It never checks revocation itself: no loop through a responder's
// own certificate. Cancelling closes the request, which ends a blocked call at once.
DWORD RevocationJob::fetch(const std::string& url, const std::string* post_body,
                           size_t max_bytes, std::string& body) {
    ParsedUrl u;
    if (DWORD e = crack_url(from_utf8(url), u)) return e;
    std::wstring host = u.host;
    if (host.size() > 2 && host.front() == L'[') host = host.substr(1, host.size() - 2);
    Handle session, connect;
    session.h = WinHttpOpen(L"OpenWinHTTP-Revocation/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr,
                            nullptr, 0);
    if (!session.h) return ERROR_NOT_ENOUGH_MEMORY;
    WinHttpSetTimeouts(session.h, as_timeout(timeouts_.resolve), as_timeout(timeouts_.connect),
                       as_timeout(timeouts_.send), as_timeout(timeouts_.receive));
    connect.h = WinHttpConnect(session.h, host.c_str(), u.port, 0);
    if (!connect.h) return GetLastError();
    const std::wstring object = u.path.empty() ? L"/" + u.extra : u.path + u.extra;
    HINTERNET request = WinHttpOpenRequest(
        connect.h, post_body ? L"POST" : L"GET", object.c_str(), nullptr, WINHTTP_NO_REFERER,
        WINHTTP_DEFAULT_ACCEPT_TYPES, u.scheme == INTERNET_SCHEME_HTTPS ? WINHTTP_FLAG_SECURE : 0);
    if (!request) return GetLastError();
    auto closed = std::make_shared<std::atomic<bool>>(false);
    cancel_.set_hook([request, closed] {
        if (!closed->exchange(true)) WinHttpCloseHandle(request);
    });
    DWORD err = ERROR_SUCCESS;
    const wchar_t* headers =
        post_body ? L"Content-Type: application/ocsp-request\r\n" : WINHTTP_NO_ADDITIONAL_HEADERS;
    const DWORD len = post_body ? static_cast<DWORD>(post_body->size()) : 0;
    DWORD status = 0, size = sizeof(status);
    if (!WinHttpSendRequest(request, headers, headers ? static_cast<DWORD>(-1L) : 0,
                            post_body ? const_cast<char*>(post_body->data()) : nullptr, len, len,
                            0) ||
        !WinHttpReceiveResponse(request, nullptr) ||
        !WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             nullptr, &status, &size, nullptr)) {
        err = GetLastError();
    } else if (status != 200) {
        err = ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
    }
    char buf[16384];
    while (!err) {
        DWORD got = 0;
        if (!WinHttpReadData(request, buf, sizeof(buf), &got)) {
            err = GetLastError();
            break;
        }
        if (got == 0) break;
        if (body.size() + got > max_bytes) {
            err = ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
            break;
        }
        body.append(buf, got);
    }
    cancel_.clear_hook();
    if (!closed->exchange(true)) WinHttpCloseHandle(request);
    if (cancel_.cancelled()) return ERROR_WINHTTP_OPERATION_CANCELLED;
    return err ? err : ERROR_SUCCESS;
}

// ---- which certificates ----------------------------------------------------------------------

DWORD revocation_job_for(const net::TlsStream& tls, std::shared_ptr<RevocationCache> cache,
                         const Timeouts& timeouts, std::shared_ptr<RevocationJob>& out) {
    out.reset();
    STACK_OF(X509)* chain = tls.peer_chain();
    const int n = chain ? sk_X509_num(chain) : 0;
    std::vector<RevocationJob::Target> targets;
    // The last certificate of the verified chain is the trust anchor: like Windows'
    // CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT, it is not checked. A certificate whose
    // issuer is not in the chain (an unknown CA the app chose to ignore) cannot be checked.
    for (int i = tls.staple_was_good() ? 1 : 0; i + 1 < n; ++i) {
        X509* cert = sk_X509_value(chain, i);
        X509* issuer = sk_X509_value(chain, i + 1);
        if (X509_check_issued(issuer, cert) != X509_V_OK) break;
        targets.push_back({cert, issuer});
    }
    if (targets.empty()) return ERROR_SUCCESS;
    X509_STORE* store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(tls.native()));
    STACK_OF(X509)* chain_copy = X509_chain_up_ref(chain);
    if (!store || !chain_copy || X509_STORE_up_ref(store) != 1) {
        sk_X509_pop_free(chain_copy, X509_free);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    for (auto& t : targets) {
        X509_up_ref(t.cert);
        X509_up_ref(t.issuer);
    }
    try {
        out = std::make_shared<RevocationJob>(std::move(cache), timeouts, std::move(targets),
                                              chain_copy, store);
        return ERROR_SUCCESS;
    } catch (const std::bad_alloc&) {
        for (auto& t : targets) {
            X509_free(t.cert);
            X509_free(t.issuer);
        }
        sk_X509_pop_free(chain_copy, X509_free);
        X509_STORE_free(store);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
}

}  // namespace winhttp
