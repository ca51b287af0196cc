#include "support/tls_certs.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace winhttp::test {
namespace {

constexpr long kDay = 24 * 60 * 60;

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
    void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

[[noreturn]] void fail(const std::string& what) {
    char buf[256] = {};
    ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
    throw std::runtime_error("TestCertificates: " + what + ": " + buf);
}

void check(int ok, const char* what) {
    if (ok != 1) fail(what);
}

Key new_key() {
    Key key(EVP_EC_gen("P-256"));
    if (!key) fail("EVP_EC_gen");
    return key;
}

// Adds an X.509v3 extension written the way openssl.cnf spells it.
void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) fail(std::string("extension ") + value);
    check(X509_add_ext(cert, ext, -1), "X509_add_ext");
    X509_EXTENSION_free(ext);
}

struct Spec {
    std::string cn;
    std::string san;  // empty: none
    std::string eku;  // empty: none
    bool ca = false;
    long not_before = -kDay;  // seconds from now
    long not_after = 365 * kDay;
    std::string aia;  // authorityInfoAccess as openssl.cnf writes it; empty: none
    std::string cdp;  // crlDistributionPoints likewise
    long serial = 0;  // 0: the next of a process-wide counter
};

// Builds a certificate for `key`; signed by issuer_key (issuer_cert null: self-signed).
Cert make_cert(const Spec& spec, EVP_PKEY* key, X509* issuer_cert, EVP_PKEY* issuer_key) {
    static long serial = 1;
    Cert cert(X509_new());
    if (!cert) fail("X509_new");
    check(X509_set_version(cert.get(), 2), "X509_set_version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), spec.serial ? spec.serial : serial++),
          "serial");
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.not_before);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.not_after);
    check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");

    X509_NAME* name = X509_get_subject_name(cert.get());
    auto add = [&](const char* field, const std::string& value) {
        check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                         -1, 0),
              "X509_NAME_add_entry_by_txt");
    };
    add("C", "US");
    add("O", "OpenWinHTTP Test");
    add("CN", spec.cn);
    X509* issuer = issuer_cert ? issuer_cert : cert.get();
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)), "issuer name");

    if (spec.ca) {
        add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature");
    }
    add_extension(cert.get(), issuer, NID_subject_key_identifier, "hash");
    if (issuer_cert) {
        add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
    }
    if (!spec.san.empty()) {
        add_extension(cert.get(), issuer, NID_subject_alt_name, spec.san.c_str());
    }
    if (!spec.eku.empty()) add_extension(cert.get(), issuer, NID_ext_key_usage, spec.eku.c_str());
    if (!spec.aia.empty()) add_extension(cert.get(), issuer, NID_info_access, spec.aia.c_str());
    if (!spec.cdp.empty())
        add_extension(cert.get(), issuer, NID_crl_distribution_points, spec.cdp.c_str());

    if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) fail("X509_sign");
    return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
    BIO* out = BIO_new_file(path.c_str(), "w");
    if (!out) fail("open " + path);
    bool ok =
        (!cert || PEM_write_bio_X509(out, cert) == 1) &&
        (!key || PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    BIO_free(out);
    if (!ok) fail("write " + path);
}

void write_p12(const std::string& path, X509* cert, EVP_PKEY* key, const char* password) {
    PKCS12* p12 = PKCS12_create(password, "test-client", key, cert, nullptr, 0, 0, 0, 0, 0);
    if (!p12) fail("PKCS12_create");
    BIO* out = BIO_new_file(path.c_str(), "wb");
    bool ok = out && i2d_PKCS12_bio(out, p12) == 1;
    BIO_free(out);
    PKCS12_free(p12);
    if (!ok) fail("write " + path);
}

constexpr const char* kLocalNames = "DNS:localhost,IP:127.0.0.1,IP:::1";

Spec server_spec(ServerCert which) {
    Spec spec{"localhost", kLocalNames, "serverAuth"};
    switch (which) {
        case ServerCert::WrongHost:
            spec.cn = "wrong.example.invalid";
            spec.san = "DNS:wrong.example.invalid";
            break;
        case ServerCert::Expired:
            spec.not_before = -30 * kDay;
            spec.not_after = -kDay;
            break;
        case ServerCert::NotYetValid:
            spec.not_before = kDay;
            spec.not_after = 30 * kDay;
            break;
        case ServerCert::WrongUsage:
            spec.eku = "clientAuth";
            break;
        default:
            break;
    }
    return spec;
}

