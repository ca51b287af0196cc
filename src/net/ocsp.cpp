// Stapled OCSP checking with OpenSSL's OCSP API: see ocsp.h for the contract.
#include "net/ocsp.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cstring>
#include <ctime>
#include <memory>
#include <string_view>

namespace winhttp::net {
namespace {

struct ResponseFree {
    void operator()(OCSP_RESPONSE* r) const { OCSP_RESPONSE_free(r); }
};
struct BasicFree {
    void operator()(OCSP_BASICRESP* b) const { OCSP_BASICRESP_free(b); }
};
struct CertIdFree {
    void operator()(OCSP_CERTID* id) const { OCSP_CERTID_free(id); }
};

// Clock difference tolerated between server, responder and us (OpenSSL's own tools use 5 min).
constexpr long kClockSkewSeconds = 300;

// The certificate in `chain` that issued `leaf`, or null.
X509* find_issuer(X509* leaf, STACK_OF(X509) * chain) {
    for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
        X509* candidate = sk_X509_value(chain, i);
        if (candidate != leaf && X509_check_issued(candidate, leaf) == X509_V_OK) return candidate;
    }
    return nullptr;
}

// Seconds since 1970 of an ASN.1 time, 0 when absent or unreadable.
int64_t unix_time(const ASN1_TIME* t) {
    struct tm tm {};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    return static_cast<int64_t>(timegm(&tm));
}

// Judges an OCSP response about `cert` issued by `issuer` (both known).
Revocation judge(const unsigned char* der, long len, X509* cert, X509* issuer,
                 STACK_OF(X509) * chain, X509_STORE* store, int64_t& valid_until) {
    valid_until = 0;
    if (!der || len <= 0) return Revocation::Offline;  // nothing came
    std::unique_ptr<OCSP_RESPONSE, ResponseFree> response(d2i_OCSP_RESPONSE(nullptr, &der, len));
    if (!response) return Revocation::Unverified;
    switch (OCSP_response_status(response.get())) {
        case OCSP_RESPONSE_STATUS_SUCCESSFUL:
            break;
        case OCSP_RESPONSE_STATUS_TRYLATER:
        case OCSP_RESPONSE_STATUS_INTERNALERROR:
            return Revocation::Offline;  // the responder was there but could not answer
        default:
            return Revocation::Unverified;
    }
    std::unique_ptr<OCSP_BASICRESP, BasicFree> basic(OCSP_response_get1_basic(response.get()));
    if (!basic || !cert || !issuer || !store) return Revocation::Unverified;
    // The signer must chain to a trust anchor and be the issuer itself or a responder the
    // issuer delegated to (id-kp-OCSPSigning): RFC 6960 4.2.2.2.
    if (OCSP_basic_verify(basic.get(), chain, store, 0) <= 0) return Revocation::Unverified;
    std::unique_ptr<OCSP_CERTID, CertIdFree> id(OCSP_cert_to_id(nullptr, cert, issuer));
    if (!id) return Revocation::Unverified;
    int status = V_OCSP_CERTSTATUS_UNKNOWN;
    int reason = 0;
    ASN1_GENERALIZEDTIME* revoked_at = nullptr;
    ASN1_GENERALIZEDTIME* this_update = nullptr;
    ASN1_GENERALIZEDTIME* next_update = nullptr;
    if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revoked_at, &this_update,
                              &next_update) != 1) {
        return Revocation::Unverified;  // an answer about some other certificate
    }
    valid_until = unix_time(next_update);
    // A revocation stays true however old the answer is.
    if (status == V_OCSP_CERTSTATUS_REVOKED) return Revocation::Revoked;
    if (status != V_OCSP_CERTSTATUS_GOOD) return Revocation::Unverified;
    // "Good" only counts while current: a stale answer is no answer.
    if (OCSP_check_validity(this_update, next_update, kClockSkewSeconds, -1) != 1)
        return Revocation::Offline;
    return Revocation::Good;
}

Revocation check(const unsigned char* der, long len, X509* leaf, STACK_OF(X509) * chain,
                 X509_STORE* store) {
    if (!der || len <= 0) return Revocation::Offline;  // the server stapled nothing
    // Without an issuer the answer is read (a responder's status still counts) and then found
    // Unverified.
    X509* issuer = leaf ? find_issuer(leaf, chain) : nullptr;
    int64_t ignored = 0;
    return judge(der, len, leaf, issuer, chain, store, ignored);
}

