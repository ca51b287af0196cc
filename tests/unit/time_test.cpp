#include "util/http_time.h"

#include <gtest/gtest.h>

#include "util/wide.h"

#include <ctime>
#include <cwchar>
#include <string>
#include <tuple>

// Pages cited below:
//  [From]
//  https://learn.microsoft.com/windows/win32/api/winhttp/nf-winhttp-winhttptimefromsystemtime [To]
//  https://learn.microsoft.com/windows/win32/api/winhttp/nf-winhttp-winhttptimetosystemtime [ST]
//  https://learn.microsoft.com/windows/win32/api/minwinbase/ns-minwinbase-systemtime [Chen]
//  https://devblogs.microsoft.com/oldnewthing/20200304-00/?p=103527 (Windows' HTTP date
//          parser "is not a validator. It's a best-guess parser.")

namespace {

constexpr DWORD kSentinel = 0xDEADBEEF;
constexpr size_t kBufChars = WINHTTP_TIME_FORMAT_BUFSIZE / sizeof(WCHAR);

SYSTEMTIME make_time(WORD y, WORD mo, WORD d, WORD h, WORD mi, WORD s, WORD dow = 0, WORD ms = 0) {
    SYSTEMTIME t{};
    t.wYear = y;
    t.wMonth = mo;
    t.wDayOfWeek = dow;
    t.wDay = d;
    t.wHour = h;
    t.wMinute = mi;
    t.wSecond = s;
    t.wMilliseconds = ms;
    return t;
}

SYSTEMTIME poisoned_time() {
    return make_time(0xAAAA, 0xAAAA, 0xAAAA, 0xAAAA, 0xAAAA, 0xAAAA, 0xAAAA, 0xAAAA);
}

void expect_time(const SYSTEMTIME& t, WORD y, WORD mo, WORD d, WORD h, WORD mi, WORD s, WORD dow) {
    EXPECT_EQ(t.wYear, y);
    EXPECT_EQ(t.wMonth, mo);
    EXPECT_EQ(t.wDay, d);
    EXPECT_EQ(t.wHour, h);
    EXPECT_EQ(t.wMinute, mi);
    EXPECT_EQ(t.wSecond, s);
    EXPECT_EQ(t.wDayOfWeek, dow);
    EXPECT_EQ(t.wMilliseconds, 0);
}

// Runs WinHttpTimeFromSystemTime into a buffer of the documented size plus a guard area.
struct FormatResult {
    BOOL ok;
    DWORD error;
    std::wstring text;
    bool guard_intact;
};

FormatResult format(const SYSTEMTIME& t) {
    WCHAR buf[kBufChars + 8];
    std::wmemset(buf, L'#', kBufChars + 8);
    SetLastError(kSentinel);
    FormatResult r{};
    r.ok = WinHttpTimeFromSystemTime(&t, buf);
    r.error = GetLastError();
    r.guard_intact = std::wstring(buf + kBufChars, 8) == std::wstring(8, L'#');
    const size_t len = std::wstring(buf, kBufChars).find(L'\0');
    r.text = std::wstring(buf, len == std::wstring::npos ? kBufChars : len);
    return r;
}

struct ParseResult {
    BOOL ok;
    DWORD error;
    SYSTEMTIME t;
};

ParseResult parse(const wchar_t* text) {
    ParseResult r{FALSE, 0, poisoned_time()};
    SetLastError(kSentinel);
    r.ok = WinHttpTimeToSystemTime(text, &r.t);
    r.error = GetLastError();
    return r;
}

std::tuple<int, int, int, int, int, int> as_tuple(const SYSTEMTIME& t) {
    return {t.wYear, t.wMonth, t.wDay, t.wHour, t.wMinute, t.wSecond};
}

std::tuple<int, int, int, int, int, int> utc_now_tuple() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
}

// ---- WinHttpTimeFromSystemTime -------------------------------------------------------------

