// Benchmark client over the public WinHTTP API only: <winhttp.h> and libwinhttp, written the way
// a Windows application would be (sync calls; async in the style of Microsoft's samples).
// Arguments and output: see bench_common.h.
#include <winhttp.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <unistd.h>

#include "bench_common.h"

namespace {

using bench::Args;
using bench::Outcome;

constexpr DWORD kIgnoreCertErrors = SECURITY_FLAG_IGNORE_UNKNOWN_CA |
                                    SECURITY_FLAG_IGNORE_CERT_CN_INVALID |
                                    SECURITY_FLAG_IGNORE_CERT_DATE_INVALID;

std::wstring widen(const std::string& s) {
    return std::wstring(s.begin(), s.end());  // host names and paths here are ASCII
}

// Records the first failure only: later ones are usually consequences of it.
void fail(Outcome& o, const char* what, DWORD error) {
    if (o.error != 0) return;
    o.error = error ? error : 1;
    o.what = what;
}

// ---- synchronous: W1 (seq), W2 (download), W4's baseline --------------------------------------

struct SyncClient {
    HINTERNET session = nullptr;
    HINTERNET connect = nullptr;
    ~SyncClient() {
        if (connect) WinHttpCloseHandle(connect);
        if (session) WinHttpCloseHandle(session);
    }
};

bool open_sync(const Args& a, SyncClient& c, Outcome& o) {
    // W6: a named forward proxy, as curl's CURLOPT_PROXY.
    const std::wstring proxy = widen(a.proxy);
    c.session = a.proxy.empty()
                    ? WinHttpOpen(L"openwinhttp-bench/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY,
                                  WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0)
                    : WinHttpOpen(L"openwinhttp-bench/1.0", WINHTTP_ACCESS_TYPE_NAMED_PROXY,
                                  proxy.c_str(), WINHTTP_NO_PROXY_BYPASS, 0);
    if (!c.session) return fail(o, "WinHttpOpen", GetLastError()), false;
    c.connect = WinHttpConnect(c.session, widen(a.host).c_str(),
                               static_cast<INTERNET_PORT>(a.port), 0);
    if (!c.connect) return fail(o, "WinHttpConnect", GetLastError()), false;
    return true;
}

HINTERNET open_request(const Args& a, HINTERNET connect, Outcome& o) {
    HINTERNET req = WinHttpOpenRequest(connect, L"GET", widen(a.path).c_str(), nullptr,
                                       WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES,
                                       a.secure ? WINHTTP_FLAG_SECURE : 0);
    if (!req) return fail(o, "WinHttpOpenRequest", GetLastError()), nullptr;
    if (a.secure) {
        DWORD flags = kIgnoreCertErrors;
        if (!WinHttpSetOption(req, WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof(flags))) {
            fail(o, "WinHttpSetOption(SECURITY_FLAGS)", GetLastError());
            WinHttpCloseHandle(req);
            return nullptr;
        }
    }
    return req;
}

bool status_is_ok(HINTERNET req, Outcome& o) {
    DWORD code = 0;
    DWORD size = sizeof(code);
    if (!WinHttpQueryHeaders(req, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             WINHTTP_HEADER_NAME_BY_INDEX, &code, &size, WINHTTP_NO_HEADER_INDEX)) {
        return fail(o, "WinHttpQueryHeaders", GetLastError()), false;
    }
    // An HTTP status is no Win32 error; 100000 + status keeps the two apart in the report.
    if (code != 200) return fail(o, "HTTP status", 100000 + code), false;
    return true;
}

// One GET: send, receive, check the status, then `read_body(req)` reads the body (false when a
// call failed; the failure is in `o`).
template <class ReadBody>
bool get_one(const Args& a, HINTERNET connect, Outcome& o, ReadBody&& read_body) {
    HINTERNET req = open_request(a, connect, o);
    if (!req) return false;
    bool ok = false;
    if (!WinHttpSendRequest(req, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0,
                            0)) {
        fail(o, "WinHttpSendRequest", GetLastError());
    } else if (!WinHttpReceiveResponse(req, nullptr)) {
        fail(o, "WinHttpReceiveResponse", GetLastError());
    } else if (status_is_ok(req, o)) {
        ok = read_body(req);
    }
    WinHttpCloseHandle(req);
    return ok;
}

// Streaming reads: WinHttpReadData into `buf` until it returns 0 bytes.
bool read_stream(HINTERNET req, std::vector<char>& buf, Outcome& o) {
    for (;;) {
        DWORD got = 0;
        if (!WinHttpReadData(req, buf.data(), static_cast<DWORD>(buf.size()), &got))
            return fail(o, "WinHttpReadData", GetLastError()), false;
        if (got == 0) return true;
        o.bytes += got;
    }
}

// The way Microsoft's sample and most Windows programs read: QueryDataAvailable, then ReadData
// of what it reported, at most `cap` bytes (0: the buffer grows to any reported size).
struct RawBuffer {
    std::unique_ptr<char[]> data;
    size_t size = 0;
};

bool read_qda(HINTERNET req, size_t cap, RawBuffer& buf, Outcome& o) {
    for (;;) {
        DWORD available = 0;
        if (!WinHttpQueryDataAvailable(req, &available))
            return fail(o, "WinHttpQueryDataAvailable", GetLastError()), false;
        if (available == 0) return true;
        const size_t want = cap ? std::min<size_t>(available, cap) : available;
        // Grown without zero-filling (the library's work is measured, not the client's).
        if (buf.size < want) buf = {std::make_unique_for_overwrite<char[]>(want), want};
        DWORD got = 0;
        if (!WinHttpReadData(req, buf.data.get(), static_cast<DWORD>(want), &got))
            return fail(o, "WinHttpReadData", GetLastError()), false;
        o.bytes += got;
    }
}

// a.count sequential GETs on one session, each body read by `read_body`.
template <class ReadBody>
Outcome run_gets(const Args& a, ReadBody&& read_body) {
    Outcome o;
    SyncClient c;
    if (!open_sync(a, c, o)) return o;
    auto start = bench::Clock::now();
    for (long i = 0; i < a.count; ++i) {
        if (!get_one(a, c.connect, o, [&](HINTERNET req) { return read_body(req, o); })) return o;
        ++o.requests;
    }
    o.wall = bench::seconds_since(start);
    return o;
}

Outcome run_seq(const Args& a) {
    std::vector<char> buf(static_cast<size_t>(a.buf));
    return run_gets(a, [&](HINTERNET req, Outcome& o) { return read_stream(req, buf, o); });
}

Outcome run_qda(const Args& a) {
    RawBuffer buf;
    const size_t cap = static_cast<size_t>(a.buf);
    return run_gets(a, [&](HINTERNET req, Outcome& o) { return read_qda(req, cap, buf, o); });
}

// ---- asynchronous: W3 (concurrent), W4 (async_seq) --------------------------------------------
//
// Callback-driven like Microsoft's async samples: SendRequest -> SENDREQUEST_COMPLETE ->
// ReceiveResponse -> HEADERS_AVAILABLE -> QueryDataAvailable -> DATA_AVAILABLE -> ReadData ->
// READ_COMPLETE -> QueryDataAvailable ... -> 0 bytes -> WinHttpCloseHandle -> HANDLE_CLOSING.
// A request's context is freed only in its HANDLE_CLOSING, the last callback it ever gets.

struct AsyncRun;

struct RequestContext {
    AsyncRun* run = nullptr;
    HINTERNET request = nullptr;
    // Not zero-filled (a C++ vector would write all of it per request: 16 KiB of memset that a
    // Windows program's new char[] / HeapAlloc never does, and that the sync client, reusing
    // one buffer, does not pay either).
    std::unique_ptr<char[]> buf;
    DWORD buf_size = 0;
    unsigned long long bytes = 0;
    bool complete = false;  // the whole body was read
};

struct AsyncRun {
    Args args;
    HINTERNET session = nullptr;
    HINTERNET connect = nullptr;
    bool chain = false;  // async_seq: the end of one request starts the next
    bool count_waiting = false;  // W8: count the requests waiting for their headers
    long waiting = 0;            // ReceiveResponse called (W8)

