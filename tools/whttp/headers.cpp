#include "headers.h"

#include "errors.h"
#include "text.h"

namespace whttp {

int query_raw_headers(HINTERNET request, DWORD flags, std::string& out) {
    const DWORD level = WINHTTP_QUERY_RAW_HEADERS_CRLF | flags;
    DWORD bytes = 0;
    if (!WinHttpQueryHeaders(request, level, WINHTTP_HEADER_NAME_BY_INDEX, WINHTTP_NO_OUTPUT_BUFFER,
                             &bytes, WINHTTP_NO_HEADER_INDEX) &&
        GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
        return report_failure("WinHttpQueryHeaders(WINHTTP_QUERY_RAW_HEADERS_CRLF)");
    }
    std::wstring text(bytes / sizeof(WCHAR) + 1, L'\0');
    bytes = static_cast<DWORD>(text.size() * sizeof(WCHAR));
    if (!WinHttpQueryHeaders(request, level, WINHTTP_HEADER_NAME_BY_INDEX, text.data(), &bytes,
                             WINHTTP_NO_HEADER_INDEX)) {
        return report_failure("WinHttpQueryHeaders(WINHTTP_QUERY_RAW_HEADERS_CRLF)");
    }
    text.resize(bytes / sizeof(WCHAR));
    out = to_utf8(text);
    return kExitOk;
}

int query_status(HINTERNET request, DWORD& status) {
    DWORD size = sizeof status;
    if (!WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             WINHTTP_HEADER_NAME_BY_INDEX, &status, &size,
                             WINHTTP_NO_HEADER_INDEX)) {
        return report_failure("WinHttpQueryHeaders(WINHTTP_QUERY_STATUS_CODE)");
    }
    return kExitOk;
}

std::uint64_t query_content_length(HINTERNET request) {
    ULONGLONG length = 0;
    DWORD size = sizeof length;
    if (!WinHttpQueryHeaders(request, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER64,
                             WINHTTP_HEADER_NAME_BY_INDEX, &length, &size,
                             WINHTTP_NO_HEADER_INDEX)) {
        return 0;
    }
    return length;
}

void print_prefixed(std::FILE* stream, char prefix, std::string_view raw) {
    for (size_t pos = 0; pos < raw.size();) {
        size_t end = raw.find("\r\n", pos);
        if (end == std::string_view::npos) end = raw.size();
        const std::string_view line = raw.substr(pos, end - pos);
        std::fprintf(stream, "%c %.*s\n", prefix, static_cast<int>(line.size()), line.data());
        if (line.empty()) return;
        pos = end + 2;
    }
}

}  // namespace whttp
