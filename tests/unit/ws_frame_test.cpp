// WebSocket codec (src/ws): frame header encoding, masking, the incremental server-frame parser,
// UTF-8 validation across fragments and the close payload. Cases follow the Autobahn|Testsuite
// groups (1 framing, 2 pings/pongs, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8,
// 7 close handling, 9 limits) with the client-side expectation RFC 6455 states.
#include "ws/frame.h"
#include "ws/utf8.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace {

using winhttp::ws::FrameParser;
using winhttp::ws::Opcode;
using Bytes = std::vector<uint8_t>;

// An unmasked server frame with an explicit first byte (FIN, RSV, opcode).
Bytes server_frame(uint8_t b0, const std::string& payload, bool masked = false) {
    Bytes out{b0};
    const size_t n = payload.size();
    const uint8_t m = masked ? 0x80 : 0;
    if (n < 126) {
        out.push_back(static_cast<uint8_t>(m | n));
    } else if (n <= 0xFFFF) {
        out.push_back(m | 126);
        out.push_back(static_cast<uint8_t>(n >> 8));
        out.push_back(static_cast<uint8_t>(n));
    } else {
        out.push_back(m | 127);
        for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(uint64_t{n} >> s));
    }
    if (masked) out.insert(out.end(), {1, 2, 3, 4});
    std::string body = payload;
    if (masked)
        for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(body[i] ^ (1 + i % 4));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& b : parts) out.insert(out.end(), b.begin(), b.end());
    return out;
}

// What the parser made of a byte stream: messages (type + whole payload), control frames, and
// the error code if it failed.
struct Outcome {
    std::vector<std::pair<Opcode, std::string>> messages;
    std::vector<std::pair<Opcode, std::string>> controls;
    uint16_t error = 0;
    uint16_t close_code = 0;
    std::string close_reason;
};

// Feeds the stream in pieces of `step` bytes with at most `max_data` payload bytes per event.
Outcome run(const Bytes& stream, size_t step = SIZE_MAX, size_t max_data = SIZE_MAX) {
    FrameParser parser;
    Outcome out;
    std::string current;
    size_t pos = 0;
    for (int guard = 0; guard < 1000000; ++guard) {
        const size_t n = std::min(step, stream.size() - pos);
        size_t used = 0;
        const FrameParser::Event ev = parser.parse(stream.data() + pos, n, max_data, used);
        pos += used;
        switch (ev.kind) {
        case FrameParser::Kind::Error:
            out.error = ev.close_code;
            return out;
        case FrameParser::Kind::Data:
            current.append(reinterpret_cast<const char*>(ev.data), ev.size);
            if (ev.message_end) {
                out.messages.emplace_back(ev.opcode, current);
                current.clear();
            }
            break;
        case FrameParser::Kind::Control:
            out.controls.emplace_back(ev.opcode,
                                      std::string(reinterpret_cast<const char*>(ev.data), ev.size));
            if (ev.opcode == Opcode::Close) {
                out.close_code = ev.close_code;
                out.close_reason = ev.close_reason;
            }
            break;
        case FrameParser::Kind::NeedMore:
            if (pos == stream.size() || parser.closed()) return out;
            break;
        }
    }
    ADD_FAILURE() << "parser made no progress";
    return out;
}

// Every case is checked whole, byte by byte, and with a 3-byte user buffer.
Outcome run_all_ways(const Bytes& stream) {
    const Outcome whole = run(stream);
    for (const auto& [step, max] : {std::pair<size_t, size_t>{1, SIZE_MAX}, {SIZE_MAX, 3}, {2, 1}}) {
        const Outcome other = run(stream, step, max);
        EXPECT_EQ(other.error, whole.error) << "step " << step << " max " << max;
        EXPECT_EQ(other.messages, whole.messages) << "step " << step << " max " << max;
        EXPECT_EQ(other.controls, whole.controls) << "step " << step << " max " << max;
    }
    return whole;
}

// ---- encoding --------------------------------------------------------------------------------

