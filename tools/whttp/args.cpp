#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "options.h"

namespace whttp {
namespace {

struct Context {
    Options& opt;
    ParseAction action = ParseAction::run;
};

// Applies one option; returns an error message, or an empty string on success.
using Apply = std::string (*)(Context&, const std::string& value);

struct OptionSpec {
    char short_name;  // '\0' when there is none
    const char* long_name;
    const char* value_name;  // nullptr for a flag
    const char* help;
    Apply apply;
};

std::string parse_count(const std::string& v, long& out) {
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno != 0 || n < 0 || n > INT_MAX) {
        return "expected a non-negative number, got '" + v + "'";
    }
    out = n;
    return {};
}

std::string parse_seconds(const std::string& v, double& out) {
    char* end = nullptr;
    const double s = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !std::isfinite(s) || s <= 0 || s > INT_MAX / 1000.0) {
        return "expected a positive number of seconds, got '" + v + "'";
    }
    out = s;
    return {};
}

#define FLAG(field)                                     \
    [](Context& c, const std::string&) -> std::string { \
        c.opt.field = true;                             \
        return {};                                      \
    }
#define TEXT(field)                                       \
    [](Context& c, const std::string& v) -> std::string { \
        c.opt.field = v;                                  \
        return {};                                        \
    }

