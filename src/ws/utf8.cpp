#include "ws/utf8.h"

namespace winhttp::ws {

bool Utf8Validator::feed(const uint8_t* p, size_t n) {
    if (failed_) return false;
    size_t i = 0;
    while (i < n) {
        if (need_ == 0) {
            // Fast path: runs of ASCII, 8 bytes at a time.
            while (i + 8 <= n) {
                uint64_t w;
                __builtin_memcpy(&w, p + i, 8);
                if (w & 0x8080808080808080ULL) break;
                i += 8;
            }
            if (i >= n) break;
            const uint8_t b = p[i++];
            if (b < 0x80) continue;
            // RFC 3629 section 4 table: the lead byte fixes the length and the range of the
            // first continuation byte (which excludes overlongs, surrogates and > U+10FFFF).
            lo_ = 0x80;
            hi_ = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                need_ = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need_ = 2;
                if (b == 0xE0) lo_ = 0xA0;
                if (b == 0xED) hi_ = 0x9F;
            } else if (b >= 0xF0 && b <= 0xF4) {
                need_ = 3;
                if (b == 0xF0) lo_ = 0x90;
                if (b == 0xF4) hi_ = 0x8F;
            } else {
                failed_ = true;  // 80..C1 (continuation or overlong lead), F5..FF
                return false;
            }
        } else {
            const uint8_t b = p[i++];
            if (b < lo_ || b > hi_) {
                failed_ = true;
                return false;
            }
            lo_ = 0x80;
            hi_ = 0xBF;
            --need_;
        }
    }
    return true;
}

bool is_valid_utf8(const uint8_t* p, size_t n) {
    Utf8Validator v;
    return v.feed(p, n) && v.complete();
}

}  // namespace winhttp::ws
