// parse_challenges (RFC 9110 §11.6.1): several challenges per header, token68 against
// auth-params, quoted strings, case, and damaged input.
#include "auth/challenge.h"

#include <gtest/gtest.h>

#include <string>

namespace auth {
namespace {

TEST(AuthChallenge, BasicWithRealm) {
    // RFC 7617 §2: WWW-Authenticate: Basic realm="WallyWorld"
    auto c = parse_challenges(R"(Basic realm="WallyWorld")");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].scheme, "basic");
    ASSERT_NE(c[0].param("realm"), nullptr);
    EXPECT_EQ(*c[0].param("realm"), "WallyWorld");
    EXPECT_TRUE(c[0].token68.empty());
}

TEST(AuthChallenge, SeveralChallengesInOneHeader) {
    // RFC 9110 §11.6.1's example: a header with two challenges, one with three parameters.
    auto c = parse_challenges(
        R"(Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\"")");
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0].scheme, "basic");
    EXPECT_EQ(c[1].scheme, "newauth");
    ASSERT_EQ(c[1].params.size(), 3u);
    EXPECT_EQ(*c[1].param("type"), "1");
    EXPECT_EQ(*c[1].param("title"), "Login to \"apps\"");
}

TEST(AuthChallenge, Token68AgainstParams) {
    auto c = parse_challenges("NTLM TlRMTVNTUAACAAAA==, Negotiate, Basic realm=x");
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].scheme, "ntlm");
    EXPECT_EQ(c[0].token68, "TlRMTVNTUAACAAAA==");
    EXPECT_TRUE(c[0].params.empty());
    EXPECT_EQ(c[1].scheme, "negotiate");
    EXPECT_TRUE(c[1].token68.empty());
    EXPECT_EQ(*c[2].param("realm"), "x");
}

TEST(AuthChallenge, CaseInsensitiveNamesValuesKept) {
    auto c = parse_challenges(R"(DIGEST Realm="R", NONCE=AbC, Algorithm=SHA-256)");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].scheme, "digest");
    EXPECT_EQ(*c[0].param("realm"), "R");
    EXPECT_EQ(*c[0].param("nonce"), "AbC");
    EXPECT_EQ(*c[0].param("algorithm"), "SHA-256");
}

TEST(AuthChallenge, DigestRfc7616Example) {
    // RFC 7616 §3.9.1: two Digest challenges (SHA-256 first, then MD5) in one header.
    auto c = parse_challenges(
        R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256,)"
        R"( nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",)"
        R"( opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",)"
        R"( Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5,)"
        R"( nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",)"
        R"( opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")");
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(*c[0].param("algorithm"), "SHA-256");
    EXPECT_EQ(*c[1].param("algorithm"), "MD5");
    EXPECT_EQ(*c[1].param("qop"), "auth, auth-int");
    EXPECT_EQ(c[1].params.size(), 5u);
}

TEST(AuthChallenge, WhitespaceAroundEqualsAndEmptyElements) {
    auto c = parse_challenges(" ,, Basic  realm = \"a b\" ,, , Digest nonce=\"n\",realm=r ,");
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(*c[0].param("realm"), "a b");
    EXPECT_EQ(*c[1].param("nonce"), "n");
    EXPECT_EQ(*c[1].param("realm"), "r");
}

TEST(AuthChallenge, DamagedInputKeepsWhatParsed) {
    // An unterminated quoted string ends the parse; what came before stays.
    auto c = parse_challenges(R"(Basic realm="a", Digest realm="unterminated)");
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(*c[0].param("realm"), "a");
    EXPECT_EQ(c[1].param("realm"), nullptr);
    // Junk elements are skipped up to the next comma.
    c = parse_challenges("@@@, Basic realm=x, =, Negotiate");
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0].scheme, "basic");
    EXPECT_EQ(c[1].scheme, "negotiate");
    EXPECT_TRUE(parse_challenges("").empty());
    EXPECT_TRUE(parse_challenges("   ,  ").empty());
    EXPECT_TRUE(parse_challenges("\"").empty());
    c = parse_challenges("Basic realm=\"a\\");  // quoted-pair at the end
    ASSERT_EQ(c.size(), 1u);
    EXPECT_TRUE(c[0].params.empty());
}

}  // namespace
}  // namespace auth
