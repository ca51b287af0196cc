// A handle's proxy configuration and the route decision (DESIGN.md "Route before connection").
//
//   NO_PROXY         direct, the environment ignored
//   NAMED_PROXY      the proxy list and bypass list the application gave
//   DEFAULT_PROXY    the process default (WinHttpSetDefaultProxyConfiguration), else the
//                    environment (system_settings.h), read when the session is opened
//   AUTOMATIC_PROXY  when auto_proxy is set (a PAC URL or "wpad"): each request asks the PAC
//                    script (proxy/pac.h, run by the request engine); the static part below
//                    (as DEFAULT_PROXY) is the fallback when the script cannot be had.
//                    Without auto_proxy: as DEFAULT_PROXY.
// A configuration is immutable once made; handles share it through shared_ptr<const>.
#pragma once
#include <winhttp.h>

#include <memory>
#include <string>
#include <vector>

#include "proxy/proxy_list.h"
#include "proxy/system_settings.h"

namespace winhttp::proxy {

struct ProxyConfig {
    enum class Source { Direct, Named, Environment };
    DWORD access_type = WINHTTP_ACCESS_TYPE_NO_PROXY;  // what the application asked for
    Source source = Source::Direct;
    std::vector<ProxyEntry> list;  // Named
    BypassList bypass;             // Named
    std::wstring proxy_text, bypass_text;  // Named: as given; Environment: WinHTTP's form
    SystemSettings env;            // Environment
    // AUTOMATIC_PROXY with auto_proxy set: requests run the PAC script at pac_url (empty: WPAD)
    // and fall back to route() when it cannot be had. Not reported by WINHTTP_OPTION_PROXY.
    bool use_pac = false;
    std::wstring pac_url;

    // The proxies to try in order for a request to host:port; empty means direct.
    std::vector<ProxyServer> route(bool secure, const std::string& host, unsigned short port) const;
};

using ConfigPtr = std::shared_ptr<const ProxyConfig>;

ConfigPtr direct_config(DWORD access_type = WINHTTP_ACCESS_TYPE_NO_PROXY);
// ERROR_SUCCESS, or ERROR_INVALID_PARAMETER for a NULL/empty/malformed proxy list.
DWORD named_config(const wchar_t* proxy, const wchar_t* bypass, ConfigPtr& out);
ConfigPtr environment_config(const SystemSettings& settings, DWORD access_type);
// What DEFAULT_PROXY / AUTOMATIC_PROXY mean right now.
ConfigPtr default_config(DWORD access_type);

// The process-wide default (WinHttpSetDefaultProxyConfiguration); null when never set.
ConfigPtr process_default();
void set_process_default(ConfigPtr config);

}  // namespace winhttp::proxy