const OptionSpec kOptions[] = {
    {'X', "request", "METHOD",
     "request method (default GET; HEAD with -I, POST with -d, PUT with -T)", TEXT(method)},
    {'I', "head", nullptr, "send HEAD and print the response headers", FLAG(head)},
    {'d', "data", "DATA", "send DATA (or @FILE, @- for stdin, CR/LF removed) as a POST body",
     [](Context& c, const std::string& v) -> std::string {
         c.opt.data.push_back({v, false});
         return {};
     }},
    {'\0', "data-binary", "DATA", "like -d, but @FILE is sent exactly as stored",
     [](Context& c, const std::string& v) -> std::string {
         c.opt.data.push_back({v, true});
         return {};
     }},
    {'T', "upload-file", "FILE", "PUT FILE (appended to the URL when it ends with '/')",
     TEXT(upload_file)},
    {'H', "header", "LINE", "add a request header \"Name: value\" (\"Name:\" removes one)",
     [](Context& c, const std::string& v) -> std::string {
         c.opt.headers.push_back(v);
         return {};
     }},
    {'o', "output", "FILE", "write the body to FILE instead of stdout", TEXT(output)},
    {'O', "remote-name", nullptr, "write the body to a file named like the URL's last path segment",
     FLAG(remote_name)},
    {'w', "write-out", "FORMAT",
     "print FORMAT on stdout after the transfer: %{http_code} %{http_version} %{size_download}\n"
     "                               %{url_effective}"
     "                               %{time_namelookup} %{time_connect} %{time_appconnect}\n"
     "                               %{time_pretransfer} %{time_starttransfer} %{time_total} \\n",
     TEXT(write_out)},
    {'i', "include", nullptr, "write the response headers before the body", FLAG(include)},
    {'L', "location", nullptr, "follow redirects (off by default)", FLAG(follow)},
    {'\0', "max-redirs", "N", "follow at most N redirects (with -L)",
     [](Context& c, const std::string& v) { return parse_count(v, c.opt.max_redirs); }},
    {'\0', "compressed", nullptr, "ask for gzip/deflate and decompress the body", FLAG(compressed)},
    {'\0', "http2", nullptr,
     "use HTTP/2 when the server offers it in the TLS handshake (ALPN, https only; http:// "
     "stays HTTP/1.1: no h2c)",
     [](Context& c, const std::string&) -> std::string {
         c.opt.http = Options::Http::http2;
         return {};
     }},
    {'\0', "http1.1", nullptr, "use HTTP/1.1 only (the default)",
     [](Context& c, const std::string&) -> std::string {
         c.opt.http = Options::Http::http1_1;
         return {};
     }},
    {'v', "verbose", nullptr, "show request (\"> \") and response (\"< \") headers on stderr",
     FLAG(verbose)},
    {'s', "silent", nullptr, "no progress bar and no error messages", FLAG(silent)},
    {'S', "show-error", nullptr, "with -s, still show error messages", FLAG(show_error)},
    {'f', "fail", nullptr, "exit with 22 and print no body when the HTTP status is >= 400",
     FLAG(fail)},
    {'k', "insecure", nullptr, "accept any server certificate (https)", FLAG(insecure)},
    {'\0', "cacert", "FILE", "verify servers against the CA certificates in FILE (PEM)",
     TEXT(cacert)},
    {'x', "proxy", "[http://]HOST[:PORT]",
     "use this proxy for http and https (port 1080 by default; \"\" for none); without it "
     "http_proxy, https_proxy, all_proxy and no_proxy are honoured",
     [](Context& c, const std::string& v) -> std::string {
         c.opt.proxy = v;
         c.opt.proxy_set = true;
         return {};
     }},
    {'\0', "noproxy", "LIST", "comma-separated hosts that go direct (\"*\": all), as no_proxy",
     [](Context& c, const std::string& v) -> std::string {
         c.opt.noproxy = v;
         c.opt.noproxy_set = true;
         return {};
     }},
    {'u', "user", "USER:PASSWORD",
     "server credentials (Basic unless --digest, --ntlm, --negotiate or --anyauth; the "
     "password may be empty; \":\" with --ntlm/--negotiate: the default credentials)",
     [](Context& c, const std::string& v) -> std::string {
         c.opt.user = v;
         c.opt.user_set = true;
         return {};
     }},
    {'\0', "basic", nullptr, "with -u: Basic, sent with the first request (the default)",
     [](Context& c, const std::string&) -> std::string {
         c.opt.auth = Options::Auth::basic;
         return {};
     }},
    {'\0', "digest", nullptr, "with -u: Digest, answering the server's challenge",
     [](Context& c, const std::string&) -> std::string {
         c.opt.auth = Options::Auth::digest;
         return {};
     }},
    {'\0', "ntlm", nullptr, "with -u: NTLM (NTLMv2), the handshake on one connection",
     [](Context& c, const std::string&) -> std::string {
         c.opt.auth = Options::Auth::ntlm;
         return {};
     }},
    {'\0', "negotiate", nullptr,
     "with -u: Negotiate (Kerberos); -u : uses the Kerberos ticket cache (kinit)",
     [](Context& c, const std::string&) -> std::string {
         c.opt.auth = Options::Auth::negotiate;
         return {};
     }},
    {'\0', "anyauth", nullptr, "with -u: the strongest scheme the server offers",
     [](Context& c, const std::string&) -> std::string {
         c.opt.auth = Options::Auth::any;
         return {};
     }},
    {'\0', "proxy-user", "USER:PASSWORD", "proxy credentials (any scheme the proxy offers)",
     [](Context& c, const std::string& v) -> std::string {
         c.opt.proxy_user = v;
         c.opt.proxy_user_set = true;
         return {};
     }},
    {'m', "max-time", "SECONDS",
     "limit each network wait (WinHttpSetTimeouts) and the body download",
     [](Context& c, const std::string& v) { return parse_seconds(v, c.opt.max_time); }},
    {'\0', "connect-timeout", "SECONDS", "limit name resolution and connecting",
     [](Context& c, const std::string& v) { return parse_seconds(v, c.opt.connect_timeout); }},
    {'\0', "trace", "FILE",
     "write the library's trace to FILE (\"-\": stderr): each WinHTTP call with its arguments "
     "(the options above by name, e.g. --http2's WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL) and "
     "result, handles, notifications, connections, heads; credentials redacted",
     TEXT(trace)},
    {'A', "user-agent", "NAME", "User-Agent to send (default whttp/<version>)", TEXT(user_agent)},
    {'h', "help", nullptr, "show this help and exit",
     [](Context& c, const std::string&) -> std::string {
         c.action = ParseAction::help;
         return {};
     }},
    {'V', "version", nullptr, "show the version and exit",
     [](Context& c, const std::string&) -> std::string {
         c.action = ParseAction::version;
         return {};
     }},
};

#undef FLAG
#undef TEXT

// The WinHTTP call (or option) each command-line option becomes, for --help.
struct CallOf {
    const char* long_name;
    const char* call;
};

