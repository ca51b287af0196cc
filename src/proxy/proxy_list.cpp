#include "proxy/proxy_list.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace winhttp::proxy {

namespace {

bool is_separator(char c) { return c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::vector<std::string_view> split_list(std::string_view text) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_separator(text[i])) ++i;
        size_t j = i;
        while (j < text.size() && !is_separator(text[j])) ++j;
        if (j > i) out.push_back(text.substr(i, j - i));
        i = j;
    }
    return out;
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequal(s.substr(0, prefix.size()), prefix);
}

// Host names and IP literals: letters, digits and - . _ (and : inside brackets).
bool valid_host(std::string_view h, bool v6) {
    if (h.empty()) return false;
    for (char c : h) {
        const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                        c == '_' || (v6 && (c == ':' || c == '%'));
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::string ProxyServer::text() const {
    std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return out + ":" + std::to_string(port);
}

bool split_host_port(std::string_view text, std::string& host, unsigned short& port) {
    std::string_view h = text, p;
    bool v6 = false;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos) return false;
        h = text.substr(1, close - 1);
        v6 = true;
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            p = rest.substr(1);
            if (p.empty()) return false;
        }
    } else if (std::count(text.begin(), text.end(), ':') > 1) {
        v6 = true;  // a bare IPv6 literal has no port
    } else if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
        h = text.substr(0, colon);
        p = text.substr(colon + 1);
        if (p.empty()) return false;
    }
    if (!valid_host(h, v6) || (v6 && h.find(':') == std::string_view::npos)) return false;
    if (!p.empty()) {
        unsigned long v = 0;
        for (char c : p) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + static_cast<unsigned>(c - '0');
            if (v > 65535) return false;
        }
        if (v == 0) return false;
        port = static_cast<unsigned short>(v);
    }
    host = std::string(h);
    return true;
}

bool parse_proxy_list(std::string_view text, std::vector<ProxyEntry>& out) {
    out.clear();
    bool any = false;
    for (std::string_view item : split_list(text)) {
        ProxyEntry e;
        bool skip = false;
        if (const size_t eq = item.find('='); eq != std::string_view::npos) {
            const std::string_view scheme = item.substr(0, eq);
            if (iequal(scheme, "http")) e.scope = ProxyEntry::Scope::Http;
            else if (iequal(scheme, "https")) e.scope = ProxyEntry::Scope::Https;
            else if (scheme.empty()) return false;
            else skip = true;  // socks=, ftp=: WinHTTP proxies only http and https
            item = item.substr(eq + 1);
            if (item.empty()) return false;
        }
        if (const size_t sep = item.find("://"); sep != std::string_view::npos) {
            if (!iequal(item.substr(0, sep), "http") && !skip) return false;
            item = item.substr(sep + 3);
        }
        if (!item.empty() && item.back() == '/') item.remove_suffix(1);
        if (!split_host_port(item, e.server.host, e.server.port)) return false;
        any = true;
        if (!skip) out.push_back(std::move(e));
    }
    return any;
}

std::vector<ProxyServer> proxies_for(const std::vector<ProxyEntry>& list, bool secure) {
    std::vector<ProxyServer> out;
    const auto mine = secure ? ProxyEntry::Scope::Https : ProxyEntry::Scope::Http;
    for (const auto& e : list)
        if (e.scope == ProxyEntry::Scope::Any || e.scope == mine) out.push_back(e.server);
    return out;
}

bool wildcard_match(std::string_view pattern, std::string_view text) {
    // Iterative match with one backtrack point (the last '*').
    size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {  // before the literal test: "*" vs "*"
            star = p++;
            mark = t;
        } else if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(text[t]))) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

BypassList BypassList::parse(std::string_view text) {
    BypassList list;
    for (std::string_view item : split_list(text)) {
        Entry e;
        if (iequal(item, "<local>")) {
            e.local = true;
            list.entries_.push_back(std::move(e));
            continue;
        }
        if (istarts_with(item, "http://")) {
            e.scheme = 1;
            item.remove_prefix(7);
        } else if (istarts_with(item, "https://")) {
            e.scheme = 2;
            item.remove_prefix(8);
        }
        // "host:port" limits the entry to one port; wildcards stay in the host part.
        std::string_view host = item;
        if (!item.empty() && item.front() == '[') {
            const size_t close = item.find(']');
            if (close == std::string_view::npos) continue;
            host = item.substr(1, close - 1);
            std::string_view rest = item.substr(close + 1);
            if (rest.size() > 1 && rest.front() == ':') e.port = std::atoi(std::string(rest.substr(1)).c_str());
        } else if (std::count(item.begin(), item.end(), ':') == 1) {
            const size_t colon = item.find(':');
            host = item.substr(0, colon);
            const std::string_view p = item.substr(colon + 1);
            if (p != "*") e.port = std::atoi(std::string(p).c_str());
        }
        if (host.empty()) continue;
        e.pattern = to_lower(host);
        list.entries_.push_back(std::move(e));
    }
    return list;
}

bool BypassList::matches(std::string_view host, unsigned short port, bool secure) const {
    for (const auto& e : entries_) {
        if (e.local) {
            if (host.find('.') == std::string_view::npos && host.find(':') == std::string_view::npos)
                return true;
            continue;
        }
        if (e.scheme != 0 && e.scheme != (secure ? 2 : 1)) continue;
        if (e.port >= 0 && e.port != port) continue;
        if (wildcard_match(e.pattern, host)) return true;
    }
    return false;
}

}  // namespace winhttp::proxy