TEST(WsEncode, HeaderUsesShortestLengthAndAlwaysMasks) {
    // RFC 6455 5.2: 7-bit, 16-bit (126) and 64-bit (127) lengths; 5.3: client frames are masked.
    uint8_t h[winhttp::ws::kMaxHeaderSize];
    EXPECT_EQ(winhttp::ws::encode_header(true, Opcode::Text, 125, 0x04030201, h), 6u);
    EXPECT_EQ(h[0], 0x81);
    EXPECT_EQ(h[1], 0x80 | 125);
    EXPECT_EQ(Bytes(h + 2, h + 6), (Bytes{1, 2, 3, 4}));  // key bytes in application order (LE host)
    EXPECT_EQ(winhttp::ws::encode_header(false, Opcode::Binary, 126, 0, h), 8u);
    EXPECT_EQ(h[0], 0x02);
    EXPECT_EQ(h[1], 0x80 | 126);
    EXPECT_EQ(h[2], 0);
    EXPECT_EQ(h[3], 126);
    EXPECT_EQ(winhttp::ws::encode_header(true, Opcode::Binary, 65535, 0, h), 8u);
    EXPECT_EQ(winhttp::ws::encode_header(true, Opcode::Binary, 65536, 0, h), 14u);
    EXPECT_EQ(h[1], 0x80 | 127);
    EXPECT_EQ(Bytes(h + 2, h + 10), (Bytes{0, 0, 0, 0, 0, 1, 0, 0}));
}

TEST(WsEncode, MaskingInPiecesEqualsMaskingWhole) {
    std::string text(1000, '\0');
    for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 7);
    Bytes whole(text.begin(), text.end());
    Bytes pieces = whole;
    const uint32_t key = 0xA1B2C3D4;
    winhttp::ws::apply_mask(whole.data(), whole.size(), key);
    size_t at = 0;
    for (size_t step : {1, 3, 5, 8, 13, 100, 870}) {
        winhttp::ws::apply_mask(pieces.data() + at, step, key, at);
        at += step;
    }
    ASSERT_EQ(at, pieces.size());
    EXPECT_EQ(whole, pieces);
    uint8_t k[4];
    std::memcpy(k, &key, 4);
    for (size_t i = 0; i < whole.size(); ++i)
        ASSERT_EQ(whole[i], static_cast<uint8_t>(text[i]) ^ k[i % 4]) << i;  // RFC 6455 5.3
    winhttp::ws::apply_mask(whole.data(), whole.size(), key);
    EXPECT_EQ(whole, Bytes(text.begin(), text.end()));
}

TEST(WsEncode, CopyMaskedEqualsMaskingInPlaceAtAnyOffsetAndAlignment) {
    Bytes src(1029);
    for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 13 + 5);
    const uint32_t key = 0x0BADF00D;
    for (size_t off : {0, 1, 2, 3, 7}) {
        for (size_t len : {0, 1, 7, 8, 9, 64, 1000}) {
            Bytes expect(src.begin() + off, src.begin() + off + len);
            winhttp::ws::apply_mask(expect.data(), expect.size(), key, off);
            Bytes out(len + 3, 0xEE);
            // Unaligned source and destination.
            winhttp::ws::copy_masked(out.data() + 3, src.data() + off, len, key, off);
            EXPECT_EQ(Bytes(out.begin() + 3, out.end()), expect) << off << " " << len;
            EXPECT_EQ(out[0], 0xEE);
        }
    }
}

TEST(WsEncode, MaskKeysAreFreshAcrossBatches) {
    winhttp::ws::MaskKeys keys;
    std::set<uint32_t> seen;
    for (int i = 0; i < 300; ++i) {  // more than one batch of 64
        uint32_t k = 0;
        ASSERT_TRUE(keys.next(k));
        seen.insert(k);
    }
    // 300 draws of 32 random bits collide with probability ~1e-5; a constant or a repeating
    // batch would give far fewer distinct values.
    EXPECT_GE(seen.size(), 299u);
}

TEST(WsClose, PayloadRoundTrip) {
    const std::string p = winhttp::ws::encode_close_payload(1001, "bye");
    EXPECT_EQ(p, std::string("\x03\xE9" "bye", 5));
    uint16_t code = 0;
    std::string reason;
    EXPECT_EQ(winhttp::ws::decode_close_payload(reinterpret_cast<const uint8_t*>(p.data()),
                                                p.size(), code, reason),
              0);
    EXPECT_EQ(code, 1001);
    EXPECT_EQ(reason, "bye");
    // RFC 6455 7.1.5: no status code -> 1005.
    EXPECT_EQ(winhttp::ws::decode_close_payload(nullptr, 0, code, reason), 0);
    EXPECT_EQ(code, 1005);
}

