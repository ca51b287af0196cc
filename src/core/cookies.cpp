#include "core/cookies.h"

#include <libpsl.h>

#include <algorithm>

#include "util/http_time.h"
#include "util/wide.h"

namespace winhttp {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool domain_matches(const std::string& host, const std::string& domain) {
    if (host == domain) return true;
    return host.size() > domain.size() && host.ends_with(domain) &&
           host[host.size() - domain.size() - 1] == '.';
}

bool path_matches(const std::string& req, const std::string& cookie) {
    if (!req.starts_with(cookie)) return false;
    return req.size() == cookie.size() || cookie.back() == '/' || req[cookie.size()] == '/';
}

// RFC 6265 5.1.4 default-path: the directory of the request path.
std::string default_path(const std::string& path) {
    const auto q = path.find('?');
    std::string p = path.substr(0, q);
    const auto slash = p.rfind('/');
    if (p.empty() || p[0] != '/' || slash == 0 || slash == std::string::npos) return "/";
    return p.substr(0, slash);
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && to_ascii_lower(s.substr(0, prefix.size())) == prefix;
}

// The Public Suffix List: the newest of libpsl's built-in copy and the system's
// (/usr/share/publicsuffix, Debian's publicsuffix package), loaded once and kept for the life
// of the process. Null only if libpsl has neither.
const psl_ctx_t* suffix_list() {
    static const psl_ctx_t* const list = [] {
        const psl_ctx_t* latest = psl_latest(nullptr);
        return latest ? latest : psl_builtin();
    }();
    return list;
}

bool is_public_suffix(const std::string& domain) {
    const psl_ctx_t* list = suffix_list();
    // PSL_TYPE_ANY: the ICANN and the private sections (github.io, ...), with the implicit "*"
    // rule: an unlisted top-level name (localhost, test) is a suffix too.
    if (list) return psl_is_public_suffix2(list, domain.c_str(), PSL_TYPE_ANY) != 0;
    return domain.find('.') == std::string::npos;
}

// RFC 6265 §5.3 steps 5-6 for a Domain attribute `domain` (lower case, no leading dot) sent by
// `host`: false to ignore the cookie. A public suffix is refused unless it is the host itself,
// and then the cookie is host-only. libpsl's check also refuses a domain on an IP-address host
// (RFC 6265 §5.1.3: an IP address only matches itself).
bool accept_domain(const std::string& host, const std::string& domain, bool& host_only) {
    if (domain == host) {
        host_only = is_public_suffix(domain);
        return true;
    }
    host_only = false;
    const psl_ctx_t* list = suffix_list();
    if (list) return psl_is_cookie_domain_acceptable(list, host.c_str(), domain.c_str()) != 0;
    return domain_matches(host, domain) && !is_public_suffix(domain);
}

}  // namespace

