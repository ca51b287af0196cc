#include "auth/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <winhttp.h>

#include <cctype>
#include <cstdio>

namespace auth {

namespace {

std::string hex(const unsigned char* p, size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (size_t i = 0; i < n; ++i) {
        out += kHex[p[i] >> 4];
        out += kHex[p[i] & 15];
    }
    return out;
}

// H(data) in lower-case hex (RFC 7616 §3.4.1); empty when the digest is unavailable.
std::string hash_hex(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), out, &len, md, nullptr)) return {};
    return hex(out, len);
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// True when `list` (a comma-separated qop-options value) names `item`.
bool list_has(std::string_view list, std::string_view item) {
    size_t i = 0;
    while (i <= list.size()) {
        size_t j = list.find(',', i);
        if (j == std::string_view::npos) j = list.size();
        std::string_view e = list.substr(i, j - i);
        while (!e.empty() && (e.front() == ' ' || e.front() == '\t')) e.remove_prefix(1);
        while (!e.empty() && (e.back() == ' ' || e.back() == '\t')) e.remove_suffix(1);
        if (iequal(e, item)) return true;
        i = j + 1;
    }
    return false;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// RFC 7616 §3.4.4: a user name that cannot go in a quoted string as is (non-ASCII or
// control characters) is sent as username*=UTF-8''<percent-encoded> (RFC 5987).
bool needs_ext_value(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c >= 0x7F) return true;
    return false;
}

std::string ext_value(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out = "UTF-8''";
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string random_cnonce() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof(bytes)) != 1) return {};
    return hex(bytes, sizeof(bytes));
}

}  // namespace

uint32_t DigestMechanism::next(const Challenge& ch, const RequestFacts& facts,
                               std::string& header_value) {
    if (creds_.use_default) return ERROR_WINHTTP_LOGIN_FAILURE;
    const std::string* realm = ch.param("realm");
    const std::string* nonce = ch.param("nonce");
    if (!realm || !nonce) return ERROR_WINHTTP_INTERNAL_ERROR;
    const std::string* alg_param = ch.param("algorithm");
    const std::string algorithm = alg_param ? *alg_param : "MD5";
    const EVP_MD* md = nullptr;
    bool sess = false;
    if (iequal(algorithm, "MD5") || iequal(algorithm, "MD5-sess")) {
        md = EVP_md5();
        sess = iequal(algorithm, "MD5-sess");
    } else if (iequal(algorithm, "SHA-256") || iequal(algorithm, "SHA-256-sess")) {
        md = EVP_sha256();
        sess = iequal(algorithm, "SHA-256-sess");
    } else {
        return ERROR_WINHTTP_INTERNAL_ERROR;  // SHA-512-256 and unknown algorithms
    }
    const std::string* qop_options = ch.param("qop");
    const bool qop_auth = qop_options && list_has(*qop_options, "auth");
    if (qop_options && !qop_auth) return ERROR_WINHTTP_INTERNAL_ERROR;  // auth-int only

    if (*nonce != nonce_) {
        nonce_ = *nonce;
        nc_ = 0;
    }
    ++nc_;
    char nc[9];
    std::snprintf(nc, sizeof(nc), "%08x", nc_);
    std::string cnonce = fixed_cnonce_.empty() ? random_cnonce() : fixed_cnonce_;
    if (cnonce.empty()) return ERROR_WINHTTP_INTERNAL_ERROR;

    std::string secret = creds_.user + ":" + *realm + ":" + creds_.password;
    std::string ha1 = hash_hex(md, secret);
    OPENSSL_cleanse(secret.data(), secret.size());
    if (ha1.empty()) return ERROR_WINHTTP_INTERNAL_ERROR;  // MD5 refused (FIPS)
    if (sess) ha1 = hash_hex(md, ha1 + ":" + *nonce + ":" + cnonce);
    const std::string ha2 = hash_hex(md, std::string(facts.method) + ":" + std::string(facts.uri));
    const std::string response =
        qop_auth ? hash_hex(md, ha1 + ":" + *nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
                 : hash_hex(md, ha1 + ":" + *nonce + ":" + ha2);
    OPENSSL_cleanse(ha1.data(), ha1.size());

    const std::string* userhash_param = ch.param("userhash");
    const bool userhash = userhash_param && iequal(*userhash_param, "true");
    std::string out = "Digest ";
    if (userhash)
        out += "username=" + quote(hash_hex(md, creds_.user + ":" + *realm));
    else if (needs_ext_value(creds_.user))
        out += "username*=" + ext_value(creds_.user);
    else
        out += "username=" + quote(creds_.user);
    out += ", realm=" + quote(*realm);
    out += ", nonce=" + quote(*nonce);
    out += ", uri=" + quote(facts.uri);
    if (alg_param) out += ", algorithm=" + algorithm;
    out += ", response=\"" + response + "\"";
    if (const std::string* opaque = ch.param("opaque")) out += ", opaque=" + quote(*opaque);
    if (qop_auth) {
        out += ", qop=auth, nc=";
        out += nc;
        out += ", cnonce=" + quote(cnonce);
    }
    if (userhash) out += ", userhash=true";
    header_value = std::move(out);
    return 0;
}

}  // namespace auth
