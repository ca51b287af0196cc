#include "http1/header_store.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "http1/header_names.h"

// Pages cited below (learn.microsoft.com/windows/win32/...):
//   [AddRequestHeaders]   api/winhttp/nf-winhttp-winhttpaddrequestheaders
//   [AddRequestHeadersEx] api/winhttp/nf-winhttp-winhttpaddrequestheadersex
//   [QueryHeaders]        api/winhttp/nf-winhttp-winhttpqueryheaders
//   [QueryHeadersEx]      api/winhttp/nf-winhttp-winhttpqueryheadersex
//   [QueryInfoFlags]      winhttp/query-info-flags
//   [HttpQueryInfo]       api/wininet/nf-wininet-httpqueryinfow (ISO-8859-1 widening)

namespace {

using namespace std::literals;
using winhttp::http1::add_request_headers;
using winhttp::http1::add_request_headers_ex;
using winhttp::http1::Header;
using winhttp::http1::HeaderList;
using winhttp::http1::kCodePageUtf8;
using winhttp::http1::LevelKind;
using winhttp::http1::query_headers;
using winhttp::http1::query_headers_ex;
using winhttp::http1::QuerySource;
using winhttp::http1::RequestHead;
using winhttp::http1::ResponseHead;

constexpr DWORD W = sizeof(WCHAR);

ResponseHead sample_response() {
    ResponseHead r;
    r.status = 200;
    r.reason = "OK";
    r.headers = {{"Content-Type", "text/html"},
                 {"Content-Length", "1234"},
                 {"Date", "Sun, 06 Nov 1994 08:49:37 GMT"},
                 {"Set-Cookie", "a=1"},
                 {"set-cookie", "b=2"},
                 {"Set-Cookie", "c=3"},
                 {"Server", "test"}};
    return r;
}

RequestHead sample_request() {
    RequestHead q;
    q.method = "POST";
    q.target = "/a%20b?x=1";
    q.headers = {{"User-Agent", "agent/1.0"}, {"Accept", "*/*"}};
    return q;
}

struct Result {
    DWORD error;
    std::wstring text;
};

// A size probe, then the real call with exactly the size the probe asked for.
Result query_string(const QuerySource& src, DWORD level, const WCHAR* name = nullptr,
                    DWORD* index = nullptr) {
    DWORD size = 0;
    DWORD e = query_headers(src, level, name, nullptr, &size, index);
    if (e != ERROR_INSUFFICIENT_BUFFER) return {e, {}};
    std::vector<WCHAR> buf(size / W + 1, L'#');
    e = query_headers(src, level, name, buf.data(), &size, index);
    if (e != ERROR_SUCCESS) return {e, {}};
    return {e, std::wstring(buf.data(), size / W)};
}

std::wstring widen(std::string_view s) {
    std::wstring out;
    for (char c : s) out.push_back(static_cast<unsigned char>(c));
    return out;
}

// ---- AddRequestHeaders ---------------------------------------------------------------------

TEST(AddHeaders, AddsOneHeader) {
    HeaderList list;
    // [AddRequestHeaders] example: one header, WINHTTP_ADDREQ_FLAG_ADD.
    ASSERT_EQ(add_request_headers(list, "If-Modified-Since: Mon, 20 Nov 2000 20:00:00 GMT",
                                  WINHTTP_ADDREQ_FLAG_ADD),
              ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].name, "If-Modified-Since");
    EXPECT_EQ(list[0].value, "Mon, 20 Nov 2000 20:00:00 GMT");
}

TEST(AddHeaders, NoModifierAppendsLikeAdd) {
    HeaderList list{{"Accept", "a"}};
    EXPECT_EQ(add_request_headers(list, "Accept: b", 0), ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1].value, "b");
}

TEST(AddHeaders, AddKeepsDuplicates) {
    HeaderList list{{"Cookie", "a=1"}};
    EXPECT_EQ(add_request_headers(list, "Cookie: b=2", WINHTTP_ADDREQ_FLAG_ADD), ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].value, "a=1");
    EXPECT_EQ(list[1].value, "b=2");
}

TEST(AddHeaders, SplitsCrlfSeparatedHeaders) {
    HeaderList list;
    // [AddRequestHeaders]: "Each header except the last must be terminated by a CR/LF".
    ASSERT_EQ(add_request_headers(list, "A: 1\r\nB: 2\r\nC: 3", WINHTTP_ADDREQ_FLAG_ADD),
              ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].name, "A");
    EXPECT_EQ(list[2].value, "3");
}

TEST(AddHeaders, ToleratesTrailingCrlfAndBlankLines) {
    HeaderList list;
    ASSERT_EQ(add_request_headers(list, "A: 1\r\n\r\n  \r\nB: 2\r\n", WINHTTP_ADDREQ_FLAG_ADD),
              ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1].name, "B");
}

TEST(AddHeaders, EmptyInputAddsNothing) {
    HeaderList list;
    EXPECT_EQ(add_request_headers(list, "", WINHTTP_ADDREQ_FLAG_ADD), ERROR_SUCCESS);
    EXPECT_EQ(add_request_headers(list, "\r\n", WINHTTP_ADDREQ_FLAG_ADD), ERROR_SUCCESS);
    EXPECT_TRUE(list.empty());
}

TEST(AddHeaders, AcceptsBareLfSeparator) {
    HeaderList list;
    ASSERT_EQ(add_request_headers(list, "A: 1\nB: 2", 0), ERROR_SUCCESS);
    EXPECT_EQ(list.size(), 2u);
}

TEST(AddHeaders, TrimsSpaceAroundNameAndValue) {
    HeaderList list;
    ASSERT_EQ(add_request_headers(list, "X-A \t:  \tv a l\t ", 0), ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].name, "X-A");
    EXPECT_EQ(list[0].value, "v a l");
}

