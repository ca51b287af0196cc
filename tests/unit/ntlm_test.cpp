// NTLMv2 codec: MS-NLMP §4.2 published vectors, the strict CHALLENGE_MESSAGE parser, and the
// Mechanism's rounds.
#include "auth/ntlm.h"

#include <gtest/gtest.h>
#include <winhttp.h>

#include <openssl/evp.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace auth::ntlm;
using Bytes = std::vector<uint8_t>;

Bytes hex(std::string_view text) {
    Bytes out;
    int half = -1;
    for (char c : text) {
        int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (v < 0) continue;
        if (half < 0) {
            half = v;
        } else {
            out.push_back(static_cast<uint8_t>(half << 4 | v));
            half = -1;
        }
    }
    return out;
}
Bytes bytes(const Hash16& h) { return Bytes(h.begin(), h.end()); }
Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

uint16_t le16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] | b[at + 1] << 8); }
uint32_t le32(const Bytes& b, size_t at) {
    return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
           uint32_t{b[at + 3]} << 24;
}
// The bytes of the security buffer whose (Len, MaxLen, Offset) starts at `at`.
Bytes field(const Bytes& msg, size_t at) {
    uint16_t len = le16(msg, at);
    uint32_t off = le32(msg, at + 4);
    EXPECT_EQ(le16(msg, at + 2), len);
    EXPECT_LE(size_t{off} + len, msg.size());
    return Bytes(msg.begin() + off, msg.begin() + off + len);
}

// [MS-NLMP] §4.2.1 common values and §4.2.4 (NTLMv2) results.
const Bytes kServerChallenge = hex("0123456789abcdef");
const Bytes kClientChallenge = hex("aaaaaaaaaaaaaaaa");
const Bytes kNtHash = hex("a4f49c406510bdcab6824ee7c30fd852");          // §4.2.2.1.2 NTOWFv1
const Bytes kNtowfV2 = hex("0c868a403bfd7a93a3001ef22ef02e3f");         // §4.2.4.1.1
const Bytes kSessionBaseKey = hex("8de40ccadbc14a82f15cb0ad0de95ca3");  // §4.2.4.1.2
const Bytes kLmV2 = hex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");  // §4.2.4.2.1
const Bytes kNtProof = hex("68cd0ab851e51c96aabc927bebef6a1c");         // §4.2.4.2.2
// §4.2.4.3 CHALLENGE_MESSAGE.
const Bytes kChallenge = hex(
    "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef"
    "00000000000000002400240044000000060070170000000f5300650072007600"
    "6500720002000c0044006f006d00610069006e0001000c005300650072007600"
    "6500720000000000");
// §4.2.4.4 AUTHENTICATE_MESSAGE (key exchange; EncryptedRandomSessionKey c5da...).
const Bytes kAuthenticate = hex(R"(
    4e 54 4c 4d 53 53 50 00 03 00 00 00 18 00 18 00
    6c 00 00 00 54 00 54 00 84 00 00 00 0c 00 0c 00
    48 00 00 00 08 00 08 00 54 00 00 00 10 00 10 00
    5c 00 00 00 10 00 10 00 d8 00 00 00 35 82 88 e2
    05 01 28 0a 00 00 00 0f 44 00 6f 00 6d 00 61 00
    69 00 6e 00 55 00 73 00 65 00 72 00 43 00 4f 00
    4d 00 50 00 55 00 54 00 45 00 52 00 86 c3 50 97
    ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa
    aa aa aa aa 68 cd 0a b8 51 e5 1c 96 aa bc 92 7b
    eb ef 6a 1c 01 01 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00
    02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00
    01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00
    00 00 00 00 00 00 00 00 c5 da d2 54 4f c9 79 90
    94 ce 1c e9 0b c9 d0 3e)");
const Bytes kEncryptedSessionKey = hex("c5dad2544fc9799094ce1ce90bc9d03e");

