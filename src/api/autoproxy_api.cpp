// PAC and WPAD: WinHttpGetProxyForUrl, the resolver family (WinHttpCreateProxyResolver,
// WinHttpGetProxyForUrlEx(2), WinHttpGetProxyResult(Ex), WinHttpFreeProxyResult(Ex)),
// WinHttpResetAutoProxy and WinHttpDetectAutoProxyConfigUrl. Validate, look up, call
// src/proxy, translate (docs/design/pac.md).
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "core/handle_table.h"
#include "core/last_error.h"
#include "core/option_buffer.h"
#include "core/proxy_resolver.h"
#include "proxy/pac.h"
#include "proxy/wpad.h"
#include "util/url.h"
#include "util/wide.h"

using namespace winhttp;

namespace {

proxy::PacQuery make_query(LPCWSTR url, const WINHTTP_AUTOPROXY_OPTIONS& o) {
    proxy::PacQuery q;
    q.url = url;
    q.flags = o.dwFlags;
    q.detect_flags = o.dwAutoDetectFlags;
    if ((o.dwFlags & WINHTTP_AUTOPROXY_CONFIG_URL) && o.lpszAutoConfigUrl) q.config_url = o.lpszAutoConfigUrl;
    return q;
}

// Fills WINHTTP_PROXY_RESULT entries (strings and array freed by WinHttpFreeProxyResult).
DWORD make_entries(const std::vector<proxy::PacEntry>& in, DWORD& count,
                   WINHTTP_PROXY_RESULT_ENTRY*& out) {
    count = 0;
    out = nullptr;
    if (in.empty()) return ERROR_SUCCESS;
    auto* e = static_cast<WINHTTP_PROXY_RESULT_ENTRY*>(std::calloc(in.size(), sizeof(WINHTTP_PROXY_RESULT_ENTRY)));
    if (!e) return ERROR_NOT_ENOUGH_MEMORY;
    for (size_t i = 0; i < in.size(); ++i) {
        const proxy::PacEntry& p = in[i];
        if (p.kind == proxy::PacEntryKind::Direct) continue;  // fProxy FALSE, fBypass FALSE
        e[i].fProxy = TRUE;
        e[i].ProxyScheme = p.kind == proxy::PacEntryKind::Https ? INTERNET_SCHEME_HTTPS : INTERNET_SCHEME_HTTP;
        e[i].ProxyPort = p.port;
        e[i].pwszProxy = alloc_wstring(from_utf8(p.host));
        if (!e[i].pwszProxy) {
            for (size_t j = 0; j < i; ++j) std::free(e[j].pwszProxy);
            std::free(e);
            return ERROR_NOT_ENOUGH_MEMORY;
        }
    }
    count = static_cast<DWORD>(in.size());
    out = e;
    return ERROR_SUCCESS;
}

void free_entries(DWORD count, WINHTTP_PROXY_RESULT_ENTRY* entries) {
    if (!entries) return;
    for (DWORD i = 0; i < count; ++i) std::free(entries[i].pwszProxy);
    std::free(entries);
}

DWORD resolver_result(HINTERNET resolver, std::vector<proxy::PacEntry>& entries) {
    Lookup l = lookup_handle(resolver, {HandleType::ProxyResolver});
    if (l.error) return l.error;
    return as<ProxyResolver>(*l.object).result(entries);
}

DWORD start_resolver(HINTERNET resolver, PCWSTR url, WINHTTP_AUTOPROXY_OPTIONS* options,
                     DWORD_PTR context) {
    Lookup l = lookup_handle(resolver, {HandleType::ProxyResolver});
    if (l.error) return l.error;
    if (!url || !*url || !options) return ERROR_INVALID_PARAMETER;
    if (DWORD e = proxy::validate_options(*options)) return e;
    ParsedUrl target;
    if (DWORD e = crack_url(url, target)) return e;
    try {
        return as<ProxyResolver>(*l.object).start(make_query(url, *options), context);
    } catch (const std::bad_alloc&) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
}

}  // namespace

