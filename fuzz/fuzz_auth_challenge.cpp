// libFuzzer target: the WWW-Authenticate / Proxy-Authenticate parser (auth/challenge.h) and the
// Basic and Digest codecs fed with what it returns.
//
// Invariants: parsing never crashes and always terminates; every challenge has a non-empty
// lower-case scheme and lower-case parameter names; a challenge has a token68 or parameters,
// never both; the codecs answer any parsed challenge with 0 or an error code, and a Digest
// answer parses back as one Digest challenge that echoes the nonce and realm.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/basic.h"
#include "auth/challenge.h"
#include "auth/digest.h"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool lower(const std::string& s) {
    for (unsigned char c : s)
        if (std::isupper(c)) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto challenges = auth::parse_challenges(input);
    for (const auto& c : challenges) {
        check(!c.scheme.empty() && lower(c.scheme));
        check(c.token68.empty() || c.params.empty());
        for (const auto& p : c.params) check(!p.first.empty() && lower(p.first));
        auth::Credentials creds;
        creds.user = "u\"ser";
        creds.password = "p";
        const auth::RequestFacts facts{"GET", "/a?b", "h", 80, {}};
        std::string header;
        auth::BasicMechanism basic(creds);
        check(basic.next(c, facts, header) == 0);
        auth::DigestMechanism digest(creds, "cnonce");
        if (digest.next(c, facts, header) == 0) {
            const auto back = auth::parse_challenges(header);
            check(back.size() == 1 && back[0].scheme == "digest");
            check(back[0].param("nonce") && c.param("nonce") &&
                  *back[0].param("nonce") == *c.param("nonce"));
            check(back[0].param("realm") && *back[0].param("realm") == *c.param("realm"));
        }
    }
    return 0;
}
