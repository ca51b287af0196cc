// Session-wide cookie store: Set-Cookie from responses, Cookie on later requests
// (unless WINHTTP_DISABLE_COOKIES). Domain and path matching per RFC 6265, no persistence.
//
// What a hostile server cannot do (docs/SECURITY.md):
//   - set a cookie for a public suffix (Domain=com, Domain=co.uk: the Public Suffix List through
//     libpsl), unless the suffix is exactly the request host (RFC 6265 §5.3 step 5: then the
//     cookie is host-only), nor a Domain attribute on an IP-address host other than the host;
//   - set a Secure cookie from a non-secure origin, or overwrite (or shadow) a Secure cookie from
//     one (RFC 6265bis §5.7 storage model);
//   - break the __Secure- / __Host- name prefixes (RFC 6265bis §4.1.3);
//   - grow the jar without bound: at most kMaxCookieBytes per cookie (name + value), kMaxPerDomain
//     cookies per domain and kMaxCookies in all; beyond a count, the oldest cookie goes.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace winhttp {

class CookieJar {
public:
    // RFC 6265 §6.1 asks for at least 4096 bytes per cookie, 50 per domain, 3000 in all; these
    // are those minimums, used as the limits (as browsers do).
    static constexpr size_t kMaxCookieBytes = 4096;
    static constexpr size_t kMaxPerDomain = 50;
    static constexpr size_t kMaxCookies = 3000;
    // RFC 6265bis §5.6: attribute values longer than this are ignored.
    static constexpr size_t kMaxAttributeBytes = 1024;

    // Records one Set-Cookie value received from `host` for a request to `path`; `secure`: the
    // response came over https. Returns false when the cookie was refused (tests use this).
    bool store(std::string_view set_cookie, const std::string& host, const std::string& path,
               bool secure);
    // The Cookie header value for a request, or "" when no cookie applies.
    std::string header_for(const std::string& host, const std::string& path, bool secure);
    // Cookies held now (expired ones included until the next header_for()).
    size_t size();

private:
    struct Cookie {
        std::string name, value, domain, path;
        bool host_only = true;
        bool secure = false;
        bool session = true;
        std::chrono::system_clock::time_point expires{};
    };
    bool shadows_secure_cookie(const Cookie& c) const;
    void evict_over_limits(const std::string& domain);

    std::mutex mutex_;
    std::vector<Cookie> cookies_;  // oldest first: eviction takes from the front
};

}  // namespace winhttp
