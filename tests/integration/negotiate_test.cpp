// auth::NegotiateMechanism against a real MIT KDC (support/kdc.h) and a GSSAPI acceptor in
// this process that reads the realm's service keytab: the same library calls a web server's
// mod_auth_gssapi makes, without HTTP in between (the engine's flow is tested elsewhere).
#include "auth/negotiate.h"
#include "support/kdc.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <winhttp.h>

#include <random>
#include <thread>
#include <vector>
#include <string>

namespace {

using winhttp::test::KerberosRealm;

std::string b64(const std::string& raw) {
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(raw.data()),
                                  static_cast<int>(raw.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

std::string unb64(const std::string& text) {
    std::string out(3 * text.size() / 4 + 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) return {};
    size_t len = static_cast<size_t>(n);
    for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;
    out.resize(len);
    return out;
}

// The token of a "Negotiate <base64>" header value.
std::string token_of(const std::string& header_value) {
    const std::string prefix = "Negotiate ";
    if (header_value.rfind(prefix, 0) != 0) return {};
    return unb64(header_value.substr(prefix.size()));
}

auth::Challenge negotiate(const std::string& raw_token = {}) {
    auth::Challenge c;
    c.scheme = "negotiate";
    if (!raw_token.empty()) c.token68 = b64(raw_token);
    return c;
}

auth::Credentials password(const std::string& user, const std::string& pass) {
    auth::Credentials c;
    c.user = user;
    c.password = pass;
    return c;
}

auth::Credentials default_credentials() {
    auth::Credentials c;
    c.use_default = true;
    return c;
}

auth::RequestFacts facts(const char* host = "localhost", uint16_t port = 80) {
    auth::RequestFacts f;
    f.method = "GET";
    f.uri = "/";
    f.host = host;
    f.port = port;
    return f;
}

// The server side: gss_accept_sec_context over the keytab in KRB5_KTNAME, as a web server
// does. `principal` set: only that service key is accepted.
class Acceptor {
  public:
    explicit Acceptor(const std::string& principal = {}) {
        if (principal.empty()) return;
        gss_buffer_desc buf{principal.size(), const_cast<char*>(principal.data())};
        gss_name_t name = nullptr;
        OM_uint32 minor = 0;
        EXPECT_EQ(gss_import_name(&minor, &buf, GSS_KRB5_NT_PRINCIPAL_NAME, &name), 0u);
        EXPECT_EQ(
            gss_acquire_cred(&minor, name, 0, nullptr, GSS_C_ACCEPT, &cred_, nullptr, nullptr), 0u);
        gss_release_name(&minor, &name);
    }
    ~Acceptor() {
        OM_uint32 minor = 0;
        if (ctx_) gss_delete_sec_context(&minor, &ctx_, nullptr);
        if (cred_) gss_release_cred(&minor, &cred_);
    }
    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;

    // Channel-binding application data the server expects (empty: none).
    void expect_bindings(std::string data) { bindings_ = std::move(data); }

    // One round; the major status. output() holds the token to send back.
    OM_uint32 accept(const std::string& token) {
        gss_buffer_desc in{token.size(), const_cast<char*>(token.data())};
        gss_buffer_desc out{0, nullptr};
        gss_channel_bindings_struct cb{};
        cb.application_data = {bindings_.size(), bindings_.data()};
        gss_name_t src = nullptr;
        OM_uint32 minor = 0;
        const OM_uint32 major =
            gss_accept_sec_context(&minor, &ctx_, cred_, &in, bindings_.empty() ? nullptr : &cb,
                                   &src, nullptr, &out, nullptr, nullptr, nullptr);
        output_.assign(static_cast<const char*>(out.value), out.length);
        gss_release_buffer(&minor, &out);
        if (src) {
            gss_buffer_desc name{0, nullptr};
            gss_display_name(&minor, src, &name, nullptr);
            client_.assign(static_cast<const char*>(name.value), name.length);
            gss_release_buffer(&minor, &name);
            gss_release_name(&minor, &src);
        }
        return major;
    }
    const std::string& output() const { return output_; }
    const std::string& client() const { return client_; }

  private:
    gss_cred_id_t cred_ = nullptr;
    gss_ctx_id_t ctx_ = nullptr;
    std::string bindings_;
    std::string output_;
    std::string client_;
};

class NegotiateTest : public ::testing::Test {
  protected:
    void SetUp() override { realm_ = &KerberosRealm::shared(); }

    // Round 1 of `mech` into `server`; the server's final token, or "" when it refused.
    std::string first_round(auth::Mechanism& mech, Acceptor& server,
                            const auth::RequestFacts& f = facts()) {
        std::string header;
        EXPECT_EQ(mech.next(negotiate(), f, header), 0u);
        const std::string token = token_of(header);
        EXPECT_FALSE(token.empty()) << header;
        if (server.accept(token) != GSS_S_COMPLETE) return {};
        return server.output();
    }

    KerberosRealm* realm_ = nullptr;
    const std::string alice_ = std::string(KerberosRealm::kUser) + "@" + KerberosRealm::kRealm;
};

TEST_F(NegotiateTest, ExplicitPasswordCompletesAMutualHandshake) {
    auto mech =
        auth::make_negotiate(password(KerberosRealm::kUser, KerberosRealm::kPassword), false);
    EXPECT_TRUE(mech->connection_based());
    Acceptor server;
    const std::string final_token = first_round(*mech, server);
    ASSERT_FALSE(final_token.empty());
    EXPECT_EQ(server.client(), alice_);
    auth::Challenge final_challenge = negotiate(final_token);
    EXPECT_EQ(mech->finish(&final_challenge), 0u);
    EXPECT_EQ(static_cast<auth::NegotiateMechanism&>(*mech).spn_used(), "HTTP/localhost");
}

TEST_F(NegotiateTest, UserAtRealmAndDomainBackslashUserNameTheSamePrincipal) {
    for (const std::string user : {alice_, std::string("openwinhttp.test\\alice")}) {
        auto mech = auth::make_negotiate(password(user, KerberosRealm::kPassword), false);
        Acceptor server;
        const std::string final_token = first_round(*mech, server);
        ASSERT_FALSE(final_token.empty()) << user;
        EXPECT_EQ(server.client(), alice_);
        auth::Challenge final_challenge = negotiate(final_token);
        EXPECT_EQ(mech->finish(&final_challenge), 0u) << user;
    }
}

TEST_F(NegotiateTest, WrongPasswordIsLoginFailureAndNoHeader) {
    const std::string wrong = "not-alices-password";
    auth::NegotiateMechanism mech(password(KerberosRealm::kUser, wrong), false);
    std::string header = "stale";
    EXPECT_EQ(mech.next(negotiate(), facts(), header), ERROR_WINHTTP_LOGIN_FAILURE);
    EXPECT_TRUE(header.empty());
    EXPECT_FALSE(mech.last_failure().empty());
    EXPECT_EQ(mech.last_failure().find(wrong), std::string::npos) << mech.last_failure();
    // MIT's words for KRB5KDC_ERR_PREAUTH_FAILED: the KDC refused the password.
    EXPECT_NE(mech.last_failure().find("Preauthentication failed"), std::string::npos)
        << mech.last_failure();
    // Over: a second challenge does not start another login.
    EXPECT_EQ(mech.next(negotiate(), facts(), header), ERROR_WINHTTP_LOGIN_FAILURE);
    EXPECT_EQ(mech.finish(nullptr), ERROR_WINHTTP_LOGIN_FAILURE);
}

TEST_F(NegotiateTest, UnknownPrincipalIsLoginFailure) {
    auth::NegotiateMechanism mech(password("mallory", "whatever"), false);
    std::string header;
    EXPECT_EQ(mech.next(negotiate(), facts(), header), ERROR_WINHTTP_LOGIN_FAILURE);
    EXPECT_TRUE(header.empty());
    EXPECT_NE(mech.last_failure().find("not found in Kerberos database"), std::string::npos)
        << mech.last_failure();
}

// Kerberos not possible (no KDC answers for the realm): Windows' Negotiate uses NTLM, its
// messages sent as they are under the Negotiate name ("Negotiate TlRMTVNTUAAB...": the NTLM
// NEGOTIATE_MESSAGE). docs/design/auth.md "Negotiate and NTLM".
TEST_F(NegotiateTest, UnreachableKdcFallsBackToNtlm) {
    const std::string user = std::string("bob@") + KerberosRealm::kUnreachableRealm;
    auth::NegotiateMechanism mech(password(user, "whatever"), false);
    std::string header;
    EXPECT_EQ(mech.next(negotiate(), facts(), header), 0u);
    EXPECT_EQ(header.rfind("Negotiate TlRMTVNTUAAB", 0), 0u) << header;
    EXPECT_TRUE(mech.uses_ntlm());
    // MIT's words for KRB5_KDC_UNREACH: the reason Kerberos was not used.
    EXPECT_NE(mech.last_failure().find("Cannot contact any KDC"), std::string::npos)
        << mech.last_failure();
    EXPECT_EQ(mech.spn_used(), "HTTP/localhost");
    // NTLM has no mutual authentication: a 2xx without a token ends it well.
    EXPECT_EQ(mech.finish(nullptr), 0u);
}

// The KDC knows alice but has no HTTP/nosuchhost: Kerberos is not possible for that server,
// NTLM is used (the reason kept for traces).
TEST_F(NegotiateTest, UnknownServicePrincipalFallsBackToNtlm) {
    auth::NegotiateMechanism mech(password(KerberosRealm::kUser, KerberosRealm::kPassword), false);
    std::string header;
    EXPECT_EQ(mech.next(negotiate(), facts("nosuchhost"), header), 0u) << mech.last_failure();
    EXPECT_EQ(header.rfind("Negotiate TlRMTVNTUAAB", 0), 0u) << header << mech.last_failure();
    EXPECT_TRUE(mech.uses_ntlm());
    EXPECT_EQ(mech.spn_used(), "HTTP/nosuchhost");
}

// A realm without any KDC configured (no DNS lookups in the fixture): NTLM too; a wrong
// password or an unknown user (the KDC answered) does not fall back (tests above).
TEST_F(NegotiateTest, RealmWithoutKdcFallsBackToNtlm) {
    auth::NegotiateMechanism mech(password("NOSUCHDOMAIN\\bob", "whatever"), false);
    std::string header;
    EXPECT_EQ(mech.next(negotiate(), facts(), header), 0u) << mech.last_failure();
    EXPECT_EQ(header.rfind("Negotiate TlRMTVNTUAAB", 0), 0u) << header;
    EXPECT_TRUE(mech.uses_ntlm());
}

TEST_F(NegotiateTest, DefaultCredentialsComeFromTheTicketCache) {
    ASSERT_TRUE(realm_->kinit()) << realm_->log();
    auto mech = auth::make_negotiate(default_credentials(), false);
    Acceptor server;
    const std::string final_token = first_round(*mech, server);
    ASSERT_FALSE(final_token.empty());
    EXPECT_EQ(server.client(), alice_);
    auth::Challenge final_challenge = negotiate(final_token);
    EXPECT_EQ(mech->finish(&final_challenge), 0u);
}

TEST_F(NegotiateTest, NoTicketCacheIsLoginFailure) {
    realm_->kdestroy();
    auto mech = auth::make_negotiate(default_credentials(), false);
    std::string header;
    EXPECT_EQ(mech->next(negotiate(), facts(), header), ERROR_WINHTTP_LOGIN_FAILURE);
    EXPECT_TRUE(header.empty());
    const std::string& why = static_cast<auth::NegotiateMechanism&>(*mech).last_failure();
    EXPECT_NE(why.find("No Kerberos credentials available"), std::string::npos) << why;
}

TEST_F(NegotiateTest, TwoHundredWithoutTheFinalTokenFailsMutualAuthentication) {
    for (bool bare_challenge : {false, true}) {
        auto mech =
            auth::make_negotiate(password(KerberosRealm::kUser, KerberosRealm::kPassword), false);
        Acceptor server;
        ASSERT_FALSE(first_round(*mech, server).empty());
        auth::Challenge bare = negotiate();
        EXPECT_EQ(mech->finish(bare_challenge ? &bare : nullptr), ERROR_WINHTTP_LOGIN_FAILURE);
    }
}

TEST_F(NegotiateTest, ForgedFinalTokensAreRejected) {
    // A genuine final token of another conversation (a replay from another session).
    std::string other_session;
    {
        auto other =
            auth::make_negotiate(password(KerberosRealm::kUser, KerberosRealm::kPassword), false);
        Acceptor server;
        other_session = first_round(*other, server);
        ASSERT_FALSE(other_session.empty());
    }
    std::vector<std::string> forgeries = {other_session, std::string(40, '\0'),
                                          std::string("\x60\x03\x06\x01\x00", 5)};
    std::string genuine;
    {
        auto probe =
            auth::make_negotiate(password(KerberosRealm::kUser, KerberosRealm::kPassword), false);
        Acceptor server;
        genuine = first_round(*probe, server);
        ASSERT_FALSE(genuine.empty());
    }
    for (const auto& forged : forgeries) {
        auto mech =
            auth::make_negotiate(password(KerberosRealm::kUser, KerberosRealm::kPassword), false);
        Acceptor server;
        ASSERT_FALSE(first_round(*mech, server).empty());
        auth::Challenge c = negotiate(forged);
        EXPECT_EQ(mech->finish(&c), ERROR_WINHTTP_LOGIN_FAILURE) << forged.size();
    }
    // The real final token with one bit flipped in its last bytes (the AP-REP's ciphertext).
    for (size_t back = 1; back <= 12 && back < genuine.size(); ++back) {
        auto mech =
            auth::make_negotiate(password(KerberosRealm::kUser, KerberosRealm::kPassword), false);
        Acceptor server;
        std::string token = first_round(*mech, server);
        ASSERT_FALSE(token.empty());
        token[token.size() - back] = static_cast<char>(token[token.size() - back] ^ 0x01);
        auth::Challenge c = negotiate(token);
        EXPECT_EQ(mech->finish(&c), ERROR_WINHTTP_LOGIN_FAILURE) << back;
    }
}

TEST_F(NegotiateTest, ServerThatRefusesTheTicketEndsTheConversation) {
    auth::NegotiateMechanism mech(password(KerberosRealm::kUser, KerberosRealm::kPassword), false);
    std::string header;
    ASSERT_EQ(mech.next(negotiate(), facts(), header), 0u);
    // A 401 with a bare "Negotiate" again: no second attempt (no loop).
    EXPECT_EQ(mech.next(negotiate(), facts(), header), ERROR_WINHTTP_LOGIN_FAILURE);
    EXPECT_TRUE(header.empty());
}

TEST_F(NegotiateTest, SpnCarriesThePortOnlyWhenAsked) {
    ASSERT_TRUE(realm_->add_service("HTTP/localhost:8443")) << realm_->log();
    const std::string with_port = std::string("HTTP/localhost:8443@") + KerberosRealm::kRealm;
    const std::string without_port = std::string("HTTP/localhost@") + KerberosRealm::kRealm;
    {
        auth::NegotiateMechanism mech(password(KerberosRealm::kUser, KerberosRealm::kPassword),
                                      true);
        Acceptor server(with_port);
        EXPECT_FALSE(first_round(mech, server, facts("localhost", 8443)).empty());
        EXPECT_EQ(mech.spn_used(), "HTTP/localhost:8443");
    }
    {
        auth::NegotiateMechanism mech(password(KerberosRealm::kUser, KerberosRealm::kPassword),
                                      true);
        Acceptor wrong_key(without_port);
        EXPECT_TRUE(first_round(mech, wrong_key, facts("localhost", 8443)).empty());
    }
    {
        auth::NegotiateMechanism mech(password(KerberosRealm::kUser, KerberosRealm::kPassword),
                                      false);
        Acceptor server(without_port);
        EXPECT_FALSE(first_round(mech, server, facts("localhost", 8443)).empty());
        EXPECT_EQ(mech.spn_used(), "HTTP/localhost");
    }
}

TEST_F(NegotiateTest, TlsServerEndPointIsSentAsChannelBindings) {
    const std::string hash(32, '\x5a');
    auto with_cbt = facts("localhost", 443);
    with_cbt.tls_server_end_point = hash;
    {
        auth::NegotiateMechanism mech(password(KerberosRealm::kUser, KerberosRealm::kPassword),
                                      false);
        Acceptor server;
        server.expect_bindings("tls-server-end-point:" + hash);
        const std::string final_token = first_round(mech, server, with_cbt);
        ASSERT_FALSE(final_token.empty());
        auth::Challenge c = negotiate(final_token);
        EXPECT_EQ(mech.finish(&c), 0u);
    }
    {
        auth::NegotiateMechanism mech(password(KerberosRealm::kUser, KerberosRealm::kPassword),
                                      false);
        Acceptor server;
        server.expect_bindings("tls-server-end-point:" + std::string(32, '\x5b'));
        EXPECT_TRUE(first_round(mech, server, with_cbt).empty());  // GSS_S_BAD_BINDINGS
    }
    {
        // An acceptor that checks no bindings (mod_auth_gssapi 1.6) still accepts ours.
        auth::NegotiateMechanism mech(password(KerberosRealm::kUser, KerberosRealm::kPassword),
                                      false);
        Acceptor server;
        const std::string final_token = first_round(mech, server, with_cbt);
        ASSERT_FALSE(final_token.empty());
        auth::Challenge c = negotiate(final_token);
        EXPECT_EQ(mech.finish(&c), 0u);
    }
}

TEST_F(NegotiateTest, IpLiteralHostNamesTheHttpPrincipalOfTheAddress) {
    auth::NegotiateMechanism mech(password(KerberosRealm::kUser, KerberosRealm::kPassword), false);
    Acceptor server(std::string("HTTP/127.0.0.1@") + KerberosRealm::kRealm);
    EXPECT_FALSE(first_round(mech, server, facts("127.0.0.1", 80)).empty());
    EXPECT_EQ(mech.spn_used(), "HTTP/127.0.0.1");
}

// Requests on several threads each run their own conversation, as the engine's workers will:
// explicit and default credentials at once (MIT GSSAPI and the shared ticket cache).
TEST_F(NegotiateTest, ConversationsOnSeveralThreadsAtOnce) {
    ASSERT_TRUE(realm_->kinit()) << realm_->log();
    constexpr int kThreads = 4;
    constexpr int kRounds = 5;
    std::vector<int> completed(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &completed] {
            for (int i = 0; i < kRounds; ++i) {
                auto mech = auth::make_negotiate(
                    t % 2 ? default_credentials()
                          : password(KerberosRealm::kUser, KerberosRealm::kPassword),
                    false);
                std::string header;
                if (mech->next(negotiate(), facts(), header) != 0) continue;
                Acceptor server;
                if (server.accept(token_of(header)) != GSS_S_COMPLETE) continue;
                auth::Challenge c = negotiate(server.output());
                if (mech->finish(&c) == 0) ++completed[static_cast<size_t>(t)];
            }
        });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(completed[static_cast<size_t>(t)], kRounds) << t;
}

// Garbage from the server must end the conversation with an error, never crash or succeed:
// random bytes, random text, and real server tokens with bytes changed, fed to next() (a 401
// carrying a token) and finish() (a 2xx carrying one). Seeded, so a failure repeats.
TEST_F(NegotiateTest, GarbageServerTokensNeverCrashOrSucceed) {
    ASSERT_TRUE(realm_->kinit()) << realm_->log();
    std::string genuine;
    {
        auto probe = auth::make_negotiate(default_credentials(), false);
        Acceptor server;
        genuine = first_round(*probe, server);
        ASSERT_FALSE(genuine.empty());
    }
    std::mt19937 rng(20261202);
    auto byte = [&rng] { return static_cast<char>(rng() & 0xff); };
    for (int i = 0; i < 300; ++i) {
        auth::Challenge c;
        c.scheme = "negotiate";
        switch (i % 3) {
            case 0: {  // random bytes, valid base64
                std::string raw(rng() % 200 + 1, '\0');
                for (char& ch : raw) ch = byte();
                c.token68 = b64(raw);
                break;
            }
            case 1: {  // random printable text, mostly not base64
                c.token68.resize(rng() % 64 + 1);
                for (char& ch : c.token68) ch = static_cast<char>(' ' + rng() % 95);
                break;
            }
            default: {  // the real token, a few bytes changed, possibly cut short
                std::string raw = genuine;
                for (int k = 0; k < 3; ++k) raw[rng() % raw.size()] = byte();
                raw.resize(rng() % raw.size() + 1);
                c.token68 = b64(raw);
                break;
            }
        }
        auto mech = auth::make_negotiate(default_credentials(), false);
        std::string header;
        ASSERT_EQ(mech->next(negotiate(), facts(), header), 0u);
        if (i % 2 == 0) {
            const uint32_t r = mech->next(c, facts(), header);
            EXPECT_TRUE(r == ERROR_WINHTTP_INTERNAL_ERROR || r == ERROR_WINHTTP_LOGIN_FAILURE)
                << i << " " << r;
            EXPECT_TRUE(header.empty()) << i;
        } else {
            EXPECT_EQ(mech->finish(&c), ERROR_WINHTTP_LOGIN_FAILURE) << i;
        }
    }
}

}  // namespace
