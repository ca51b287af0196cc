// NTLM (NTLMv2 only, MS-NLMP) as a sans-I/O codec: the three messages, the strict parser of
// the server's CHALLENGE_MESSAGE, and the Mechanism the request state machine drives.
//
//   round 1: next(challenge "NTLM")            -> "NTLM <base64 NEGOTIATE_MESSAGE>"
//   round 2: next(challenge "NTLM <type 2>")   -> "NTLM <base64 AUTHENTICATE_MESSAGE>"
//   then:    any further challenge              -> ERROR_WINHTTP_LOGIN_FAILURE (rejected)
//
// docs/design/ntlm.md explains the flags, the MIC, channel bindings and the MD4 choice.
#pragma once

#include "auth/base64.h"
#include "auth/mechanism.h"
#include "auth/ntlm_crypto.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace auth {
namespace ntlm {

// NEGOTIATE flags (MS-NLMP §2.2.2.5).
inline constexpr uint32_t kNegotiateUnicode = 0x00000001;
inline constexpr uint32_t kNegotiateOem = 0x00000002;
inline constexpr uint32_t kRequestTarget = 0x00000004;
inline constexpr uint32_t kNegotiateSign = 0x00000010;
inline constexpr uint32_t kNegotiateSeal = 0x00000020;
inline constexpr uint32_t kNegotiateNtlm = 0x00000200;
inline constexpr uint32_t kNegotiateAlwaysSign = 0x00008000;
inline constexpr uint32_t kTargetTypeServer = 0x00020000;
inline constexpr uint32_t kNegotiateExtendedSessionSecurity = 0x00080000;
inline constexpr uint32_t kNegotiateTargetInfo = 0x00800000;
inline constexpr uint32_t kNegotiateVersion = 0x02000000;
inline constexpr uint32_t kNegotiate128 = 0x20000000;
inline constexpr uint32_t kNegotiateKeyExch = 0x40000000;
inline constexpr uint32_t kNegotiate56 = 0x80000000;

// What this client asks for in its NEGOTIATE_MESSAGE: no signing or sealing (HTTP does
// neither), so no KEY_EXCH; 128/56 because Windows servers by default refuse clients that do
// not offer 128-bit (NTLMMinServerSec); VERSION so the AUTHENTICATE message carries the
// Version field the MIC follows.
inline constexpr uint32_t kClientFlags = kNegotiateUnicode | kRequestTarget | kNegotiateNtlm |
                                         kNegotiateAlwaysSign | kNegotiateExtendedSessionSecurity |
                                         kNegotiateTargetInfo | kNegotiateVersion | kNegotiate128 |
                                         kNegotiate56;

// AV pair ids (MS-NLMP §2.2.2.1).
inline constexpr uint16_t kAvEol = 0, kAvFlags = 6, kAvTimestamp = 7, kAvTargetName = 9,
                          kAvChannelBindings = 10;
inline constexpr uint32_t kAvFlagMicPresent = 0x00000002;

// The Version we send (MS-NLMP §2.2.2.10): 10.0, build 0, NTLMSSP_REVISION_W2K3. The field
// is for debugging only; servers ignore it.
inline constexpr std::array<uint8_t, 8> kClientVersion = {10, 0, 0, 0, 0, 0, 0, 15};

struct AvPair {
    uint16_t id = 0;
    std::vector<uint8_t> value;
};

// A CHALLENGE_MESSAGE (type 2) that passed every bounds check.
struct ChallengeMessage {
    uint32_t flags = 0;
    std::array<uint8_t, 8> server_challenge{};
    std::vector<uint8_t> target_name;  // as sent (UTF-16LE when UNICODE is set)
    std::vector<uint8_t> target_info;  // raw AV pair bytes, EOL included; empty when absent
    std::vector<AvPair> av_pairs;      // target_info parsed, EOL excluded
    std::optional<uint64_t> timestamp; // MsvAvTimestamp (FILETIME), when present
};

// Strict parser: signature, type 2, every offset/length inside the message, AV pairs well
// formed and ending in MsvAvEOL, fixed-size AV values of the right size. nullopt otherwise.
std::optional<ChallengeMessage> parse_challenge(std::span<const uint8_t> message);

// NEGOTIATE_MESSAGE (type 1) with `flags`, no domain or workstation, and kClientVersion.
std::vector<uint8_t> negotiate_message(uint32_t flags = kClientFlags);

// "DOMAIN\user" -> {DOMAIN, user}; "user@domain" (UPN) and "user" -> {"", whole name}, as
// Windows sends a UPN: in UserName with an empty DomainName.
struct UserName {
    std::string domain;
    std::string user;
};
UserName split_user(std::string_view name);

// UTF-8 -> UTF-16LE bytes (invalid UTF-8 becomes U+FFFD); `upper` applies Unicode simple
// upper-casing as NTOWFv2 does to the user name.
std::vector<uint8_t> utf16le(std::string_view utf8, bool upper = false);

Hash16 nt_hash(std::string_view password_utf8);  // MD4(UTF-16LE(password)), NTOWFv1
// NTOWFv2 = HMAC_MD5(NT hash, UTF-16LE(Upper(user) + domain))  (MS-NLMP §3.3.2)
Hash16 ntowf_v2(const Hash16& nt_hash, std::string_view user, std::string_view domain);

// The AV pairs the client puts in its NTLMv2 response (MS-NLMP §3.1.5.1.2): the server's
// pairs, then MsvAvFlags with the MIC bit when `mic`, MsvAvChannelBindings (the MD5 of the
// gss_channel_bindings_struct carrying `tls_server_end_point`, zeros when empty), and
// MsvAvTargetName `spn` when not empty; then MsvAvEOL.
std::vector<uint8_t> client_target_info(const ChallengeMessage& challenge, bool mic,
                                        std::string_view tls_server_end_point,
                                        std::string_view spn);

// MD5 over the gss_channel_bindings_struct with application data
// "tls-server-end-point:" + hash (RFC 5929 §4, RFC 4121 §4.1.1.2, MS-NLMP §2.2.2.1).
Hash16 channel_bindings_hash(std::string_view tls_server_end_point);

struct AuthenticateInput {
    uint32_t flags = 0;
    Hash16 response_key{};  // NTOWFv2
    std::array<uint8_t, 8> server_challenge{};
    std::array<uint8_t, 8> client_challenge{};
    uint64_t time = 0;                // FILETIME of the NTLMv2 client challenge
    std::vector<uint8_t> target_info; // the AV pairs of the response (client_target_info)
    std::vector<uint8_t> domain, user, workstation;  // UTF-16LE
    bool zero_lm = false;             // LmChallengeResponse = Z(24) (MsvAvTimestamp present)
    std::optional<std::array<uint8_t, 8>> version;   // Version field, or none
    std::vector<uint8_t> encrypted_session_key;      // empty: no key exchange
    // MIC over NEGOTIATE | CHALLENGE | AUTHENTICATE when set (needs `version`).
    std::optional<std::pair<std::span<const uint8_t>, std::span<const uint8_t>>> mic_messages;
};

struct AuthenticateOutput {
    std::vector<uint8_t> message;
    Hash16 nt_proof{};
    Hash16 session_base_key{};
};

// AUTHENTICATE_MESSAGE (type 3) with an NTLMv2 response (MS-NLMP §2.2.1.3, §3.3.2).
// `message` is empty when a field would not fit its 16-bit length.
AuthenticateOutput authenticate_message(const AuthenticateInput& in);

// auth/base64.h, the bytes as a vector (the message parsers' type).
using auth::base64_encode;
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

// A CHALLENGE_MESSAGE is a header and two fields of at most 64 KiB each: longer base64 is
// refused before decoding.
inline constexpr size_t kMaxToken68 = 200 * 1024;

uint64_t system_filetime();  // now, as a Windows FILETIME

// Sources of randomness and time, replaceable in tests.
struct Hooks {
    std::function<bool(uint8_t*, size_t)> random;  // default: RAND_bytes
    std::function<uint64_t()> now_filetime;        // default: the system clock
};

}  // namespace ntlm

class NtlmMechanism final : public Mechanism {
public:
    explicit NtlmMechanism(const Credentials& credentials, ntlm::Hooks hooks = {});
    ~NtlmMechanism() override;
    NtlmMechanism(const NtlmMechanism&) = delete;
    NtlmMechanism& operator=(const NtlmMechanism&) = delete;

    uint32_t next(const Challenge& challenge, const RequestFacts& facts,
                  std::string& header_value) override;
    bool connection_based() const override { return true; }

private:
    uint32_t authenticate(const Challenge& challenge, const RequestFacts& facts,
                          std::string& header_value);
    void wipe();

    enum class State { initial, negotiated, authenticated, failed };
    State state_ = State::initial;
    ntlm::UserName name_;
    ntlm::Hash16 response_key_{};  // NTOWFv2; the password itself is not kept
    std::vector<uint8_t> negotiate_;
    ntlm::Hooks hooks_;
};

// The NTLM mechanism for `credentials`, or nullptr for default credentials: Linux has no
// logged-on user's NTLM secret (docs/design/ntlm.md).
std::unique_ptr<Mechanism> make_ntlm(const Credentials& credentials);

}  // namespace auth