template <size_t N>
std::array<uint8_t, N> arr(const Bytes& b) {
    std::array<uint8_t, N> a{};
    std::memcpy(a.data(), b.data(), N);
    return a;
}

// --- MD4 (RFC 1320 §A.5 test suite) ---------------------------------------------------------

struct Md4Case {
    const char* input;
    const char* digest;
};
const Md4Case kMd4Suite[] = {
    {"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
    {"a", "bde52cb31de33e46245e05fbdbd6fb24"},
    {"abc", "a448017aaf21d8525fc10ae87aa6729d"},
    {"message digest", "d9130a8164549fe818874806e1c7014b"},
    {"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
     "043f8582f241db351ce627e153e7f0e4"},
    {"1234567890123456789012345678901234567890123456789012345678901234567890123456789" "0",
     "e33b4ddc9c38f2199c3e7b164fcc0536"},
};

TEST(NtlmMd4, BuiltinMatchesRfc1320Suite) {
    // RFC 1320 §A.5 test suite.
    for (const auto& c : kMd4Suite) EXPECT_EQ(bytes(md4_builtin(ascii(c.input))), hex(c.digest)) << c.input;
}

TEST(NtlmMd4, SelectedImplementationMatchesRfc1320Suite) {
    // RFC 1320 §A.5 test suite, through whichever MD4 md4() picked.
    for (const auto& c : kMd4Suite) EXPECT_EQ(bytes(md4(ascii(c.input))), hex(c.digest)) << c.input;
}

TEST(NtlmMd4, BuiltinAgreesWithOpenSslAtEveryPaddingBoundary) {
    if (!md4_from_openssl()) GTEST_SKIP() << "OpenSSL legacy provider not installed";
    Bytes data;
    for (size_t n = 0; n < 200; ++n) {
        EXPECT_EQ(md4_builtin(data), md4(data)) << n;
        data.push_back(static_cast<uint8_t>(n * 7 + 1));
    }
}

TEST(NtlmMd4, LegacyProviderStaysOutOfTheDefaultContext) {
    // The application's default library context must not gain MD4 because NTLM needed it.
    EVP_MD* before = EVP_MD_fetch(nullptr, "MD4", nullptr);
    EVP_MD_free(before);
    if (before) GTEST_SKIP() << "the system OpenSSL configuration already activates legacy";
    (void)md4(ascii("x"));
    EVP_MD* md = EVP_MD_fetch(nullptr, "MD4", nullptr);
    EXPECT_EQ(md, nullptr);
    EVP_MD_free(md);
}

// --- MS-NLMP §4.2.4 NTLMv2 vectors ----------------------------------------------------------

TEST(NtlmVectors, NtHashOfPassword) {
    // MS-NLMP §4.2.2.1.2: NTOWFv1("Password").
    EXPECT_EQ(bytes(nt_hash("Password")), kNtHash);
}

TEST(NtlmVectors, NtowfV2) {
    // MS-NLMP §4.2.4.1.1: NTOWFv2("Password", "User", "Domain").
    EXPECT_EQ(bytes(ntowf_v2(nt_hash("Password"), "User", "Domain")), kNtowfV2);
}

TEST(NtlmVectors, NtowfV2FoldsTheUserNotTheDomain) {
    // MS-NLMP §3.3.2: NTOWFv2 = HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(ConcatenationOf(
    // Uppercase(User), UserDom))).
    Hash16 nt = nt_hash("Password");
    EXPECT_EQ(ntowf_v2(nt, "user", "Domain"), ntowf_v2(nt, "USER", "Domain"));
    EXPECT_NE(ntowf_v2(nt, "User", "DOMAIN"), ntowf_v2(nt, "User", "Domain"));
    // Upper-casing is Unicode, not only ASCII: é folds to É.
    EXPECT_EQ(ntowf_v2(nt, "J\xC3\xA9r\xC3\xB4me", "D"), ntowf_v2(nt, "J\xC3\x89R\xC3\x94ME", "D"));
}

TEST(NtlmVectors, Utf16leEncodesSupplementaryPlanesAsSurrogatePairs) {
    EXPECT_EQ(utf16le("A\xF0\x9F\x98\x80"), hex("4100 3dd8 00de"));
}

TEST(NtlmVectors, ParsesThePublishedChallenge) {
    // MS-NLMP §4.2.4.3.
    auto c = parse_challenge(kChallenge);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->flags, 0xe28a8233u);
    EXPECT_EQ(Bytes(c->server_challenge.begin(), c->server_challenge.end()), kServerChallenge);
    EXPECT_EQ(c->target_name, utf16le("Server"));
    ASSERT_EQ(c->av_pairs.size(), 2u);
    EXPECT_EQ(c->av_pairs[0].id, 2);  // MsvAvNbDomainName
    EXPECT_EQ(c->av_pairs[0].value, utf16le("Domain"));
    EXPECT_EQ(c->av_pairs[1].id, 1);  // MsvAvNbComputerName
    EXPECT_EQ(c->av_pairs[1].value, utf16le("Server"));
    EXPECT_FALSE(c->timestamp);
    EXPECT_EQ(c->target_info.size(), 36u);
}