TEST(AddHeaders, EmptyValueIsAdded) {
    HeaderList list;
    ASSERT_EQ(add_request_headers(list, "X-Empty:", 0), ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].value, "");
}

TEST(AddHeaders, KeepsBytesAboveAscii) {
    HeaderList list;
    ASSERT_EQ(add_request_headers(list, "X-Name: caf\xC3\xA9", 0), ERROR_SUCCESS);
    EXPECT_EQ(list[0].value, "caf\xC3\xA9");
}

// [AddRequestHeaders]: invalid headers fail with ERROR_INVALID_PARAMETER and are not added.
TEST(AddHeaders, MalformedLinesAreInvalidParameter) {
    const char* bad[] = {
        "NoColonHere",      // no ':'
        ": value",          // empty name
        "Bad Name: v",      // space inside the name
        "Na(me): v",        // separator in the name
        "A: one\rtwo",      // bare CR
        "A: bell\x07",      // control byte
        "A: del\x7F",       // DEL
        "A: 1\r\n folded",  // obs-fold continuation
        " A: leading",      // line starting with white space
        "A: ok\r\nB",       // second line without ':'
    };
    for (const char* text : bad) {
        HeaderList list{{"Keep", "me"}};
        EXPECT_EQ(add_request_headers(list, text, WINHTTP_ADDREQ_FLAG_ADD),
                  static_cast<DWORD>(ERROR_INVALID_PARAMETER))
            << text;
        ASSERT_EQ(list.size(), 1u) << text;
        EXPECT_EQ(list[0].name, "Keep");
    }
}

TEST(AddHeaders, EmbeddedNulIsInvalidParameter) {
    HeaderList list;
    // [AddRequestHeaders]: names and values "are validated"; a NUL would end the wire line.
    EXPECT_EQ(add_request_headers(list, std::string_view("A: x\0y", 6), 0),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(add_request_headers(list, std::string_view("A\0B: x", 6), 0),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_TRUE(list.empty());
}

TEST(AddHeaders, AddIfNewAddsWhenAbsent) {
    HeaderList list{{"Other", "x"}};
    // [AddRequestHeaders] ADD_IF_NEW: "Adds the header only if it does not already exist".
    EXPECT_EQ(add_request_headers(list, "Accept: */*", WINHTTP_ADDREQ_FLAG_ADD_IF_NEW),
              ERROR_SUCCESS);
    EXPECT_EQ(list.size(), 2u);
}

TEST(AddHeaders, AddIfNewFailsWhenPresent) {
    HeaderList list{{"Accept", "text/*"}};
    // [AddRequestHeaders] ADD_IF_NEW: "otherwise, an error is returned".
    EXPECT_EQ(add_request_headers(list, "ACCEPT: */*", WINHTTP_ADDREQ_FLAG_ADD_IF_NEW),
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_ALREADY_EXISTS));
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].value, "text/*");
}

TEST(AddHeaders, ReplaceReplacesValue) {
    HeaderList list{{"A", "1"}, {"Accept", "text/*"}};
    // [AddRequestHeaders] REPLACE: "If the value is not empty, it is replaced."
    EXPECT_EQ(add_request_headers(list, "accept: */*", WINHTTP_ADDREQ_FLAG_REPLACE), ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1].value, "*/*");
}

TEST(AddHeaders, ReplaceWithEmptyValueRemoves) {
    HeaderList list{{"A", "1"}, {"Accept", "text/*"}};
    // [AddRequestHeaders] REPLACE: "If the header value is empty and the header is found, it is
    // removed."
    EXPECT_EQ(add_request_headers(list, "Accept:", WINHTTP_ADDREQ_FLAG_REPLACE), ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].name, "A");
}

TEST(AddHeaders, ReplaceWithoutAddFailsWhenAbsent) {
    HeaderList list;
    EXPECT_EQ(add_request_headers(list, "Accept: */*", WINHTTP_ADDREQ_FLAG_REPLACE),
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(add_request_headers(list, "Accept:", WINHTTP_ADDREQ_FLAG_REPLACE),
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_TRUE(list.empty());
}

TEST(AddHeaders, ReplaceWithAddAddsWhenAbsent) {
    HeaderList list;
    // [AddRequestHeaders] ADD: "Adds the header if it does not exist. Used with REPLACE."
    EXPECT_EQ(add_request_headers(list, "Accept: */*",
                                  WINHTTP_ADDREQ_FLAG_REPLACE | WINHTTP_ADDREQ_FLAG_ADD),
              ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].value, "*/*");
    // Removing what is not there, with ADD, is a no-op.
    EXPECT_EQ(
        add_request_headers(list, "Gone:", WINHTTP_ADDREQ_FLAG_REPLACE | WINHTTP_ADDREQ_FLAG_ADD),
        ERROR_SUCCESS);
    EXPECT_EQ(list.size(), 1u);
}

TEST(AddHeaders, ReplaceIndexSelectsOccurrence) {
    HeaderList list{{"Cookie", "a"}, {"X", "x"}, {"Cookie", "b"}};
    EXPECT_EQ(add_request_headers(list, "Cookie: B", WINHTTP_ADDREQ_FLAG_REPLACE | 1),
              ERROR_SUCCESS);
    EXPECT_EQ(list[0].value, "a");
    EXPECT_EQ(list[2].value, "B");
    EXPECT_EQ(add_request_headers(list, "Cookie: C", WINHTTP_ADDREQ_FLAG_REPLACE | 2),
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(add_request_headers(list, "Cookie:", WINHTTP_ADDREQ_FLAG_REPLACE | 0), ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1].value, "B");
}

TEST(AddHeaders, CoalesceWithCommaMergesIntoFirst) {
    HeaderList list;
    // [AddRequestHeaders] COALESCE_WITH_COMMA: "Accept: text/*" then "Accept: audio/*" gives
    // "Accept: text/*, audio/*".
    ASSERT_EQ(add_request_headers(list, "Accept: text/*", WINHTTP_ADDREQ_FLAG_ADD), ERROR_SUCCESS);
    ASSERT_EQ(add_request_headers(list, "Accept: audio/*", WINHTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA),
              ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].value, "text/*, audio/*");
}

