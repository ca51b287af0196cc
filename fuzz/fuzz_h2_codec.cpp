// libFuzzer target: the HTTP/2 client codec (src/http2/h2_codec.*, nghttp2 sans I/O) fed server
// byte streams, with up to three requests open, one of them sending a body.
//
// The first input byte picks the piece size the server bytes arrive in, how many requests are
// open, and whether the application takes body bytes between pieces (flow control) or cancels
// a stream midway. Invariants: no crash or sanitizer report; a stream that is closed says why
// (error set) unless it ended cleanly; a stream's head is complete before any body is taken;
// the header byte count never exceeds the configured limit on a stream that did not fail.
#include "http2/h2_codec.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    ++data;
    --size;
    const size_t piece = 1 + (mode & 0x0f) * 97;
    const int streams = 1 + (mode >> 4) % 3;
    const bool take = mode & 0x40;
    const bool cancel = mode & 0x80;

    winhttp::h2::Settings settings;
    settings.max_header_bytes = 4096;
    winhttp::h2::Codec codec(settings);
    if (!codec.ok()) return 0;
    std::vector<std::shared_ptr<winhttp::h2::Stream>> open;
    for (int i = 0; i < streams; ++i) {
        auto s = std::make_shared<winhttp::h2::Stream>();
        const bool body = i == 1;
        if (codec.submit(*s, i == 1 ? "POST" : "GET", "localhost", "/x", {{"Accept", "*/*"}},
                         body) != ERROR_SUCCESS)
            return 0;
        if (body) s->out = "request body";
        open.push_back(std::move(s));
    }
    std::string out;
    codec.take_output(out);
    std::string body;
    for (size_t off = 0; off < size; off += piece) {
        const size_t n = std::min(piece, size - off);
        const bool alive = codec.feed(reinterpret_cast<const char*>(data + off), n);
        out.clear();
        codec.take_output(out);
        for (auto& s : open) {
            if (take && s->head_done) codec.take_body(*s, body);
            if (s->closed && !(s->ended && !s->error)) check(s->error != ERROR_SUCCESS);
            if (!s->error) check(s->head_bytes <= settings.max_header_bytes);
        }
        if (open.size() > 1 && cancel && off >= size / 2) {
            codec.cancel(*open.back());
            open.pop_back();
        }
        if (!alive) break;
    }
    codec.fail_all(ERROR_WINHTTP_CONNECTION_ERROR);
    for (auto& s : open) check(s->closed);
    return 0;
}
