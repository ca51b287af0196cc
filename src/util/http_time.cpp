#include "util/http_time.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace winhttp {
namespace detail {
namespace {

constexpr std::array<const char*, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// The SYSTEMTIME page documents wYear as 1601 through 30827.
constexpr unsigned kMinYear = 1601;
constexpr unsigned kMaxYear = 30827;

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_leap(unsigned y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(unsigned y, unsigned m) {
    static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                       31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap(y)) ? 29 : kDays[m - 1];
}

char at(std::string_view word, size_t i) {
    return i < word.size() ? lower(word[i]) : '\0';
}

// Weekday names are only skipped, but they must be told apart from months: every weekday starts
// with a two-letter prefix no month shares.
bool looks_like_weekday(std::string_view word) {
    static constexpr std::array<const char*, 7> kPrefixes = {"su", "mo", "tu", "we",
                                                             "th", "fr", "sa"};
    for (const char* p : kPrefixes) {
        if (at(word, 0) == p[0] && at(word, 1) == p[1]) return true;
    }
    return false;
}

// Month from a word, recognised by as few leading letters as tell months apart, so that
// misspellings still land (as Windows' parser does); 0 when the first letter starts no month.
unsigned month_from_word(std::string_view word) {
    switch (at(word, 0)) {
        case 'j':
            if (at(word, 1) != 'u') return 1;
            return at(word, 2) == 'l' ? 7 : 6;
        case 'f':
            return 2;
        case 'm':
            return at(word, 2) == 'y' ? 5 : 3;
        case 'a':
            return at(word, 1) == 'u' ? 8 : 4;
        case 's':
            return 9;
        case 'o':
            return 10;
        case 'n':
            return 11;
        case 'd':
            return 12;
        default:
            return 0;
    }
}

// What the scanner has found so far. Numbers are assigned by position, which is enough to tell
// the three HTTP forms apart: RFC 1123/850 put the day before the year and the time after it,
// asctime puts the time between day and year, and a ':' always marks a time field.
struct DateFields {
    unsigned day = 0, month = 0, year = 0;
    unsigned time[3] = {0, 0, 0};
    int time_count = 0;
    bool has_day = false, has_year = false;
};

unsigned two_digit_year(unsigned y) {
    return y < 50 ? 2000 + y : 1900 + y;
}

void take_number(DateFields& f, uint32_t value, size_t digits, bool is_time) {
    if (is_time) {
        if (f.time_count < 3) f.time[f.time_count++] = value;
        return;
    }
    if (!f.has_day && digits <= 2) {
        f.day = value;
        f.has_day = true;
    } else if (!f.has_year && (f.has_day || digits > 2)) {
        f.year = digits <= 2 ? two_digit_year(value) : value;
        f.has_year = true;
    } else if (f.time_count < 3) {
        f.time[f.time_count++] = value;
    }
}

// Reads a run of digits at text[i]; saturates instead of overflowing (the value is then out of
// every range and rejected later).
uint32_t read_number(std::string_view text, size_t& i, size_t& digits) {
    uint32_t value = 0;
    digits = 0;
    for (; i < text.size() && is_digit(text[i]); ++i, ++digits) {
        value = value > 100000 ? value : value * 10 + static_cast<uint32_t>(text[i] - '0');
    }
    return value;
}

void scan(std::string_view text, DateFields& f) {
    size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (is_digit(c)) {
            const bool after_colon = i > 0 && text[i - 1] == ':';
            size_t digits = 0;
            const uint32_t value = read_number(text, i, digits);
            const bool before_colon = i < text.size() && text[i] == ':';
            take_number(f, value, digits, after_colon || before_colon);
            if (after_colon && i < text.size() && text[i] == '.') {  // fractional seconds
                ++i;
                read_number(text, i, digits);
            }
        } else if (is_alpha(c)) {
            const size_t start = i;
            while (i < text.size() && is_alpha(text[i])) ++i;
            const std::string_view word = text.substr(start, i - start);
            if (f.month == 0 && !looks_like_weekday(word)) f.month = month_from_word(word);
        } else {
            ++i;
        }
    }
}

bool fields_valid(const DateFields& f) {
    if (!f.has_day || !f.has_year || f.month == 0) return false;
    if (f.year < kMinYear || f.year > kMaxYear) return false;
    if (f.day == 0 || f.day > days_in_month(f.year, f.month)) return false;
    return f.time[0] < 24 && f.time[1] < 60 && f.time[2] <= 60;
}

// Days since 1970-01-01 -> civil date (Howard Hinnant's public-domain algorithm, restated).
void civil_from_days(int64_t z, unsigned& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<unsigned>(static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
}

}  // namespace
}  // namespace detail

