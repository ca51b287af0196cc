#include "pac_worker/pac_engine.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

using winhttp::pacworker::PacEngine;
namespace wire = winhttp::proxy::wire;

namespace {

// An engine whose FindProxyForURL evaluates its url argument: eval("expr") gives the string
// value of a JavaScript expression using the PAC functions.
class PacHelpers : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(engine_.ok());
        std::string err;
        ASSERT_EQ(engine_.load("function FindProxyForURL(url, host) { return String(eval(url)); }", err),
                  wire::kOk)
            << err;
    }
    std::string eval(const std::string& expr) {
        std::string out;
        EXPECT_EQ(engine_.find(expr, "", out), wire::kOk) << expr << ": " << out;
        return out;
    }
    PacEngine engine_;
};

}  // namespace

// The Netscape PAC functions (Netscape "Navigator Proxy Auto-Config File Format").
TEST_F(PacHelpers, IsPlainHostName) {
    EXPECT_EQ(eval("isPlainHostName('www')"), "true");
    EXPECT_EQ(eval("isPlainHostName('www.example.com')"), "false");
}

TEST_F(PacHelpers, DnsDomainIs) {
    EXPECT_EQ(eval("dnsDomainIs('www.example.com', '.example.com')"), "true");
    EXPECT_EQ(eval("dnsDomainIs('WWW.Example.COM', '.example.com')"), "true");
    EXPECT_EQ(eval("dnsDomainIs('www', '.example.com')"), "false");
    EXPECT_EQ(eval("dnsDomainIs('www.example.org', '.example.com')"), "false");
}

TEST_F(PacHelpers, LocalHostOrDomainIs) {
    EXPECT_EQ(eval("localHostOrDomainIs('www.example.com', 'www.example.com')"), "true");
    EXPECT_EQ(eval("localHostOrDomainIs('www', 'www.example.com')"), "true");
    EXPECT_EQ(eval("localHostOrDomainIs('www.other.com', 'www.example.com')"), "false");
    EXPECT_EQ(eval("localHostOrDomainIs('home', 'www.example.com')"), "false");
}

TEST_F(PacHelpers, DnsDomainLevels) {
    EXPECT_EQ(eval("dnsDomainLevels('www')"), "0");
    EXPECT_EQ(eval("dnsDomainLevels('www.example.com')"), "2");
}

TEST_F(PacHelpers, ShExpMatch) {
    EXPECT_EQ(eval("shExpMatch('http://x.example.com/a/b', '*.example.com/*')"), "true");
    EXPECT_EQ(eval("shExpMatch('abc', 'a?c')"), "true");
    EXPECT_EQ(eval("shExpMatch('abc', 'a.c')"), "false");  // '.' is literal
    EXPECT_EQ(eval("shExpMatch('a.c', 'a.c')"), "true");
    EXPECT_EQ(eval("shExpMatch('anything', '*')"), "true");
    EXPECT_EQ(eval("shExpMatch('x(y)+z', 'x(y)+z')"), "true");
    EXPECT_EQ(eval("shExpMatch('www.example.com', '*.example.org')"), "false");
}

TEST_F(PacHelpers, IsInNet) {
    EXPECT_EQ(eval("isInNet('192.168.1.20', '192.168.0.0', '255.255.0.0')"), "true");
    EXPECT_EQ(eval("isInNet('10.1.1.1', '192.168.0.0', '255.255.0.0')"), "false");
    EXPECT_EQ(eval("isInNet('200.1.2.3', '200.0.0.0', '255.0.0.0')"), "true");
    EXPECT_EQ(eval("isInNet('localhost', '127.0.0.0', '255.0.0.0')"), "true");  // resolves
    EXPECT_EQ(eval("isInNet('1.2.3.999', '1.2.3.0', '255.255.255.0')"), "false");
}

TEST_F(PacHelpers, DnsResolveAndIsResolvable) {
    EXPECT_EQ(eval("dnsResolve('localhost')"), "127.0.0.1");
    EXPECT_EQ(eval("dnsResolve('127.0.0.1')"), "127.0.0.1");
    EXPECT_EQ(eval("dnsResolve('')"), "null");
    EXPECT_EQ(eval("isResolvable('localhost')"), "true");
    EXPECT_EQ(eval("isResolvable('')"), "false");
    EXPECT_EQ(eval("isResolvable('" + std::string(300, 'a') + "')"), "false");
}

