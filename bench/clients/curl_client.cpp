// Benchmark client over libcurl: the reference the WinHTTP client is measured against.
// Written the way libcurl's documentation recommends for speed: one easy handle reused for
// sequential transfers (its connection stays alive), the multi interface for concurrency.
// Arguments and output: see bench_common.h.
#include <curl/curl.h>

#include <string>
#include <vector>

#include "bench_common.h"

namespace {

using bench::Args;
using bench::Outcome;

void fail(Outcome& o, const char* what, unsigned long error) {
    if (o.error != 0) return;
    o.error = error ? error : 1;
    o.what = what;
}

// Counts the body and drops it, as the WinHTTP client does with its read buffer.
size_t on_body(char*, size_t size, size_t n, void* userdata) {
    *static_cast<unsigned long long*>(userdata) += size * n;
    return size * n;
}

std::string url_of(const Args& a) {
    return std::string(a.secure ? "https://" : "http://") + a.host + ":" + std::to_string(a.port) +
           a.path;
}

CURL* make_easy(const Args& a, const std::string& url, unsigned long long* bytes) {
    CURL* e = curl_easy_init();
    if (!e) return nullptr;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, a.h2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
    // h2: wait for the connection being set up and multiplex on it rather than open another
    // (libcurl's documented way to get one multiplexed connection from transfers added at once).
    if (a.h2) curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "curl-bench/1.0");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, bytes);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, a.buf);  // curl clamps to [1 KiB, 512 KiB]
    // Direct like WINHTTP_ACCESS_TYPE_NO_PROXY, or (W6) the named forward proxy.
    const std::string proxy = a.proxy.empty() ? "" : "http://" + a.proxy;
    curl_easy_setopt(e, CURLOPT_PROXY, proxy.c_str());  // curl copies the string
    if (a.secure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return e;
}

bool status_is_ok(CURL* e, Outcome& o) {
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) return fail(o, "HTTP status", 100000 + static_cast<unsigned long>(code)), false;
    return true;
}

// ---- W1, W2: easy interface, one handle reused -------------------------------------------------

Outcome run_seq(const Args& a) {
    Outcome o;
    std::string url = url_of(a);
    CURL* e = make_easy(a, url, &o.bytes);
    if (!e) return fail(o, "curl_easy_init", 1), o;
    auto start = bench::Clock::now();
    for (long i = 0; i < a.count; ++i) {
        CURLcode rc = curl_easy_perform(e);
        if (rc != CURLE_OK) {
            fail(o, "curl_easy_perform", rc);
            break;
        }
        if (!status_is_ok(e, o)) break;
        ++o.requests;
    }
    o.wall = bench::seconds_since(start);
    curl_easy_cleanup(e);
    return o;
}

// ---- W3, W4: multi interface -------------------------------------------------------------------

// Runs the multi handle until every added transfer is done; counts results into `o`.
void drive(CURLM* m, Outcome& o) {
    int running = 1;
    while (running > 0) {
        if (curl_multi_perform(m, &running) != CURLM_OK) return fail(o, "curl_multi_perform", 1);
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(m, &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            if (msg->data.result != CURLE_OK) {
                fail(o, "transfer", msg->data.result);
            } else if (status_is_ok(msg->easy_handle, o)) {
                ++o.requests;
            }
            curl_multi_remove_handle(m, msg->easy_handle);
        }
        if (running > 0 && curl_multi_poll(m, nullptr, 0, 1000, nullptr) != CURLM_OK) {
            return fail(o, "curl_multi_poll", 1);
        }
    }
}

CURLM* make_multi(const Args& a) {
    CURLM* m = curl_multi_init();
    if (m) curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, a.max_conns);
    if (m && a.h2) {
        curl_multi_setopt(m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
        // The default (100) would hold transfers back that nginx (256 streams here) accepts.
        curl_multi_setopt(m, CURLMOPT_MAX_CONCURRENT_STREAMS, 256L);
    }
    return m;
}

// W3: `count` transfers added at once, `rounds` times; easy handles are reused across rounds.
Outcome run_concurrent(const Args& a) {
    Outcome o;
    std::string url = url_of(a);
    CURLM* m = make_multi(a);
    std::vector<CURL*> easies;
    for (long i = 0; m && i < a.count; ++i) easies.push_back(make_easy(a, url, &o.bytes));
    auto start = bench::Clock::now();
    for (long r = 0; m && r < a.rounds && o.error == 0; ++r) {
        for (CURL* e : easies) curl_multi_add_handle(m, e);
        drive(m, o);
    }
    o.wall = bench::seconds_since(start);
    for (CURL* e : easies) curl_easy_cleanup(e);
    if (m) curl_multi_cleanup(m);
    return o;
}

