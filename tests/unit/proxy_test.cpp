// Proxy list, bypass list and Linux environment parsing (src/proxy/), sans I/O.
#include <gtest/gtest.h>

#include "proxy/config.h"
#include "proxy/proxy_list.h"
#include "proxy/system_settings.h"

namespace winhttp::proxy {
namespace {

std::vector<ProxyEntry> parse_ok(std::string_view text) {
    std::vector<ProxyEntry> out;
    EXPECT_TRUE(parse_proxy_list(text, out)) << text;
    return out;
}

bool parses(std::string_view text) {
    std::vector<ProxyEntry> out;
    return parse_proxy_list(text, out);
}

// WINHTTP_PROXY_INFO page: ([<scheme>=][<scheme>"://"]<server>[":"<port>])
TEST(ProxyList, HostAndPort) {
    auto l = parse_ok("proxy:8080");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].scope, ProxyEntry::Scope::Any);
    EXPECT_EQ(l[0].server.host, "proxy");
    EXPECT_EQ(l[0].server.port, 8080);
}

TEST(ProxyList, DefaultPortIs80) {
    auto l = parse_ok("proxy");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].server.port, 80);
}

TEST(ProxyList, HttpSchemePrefixAndTrailingSlash) {
    auto l = parse_ok("http://proxy.example:3128/");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].server.host, "proxy.example");
    EXPECT_EQ(l[0].server.port, 3128);
}

TEST(ProxyList, PerSchemeEntries) {
    auto l = parse_ok("http=a:1;https=b:2");
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(proxies_for(l, false), (std::vector<ProxyServer>{{"a", 1}}));
    EXPECT_EQ(proxies_for(l, true), (std::vector<ProxyServer>{{"b", 2}}));
}

TEST(ProxyList, SeveralProxiesInOrderSeparatedBySemicolonOrWhitespace) {
    auto l = parse_ok("first:1; second:2\tthird:3  http=fourth:4");
    EXPECT_EQ(proxies_for(l, false),
              (std::vector<ProxyServer>{{"first", 1}, {"second", 2}, {"third", 3}, {"fourth", 4}}));
    EXPECT_EQ(proxies_for(l, true),
              (std::vector<ProxyServer>{{"first", 1}, {"second", 2}, {"third", 3}}));
}

TEST(ProxyList, SchemeEqualsWithUrlPrefix) {
    auto l = parse_ok("https=http://b:2");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].scope, ProxyEntry::Scope::Https);
    EXPECT_EQ(l[0].server, (ProxyServer{"b", 2}));
}

TEST(ProxyList, Ipv6Literal) {
    auto l = parse_ok("[::1]:3128");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].server.host, "::1");
    EXPECT_EQ(l[0].server.text(), "[::1]:3128");
}

TEST(ProxyList, SocksEntriesAreSkipped) {
    auto l = parse_ok("socks=s:1080;http=a:1");
    EXPECT_EQ(proxies_for(l, false), (std::vector<ProxyServer>{{"a", 1}}));
    EXPECT_TRUE(proxies_for(l, true).empty());
}

TEST(ProxyList, MalformedIsRefused) {
    for (const char* bad : {"", "   ;; ", "proxy:", "proxy:0", "proxy:65536", "proxy:80x", ":80",
                            "http=", "=a:1", "ftp://proxy:21", "https://proxy:443", "[::1",
                            "pro/xy:80", "a@b:80", "[::1]x"})
        EXPECT_FALSE(parses(bad)) << bad;
}

TEST(Wildcard, Matches) {
    EXPECT_TRUE(wildcard_match("*.example.com", "www.EXAMPLE.com"));
    EXPECT_FALSE(wildcard_match("*.example.com", "example.com"));
    EXPECT_TRUE(wildcard_match("10.*", "10.1.2.3"));
    EXPECT_TRUE(wildcard_match("h?st", "host"));
    EXPECT_TRUE(wildcard_match("*", ""));
    EXPECT_TRUE(wildcard_match("a*b*c", "aXXbYYc"));
    EXPECT_FALSE(wildcard_match("a*b*c", "aXXbYY"));
    EXPECT_TRUE(wildcard_match("*", "*.1"));  // found by fuzz_proxy_list: a literal '*' in the text
    EXPECT_TRUE(wildcard_match("**", "x"));
}

// WINHTTP_PROXY_INFO page: "<local>" bypasses all servers without a period in their name.
TEST(BypassList, LocalMeansNoPeriod) {
    auto b = BypassList::parse("<local>");
    EXPECT_TRUE(b.matches("intranet", 80, false));
    EXPECT_FALSE(b.matches("www.example.com", 80, false));
    EXPECT_FALSE(b.matches("127.0.0.1", 80, false));
}

