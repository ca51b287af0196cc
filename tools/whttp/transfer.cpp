#include <cstdlib>
#include "transfer.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cwchar>
#include <string>

#include "download.h"
#include "errors.h"
#include "handle.h"
#include "headers.h"
#include "text.h"
#include "upload.h"
#include "websocket.h"
#include "writeout.h"

#ifndef WHTTP_VERSION
#define WHTTP_VERSION "0"
#endif

namespace whttp {
namespace {

// Where the request goes, from WinHttpCrackUrl.
struct Target {
    bool secure = false;
    std::wstring host;
    INTERNET_PORT port = 0;
    std::wstring object;  // path and query, without the fragment
};

// curl accepts "host/path"; so does whttp, as http.
std::string with_scheme(const std::string& url) {
    return url.find("://") == std::string::npos ? "http://" + url : url;
}

std::wstring object_name(const URL_COMPONENTS& uc) {
    std::wstring object(uc.lpszUrlPath, uc.dwUrlPathLength);
    object.append(uc.lpszExtraInfo, uc.dwExtraInfoLength);
    object = object.substr(0, object.find(L'#'));
    return object.empty() || object[0] != L'/' ? L"/" + object : object;
}

// -T FILE with a URL path ending in '/' uploads to that directory under FILE's name.
void append_upload_name(const Options& opt, std::wstring& object) {
    if (opt.upload_file.empty() || opt.upload_file == "-") return;
    const size_t query = object.find(L'?');
    const std::wstring path = object.substr(0, query);
    if (path.empty() || path.back() != L'/') return;
    const std::string base = opt.upload_file.substr(opt.upload_file.find_last_of('/') + 1);
    object.insert(path.size(), to_wide(base));
}

int crack_url(const Options& opt, Target& target) {
    const std::wstring url = to_wide(with_scheme(opt.url));
    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof uc;
    uc.dwSchemeLength = uc.dwHostNameLength = uc.dwUrlPathLength = uc.dwExtraInfoLength =
        static_cast<DWORD>(-1);
    if (!WinHttpCrackUrl(url.c_str(), 0, 0, &uc)) return report_failure("WinHttpCrackUrl");
    if (uc.nScheme != INTERNET_SCHEME_HTTP && uc.nScheme != INTERNET_SCHEME_HTTPS) {
        message("unsupported scheme in %s: only http and https", opt.url.c_str());
        return kExitBadUrl;
    }
    target.secure = uc.nScheme == INTERNET_SCHEME_HTTPS;
    target.host.assign(uc.lpszHostName, uc.dwHostNameLength);
    target.port = uc.nPort;
    target.object = object_name(uc);
    append_upload_name(opt, target.object);
    return kExitOk;
}

// Characters of a callback string: up to `length` (when given) or the NUL.
size_t callback_text_length(const WCHAR* text, DWORD length) {
    if (!text) return 0;
    if (length == 0) return std::wcslen(text);
    size_t n = 0;
    while (n < length && text[n] != L'\0') ++n;
    return n;
}

// -v: name resolution, connection and redirect notifications as "* " lines.
void CALLBACK on_status(HINTERNET, DWORD_PTR, DWORD status, LPVOID info, DWORD length) {
    const char* what = nullptr;
    switch (status) {
        case WINHTTP_CALLBACK_STATUS_RESOLVING_NAME:
            what = "Resolving";
            break;
        case WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER:
            what = "Connecting to";
            break;
        case WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER:
            what = "Connected to";
            break;
        case WINHTTP_CALLBACK_STATUS_REDIRECT:
            what = "Redirected to";
            break;
        default:
            return;
    }
    const auto* text = static_cast<const WCHAR*>(info);
    const std::wstring_view value(text, callback_text_length(text, length));
    std::fprintf(stderr, "* %s %s\n", what, to_utf8(value).c_str());
}

// curl's "[http://][user:pw@]host[:port][/]" as a WinHTTP proxy string ("host:port").
std::string winhttp_proxy(std::string v) {
    if (const size_t sep = v.find("://"); sep != std::string::npos) v.erase(0, sep + 3);
    if (const size_t at = v.rfind('@'); at != std::string::npos) v.erase(0, at + 1);
    if (const size_t slash = v.find('/'); slash != std::string::npos) v.resize(slash);
    if (v.empty()) return v;
    const size_t colon = v.rfind(':');
    const bool has_port = colon != std::string::npos && colon > 0 && (v.front() != '[' || v[colon - 1] == ']');
    return has_port ? v : v + ":1080";
}

// curl's no_proxy list as a WinHTTP bypass list: a name also covers its subdomains.
std::string winhttp_bypass(const std::string& list) {
    std::string out;
    size_t i = 0;
    while (i <= list.size()) {
        size_t j = list.find(',', i);
        if (j == std::string::npos) j = list.size();
        std::string item = list.substr(i, j - i);
        i = j + 1;
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (item.rfind("*.", 0) == 0) item.erase(0, 2);
        while (!item.empty() && item.front() == '.') item.erase(0, 1);
        if (item.empty()) continue;
        out += (out.empty() ? "" : ";") + item + ";*." + item;
    }
    return out;
}

// The access type and strings for WinHttpOpen, as curl chooses its proxy: -x wins, -x ""
// means none, else the environment (DEFAULT_PROXY reads it like curl); --noproxy replaces
// no_proxy. "*" in --noproxy means no proxy at all.
struct ProxyChoice {
    DWORD access = WINHTTP_ACCESS_TYPE_DEFAULT_PROXY;
    std::wstring proxy, bypass;
};

ProxyChoice choose_proxy(const Options& opt) {
    ProxyChoice c;
    if (opt.noproxy_set && opt.noproxy.find('*') != std::string::npos &&
        opt.noproxy.find_first_not_of(" *") == std::string::npos) {
        c.access = WINHTTP_ACCESS_TYPE_NO_PROXY;
        return c;
    }
    if (opt.proxy_set) {
        if (opt.proxy.empty()) {
            c.access = WINHTTP_ACCESS_TYPE_NO_PROXY;
            return c;
        }
        c.access = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
        c.proxy = to_wide(winhttp_proxy(opt.proxy));
        if (opt.noproxy_set) c.bypass = to_wide(winhttp_bypass(opt.noproxy));
        return c;
    }
    if (opt.noproxy_set) {
        // The session reads the environment when it is opened; whttp has no other thread yet.
        ::setenv("no_proxy", opt.noproxy.c_str(), 1);
        ::unsetenv("NO_PROXY");
    }
    return c;
}

int to_ms(double seconds) {
    return static_cast<int>(seconds * 1000 + 0.5);
}

// -m limits every wait; --connect-timeout resolving and connecting (the smaller one wins there).
// What neither sets keeps WinHTTP's defaults: resolve infinite, connect 60 s, send/receive 30 s.
int set_timeouts(const Options& opt, HINTERNET session) {
    const int max = opt.max_time > 0 ? to_ms(opt.max_time) : 0;
    int connect = opt.connect_timeout > 0 ? to_ms(opt.connect_timeout) : max;
    if (max > 0 && connect > max) connect = max;
    if (!WinHttpSetTimeouts(session, connect, connect > 0 ? connect : 60000, max > 0 ? max : 30000,
                            max > 0 ? max : 30000)) {
        return report_failure("WinHttpSetTimeouts");
    }
    return kExitOk;
}

int open_session(const Options& opt, Handle& session) {
    // WinHTTP has no CA-file option; the library's trust store honours SSL_CERT_FILE, as
    // OpenSSL-based tools do (README, HTTPS), and reads it at the first https request.
    if (!opt.cacert.empty()) ::setenv("SSL_CERT_FILE", opt.cacert.c_str(), 1);
    if (!opt.trace.empty()) {
        // The library writes its trace where OPENWINHTTP_TRACE says once tracing is enabled.
        ::setenv("OPENWINHTTP_TRACE", opt.trace == "-" ? "stderr" : opt.trace.c_str(), 1);
        BOOL on = TRUE;
        if (!WinHttpSetOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, sizeof on))
            return report_failure("WinHttpSetOption(WINHTTP_OPTION_ENABLETRACING)");
    }
    const std::string agent = opt.user_agent.empty() ? "whttp/" WHTTP_VERSION : opt.user_agent;
    const ProxyChoice proxy = choose_proxy(opt);
    session = Handle(WinHttpOpen(to_wide(agent).c_str(), proxy.access,
                                 proxy.proxy.empty() ? WINHTTP_NO_PROXY_NAME : proxy.proxy.c_str(),
                                 proxy.bypass.empty() ? WINHTTP_NO_PROXY_BYPASS : proxy.bypass.c_str(),
                                 0));
    if (!session) return report_failure("WinHttpOpen");
    if (opt.max_time > 0 || opt.connect_timeout > 0) {
        if (int rc = set_timeouts(opt, session.get())) return rc;
    }
    if (opt.verbose) {
        const DWORD events = WINHTTP_CALLBACK_FLAG_RESOLVE_NAME |
                             WINHTTP_CALLBACK_FLAG_CONNECT_TO_SERVER |
                             WINHTTP_CALLBACK_FLAG_REDIRECT;
        if (WinHttpSetStatusCallback(session.get(), on_status, events, 0) ==
            WINHTTP_INVALID_STATUS_CALLBACK) {
            return report_failure("WinHttpSetStatusCallback");
        }
    }
    return kExitOk;
}

std::string method_for(const Options& opt) {
    if (!opt.method.empty()) return opt.method;
    if (opt.head) return "HEAD";
    if (!opt.upload_file.empty()) return "PUT";
    if (!opt.data.empty()) return "POST";
    return "GET";
}

int open_request(const Options& opt, const Target& target, HINTERNET connect, Handle& request) {
    LPCWSTR accept[] = {L"*/*", nullptr};
    request = Handle(WinHttpOpenRequest(connect, to_wide(method_for(opt)).c_str(),
                                        target.object.c_str(), nullptr, WINHTTP_NO_REFERER, accept,
                                        target.secure ? WINHTTP_FLAG_SECURE : 0));
    return request ? kExitOk : report_failure("WinHttpOpenRequest");
}

int set_option(HINTERNET request, DWORD option, DWORD value, const char* name) {
    if (WinHttpSetOption(request, option, &value, sizeof value)) return kExitOk;
    return report_failure(("WinHttpSetOption(" + std::string(name) + ")").c_str());
}

#define WHTTP_SET_OPTION(request, option, value) set_option(request, option, value, #option)

int configure_redirects(const Options& opt, HINTERNET request) {
    if (!opt.follow) {
        return WHTTP_SET_OPTION(request, WINHTTP_OPTION_DISABLE_FEATURE, WINHTTP_DISABLE_REDIRECTS);
    }
    // Like curl -L: also from https to http.
    if (int rc = WHTTP_SET_OPTION(request, WINHTTP_OPTION_REDIRECT_POLICY,
                                  WINHTTP_OPTION_REDIRECT_POLICY_ALWAYS)) {
        return rc;
    }
    if (opt.max_redirs < 0) return kExitOk;
    return WHTTP_SET_OPTION(request, WINHTTP_OPTION_MAX_HTTP_AUTOMATIC_REDIRECTS,
                            static_cast<DWORD>(opt.max_redirs));
}

int configure_request(const Options& opt, HINTERNET request) {
    if (int rc = configure_redirects(opt, request)) return rc;
    if (opt.compressed) {
        if (int rc = WHTTP_SET_OPTION(request, WINHTTP_OPTION_DECOMPRESSION,
                                      WINHTTP_DECOMPRESSION_FLAG_ALL)) {
            return rc;
        }
    }
    if (opt.http != Options::Http::unset) {
        const DWORD protocols = opt.http == Options::Http::http2 ? WINHTTP_PROTOCOL_FLAG_HTTP2 : 0;
        if (int rc = WHTTP_SET_OPTION(request, WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL, protocols)) return rc;
    }
    if (opt.insecure) {
        return WHTTP_SET_OPTION(request, WINHTTP_OPTION_SECURITY_FLAGS,
                                SECURITY_FLAG_IGNORE_ALL_CERT_ERRORS);
    }
    return kExitOk;
}

#undef WHTTP_SET_OPTION

// "user:password" -> the two halves (no colon: an empty password, like curl).
void split_user(const std::string& v, std::wstring& user, std::wstring& password) {
    const size_t colon = v.find(':');
    user = to_wide(v.substr(0, colon));
    password = colon == std::string::npos ? std::wstring() : to_wide(v.substr(colon + 1));
}

int set_text_option(HINTERNET request, DWORD option, const std::wstring& v, const char* name) {
    if (WinHttpSetOption(request, option, const_cast<wchar_t*>(v.c_str()),
                         static_cast<DWORD>(v.size())))
        return kExitOk;
    return report_failure(("WinHttpSetOption(" + std::string(name) + ")").c_str());
}

// -u with --basic / --digest / --ntlm / --negotiate: WinHttpSetCredentials for that scheme
// (Basic, NTLM's type 1 and Negotiate's token go with the first request); --anyauth: the USERNAME/PASSWORD options, so the library picks the strongest
// scheme the server offers. --proxy-user: the PROXY_USERNAME/PROXY_PASSWORD options.
int configure_auth(const Options& opt, HINTERNET request) {
    std::wstring user, password;
    if (opt.user_set) {
        split_user(opt.user, user, password);
        if (opt.auth == Options::Auth::any) {
            if (int rc = set_text_option(request, WINHTTP_OPTION_USERNAME, user, "USERNAME")) return rc;
            if (int rc = set_text_option(request, WINHTTP_OPTION_PASSWORD, password, "PASSWORD")) return rc;
        } else {
            DWORD scheme = WINHTTP_AUTH_SCHEME_BASIC;
            if (opt.auth == Options::Auth::digest) scheme = WINHTTP_AUTH_SCHEME_DIGEST;
            if (opt.auth == Options::Auth::ntlm) scheme = WINHTTP_AUTH_SCHEME_NTLM;
            if (opt.auth == Options::Auth::negotiate) scheme = WINHTTP_AUTH_SCHEME_NEGOTIATE;
            // "-u :" with NTLM/Negotiate: NULL user and password, the default credentials
            // (WinHttpSetCredentials page).
            const bool connection_based = scheme == WINHTTP_AUTH_SCHEME_NTLM ||
                                          scheme == WINHTTP_AUTH_SCHEME_NEGOTIATE;
            const bool use_default = connection_based && user.empty() && password.empty();
            if (!WinHttpSetCredentials(request, WINHTTP_AUTH_TARGET_SERVER, scheme,
                                       use_default ? nullptr : user.c_str(),
                                       use_default ? nullptr : password.c_str(), nullptr))
                return report_failure("WinHttpSetCredentials");
        }
    }
    if (opt.proxy_user_set) {
        split_user(opt.proxy_user, user, password);
        if (int rc = set_text_option(request, WINHTTP_OPTION_PROXY_USERNAME, user, "PROXY_USERNAME")) return rc;
        if (int rc = set_text_option(request, WINHTTP_OPTION_PROXY_PASSWORD, password, "PROXY_PASSWORD")) return rc;
    }
    return kExitOk;
}

bool has_header(const Options& opt, std::string_view name) {
    for (const std::string& line : opt.headers) {
        if (iequals(std::string_view(line).substr(0, line.find(':')), name)) return true;
    }
    return false;
}

int add_header(HINTERNET request, const std::string& line) {
    if (line.find(':') == std::string::npos || line.find_first_of("\r\n") != std::string::npos) {
        message("bad header '%s': expected \"Name: value\" on one line", line.c_str());
        return kExitUsage;
    }
    const DWORD flags = WINHTTP_ADDREQ_FLAG_ADD | WINHTTP_ADDREQ_FLAG_REPLACE;
    if (!WinHttpAddRequestHeaders(request, to_wide(line).c_str(), static_cast<DWORD>(-1), flags)) {
        return report_failure("WinHttpAddRequestHeaders");
    }
    return kExitOk;
}

int add_headers(const Options& opt, HINTERNET request) {
    if (!opt.data.empty() && !has_header(opt, "Content-Type")) {
        if (int rc = add_header(request, "Content-Type: application/x-www-form-urlencoded")) {
            return rc;
        }
    }
    for (const std::string& line : opt.headers) {
        if (int rc = add_header(request, line)) return rc;
    }
    return kExitOk;
}

// -v: what went out, as the library reports it; a failure here does not stop the transfer.
void show_request_headers(HINTERNET request) {
    std::string raw;
    if (query_raw_headers(request, WINHTTP_QUERY_FLAG_REQUEST_HEADERS, raw) == kExitOk) {
        print_prefixed(stderr, '>', raw);
    }
}

int write_response(const Options& opt, HINTERNET request, Deadline deadline, TransferReport& report) {
    DWORD& status = report.http_code;
    if (int rc = query_status(request, status)) return rc;
    std::string raw;
    if ((opt.verbose || opt.include || opt.head) && query_raw_headers(request, 0, raw) != kExitOk) {
        return kExitGeneric;
    }
    if (opt.verbose) print_prefixed(stderr, '<', raw);
    if (opt.fail && status >= 400) {
        message("the requested URL returned error: %u", status);
        return kExitHttpError;
    }
    Output out(opt.output);
    if ((opt.include || opt.head) && !out.write(raw)) return out.close();
    if (!opt.head) {
        const bool progress = !opt.silent && isatty(STDERR_FILENO) && !out.is_terminal();
        if (int rc = read_body(request, out, progress, deadline, report.size_download)) return rc;
    }
    return out.close();
}

Deadline deadline_for(const Options& opt) {
    if (opt.max_time <= 0) return std::nullopt;
    return std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::duration<double>(opt.max_time));
}

