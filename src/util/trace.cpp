#include "util/trace.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <ctime>
#include <mutex>
#include <string>

#include <winhttp.h>

#include "http1/message.h"
#include "util/error_names.h"
#include "util/option_names.h"
#include "util/wide.h"

namespace winhttp::trace {

std::atomic<int> g_level{0};

namespace {

std::mutex g_mutex;

// The arguments of this thread's API calls in progress (call()), for their result lines: a
// small stack, since an API call may make others (the PAC download runs WinHttpOpen...).
struct PendingCall {
    const char* function = nullptr;
    char args[600] = {};
};
constexpr int kMaxPending = 4;
struct PendingCalls {
    PendingCall calls[kMaxPending];
    int depth = 0;
};
thread_local PendingCalls t_calls;
std::FILE* g_sink = nullptr;  // under g_mutex; stderr or a file opened in append mode

// Opens the sink of OPENWINHTTP_TRACE (or stderr); the caller holds g_mutex.
std::FILE* open_sink(std::string_view name) {
    if (name.empty() || name == "stderr") return stderr;
    const std::string path(name);
    std::FILE* f = std::fopen(path.c_str(), "ae");
    if (!f) return stderr;
    std::setvbuf(f, nullptr, _IOLBF, 0);
    return f;
}

// Reads OPENWINHTTP_TRACE once, when the library is loaded.
struct EnvSetting {
    EnvSetting() {
        const char* v = std::getenv("OPENWINHTTP_TRACE");
        std::string_view sink;
        int level = 0;
        if (!v || !parse_setting(v, sink, level)) return;
        std::lock_guard lock(g_mutex);
        g_sink = open_sink(sink);
        g_level.store(level, std::memory_order_relaxed);
    }
} g_env_setting;

// "WinHttpConnect" out of "void* WinHttpConnect(HINTERNET, LPCWSTR, INTERNET_PORT, DWORD)".
std::string_view function_name(std::string_view sig) {
    sig = sig.substr(0, sig.find('('));
    const size_t start = sig.find_last_of(" *&:");
    return start == std::string_view::npos ? sig : sig.substr(start + 1);
}

bool iequals_prefix(std::string_view line, std::string_view name) {
    if (line.size() <= name.size() || line[name.size()] != ':') return false;
    for (size_t i = 0; i < name.size(); ++i) {
        const char a = line[i] >= 'A' && line[i] <= 'Z' ? static_cast<char>(line[i] + 32) : line[i];
        if (a != name[i]) return false;
    }
    return true;
}

}  // namespace

bool parse_setting(std::string_view value, std::string_view& sink, int& level) noexcept {
    level = 2;
    sink = value;
    // "FILE:1" / "stderr:2": a trailing ":<digit>" is the level.
    if (value.size() >= 2 && value[value.size() - 2] == ':' && value.back() >= '0' &&
        value.back() <= '9') {
        level = value.back() - '0';
        sink = value.substr(0, value.size() - 2);
    }
    if (level > 2) level = 2;
    if (value.empty() || value == "0" || value == "off" || level == 0) return false;
    if (sink.empty() || sink == "1") sink = "stderr";
    return true;
}

void line(const char* fmt, ...) noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    ::gmtime_r(&ts.tv_sec, &utc);
    char prefix[64];
    const size_t n = std::strftime(prefix, sizeof prefix, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(prefix + n, sizeof prefix - n, ".%06ldZ [%ld] ", ts.tv_nsec / 1000,
                  static_cast<long>(::syscall(SYS_gettid)));
    char text[1024];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    std::lock_guard lock(g_mutex);
    std::FILE* f = g_sink ? g_sink : stderr;
    std::fprintf(f, "openwinhttp %s%s\n", prefix, text);
}

void api_result(const char* where, DWORD error) noexcept {
    const std::string_view name = function_name(where);
    const int n = static_cast<int>(name.size());
    // The innermost pending call of this name; any above it ended without a result line.
    PendingCalls& p = t_calls;
    for (int i = p.depth - 1; i >= 0; --i) {
        if (name != p.calls[i].function) continue;
        p.depth = i;
        line("api %.*s(%s) -> %s (%u)", n, name.data(), p.calls[i].args, error_name(error), error);
        return;
    }
    line("api %.*s -> %s (%u)", n, name.data(), error_name(error), error);
}

void call(const char* function, const char* fmt, ...) noexcept {
    PendingCalls& p = t_calls;
    if (p.depth == kMaxPending) {  // full of calls that never reported: drop the oldest
        std::memmove(&p.calls[0], &p.calls[1], sizeof(PendingCall) * (kMaxPending - 1));
        --p.depth;
    }
    PendingCall& c = p.calls[p.depth++];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(c.args, sizeof c.args, fmt, args);
    va_end(args);
    c.function = function;
}

namespace {

// Appends `c` to `out` as C would write it inside a string literal.
void append_escaped(std::string& out, char32_t c) {
    switch (c) {
        case '"': out += "\\\""; return;
        case '\\': out += "\\\\"; return;
        case '\r': out += "\\r"; return;
        case '\n': out += "\\n"; return;
        case '\t': out += "\\t"; return;
        default: break;
    }
    if (c < 0x20 || c == 0x7F) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(c));
        out += hex;
    } else if (c < 0x80) {
        out += static_cast<char>(c);
    } else {
        const wchar_t w = static_cast<wchar_t>(c);
        out += to_utf8(std::wstring_view(&w, 1));
    }
}

