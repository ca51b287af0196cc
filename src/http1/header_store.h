// WinHttpAddRequestHeaders(Ex) and WinHttpQueryHeaders(Ex) as pure functions over the header
// lists of http1/message.h: no handles, no I/O, no last error. Every function returns
// ERROR_SUCCESS (0) or the Windows error code the API layer hands on.
//
// Character conversion (the WinHTTP pages leave it open; decided here):
//  * Query output: each wire byte becomes one WCHAR of the same value (ISO-8859-1 widening). The
//    WinHTTP pages do not say; "HttpQueryInfo function" (WinINet, WinHTTP's ancestor) documents
//    exactly this ("ISO-8859-1 characters converted to UTF-16LE"), it is lossless, and it keeps
//    the documented workaround - narrow the WCHARs back with code page 28591, then decode -
//    working. QueryHeadersEx can decode UTF-8 instead (uiCodePage = CP_UTF8).
//  * Input: add_request_headers takes bytes (the API layer converts the WCHAR text); bytes >= 0x80
//    are kept as opaque obs-text. add_request_headers_ex converts wide strings with to_utf8, as
//    the API layer does for WinHttpAddRequestHeaders.
//
// Lengths are in bytes; WCHAR is wchar_t (4 bytes), so "minus 2 for the terminating null" of the
// WinHttpQueryHeaders page is "minus sizeof(WCHAR)" here.
#pragma once

#include <winhttp.h>

#include <string_view>

#include "http1/message.h"

