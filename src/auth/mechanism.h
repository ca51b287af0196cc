// The contract between the request state machine and one authentication scheme.
//
// Every scheme (Basic, Digest, NTLM, Negotiate) is a sans-I/O codec: it reads the
// challenge the server or proxy sent and writes the value of the next Authorization /
// Proxy-Authorization header. It never touches sockets, threads or handles, so the engine
// drives all of them the same way, sync or async, and the codecs are unit-testable against
// published vectors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auth {

// One challenge of a WWW-Authenticate / Proxy-Authenticate header (RFC 9110 §11.6.1).
// A header may carry several; parse_challenges() (challenge.h) splits them.
struct Challenge {
    std::string scheme;   // lower-cased: "basic", "digest", "ntlm", "negotiate", ...
    std::string token68;  // e.g. the base64 blob of "NTLM <blob>"; empty when absent
    std::vector<std::pair<std::string, std::string>> params;  // names lower-cased, values unquoted

    const std::string* param(std::string_view name) const {
        for (const auto& p : params)
            if (p.first == name) return &p.second;
        return nullptr;
    }
};

// What the application gave through WinHttpSetCredentials / the USERNAME-PASSWORD options,
// converted to UTF-8. `use_default` = NULL user and password: the logged-on user's
// credentials (on Linux: the Kerberos ticket cache; NTLM has no default here).
struct Credentials {
    std::string user;      // may be "DOMAIN\\user" or "user@REALM"
    std::string password;
    bool use_default = false;
    void wipe();           // zeroes the strings' storage before releasing it (credentials.cpp)
};

// Per request-target facts a scheme may need for its next header.
struct RequestFacts {
    std::string_view method;      // "GET"
    std::string_view uri;         // request-target as sent on the wire ("/a?b", or absolute-form)
    std::string_view host;        // origin (or proxy) host name, for SPNs
    uint16_t port = 0;
    std::string_view tls_server_end_point;  // RFC 5929 channel binding data; empty on plain http
    std::string_view spn;         // "HTTP/host[:port]" (WINHTTP_OPTION_SPN); empty: "HTTP/" + host
};

// One authentication conversation with one target (server or proxy) of one request.
class Mechanism {
public:
    virtual ~Mechanism() = default;

    // Produces the next header value ("Basic dXNlcjpwYXNz", "NTLM TlRMTVNT...").
    // `challenge` is the server's latest challenge for this scheme (for NTLM/Negotiate the
    // second round carries the server's token). Returns 0 on success or a Windows error code
    // (ERROR_WINHTTP_LOGIN_FAILURE when the server rejected what we sent,
    // ERROR_WINHTTP_INTERNAL_ERROR for a malformed challenge, ...).
    virtual uint32_t next(const Challenge& challenge, const RequestFacts& facts,
                          std::string& header_value) = 0;

    // NTLM and Negotiate need every round on the same connection.
    virtual bool connection_based() const = 0;

    // Negotiate with mutual authentication: checks the final server token of a 2xx answer.
    // Other schemes accept anything. Returns 0 or a Windows error code.
    virtual uint32_t finish(const Challenge* /*final_challenge*/) { return 0; }
};

}  // namespace auth
