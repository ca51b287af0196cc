#include "auth/ntlm.h"

#include "auth/base64.h"

#include "util/wide.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <winhttp.h>

#include <chrono>
#include <clocale>
#include <cstring>
#include <cwctype>
#include <exception>
#include <locale.h>

namespace auth {
namespace ntlm {
namespace {

constexpr uint8_t kSignature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
constexpr size_t kChallengeMinSize = 32;       // up to and including ServerChallenge
constexpr size_t kChallengeWithInfoSize = 48;  // ... Reserved, TargetInfoFields
constexpr size_t kAuthenticateHeaderSize = 64; // up to and including NegotiateFlags
constexpr size_t kMicOffset = 72;              // after the 8-byte Version

uint16_t get16(std::span<const uint8_t> b, size_t at) {
    return static_cast<uint16_t>(b[at] | b[at + 1] << 8);
}
uint32_t get32(std::span<const uint8_t> b, size_t at) {
    return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
           uint32_t{b[at + 3]} << 24;
}
void put16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v));
    out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put64(std::vector<uint8_t>& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void set16(std::vector<uint8_t>& out, size_t at, uint16_t v) {
    out[at] = static_cast<uint8_t>(v);
    out[at + 1] = static_cast<uint8_t>(v >> 8);
}
void set32(std::vector<uint8_t>& out, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
void append(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

// A security buffer (Len, MaxLen, Offset) of a received message, checked against its size.
bool read_field(std::span<const uint8_t> msg, size_t at, std::vector<uint8_t>& out) {
    uint16_t len = get16(msg, at);
    uint32_t offset = get32(msg, at + 4);
    if (len == 0) return true;  // the offset of an empty field means nothing
    if (offset < kChallengeMinSize || uint64_t{offset} + len > msg.size()) return false;
    out.assign(msg.begin() + offset, msg.begin() + offset + len);
    return true;
}

bool parse_av_pairs(std::span<const uint8_t> info, ChallengeMessage& out) {
    size_t at = 0;
    for (;;) {
        if (info.size() - at < 4) return false;  // no MsvAvEOL
        uint16_t id = get16(info, at);
        uint16_t len = get16(info, at + 2);
        at += 4;
        if (info.size() - at < len) return false;
        std::span<const uint8_t> value = info.subspan(at, len);
        at += len;
        if (id == kAvEol) return len == 0;  // bytes after MsvAvEOL are ignored
        if ((id == kAvTimestamp && len != 8) || (id == kAvFlags && len != 4)) return false;
        if (id == kAvTimestamp && !out.timestamp) {
            uint64_t t = 0;
            for (int i = 7; i >= 0; --i) t = t << 8 | value[i];
            out.timestamp = t;
        }
        out.av_pairs.push_back({id, {value.begin(), value.end()}});
    }
}

void put_av(std::vector<uint8_t>& out, uint16_t id, std::span<const uint8_t> value) {
    put16(out, id);
    put16(out, static_cast<uint16_t>(value.size()));
    append(out, value);
}

// Unicode simple upper-casing; C.UTF-8 carries the full table, the "C" locale only ASCII.
wchar_t upper(wchar_t c) {
    static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
    if (loc) return static_cast<wchar_t>(towupper_l(static_cast<wint_t>(c), loc));
    return (c >= L'a' && c <= L'z') ? static_cast<wchar_t>(c - 32) : c;
}

const std::string_view kCbPrefix = "tls-server-end-point:";

}  // namespace

uint64_t system_filetime() {
    using namespace std::chrono;
    // FILETIME: 100 ns units since 1601-01-01; the Unix epoch is 11644473600 s later.
    auto since_unix = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
    return static_cast<uint64_t>(since_unix / 100) + 116444736000000000ull;
}

std::optional<ChallengeMessage> parse_challenge(std::span<const uint8_t> msg) {
    if (msg.size() < kChallengeMinSize) return std::nullopt;
    if (std::memcmp(msg.data(), kSignature, sizeof kSignature) != 0) return std::nullopt;
    if (get32(msg, 8) != 2) return std::nullopt;
    ChallengeMessage out;
    out.flags = get32(msg, 20);
    std::memcpy(out.server_challenge.data(), msg.data() + 24, 8);
    if (!read_field(msg, 12, out.target_name)) return std::nullopt;
    if (msg.size() >= kChallengeWithInfoSize) {
        if (!read_field(msg, 40, out.target_info)) return std::nullopt;
        if (!out.target_info.empty() && !parse_av_pairs(out.target_info, out))
            return std::nullopt;
    } else if (out.flags & kNegotiateTargetInfo) {
        return std::nullopt;  // promises TargetInfoFields it does not carry
    }
    return out;
}

std::vector<uint8_t> negotiate_message(uint32_t flags) {
    std::vector<uint8_t> out(std::begin(kSignature), std::end(kSignature));
    put32(out, 1);
    put32(out, flags);
    const uint32_t end = 40;  // header (32) + Version (8); both fields empty and point there
    for (int field = 0; field < 2; ++field) {
        put16(out, 0);
        put16(out, 0);
        put32(out, end);
    }
    append(out, kClientVersion);
    return out;
}

UserName split_user(std::string_view name) {
    if (auto slash = name.find('\\'); slash != std::string_view::npos)
        return {std::string(name.substr(0, slash)), std::string(name.substr(slash + 1))};
    return {"", std::string(name)};
}

std::vector<uint8_t> utf16le(std::string_view utf8, bool to_upper) {
    std::wstring wide = winhttp::from_utf8(utf8);
    std::vector<uint8_t> out;
    out.reserve(wide.size() * 4);  // room for surrogate pairs: no reallocation leaves copies
    for (wchar_t c : wide) {
        if (to_upper) c = upper(c);
        auto cp = static_cast<uint32_t>(c);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put16(out, static_cast<uint16_t>(0xD800 + (cp >> 10)));
            put16(out, static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            put16(out, static_cast<uint16_t>(cp));
        }
    }
    OPENSSL_cleanse(wide.data(), wide.size() * sizeof(wchar_t));  // may be a password
    return out;
}

Hash16 nt_hash(std::string_view password) {
    std::vector<uint8_t> unicode = utf16le(password);
    Hash16 out = md4(unicode);
    OPENSSL_cleanse(unicode.data(), unicode.size());
    return out;
}

Hash16 ntowf_v2(const Hash16& nt, std::string_view user, std::string_view domain) {
    std::vector<uint8_t> text = utf16le(user, true);
    append(text, utf16le(domain));
    return hmac_md5(nt, text);
}

Hash16 channel_bindings_hash(std::string_view end_point) {
    if (end_point.empty()) return Hash16{};  // all zero: no channel binding (§2.2.2.1)
    std::string app_data;
    if (end_point.substr(0, kCbPrefix.size()) != kCbPrefix) app_data = kCbPrefix;
    app_data += end_point;
    // gss_channel_bindings_struct flattened as RFC 4121 §4.1.1.2 hashes it: initiator and
    // acceptor address types and (empty) addresses, then the application data, lengths LE.
    std::vector<uint8_t> flat;
    for (int i = 0; i < 4; ++i) put32(flat, 0);
    put32(flat, static_cast<uint32_t>(app_data.size()));
    append(flat, std::span(reinterpret_cast<const uint8_t*>(app_data.data()), app_data.size()));
    return md5(flat);
}

std::vector<uint8_t> client_target_info(const ChallengeMessage& challenge, bool mic,
                                        std::string_view end_point, std::string_view spn) {
    std::vector<uint8_t> out;
    uint32_t av_flags = 0;
    for (const AvPair& p : challenge.av_pairs) {
        if (p.id == kAvFlags) {
            av_flags = get32(p.value, 0);
            continue;  // re-emitted below with our bit
        }
        if (p.id == kAvChannelBindings || p.id == kAvTargetName) continue;  // ours to send
        put_av(out, p.id, p.value);
    }
    if (mic) av_flags |= kAvFlagMicPresent;
    if (av_flags) {
        std::vector<uint8_t> v;
        put32(v, av_flags);
        put_av(out, kAvFlags, v);
    }
    put_av(out, kAvChannelBindings, channel_bindings_hash(end_point));
    if (!spn.empty()) put_av(out, kAvTargetName, utf16le(spn));
    put_av(out, kAvEol, {});
    return out;
}

AuthenticateOutput authenticate_message(const AuthenticateInput& in) {
    AuthenticateOutput result;
    // temp = RespType, HiRespType, Z(6), Time, ClientChallenge, Z(4), ServerName, Z(4) (§3.3.2)
    std::vector<uint8_t> temp = {1, 1, 0, 0, 0, 0, 0, 0};
    put64(temp, in.time);
    append(temp, in.client_challenge);
    put32(temp, 0);
    append(temp, in.target_info);
    put32(temp, 0);

    std::vector<uint8_t> proof_input(in.server_challenge.begin(), in.server_challenge.end());
    append(proof_input, temp);
    result.nt_proof = hmac_md5(in.response_key, proof_input);
    std::vector<uint8_t> nt_response(result.nt_proof.begin(), result.nt_proof.end());
    append(nt_response, temp);
    result.session_base_key = hmac_md5(in.response_key, result.nt_proof);

    std::vector<uint8_t> lm_response(24, 0);
    if (!in.zero_lm) {
        std::vector<uint8_t> lm_input(in.server_challenge.begin(), in.server_challenge.end());
        append(lm_input, in.client_challenge);
        Hash16 lm = hmac_md5(in.response_key, lm_input);
        std::memcpy(lm_response.data(), lm.data(), 16);
        std::memcpy(lm_response.data() + 16, in.client_challenge.data(), 8);
    }

    // Security buffers have 16-bit lengths (a server's 64 KiB TargetInfo plus ours can exceed
    // that): refuse rather than send a length that lies.
    for (size_t n : {in.domain.size(), in.user.size(), in.workstation.size(), nt_response.size(),
                     in.encrypted_session_key.size()})
        if (n > 0xFFFF) return result;

    std::vector<uint8_t> out(std::begin(kSignature), std::end(kSignature));
    put32(out, 3);
    out.resize(kAuthenticateHeaderSize, 0);
    set32(out, 60, in.flags);
    if (in.version) append(out, *in.version);
    if (in.mic_messages) {
        if (!in.version) out.resize(kMicOffset, 0);
        out.resize(kMicOffset + 16, 0);
    }
    // Payload in the order Windows writes it: domain, user, workstation, LM, NT, session key.
    auto field = [&out](size_t at, std::span<const uint8_t> bytes) {
        set16(out, at, static_cast<uint16_t>(bytes.size()));
        set16(out, at + 2, static_cast<uint16_t>(bytes.size()));
        set32(out, at + 4, static_cast<uint32_t>(out.size()));
        append(out, bytes);
    };
    field(28, in.domain);
    field(36, in.user);
    field(44, in.workstation);
    field(12, lm_response);
    field(20, nt_response);
    field(52, in.encrypted_session_key);

    if (in.mic_messages) {
        // Without key exchange the ExportedSessionKey is the KeyExchangeKey, which NTLMv2
        // makes the SessionBaseKey (§3.4.5.1, §3.1.5.1.2).
        std::vector<uint8_t> all(in.mic_messages->first.begin(), in.mic_messages->first.end());
        append(all, in.mic_messages->second);
        append(all, out);
        Hash16 mic = hmac_md5(result.session_base_key, all);
        std::memcpy(out.data() + kMicOffset, mic.data(), mic.size());
    }
    result.message = std::move(out);
    return result;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
    std::optional<std::string> bytes = auth::base64_decode(text);
    if (!bytes) return std::nullopt;
    return std::vector<uint8_t>(bytes->begin(), bytes->end());
}

}  // namespace ntlm

NtlmMechanism::NtlmMechanism(const Credentials& credentials, ntlm::Hooks hooks)
    : name_(ntlm::split_user(credentials.user)), hooks_(std::move(hooks)) {
    ntlm::Hash16 nt = ntlm::nt_hash(credentials.password);
    response_key_ = ntlm::ntowf_v2(nt, name_.user, name_.domain);
    OPENSSL_cleanse(nt.data(), nt.size());
    if (!hooks_.random)
        hooks_.random = [](uint8_t* p, size_t n) { return RAND_bytes(p, static_cast<int>(n)) == 1; };
    if (!hooks_.now_filetime) hooks_.now_filetime = ntlm::system_filetime;
}

NtlmMechanism::~NtlmMechanism() { wipe(); }

void NtlmMechanism::wipe() { OPENSSL_cleanse(response_key_.data(), response_key_.size()); }

uint32_t NtlmMechanism::next(const Challenge& challenge, const RequestFacts& facts,
                             std::string& header_value) {
    switch (state_) {
    case State::initial:
        // The first 401/407 carries a bare "NTLM"; anything in it is ignored.
        negotiate_ = ntlm::negotiate_message();
        header_value = "NTLM " + ntlm::base64_encode(negotiate_);
        state_ = State::negotiated;
        return 0;
    case State::negotiated: {
        uint32_t error = ERROR_WINHTTP_INTERNAL_ERROR;
        try {
            error = authenticate(challenge, facts, header_value);
        } catch (const std::exception&) {  // MD5 missing (FIPS-only OpenSSL), allocation
            error = ERROR_WINHTTP_INTERNAL_ERROR;
        }
        state_ = error ? State::failed : State::authenticated;
        wipe();  // the key is needed for exactly one AUTHENTICATE_MESSAGE
        return error;
    }
    case State::authenticated:
    case State::failed:
        break;
    }
    // A challenge after our AUTHENTICATE_MESSAGE: the server rejected the credentials.
    state_ = State::failed;
    return ERROR_WINHTTP_LOGIN_FAILURE;
}

uint32_t NtlmMechanism::authenticate(const Challenge& challenge, const RequestFacts& facts,
                                     std::string& header_value) {
    if (challenge.token68.empty() || challenge.token68.size() > ntlm::kMaxToken68)
        return ERROR_WINHTTP_INTERNAL_ERROR;
    auto bytes = ntlm::base64_decode(challenge.token68);
    if (!bytes) return ERROR_WINHTTP_INTERNAL_ERROR;
    auto parsed = ntlm::parse_challenge(*bytes);
    // We speak only Unicode (every server since Windows 2000 does).
    if (!parsed || !(parsed->flags & ntlm::kNegotiateUnicode)) return ERROR_WINHTTP_INTERNAL_ERROR;

    ntlm::AuthenticateInput in;
    in.flags = (ntlm::kClientFlags & parsed->flags) | ntlm::kNegotiateUnicode;
    in.response_key = response_key_;
    in.server_challenge = parsed->server_challenge;
    if (!hooks_.random(in.client_challenge.data(), in.client_challenge.size()))
        return ERROR_WINHTTP_INTERNAL_ERROR;
    // §3.1.5.1.2: with MsvAvTimestamp the client uses the server's time, sends Z(24) as LM
    // response and SHOULD send a MIC.
    bool mic = parsed->timestamp.has_value();
    in.time = mic ? *parsed->timestamp : hooks_.now_filetime();
    in.zero_lm = mic;
    std::string spn;
    if (!facts.spn.empty())
        spn = std::string(facts.spn);
    else if (!facts.host.empty())
        spn = "HTTP/" + std::string(facts.host);
    in.target_info = ntlm::client_target_info(*parsed, mic, facts.tls_server_end_point, spn);
    in.domain = ntlm::utf16le(name_.domain);
    in.user = ntlm::utf16le(name_.user);
    in.version = ntlm::kClientVersion;
    if (mic) in.mic_messages.emplace(negotiate_, *bytes);
    ntlm::AuthenticateOutput out = ntlm::authenticate_message(in);
    OPENSSL_cleanse(in.response_key.data(), in.response_key.size());
    OPENSSL_cleanse(out.session_base_key.data(), out.session_base_key.size());
    if (out.message.empty()) return ERROR_WINHTTP_INTERNAL_ERROR;  // fields too long
    header_value = "NTLM " + ntlm::base64_encode(out.message);
    return 0;
}

std::unique_ptr<Mechanism> make_ntlm(const Credentials& credentials) {
    if (credentials.use_default) return nullptr;
    return std::make_unique<NtlmMechanism>(credentials);
}

}  // namespace auth
