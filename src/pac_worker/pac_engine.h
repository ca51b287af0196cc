// One PAC script in one Duktape heap: the engine the worker process runs (pac_worker_main.cpp).
// Not part of the library: the library never links Duktape, it talks to the worker
// (docs/design/pac.md). The unit tests link this directly.
//
// The heap is bounded by `heap_limit` bytes through our own allocator: an allocation past it
// fails, Duktape turns that into a RangeError, and the call fails with kRunError. Recursion is
// bounded by Duktape's call-stack limit (10000). Time is not bounded here (Debian's Duktape has
// no interrupt hook): the library kills the process of a script that runs too long.
//
// Globals: the ECMAScript built-ins (without the `Duktape` object) and the PAC functions —
// Netscape's isPlainHostName, dnsDomainIs, localHostOrDomainIs, isResolvable, isInNet,
// dnsResolve, myIpAddress, dnsDomainLevels, shExpMatch, weekdayRange, dateRange, timeRange,
// alert, and Microsoft's isResolvableEx, isInNetEx, dnsResolveEx, myIpAddressEx,
// sortIpAddressList, getClientVersion. Nothing else: no file, network or process access.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "proxy/pac_protocol.h"

struct duk_hthread;

namespace winhttp::pacworker {

class PacEngine {
public:
    explicit PacEngine(size_t heap_limit = 64u << 20);
    ~PacEngine();
    PacEngine(const PacEngine&) = delete;
    PacEngine& operator=(const PacEngine&) = delete;

    // False when even the empty heap could not be made.
    bool ok() const { return ctx_ != nullptr; }

    // Compiles and runs `script`'s top level. kOk, kCompileError or kNoFunction; `error` gets
    // the message on failure.
    proxy::wire::Status load(std::string_view script, std::string& error);

    // Calls FindProxyForURLEx(url, host) when the script defines it, else FindProxyForURL.
    // kOk with the returned string in `out`, kRunError (message in `out`), kBadRequest before
    // a successful load.
    proxy::wire::Status find(std::string_view url, std::string_view host, std::string& out);

    // Bytes the heap holds now (for tests).
    size_t heap_used() const;

    struct Heap;  // allocator state, public for the C callbacks

private:
    Heap* heap_;
    duk_hthread* ctx_ = nullptr;
    bool loaded_ = false;
    bool ex_ = false;  // FindProxyForURLEx is defined
};

}  // namespace winhttp::pacworker