TEST(BypassList, WildcardsIpsPortsAndSchemes) {
    auto b = BypassList::parse("*.corp.example; 10.0.0.1 host:8080\thttps://secure.example");
    EXPECT_TRUE(b.matches("a.corp.example", 80, false));
    EXPECT_TRUE(b.matches("10.0.0.1", 443, true));
    EXPECT_FALSE(b.matches("10.0.0.2", 80, false));
    EXPECT_TRUE(b.matches("host", 8080, false));
    EXPECT_FALSE(b.matches("host", 80, false));
    EXPECT_TRUE(b.matches("secure.example", 443, true));
    EXPECT_FALSE(b.matches("secure.example", 80, false));
}

TEST(BypassList, EmptyMatchesNothing) {
    auto b = BypassList::parse("");
    EXPECT_TRUE(b.empty());
    EXPECT_FALSE(b.matches("intranet", 80, false));
}

// --- environment ---

TEST(EnvProxy, Values) {
    ProxyServer p;
    ASSERT_TRUE(parse_env_proxy("http://user:pw@proxy.example:3128/", p));
    EXPECT_EQ(p, (ProxyServer{"proxy.example", 3128}));
    ASSERT_TRUE(parse_env_proxy("proxy.example", p));
    EXPECT_EQ(p.port, 1080);  // curl's default proxy port
    EXPECT_FALSE(parse_env_proxy("socks5://s:1080", p));
    EXPECT_FALSE(parse_env_proxy("https://p:443", p));
    EXPECT_FALSE(parse_env_proxy("p:notaport", p));
}

TEST(SystemSettings, LowerCaseWinsOverUpperCase) {
    auto s = read_system_settings(env_from_map(
        {{"http_proxy", "lower:1"}, {"HTTP_PROXY", "upper:2"}, {"HTTPS_PROXY", "up:3"}}));
    ASSERT_TRUE(s.http && s.https);
    EXPECT_EQ(*s.http, (ProxyServer{"lower", 1}));
    EXPECT_EQ(*s.https, (ProxyServer{"up", 3}));
}

// curl (httpoxy): HTTP_PROXY is ignored in a CGI environment (REQUEST_METHOD set).
TEST(SystemSettings, UpperHttpProxyIgnoredUnderCgi) {
    auto s = read_system_settings(env_from_map({{"HTTP_PROXY", "evil:1"}, {"REQUEST_METHOD", "GET"}}));
    EXPECT_FALSE(s.http);
    s = read_system_settings(env_from_map({{"http_proxy", "ok:1"}, {"REQUEST_METHOD", "GET"}}));
    ASSERT_TRUE(s.http);
    EXPECT_EQ(s.http->host, "ok");
}

TEST(SystemSettings, AllProxyFillsBoth) {
    auto s = read_system_settings(env_from_map({{"all_proxy", "all:9"}, {"https_proxy", "s:2"}}));
    ASSERT_TRUE(s.http && s.https);
    EXPECT_EQ(*s.http, (ProxyServer{"all", 9}));
    EXPECT_EQ(*s.https, (ProxyServer{"s", 2}));
    EXPECT_EQ(s.proxy_string(), "http=all:9;https=s:2");
}

TEST(SystemSettings, EmptyValueCountsAsUnset) {
    auto s = read_system_settings(env_from_map({{"http_proxy", ""}, {"HTTP_PROXY", "u:1"}}));
    ASSERT_TRUE(s.http);
    EXPECT_EQ(s.http->host, "u");
}

TEST(SystemSettings, NothingSetMeansDirect) {
    auto s = read_system_settings(env_from_map({}));
    EXPECT_FALSE(s.has_proxy());
    EXPECT_EQ(s.proxy_string(), "");
    EXPECT_FALSE(s.auto_detect);
    EXPECT_TRUE(s.pac_url.empty());
}

TEST(SystemSettings, AutoProxy) {
    auto s = read_system_settings(env_from_map({{"auto_proxy", "WPAD"}}));
    EXPECT_TRUE(s.auto_detect);
    s = read_system_settings(env_from_map({{"AUTO_PROXY", "http://pac.example/proxy.pac"}}));
    EXPECT_EQ(s.pac_url, "http://pac.example/proxy.pac");
    s = read_system_settings(env_from_map({{"auto_proxy", "file:///etc/proxy.pac"}, {"AUTO_PROXY", "wpad"}}));
    EXPECT_EQ(s.pac_url, "file:///etc/proxy.pac");
    EXPECT_FALSE(s.auto_detect);
    s = read_system_settings(env_from_map({{"auto_proxy", "ftp://x/y.pac"}}));
    EXPECT_TRUE(s.pac_url.empty());
}