TEST(TimeFromSystemTime, FormatsRfc1123Date) {
    // [From] "formats a date and time according to the HTTP version 1.0 specification".
    const FormatResult r = format(make_time(2008, 7, 28, 10, 5, 52, 1));
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.text, L"Mon, 28 Jul 2008 10:05:52 GMT");
    EXPECT_TRUE(r.guard_intact);
}

TEST(TimeFromSystemTime, PadsFieldsWithZeros) {
    // [From] HTTP/1.0 dates have fixed-width two-digit fields and a four-digit year.
    const FormatResult r = format(make_time(1994, 11, 6, 8, 9, 7, 0));
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.text, L"Sun, 06 Nov 1994 08:09:07 GMT");
}

TEST(TimeFromSystemTime, FitsDocumentedBufferForLargestYear) {
    // [From] "The buffer should equal to the size, in bytes, of WINHTTP_TIME_FORMAT_BUFSIZE".
    const FormatResult r = format(make_time(30827, 12, 31, 23, 59, 59, 0));
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.text, L"Fri, 31 Dec 30827 23:59:59 GMT");
    EXPECT_LT(r.text.size(), kBufChars);
    EXPECT_TRUE(r.guard_intact);
}

TEST(TimeFromSystemTime, ComputesWeekdayAndIgnoresMilliseconds) {
    // Our choice (pages silent): the weekday comes from the date, so a wrong wDayOfWeek cannot
    // produce an inconsistent HTTP date; milliseconds have no place in the format.
    const FormatResult r = format(make_time(2000, 11, 21, 1, 6, 53, 6, 999));
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.text, L"Tue, 21 Nov 2000 01:06:53 GMT");
}

TEST(TimeFromSystemTime, AcceptsLeapDay) {
    // [ST] wDay is valid up to the number of days of the month; 2000 is a leap year.
    const FormatResult r = format(make_time(2000, 2, 29, 0, 0, 0));
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    EXPECT_EQ(r.text, L"Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(TimeFromSystemTime, NullSystemTimeFailsWithInvalidParameter) {
    // [From] pst is a required [in] pointer.
    WCHAR buf[kBufChars];
    std::wmemset(buf, L'#', kBufChars);
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpTimeFromSystemTime(nullptr, buf), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(buf[0], L'#');
}

TEST(TimeFromSystemTime, NullBufferFailsWithInvalidParameter) {
    // [From] pwszTime is a required [out] buffer.
    const SYSTEMTIME t = make_time(2008, 7, 28, 10, 5, 52);
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpTimeFromSystemTime(&t, nullptr), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(TimeFromSystemTime, OutOfRangeFieldsFailWithInvalidParameter) {
    // [ST] documents the valid range of every member; [From] lists no code, we use 87.
    const SYSTEMTIME bad[] = {
        make_time(2008, 0, 1, 0, 0, 0),   make_time(2008, 13, 1, 0, 0, 0),
        make_time(2008, 1, 0, 0, 0, 0),   make_time(2008, 1, 32, 0, 0, 0),
        make_time(2001, 2, 29, 0, 0, 0),  make_time(2008, 4, 31, 0, 0, 0),
        make_time(2008, 1, 1, 24, 0, 0),  make_time(2008, 1, 1, 0, 60, 0),
        make_time(2008, 1, 1, 0, 0, 60),  make_time(2008, 1, 1, 0, 0, 0, 0, 1000),
        make_time(1600, 12, 31, 0, 0, 0), make_time(30828, 1, 1, 0, 0, 0)};
    for (const SYSTEMTIME& t : bad) {
        const FormatResult r = format(t);
        EXPECT_EQ(r.ok, FALSE) << t.wYear << "-" << t.wMonth << "-" << t.wDay;
        EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_INVALID_PARAMETER));
        EXPECT_EQ(r.text, std::wstring(kBufChars, L'#'));
    }
}

// ---- WinHttpTimeToSystemTime ---------------------------------------------------------------