struct CrlFree {
    void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};
struct IdpFree {
    void operator()(ISSUING_DIST_POINT* p) const { ISSUING_DIST_POINT_free(p); }
};

X509_CRL* parse_crl(const unsigned char* data, long len) {
    const unsigned char* p = data;
    if (X509_CRL* crl = d2i_X509_CRL(nullptr, &p, len)) return crl;
    BIO* bio = BIO_new_mem_buf(data, static_cast<int>(len));
    X509_CRL* crl = bio ? PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    return crl;
}

// A CRL we can read as the whole truth about `cert`: no delta, no partition that leaves `cert`
// out, no indirect CRL, no critical extension we do not know.
bool covers(X509_CRL* crl, X509* cert) {
    for (int i = 0; i < X509_CRL_get_ext_count(crl); ++i) {
        X509_EXTENSION* ext = X509_CRL_get_ext(crl, i);
        const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
        if (nid == NID_delta_crl) return false;
        if (X509_EXTENSION_get_critical(ext) && nid != NID_issuing_distribution_point) return false;
    }
    int crit = 0;
    std::unique_ptr<ISSUING_DIST_POINT, IdpFree> idp(static_cast<ISSUING_DIST_POINT*>(
        X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit, nullptr)));
    if (!idp) return crit == -1;  // -1: absent; anything else: present but unreadable
    if (idp->indirectCRL || idp->onlysomereasons || idp->onlyattr) return false;
    const bool is_ca = X509_check_ca(cert) != 0;
    if (idp->onlyuser && is_ca) return false;
    if (idp->onlyCA && !is_ca) return false;
    return true;
}

Revocation judge_crl(const unsigned char* data, long len, X509* cert, X509* issuer,
                     int64_t& valid_until) {
    valid_until = 0;
    if (!data || len <= 0) return Revocation::Offline;
    if (!cert || !issuer) return Revocation::Unverified;
    std::unique_ptr<X509_CRL, CrlFree> crl(parse_crl(data, len));
    if (!crl) return Revocation::Unverified;
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer)) != 0)
        return Revocation::Unverified;
    if ((X509_get_key_usage(issuer) & KU_CRL_SIGN) == 0) return Revocation::Unverified;
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    if (!key || X509_CRL_verify(crl.get(), key) != 1) return Revocation::Unverified;
    if (!covers(crl.get(), cert)) return Revocation::Unverified;
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_cert(crl.get(), &entry, cert) == 1) {
        valid_until = unix_time(X509_CRL_get0_nextUpdate(crl.get()));
        return Revocation::Revoked;
    }
    const time_t now = time(nullptr);
    const int64_t this_update = unix_time(X509_CRL_get0_lastUpdate(crl.get()));
    const int64_t next_update = unix_time(X509_CRL_get0_nextUpdate(crl.get()));
    if (this_update == 0 || this_update > now + kClockSkewSeconds) return Revocation::Offline;
    if (next_update != 0 && next_update < now - kClockSkewSeconds) return Revocation::Offline;
    valid_until = next_update;
    return Revocation::Good;
}

bool is_http_url(const char* url, size_t len) {
    const std::string_view v(url, len);
    auto starts = [&](std::string_view p) {
        if (v.size() <= p.size()) return false;
        for (size_t i = 0; i < p.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(v[i])) != p[i]) return false;
        return true;
    };
    return starts("http://") || starts("https://");
}

}  // namespace

Revocation check_ocsp_response(const unsigned char* der, long len, X509* leaf,
                               STACK_OF(X509) * chain, X509_STORE* store) {
    Revocation r = check(der, len, leaf, chain, store);
    ERR_clear_error();  // failed checks leave OpenSSL errors that belong to no one
    return r;
}

std::vector<std::string> ocsp_urls(X509* cert) {
    std::vector<std::string> out;
    if (!cert) return out;
    STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(cert);
    for (int i = 0; urls && i < sk_OPENSSL_STRING_num(urls); ++i) {
        const char* u = sk_OPENSSL_STRING_value(urls, i);
        if (u && is_http_url(u, std::strlen(u))) out.emplace_back(u);
    }
    X509_email_free(urls);
    ERR_clear_error();
    return out;
}

