// libFuzzer target: the NTLM CHALLENGE_MESSAGE parser (auth::ntlm::parse_challenge), and
// for every message it accepts, the AUTHENTICATE_MESSAGE built from it; plus the whole
// Mechanism round with the input as the base64 token68 of an "NTLM" challenge.
// Invariants are checked with __builtin_trap so a violation is a crash the fuzzer keeps.
#include "auth/ntlm.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

uint16_t le16(const std::vector<uint8_t>& b, size_t at) {
    return static_cast<uint16_t>(b[at] | b[at + 1] << 8);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace auth::ntlm;
    std::span<const uint8_t> input(data, size);
    auto parsed = parse_challenge(input);
    if (parsed) {
        check(size >= 32);
        check(parsed->target_name.size() <= size && parsed->target_info.size() <= size);
        for (const AvPair& p : parsed->av_pairs) check(p.id != kAvEol);
        std::vector<uint8_t> info = client_target_info(*parsed, parsed->timestamp.has_value(),
                                                       "", "HTTP/h");
        // What we put in our response ends with MsvAvEOL and parses back.
        check(info.size() >= 4 && le16(info, info.size() - 4) == kAvEol);
        AuthenticateInput in;
        in.flags = kClientFlags & parsed->flags;
        in.server_challenge = parsed->server_challenge;
        in.target_info = info;
        in.version = kClientVersion;
        std::vector<uint8_t> type1 = negotiate_message();
        in.mic_messages.emplace(type1, input);
        AuthenticateOutput out = authenticate_message(in);
        check(out.message.empty() || out.message.size() >= 88);
    }

    auth::Credentials cred;
    cred.user = "D\\u";
    cred.password = "p";
    Hooks hooks;  // deterministic: libFuzzer replays inputs
    hooks.random = [](uint8_t* p, size_t n) {
        std::memset(p, 0x5a, n);
        return true;
    };
    hooks.now_filetime = [] { return uint64_t{0}; };
    auth::NtlmMechanism mech(cred, hooks);
    auth::RequestFacts facts;
    facts.host = "h";
    std::string header;
    check(mech.next(auth::Challenge{}, facts, header) == 0);
    auth::Challenge challenge;
    challenge.scheme = "ntlm";
    challenge.token68 = base64_encode(input);
    uint32_t error = mech.next(challenge, facts, header);
    // The mechanism accepts nothing the parser refuses, and refuses OEM-only servers.
    if (error == 0) check(parsed && (parsed->flags & kNegotiateUnicode));
    // Raw input as token68 text must never crash the strict base64 decoder.
    (void)base64_decode(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