constexpr CallOf kCalls[] = {
    {"request", "WinHttpOpenRequest(pwszVerb)"},
    {"head", "WinHttpOpenRequest(L\"HEAD\")"},
    {"data", "WinHttpSendRequest(dwTotalLength) + WinHttpWriteData"},
    {"data-binary", "WinHttpSendRequest(dwTotalLength) + WinHttpWriteData"},
    {"upload-file", "WinHttpSendRequest(dwTotalLength) + WinHttpWriteData"},
    {"header", "WinHttpAddRequestHeaders(ADD | REPLACE)"},
    {"output", "WinHttpQueryDataAvailable + WinHttpReadData"},
    {"remote-name", "WinHttpCrackUrl (lpszUrlPath)"},
    {"write-out", "WinHttpQueryOption(WINHTTP_OPTION_REQUEST_TIMES, WINHTTP_OPTION_URL,\n"
                  "                                 WINHTTP_OPTION_HTTP_PROTOCOL_USED)"},
    {"include", "WinHttpQueryHeaders(WINHTTP_QUERY_RAW_HEADERS_CRLF)"},
    {"location", "WINHTTP_OPTION_REDIRECT_POLICY (without: WINHTTP_DISABLE_REDIRECTS)"},
    {"max-redirs", "WINHTTP_OPTION_MAX_HTTP_AUTOMATIC_REDIRECTS"},
    {"compressed", "WINHTTP_OPTION_DECOMPRESSION"},
    {"http2", "WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL(WINHTTP_PROTOCOL_FLAG_HTTP2)"},
    {"http1.1", "WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL(0)"},
    {"verbose", "WinHttpSetStatusCallback + WinHttpQueryHeaders(FLAG_REQUEST_HEADERS)"},
    {"fail", "WinHttpQueryHeaders(WINHTTP_QUERY_STATUS_CODE | FLAG_NUMBER)"},
    {"insecure", "WINHTTP_OPTION_SECURITY_FLAGS (SECURITY_FLAG_IGNORE_ALL_CERT_ERRORS)"},
    {"cacert", "SSL_CERT_FILE (the library's trust store)"},
    {"proxy", "WinHttpOpen(WINHTTP_ACCESS_TYPE_NAMED_PROXY)"},
    {"noproxy", "WinHttpOpen(pszProxyBypassW)"},
    {"user", "WinHttpSetCredentials (--anyauth: WINHTTP_OPTION_USERNAME/PASSWORD)"},
    {"proxy-user", "WINHTTP_OPTION_PROXY_USERNAME/PROXY_PASSWORD"},
    {"max-time", "WinHttpSetTimeouts"},
    {"connect-timeout", "WinHttpSetTimeouts(nResolveTimeout, nConnectTimeout)"},
    {"user-agent", "WinHttpOpen(pszAgentW)"},
    {"trace", "WinHttpSetOption(NULL, WINHTTP_OPTION_ENABLETRACING) + OPENWINHTTP_TRACE=FILE"},
};

const char* call_of(const char* long_name) {
    for (const CallOf& c : kCalls) {
        if (std::string_view(c.long_name) == long_name) return c.call;
    }
    return nullptr;
}

const OptionSpec* find_short(char name) {
    for (const OptionSpec& s : kOptions) {
        if (s.short_name == name) return &s;
    }
    return nullptr;
}

const OptionSpec* find_long(std::string_view name) {
    for (const OptionSpec& s : kOptions) {
        if (name == s.long_name) return &s;
    }
    return nullptr;
}

// The walk over argv: the index of the next argument, shared by the option handlers.
struct Cursor {
    int argc;
    char** argv;
    int next = 1;
    bool done() const { return next >= argc; }
    std::string take() { return argv[next++]; }
};

std::string apply(Context& c, const OptionSpec& spec, const std::string& value) {
    std::string err = spec.apply(c, value);
    if (err.empty()) return {};
    return err.rfind("--", 0) == 0 ? err : std::string("--") + spec.long_name + ": " + err;
}

std::string parse_long_option(Context& c, Cursor& cur, std::string_view arg) {
    const std::string_view body = arg.substr(2);
    const size_t eq = body.find('=');
    const std::string_view name = body.substr(0, eq);
    const OptionSpec* spec = find_long(name);
    if (!spec) return "unknown option --" + std::string(name);
    if (!spec->value_name) {
        if (eq != std::string_view::npos) return "--" + std::string(name) + " takes no value";
        return apply(c, *spec, {});
    }
    if (eq != std::string_view::npos) return apply(c, *spec, std::string(body.substr(eq + 1)));
    if (cur.done()) return "--" + std::string(name) + " needs a value";
    return apply(c, *spec, cur.take());
}

