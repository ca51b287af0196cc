// One request driven the way an application drives it, in synchronous or asynchronous mode,
// so that a test can run the same scenario both ways and compare what came back.
//
// Async mode follows Microsoft's asynchronous sample ("Asynchronous Completion in WinHTTP"):
// the status callback starts the next call on each completion
//   SendRequest -> [WriteData...] -> ReceiveResponse -> QueryDataAvailable -> ReadData -> ...
// reads the status and headers with WinHttpQueryHeaders inside HEADERS_AVAILABLE, and ends on
// DATA_AVAILABLE(0), READ_COMPLETE(0) or REQUEST_ERROR. Sync mode makes the same calls in a
// plain loop on the test thread. Every wait is bounded.
//
//     Response r = run_request_in(Mode::Async, connect, RequestSpec{.path = L"/hello.txt"});
//     EXPECT_EQ(r.status, 200u);
#pragma once
#include <winhttp.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http_test_util.h"

namespace itest {

enum class Mode { Sync, Async };

inline const char* mode_name(Mode m) { return m == Mode::Sync ? "Sync" : "Async"; }

// What the application sends.
struct RequestSpec {
    std::wstring verb = L"GET";
    std::wstring path = L"/";
    std::wstring headers;             // extra headers passed to WinHttpSendRequest
    std::string optional;             // body passed to WinHttpSendRequest
    std::vector<std::string> writes;  // then WinHttpWriteData, one call each, in order
    DWORD total_len = 0;              // 0: optional + writes, unless the app sends chunked
    DWORD decompression = 0;          // WINHTTP_OPTION_DECOMPRESSION when not 0
    DWORD read_size = 8192;           // ReadData buffer size
    bool query_first = true;          // QueryDataAvailable before each ReadData
    DWORD open_flags = 0;             // WinHttpOpenRequest flags (WINHTTP_FLAG_SECURE, ...)
};

// What came back. `api` names the failing call (API_SEND_REQUEST, ...; 0 when all succeeded),
// whichever mode ran it: the async REQUEST_ERROR's dwResult, or the sync call that failed.
struct Response {
    DWORD api = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD status = 0;
    std::wstring content_type;
    std::wstring content_length;
    std::wstring content_encoding;
    std::wstring url;                     // WINHTTP_OPTION_URL once the headers are in
    std::vector<std::wstring> redirects;  // REDIRECT notifications, in order
    std::string body;
    bool hung = false;  // no outcome within the bound

    bool operator==(const Response& o) const {
        return api == o.api && error == o.error && status == o.status &&
               content_type == o.content_type && content_length == o.content_length &&
               content_encoding == o.content_encoding && url == o.url &&
               redirects == o.redirects && body == o.body && hung == o.hung;
    }
};

inline std::ostream& operator<<(std::ostream& out, const Response& r) {
    out << "{api=" << r.api << " error=" << r.error << " status=" << r.status
        << " type=" << narrow(r.content_type) << " length=" << narrow(r.content_length)
        << " encoding=" << narrow(r.content_encoding) << " url=" << narrow(r.url)
        << " redirects=" << r.redirects.size() << " body=" << r.body.size() << " bytes"
        << (r.hung ? " HUNG" : "") << "}";
    return out;
}

// Drives one request. The object is the request's context value, so it must outlive
// HANDLE_CLOSING (run_request_in keeps it alive on a timeout).
class Driver {
  public:
    Driver(RequestSpec spec, Mode mode) : spec_(std::move(spec)), mode_(mode) {
        buf_.resize(spec_.read_size);
    }
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    static void CALLBACK callback(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info,
                                  DWORD len) {
        if (ctx) reinterpret_cast<Driver*>(ctx)->on_status(h, status, info, len);
    }
    DWORD_PTR context() const { return reinterpret_cast<DWORD_PTR>(this); }

    // Sync: runs the whole request. Async: starts it; completions drive the rest.
    void start(HINTERNET request) {
        if (mode_ == Mode::Sync) return run_sync(request);
        const DWORD total = total_length();
        if (!WinHttpSendRequest(request, headers(), headers_len(), optional(), optional_len(),
                                total, context()))
            finish(API_SEND_REQUEST, GetLastError());
    }

