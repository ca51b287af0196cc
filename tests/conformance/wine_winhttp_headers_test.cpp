// Windows-verified facts from Wine's dlls/winhttp/tests/winhttp.c about request headers
// (WinHttpAddRequestHeaders, WinHttpQueryHeaders with WINHTTP_QUERY_FLAG_REQUEST_HEADERS), the
// time functions and handle creation, re-expressed as our own tests. None needs a server: the
// request headers exist from WinHttpOpenRequest on. Where Wine marks a result todo_wine or
// broken(), Windows' answer is the one asserted here.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cstring>
#include <cwchar>
#include <string>
#include <vector>

namespace {

constexpr DWORD kSentinel = 0xDEADBEEF;
constexpr DWORD kMaxPath = 260;  // Wine's buffers are MAX_PATH characters
constexpr DWORD kCustomRequest = WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_REQUEST_HEADERS;

struct Handles {
    HINTERNET session = WinHttpOpen(L"winetest", WINHTTP_ACCESS_TYPE_DEFAULT_PROXY,
                                    WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
    HINTERNET connect = WinHttpConnect(session, L"test.winehq.org", INTERNET_DEFAULT_HTTP_PORT, 0);
    HINTERNET request = WinHttpOpenRequest(connect, L"POST", L"/posttest.php", nullptr,
                                           WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ~Handles() {
        WinHttpCloseHandle(request);
        WinHttpCloseHandle(connect);
        WinHttpCloseHandle(session);
    }
};

BOOL add(HINTERNET req, const wchar_t* headers, DWORD flags, DWORD len = ~0u) {
    SetLastError(kSentinel);
    return WinHttpAddRequestHeaders(req, headers, len, flags);
}

// Every value of request header `name`, in index order.
std::vector<std::wstring> values(HINTERNET req, const wchar_t* name) {
    std::vector<std::wstring> out;
    DWORD index = 0;
    for (int i = 0; i < 16; ++i) {
        WCHAR buffer[260];
        DWORD len = sizeof(buffer);
        const DWORD before = index;
        if (!WinHttpQueryHeaders(req, kCustomRequest, name, buffer, &len, &index)) {
            EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
            break;
        }
        EXPECT_EQ(index, before + 1) << "the index advances by one";
        EXPECT_EQ(len, wcslen(buffer) * sizeof(WCHAR));
        out.emplace_back(buffer);
    }
    return out;
}

std::wstring first_value(HINTERNET req, const wchar_t* name) {
    auto v = values(req, name);
    return v.empty() ? L"<none>" : v[0];
}

}  // namespace

// --- test_WinHttpAddHeaders ----------------------------------------------------------------------

TEST(WineAddHeaders, AddThenQueryWithIndex) {
    Handles h;
    ASSERT_NE(h.request, nullptr);
    // Wine winhttp.c test_WinHttpAddHeaders: a new request has no Warning header
    WCHAR buffer[kMaxPath];
    DWORD index = 0, len = sizeof(buffer);
    EXPECT_FALSE(WinHttpQueryHeaders(h.request, kCustomRequest, L"Warning", buffer, &len, &index));
    // Wine winhttp.c test_WinHttpAddHeaders: "Warning:test1" (length -1) is added, ERROR_SUCCESS
    EXPECT_TRUE(add(h.request, L"Warning:test1", WINHTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    // Wine winhttp.c test_WinHttpAddHeaders: the value is "test1", 10 bytes, the index becomes 1
    index = 0;
    len = sizeof(buffer);
    ASSERT_TRUE(WinHttpQueryHeaders(h.request, kCustomRequest, L"Warning", buffer, &len, &index));
    EXPECT_EQ(index, 1u);
    EXPECT_STREQ(buffer, L"test1");
    EXPECT_EQ(len, 5 * sizeof(WCHAR));
    // Wine winhttp.c test_WinHttpAddHeaders: there is no second one
    len = sizeof(buffer);
    EXPECT_FALSE(WinHttpQueryHeaders(h.request, kCustomRequest, L"Warning", buffer, &len, &index));
}

TEST(WineAddHeaders, BufferWithoutRoomForNulIsUntouched) {
    Handles h;
    ASSERT_TRUE(add(h.request, L"Warning:test1", WINHTTP_ADDREQ_FLAG_ADD));
    // Wine winhttp.c test_WinHttpAddHeaders: room for the string but not its NUL fails, leaves
    // the buffer as it was and answers 12 bytes
    WCHAR buffer[kMaxPath], check[kMaxPath];
    std::memset(check, 0xab, sizeof(check));
    std::memcpy(buffer, check, sizeof(buffer));
    DWORD index = 0, len = 5 * sizeof(WCHAR);
    EXPECT_FALSE(WinHttpQueryHeaders(h.request, kCustomRequest, L"Warning", buffer, &len, &index));
    EXPECT_EQ(std::memcmp(buffer, check, sizeof(buffer)), 0);
    EXPECT_EQ(len, 6 * sizeof(WCHAR));
}

TEST(WineAddHeaders, RawRequestHeadersSizeProbe) {
    Handles h;
    ASSERT_TRUE(add(h.request, L"Warning:test1", WINHTTP_ADDREQ_FLAG_ADD));
    for (DWORD info : {DWORD{WINHTTP_QUERY_RAW_HEADERS_CRLF}, DWORD{WINHTTP_QUERY_RAW_HEADERS}}) {
        for (DWORD start : {DWORD{kMaxPath * sizeof(WCHAR)}, DWORD{10}, DWORD{0}}) {
            // Wine winhttp.c test_WinHttpAddHeaders: with a NULL buffer (whatever the length)
            // the raw request headers answer ERROR_INSUFFICIENT_BUFFER and a size over 40; the
            // index stays 0
            DWORD index = 0, len = start;
            SetLastError(kSentinel);
            EXPECT_FALSE(WinHttpQueryHeaders(h.request, info | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                                             L"Warning", nullptr, &len, &index));
            EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
            EXPECT_GT(len, 40u);
            EXPECT_EQ(index, 0u);
        }
    }
}

TEST(WineAddHeaders, RawRequestHeadersCrlf) {
    Handles h;
    ASSERT_TRUE(add(h.request, L"Warning:test1", WINHTTP_ADDREQ_FLAG_ADD));
    DWORD index = 0, needed = 0;
    WinHttpQueryHeaders(h.request, WINHTTP_QUERY_RAW_HEADERS_CRLF | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                        L"Warning", nullptr, &needed, &index);
    WCHAR buffer[kMaxPath];
    std::memset(buffer, 0xff, sizeof(buffer));
    DWORD len = sizeof(buffer);
    ASSERT_TRUE(WinHttpQueryHeaders(h.request,
                                    WINHTTP_QUERY_RAW_HEADERS_CRLF | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                                    L"Warning", buffer, &len, &index));
    // Wine winhttp.c test_WinHttpAddHeaders: the answer fits the probed size with its NUL, is
    // NUL-terminated and its length is the string's
    EXPECT_LE(len + sizeof(WCHAR), needed);
    ASSERT_LT(len, sizeof(buffer) - sizeof(WCHAR));
    EXPECT_EQ(buffer[len / sizeof(WCHAR)], L'\0');
    EXPECT_EQ(len, wcslen(buffer) * sizeof(WCHAR));
    // Wine winhttp.c test_WinHttpAddHeaders: it starts with the request line and ends with an
    // empty line; the index stays 0
    const std::wstring text(buffer);
    EXPECT_EQ(text.rfind(L"POST /posttest.php HTTP/1", 0), 0u) << std::string(text.begin(), text.end());
    ASSERT_GE(text.size(), 4u);
    EXPECT_EQ(text.substr(text.size() - 4), L"\r\n\r\n");
    EXPECT_EQ(index, 0u);
}

TEST(WineAddHeaders, RawRequestHeadersNulSeparated) {
    Handles h;
    ASSERT_TRUE(add(h.request, L"Warning:test1", WINHTTP_ADDREQ_FLAG_ADD));
    DWORD index = 0, needed = 0;
    WinHttpQueryHeaders(h.request, WINHTTP_QUERY_RAW_HEADERS | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                        L"Warning", nullptr, &needed, &index);
    WCHAR buffer[kMaxPath];
    std::memset(buffer, 0xff, sizeof(buffer));
    DWORD len = sizeof(buffer);
    ASSERT_TRUE(WinHttpQueryHeaders(h.request,
                                    WINHTTP_QUERY_RAW_HEADERS | WINHTTP_QUERY_FLAG_REQUEST_HEADERS,
                                    L"Warning", buffer, &len, &index))
        << GetLastError();
    // Wine winhttp.c test_WinHttpAddHeaders: RAW_HEADERS fits the probed size, ends with two
    // NULs (the length counts the first), starts with the request line; the index stays 0
    EXPECT_LE(len + sizeof(WCHAR), needed);
    ASSERT_LT(len, sizeof(buffer) - sizeof(WCHAR));
    EXPECT_EQ(buffer[len / sizeof(WCHAR)], L'\0');
    EXPECT_EQ(buffer[len / sizeof(WCHAR) - 1], L'\0');
    EXPECT_EQ(std::wstring(buffer).rfind(L"POST /posttest.php HTTP/1", 0), 0u);
    EXPECT_EQ(index, 0u);
}

TEST(WineAddHeaders, AddReplaceAddIfNewCoalesce) {
    Handles h;
    // Wine winhttp.c test_WinHttpAddHeaders: ADD of the same name twice keeps both values
    ASSERT_TRUE(add(h.request, L"Warning:test1", WINHTTP_ADDREQ_FLAG_ADD));
    ASSERT_TRUE(add(h.request, L"Warning:test2", WINHTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(values(h.request, L"Warning"), (std::vector<std::wstring>{L"test1", L"test2"}));
    // Wine winhttp.c test_WinHttpAddHeaders: REPLACE replaces the first value; Windows has
    // answered both [test2, test3] and (Win7) [test3, test2]
    ASSERT_TRUE(add(h.request, L"Warning:test3", WINHTTP_ADDREQ_FLAG_REPLACE));
    auto v = values(h.request, L"Warning");
    ASSERT_EQ(v.size(), 2u);
    const bool reverse = v[0] != L"test2";
    const std::wstring kept = reverse ? L"test3" : L"test2";
    const std::wstring other = reverse ? L"test2" : L"test3";
    EXPECT_EQ(v, (std::vector<std::wstring>{kept, other}));
    // Wine winhttp.c test_WinHttpAddHeaders: ADD_IF_NEW fails for an existing name and changes
    // nothing
    EXPECT_FALSE(add(h.request, L"Warning:test4", WINHTTP_ADDREQ_FLAG_ADD_IF_NEW));
    EXPECT_EQ(values(h.request, L"Warning"), (std::vector<std::wstring>{kept, other}));
    // Wine winhttp.c test_WinHttpAddHeaders: COALESCE appends ", value" to the first value
    EXPECT_TRUE(add(h.request, L"Warning:test4", WINHTTP_ADDREQ_FLAG_COALESCE));
    EXPECT_EQ(values(h.request, L"Warning"),
              (std::vector<std::wstring>{kept + L", test4", other}));
    // Wine winhttp.c test_WinHttpAddHeaders: COALESCE_WITH_COMMA appends ", value"
    EXPECT_TRUE(add(h.request, L"Warning:test5", WINHTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA));
    EXPECT_EQ(values(h.request, L"Warning"),
              (std::vector<std::wstring>{kept + L", test4, test5", other}));
    // Wine winhttp.c test_WinHttpAddHeaders: COALESCE_WITH_SEMICOLON appends "; value"
    EXPECT_TRUE(add(h.request, L"Warning:test6", WINHTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON));
    EXPECT_EQ(values(h.request, L"Warning"),
              (std::vector<std::wstring>{kept + L", test4, test5; test6", other}));
    // Wine winhttp.c test_WinHttpAddHeaders: ADD | REPLACE replaces the first value: [test3,
    // test4], or (Win7) [test4, test2]
    EXPECT_TRUE(add(h.request, L"Warning:test4", WINHTTP_ADDREQ_FLAG_ADD | WINHTTP_ADDREQ_FLAG_REPLACE));
    EXPECT_EQ(values(h.request, L"Warning"),
              reverse ? (std::vector<std::wstring>{L"test4", L"test2"})
                      : (std::vector<std::wstring>{L"test3", L"test4"}));
}

TEST(WineAddHeaders, MalformedHeaderLines) {
    Handles h;
    // Wine winhttp.c test_WinHttpAddHeaders: ":" (no name) is refused
    EXPECT_FALSE(add(h.request, L":", WINHTTP_ADDREQ_FLAG_ADD));
    // Wine winhttp.c test_WinHttpAddHeaders: "a:" is accepted with an empty value
    EXPECT_TRUE(add(h.request, L"a:", WINHTTP_ADDREQ_FLAG_ADD));
    WCHAR buffer[kMaxPath];
    std::memset(buffer, 0xff, sizeof(buffer));
    DWORD index = 0, len = sizeof(buffer);
    ASSERT_TRUE(WinHttpQueryHeaders(h.request, kCustomRequest, L"a", buffer, &len, &index))
        << GetLastError();
    EXPECT_STREQ(buffer, L"");
    // Wine winhttp.c test_WinHttpAddHeaders: ":b", "cd" (no colon) and " e :f" (leading
    // space) are refused
    EXPECT_FALSE(add(h.request, L":b", WINHTTP_ADDREQ_FLAG_ADD));
    EXPECT_FALSE(add(h.request, L"cd", WINHTTP_ADDREQ_FLAG_ADD));
    EXPECT_FALSE(add(h.request, L" e :f", WINHTTP_ADDREQ_FLAG_ADD));
    // Wine winhttp.c test_WinHttpAddHeaders: "field: value " is accepted; the value is
    // "value " or "value"
    EXPECT_TRUE(add(h.request, L"field: value ", WINHTTP_ADDREQ_FLAG_ADD));
    const std::wstring field = first_value(h.request, L"field");
    EXPECT_TRUE(field == L"value " || field == L"value") << std::string(field.begin(), field.end());
}

TEST(WineAddHeaders, ZeroLengthIsInvalidAndTrailingCrlfIsDropped) {
    Handles h;
    // Wine winhttp.c test_WinHttpAddHeaders: a length of 0 is ERROR_INVALID_PARAMETER
    EXPECT_FALSE(add(h.request, L"Range: bytes=0-773\r\n", WINHTTP_ADDREQ_FLAG_ADD | WINHTTP_ADDREQ_FLAG_REPLACE, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpAddHeaders: with length ~0 a header ending in CRLF is added
    // without it: "bytes=0-773", 22 bytes, index 1
    EXPECT_TRUE(add(h.request, L"Range: bytes=0-773\r\n", WINHTTP_ADDREQ_FLAG_ADD | WINHTTP_ADDREQ_FLAG_REPLACE))
        << GetLastError();
    WCHAR buffer[kMaxPath];
    DWORD index = 0, len = sizeof(buffer);
    ASSERT_TRUE(WinHttpQueryHeaders(h.request, kCustomRequest, L"Range", buffer, &len, &index));
    EXPECT_STREQ(buffer, L"bytes=0-773");
    EXPECT_EQ(len, 11 * sizeof(WCHAR));
    EXPECT_EQ(index, 1u);
}

TEST(WineAddHeaders, ReplaceOfMissingHeaderAndRemovalByEmptyValue) {
    Handles h;
    // Wine winhttp.c test_WinHttpAddHeaders: REPLACE of a header that isn't there is
    // ERROR_WINHTTP_HEADER_NOT_FOUND
    EXPECT_FALSE(add(h.request, L"name: value", WINHTTP_ADDREQ_FLAG_REPLACE));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    // Wine winhttp.c test_WinHttpAddHeaders: ADD then gives "value" at index 0
    EXPECT_TRUE(add(h.request, L"name: value", WINHTTP_ADDREQ_FLAG_ADD)) << GetLastError();
    EXPECT_EQ(values(h.request, L"name"), (std::vector<std::wstring>{L"value"}));
    // Wine winhttp.c test_WinHttpAddHeaders: REPLACE with an empty value removes the header
    EXPECT_TRUE(add(h.request, L"name:", WINHTTP_ADDREQ_FLAG_REPLACE)) << GetLastError();
    WCHAR buffer[kMaxPath];
    DWORD index = 0, len = sizeof(buffer);
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(h.request, kCustomRequest, L"name", buffer, &len, &index));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_WINHTTP_HEADER_NOT_FOUND));
    // Wine winhttp.c test_WinHttpAddHeaders: flags 0 adds the header
    EXPECT_TRUE(add(h.request, L"name: value", 0)) << GetLastError();
    EXPECT_EQ(values(h.request, L"name"), (std::vector<std::wstring>{L"value"}));
}

// --- test_bad_header -----------------------------------------------------------------------------

TEST(WineAddHeaders, LinesSeparatedByCrLfAloneOrInRuns) {
    Handles h;
    // Wine winhttp.c test_bad_header: one string may separate headers with "\n\r", a lone LF,
    // runs of LF, runs of CR or "\r\n\r\n"; every header is added once
    const wchar_t* text = L"Content-Type: text/html\n\r"
                          L"Test1: Value1\n"
                          L"Test2: Value2\n\n\n"
                          L"Test3: Value3\r\r\r"
                          L"Test4: Value4\r\n\r\n"
                          L"Cookie: 111";
    ASSERT_TRUE(add(h.request, text, WINHTTP_ADDREQ_FLAG_ADD)) << GetLastError();
    const wchar_t* expected[][2] = {{L"Content-Type", L"text/html"}, {L"Test1", L"Value1"},
                                    {L"Test2", L"Value2"},           {L"Test3", L"Value3"},
                                    {L"Test4", L"Value4"},           {L"Cookie", L"111"}};
    for (const auto& e : expected)
        EXPECT_EQ(values(h.request, e[0]), (std::vector<std::wstring>{e[1]})) << static_cast<char>(e[0][0]);
}

// --- test_WinHttpSendRequest / test_request_parameter_defaults: verb and version -----------------

TEST(WineQueryHeaders, RequestMethodOfANewRequest) {
    Handles h;
    // Wine winhttp.c test_WinHttpSendRequest: WINHTTP_QUERY_REQUEST_METHOD answers the verb of
    // a request not yet sent, even without WINHTTP_QUERY_FLAG_REQUEST_HEADERS: "POST", 8 bytes
    for (DWORD info : {DWORD{WINHTTP_QUERY_REQUEST_METHOD},
                       DWORD{WINHTTP_QUERY_REQUEST_METHOD | WINHTTP_QUERY_FLAG_REQUEST_HEADERS}}) {
        WCHAR method[8] = {};
        DWORD len = sizeof(method);
        ASSERT_TRUE(WinHttpQueryHeaders(h.request, info, nullptr, method, &len, nullptr))
            << GetLastError();
        EXPECT_EQ(len, 4 * sizeof(WCHAR));
        EXPECT_STREQ(method, L"POST");
    }
}

TEST(WineQueryHeaders, InfoLevelAboveMaxIsInvalidParameter) {
    Handles h;
    // Wine winhttp.c test_WinHttpSendRequest: an info level above WINHTTP_QUERY_MAX is
    // ERROR_INVALID_PARAMETER
    DWORD len = 0;
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpQueryHeaders(h.request, WINHTTP_QUERY_MAX + 1, nullptr, nullptr, &len, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

// --- test_WinHttpOpenRequest / test_WinHttpSendRequest: handles and last error -------------------

TEST(WineOpenRequest, SuccessSetsErrorSuccessAndNullServerIsInvalid) {
    // Wine winhttp.c test_WinHttpOpenRequest: WinHttpOpen sets ERROR_SUCCESS
    SetLastError(kSentinel);
    HINTERNET ses = WinHttpOpen(L"winetest", WINHTTP_ACCESS_TYPE_DEFAULT_PROXY,
                                WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
    ASSERT_NE(ses, nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    // Wine winhttp.c test_WinHttpOpenRequest: a NULL server name is ERROR_INVALID_PARAMETER
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpConnect(ses, nullptr, INTERNET_DEFAULT_HTTP_PORT, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpOpenRequest: WinHttpConnect sets ERROR_SUCCESS
    SetLastError(kSentinel);
    HINTERNET con = WinHttpConnect(ses, L"test.winehq.org", INTERNET_DEFAULT_HTTP_PORT, 0);
    ASSERT_NE(con, nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    // Wine winhttp.c test_WinHttpOpenRequest: WinHttpOpenRequest with all defaults sets
    // ERROR_SUCCESS (no name resolution happens here)
    SetLastError(kSentinel);
    HINTERNET req = WinHttpOpenRequest(con, nullptr, nullptr, nullptr, WINHTTP_NO_REFERER,
                                       WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_NE(req, nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    // Wine winhttp.c test_WinHttpOpenRequest: WinHttpCloseHandle sets ERROR_SUCCESS
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpCloseHandle(req));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_TRUE(WinHttpCloseHandle(con));
    EXPECT_TRUE(WinHttpCloseHandle(ses));
}

TEST(WineOpenRequest, ContextValueSetBeforeSendIsKept) {
    Handles h;
    // Wine winhttp.c test_WinHttpSendRequest: CONTEXT_VALUE can be set on a request and reads
    // back (WinHttpSendRequest's own context replaces it: see wine_winhttp_wire_test.cpp)
    DWORD_PTR context = 0xdeadbeef;
    ASSERT_TRUE(WinHttpSetOption(h.request, WINHTTP_OPTION_CONTEXT_VALUE, &context, sizeof(context)));
    DWORD_PTR out = 0;
    DWORD size = sizeof(out);
    ASSERT_TRUE(WinHttpQueryOption(h.request, WINHTTP_OPTION_CONTEXT_VALUE, &out, &size));
    EXPECT_EQ(out, context);
    // Wine winhttp.c test_WinHttpSendRequest: DISABLE_KEEP_ALIVE can be set before sending
    DWORD disable = WINHTTP_DISABLE_KEEP_ALIVE;
    EXPECT_TRUE(WinHttpSetOption(h.request, WINHTTP_OPTION_DISABLE_FEATURE, &disable, sizeof(disable)));
}

// --- test_WinHttpTimeFromSystemTime / test_WinHttpTimeToSystemTime -------------------------------

namespace {
const SYSTEMTIME kTime = {2008, 7, 1, 28, 10, 5, 52, 0};
}

TEST(WineTime, FromSystemTime) {
    WCHAR text[WINHTTP_TIME_FORMAT_BUFSIZE + 1];
    // Wine winhttp.c test_WinHttpTimeFromSystemTime: a NULL output is ERROR_INVALID_PARAMETER
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpTimeFromSystemTime(&kTime, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpTimeFromSystemTime: a NULL time is ERROR_INVALID_PARAMETER
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpTimeFromSystemTime(nullptr, text));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpTimeFromSystemTime: the RFC 1123 text, ERROR_SUCCESS
    SetLastError(kSentinel);
    ASSERT_TRUE(WinHttpTimeFromSystemTime(&kTime, text));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_STREQ(text, L"Mon, 28 Jul 2008 10:05:52 GMT");
}

TEST(WineTime, ToSystemTime) {
    SYSTEMTIME t;
    // Wine winhttp.c test_WinHttpTimeToSystemTime: a NULL output is ERROR_INVALID_PARAMETER
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpTimeToSystemTime(L"Mon, 28 Jul 2008 10:05:52 GMT\n", nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpTimeToSystemTime: a NULL string is ERROR_INVALID_PARAMETER
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpTimeToSystemTime(nullptr, &t));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // Wine winhttp.c test_WinHttpTimeToSystemTime: the RFC 1123 text with a trailing newline
    // and the loose " mon 28 jul 2008 10 05 52\n" both give the exact SYSTEMTIME (weekday and
    // milliseconds included), ERROR_SUCCESS
    for (const wchar_t* text : {L"Mon, 28 Jul 2008 10:05:52 GMT\n", L" mon 28 jul 2008 10 05 52\n"}) {
        std::memset(&t, 0xcc, sizeof(t));
        SetLastError(kSentinel);
        ASSERT_TRUE(WinHttpTimeToSystemTime(text, &t)) << GetLastError();
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));
        EXPECT_EQ(std::memcmp(&t, &kTime, sizeof(t)), 0)
            << t.wYear << "-" << t.wMonth << "-" << t.wDay << " dow " << t.wDayOfWeek << " "
            << t.wHour << ":" << t.wMinute << ":" << t.wSecond << "." << t.wMilliseconds;
    }
}