TEST(AddHeaders, CoalesceMergesOnlyTheFirstOccurrence) {
    HeaderList list{{"Accept", "a"}, {"Accept", "b"}};
    // [AddRequestHeaders]: "This causes the first header found to be merged."
    ASSERT_EQ(add_request_headers(list, "Accept: c", WINHTTP_ADDREQ_FLAG_COALESCE), ERROR_SUCCESS);
    EXPECT_EQ(list[0].value, "a, c");
    EXPECT_EQ(list[1].value, "b");
}

TEST(AddHeaders, CoalesceWithSemicolon) {
    HeaderList list{{"Cookie", "a=1"}};
    // [AddRequestHeaders] COALESCE_WITH_SEMICOLON: "Merges headers of the same name using a
    // semicolon."
    ASSERT_EQ(add_request_headers(list, "cookie: b=2", WINHTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON),
              ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].value, "a=1; b=2");
}

TEST(AddHeaders, CoalesceAddsWhenAbsent) {
    HeaderList list;
    ASSERT_EQ(add_request_headers(list, "Accept: a", WINHTTP_ADDREQ_FLAG_COALESCE), ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].value, "a");
}

TEST(AddHeaders, ModifiersApplyToEveryLine) {
    HeaderList list{{"A", "old"}};
    // What WinHttpSendRequest's additional headers do: several lines, REPLACE | ADD.
    ASSERT_EQ(add_request_headers(list, "A: new\r\nB: 2\r\n",
                                  WINHTTP_ADDREQ_FLAG_REPLACE | WINHTTP_ADDREQ_FLAG_ADD),
              ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].value, "new");
    EXPECT_EQ(list[1].name, "B");
}

TEST(AddHeaders, FailureInLaterLineLeavesListUnchanged) {
    HeaderList list{{"B", "1"}};
    EXPECT_EQ(add_request_headers(list, "A: 1\r\nB: 2", WINHTTP_ADDREQ_FLAG_ADD_IF_NEW),
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_ALREADY_EXISTS));
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].name, "B");
}

TEST(AddHeaders, ExWideStringsAreConvertedToUtf8) {
    HeaderList list;
    WINHTTP_EXTENDED_HEADER h[2]{};
    h[0].pwszName = L"X-One";
    h[0].pwszValue = L"caf\x00E9";
    h[1].pwszName = L"X-Two";
    h[1].pwszValue = L" two ";
    // [AddRequestHeadersEx] ullFlags: WINHTTP_EXTENDED_HEADER_FLAG_UNICODE = wide strings.
    ASSERT_EQ(add_request_headers_ex(list, WINHTTP_ADDREQ_FLAG_ADD,
                                     WINHTTP_EXTENDED_HEADER_FLAG_UNICODE, 0, 2, h),
              ERROR_SUCCESS);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].name, "X-One");
    EXPECT_EQ(list[0].value, "caf\xC3\xA9");
    EXPECT_EQ(list[1].value, "two");
}

TEST(AddHeaders, ExNarrowStringsAreBytes) {
    HeaderList list{{"Accept", "a"}};
    WINHTTP_EXTENDED_HEADER h{};
    h.pszName = "Accept";
    h.pszValue = "b";
    // [AddRequestHeadersEx]: same modifiers as WinHttpAddRequestHeaders.
    ASSERT_EQ(add_request_headers_ex(list, WINHTTP_ADDREQ_FLAG_COALESCE, 0, 0, 1, &h),
              ERROR_SUCCESS);
    EXPECT_EQ(list[0].value, "a, b");
}

TEST(AddHeaders, ExNullValueRemovesWithReplace) {
    HeaderList list{{"Accept", "a"}};
    WINHTTP_EXTENDED_HEADER h{};
    h.pszName = "Accept";
    ASSERT_EQ(add_request_headers_ex(list, WINHTTP_ADDREQ_FLAG_REPLACE, 0, 0, 1, &h),
              ERROR_SUCCESS);
    EXPECT_TRUE(list.empty());
}

TEST(AddHeaders, ExRejectsBadArgumentsAndValues) {
    HeaderList list;
    EXPECT_EQ(add_request_headers_ex(list, 0, 0, 0, 0, nullptr), ERROR_SUCCESS);
    EXPECT_EQ(add_request_headers_ex(list, 0, 0, 0, 1, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_EXTENDED_HEADER h[2]{};
    h[0].pszName = "Good";
    h[0].pszValue = "1";
    EXPECT_EQ(add_request_headers_ex(list, 0, 0, 0, 2, h),  // second name NULL
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    h[1].pszName = "Evil";
    h[1].pszValue = "x\r\nInjected: 1";
    EXPECT_EQ(add_request_headers_ex(list, 0, 0, 0, 2, h),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    h[1].pszName = "Sp ace";
    h[1].pszValue = "x";
    EXPECT_EQ(add_request_headers_ex(list, 0, 0, 0, 2, h),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_TRUE(list.empty());
}

// ---- QueryHeaders --------------------------------------------------------------------------

TEST(QueryHeaders, EveryHeaderLevelReadsItsHeader) {
    // [QueryInfoFlags]: "Most of the attribute flags map directly to a specific HTTP header."
    for (DWORD level = 0; level <= WINHTTP_QUERY_MAX; ++level) {
        const std::string_view name = winhttp::http1::header_name_for_level(level);
        if (name.empty()) continue;
        ResponseHead r;
        r.headers = {{"X-Other", "no"}, {std::string(name), "value-" + std::to_string(level)}};
        const QuerySource src{&r, nullptr};
        const Result got = query_string(src, level);
        EXPECT_EQ(got.error, ERROR_SUCCESS) << level;
        EXPECT_EQ(got.text, widen("value-" + std::to_string(level))) << level;
    }
}

TEST(QueryHeaders, SpotChecksWellKnownLevels) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CONTENT_TYPE).text, L"text/html");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CONTENT_LENGTH).text, L"1234");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_DATE).text, L"Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_SET_COOKIE).text, L"a=1");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_SERVER).text, L"test");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_LOCATION).error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
}

