// Revocation checking by network fetch (docs/design/revocation.md): when a request has
// WINHTTP_ENABLE_SSL_REVOCATION and the server stapled no current OCSP answer for its
// certificate, the certificates of the verified chain (all but the root) are checked with
// their OCSP responders (AIA) and, failing that, their CRL distribution points, over our own
// HTTP engine. Answers are cached per session until their nextUpdate.
//
//     std::shared_ptr<RevocationJob> job;
//     revocation_job_for(tls, session.revocation_cache(), settings.timeouts, job);
//     if (job) {
//         DWORD e = co_await io.offload(job);        // off the event loop; a close cancels it
//         for (net::Revocation r : job->results) tls.apply_revocation(r);
//     }
#pragma once
#include <winhttp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "async/request_io.h"
#include "core/settings.h"
#include "net/ocsp.h"
#include "proxy/cancel_token.h"

struct x509_st;
struct x509_store_st;
struct stack_st_X509;

namespace winhttp {

namespace net {
class TlsStream;
}

// Good and Revoked answers per certificate (key: net::revocation_key), each until its
// nextUpdate. Offline and unverified outcomes are never cached: the next request tries again.
// Thread-safe.
class RevocationCache {
public:
    static constexpr size_t kMaxEntries = 4096;
    bool find(const std::string& key, net::Revocation& out);
    // `valid_until`: seconds since 1970; 0 (no nextUpdate) is not stored.
    void store(const std::string& key, net::Revocation r, int64_t valid_until);
    size_t size() const;

private:
    struct Entry {
        net::Revocation answer;
        int64_t valid_until;
    };
    mutable std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

// Checks a list of (certificate, issuer) pairs. Blocking: run through RequestIo::offload.
// Holds its own references to the certificates, the chain and the trust store, never the
// request: a closed request does not wait for it.
class RevocationJob final : public OffloadJob {
public:
    struct Target {
        x509_st* cert;
        x509_st* issuer;
    };
    // Adopts one reference of every certificate in `targets`, of `chain` and of `store`.
    RevocationJob(std::shared_ptr<RevocationCache> cache, const Timeouts& timeouts,
                  std::vector<Target> targets, stack_st_X509* chain, x509_store_st* store);
    ~RevocationJob() override;
    RevocationJob(const RevocationJob&) = delete;
    RevocationJob& operator=(const RevocationJob&) = delete;

    // ERROR_SUCCESS with `results` filled (one per target, in order), or
    // ERROR_WINHTTP_OPERATION_CANCELLED, or ERROR_NOT_ENOUGH_MEMORY.
    DWORD run() noexcept override;
    void cancel() noexcept override { cancel_.cancel(); }

    std::vector<net::Revocation> results;

private:
    net::Revocation check_one(const Target& t);
    net::Revocation ask_responders(const Target& t, bool& unverified);
    net::Revocation read_crls(const Target& t, bool& unverified);
    // GET (or POST when `post_body` is given) of an http(s) URL with a private synchronous
    // session. ERROR_SUCCESS only for a 200 answer of at most `max_bytes`.
    DWORD fetch(const std::string& url, const std::string* post_body, size_t max_bytes,
                std::string& body);

    std::shared_ptr<RevocationCache> cache_;
    Timeouts timeouts_;
    std::vector<Target> targets_;
    stack_st_X509* chain_;
    x509_store_st* store_;
    proxy::CancelToken cancel_;
};

// The job for a connection that finished its handshake with revocation checking on: the
// verified chain's certificates except the root, less the server's own certificate when its
// stapled answer was good. ERROR_SUCCESS with `out` null when there is nothing to check;
// ERROR_NOT_ENOUGH_MEMORY.
DWORD revocation_job_for(const net::TlsStream& tls, std::shared_ptr<RevocationCache> cache,
                         const Timeouts& timeouts, std::shared_ptr<RevocationJob>& out);

}  // namespace winhttp
