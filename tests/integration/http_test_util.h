// Small helpers shared by the HTTP/1.1 integration tests: handle ownership, a client chain on
// 127.0.0.1, body reading, header queries and a stopwatch for "no hang" bounds.
// Written only against the public API, as an application would.
#pragma once
#include <winhttp.h>

#include <gtest/gtest.h>
#include <zlib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace itest {

constexpr DWORD kSentinel = 0xDEADBEEF;
constexpr const wchar_t* kAgent = L"OpenWinHTTP-itest/1.0";
constexpr const char* kAgentA = "OpenWinHTTP-itest/1.0";
const HINTERNET kGarbage = reinterpret_cast<HINTERNET>(static_cast<uintptr_t>(0x7654321));

// Owns one HINTERNET and closes it at scope exit.
class Handle {
public:
    Handle() = default;
    explicit Handle(HINTERNET h) : h_(h) {}
    Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Handle& operator=(Handle&& o) noexcept {
        reset(std::exchange(o.h_, nullptr));
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }

    HINTERNET get() const { return h_; }
    operator HINTERNET() const { return h_; }
    HINTERNET release() { return std::exchange(h_, nullptr); }
    void reset(HINTERNET h = nullptr) {
        if (h_) WinHttpCloseHandle(h_);
        h_ = h;
    }

private:
    HINTERNET h_ = nullptr;
};

inline Handle open_session(DWORD flags = 0, const wchar_t* agent = kAgent) {
    return Handle(WinHttpOpen(agent, WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                              WINHTTP_NO_PROXY_BYPASS, flags));
}

// Every wait of a test is bounded: 5 s unless a test sets its own.
inline void set_timeouts(HINTERNET h, int ms = 5000) {
    ASSERT_TRUE(WinHttpSetTimeouts(h, ms, ms, ms, ms)) << GetLastError();
}

inline bool set_dword_option(HINTERNET h, DWORD option, DWORD value) {
    return WinHttpSetOption(h, option, &value, sizeof(value));
}

// Session -> connect -> request, all synchronous, with bounded timeouts.
struct Client {
    Handle session, connect, request;
};

inline Client open_client(INTERNET_PORT port, const wchar_t* verb, const wchar_t* path,
                          const wchar_t* host = L"127.0.0.1", DWORD open_flags = 0,
                          const wchar_t* referrer = WINHTTP_NO_REFERER,
                          LPCWSTR* accept = WINHTTP_DEFAULT_ACCEPT_TYPES) {
    Client c;
    c.session = open_session();
    EXPECT_NE(c.session.get(), nullptr) << GetLastError();
    if (!c.session) return c;
    WinHttpSetTimeouts(c.session, 5000, 5000, 5000, 5000);
    c.connect = Handle(WinHttpConnect(c.session, host, port, 0));
    EXPECT_NE(c.connect.get(), nullptr) << GetLastError();
    if (!c.connect) return c;
    c.request = Handle(WinHttpOpenRequest(c.connect, verb, path, nullptr, referrer, accept,
                                          open_flags));
    EXPECT_NE(c.request.get(), nullptr) << GetLastError();
    return c;
}

// Opens another request on an existing connect handle.
inline Handle open_request(HINTERNET connect, const wchar_t* verb, const wchar_t* path,
                           DWORD open_flags = 0) {
    Handle r(WinHttpOpenRequest(connect, verb, path, nullptr, WINHTTP_NO_REFERER,
                                WINHTTP_DEFAULT_ACCEPT_TYPES, open_flags));
    EXPECT_NE(r.get(), nullptr) << GetLastError();
    return r;
}

inline std::string narrow(std::wstring_view w) {
    std::string s;
    s.reserve(w.size());
    for (wchar_t c : w) s.push_back(static_cast<char>(c));
    return s;
}

inline std::wstring widen(std::string_view s) {
    std::wstring w;
    w.reserve(s.size());
    for (char c : s) w.push_back(static_cast<wchar_t>(static_cast<unsigned char>(c)));
    return w;
}

// Reads the body with WinHttpReadData and a `chunk`-byte buffer until a read returns 0 bytes.
// Returns ERROR_SUCCESS or the error of the failing call (the body so far stays in `out`).
inline DWORD read_body(HINTERNET request, std::string& out, DWORD chunk = 4096) {
    std::vector<char> buf(chunk);
    for (int guard = 0; guard < 10'000'000; ++guard) {
        DWORD n = 0xFFFFFFFF;
        SetLastError(kSentinel);
        if (!WinHttpReadData(request, buf.data(), chunk, &n)) return GetLastError();
        if (n > chunk) return ERROR_INVALID_DATA;  // impossible count: report, do not overrun
        if (n == 0) return ERROR_SUCCESS;
        out.append(buf.data(), n);
    }
    return ERROR_INVALID_DATA;
}