std::string parse_short_group(Context& c, Cursor& cur, std::string_view arg) {
    for (size_t i = 1; i < arg.size(); ++i) {
        const OptionSpec* spec = find_short(arg[i]);
        if (!spec) return "unknown option -" + std::string(1, arg[i]);
        if (!spec->value_name) {
            std::string err = apply(c, *spec, {});
            if (!err.empty()) return err;
            continue;
        }
        if (i + 1 < arg.size()) return apply(c, *spec, std::string(arg.substr(i + 1)));
        if (cur.done()) return "-" + std::string(1, arg[i]) + " needs a value";
        return apply(c, *spec, cur.take());
    }
    return {};
}

std::string set_url(Options& opt, std::string url) {
    if (!opt.url.empty())
        return "only one URL is supported (got '" + opt.url + "' and '" + url + "')";
    opt.url = std::move(url);
    return {};
}

std::string parse_all(Context& c, Cursor& cur) {
    bool options_ended = false;
    while (!cur.done()) {
        const std::string arg = cur.take();
        std::string err;
        if (options_ended || arg.size() < 2 || arg[0] != '-') {
            err = set_url(c.opt, arg);
        } else if (arg == "--") {
            options_ended = true;
        } else if (arg[1] == '-') {
            err = parse_long_option(c, cur, arg);
        } else {
            err = parse_short_group(c, cur, arg);
        }
        if (!err.empty()) return err;
    }
    return {};
}

std::string check_combination(const Options& opt) {
    if (opt.url.empty()) return "no URL given";
    if (!opt.data.empty() && !opt.upload_file.empty()) return "-d and -T cannot be combined";
    if (opt.head && (!opt.data.empty() || !opt.upload_file.empty())) {
        return "-I cannot be combined with -d or -T";
    }
    return {};
}

}  // namespace

ParseResult parse_args(int argc, char** argv, Options& opt) {
    Context c{opt};
    Cursor cur{argc, argv};
    std::string err = parse_all(c, cur);
    if (err.empty() && c.action == ParseAction::run) err = check_combination(opt);
    if (!err.empty()) return {ParseAction::error, err};
    return {c.action, {}};
}

namespace {

void print_option(const OptionSpec& s) {
    std::string names = s.short_name ? std::string("-") + s.short_name + ", " : "    ";
    names += std::string("--") + s.long_name;
    if (s.value_name) names += std::string(" ") + s.value_name;
    std::printf("  %-28s %s\n", names.c_str(), s.help);
    if (const char* call = call_of(s.long_name)) std::printf("  %-28s   -> %s\n", "", call);
}

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "   0  success (any HTTP status, unless -f)\n"
    "   1  other WinHTTP failure\n"
    "   2  bad command line or unsupported option\n"
    "   3  bad URL: ERROR_WINHTTP_INVALID_URL, ERROR_WINHTTP_UNRECOGNIZED_SCHEME\n"
    "   6  ERROR_WINHTTP_NAME_NOT_RESOLVED\n"
    "   7  ERROR_WINHTTP_CANNOT_CONNECT\n"
    "  22  HTTP status >= 400 with -f/--fail\n"
    "  23  cannot write the output (also: -O and the URL names no file)\n"
    "  26  cannot read a file given to -d, --data-binary or -T\n"
    "  28  ERROR_WINHTTP_TIMEOUT (-m, --connect-timeout), or the -m limit passed while reading "
    "the body\n"
    "  35  ERROR_WINHTTP_SECURE_FAILURE, SECURE_CHANNEL_ERROR, client certificate errors\n"
    "  47  ERROR_WINHTTP_REDIRECT_FAILED (also: more redirects than --max-redirs)\n"
    "  52  ERROR_WINHTTP_INVALID_SERVER_RESPONSE, response header limits exceeded\n"
    "  56  ERROR_WINHTTP_CONNECTION_ERROR\n"
    "  60  ERROR_WINHTTP_SECURE_CERT_*, SECURE_INVALID_CA, SECURE_INVALID_CERT\n"
    "A failed call prints \"whttp: <function> failed: <ERROR_NAME> (<code>)\".\n";

}  // namespace

void print_help() {
    std::printf(
        "Usage: whttp [options] URL\n"
        "A curl-like HTTP client written against the WinHTTP API (OpenWinHTTP).\n"
        "URL is http:// or https://; without a scheme http:// is assumed.\n"
        "With ws:// or wss:// whttp speaks WebSocket: each line of stdin is sent as a text\n"
        "message and each message that arrives is printed on a line, until stdin ends (our close\n"
        "frame) and the server's close frame arrives, or the server closes.\n\n"
        "Options:\n");
    for (const OptionSpec& s : kOptions) print_option(s);
    std::printf("\n%s", kExitCodes);
}

}  // namespace whttp
