// The WINHTTP_OPTION_SECURE_PROTOCOLS mask and its mapping to OpenSSL versions.
#include "net/tls.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

namespace winhttp::net {
namespace {

constexpr DWORD kSsl2 = WINHTTP_FLAG_SECURE_PROTOCOL_SSL2;
constexpr DWORD kSsl3 = WINHTTP_FLAG_SECURE_PROTOCOL_SSL3;
constexpr DWORD kTls1 = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1;
constexpr DWORD kTls11 = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_1;
constexpr DWORD kTls12 = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2;
constexpr DWORD kTls13 = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
constexpr DWORD kOk = ERROR_SUCCESS;
constexpr DWORD kInvalid = ERROR_INVALID_PARAMETER;

TEST(SecureProtocols, SupportedMasksAreAccepted) {
    EXPECT_EQ(check_secure_protocols(kTls12), kOk);
    EXPECT_EQ(check_secure_protocols(kTls13), kOk);
    EXPECT_EQ(check_secure_protocols(kTls12 | kTls13), kOk);
    EXPECT_EQ(check_secure_protocols(kTlsDefaultProtocols), kOk);
}

TEST(SecureProtocols, UnsupportedBitsBesideASupportedOneAreIgnored) {
    // cpprestsdk and many apps pass SSL3 | TLS1 | TLS1_1 | TLS1_2.
    EXPECT_EQ(check_secure_protocols(kSsl3 | kTls1 | kTls11 | kTls12), kOk);
    EXPECT_EQ(check_secure_protocols(kSsl2 | kTls13), kOk);
    TlsVersionRange r = secure_protocol_range(kSsl3 | kTls1 | kTls11 | kTls12);
    EXPECT_EQ(r.min_version, TLS1_2_VERSION);
    EXPECT_EQ(r.max_version, TLS1_2_VERSION);
}

TEST(SecureProtocols, MasksWithoutASupportedProtocolAreRefused) {
    EXPECT_EQ(check_secure_protocols(0), kInvalid);
    EXPECT_EQ(check_secure_protocols(kSsl2), kInvalid);
    EXPECT_EQ(check_secure_protocols(kSsl3), kInvalid);
    EXPECT_EQ(check_secure_protocols(kTls1), kInvalid);
    EXPECT_EQ(check_secure_protocols(kTls11), kInvalid);
    EXPECT_EQ(check_secure_protocols(WINHTTP_FLAG_SECURE_PROTOCOL_ALL), kInvalid);
    EXPECT_EQ(check_secure_protocols(kTls1 | kTls11), kInvalid);
}

TEST(SecureProtocols, UndefinedBitsAreRefused) {
    EXPECT_EQ(check_secure_protocols(kTls12 | 0x1), kInvalid);
    EXPECT_EQ(check_secure_protocols(kTls12 | 0x4000), kInvalid);
    EXPECT_EQ(check_secure_protocols(0xFFFFFFFFu), kInvalid);
}

TEST(SecureProtocols, RangeCoversTheSupportedBits) {
    TlsVersionRange both = secure_protocol_range(kTls12 | kTls13);
    EXPECT_EQ(both.min_version, TLS1_2_VERSION);
    EXPECT_EQ(both.max_version, TLS1_3_VERSION);
    TlsVersionRange only12 = secure_protocol_range(kTls12);
    EXPECT_EQ(only12.min_version, TLS1_2_VERSION);
    EXPECT_EQ(only12.max_version, TLS1_2_VERSION);
    TlsVersionRange only13 = secure_protocol_range(kTls13);
    EXPECT_EQ(only13.min_version, TLS1_3_VERSION);
    EXPECT_EQ(only13.max_version, TLS1_3_VERSION);
}

TEST(SecureProtocols, FlagForNegotiatedVersion) {
    EXPECT_EQ(secure_protocol_flag(TLS1_2_VERSION), kTls12);
    EXPECT_EQ(secure_protocol_flag(TLS1_3_VERSION), kTls13);
    EXPECT_EQ(secure_protocol_flag(TLS1_VERSION), kTls1);
    EXPECT_EQ(secure_protocol_flag(0), 0u);
}

TEST(TlsContextCreate, RefusesABadMaskWithInvalidParameter) {
    std::shared_ptr<TlsContext> ctx;
    TlsConfig config;
    config.protocols = kTls1;
    EXPECT_EQ(TlsContext::create(config, ctx), kInvalid);
    EXPECT_EQ(ctx, nullptr);
    config.protocols = kTls12;
    EXPECT_EQ(TlsContext::create(config, ctx), kOk);
    ASSERT_NE(ctx, nullptr);
    EXPECT_EQ(ctx->protocols(), kTls12);
}

TEST(TlsContextCreate, MissingCaFileIsFileNotFound) {
    std::shared_ptr<TlsContext> ctx;
    TlsConfig config;
    config.ca_file = "/nonexistent/ca.pem";
    EXPECT_EQ(TlsContext::create(config, ctx), static_cast<DWORD>(ERROR_FILE_NOT_FOUND));
}

TEST(UnixTimeToFiletime, MatchesWindowsEpoch) {
    FILETIME epoch = unix_time_to_filetime(0);
    uint64_t ticks = (static_cast<uint64_t>(epoch.dwHighDateTime) << 32) | epoch.dwLowDateTime;
    EXPECT_EQ(ticks, 116444736000000000ull);
    FILETIME before = unix_time_to_filetime(-11644473600 - 10);
    EXPECT_EQ(before.dwLowDateTime, 0u);
    EXPECT_EQ(before.dwHighDateTime, 0u);
}

}  // namespace
}  // namespace winhttp::net
