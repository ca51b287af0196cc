#include "http1/content_decoder.h"

#include <winhttp.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>

namespace winhttp::http1 {

namespace {

constexpr int kGzipOrZlib = 15 + 32;  // zlib's automatic header detection, full window
constexpr int kZlib = 15;
constexpr int kRaw = -15;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool equals_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        if (x != b[i]) return false;
    }
    return true;
}

// RFC 1950 header check: compression method 8 with a window of at most 32 KiB, and the 16-bit
// big-endian header a multiple of 31. A raw deflate stream written by a real compressor does not
// pass it: its first byte would have to declare a stored block with nonzero padding bits.
bool looks_like_zlib(unsigned char cmf, unsigned char flg) {
    return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

uInt clamp_uint(size_t n) { return static_cast<uInt>(std::min<size_t>(n, UINT_MAX)); }

}  // namespace

struct ContentDecoder::Zlib {
    z_stream s{};
    bool live = false;  // inflateInit2 succeeded; inflateEnd owed

    ~Zlib() {
        if (live) inflateEnd(&s);
    }
};

ContentDecoder::Coding ContentDecoder::from_header(std::string_view v) {
    while (!v.empty() && is_blank(v.front())) v.remove_prefix(1);
    while (!v.empty() && is_blank(v.back())) v.remove_suffix(1);
    if (equals_nocase(v, "gzip") || equals_nocase(v, "x-gzip")) return Coding::Gzip;
    if (equals_nocase(v, "deflate")) return Coding::Deflate;
    return Coding::Identity;
}

ContentDecoder::ContentDecoder() = default;
ContentDecoder::~ContentDecoder() = default;
ContentDecoder::ContentDecoder(ContentDecoder&&) noexcept = default;
ContentDecoder& ContentDecoder::operator=(ContentDecoder&&) noexcept = default;

DWORD ContentDecoder::init(Coding coding) {
    coding_ = coding;
    error_ = 0;
    any_input_ = false;
    pend_len_ = 0;
    pend_pos_ = 0;
    switch (coding) {
        case Coding::Identity:
            state_ = State::Copy;
            return ERROR_SUCCESS;
        case Coding::Deflate:
            state_ = State::Sniff;  // zlib starts once the wrapper is known
            return ERROR_SUCCESS;
        case Coding::Gzip:
            break;
    }
    return start_inflate(kGzipOrZlib);
}

// (Re)starts zlib for the given window bits; the z_stream lives on the heap so that the
// decoder can move (zlib keeps a pointer back to its z_stream). Returns ERROR_SUCCESS or
// ERROR_NOT_ENOUGH_MEMORY.
DWORD ContentDecoder::start_inflate(int window_bits) {
    if (!z_) z_.reset(new (std::nothrow) Zlib);
    if (!z_) return fail(ERROR_NOT_ENOUGH_MEMORY);
    int rc = z_->live ? inflateReset2(&z_->s, window_bits) : inflateInit2(&z_->s, window_bits);
    if (rc != Z_OK) return fail(ERROR_NOT_ENOUGH_MEMORY);
    z_->live = true;
    state_ = State::Inflate;
    return ERROR_SUCCESS;
}

DWORD ContentDecoder::decode(const char*& in, size_t& in_len, char* out, size_t out_cap,
                             size_t& produced, bool& done) {
    produced = 0;
    done = false;
    if (in_len > 0) any_input_ = true;
    switch (state_) {
        case State::Failed:
            return error_;
        case State::Copy:
            produced = std::min(in_len, out_cap);
            if (produced > 0) std::memcpy(out, in, produced);
            in += produced;
            in_len -= produced;
            return ERROR_SUCCESS;
        case State::Drain:
            in += in_len;
            in_len = 0;
            done = true;
            return ERROR_SUCCESS;
        case State::Sniff:
            if (DWORD rc = sniff(in, in_len)) return rc;
            if (state_ == State::Sniff) return ERROR_SUCCESS;
            break;
        case State::Inflate:
        case State::Ended:
            break;
    }
    return inflate_all(in, in_len, out, out_cap, produced, done);
}

