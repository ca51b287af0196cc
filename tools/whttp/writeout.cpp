#include "writeout.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "errors.h"
#include "text.h"

namespace whttp {
namespace {

// Seconds from the request's first recorded instant to each stage curl names, as curl
// defines them: each at least the one before (a reused connection resolves and connects in 0).
struct Timings {
    double namelookup = 0, connect = 0, appconnect = 0, pretransfer = 0, starttransfer = 0;
};

Timings timings(HINTERNET request) {
    WINHTTP_REQUEST_TIMES t{};
    DWORD size = sizeof t;
    Timings out;
    if (!WinHttpQueryOption(request, WINHTTP_OPTION_REQUEST_TIMES, &t, &size)) return out;
    const auto at = [&](int entry) { return entry < static_cast<int>(t.cTimes) ? t.rgullTimes[entry] : 0; };
    const ULONGLONG base = at(WinHttpConnectionAcquireStart) ? at(WinHttpConnectionAcquireStart)
                                                             : at(WinHttpSendRequestStart);
    // The counter runs at 10 MHz (100 ns units).
    const auto since = [&](int entry, double floor) {
        const ULONGLONG v = at(entry);
        return v > base ? std::max(floor, static_cast<double>(v - base) / 1e7) : floor;
    };
    out.namelookup = since(WinHttpNameResolutionEnd, 0);
    out.connect = since(WinHttpConnectionEstablishmentEnd, out.namelookup);
    double tls = 0;
    for (int e : {WinHttpTlsHandshakeClientLeg1End, WinHttpTlsHandshakeClientLeg2End,
                  WinHttpTlsHandshakeClientLeg3End})
        tls = std::max(tls, since(e, 0));
    out.appconnect = tls > 0 ? std::max(tls, out.connect) : 0;
    out.pretransfer = since(WinHttpSendRequestStart, std::max(out.connect, out.appconnect));
    out.starttransfer = since(WinHttpReceiveResponseHeadersEnd, out.pretransfer);
    return out;
}

std::string effective_url(HINTERNET request) {
    DWORD size = 0;
    WinHttpQueryOption(request, WINHTTP_OPTION_URL, nullptr, &size);
    if (size == 0) return {};
    std::wstring url(size / sizeof(WCHAR) + 1, L'\0');
    size = static_cast<DWORD>(url.size() * sizeof(WCHAR));
    if (!WinHttpQueryOption(request, WINHTTP_OPTION_URL, url.data(), &size)) return {};
    url.resize(size / sizeof(WCHAR));
    return to_utf8(url);
}

// curl's %{http_version}: "2" when WINHTTP_OPTION_HTTP_PROTOCOL_USED says HTTP/2, else the
// response's version ("1.1", "1.0"); "0" before any response.
std::string http_version(HINTERNET request) {
    DWORD used = 0, size = sizeof used;
    if (WinHttpQueryOption(request, WINHTTP_OPTION_HTTP_PROTOCOL_USED, &used, &size) &&
        (used & WINHTTP_PROTOCOL_FLAG_HTTP2))
        return "2";
    WCHAR version[32];
    size = sizeof version;
    if (!WinHttpQueryHeaders(request, WINHTTP_QUERY_VERSION, WINHTTP_HEADER_NAME_BY_INDEX, version,
                             &size, WINHTTP_NO_HEADER_INDEX))
        return "0";
    std::string v = to_utf8(std::wstring(version, size / sizeof(WCHAR)));
    return v.rfind("HTTP/", 0) == 0 ? v.substr(5) : v;
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", s);
    return buf;
}

std::string variable(std::string_view name, HINTERNET request, const TransferReport& r,
                     const Timings& t) {
    if (name == "http_code" || name == "response_code") {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%03u", r.http_code);
        return buf;
    }
    if (name == "size_download") return std::to_string(r.size_download);
    if (name == "http_version") return http_version(request);
    if (name == "url_effective") return effective_url(request);
    if (name == "time_namelookup") return seconds(t.namelookup);
    if (name == "time_connect") return seconds(t.connect);
    if (name == "time_appconnect") return seconds(t.appconnect);
    if (name == "time_pretransfer") return seconds(t.pretransfer);
    if (name == "time_starttransfer") return seconds(t.starttransfer);
    if (name == "time_total") return seconds(std::max(r.time_total, t.starttransfer));
    message("unknown --write-out variable: '%.*s'", static_cast<int>(name.size()), name.data());
    return {};
}

}  // namespace

void write_out(const std::string& format, HINTERNET request, const TransferReport& report) {
    const Timings t = timings(request);
    std::string out;
    for (size_t i = 0; i < format.size(); ++i) {
        const char c = format[i];
        if (c == '%' && format.compare(i, 2, "%{") == 0) {
            const size_t end = format.find('}', i + 2);
            if (end != std::string::npos) {
                out += variable(std::string_view(format).substr(i + 2, end - i - 2), request, report, t);
                i = end;
                continue;
            }
        }
        if (c == '%' && i + 1 < format.size() && format[i + 1] == '%') {
            out += '%';
            ++i;
            continue;
        }
        if (c == '\\' && i + 1 < format.size()) {
            const char e = format[i + 1];
            if (e == 'n' || e == 'r' || e == 't' || e == '\\') {
                out += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : '\\';
                ++i;
                continue;
            }
        }
        out += c;
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

}  // namespace whttp
