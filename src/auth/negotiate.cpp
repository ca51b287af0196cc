#include "auth/negotiate.h"

#include "auth/base64.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <openssl/crypto.h>
#include <winhttp.h>

#include <cctype>
#include <cstring>
#include <optional>

namespace auth {
namespace {

// RFC 4178 SPNEGO (1.3.6.1.5.5.2) and RFC 1964 Kerberos V5 (1.2.840.113554.1.2.2).
// MIT's headers export the Kerberos OID but not SPNEGO's; both are spelled out here.
char kSpnegoOidBytes[] = "\x2b\x06\x01\x05\x05\x02";
char kKrb5OidBytes[] = "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";
gss_OID_desc kSpnegoOid = {6, kSpnegoOidBytes};
gss_OID_desc kKrb5Oid = {9, kKrb5OidBytes};
gss_OID_set_desc kSpnegoSet = {1, &kSpnegoOid};
gss_OID_set_desc kKrb5Set = {1, &kKrb5Oid};

constexpr OM_uint32 kRequestFlags = GSS_C_MUTUAL_FLAG;
constexpr std::string_view kScheme = "Negotiate";
constexpr std::string_view kCbtPrefix = "tls-server-end-point:";  // RFC 5929 §4

bool failed(OM_uint32 major) {
    return (major & 0xffff0000u) != 0;  // GSS_ERROR(): a calling or routine error
}

void wipe(std::string& s) {
    if (s.empty()) return;
    OPENSSL_cleanse(s.data(), s.size());
    s.clear();
    s.shrink_to_fit();
}

// GSSAPI's words for a status (major and, when set, the mechanism's minor).
std::string status_text(OM_uint32 major, OM_uint32 minor) {
    std::string text;
    auto append = [&text](OM_uint32 code, int type, const gss_OID mech) {
        OM_uint32 more = 0;
        do {
            OM_uint32 m = 0;
            gss_buffer_desc buf{0, nullptr};
            if (failed(gss_display_status(&m, code, type, mech, &more, &buf))) break;
            if (!text.empty()) text += "; ";
            std::string_view piece(static_cast<const char*>(buf.value), buf.length);
            while (!piece.empty() && piece.back() == '\0') piece.remove_suffix(1);
            text += piece;
            gss_release_buffer(&m, &buf);
        } while (more != 0);
    };
    append(major, GSS_C_GSS_CODE, nullptr);
    if (minor != 0) append(minor, GSS_C_MECH_CODE, &kKrb5Oid);
    return text;
}

// "DOMAIN\user" is Windows' spelling; Kerberos says user@DOMAIN (realms are upper case).
std::string kerberos_user(const std::string& user) {
    const size_t slash = user.find('\\');
    if (slash == std::string::npos) return user;
    std::string realm = user.substr(0, slash);
    for (char& c : realm) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return user.substr(slash + 1) + "@" + realm;
}

}  // namespace

struct NegotiateMechanism::Gss {
    gss_cred_id_t cred = nullptr;  // GSS_C_NO_CREDENTIAL
    gss_cred_id_t krb5_cred = nullptr;  // the same login, Kerberos mechanism alone
    gss_name_t target = nullptr;   // GSS_C_NO_NAME
    gss_ctx_id_t ctx = nullptr;    // GSS_C_NO_CONTEXT
    OM_uint32 ret_flags = 0;

