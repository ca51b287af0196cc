// Basic (RFC 7617) and Digest (RFC 7616, RFC 2617) against their published examples, and the
// Digest rules the engine relies on (nonce counts, cnonce, opaque, userhash, qop).
#include <winhttp.h>

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "auth/basic.h"
#include "auth/challenge.h"
#include "auth/digest.h"
#include "auth/schemes.h"

namespace auth {
namespace {

Credentials creds(std::string user, std::string password) {
    Credentials c;
    c.user = std::move(user);
    c.password = std::move(password);
    return c;
}

// The value of `name` in a Digest header we produced ("name=\"v\"" or "name=v").
std::string field(const std::string& header, const std::string& name) {
    auto c = parse_challenges(header);  // same grammar: "Digest a=b, c=\"d\""
    if (c.empty()) return "<none>";
    const std::string* v = c[0].param(name);
    return v ? *v : "<absent>";
}

TEST(AuthBasic, Rfc7617Example) {
    // RFC 7617 §2: Aladdin / open sesame.
    BasicMechanism m(creds("Aladdin", "open sesame"));
    std::string h;
    ASSERT_EQ(m.next(Challenge{"basic", {}, {}}, RequestFacts{}, h), 0u);
    EXPECT_EQ(h, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    EXPECT_FALSE(m.connection_based());
}

TEST(AuthBasic, Utf8Credentials) {
    // RFC 7617 §2.1: user "test", password "123£" in UTF-8 -> dGVzdDoxMjPCow==
    BasicMechanism m(creds("test", "123\xC2\xA3"));
    std::string h;
    ASSERT_EQ(m.next(Challenge{"basic", {}, {{"charset", "UTF-8"}}}, RequestFacts{}, h), 0u);
    EXPECT_EQ(h, "Basic dGVzdDoxMjPCow==");
}

TEST(AuthBasic, Base64Padding) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
}

const char* kRfc7616Challenge =
    R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=%s,)"
    R"( nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",)"
    R"( opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";

Challenge rfc7616(const char* algorithm) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), kRfc7616Challenge, algorithm);
    return parse_challenges(buf).at(0);
}

