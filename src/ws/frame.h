// WebSocket framing (RFC 6455 section 5), client side, sans I/O.
//
// Sending: encode_header() writes a frame header for a client frame (always masked, RFC 6455
// 5.3) and apply_mask() masks the payload in place; MaskKeys hands out fresh keys from the
// CSPRNG. Receiving: FrameParser takes the server's byte stream in pieces of any size and turns
// it into events: chunks of data-frame payload (pointing into the caller's input, no copy),
// whole control frames (payload copied, at most 125 bytes), or a protocol error carrying the
// close code RFC 6455 asks the client to fail the connection with (1002 protocol error, 1007
// invalid payload). Text messages are validated as UTF-8 across fragments.
#pragma once

#include "ws/utf8.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace winhttp::ws {

enum class Opcode : uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

inline bool is_control(Opcode op) { return (static_cast<uint8_t>(op) & 0x8) != 0; }

constexpr size_t kMaxHeaderSize = 14;        // 2 + 8 (64-bit length) + 4 (mask key)
constexpr size_t kMaxControlPayload = 125;   // RFC 6455 5.5
constexpr uint16_t kCloseNormal = 1000;
constexpr uint16_t kCloseProtocolError = 1002;
constexpr uint16_t kCloseNoStatus = 1005;   // "no status code was present" (never on the wire)
constexpr uint16_t kCloseAbnormal = 1006;   // connection dropped without a close frame
constexpr uint16_t kCloseInvalidPayload = 1007;

// Writes the header of one client frame (FIN bit, opcode, payload length in the shortest form,
// MASK bit and key) to out; returns its size (6, 8 or 14).
size_t encode_header(bool fin, Opcode op, uint64_t payload_len, uint32_t mask_key,
                     uint8_t out[kMaxHeaderSize]);

// XORs n bytes with the mask key, `offset` being the position of data[0] within the frame's
// payload (so a payload can be masked in pieces).
void apply_mask(uint8_t* data, size_t n, uint32_t mask_key, uint64_t offset = 0);
// The same while copying: dst[i] = src[i] ^ key byte, in one pass (the send path masks the
// caller's const payload into the frame buffer). dst and src must not overlap.
void copy_masked(uint8_t* dst, const uint8_t* src, size_t n, uint32_t mask_key,
                 uint64_t offset = 0);

// Fresh 32-bit masking keys from OpenSSL's CSPRNG (RFC 6455 10.3: unpredictable), fetched in
// batches so that small frames do not pay one RAND_bytes call each. Not thread-safe: one per
// sender (a WebSocket has at most one send in progress).
class MaskKeys {
public:
    // False only when the CSPRNG fails.
    bool next(uint32_t& key);

private:
    std::array<uint32_t, 64> batch_{};
    size_t used_ = 64;
};

// Close frame payload (RFC 6455 5.5.1): a 2-byte code in network order, then a UTF-8 reason.
std::string encode_close_payload(uint16_t code, std::string_view reason);
// A close code the peer may send (RFC 6455 7.4.1 and 7.4.2 with the IANA registry):
// 1000-1003, 1007-1014, 3000-4999. 1004, 1005, 1006, 1015 and everything else are invalid.
bool is_valid_close_code(uint32_t code);
// Decodes a received close payload. Returns 0 and sets code/reason (code 1005 for an empty
// payload), or the close code to fail with: 1002 for a 1-byte payload or an invalid code, 1007
// for a reason that is not UTF-8.
uint16_t decode_close_payload(const uint8_t* p, size_t n, uint16_t& code, std::string& reason);

class FrameParser {
public:
    enum class Kind {
        NeedMore,  // input used up without completing an event
        Data,      // a piece of a text or binary message
        Control,   // a whole close, ping or pong frame
        Error,     // protocol error: fail the connection with close_code
    };
    struct Event {
        Kind kind = Kind::NeedMore;
        // Data: Text or Binary (the message's type, also for continuation frames).
        // Control: Close, Ping or Pong.
        Opcode opcode = Opcode::Binary;
        const uint8_t* data = nullptr;  // Data: into the input; Control: into the parser
        size_t size = 0;
        bool frame_end = false;    // Data: last piece of this frame's payload
        bool message_end = false;  // Data: last piece of the message (frame_end of a FIN frame)
        uint16_t close_code = 0;   // Error: the code to close with; Close: the peer's code
        std::string close_reason;  // Close: the peer's reason (UTF-8)
    };

    // Consumes bytes from (p, n) up to and including one event, and reports how many it took.
    // A Data event carries at most max_data bytes (the caller's free buffer space; 0 is allowed
    // and yields only empty Data events for empty frames). Errors are sticky. After a Close
    // frame the parser takes no more bytes (returns NeedMore with consumed 0).
    Event parse(const uint8_t* p, size_t n, size_t max_data, size_t& consumed);

    // Payload bytes left in the current data frame when its header has been parsed (0 between
    // frames, in a control frame, or after an error or close). The receive side reads up to
    // this many bytes straight into the caller's buffer and hands them to parse(), which then
    // yields one Data event pointing at them (no copy through the input buffer).
    uint64_t data_payload_remaining() const {
        return state_ == State::Payload && !is_control(opcode_) ? remaining_ : 0;
    }

    bool in_message() const { return in_message_; }
    bool closed() const { return closed_; }

private:
    enum class State { Header, Payload, Failed, Closed };
    Event fail(uint16_t code);
    uint16_t check_start();
    Event control_done();
    Event data_event(const uint8_t* p, size_t& consumed, size_t take);
    size_t header_size() const;

    State state_ = State::Header;
    std::array<uint8_t, kMaxHeaderSize> hdr_{};
    size_t hdr_len_ = 0;
    bool fin_ = false;
    Opcode opcode_ = Opcode::Binary;
    uint64_t remaining_ = 0;       // payload bytes left in the current frame
    bool in_message_ = false;      // a fragmented data message is in progress
    Opcode message_type_ = Opcode::Binary;
    Utf8Validator utf8_;
    std::array<uint8_t, kMaxControlPayload> control_{};
    size_t control_len_ = 0;
    bool closed_ = false;
    uint16_t fail_code_ = 0;
};

}  // namespace winhttp::ws
