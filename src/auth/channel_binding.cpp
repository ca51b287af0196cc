#include "auth/channel_binding.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

namespace auth {

std::string tls_server_end_point(const x509_st* cert) {
    if (!cert) return {};
    int md_nid = NID_undef;
    // The signature's hash, RSA-PSS parameters included (OpenSSL >= 1.1.1).
    if (!X509_get_signature_info(const_cast<X509*>(cert), &md_nid, nullptr, nullptr, nullptr))
        return {};
    if (md_nid == NID_undef) return {};
    if (md_nid == NID_md5 || md_nid == NID_sha1) md_nid = NID_sha256;  // RFC 5929 §4.1
    const EVP_MD* md = EVP_get_digestbynid(md_nid);
    if (!md) return {};
    unsigned char* der = nullptr;
    const int len = i2d_X509(const_cast<X509*>(cert), &der);
    if (len <= 0) return {};
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int out_len = 0;
    const int ok = EVP_Digest(der, static_cast<size_t>(len), out, &out_len, md, nullptr);
    OPENSSL_free(der);
    if (!ok) return {};
    return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string tls_server_end_point_der(const unsigned char* der, size_t len) {
    const unsigned char* p = der;
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(len));
    if (!cert) return {};
    std::string out = tls_server_end_point(cert);
    X509_free(cert);
    return out;
}

}  // namespace auth