TEST(AuthDigest, Rfc7616Md5Vector) {
    // RFC 7616 §3.9.1: Mufasa / "Circle of Life", GET /dir/index.html, MD5.
    DigestMechanism m(creds("Mufasa", "Circle of Life"),
                      "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
    std::string h;
    const RequestFacts facts{"GET", "/dir/index.html", "www.example.org", 80, {}};
    ASSERT_EQ(m.next(rfc7616("MD5"), facts, h), 0u);
    EXPECT_EQ(field(h, "response"), "8ca523f5e9506fed4657c9700eebdbec");
    EXPECT_EQ(field(h, "username"), "Mufasa");
    EXPECT_EQ(field(h, "uri"), "/dir/index.html");
    EXPECT_EQ(field(h, "qop"), "auth");
    EXPECT_EQ(field(h, "nc"), "00000001");
    EXPECT_EQ(field(h, "cnonce"), "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
    EXPECT_EQ(field(h, "opaque"), "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
    EXPECT_EQ(field(h, "algorithm"), "MD5");
}

TEST(AuthDigest, Rfc7616Sha256Vector) {
    // RFC 7616 §3.9.1, SHA-256.
    DigestMechanism m(creds("Mufasa", "Circle of Life"),
                      "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
    std::string h;
    const RequestFacts facts{"GET", "/dir/index.html", "www.example.org", 80, {}};
    ASSERT_EQ(m.next(rfc7616("SHA-256"), facts, h), 0u);
    EXPECT_EQ(field(h, "response"),
              "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(AuthDigest, Rfc2617Md5Vector) {
    // RFC 2617 §3.5: Mufasa / "Circle Of Life", testrealm@host.com.
    auto ch = parse_challenges(
        R"(Digest realm="testrealm@host.com", qop="auth,auth-int",)"
        R"( nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41")");
    DigestMechanism m(creds("Mufasa", "Circle Of Life"), "0a4f113b");
    std::string h;
    ASSERT_EQ(m.next(ch.at(0), RequestFacts{"GET", "/dir/index.html", "host.com", 80, {}}, h), 0u);
    EXPECT_EQ(field(h, "response"), "6629fae49393a05397450978507c4ef1");
    EXPECT_EQ(field(h, "algorithm"), "<absent>");  // not named by the server, not sent
}

TEST(AuthDigest, NonceCountPerNonce) {
    DigestMechanism m(creds("u", "p"));
    const RequestFacts facts{"GET", "/", "h", 80, {}};
    auto a = parse_challenges(R"(Digest realm="r", nonce="A", qop="auth")").at(0);
    auto b = parse_challenges(R"(Digest realm="r", nonce="B", qop="auth")").at(0);
    std::string h;
    ASSERT_EQ(m.next(a, facts, h), 0u);
    EXPECT_EQ(field(h, "nc"), "00000001");
    ASSERT_EQ(m.next(a, facts, h), 0u);
    EXPECT_EQ(field(h, "nc"), "00000002");
    ASSERT_EQ(m.next(b, facts, h), 0u);
    EXPECT_EQ(field(h, "nc"), "00000001");
}

TEST(AuthDigest, CnonceIsRandomPerRequest) {
    DigestMechanism m(creds("u", "p"));
    auto a = parse_challenges(R"(Digest realm="r", nonce="A", qop=auth)").at(0);
    std::set<std::string> seen;
    for (int i = 0; i < 8; ++i) {
        std::string h;
        ASSERT_EQ(m.next(a, RequestFacts{"GET", "/", "h", 80, {}}, h), 0u);
        const std::string c = field(h, "cnonce");
        EXPECT_EQ(c.size(), 32u);  // 16 bytes from RAND_bytes, hex
        seen.insert(c);
    }
    EXPECT_EQ(seen.size(), 8u);
}

TEST(AuthDigest, SessAlgorithmsUseCnonce) {
    // MD5-sess: HA1 = MD5(MD5(user:realm:pass):nonce:cnonce), so the response differs from MD5's
    // for the same inputs and stays reproducible with a fixed cnonce.
    const RequestFacts facts{"GET", "/", "h", 80, {}};
    std::string plain, sess1, sess2, sha_sess;
    DigestMechanism a(creds("u", "p"), "c1");
    DigestMechanism b(creds("u", "p"), "c1");
    DigestMechanism c(creds("u", "p"), "c1");
    DigestMechanism d(creds("u", "p"), "c1");
    ASSERT_EQ(a.next(parse_challenges(R"(Digest realm=r, nonce=n, qop=auth)").at(0), facts, plain),
              0u);
    ASSERT_EQ(
        b.next(parse_challenges(R"(Digest realm=r, nonce=n, qop=auth, algorithm=MD5-sess)").at(0),
               facts, sess1),
        0u);
    ASSERT_EQ(
        c.next(parse_challenges(R"(Digest realm=r, nonce=n, qop=auth, algorithm=MD5-sess)").at(0),
               facts, sess2),
        0u);
    ASSERT_EQ(
        d.next(
            parse_challenges(R"(Digest realm=r, nonce=n, qop=auth, algorithm=SHA-256-sess)").at(0),
            facts, sha_sess),
        0u);
    EXPECT_NE(field(plain, "response"), field(sess1, "response"));
    EXPECT_EQ(field(sess1, "response"), field(sess2, "response"));
    EXPECT_EQ(field(sha_sess, "response").size(), 64u);
    EXPECT_EQ(field(sha_sess, "algorithm"), "SHA-256-sess");
}

TEST(AuthDigest, UserhashAndQuoting) {
    const RequestFacts facts{"GET", "/", "h", 80, {}};
    std::string h;
    // RFC 7616 §3.4.4: userhash=true sends H(user:realm) as the user name.
    DigestMechanism m(creds("Mufasa", "x"));
    ASSERT_EQ(
        m.next(
            parse_challenges(
                R"(Digest realm="http-auth@example.org", nonce=n, qop=auth, algorithm=SHA-256, userhash=true)")
                .at(0),
            facts, h),
        0u);
    // SHA-256("Mufasa:http-auth@example.org"), computed with sha256sum.
    EXPECT_EQ(field(h, "username"),
              "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6");
    EXPECT_EQ(field(h, "userhash"), "true");
    // A quote in the user name is escaped; a non-ASCII name goes as username* (RFC 5987).
    DigestMechanism q(creds("a\"b", "x"));
    ASSERT_EQ(q.next(parse_challenges(R"(Digest realm=r, nonce=n)").at(0), facts, h), 0u);
    EXPECT_EQ(field(h, "username"), "a\"b");
    DigestMechanism u(creds("J\xC3\xA4s\xC3\xB8n Doe", "x"));
    ASSERT_EQ(u.next(parse_challenges(R"(Digest realm=r, nonce=n)").at(0), facts, h), 0u);
    EXPECT_NE(h.find("username*=UTF-8''J%C3%A4s%C3%B8n%20Doe"), std::string::npos) << h;
}

TEST(AuthDigest, Rfc7616UserhashVector) {
    // RFC 7616 §3.9.2: username hash of "Jäsøn Doe" in realm "api@example.org", SHA-512-256 in
    // the RFC; SHA-512-256 is not supported here, so the mechanism refuses that challenge.
    DigestMechanism m(creds("J\xC3\xA4s\xC3\xB8n Doe", "Secret, or not?"));
    std::string h;
    EXPECT_EQ(
        m.next(
            parse_challenges(
                R"(Digest realm="api@example.org", qop=auth, algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", userhash=true)")
                .at(0),
            RequestFacts{"GET", "/doe.json", "h", 80, {}}, h),
        static_cast<uint32_t>(ERROR_WINHTTP_INTERNAL_ERROR));
}

TEST(AuthDigest, RefusesWhatItCannotAnswer) {
    const RequestFacts facts{"GET", "/", "h", 80, {}};
    std::string h;
    DigestMechanism m(creds("u", "p"));
    // No nonce, no realm, auth-int only, unknown algorithm, default credentials.
    EXPECT_NE(m.next(parse_challenges("Digest realm=r").at(0), facts, h), 0u);
    EXPECT_NE(m.next(parse_challenges("Digest nonce=n").at(0), facts, h), 0u);
    EXPECT_NE(m.next(parse_challenges("Digest realm=r, nonce=n, qop=auth-int").at(0), facts, h),
              0u);
    EXPECT_NE(m.next(parse_challenges("Digest realm=r, nonce=n, algorithm=foo").at(0), facts, h),
              0u);
    Credentials def;
    def.use_default = true;
    DigestMechanism d(def);
    EXPECT_NE(d.next(parse_challenges("Digest realm=r, nonce=n").at(0), facts, h), 0u);
    // Without qop (RFC 2069 form) there is no nc or cnonce.
    ASSERT_EQ(m.next(parse_challenges("Digest realm=r, nonce=n").at(0), facts, h), 0u);
    EXPECT_EQ(field(h, "nc"), "<absent>");
    EXPECT_EQ(field(h, "cnonce"), "<absent>");
}

TEST(AuthSchemes, FlagsFactoryAndPreference) {
    EXPECT_EQ(scheme_flag("basic"), static_cast<uint32_t>(WINHTTP_AUTH_SCHEME_BASIC));
    EXPECT_EQ(scheme_flag("digest"), static_cast<uint32_t>(WINHTTP_AUTH_SCHEME_DIGEST));
    EXPECT_EQ(scheme_flag("ntlm"), static_cast<uint32_t>(WINHTTP_AUTH_SCHEME_NTLM));
    EXPECT_EQ(scheme_flag("negotiate"), static_cast<uint32_t>(WINHTTP_AUTH_SCHEME_NEGOTIATE));
    EXPECT_EQ(scheme_flag("passport1.4"), static_cast<uint32_t>(WINHTTP_AUTH_SCHEME_PASSPORT));
    EXPECT_EQ(scheme_flag("bearer"), 0u);
    EXPECT_EQ(preferred_scheme(WINHTTP_AUTH_SCHEME_BASIC | WINHTTP_AUTH_SCHEME_DIGEST),
              static_cast<uint32_t>(WINHTTP_AUTH_SCHEME_DIGEST));
    EXPECT_EQ(preferred_scheme(WINHTTP_AUTH_SCHEME_PASSPORT), 0u);
    EXPECT_NE(make_mechanism(WINHTTP_AUTH_SCHEME_BASIC, creds("u", "p")), nullptr);
    EXPECT_EQ(make_mechanism(WINHTTP_AUTH_SCHEME_PASSPORT, creds("u", "p")), nullptr);
    // Both connection-based schemes are wired; Negotiate is preferred when both are offered.
    EXPECT_TRUE(has_codec(WINHTTP_AUTH_SCHEME_NTLM));
    EXPECT_TRUE(has_codec(WINHTTP_AUTH_SCHEME_NEGOTIATE));
    EXPECT_EQ(preferred_scheme(WINHTTP_AUTH_SCHEME_NEGOTIATE | WINHTTP_AUTH_SCHEME_NTLM |
                               WINHTTP_AUTH_SCHEME_BASIC),
              static_cast<uint32_t>(WINHTTP_AUTH_SCHEME_NEGOTIATE));
    EXPECT_EQ(preferred_scheme(WINHTTP_AUTH_SCHEME_NTLM | WINHTTP_AUTH_SCHEME_BASIC),
              static_cast<uint32_t>(WINHTTP_AUTH_SCHEME_NTLM));
    auto ntlm = make_mechanism(WINHTTP_AUTH_SCHEME_NTLM, creds("u", "p"));
    ASSERT_NE(ntlm, nullptr);
    EXPECT_TRUE(ntlm->connection_based());
    Credentials dflt;
    dflt.use_default = true;  // Linux has no logged-on user's NTLM secret
    EXPECT_EQ(make_mechanism(WINHTTP_AUTH_SCHEME_NTLM, dflt), nullptr);
}

TEST(AuthCredentials, WipeClears) {
    Credentials c = creds("user", std::string(100, 'p'));
    c.use_default = true;
    c.wipe();
    EXPECT_TRUE(c.user.empty());
    EXPECT_TRUE(c.password.empty());
    EXPECT_FALSE(c.use_default);
}

}  // namespace
}  // namespace auth
