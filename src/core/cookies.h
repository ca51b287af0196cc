// Session-wide cookie store: Set-Cookie from responses, Cookie on later requests
// (unless WINHTTP_DISABLE_COOKIES). Domain and path matching per RFC 6265, no persistence.
#pragma once
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace winhttp {

class CookieJar {
public:
    // Records one Set-Cookie value received from `host` for a request to `path`.
    void store(std::string_view set_cookie, const std::string& host, const std::string& path);
    // The Cookie header value for a request, or "" when no cookie applies.
    std::string header_for(const std::string& host, const std::string& path, bool secure);

private:
    struct Cookie {
        std::string name, value, domain, path;
        bool host_only = true;
        bool secure = false;
        bool session = true;
        std::chrono::system_clock::time_point expires{};
    };
    std::mutex mutex_;
    std::vector<Cookie> cookies_;
};

}  // namespace winhttp