TEST(WsClose, ValidCodes) {
    // RFC 6455 7.4.1/7.4.2 with the IANA registry (Autobahn 7.7 valid, 7.9 invalid).
    for (uint32_t c : {1000u, 1001u, 1002u, 1003u, 1007u, 1008u, 1009u, 1010u, 1011u, 1012u, 1013u,
                       1014u, 3000u, 3999u, 4000u, 4999u})
        EXPECT_TRUE(winhttp::ws::is_valid_close_code(c)) << c;
    for (uint32_t c : {0u, 999u, 1004u, 1005u, 1006u, 1015u, 1016u, 1100u, 2000u, 2999u, 5000u,
                       65535u})
        EXPECT_FALSE(winhttp::ws::is_valid_close_code(c)) << c;
}

// ---- 1: framing ------------------------------------------------------------------------------

TEST(WsParse, TextAndBinaryOfEveryLengthClass) {
    // Autobahn 1.1.x / 1.2.x: payload lengths 0, 125, 126, 127, 128, 65535, 65536.
    for (size_t len : {0u, 125u, 126u, 127u, 128u, 65535u, 65536u}) {
        const std::string text(len, '*');
        const Outcome o = run_all_ways(cat({server_frame(0x81, text), server_frame(0x82, text)}));
        ASSERT_EQ(o.error, 0) << len;
        ASSERT_EQ(o.messages.size(), 2u) << len;
        EXPECT_EQ(o.messages[0], std::make_pair(Opcode::Text, text));
        EXPECT_EQ(o.messages[1], std::make_pair(Opcode::Binary, text));
    }
}

TEST(WsParse, MaskedServerFrameIsProtocolError) {
    // RFC 6455 5.1: a client MUST close the connection if it detects a masked frame (1002).
    EXPECT_EQ(run_all_ways(server_frame(0x81, "hi", true)).error, 1002);
}

TEST(WsParse, SixtyFourBitLengthWithTopBitSetIsProtocolError) {
    // RFC 6455 5.2: the most significant bit of a 64-bit length MUST be 0.
    Bytes f{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1};
    EXPECT_EQ(run_all_ways(f).error, 1002);
}

TEST(WsParse, LargeLengthIsStreamedWithoutBuffering) {
    // A 2^40-byte frame header is accepted; payload arrives as it comes.
    Bytes f{0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0, 'a', 'b', 'c'};
    FrameParser parser;
    size_t used = 0;
    FrameParser::Event ev = parser.parse(f.data(), f.size(), SIZE_MAX, used);
    ASSERT_EQ(ev.kind, FrameParser::Kind::Data);
    EXPECT_EQ(ev.size, 3u);
    EXPECT_FALSE(ev.frame_end);
    EXPECT_EQ(used, f.size());
}

// ---- 2: pings and pongs ----------------------------------------------------------------------

TEST(WsParse, PingsAndPongsUpTo125Bytes) {
    // Autobahn 2.1-2.4, 2.8: empty, small, binary and 125-byte payloads; unsolicited pong.
    const std::string big(125, 'p');
    const Outcome o = run_all_ways(cat({server_frame(0x89, ""), server_frame(0x89, "Hello"),
                                        server_frame(0x89, big), server_frame(0x8A, "x")}));
    ASSERT_EQ(o.error, 0);
    ASSERT_EQ(o.controls.size(), 4u);
    EXPECT_EQ(o.controls[0], std::make_pair(Opcode::Ping, std::string()));
    EXPECT_EQ(o.controls[1], std::make_pair(Opcode::Ping, std::string("Hello")));
    EXPECT_EQ(o.controls[2], std::make_pair(Opcode::Ping, big));
    EXPECT_EQ(o.controls[3], std::make_pair(Opcode::Pong, std::string("x")));
}