TEST(NoProxy, StarMatchesEverything) {
    EXPECT_TRUE(NoProxyList::parse("*").matches("anything.example", 80));
    EXPECT_TRUE(NoProxyList::parse("a, *").matches("10.0.0.1", 80));
}

TEST(NoProxy, DomainSuffixes) {
    for (const char* entry : {"example.com", ".example.com", "*.example.com"}) {
        auto n = NoProxyList::parse(entry);
        EXPECT_TRUE(n.matches("example.com", 80)) << entry;
        EXPECT_TRUE(n.matches("www.Example.COM", 80)) << entry;
        EXPECT_FALSE(n.matches("badexample.com", 80)) << entry;
        EXPECT_FALSE(n.matches("example.com.evil", 80)) << entry;
    }
}

TEST(NoProxy, AddressesAndCidr) {
    auto n = NoProxyList::parse("127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8, [2001:db8::1]");
    EXPECT_TRUE(n.matches("127.0.0.1", 80));
    EXPECT_FALSE(n.matches("127.0.0.2", 80));
    EXPECT_TRUE(n.matches("10.200.3.4", 80));
    EXPECT_FALSE(n.matches("11.0.0.1", 80));
    EXPECT_TRUE(n.matches("::1", 80));
    EXPECT_TRUE(n.matches("fd12::5", 80));
    EXPECT_TRUE(n.matches("2001:db8::1", 80));
    EXPECT_FALSE(n.matches("2001:db8::2", 80));
    EXPECT_FALSE(NoProxyList::parse("10.0.0.0/33").matches("10.0.0.1", 80));
}

TEST(NoProxy, HostWithPort) {
    auto n = NoProxyList::parse("internal:8080,[::1]:9000");
    EXPECT_TRUE(n.matches("internal", 8080));
    EXPECT_FALSE(n.matches("internal", 80));
    EXPECT_TRUE(n.matches("::1", 9000));
    EXPECT_FALSE(n.matches("::1", 80));
}

TEST(NoProxy, BypassStringForIeConfig) {
    auto s = read_system_settings(env_from_map({{"no_proxy", "a.com, .b.com,10.0.0.0/8"}}));
    EXPECT_EQ(s.bypass_string(), "a.com;.b.com;10.0.0.0/8");
}

TEST(SystemSettings, ProxyForHonoursNoProxy) {
    auto s = read_system_settings(
        env_from_map({{"http_proxy", "p:1"}, {"no_proxy", "local.example,127.0.0.1"}}));
    EXPECT_TRUE(s.proxy_for(false, "www.example", 80));
    EXPECT_FALSE(s.proxy_for(false, "local.example", 80));
    EXPECT_FALSE(s.proxy_for(false, "127.0.0.1", 80));
    EXPECT_FALSE(s.proxy_for(true, "www.example", 443));  // no https proxy set
}

// --- configurations and routes ---

TEST(ProxyConfig, NamedRouteHonoursBypass) {
    ConfigPtr c;
    ASSERT_EQ(named_config(L"http=a:1;https=b:2 c:3", L"<local>;*.direct.example", c), ERROR_SUCCESS);
    EXPECT_EQ(c->route(false, "www.example", 80), (std::vector<ProxyServer>{{"a", 1}, {"c", 3}}));
    EXPECT_EQ(c->route(true, "www.example", 443), (std::vector<ProxyServer>{{"b", 2}, {"c", 3}}));
    EXPECT_TRUE(c->route(false, "intranet", 80).empty());
    EXPECT_TRUE(c->route(true, "x.direct.example", 443).empty());
}

TEST(ProxyConfig, NamedRefusesMalformed) {
    ConfigPtr c;
    EXPECT_EQ(named_config(nullptr, nullptr, c), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(named_config(L"", nullptr, c), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(named_config(L"proxy:99999", nullptr, c), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(ProxyConfig, EnvironmentRoute) {
    auto c = environment_config(
        read_system_settings(env_from_map({{"https_proxy", "s:8"}, {"no_proxy", ".corp"}})),
        WINHTTP_ACCESS_TYPE_DEFAULT_PROXY);
    EXPECT_EQ(c->route(true, "www.example", 443), (std::vector<ProxyServer>{{"s", 8}}));
    EXPECT_TRUE(c->route(true, "a.corp", 443).empty());
    EXPECT_TRUE(c->route(false, "www.example", 80).empty());
    EXPECT_EQ(c->proxy_text, L"https=s:8");
    EXPECT_EQ(c->bypass_text, L".corp");
}

TEST(ProxyConfig, DirectNeverProxies) {
    EXPECT_TRUE(direct_config()->route(false, "www.example", 80).empty());
}

}  // namespace
}  // namespace winhttp::proxy
