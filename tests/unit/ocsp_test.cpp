// The stapled OCSP check's answers to inputs that need no certificates (the real responses
// are exercised end to end in tests/integration/https_revocation_test.cpp).
#include "net/ocsp.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace winhttp::net
