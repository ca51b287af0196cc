#include "core/cookies.h"

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

}  // namespace

void CookieJar::store(std::string_view set_cookie, const std::string& host,
                      const std::string& path) {
    Cookie c;
    const auto semi = set_cookie.find(';');
    std::string_view pair = trim(set_cookie.substr(0, semi));
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return;
    c.name = std::string(trim(pair.substr(0, eq)));
    c.value = std::string(trim(pair.substr(eq + 1)));
    c.domain = to_ascii_lower(host);
    c.path = default_path(path);
    std::string_view attrs = semi == std::string_view::npos ? "" : set_cookie.substr(semi + 1);
    const auto now = std::chrono::system_clock::now();
    while (!attrs.empty()) {
        const auto next = attrs.find(';');
        std::string_view a = trim(attrs.substr(0, next));
        attrs = next == std::string_view::npos ? "" : attrs.substr(next + 1);
        const auto aeq = a.find('=');
        const std::string key = to_ascii_lower(trim(a.substr(0, aeq)));
        const std::string_view val = aeq == std::string_view::npos ? "" : trim(a.substr(aeq + 1));
        if (key == "domain" && !val.empty()) {
            std::string d = to_ascii_lower(val.front() == '.' ? val.substr(1) : val);
            if (!domain_matches(c.domain, d)) return;  // a server may not set foreign cookies
            c.domain = d;
            c.host_only = false;
        } else if (key == "path" && !val.empty() && val.front() == '/') {
            c.path = std::string(val);
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
    std::lock_guard lock(mutex_);
    std::erase_if(cookies_, [&](const Cookie& o) {
        return o.name == c.name && o.domain == c.domain && o.path == c.path;
    });
    if (c.session || c.expires > now) cookies_.push_back(std::move(c));
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
