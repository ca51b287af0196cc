// WPAD by DNS (WinHttpDetectAutoProxyConfigUrl on Linux): "wpad.<domain>" for each search
// domain of resolv.conf, devolved one label at a time, longest first and never below two
// labels ("wpad.com" and "wpad.lan" are never asked: anyone may own those names). The first
// name that resolves gives "http://wpad.<domain>/wpad.dat". There is no DHCP option 252 on
// Linux (DHCP clients keep it to themselves), so WINHTTP_AUTO_DETECT_TYPE_DHCP alone finds
// nothing. Detection is bounded: at most 2 s of DNS in all.
#pragma once
#include <winhttp.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace winhttp::proxy {

// The WPAD host names to try for a resolv.conf text, in order (pure).
std::vector<std::string> wpad_candidates(std::string_view resolv_conf);

// ERROR_SUCCESS with the PAC URL, or ERROR_WINHTTP_AUTODETECTION_FAILED.
DWORD detect_wpad_url(DWORD detect_flags, std::wstring& url);

// Test seams: the resolv.conf path and the "does this name resolve" function. Empty values
// restore the defaults (/etc/resolv.conf, getaddrinfo bounded in time).
struct WpadHooks {
    std::string resolv_conf;
    std::function<bool(const std::string& host)> resolves;
};
void set_wpad_hooks(WpadHooks hooks);

}  // namespace winhttp::proxy