    std::mutex mutex;
    std::condition_variable all_closed;
    long open_requests = 0;  // opened, HANDLE_CLOSING not yet seen
    long to_start = 0;       // async_seq: requests not yet started
    Outcome outcome;
};

void record_error(AsyncRun& run, const char* what, DWORD error) {
    std::lock_guard lock(run.mutex);
    fail(run.outcome, what, error);
}

bool start_request(AsyncRun& run);

// Counts a request as open before it is started, under the same lock that takes it off
// `to_start`: the waiter never sees "none open, none left" while one is being started.
bool reserve(AsyncRun& run, bool from_to_start) {
    std::lock_guard lock(run.mutex);
    if (run.outcome.error != 0) return false;
    if (from_to_start) {
        if (run.to_start == 0) return false;
        --run.to_start;
    }
    ++run.open_requests;
    return true;
}

// Undoes reserve() for a request whose handle could not be opened.
void unreserve(AsyncRun& run) {
    {
        std::lock_guard lock(run.mutex);
        --run.open_requests;
    }
    run.all_closed.notify_all();
}

// The body is done (or the request failed): close; HANDLE_CLOSING follows. With chaining, the
// next request starts here, so exactly one is in flight and no thread hop is added per request.
void finish(RequestContext* ctx) {
    AsyncRun& run = *ctx->run;
    WinHttpCloseHandle(ctx->request);
    if (!ctx->complete || !run.chain) return;
    if (reserve(run, true)) start_request(run);
}

void on_handle_closing(RequestContext* ctx) {
    AsyncRun& run = *ctx->run;
    bool done;
    {
        std::lock_guard lock(run.mutex);
        if (ctx->complete) {
            ++run.outcome.requests;
            run.outcome.bytes += ctx->bytes;
        } else {
            fail(run.outcome, "request ended without a complete body", 1);
        }
        --run.open_requests;
        // Wake the waiter only when it can be done (W4: not once per request).
        done = run.open_requests == 0 && (run.to_start == 0 || run.outcome.error != 0);
    }
    if (done) run.all_closed.notify_all();
    delete ctx;
}

// Asks for the next piece of the body; a FALSE return means no callback will come for it.
void query_data(RequestContext* ctx) {
    if (!WinHttpQueryDataAvailable(ctx->request, nullptr)) {
        record_error(*ctx->run, "WinHttpQueryDataAvailable", GetLastError());
        finish(ctx);
    }
}

void on_headers(RequestContext* ctx) {
    DWORD code = 0;
    DWORD size = sizeof(code);
    if (!WinHttpQueryHeaders(ctx->request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             WINHTTP_HEADER_NAME_BY_INDEX, &code, &size, WINHTTP_NO_HEADER_INDEX)) {
        record_error(*ctx->run, "WinHttpQueryHeaders", GetLastError());
        return finish(ctx);
    }
    if (code != 200) {
        record_error(*ctx->run, "HTTP status", 100000 + code);
        return finish(ctx);
    }
    query_data(ctx);
}

void on_data_available(RequestContext* ctx, DWORD available) {
    if (available == 0) {
        ctx->complete = true;
        return finish(ctx);
    }
    // The buffer is made when there is something to read (W8: not while requests wait).
    if (!ctx->buf) ctx->buf = std::make_unique_for_overwrite<char[]>(ctx->buf_size);
    DWORD want = available < ctx->buf_size ? available : ctx->buf_size;
    if (!WinHttpReadData(ctx->request, ctx->buf.get(), want, nullptr)) {
        record_error(*ctx->run, "WinHttpReadData", GetLastError());
        finish(ctx);
    }
}

void on_read_complete(RequestContext* ctx, DWORD got) {
    if (got == 0) {
        ctx->complete = true;
        return finish(ctx);
    }
    ctx->bytes += got;
    query_data(ctx);
}

void CALLBACK on_status(HINTERNET, DWORD_PTR context, DWORD status, LPVOID info, DWORD info_len) {
    // Session and connect handles have context 0; their HANDLE_CLOSING needs no action.
    auto* ctx = reinterpret_cast<RequestContext*>(context);
    if (!ctx) return;
    switch (status) {
    case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
        if (!WinHttpReceiveResponse(ctx->request, nullptr)) {
            record_error(*ctx->run, "WinHttpReceiveResponse", GetLastError());
            finish(ctx);
        } else if (ctx->run->count_waiting) {
            {
                std::lock_guard lock(ctx->run->mutex);
                ++ctx->run->waiting;
            }
            ctx->run->all_closed.notify_all();
        }
        break;
    case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
        on_headers(ctx);
        break;
    case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE:
        on_data_available(ctx, *static_cast<DWORD*>(info));
        break;
    case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
        on_read_complete(ctx, info_len);
        break;
    case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: {
        auto* result = static_cast<WINHTTP_ASYNC_RESULT*>(info);
        record_error(*ctx->run, "REQUEST_ERROR", result->dwError);
        finish(ctx);
        break;
    }
    case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING:
        on_handle_closing(ctx);
        break;
    default:
        break;
    }
}

// Opens one request (already reserve()d) and sends it. The context value is set before the
// send so that HANDLE_CLOSING finds the context even when the send fails at once.
bool start_request(AsyncRun& run) {
    Outcome local;
    HINTERNET req = open_request(run.args, run.connect, local);
    if (!req) {
        record_error(run, local.what.c_str(), local.error);
        unreserve(run);
        return false;
    }
    auto* ctx = new RequestContext;
    ctx->run = &run;
    ctx->request = req;
    ctx->buf_size = static_cast<DWORD>(run.args.buf);
    DWORD_PTR value = reinterpret_cast<DWORD_PTR>(ctx);
    if (!WinHttpSetOption(req, WINHTTP_OPTION_CONTEXT_VALUE, &value, sizeof(value))) {
        record_error(run, "WinHttpSetOption(CONTEXT_VALUE)", GetLastError());
        WinHttpCloseHandle(req);
        return false;
    }
    if (!WinHttpSendRequest(req, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0,
                            value)) {
        record_error(run, "WinHttpSendRequest", GetLastError());
        WinHttpCloseHandle(req);
        return false;
    }
    return true;
}

bool open_async(AsyncRun& run) {
    // The event loop's threads, set (globally, NULL handle) before the first async session.
    DWORD workers = static_cast<DWORD>(run.args.workers);
    if (workers && !WinHttpSetOption(nullptr, WINHTTP_OPTION_WORKER_THREAD_COUNT, &workers,
                                     sizeof(workers))) {
        return record_error(run, "WinHttpSetOption(WORKER_THREAD_COUNT)", GetLastError()), false;
    }
    run.session = WinHttpOpen(L"openwinhttp-bench/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY,
                              WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, WINHTTP_FLAG_ASYNC);
    if (!run.session) return record_error(run, "WinHttpOpen", GetLastError()), false;
    // max_conns=0 (W8): left as a Windows program leaves it (INFINITE).
    DWORD conns = static_cast<DWORD>(run.args.max_conns);
    if (conns && !WinHttpSetOption(run.session, WINHTTP_OPTION_MAX_CONNS_PER_SERVER, &conns,
                          sizeof(conns))) {
        return record_error(run, "WinHttpSetOption(MAX_CONNS_PER_SERVER)", GetLastError()), false;
    }
    DWORD protocols = WINHTTP_PROTOCOL_FLAG_HTTP2;
    if (run.args.h2 && !WinHttpSetOption(run.session, WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL,
                                         &protocols, sizeof(protocols))) {
        return record_error(run, "WinHttpSetOption(ENABLE_HTTP_PROTOCOL)", GetLastError()), false;
    }
    // Set on the session before any child exists, so connect and request handles inherit it.
    if (WinHttpSetStatusCallback(run.session, on_status,
                                 WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS |
                                     WINHTTP_CALLBACK_FLAG_HANDLES,
                                 0) == WINHTTP_INVALID_STATUS_CALLBACK) {
        return record_error(run, "WinHttpSetStatusCallback", GetLastError()), false;
    }
    run.connect = WinHttpConnect(run.session, widen(run.args.host).c_str(),
                                 static_cast<INTERNET_PORT>(run.args.port), 0);
    if (!run.connect) return record_error(run, "WinHttpConnect", GetLastError()), false;
    return true;
}

// A library that never delivers HANDLE_CLOSING must not hang the benchmark: after this long
// the run is reported as failed and the process exits without cleaning up.
constexpr auto kCloseTimeout = std::chrono::seconds(120);
constexpr DWORD kErrorTimeout = 1460;  // ERROR_TIMEOUT

void wait_all_closed(AsyncRun& run) {
    std::unique_lock lock(run.mutex);
    bool done = run.all_closed.wait_for(lock, kCloseTimeout, [&] {
        return run.open_requests == 0 && (run.to_start == 0 || run.outcome.error != 0);
    });
    if (done) return;
    fail(run.outcome, "waiting for HANDLE_CLOSING", kErrorTimeout);
    bench::report(run.outcome);
    std::fflush(stdout);
    std::_Exit(2);
}

void close_async(AsyncRun& run) {
    if (run.connect) WinHttpCloseHandle(run.connect);
    if (run.session) WinHttpCloseHandle(run.session);
}

// W3: `count` requests in flight at once, `rounds` times over the same session (so the
// connections of round 1 are reused later, as in a long-running client).
Outcome run_concurrent(const Args& a) {
    AsyncRun run;
    run.args = a;
    if (open_async(run)) {
        auto start = bench::Clock::now();
        for (long r = 0; r < a.rounds && run.outcome.error == 0; ++r) {
            for (long i = 0; i < a.count; ++i) {
                if (!reserve(run, false) || !start_request(run)) break;
            }
            wait_all_closed(run);
        }
        run.outcome.wall = bench::seconds_since(start);
    }
    close_async(run);
    return run.outcome;
}

// W4: one request in flight; each one's end starts the next (see finish()).
Outcome run_async_seq(const Args& a) {
    AsyncRun run;
    run.args = a;
    run.chain = true;
    if (open_async(run) && a.count > 0) {
        auto start = bench::Clock::now();
        run.to_start = a.count;
        if (reserve(run, true)) start_request(run);
        wait_all_closed(run);  // every request started and closed
        run.outcome.wall = bench::seconds_since(start);
    }
    close_async(run);
    return run.outcome;
}

// W8: `count` requests in flight at once, held by bench/stall_server.py until all of them are
// waiting for their response; the resident set then, minus the resident set with none in flight
// (after one warm-up request: the event loop's threads and the first connection exist),
// divided by `count`, is the memory per in-flight request.
Outcome run_inflight(const Args& a) {
    bench::raise_fd_limit();
    AsyncRun run;
    run.args = a;
    run.count_waiting = true;
    if (!open_async(run)) {
        close_async(run);
        return run.outcome;
    }
    run.args.path = "/now";  // answered at once
    if (reserve(run, false)) start_request(run);
    wait_all_closed(run);
    run.args.path = a.path;
    const long idle = bench::current_rss_kib();
    const long idle_heap = bench::heap_in_use_kib();
    auto start = bench::Clock::now();
    long in_flight = 0;
    for (long i = 0; i < a.count && run.outcome.error == 0; ++i) {
        if (!reserve(run, false) || !start_request(run)) break;
    }
    {
        std::unique_lock lock(run.mutex);
        run.all_closed.wait_for(lock, kCloseTimeout, [&] {
            return run.waiting >= a.count + 1 || run.outcome.error != 0;  // + the warm-up
        });
    }
    // Every request has called ReceiveResponse; the server confirms it holds them all.
    for (int i = 0; i < 2400 && run.outcome.error == 0; ++i) {
        in_flight = bench::stall_control(a.host, a.port, "/count");
        if (in_flight >= a.count) break;
        usleep(50 * 1000);
    }
    const long busy = bench::current_rss_kib();
    const long busy_heap = bench::heap_in_use_kib();
    const long sockets = bench::open_sockets();
    bench::stall_control(a.host, a.port, "/release");
    wait_all_closed(run);
    run.outcome.wall = bench::seconds_since(start);
    if (run.outcome.error == 0 && in_flight < a.count)
        fail(run.outcome, "stall server holds fewer requests than sent", 1);
    char extra[200];
    std::snprintf(extra, sizeof extra,
                  " idle_kib=%ld inflight_kib=%ld per_req_bytes=%.0f heap_per_req=%.0f conns=%ld",
                  idle, busy, (busy - idle) * 1024.0 / static_cast<double>(a.count),
                  (busy_heap - idle_heap) * 1024.0 / static_cast<double>(a.count), sockets);
    run.outcome.extra = extra;
    --run.outcome.requests;  // the warm-up
    close_async(run);
    return run.outcome;
}

// ---- W5: handle trees ------------------------------------------------------------------------

Outcome run_handles(const Args& a) {
    Outcome o;
    auto start = bench::Clock::now();
    for (long i = 0; i < a.count; ++i) {
        SyncClient c;
        if (!open_sync(a, c, o)) return o;
        HINTERNET req = open_request(a, c.connect, o);
        if (!req) return o;
        WinHttpCloseHandle(req);
        ++o.requests;
    }  // ~SyncClient closes connect, then session
    o.wall = bench::seconds_since(start);
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    if (!bench::parse_args(argc, argv, a)) return bench::usage(argv[0]);
    Outcome o;
    if (a.workload == "seq" || a.workload == "download") {
        o = run_seq(a);
    } else if (a.workload == "download_qda") {
        o = run_qda(a);
    } else if (a.workload == "concurrent") {
        o = run_concurrent(a);
    } else if (a.workload == "async_seq") {
        o = run_async_seq(a);
    } else if (a.workload == "handles") {
        o = run_handles(a);
    } else if (a.workload == "inflight") {
        o = run_inflight(a);
    } else {
        return bench::usage(argv[0]);
    }
    return bench::report(o);
}