    ~Gss() {
        OM_uint32 minor = 0;
        if (ctx) gss_delete_sec_context(&minor, &ctx, nullptr);
        if (target) gss_release_name(&minor, &target);
        if (cred) gss_release_cred(&minor, &cred);
        if (krb5_cred) gss_release_cred(&minor, &krb5_cred);
    }
};

std::string negotiate_spn(std::string_view host, uint16_t port, bool spn_with_port) {
    std::string spn = "HTTP/";
    spn += host;
    if (spn_with_port) spn += ":" + std::to_string(port);
    return spn;
}

NegotiateMechanism::NegotiateMechanism(const Credentials& credentials, bool spn_with_port)
    : user_(credentials.use_default ? std::string() : kerberos_user(credentials.user)),
      password_(credentials.use_default ? std::string() : credentials.password),
      use_default_(credentials.use_default),
      spn_with_port_(spn_with_port),
      gss_(std::make_unique<Gss>()),
      ntlm_(credentials.use_default ? nullptr : make_ntlm(credentials)) {}

NegotiateMechanism::~NegotiateMechanism() {
    wipe_secret();
}

void NegotiateMechanism::wipe_secret() {
    wipe(password_);
}

uint32_t NegotiateMechanism::fail(uint32_t error, uint32_t major, uint32_t minor,
                                  std::string_view what) {
    state_ = State::failed;
    failure_minor_ = static_cast<long>(static_cast<int32_t>(minor));
    failure_ = std::string(what);
    if (major != 0 || minor != 0) failure_ += ": " + status_text(major, minor);
    wipe_secret();
    return error;
}

uint32_t NegotiateMechanism::acquire_credentials() {
    OM_uint32 minor = 0;
    OM_uint32 major = 0;
    if (use_default_) {
        // The ticket cache (KRB5CCNAME), the Linux form of Windows' logged-on user.
        // Kerberos alone first, for the reason of a failure (no cache, expired tickets):
        // SPNEGO's answer names none. Local only: no KDC exchange.
        major = gss_acquire_cred(&minor, nullptr, GSS_C_INDEFINITE, &kKrb5Set, GSS_C_INITIATE,
                                 &gss_->krb5_cred, nullptr, nullptr);
        if (!failed(major))
            major = gss_acquire_cred(&minor, nullptr, GSS_C_INDEFINITE, &kSpnegoSet, GSS_C_INITIATE,
                                     &gss_->cred, nullptr, nullptr);
        if (failed(major))
            return fail(ERROR_WINHTTP_LOGIN_FAILURE, major, minor,
                        "no default Kerberos credentials");
    } else {
        gss_buffer_desc name_buf{user_.size(), user_.data()};
        gss_name_t name = nullptr;
        major = gss_import_name(&minor, &name_buf, GSS_C_NT_USER_NAME, &name);
        if (failed(major))
            return fail(ERROR_WINHTTP_LOGIN_FAILURE, major, minor, "unusable user name");
        gss_buffer_desc secret{password_.size(), password_.data()};
        // First the Kerberos login alone: SPNEGO's own login reports no reason when it fails
        // (and succeeds when another installed mechanism, e.g. gss-ntlmssp, takes any
        // password), so bad password, unknown user and unreachable KDC are told apart here.
        major = gss_acquire_cred_with_password(&minor, name, &secret, GSS_C_INDEFINITE, &kKrb5Set,
                                               GSS_C_INITIATE, &gss_->krb5_cred, nullptr, nullptr);
        OM_uint32 ignored = 0;
        // Then SPNEGO credentials, so SPNEGO uses exactly these and never the ticket cache.
        // (A second AS exchange, only after a successful one: a wrong password is tried once.)
        if (!failed(major))
            major =
                gss_acquire_cred_with_password(&minor, name, &secret, GSS_C_INDEFINITE, &kSpnegoSet,
                                               GSS_C_INITIATE, &gss_->cred, nullptr, nullptr);
        gss_release_name(&ignored, &name);
        wipe_secret();  // Kerberos keeps its tickets; the password is no longer needed
        if (failed(major))
            return fail(ERROR_WINHTTP_LOGIN_FAILURE, major, minor,
                        "Kerberos login of " + user_ + " failed");
    }
    // Kerberos only inside SPNEGO: NTLM is its own scheme here (docs/design/negotiate.md).
    major = gss_set_neg_mechs(&minor, gss_->cred, &kKrb5Set);
    if (failed(major))
        return fail(ERROR_WINHTTP_LOGIN_FAILURE, major, minor, "SPNEGO without Kerberos");
    return 0;
}

// Kerberos could not be used at all, as opposed to refusing us: no KDC for the realm, no KDC
// answering, or no such service principal (the KDC has no key for HTTP/host). A wrong
// password or an unknown user is the KDC's answer about these credentials: no fall back.
bool NegotiateMechanism::kerberos_impossible() const {
    switch (failure_minor_) {
        case KRB5_KDC_UNREACH:
        case KRB5_REALM_UNKNOWN:
        case KRB5_REALM_CANT_RESOLVE:
        case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
            return true;
        default:
            return false;
    }
}

uint32_t NegotiateMechanism::start(const RequestFacts& facts, std::string& header_value) {
    spn_ = facts.spn.empty() ? negotiate_spn(facts.host, facts.port, spn_with_port_)
                             : std::string(facts.spn);
    const uint32_t error = kerberos_start(facts, header_value);
    if (error == 0 || !ntlm_ || !kerberos_impossible()) {
        ntlm_.reset();  // Kerberos it is (or nothing): NTLM's key goes
        return error;
    }
    // Windows' Negotiate package uses NTLM when Kerberos is not possible, and sends its
    // messages as they are ("Negotiate TlRMTVNTUA..."): the NTLM conversation under the
    // Negotiate name (docs/design/auth.md "Negotiate and NTLM").
    gss_ = std::make_unique<Gss>();
    ntlm_active_ = true;
    state_ = State::in_progress;
    failure_ += " (NTLM used instead)";
    Challenge first;
    first.scheme = "ntlm";
    return ntlm_round(first, facts, header_value);
}

// One NTLM message under the Negotiate name; the server's NTLM tokens come as
// "Negotiate <token>".
uint32_t NegotiateMechanism::ntlm_round(const Challenge& challenge, const RequestFacts& facts,
                                        std::string& header_value) {
    Challenge as_ntlm = challenge;
    as_ntlm.scheme = "ntlm";
    std::string value;
    if (const uint32_t error = ntlm_->next(as_ntlm, facts, value)) {
        state_ = State::failed;
        return error;
    }
    constexpr std::string_view kNtlmPrefix = "NTLM ";
    if (value.compare(0, kNtlmPrefix.size(), kNtlmPrefix) != 0) {
        state_ = State::failed;
        return ERROR_WINHTTP_INTERNAL_ERROR;
    }
    header_value = std::string(kScheme) + " " + value.substr(kNtlmPrefix.size());
    return 0;
}

uint32_t NegotiateMechanism::kerberos_start(const RequestFacts& facts, std::string& header_value) {
    if (uint32_t error = acquire_credentials()) return error;
    // GSS_C_NT_HOSTBASED_SERVICE spells HTTP/host as HTTP@host.
    std::string service = "HTTP@" + spn_.substr(5);
    gss_buffer_desc name_buf{service.size(), service.data()};
    OM_uint32 minor = 0;
    const OM_uint32 major =
        gss_import_name(&minor, &name_buf, GSS_C_NT_HOSTBASED_SERVICE, &gss_->target);
    if (failed(major))
        return fail(ERROR_WINHTTP_LOGIN_FAILURE, major, minor, "unusable SPN " + spn_);
    if (!facts.tls_server_end_point.empty()) {
        bindings_ = std::string(kCbtPrefix);
        bindings_ += facts.tls_server_end_point;
    }
    state_ = State::in_progress;
    const uint32_t error = step({}, &header_value);
    if (error != 0 && !kerberos_impossible()) kerberos_reason();
    return error;
}

// The first SPNEGO round failed: SPNEGO's minor status is not Kerberos' code, so the same
// first step is asked of the Kerberos mechanism directly, with the Kerberos-only credential of
// the same login (no second AS exchange), for failure_minor_ (kerberos_impossible()).
void NegotiateMechanism::kerberos_reason() {
    OM_uint32 minor = 0;
    gss_ctx_id_t ctx = nullptr;
    gss_buffer_desc output{0, nullptr};
    if (!gss_->krb5_cred) return;
    const OM_uint32 major =
        gss_init_sec_context(&minor, gss_->krb5_cred, &ctx, gss_->target, &kKrb5Oid, kRequestFlags,
                             0, nullptr, nullptr, nullptr, &output, nullptr, nullptr);
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &output);
    if (ctx) gss_delete_sec_context(&ignored, &ctx, nullptr);
    if (failed(major)) failure_minor_ = static_cast<long>(static_cast<int32_t>(minor));
}

