#include "auth/ntlm_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace auth::ntlm {
namespace {

// The private library context holding the legacy provider, created once and kept for the
// life of the process: freeing it at exit could race OpenSSL's own atexit cleanup.
struct LegacyMd4 {
    OSSL_LIB_CTX* ctx = nullptr;
    EVP_MD* md = nullptr;

    LegacyMd4() {
        ctx = OSSL_LIB_CTX_new();
        if (!ctx) return;
        if (!OSSL_PROVIDER_load(ctx, "legacy")) return;
        md = EVP_MD_fetch(ctx, "MD4", nullptr);
    }
};

const EVP_MD* legacy_md4() {
    static const LegacyMd4* legacy = new LegacyMd4();  // never freed, see above
    return legacy->md;
}

uint32_t rotl(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

void md4_block(uint32_t state[4], const uint8_t block[64]) {
    uint32_t x[16];
    for (int i = 0; i < 16; ++i)
        x[i] = uint32_t{block[4 * i]} | uint32_t{block[4 * i + 1]} << 8 |
               uint32_t{block[4 * i + 2]} << 16 | uint32_t{block[4 * i + 3]} << 24;
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    auto f = [](uint32_t u, uint32_t v, uint32_t w) { return (u & v) | (~u & w); };
    auto g = [](uint32_t u, uint32_t v, uint32_t w) { return (u & v) | (u & w) | (v & w); };
    auto h = [](uint32_t u, uint32_t v, uint32_t w) { return u ^ v ^ w; };
    // Each round applies its operation to (a,b,c,d), (d,a,b,c), (c,d,a,b), (b,c,d,a) in turn,
    // with the word order and shifts of RFC 1320 §3.4.
    static const int r1_k[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static const int r2_k[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
    static const int r3_k[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
    static const int r1_s[4] = {3, 7, 11, 19}, r2_s[4] = {3, 5, 9, 13}, r3_s[4] = {3, 9, 11, 15};
    uint32_t* regs[4] = {&a, &d, &c, &b};  // the register each step updates
    for (int i = 0; i < 16; ++i) {
        uint32_t& r = *regs[i % 4];
        uint32_t& p = *regs[(i + 3) % 4];  // the three others, in the RFC's order
        uint32_t& q = *regs[(i + 2) % 4];
        uint32_t& t = *regs[(i + 1) % 4];
        r = rotl(r + f(p, q, t) + x[r1_k[i]], r1_s[i % 4]);
    }
    for (int i = 0; i < 16; ++i) {
        uint32_t& r = *regs[i % 4];
        uint32_t& p = *regs[(i + 3) % 4];
        uint32_t& q = *regs[(i + 2) % 4];
        uint32_t& t = *regs[(i + 1) % 4];
        r = rotl(r + g(p, q, t) + x[r2_k[i]] + 0x5A827999u, r2_s[i % 4]);
    }
    for (int i = 0; i < 16; ++i) {
        uint32_t& r = *regs[i % 4];
        uint32_t& p = *regs[(i + 3) % 4];
        uint32_t& q = *regs[(i + 2) % 4];
        uint32_t& t = *regs[(i + 1) % 4];
        r = rotl(r + h(p, q, t) + x[r3_k[i]] + 0x6ED9EBA1u, r3_s[i % 4]);
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    OPENSSL_cleanse(x, sizeof x);  // the words are password bytes when hashing a password
}

}  // namespace

Hash16 md4_builtin(std::span<const uint8_t> data) {
    uint32_t state[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
    size_t whole = data.size() / 64 * 64;
    for (size_t off = 0; off < whole; off += 64) md4_block(state, data.data() + off);
    // Padding (§3.1) and the 64-bit little-endian bit length (§3.2) in one or two last blocks.
    uint8_t tail[128] = {};
    size_t rest = data.size() - whole;
    if (rest) std::memcpy(tail, data.data() + whole, rest);
    tail[rest] = 0x80;
    size_t tail_len = rest < 56 ? 64 : 128;
    uint64_t bits = uint64_t{data.size()} * 8;
    for (int i = 0; i < 8; ++i) tail[tail_len - 8 + i] = static_cast<uint8_t>(bits >> (8 * i));
    for (size_t off = 0; off < tail_len; off += 64) md4_block(state, tail + off);
    OPENSSL_cleanse(tail, sizeof tail);
    Hash16 out;
    for (int i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(state[i / 4] >> (8 * (i % 4)));
    OPENSSL_cleanse(state, sizeof state);
    return out;
}

bool md4_from_openssl() { return legacy_md4() != nullptr; }

Hash16 md4(std::span<const uint8_t> data) {
    const EVP_MD* md = legacy_md4();
    if (!md) return md4_builtin(data);
    Hash16 out;
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) || len != out.size())
        return md4_builtin(data);
    return out;
}

Hash16 md5(std::span<const uint8_t> data) {
    Hash16 out;
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_md5(), nullptr) ||
        len != out.size())
        throw std::runtime_error("MD5 unavailable");
    return out;
}

Hash16 hmac_md5(std::span<const uint8_t> key, std::span<const uint8_t> data) {
    Hash16 out;
    unsigned int len = 0;
    if (!HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
              out.data(), &len) ||
        len != out.size())
        throw std::runtime_error("HMAC-MD5 unavailable");
    return out;
}

}  // namespace auth::ntlm