extern "C" {

BOOL WinHttpGetProxyForUrl(HINTERNET session, LPCWSTR url, WINHTTP_AUTOPROXY_OPTIONS* options,
                           WINHTTP_PROXY_INFO* info) {
    OPENWINHTTP_TRACE_CALL("%p, %s, 0x%x, %s", session, trace::str(url).c_str(), options ? options->dwFlags : 0, options ? trace::str(options->lpszAutoConfigUrl).c_str() : "NULL");
    Lookup l = lookup_handle(session, {HandleType::Session});
    if (l.error) return fail(l.error);
    if (!url || !*url || !options || !info) return fail(ERROR_INVALID_PARAMETER);
    if (DWORD e = proxy::validate_options(*options)) return fail(e);
    try {
        proxy::CancelToken cancel;
        std::vector<proxy::PacEntry> entries;
        if (DWORD e = proxy::find_proxy(as<Session>(*l.object), make_query(url, *options), cancel, entries))
            return fail(e);
        const std::wstring list = proxy::to_proxy_list(entries);
        WINHTTP_PROXY_INFO out{WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr};
        if (!list.empty()) {
            out.dwAccessType = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
            out.lpszProxy = alloc_wstring(list);
            if (!out.lpszProxy) return fail(ERROR_NOT_ENOUGH_MEMORY);
        }
        *info = out;
        return succeed();
    } catch (const std::bad_alloc&) {
        return fail(ERROR_NOT_ENOUGH_MEMORY);
    }
}

DWORD WinHttpCreateProxyResolver(HINTERNET session, HINTERNET* resolver) {
    OPENWINHTTP_TRACE_CALL("%p", session);
    Lookup l = lookup_handle(session, {HandleType::Session});
    if (l.error) return traced(l.error);
    if (!as<Session>(*l.object).async()) return traced(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    if (!resolver) return traced(ERROR_INVALID_PARAMETER);
    Object* obj;
    try {
        obj = new ProxyResolver(as<Session>(*l.object));
    } catch (const std::bad_alloc&) {
        return traced(ERROR_NOT_ENOUGH_MEMORY);
    }
    HINTERNET h = HandleTable::instance().insert(obj);
    if (!h) {
        obj->release();
        return traced(ERROR_NOT_ENOUGH_MEMORY);
    }
    *resolver = h;
    Ref<Object> guard(obj);  // HANDLE_CREATED may run app code that closes the handle
    obj->notify_created();
    return traced(ERROR_SUCCESS);
}

DWORD WinHttpGetProxyForUrlEx(HINTERNET resolver, PCWSTR url, WINHTTP_AUTOPROXY_OPTIONS* options,
                              DWORD_PTR context) {
    OPENWINHTTP_TRACE_CALL("%p, %s, 0x%x, %s, 0x%lx", resolver, trace::str(url).c_str(), options ? options->dwFlags : 0, options ? trace::str(options->lpszAutoConfigUrl).c_str() : "NULL", static_cast<unsigned long>(context));
    return traced(start_resolver(resolver, url, options, context));
}

DWORD WinHttpGetProxyForUrlEx2(HINTERNET resolver, PCWSTR url, WINHTTP_AUTOPROXY_OPTIONS* options,
                               DWORD selection_context_size, unsigned char* selection_context,
                               DWORD_PTR context) {
    OPENWINHTTP_TRACE_CALL("%p, %s, 0x%x, %s, 0x%lx", resolver, trace::str(url).c_str(), options ? options->dwFlags : 0, options ? trace::str(options->lpszAutoConfigUrl).c_str() : "NULL", static_cast<unsigned long>(context));
    // The interface selection context picks a network interface on Windows; Linux has no
    // per-interface proxy settings, so it is checked and otherwise ignored.
    if (selection_context_size && !selection_context) return traced(ERROR_INVALID_PARAMETER);
    return traced(start_resolver(resolver, url, options, context));
}

DWORD WinHttpGetProxyResult(HINTERNET resolver, WINHTTP_PROXY_RESULT* result) {
    OPENWINHTTP_TRACE_CALL("%p", resolver);
    if (!result) {
        Lookup l = lookup_handle(resolver, {HandleType::ProxyResolver});
        return traced(l.error ? l.error : ERROR_INVALID_PARAMETER);
    }
    std::vector<proxy::PacEntry> entries;
    if (DWORD e = resolver_result(resolver, entries)) return traced(e);
    WINHTTP_PROXY_RESULT out{};
    if (DWORD e = make_entries(entries, out.cEntries, out.pEntries)) return traced(e);
    *result = out;
    return traced(ERROR_SUCCESS);
}

DWORD WinHttpGetProxyResultEx(HINTERNET resolver, WINHTTP_PROXY_RESULT_EX* result) {
    OPENWINHTTP_TRACE_CALL("%p", resolver);
    if (!result) {
        Lookup l = lookup_handle(resolver, {HandleType::ProxyResolver});
        return traced(l.error ? l.error : ERROR_INVALID_PARAMETER);
    }
    std::vector<proxy::PacEntry> entries;
    if (DWORD e = resolver_result(resolver, entries)) return traced(e);
    WINHTTP_PROXY_RESULT_EX out{};
    if (DWORD e = make_entries(entries, out.cEntries, out.pEntries)) return traced(e);
    *result = out;
    return traced(ERROR_SUCCESS);
}

void WinHttpFreeProxyResult(WINHTTP_PROXY_RESULT* result) {
    if (!result) return;
    free_entries(result->cEntries, result->pEntries);
    *result = WINHTTP_PROXY_RESULT{};
}

void WinHttpFreeProxyResultEx(WINHTTP_PROXY_RESULT_EX* result) {
    if (!result) return;
    free_entries(result->cEntries, result->pEntries);
    *result = WINHTTP_PROXY_RESULT_EX{};
}

DWORD WinHttpResetAutoProxy(HINTERNET session, DWORD flags) {
    OPENWINHTTP_TRACE_CALL("%p, 0x%x", session, flags);
    Lookup l = lookup_handle(session, {HandleType::Session});
    if (l.error) return traced(l.error);
    // The page documents no flag error. Every reset kind lands on the same per-session state
    // (there is no autoproxy service, so OUT_OF_PROC changes nothing): scripts, whose workers
    // end, and the WPAD result.
    if (flags) as<Session>(*l.object).pac_cache().reset();
    return traced(ERROR_SUCCESS);
}

BOOL WinHttpDetectAutoProxyConfigUrl(DWORD flags, LPWSTR* url) {
    OPENWINHTTP_TRACE_CALL("0x%x", flags);
    constexpr DWORD known = WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A;
    if (!flags || (flags & ~known) || !url) return fail(ERROR_INVALID_PARAMETER);
    try {
        std::wstring found;
        if (DWORD e = proxy::detect_wpad_url(flags, found)) return fail(e);
        LPWSTR s = alloc_wstring(found);
        if (!s) return fail(ERROR_NOT_ENOUGH_MEMORY);
        *url = s;
        return succeed();
    } catch (const std::bad_alloc&) {
        return fail(ERROR_NOT_ENOUGH_MEMORY);
    }
}

}  // extern "C"
