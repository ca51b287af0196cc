// The stapled OCSP check's answers to inputs that need no certificates (the real responses
// are exercised end to end in tests/integration/https_revocation_test.cpp).
#include "net/ocsp.h"

#include "core/revocation.h"

#include <gtest/gtest.h>

#include <ctime>

namespace winhttp::net {
namespace {

TEST(Ocsp, NothingStapledIsOffline) {
    EXPECT_EQ(check_ocsp_response(nullptr, 0, nullptr, nullptr, nullptr), Revocation::Offline);
    const unsigned char byte = 0x30;
    EXPECT_EQ(check_ocsp_response(&byte, 0, nullptr, nullptr, nullptr), Revocation::Offline);
}

TEST(Ocsp, GarbageIsUnverified) {
    const unsigned char junk[] = {0x30, 0x03, 0x0A, 0x01};  // truncated DER
    EXPECT_EQ(check_ocsp_response(junk, sizeof(junk), nullptr, nullptr, nullptr),
              Revocation::Unverified);
}

// RFC 6960 4.2.1: OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, ... }. A responder
// that could not answer (tryLater 3, internalError 2) is as good as offline; one that refuses
// (unauthorized 6, malformedRequest 1) gives nothing to trust.
TEST(Ocsp, ResponderStatusWithoutAnswer) {
    const unsigned char try_later[] = {0x30, 0x03, 0x0A, 0x01, 0x03};
    const unsigned char internal_error[] = {0x30, 0x03, 0x0A, 0x01, 0x02};
    const unsigned char unauthorized[] = {0x30, 0x03, 0x0A, 0x01, 0x06};
    EXPECT_EQ(check_ocsp_response(try_later, sizeof(try_later), nullptr, nullptr, nullptr),
              Revocation::Offline);
    EXPECT_EQ(
        check_ocsp_response(internal_error, sizeof(internal_error), nullptr, nullptr, nullptr),
        Revocation::Offline);
    EXPECT_EQ(check_ocsp_response(unauthorized, sizeof(unauthorized), nullptr, nullptr, nullptr),
              Revocation::Unverified);
}

TEST(Ocsp, Names) {
    EXPECT_STREQ(revocation_name(Revocation::Good), "good");
    EXPECT_STREQ(revocation_name(Revocation::Revoked), "revoked");
    EXPECT_STREQ(revocation_name(Revocation::Offline), "offline");
    EXPECT_STREQ(revocation_name(Revocation::Unverified), "unverified");
}

// RFC 6960 A.1: "GET {url}/{url-encoding of base-64 encoding of the DER encoding of the
// OCSPRequest}"; '+', '/' and '=' of base 64 are escaped, one '/' separates the two.
TEST(Ocsp, GetUrlEscapesBase64) {
    const std::string der("\xfb\xff\xfe", 3);  // base 64 "+//+"
    EXPECT_EQ(ocsp_get_url("http://ocsp.example", der), "http://ocsp.example/%2B%2F%2F%2B");
    EXPECT_EQ(ocsp_get_url("http://ocsp.example/", der), "http://ocsp.example/%2B%2F%2F%2B");
    EXPECT_EQ(ocsp_get_url("http://o.example/a", std::string("\x01", 1)), "http://o.example/a/AQ%3D%3D");
}

TEST(Ocsp, NoCertificateHasNoUrlsNorRequest) {
    EXPECT_TRUE(ocsp_urls(nullptr).empty());
    EXPECT_TRUE(crl_urls(nullptr).empty());
    EXPECT_TRUE(ocsp_request(nullptr, nullptr).empty());
    EXPECT_TRUE(revocation_key(nullptr, nullptr).empty());
}

TEST(Ocsp, CrlNothingIsOfflineGarbageUnverified) {
    int64_t until = 7;
    EXPECT_EQ(check_crl(nullptr, 0, nullptr, nullptr, until), Revocation::Offline);
    EXPECT_EQ(until, 0);
    const unsigned char junk[] = {0x30, 0x03, 0x0A, 0x01};
    EXPECT_EQ(check_crl(junk, sizeof(junk), nullptr, nullptr, until), Revocation::Unverified);
}

}  // namespace
}  // namespace winhttp::net

namespace winhttp {
namespace {

int64_t from_now(int64_t s) { return static_cast<int64_t>(std::time(nullptr)) + s; }

TEST(RevocationCache, KeepsDecidedAnswersUntilNextUpdate) {
    RevocationCache cache;
    net::Revocation r = net::Revocation::Offline;
    cache.store("good", net::Revocation::Good, from_now(3600));
    cache.store("revoked", net::Revocation::Revoked, from_now(3600));
    ASSERT_TRUE(cache.find("good", r));
    EXPECT_EQ(r, net::Revocation::Good);
    ASSERT_TRUE(cache.find("revoked", r));
    EXPECT_EQ(r, net::Revocation::Revoked);
    EXPECT_FALSE(cache.find("other", r));
}

TEST(RevocationCache, NeverKeepsStaleUndatedOrUndecidedAnswers) {
    RevocationCache cache;
    net::Revocation r = net::Revocation::Good;
    cache.store("stale", net::Revocation::Good, from_now(-1));
    cache.store("undated", net::Revocation::Good, 0);  // no nextUpdate
    cache.store("offline", net::Revocation::Offline, from_now(3600));
    cache.store("unverified", net::Revocation::Unverified, from_now(3600));
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_FALSE(cache.find("stale", r));
}

TEST(RevocationCache, IsBounded) {
    RevocationCache cache;
    for (size_t i = 0; i < RevocationCache::kMaxEntries + 10; ++i)
        cache.store("k" + std::to_string(i), net::Revocation::Good, from_now(3600));
    EXPECT_LE(cache.size(), RevocationCache::kMaxEntries);
}

}  // namespace
}  // namespace winhttp
