#include "auth/base64.h"

namespace auth {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int value_of(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::string base64_encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    for (size_t i = 0; i < in.size(); i += 3) {
        const uint32_t b0 = static_cast<uint8_t>(in[i]);
        const uint32_t b1 = i + 1 < in.size() ? static_cast<uint8_t>(in[i + 1]) : 0;
        const uint32_t b2 = i + 2 < in.size() ? static_cast<uint8_t>(in[i + 2]) : 0;
        const uint32_t v = b0 << 16 | b1 << 8 | b2;
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += i + 1 < in.size() ? kAlphabet[v >> 6 & 63] : '=';
        out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
    if (in.size() % 4 != 0) return std::nullopt;
    if (in.empty()) return std::string();
    size_t pad = 0;
    if (in.back() == '=') pad = in[in.size() - 2] == '=' ? 2 : 1;
    std::string out;
    out.reserve(in.size() / 4 * 3);
    for (size_t i = 0; i < in.size(); i += 4) {
        const bool last = i + 4 == in.size();
        uint32_t v = 0;
        for (size_t j = 0; j < 4; ++j) {
            const char c = in[i + j];
            if (c == '=' && last && j >= 4 - pad) {
                v <<= 6;
                continue;
            }
            const int d = value_of(c);
            if (d < 0) return std::nullopt;
            v = v << 6 | static_cast<uint32_t>(d);
        }
        out += static_cast<char>(v >> 16 & 0xff);
        if (!last || pad < 2) out += static_cast<char>(v >> 8 & 0xff);
        if (!last || pad < 1) out += static_cast<char>(v & 0xff);
    }
    return out;
}

}  // namespace auth
