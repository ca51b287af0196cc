// Interop: our NTLM client messages accepted by an independent NTLM implementation, the
// gss-ntlmssp GSSAPI mechanism (Debian `gss-ntlmssp`), in process through
// gss_accept_sec_context: type 1 in, its type 2 out, our type 3 in. The acceptor checks the
// NTLMv2 response against its user file (NTLM_USER_FILE), the MIC and channel bindings.
// libgssapi_krb5 is loaded with dlopen so the library and tests do not link GSSAPI for this.
#include "auth/ntlm.h"

#include <gtest/gtest.h>
#include <winhttp.h>

#if __has_include(<gssapi/gssapi.h>)  // libkrb5-dev (Makefile DEPS)
#include <dlfcn.h>
#include <unistd.h>
#include <gssapi/gssapi.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define NTLM_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NTLM_TEST_LSAN 1
#endif
#endif
#ifdef NTLM_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#endif

namespace {

using Bytes = std::vector<uint8_t>;

// gss-ntlmssp 1.2.0 leaks an EVP_MD per accepted context (fetched in gssntlmssp.so, never
// freed): not our memory, so LeakSanitizer ignores what is allocated inside its calls only.
struct ForeignAllocations {
#ifdef NTLM_TEST_LSAN
    ForeignAllocations() { __lsan_disable(); }
    ~ForeignAllocations() { __lsan_enable(); }
#else
    ForeignAllocations() = default;
#endif
    ForeignAllocations(const ForeignAllocations&) = delete;
    ForeignAllocations& operator=(const ForeignAllocations&) = delete;
};

struct Gss {
    void* lib = nullptr;
    decltype(&gss_accept_sec_context) accept = nullptr;
    decltype(&gss_delete_sec_context) delete_ctx = nullptr;
    decltype(&gss_release_buffer) release_buffer = nullptr;
    decltype(&gss_display_name) display_name = nullptr;
    decltype(&gss_release_name) release_name = nullptr;

    Gss() {
        lib = dlopen("libgssapi_krb5.so.2", RTLD_NOW | RTLD_LOCAL);
        if (!lib) return;
        accept = reinterpret_cast<decltype(accept)>(dlsym(lib, "gss_accept_sec_context"));
        delete_ctx = reinterpret_cast<decltype(delete_ctx)>(dlsym(lib, "gss_delete_sec_context"));
        release_buffer =
            reinterpret_cast<decltype(release_buffer)>(dlsym(lib, "gss_release_buffer"));
        display_name = reinterpret_cast<decltype(display_name)>(dlsym(lib, "gss_display_name"));
        release_name = reinterpret_cast<decltype(release_name)>(dlsym(lib, "gss_release_name"));
    }
    bool usable() const {
        return accept && delete_ctx && release_buffer && display_name && release_name;
    }
};

// gss-ntlmssp registers itself with the GSSAPI mechglue here (any architecture).
const char* kMechPlugin = "/etc/gss/mech.d/mech.ntlmssp.conf";

class NtlmGssInterop : public ::testing::Test {
protected:
    void SetUp() override {
        if (!gss_.usable() || !std::ifstream(kMechPlugin))
            GTEST_SKIP() << "libgssapi-krb5-2 and gss-ntlmssp not installed (make deps)";
        dir_ = ::testing::TempDir() + "ntlm_users_" + std::to_string(::getpid());
        std::ofstream(dir_) << "Domain:User:Password\n:User@Domain:Password\n";
        setenv("NTLM_USER_FILE", dir_.c_str(), 1);
    }
    void TearDown() override {
        unsetenv("NTLM_USER_FILE");
        if (!dir_.empty()) std::remove(dir_.c_str());
    }

    struct Result {
        OM_uint32 major = 0;
        std::string client_name;
        bool had_timestamp = false;
    };