TEST(QueryHeaders, StatusLineItemsAsText) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    // [QueryInfoFlags] STATUS_CODE, STATUS_TEXT, VERSION come from the status line.
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_STATUS_CODE).text, L"200");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_STATUS_TEXT).text, L"OK");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_VERSION).text, L"HTTP/1.1");
}

TEST(QueryHeaders, StatusCodeAsNumber) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD code = 0;
    DWORD size = sizeof code;
    // [AddRequestHeaders] example: STATUS_CODE | FLAG_NUMBER into a DWORD.
    ASSERT_EQ(query_headers(src, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER, nullptr,
                            &code, &size, nullptr),
              ERROR_SUCCESS);
    EXPECT_EQ(code, 200u);
    EXPECT_EQ(size, sizeof(DWORD));
}

TEST(QueryHeaders, FlagNumberNeedsFourBytes) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD value = 0xAAAAAAAA;
    DWORD size = 3;
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER, nullptr,
                            &value, &size, nullptr),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, 4u);
    EXPECT_EQ(value, 0xAAAAAAAAu);
    ASSERT_EQ(query_headers(src, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER, nullptr,
                            &value, &size, nullptr),
              ERROR_SUCCESS);
    EXPECT_EQ(value, 1234u);
}

TEST(QueryHeaders, FlagNumberRefusesNonNumbers) {
    ResponseHead r;
    r.headers = {{"Content-Length", "12abc"}, {"Age", "4294967296"}, {"Max-Forwards", " 7 "}};
    const QuerySource src{&r, nullptr};
    DWORD value = 0;
    DWORD size = sizeof value;
    // [QueryInfoFlags] FLAG_NUMBER: "for headers whose value is a number".
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER, nullptr,
                            &value, &size, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_AGE | WINHTTP_QUERY_FLAG_NUMBER, nullptr, &value,
                            &size, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_STATUS_TEXT | WINHTTP_QUERY_FLAG_NUMBER, nullptr,
                            &value, &size, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    ASSERT_EQ(query_headers(src, WINHTTP_QUERY_MAX_FORWARDS | WINHTTP_QUERY_FLAG_NUMBER, nullptr,
                            &value, &size, nullptr),
              ERROR_SUCCESS);
    EXPECT_EQ(value, 7u);
}

TEST(QueryHeaders, FlagNumber64) {
    ResponseHead r;
    r.headers = {{"Content-Length", "8589934592"}};
    const QuerySource src{&r, nullptr};
    ULONGLONG value = 0;
    DWORD size = 0;
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER64,
                            nullptr, nullptr, &size, nullptr),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, 8u);
    ASSERT_EQ(query_headers(src, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER64,
                            nullptr, &value, &size, nullptr),
              ERROR_SUCCESS);
    EXPECT_EQ(value, 8589934592ull);
    EXPECT_EQ(size, 8u);
}

TEST(QueryHeaders, FlagSystemtime) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    SYSTEMTIME t{};
    DWORD size = sizeof t;
    // [QueryHeaders] remarks: WINHTTP_QUERY_FLAG_SYSTEMTIME returns a SYSTEMTIME.
    ASSERT_EQ(query_headers(src, WINHTTP_QUERY_DATE | WINHTTP_QUERY_FLAG_SYSTEMTIME, nullptr, &t,
                            &size, nullptr),
              ERROR_SUCCESS);
    EXPECT_EQ(size, sizeof(SYSTEMTIME));
    EXPECT_EQ(t.wYear, 1994);
    EXPECT_EQ(t.wMonth, 11);
    EXPECT_EQ(t.wDay, 6);
    EXPECT_EQ(t.wDayOfWeek, 0);
    EXPECT_EQ(t.wHour, 8);
    EXPECT_EQ(t.wMinute, 49);
    EXPECT_EQ(t.wSecond, 37);
}

TEST(QueryHeaders, FlagSystemtimeRefusesNonDates) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    SYSTEMTIME t{};
    DWORD size = sizeof t;
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_SERVER | WINHTTP_QUERY_FLAG_SYSTEMTIME, nullptr, &t,
                            &size, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(QueryHeaders, TwoTypeFlagsAreInvalid) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    ULONGLONG value = 0;
    DWORD size = sizeof value;
    EXPECT_EQ(query_headers(src,
                            WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER |
                                WINHTTP_QUERY_FLAG_NUMBER64,
                            nullptr, &value, &size, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(QueryHeaders, RawHeadersExactBytes) {
    ResponseHead r;
    r.status = 404;
    r.reason = "Not Found";
    r.headers = {{"A", "1"}, {"B", "two"}};
    const QuerySource src{&r, nullptr};
    DWORD size = 0;
    // [QueryInfoFlags] RAW_HEADERS: "Each header is terminated by "\0". An additional "\0"
    // terminates the list of headers."
    ASSERT_EQ(query_headers(src, WINHTTP_QUERY_RAW_HEADERS, nullptr, nullptr, &size, nullptr),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    const std::wstring expected(L"HTTP/1.1 404 Not Found\0A: 1\0B: two\0\0"sv);
    ASSERT_EQ(size, expected.size() * W);
    std::vector<WCHAR> buf(expected.size(), L'#');
    ASSERT_EQ(query_headers(src, WINHTTP_QUERY_RAW_HEADERS, nullptr, buf.data(), &size, nullptr),
              ERROR_SUCCESS);
    EXPECT_EQ(std::wstring(buf.data(), buf.size()), expected);
    EXPECT_EQ(size, (expected.size() - 1) * W);  // the final NUL is the string's terminator
}

TEST(QueryHeaders, RawHeadersCrlfExact) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    // [QueryHeadersEx] remarks: "Name1: value1\r\nName2: value2\r\n\r\n" (status line first).
    const Result got = query_string(src, WINHTTP_QUERY_RAW_HEADERS_CRLF);
    ASSERT_EQ(got.error, ERROR_SUCCESS);
    EXPECT_EQ(got.text,
              L"HTTP/1.1 200 OK\r\n"
              L"Content-Type: text/html\r\n"
              L"Content-Length: 1234\r\n"
              L"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
              L"Set-Cookie: a=1\r\n"
              L"set-cookie: b=2\r\n"
              L"Set-Cookie: c=3\r\n"
              L"Server: test\r\n"
              L"\r\n");
}

TEST(QueryHeaders, RawStatusLineWithoutReason) {
    ResponseHead r;
    r.status = 204;
    r.version_minor = 0;
    const QuerySource src{&r, nullptr};
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_RAW_HEADERS_CRLF).text, L"HTTP/1.0 204\r\n\r\n");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_STATUS_TEXT).text, L"");
}

