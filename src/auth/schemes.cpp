#include "auth/schemes.h"

#include <winhttp.h>

#include "auth/basic.h"
#include "auth/digest.h"
#include "auth/ntlm.h"
#include "auth/negotiate.h"

namespace auth {

uint32_t scheme_flag(std::string_view s) {
    if (s == "basic") return WINHTTP_AUTH_SCHEME_BASIC;
    if (s == "digest") return WINHTTP_AUTH_SCHEME_DIGEST;
    if (s == "ntlm") return WINHTTP_AUTH_SCHEME_NTLM;
    if (s == "negotiate") return WINHTTP_AUTH_SCHEME_NEGOTIATE;
    if (s == "passport1.4") return WINHTTP_AUTH_SCHEME_PASSPORT;
    return 0;
}

const Challenge* find_challenge(const std::vector<Challenge>& challenges, uint32_t flag) {
    for (const auto& c : challenges)
        if (scheme_flag(c.scheme) == flag) return &c;
    return nullptr;
}

// Negotiate's next() may block on the KDC: the engine runs it off the event loop
// (RequestEngine::run_auth_steps).
std::unique_ptr<Mechanism> make_mechanism(uint32_t scheme, Credentials creds) {
    switch (scheme) {
        case WINHTTP_AUTH_SCHEME_BASIC:
            return std::make_unique<BasicMechanism>(std::move(creds));
        case WINHTTP_AUTH_SCHEME_DIGEST:
            return std::make_unique<DigestMechanism>(std::move(creds));
        case WINHTTP_AUTH_SCHEME_NTLM: {
            auto m = make_ntlm(creds);  // nullptr for default credentials
            creds.wipe();
            return m;
        }
        case WINHTTP_AUTH_SCHEME_NEGOTIATE: {
            // WINHTTP_OPTION_SPN is not stored yet: the SPN is HTTP/host (Windows' default).
            auto mech = make_negotiate(creds, false);
            creds.wipe();
            return mech;
        }
        default:
            creds.wipe();
            return nullptr;
    }
}

bool has_codec(uint32_t scheme) {
    return scheme == WINHTTP_AUTH_SCHEME_BASIC || scheme == WINHTTP_AUTH_SCHEME_DIGEST ||
           scheme == WINHTTP_AUTH_SCHEME_NTLM || scheme == WINHTTP_AUTH_SCHEME_NEGOTIATE;
}

uint32_t preferred_scheme(uint32_t offered) {
    for (uint32_t s : {WINHTTP_AUTH_SCHEME_NEGOTIATE, WINHTTP_AUTH_SCHEME_NTLM,
                       WINHTTP_AUTH_SCHEME_DIGEST, WINHTTP_AUTH_SCHEME_BASIC})
        if ((offered & s) && has_codec(s)) return s;
    return 0;
}

}  // namespace auth
