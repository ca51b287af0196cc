// The session cookie jar's defences against a hostile server (src/core/cookies.h): public
// suffixes, Secure cookies and the __Secure- / __Host- prefixes, and the jar's bounds.
// Windows documents no cookie policy for WinHTTP; these are RFC 6265 / RFC 6265bis rules, as
// curl and browsers apply them (docs/SECURITY.md).
#include "core/cookies.h"

#include <gtest/gtest.h>

#include <string>

namespace winhttp {
namespace {

constexpr bool kHttps = true;
constexpr bool kHttp = false;

// ---- public suffixes ---------------------------------------------------------------------

// RFC 6265 §5.3 step 5: a Domain attribute that is a public suffix is ignored (the whole cookie)
// unless it is the request host itself.
TEST(CookieJar, DomainThatIsAPublicSuffixIsRefused) {
    CookieJar jar;
    EXPECT_FALSE(jar.store("a=1; Domain=com", "www.example.com", "/", kHttp));
    EXPECT_FALSE(jar.store("a=1; Domain=.com", "www.example.com", "/", kHttp));
    EXPECT_FALSE(jar.store("a=1; Domain=co.uk", "www.example.co.uk", "/", kHttp));
    EXPECT_FALSE(jar.store("a=1; Domain=CO.UK", "www.example.co.uk", "/", kHttp));
    // The list's private section too: every github.io site belongs to someone else.
    EXPECT_FALSE(jar.store("a=1; Domain=github.io", "me.github.io", "/", kHttp));
    EXPECT_EQ(jar.size(), 0u);
    EXPECT_EQ(jar.header_for("other.example.com", "/", false), "");
    EXPECT_EQ(jar.header_for("other.co.uk", "/", false), "");
}

TEST(CookieJar, RegistrableDomainIsSharedWithItsSubdomains) {
    CookieJar jar;
    EXPECT_TRUE(jar.store("a=1; Domain=example.co.uk", "www.example.co.uk", "/", kHttp));
    EXPECT_TRUE(jar.store("b=2; Domain=.example.com", "a.b.example.com", "/", kHttp));
    EXPECT_EQ(jar.header_for("shop.example.co.uk", "/", false), "a=1");
    EXPECT_EQ(jar.header_for("example.com", "/", false), "b=2");
    EXPECT_EQ(jar.header_for("co.uk", "/", false), "");
}

// RFC 6265 §5.3 step 5: "If the canonicalized request-host is identical to the domain-attribute:
// set the cookie's host-only-flag to true".
TEST(CookieJar, PublicSuffixThatIsTheHostItselfMakesAHostOnlyCookie) {
    CookieJar jar;
    EXPECT_TRUE(jar.store("a=1; Domain=localhost", "localhost", "/", kHttp));
    EXPECT_EQ(jar.header_for("localhost", "/", false), "a=1");
    EXPECT_EQ(jar.header_for("app.localhost", "/", false), "") << "host-only";
    // A suffix below the host is refused even where no other rule would catch it.
    EXPECT_FALSE(jar.store("b=2; Domain=localhost", "app.localhost", "/", kHttp));
}

TEST(CookieJar, ForeignDomainIsRefused) {
    CookieJar jar;
    EXPECT_FALSE(jar.store("a=1; Domain=example.org", "www.example.com", "/", kHttp));
    EXPECT_FALSE(jar.store("a=1; Domain=ample.com", "example.com", "/", kHttp));
    EXPECT_EQ(jar.size(), 0u);
}

// RFC 6265 §5.1.3: an IP address domain-matches only itself.
TEST(CookieJar, DomainOnAnIpAddressHostMustBeThatAddress) {
    CookieJar jar;
    EXPECT_FALSE(jar.store("a=1; Domain=0.0.1", "127.0.0.1", "/", kHttp));
    EXPECT_FALSE(jar.store("a=1; Domain=1", "127.0.0.1", "/", kHttp));
    EXPECT_TRUE(jar.store("b=2; Domain=127.0.0.1", "127.0.0.1", "/", kHttp));
    EXPECT_EQ(jar.header_for("127.0.0.1", "/", false), "b=2");
}

// ---- Secure cookies (RFC 6265bis §5.7) ------------------------------------------------------

TEST(CookieJar, OnlyASecureOriginSetsASecureCookie) {
    CookieJar jar;
    EXPECT_FALSE(jar.store("s=1; Secure", "example.com", "/", kHttp));
    EXPECT_EQ(jar.size(), 0u);
    EXPECT_TRUE(jar.store("s=1; Secure", "example.com", "/", kHttps));
    EXPECT_EQ(jar.header_for("example.com", "/", true), "s=1");
    EXPECT_EQ(jar.header_for("example.com", "/", false), "") << "never sent over http";
}

TEST(CookieJar, NonSecureOriginCannotOverwriteASecureCookie) {
    CookieJar jar;
    ASSERT_TRUE(jar.store("s=secure; Secure; Path=/", "example.com", "/", kHttps));
    EXPECT_FALSE(jar.store("s=plain; Path=/", "example.com", "/", kHttp));
    // Nor shadow it from a path below or from the parent domain.
    EXPECT_FALSE(jar.store("s=plain; Path=/app", "example.com", "/", kHttp));
    EXPECT_FALSE(jar.store("s=plain; Domain=example.com", "www.example.com", "/", kHttp));
    // Nor delete it.
    EXPECT_FALSE(jar.store("s=; Max-Age=0", "example.com", "/", kHttp));
    EXPECT_EQ(jar.header_for("example.com", "/app", true), "s=secure");
    // Another name, or the secure origin itself, is fine.
    EXPECT_TRUE(jar.store("t=plain", "example.com", "/", kHttp));
    // Sent newest first (Wine winhttp.c test_cookies); a replaced cookie keeps its creation time (RFC 6265 5.3 step 11.3).
    EXPECT_TRUE(jar.store("s=newer; Secure; Path=/", "example.com", "/", kHttps));
    EXPECT_EQ(jar.header_for("example.com", "/", true), "t=plain; s=newer");
}

TEST(CookieJar, SecurePrefixNeedsTheSecureAttribute) {
    CookieJar jar;
    EXPECT_FALSE(jar.store("__Secure-a=1", "example.com", "/", kHttps));
    EXPECT_FALSE(jar.store("__Secure-a=1; Secure", "example.com", "/", kHttp));
    EXPECT_FALSE(jar.store("__SECURE-a=1", "example.com", "/", kHttps)) << "case-insensitive";
    EXPECT_TRUE(jar.store("__Secure-a=1; Secure; Domain=example.com", "www.example.com", "/", kHttps));
    EXPECT_EQ(jar.header_for("example.com", "/", true), "__Secure-a=1");
}

TEST(CookieJar, HostPrefixNeedsSecureHostOnlyAndRootPath) {
    CookieJar jar;
    EXPECT_FALSE(jar.store("__Host-a=1; Path=/", "example.com", "/", kHttps)) << "not Secure";
    EXPECT_FALSE(jar.store("__Host-a=1; Secure", "example.com", "/", kHttps)) << "no Path";
    EXPECT_FALSE(jar.store("__Host-a=1; Secure; Path=/app", "example.com", "/", kHttps));
    EXPECT_FALSE(jar.store("__Host-a=1; Secure; Path=/; Domain=example.com", "www.example.com",
                           "/", kHttps))
        << "a Domain attribute";
    EXPECT_FALSE(jar.store("__host-a=1; Path=/", "example.com", "/", kHttps)) << "case-insensitive";
    EXPECT_EQ(jar.size(), 0u);
    EXPECT_TRUE(jar.store("__Host-a=1; Secure; Path=/", "example.com", "/app/x", kHttps));
    EXPECT_EQ(jar.header_for("example.com", "/", true), "__Host-a=1");
    EXPECT_EQ(jar.header_for("www.example.com", "/", true), "");
}

// ---- bounds --------------------------------------------------------------------------------

TEST(CookieJar, CookieOverTheSizeLimitIsRefused) {
    CookieJar jar;
    const std::string name = "n";
    const std::string fits(CookieJar::kMaxCookieBytes - name.size(), 'v');
    EXPECT_TRUE(jar.store(name + "=" + fits, "example.com", "/", kHttp));
    EXPECT_FALSE(jar.store("mm=" + fits, "example.com", "/", kHttp)) << "one byte over";
    EXPECT_EQ(jar.size(), 1u);
}

// RFC 6265bis §5.6: an attribute value over 1024 bytes is ignored (the cookie is kept).
TEST(CookieJar, OverlongAttributeIsIgnored) {
    CookieJar jar;
    EXPECT_TRUE(jar.store("a=1; Path=/" + std::string(2000, 'p'), "example.com", "/dir/page", kHttp));
    EXPECT_EQ(jar.header_for("example.com", "/dir/x", false), "a=1") << "default path /dir";
    EXPECT_EQ(jar.header_for("example.com", "/other", false), "");
}

TEST(CookieJar, PerDomainLimitEvictsTheOldest) {
    CookieJar jar;
    const size_t extra = 10;
    for (size_t i = 0; i < CookieJar::kMaxPerDomain + extra; ++i)
        ASSERT_TRUE(jar.store("c" + std::to_string(i) + "=1", "example.com", "/", kHttp));
    ASSERT_TRUE(jar.store("other=1", "example.org", "/", kHttp));
    EXPECT_EQ(jar.size(), CookieJar::kMaxPerDomain + 1);
    const std::string sent = "; " + jar.header_for("example.com", "/", false) + ";";
    for (size_t i = 0; i < extra; ++i) EXPECT_EQ(sent.find("; c" + std::to_string(i) + "="), std::string::npos) << i;
    for (size_t i = extra; i < CookieJar::kMaxPerDomain + extra; ++i)
        EXPECT_NE(sent.find("; c" + std::to_string(i) + "="), std::string::npos) << i;
    EXPECT_EQ(jar.header_for("example.org", "/", false), "other=1");
}

// RFC 6265 §5.3 step 11: a replaced cookie keeps its creation time, so it is still the oldest.
TEST(CookieJar, ReplacingACookieKeepsItsPlaceInTheEvictionOrder) {
    CookieJar jar;
    for (size_t i = 0; i < CookieJar::kMaxPerDomain; ++i)
        ASSERT_TRUE(jar.store("c" + std::to_string(i) + "=1", "example.com", "/", kHttp));
    ASSERT_TRUE(jar.store("c0=2", "example.com", "/", kHttp));
    ASSERT_TRUE(jar.store("newest=1", "example.com", "/", kHttp));
    const std::string sent = "; " + jar.header_for("example.com", "/", false) + ";";
    EXPECT_EQ(sent.find("; c0="), std::string::npos);
    EXPECT_NE(sent.find("; c1=1;"), std::string::npos);
    EXPECT_NE(sent.find("; newest=1;"), std::string::npos);
}

TEST(CookieJar, TotalLimitEvictsTheOldest) {
    CookieJar jar;
    const size_t domains = CookieJar::kMaxCookies / CookieJar::kMaxPerDomain + 2;
    for (size_t d = 0; d < domains; ++d) {
        const std::string host = "d" + std::to_string(d) + ".example.com";
        for (size_t i = 0; i < CookieJar::kMaxPerDomain; ++i)
            ASSERT_TRUE(jar.store("c" + std::to_string(i) + "=1", host, "/", kHttp));
    }
    EXPECT_EQ(jar.size(), CookieJar::kMaxCookies);
    EXPECT_EQ(jar.header_for("d0.example.com", "/", false), "") << "the oldest domains went first";
    EXPECT_EQ(jar.header_for("d1.example.com", "/", false), "");
    EXPECT_NE(jar.header_for("d2.example.com", "/", false), "");
    EXPECT_NE(jar.header_for("d" + std::to_string(domains - 1) + ".example.com", "/", false), "");
}

TEST(CookieJar, ExpiredCookieDeletesAndIsNotCounted) {
    CookieJar jar;
    ASSERT_TRUE(jar.store("a=1", "example.com", "/", kHttp));
    ASSERT_TRUE(jar.store("a=; Max-Age=0", "example.com", "/", kHttp));
    EXPECT_EQ(jar.size(), 0u);
    EXPECT_EQ(jar.header_for("example.com", "/", false), "");
}

}  // namespace
}  // namespace winhttp