TEST(QueryHeaders, RawStatusLineWithLargestNumbers) {
    ResponseHead r;
    r.status = 4294967295u;
    r.version_major = 4294967295u;
    r.version_minor = 4294967295u;
    const QuerySource src{&r, nullptr};
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_RAW_HEADERS_CRLF).text,
              L"HTTP/4294967295.4294967295 4294967295\r\n\r\n");
}

TEST(QueryHeaders, SizeProbeReportsBytesWithNul) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD size = 0;
    // [QueryHeaders] lpBuffer: WINHTTP_NO_OUTPUT_BUFFER gives ERROR_INSUFFICIENT_BUFFER and the
    // bytes required.
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_CONTENT_TYPE, nullptr, WINHTTP_NO_OUTPUT_BUFFER,
                            &size, WINHTTP_NO_HEADER_INDEX),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, (9 + 1) * W);  // "text/html" + NUL
    size = 1000;                   // a NULL buffer is a probe whatever the length claims
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_CONTENT_TYPE, nullptr, nullptr, &size, nullptr),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, 10 * W);
}

TEST(QueryHeaders, ExactSizeBufferSucceeds) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    WCHAR buf[10];
    DWORD size = sizeof buf;
    // [QueryHeaders] lpdwBufferLength: on success the string length in bytes without the NUL.
    ASSERT_EQ(query_headers(src, WINHTTP_QUERY_CONTENT_TYPE, nullptr, buf, &size, nullptr),
              ERROR_SUCCESS);
    EXPECT_EQ(size, 9 * W);
    EXPECT_EQ(std::wstring(buf), L"text/html");
}

TEST(QueryHeaders, OneTooSmallBufferFails) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    WCHAR buf[10];
    for (DWORD size_in : {10 * W - 1, 9 * W}) {
        std::fill(std::begin(buf), std::end(buf), L'#');
        DWORD size = size_in;
        // [QueryHeaders] lpdwBufferLength: ERROR_INSUFFICIENT_BUFFER gives the bytes to allocate.
        EXPECT_EQ(query_headers(src, WINHTTP_QUERY_CONTENT_TYPE, nullptr, buf, &size, nullptr),
                  static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
        EXPECT_EQ(size, 10 * W);
        EXPECT_EQ(buf[0], L'#');  // nothing written
    }
}

TEST(QueryHeaders, IndexEnumeratesSetCookieThenNotFound) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD index = 0;
    // [QueryHeaders] lpdwIndex: on return "the index of the next header"; past the last one
    // ERROR_WINHTTP_HEADER_NOT_FOUND.
    Result got = query_string(src, WINHTTP_QUERY_SET_COOKIE, nullptr, &index);
    EXPECT_EQ(got.text, L"a=1");
    EXPECT_EQ(index, 1u);
    got = query_string(src, WINHTTP_QUERY_SET_COOKIE, nullptr, &index);
    EXPECT_EQ(got.text, L"b=2");
    EXPECT_EQ(index, 2u);
    got = query_string(src, WINHTTP_QUERY_SET_COOKIE, nullptr, &index);
    EXPECT_EQ(got.text, L"c=3");
    EXPECT_EQ(index, 3u);
    got = query_string(src, WINHTTP_QUERY_SET_COOKIE, nullptr, &index);
    EXPECT_EQ(got.error, static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(index, 3u);
}

TEST(QueryHeaders, SizeProbeDoesNotAdvanceIndex) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD index = 1;
    DWORD size = 0;
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_SET_COOKIE, nullptr, nullptr, &size, &index),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(index, 1u);
}

TEST(QueryHeaders, StatusLineItemsHaveOnlyIndexZero) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD index = 0;
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_STATUS_CODE, nullptr, &index).text, L"200");
    EXPECT_EQ(index, 1u);
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_STATUS_CODE, nullptr, &index).error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_RAW_HEADERS_CRLF, nullptr, &index).error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
}

TEST(QueryHeaders, CustomHeaderByName) {
    ResponseHead r;
    r.headers = {{"X-Request-Id", "abc"}, {"x-request-id", "def"}};
    const QuerySource src{&r, nullptr};
    DWORD index = 0;
    // [QueryInfoFlags] CUSTOM: searches for the header name given in pwszName.
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CUSTOM, L"X-REQUEST-ID", &index).text, L"abc");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CUSTOM, L"x-request-id", &index).text, L"def");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CUSTOM, L"X-Request-Id", &index).error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CUSTOM, L"X-Missing").error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CUSTOM, L"X-Request-I\x0100").error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
}