Text quoted(std::string_view body, bool cut) {
    Text t{};
    std::snprintf(t.s, sizeof t.s, "\"%.*s\"%s", static_cast<int>(body.size()), body.data(), cut ? "..." : "");
    return t;
}

size_t wide_length(const wchar_t* text, DWORD len) {
    return len == static_cast<DWORD>(-1) ? std::wcslen(text) : len;
}

constexpr size_t kMaxChars = 64;

}  // namespace

Text str(const wchar_t* text, DWORD len) noexcept {
    if (!text) return Text{"NULL"};
    const size_t n = wide_length(text, len);
    std::string body;
    for (size_t i = 0; i < n && i < kMaxChars; ++i) append_escaped(body, static_cast<char32_t>(text[i]));
    return quoted(body, n > kMaxChars);
}

Text headers(const wchar_t* text, DWORD len) noexcept {
    if (!text) return Text{"NULL"};
    const std::string all = to_utf8(std::wstring_view(text, wide_length(text, len)));
    std::string body;
    std::string_view rest(all);
    bool cut = false;
    while (!rest.empty()) {
        const size_t end = rest.find('\n');
        std::string_view l = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        const bool crlf = !l.empty() && l.back() == '\r';
        if (crlf) l.remove_suffix(1);
        char redacted[300];
        redact_line(l, redacted, sizeof redacted);
        for (const char* p = redacted; *p; ++p) {
            const auto byte = static_cast<unsigned char>(*p);
            if (byte >= 0x80) body += *p;  // already UTF-8
            else append_escaped(body, byte);
        }
        if (crlf) body += "\\r";
        if (end != std::string_view::npos) body += "\\n";
        if (body.size() > 150) {
            body.resize(150);
            cut = true;
            break;
        }
    }
    return quoted(body, cut);
}

Text option(DWORD o) noexcept {
    Text t{};
    if (const char* name = option_name(o)) std::snprintf(t.s, sizeof t.s, "%s", name);
    else std::snprintf(t.s, sizeof t.s, "%u", o);
    return t;
}

Text option_value(DWORD o, const void* buffer, DWORD len) noexcept {
    Text t{};
    switch (o) {
        case WINHTTP_OPTION_USERNAME:
        case WINHTTP_OPTION_PASSWORD:
        case WINHTTP_OPTION_PROXY_USERNAME:
        case WINHTTP_OPTION_PROXY_PASSWORD:
            std::snprintf(t.s, sizeof t.s, "[redacted], %u", len);
            return t;
        default: break;
    }
    if (buffer && len == sizeof(DWORD)) {
        DWORD v = 0;
        std::memcpy(&v, buffer, sizeof v);
        std::snprintf(t.s, sizeof t.s, "&%u, %u", v, len);
    } else {
        std::snprintf(t.s, sizeof t.s, "%p, %u", buffer, len);
    }
    return t;
}

