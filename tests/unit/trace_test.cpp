// The trace's parsing, redaction and names (util/trace.h); the trace itself is checked end to end
// by tools/whttp/test_whttp.sh (--trace, OPENWINHTTP_TRACE) against nginx.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <winhttp.h>

#include "util/trace.h"

namespace {

using winhttp::trace::parse_setting;

TEST(TraceSetting, StderrAndFilesWithOptionalLevel) {
    std::string_view sink;
    int level = 0;
    ASSERT_TRUE(parse_setting("stderr", sink, level));
    EXPECT_EQ(sink, "stderr");
    EXPECT_EQ(level, 2);
    ASSERT_TRUE(parse_setting("/tmp/t.log:1", sink, level));
    EXPECT_EQ(sink, "/tmp/t.log");
    EXPECT_EQ(level, 1);
    ASSERT_TRUE(parse_setting("stderr:2", sink, level));
    EXPECT_EQ(sink, "stderr");
    EXPECT_EQ(level, 2);
    ASSERT_TRUE(parse_setting("1", sink, level));
    EXPECT_EQ(sink, "stderr");
}

TEST(TraceSetting, EmptyZeroAndOffTurnNothingOn) {
    std::string_view sink;
    int level = 0;
    EXPECT_FALSE(parse_setting("", sink, level));
    EXPECT_FALSE(parse_setting("0", sink, level));
    EXPECT_FALSE(parse_setting("off", sink, level));
    EXPECT_FALSE(parse_setting("/tmp/t.log:0", sink, level));
}

std::string redacted(std::string_view line) {
    char out[256];
    winhttp::trace::redact_line(line, out, sizeof out);
    return out;
}

TEST(TraceRedaction, CredentialsAndCookiesAreHidden) {
    EXPECT_EQ(redacted("Authorization: Basic dXNlcjpzZWNyZXQ="), "Authorization: [redacted]");
    EXPECT_EQ(redacted("proxy-authorization: NTLM TlRMTVNTUAAB"), "proxy-authorization: [redacted]");
    EXPECT_EQ(redacted("Cookie: session=abc"), "Cookie: [redacted]");
    EXPECT_EQ(redacted("Set-Cookie: session=abc; Path=/"), "Set-Cookie: [redacted]");
}

TEST(TraceRedaction, OtherHeadersAreKept) {
    EXPECT_EQ(redacted("Host: example.org"), "Host: example.org");
    EXPECT_EQ(redacted("X-Cookie-Hint: visible"), "X-Cookie-Hint: visible");
    EXPECT_EQ(redacted("GET /a HTTP/1.1"), "GET /a HTTP/1.1");
}

TEST(TraceNames, CallbackStatusNames) {
    EXPECT_STREQ(winhttp::trace::status_name(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING),
                 "WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING");
    EXPECT_STREQ(winhttp::trace::status_name(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE),
                 "WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE");
    EXPECT_STREQ(winhttp::trace::status_name(0x00002000), "WINHTTP_CALLBACK_STATUS_UNKNOWN");
}

}  // namespace

namespace {

BOOL query_tracing() {
    BOOL on = -1;
    DWORD len = sizeof on;
    EXPECT_TRUE(WinHttpQueryOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, &len));
    EXPECT_EQ(len, sizeof(BOOL));
    return on;
}

// Option Flags page: WINHTTP_OPTION_ENABLETRACING is a BOOL set on a NULL handle.
TEST(TraceOption, EnableTracingOnTheNullHandleTurnsTheTraceOnAndOff) {
    const BOOL before = query_tracing();
    BOOL on = TRUE;
    ASSERT_TRUE(WinHttpSetOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, sizeof on));
    EXPECT_EQ(query_tracing(), TRUE);
    EXPECT_TRUE(winhttp::trace::on(2));
    on = FALSE;
    ASSERT_TRUE(WinHttpSetOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, sizeof on));
    EXPECT_EQ(query_tracing(), FALSE);
    EXPECT_FALSE(winhttp::trace::on());
    if (before) {  // OPENWINHTTP_TRACE was set for this run: leave it on
        on = TRUE;
        WinHttpSetOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, sizeof on);
    }
}

TEST(TraceOption, ShortBufferIsRefused) {
    BOOL on = TRUE;
    EXPECT_FALSE(WinHttpSetOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, 2));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    DWORD len = 0;
    EXPECT_FALSE(WinHttpQueryOption(nullptr, WINHTTP_OPTION_ENABLETRACING, nullptr, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(len, sizeof(BOOL));
}

}  // namespace