AuthenticateInput published_input() {
    auto c = parse_challenge(kChallenge);
    AuthenticateInput in;
    in.flags = 0xe2888235u;  // §4.2.4.4 AUTHENTICATE_MESSAGE NegotiateFlags
    in.response_key = arr<16>(kNtowfV2);
    in.server_challenge = c->server_challenge;
    in.client_challenge = arr<8>(kClientChallenge);
    in.time = 0;
    in.target_info = c->target_info;  // the example's client adds no AV pair of its own
    in.domain = utf16le("Domain");
    in.user = utf16le("User");
    in.workstation = utf16le("COMPUTER");
    in.version = arr<8>(hex("0501280a0000000f"));
    return in;
}

TEST(NtlmVectors, ResponsesAndSessionBaseKey) {
    // MS-NLMP §4.2.4.1.2, §4.2.4.2.1, §4.2.4.2.2.
    AuthenticateOutput out = authenticate_message(published_input());
    EXPECT_EQ(bytes(out.nt_proof), kNtProof);
    EXPECT_EQ(bytes(out.session_base_key), kSessionBaseKey);
    EXPECT_EQ(field(out.message, 12), kLmV2);
    Bytes nt = field(out.message, 20);
    ASSERT_EQ(nt.size(), 0x54u);  // NTProofStr + temp of §4.2.4.1.3
    EXPECT_EQ(Bytes(nt.begin(), nt.begin() + 16), kNtProof);
}

TEST(NtlmVectors, WholeAuthenticateMessage) {
    // MS-NLMP §4.2.4.4, byte for byte. The example negotiates KEY_EXCH; we do not (no
    // signing or sealing over HTTP), so its EncryptedRandomSessionKey is given, not computed.
    AuthenticateInput in = published_input();
    in.encrypted_session_key = kEncryptedSessionKey;
    EXPECT_EQ(authenticate_message(in).message, kAuthenticate);
}

TEST(NtlmVectors, LmResponseIsZeroWhenAsked) {
    // MS-NLMP §3.1.5.1.2: with MsvAvTimestamp the client sends Z(24) as LmChallengeResponse.
    AuthenticateInput in = published_input();
    in.zero_lm = true;
    EXPECT_EQ(field(authenticate_message(in).message, 12), Bytes(24, 0));
}

// --- the strict CHALLENGE_MESSAGE parser ------------------------------------------------------

TEST(NtlmChallengeParser, EveryTruncationIsRefused) {
    for (size_t n = 0; n < kChallenge.size(); ++n)
        EXPECT_FALSE(parse_challenge(std::span(kChallenge.data(), n))) << n;
}

