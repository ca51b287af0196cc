// The answer of FindProxyForURL ("PROXY a:8080; HTTPS b; DIRECT") as a proxy list: sans I/O,
// no last error, fuzzed (fuzz/fuzz_pac_result.cpp).
//
// Grammar accepted (Netscape PAC, with the keywords browsers accept): entries separated by ';',
// each "DIRECT" or a keyword and a host with an optional port:
//   PROXY host[:port]   HTTP host[:port]    plain-HTTP proxy (port 80 by default)
//   HTTPS host[:port]                       proxy reached over TLS (port 443 by default)
//   SOCKS / SOCKS4 / SOCKS5 host[:port]     skipped: WinHTTP has no SOCKS
// Keywords are case-insensitive; host is a DNS name, an IPv4 literal or a bracketed IPv6
// literal. A malformed or unknown entry is skipped, never fatal.
#pragma once
#include <winhttp.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace winhttp::proxy {

enum class PacEntryKind { Direct, Proxy, Https };

struct PacEntry {
    PacEntryKind kind = PacEntryKind::Direct;
    std::string host;  // empty for Direct; an IPv6 literal keeps its brackets
    uint16_t port = 0;

    bool operator==(const PacEntry&) const = default;
};

// Parses a FindProxyForURL result. Returns the usable entries in order (possibly none).
std::vector<PacEntry> parse_pac_result(std::string_view text);

// The entries as WINHTTP_PROXY_INFO.lpszProxy: "host:port" for PROXY, "https://host:port" for
// HTTPS, separated by ';'. DIRECT entries have no place in a proxy list and are left out; the
// result is empty when no proxy entry is there (the caller reports NO_PROXY then).
std::wstring to_proxy_list(const std::vector<PacEntry>& entries);

}  // namespace winhttp::proxy
