// writeout.h - -w/--write-out: curl's %{variable} report after the transfer.
#pragma once

#include <winhttp.h>

#include <cstdint>
#include <string>

namespace whttp {

struct TransferReport {
    DWORD http_code = 0;
    std::uint64_t size_download = 0;  // body bytes written (after decompression)
    double time_total = 0;            // seconds, measured by whttp from the start of the transfer
};

// Prints `format` on stdout with %{name} replaced and \n, \r, \t unescaped. The timing fields
// come from WINHTTP_OPTION_REQUEST_TIMES and %{url_effective} from WINHTTP_OPTION_URL, so the
// request handle must still be open. An unknown variable prints a warning and nothing.
void write_out(const std::string& format, HINTERNET request, const TransferReport& report);

}  // namespace whttp
