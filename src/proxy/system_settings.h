// The Linux "system proxy settings": the environment variables curl, wget and Python honour,
// read through one function so that tests can hand in an explicit map instead of setenv.
//
//   http_proxy / HTTP_PROXY     proxy for http URLs (HTTP_PROXY ignored when REQUEST_METHOD is
//                               set: a CGI request could set it through a "Proxy:" header)
//   https_proxy / HTTPS_PROXY   proxy for https URLs (reached with CONNECT)
//   all_proxy / ALL_PROXY       for both when the scheme's own variable is unset
//   no_proxy / NO_PROXY         hosts that go direct (NoProxyList below)
//   auto_proxy / AUTO_PROXY     a PAC URL (http://, https://, file://) or the word "wpad"
//                               (auto-detect): the AUTOMATIC_PROXY and IE-config settings
// Lower case wins over upper case. A proxy value is [http://][user:pass@]host[:port][/]; other
// schemes (socks5://, https://) are not proxies WinHTTP can use and are ignored. The default
// port is 1080, as curl's.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/proxy_list.h"

namespace winhttp::proxy {

// Returns the value of a variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
using EnvMap = std::map<std::string, std::string>;

EnvLookup env_from_map(EnvMap map);
// The process environment (getenv). Reading is safe; the process must not setenv meanwhile.
EnvLookup process_env();

// no_proxy, as curl reads it: comma (or space) separated; "*" alone matches everything;
// "example.com", ".example.com" and "*.example.com" match the name and its subdomains; IPv4
// and IPv6 addresses match exactly, "10.0.0.0/8" and "fd00::/8" by prefix; "host:port" only
// that port. Case-insensitive.
class NoProxyList {
public:
    static NoProxyList parse(std::string_view text);
    bool matches(std::string_view host, unsigned short port) const;
    bool empty() const { return !all_ && entries_.empty(); }

private:
    struct Entry {
        std::string name;  // lower case, no leading dot; or the address text
        int port = -1;
        bool cidr = false;
        int family = 0;             // AF_INET / AF_INET6 for addresses
        unsigned char addr[16]{};   // address or network
        int prefix = -1;            // CIDR bits
    };
    bool all_ = false;
    std::vector<Entry> entries_;
};

// A proxy given as an environment value. False for an unusable value (other scheme, bad port).
bool parse_env_proxy(std::string_view value, ProxyServer& out);

struct SystemSettings {
    std::optional<ProxyServer> http;   // http_proxy, else all_proxy
    std::optional<ProxyServer> https;  // https_proxy, else all_proxy
    std::string no_proxy_text;         // as given (for the IE config's bypass string)
    NoProxyList no_proxy;
    bool auto_detect = false;          // auto_proxy=wpad
    std::string pac_url;               // auto_proxy=<URL>

    bool has_proxy() const { return http.has_value() || https.has_value(); }
    // The proxy for a request, or nullopt for a direct connection.
    std::optional<ProxyServer> proxy_for(bool secure, std::string_view host,
                                         unsigned short port) const;
    // WinHTTP's strings: "http=h:p;https=h:p" (empty when none) and the bypass list with
    // no_proxy's entries separated by ';'.
    std::string proxy_string() const;
    std::string bypass_string() const;
};

SystemSettings read_system_settings(const EnvLookup& env);
// The settings of the process environment now.
SystemSettings current_system_settings();

}  // namespace winhttp::proxy