bool CookieJar::store(std::string_view set_cookie, const std::string& host,
                      const std::string& path, bool secure) {
    Cookie c;
    const auto semi = set_cookie.find(';');
    std::string_view pair = trim(set_cookie.substr(0, semi));
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    c.name = std::string(trim(pair.substr(0, eq)));
    c.value = std::string(trim(pair.substr(eq + 1)));
    if (c.name.size() + c.value.size() > kMaxCookieBytes) return false;  // RFC 6265bis §5.6
    c.domain = to_ascii_lower(host);
    c.path = default_path(path);
    bool path_is_root = false;  // a Path attribute of "/" (for __Host-)
    std::string_view attrs = semi == std::string_view::npos ? "" : set_cookie.substr(semi + 1);
    const auto now = std::chrono::system_clock::now();
    while (!attrs.empty()) {
        const auto next = attrs.find(';');
        std::string_view a = trim(attrs.substr(0, next));
        attrs = next == std::string_view::npos ? "" : attrs.substr(next + 1);
        const auto aeq = a.find('=');
        const std::string key = to_ascii_lower(trim(a.substr(0, aeq)));
        const std::string_view val = aeq == std::string_view::npos ? "" : trim(a.substr(aeq + 1));
        if (val.size() > kMaxAttributeBytes) continue;  // RFC 6265bis §5.6: ignored
        if (key == "domain" && !val.empty()) {
            std::string d = to_ascii_lower(val.front() == '.' ? val.substr(1) : val);
            // Foreign domains and public suffixes are refused (the whole cookie).
            if (!accept_domain(to_ascii_lower(host), d, c.host_only)) return false;
            c.domain = d;
        } else if (key == "path") {
            // RFC 6265 §5.2.4: a value not starting with "/" means the default path.
            c.path = !val.empty() && val.front() == '/' ? std::string(val) : default_path(path);
            path_is_root = val == "/";
        } else if (key == "secure") {
            c.secure = true;
        } else if (key == "max-age") {
            try {
                c.expires = now + std::chrono::seconds(std::stoll(std::string(val)));
                c.session = false;
            } catch (...) {
            }
        } else if (key == "expires" && c.session) {
            SYSTEMTIME st;
            if (parse_http_date(val, &st)) {
                std::tm tm{};
                tm.tm_year = st.wYear - 1900;
                tm.tm_mon = st.wMonth - 1;
                tm.tm_mday = st.wDay;
                tm.tm_hour = st.wHour;
                tm.tm_min = st.wMinute;
                tm.tm_sec = st.wSecond;
                c.expires = std::chrono::system_clock::from_time_t(timegm(&tm));
                c.session = false;
            }
        }
    }
    // RFC 6265bis §5.7: only a secure origin sets a Secure cookie; the prefixes (§4.1.3) promise
    // a cookie set securely (__Secure-), and host-only for the whole host (__Host-).
    if (c.secure && !secure) return false;
    if (starts_with_nocase(c.name, "__secure-") && !c.secure) return false;
    if (starts_with_nocase(c.name, "__host-") && (!c.secure || !c.host_only || !path_is_root))
        return false;

    std::lock_guard lock(mutex_);
    if (!secure && !c.secure && shadows_secure_cookie(c)) return false;
    const bool expired = !c.session && c.expires <= now;
    auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& o) {
        return o.name == c.name && o.domain == c.domain && o.path == c.path;
    });
    if (same != cookies_.end()) {
        // RFC 6265 §5.3 step 11: a replacement keeps the old cookie's creation time (its place
        // in the eviction order); an expired one deletes it.
        if (expired) {
            cookies_.erase(same);
        } else {
            *same = std::move(c);
        }
        return true;
    }
    if (expired) return true;
    const std::string domain = c.domain;
    cookies_.push_back(std::move(c));
    evict_over_limits(domain);
    return true;
}

// RFC 6265bis §5.7 step 16: a cookie from a non-secure origin is ignored when a Secure cookie of
// the same name exists whose domain matches its domain (either way) and whose path its path
// matches: otherwise http://example.com could overwrite or shadow https://example.com's cookie.
bool CookieJar::shadows_secure_cookie(const Cookie& c) const {
    return std::any_of(cookies_.begin(), cookies_.end(), [&](const Cookie& o) {
        return o.secure && o.name == c.name &&
               (domain_matches(o.domain, c.domain) || domain_matches(c.domain, o.domain)) &&
               path_matches(c.path, o.path);
    });
}

// The jar's bounds (RFC 6265 §6.1 minimums): expired cookies go first, then the oldest of
// `domain` beyond kMaxPerDomain, then the oldest of all beyond kMaxCookies.
void CookieJar::evict_over_limits(const std::string& domain) {
    const auto now = std::chrono::system_clock::now();
    std::erase_if(cookies_, [&](const Cookie& o) { return !o.session && o.expires <= now; });
    size_t in_domain = std::count_if(cookies_.begin(), cookies_.end(),
                                     [&](const Cookie& o) { return o.domain == domain; });
    for (auto it = cookies_.begin(); in_domain > kMaxPerDomain && it != cookies_.end();) {
        if (it->domain == domain) {
            it = cookies_.erase(it);
            --in_domain;
        } else {
            ++it;
        }
    }
    if (cookies_.size() > kMaxCookies)
        cookies_.erase(cookies_.begin(),
                       cookies_.begin() + static_cast<std::ptrdiff_t>(cookies_.size() - kMaxCookies));
}

size_t CookieJar::size() {
    std::lock_guard lock(mutex_);
    return cookies_.size();
}

std::string CookieJar::header_for(const std::string& host_in, const std::string& path,
                                  bool secure) {
    const std::string host = to_ascii_lower(host_in);
    const auto now = std::chrono::system_clock::now();
    std::string out;
    std::lock_guard lock(mutex_);
    std::erase_if(cookies_, [&](const Cookie& c) { return !c.session && c.expires <= now; });
    // Newest first: Windows sends "NAME=value; name=value" for cookies set in the order
    // name, NAME (Wine winhttp.c test_cookies; the other order is marked broken()).
    for (auto it = cookies_.rbegin(); it != cookies_.rend(); ++it) {
        const Cookie& c = *it;
        const bool dom = c.host_only ? host == c.domain : domain_matches(host, c.domain);
        if (!dom || !path_matches(path.substr(0, path.find('?')), c.path)) continue;
        if (c.secure && !secure) continue;
        if (!out.empty()) out += "; ";
        out += c.name;
        out += '=';
        out += c.value;
    }
    return out;
}

}  // namespace winhttp