    bool wait_done(std::chrono::milliseconds bound) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, bound, [&] { return done_; });
    }
    bool wait_closed(std::chrono::milliseconds bound) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, bound, [&] { return closed_; });
    }
    Response response() const {
        std::lock_guard lock(mutex_);
        return result_;
    }

  private:
    LPCWSTR headers() const {
        return spec_.headers.empty() ? WINHTTP_NO_ADDITIONAL_HEADERS : spec_.headers.c_str();
    }
    DWORD headers_len() const { return static_cast<DWORD>(spec_.headers.size()); }
    LPVOID optional() {
        return spec_.optional.empty() ? WINHTTP_NO_REQUEST_DATA : spec_.optional.data();
    }
    DWORD optional_len() const { return static_cast<DWORD>(spec_.optional.size()); }
    bool chunked() const { return spec_.headers.find(L"chunked") != std::wstring::npos; }
    DWORD total_length() const {
        if (spec_.total_len || chunked()) return spec_.total_len;
        size_t n = spec_.optional.size();
        for (const auto& w : spec_.writes) n += w.size();
        return static_cast<DWORD>(n);
    }

    // --- sync ---------------------------------------------------------------------------
    void run_sync(HINTERNET h) {
        if (!WinHttpSendRequest(h, headers(), headers_len(), optional(), optional_len(),
                                total_length(), context()))
            return finish(API_SEND_REQUEST, GetLastError());
        for (const auto& w : spec_.writes) {
            DWORD written = 0;
            if (!WinHttpWriteData(h, w.data(), static_cast<DWORD>(w.size()), &written))
                return finish(API_WRITE_DATA, GetLastError());
        }
        if (!WinHttpReceiveResponse(h, nullptr)) return finish(API_RECEIVE_RESPONSE, GetLastError());
        collect_headers(h);
        for (;;) {
            DWORD want = spec_.read_size;
            if (spec_.query_first) {
                DWORD avail = 0;
                if (!WinHttpQueryDataAvailable(h, &avail))
                    return finish(API_QUERY_DATA_AVAILABLE, GetLastError());
                if (avail == 0) return finish(0, ERROR_SUCCESS);
                want = std::min(avail, want);
            }
            DWORD got = 0;
            if (!WinHttpReadData(h, buf_.data(), want, &got))
                return finish(API_READ_DATA, GetLastError());
            if (got == 0) return finish(0, ERROR_SUCCESS);
            append(got);
        }
    }

    // --- async --------------------------------------------------------------------------
    void on_status(HINTERNET h, DWORD status, LPVOID info, DWORD len) {
        switch (status) {
            case WINHTTP_CALLBACK_STATUS_REDIRECT: {
                std::lock_guard lock(mutex_);
                result_.redirects.emplace_back(static_cast<const wchar_t*>(info), len);
                break;
            }
            case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
            case WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE: after_send(h); break;
            case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
                collect_headers(h);
                next_read(h);
                break;
            case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: {
                const DWORD avail = *static_cast<DWORD*>(info);
                if (avail == 0) return finish(0, ERROR_SUCCESS);
                read(h, std::min(avail, spec_.read_size));
                break;
            }
            case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
                if (len == 0) return finish(0, ERROR_SUCCESS);
                append(len);
                next_read(h);
                break;
            case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: {
                const auto* r = static_cast<WINHTTP_ASYNC_RESULT*>(info);
                finish(static_cast<DWORD>(r->dwResult), r->dwError);
                break;
            }
            case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING: {
                std::lock_guard lock(mutex_);
                closed_ = true;
                changed_.notify_all();
                break;
            }
            default: break;
        }
    }

    void after_send(HINTERNET h) {
        if (next_write_ < spec_.writes.size()) {
            const std::string& w = spec_.writes[next_write_++];
            if (!WinHttpWriteData(h, w.data(), static_cast<DWORD>(w.size()), nullptr))
                finish(API_WRITE_DATA, GetLastError());
            return;
        }
        if (!WinHttpReceiveResponse(h, nullptr)) finish(API_RECEIVE_RESPONSE, GetLastError());
    }

    void next_read(HINTERNET h) {
        if (!spec_.query_first) return read(h, spec_.read_size);
        if (!WinHttpQueryDataAvailable(h, nullptr)) finish(API_QUERY_DATA_AVAILABLE, GetLastError());
    }

    void read(HINTERNET h, DWORD n) {
        if (!WinHttpReadData(h, buf_.data(), n, nullptr)) finish(API_READ_DATA, GetLastError());
    }

    // --- both ---------------------------------------------------------------------------
    void collect_headers(HINTERNET h) {
        Response r;
        r.status = status_code(h);
        r.content_type = optional_header(h, WINHTTP_QUERY_CONTENT_TYPE);
        r.content_length = optional_header(h, WINHTTP_QUERY_CONTENT_LENGTH);
        r.content_encoding = optional_header(h, WINHTTP_QUERY_CONTENT_ENCODING);
        r.url = query_url(h);
        std::lock_guard lock(mutex_);
        result_.status = r.status;
        result_.content_type = r.content_type;
        result_.content_length = r.content_length;
        result_.content_encoding = r.content_encoding;
        result_.url = r.url;
    }

    static std::wstring optional_header(HINTERNET h, DWORD level) {
        std::wstring s;
        DWORD e = 0;
        return query_string(h, level, s, WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_HEADER_INDEX, &e)
                   ? s
                   : std::wstring();
    }

    void append(DWORD n) {
        std::lock_guard lock(mutex_);
        result_.body.append(buf_.data(), std::min<size_t>(n, buf_.size()));
    }

    void finish(DWORD api, DWORD error) {
        std::lock_guard lock(mutex_);
        if (done_) return;
        done_ = true;
        result_.api = api;
        result_.error = error;
        changed_.notify_all();
    }

    RequestSpec spec_;
    const Mode mode_;
    std::vector<char> buf_;
    size_t next_write_ = 0;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    Response result_;
    bool done_ = false;
    bool closed_ = false;
};

