// libFuzzer target: the FindProxyForURL result parser (a hostile PAC script chooses its bytes).
// Checks, beyond "no crash": every entry is well formed and the proxy list round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proxy/pac_result.h"
#include "util/wide.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace winhttp::proxy;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto entries = parse_pac_result(text);
    for (const PacEntry& e : entries) {
        if (e.kind == PacEntryKind::Direct) {
            if (!e.host.empty() || e.port != 0) std::abort();
            continue;
        }
        if (e.host.empty() || e.host.size() > 255 || e.port == 0) std::abort();
        for (char c : e.host)
            if (c == ';' || c == ' ' || c == '\0') std::abort();
    }
    // The proxy list of the entries parses back to the same proxies.
    const std::wstring list = to_proxy_list(entries);
    std::string again;
    for (const PacEntry& e : entries) {
        if (e.kind == PacEntryKind::Direct) continue;
        again += e.kind == PacEntryKind::Https ? "HTTPS " : "PROXY ";
        again += e.host + ":" + std::to_string(e.port) + ";";
    }
    const auto reparsed = parse_pac_result(again);
    if (to_proxy_list(reparsed) != list) std::abort();
    return 0;
}
