// Proxy configuration functions: the IE (user) settings and the process default, both from
// the Linux settings of src/proxy/, and the bypass-list check. The registry-backed family
// (WinHttpReadProxySettings and the rest) has no Linux counterpart: those check their
// arguments and fail with ERROR_CALL_NOT_IMPLEMENTED (docs/design/proxies.md).
#include <cstdlib>
#include <new>

#include "core/last_error.h"
#include "core/option_buffer.h"
#include "proxy/config.h"
#include "util/wide.h"

namespace {

using namespace winhttp;

// NULL for an empty string, else a copy for GlobalFree.
LPWSTR dup_or_null(const std::wstring& s) { return s.empty() ? nullptr : alloc_wstring(s); }

void free_and_null(PWSTR& p) {
    std::free(p);
    p = nullptr;
}

}  // namespace

extern "C" {

BOOL WinHttpGetIEProxyConfigForCurrentUser(WINHTTP_CURRENT_USER_IE_PROXY_CONFIG* config) {
    if (!config) return fail(ERROR_INVALID_PARAMETER);
    try {
        const proxy::SystemSettings s = proxy::current_system_settings();
        WINHTTP_CURRENT_USER_IE_PROXY_CONFIG out{};
        out.fAutoDetect = s.auto_detect ? TRUE : FALSE;
        out.lpszAutoConfigUrl = dup_or_null(from_utf8(s.pac_url));
        out.lpszProxy = dup_or_null(from_utf8(s.proxy_string()));
        out.lpszProxyBypass = dup_or_null(from_utf8(s.bypass_string()));
        *config = out;
        return succeed();
    } catch (const std::bad_alloc&) {
        return fail(ERROR_NOT_ENOUGH_MEMORY);
    }
}

BOOL WinHttpGetDefaultProxyConfiguration(WINHTTP_PROXY_INFO* info) {
    if (!info) return fail(ERROR_INVALID_PARAMETER);
    try {
        const proxy::ConfigPtr c = proxy::default_config(WINHTTP_ACCESS_TYPE_DEFAULT_PROXY);
        WINHTTP_PROXY_INFO out{};
        if (c->source == proxy::ProxyConfig::Source::Direct) {
            out.dwAccessType = WINHTTP_ACCESS_TYPE_NO_PROXY;
        } else {
            out.dwAccessType = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
            out.lpszProxy = dup_or_null(c->proxy_text);
            out.lpszProxyBypass = dup_or_null(c->bypass_text);
        }
        *info = out;
        return succeed();
    } catch (const std::bad_alloc&) {
        return fail(ERROR_NOT_ENOUGH_MEMORY);
    }
}

// Windows writes the machine setting (netsh winhttp); here it is the process-wide default of
// DEFAULT_PROXY sessions opened afterwards.
BOOL WinHttpSetDefaultProxyConfiguration(WINHTTP_PROXY_INFO* info) {
    if (!info) return fail(ERROR_INVALID_PARAMETER);
    try {
        proxy::ConfigPtr c;
        switch (info->dwAccessType) {
            case WINHTTP_ACCESS_TYPE_NO_PROXY: c = proxy::direct_config(); break;
            case WINHTTP_ACCESS_TYPE_NAMED_PROXY:
                if (DWORD e = proxy::named_config(info->lpszProxy, info->lpszProxyBypass, c))
                    return fail(e);
                break;
            default: return fail(ERROR_INVALID_PARAMETER);
        }
        proxy::set_process_default(std::move(c));
        return succeed();
    } catch (const std::bad_alloc&) {
        return fail(ERROR_NOT_ENOUGH_MEMORY);
    }
}

DWORD WinHttpIsHostInProxyBypassList(const WINHTTP_PROXY_INFO* info, PCWSTR host,
                                     INTERNET_SCHEME scheme, INTERNET_PORT port, BOOL* in_list) {
    if (!info || !host || !*host || !in_list) return ERROR_INVALID_PARAMETER;
    if (scheme != INTERNET_SCHEME_HTTP && scheme != INTERNET_SCHEME_HTTPS) return ERROR_INVALID_PARAMETER;
    try {
        const bool secure = scheme == INTERNET_SCHEME_HTTPS;
        if (port == INTERNET_DEFAULT_PORT) port = secure ? 443 : 80;
        std::wstring h = host;
        if (h.size() > 2 && h.front() == L'[' && h.back() == L']') h = h.substr(1, h.size() - 2);
        const auto list = proxy::BypassList::parse(
            info->lpszProxyBypass ? to_utf8(info->lpszProxyBypass) : std::string());
        *in_list = list.matches(to_utf8(h), port, secure) ? TRUE : FALSE;
        return ERROR_SUCCESS;
    } catch (const std::bad_alloc&) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
}

DWORD WinHttpReadProxySettings(HINTERNET session, PCWSTR, BOOL, BOOL, DWORD* version, BOOL*,
                               WINHTTP_PROXY_SETTINGS* settings) {
    if (!session) return ERROR_INVALID_HANDLE;
    if (!settings || !version) return ERROR_INVALID_PARAMETER;
    return ERROR_CALL_NOT_IMPLEMENTED;
}

DWORD WinHttpWriteProxySettings(HINTERNET session, BOOL, WINHTTP_PROXY_SETTINGS* settings) {
    if (!session) return ERROR_INVALID_HANDLE;
    if (!settings) return ERROR_INVALID_PARAMETER;
    return ERROR_CALL_NOT_IMPLEMENTED;
}

// Frees what a WINHTTP_PROXY_SETTINGS points at (strings and arrays for GlobalFree) and
// clears the structure, as Windows does for the result of WinHttpReadProxySettings.
void WinHttpFreeProxySettings(WINHTTP_PROXY_SETTINGS* s) {
    if (!s) return;
    free_and_null(s->pwszConnectionName);
    free_and_null(s->pwszProxy);
    free_and_null(s->pwszProxyBypass);
    free_and_null(s->pwszAutoconfigUrl);
    free_and_null(s->pwszAutoconfigSecondaryUrl);
    free_and_null(s->pwszLastKnownGoodAutoConfigUrl);
    std::free(s->pdwDetectedInterfaceIp);
    std::free(s->pNetworkKeys);
    const DWORD size = s->dwStructSize;
    *s = WINHTTP_PROXY_SETTINGS{};
    s->dwStructSize = size;
}

DWORD WinHttpGetProxySettingsVersion(HINTERNET session, DWORD* version) {
    if (!session) return ERROR_INVALID_HANDLE;
    if (!version) return ERROR_INVALID_PARAMETER;
    return ERROR_CALL_NOT_IMPLEMENTED;
}

DWORD WinHttpSetProxySettingsPerUser(BOOL) { return ERROR_CALL_NOT_IMPLEMENTED; }

DWORD WinHttpGetProxySettingsEx(HINTERNET resolver, WINHTTP_PROXY_SETTINGS_TYPE, PWINHTTP_PROXY_SETTINGS_PARAM,
                                DWORD_PTR) {
    if (!resolver) return ERROR_INVALID_HANDLE;
    return ERROR_CALL_NOT_IMPLEMENTED;
}

DWORD WinHttpGetProxySettingsResultEx(HINTERNET resolver, PVOID result) {
    if (!resolver) return ERROR_INVALID_HANDLE;
    if (!result) return ERROR_INVALID_PARAMETER;
    return ERROR_CALL_NOT_IMPLEMENTED;
}

// WINHTTP_PROXY_SETTINGS_EX members are strings and an array of strings for GlobalFree.
DWORD WinHttpFreeProxySettingsEx(WINHTTP_PROXY_SETTINGS_TYPE type, PVOID p) {
    if (type != WinHttpProxySettingsTypeWsl && type != WinHttpProxySettingsTypeWsa)
        return ERROR_INVALID_PARAMETER;
    if (!p) return ERROR_INVALID_PARAMETER;
    auto* s = static_cast<WINHTTP_PROXY_SETTINGS_EX*>(p);
    std::free(const_cast<PWSTR>(s->pcwszAutoconfigUrl));
    std::free(const_cast<PWSTR>(s->pcwszProxy));
    std::free(const_cast<PWSTR>(s->pcwszSecureProxy));
    for (DWORD i = 0; s->rgpcwszProxyBypasses && i < s->cProxyBypasses; ++i)
        std::free(const_cast<PWSTR>(s->rgpcwszProxyBypasses[i]));
    std::free(s->rgpcwszProxyBypasses);
    std::free(const_cast<PWSTR>(s->pcwszConnectionName));
    *s = WINHTTP_PROXY_SETTINGS_EX{};
    return ERROR_SUCCESS;
}

DWORD WinHttpRegisterProxyChangeNotification(ULONGLONG flags, WINHTTP_PROXY_CHANGE_CALLBACK callback,
                                             PVOID, WINHTTP_PROXY_CHANGE_REGISTRATION_HANDLE* handle) {
    if (!callback || !handle || flags != WINHTTP_PROXY_NOTIFY_CHANGE) return ERROR_INVALID_PARAMETER;
    return ERROR_CALL_NOT_IMPLEMENTED;
}

DWORD WinHttpUnregisterProxyChangeNotification(WINHTTP_PROXY_CHANGE_REGISTRATION_HANDLE handle) {
    if (!handle) return ERROR_INVALID_PARAMETER;
    return ERROR_CALL_NOT_IMPLEMENTED;
}

}  // extern "C"