namespace winhttp::http1 {

// Not in winhttp.h (it is a winnls.h constant); QueryHeadersEx compares uiCodePage with it.
inline constexpr UINT kCodePageUtf8 = 65001;

// Applies WinHttpAddRequestHeaders to `list`.
//
// `headers` holds one or more "Name: value" lines separated by CRLF (a bare LF is accepted too);
// a trailing CRLF and empty or blank lines are skipped, so "" adds nothing and succeeds. Space and
// tab around the name and the value are dropped; a line that starts with space or tab (an obsolete
// folded continuation) is refused. The name must be an RFC 9110 token; the value may hold any byte
// except the controls other than tab (CR, LF and NUL included).
//
// `modifiers` is applied to every line in turn, in this precedence:
//   REPLACE      the n-th header of that name, n = modifiers & WINHTTP_ADDREQ_INDEX_MASK
//                (0 = first), gets the new value, or is removed when the new value is empty;
//                when there is no such header, REPLACE|ADD appends a non-empty value (an empty
//                one is a no-op) and REPLACE alone fails;
//   ADD_IF_NEW   appends unless a header of that name exists;
//   COALESCE_WITH_COMMA / _WITH_SEMICOLON   appends ", value" / "; value" to the first header of
//                that name (semicolon wins if both are set), or appends the header when absent;
//   ADD, or no flag at all   appends (duplicates allowed).
// Names match ASCII case-insensitively. All or nothing: on any error `list` is unchanged.
//
// Errors: ERROR_INVALID_PARAMETER   a malformed line (no ':', empty or non-token name, control
//                                   byte, bare CR, folded line) - the WinHttpAddRequestHeaders page
//                                   names this code for invalid headers;
//         ERROR_WINHTTP_HEADER_ALREADY_EXISTS   ADD_IF_NEW and the header exists;
//         ERROR_WINHTTP_HEADER_NOT_FOUND        REPLACE without ADD and no such header;
//         ERROR_NOT_ENOUGH_MEMORY.
DWORD add_request_headers(HeaderList& list, std::string_view headers, DWORD modifiers);

// Applies WinHttpAddRequestHeadersEx: `count` name/value pairs, each handled like one line of
// add_request_headers with the same `modifiers`. The name is taken as given (it must be a token);
// space and tab around the value are dropped. With WINHTTP_EXTENDED_HEADER_FLAG_UNICODE in `flags`
// the pwsz* members are read and converted with to_utf8; otherwise the psz* members are taken as
// bytes. Other flag bits and `reserved` are ignored. A NULL value pointer counts as an empty value
// (so REPLACE with it removes). `count` 0 succeeds without reading `headers`. All or nothing.
//
// Errors: ERROR_INVALID_PARAMETER   `headers` NULL with count > 0, a NULL name, or a malformed
//                                   name/value; plus the two modifier errors of
//                                   add_request_headers; ERROR_NOT_ENOUGH_MEMORY.
DWORD add_request_headers_ex(HeaderList& list, DWORD modifiers, ULONGLONG flags, ULONGLONG reserved,
                             DWORD count, const WINHTTP_EXTENDED_HEADER* headers);

// Where a query reads. Either pointer may be NULL when that side does not exist yet.
struct QuerySource {
    const ResponseHead* response;
    const RequestHead* request;
};

// WinHttpQueryHeaders.
//
// `info_level` = level (low 16 bits: 0..WINHTTP_QUERY_MAX or WINHTTP_QUERY_CUSTOM) | modifiers.
// The side read is the response headers, the request headers with
// WINHTTP_QUERY_FLAG_REQUEST_HEADERS, or the response trailers with WINHTTP_QUERY_FLAG_TRAILERS.
// A header level (or CUSTOM, with `custom_name` compared case-insensitively) returns the value of
// the *index-th header of that name (0 when `index` is NULL); repeats are never merged. VERSION
// is "HTTP/1.1" from the status line (request line with REQUEST_HEADERS), STATUS_CODE "200",
// STATUS_TEXT the reason phrase, REQUEST_METHOD the request's verb whatever the flags.
// RAW_HEADERS is the status (request) line and every header line, each NUL-terminated, then one
// more NUL; RAW_HEADERS_CRLF the same lines each ended by CRLF, then an empty line (CRLF). With
// TRAILERS the raw forms hold the trailer lines only. These synthetic items exist once: index 0.
//
// Output: by default a NUL-terminated WCHAR string; *buffer_bytes becomes its length in bytes
// without the NUL (for RAW_HEADERS: without the final extra NUL). WINHTTP_QUERY_FLAG_NUMBER gives
// a DWORD, FLAG_NUMBER64 a ULONGLONG (value: decimal digits, optional surrounding white space),
// FLAG_SYSTEMTIME a SYSTEMTIME (parse_http_date); *buffer_bytes becomes the size written.
// On success *index (when given) becomes the index of the next occurrence.
// `buffer` NULL, or *buffer_bytes smaller than needed, is a size probe: ERROR_INSUFFICIENT_BUFFER
// with *buffer_bytes = bytes needed (for strings: including the NUL). Nothing else is written on
// failure. Nothing is allocated.
//
// Errors: ERROR_INVALID_PARAMETER   `buffer_bytes` NULL; CUSTOM with `custom_name` NULL; a level
//                                   that is no WINHTTP_QUERY_* value (71..74, 79..65534); more than
//                                   one of NUMBER / NUMBER64 / SYSTEMTIME; REQUEST_HEADERS together
//                                   with TRAILERS; a value that is not a number (NUMBER*) or not a
//                                   date (SYSTEMTIME), including RAW_HEADERS* with those flags;
//         ERROR_WINHTTP_INCORRECT_HANDLE_STATE  the side asked for is NULL in `src`;
//         ERROR_WINHTTP_HEADER_NOT_FOUND        no such header, or no *index-th one; STATUS_* on
//                                               request headers or trailers; raw forms of an
//                                               empty trailer block;
//         ERROR_INSUFFICIENT_BUFFER             as above;
//         ERROR_NOT_ENOUGH_MEMORY               the answer would exceed 4 GiB.
DWORD query_headers(const QuerySource& src, DWORD info_level, const WCHAR* custom_name,
                    void* buffer, DWORD* buffer_bytes, DWORD* index);

// WinHttpQueryHeadersEx. `buffer` receives an array of WINHTTP_EXTENDED_HEADER followed by the
// NUL-terminated strings it points into; *headers (when `headers` is not NULL) is set to the
// array, *count to its length, *buffer_bytes to the bytes used.
// WINHTTP_QUERY_EX_ALL_HEADERS (= RAW_HEADERS) returns every header of the side chosen by
// REQUEST_HEADERS / TRAILERS (`index` unused); a header level or CUSTOM (name in
// `name->pwszName`, or `name->pszName` with WIRE_ENCODING) returns the *index-th header of that
// name, and advances *index like query_headers. Strings are WCHAR (pwsz* members) decoded with
// `code_page`: kCodePageUtf8 decodes UTF-8 (from_utf8: malformed bytes become U+FFFD), any other
// value - 0 (CP_ACP) included; the page says "no validation is done" - widens ISO-8859-1. With
// WINHTTP_QUERY_FLAG_WIRE_ENCODING they are the wire bytes (psz* members). `flags` is reserved
// and ignored. `buffer` must be aligned for WINHTTP_EXTENDED_HEADER (any malloc'd block is).
// The UTF-8 path allocates temporaries; the others allocate nothing.
//
// Errors: ERROR_INVALID_PARAMETER   `buffer_bytes` or `count` NULL; VERSION, STATUS_CODE,
//                                   STATUS_TEXT, RAW_HEADERS_CRLF, REQUEST_METHOD, FLAG_NUMBER,
//                                   FLAG_NUMBER64 or FLAG_SYSTEMTIME (the page lists all but
//                                   REQUEST_METHOD); CUSTOM without a name; an unknown level;
//                                   REQUEST_HEADERS with TRAILERS; a misaligned `buffer`;
//         ERROR_WINHTTP_INCORRECT_HANDLE_STATE  the side asked for is NULL in `src`;
//         ERROR_WINHTTP_HEADER_NOT_FOUND        no such header / occurrence, or no header at all;
//         ERROR_INSUFFICIENT_BUFFER             `buffer` NULL or too small: *buffer_bytes = size;
//         ERROR_NOT_ENOUGH_MEMORY.
DWORD query_headers_ex(const QuerySource& src, DWORD info_level, ULONGLONG flags, UINT code_page,
                       DWORD* index, const WINHTTP_HEADER_NAME* name, void* buffer,
                       DWORD* buffer_bytes, WINHTTP_EXTENDED_HEADER** headers, DWORD* count);

}  // namespace winhttp::http1