// -O: the last segment of the URL's path, without query or fragment (curl's rule).
std::string remote_name(const std::string& url) {
    std::string path = with_scheme(url);
    path.erase(0, path.find("://") + 3);
    path = path.substr(0, path.find_first_of("?#"));
    const size_t slash = path.find('/');
    if (slash == std::string::npos) return {};
    return path.substr(path.find_last_of('/') + 1);
}

}  // namespace

int run_transfer(const Options& opt) {
    if (opt.remote_name && opt.output.empty()) {
        Options named = opt;
        named.output = remote_name(opt.url);
        if (named.output.empty()) {
            message("-O: the URL names no file (%s)", opt.url.c_str());
            return kExitWrite;
        }
        return run_transfer(named);
    }
    std::string http_url;
    if (websocket_url(opt.url, http_url)) {
        Options ws = opt;
        ws.url = http_url;
        ws.websocket = true;
        return run_transfer(ws);
    }
    const auto started = std::chrono::steady_clock::now();
    const Deadline deadline = deadline_for(opt);
    RequestBody body;
    Target target;
    if (int rc = body.load(opt)) return rc;
    if (int rc = crack_url(opt, target)) return rc;
    Handle session, connect, request;
    if (int rc = open_session(opt, session)) return rc;
    connect = Handle(WinHttpConnect(session.get(), target.host.c_str(), target.port, 0));
    if (!connect) return report_failure("WinHttpConnect");
    if (int rc = open_request(opt, target, connect.get(), request)) return rc;
    if (int rc = configure_request(opt, request.get())) return rc;
    if (int rc = add_headers(opt, request.get())) return rc;
    if (int rc = configure_auth(opt, request.get())) return rc;
    if (opt.websocket && !WinHttpSetOption(request.get(), WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET, nullptr, 0))
        return report_failure("WinHttpSetOption(WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET)");
    // A streamed body (-T, --data-binary @FILE) met a challenge the library can answer: it asks
    // for the request again (ERROR_WINHTTP_RESEND_REQUEST), once for a proxy and once for the
    // server at most.
    for (int round = 0;; ++round) {
        if (int rc = body.send(request.get())) return rc;
        if (opt.verbose) show_request_headers(request.get());
        if (WinHttpReceiveResponse(request.get(), nullptr)) break;
        if (GetLastError() != ERROR_WINHTTP_RESEND_REQUEST || round == 2)
            return report_failure("WinHttpReceiveResponse");
    }
    if (opt.websocket) return run_websocket(request);
    TransferReport report;
    const int rc = write_response(opt, request.get(), deadline, report);
    if (!opt.write_out.empty() && (rc == kExitOk || rc == kExitHttpError)) {
        report.time_total =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        write_out(opt.write_out, request.get(), report);
    }
    return rc;
}

}  // namespace whttp
