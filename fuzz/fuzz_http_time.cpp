// libFuzzer target: parse_http_date, format_http_date and both WinHttpTime* entry points.
//
// Invariants: a date the parser accepts is a valid SYSTEMTIME, formats to RFC 1123 within the
// documented buffer, and parses back to itself; WinHttpTimeToSystemTime never fails on a
// non-null string and always yields a valid SYSTEMTIME; WinHttpTimeFromSystemTime either fails
// with ERROR_INVALID_PARAMETER or writes a terminated string inside the buffer.
#include <winhttp.h>

#include "util/http_time.h"
#include "util/wide.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool same_time(const SYSTEMTIME& a, const SYSTEMTIME& b) {
    return a.wYear == b.wYear && a.wMonth == b.wMonth && a.wDay == b.wDay &&
           a.wDayOfWeek == b.wDayOfWeek && a.wHour == b.wHour && a.wMinute == b.wMinute &&
           a.wSecond == b.wSecond && a.wMilliseconds == b.wMilliseconds;
}

void fuzz_parser(std::string_view text) {
    SYSTEMTIME t{};
    if (!winhttp::parse_http_date(text, &t)) return;
    check(winhttp::is_valid_system_time(t));
    check(t.wDayOfWeek == winhttp::day_of_week(t.wYear, t.wMonth, t.wDay));
    const std::string formatted = winhttp::format_http_date(t);
    check(formatted.size() < WINHTTP_TIME_FORMAT_BUFSIZE / sizeof(WCHAR));
    SYSTEMTIME again{};
    check(winhttp::parse_http_date(formatted, &again) && same_time(t, again));
}

void fuzz_to_system_time(std::string_view text) {
    const std::wstring wide = winhttp::from_utf8(text);
    SYSTEMTIME t{};
    SetLastError(0xDEADBEEF);
    check(WinHttpTimeToSystemTime(wide.c_str(), &t) == TRUE);
    check(GetLastError() == ERROR_SUCCESS);
    check(winhttp::is_valid_system_time(t));
}

void fuzz_from_system_time(const uint8_t* data, size_t size) {
    SYSTEMTIME t{};
    std::memcpy(&t, data, size < sizeof(t) ? size : sizeof(t));
    constexpr size_t kChars = WINHTTP_TIME_FORMAT_BUFSIZE / sizeof(WCHAR);
    WCHAR buf[kChars + 4];
    for (WCHAR& c : buf) c = L'#';
    SetLastError(0xDEADBEEF);
    if (WinHttpTimeFromSystemTime(&t, buf)) {
        check(GetLastError() == ERROR_SUCCESS);
        check(std::wstring(buf, kChars).find(L'\0') != std::wstring::npos);
    } else {
        check(GetLastError() == ERROR_INVALID_PARAMETER);
    }
    for (size_t i = kChars; i < kChars + 4; ++i) check(buf[i] == L'#');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz_parser(text);
    fuzz_to_system_time(text);
    fuzz_from_system_time(data, size);
    return 0;
}
