#include "proxy/config.h"

#include <mutex>

#include "util/wide.h"

namespace winhttp::proxy {

namespace {

std::mutex g_default_mutex;
ConfigPtr g_default;

}  // namespace

std::vector<ProxyServer> ProxyConfig::route(bool secure, const std::string& host,
                                            unsigned short port) const {
    switch (source) {
        case Source::Direct: return {};
        case Source::Named:
            if (bypass.matches(host, port, secure)) return {};
            return proxies_for(list, secure);
        case Source::Environment:
            if (auto p = env.proxy_for(secure, host, port)) return {*p};
            return {};
    }
    return {};
}

ConfigPtr direct_config(DWORD access_type) {
    auto c = std::make_shared<ProxyConfig>();
    c->access_type = access_type;
    return c;
}

DWORD named_config(const wchar_t* proxy, const wchar_t* bypass, ConfigPtr& out) {
    if (!proxy || !*proxy) return ERROR_INVALID_PARAMETER;
    auto c = std::make_shared<ProxyConfig>();
    c->access_type = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
    c->source = ProxyConfig::Source::Named;
    c->proxy_text = proxy;
    c->bypass_text = bypass ? bypass : L"";
    if (!parse_proxy_list(to_utf8(c->proxy_text), c->list)) return ERROR_INVALID_PARAMETER;
    c->bypass = BypassList::parse(to_utf8(c->bypass_text));
    out = std::move(c);
    return ERROR_SUCCESS;
}

ConfigPtr environment_config(const SystemSettings& settings, DWORD access_type) {
    auto c = std::make_shared<ProxyConfig>();
    c->access_type = access_type;
    c->env = settings;
    c->source = settings.has_proxy() ? ProxyConfig::Source::Environment : ProxyConfig::Source::Direct;
    c->proxy_text = from_utf8(settings.proxy_string());
    c->bypass_text = from_utf8(settings.bypass_string());
    return c;
}

ConfigPtr default_config(DWORD access_type) {
    const SystemSettings settings = current_system_settings();
    std::shared_ptr<ProxyConfig> c;
    if (ConfigPtr d = process_default()) {
        c = std::make_shared<ProxyConfig>(*d);
        c->access_type = access_type;
    } else {
        c = std::const_pointer_cast<ProxyConfig>(environment_config(settings, access_type));
    }
    // AUTOMATIC_PROXY "uses system and per-user proxy settings (including the Internet
    // Explorer proxy configuration)" (WinHttpOpen page): the automatic part of those settings
    // is auto_proxy here.
    if (access_type == WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY && (settings.auto_detect || !settings.pac_url.empty())) {
        c->use_pac = true;
        c->pac_url = settings.auto_detect ? std::wstring() : from_utf8(settings.pac_url);
    }
    return c;
}

ConfigPtr process_default() {
    std::lock_guard lock(g_default_mutex);
    return g_default;
}

void set_process_default(ConfigPtr config) {
    std::lock_guard lock(g_default_mutex);
    g_default = std::move(config);
}

}  // namespace winhttp::proxy
