#include "ws/frame.h"

#include <openssl/rand.h>

#include <cstring>

namespace winhttp::ws {

size_t encode_header(bool fin, Opcode op, uint64_t payload_len, uint32_t mask_key,
                     uint8_t out[kMaxHeaderSize]) {
    size_t i = 0;
    out[i++] = static_cast<uint8_t>((fin ? 0x80 : 0) | static_cast<uint8_t>(op));
    if (payload_len < 126) {
        out[i++] = static_cast<uint8_t>(0x80 | payload_len);
    } else if (payload_len <= 0xFFFF) {
        out[i++] = 0x80 | 126;
        out[i++] = static_cast<uint8_t>(payload_len >> 8);
        out[i++] = static_cast<uint8_t>(payload_len);
    } else {
        out[i++] = 0x80 | 127;
        for (int shift = 56; shift >= 0; shift -= 8)
            out[i++] = static_cast<uint8_t>(payload_len >> shift);
    }
    // The key goes on the wire in the order its bytes are applied (RFC 6455 5.3: octet i of the
    // payload is XORed with octet i mod 4 of the key); store it as bytes in memory order.
    std::memcpy(out + i, &mask_key, 4);
    return i + 4;
}

namespace {

// The key rotated to start at payload position `offset`, repeated to 8 bytes.
uint64_t wide_key(uint32_t mask_key, uint64_t offset, uint8_t rot[4]) {
    uint8_t key[4];
    std::memcpy(key, &mask_key, 4);
    for (int k = 0; k < 4; ++k) rot[k] = key[(offset + static_cast<uint64_t>(k)) % 4];
    uint8_t w8[8];
    for (int k = 0; k < 8; ++k) w8[k] = rot[k % 4];
    uint64_t wide;
    std::memcpy(&wide, w8, 8);
    return wide;
}

}  // namespace

// 8 bytes at a time through memcpy (unaligned-safe; compilers make it one load and store,
// and vectorize the loop).
void apply_mask(uint8_t* data, size_t n, uint32_t mask_key, uint64_t offset) {
    uint8_t rot[4];
    const uint64_t wide = wide_key(mask_key, offset, rot);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        std::memcpy(&v, data + i, 8);
        v ^= wide;
        std::memcpy(data + i, &v, 8);
    }
    for (; i < n; ++i) data[i] ^= rot[i % 4];
}

void copy_masked(uint8_t* __restrict dst, const uint8_t* __restrict src, size_t n,
                 uint32_t mask_key, uint64_t offset) {
    uint8_t rot[4];
    const uint64_t wide = wide_key(mask_key, offset, rot);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        std::memcpy(&v, src + i, 8);
        v ^= wide;
        std::memcpy(dst + i, &v, 8);
    }
    for (; i < n; ++i) dst[i] = src[i] ^ rot[i % 4];
}

bool MaskKeys::next(uint32_t& key) {
    if (used_ == batch_.size()) {
        // The CSPRNG failed: no frame may go out with a predictable key.
        if (RAND_bytes(reinterpret_cast<unsigned char*>(batch_.data()),
                       static_cast<int>(sizeof(batch_))) != 1)
            return false;
        used_ = 0;
    }
    key = batch_[used_++];
    return true;
}

std::string encode_close_payload(uint16_t code, std::string_view reason) {
    std::string out;
    out.reserve(2 + reason.size());
    out.push_back(static_cast<char>(code >> 8));
    out.push_back(static_cast<char>(code & 0xFF));
    out.append(reason);
    return out;
}

bool is_valid_close_code(uint32_t code) {
    if (code >= 1000 && code <= 1003) return true;
    if (code >= 1007 && code <= 1014) return true;
    return code >= 3000 && code <= 4999;
}

uint16_t decode_close_payload(const uint8_t* p, size_t n, uint16_t& code, std::string& reason) {
    reason.clear();
    if (n == 0) {
        code = kCloseNoStatus;
        return 0;
    }
    if (n == 1) return kCloseProtocolError;
    const uint32_t c = (static_cast<uint32_t>(p[0]) << 8) | p[1];
    if (!is_valid_close_code(c)) return kCloseProtocolError;
    if (!is_valid_utf8(p + 2, n - 2)) return kCloseInvalidPayload;
    code = static_cast<uint16_t>(c);
    reason.assign(reinterpret_cast<const char*>(p + 2), n - 2);
    return 0;
}

FrameParser::Event FrameParser::fail(uint16_t code) {
    state_ = State::Failed;
    fail_code_ = code;
    Event ev;
    ev.kind = Kind::Error;
    ev.close_code = code;
    return ev;
}

size_t FrameParser::header_size() const {
    // Known once the first two bytes are in. Server frames carry no mask key.
    const uint8_t len7 = hdr_[1] & 0x7F;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
}