TEST_F(PacHelpers, MyIpAddressIsAnIpv4Address) {
    const std::string ip = eval("myIpAddress()");
    EXPECT_TRUE(std::regex_match(ip, std::regex(R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})"))) << ip;
}

TEST_F(PacHelpers, WeekdayRange) {
    EXPECT_EQ(eval("weekdayRange('SUN', 'SAT')"), "true");
    EXPECT_EQ(eval("weekdayRange('MON', 'SUN', 'GMT')"), "true");  // wraps to all seven
    EXPECT_EQ(eval("weekdayRange('XYZ')"), "false");
    const std::string day = eval("['SUN','MON','TUE','WED','THU','FRI','SAT'][new Date().getUTCDay()]");
    // Around midnight UTC the day may change between the two calls: accept either answer
    // only in that case (the second evaluation re-reads the clock).
    const std::string same = eval("weekdayRange('" + day + "', 'GMT')");
    const std::string now = eval("['SUN','MON','TUE','WED','THU','FRI','SAT'][new Date().getUTCDay()]");
    if (now == day) EXPECT_EQ(same, "true");
}

TEST_F(PacHelpers, DateRange) {
    EXPECT_EQ(eval("dateRange(1, 31)"), "true");
    EXPECT_EQ(eval("dateRange('JAN', 'DEC')"), "true");
    EXPECT_EQ(eval("dateRange(1971, 9999)"), "true");
    EXPECT_EQ(eval("dateRange(1990, 1991)"), "false");
    EXPECT_EQ(eval("dateRange('JAN', 1971, 'DEC', 9999)"), "true");
    EXPECT_EQ(eval("dateRange(1, 'JAN', 1971, 31, 'DEC', 9999, 'GMT')"), "true");
    EXPECT_EQ(eval("dateRange(1, 'JAN', 1971, 31, 'DEC', 1972)"), "false");
    EXPECT_EQ(eval("dateRange(1, 'JAN', 31, 'DEC')"), "true");
    EXPECT_EQ(eval("dateRange(new Date().getFullYear())"), "true");
    EXPECT_EQ(eval("dateRange(0)"), "false");
    EXPECT_EQ(eval("dateRange(1, 'JAN', 1971)"), "false");  // odd shape
}

TEST_F(PacHelpers, TimeRange) {
    EXPECT_EQ(eval("timeRange(0, 24)"), "true");
    EXPECT_EQ(eval("timeRange(0, 24, 'GMT')"), "true");
    EXPECT_EQ(eval("timeRange(0, 0, 24, 0)"), "true");
    EXPECT_EQ(eval("timeRange(0, 0, 0, 23, 59, 59)"), "true");
    EXPECT_EQ(eval("timeRange('GMT')"), "false");
    EXPECT_EQ(eval("timeRange(1, 2, 3)"), "false");
    EXPECT_EQ(eval("timeRange(new Date().getHours()) || timeRange(new Date().getHours())"), "true");
}

TEST_F(PacHelpers, AlertIsHarmless) {
    EXPECT_EQ(eval("alert('hello'), 'after'"), "after");
}

// Microsoft's IPv6-aware PAC extensions ("IPV6 extensions to Navigator Auto-Config File Format").
TEST_F(PacHelpers, IsInNetEx) {
    EXPECT_EQ(eval("isInNetEx('198.95.249.79', '198.95.0.0/16')"), "true");
    EXPECT_EQ(eval("isInNetEx('198.96.249.79', '198.95.0.0/16')"), "false");
    EXPECT_EQ(eval("isInNetEx('2001:db8::5', '2001:db8::/32')"), "true");
    EXPECT_EQ(eval("isInNetEx('2001:db9::5', '2001:db8::/32')"), "false");
    EXPECT_EQ(eval("isInNetEx('::1', '::/127')"), "true");
    EXPECT_EQ(eval("isInNetEx('10.0.0.1', '2001:db8::/32')"), "false");
    EXPECT_EQ(eval("isInNetEx('10.0.0.1', '10.0.0.0')"), "false");
    EXPECT_EQ(eval("isInNetEx('10.0.0.1', '10.0.0.0/33')"), "false");
    EXPECT_EQ(eval("isInNetEx('localhost', '127.0.0.0/8')"), "true");
}

TEST_F(PacHelpers, DnsResolveExAndIsResolvableEx) {
    const std::string all = eval("dnsResolveEx('localhost')");
    EXPECT_NE(all.find("127.0.0.1"), std::string::npos) << all;
    EXPECT_EQ(eval("dnsResolveEx('')"), "");
    EXPECT_EQ(eval("isResolvableEx('localhost')"), "true");
    EXPECT_EQ(eval("isResolvableEx('')"), "false");
}

TEST_F(PacHelpers, MyIpAddressExIsAList) {
    const std::string list = eval("myIpAddressEx()");
    EXPECT_TRUE(std::regex_match(list, std::regex(R"(([0-9a-fA-F.:%a-z0-9]+(;[0-9a-fA-F.:%a-z0-9]+)*)?)")))
        << list;
}

TEST_F(PacHelpers, SortIpAddressList) {
    EXPECT_EQ(eval("sortIpAddressList('10.0.0.2;::1;10.0.0.1;2001:db8::1')"),
              "::1;2001:db8::1;10.0.0.1;10.0.0.2");
    EXPECT_EQ(eval("sortIpAddressList('x;10.0.0.1')"), "false");
}

TEST_F(PacHelpers, GetClientVersion) { EXPECT_EQ(eval("getClientVersion()"), "1.0"); }

// Nothing but ECMAScript and the PAC functions.
TEST_F(PacHelpers, NoHostObjects) {
    EXPECT_EQ(eval("typeof Duktape"), "undefined");
    EXPECT_EQ(eval("typeof require"), "undefined");
    EXPECT_EQ(eval("typeof print"), "undefined");
    EXPECT_EQ(eval("typeof Math.max"), "function");
}

TEST(PacEngine, FindProxyForURLGetsUrlAndHost) {
    PacEngine e;
    std::string out;
    ASSERT_EQ(e.load("function FindProxyForURL(u, h) { return 'PROXY ' + h + ':1; ' + u; }", out), wire::kOk);
    ASSERT_EQ(e.find("http://a/", "a", out), wire::kOk);
    EXPECT_EQ(out, "PROXY a:1; http://a/");
}

// Microsoft: FindProxyForURLEx is called instead of FindProxyForURL when the script has it.
TEST(PacEngine, FindProxyForURLExIsPreferred) {
    PacEngine e;
    std::string out;
    ASSERT_EQ(e.load("function FindProxyForURL(u, h) { return 'PROXY old:1'; }\n"
                     "function FindProxyForURLEx(u, h) { return 'PROXY new:1'; }",
                     out),
              wire::kOk);
    ASSERT_EQ(e.find("http://a/", "a", out), wire::kOk);
    EXPECT_EQ(out, "PROXY new:1");
}

TEST(PacEngine, SyntaxErrorFailsToLoad) {
    PacEngine e;
    std::string err;
    EXPECT_EQ(e.load("function FindProxyForURL(u, h) { return 'DIRECT' ", err), wire::kCompileError);
    EXPECT_FALSE(err.empty());
}

TEST(PacEngine, TopLevelThrowFailsToLoad) {
    PacEngine e;
    std::string err;
    EXPECT_EQ(e.load("throw new Error('no');", err), wire::kCompileError);
}

TEST(PacEngine, MissingFindProxyForURL) {
    PacEngine e;
    std::string err;
    EXPECT_EQ(e.load("var FindProxyForURL = 5;", err), wire::kNoFunction);
    std::string out;
    EXPECT_EQ(e.find("http://a/", "a", out), wire::kBadRequest);
}

TEST(PacEngine, ThrowAndNonStringAreRunErrors) {
    PacEngine e;
    std::string out;
    ASSERT_EQ(e.load("function FindProxyForURL(u, h) { if (h == 'x') throw 'bad'; return 42; }", out),
              wire::kOk);
    EXPECT_EQ(e.find("http://x/", "x", out), wire::kRunError);
    EXPECT_EQ(e.find("http://y/", "y", out), wire::kRunError);
}

// Beyond Windows: the heap is capped; a script that allocates without bound fails its call,
// and the engine stays usable.
TEST(PacEngine, UnboundedAllocationFailsWithinTheHeapCap) {
    PacEngine e(8u << 20);
    std::string out;
    ASSERT_EQ(e.load("function FindProxyForURL(u, h) {\n"
                     "  if (h == 'ok') return 'DIRECT';\n"
                     "  var a = [], s = 'xxxxxxxxxxxxxxxx';\n"
                     "  for (;;) { s = s + s; a.push(s + h); }\n"
                     "}",
                     out),
              wire::kOk);
    EXPECT_EQ(e.find("http://big/", "big", out), wire::kRunError);
    EXPECT_LE(e.heap_used(), size_t{8} << 20);
    EXPECT_EQ(e.find("http://ok/", "ok", out), wire::kOk);
    EXPECT_EQ(out, "DIRECT");
}

TEST(PacEngine, DeepRecursionFails) {
    PacEngine e;
    std::string out;
    ASSERT_EQ(e.load("function f(n) { return f(n + 1) + 1; }\n"
                     "function FindProxyForURL(u, h) { return String(f(0)); }",
                     out),
              wire::kOk);
    EXPECT_EQ(e.find("http://a/", "a", out), wire::kRunError);
}