TEST(NtlmChallengeParser, WrongSignatureOrType) {
    Bytes m = kChallenge;
    m[7] = 'X';
    EXPECT_FALSE(parse_challenge(m));
    for (uint8_t type : {0, 1, 3, 255}) {
        m = kChallenge;
        m[8] = type;
        EXPECT_FALSE(parse_challenge(m)) << int{type};
    }
    m = kChallenge;
    m[11] = 1;  // type 0x01000002
    EXPECT_FALSE(parse_challenge(m));
}

TEST(NtlmChallengeParser, OffsetsAndLengthsOutsideTheMessage) {
    Bytes m = kChallenge;
    m[16] = 0x69;  // TargetName at 0x69: 12 bytes past the end
    EXPECT_FALSE(parse_challenge(m));
    m = kChallenge;
    m[16] = m[17] = m[18] = m[19] = 0xff;  // offset + length overflows 32 bits
    EXPECT_FALSE(parse_challenge(m));
    m = kChallenge;
    m[40] = m[41] = 0xff;  // TargetInfo length 65535
    EXPECT_FALSE(parse_challenge(m));
    m = kChallenge;
    m[44] = 0x04;  // TargetInfo inside the fixed header
    m[45] = 0x00;
    EXPECT_FALSE(parse_challenge(m));
}

TEST(NtlmChallengeParser, EmptyFieldsIgnoreTheirOffsets) {
    Bytes m = kChallenge;
    m[12] = m[13] = 0;                     // TargetName length 0 ...
    m[16] = m[17] = m[18] = m[19] = 0xff;  // ... at a nonsense offset
    auto c = parse_challenge(m);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->target_name.empty());
}

void put_test_av(Bytes& out, uint16_t id, const Bytes& value) {
    out.push_back(static_cast<uint8_t>(id));
    out.push_back(static_cast<uint8_t>(id >> 8));
    out.push_back(static_cast<uint8_t>(value.size()));
    out.push_back(static_cast<uint8_t>(value.size() >> 8));
    out.insert(out.end(), value.begin(), value.end());
}

Bytes challenge_with_info(const Bytes& info, uint32_t flags = 0xe28a8233u) {
    Bytes m = hex("4e544c4d5353500002000000000000003000000000000000"
                  "0123456789abcdef0000000000000000");
    for (int i = 0; i < 4; ++i) m[20 + i] = static_cast<uint8_t>(flags >> (8 * i));
    m.push_back(static_cast<uint8_t>(info.size()));
    m.push_back(static_cast<uint8_t>(info.size() >> 8));
    m.push_back(static_cast<uint8_t>(info.size()));
    m.push_back(static_cast<uint8_t>(info.size() >> 8));
    for (uint8_t b : {0x30, 0x00, 0x00, 0x00}) m.push_back(b);
    m.insert(m.end(), info.begin(), info.end());
    return m;
}

TEST(NtlmChallengeParser, AvPairsMustBeWellFormed) {
    EXPECT_TRUE(parse_challenge(challenge_with_info(hex("00000000"))));
    EXPECT_FALSE(parse_challenge(challenge_with_info(hex("0100020041"))));       // value cut
    EXPECT_FALSE(parse_challenge(challenge_with_info(hex("010002004100"))));     // no EOL
    EXPECT_FALSE(parse_challenge(challenge_with_info(hex("0000"))));             // EOL cut
    EXPECT_FALSE(parse_challenge(challenge_with_info(hex("010000000000"))));     // EOL cut
    EXPECT_FALSE(parse_challenge(challenge_with_info(hex("0000010041"))));       // EOL w/ length
    EXPECT_FALSE(parse_challenge(challenge_with_info(hex("070004000000000000000000"))));  // ts 4
    EXPECT_FALSE(parse_challenge(challenge_with_info(hex("0600020000000000000000"))));    // flags 2
    EXPECT_FALSE(parse_challenge(challenge_with_info(hex("01000800 41004200 00000000"))));  // len
}

