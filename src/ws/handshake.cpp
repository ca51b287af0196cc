#include "ws/handshake.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "util/wide.h"

namespace winhttp::ws {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 1.3

std::string base64(const unsigned char* p, size_t n) {
    std::string out(4 * ((n + 2) / 3), '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p,
                                    static_cast<int>(n));
    out.resize(static_cast<size_t>(len));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// True when the comma-separated list `value` holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const size_t comma = value.find(',');
        if (iequals(trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

std::string make_key() {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof(raw)) != 1) return {};
    return base64(raw, sizeof(raw));
}

std::string accept_for(std::string_view key) {
    std::string text(key);
    text += kGuid;
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    return base64(digest, sizeof(digest));
}

DWORD check_upgrade_response(const http1::HeaderList& headers, std::string_view key) {
    bool upgrade = false, connection = false, accept = false;
    const std::string expected = accept_for(key);
    for (const auto& h : headers) {
        if (iequals(h.name, "Upgrade")) upgrade = upgrade || iequals(trim(h.value), "websocket");
        else if (iequals(h.name, "Connection")) connection = connection || has_token(h.value, "upgrade");
        else if (iequals(h.name, "Sec-WebSocket-Accept")) accept = trim(h.value) == expected;
    }
    return upgrade && connection && accept ? ERROR_SUCCESS : ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
}

}  // namespace winhttp::ws
