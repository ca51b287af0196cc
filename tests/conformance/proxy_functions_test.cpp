// The proxy configuration functions and WINHTTP_OPTION_PROXY's argument checks.
// Note: WinHttpSetDefaultProxyConfiguration changes process-wide state; the tests that call it
// leave the default at NO_PROXY, which only DEFAULT_PROXY sessions of this binary would see.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace {

constexpr DWORD kSentinel = 0xDEADBEEF;

class EnvGuard {
public:
    EnvGuard(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
    ~EnvGuard() { ::unsetenv(name_); }

private:
    const char* name_;
};

std::wstring take(LPWSTR s) {
    std::wstring out = s ? s : L"<null>";
    GlobalFree(s);
    return out;
}

TEST(WinHttpGetIEProxyConfigForCurrentUser, NullIsInvalidParameter) {
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpGetIEProxyConfigForCurrentUser(nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(WinHttpGetIEProxyConfigForCurrentUser, ReflectsTheEnvironment) {
    EnvGuard a("http_proxy", "http://p1.example:3128");
    EnvGuard b("HTTPS_PROXY", "p2.example:8443");
    EnvGuard c("no_proxy", "localhost, .corp.example");
    EnvGuard d("auto_proxy", "http://pac.example/proxy.pac");
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG cfg{};
    ASSERT_TRUE(WinHttpGetIEProxyConfigForCurrentUser(&cfg)) << GetLastError();
    EXPECT_FALSE(cfg.fAutoDetect);
    EXPECT_EQ(take(cfg.lpszProxy), L"http=p1.example:3128;https=p2.example:8443");
    EXPECT_EQ(take(cfg.lpszProxyBypass), L"localhost;.corp.example");
    EXPECT_EQ(take(cfg.lpszAutoConfigUrl), L"http://pac.example/proxy.pac");
}

TEST(WinHttpGetIEProxyConfigForCurrentUser, WpadMeansAutoDetect) {
    EnvGuard d("auto_proxy", "wpad");
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG cfg{};
    ASSERT_TRUE(WinHttpGetIEProxyConfigForCurrentUser(&cfg));
    EXPECT_TRUE(cfg.fAutoDetect);
    EXPECT_EQ(cfg.lpszAutoConfigUrl, nullptr);
    EXPECT_EQ(cfg.lpszProxy, nullptr);
    EXPECT_EQ(cfg.lpszProxyBypass, nullptr);
}

// Wine winhttp.c (verified on Windows): only NO_PROXY and NAMED_PROXY may be set, and a named
// configuration needs a proxy.
TEST(WinHttpSetDefaultProxyConfiguration, ArgumentChecks) {
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetDefaultProxyConfiguration(nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_PROXY_INFO info{WINHTTP_ACCESS_TYPE_NAMED_PROXY, nullptr, nullptr};
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetDefaultProxyConfiguration(&info));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    info.dwAccessType = WINHTTP_ACCESS_TYPE_DEFAULT_PROXY;
    EXPECT_FALSE(WinHttpSetDefaultProxyConfiguration(&info));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    info.dwAccessType = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
    info.lpszProxy = const_cast<LPWSTR>(L"bad:port");
    EXPECT_FALSE(WinHttpSetDefaultProxyConfiguration(&info));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(WinHttpSetDefaultProxyConfiguration, RoundTripsAndReachesNewDefaultSessions) {
    WINHTTP_PROXY_INFO set{WINHTTP_ACCESS_TYPE_NAMED_PROXY, const_cast<LPWSTR>(L"http=a:1;https=b:2"),
                           const_cast<LPWSTR>(L"<local>")};
    ASSERT_TRUE(WinHttpSetDefaultProxyConfiguration(&set)) << GetLastError();
    WINHTTP_PROXY_INFO got{};
    ASSERT_TRUE(WinHttpGetDefaultProxyConfiguration(&got));
    EXPECT_EQ(got.dwAccessType, static_cast<DWORD>(WINHTTP_ACCESS_TYPE_NAMED_PROXY));
    EXPECT_EQ(take(got.lpszProxy), L"http=a:1;https=b:2");
    EXPECT_EQ(take(got.lpszProxyBypass), L"<local>");

    HINTERNET s = WinHttpOpen(L"t", WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, nullptr, nullptr, 0);
    ASSERT_TRUE(s);
    WINHTTP_PROXY_INFO q{};
    DWORD len = sizeof q;
    ASSERT_TRUE(WinHttpQueryOption(s, WINHTTP_OPTION_PROXY, &q, &len));
    EXPECT_EQ(q.dwAccessType, static_cast<DWORD>(WINHTTP_ACCESS_TYPE_NAMED_PROXY));
    EXPECT_EQ(take(q.lpszProxy), L"http=a:1;https=b:2");
    GlobalFree(q.lpszProxyBypass);
    WinHttpCloseHandle(s);

    WINHTTP_PROXY_INFO none{WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr};
    ASSERT_TRUE(WinHttpSetDefaultProxyConfiguration(&none));
    ASSERT_TRUE(WinHttpGetDefaultProxyConfiguration(&got));
    EXPECT_EQ(got.dwAccessType, static_cast<DWORD>(WINHTTP_ACCESS_TYPE_NO_PROXY));
    EXPECT_EQ(got.lpszProxy, nullptr);
    EXPECT_EQ(got.lpszProxyBypass, nullptr);
}

TEST(WinHttpGetDefaultProxyConfiguration, NullIsInvalidParameter) {
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpGetDefaultProxyConfiguration(nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(WinHttpIsHostInProxyBypassList, MatchesTheBypassList) {
    WINHTTP_PROXY_INFO info{WINHTTP_ACCESS_TYPE_NAMED_PROXY, const_cast<LPWSTR>(L"p:1"),
                            const_cast<LPWSTR>(L"<local>;*.corp.example;10.1.2.3")};
    BOOL in = FALSE;
    EXPECT_EQ(WinHttpIsHostInProxyBypassList(&info, L"intranet", INTERNET_SCHEME_HTTP, 0, &in), 0u);
    EXPECT_TRUE(in);
    EXPECT_EQ(WinHttpIsHostInProxyBypassList(&info, L"a.corp.example", INTERNET_SCHEME_HTTPS, 443, &in), 0u);
    EXPECT_TRUE(in);
    EXPECT_EQ(WinHttpIsHostInProxyBypassList(&info, L"10.1.2.3", INTERNET_SCHEME_HTTP, 80, &in), 0u);
    EXPECT_TRUE(in);
    EXPECT_EQ(WinHttpIsHostInProxyBypassList(&info, L"www.example.com", INTERNET_SCHEME_HTTP, 80, &in), 0u);
    EXPECT_FALSE(in);
}

TEST(WinHttpIsHostInProxyBypassList, BadArguments) {
    WINHTTP_PROXY_INFO info{WINHTTP_ACCESS_TYPE_NAMED_PROXY, const_cast<LPWSTR>(L"p:1"), nullptr};
    BOOL in = TRUE;
    EXPECT_EQ(WinHttpIsHostInProxyBypassList(nullptr, L"h", INTERNET_SCHEME_HTTP, 0, &in),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpIsHostInProxyBypassList(&info, nullptr, INTERNET_SCHEME_HTTP, 0, &in),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpIsHostInProxyBypassList(&info, L"h", INTERNET_SCHEME_HTTP, 0, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpIsHostInProxyBypassList(&info, L"h", 99, 0, &in),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpIsHostInProxyBypassList(&info, L"h", INTERNET_SCHEME_HTTP, 0, &in), 0u);
    EXPECT_FALSE(in);  // no bypass list
}

// The registry-backed family is not available on Linux: clean, documented failures.
TEST(RegistryProxySettings, FailCleanly) {
    HINTERNET s = WinHttpOpen(L"t", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, 0);
    ASSERT_TRUE(s);
    WINHTTP_PROXY_SETTINGS settings{};
    settings.dwStructSize = sizeof settings;
    DWORD version = 0;
    BOOL defaults = FALSE;
    EXPECT_EQ(WinHttpReadProxySettings(nullptr, nullptr, FALSE, FALSE, &version, &defaults, &settings),
              static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_EQ(WinHttpReadProxySettings(s, nullptr, FALSE, FALSE, &version, &defaults, &settings),
              static_cast<DWORD>(ERROR_CALL_NOT_IMPLEMENTED));
    EXPECT_EQ(WinHttpWriteProxySettings(s, FALSE, &settings), static_cast<DWORD>(ERROR_CALL_NOT_IMPLEMENTED));
    EXPECT_EQ(WinHttpGetProxySettingsVersion(s, &version), static_cast<DWORD>(ERROR_CALL_NOT_IMPLEMENTED));
    EXPECT_EQ(WinHttpGetProxySettingsVersion(s, nullptr), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpSetProxySettingsPerUser(TRUE), static_cast<DWORD>(ERROR_CALL_NOT_IMPLEMENTED));
    WINHTTP_PROXY_CHANGE_REGISTRATION_HANDLE reg = nullptr;
    EXPECT_EQ(WinHttpRegisterProxyChangeNotification(WINHTTP_PROXY_NOTIFY_CHANGE, nullptr, nullptr, &reg),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WinHttpUnregisterProxyChangeNotification(nullptr), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WinHttpCloseHandle(s);
}

TEST(RegistryProxySettings, FreeReleasesMembers) {
    WINHTTP_PROXY_SETTINGS settings{};
    settings.dwStructSize = sizeof settings;
    settings.pwszProxy = static_cast<PWSTR>(std::malloc(4 * sizeof(WCHAR)));
    settings.pwszProxyBypass = static_cast<PWSTR>(std::malloc(4 * sizeof(WCHAR)));
    WinHttpFreeProxySettings(&settings);
    EXPECT_EQ(settings.pwszProxy, nullptr);
    EXPECT_EQ(settings.pwszProxyBypass, nullptr);
    EXPECT_EQ(settings.dwStructSize, sizeof settings);
    WinHttpFreeProxySettings(nullptr);  // no crash

    WINHTTP_PROXY_SETTINGS_EX ex{};
    ex.pcwszProxy = static_cast<PWSTR>(std::malloc(4 * sizeof(WCHAR)));
    ex.cProxyBypasses = 1;
    ex.rgpcwszProxyBypasses = static_cast<PCWSTR*>(std::malloc(sizeof(PCWSTR)));
    ex.rgpcwszProxyBypasses[0] = static_cast<PWSTR>(std::malloc(4 * sizeof(WCHAR)));
    EXPECT_EQ(WinHttpFreeProxySettingsEx(WinHttpProxySettingsTypeWsl, &ex), 0u);
    EXPECT_EQ(ex.pcwszProxy, nullptr);
    EXPECT_EQ(WinHttpFreeProxySettingsEx(WinHttpProxySettingsTypeUnknown, &ex),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

// WinHttpOpen page: NAMED_PROXY needs a proxy list; a malformed list or an unknown access type
// is ERROR_INVALID_PARAMETER.
TEST(WinHttpOpenProxy, MalformedListAndUnknownAccessType) {
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpOpen(L"a", WINHTTP_ACCESS_TYPE_NAMED_PROXY, L"proxy:99999", nullptr, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpOpen(L"a", 2, nullptr, nullptr, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(WinHttpOptionProxy, SetChecksAndQueryReturnsGlobalFreeStrings) {
    HINTERNET s = WinHttpOpen(L"a", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, 0);
    ASSERT_TRUE(s);
    WINHTTP_PROXY_INFO bad{WINHTTP_ACCESS_TYPE_NAMED_PROXY, const_cast<LPWSTR>(L"x:"), nullptr};
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpSetOption(s, WINHTTP_OPTION_PROXY, &bad, sizeof bad));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    bad.dwAccessType = 7;
    EXPECT_FALSE(WinHttpSetOption(s, WINHTTP_OPTION_PROXY, &bad, sizeof bad));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    WINHTTP_PROXY_INFO good{WINHTTP_ACCESS_TYPE_NAMED_PROXY, const_cast<LPWSTR>(L"http://p:8080"),
                            const_cast<LPWSTR>(L"*.local")};
    ASSERT_TRUE(WinHttpSetOption(s, WINHTTP_OPTION_PROXY, &good, sizeof good));
    WINHTTP_PROXY_INFO q{};
    DWORD len = sizeof q;
    ASSERT_TRUE(WinHttpQueryOption(s, WINHTTP_OPTION_PROXY, &q, &len));
    EXPECT_EQ(q.dwAccessType, static_cast<DWORD>(WINHTTP_ACCESS_TYPE_NAMED_PROXY));
    EXPECT_EQ(take(q.lpszProxy), L"http://p:8080");
    EXPECT_EQ(take(q.lpszProxyBypass), L"*.local");
    WINHTTP_PROXY_INFO direct{WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr};
    ASSERT_TRUE(WinHttpSetOption(s, WINHTTP_OPTION_PROXY, &direct, sizeof direct));
    ASSERT_TRUE(WinHttpQueryOption(s, WINHTTP_OPTION_PROXY, &q, &len));
    EXPECT_EQ(q.dwAccessType, static_cast<DWORD>(WINHTTP_ACCESS_TYPE_NO_PROXY));
    EXPECT_EQ(q.lpszProxy, nullptr);
    WinHttpCloseHandle(s);
}

}  // namespace