TEST(NtlmChallengeParser, ReadsTimestampAndFlags) {
    auto c = parse_challenge(challenge_with_info(
        hex("0700 0800 0102030405060708  0600 0400 01000000  0000 0000  ffff")));
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->timestamp);
    EXPECT_EQ(*c->timestamp, 0x0807060504030201ull);
    ASSERT_EQ(c->av_pairs.size(), 2u);
    EXPECT_EQ(c->av_pairs[1].id, kAvFlags);
}

TEST(NtlmChallengeParser, OldShortMessageWithoutTargetInfo) {
    // A 32-byte CHALLENGE_MESSAGE (no Reserved/TargetInfoFields) is valid when the server does
    // not claim TARGET_INFO; with the flag it promises fields it lacks.
    Bytes m(kChallenge.begin(), kChallenge.begin() + 32);
    m[12] = m[13] = 0;
    m[22] &= static_cast<uint8_t>(~0x80);  // clear NEGOTIATE_TARGET_INFO (0x00800000)
    auto c = parse_challenge(m);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->target_info.empty());
    m[22] |= 0x80;
    EXPECT_FALSE(parse_challenge(m));
}

TEST(NtlmBase64, StrictDecoding) {
    EXPECT_EQ(base64_decode("TlRMTVNTUAA="), ascii(std::string_view("NTLMSSP\0", 8)));
    EXPECT_EQ(base64_decode(""), Bytes{});
    EXPECT_EQ(base64_decode("QQ=="), ascii("A"));
    EXPECT_FALSE(base64_decode("QQ="));
    EXPECT_FALSE(base64_decode("QQ=A"));
    EXPECT_FALSE(base64_decode("Q==="));
    EXPECT_FALSE(base64_decode("QQ==QQ=="));
    EXPECT_FALSE(base64_decode("QU JD"));
    EXPECT_FALSE(base64_decode("QUJ-"));
    EXPECT_EQ(base64_encode(ascii("AB")), "QUI=");
}

TEST(NtlmUserName, DomainUserUpnAndPlain) {
    EXPECT_EQ(split_user("CORP\\alice").domain, "CORP");
    EXPECT_EQ(split_user("CORP\\alice").user, "alice");
    // A UPN goes whole into UserName with an empty DomainName, as Windows sends it.
    EXPECT_EQ(split_user("alice@corp.example").domain, "");
    EXPECT_EQ(split_user("alice@corp.example").user, "alice@corp.example");
    EXPECT_EQ(split_user("alice").domain, "");
    EXPECT_EQ(split_user("alice").user, "alice");
}

TEST(NtlmChannelBindings, HashOfTheGssChannelBindingsStruct) {
    // MS-NLMP §2.2.2.1 MsvAvChannelBindings: MD5 of gss_channel_bindings_struct (RFC 4121
    // §4.1.1.2 layout: four zero address words, then length-prefixed application data
    // "tls-server-end-point:" + hash, RFC 5929 §4); all zero when there is no binding.
    EXPECT_EQ(channel_bindings_hash(""), Hash16{});
    Bytes hash = hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    std::string raw(hash.begin(), hash.end());
    Bytes flat(16, 0);
    std::string app = "tls-server-end-point:" + raw;
    flat.push_back(static_cast<uint8_t>(app.size()));
    flat.insert(flat.end(), {0, 0, 0});
    flat.insert(flat.end(), app.begin(), app.end());
    EXPECT_EQ(channel_bindings_hash(raw), md5(flat));
    // Data that already carries the prefix is not prefixed twice.
    EXPECT_EQ(channel_bindings_hash(app), md5(flat));
}

// --- the Mechanism ---------------------------------------------------------------------------

Hooks fixed_hooks() {
    Hooks h;
    h.random = [](uint8_t* p, size_t n) {
        std::memset(p, 0xaa, n);
        return true;
    };
    h.now_filetime = [] { return uint64_t{0x01d0000000000000}; };
    return h;
}

Bytes token(const std::string& header) {
    EXPECT_EQ(header.substr(0, 5), "NTLM ");
    auto b = base64_decode(header.substr(5));
    EXPECT_TRUE(b);
    return b ? *b : Bytes{};
}