TEST(WsParse, ControlFrameOver125BytesIsProtocolError) {
    // RFC 6455 5.5 (Autobahn 2.5): control payloads are at most 125 bytes.
    EXPECT_EQ(run_all_ways(server_frame(0x89, std::string(126, 'p'))).error, 1002);
    EXPECT_EQ(run_all_ways(server_frame(0x88, std::string(126, 'c'))).error, 1002);
}

TEST(WsParse, FragmentedControlFrameIsProtocolError) {
    // RFC 6455 5.5 (Autobahn 5.1, 5.2): control frames MUST NOT be fragmented.
    EXPECT_EQ(run_all_ways(server_frame(0x09, "a")).error, 1002);
    EXPECT_EQ(run_all_ways(server_frame(0x0A, "a")).error, 1002);
    EXPECT_EQ(run_all_ways(server_frame(0x08, "")).error, 1002);
}

// ---- 3: reserved bits ------------------------------------------------------------------------

TEST(WsParse, ReservedBitsWithoutExtensionAreProtocolError) {
    // RFC 6455 5.2 (Autobahn 3.1-3.7): RSV1-3 MUST be 0 unless an extension was negotiated.
    for (uint8_t rsv : {0x40, 0x20, 0x10, 0x30, 0x50, 0x60, 0x70}) {
        EXPECT_EQ(run_all_ways(server_frame(static_cast<uint8_t>(0x81 | rsv), "x")).error, 1002);
        EXPECT_EQ(run_all_ways(server_frame(static_cast<uint8_t>(0x89 | rsv), "")).error, 1002);
    }
    // A good message before the bad frame is still delivered (3.2).
    const Outcome o = run_all_ways(cat({server_frame(0x81, "ok"), server_frame(0xC1, "x")}));
    EXPECT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.error, 1002);
}

// ---- 4: opcodes ------------------------------------------------------------------------------

TEST(WsParse, ReservedOpcodesAreProtocolError) {
    // RFC 6455 5.2 (Autobahn 4.1.x non-control 3-7, 4.2.x control B-F).
    for (uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
        EXPECT_EQ(run_all_ways(server_frame(static_cast<uint8_t>(0x80 | op), "")).error, 1002)
            << int{op};
}

// ---- 5: fragmentation ------------------------------------------------------------------------

TEST(WsParse, FragmentedMessagesWithInterleavedControlFrames) {
    // Autobahn 5.3-5.8: fragments, with pings between them.
    const Outcome o = run_all_ways(cat({server_frame(0x01, "frag"), server_frame(0x89, "p1"),
                                        server_frame(0x00, "ment"), server_frame(0x8A, ""),
                                        server_frame(0x80, "ed"), server_frame(0x02, ""),
                                        server_frame(0x80, "bin")}));
    ASSERT_EQ(o.error, 0);
    ASSERT_EQ(o.messages.size(), 2u);
    EXPECT_EQ(o.messages[0], std::make_pair(Opcode::Text, std::string("fragmented")));
    EXPECT_EQ(o.messages[1], std::make_pair(Opcode::Binary, std::string("bin")));
    EXPECT_EQ(o.controls.size(), 2u);
}

TEST(WsParse, ContinuationWithoutStartIsProtocolError) {
    // RFC 6455 5.4 (Autobahn 5.9-5.14).
    EXPECT_EQ(run_all_ways(server_frame(0x80, "x")).error, 1002);
    EXPECT_EQ(run_all_ways(server_frame(0x00, "x")).error, 1002);
    EXPECT_EQ(run_all_ways(cat({server_frame(0x81, "done"), server_frame(0x80, "x")})).error, 1002);
}

TEST(WsParse, NewMessageInsideFragmentedOneIsProtocolError) {
    // RFC 6455 5.4 (Autobahn 5.17-5.20 style): fragments of one message are not interleaved.
    EXPECT_EQ(run_all_ways(cat({server_frame(0x01, "a"), server_frame(0x81, "b")})).error, 1002);
    EXPECT_EQ(run_all_ways(cat({server_frame(0x02, "a"), server_frame(0x02, "b")})).error, 1002);
}

TEST(WsParse, PiecesReportFrameAndMessageEnds) {
    const Bytes stream = cat({server_frame(0x02, "abcde"), server_frame(0x80, "fg")});
    FrameParser parser;
    size_t used = 0;
    FrameParser::Event ev = parser.parse(stream.data(), stream.size(), 3, used);
    ASSERT_EQ(ev.kind, FrameParser::Kind::Data);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(ev.data), ev.size), "abc");
    EXPECT_FALSE(ev.frame_end);
    size_t pos = used;
    ev = parser.parse(stream.data() + pos, stream.size() - pos, 3, used);
    pos += used;
    EXPECT_EQ(ev.size, 2u);
    EXPECT_TRUE(ev.frame_end);
    EXPECT_FALSE(ev.message_end);
    EXPECT_TRUE(parser.in_message());
    ev = parser.parse(stream.data() + pos, stream.size() - pos, 3, used);
    pos += used;
    EXPECT_EQ(ev.size, 2u);
    EXPECT_TRUE(ev.message_end);
    EXPECT_EQ(ev.opcode, Opcode::Binary);  // continuation frames carry the message's type
    EXPECT_EQ(pos, stream.size());
    EXPECT_FALSE(parser.in_message());
}

