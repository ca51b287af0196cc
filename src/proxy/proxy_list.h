// The proxy list and bypass list of WinHttpOpen / WINHTTP_PROXY_INFO, sans I/O.
//
// Proxy list (WINHTTP_PROXY_INFO page): one or more of
//     ([<scheme>=][<scheme>"://"]<server>[":"<port>])
// separated by semicolons or whitespace. "http=a:1;https=b:2" picks a proxy per URL scheme; an
// entry without "scheme=" serves every scheme. Proxies that serve a URL are tried in order.
// Bypass list: names separated by semicolons or whitespace, "*" wildcards, and "<local>" for
// every host name without a period.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace winhttp::proxy {

// A forward proxy reached over plain TCP. host is UTF-8 (IPv6 literal without brackets).
struct ProxyServer {
    std::string host;
    unsigned short port = 80;
    bool operator==(const ProxyServer&) const = default;
    std::string text() const;  // "host:port", "[v6]:port"
};

struct ProxyEntry {
    enum class Scope { Any, Http, Https };
    Scope scope = Scope::Any;
    ProxyServer server;
};

// Parses a proxy list (UTF-8). False when an entry is malformed (empty server, bad port, a
// scheme other than http, "scheme=" with nothing after it) or the list holds no entry.
// Entries for schemes WinHTTP never proxies (socks=, ftp=) are accepted and left out.
bool parse_proxy_list(std::string_view text, std::vector<ProxyEntry>& out);

// The proxies for a URL scheme, in list order.
std::vector<ProxyServer> proxies_for(const std::vector<ProxyEntry>& list, bool secure);

// The bypass list of a named proxy configuration.
class BypassList {
public:
    // Always succeeds: an unusable entry never matches.
    static BypassList parse(std::string_view text);
    // Whether a request to host:port (UTF-8, IPv6 without brackets) goes direct.
    bool matches(std::string_view host, unsigned short port, bool secure) const;
    bool empty() const { return entries_.empty(); }

private:
    struct Entry {
        std::string pattern;  // lower case, "*" and "?" wildcards
        int scheme = 0;       // 0 any, 1 http, 2 https
        int port = -1;        // -1 any
        bool local = false;   // <local>
    };
    std::vector<Entry> entries_;
};

// Case-insensitive match of `text` against `pattern` with '*' (any run) and '?' (one char).
bool wildcard_match(std::string_view pattern, std::string_view text);

// Splits "host[:port]" / "[v6]:port" / bare "v6". False when the port is not 1..65535 or the
// host is empty. `port` keeps its value when none is given.
bool split_host_port(std::string_view text, std::string& host, unsigned short& port);

}  // namespace winhttp::proxy
