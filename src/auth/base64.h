// base64 (RFC 4648 §4, padded), the one implementation of the auth codecs: Basic credentials
// (RFC 7617), NTLM messages and Negotiate tokens (RFC 4559) all travel in it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace auth {

std::string base64_encode(std::string_view bytes);
inline std::string base64_encode(std::span<const uint8_t> bytes) {
    return base64_encode(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Strict: a length that is a multiple of 4, the alphabet only, padding only at the very end.
// nullopt on anything else; "" decodes to "".
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace auth
