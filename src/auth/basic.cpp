#include "auth/basic.h"

#include <openssl/crypto.h>
#include <winhttp.h>

namespace auth {

std::string base64_encode(std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) |
                           uint8_t(in[i + 2]);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == in.size()) {
        const uint32_t v = uint32_t(uint8_t(in[i])) << 16;
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

// The challenge's realm and charset change nothing: RFC 7617 §2.1 allows only UTF-8 as
// charset, and the credentials are UTF-8 already.
uint32_t BasicMechanism::next(const Challenge&, const RequestFacts&, std::string& header_value) {
    if (creds_.use_default) return ERROR_WINHTTP_LOGIN_FAILURE;  // Basic has no default creds
    std::string plain = creds_.user + ":" + creds_.password;
    header_value = "Basic " + base64_encode(plain);
    OPENSSL_cleanse(plain.data(), plain.size());
    return 0;
}

}  // namespace auth