TEST(TimeToSystemTime, ParsesDocumentationExample) {
    // [To] example: L"Tue, 21 Nov 2000 01:06:53 GMT".
    const ParseResult r = parse(L"Tue, 21 Nov 2000 01:06:53 GMT");
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    expect_time(r.t, 2000, 11, 21, 1, 6, 53, 2);
}

TEST(TimeToSystemTime, ParsesRfc850Date) {
    // [To] "must use the format defined in section 3.3 of the RFC2616", which includes RFC 850.
    const ParseResult r = parse(L"Sunday, 06-Nov-94 08:49:37 GMT");
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    expect_time(r.t, 1994, 11, 6, 8, 49, 37, 0);
}

TEST(TimeToSystemTime, ParsesAsctimeDate) {
    // [To] RFC 2616 section 3.3 also allows ANSI C asctime() format.
    const ParseResult r = parse(L"Sun Nov  6 08:49:37 1994");
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    expect_time(r.t, 1994, 11, 6, 8, 49, 37, 0);
}

TEST(TimeToSystemTime, ComputesDayOfWeekFromDate) {
    // [ST] wDayOfWeek is an output of the conversion; a wrong weekday name does not leak in.
    const ParseResult r = parse(L"Fri, 28 Jul 2008 10:05:52 GMT");
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    expect_time(r.t, 2008, 7, 28, 10, 5, 52, 1);
}

TEST(TimeToSystemTime, IsLenientLikeWindows) {
    // [Chen] table: missing comma, missing leading zero, flipped month/day with trailing year,
    // missing seconds and zone, missing time, two-digit year, misspelt names.
    struct Case {
        const wchar_t* text;
        WORD h, mi, s;
    };
    const Case cases[] = {{L"Sat, 29 Oct 1994 09:43:31 GMT", 9, 43, 31},
                          {L"Sat 29 Oct 1994 09:43:31 GMT", 9, 43, 31},
                          {L"Sat 29 Oct 1994 9:43:31 GMT", 9, 43, 31},
                          {L"Sat Oct 29 9:43:31 1994", 9, 43, 31},
                          {L"Sat 29 Oct 1994 9:43", 9, 43, 0},
                          {L"Sat 29 Oct 1994", 0, 0, 0},
                          {L"Sat 29 Oct 94", 0, 0, 0},
                          {L"Savvyday 29 Oatmeal 94", 0, 0, 0}};
    for (const Case& c : cases) {
        SCOPED_TRACE(testing::Message() << "input " << winhttp::to_utf8(c.text));
        const ParseResult r = parse(c.text);
        EXPECT_EQ(r.ok, TRUE);
        EXPECT_EQ(r.error, ERROR_SUCCESS);
        expect_time(r.t, 1994, 10, 29, c.h, c.mi, c.s, 6);
    }
}

TEST(TimeToSystemTime, AcceptsCaseWhitespaceAndSpaceSeparatedTime) {
    // [Chen] best-guess parsing: any case, surrounding white space, fields split by spaces.
    const ParseResult r = parse(L"  mon 28 JUL 2008 10 05 52\r\n");
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    expect_time(r.t, 2008, 7, 28, 10, 5, 52, 1);
}

TEST(TimeToSystemTime, UnparsableStringGivesCurrentTime) {
    // [Chen] "1" -> "Returns current time": the parser does not fail on nonsense.
    for (const wchar_t* text : {L"1", L"", L"not a date", L"Mon, 31 Feb 2008 00:00:00 GMT"}) {
        SCOPED_TRACE(testing::Message() << "input " << winhttp::to_utf8(text));
        const auto before = utc_now_tuple();
        const ParseResult r = parse(text);
        const auto after = utc_now_tuple();
        EXPECT_EQ(r.ok, TRUE);
        EXPECT_EQ(r.error, ERROR_SUCCESS);
        EXPECT_LE(before, as_tuple(r.t));
        EXPECT_LE(as_tuple(r.t), after);
        EXPECT_EQ(r.t.wDayOfWeek, winhttp::day_of_week(r.t.wYear, r.t.wMonth, r.t.wDay));
        EXPECT_LT(r.t.wMilliseconds, 1000);
    }
}

