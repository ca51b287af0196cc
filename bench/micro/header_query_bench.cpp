// Header queries (http1/header_store.h query_headers): what an application asks after every
// response - the status code as a number, Content-Length, a custom header, the raw block.
#include <benchmark/benchmark.h>

#include <winhttp.h>

#include "http1/header_store.h"

namespace {

using winhttp::http1::QuerySource;
using winhttp::http1::ResponseHead;

ResponseHead nginx_head() {
    ResponseHead h;
    h.status = 200;
    h.reason = "OK";
    h.headers = {{"Server", "nginx/1.22.1"},
                 {"Date", "Mon, 06 Jan 2025 10:00:00 GMT"},
                 {"Content-Type", "application/octet-stream"},
                 {"Content-Length", "16384"},
                 {"Last-Modified", "Mon, 06 Jan 2025 09:00:00 GMT"},
                 {"Connection", "keep-alive"},
                 {"ETag", "\"677b9c10-4000\""},
                 {"Accept-Ranges", "bytes"}};
    return h;
}

void run_query(benchmark::State& state, DWORD level, const WCHAR* name) {
    const ResponseHead head = nginx_head();
    const QuerySource src{&head, nullptr};
    WCHAR text[1024];
    for (auto _ : state) {
        DWORD bytes = sizeof(text);
        DWORD rc = winhttp::http1::query_headers(src, level, name, text, &bytes, nullptr);
        if (rc != 0) state.SkipWithError("query failed");
        benchmark::DoNotOptimize(text);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_QueryStatusCodeNumber(benchmark::State& state) {
    run_query(state, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER, nullptr);
}
void BM_QueryContentLengthNumber(benchmark::State& state) {
    run_query(state, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER, nullptr);
}
void BM_QueryCustomString(benchmark::State& state) {
    run_query(state, WINHTTP_QUERY_CUSTOM, L"accept-ranges");
}
void BM_QueryRawHeadersCrlf(benchmark::State& state) {
    run_query(state, WINHTTP_QUERY_RAW_HEADERS_CRLF, nullptr);
}
BENCHMARK(BM_QueryStatusCodeNumber);
BENCHMARK(BM_QueryContentLengthNumber);
BENCHMARK(BM_QueryCustomString);
BENCHMARK(BM_QueryRawHeadersCrlf);

}  // namespace
