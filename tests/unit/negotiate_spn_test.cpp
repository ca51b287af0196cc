// The parts of the Negotiate codec that need no KDC (the handshakes:
// integration/negotiate_test.cpp).
#include "auth/negotiate.h"

#include <gtest/gtest.h>

namespace {

TEST(NegotiateSpn, IsHttpSlashHostAndThePortOnlyWhenAsked) {
    EXPECT_EQ(auth::negotiate_spn("www.example.test", 8080, false), "HTTP/www.example.test");
    EXPECT_EQ(auth::negotiate_spn("www.example.test", 8080, true), "HTTP/www.example.test:8080");
    EXPECT_EQ(auth::negotiate_spn("127.0.0.1", 443, true), "HTTP/127.0.0.1:443");
}

TEST(NegotiateMechanism, IsConnectionBasedAndFinishWithoutAHandshakeChecksNothing) {
    auth::Credentials none;
    none.use_default = true;
    auto mech = auth::make_negotiate(none, false);
    EXPECT_TRUE(mech->connection_based());
    // A 2xx before any Negotiate round (the server never asked): nothing to verify.
    EXPECT_EQ(mech->finish(nullptr), 0u);
    EXPECT_TRUE(static_cast<auth::NegotiateMechanism&>(*mech).spn_used().empty());
}

}  // namespace
