// RFC 5929 §4 "tls-server-end-point" channel binding data: the hash of the TLS server's
// certificate, bound into NTLM (MsvAvChannelBindings) and Kerberos (the GSSAPI channel
// bindings) so a token cannot be relayed to another TLS server. Sans-I/O: the engine hands in
// the certificate the handshake gave.
#pragma once

#include <cstddef>
#include <string>

struct x509_st;

namespace auth {

// The hash of the DER certificate with the hash function of its signature algorithm, MD5 and
// SHA-1 replaced by SHA-256 (RFC 5929 §4.1). Raw bytes (32 for SHA-256). Empty when the
// signature algorithm names no single hash (e.g. Ed25519: RFC 5929 defines nothing then) or
// the certificate is unusable; the mechanisms then send no channel binding.
std::string tls_server_end_point(const x509_st* cert);
std::string tls_server_end_point_der(const unsigned char* der, size_t len);

}  // namespace auth