TEST(TimeToSystemTime, NullStringFailsWithInvalidParameter) {
    // [To] pwszTime is a required [in] string.
    SYSTEMTIME t = poisoned_time();
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpTimeToSystemTime(nullptr, &t), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(as_tuple(t), as_tuple(poisoned_time()));
}

TEST(TimeToSystemTime, NullSystemTimeFailsWithInvalidParameter) {
    // [To] pst is a required [out] pointer.
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpTimeToSystemTime(L"Tue, 21 Nov 2000 01:06:53 GMT", nullptr), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(TimeToSystemTime, RoundTripsWithTimeFromSystemTime) {
    // [From]/[To] are inverses for every valid date.
    const SYSTEMTIME in = make_time(2024, 2, 29, 23, 59, 58, 4);
    const FormatResult f = format(in);
    ASSERT_EQ(f.ok, TRUE);
    const ParseResult r = parse(f.text.c_str());
    EXPECT_EQ(r.ok, TRUE);
    EXPECT_EQ(r.error, ERROR_SUCCESS);
    expect_time(r.t, 2024, 2, 29, 23, 59, 58, 4);
}

// ---- parse_http_date / format_http_date (internal) -----------------------------------------

TEST(TimeParseHttpDate, FailsWithoutTouchingOutput) {
    for (const char* text :
         {"", "1", "29 1994", "Oct 1994", "31 Feb 2008", "29 Feb 2001", "1 Jan 1600", "1 Jan 30828",
          "1 Jan 2000 24:00:00", "1 Jan 2000 00:60:00", "1 Jan 2000 00:00:61",
          "1 Jan 99999999999999999999"}) {
        SCOPED_TRACE(text);
        SYSTEMTIME t = poisoned_time();
        EXPECT_FALSE(winhttp::parse_http_date(text, &t));
        EXPECT_EQ(as_tuple(t), as_tuple(poisoned_time()));
    }
}

TEST(TimeParseHttpDate, MapsTwoDigitYearsAroundFifty) {
    SYSTEMTIME t{};
    ASSERT_TRUE(winhttp::parse_http_date("Thu, 01-Jan-70 00:00:00 GMT", &t));
    EXPECT_EQ(t.wYear, 1970);
    ASSERT_TRUE(winhttp::parse_http_date("01-Jan-49 00:00:00 GMT", &t));
    EXPECT_EQ(t.wYear, 2049);
    ASSERT_TRUE(winhttp::parse_http_date("01-Jan-50 00:00:00 GMT", &t));
    EXPECT_EQ(t.wYear, 1950);
}

TEST(TimeParseHttpDate, RecognisesEveryMonthByName) {
    const char* names[] = {"January", "february", "MAR",  "Apr", "may", "June",
                           "jul",     "August",   "Sept", "oct", "Nov", "December"};
    for (WORD m = 1; m <= 12; ++m) {
        SYSTEMTIME t{};
        const std::string text = std::string("01 ") + names[m - 1] + " 2001";
        ASSERT_TRUE(winhttp::parse_http_date(text, &t)) << text;
        EXPECT_EQ(t.wMonth, m) << text;
    }
}

TEST(TimeParseHttpDate, IgnoresFractionalSecondsAndLeapSecond) {
    SYSTEMTIME t{};
    ASSERT_TRUE(winhttp::parse_http_date("Sat, 31 Dec 2016 23:59:60.250 GMT", &t));
    expect_time(t, 2016, 12, 31, 23, 59, 59, 6);
}

TEST(TimeFormatHttpDate, MatchesTheApiOutput) {
    EXPECT_EQ(winhttp::format_http_date(make_time(1970, 1, 1, 0, 0, 0)),
              "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(winhttp::format_http_date(make_time(1601, 1, 1, 0, 0, 0)),
              "Mon, 01 Jan 1601 00:00:00 GMT");
}

}  // namespace