WORD day_of_week(unsigned year, unsigned month, unsigned day) noexcept {
    // Sakamoto's method: shift January and February to the end of the previous year.
    static constexpr std::array<unsigned, 12> kOffsets = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (month < 3) year -= 1;
    const unsigned dow =
        (year + year / 4 - year / 100 + year / 400 + kOffsets[month - 1] + day) % 7;
    return static_cast<WORD>(dow);
}

bool is_valid_system_time(const SYSTEMTIME& t) noexcept {
    if (t.wYear < detail::kMinYear || t.wYear > detail::kMaxYear) return false;
    if (t.wMonth < 1 || t.wMonth > 12) return false;
    if (t.wDay < 1 || t.wDay > detail::days_in_month(t.wYear, t.wMonth)) return false;
    return t.wHour < 24 && t.wMinute < 60 && t.wSecond < 60 && t.wMilliseconds < 1000;
}

bool parse_http_date(std::string_view text, SYSTEMTIME* out) {
    detail::DateFields f;
    detail::scan(text, f);
    if (!detail::fields_valid(f)) return false;
    out->wYear = static_cast<WORD>(f.year);
    out->wMonth = static_cast<WORD>(f.month);
    out->wDay = static_cast<WORD>(f.day);
    out->wDayOfWeek = day_of_week(f.year, f.month, f.day);
    out->wHour = static_cast<WORD>(f.time[0]);
    out->wMinute = static_cast<WORD>(f.time[1]);
    // A leap second has no SYSTEMTIME representation; keep it inside the minute.
    out->wSecond = static_cast<WORD>(f.time[2] == 60 ? 59 : f.time[2]);
    out->wMilliseconds = 0;
    return true;
}

std::string format_http_date(const SYSTEMTIME& t) {
    char buf[64];
    const int n =
        std::snprintf(buf, sizeof buf, "%s, %02u %s %04u %02u:%02u:%02u GMT",
                      detail::kDayNames[day_of_week(t.wYear, t.wMonth, t.wDay)], t.wDay,
                      detail::kMonthNames[t.wMonth - 1], t.wYear, t.wHour, t.wMinute, t.wSecond);
    return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

SYSTEMTIME current_system_time() {
    using namespace std::chrono;
    const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    const int64_t days = (now >= 0 ? now : now - 86399999) / 86400000;
    const auto ms_of_day = static_cast<unsigned>(now - days * 86400000);
    unsigned y = 0, m = 0, d = 0;
    detail::civil_from_days(days, y, m, d);
    SYSTEMTIME t{};
    t.wYear = static_cast<WORD>(y);
    t.wMonth = static_cast<WORD>(m);
    t.wDay = static_cast<WORD>(d);
    t.wDayOfWeek = day_of_week(y, m, d);
    t.wHour = static_cast<WORD>(ms_of_day / 3600000);
    t.wMinute = static_cast<WORD>(ms_of_day / 60000 % 60);
    t.wSecond = static_cast<WORD>(ms_of_day / 1000 % 60);
    t.wMilliseconds = static_cast<WORD>(ms_of_day % 1000);
    return t;
}

}  // namespace winhttp
