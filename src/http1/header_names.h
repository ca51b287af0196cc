// WINHTTP_QUERY_* info levels <-> the header (or status-line item) each one names.
//
// Source: "Query Info Flags" (learn.microsoft.com/windows/win32/winhttp/query-info-flags), which
// says "most of the attribute flags map directly to a specific HTTP header". Where that page only
// describes a level, the header is the one HTTP defines for it:
//   13 URI           -> "URI"          (RFC 2068 19.6.2.2: "some or all of the URI by which the
//                                       Request-URI resource can be identified" - the page's words)
//   14 DERIVED_FROM  -> "Derived-From" (RFC 2068 19.6.2.3), 15 COST -> "Cost" (HTTP/1.0 draft);
//                       the page marks 12, 14 and 15 "Not supported": they still name a header,
//                       which a server practically never sends, so lookups end in HEADER_NOT_FOUND.
//   34 ORIG_URI      -> "Orig-URI"     (obsolete, kept like the page keeps the level)
//   77 PASSPORT_URLS -> "PassportURLs" ("Passport Authentication in WinHTTP" shows that header)
//   78 PASSPORT_CONFIG -> "PassportConfig" (no page names it; chosen by analogy with 77)
// 71..74 are unassigned in winhttp.h. Levels that name no header are flagged by their kind.
#pragma once

#include <winhttp.h>

#include <optional>
#include <string_view>

namespace winhttp::http1 {

// What an info level (the low 16 bits of dwInfoLevel) asks for.
enum class LevelKind : unsigned char {
    header,            // a header, named by QueryLevel::name
    version,           // 18: "HTTP/1.1" from the status (or request) line
    status_code,       // 19: "200"
    status_text,       // 20: "OK"
    raw_headers,       // 21: every line NUL-terminated, plus one more NUL
    raw_headers_crlf,  // 22: every line CRLF-terminated, plus an empty line
    request_method,    // 45: "GET" from the request line
    custom,            // 65535: the name comes from the caller
    unassigned,        // 71..74 and every other value: no meaning
};

struct QueryLevel {
    LevelKind kind;
    std::string_view name;  // canonical header name; empty unless kind == header
};

// The entry for `level` (modifier bits must already be masked off). Constant time; never fails:
// a value that is not a WINHTTP_QUERY_* level yields {unassigned, ""}.
const QueryLevel& query_level(DWORD level) noexcept;

// The canonical header name of `level`, or an empty view when the level names no header.
std::string_view header_name_for_level(DWORD level) noexcept;

// The info level whose header is `name` (ASCII case-insensitive), or nullopt when no level names
// it. Linear in the table size (79); meant for tracing and tests, not for the query path.
std::optional<DWORD> level_for_header_name(std::string_view name) noexcept;

}  // namespace winhttp::http1