TEST(QueryHeaders, CustomWithNullNameIsInvalid) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD size = 0;
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_CUSTOM, WINHTTP_HEADER_NAME_BY_INDEX, nullptr, &size,
                            nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(QueryHeaders, NameIsIgnoredForKnownLevels) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_SERVER, L"Content-Type").text, L"test");
}

TEST(QueryHeaders, RequestHeaders) {
    const ResponseHead r = sample_response();
    const RequestHead q = sample_request();
    const QuerySource src{&r, &q};
    constexpr DWORD kReq = WINHTTP_QUERY_FLAG_REQUEST_HEADERS;
    // [QueryInfoFlags] FLAG_REQUEST_HEADERS: "Queries request headers only."
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_USER_AGENT | kReq).text, L"agent/1.0");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_USER_AGENT).error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CONTENT_TYPE | kReq).error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CUSTOM | kReq, L"accept").text, L"*/*");
    // [QueryInfoFlags] REQUEST_METHOD: "the HTTP verb that is being used in the request".
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_REQUEST_METHOD | kReq).text, L"POST");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_REQUEST_METHOD).text, L"POST");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_VERSION | kReq).text, L"HTTP/1.1");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_STATUS_CODE | kReq).error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_RAW_HEADERS_CRLF | kReq).text,
              L"POST /a%20b?x=1 HTTP/1.1\r\nUser-Agent: agent/1.0\r\nAccept: */*\r\n\r\n");
}

TEST(QueryHeaders, Trailers) {
    ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    constexpr DWORD kTr = WINHTTP_QUERY_FLAG_TRAILERS;
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_RAW_HEADERS_CRLF | kTr).error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    r.trailers = {{"grpc-status", "0"}};
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CUSTOM | kTr, L"grpc-status").text, L"0");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CUSTOM, L"grpc-status").error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_RAW_HEADERS_CRLF | kTr).text,
              L"grpc-status: 0\r\n\r\n");
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_STATUS_CODE | kTr).error,
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CUSTOM | kTr | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                           L"grpc-status")
                  .error,
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(QueryHeaders, UnknownLevelIsInvalidParameter) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    for (DWORD level : {71u, 74u, 79u, 1000u, 65534u}) {
        DWORD size = 0;
        EXPECT_EQ(query_headers(src, level, nullptr, nullptr, &size, nullptr),
                  static_cast<DWORD>(ERROR_INVALID_PARAMETER))
            << level;
    }
}

TEST(QueryHeaders, MissingSideIsIncorrectHandleState) {
    const QuerySource src{nullptr, nullptr};
    DWORD size = 0;
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_STATUS_CODE, nullptr, nullptr, &size, nullptr),
              static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_HOST | WINHTTP_QUERY_FLAG_REQUEST_HEADERS, nullptr,
                            nullptr, &size, nullptr),
              static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
}