std::vector<std::string> crl_urls(X509* cert) {
    std::vector<std::string> out;
    if (!cert) return out;
    auto* points = static_cast<CRL_DIST_POINTS*>(
        X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr));
    for (int i = 0; points && i < sk_DIST_POINT_num(points); ++i) {
        DIST_POINT* dp = sk_DIST_POINT_value(points, i);
        // A point for some reasons only, or whose CRL another issuer signs, is not one we
        // can use alone (RFC 5280 4.2.1.13).
        if (!dp || !dp->distpoint || dp->distpoint->type != 0 || dp->reasons || dp->CRLissuer)
            continue;
        GENERAL_NAMES* names = dp->distpoint->name.fullname;
        for (int j = 0; names && j < sk_GENERAL_NAME_num(names); ++j) {
            GENERAL_NAME* n = sk_GENERAL_NAME_value(names, j);
            if (!n || n->type != GEN_URI) continue;
            const ASN1_IA5STRING* uri = n->d.uniformResourceIdentifier;
            const char* text = reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri));
            const auto len = static_cast<size_t>(ASN1_STRING_length(uri));
            if (text && is_http_url(text, len)) out.emplace_back(text, len);
        }
    }
    CRL_DIST_POINTS_free(points);
    ERR_clear_error();
    return out;
}

std::string ocsp_request(X509* cert, X509* issuer) {
    std::string out;
    if (!cert || !issuer) return out;
    OCSP_REQUEST* req = OCSP_REQUEST_new();
    OCSP_CERTID* id = req ? OCSP_cert_to_id(nullptr, cert, issuer) : nullptr;
    // On success the request owns the CertID.
    if (id && OCSP_request_add0_id(req, id)) {
        id = nullptr;
        const int len = i2d_OCSP_REQUEST(req, nullptr);
        if (len > 0) {
            out.resize(static_cast<size_t>(len));
            auto* p = reinterpret_cast<unsigned char*>(out.data());
            if (i2d_OCSP_REQUEST(req, &p) != len) out.clear();
        }
    }
    OCSP_CERTID_free(id);
    OCSP_REQUEST_free(req);
    ERR_clear_error();
    return out;
}

std::string ocsp_get_url(const std::string& responder, const std::string& der_request) {
    std::string b64(4 * ((der_request.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(der_request.data()),
                                  static_cast<int>(der_request.size()));
    b64.resize(n > 0 ? static_cast<size_t>(n) : 0);
    std::string url = responder;
    if (url.empty() || url.back() != '/') url += '/';
    static const char kHex[] = "0123456789ABCDEF";
    for (char c : b64) {
        if (c == '+' || c == '/' || c == '=') {
            url += '%';
            url += kHex[static_cast<unsigned char>(c) >> 4];
            url += kHex[static_cast<unsigned char>(c) & 15];
        } else {
            url += c;
        }
    }
    return url;
}

std::string revocation_key(X509* cert, X509* issuer) {
    std::string out;
    if (!cert || !issuer) return out;
    std::unique_ptr<OCSP_CERTID, CertIdFree> id(OCSP_cert_to_id(nullptr, cert, issuer));
    const int len = id ? i2d_OCSP_CERTID(id.get(), nullptr) : 0;
    if (len > 0) {
        out.resize(static_cast<size_t>(len));
        auto* p = reinterpret_cast<unsigned char*>(out.data());
        if (i2d_OCSP_CERTID(id.get(), &p) != len) out.clear();
    }
    ERR_clear_error();
    return out;
}

Revocation check_fetched_ocsp(const unsigned char* der, long len, X509* cert, X509* issuer,
                              STACK_OF(X509) * chain, X509_STORE* store, int64_t& valid_until) {
    Revocation r = judge(der, len, cert, issuer, chain, store, valid_until);
    ERR_clear_error();
    return r;
}

Revocation check_crl(const unsigned char* data, long len, X509* cert, X509* issuer,
                     int64_t& valid_until) {
    Revocation r = judge_crl(data, len, cert, issuer, valid_until);
    ERR_clear_error();
    return r;
}

const char* revocation_name(Revocation r) noexcept {
    switch (r) {
        case Revocation::Good:
            return "good";
        case Revocation::Revoked:
            return "revoked";
        case Revocation::Offline:
            return "offline";
        case Revocation::Unverified:
            return "unverified";
    }
    return "?";
}

}  // namespace winhttp::net
