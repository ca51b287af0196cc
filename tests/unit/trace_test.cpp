// The trace's parsing, redaction and names (util/trace.h); the trace itself is checked end to end
// by tools/whttp/test_whttp.sh (--trace, OPENWINHTTP_TRACE) against nginx.
#include <gtest/gtest.h>

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
