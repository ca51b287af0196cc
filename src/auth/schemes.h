// The schemes WinHTTP names (WINHTTP_AUTH_SCHEME_*): challenge names, the order of preference
// when the engine picks one on its own, and the factory of their codecs.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "auth/mechanism.h"

namespace auth {

// WINHTTP_AUTH_SCHEME_* for a lower-cased challenge scheme ("basic", "passport1.4", ...);
// 0 for a scheme WinHTTP does not know.
uint32_t scheme_flag(std::string_view lowercase_scheme);

// The challenge whose scheme is `flag`, else null.
const Challenge* find_challenge(const std::vector<Challenge>& challenges, uint32_t flag);

// A fresh conversation for `scheme` with `creds`; null when this build has no codec for it
// (Passport, and NTLM / Negotiate until their codecs land).
std::unique_ptr<Mechanism> make_mechanism(uint32_t scheme, Credentials creds);

// Whether make_mechanism() can build `scheme`.
bool has_codec(uint32_t scheme);

// The strongest of `offered` (a WINHTTP_AUTH_SCHEME_* set) that has a codec:
// Negotiate, NTLM, Digest, Basic, as Windows prefers them. 0 when none.
uint32_t preferred_scheme(uint32_t offered);

}  // namespace auth