// One gss_init_sec_context() call. `header_value` null: the final round of finish(), which
// must complete the context without anything more to send.
uint32_t NegotiateMechanism::step(std::string_view server_token, std::string* header_value) {
    gss_buffer_desc input{server_token.size(), const_cast<char*>(server_token.data())};
    // Address types 0 (GSS_C_AF_UNSPEC) and no addresses, as Windows' SEC_CHANNEL_BINDINGS
    // for TLS (RFC 5929 through SSPI) and mod_auth_gssapi use: the checksum covers them.
    gss_channel_bindings_struct cb{};
    cb.application_data = {bindings_.size(), bindings_.data()};
    gss_buffer_desc output{0, nullptr};
    OM_uint32 minor = 0;
    OM_uint32 ret_flags = 0;
    const OM_uint32 major = gss_init_sec_context(
        &minor, gss_->cred, &gss_->ctx, gss_->target, &kSpnegoOid, kRequestFlags, 0,
        bindings_.empty() ? nullptr : &cb, server_token.empty() ? nullptr : &input, nullptr,
        &output, &ret_flags, nullptr);
    std::string token(static_cast<const char*>(output.value), output.length);
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &output);
    if (failed(major)) {
        const OM_uint32 routine = major & 0x00ff0000u;
        const bool bad_token = routine == GSS_S_DEFECTIVE_TOKEN || routine == GSS_S_BAD_SIG ||
                               routine == GSS_S_BAD_MECH;
        // In the final round any failure is a failed mutual authentication.
        const uint32_t error =
            bad_token && header_value ? ERROR_WINHTTP_INTERNAL_ERROR : ERROR_WINHTTP_LOGIN_FAILURE;
        return fail(error, major, minor,
                    header_value ? "Negotiate round failed" : "mutual authentication failed");
    }
    gss_->ret_flags = ret_flags;
    if (major == GSS_S_COMPLETE) {
        if (!(ret_flags & GSS_C_MUTUAL_FLAG))
            return fail(ERROR_WINHTTP_LOGIN_FAILURE, 0, 0, "server not mutually authenticated");
        state_ = State::established;
    }
    if (!header_value) {
        if (major != GSS_S_COMPLETE || !token.empty())
            return fail(ERROR_WINHTTP_LOGIN_FAILURE, 0, 0,
                        "mutual authentication failed: the handshake did not complete");
        return 0;
    }
    if (token.empty()) {
        // Nothing to send yet a 401 came: the server refused a finished handshake.
        return fail(ERROR_WINHTTP_LOGIN_FAILURE, 0, 0, "server refused the Kerberos ticket");
    }
    *header_value =
        std::string(kScheme) + " " +
        base64_encode(token);
    return 0;
}