// A session for `mode` with bounded timeouts.
inline Handle open_mode_session(Mode mode, int timeout_ms = 5000) {
    Handle s = open_session(mode == Mode::Async ? WINHTTP_FLAG_ASYNC : 0);
    EXPECT_TRUE(s) << GetLastError();
    if (s) WinHttpSetTimeouts(s, timeout_ms, timeout_ms, timeout_ms, timeout_ms);
    return s;
}

// Opens a request on `connect`, runs `spec` in `mode`, closes the request and waits for its
// HANDLE_CLOSING. A driver whose HANDLE_CLOSING never came is kept alive on purpose.
inline Response run_request_in(Mode mode, HINTERNET connect, const RequestSpec& spec,
                               std::chrono::milliseconds bound = std::chrono::seconds(15)) {
    Handle request(WinHttpOpenRequest(connect, spec.verb.c_str(), spec.path.c_str(), nullptr,
                                      WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES,
                                      spec.open_flags));
    EXPECT_TRUE(request) << GetLastError();
    if (!request) return Response{.api = 0xFFFFFFFF, .error = GetLastError()};
    auto driver = std::make_unique<Driver>(spec, mode);
    DWORD_PTR ctx = driver->context();
    EXPECT_TRUE(WinHttpSetOption(request, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof ctx));
    const DWORD mask = WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS | WINHTTP_CALLBACK_FLAG_REDIRECT |
                       WINHTTP_CALLBACK_FLAG_HANDLES;
    EXPECT_NE(WinHttpSetStatusCallback(request, &Driver::callback, mask, 0),
              WINHTTP_INVALID_STATUS_CALLBACK);
    if (spec.decompression)
        EXPECT_TRUE(set_dword_option(request, WINHTTP_OPTION_DECOMPRESSION, spec.decompression));
    driver->start(request);
    const bool done = driver->wait_done(bound);
    Response r = driver->response();
    r.hung = !done;
    request.reset();
    if (!driver->wait_closed(std::chrono::seconds(5))) {
        ADD_FAILURE() << mode_name(mode) << ": no HANDLE_CLOSING within 5 s of close";
        static std::mutex m;
        static std::vector<std::unique_ptr<Driver>> graveyard;
        std::lock_guard lock(m);
        graveyard.push_back(std::move(driver));
    }
    return r;
}

}  // namespace itest