// API arguments (issue 15): each API result line carries the call's arguments, never credentials.
namespace {

using winhttp::trace::Text;

TEST(TraceArguments, StringsAreQuotedEscapedAndTruncated) {
    EXPECT_STREQ(winhttp::trace::str(L"example.org").c_str(), "\"example.org\"");
    EXPECT_STREQ(winhttp::trace::str(nullptr).c_str(), "NULL");
    EXPECT_STREQ(winhttp::trace::str(L"a\"b\r\n", 5).c_str(), "\"a\\\"b\\r\\n\"");
    EXPECT_STREQ(winhttp::trace::str(L"abcdef", 3).c_str(), "\"abc\"");
    const std::wstring long_text(100, L'x');
    EXPECT_EQ(std::string(winhttp::trace::str(long_text.c_str()).c_str()),
              "\"" + std::string(64, 'x') + "\"...");
    EXPECT_STREQ(winhttp::trace::str(L"\u00e9").c_str(), "\"\xc3\xa9\"");
}

TEST(TraceArguments, HeaderArgumentsAreRedactedLineByLine) {
    const wchar_t* h = L"Authorization: Basic dXNlcjpzZWNyZXQ=\r\nX-Trace: 1\r\ncookie: a=b";
    EXPECT_STREQ(winhttp::trace::headers(h, static_cast<DWORD>(-1)).c_str(),
                 "\"Authorization: [redacted]\\r\\nX-Trace: 1\\r\\ncookie: [redacted]\"");
}

TEST(TraceArguments, OptionsByNameAndCredentialOptionsRedacted) {
    EXPECT_STREQ(winhttp::trace::option(WINHTTP_OPTION_CONNECT_TIMEOUT).c_str(),
                 "WINHTTP_OPTION_CONNECT_TIMEOUT");
    EXPECT_STREQ(winhttp::trace::option(WINHTTP_OPTION_PROXY_PASSWORD).c_str(),
                 "WINHTTP_OPTION_PROXY_PASSWORD");
    EXPECT_STREQ(winhttp::trace::option(7777).c_str(), "7777");
    const DWORD ms = 1500;
    EXPECT_STREQ(winhttp::trace::option_value(WINHTTP_OPTION_CONNECT_TIMEOUT, &ms, sizeof ms).c_str(),
                 "&1500, 4");
    const wchar_t pw[] = L"hunter2";
    for (DWORD o : {WINHTTP_OPTION_USERNAME, WINHTTP_OPTION_PASSWORD, WINHTTP_OPTION_PROXY_USERNAME,
                    WINHTTP_OPTION_PROXY_PASSWORD})
        EXPECT_STREQ(winhttp::trace::option_value(o, pw, 4).c_str(), "[redacted], 4");
}

int g_evaluated = 0;
Text counted() {
    ++g_evaluated;
    return Text{"x"};
}

// "Free when off": the macro evaluates none of its arguments unless the trace is on.
TEST(TraceArguments, NothingIsFormattedWhileTheTraceIsOff) {
    BOOL on = FALSE;
    DWORD len = sizeof on;
    ASSERT_TRUE(WinHttpQueryOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, &len));
    if (on) GTEST_SKIP() << "OPENWINHTTP_TRACE is set for this run";
    g_evaluated = 0;
    OPENWINHTTP_TRACE_CALL("%s", counted().c_str());
    OPENWINHTTP_TRACE_LINE("%s", counted().c_str());
    EXPECT_EQ(g_evaluated, 0);
}

std::string read_file(const std::string& path) {
    std::string text;
    if (std::FILE* f = std::fopen(path.c_str(), "r")) {
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
        std::fclose(f);
    }
    return text;
}

