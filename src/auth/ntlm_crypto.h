// The hash primitives NTLMv2 needs (MS-NLMP §6): MD4 for the NT hash, MD5 and HMAC-MD5.
//
// OpenSSL 3 moved MD4 into its "legacy" provider. We load that provider into a private
// OSSL_LIB_CTX so the application's default library context is never changed; where the
// legacy module is missing we use our own MD4 (RFC 1320). docs/design/ntlm.md says why.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace auth::ntlm {

using Hash16 = std::array<uint8_t, 16>;

// MD4 (RFC 1320) through OpenSSL's legacy provider in a private library context, or
// md4_builtin() when that provider cannot be loaded.
Hash16 md4(std::span<const uint8_t> data);
// Our own MD4, written from RFC 1320 §3 (the fallback; also unit-tested on its own).
Hash16 md4_builtin(std::span<const uint8_t> data);
// Whether md4() uses OpenSSL's legacy provider (false: the builtin fallback).
bool md4_from_openssl();

Hash16 md5(std::span<const uint8_t> data);
Hash16 hmac_md5(std::span<const uint8_t> key, std::span<const uint8_t> data);

}  // namespace auth::ntlm
