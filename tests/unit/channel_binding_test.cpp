// RFC 5929 §4.1 tls-server-end-point: the certificate's hash with its signature's hash
// function, MD5 and SHA-1 upgraded to SHA-256; nothing for signature algorithms without one.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "auth/channel_binding.h"

namespace auth {
namespace {

struct Free {
    void operator()(X509* x) const { X509_free(x); }
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// A self-signed certificate signed with `md` (nullptr for Ed25519, which has no digest).
std::unique_ptr<X509, Free> make_cert(const char* key_type, const EVP_MD* md) {
    std::unique_ptr<EVP_PKEY, Free> key(
        std::string(key_type) == "ED25519" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) return nullptr;
    std::unique_ptr<X509, Free> cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("cbt.test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509_set_pubkey(cert.get(), key.get());
    if (X509_sign(cert.get(), key.get(), md) <= 0) return nullptr;
    return cert;
}

std::string digest_of(X509* cert, const EVP_MD* md) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert, &der);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(der, static_cast<size_t>(len), out, &n, md, nullptr);
    OPENSSL_free(der);
    return std::string(reinterpret_cast<char*>(out), n);
}

TEST(ChannelBinding, Sha256SignedCertificateHashesWithSha256) {
    auto cert = make_cert("EC", EVP_sha256());
    ASSERT_TRUE(cert);
    const std::string cbt = tls_server_end_point(cert.get());
    EXPECT_EQ(cbt.size(), 32u);
    EXPECT_EQ(cbt, digest_of(cert.get(), EVP_sha256()));
}

TEST(ChannelBinding, Sha1SignedCertificateUsesSha256) {
    // RFC 5929 §4.1: "if the certificate's signatureAlgorithm uses ... MD5 or SHA-1, then use
    // SHA-256".
    auto cert = make_cert("EC", EVP_sha1());
    ASSERT_TRUE(cert);
    EXPECT_EQ(tls_server_end_point(cert.get()), digest_of(cert.get(), EVP_sha256()));
}

TEST(ChannelBinding, Sha384SignedCertificateHashesWithSha384) {
    auto cert = make_cert("EC", EVP_sha384());
    ASSERT_TRUE(cert);
    const std::string cbt = tls_server_end_point(cert.get());
    EXPECT_EQ(cbt.size(), 48u);
    EXPECT_EQ(cbt, digest_of(cert.get(), EVP_sha384()));
    // The same from the DER bytes.
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    EXPECT_EQ(tls_server_end_point_der(der, static_cast<size_t>(len)), cbt);
    OPENSSL_free(der);
}

TEST(ChannelBinding, NoHashForEd25519OrNothing) {
    auto cert = make_cert("ED25519", nullptr);
    ASSERT_TRUE(cert);
    EXPECT_EQ(tls_server_end_point(cert.get()), "");
    EXPECT_EQ(tls_server_end_point(nullptr), "");
    const unsigned char junk[] = {0x30, 0x01, 0x00};
    EXPECT_EQ(tls_server_end_point_der(junk, sizeof(junk)), "");
}

}  // namespace
}  // namespace auth