// The whole story of a few calls, through the public API, to a file sink.
TEST(TraceArguments, ApiLinesShowArgumentsAndResultButNoCredentials) {
    BOOL was_on = FALSE;
    DWORD len = sizeof was_on;
    ASSERT_TRUE(WinHttpQueryOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &was_on, &len));
    if (was_on) GTEST_SKIP() << "OPENWINHTTP_TRACE is set for this run: its sink is taken";
    char path[] = "/tmp/owh-trace-args-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    setenv("OPENWINHTTP_TRACE", path, 1);
    BOOL on = TRUE;
    ASSERT_TRUE(WinHttpSetOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, sizeof on));
    // Off and on again: the call that turned it off has no result line, and its arguments
    // must not show up as those of the call that turns it on.
    on = FALSE;
    ASSERT_TRUE(WinHttpSetOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, sizeof on));
    on = TRUE;
    ASSERT_TRUE(WinHttpSetOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, sizeof on));

    HINTERNET s = WinHttpOpen(L"trace-agent", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                              WINHTTP_NO_PROXY_BYPASS, 0);
    ASSERT_NE(s, nullptr);
    HINTERNET c = WinHttpConnect(s, L"127.0.0.1", 8080, 0);
    ASSERT_NE(c, nullptr);
    HINTERNET r = WinHttpOpenRequest(c, L"POST", L"/path?q=1", nullptr, WINHTTP_NO_REFERER,
                                     WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_NE(r, nullptr);
    const DWORD ms = 1234;
    EXPECT_TRUE(WinHttpSetOption(r, WINHTTP_OPTION_CONNECT_TIMEOUT, const_cast<DWORD*>(&ms), sizeof ms));
    const wchar_t secret[] = L"hunter2";
    EXPECT_TRUE(WinHttpSetOption(r, WINHTTP_OPTION_PASSWORD, const_cast<wchar_t*>(secret), 7));
    EXPECT_TRUE(WinHttpSetCredentials(r, WINHTTP_AUTH_TARGET_SERVER, WINHTTP_AUTH_SCHEME_BASIC,
                                      L"alice", L"s3cret", nullptr));
    EXPECT_TRUE(WinHttpAddRequestHeaders(r, L"Authorization: Bearer tok3n\r\nX-Visible: yes",
                                         static_cast<DWORD>(-1), WINHTTP_ADDREQ_FLAG_ADD));
    EXPECT_FALSE(WinHttpSetOption(r, 7777, const_cast<DWORD*>(&ms), sizeof ms));
    EXPECT_EQ(WinHttpReadDataEx(r, nullptr, 0, nullptr, 0, 0, nullptr),
              static_cast<DWORD>(ERROR_WINHTTP_INCORRECT_HANDLE_STATE));
    WinHttpCloseHandle(r);
    WinHttpCloseHandle(c);
    WinHttpCloseHandle(s);
    on = FALSE;
    ASSERT_TRUE(WinHttpSetOption(nullptr, WINHTTP_OPTION_ENABLETRACING, &on, sizeof on));
    WinHttpCloseHandle(nullptr);  // after: not traced
    const std::string text = read_file(path);
    unlink(path);

    EXPECT_NE(text.find("api WinHttpOpen(\"trace-agent\", WINHTTP_ACCESS_TYPE_NO_PROXY, NULL, NULL, 0x0) -> ERROR_SUCCESS (0)"), std::string::npos) << text;
    EXPECT_NE(text.find("api WinHttpConnect(0x"), std::string::npos) << text;
    EXPECT_NE(text.find(", \"127.0.0.1\", 8080, 0) -> ERROR_SUCCESS (0)"), std::string::npos) << text;
    EXPECT_NE(text.find(", \"POST\", \"/path?q=1\", NULL, NULL, "), std::string::npos) << text;
    EXPECT_NE(text.find(", WINHTTP_OPTION_CONNECT_TIMEOUT, &1234, 4) -> ERROR_SUCCESS (0)"), std::string::npos) << text;
    EXPECT_NE(text.find(", WINHTTP_OPTION_PASSWORD, [redacted], 7) -> ERROR_SUCCESS (0)"), std::string::npos) << text;
    EXPECT_NE(text.find(", 0x0, 0x1, [redacted], [redacted]) -> ERROR_SUCCESS (0)"), std::string::npos) << text;
    EXPECT_NE(text.find("\"Authorization: [redacted]\\r\\nX-Visible: yes\""), std::string::npos) << text;
    EXPECT_NE(text.find(", 7777, &1234, 4) -> ERROR_WINHTTP_INVALID_OPTION (12009)"), std::string::npos) << text;
    EXPECT_NE(text.find("api WinHttpReadDataEx(0x"), std::string::npos) << text;
    EXPECT_NE(text.find("-> ERROR_WINHTTP_INCORRECT_HANDLE_STATE (12019)"), std::string::npos) << text;
    EXPECT_NE(text.find("api WinHttpCloseHandle(0x"), std::string::npos) << text;
    EXPECT_EQ(text.find("api WinHttpCloseHandle(NULL)"), std::string::npos) << text;
    EXPECT_EQ(text.find("api WinHttpCloseHandle((nil))"), std::string::npos) << text;
    EXPECT_EQ(text.find("WINHTTP_OPTION_ENABLETRACING, &0"), std::string::npos) << text;
    for (const char* leak : {"hunter2", "s3cret", "alice", "tok3n"})
        EXPECT_EQ(text.find(leak), std::string::npos) << leak << " leaked:\n" << text;
}

}  // namespace
