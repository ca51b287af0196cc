// Checks a stapled OCSP response (RFC 6960, delivered in the TLS handshake by RFC 6066's
// status_request) against the server certificate it is meant for. Pure: no sockets, no
// clock other than the system time OpenSSL reads, so it can be tested on its own.
//
//     Revocation r = check_ocsp_response(der, len, leaf, chain, store);
//
// What each answer means for WinHTTP (docs/design/revocation.md):
//   Good       the responder says the certificate is good and the answer is current
//   Revoked    WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED
//   Offline    no current answer: none stapled, a stale one (nextUpdate passed), or the
//              responder could not answer (tryLater, internalError). CERT_REV_FAILED unless
//              WINHTTP_OPTION_IGNORE_CERT_REVOCATION_OFFLINE is set.
//   Unverified an answer that cannot be trusted or does not fit: malformed, signed by
//              someone not entitled to, about another certificate, or "unknown".
//              Always CERT_REV_FAILED.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct x509_st;
struct x509_store_st;
struct stack_st_X509;
struct X509_crl_st;

namespace winhttp::net {

enum class Revocation { Good, Revoked, Offline, Unverified };

// `der`/`len`: the stapled response (null or 0: none was stapled). `leaf`: the server's
// certificate. `chain`: certificates that may hold the leaf's issuer and the responder's
// certificate (the verified chain, or what the server sent). `store`: the trust anchors.
Revocation check_ocsp_response(const unsigned char* der, long len, x509_st* leaf,
                               stack_st_X509* chain, x509_store_st* store);

// ---- fetching an answer (no staple): the pieces around the HTTP GET, still without I/O ----

// The http(s) URLs of the certificate's Authority Information Access OCSP entries and of its
// CRL distribution points (full names only), in certificate order. Other schemes (ldap) are
// left out: there is no client for them here.
std::vector<std::string> ocsp_urls(x509_st* cert);
std::vector<std::string> crl_urls(x509_st* cert);

// The DER OCSPRequest for `cert` issued by `issuer` (SHA-1 CertID, no nonce: a cacheable
// request, as RFC 5019 profiles it). Empty on failure.
std::string ocsp_request(x509_st* cert, x509_st* issuer);
// RFC 6960 appendix A.1: GET {url}/{url-encoding of base-64 of the DER request}.
std::string ocsp_get_url(const std::string& responder, const std::string& der_request);
// The key under which answers about `cert` are cached: the DER CertID (issuer name hash,
// issuer key hash, serial). Empty on failure.
std::string revocation_key(x509_st* cert, x509_st* issuer);

// A fetched OCSP response about `cert` issued by `issuer`: the same rules as a stapled one
// (check_ocsp_response). `valid_until` (seconds since 1970) is set for Good and Revoked to the
// response's nextUpdate, or to 0 when it has none (not to be cached).
Revocation check_fetched_ocsp(const unsigned char* der, long len, x509_st* cert, x509_st* issuer,
                              stack_st_X509* chain, x509_store_st* store, int64_t& valid_until);
// A fetched CRL (DER, or PEM) for `cert`: Unverified unless it is issued and signed by `issuer`
// (with cRLSign when the issuer states key usages), is a full CRL for everything the issuer
// signs (no delta, no partitioned or indirect CRL), and has no unknown critical extension;
// Offline when it is not yet valid or its nextUpdate has passed; else Revoked when it lists the
// serial, Good otherwise. `valid_until` as above (the CRL's nextUpdate).
Revocation check_crl(const unsigned char* data, long len, x509_st* cert, x509_st* issuer,
                     int64_t& valid_until);

// Short name for logs and test messages ("good", "revoked", "offline", "unverified").
const char* revocation_name(Revocation r) noexcept;

}  // namespace winhttp::net