uint32_t NegotiateMechanism::next(const Challenge& challenge, const RequestFacts& facts,
                                  std::string& header_value) {
    header_value.clear();
    if (ntlm_active_) {
        if (state_ != State::in_progress) return ERROR_WINHTTP_LOGIN_FAILURE;
        return ntlm_round(challenge, facts, header_value);
    }
    switch (state_) {
        case State::initial:
            // RFC 4559 §4: the first challenge carries no token; one sent anyway is ignored.
            return start(facts, header_value);
        case State::in_progress: {
            if (challenge.token68.empty())  // a bare "Negotiate" again: our token was refused
                return fail(ERROR_WINHTTP_LOGIN_FAILURE, 0, 0,
                            "server refused the Kerberos ticket");
            const std::optional<std::string> token = base64_decode(challenge.token68);
            if (!token)
                return fail(ERROR_WINHTTP_INTERNAL_ERROR, 0, 0, "Negotiate token not base64");
            return step(*token, &header_value);
        }
        case State::established:
            // The context is complete, yet the server still answers 401.
            return fail(ERROR_WINHTTP_LOGIN_FAILURE, 0, 0, "server refused the Kerberos ticket");
        case State::failed:
            break;
    }
    return ERROR_WINHTTP_LOGIN_FAILURE;
}

uint32_t NegotiateMechanism::finish(const Challenge* final_challenge) {
    // NTLM authenticates the client only: there is no server token to check.
    if (ntlm_active_) return state_ == State::failed ? ERROR_WINHTTP_LOGIN_FAILURE : 0;
    switch (state_) {
        case State::initial:      // no handshake ran: nothing to verify
        case State::established:  // the server's token already completed the context
            return 0;
        case State::failed:
            return ERROR_WINHTTP_LOGIN_FAILURE;
        case State::in_progress:
            break;
    }
    // Mutual authentication was requested: the 2xx must carry the server's final token.
    if (!final_challenge || final_challenge->token68.empty())
        return fail(ERROR_WINHTTP_LOGIN_FAILURE, 0, 0,
                    "mutual authentication failed: no final server token");
    const std::optional<std::string> token = base64_decode(final_challenge->token68);
    if (!token)
        return fail(ERROR_WINHTTP_LOGIN_FAILURE, 0, 0,
                    "mutual authentication failed: final token not base64");
    return step(*token, nullptr);
}

std::unique_ptr<Mechanism> make_negotiate(const Credentials& credentials, bool spn_with_port) {
    return std::make_unique<NegotiateMechanism>(credentials, spn_with_port);
}

}  // namespace auth
