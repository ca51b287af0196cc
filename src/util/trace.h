// The library's trace (docs/design/tracing.md): OPENWINHTTP_TRACE=stderr|FILE[:level] or
// WINHTTP_OPTION_ENABLETRACING. One line per API result, handle created/closed, notification
// delivered, connection event and (level 2) request/response head, each with a UTC timestamp and
// the thread id. Off, every hook costs one relaxed load and a predictable branch: call sites
// read `if (trace::on()) trace::...(...)` and build nothing before the test.
#pragma once
#include <windows.h>

#include <atomic>
#include <string>
#include <string_view>

namespace winhttp::http1 {
struct ResponseHead;
}

namespace winhttp::trace {

// 0: off; 1: API results, handles, notifications, connection events; 2: also the heads.
extern std::atomic<int> g_level;

inline bool on(int level = 1) noexcept {
    return __builtin_expect(g_level.load(std::memory_order_relaxed) >= level, 0);
}

// One formatted line (no newline needed), with the timestamp and thread id in front.
void line(const char* fmt, ...) noexcept __attribute__((format(printf, 1, 2)));

// "api WinHttpConnect -> ERROR_SUCCESS (0)": `where` is the calling function's name (SourceLocation, core/last_error.h).
// When this thread's last call() named the same function, its arguments go in the line:
// "api WinHttpConnect(0x1000001, \"example.com\", 443, 0) -> ERROR_SUCCESS (0)".
void api_result(const char* where, DWORD error) noexcept;

// An API function's entry: remembers its arguments (printf-formatted) for the result line
// api_result writes when the same function returns. Call it only through OPENWINHTTP_TRACE_CALL,
// so that nothing is formatted while the trace is off.
void call(const char* function, const char* fmt, ...) noexcept __attribute__((format(printf, 2, 3)));

// Argument text for call()'s %s, in a buffer that lives to the end of the full expression.
struct Text {
    char s[200];
    const char* c_str() const noexcept { return s; }
};
// A string argument quoted, at most 64 characters then "...", or NULL; `len` (DWORD)-1: to the NUL.
Text str(const wchar_t* text, DWORD len = static_cast<DWORD>(-1)) noexcept;
// Header lines quoted, each redacted as the heads are (Authorization, Cookie, ...).
Text headers(const wchar_t* text, DWORD len) noexcept;
// An option by macro name ("WINHTTP_OPTION_CONNECT_TIMEOUT"), else its number.
Text option(DWORD option) noexcept;
// A SetOption buffer: "[redacted]" for the credential options, the DWORD for a DWORD-sized
// buffer, else the buffer's address and length.
Text option_value(DWORD option, const void* buffer, DWORD len) noexcept;
// An access type by macro name (WinHttpOpen), else its number.
Text access_type(DWORD type) noexcept;

// One trace line when the trace is on; nothing is evaluated when it is off.
#define OPENWINHTTP_TRACE_LINE(...)                                   \
    do {                                                              \
        if (::winhttp::trace::on()) ::winhttp::trace::line(__VA_ARGS__); \
    } while (0)
// An API function's arguments (see call()); nothing is evaluated when the trace is off.
#define OPENWINHTTP_TRACE_CALL(...)                                              \
    do {                                                                         \
        if (::winhttp::trace::on()) ::winhttp::trace::call(__func__, __VA_ARGS__); \
    } while (0)

// "handle 0x... created Request" / "handle 0x... closed".
void handle(const char* what, const void* h, const char* type) noexcept;

// "notify 0x... WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE (len 0)".
void notification(const void* h, DWORD status, DWORD info_len) noexcept;

// "conn 0x... new|reused <pool key> TLSv1.3 TLS_AES_256_GCM_SHA384" when a request has its
// connection (`tls_protocol`: WINHTTP_FLAG_SECURE_PROTOCOL_*, 0 for plain TCP).
void connection(const void* h, const std::string& key, bool reused, DWORD tls_protocol,
                const std::string& cipher) noexcept;

// Level 2: each line of an HTTP head, prefixed "> " (sent) or "< " (received); the values of
// Authorization, Proxy-Authorization, Cookie and Set-Cookie are replaced by "[redacted]".
void head(const void* h, char direction, std::string_view raw) noexcept;
void response_head(const void* h, const http1::ResponseHead& head) noexcept;

// WinHttpQueryOption / WinHttpSetOption(NULL, WINHTTP_OPTION_ENABLETRACING): a BOOL. TRUE turns
// the full trace on (to OPENWINHTTP_TRACE's sink, else stderr); FALSE turns it off.
DWORD query_enabled(void* buffer, DWORD* length) noexcept;
DWORD set_enabled(const void* buffer, DWORD length) noexcept;

// "async 0x... API_READ_DATA done: 100 bytes -> ERROR_SUCCESS (0)": an asynchronous operation
// finished, whether or not the application asked for its notification.
void async_result(const void* h, DWORD api, DWORD count, DWORD error) noexcept;

// A WebSocket frame's opcode (RFC 6455 5.2) by name: "text", "binary", "close", ...
const char* ws_opcode_name(unsigned opcode) noexcept;

// The callback status's macro name, or "WINHTTP_CALLBACK_STATUS_UNKNOWN".
const char* status_name(DWORD status) noexcept;

// Parses an OPENWINHTTP_TRACE value ("stderr", "/tmp/t.log:1", ...) into a sink and a level;
// false when the value turns nothing on. Exposed for the unit tests.
bool parse_setting(std::string_view value, std::string_view& sink, int& level) noexcept;

// Redacts one header line for the trace (exposed for the unit tests).
void redact_line(std::string_view line, char* out, size_t out_size) noexcept;

}  // namespace winhttp::trace