// ---- 6: UTF-8 --------------------------------------------------------------------------------

TEST(WsUtf8, ValidAndInvalidSequences) {
    auto ok = [](const std::string& s) {
        return winhttp::ws::is_valid_utf8(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    };
    EXPECT_TRUE(ok(""));
    EXPECT_TRUE(ok("Hello-\xC2\xB5@\xC3\x9F\xC3\xB6\xC3\xA4\xC3\xBC\xC3\xA0\xC3\xA1-UTF-8!!"));
    EXPECT_TRUE(ok("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"));  // Autobahn 6.2
    EXPECT_TRUE(ok("\xF4\x8F\xBF\xBF"));                              // U+10FFFF
    EXPECT_TRUE(ok("\xEF\xBF\xBF\xEF\xBF\xBE"));                      // U+FFFF, U+FFFE (6.22)
    EXPECT_TRUE(ok("\xED\x9F\xBF\xEE\x80\x80"));                      // U+D7FF, U+E000
    // RFC 3629 section 3/10 (Autobahn 6.3-6.21): overlongs, surrogates, beyond U+10FFFF,
    // stray continuations, truncated sequences, F5..FF.
    for (const char* bad : {"\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xE0\x9F\xBF",
                            "\xF0\x80\x80\xAF", "\xF0\x8F\xBF\xBF", "\xED\xA0\x80", "\xED\xBF\xBF",
                            "\xED\xA0\x80\xED\xB0\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
                            "\xF8\x88\x80\x80\x80", "\xFE", "\xFF", "\x80", "\xBF", "\xC2",
                            "\xE1\x80", "\xF1\x80\x80", "a\xC2" "a", "\xCE\xBA\xE1\xBD"})
        EXPECT_FALSE(ok(bad)) << testing::PrintToString(std::string(bad));
}

TEST(WsUtf8, SplitAnywhereGivesSameAnswer) {
    const std::string s = "\xCE\xBA\xE1\xBD\xB9\xF0\x9F\x98\x80z";
    for (size_t cut = 0; cut <= s.size(); ++cut) {
        winhttp::ws::Utf8Validator v;
        const auto* p = reinterpret_cast<const uint8_t*>(s.data());
        EXPECT_TRUE(v.feed(p, cut));
        EXPECT_TRUE(v.feed(p + cut, s.size() - cut));
        EXPECT_TRUE(v.complete());
    }
    // Fail fast: the first impossible byte fails, before the message ends (Autobahn 6.4.x).
    winhttp::ws::Utf8Validator v;
    const uint8_t part[] = {0xCE, 0xBA, 0xF4, 0x90};
    EXPECT_TRUE(v.feed(part, 3));
    EXPECT_FALSE(v.feed(part + 3, 1));
    EXPECT_FALSE(v.complete());
}

TEST(WsParse, TextValidatedAcrossFragments) {
    // Autobahn 6.2.3/6.2.4: a code point split between fragments is fine.
    const Outcome good = run_all_ways(cat({server_frame(0x01, "\xCE"), server_frame(0x00, "\xBA\xE1"),
                                           server_frame(0x80, "\xBD\xB9")}));
    EXPECT_EQ(good.error, 0);
    ASSERT_EQ(good.messages.size(), 1u);
    // Invalid UTF-8 -> 1007 (RFC 6455 8.1), whether the bad byte or the message end shows it.
    EXPECT_EQ(run_all_ways(server_frame(0x81, "\xED\xA0\x80")).error, 1007);
    EXPECT_EQ(run_all_ways(cat({server_frame(0x01, "ok"), server_frame(0x80, "\xC0\xAF")})).error, 1007);
    EXPECT_EQ(run_all_ways(server_frame(0x81, "\xCE")).error, 1007);  // truncated at message end
    // Binary messages are not validated.
    EXPECT_EQ(run_all_ways(server_frame(0x82, "\xED\xA0\x80")).error, 0);
}

// ---- 7: close handling -----------------------------------------------------------------------

TEST(WsParse, CloseFrames) {
    // Autobahn 7.1.x, 7.3.x, 7.5.1, 7.7.x, 7.9.x.
    Outcome o = run_all_ways(server_frame(0x88, ""));
    EXPECT_EQ(o.error, 0);
    EXPECT_EQ(o.close_code, 1005);
    o = run_all_ways(server_frame(0x88, std::string("\x03\xE8" "Bye", 5)));
    EXPECT_EQ(o.close_code, 1000);
    EXPECT_EQ(o.close_reason, "Bye");
    o = run_all_ways(server_frame(0x88, std::string("\x0F\xA0", 2)));  // 4000, application
    EXPECT_EQ(o.close_code, 4000);
    EXPECT_EQ(run_all_ways(server_frame(0x88, "\x03")).error, 1002);  // 1-byte payload (7.3.2)
    EXPECT_EQ(run_all_ways(server_frame(0x88, std::string("\x03\xED", 2))).error, 1002);  // 1005
    EXPECT_EQ(run_all_ways(server_frame(0x88, std::string("\x00\x00", 2))).error, 1002);  // 0
    EXPECT_EQ(run_all_ways(server_frame(0x88, std::string("\x03\xE8\xCE", 3))).error, 1007);
    const std::string reason123(123, 'r');  // 7.3.5: 123-byte reason is the limit
    o = run_all_ways(server_frame(0x88, std::string("\x03\xE8", 2) + reason123));
    EXPECT_EQ(o.close_reason, reason123);
}

TEST(WsParse, NothingAfterClose) {
    // RFC 6455 5.5.1: after a close frame no more data is processed (Autobahn 7.1.3-7.1.5).
    const Outcome o = run_all_ways(cat({server_frame(0x81, "a"), server_frame(0x88, ""),
                                        server_frame(0x81, "late"), server_frame(0x89, "")}));
    EXPECT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.controls.size(), 1u);
    EXPECT_EQ(o.error, 0);
}