// Inflates until the output is full or the input is used up, moving on to the next gzip member
// at each stream end. Returns what inflate_into() returns.
DWORD ContentDecoder::inflate_all(const char*& in, size_t& in_len, char* out, size_t out_cap,
                                  size_t& produced, bool& done) {
    for (;;) {
        if (state_ == State::Ended && !start_next_member(in, in_len)) {
            done = true;
            return ERROR_SUCCESS;
        }
        size_t n = 0;
        if (DWORD rc = inflate_into(in, in_len, out + produced, out_cap - produced, n)) return rc;
        produced += n;
        if (state_ != State::Ended) return ERROR_SUCCESS;  // out of input or out of room
    }
}

// Deflate: collects the first two bytes, then starts zlib with the wrapper they show. The held
// bytes go through zlib before the caller's next ones. Returns ERROR_SUCCESS or
// ERROR_NOT_ENOUGH_MEMORY.
DWORD ContentDecoder::sniff(const char*& in, size_t& in_len) {
    while (pend_len_ < 2 && in_len > 0) {
        pend_[pend_len_++] = static_cast<unsigned char>(*in++);
        --in_len;
    }
    if (pend_len_ < 2) return ERROR_SUCCESS;
    return start_inflate(looks_like_zlib(pend_[0], pend_[1]) ? kZlib : kRaw);
}

// Runs zlib over the held bytes and then the caller's input until the output is full, the input
// is used up, or the stream ends (state_ becomes Ended). Returns ERROR_SUCCESS,
// ERROR_WINHTTP_INVALID_SERVER_RESPONSE (corrupt data, a preset dictionary) or
// ERROR_NOT_ENOUGH_MEMORY.
DWORD ContentDecoder::inflate_into(const char*& in, size_t& in_len, char* out, size_t out_cap,
                                   size_t& produced) {
    z_stream& z = z_->s;
    Bytef no_room = 0;  // zlib rejects a null next_out even with no room; header bytes still go in
    z.next_out = out_cap > 0 ? reinterpret_cast<Bytef*>(out) : &no_room;
    z.avail_out = clamp_uint(out_cap);
    const uInt room = z.avail_out;
    for (;;) {
        bool held = pend_pos_ < pend_len_;
        z.next_in = held ? pend_ + pend_pos_
                         : reinterpret_cast<Bytef*>(const_cast<char*>(in));  // zlib never writes it
        z.avail_in = held ? static_cast<uInt>(pend_len_ - pend_pos_) : clamp_uint(in_len);
        const uInt offered = z.avail_in;
        const uInt room_before = z.avail_out;
        int rc = ::inflate(&z, Z_NO_FLUSH);
        size_t used = offered - z.avail_in;
        if (held) {
            pend_pos_ += used;
        } else {
            in += used;
            in_len -= used;
        }
        if (rc == Z_STREAM_END) {
            state_ = State::Ended;
            break;
        }
        if (rc == Z_MEM_ERROR) return fail(ERROR_NOT_ENOUGH_MEMORY);
        if (rc != Z_OK && rc != Z_BUF_ERROR) return fail(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
        bool progress = used > 0 || z.avail_out != room_before;
        bool more_input = pend_pos_ < pend_len_ || in_len > 0;
        if (z.avail_out == 0 || !more_input || !progress) break;
    }
    produced = room - z.avail_out;
    return ERROR_SUCCESS;
}

// After a stream end: starts the next gzip member when the next byte is gzip's first magic byte.
// Anything else after the end (more deflate data, padding some servers append after a gzip
// member) is dropped together with everything that follows, and the decoder drains. Returns true
// when a new member started; false otherwise (also when there is no input yet to look at).
bool ContentDecoder::start_next_member(const char*& in, size_t& in_len) {
    pend_pos_ = pend_len_;  // a stream cannot end inside the two held bytes; nothing to keep
    if (in_len == 0) return false;
    if (coding_ == Coding::Gzip && static_cast<unsigned char>(in[0]) == 0x1f &&
        inflateReset(&z_->s) == Z_OK) {
        state_ = State::Inflate;
        return true;
    }
    in += in_len;
    in_len = 0;
    state_ = State::Drain;
    return false;
}

DWORD ContentDecoder::finish() const {
    switch (state_) {
        case State::Failed:
            return error_;
        case State::Copy:
        case State::Ended:
        case State::Drain:
            return ERROR_SUCCESS;
        case State::Sniff:
        case State::Inflate:
            break;
    }
    return any_input_ ? ERROR_WINHTTP_INVALID_SERVER_RESPONSE : ERROR_SUCCESS;
}

DWORD ContentDecoder::fail(DWORD error) {
    state_ = State::Failed;
    error_ = error;
    return error;
}

}  // namespace winhttp::http1
