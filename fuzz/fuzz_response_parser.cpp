// libFuzzer target for winhttp::http1::ResponseParser.
//
// Input layout: byte 0 = options (bit 0: HEAD request, bits 1-2: header limit, bit 3: chunk
// extension limit), bytes 1-4 = seed for the split sizes, the rest = bytes from the "server".
// The bytes are parsed twice, whole and in pseudo-random pieces (each piece a fresh heap copy,
// so ASan sees any pointer kept past its piece), with finish() at the end. Beyond memory errors
// the target traps when the pull contract breaks (consumed beyond the input, NeedMore not
// consuming everything, a body pointer outside the piece, a loop without progress) or when the
// two runs disagree about the messages parsed or about whether parsing failed.
#include "http1/response_parser.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

using winhttp::http1::ParseEvent;
using winhttp::http1::ParseLimits;
using winhttp::http1::ParseStep;
using winhttp::http1::ResponseParser;

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

// What one run saw: a digest of every completed message, and whether it ended in an error.
struct Run {
    std::string digest;
    bool failed = false;
};

class Feeder {
public:
    Feeder(bool head, ParseLimits limits) : head_(head), parser_(limits) { parser_.reset(head); }

    // Returns false once the connection is finished with (error or protocol switch).
    bool piece(const uint8_t* data, size_t len) {
        std::vector<char> buf(data, data + len);
        const char* p = buf.data();
        size_t n = buf.size();
        for (int idle = 0; !stopped_;) {
            ParseStep s = parser_.feed(p, n);
            check(s.consumed <= n);
            p += s.consumed;
            n -= s.consumed;
            if (s.event == ParseEvent::NeedMore) {
                check(n == 0);
                return true;
            }
            idle = s.consumed == 0 ? idle + 1 : 0;
            check(idle < 4);
            if (s.event == ParseEvent::Body) {
                check(s.body_len > 0 && s.body >= buf.data() && s.body + s.body_len <= buf.data() + buf.size());
            }
            handle(s);
        }
        return false;
    }

    Run end() {
        for (int i = 0; i < 4 && !stopped_ && !parser_.idle(); ++i) {
            ParseStep s = parser_.finish();
            check(s.consumed == 0);
            check(s.event == ParseEvent::MessageComplete || s.event == ParseEvent::Error);
            handle(s);
        }
        return std::move(run_);
    }

private:
    void handle(const ParseStep& s) {
        switch (s.event) {
            case ParseEvent::NeedMore:
                break;
            case ParseEvent::HeadComplete: {
                const auto& h = parser_.head();
                run_.digest += "H" + std::to_string(h.status) + h.reason + "\n";
                for (const auto& f : h.headers) run_.digest += f.name + ":" + f.value + "\n";
                run_.digest += parser_.keep_alive() ? "K" : "k";
                run_.digest += parser_.chunked() ? "C" : "c";
                run_.digest += parser_.body_until_close() ? "U" : "u";
                break;
            }
            case ParseEvent::Body:
                run_.digest.append(s.body, s.body_len);
                break;
            case ParseEvent::MessageComplete:
                for (const auto& f : parser_.head().trailers) run_.digest += "T" + f.name + ":" + f.value + "\n";
                run_.digest += "M\n";
                if (parser_.head().status == 101) {
                    stopped_ = true;
                } else {
                    parser_.reset(head_);
                }
                break;
            case ParseEvent::Error:
                check(s.error != 0);
                run_.failed = true;
                stopped_ = true;
                break;
        }
    }

    bool head_;
    ResponseParser parser_;
    Run run_;
    bool stopped_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 5) return 0;
    const uint8_t opts = data[0];
    uint32_t seed;
    std::memcpy(&seed, data + 1, 4);
    data += 5;
    size -= 5;

    ParseLimits limits;
    static const size_t header_limits[] = {64 * 1024, 512, 64, 4096};
    limits.max_header_bytes = header_limits[(opts >> 1) & 3];
    limits.max_chunk_ext_bytes = (opts & 8) ? 8 : 4096;
    const bool head = (opts & 1) != 0;

    Feeder whole(head, limits);
    whole.piece(data, size);
    Run a = whole.end();

    Feeder split(head, limits);
    Rng rng{seed | 1};
    for (size_t off = 0; off < size;) {
        size_t n = std::min<size_t>(size - off, rng.next() % 17 == 0 ? 0 : 1 + rng.next() % 64);
        if (!split.piece(data + off, n)) break;
        off += n;
    }
    Run b = split.end();

    check(a.failed == b.failed);
    if (!a.failed) check(a.digest == b.digest);
    return 0;
}