Text access_type(DWORD type) noexcept {
    Text t{};
    switch (type) {
        case WINHTTP_ACCESS_TYPE_DEFAULT_PROXY: return Text{"WINHTTP_ACCESS_TYPE_DEFAULT_PROXY"};
        case WINHTTP_ACCESS_TYPE_NO_PROXY: return Text{"WINHTTP_ACCESS_TYPE_NO_PROXY"};
        case WINHTTP_ACCESS_TYPE_NAMED_PROXY: return Text{"WINHTTP_ACCESS_TYPE_NAMED_PROXY"};
        case WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY: return Text{"WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY"};
        default: std::snprintf(t.s, sizeof t.s, "%u", type); return t;
    }
}

void handle(const char* what, const void* h, const char* type) noexcept {
    line("handle %p %s%s%s", h, what, type ? " " : "", type ? type : "");
}

void notification(const void* h, DWORD status, DWORD info_len) noexcept {
    line("notify %p %s (len %u)", h, status_name(status), info_len);
}

void redact_line(std::string_view l, char* out, size_t out_size) noexcept {
    for (std::string_view secret : {"authorization", "proxy-authorization", "cookie", "set-cookie"}) {
        if (iequals_prefix(l, secret)) {
            std::snprintf(out, out_size, "%.*s: [redacted]", static_cast<int>(secret.size()), l.data());
            return;
        }
    }
    std::snprintf(out, out_size, "%.*s", static_cast<int>(l.size()), l.data());
}

void connection(const void* h, const std::string& key, bool reused, DWORD tls_protocol,
                const std::string& cipher) noexcept {
    const char* tls = tls_protocol == WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3   ? " TLSv1.3 "
                      : tls_protocol == WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2 ? " TLSv1.2 "
                      : tls_protocol                                         ? " TLS "
                                                                             : "";
    line("conn %p %s %s%s%s", h, reused ? "reused" : "new", key.c_str(), tls, tls_protocol ? cipher.c_str() : "");
}

void response_head(const void* h, const http1::ResponseHead& head) noexcept {
    line("< %p HTTP/%u.%u %u %s", h, head.version_major, head.version_minor, head.status, head.reason.c_str());
    for (const http1::Header& f : head.headers) {
        const std::string l = f.name + ": " + f.value;
        char text[900];
        redact_line(l, text, sizeof text);
        line("< %p %s", h, text);
    }
}

void head(const void* h, char direction, std::string_view raw) noexcept {
    while (!raw.empty()) {
        size_t end = raw.find('\n');
        std::string_view l = raw.substr(0, end);
        raw = end == std::string_view::npos ? std::string_view() : raw.substr(end + 1);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (l.empty()) continue;
        char text[900];
        redact_line(l, text, sizeof text);
        line("%c %p %s", direction, h, text);
    }
}

DWORD query_enabled(void* buffer, DWORD* length) noexcept {
    if (!buffer || *length < sizeof(BOOL)) {
        *length = sizeof(BOOL);
        return ERROR_INSUFFICIENT_BUFFER;
    }
    const BOOL enabled = on() ? TRUE : FALSE;
    std::memcpy(buffer, &enabled, sizeof enabled);
    *length = sizeof(BOOL);
    return ERROR_SUCCESS;
}

DWORD set_enabled(const void* buffer, DWORD length) noexcept {
    if (!buffer || length < sizeof(BOOL)) return ERROR_INSUFFICIENT_BUFFER;
    BOOL enable = FALSE;
    std::memcpy(&enable, buffer, sizeof enable);
    std::lock_guard lock(g_mutex);
    // OPENWINHTTP_TRACE, set by now (whttp --trace FILE does so), names the sink.
    if (enable && (!g_sink || g_sink == stderr)) {
        std::string_view sink;
        int level = 0;
        const char* v = std::getenv("OPENWINHTTP_TRACE");
        g_sink = v && parse_setting(v, sink, level) ? open_sink(sink) : stderr;
    }
    // The call that turned the trace off left its arguments here without a result line; a
    // later WinHttpSetOption must not report them as its own.
    if (enable) t_calls.depth = 0;
    g_level.store(enable ? 2 : 0, std::memory_order_relaxed);
    return ERROR_SUCCESS;
}

