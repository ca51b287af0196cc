#include "proxy/system_settings.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace winhttp::proxy {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Parses an IPv4 or IPv6 literal into addr; returns the family or 0.
int parse_address(const std::string& text, unsigned char* addr) {
    if (inet_pton(AF_INET, text.c_str(), addr) == 1) return AF_INET;
    if (inet_pton(AF_INET6, text.c_str(), addr) == 1) return AF_INET6;
    return 0;
}

bool prefix_equal(const unsigned char* a, const unsigned char* b, int bits) {
    const int bytes = bits / 8;
    if (std::memcmp(a, b, static_cast<size_t>(bytes)) != 0) return false;
    const int rest = bits % 8;
    if (rest == 0) return true;
    const unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

// The first set variable among `names`; an empty value counts as unset.
std::optional<std::string> first_set(const EnvLookup& env, std::initializer_list<const char*> names) {
    for (const char* n : names) {
        auto v = env(n);
        if (v && !trim(*v).empty()) return std::string(trim(*v));
    }
    return std::nullopt;
}

}  // namespace

EnvLookup env_from_map(EnvMap map) {
    return [m = std::move(map)](const char* name) -> std::optional<std::string> {
        auto it = m.find(name);
        if (it == m.end()) return std::nullopt;
        return it->second;
    };
}

EnvLookup process_env() {
    return [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (!v) return std::nullopt;
        return std::string(v);
    };
}

NoProxyList NoProxyList::parse(std::string_view text) {
    NoProxyList list;
    size_t i = 0;
    while (i <= text.size()) {
        size_t j = text.find_first_of(", \t", i);
        if (j == std::string_view::npos) j = text.size();
        std::string_view item = trim(text.substr(i, j - i));
        i = j + 1;
        if (item.empty()) continue;
        if (item == "*") {
            list.all_ = true;
            continue;
        }
        Entry e;
        std::string_view host = item;
        if (item.front() == '[') {
            const size_t close = item.find(']');
            if (close == std::string_view::npos) continue;
            host = item.substr(1, close - 1);
            std::string_view rest = item.substr(close + 1);
            if (rest.size() > 1 && rest.front() == ':') e.port = std::atoi(std::string(rest.substr(1)).c_str());
        } else if (std::count(item.begin(), item.end(), ':') == 1) {
            const size_t colon = item.find(':');
            host = item.substr(0, colon);
            e.port = std::atoi(std::string(item.substr(colon + 1)).c_str());
        }
        std::string h(host);
        if (const size_t slash = h.find('/'); slash != std::string::npos) {
            const std::string bits = h.substr(slash + 1);
            h.resize(slash);
            e.family = parse_address(h, e.addr);
            if (!e.family || bits.empty() || bits.find_first_not_of("0123456789") != std::string::npos)
                continue;
            e.prefix = std::atoi(bits.c_str());
            if (e.prefix > (e.family == AF_INET ? 32 : 128)) continue;
            e.cidr = true;
        } else {
            e.family = parse_address(h, e.addr);
        }
        if (!e.family) {
            if (h.rfind("*.", 0) == 0) h.erase(0, 2);
            while (!h.empty() && h.front() == '.') h.erase(0, 1);
            if (h.empty()) continue;
            e.name = lower(h);
        }
        list.entries_.push_back(std::move(e));
    }
    return list;
}

bool NoProxyList::matches(std::string_view host_in, unsigned short port) const {
    if (all_) return true;
    std::string host = lower(host_in);
    while (!host.empty() && host.back() == '.') host.pop_back();  // "example.com." is the same
    unsigned char addr[16]{};
    const int family = parse_address(host, addr);
    for (const auto& e : entries_) {
        if (e.port >= 0 && e.port != port) continue;
        if (e.family) {
            if (family != e.family) continue;
            const int bits = e.cidr ? e.prefix : (family == AF_INET ? 32 : 128);
            if (prefix_equal(addr, e.addr, bits)) return true;
            continue;
        }
        if (family) continue;  // names never match an address
        if (host == e.name) return true;
        if (host.size() > e.name.size() && host.compare(host.size() - e.name.size(), e.name.size(), e.name) == 0 &&
            host[host.size() - e.name.size() - 1] == '.')
            return true;
    }
    return false;
}

bool parse_env_proxy(std::string_view value, ProxyServer& out) {
    value = trim(value);
    if (const size_t sep = value.find("://"); sep != std::string_view::npos) {
        if (lower(value.substr(0, sep)) != "http") return false;
        value.remove_prefix(sep + 3);
    }
    // Credentials belong to proxy authentication; the route needs only the server.
    if (const size_t at = value.rfind('@'); at != std::string_view::npos) value.remove_prefix(at + 1);
    if (const size_t slash = value.find('/'); slash != std::string_view::npos) value = value.substr(0, slash);
    ProxyServer s;
    s.port = 1080;
    if (!split_host_port(value, s.host, s.port)) return false;
    out = std::move(s);
    return true;
}

std::optional<ProxyServer> SystemSettings::proxy_for(bool secure, std::string_view host,
                                                     unsigned short port) const {
    const auto& p = secure ? https : http;
    if (!p || no_proxy.matches(host, port)) return std::nullopt;
    return p;
}

std::string SystemSettings::proxy_string() const {
    std::string out;
    if (http) out = "http=" + http->text();
    if (https) out += (out.empty() ? "" : ";") + std::string("https=") + https->text();
    return out;
}

std::string SystemSettings::bypass_string() const {
    std::string out;
    size_t i = 0;
    const std::string_view t = no_proxy_text;
    while (i <= t.size()) {
        size_t j = t.find_first_of(", \t", i);
        if (j == std::string_view::npos) j = t.size();
        const std::string_view item = trim(t.substr(i, j - i));
        if (!item.empty()) out += (out.empty() ? "" : ";") + std::string(item);
        i = j + 1;
    }
    return out;
}

SystemSettings read_system_settings(const EnvLookup& env) {
    SystemSettings s;
    // httpoxy: in a CGI program HTTP_PROXY may come from a request's "Proxy:" header.
    const bool cgi = env("REQUEST_METHOD").has_value();
    auto http = cgi ? first_set(env, {"http_proxy"}) : first_set(env, {"http_proxy", "HTTP_PROXY"});
    auto https = first_set(env, {"https_proxy", "HTTPS_PROXY"});
    auto all = first_set(env, {"all_proxy", "ALL_PROXY"});
    ProxyServer p;
    if (http ? parse_env_proxy(*http, p) : (all && parse_env_proxy(*all, p))) s.http = p;
    if (https ? parse_env_proxy(*https, p) : (all && parse_env_proxy(*all, p))) s.https = p;
    if (auto np = first_set(env, {"no_proxy", "NO_PROXY"})) {
        s.no_proxy_text = *np;
        s.no_proxy = NoProxyList::parse(*np);
    }
    if (auto ap = first_set(env, {"auto_proxy", "AUTO_PROXY"})) {
        const std::string l = lower(*ap);
        if (l == "wpad") s.auto_detect = true;
        else if (l.rfind("http://", 0) == 0 || l.rfind("https://", 0) == 0 || l.rfind("file://", 0) == 0)
            s.pac_url = *ap;
    }
    return s;
}

SystemSettings current_system_settings() { return read_system_settings(process_env()); }

}  // namespace winhttp::proxy
