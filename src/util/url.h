// URL splitting, building, escaping and reference resolution: the logic behind WinHttpCrackUrl,
// WinHttpCreateUrl (src/api/url_api.cpp), WinHttpOpenRequest's object-name escaping and redirect
// handling. Pure functions: no I/O, no last error; failures are returned as Windows error codes.
//
// Only http and https are recognised, as WinHttpCrackUrl documents. Component boundaries follow
// RFC 3986: the authority ends at the first '/', '?' or '#'; user info ends at the last '@' in
// the authority; the path ends at the first '?' or '#'; everything from there on is "extra
// info" and keeps its leading '?' or '#' (URL_COMPONENTS page: "?something or #something").
#pragma once

#include <winhttp.h>

#include <string>
#include <string_view>

namespace winhttp {

// Where each component of a URL lies, as views into the string given to split_url.
struct UrlSpan {
    int scheme_id = 0;       // INTERNET_SCHEME_HTTP or INTERNET_SCHEME_HTTPS
    INTERNET_PORT port = 0;  // explicit port (0 included), or the scheme's default when none or
                             // an empty one ("host:") was given
    bool explicit_port = false;
    bool has_user_info = false;  // an '@' ends a user-info part (possibly empty)
    bool has_password = false;   // the user info holds a ':'
    std::wstring_view scheme;    // as written ("HTTP" stays "HTTP")
    std::wstring_view user;
    std::wstring_view password;
    std::wstring_view host;   // an IPv6 literal keeps its brackets: "[::1]"
    std::wstring_view path;   // "" or starts with '/'
    std::wstring_view extra;  // "" or starts with '?' or '#'
};

// Splits `url` into components without decoding or copying anything.
// Returns:
//   ERROR_SUCCESS
//   ERROR_WINHTTP_UNRECOGNIZED_SCHEME  no "scheme:" prefix, or a scheme other than http/https
//   ERROR_WINHTTP_INVALID_URL          "//" missing after the scheme, empty host, unterminated
//                                      or malformed IPv6 literal, port not all digits, port
//                                      above 65535 (an explicit port 0 is returned as 0)
// On failure `out` is left in an unspecified state.
DWORD split_url(std::wstring_view url, UrlSpan& out);

// Default port of INTERNET_SCHEME_HTTP (80) or INTERNET_SCHEME_HTTPS (443); 0 for anything else.
INTERNET_PORT default_port(int scheme_id) noexcept;

// An absolute http(s) URL in owned strings, for the request engine (connect, redirects).
struct ParsedUrl {
    int scheme = 0;          // INTERNET_SCHEME_HTTP or INTERNET_SCHEME_HTTPS
    std::wstring host;       // IPv6 literal with brackets, as WinHttpCrackUrl returns it
    INTERNET_PORT port = 0;  // never 0: the scheme's default fills in
    std::wstring user, password;
    std::wstring path;   // raw (still escaped), "" when the URL has none
    std::wstring extra;  // raw, "" or starting with '?' or '#'
};

// split_url into owned strings. Returns what split_url returns; `out` is only written on success.
DWORD crack_url(std::wstring_view url, ParsedUrl& out);

// Replaces every "%XX" (two hex digits) by the character with that code (0..255). As the
// WinHttpCrackUrl page says of ICU_DECODE, UTF-8 sequences are not decoded further. A '%' not
// followed by two hex digits is kept.
std::wstring percent_decode(std::wstring_view text);

// Which characters ICU_ESCAPE escapes besides the unsafe set below.
enum class UrlEscape {
    crack,   // WinHttpCrackUrl: '%', '#' and '~' kept, so escaping an escaped string changes
             // nothing (our choice; no Windows fact known)
    create,  // WinHttpCreateUrl: '#', '%' and '~' escaped too (Wine url.c, verified on Windows)
};

// ICU_ESCAPE: replaces characters that cannot appear raw in an HTTP request line by "%XX" —
// control characters, space, DEL, " < > [ \ ] ^ ` { | } and every non-ASCII character (as the
// %XX bytes of its UTF-8 form, CP_ACP being UTF-8 here). '?' and the other URL delimiters are
// kept.
std::wstring escape_url_text(std::wstring_view text, UrlEscape set = UrlEscape::crack);

// What WinHttpCreateUrl assembles a URL from; views into the caller's URL_COMPONENTS strings.
struct UrlBuildParts {
    std::wstring_view scheme;  // empty: derived from scheme_id
    int scheme_id = 0;         // nScheme
    std::wstring_view host;
    INTERNET_PORT port = 0;
    std::wstring_view user, password, path, extra;
    bool has_host = false, has_user = false, has_password = false;  // pointer given (non-NULL)
};

// Builds scheme://[user[:password]@]host[:port][path][extra] as Windows does (facts from Wine's
// url.c, verified on Windows, in tests/conformance/wine_url_test.cpp):
//  - scheme: `scheme` as given (it wins over scheme_id), else "http"/"https" from scheme_id;
//    scheme_id 0 with no text means http.
//  - user info is written when a user name is given, even an empty one; ":password" when a
//    password is given, even an empty one ("http://:@host", "user:@host").
//  - the host may be absent ("http://?x"); a host holding ':' without brackets gets them.
//  - port: see append_port in url.cpp (only written after a given host).
//  - a non-empty path not starting with '/' gets one after a non-empty host.
//  - ICU_ESCAPE escapes path and extra with escape_url_text(UrlEscape::create).
// Returns ERROR_SUCCESS, ERROR_INVALID_PARAMETER (password without user name; scheme_id not
// 0/HTTP/HTTPS and no scheme text), ERROR_WINHTTP_INVALID_URL (ICU_REJECT_USERPWD with a user
// name).
DWORD build_url(const UrlBuildParts& parts, DWORD flags, std::wstring& out);

// The request-target bytes WinHttpOpenRequest sends for `object_name`, per the WinHttpOpenRequest
// page: by default every unsafe character except '%' becomes "%XX" (non-ASCII as its UTF-8
// bytes; the unsafe set is escape_url_text's plus '#'); WINHTTP_FLAG_ESCAPE_PERCENT escapes '%'
// too; WINHTTP_FLAG_ESCAPE_DISABLE_QUERY leaves everything from the first '?' raw;
// WINHTTP_FLAG_ESCAPE_DISABLE leaves the whole name raw. "Raw" still sends spaces as %20 and
// non-ASCII as escaped UTF-8, and drops CR/LF (Wine winhttp.c test_request_path_escapes,
// verified on Windows). WINHTTP_FLAG_NULL_CODEPAGE is
// obsolete (page: "Windows 7: This option is obsolete") and ignored. Never fails; an empty name
// gives an empty string (the caller decides on "/").
std::string escape_object_name(std::wstring_view object_name, DWORD open_request_flags);

// Resolves a Location header value against the URL that was requested (RFC 3986 section 5.2,
// dot segments removed; a fragment-less target inherits the base's fragment, RFC 7231 7.1.2).
// Handles absolute URLs, scheme-relative "//host/x", absolute paths, relative paths and
// query-only references. The base's user info is not carried over (credentials do not follow a
// redirect through the URL). Leading and trailing spaces/tabs of `location` are ignored. Never
// fails; the result may still be rejected by crack_url (e.g. a non-http scheme).
std::wstring resolve_reference(const ParsedUrl& base, std::wstring_view location);

}  // namespace winhttp
