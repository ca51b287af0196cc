// libFuzzer target: the proxy list, bypass list, no_proxy and environment-value parsers of
// src/proxy/, and WinHttpIsHostInProxyBypassList.
//
// Input: "<list>\n<host>" (no newline: the whole input is the list, the host is "h").
// Invariants: an accepted proxy list has entries with a host and a port of 1..65535, and the
// list written back as "scope=host:port;..." parses to the same entries; bypass and no_proxy
// matching never fails; "*" in no_proxy matches every host; an accepted environment value has a
// host; the API call returns ERROR_SUCCESS for any non-empty host.
#include <winhttp.h>

#include "proxy/proxy_list.h"
#include "proxy/system_settings.h"
#include "util/wide.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

using namespace winhttp::proxy;

void fuzz_proxy_list(std::string_view list) {
    std::vector<ProxyEntry> entries;
    if (!parse_proxy_list(list, entries)) return;
    std::string again;
    for (const auto& e : entries) {
        check(!e.server.host.empty() && e.server.port != 0);
        if (e.scope == ProxyEntry::Scope::Http) again += "http=";
        if (e.scope == ProxyEntry::Scope::Https) again += "https=";
        again += e.server.text() + ";";
    }
    std::vector<ProxyEntry> reparsed;
    if (entries.empty()) return;  // only skipped (socks=) entries
    check(parse_proxy_list(again, reparsed));
    check(reparsed.size() == entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        check(reparsed[i].scope == entries[i].scope);
        check(reparsed[i].server == entries[i].server);
    }
}

void fuzz_matchers(std::string_view list, std::string_view host) {
    const BypassList bypass = BypassList::parse(list);
    (void)bypass.matches(host, 80, false);
    (void)bypass.matches(host, 443, true);
    const NoProxyList no_proxy = NoProxyList::parse(list);
    (void)no_proxy.matches(host, 8080);
    const NoProxyList all = NoProxyList::parse(std::string(list) + ",*");
    check(all.matches(host, 1));
    check(wildcard_match("*", host));
    (void)wildcard_match(list, host);
    ProxyServer p;
    if (parse_env_proxy(list, p)) check(!p.host.empty() && p.port != 0);
}

void fuzz_api(std::string_view list, std::string_view host) {
    const std::wstring wlist = winhttp::from_utf8(list);
    std::wstring whost = winhttp::from_utf8(host);
    if (whost.find(L'\0') != std::wstring::npos) whost.resize(whost.find(L'\0'));
    if (whost.empty()) return;
    WINHTTP_PROXY_INFO info{WINHTTP_ACCESS_TYPE_NAMED_PROXY, const_cast<LPWSTR>(L"p:1"),
                            const_cast<LPWSTR>(wlist.c_str())};
    BOOL in = 2;
    check(WinHttpIsHostInProxyBypassList(&info, whost.c_str(), INTERNET_SCHEME_HTTP, 0, &in) ==
          ERROR_SUCCESS);
    check(in == TRUE || in == FALSE);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t nl = input.find('\n');
    const std::string_view list = input.substr(0, nl);
    const std::string_view host = nl == std::string_view::npos ? "h" : input.substr(nl + 1);
    fuzz_proxy_list(list);
    fuzz_matchers(list, host);
    fuzz_api(list, host);
    return 0;
}