// W4: one transfer in flight through the multi interface, the easy handle re-added each time.
Outcome run_async_seq(const Args& a) {
    Outcome o;
    std::string url = url_of(a);
    CURLM* m = make_multi(a);
    CURL* e = m ? make_easy(a, url, &o.bytes) : nullptr;
    auto start = bench::Clock::now();
    for (long i = 0; e && i < a.count && o.error == 0; ++i) {
        curl_multi_add_handle(m, e);
        drive(m, o);
    }
    o.wall = bench::seconds_since(start);
    if (e) curl_easy_cleanup(e);
    if (m) curl_multi_cleanup(m);
    return o;
}

// W8: `count` transfers held in flight by bench/stall_server.py; resident set with all of them
// waiting for their response minus the resident set after one warm-up transfer, / count.
// No connection limit (CURLMOPT_MAX_HOST_CONNECTIONS 0, curl's default), as on our side.
Outcome run_inflight(const Args& a) {
    bench::raise_fd_limit();
    Outcome o;
    Args warm = a;
    warm.path = "/now";
    const std::string warm_url = url_of(warm);
    const std::string url = url_of(a);
    CURLM* m = make_multi(a);
    if (!m) return fail(o, "curl_multi_init", 1), o;
    CURL* first = make_easy(a, warm_url, &o.bytes);
    curl_multi_add_handle(m, first);
    drive(m, o);
    curl_easy_cleanup(first);
    const long warm_requests = o.requests;
    const long idle = bench::current_rss_kib();
    const long idle_heap = bench::heap_in_use_kib();
    auto start = bench::Clock::now();
    std::vector<CURL*> easies;
    for (long i = 0; i < a.count; ++i) {
        easies.push_back(make_easy(a, url, &o.bytes));
        curl_multi_add_handle(m, easies.back());
    }
    // Drive until the server holds every request.
    long in_flight = 0;
    auto checked = bench::Clock::now();
    for (;;) {
        int running = 0;
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            fail(o, "curl_multi_perform", 1);
            break;
        }
        if (bench::seconds_since(checked) >= 0.05) {
            in_flight = bench::stall_control(a.host, a.port, "/count");
            checked = bench::Clock::now();
            if (in_flight >= a.count) break;
        }
        if (bench::seconds_since(start) > 120) break;
        curl_multi_poll(m, nullptr, 0, 50, nullptr);
    }
    const long busy = bench::current_rss_kib();
    const long busy_heap = bench::heap_in_use_kib();
    const long sockets = bench::open_sockets();
    bench::stall_control(a.host, a.port, "/release");
    drive(m, o);
    o.wall = bench::seconds_since(start);
    if (o.error == 0 && in_flight < a.count)
        fail(o, "stall server holds fewer requests than sent", 1);
    char extra[200];
    std::snprintf(extra, sizeof extra,
                  " idle_kib=%ld inflight_kib=%ld per_req_bytes=%.0f heap_per_req=%.0f conns=%ld",
                  idle, busy, (busy - idle) * 1024.0 / static_cast<double>(a.count),
                  (busy_heap - idle_heap) * 1024.0 / static_cast<double>(a.count), sockets);
    o.extra = extra;
    o.requests -= warm_requests;
    for (CURL* e : easies) curl_easy_cleanup(e);
    curl_multi_cleanup(m);
    return o;
}

// W5's nearest curl equivalent (reference only): create, configure and free an easy handle.
Outcome run_handles(const Args& a) {
    Outcome o;
    std::string url = url_of(a);
    unsigned long long unused = 0;
    auto start = bench::Clock::now();
    for (long i = 0; i < a.count; ++i) {
        CURL* e = make_easy(a, url, &unused);
        if (!e) return fail(o, "curl_easy_init", 1), o;
        curl_easy_cleanup(e);
        ++o.requests;
    }
    o.wall = bench::seconds_since(start);
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    if (!bench::parse_args(argc, argv, a)) return bench::usage(argv[0]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Outcome o;
    // download_qda is WinHTTP's QueryDataAvailable + ReadData pattern; curl has no such call,
    // so its side is the plain download (its write callback gets what each recv returned).
    if (a.workload == "seq" || a.workload == "download" || a.workload == "download_qda") {
        o = run_seq(a);
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
    int rc = bench::report(o);
    curl_global_cleanup();
    return rc;
}