// Writes one OCSP response about `leaf` (issued by `ca`) signed by signer/signer_key.
void write_ocsp(const std::string& path, X509* leaf, X509* ca, X509* signer, EVP_PKEY* signer_key,
                int status, long this_update, long next_update) {
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), leaf, ca);
    OCSP_BASICRESP* basic = OCSP_BASICRESP_new();
    ASN1_TIME* now = X509_gmtime_adj(nullptr, 0);
    ASN1_TIME* this_upd = X509_gmtime_adj(nullptr, this_update);
    ASN1_TIME* next_upd = X509_gmtime_adj(nullptr, next_update);
    ASN1_TIME* revoked_at = X509_gmtime_adj(nullptr, -3600);
    bool ok = id && basic && now && this_upd && next_upd && revoked_at;
    if (ok) {
        const bool revoked = status == V_OCSP_CERTSTATUS_REVOKED;
        ok = OCSP_basic_add1_status(basic, id, status,
                                    revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : 0,
                                    revoked ? revoked_at : nullptr, this_upd, next_upd) != nullptr;
    }
    // The signer's certificate goes into the response (OCSP_basic_sign does so by default).
    ok = ok && OCSP_basic_sign(basic, signer, signer_key, EVP_sha256(), nullptr, 0) == 1;
    OCSP_RESPONSE* response =
        ok ? OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic) : nullptr;
    BIO* out = response ? BIO_new_file(path.c_str(), "wb") : nullptr;
    ok = out && i2d_OCSP_RESPONSE_bio(out, response) == 1;
    BIO_free(out);
    OCSP_RESPONSE_free(response);
    ASN1_TIME_free(now);
    ASN1_TIME_free(this_upd);
    ASN1_TIME_free(next_upd);
    ASN1_TIME_free(revoked_at);
    OCSP_BASICRESP_free(basic);
    OCSP_CERTID_free(id);
    if (!ok) fail("OCSP response " + path);
}

}  // namespace

const char* ocsp_staple_name(OcspStaple which) {
    switch (which) {
        case OcspStaple::Good:
            return "good";
        case OcspStaple::Revoked:
            return "revoked";
        case OcspStaple::Expired:
            return "expired";
        case OcspStaple::WrongSigner:
            return "wrong-signer";
        default:
            return "unknown";
    }
}

const char* server_cert_name(ServerCert which) {
    switch (which) {
        case ServerCert::Valid:
            return "valid";
        case ServerCert::WrongHost:
            return "wrong-host";
        case ServerCert::Expired:
            return "expired";
        case ServerCert::NotYetValid:
            return "not-yet-valid";
        case ServerCert::SelfSigned:
            return "self-signed";
        case ServerCert::WrongUsage:
            return "wrong-usage";
        default:
            return "unknown";
    }
}

TestCertificates::TestCertificates(const std::string& dir) : dir_(dir) {
    Key ca_key = new_key();
    Spec ca_spec{"OpenWinHTTP Test CA", "", "", true, -kDay, 3650 * kDay};
    Cert ca = make_cert(ca_spec, ca_key.get(), nullptr, ca_key.get());
    write_pem(ca_file(), ca.get(), nullptr);

    Cert valid;
    for (int i = 0; i < static_cast<int>(ServerCert::Count); ++i) {
        auto which = static_cast<ServerCert>(i);
        Key key = new_key();
        Cert cert = which == ServerCert::SelfSigned
                        ? make_cert(server_spec(which), key.get(), nullptr, key.get())
                        : make_cert(server_spec(which), key.get(), ca.get(), ca_key.get());
        CertFiles files = server(which);
        write_pem(files.cert_file, cert.get(), nullptr);
        write_pem(files.key_file, nullptr, key.get());
        if (which == ServerCert::Valid) valid = std::move(cert);
    }

    // OCSP: a delegated responder of the CA, and a self-signed one nobody trusts.
    Key responder_key = new_key();
    Cert responder = make_cert(Spec{"OpenWinHTTP Test OCSP Responder", "", "OCSPSigning"},
                               responder_key.get(), ca.get(), ca_key.get());
    Key rogue_key = new_key();
    Cert rogue = make_cert(Spec{"OpenWinHTTP Rogue OCSP Responder", "", "OCSPSigning"},
                           rogue_key.get(), nullptr, rogue_key.get());
    constexpr long kHour = 60 * 60;
    write_ocsp(ocsp_response(OcspStaple::Good), valid.get(), ca.get(), responder.get(),
               responder_key.get(), V_OCSP_CERTSTATUS_GOOD, -kHour, kDay);
    write_ocsp(ocsp_response(OcspStaple::Revoked), valid.get(), ca.get(), responder.get(),
               responder_key.get(), V_OCSP_CERTSTATUS_REVOKED, -kHour, kDay);
    write_ocsp(ocsp_response(OcspStaple::Expired), valid.get(), ca.get(), responder.get(),
               responder_key.get(), V_OCSP_CERTSTATUS_GOOD, -2 * kDay, -kDay);
    write_ocsp(ocsp_response(OcspStaple::WrongSigner), valid.get(), ca.get(), rogue.get(),
               rogue_key.get(), V_OCSP_CERTSTATUS_GOOD, -kHour, kDay);

    Key client_key = new_key();
    Cert client_cert =
        make_cert(Spec{"test-client", "", "clientAuth"}, client_key.get(), ca.get(), ca_key.get());
    write_pem(client().cert_file, client_cert.get(), nullptr);
    write_pem(client().key_file, nullptr, client_key.get());
    write_pem(client_combined_pem(), client_cert.get(), client_key.get());
    write_p12(client_p12(), client_cert.get(), client_key.get(), client_p12_password());
}

