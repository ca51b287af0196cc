#include "http1/header_names.h"

#include <array>

#include "util/wide.h"

namespace winhttp::http1 {
namespace {

using K = LevelKind;

constexpr QueryLevel hdr(std::string_view name) {
    return {K::header, name};
}
constexpr QueryLevel special(LevelKind kind) {
    return {kind, {}};
}

// Indexed by the level value itself, so the lookup is one bounds check and one load.
constexpr std::array<QueryLevel, WINHTTP_QUERY_MAX + 1> kLevels = {{
    hdr("Mime-Version"),               // 0  MIME_VERSION
    hdr("Content-Type"),               // 1  CONTENT_TYPE
    hdr("Content-Transfer-Encoding"),  // 2  CONTENT_TRANSFER_ENCODING
    hdr("Content-ID"),                 // 3  CONTENT_ID
    hdr("Content-Description"),        // 4  CONTENT_DESCRIPTION (obsolete)
    hdr("Content-Length"),             // 5  CONTENT_LENGTH
    hdr("Content-Language"),           // 6  CONTENT_LANGUAGE
    hdr("Allow"),                      // 7  ALLOW
    hdr("Public"),                     // 8  PUBLIC
    hdr("Date"),                       // 9  DATE
    hdr("Expires"),                    // 10 EXPIRES
    hdr("Last-Modified"),              // 11 LAST_MODIFIED
    hdr("Message-ID"),                 // 12 MESSAGE_ID (not supported)
    hdr("URI"),                        // 13 URI
    hdr("Derived-From"),               // 14 DERIVED_FROM (not supported)
    hdr("Cost"),                       // 15 COST (not supported)
    hdr("Link"),                       // 16 LINK (obsolete)
    hdr("Pragma"),                     // 17 PRAGMA
    special(K::version),               // 18 VERSION
    special(K::status_code),           // 19 STATUS_CODE
    special(K::status_text),           // 20 STATUS_TEXT
    special(K::raw_headers),           // 21 RAW_HEADERS
    special(K::raw_headers_crlf),      // 22 RAW_HEADERS_CRLF
    hdr("Connection"),                 // 23 CONNECTION
    hdr("Accept"),                     // 24 ACCEPT
    hdr("Accept-Charset"),             // 25 ACCEPT_CHARSET
    hdr("Accept-Encoding"),            // 26 ACCEPT_ENCODING
    hdr("Accept-Language"),            // 27 ACCEPT_LANGUAGE
    hdr("Authorization"),              // 28 AUTHORIZATION
    hdr("Content-Encoding"),           // 29 CONTENT_ENCODING
    hdr("Forwarded"),                  // 30 FORWARDED (obsolete)
    hdr("From"),                       // 31 FROM
    hdr("If-Modified-Since"),          // 32 IF_MODIFIED_SINCE
    hdr("Location"),                   // 33 LOCATION
    hdr("Orig-URI"),                   // 34 ORIG_URI (obsolete)
    hdr("Referer"),                    // 35 REFERER
    hdr("Retry-After"),                // 36 RETRY_AFTER
    hdr("Server"),                     // 37 SERVER
    hdr("Title"),                      // 38 TITLE (obsolete)
    hdr("User-Agent"),                 // 39 USER_AGENT
    hdr("WWW-Authenticate"),           // 40 WWW_AUTHENTICATE
    hdr("Proxy-Authenticate"),         // 41 PROXY_AUTHENTICATE
    hdr("Accept-Ranges"),              // 42 ACCEPT_RANGES
    hdr("Set-Cookie"),                 // 43 SET_COOKIE
    hdr("Cookie"),                     // 44 COOKIE
    special(K::request_method),        // 45 REQUEST_METHOD
    hdr("Refresh"),                    // 46 REFRESH (obsolete)
    hdr("Content-Disposition"),        // 47 CONTENT_DISPOSITION (obsolete)
    hdr("Age"),                        // 48 AGE
    hdr("Cache-Control"),              // 49 CACHE_CONTROL
    hdr("Content-Base"),               // 50 CONTENT_BASE
    hdr("Content-Location"),           // 51 CONTENT_LOCATION
    hdr("Content-MD5"),                // 52 CONTENT_MD5
    hdr("Content-Range"),              // 53 CONTENT_RANGE
    hdr("ETag"),                       // 54 ETAG
    hdr("Host"),                       // 55 HOST
    hdr("If-Match"),                   // 56 IF_MATCH
    hdr("If-None-Match"),              // 57 IF_NONE_MATCH
    hdr("If-Range"),                   // 58 IF_RANGE
    hdr("If-Unmodified-Since"),        // 59 IF_UNMODIFIED_SINCE
    hdr("Max-Forwards"),               // 60 MAX_FORWARDS
    hdr("Proxy-Authorization"),        // 61 PROXY_AUTHORIZATION
    hdr("Range"),                      // 62 RANGE
    hdr("Transfer-Encoding"),          // 63 TRANSFER_ENCODING
    hdr("Upgrade"),                    // 64 UPGRADE
    hdr("Vary"),                       // 65 VARY
    hdr("Via"),                        // 66 VIA
    hdr("Warning"),                    // 67 WARNING
    hdr("Expect"),                     // 68 EXPECT
    hdr("Proxy-Connection"),           // 69 PROXY_CONNECTION
    hdr("Unless-Modified-Since"),      // 70 UNLESS_MODIFIED_SINCE
    special(K::unassigned),            // 71
    special(K::unassigned),            // 72
    special(K::unassigned),            // 73
    special(K::unassigned),            // 74
    hdr("Proxy-Support"),              // 75 PROXY_SUPPORT
    hdr("Authentication-Info"),        // 76 AUTHENTICATION_INFO
    hdr("PassportURLs"),               // 77 PASSPORT_URLS
    hdr("PassportConfig"),             // 78 PASSPORT_CONFIG
}};

// The table is positional: pin a few entries to the header's constants so a slip shows at
// compile time.
static_assert(kLevels[WINHTTP_QUERY_CONTENT_TYPE].name == "Content-Type");
static_assert(kLevels[WINHTTP_QUERY_VERSION].kind == K::version);
static_assert(kLevels[WINHTTP_QUERY_RAW_HEADERS_CRLF].kind == K::raw_headers_crlf);
static_assert(kLevels[WINHTTP_QUERY_CONNECTION].name == "Connection");
static_assert(kLevels[WINHTTP_QUERY_SET_COOKIE].name == "Set-Cookie");
static_assert(kLevels[WINHTTP_QUERY_REQUEST_METHOD].kind == K::request_method);
static_assert(kLevels[WINHTTP_QUERY_UNLESS_MODIFIED_SINCE].name == "Unless-Modified-Since");
static_assert(kLevels[WINHTTP_QUERY_PROXY_SUPPORT].name == "Proxy-Support");
static_assert(kLevels[WINHTTP_QUERY_PASSPORT_CONFIG].name == "PassportConfig");

constexpr QueryLevel kUnassigned = {K::unassigned, {}};
constexpr QueryLevel kCustom = {K::custom, {}};

}  // namespace

const QueryLevel& query_level(DWORD level) noexcept {
    if (level < kLevels.size()) return kLevels[level];
    return level == WINHTTP_QUERY_CUSTOM ? kCustom : kUnassigned;
}

std::string_view header_name_for_level(DWORD level) noexcept {
    return query_level(level).name;
}

std::optional<DWORD> level_for_header_name(std::string_view name) noexcept {
    if (name.empty()) return std::nullopt;
    for (DWORD level = 0; level < kLevels.size(); ++level)
        if (iequals(kLevels[level].name, name)) return level;
    return std::nullopt;
}

}  // namespace winhttp::http1