// The first two bytes of a frame: RFC 6455 5.2 (reserved bits, opcodes), 5.1 (a server never
// masks), 5.4 (fragmentation), 5.5 (control frames). Returns 0 or the close code to fail with.
uint16_t FrameParser::check_start() {
    const uint8_t b0 = hdr_[0];
    const uint8_t b1 = hdr_[1];
    fin_ = (b0 & 0x80) != 0;
    if (b0 & 0x70) return kCloseProtocolError;  // RSV1-3 without a negotiated extension
    const uint8_t op = b0 & 0x0F;
    if (op != 0x0 && op != 0x1 && op != 0x2 && op != 0x8 && op != 0x9 && op != 0xA)
        return kCloseProtocolError;
    opcode_ = static_cast<Opcode>(op);
    if (b1 & 0x80) return kCloseProtocolError;  // masked server frame
    if (is_control(opcode_)) {
        if (!fin_ || (b1 & 0x7F) > kMaxControlPayload) return kCloseProtocolError;
        return 0;
    }
    if (opcode_ == Opcode::Continuation) {
        if (!in_message_) return kCloseProtocolError;  // continuation without a start
    } else {
        if (in_message_) return kCloseProtocolError;  // new message inside a fragmented one
        in_message_ = true;
        message_type_ = opcode_;
        utf8_.reset();
    }
    return 0;
}

FrameParser::Event FrameParser::control_done() {
    state_ = State::Header;
    Event ev;
    ev.kind = Kind::Control;
    ev.opcode = opcode_;
    ev.data = control_.data();
    ev.size = control_len_;
    if (opcode_ == Opcode::Close) {
        const uint16_t err =
            decode_close_payload(control_.data(), control_len_, ev.close_code, ev.close_reason);
        if (err) return fail(err);
        state_ = State::Closed;
        closed_ = true;
    }
    return ev;
}

FrameParser::Event FrameParser::parse(const uint8_t* p, size_t n, size_t max_data,
                                      size_t& consumed) {
    consumed = 0;
    for (;;) {
        switch (state_) {
        case State::Failed: {
            Event ev;
            ev.kind = Kind::Error;
            ev.close_code = fail_code_;
            return ev;
        }
        case State::Closed:
            return Event{};
        case State::Header: {
            size_t want = hdr_len_ < 2 ? 2 : header_size();
            while (hdr_len_ < want && consumed < n) hdr_[hdr_len_++] = p[consumed++];
            if (hdr_len_ < want) return Event{};
            if (want == 2) {
                if (const uint16_t err = check_start()) return fail(err);
                want = header_size();
                if (want > 2) continue;  // read the extended length
            }
            uint64_t len = hdr_[1] & 0x7F;
            if (len == 126) {
                len = (static_cast<uint64_t>(hdr_[2]) << 8) | hdr_[3];
            } else if (len == 127) {
                len = 0;
                for (size_t k = 2; k < 10; ++k) len = (len << 8) | hdr_[k];
                if (len >> 63) return fail(kCloseProtocolError);  // 5.2: top bit MUST be 0
            }
            hdr_len_ = 0;
            remaining_ = len;
            control_len_ = 0;
            state_ = State::Payload;
            if (remaining_ == 0 && is_control(opcode_)) return control_done();
            if (remaining_ == 0) return data_event(p, consumed, 0);
            continue;
        }
        case State::Payload: {
            const size_t avail = n - consumed;
            if (is_control(opcode_)) {
                const size_t take = remaining_ < avail ? static_cast<size_t>(remaining_) : avail;
                std::memcpy(control_.data() + control_len_, p + consumed, take);
                control_len_ += take;
                consumed += take;
                remaining_ -= take;
                if (remaining_ == 0) return control_done();
                return Event{};
            }
            size_t take = avail < max_data ? avail : max_data;
            if (remaining_ < take) take = static_cast<size_t>(remaining_);
            if (take == 0) return Event{};
            return data_event(p, consumed, take);
        }
        }
    }
}

// Hands out `take` payload bytes at p + consumed (0 for an empty frame) and ends the frame or
// message when they are the last.
FrameParser::Event FrameParser::data_event(const uint8_t* p, size_t& consumed, size_t take) {
    Event ev;
    ev.kind = Kind::Data;
    ev.opcode = message_type_;
    ev.data = p + consumed;
    ev.size = take;
    if (message_type_ == Opcode::Text && !utf8_.feed(p + consumed, take))
        return fail(kCloseInvalidPayload);
    consumed += take;
    remaining_ -= take;
    ev.frame_end = remaining_ == 0;
    ev.message_end = ev.frame_end && fin_;
    if (ev.frame_end) state_ = State::Header;
    if (ev.message_end) {
        in_message_ = false;
        if (message_type_ == Opcode::Text && !utf8_.complete()) return fail(kCloseInvalidPayload);
    }
    return ev;
}

}  // namespace winhttp::ws
