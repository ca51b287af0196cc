// Which credentials answer which challenge, how many rounds, on which connection: the
// authentication decisions of one request, for its server and its proxy. Sans-I/O like the
// codecs: the engine (core/engine.cpp) asks it what header to send and what to do with a
// 401/407, and does the I/O itself. Not thread-safe; the engine's one-operation-at-a-time
// rule covers it (WinHttpSetCredentials holds the request's busy flag).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <winhttp.h>

#include "auth/mechanism.h"

namespace winhttp {

// WINHTTP_OPTION_AUTOLOGON_POLICY (Option Flags page): LOW, default credentials for every
// host; MEDIUM, only on the local intranet (`intranet`: a name without a dot, or one the proxy
// bypass list sends direct); HIGH, never.
bool autologon_allows(DWORD policy, bool intranet);

class AuthFlow {
  public:
    static constexpr int kServer = 0;  // WINHTTP_AUTH_TARGET_SERVER
    static constexpr int kProxy = 1;   // WINHTTP_AUTH_TARGET_PROXY
    enum class Decision { GiveToApp, Resend };

    AuthFlow() = default;
    ~AuthFlow();
    AuthFlow(const AuthFlow&) = delete;
    AuthFlow& operator=(const AuthFlow&) = delete;

    // WinHttpSetCredentials. `origin` is where server credentials may go ("http://h:80"); they
    // never go to another origin (after a redirect).
    void set_credentials(int target, uint32_t scheme, auth::Credentials creds, std::string origin);

    // A new WinHttpSendRequest: one automatic round per target again. Credentials set with
    // WinHttpSetCredentials go with the first transmission when their scheme can answer without
    // a challenge (Basic) or the previous response's challenge (Digest, flow (a)).
    void begin_send(const std::string& origin);

    // The Authorization / Proxy-Authorization value for the transmission being built, or empty.
    std::string header_for(int target, const auth::RequestFacts& facts);

    // Negotiate's next() blocks (it talks to the KDC), so the engine runs it off the event loop
    // before building the head: blocking_step() gives the mechanism and its challenge when such
    // a step is due (else a null mechanism); step_done() stores its result, which the next
    // header_for() sends. A failed step counts as the round: the next 401/407 goes to the app.
    struct BlockingStep {
        std::shared_ptr<auth::Mechanism> mech;
        auth::Challenge challenge;
    };
    BlockingStep blocking_step(int target) const;
    void step_done(int target, uint32_t error, std::string value);

    // A 401 (server) or 407 (proxy) with its challenges. `option_creds` are the
    // USERNAME/PASSWORD (PROXY_...) options, `option_origin` the origin they were set for.
    // `autologon`: WINHTTP_OPTION_AUTOLOGON_POLICY lets the default credentials (the Kerberos
    // ticket cache) answer a Negotiate challenge when nothing else was given (autologon_allows).
    Decision on_challenge(int target, std::vector<auth::Challenge> challenges,
                          const auth::Credentials* option_creds, const std::string& option_origin,
                          const std::string& origin, bool autologon = false);

    // Any other final response ends a handshake with `target` (Negotiate checks the server's
    // last token here). Returns 0 or a Windows error code. `token_optional`: the proxy's 2xx
    // to a CONNECT, which proxies send with no headers (Apache's mod_proxy_connect): a final
    // token there is checked, none is not a failure (docs/design/negotiate.md).
    uint32_t on_other_response(int target, const std::vector<auth::Challenge>& challenges,
                               bool token_optional = false);

    // The proxy answered this transmission with a 407: the server never saw its header. A
    // connection-based token goes out again unchanged with the next round (it was not used),
    // and the server's round is not spent.
    void server_not_reached();

    // A conversation with `target` is under way (a header may go out with this transmission).
    bool active(int target) const { return t_ && t_[target].mech != nullptr; }

    // A connection-based scheme's next token is waiting: the resend must use the same connection.
    bool wants_same_connection() const;
    // A connection-based scheme (NTLM, Negotiate) is in use or chosen for the next transmission:
    // the request must not go over HTTP/2, whose connection is shared by other requests.
    bool connection_based() const;

    // WINHTTP_OPTION_SERVER_SPN_USED / PROXY_SPN_USED: the SPN the last NTLM or Negotiate
    // token for `target` was made for; empty before any.
    const std::string& spn_used(int target) const { return get(target).spn_used; }

    // A redirect to another origin: the server conversation ends.
    void forget_server();

  private:
    struct Target {
        bool has_explicit = false;
        uint32_t explicit_scheme = 0;
        auth::Credentials explicit_creds;
        std::string explicit_origin;
        std::vector<auth::Challenge> challenges;  // of the latest 401/407
        uint32_t scheme = 0;
        // Shared with a blocking step that may outlive the request (a close does not wait for it).
        std::shared_ptr<auth::Mechanism> mech;
        bool ready = false;         // `ready_value` (a blocking step's result) goes out next
        std::string ready_value;
        std::string sent_value;     // connection-based: the token that went out last
        auth::Challenge challenge;  // what mech answers
        bool need_token = false;    // connection-based: the next token is not sent yet
        bool tried = false;         // credentials went out in this send
        bool stale_retried = false;
        unsigned rounds = 0;
        std::string spn_used;
    };
    void start(Target& t, uint32_t scheme, auth::Credentials creds);
    // Made at the first credentials or challenge: most requests never authenticate, and a
    // request's state is memory held per in-flight request (issue 16: 720 bytes of 2 Targets).
    Target& at(int target) {
        if (!t_) t_ = std::make_unique<Target[]>(2);
        return t_[target];
    }
    const Target& get(int target) const;  // an empty Target before at()
    std::unique_ptr<Target[]> t_;
};

}  // namespace winhttp