auth::Challenge ntlm_challenge(const Bytes& type2) {
    auth::Challenge c;
    c.scheme = "ntlm";
    c.token68 = type2.empty() ? "" : base64_encode(type2);
    return c;
}

struct Round {
    Bytes type1, type3;
};

Round handshake(const Bytes& type2, std::string_view end_point = {}) {
    auth::Credentials cred;
    cred.user = "Domain\\User";
    cred.password = "Password";
    auth::NtlmMechanism m(cred, fixed_hooks());
    auth::RequestFacts facts;
    facts.host = "server.example";
    facts.tls_server_end_point = end_point;
    std::string h1, h3;
    EXPECT_EQ(m.next(ntlm_challenge({}), facts, h1), 0u);
    EXPECT_EQ(m.next(ntlm_challenge(type2), facts, h3), 0u);
    return {token(h1), token(h3)};
}

// The AV pairs inside an AUTHENTICATE_MESSAGE's NTLMv2 response.
std::vector<AvPair> response_av_pairs(const Bytes& type3) {
    Bytes nt = field(type3, 20);
    Bytes info(nt.begin() + 16 + 28, nt.end() - 4);
    auto c = parse_challenge(challenge_with_info(info));
    EXPECT_TRUE(c);
    return c ? c->av_pairs : std::vector<AvPair>{};
}

TEST(NtlmMechanism, NegotiateMessageFirst) {
    Round r = handshake(kChallenge);
    ASSERT_EQ(r.type1.size(), 40u);
    EXPECT_EQ(Bytes(r.type1.begin(), r.type1.begin() + 12), hex("4e544c4d5353500001000000"));
    EXPECT_EQ(le32(r.type1, 12), kClientFlags);
    EXPECT_FALSE(kClientFlags & (kNegotiateSign | kNegotiateSeal | kNegotiateKeyExch |
                                 kNegotiateOem));
}

TEST(NtlmMechanism, AuthenticateCarriesAValidNtlmV2Response) {
    Round r = handshake(kChallenge);
    const Bytes& t3 = r.type3;
    EXPECT_EQ(Bytes(t3.begin(), t3.begin() + 12), hex("4e544c4d5353500003000000"));
    EXPECT_EQ(field(t3, 28), utf16le("Domain"));
    EXPECT_EQ(field(t3, 36), utf16le("User"));
    EXPECT_TRUE(field(t3, 44).empty());  // no workstation name
    EXPECT_TRUE(field(t3, 52).empty());  // no key exchange
    EXPECT_EQ(le32(t3, 60), kClientFlags & 0xe28a8233u);
    // No MsvAvTimestamp in the challenge: LMv2 is sent, with our client challenge.
    Bytes lm = field(t3, 12);
    EXPECT_EQ(Bytes(lm.begin() + 16, lm.end()), kClientChallenge);
    // The NTProofStr verifies under the §4.2.4.1.1 key, as a server would check it.
    Bytes nt = field(t3, 20);
    Bytes proof_input = kServerChallenge;
    proof_input.insert(proof_input.end(), nt.begin() + 16, nt.end());
    EXPECT_EQ(bytes(hmac_md5(kNtowfV2, proof_input)), Bytes(nt.begin(), nt.begin() + 16));
    uint64_t time = 0;
    for (int i = 7; i >= 0; --i) time = time << 8 | nt[16 + 8 + i];
    EXPECT_EQ(time, 0x01d0000000000000ull);  // no server time: ours
    // Our AV pairs follow the server's: zero channel bindings on plain http, then the SPN.
    auto pairs = response_av_pairs(t3);
    ASSERT_EQ(pairs.size(), 4u);
    EXPECT_EQ(pairs[0].id, 2);
    EXPECT_EQ(pairs[1].id, 1);
    EXPECT_EQ(pairs[2].id, kAvChannelBindings);
    EXPECT_EQ(pairs[2].value, Bytes(16, 0));
    EXPECT_EQ(pairs[3].id, kAvTargetName);
    EXPECT_EQ(pairs[3].value, utf16le("HTTP/server.example"));
}

