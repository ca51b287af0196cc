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

}  // namespace winhttp::test