CertFiles TestCertificates::server(ServerCert which) const {
    std::string base = dir_ + "/server-" + server_cert_name(which);
    return {base + ".pem", base + ".key"};
}

std::string TestCertificates::ocsp_response(OcspStaple which) const {
    return dir_ + "/ocsp-" + ocsp_staple_name(which) + ".der";
}

CertFiles TestCertificates::client() const {
    return {dir_ + "/client.pem", dir_ + "/client.key"};
}

// ---- RevocationPki ---------------------------------------------------------------------------

namespace {

// Serials of the revocation leaves: fixed, so that the responder's index can be written
// before the leaves exist (their URLs need the servers' ports).
constexpr long kRevSerialBase = 0x5000;

long rev_serial(RevCert which) { return kRevSerialBase + static_cast<long>(which); }

bool rev_revoked(RevCert which) {
    return which == RevCert::OcspRevoked || which == RevCert::CrlRevoked;
}

void write_raw(const std::string& path, const std::string& text) {
    BIO* out = BIO_new_file(path.c_str(), "wb");
    bool ok = out && BIO_write(out, text.data(), static_cast<int>(text.size())) ==
                         static_cast<int>(text.size());
    BIO_free(out);
    if (!ok) fail("write " + path);
}

Key read_key(const std::string& path) {
    BIO* in = BIO_new_file(path.c_str(), "r");
    EVP_PKEY* key = in ? PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(in);
    if (!key) fail("read key " + path);
    return Key(key);
}

Cert read_cert(const std::string& path) {
    BIO* in = BIO_new_file(path.c_str(), "r");
    X509* cert = in ? PEM_read_bio_X509(in, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(in);
    if (!cert) fail("read certificate " + path);
    return Cert(cert);
}

}  // namespace

const char* rev_cert_name(RevCert which) {
    switch (which) {
        case RevCert::OcspGood:
            return "ocsp-good";
        case RevCert::OcspRevoked:
            return "ocsp-revoked";
        case RevCert::CrlGood:
            return "crl-good";
        case RevCert::CrlRevoked:
            return "crl-revoked";
        case RevCert::OcspDown:
            return "ocsp-down";
        case RevCert::OcspDownCrlGood:
            return "ocsp-down-crl-good";
        case RevCert::OcspHangs:
            return "ocsp-hangs";
        default:
            return "unknown";
    }
}

RevocationPki::RevocationPki(const std::string& dir) : dir_(dir) {
    Key ca_key = new_key();
    Spec ca_spec{"OpenWinHTTP Revocation Test CA", "", "", true, -kDay, 3650 * kDay};
    Cert ca = make_cert(ca_spec, ca_key.get(), nullptr, ca_key.get());
    write_pem(ca_file(), ca.get(), nullptr);
    write_pem(dir_ + "/ca.key", nullptr, ca_key.get());
    Key responder_key = new_key();
    Cert responder = make_cert(Spec{"OpenWinHTTP Revocation Test Responder", "", "OCSPSigning"},
                               responder_key.get(), ca.get(), ca_key.get());
    write_pem(responder_cert(), responder.get(), nullptr);
    write_pem(responder_key_file(), nullptr, responder_key.get());

    // openssl ca's index format: status, expiry, revocation time, serial (hex), file, subject.
    std::string index;
    for (int i = 0; i < static_cast<int>(RevCert::Count); ++i) {
        const auto which = static_cast<RevCert>(i);
        char serial[32];
        std::snprintf(serial, sizeof(serial), "%lX", rev_serial(which));
        const bool revoked = rev_revoked(which);
        index += std::string(revoked ? "R" : "V") + "\t491231000000Z\t" +
                 (revoked ? "250101000000Z,keyCompromise" : "") + "\t" + serial +
                 "\tunknown\t/CN=" + rev_cert_name(which) + "\n";
    }
    write_raw(index_file(), index);
    write_raw(index_file() + ".attr", "unique_subject = no\n");
}

void RevocationPki::issue(const std::string& ocsp_url, const std::string& down_url,
                          const std::string& hang_url, const std::string& crl_url) {
    Cert ca = read_cert(ca_file());
    Key ca_key = read_key(dir_ + "/ca.key");
    for (int i = 0; i < static_cast<int>(RevCert::Count); ++i) {
        const auto which = static_cast<RevCert>(i);
        Spec spec{"localhost", kLocalNames, "serverAuth"};
        spec.serial = rev_serial(which);
        switch (which) {
            case RevCert::OcspGood:
            case RevCert::OcspRevoked:
                spec.aia = "OCSP;URI:" + ocsp_url;
                break;
            case RevCert::CrlGood:
            case RevCert::CrlRevoked:
                spec.cdp = "URI:" + crl_url;
                break;
            case RevCert::OcspDown:
                spec.aia = "OCSP;URI:" + down_url;
                break;
            case RevCert::OcspDownCrlGood:
                spec.aia = "OCSP;URI:" + down_url;
                spec.cdp = "URI:" + crl_url;
                break;
            case RevCert::OcspHangs:
                spec.aia = "OCSP;URI:" + hang_url;
                break;
            default:
                break;
        }
        Key key = new_key();
        Cert cert = make_cert(spec, key.get(), ca.get(), ca_key.get());
        write_pem(server(which).cert_file, cert.get(), nullptr);
        write_pem(server(which).key_file, nullptr, key.get());
    }

    // The CRL: every revoked serial, valid for a day.
    X509_CRL* crl = X509_CRL_new();
    bool ok = crl && X509_CRL_set_version(crl, 1) == 1 &&
              X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca.get())) == 1;
    ASN1_TIME* now = X509_gmtime_adj(nullptr, -60 * 60);
    ASN1_TIME* next = X509_gmtime_adj(nullptr, kDay);
    ok = ok && now && next && X509_CRL_set1_lastUpdate(crl, now) == 1 &&
         X509_CRL_set1_nextUpdate(crl, next) == 1;
    for (int i = 0; ok && i < static_cast<int>(RevCert::Count); ++i) {
        const auto which = static_cast<RevCert>(i);
        if (!rev_revoked(which)) continue;
        X509_REVOKED* entry = X509_REVOKED_new();
        ASN1_INTEGER* serial = ASN1_INTEGER_new();
        ok = entry && serial && ASN1_INTEGER_set(serial, rev_serial(which)) == 1 &&
             X509_REVOKED_set_serialNumber(entry, serial) == 1 &&
             X509_REVOKED_set_revocationDate(entry, now) == 1 && X509_CRL_add0_revoked(crl, entry);
        ASN1_INTEGER_free(serial);
        if (!ok) X509_REVOKED_free(entry);
    }
    ok = ok && X509_CRL_sort(crl) == 1 && X509_CRL_sign(crl, ca_key.get(), EVP_sha256()) > 0;
    unsigned char* der = nullptr;
    const int len = ok ? i2d_X509_CRL(crl, &der) : 0;
    ASN1_TIME_free(now);
    ASN1_TIME_free(next);
    X509_CRL_free(crl);
    if (len <= 0) fail("CRL");
    crl_der_.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
}

CertFiles RevocationPki::server(RevCert which) const {
    std::string base = dir_ + "/rev-" + rev_cert_name(which);
    return {base + ".pem", base + ".key"};
}

}  // namespace winhttp::test
