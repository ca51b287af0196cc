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

struct x509_st;
struct x509_store_st;
struct stack_st_X509;

namespace winhttp::net {

enum class Revocation { Good, Revoked, Offline, Unverified };

// `der`/`len`: the stapled response (null or 0: none was stapled). `leaf`: the server's
// certificate. `chain`: certificates that may hold the leaf's issuer and the responder's
// certificate (the verified chain, or what the server sent). `store`: the trust anchors.
Revocation check_ocsp_response(const unsigned char* der, long len, x509_st* leaf,
                               stack_st_X509* chain, x509_store_st* store);

// Short name for logs and test messages ("good", "revoked", "offline", "unverified").
const char* revocation_name(Revocation r) noexcept;

}  // namespace winhttp::net
