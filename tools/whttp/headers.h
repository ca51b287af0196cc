// headers.h - reading request and response headers back through WinHttpQueryHeaders.
#pragma once

#include <winhttp.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace whttp {

// The header block as WINHTTP_QUERY_RAW_HEADERS_CRLF returns it (start line first, lines
// ending in CRLF, then an empty line), in UTF-8. `flags` is 0 for the response or
// WINHTTP_QUERY_FLAG_REQUEST_HEADERS. Returns 0, or an exit code after reporting.
int query_raw_headers(HINTERNET request, DWORD flags, std::string& out);

// The response status code. Returns 0, or an exit code after reporting.
int query_status(HINTERNET request, DWORD& status);

// Content-Length of the response, 0 when absent.
std::uint64_t query_content_length(HINTERNET request);

// Writes each line of a raw header block up to its empty line as "<prefix> line".
void print_prefixed(std::FILE* stream, char prefix, std::string_view raw);

}  // namespace whttp
