// libFuzzer target: the WebSocket frame parser (server -> client byte streams) and UTF-8
// validator.
//
// Invariants: the parser never reads outside its input and always makes progress or stops;
// feeding the same stream whole, or in pieces with a small output limit, gives the same
// messages, control frames and error; every Data event lies inside the input; Text messages
// that complete are valid UTF-8; a Close event carries a valid code (or 1005) and a UTF-8 reason.
#include "ws/frame.h"
#include "ws/utf8.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

struct Result {
    std::vector<std::string> items;  // "M<type>:payload" or "C<op>:payload"
    uint16_t error = 0;
};

Result parse(const uint8_t* data, size_t size, size_t step, size_t max_data) {
    winhttp::ws::FrameParser parser;
    Result r;
    std::string message;
    size_t pos = 0;
    // Each round either consumes input or emits an event that consumed header/payload bytes;
    // empty frames cost 2 bytes each, so 4 * size + 16 rounds bound a correct parser.
    for (size_t round = 0; round < 4 * size + 16; ++round) {
        const size_t n = std::min(step, size - pos);
        size_t used = 0;
        const auto ev = parser.parse(data + pos, n, max_data, used);
        check(used <= n);
        using K = winhttp::ws::FrameParser::Kind;
        if (ev.kind == K::Data) {
            check(ev.size <= max_data);
            check(ev.size == 0 || (ev.data >= data + pos && ev.data + ev.size <= data + pos + used));
            message.append(reinterpret_cast<const char*>(ev.data), ev.size);
            if (ev.message_end) {
                if (ev.opcode == winhttp::ws::Opcode::Text)
                    check(winhttp::ws::is_valid_utf8(
                        reinterpret_cast<const uint8_t*>(message.data()), message.size()));
                r.items.push_back("M" + std::to_string(static_cast<int>(ev.opcode)) + ":" + message);
                message.clear();
            }
        } else if (ev.kind == K::Control) {
            check(ev.size <= winhttp::ws::kMaxControlPayload);
            if (ev.opcode == winhttp::ws::Opcode::Close) {
                check(ev.close_code == 1005 || winhttp::ws::is_valid_close_code(ev.close_code));
                check(winhttp::ws::is_valid_utf8(
                    reinterpret_cast<const uint8_t*>(ev.close_reason.data()),
                    ev.close_reason.size()));
            }
            r.items.push_back("C" + std::to_string(static_cast<int>(ev.opcode)) + ":" +
                              std::string(reinterpret_cast<const char*>(ev.data), ev.size));
        } else if (ev.kind == K::Error) {
            check(ev.close_code == 1002 || ev.close_code == 1007);
            r.error = ev.close_code;
            return r;
        }
        pos += used;
        if (ev.kind == K::NeedMore && (pos == size || parser.closed())) return r;
    }
    check(false);  // no progress
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const Result whole = parse(data, size, SIZE_MAX, SIZE_MAX);
    const size_t step = size ? 1 + data[0] % 7 : 1;
    const size_t max_data = size > 1 ? 1 + data[1] % 5 : 1;
    const Result pieces = parse(data, size, step, max_data);
    check(whole.items == pieces.items);
    check(whole.error == pieces.error);

    // The validator agrees with itself when fed in two pieces.
    winhttp::ws::Utf8Validator v;
    const size_t cut = size ? data[0] % (size + 1) : 0;
    const bool a = v.feed(data, cut) && v.feed(data + cut, size - cut) && v.complete();
    check(a == winhttp::ws::is_valid_utf8(data, size));

    // Masking twice is the identity, in any split.
    std::vector<uint8_t> buf(data, data + size);
    const uint32_t key = size >= 4 ? (uint32_t{data[0]} | uint32_t{data[1]} << 8 |
                                      uint32_t{data[2]} << 16 | uint32_t{data[3]} << 24)
                                   : 0x12345678u;
    winhttp::ws::apply_mask(buf.data(), buf.size(), key);
    winhttp::ws::apply_mask(buf.data(), cut, key, 0);
    winhttp::ws::apply_mask(buf.data() + cut, size - cut, key, cut);
    check(std::equal(buf.begin(), buf.end(), data));
    return 0;
}
