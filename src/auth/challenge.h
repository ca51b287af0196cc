// WWW-Authenticate / Proxy-Authenticate parsing (RFC 9110 §11.6.1).
#pragma once

#include <string_view>
#include <vector>

#include "auth/mechanism.h"

namespace auth {

// Splits one header value into its challenges:
//   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param = token BWS "=" BWS ( token / quoted-string )
// Scheme and parameter names come back lower-cased, quoted strings unquoted (quoted-pairs
// resolved). Malformed input never fails: what parsed before the damage is returned, and a
// damaged list element is skipped up to the next comma.
std::vector<Challenge> parse_challenges(std::string_view header_value);

}  // namespace auth
