// Response parsing (http1/response_parser.h): the head and body of a typical nginx response,
// fed whole (one recv() brought it all) and in small pieces (a slow network).
#include <benchmark/benchmark.h>

#include <string>

#include "http1/response_parser.h"

namespace {

using winhttp::http1::ParseEvent;
using winhttp::http1::ResponseParser;

std::string nginx_response(size_t body_len) {
    std::string r =
        "HTTP/1.1 200 OK\r\n"
        "Server: nginx/1.22.1\r\n"
        "Date: Mon, 06 Jan 2025 10:00:00 GMT\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Length: " + std::to_string(body_len) + "\r\n"
        "Last-Modified: Mon, 06 Jan 2025 09:00:00 GMT\r\n"
        "Connection: keep-alive\r\n"
        "ETag: \"677b9c10-64\"\r\n"
        "Accept-Ranges: bytes\r\n"
        "\r\n";
    r.append(body_len, 'x');
    return r;
}

// Feeds `wire` in pieces of at most `piece` bytes until the message completes.
bool parse_all(ResponseParser& parser, const std::string& wire, size_t piece) {
    parser.reset(false);
    const char* p = wire.data();
    size_t left = wire.size();
    for (;;) {
        size_t n = left < piece ? left : piece;
        auto step = parser.feed(p, n);
        p += step.consumed;
        left -= step.consumed;
        if (step.event == ParseEvent::MessageComplete) return true;
        if (step.event == ParseEvent::Error) return false;
        if (step.event == ParseEvent::NeedMore && left == 0) return false;
        if (step.event == ParseEvent::Body) benchmark::DoNotOptimize(step.body);
    }
}

void BM_ParseResponse(benchmark::State& state) {
    const std::string wire = nginx_response(static_cast<size_t>(state.range(0)));
    const size_t piece = static_cast<size_t>(state.range(1));
    ResponseParser parser;
    for (auto _ : state) {
        if (!parse_all(parser, wire, piece)) state.SkipWithError("parse failed");
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
// {body bytes, feed piece}: W1's 100-byte file in one piece, a 16 KiB body, and a trickle.
BENCHMARK(BM_ParseResponse)->Args({100, 1 << 20})->Args({16384, 1 << 20})->Args({100, 16});

}  // namespace
