// libFuzzer target for winhttp::http1::ContentDecoder.
//
// Input layout: byte 0 = coding (mod 3: identity, gzip, deflate), bytes 1-4 = seed for the
// input piece sizes and output buffer sizes, the rest = the encoded body. The body is decoded
// twice: whole through a 64 KiB buffer, and in pseudo-random pieces through buffers of 0 to 64
// bytes. The target traps when the contract breaks (output beyond the buffer, input pointer
// moving backwards or past the end, no progress with room and input) or when the two runs
// disagree about the decoded bytes, an error, or finish().
#include "http1/content_decoder.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

using winhttp::http1::ContentDecoder;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

struct Rng {
    uint32_t s;
    uint32_t next() {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        return s;
    }
};

struct Result {
    std::string out;
    DWORD error = 0;
    DWORD finish = 0;
};

constexpr size_t kMaxOutput = 1u << 20;  // stop a bomb early: the target checks the contract, not zlib

// Decodes one piece, draining output; returns false on error or when the output cap is hit.
bool decode_piece(ContentDecoder& dec, const char* p, size_t n, Rng* rng, Result& r) {
    std::vector<char> piece(p, p + n);  // fresh copy: the decoder must not keep pointers into it
    const char* in = piece.data();
    size_t left = piece.size();
    static std::vector<char> buf(64 * 1024 + 1);
    for (int stuck = 0;;) {
        const size_t cap = rng ? rng->next() % 65 : 64 * 1024;
        buf[cap] = '\x5a';  // guard byte: must survive the call
        size_t produced = 0;
        bool done = false;
        const char* before = in;
        const size_t left_before = left;
        r.error = dec.decode(in, left, buf.data(), cap, produced, done);
        if (r.error != 0) return false;
        check(produced <= cap && buf[cap] == '\x5a');
        check(in >= before && left <= left_before && static_cast<size_t>(in - before) == left_before - left);
        r.out.append(buf.data(), produced);
        if (r.out.size() > kMaxOutput) return false;
        if (left == 0 && produced == 0 && cap > 0) return true;
        stuck = (left == left_before && produced == 0) ? stuck + 1 : 0;
        check(stuck < 200);  // only zero-sized buffers may make no progress, and not forever
    }
}

Result run(ContentDecoder::Coding coding, const uint8_t* data, size_t size, Rng* rng) {
    ContentDecoder dec;
    Result r;
    check(dec.init(coding) == 0);
    const char* p = reinterpret_cast<const char*>(data);
    for (size_t off = 0; off < size;) {
        const size_t n = rng ? std::min<size_t>(size - off, rng->next() % 40) : size;
        if (!decode_piece(dec, p + off, n, rng, r)) return r;
        off += n;
    }
    r.finish = dec.finish();
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 5) return 0;
    static const ContentDecoder::Coding codings[] = {ContentDecoder::Coding::Identity,
                                                     ContentDecoder::Coding::Gzip,
                                                     ContentDecoder::Coding::Deflate};
    const ContentDecoder::Coding coding = codings[data[0] % 3];
    uint32_t seed;
    std::memcpy(&seed, data + 1, 4);
    data += 5;
    size -= 5;

    Result whole = run(coding, data, size, nullptr);
    Rng rng{seed | 1};
    Result split = run(coding, data, size, &rng);

    if (whole.out.size() > kMaxOutput || split.out.size() > kMaxOutput) return 0;
    check((whole.error != 0) == (split.error != 0));
    if (whole.error == 0) {
        check(whole.out == split.out);
        check(whole.finish == split.finish);
    }
    if (coding == ContentDecoder::Coding::Identity) {
        check(whole.error == 0 && whole.out == std::string(reinterpret_cast<const char*>(data), size));
    }
    return 0;
}