    // One full handshake: our mechanism against gss_accept_sec_context.
    Result run(const std::string& user, const std::string& password,
               std::string_view client_end_point, const std::string* acceptor_end_point,
               std::function<void(Bytes&)> tamper = {}) {
        auth::Credentials cred;
        cred.user = user;
        cred.password = password;
        auth::NtlmMechanism mech(cred);
        auth::RequestFacts facts;
        facts.host = "localhost";
        facts.tls_server_end_point = client_end_point;

        std::string app_data;
        gss_channel_bindings_struct cb{};
        if (acceptor_end_point) {
            app_data = "tls-server-end-point:" + *acceptor_end_point;
            cb.application_data.length = app_data.size();
            cb.application_data.value = app_data.data();
        }
        gss_channel_bindings_t bindings = acceptor_end_point ? &cb : GSS_C_NO_CHANNEL_BINDINGS;

        Result r;
        gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
        std::string header;
        auth::Challenge challenge;
        challenge.scheme = "ntlm";
        EXPECT_EQ(mech.next(challenge, facts, header), 0u);
        for (int round = 0; round < 2; ++round) {
            auto token = auth::ntlm::base64_decode(header.substr(5));
            EXPECT_TRUE(token);
            if (!token) break;
            if (round == 1 && tamper) tamper(*token);
            gss_buffer_desc in{token->size(), token->data()};
            gss_buffer_desc out{0, nullptr};
            gss_name_t src = GSS_C_NO_NAME;
            OM_uint32 minor = 0;
            {
                ForeignAllocations foreign;
                r.major = gss_.accept(&minor, &ctx, GSS_C_NO_CREDENTIAL, &in, bindings, &src,
                                      nullptr, &out, nullptr, nullptr, nullptr);
            }
            if (round == 0) {
                EXPECT_EQ(r.major, static_cast<OM_uint32>(GSS_S_CONTINUE_NEEDED)) << minor;
                auto type2 = auth::ntlm::parse_challenge(
                    std::span(static_cast<const uint8_t*>(out.value), out.length));
                EXPECT_TRUE(type2);
                // gss-ntlmssp sends MsvAvTimestamp, so our AUTHENTICATE carries a MIC it checks.
                if (type2) r.had_timestamp = type2->timestamp.has_value();
                challenge.token68 = auth::ntlm::base64_encode(
                    Bytes(static_cast<uint8_t*>(out.value),
                          static_cast<uint8_t*>(out.value) + out.length));
                EXPECT_EQ(mech.next(challenge, facts, header), 0u);
            } else if (r.major == GSS_S_COMPLETE && src != GSS_C_NO_NAME) {
                gss_buffer_desc name{0, nullptr};
                if (gss_.display_name(&minor, src, &name, nullptr) == GSS_S_COMPLETE)
                    r.client_name = std::string(static_cast<char*>(name.value), name.length).c_str();
                gss_.release_buffer(&minor, &name);
            }
            if (src != GSS_C_NO_NAME) gss_.release_name(&minor, &src);
            gss_.release_buffer(&minor, &out);
            if (GSS_ERROR(r.major)) break;
        }
        OM_uint32 minor = 0;
        if (ctx != GSS_C_NO_CONTEXT) gss_.delete_ctx(&minor, &ctx, GSS_C_NO_BUFFER);
        return r;
    }

    Gss gss_;
    std::string dir_;
};

TEST_F(NtlmGssInterop, RightPasswordIsAccepted) {
    Result r = run("Domain\\User", "Password", {}, nullptr);
    EXPECT_EQ(r.major, static_cast<OM_uint32>(GSS_S_COMPLETE));
    EXPECT_EQ(r.client_name, "Domain\\User");
    EXPECT_TRUE(r.had_timestamp);
}

TEST_F(NtlmGssInterop, WrongPasswordIsRejected) {
    Result r = run("Domain\\User", "Passw0rd", {}, nullptr);
    EXPECT_TRUE(GSS_ERROR(r.major));
}

TEST_F(NtlmGssInterop, UserNameIsCaseInsensitive) {
    // NTOWFv2 upper-cases the user name, so "user" authenticates as "User".
    Result r = run("Domain\\user", "Password", {}, nullptr);
    EXPECT_EQ(r.major, static_cast<OM_uint32>(GSS_S_COMPLETE));
}

TEST_F(NtlmGssInterop, TheMicIsChecked) {
    // Our MIC (offset 72, after the Version) covers all three messages: one flipped bit in it
    // fails, so the acceptor verified the one we computed.
    Result r = run("Domain\\User", "Password", {}, nullptr, [](Bytes& type3) { type3[80] ^= 1; });
    EXPECT_TRUE(GSS_ERROR(r.major));
}

TEST_F(NtlmGssInterop, UpnUserName) {
    // A UPN goes whole into UserName with an empty DomainName (NTOWFv2 over "USER@DOMAIN" and
    // ""): the user file's ":User@Domain:Password" line is what the acceptor checks it against.
    Result r = run("User@Domain", "Password", {}, nullptr);
    EXPECT_EQ(r.major, static_cast<OM_uint32>(GSS_S_COMPLETE));
}

TEST_F(NtlmGssInterop, MatchingChannelBindingsAreAccepted) {
    std::string hash(32, '\x42');
    Result r = run("Domain\\User", "Password", hash, &hash);
    EXPECT_EQ(r.major, static_cast<OM_uint32>(GSS_S_COMPLETE));
}

TEST_F(NtlmGssInterop, DifferentChannelBindingsAreRejected) {
    // A TLS-terminating man in the middle presents another certificate: the acceptor's
    // binding differs from the one the client hashed.
    std::string ours(32, '\x42'), theirs(32, '\x43');
    Result r = run("Domain\\User", "Password", ours, &theirs);
    EXPECT_TRUE(GSS_ERROR(r.major));
}

}  // namespace
#endif  // __has_include(<gssapi/gssapi.h>)