TEST(WsParse, ErrorsAreSticky) {
    FrameParser parser;
    const Bytes bad = server_frame(0xF1, "x");
    size_t used = 0;
    EXPECT_EQ(parser.parse(bad.data(), bad.size(), 10, used).kind, FrameParser::Kind::Error);
    const Bytes good = server_frame(0x81, "x");
    const FrameParser::Event ev = parser.parse(good.data(), good.size(), 10, used);
    EXPECT_EQ(ev.kind, FrameParser::Kind::Error);
    EXPECT_EQ(ev.close_code, 1002);
    EXPECT_EQ(used, 0u);
}

// ---- 9: limits -------------------------------------------------------------------------------

TEST(WsParse, LargeMessagesInManyFragments) {
    // Autobahn 9.x in miniature: a 1 MiB text message in 64 KiB fragments, read in odd pieces.
    std::string chunk(65536, 'x');
    Bytes stream = server_frame(0x01, chunk);
    for (int i = 0; i < 14; ++i) stream = cat({stream, server_frame(0x00, chunk)});
    stream = cat({stream, server_frame(0x80, chunk)});
    const Outcome o = run(stream, 4093, 1000);
    EXPECT_EQ(o.error, 0);
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0].second.size(), 16u * 65536u);
}

}  // namespace