Bytes challenge_with_timestamp() {
    return challenge_with_info(hex("0200 0c00 44006f006d00610069006e00"  // NbDomainName
                                   "0700 0800 0011223344556677"          // Timestamp
                                   "0000 0000"));
}

TEST(NtlmMechanism, ServerTimestampMeansZeroLmAndAMic) {
    // MS-NLMP §3.1.5.1.2: with MsvAvTimestamp the client uses that time, sends Z(24) for the
    // LM response, and provides a MIC, announced by MsvAvFlags 0x2.
    Bytes type2 = challenge_with_timestamp();
    Round r = handshake(type2);
    const Bytes& t3 = r.type3;
    EXPECT_EQ(field(t3, 12), Bytes(24, 0));
    Bytes nt = field(t3, 20);
    uint64_t time = 0;
    for (int i = 7; i >= 0; --i) time = time << 8 | nt[16 + 8 + i];
    EXPECT_EQ(time, 0x7766554433221100ull);
    auto pairs = response_av_pairs(t3);
    bool mic_flag = false;
    for (const auto& p : pairs)
        if (p.id == kAvFlags) mic_flag = le32(p.value, 0) & kAvFlagMicPresent;
    EXPECT_TRUE(mic_flag);
    // MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE | CHALLENGE | AUTHENTICATE with MIC zeroed);
    // without key exchange the exported key is the SessionBaseKey.
    Bytes session_key = bytes(hmac_md5(kNtowfV2, Bytes(nt.begin(), nt.begin() + 16)));
    Bytes zeroed = t3;
    std::fill(zeroed.begin() + 72, zeroed.begin() + 88, 0);
    Bytes all = r.type1;
    all.insert(all.end(), type2.begin(), type2.end());
    all.insert(all.end(), zeroed.begin(), zeroed.end());
    EXPECT_EQ(bytes(hmac_md5(session_key, all)), Bytes(t3.begin() + 72, t3.begin() + 88));
    EXPECT_NE(Bytes(t3.begin() + 72, t3.begin() + 88), Bytes(16, 0));
    EXPECT_EQ(le32(t3, 28 + 4), 88u);  // payload starts after Version and MIC
}

TEST(NtlmMechanism, ChannelBindingsFromTheTlsServerEndPoint) {
    std::string end_point(32, '\x5a');
    Round r = handshake(challenge_with_timestamp(), end_point);
    for (const auto& p : response_av_pairs(r.type3))
        if (p.id == kAvChannelBindings) EXPECT_EQ(p.value, bytes(channel_bindings_hash(end_point)));
}

TEST(NtlmMechanism, AServerFlagsAvPairIsMergedNotDuplicated) {
    Round r = handshake(challenge_with_info(hex("0600 0400 01000000 0700 0800 0000000000000001 "
                                                "0000 0000")));
    int count = 0;
    for (const auto& p : response_av_pairs(r.type3))
        if (p.id == kAvFlags) {
            ++count;
            EXPECT_EQ(le32(p.value, 0), 0x3u);
        }
    EXPECT_EQ(count, 1);
}

TEST(NtlmMechanism, ClientChallengeComesFromTheRandomSource) {
    // Without test hooks the client challenge is fresh CSPRNG output each time.
    auth::Credentials cred;
    cred.user = "u";
    cred.password = "p";
    auth::RequestFacts facts;
    Bytes lm[2];
    for (auto& l : lm) {
        auth::NtlmMechanism m(cred);
        std::string h;
        ASSERT_EQ(m.next(ntlm_challenge({}), facts, h), 0u);
        ASSERT_EQ(m.next(ntlm_challenge(kChallenge), facts, h), 0u);
        l = field(token(h), 12);
    }
    EXPECT_NE(Bytes(lm[0].begin() + 16, lm[0].end()), Bytes(lm[1].begin() + 16, lm[1].end()));
}

