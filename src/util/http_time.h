// HTTP dates <-> SYSTEMTIME, without the last error (the API layer in src/api/time_api.cpp owns
// that). All times are UTC; HTTP dates are always GMT.
#pragma once

#include <winhttp.h>

#include <string>
#include <string_view>

namespace winhttp {

// Best-guess parser for an HTTP date, in the spirit of WinINet/WinHTTP's own parser, which
// Microsoft describes as "not a validator" (The Old New Thing, 2020-03-04, "Meet me here on
// Savvyday 29 Oatmeal 94"). Accepts the three forms HTTP allows —
//   RFC 1123  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850   "Sunday, 06-Nov-94 08:49:37 GMT"
//   asctime   "Sun Nov  6 08:49:37 1994"
// and their sloppy relatives: any case, leading/trailing white space, missing comma, missing
// weekday, one-digit fields, time fields separated by spaces instead of ':', missing seconds or
// missing time (-> 00:00:00), two-digit years (00-49 -> 20xx, 50-99 -> 19xx), month and weekday
// names recognised by their first letters ("Oatmeal" is October). Time-zone names are ignored:
// every date is taken as GMT.
//
// On success fills every field of *out (wDayOfWeek computed from the date, wMilliseconds 0) and
// returns true. Returns false, leaving *out untouched, when no day, month and year can be found
// or a field is out of range (day beyond the month, hour > 23, minute > 59, second > 60, year
// outside 1601..30827, the SYSTEMTIME range). `out` must not be null.
bool parse_http_date(std::string_view text, SYSTEMTIME* out);

// Formats `t` as an RFC 1123 date, "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters for a
// four-digit year). The weekday is computed from the date; t.wDayOfWeek and t.wMilliseconds are
// ignored. Precondition: is_valid_system_time(t).
std::string format_http_date(const SYSTEMTIME& t);

// True when year is 1601..30827, month is 1..12, day is 1..days in that month, hour < 24,
// minute < 60, second < 60 and milliseconds < 1000 (the ranges the SYSTEMTIME page documents).
// wDayOfWeek is not checked: it is derived from the date wherever it matters.
bool is_valid_system_time(const SYSTEMTIME& t) noexcept;

// Day of week (0 = Sunday) of a proleptic Gregorian date. Precondition: year >= 1, month 1..12.
WORD day_of_week(unsigned year, unsigned month, unsigned day) noexcept;

// The current UTC time, milliseconds included.
SYSTEMTIME current_system_time();

}  // namespace winhttp
