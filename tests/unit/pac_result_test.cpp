#include "proxy/pac_result.h"

#include <gtest/gtest.h>

using winhttp::proxy::PacEntry;
using winhttp::proxy::PacEntryKind;
using winhttp::proxy::parse_pac_result;
using winhttp::proxy::to_proxy_list;

namespace {

PacEntry proxy(std::string host, uint16_t port) { return {PacEntryKind::Proxy, std::move(host), port}; }
PacEntry https(std::string host, uint16_t port) { return {PacEntryKind::Https, std::move(host), port}; }
PacEntry direct() { return {}; }

}  // namespace

// Netscape PAC format: entries separated by ';', tried in order.
TEST(PacResult, ProxiesThenDirectInOrder) {
    auto e = parse_pac_result("PROXY a.example:8080; PROXY b.example:3128; DIRECT");
    EXPECT_EQ(e, (std::vector<PacEntry>{proxy("a.example", 8080), proxy("b.example", 3128), direct()}));
}

TEST(PacResult, KeywordsAreCaseInsensitiveAndSpacesFree) {
    auto e = parse_pac_result("  proxy   a:1 ;https b:2;;  Direct  ;HTTP c:3");
    EXPECT_EQ(e, (std::vector<PacEntry>{proxy("a", 1), https("b", 2), direct(), proxy("c", 3)}));
}

TEST(PacResult, DefaultPortsByKind) {
    auto e = parse_pac_result("PROXY a; HTTPS b");
    EXPECT_EQ(e, (std::vector<PacEntry>{proxy("a", 80), https("b", 443)}));
}

// WinHTTP has no SOCKS: such entries are dropped, the rest kept.
TEST(PacResult, SocksEntriesAreSkipped) {
    auto e = parse_pac_result("SOCKS s:1080; SOCKS5 t:1080; SOCKS4 u:1; PROXY p:8080");
    EXPECT_EQ(e, (std::vector<PacEntry>{proxy("p", 8080)}));
}

TEST(PacResult, Ipv6LiteralKeepsBrackets) {
    auto e = parse_pac_result("PROXY [::1]:8080; PROXY [2001:db8::1]");
    EXPECT_EQ(e, (std::vector<PacEntry>{proxy("[::1]", 8080), proxy("[2001:db8::1]", 80)}));
}

TEST(PacResult, MalformedEntriesAreSkipped) {
    auto e = parse_pac_result(
        "PROXY; PROXY :80; PROXY a:; PROXY a:0; PROXY a:65536; PROXY a:8x; PROXY a b; "
        "PROXY [::1; PROXY [zz]:1; PROXY a/b:1; DIRECT x; FOO a:1; PROXY ok:1");
    EXPECT_EQ(e, (std::vector<PacEntry>{proxy("ok", 1)}));
}

TEST(PacResult, EmptyAndBlankGiveNothing) {
    EXPECT_TRUE(parse_pac_result("").empty());
    EXPECT_TRUE(parse_pac_result(" ; ;\t").empty());
}

TEST(PacResult, HostLongerThanADnsNameIsSkipped) {
    EXPECT_TRUE(parse_pac_result("PROXY " + std::string(256, 'a') + ":1").empty());
    EXPECT_EQ(parse_pac_result("PROXY " + std::string(255, 'a') + ":1").size(), 1u);
}

TEST(PacResult, ProxyListLeavesDirectOut) {
    auto e = parse_pac_result("PROXY a:1; HTTPS b:2; DIRECT");
    EXPECT_EQ(to_proxy_list(e), L"a:1;https://b:2");
    EXPECT_EQ(to_proxy_list(parse_pac_result("DIRECT")), L"");
}
