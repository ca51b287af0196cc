#include "util/url.h"

#include "util/wide.h"

#include <algorithm>

namespace winhttp {
namespace detail {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool is_alpha(wchar_t c) {
    return (c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z');
}
bool is_digit(wchar_t c) {
    return c >= L'0' && c <= L'9';
}
bool is_hex(wchar_t c) {
    return is_digit(c) || (c >= L'a' && c <= L'f') || (c >= L'A' && c <= L'F');
}
int hex_value(wchar_t c) {
    if (is_digit(c)) return c - L'0';
    return (c | 0x20) - L'a' + 10;
}

bool is_scheme_char(wchar_t c) {
    return is_alpha(c) || is_digit(c) || c == L'+' || c == L'-' || c == L'.';
}

// Length of a "scheme:" prefix (without the ':'), or npos when `s` does not start with one.
size_t scheme_length(std::wstring_view s) {
    if (s.empty() || !is_alpha(s[0])) return std::wstring_view::npos;
    size_t i = 1;
    while (i < s.size() && is_scheme_char(s[i])) ++i;
    return (i < s.size() && s[i] == L':') ? i : std::wstring_view::npos;
}

int scheme_id_of(std::wstring_view scheme) {
    if (iequals(scheme, L"http")) return INTERNET_SCHEME_HTTP;
    if (iequals(scheme, L"https")) return INTERNET_SCHEME_HTTPS;
    return 0;
}

// Bytes that may not appear raw in a request line (RFC 3986 excludes them from URIs). '%' is
// handled by the callers, since whether it is escaped depends on the flags.
bool is_unsafe_byte(unsigned char b) {
    if (b <= 0x20 || b >= 0x7F) return true;
    return std::string_view("\"<>[\\]^`{|}").find(static_cast<char>(b)) != std::string_view::npos;
}

// Port digits -> value. False for an empty string, a non-digit or a value above 65535. Port 0 is
// accepted and returned as 0 (Wine url.c, verified on Windows: "http://winehq.org:0" cracks).
bool parse_port(std::wstring_view text, INTERNET_PORT& port) {
    if (text.empty()) return false;
    unsigned value = 0;
    for (const wchar_t c : text) {
        if (!is_digit(c)) return false;
        value = value * 10 + static_cast<unsigned>(c - L'0');
        if (value > 65535) return false;  // checked per digit, so it cannot overflow
    }
    port = static_cast<INTERNET_PORT>(value);
    return true;
}

// An IPv6 literal between the brackets: hex digits, ':' and '.' (embedded IPv4), at least one
// ':', optionally a "%zone" suffix of letters, digits, '.', '_', '-' or '~'.
bool is_ipv6_literal(std::wstring_view inner) {
    const size_t zone = inner.find(L'%');
    const std::wstring_view addr = inner.substr(0, zone);
    if (addr.find(L':') == std::wstring_view::npos) return false;
    for (const wchar_t c : addr) {
        if (!is_hex(c) && c != L':' && c != L'.') return false;
    }
    if (zone == std::wstring_view::npos) return true;
    const std::wstring_view id = inner.substr(zone + 1);
    if (id.empty()) return false;
    for (const wchar_t c : id) {
        if (!is_alpha(c) && !is_digit(c) && c != L'.' && c != L'_' && c != L'-' && c != L'~') {
            return false;
        }
    }
    return true;
}

// Splits "host[:port]" (host possibly "[v6]"). Fills host/port/explicit_port of `out`.
DWORD split_host_port(std::wstring_view hostport, UrlSpan& out) {
    std::wstring_view port_text;
    bool has_port = false;
    if (!hostport.empty() && hostport[0] == L'[') {
        const size_t close = hostport.find(L']');
        if (close == std::wstring_view::npos) return ERROR_WINHTTP_INVALID_URL;
        if (!is_ipv6_literal(hostport.substr(1, close - 1))) return ERROR_WINHTTP_INVALID_URL;
        out.host = hostport.substr(0, close + 1);
        const std::wstring_view rest = hostport.substr(close + 1);
        if (!rest.empty() && rest[0] != L':') return ERROR_WINHTTP_INVALID_URL;
        has_port = !rest.empty();
        if (has_port) port_text = rest.substr(1);
    } else {
        const size_t colon = hostport.find(L':');
        out.host = hostport.substr(0, colon);
        has_port = colon != std::wstring_view::npos;
        if (has_port) port_text = hostport.substr(colon + 1);
    }
    if (out.host.empty()) return ERROR_WINHTTP_INVALID_URL;
    out.port = default_port(out.scheme_id);
    out.explicit_port = false;
    // "host:" with nothing after the colon means the default port (RFC 3986 section 3.2.3).
    if (!has_port || port_text.empty()) return ERROR_SUCCESS;
    if (!parse_port(port_text, out.port)) return ERROR_WINHTTP_INVALID_URL;
    out.explicit_port = true;
    return ERROR_SUCCESS;
}

void split_user_info(std::wstring_view& authority, UrlSpan& out) {
    const size_t at = authority.rfind(L'@');
    out.has_user_info = at != std::wstring_view::npos;
    out.has_password = false;
    out.user = {};
    out.password = {};
    if (!out.has_user_info) return;
    const std::wstring_view info = authority.substr(0, at);
    const size_t colon = info.find(L':');
    out.user = info.substr(0, colon);
    out.has_password = colon != std::wstring_view::npos;
    if (out.has_password) out.password = info.substr(colon + 1);
    authority = authority.substr(at + 1);
}

// ---- RFC 3986 reference resolution ------------------------------------------------------------

struct Reference {
    bool has_scheme = false, has_authority = false, has_query = false, has_fragment = false;
    std::wstring scheme, authority, path, query, fragment;
};

// Path, query and fragment of what follows the authority (or of a relative reference).
void parse_tail(std::wstring_view s, Reference& r) {
    const size_t hash = s.find(L'#');
    if (hash != std::wstring_view::npos) {
        r.has_fragment = true;
        r.fragment = s.substr(hash + 1);
        s = s.substr(0, hash);
    }
    const size_t question = s.find(L'?');
    if (question != std::wstring_view::npos) {
        r.has_query = true;
        r.query = s.substr(question + 1);
        s = s.substr(0, question);
    }
    r.path = s;
}

Reference parse_reference(std::wstring_view s) {
    Reference r;
    const size_t scheme_len = scheme_length(s);
    if (scheme_len != std::wstring_view::npos) {
        r.has_scheme = true;
        r.scheme = s.substr(0, scheme_len);
        s.remove_prefix(scheme_len + 1);
    }
    if (s.substr(0, 2) == L"//") {
        s.remove_prefix(2);
        const size_t end = s.find_first_of(L"/?#");
        r.has_authority = true;
        r.authority = s.substr(0, end);
        s = end == std::wstring_view::npos ? std::wstring_view{} : s.substr(end);
    }
    parse_tail(s, r);
    return r;
}

// RFC 3986 section 5.2.4.
std::wstring remove_dot_segments(std::wstring_view in) {
    std::wstring out;
    while (!in.empty()) {
        if (in.substr(0, 3) == L"../") {
            in.remove_prefix(3);
        } else if (in.substr(0, 2) == L"./") {
            in.remove_prefix(2);
        } else if (in.substr(0, 3) == L"/./") {
            in.remove_prefix(2);
        } else if (in == L"/.") {
            in = L"/";
        } else if (in.substr(0, 4) == L"/../" || in == L"/..") {
            in = in.size() == 3 ? std::wstring_view(L"/") : in.substr(3);
            const size_t last = out.rfind(L'/');
            out.erase(last == std::wstring::npos ? 0 : last);
        } else if (in == L"." || in == L"..") {
            in = {};
        } else {
            const size_t next = in.find(L'/', 1);
            out.append(in.substr(0, next));
            in = next == std::wstring_view::npos ? std::wstring_view{} : in.substr(next);
        }
    }
    return out;
}

// RFC 3986 section 5.2.3.
std::wstring merge_paths(const Reference& base, std::wstring_view ref_path) {
    if (base.has_authority && base.path.empty()) return L"/" + std::wstring(ref_path);
    const size_t slash = base.path.rfind(L'/');
    if (slash == std::wstring::npos) return std::wstring(ref_path);
    return base.path.substr(0, slash + 1) + std::wstring(ref_path);
}

Reference base_reference(const ParsedUrl& base) {
    Reference r;
    r.has_scheme = true;
    r.scheme = base.scheme == INTERNET_SCHEME_HTTPS ? L"https" : L"http";
    r.has_authority = true;
    r.authority = base.host;
    if (base.port != 0 && base.port != default_port(base.scheme)) {
        r.authority += L':' + std::to_wstring(base.port);
    }
    // Not parse_reference: a base path such as "//x" must not be taken for an authority.
    parse_tail(base.path + base.extra, r);
    return r;
}

// RFC 3986 section 5.2.2, "strict" variant.
Reference resolve(const Reference& base, const Reference& ref) {
    Reference t;
    if (ref.has_scheme || ref.has_authority) {
        t = ref;
        if (!ref.has_scheme) {
            t.has_scheme = true;
            t.scheme = base.scheme;
        }
        t.path = remove_dot_segments(ref.path);
        return t;
    }
    t.has_scheme = true;
    t.scheme = base.scheme;
    t.has_authority = true;
    t.authority = base.authority;
    t.has_fragment = ref.has_fragment;
    t.fragment = ref.fragment;
    if (ref.path.empty()) {
        t.path = base.path;
        t.has_query = ref.has_query || base.has_query;
        t.query = ref.has_query ? ref.query : base.query;
        return t;
    }
    t.path = remove_dot_segments(ref.path[0] == L'/' ? ref.path : merge_paths(base, ref.path));
    t.has_query = ref.has_query;
    t.query = ref.query;
    return t;
}

std::wstring recompose(const Reference& r) {
    std::wstring out;
    if (r.has_scheme) out += r.scheme + L':';
    if (r.has_authority) out += L"//" + r.authority;
    out += r.path;
    if (r.has_query) out += L'?' + r.query;
    if (r.has_fragment) out += L'#' + r.fragment;
    return out;
}

std::wstring_view trim_ows(std::wstring_view s) {
    while (!s.empty() && (s.front() == L' ' || s.front() == L'\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == L' ' || s.back() == L'\t')) s.remove_suffix(1);
    return s;
}

}  // namespace
}  // namespace detail

INTERNET_PORT default_port(int scheme_id) noexcept {
    if (scheme_id == INTERNET_SCHEME_HTTP) return INTERNET_DEFAULT_HTTP_PORT;
    if (scheme_id == INTERNET_SCHEME_HTTPS) return INTERNET_DEFAULT_HTTPS_PORT;
    return 0;
}

namespace {

// The port is left out when it is the default of an http(s) scheme, or 0 with such a scheme (our
// choice: 0 means "none" there). With no known scheme (nScheme 0 and no scheme text, or a scheme
// text other than http/https) every port is written, 0 included (Wine url.c, verified on
// Windows: "http://...winehq.org:0/..." and "ftp://...:80/..."). ICU_INCLUDE_DEFAULT_PORT always
// writes it, the default one for 0.
void append_port(INTERNET_PORT port, int scheme_id, DWORD flags, std::wstring& out) {
    const INTERNET_PORT fallback = default_port(scheme_id);
    const bool include_default = (flags & ICU_INCLUDE_DEFAULT_PORT) != 0;
    if (fallback != 0 && port == 0) {
        if (!include_default) return;
        port = fallback;
    }
    if (fallback != 0 && port == fallback && !include_default) return;
    out += L':' + std::to_wstring(port);
}

}  // namespace

DWORD split_url(std::wstring_view url, UrlSpan& out) {
    const size_t scheme_len = detail::scheme_length(url);
    if (scheme_len == std::wstring_view::npos) return ERROR_WINHTTP_UNRECOGNIZED_SCHEME;
    out.scheme = url.substr(0, scheme_len);
    out.scheme_id = detail::scheme_id_of(out.scheme);
    if (out.scheme_id == 0) return ERROR_WINHTTP_UNRECOGNIZED_SCHEME;

    std::wstring_view rest = url.substr(scheme_len + 1);
    if (rest.substr(0, 2) != L"//") return ERROR_WINHTTP_INVALID_URL;
    const size_t authority_start = scheme_len + 3;
    rest.remove_prefix(2);
    const size_t authority_len = std::min(rest.find_first_of(L"/?#"), rest.size());
    std::wstring_view authority = rest.substr(0, authority_len);
    detail::split_user_info(authority, out);
    const DWORD err = detail::split_host_port(authority, out);
    if (err != ERROR_SUCCESS) return err;

    const size_t path_start = authority_start + authority_len;
    const size_t extra_start = std::min(url.find_first_of(L"?#", path_start), url.size());
    out.path = url.substr(path_start, extra_start - path_start);
    out.extra = url.substr(extra_start);
    // Windows (Wine url.c, verified there): "http://winehq?" has an empty path and an empty extra
    // info, both at the end of the URL; a lone '?' after a path is kept ("/post?" -> "?").
    if (out.path.empty() && out.extra == L"?") {
        out.path = out.extra = url.substr(url.size());
    }
    return ERROR_SUCCESS;
}

DWORD crack_url(std::wstring_view url, ParsedUrl& out) {
    UrlSpan span;
    const DWORD err = split_url(url, span);
    if (err != ERROR_SUCCESS) return err;
    out.scheme = span.scheme_id;
    out.host = span.host;
    // The engine connects to the scheme's default for an explicit ":0", as WinHttpConnect does
    // for INTERNET_DEFAULT_PORT (0).
    out.port = span.port != 0 ? span.port : default_port(span.scheme_id);
    out.user = span.user;
    out.password = span.password;
    out.path = span.path;
    out.extra = span.extra;
    return ERROR_SUCCESS;
}

std::wstring percent_decode(std::wstring_view text) {
    std::wstring out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == L'%' && i + 2 < text.size() && detail::is_hex(text[i + 1]) &&
            detail::is_hex(text[i + 2])) {
            out.push_back(static_cast<wchar_t>(detail::hex_value(text[i + 1]) * 16 +
                                               detail::hex_value(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::wstring escape_url_text(std::wstring_view text, UrlEscape set) {
    // WinHttpCreateUrl also escapes '#', '%' and '~' (Wine url.c, verified on Windows).
    const std::wstring_view create_extra = set == UrlEscape::create ? L"#%~" : L"";
    std::wstring out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const wchar_t c = text[i];
        const bool ascii = c >= 0 && c < 0x80;
        if (ascii && !detail::is_unsafe_byte(static_cast<unsigned char>(c)) &&
            create_extra.find(c) == std::wstring_view::npos) {
            out.push_back(c);
            continue;
        }
        // Escape the UTF-8 form; a surrogate pair (UTF-16 source) is one character.
        size_t n = 1;
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.size() && text[i + 1] >= 0xDC00 &&
            text[i + 1] <= 0xDFFF) {
            n = 2;
        }
        for (const char byte : to_utf8(text.substr(i, n))) {
            const auto b = static_cast<unsigned char>(byte);
            out.push_back(L'%');
            out.push_back(static_cast<wchar_t>(detail::kHex[b >> 4]));
            out.push_back(static_cast<wchar_t>(detail::kHex[b & 0x0F]));
        }
        i += n - 1;
    }
    return out;
}

DWORD build_url(const UrlBuildParts& parts, DWORD flags, std::wstring& out) {
    int scheme_id = parts.scheme_id;
    std::wstring_view scheme = parts.scheme;
    if (!scheme.empty()) {
        scheme_id = detail::scheme_id_of(scheme);
    } else if (scheme_id == INTERNET_SCHEME_HTTPS) {
        scheme = L"https";
    } else if (scheme_id == INTERNET_SCHEME_HTTP || scheme_id == 0) {
        scheme = L"http";  // no scheme at all means http (Wine url.c, verified on Windows)
    } else {
        return ERROR_INVALID_PARAMETER;
    }
    // A password needs a user name, which may be empty (Wine url.c, verified on Windows).
    if (parts.has_password && !parts.has_user) return ERROR_INVALID_PARAMETER;
    if ((flags & ICU_REJECT_USERPWD) && parts.has_user) return ERROR_WINHTTP_INVALID_URL;

    out.assign(scheme);
    out += L"://";
    if (parts.has_user) {
        out += parts.user;
        if (parts.has_password) out += L':' + std::wstring(parts.password);
        out += L'@';
    }
    const bool bare_ipv6 =
        parts.host.find(L':') != std::wstring_view::npos && parts.host[0] != L'[';
    out += bare_ipv6 ? L"[" + std::wstring(parts.host) + L"]" : std::wstring(parts.host);
    if (parts.has_host) append_port(parts.port, scheme_id, flags, out);

    const bool escape = (flags & ICU_ESCAPE) != 0;
    if (!parts.host.empty() && !parts.path.empty() && parts.path[0] != L'/') out += L'/';
    out += escape ? escape_url_text(parts.path, UrlEscape::create) : std::wstring(parts.path);
    out += escape ? escape_url_text(parts.extra, UrlEscape::create) : std::wstring(parts.extra);
    return ERROR_SUCCESS;
}

namespace {

void append_hex(std::string& out, unsigned char b) {
    out.push_back('%');
    out.push_back(detail::kHex[b >> 4]);
    out.push_back(detail::kHex[b & 0x0F]);
}

// The escaped part of an object name: the unsafe bytes and '#' become %XX (Wine winhttp.c
// test_request_path_escapes, verified on Windows: "#" goes out as %23).
void append_object_escaped(std::string& out, std::string_view bytes, bool escape_percent) {
    for (const char ch : bytes) {
        const auto b = static_cast<unsigned char>(ch);
        if (detail::is_unsafe_byte(b) || b == '#' || (escape_percent && b == '%')) append_hex(out, b);
        else out.push_back(ch);
    }
}

// The part left "unescaped" by WINHTTP_FLAG_ESCAPE_DISABLE(_QUERY): Windows still sends spaces
// as %20 and non-ASCII as escaped UTF-8, and CR/LF never reach the request line (Wine
// winhttp.c test_request_path_escapes).
void append_object_raw(std::string& out, std::string_view bytes) {
    for (const char ch : bytes) {
        const auto b = static_cast<unsigned char>(ch);
        if (ch == '\r' || ch == '\n') continue;
        if (b == ' ' || b >= 0x80) append_hex(out, b);
        else out.push_back(ch);
    }
}

}  // namespace

std::string escape_object_name(std::wstring_view object_name, DWORD open_request_flags) {
    std::string out;
    out.reserve(object_name.size());
    if (open_request_flags & WINHTTP_FLAG_ESCAPE_DISABLE) {
        append_object_raw(out, to_utf8(object_name));
        return out;
    }
    const bool escape_percent = (open_request_flags & WINHTTP_FLAG_ESCAPE_PERCENT) != 0;
    const size_t query = object_name.find(L'?');
    append_object_escaped(out, to_utf8(object_name.substr(0, query)), escape_percent);
    if (query == std::wstring_view::npos) return out;
    const std::string tail = to_utf8(object_name.substr(query));
    if (open_request_flags & WINHTTP_FLAG_ESCAPE_DISABLE_QUERY) {
        append_object_raw(out, tail);
    } else {
        append_object_escaped(out, tail, escape_percent);
    }
    return out;
}

std::wstring resolve_reference(const ParsedUrl& base, std::wstring_view location) {
    const detail::Reference base_ref = detail::base_reference(base);
    detail::Reference target =
        detail::resolve(base_ref, detail::parse_reference(detail::trim_ows(location)));
    // RFC 7231 section 7.1.2: a Location without a fragment keeps the request's fragment.
    if (!target.has_fragment && base_ref.has_fragment) {
        target.has_fragment = true;
        target.fragment = base_ref.fragment;
    }
    return detail::recompose(target);
}

}  // namespace winhttp