void async_result(const void* h, DWORD api, DWORD count, DWORD error) noexcept {
    const char* name = api == API_RECEIVE_RESPONSE       ? "API_RECEIVE_RESPONSE"
                       : api == API_QUERY_DATA_AVAILABLE ? "API_QUERY_DATA_AVAILABLE"
                       : api == API_READ_DATA            ? "API_READ_DATA"
                       : api == API_WRITE_DATA           ? "API_WRITE_DATA"
                       : api == API_SEND_REQUEST         ? "API_SEND_REQUEST"
                       : api == API_GET_PROXY_FOR_URL    ? "API_GET_PROXY_FOR_URL"
                                                         : "API_UNKNOWN";
    line("async %p %s done: %u bytes -> %s (%u)", h, name, count, error_name(error), error);
}

const char* ws_opcode_name(unsigned opcode) noexcept {
    switch (opcode) {
        case 0x0: return "continuation";
        case 0x1: return "text";
        case 0x2: return "binary";
        case 0x8: return "close";
        case 0x9: return "ping";
        case 0xA: return "pong";
        default: return "reserved";
    }
}

const char* status_name(DWORD status) noexcept {
    switch (status) {
        case WINHTTP_CALLBACK_STATUS_RESOLVING_NAME: return "WINHTTP_CALLBACK_STATUS_RESOLVING_NAME";
        case WINHTTP_CALLBACK_STATUS_NAME_RESOLVED: return "WINHTTP_CALLBACK_STATUS_NAME_RESOLVED";
        case WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER: return "WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER";
        case WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER: return "WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER";
        case WINHTTP_CALLBACK_STATUS_SENDING_REQUEST: return "WINHTTP_CALLBACK_STATUS_SENDING_REQUEST";
        case WINHTTP_CALLBACK_STATUS_REQUEST_SENT: return "WINHTTP_CALLBACK_STATUS_REQUEST_SENT";
        case WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE: return "WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE";
        case WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED: return "WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED";
        case WINHTTP_CALLBACK_STATUS_CLOSING_CONNECTION: return "WINHTTP_CALLBACK_STATUS_CLOSING_CONNECTION";
        case WINHTTP_CALLBACK_STATUS_CONNECTION_CLOSED: return "WINHTTP_CALLBACK_STATUS_CONNECTION_CLOSED";
        case WINHTTP_CALLBACK_STATUS_HANDLE_CREATED: return "WINHTTP_CALLBACK_STATUS_HANDLE_CREATED";
        case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING: return "WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING";
        case WINHTTP_CALLBACK_STATUS_DETECTING_PROXY: return "WINHTTP_CALLBACK_STATUS_DETECTING_PROXY";
        case WINHTTP_CALLBACK_STATUS_REDIRECT: return "WINHTTP_CALLBACK_STATUS_REDIRECT";
        case WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE: return "WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE";
        case WINHTTP_CALLBACK_STATUS_SECURE_FAILURE: return "WINHTTP_CALLBACK_STATUS_SECURE_FAILURE";
        case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE: return "WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE";
        case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: return "WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE";
        case WINHTTP_CALLBACK_STATUS_READ_COMPLETE: return "WINHTTP_CALLBACK_STATUS_READ_COMPLETE";
        case WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE: return "WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE";
        case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: return "WINHTTP_CALLBACK_STATUS_REQUEST_ERROR";
        case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE: return "WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE";
        case WINHTTP_CALLBACK_STATUS_GETPROXYFORURL_COMPLETE: return "WINHTTP_CALLBACK_STATUS_GETPROXYFORURL_COMPLETE";
        case WINHTTP_CALLBACK_STATUS_CLOSE_COMPLETE: return "WINHTTP_CALLBACK_STATUS_CLOSE_COMPLETE";
        case WINHTTP_CALLBACK_STATUS_SHUTDOWN_COMPLETE: return "WINHTTP_CALLBACK_STATUS_SHUTDOWN_COMPLETE";
        case WINHTTP_CALLBACK_STATUS_GETPROXYSETTINGS_COMPLETE: return "WINHTTP_CALLBACK_STATUS_GETPROXYSETTINGS_COMPLETE";
        case WINHTTP_CALLBACK_STATUS_SETTINGS_WRITE_COMPLETE: return "WINHTTP_CALLBACK_STATUS_SETTINGS_WRITE_COMPLETE";
        case WINHTTP_CALLBACK_STATUS_SETTINGS_READ_COMPLETE: return "WINHTTP_CALLBACK_STATUS_SETTINGS_READ_COMPLETE";
        default: return "WINHTTP_CALLBACK_STATUS_UNKNOWN";
    }
}

}  // namespace winhttp::trace