TEST(QueryHeaders, NullLengthIsInvalidParameter) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    EXPECT_EQ(query_headers(src, WINHTTP_QUERY_STATUS_CODE, nullptr, nullptr, nullptr, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(QueryHeaders, WireBytesWidenAsLatin1) {
    ResponseHead r;
    r.headers = {{"Content-Disposition", "caf\xE9 \xC3\xA9"}};
    const QuerySource src{&r, nullptr};
    // [HttpQueryInfo] note: headers are "ISO-8859-1 characters converted to UTF-16LE".
    EXPECT_EQ(query_string(src, WINHTTP_QUERY_CONTENT_DISPOSITION).text, L"caf\x00E9 \x00C3\x00A9");
}

// ---- QueryHeadersEx ------------------------------------------------------------------------

// An 8-byte aligned buffer of `bytes` bytes.
struct ExBuffer {
    explicit ExBuffer(size_t bytes) : storage((bytes + 7) / 8 + 1, 0xCDCDCDCDCDCDCDCDull) {}
    void* data() { return storage.data(); }
    std::vector<uint64_t> storage;
};

TEST(QueryHeadersEx, AllHeadersAsParsedPairs) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD size = 0;
    DWORD count = 99;
    WINHTTP_EXTENDED_HEADER* headers = nullptr;
    // [QueryHeadersEx] pBuffer NULL: ERROR_INSUFFICIENT_BUFFER and the required size in bytes.
    ASSERT_EQ(query_headers_ex(src, WINHTTP_QUERY_EX_ALL_HEADERS, 0, 0, nullptr, nullptr, nullptr,
                               &size, &headers, &count),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    ASSERT_GT(size, 7 * sizeof(WINHTTP_EXTENDED_HEADER));
    ExBuffer buf(size);
    // [QueryHeadersEx] WINHTTP_QUERY_EX_ALL_HEADERS "returns all the headers".
    ASSERT_EQ(query_headers_ex(src, WINHTTP_QUERY_EX_ALL_HEADERS, 0, 0, nullptr, nullptr,
                               buf.data(), &size, &headers, &count),
              ERROR_SUCCESS);
    ASSERT_EQ(count, 7u);
    ASSERT_EQ(static_cast<void*>(headers), buf.data());
    EXPECT_EQ(std::wstring(headers[0].pwszName), L"Content-Type");
    EXPECT_EQ(std::wstring(headers[0].pwszValue), L"text/html");
    EXPECT_EQ(std::wstring(headers[4].pwszName), L"set-cookie");
    EXPECT_EQ(std::wstring(headers[6].pwszValue), L"test");
    const auto* begin = static_cast<const unsigned char*>(buf.data());
    const auto* last = reinterpret_cast<const unsigned char*>(headers[6].pwszValue);
    EXPECT_EQ(last + (4 + 1) * W, begin + size);  // strings end exactly at the reported size
}

TEST(QueryHeadersEx, ExactAndOneTooSmallBuffers) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD needed = 0;
    DWORD count = 0;
    ASSERT_EQ(query_headers_ex(src, WINHTTP_QUERY_SERVER, 0, 0, nullptr, nullptr, nullptr, &needed,
                               nullptr, &count),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(needed, sizeof(WINHTTP_EXTENDED_HEADER) + (6 + 1 + 4 + 1) * W);
    ExBuffer buf(needed);
    DWORD size = needed - 1;
    EXPECT_EQ(query_headers_ex(src, WINHTTP_QUERY_SERVER, 0, 0, nullptr, nullptr, buf.data(), &size,
                               nullptr, &count),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, needed);
    ASSERT_EQ(query_headers_ex(src, WINHTTP_QUERY_SERVER, 0, 0, nullptr, nullptr, buf.data(), &size,
                               nullptr, &count),
              ERROR_SUCCESS);
    EXPECT_EQ(count, 1u);
    const auto* h = static_cast<const WINHTTP_EXTENDED_HEADER*>(buf.data());
    EXPECT_EQ(std::wstring(h->pwszName), L"Server");
    EXPECT_EQ(std::wstring(h->pwszValue), L"test");
}

TEST(QueryHeadersEx, IndexEnumeratesOneHeaderAtATime) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD index = 0;
    // [QueryHeadersEx] pdwIndex: the index of the header to return; on return the next one.
    for (const wchar_t* expected : {L"a=1", L"b=2", L"c=3"}) {
        ExBuffer buf(256);
        DWORD size = 256;
        DWORD count = 0;
        WINHTTP_EXTENDED_HEADER* h = nullptr;
        ASSERT_EQ(query_headers_ex(src, WINHTTP_QUERY_SET_COOKIE, 0, 0, &index, nullptr, buf.data(),
                                   &size, &h, &count),
                  ERROR_SUCCESS);
        ASSERT_EQ(count, 1u);
        EXPECT_EQ(std::wstring(h->pwszValue), expected);
    }
    EXPECT_EQ(index, 3u);
    ExBuffer buf(256);
    DWORD size = 256;
    DWORD count = 0;
    EXPECT_EQ(query_headers_ex(src, WINHTTP_QUERY_SET_COOKIE, 0, 0, &index, nullptr, buf.data(),
                               &size, nullptr, &count),
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
}

TEST(QueryHeadersEx, CustomNameWideAndWire) {
    ResponseHead r;
    r.headers = {{"X-Thing", "caf\xC3\xA9"}};
    const QuerySource src{&r, nullptr};
    ExBuffer buf(256);
    DWORD size = 256;
    DWORD count = 0;
    WINHTTP_EXTENDED_HEADER* h = nullptr;
    WINHTTP_HEADER_NAME name{};
    name.pwszName = L"x-thing";
    // [QueryHeadersEx] dwInfoLevel: WINHTTP_QUERY_CUSTOM with the name in pHeaderName.
    ASSERT_EQ(query_headers_ex(src, WINHTTP_QUERY_CUSTOM, 0, 0, nullptr, &name, buf.data(), &size,
                               &h, &count),
              ERROR_SUCCESS);
    EXPECT_EQ(std::wstring(h->pwszValue), L"caf\x00C3\x00A9");  // default: byte per WCHAR
    size = 256;
    // [QueryHeadersEx] uiCodePage: "The code page to use for Unicode conversion."
    ASSERT_EQ(query_headers_ex(src, WINHTTP_QUERY_CUSTOM, 0, kCodePageUtf8, nullptr, &name,
                               buf.data(), &size, &h, &count),
              ERROR_SUCCESS);
    EXPECT_EQ(std::wstring(h->pwszValue), L"caf\x00E9");
    EXPECT_EQ(size, sizeof(WINHTTP_EXTENDED_HEADER) + (7 + 1 + 4 + 1) * W);
    size = 256;
    name.pszName = "X-THING";
    // [QueryHeadersEx] WINHTTP_QUERY_FLAG_WIRE_ENCODING: the psz* members, as on the wire.
    ASSERT_EQ(query_headers_ex(src, WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_WIRE_ENCODING, 0, 0,
                               nullptr, &name, buf.data(), &size, &h, &count),
              ERROR_SUCCESS);
    EXPECT_STREQ(h->pszName, "X-Thing");
    EXPECT_STREQ(h->pszValue, "caf\xC3\xA9");
    EXPECT_EQ(size, sizeof(WINHTTP_EXTENDED_HEADER) + 8 + 6);
}

TEST(QueryHeadersEx, CustomWithoutNameIsInvalid) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD size = 0;
    DWORD count = 0;
    WINHTTP_HEADER_NAME name{};
    EXPECT_EQ(query_headers_ex(src, WINHTTP_QUERY_CUSTOM, 0, 0, nullptr, nullptr, nullptr, &size,
                               nullptr, &count),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(query_headers_ex(src, WINHTTP_QUERY_CUSTOM, 0, 0, nullptr, &name, nullptr, &size,
                               nullptr, &count),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(QueryHeadersEx, DocumentedForbiddenFlagsAreInvalid) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    // [QueryHeadersEx] note: these "return ERROR_INVALID_PARAMETER if used".
    const DWORD forbidden[] = {
        WINHTTP_QUERY_VERSION,
        WINHTTP_QUERY_STATUS_CODE,
        WINHTTP_QUERY_STATUS_TEXT,
        WINHTTP_QUERY_RAW_HEADERS_CRLF,
        WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER,
        WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER64,
        WINHTTP_QUERY_DATE | WINHTTP_QUERY_FLAG_SYSTEMTIME,
        WINHTTP_QUERY_REQUEST_METHOD,
        72,
    };
    for (DWORD level : forbidden) {
        DWORD size = 0;
        DWORD count = 0;
        EXPECT_EQ(
            query_headers_ex(src, level, 0, 0, nullptr, nullptr, nullptr, &size, nullptr, &count),
            static_cast<DWORD>(ERROR_INVALID_PARAMETER))
            << std::hex << level;
    }
}

TEST(QueryHeadersEx, RequestHeadersAndTrailers) {
    ResponseHead r = sample_response();
    r.trailers = {{"grpc-status", "0"}, {"grpc-message", "ok"}};
    const RequestHead q = sample_request();
    const QuerySource src{&r, &q};
    ExBuffer buf(512);
    DWORD size = 512;
    DWORD count = 0;
    WINHTTP_EXTENDED_HEADER* h = nullptr;
    ASSERT_EQ(
        query_headers_ex(src, WINHTTP_QUERY_EX_ALL_HEADERS | WINHTTP_QUERY_FLAG_REQUEST_HEADERS, 0,
                         0, nullptr, nullptr, buf.data(), &size, &h, &count),
        ERROR_SUCCESS);
    ASSERT_EQ(count, 2u);
    EXPECT_EQ(std::wstring(h[1].pwszName), L"Accept");
    size = 512;
    // [QueryHeadersEx] hRequest: trailers are queried after WinHttpReadData returned 0 bytes.
    ASSERT_EQ(query_headers_ex(src, WINHTTP_QUERY_EX_ALL_HEADERS | WINHTTP_QUERY_FLAG_TRAILERS, 0,
                               0, nullptr, nullptr, buf.data(), &size, &h, &count),
              ERROR_SUCCESS);
    ASSERT_EQ(count, 2u);
    EXPECT_EQ(std::wstring(h[1].pwszValue), L"ok");
}

TEST(QueryHeadersEx, MissingHeaderAndMisalignedBuffer) {
    const ResponseHead r = sample_response();
    const QuerySource src{&r, nullptr};
    DWORD size = 0;
    DWORD count = 0;
    EXPECT_EQ(query_headers_ex(src, WINHTTP_QUERY_LOCATION, 0, 0, nullptr, nullptr, nullptr, &size,
                               nullptr, &count),
              static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    ExBuffer buf(512);
    size = 500;
    EXPECT_EQ(query_headers_ex(src, WINHTTP_QUERY_SERVER, 0, 0, nullptr, nullptr,
                               static_cast<char*>(buf.data()) + 1, &size, nullptr, &count),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(query_headers_ex(src, WINHTTP_QUERY_SERVER, 0, 0, nullptr, nullptr, buf.data(), &size,
                               nullptr, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

// ---- HeaderNames ---------------------------------------------------------------------------

TEST(HeaderNames, SpotChecks) {
    using winhttp::http1::header_name_for_level;
    using winhttp::http1::query_level;
    // [QueryInfoFlags]: each attribute flag and the header it retrieves.
    EXPECT_EQ(header_name_for_level(WINHTTP_QUERY_CONTENT_TYPE), "Content-Type");
    EXPECT_EQ(header_name_for_level(WINHTTP_QUERY_CONTENT_LENGTH), "Content-Length");
    EXPECT_EQ(header_name_for_level(WINHTTP_QUERY_DATE), "Date");
    EXPECT_EQ(header_name_for_level(WINHTTP_QUERY_SET_COOKIE), "Set-Cookie");
    EXPECT_EQ(header_name_for_level(WINHTTP_QUERY_URI), "URI");
    EXPECT_EQ(header_name_for_level(WINHTTP_QUERY_WWW_AUTHENTICATE), "WWW-Authenticate");
    EXPECT_EQ(header_name_for_level(WINHTTP_QUERY_ETAG), "ETag");
    EXPECT_EQ(header_name_for_level(WINHTTP_QUERY_AUTHENTICATION_INFO), "Authentication-Info");
    EXPECT_EQ(header_name_for_level(WINHTTP_QUERY_PASSPORT_URLS), "PassportURLs");
    EXPECT_EQ(query_level(WINHTTP_QUERY_VERSION).kind, LevelKind::version);
    EXPECT_EQ(query_level(WINHTTP_QUERY_STATUS_CODE).kind, LevelKind::status_code);
    EXPECT_EQ(query_level(WINHTTP_QUERY_STATUS_TEXT).kind, LevelKind::status_text);
    EXPECT_EQ(query_level(WINHTTP_QUERY_RAW_HEADERS).kind, LevelKind::raw_headers);
    EXPECT_EQ(query_level(WINHTTP_QUERY_RAW_HEADERS_CRLF).kind, LevelKind::raw_headers_crlf);
    EXPECT_EQ(query_level(WINHTTP_QUERY_REQUEST_METHOD).kind, LevelKind::request_method);
    EXPECT_EQ(query_level(WINHTTP_QUERY_CUSTOM).kind, LevelKind::custom);
    for (DWORD level : {71u, 72u, 73u, 74u, 79u, 65534u, 0xFFFFFFFFu})
        EXPECT_EQ(query_level(level).kind, LevelKind::unassigned) << level;
}

TEST(HeaderNames, EveryNamedLevelRoundTrips) {
    int named = 0;
    for (DWORD level = 0; level <= WINHTTP_QUERY_MAX; ++level) {
        const auto& entry = winhttp::http1::query_level(level);
        if (entry.kind != LevelKind::header) {
            EXPECT_TRUE(entry.name.empty()) << level;
            continue;
        }
        ++named;
        EXPECT_EQ(winhttp::http1::level_for_header_name(entry.name), level) << level;
    }
    EXPECT_EQ(named, 79 - 6 - 4);  // 6 status-line/raw/method levels, 4 unassigned
    EXPECT_EQ(winhttp::http1::level_for_header_name("content-TYPE"), WINHTTP_QUERY_CONTENT_TYPE);
    EXPECT_FALSE(winhttp::http1::level_for_header_name("X-Unknown").has_value());
    EXPECT_FALSE(winhttp::http1::level_for_header_name("").has_value());
}

}  // namespace
