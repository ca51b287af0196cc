// WinHttpTimeFromSystemTime / WinHttpTimeToSystemTime: argument checks and last error only; the
// date logic is in src/util/http_time.
#include <winhttp.h>

#include "core/last_error.h"
#include "util/http_time.h"
#include "util/wide.h"

#include <cwchar>
#include <string>

extern "C" BOOL WINAPI WinHttpTimeFromSystemTime(const SYSTEMTIME* pst, LPWSTR pwszTime) {
    // Neither page lists a code for bad arguments; ERROR_INVALID_PARAMETER is Windows' usual one.
    if (pst == nullptr || pwszTime == nullptr) return winhttp::fail(ERROR_INVALID_PARAMETER);
    if (!winhttp::is_valid_system_time(*pst)) return winhttp::fail(ERROR_INVALID_PARAMETER);
    const std::string text = winhttp::format_http_date(*pst);
    // Years are at most five digits (30827), so the text always fits the documented buffer of
    // WINHTTP_TIME_FORMAT_BUFSIZE bytes with its terminator; check anyway, it is one compare.
    if (text.size() + 1 > WINHTTP_TIME_FORMAT_BUFSIZE / sizeof(WCHAR)) {
        return winhttp::fail(ERROR_WINHTTP_INTERNAL_ERROR);
    }
    for (size_t i = 0; i < text.size(); ++i) pwszTime[i] = static_cast<WCHAR>(text[i]);
    pwszTime[text.size()] = L'\0';
    return winhttp::succeed();
}

extern "C" BOOL WINAPI WinHttpTimeToSystemTime(LPCWSTR pwszTime, SYSTEMTIME* pst) {
    if (pwszTime == nullptr || pst == nullptr) return winhttp::fail(ERROR_INVALID_PARAMETER);
    // Dates are ASCII; anything else cannot name a field, so UTF-8 is as good as any narrowing.
    const std::string text = winhttp::to_utf8(std::wstring_view(pwszTime, std::wcslen(pwszTime)));
    if (!winhttp::parse_http_date(text, pst)) {
        // Windows' parser "is not a validator": a string it cannot make sense of yields the
        // current time and success (The Old New Thing, 2020-03-04, on InternetTimeToSystemTime,
        // whose parser WinHTTP shares its lineage with). Apps rely on it never failing.
        *pst = winhttp::current_system_time();
    }
    return winhttp::succeed();
}
