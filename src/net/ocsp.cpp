// Stapled OCSP checking with OpenSSL's OCSP API: see ocsp.h for the contract.
#include "net/ocsp.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <memory>

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

Revocation check(const unsigned char* der, long len, X509* leaf, STACK_OF(X509) * chain,
                 X509_STORE* store) {
    if (!der || len <= 0) return Revocation::Offline;  // the server stapled nothing
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
    if (!basic || !leaf || !store) return Revocation::Unverified;
    X509* issuer = find_issuer(leaf, chain);
    if (!issuer) return Revocation::Unverified;
    // The signer must chain to a trust anchor and be the issuer itself or a responder the
    // issuer delegated to (id-kp-OCSPSigning): RFC 6960 4.2.2.2.
    if (OCSP_basic_verify(basic.get(), chain, store, 0) <= 0) return Revocation::Unverified;
    std::unique_ptr<OCSP_CERTID, CertIdFree> id(OCSP_cert_to_id(nullptr, leaf, issuer));
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
    // A revocation stays true however old the answer is.
    if (status == V_OCSP_CERTSTATUS_REVOKED) return Revocation::Revoked;
    if (status != V_OCSP_CERTSTATUS_GOOD) return Revocation::Unverified;
    // "Good" only counts while current: a stale answer is no answer.
    if (OCSP_check_validity(this_update, next_update, kClockSkewSeconds, -1) != 1)
        return Revocation::Offline;
    return Revocation::Good;
}

}  // namespace

Revocation check_ocsp_response(const unsigned char* der, long len, X509* leaf,
                               STACK_OF(X509) * chain, X509_STORE* store) {
    Revocation r = check(der, len, leaf, chain, store);
    ERR_clear_error();  // failed checks leave OpenSSL errors that belong to no one
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
