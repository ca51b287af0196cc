#include "core/auth_flow.h"

#include <winhttp.h>

#include "auth/schemes.h"

namespace winhttp {

namespace {
// A connection-based handshake (NTLM: negotiate, challenge, authenticate) takes a few rounds;
// a server that keeps answering with tokens beyond this is not converging.
constexpr unsigned kMaxRounds = 4;

auth::Challenge bare_challenge(uint32_t scheme) {
    auth::Challenge c;
    switch (scheme) {
        case WINHTTP_AUTH_SCHEME_BASIC:
            c.scheme = "basic";
            break;
        case WINHTTP_AUTH_SCHEME_DIGEST:
            c.scheme = "digest";
            break;
        case WINHTTP_AUTH_SCHEME_NTLM:
            c.scheme = "ntlm";
            break;
        case WINHTTP_AUTH_SCHEME_NEGOTIATE:
            c.scheme = "negotiate";
            break;
        default:
            break;
    }
    return c;
}
}  // namespace

bool autologon_allows(DWORD policy, bool intranet) {
    switch (policy) {
        case WINHTTP_AUTOLOGON_SECURITY_LEVEL_LOW:
            return true;
        case WINHTTP_AUTOLOGON_SECURITY_LEVEL_MEDIUM:
            return intranet;
        default:
            return false;
    }
}

AuthFlow::~AuthFlow() {
    if (t_)
        for (int i = 0; i < 2; ++i) t_[i].explicit_creds.wipe();
}

const AuthFlow::Target& AuthFlow::get(int target) const {
    static const Target empty;
    return t_ ? t_[target] : empty;
}

void AuthFlow::set_credentials(int target, uint32_t scheme, auth::Credentials creds,
                               std::string origin) {
    Target& t = at(target);
    t.explicit_creds.wipe();
    t.explicit_creds = std::move(creds);
    t.explicit_scheme = scheme;
    t.explicit_origin = std::move(origin);
    t.has_explicit = true;
    t.mech.reset();  // new credentials start a new conversation
    t.need_token = false;
    t.ready = false;
}

void AuthFlow::start(Target& t, uint32_t scheme, auth::Credentials creds) {
    t.scheme = scheme;
    t.mech = auth::make_mechanism(scheme, std::move(creds));
    const auth::Challenge* c = auth::find_challenge(t.challenges, scheme);
    t.challenge = c ? *c : bare_challenge(scheme);
    t.need_token = t.mech != nullptr;
    t.ready = false;
}

void AuthFlow::begin_send(const std::string& origin) {
    if (!t_) return;  // nothing set, nothing under way
    for (int i = 0; i < 2; ++i) {
        Target& t = t_[i];
        t.tried = false;
        t.stale_retried = false;
        t.rounds = 0;
        if (t.mech || !t.has_explicit) continue;
        if (i == kServer && t.explicit_origin != origin) continue;
        auth::Credentials copy = t.explicit_creds;
        start(t, t.explicit_scheme, std::move(copy));
    }
}

std::string AuthFlow::header_for(int target, const auth::RequestFacts& facts) {
    if (!t_ || !t_[target].mech) return {};
    Target& t = t_[target];
    if (t.ready) {
        t.ready = false;
        t.need_token = false;
        t.tried = true;
        t.spn_used = facts.spn;
        t.sent_value = t.ready_value;
        return std::move(t.ready_value);
    }
    if (t.mech->connection_based()) {
        if (!t.need_token) return {};
        t.need_token = false;
    }
    std::string value;
    if (t.mech->next(t.challenge, facts, value) != 0) {
        // Nothing to answer with (Digest before any challenge, a malformed challenge): the
        // response goes to the application, or the challenge starts a fresh conversation.
        t.mech.reset();
        return {};
    }
    t.tried = true;
    if (t.mech->connection_based()) {
        t.spn_used = facts.spn;
        t.sent_value = value;
    }
    return value;
}

void AuthFlow::server_not_reached() {
    if (!t_) return;
    Target& t = t_[kServer];
    if (!t.tried || !t.mech) return;
    t.tried = false;
    if (t.mech->connection_based() && !t.sent_value.empty()) {
        t.ready = true;
        t.ready_value = std::move(t.sent_value);
    }
    t.sent_value.clear();
}

AuthFlow::BlockingStep AuthFlow::blocking_step(int target) const {
    const Target& t = get(target);
    if (!t.mech || t.scheme != WINHTTP_AUTH_SCHEME_NEGOTIATE || !t.need_token || t.ready) return {};
    return {t.mech, t.challenge};
}

void AuthFlow::step_done(int target, uint32_t error, std::string value) {
    Target& t = at(target);
    if (error) {
        // Wrong password, no ticket, KDC unreachable: nothing goes out, and the round is spent,
        // so the application gets the 401/407 (docs/design/negotiate.md: errors).
        t.mech.reset();
        t.need_token = false;
        t.tried = true;
        return;
    }
    t.ready = true;
    t.ready_value = std::move(value);
}

AuthFlow::Decision AuthFlow::on_challenge(int target, std::vector<auth::Challenge> challenges,
                                          const auth::Credentials* option_creds,
                                          const std::string& option_origin,
                                          const std::string& origin, bool autologon) {
    Target& t = at(target);
    t.challenges = std::move(challenges);
    uint32_t offered = 0;
    for (const auto& c : t.challenges) offered |= auth::scheme_flag(c.scheme);

    if (t.tried) {
        // Our credentials went out in this send and the answer is another challenge: a
        // handshake continues, a stale Digest nonce is retried once, anything else failed.
        const auth::Challenge* c = t.mech ? auth::find_challenge(t.challenges, t.scheme) : nullptr;
        if (c && t.mech->connection_based() && !c->token68.empty() && t.rounds < kMaxRounds) {
            t.challenge = *c;
            t.need_token = true;
            ++t.rounds;
            return Decision::Resend;
        }
        const std::string* stale = c ? c->param("stale") : nullptr;
        if (c && t.scheme == WINHTTP_AUTH_SCHEME_DIGEST && stale && !t.stale_retried &&
            (*stale == "true" || *stale == "TRUE" || *stale == "True")) {
            t.stale_retried = true;
            t.challenge = *c;
            return Decision::Resend;
        }
        t.mech.reset();
        t.need_token = false;
        t.ready = false;
        return Decision::GiveToApp;
    }

    // First challenge of this send: credentials from WinHttpSetCredentials win over the options
    // (Wine winhttp.c test_basic_authentication, verified on Windows).
    const bool server = target == kServer;
    if (t.has_explicit && (!server || t.explicit_origin == origin)) {
        if (!(offered & t.explicit_scheme) || !auth::has_codec(t.explicit_scheme))
            return Decision::GiveToApp;
        auth::Credentials copy = t.explicit_creds;
        start(t, t.explicit_scheme, std::move(copy));
    } else if (option_creds && !option_creds->user.empty() &&
               (!server || option_origin == origin)) {
        const uint32_t scheme = auth::preferred_scheme(offered);
        if (!scheme) return Decision::GiveToApp;
        start(t, scheme, *option_creds);
    } else if (autologon && (offered & WINHTTP_AUTH_SCHEME_NEGOTIATE)) {
        // The logged-on user's credentials, unasked (flow (c)). Only Negotiate: the Linux
        // default credentials are a Kerberos ticket cache; NTLM has no such secret here.
        auth::Credentials def;
        def.use_default = true;
        start(t, WINHTTP_AUTH_SCHEME_NEGOTIATE, std::move(def));
    } else {
        return Decision::GiveToApp;
    }
    if (!t.mech) return Decision::GiveToApp;
    t.tried = true;
    t.rounds = 1;
    return Decision::Resend;
}

uint32_t AuthFlow::on_other_response(int target, const std::vector<auth::Challenge>& challenges,
                                     bool token_optional) {
    if (!t_) return 0;
    Target& t = t_[target];
    if (!t.mech || !t.tried || !t.mech->connection_based()) return 0;
    const auth::Challenge* c = auth::find_challenge(challenges, t.scheme);
    const bool no_token = !c || c->token68.empty();
    const uint32_t e = token_optional && no_token ? 0 : t.mech->finish(c);
    // The connection is authenticated now; a later request on another one starts again.
    t.mech.reset();
    t.need_token = false;
    t.ready = false;
    return e;
}

bool AuthFlow::wants_same_connection() const {
    if (!t_) return false;
    for (int i = 0; i < 2; ++i)
        if (t_[i].mech && t_[i].need_token && t_[i].mech->connection_based()) return true;
    return false;
}

bool AuthFlow::connection_based() const {
    if (!t_) return false;
    for (int i = 0; i < 2; ++i) {
        const Target& t = t_[i];
        if (t.mech && t.mech->connection_based()) return true;
        if (t.has_explicit &&
            (t.explicit_scheme & (WINHTTP_AUTH_SCHEME_NTLM | WINHTTP_AUTH_SCHEME_NEGOTIATE)))
            return true;
    }
    return false;
}

void AuthFlow::forget_server() {
    if (!t_) return;
    t_[kServer].mech.reset();
    t_[kServer].need_token = false;
    t_[kServer].ready = false;
}

}  // namespace winhttp
