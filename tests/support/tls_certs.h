// Test certificates, generated at run time with OpenSSL's API into a directory (no fixed files
// to expire in the repository). Keys are EC P-256: fast to generate.
//
//     TestCertificates certs("/tmp/dir");   // throws std::runtime_error on failure
//     certs.ca_file()                       // PEM of the test CA, to trust
//     certs.server(ServerCert::Valid)       // {cert_file, key_file} for nginx
//
// Every server certificate except SelfSigned is issued by the test CA.
#pragma once

#include <string>

namespace winhttp::test {

enum class ServerCert {
    Valid,        // CN=localhost, SAN DNS:localhost IP:127.0.0.1 IP:::1, serverAuth
    WrongHost,    // CN/SAN wrong.example.invalid
    Expired,      // valid names, notAfter yesterday
    NotYetValid,  // valid names, notBefore tomorrow
    SelfSigned,   // valid names, issued by itself
    WrongUsage,   // valid names, extendedKeyUsage clientAuth only
    Count
};

const char* server_cert_name(ServerCert which);

// OCSP responses (DER, RFC 6960) about the ServerCert::Valid certificate, for servers to
// staple. All but WrongSigner are signed by a delegated responder the test CA issued
// (extendedKeyUsage OCSPSigning), whose certificate the response carries.
enum class OcspStaple {
    Good,         // status good, thisUpdate an hour ago, nextUpdate in a day
    Revoked,      // status revoked (keyCompromise) an hour ago
    Expired,      // status good, but nextUpdate was yesterday
    WrongSigner,  // status good, signed by a self-signed responder nobody trusts
    Count
};

const char* ocsp_staple_name(OcspStaple which);

struct CertFiles {
    std::string cert_file;  // PEM certificate (leaf only)
    std::string key_file;   // PEM private key, unencrypted
};

class TestCertificates {
  public:
    // Writes everything into `dir` (which must exist).
    explicit TestCertificates(const std::string& dir);

    const std::string& dir() const { return dir_; }
    // The test CA's certificate (PEM).
    std::string ca_file() const { return dir_ + "/ca.pem"; }
    CertFiles server(ServerCert which) const;
    // A client certificate issued by the test CA (CN=test-client, clientAuth), as PEM files,
    // as one PEM file holding certificate then key, and as PKCS#12 protected by
    // client_p12_password().
    CertFiles client() const;
    std::string client_combined_pem() const { return dir_ + "/client-combined.pem"; }
    std::string client_p12() const { return dir_ + "/client.p12"; }
    static const char* client_p12_password() { return "test-password"; }
    // The DER OCSP response file for `which`.
    std::string ocsp_response(OcspStaple which) const;

  private:
    std::string dir_;
};

// ---- revocation checking by fetch (tests/integration/https_revocation_fetch_test.cpp) -------

// Server certificates of their own CA whose AIA (OCSP) and CRL distribution point URLs lead
// to servers the test starts: `openssl ocsp` (OcspResponder) and nginx serving the CRL.
enum class RevCert {
    OcspGood,         // AIA: the responder; its index says good
    OcspRevoked,      // AIA: the responder; revoked (keyCompromise)
    CrlGood,          // CDP only; not on the CRL
    CrlRevoked,       // CDP only; on the CRL
    OcspDown,         // AIA: a port that refuses connections; no CDP
    OcspDownCrlGood,  // AIA: the refusing port; CDP: the CRL, which does not list it
    OcspHangs,        // AIA: a port whose connects never complete; no CDP
    Count
};

const char* rev_cert_name(RevCert which);

class RevocationPki {
  public:
    // Makes the CA, the responder's certificate (delegated, OCSPSigning) and the responder's
    // index (openssl ca format) in `dir`. Throws std::runtime_error on failure.
    explicit RevocationPki(const std::string& dir);

    // Issues the RevCert certificates with these URLs, and the CRL (crl_der()).
    void issue(const std::string& ocsp_url, const std::string& down_url,
               const std::string& hang_url, const std::string& crl_url);

    std::string ca_file() const { return dir_ + "/ca.pem"; }
    std::string responder_cert() const { return dir_ + "/responder.pem"; }
    std::string responder_key_file() const { return dir_ + "/responder.key"; }
    std::string index_file() const { return dir_ + "/index.txt"; }
    CertFiles server(RevCert which) const;
    // The DER CRL of the last issue(), listing the revoked RevCert serials.
    const std::string& crl_der() const { return crl_der_; }

  private:
    std::string dir_;
    std::string crl_der_;
};

}  // namespace winhttp::test