TEST(NtlmMechanism, AChallengeAfterAuthenticateIsALoginFailure) {
    auth::Credentials cred;
    cred.user = "u";
    cred.password = "p";
    auth::NtlmMechanism m(cred, fixed_hooks());
    auth::RequestFacts facts;
    std::string h;
    ASSERT_EQ(m.next(ntlm_challenge({}), facts, h), 0u);
    ASSERT_EQ(m.next(ntlm_challenge(kChallenge), facts, h), 0u);
    // The server answers the AUTHENTICATE_MESSAGE with another 401: bare "NTLM" or a new
    // challenge. Either way the credentials were rejected; no further round.
    EXPECT_EQ(m.next(ntlm_challenge({}), facts, h), ERROR_WINHTTP_LOGIN_FAILURE);
    EXPECT_EQ(m.next(ntlm_challenge(kChallenge), facts, h), ERROR_WINHTTP_LOGIN_FAILURE);
}

TEST(NtlmMechanism, MalformedChallengeEndsTheConversation) {
    // mechanism.h: a malformed challenge is ERROR_WINHTTP_INTERNAL_ERROR; nothing after it.
    const std::string bad[] = {"", "!!!!", "TlRMTVNTUAA=", std::string(300000, 'A')};
    for (const auto& token68 : bad) {
        auth::Credentials cred;
        cred.user = "u";
        auth::NtlmMechanism m(cred, fixed_hooks());
        auth::RequestFacts facts;
        std::string h;
        ASSERT_EQ(m.next(ntlm_challenge({}), facts, h), 0u);
        auth::Challenge c;
        c.scheme = "ntlm";
        c.token68 = token68;
        EXPECT_EQ(m.next(c, facts, h), ERROR_WINHTTP_INTERNAL_ERROR) << token68.substr(0, 20);
        EXPECT_EQ(m.next(ntlm_challenge(kChallenge), facts, h), ERROR_WINHTTP_LOGIN_FAILURE);
    }
}

TEST(NtlmMechanism, OemOnlyServerIsRefused) {
    Bytes m = kChallenge;
    m[20] &= static_cast<uint8_t>(~kNegotiateUnicode);
    auth::Credentials cred;
    cred.user = "u";
    auth::NtlmMechanism mech(cred, fixed_hooks());
    auth::RequestFacts facts;
    std::string h;
    ASSERT_EQ(mech.next(ntlm_challenge({}), facts, h), 0u);
    EXPECT_EQ(mech.next(ntlm_challenge(m), facts, h), ERROR_WINHTTP_INTERNAL_ERROR);
}

TEST(NtlmMechanism, FactoryAndConnectionBased) {
    auth::Credentials cred;
    cred.user = "u";
    cred.password = "p";
    auto m = auth::make_ntlm(cred);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->connection_based());
    // No default NTLM credentials on Linux: the logged-on user's secret is not available.
    auth::Credentials def;
    def.use_default = true;
    EXPECT_EQ(auth::make_ntlm(def), nullptr);
}

}  // namespace

namespace {

TEST(NtlmMechanism, OversizedTargetInfoIsRefusedNotTruncated) {
    // A server TargetInfo near 64 KiB plus our AV pairs no longer fits the 16-bit length of
    // NtChallengeResponseFields: an error, never a message whose lengths lie.
    Bytes info;
    put_test_av(info, 1, Bytes(65500, 0x41));
    info.insert(info.end(), {0, 0, 0, 0});
    auth::Credentials cred;
    cred.user = "u";
    auth::NtlmMechanism m(cred, fixed_hooks());
    auth::RequestFacts facts;
    facts.host = "h";
    std::string h;
    ASSERT_EQ(m.next(ntlm_challenge({}), facts, h), 0u);
    EXPECT_EQ(m.next(ntlm_challenge(challenge_with_info(info)), facts, h),
              ERROR_WINHTTP_INTERNAL_ERROR);
}

}  // namespace
