// options.h - the parsed command line.
#pragma once

#include <string>
#include <vector>

namespace whttp {

// One -d/--data or --data-binary argument; "@file" (or "@-" for stdin) names a file.
struct DataArg {
    std::string value;
    bool binary = false;  // --data-binary: sent as is; -d: CR and LF are stripped from files
};

struct Options {
    std::string url;
    std::string method;                // -X; empty: HEAD for -I, POST with data, PUT for -T
    std::vector<std::string> headers;  // -H, "Name: value"
    std::vector<DataArg> data;         // -d / --data-binary, joined with '&' like curl
    std::string upload_file;           // -T
    std::string output;                // -o; empty: stdout
    bool remote_name = false;          // -O: the output file is the URL's last path segment
    std::string write_out;             // -w FORMAT, printed on stdout after the transfer
    std::string trace;                 // --trace FILE ("-": stderr): the library's trace
    std::string user_agent;            // -A; empty: "whttp/<version>"
    std::string cacert;                // --cacert: becomes SSL_CERT_FILE
    std::string proxy;                 // -x; "" with proxy_set: no proxy at all
    bool proxy_set = false;            // -x given (else the environment, like curl)
    std::string noproxy;               // --noproxy: hosts that go direct (curl's no_proxy syntax)
    bool noproxy_set = false;
    long max_redirs = -1;              // --max-redirs; -1: the library's default
    double max_time = 0;               // -m, seconds; 0: no limit
    double connect_timeout = 0;        // --connect-timeout, seconds; 0: the library's default
    bool head = false;                 // -I
    bool include = false;              // -i
    bool follow = false;               // -L
    bool compressed = false;           // --compressed
    // --http2 / --http1.1: WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL; unset: the library's default
    enum class Http { unset, http1_1, http2 } http = Http::unset;
    bool verbose = false;              // -v
    bool silent = false;               // -s
    bool show_error = false;           // -S
    bool insecure = false;             // -k
    bool fail = false;                 // -f
    std::string user;                  // -u USER:PASSWORD
    bool user_set = false;
    // --basic/--digest/--ntlm/--negotiate/--anyauth
    enum class Auth { basic, digest, ntlm, negotiate, any } auth = Auth::basic;
    std::string proxy_user;            // --proxy-user USER:PASSWORD
    bool proxy_user_set = false;
    bool websocket = false;            // a ws:// or wss:// URL (websocket.h)
};

enum class ParseAction { run, help, version, error };

struct ParseResult {
    ParseAction action = ParseAction::run;
    std::string error;  // for ParseAction::error
};

// Parses argv into `opt`. Short flags may be grouped (-sSL) and a short option's value may
// be attached (-XPUT); long options take their value as the next argument or after '='.
ParseResult parse_args(int argc, char** argv, Options& opt);

// The --help text, including the exit code table.
void print_help();

}  // namespace whttp
