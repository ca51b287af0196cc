// The negotiated cipher suite taken apart for WINHTTP_OPTION_SECURITY_INFO (net/tls.h).
#include "net/tls.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>

namespace winhttp::net {

namespace {

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// "AES-256-GCM" -> "AES", "ChaCha20-Poly1305" -> "CHACHA20".
std::string cipher_family(int nid) {
    const char* sn = nid != NID_undef ? OBJ_nid2ln(nid) : nullptr;  // "aes-256-gcm"
    if (!sn) return "";
    std::string name = upper(sn);
    const auto dash = name.find('-');
    return dash == std::string::npos ? name : name.substr(0, dash);
}

std::string exchange_name(int kx_nid, bool tls13) {
    if (tls13) return "ECDHE";  // TLS 1.3 is always an ephemeral (EC)DH exchange here
    switch (kx_nid) {
        case NID_kx_ecdhe: return "ECDHE";
        case NID_kx_dhe: return "DHE";
        case NID_kx_rsa: return "RSA";
        default: return "";
    }
}

std::string certificate_name(int auth_nid, const SSL* ssl) {
    switch (auth_nid) {
        case NID_auth_rsa: return "RSA";
        case NID_auth_ecdsa: return "ECDSA";
        default: break;
    }
    // TLS 1.3 suites do not name the authentication: the server's key does.
    X509* cert = SSL_get0_peer_certificate(ssl);
    EVP_PKEY* key = cert ? X509_get0_pubkey(cert) : nullptr;
    if (!key) return "";
    if (EVP_PKEY_is_a(key, "RSA")) return "RSA";
    if (EVP_PKEY_is_a(key, "EC")) return "ECDSA";
    if (EVP_PKEY_is_a(key, "ED25519")) return "ED25519";
    return "";
}

}  // namespace

bool cipher_details(const TlsStream& stream, CipherDetails& out) {
    SSL* ssl = stream.native();
    const SSL_CIPHER* c = stream.handshake_done() && ssl ? SSL_get_current_cipher(ssl) : nullptr;
    if (!c) return false;
    out.protocol = stream.protocol_flag();
    out.suite = SSL_CIPHER_get_protocol_id(c);
    if (const char* std_name = SSL_CIPHER_standard_name(c)) out.suite_name = std_name;
    const int cipher_nid = SSL_CIPHER_get_cipher_nid(c);
    out.cipher = cipher_family(cipher_nid);
    out.cipher_bits = static_cast<DWORD>(SSL_CIPHER_get_bits(c, nullptr));
    if (const EVP_CIPHER* e = EVP_get_cipherbynid(cipher_nid))
        out.cipher_block_bytes = static_cast<DWORD>(EVP_CIPHER_get_block_size(e));
    out.aead = SSL_CIPHER_is_aead(c) == 1;
    const EVP_MD* md = out.aead ? SSL_CIPHER_get_handshake_digest(c)
                                : EVP_get_digestbynid(SSL_CIPHER_get_digest_nid(c));
    if (md) {
        out.hash = upper(EVP_MD_get0_name(md));
        out.hash.erase(std::remove(out.hash.begin(), out.hash.end(), '-'), out.hash.end());
        out.hash_bits = static_cast<DWORD>(EVP_MD_get_size(md) * 8);
    }
    const bool tls13 = out.protocol == WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
    out.exchange = exchange_name(SSL_CIPHER_get_kx_nid(c), tls13);
    EVP_PKEY* peer_key = nullptr;
    if (SSL_get_peer_tmp_key(ssl, &peer_key) == 1 && peer_key) {
        out.exchange_bits = static_cast<DWORD>(EVP_PKEY_get_bits(peer_key));
        EVP_PKEY_free(peer_key);
    }
    out.certificate = certificate_name(SSL_CIPHER_get_auth_nid(c), ssl);
    return true;
}

}  // namespace winhttp::net