// Sends (no body), receives and reads to the end. Returns the first failing step's error and
// names the step in `stage` ("send", "receive", "read"; "" when everything succeeded).
struct Outcome {
    std::string stage;
    DWORD error = ERROR_SUCCESS;
    std::string body;
};

inline Outcome run_request(HINTERNET request, LPVOID optional = WINHTTP_NO_REQUEST_DATA,
                           DWORD optional_len = 0, DWORD total_len = 0) {
    Outcome o;
    SetLastError(kSentinel);
    if (!WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, optional, optional_len,
                            total_len, 0)) {
        o.stage = "send";
        o.error = GetLastError();
        return o;
    }
    SetLastError(kSentinel);
    if (!WinHttpReceiveResponse(request, nullptr)) {
        o.stage = "receive";
        o.error = GetLastError();
        return o;
    }
    if (DWORD e = read_body(request, o.body)) {
        o.stage = "read";
        o.error = e;
    }
    return o;
}

// Queries a string header with the documented two-call pattern (size probe, then read).
// Returns true on success; on failure `error` holds GetLastError() of the failing call.
inline bool query_string(HINTERNET request, DWORD level, std::wstring& out,
                         const wchar_t* name = WINHTTP_HEADER_NAME_BY_INDEX,
                         DWORD* index = WINHTTP_NO_HEADER_INDEX, DWORD* error = nullptr) {
    DWORD size = 0;
    DWORD probe_index = index ? *index : 0;
    SetLastError(kSentinel);
    BOOL ok = WinHttpQueryHeaders(request, level, name, WINHTTP_NO_OUTPUT_BUFFER, &size,
                                  index ? &probe_index : WINHTTP_NO_HEADER_INDEX);
    DWORD e = GetLastError();
    if (ok || e != ERROR_INSUFFICIENT_BUFFER) {
        if (error) *error = ok ? ERROR_INVALID_DATA : e;
        return false;
    }
    std::vector<WCHAR> buf(size / sizeof(WCHAR) + 1, L'\0');
    SetLastError(kSentinel);
    if (!WinHttpQueryHeaders(request, level, name, buf.data(), &size, index)) {
        if (error) *error = GetLastError();
        return false;
    }
    out.assign(buf.data(), size / sizeof(WCHAR));
    if (error) *error = ERROR_SUCCESS;
    return true;
}

inline std::wstring header(HINTERNET request, DWORD level,
                           const wchar_t* name = WINHTTP_HEADER_NAME_BY_INDEX) {
    std::wstring s;
    DWORD e = 0;
    if (!query_string(request, level, s, name, WINHTTP_NO_HEADER_INDEX, &e))
        return L"<error " + std::to_wstring(e) + L">";
    return s;
}

inline DWORD status_code(HINTERNET request) {
    DWORD status = 0, size = sizeof(status);
    if (!WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             WINHTTP_HEADER_NAME_BY_INDEX, &status, &size,
                             WINHTTP_NO_HEADER_INDEX))
        return 0;
    return status;
}

inline std::wstring query_url(HINTERNET request) {
    DWORD size = 0;
    WinHttpQueryOption(request, WINHTTP_OPTION_URL, nullptr, &size);
    std::vector<WCHAR> buf(size / sizeof(WCHAR) + 1, L'\0');
    if (!WinHttpQueryOption(request, WINHTTP_OPTION_URL, buf.data(), &size))
        return L"<error " + std::to_wstring(GetLastError()) + L">";
    return std::wstring(buf.data());
}

// A loopback TCP port with nothing listening on it (bound, then released).
inline INTERNET_PORT unused_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof(a);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

class Stopwatch {
public:
    Stopwatch() : start_(std::chrono::steady_clock::now()) {}
    long long ms() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start_)
            .count();
    }

private:
    std::chrono::steady_clock::time_point start_;
};

// gzip framing (RFC 1952) with zlib, for compressed bodies.
inline std::string gzip(const std::string& in) {
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
              Z_OK);
    std::string out(deflateBound(&z, in.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

inline std::string gunzip(const std::string& in) {
    z_stream z{};
    EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
    std::string out;
    char buf[16384];
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof(buf);
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf, sizeof(buf) - z.avail_out);
    }
    EXPECT_EQ(rc, Z_STREAM_END);
    inflateEnd(&z);
    return out;
}

// "Host: 127.0.0.1:PORT" value for a loopback server.
inline std::string host_port(INTERNET_PORT port) { return "127.0.0.1:" + std::to_string(port); }

}  // namespace itest
