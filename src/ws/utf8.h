// Incremental UTF-8 validator (RFC 3629) for WebSocket text messages, sans I/O.
//
// A text message may arrive in many frames and many reads; a code point may be split anywhere.
// The validator keeps the few bits of state between calls and rejects a byte as soon as no valid
// continuation exists ("fail fast"): overlong forms (C0, C1, E0 80..9F, F0 80..8F), UTF-16
// surrogates (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF) and stray continuation
// bytes. complete() tells whether the bytes so far end on a code point boundary.
#pragma once

#include <cstddef>
#include <cstdint>

namespace winhttp::ws {

class Utf8Validator {
public:
    // Feeds n bytes. Returns false at the first byte that cannot be part of valid UTF-8; after
    // that every call returns false until reset().
    bool feed(const uint8_t* p, size_t n);
    // True when no code point is left half-finished (and nothing failed).
    bool complete() const { return !failed_ && need_ == 0; }
    void reset() { need_ = 0; lo_ = 0x80; hi_ = 0xBF; failed_ = false; }

private:
    uint8_t need_ = 0;   // continuation bytes still expected
    uint8_t lo_ = 0x80;  // allowed range of the next continuation byte
    uint8_t hi_ = 0xBF;
    bool failed_ = false;
};

// Whole-buffer check (close reasons).
bool is_valid_utf8(const uint8_t* p, size_t n);

}  // namespace winhttp::ws
