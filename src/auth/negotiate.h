// Negotiate (RFC 4559): SPNEGO over MIT Kerberos GSSAPI, as a sans-I/O auth::Mechanism.
//
// The engine calls next() once per 401/407 carrying "Negotiate [token]" and sends the header
// value it writes; on the final 2xx it calls finish() with that answer's Negotiate challenge
// (or nullptr), which checks the server's mutual-authentication token. No socket, no thread:
// the only I/O is GSSAPI's own talk to the KDC inside next() (a blocking call; the engine must
// run next() where blocking is allowed). Decisions and error mapping: docs/design/negotiate.md.
#pragma once

#include "auth/mechanism.h"
#include "auth/ntlm.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace auth {

// The service principal name Windows reports in WINHTTP_OPTION_SERVER_SPN_USED:
// "HTTP/host", or "HTTP/host:port" when WINHTTP_ENABLE_SPN_SERVER_PORT is set.
std::string negotiate_spn(std::string_view host, uint16_t port, bool spn_with_port);

class NegotiateMechanism final : public Mechanism {
  public:
    // `credentials.use_default`: the Kerberos ticket cache (KRB5CCNAME). Otherwise user is
    // "user", "user@REALM" or "DOMAIN\\user" (read as user@DOMAIN) and password its password.
    // The mechanism keeps its own copy and wipes it once the Kerberos credentials exist.
    NegotiateMechanism(const Credentials& credentials, bool spn_with_port);
    ~NegotiateMechanism() override;
    NegotiateMechanism(const NegotiateMechanism&) = delete;
    NegotiateMechanism& operator=(const NegotiateMechanism&) = delete;

    uint32_t next(const Challenge& challenge, const RequestFacts& facts,
                  std::string& header_value) override;
    bool connection_based() const override { return true; }
    uint32_t finish(const Challenge* final_challenge) override;

    // The SPN of the conversation ("HTTP/host[:port]"); empty before the first next().
    const std::string& spn_used() const { return spn_; }
    // GSSAPI's text for the last failure (for traces; never holds a password). After a
    // fall back to NTLM: why Kerberos could not be used.
    const std::string& last_failure() const { return failure_; }
    // True once the conversation runs NTLM inside Negotiate (see next()).
    bool uses_ntlm() const { return ntlm_active_; }

  private:
    enum class State { initial, in_progress, established, failed };

    uint32_t start(const RequestFacts& facts, std::string& header_value);
    uint32_t kerberos_start(const RequestFacts& facts, std::string& header_value);
    bool kerberos_impossible() const;
    void kerberos_reason();
    uint32_t ntlm_round(const Challenge& challenge, const RequestFacts& facts,
                        std::string& header_value);
    uint32_t step(std::string_view server_token, std::string* header_value);
    uint32_t acquire_credentials();
    uint32_t fail(uint32_t error, uint32_t major, uint32_t minor, std::string_view what);
    void wipe_secret();

    std::string user_;
    std::string password_;
    bool use_default_ = false;
    bool spn_with_port_ = false;

    State state_ = State::initial;
    std::string spn_;
    std::string bindings_;  // "tls-server-end-point:" + hash, or empty
    struct Gss;  // GSSAPI handles (negotiate.cpp), so this header needs no GSSAPI include
    std::unique_ptr<Gss> gss_;
    std::string failure_;
    long failure_minor_ = 0;  // the Kerberos minor status of the last failure
    // Windows' Negotiate uses NTLM when Kerberos is not possible: explicit credentials only
    // (no NTLM secret of a logged-on user here), made at construction (NTLM keeps NTOWFv2,
    // never the password).
    std::unique_ptr<Mechanism> ntlm_;
    bool ntlm_active_ = false;
};

// The factory the engine uses (auth-scheme WINHTTP_AUTH_SCHEME_NEGOTIATE).
std::unique_ptr<Mechanism> make_negotiate(const Credentials& credentials, bool spn_with_port);

}  // namespace auth
