#include "proxy/pac_result.h"

#include "util/wide.h"

namespace winhttp::proxy {

namespace {

constexpr size_t kMaxHost = 255;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

bool ipv6_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
}

// "1".."65535"
bool parse_port(std::string_view s, uint16_t& out) {
    if (s.empty() || s.size() > 5) return false;
    unsigned v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535) return false;
    out = static_cast<uint16_t>(v);
    return true;
}

// host[:port] or [v6][:port]; the port defaults to `default_port`.
bool parse_host_port(std::string_view s, uint16_t default_port, PacEntry& e) {
    std::string_view host, port;
    if (!s.empty() && s.front() == '[') {
        const size_t close = s.find(']');
        if (close == std::string_view::npos || close < 2) return false;
        host = s.substr(0, close + 1);
        for (char c : host.substr(1, host.size() - 2))
            if (!ipv6_char(c)) return false;
        std::string_view rest = s.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            port = rest.substr(1);
            if (port.empty()) return false;
        }
    } else {
        const size_t colon = s.find(':');
        host = s.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = s.substr(colon + 1);
            if (port.empty()) return false;
        }
        if (host.empty()) return false;
        for (char c : host)
            if (!host_char(c)) return false;
    }
    if (host.size() > kMaxHost) return false;
    e.port = default_port;
    if (!port.empty() && !parse_port(port, e.port)) return false;
    e.host.assign(host);
    return true;
}

}  // namespace

std::vector<PacEntry> parse_pac_result(std::string_view text) {
    std::vector<PacEntry> out;
    while (!text.empty()) {
        const size_t semi = text.find(';');
        std::string_view item = trim(text.substr(0, semi));
        text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
        if (item.empty()) continue;
        size_t ws = 0;
        while (ws < item.size() && !is_space(item[ws])) ++ws;
        const std::string_view keyword = item.substr(0, ws);
        const std::string_view arg = trim(item.substr(ws));
        PacEntry e;
        if (iequals(keyword, "DIRECT")) {
            if (!arg.empty()) continue;
            out.push_back(e);
            continue;
        }
        uint16_t default_port;
        if (iequals(keyword, "PROXY") || iequals(keyword, "HTTP")) {
            e.kind = PacEntryKind::Proxy;
            default_port = 80;
        } else if (iequals(keyword, "HTTPS")) {
            e.kind = PacEntryKind::Https;
            default_port = 443;
        } else {
            continue;  // SOCKS, SOCKS4, SOCKS5, QUIC, anything unknown
        }
        if (parse_host_port(arg, default_port, e)) out.push_back(std::move(e));
    }
    return out;
}

std::wstring to_proxy_list(const std::vector<PacEntry>& entries) {
    std::wstring list;
    for (const PacEntry& e : entries) {
        if (e.kind == PacEntryKind::Direct) continue;
        if (!list.empty()) list += L';';
        if (e.kind == PacEntryKind::Https) list += L"https://";
        list += from_utf8(e.host);
        list += L':';
        list += std::to_wstring(e.port);
    }
    return list;
}

}  // namespace winhttp::proxy
