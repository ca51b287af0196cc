#include "core/options.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <string>

#include "core/engine.h"
#include "core/option_buffer.h"
#include "core/request.h"
#include "core/tls_options.h"

namespace winhttp {

GlobalOptions& global_options() {
    static GlobalOptions g;
    return g;
}

namespace {

// Which handles an option applies to, as a bit set.
enum : unsigned { kS = 1, kC = 2, kR = 4, kNull = 8, kAny = kS | kC | kR };

unsigned kind_bit(const Object* obj) {
    if (!obj) return kNull;
    switch (obj->type()) {
        case HandleType::Session: return kS;
        case HandleType::Connect: return kC;
        case HandleType::Request: return kR;
        case HandleType::ProxyResolver: return 0;  // no option applies to a resolver
    }
    return 0;
}

using QueryFn = DWORD (*)(Object*, void*, DWORD*);
using SetFn = DWORD (*)(Object*, const void*, DWORD);

struct OptionDef {
    DWORD id;
    unsigned query_on;
    unsigned set_on;
    QueryFn query;
    SetFn set;
};

// --- buffer protocol helpers (put, get, fits, alloc_wstring: core/option_buffer.h) -----------

// Strings are sized in bytes; on success the length excludes the NUL, on
// ERROR_INSUFFICIENT_BUFFER it is the size needed including it.
DWORD put_wstring(const std::wstring& s, void* buf, DWORD* len) {
    const DWORD need = static_cast<DWORD>((s.size() + 1) * sizeof(WCHAR));
    if (!buf || *len < need) {
        *len = need;
        return ERROR_INSUFFICIENT_BUFFER;
    }
    std::memcpy(buf, s.c_str(), need);
    *len = need - static_cast<DWORD>(sizeof(WCHAR));
    return ERROR_SUCCESS;
}

// A string set through SetOption is sized in characters; a NUL inside ends it.
std::wstring take_wstring(const void* buf, DWORD chars) {
    auto p = static_cast<const WCHAR*>(buf);
    return std::wstring(p, wcsnlen(p, chars));
}

Session& session_of(Object* o) {
    switch (o->type()) {
        case HandleType::Session: return as<Session>(*o);
        case HandleType::Connect: return as<Connect>(*o).session();
        case HandleType::Request: return as<Request>(*o).session();
        case HandleType::ProxyResolver: break;  // kind_bit() keeps resolvers out
    }
    std::abort();
}

// --- per-field DWORD options -----------------------------------------------------------------

template <DWORD Settings::*Field>
DWORD query_setting(Object* o, void* b, DWORD* l) {
    return put<DWORD>(o->settings().*Field, b, l);
}
template <DWORD Settings::*Field>
DWORD set_setting(Object* o, const void* b, DWORD l) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    o->settings().*Field = v;
    return ERROR_SUCCESS;
}
template <DWORD Timeouts::*Field>
DWORD query_timeout(Object* o, void* b, DWORD* l) {
    return put<DWORD>(o->settings().timeouts.*Field, b, l);
}
template <DWORD Timeouts::*Field>
DWORD set_timeout(Object* o, const void* b, DWORD l) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    o->settings().timeouts.*Field = v;
    return ERROR_SUCCESS;
}

DWORD set_checked_bits(DWORD& field, const void* b, DWORD l, DWORD allowed, bool accumulate) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    if (v & ~allowed) return ERROR_INVALID_PARAMETER;
    field = accumulate ? (field | v) : v;
    return ERROR_SUCCESS;
}

// --- individual handlers ---------------------------------------------------------------------

DWORD q_callback(Object* o, void* b, DWORD* l) {
    return put<void*>(reinterpret_cast<void*>(o->callback()), b, l);
}
DWORD s_callback(Object* o, const void* b, DWORD l) {
    void* fn;
    if (DWORD e = get(b, l, fn)) return e;
    o->set_callback(reinterpret_cast<WINHTTP_STATUS_CALLBACK>(fn), o->notify_flags());
    return ERROR_SUCCESS;
}
DWORD q_context(Object* o, void* b, DWORD* l) { return put<DWORD_PTR>(o->context(), b, l); }
DWORD s_context(Object* o, const void* b, DWORD l) {
    DWORD_PTR v;
    if (DWORD e = get(b, l, v)) return e;
    o->set_context(v);
    return ERROR_SUCCESS;
}
DWORD q_handle_type(Object* o, void* b, DWORD* l) {
    return put<DWORD>(static_cast<DWORD>(o->type()), b, l);
}
DWORD q_parent(Object* o, void* b, DWORD* l) {
    return put<HINTERNET>(o->parent() ? o->parent()->handle() : nullptr, b, l);
}
DWORD q_extended_error(Object*, void* b, DWORD* l) { return put<DWORD>(0, b, l); }

DWORD q_user_agent(Object* o, void* b, DWORD* l) {
    return put_wstring(as<Session>(*o).agent(), b, l);
}
DWORD s_user_agent(Object* o, const void* b, DWORD l) {
    if (!b) return ERROR_INVALID_PARAMETER;
    as<Session>(*o).set_agent(take_wstring(b, l));
    return ERROR_SUCCESS;
}
DWORD q_url(Object* o, void* b, DWORD* l) {
    return put_wstring(as<Request>(*o).engine().url(), b, l);
}

DWORD q_max_conns(Object* o, void* b, DWORD* l) {
    return put<DWORD>(as<Session>(*o).max_conns_per_server, b, l);
}
DWORD s_max_conns(Object* o, const void* b, DWORD l) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    if (v == 0) return ERROR_INVALID_PARAMETER;
    as<Session>(*o).max_conns_per_server = v;
    return ERROR_SUCCESS;
}
DWORD q_max_conns10(Object* o, void* b, DWORD* l) {
    return put<DWORD>(as<Session>(*o).max_conns_per_1_0_server, b, l);
}
DWORD s_max_conns10(Object* o, const void* b, DWORD l) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    if (v == 0) return ERROR_INVALID_PARAMETER;
    as<Session>(*o).max_conns_per_1_0_server = v;
    return ERROR_SUCCESS;
}

DWORD s_redirect_policy(Object* o, const void* b, DWORD l) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    if (v > WINHTTP_OPTION_REDIRECT_POLICY_ALWAYS) return ERROR_INVALID_PARAMETER;
    o->settings().redirect_policy = v;
    return ERROR_SUCCESS;
}

// Features must be switched off before the request is sent (option-flags page).
DWORD s_disable_feature(Object* o, const void* b, DWORD l) {
    if (o->type() == HandleType::Request && as<Request>(*o).engine().started())
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    constexpr DWORD all = WINHTTP_DISABLE_COOKIES | WINHTTP_DISABLE_REDIRECTS |
                          WINHTTP_DISABLE_AUTHENTICATION | WINHTTP_DISABLE_KEEP_ALIVE;
    return set_checked_bits(o->settings().disabled_features, b, l, all, true);
}
DWORD s_enable_feature(Object* o, const void* b, DWORD l) {
    constexpr DWORD all = WINHTTP_ENABLE_SSL_REVOCATION | WINHTTP_ENABLE_SSL_REVERT_IMPERSONATION;
    return set_checked_bits(o->settings().enabled_features, b, l, all, true);
}
DWORD s_decompression(Object* o, const void* b, DWORD l) {
    return set_checked_bits(o->settings().decompression, b, l, WINHTTP_DECOMPRESSION_FLAG_ALL,
                            false);
}
DWORD s_http_protocol(Object* o, const void* b, DWORD l) {
    return set_checked_bits(o->settings().http_protocols, b, l, WINHTTP_PROTOCOL_MASK, false);
}
DWORD s_secure_protocols(Object* o, const void* b, DWORD l) {
    constexpr DWORD all = WINHTTP_FLAG_SECURE_PROTOCOL_SSL2 | WINHTTP_FLAG_SECURE_PROTOCOL_SSL3 |
                          WINHTTP_FLAG_SECURE_PROTOCOL_TLS1 | WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_1 |
                          WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2 | WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
    return set_checked_bits(o->settings().secure_protocols, b, l, all, false);
}
DWORD q_security_flags(Object* o, void* b, DWORD* l) {
    return put<DWORD>(o->settings().security_flags, b, l);
}
DWORD s_security_flags(Object* o, const void* b, DWORD l) {
    constexpr DWORD all = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE |
                          SECURITY_FLAG_IGNORE_CERT_CN_INVALID |
                          SECURITY_FLAG_IGNORE_CERT_DATE_INVALID |
                          SECURITY_FLAG_IGNORE_WEAK_SIGNATURE;
    return set_checked_bits(o->settings().security_flags, b, l, all, false);
}
DWORD s_autologon(Object* o, const void* b, DWORD l) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    if (v > WINHTTP_AUTOLOGON_SECURITY_LEVEL_HIGH) return ERROR_INVALID_PARAMETER;
    o->settings().autologon_policy = v;
    return ERROR_SUCCESS;
}
DWORD s_bool_reject_userpwd(Object* o, const void* b, DWORD l) {
    return get(b, l, o->settings().reject_userpwd_in_url);
}
DWORD s_bool_protocol_required(Object* o, const void* b, DWORD l) {
    return get(b, l, o->settings().http_protocol_required);
}
DWORD s_bool_ipv6_fallback(Object* o, const void* b, DWORD l) {
    return get(b, l, o->settings().ipv6_fast_fallback);
}
DWORD s_codepage(Object* o, const void* b, DWORD l) { return get(b, l, o->settings().codepage); }

DWORD q_protocol_used(Object* o, void* b, DWORD* l) {
    return put<DWORD>(as<Request>(*o).engine().protocol_used(), b, l);
}
DWORD q_connection_info(Object* o, void* b, DWORD* l) {
    WINHTTP_CONNECTION_INFO info{};
    info.cbSize = sizeof(info);
    if (!as<Request>(*o).engine().connection_info(info)) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    // The caller must announce the struct size it was built with (option-flags page).
    if (b && *l >= sizeof(DWORD) && static_cast<WINHTTP_CONNECTION_INFO*>(b)->cbSize != sizeof(info)
        && *l >= sizeof(info))
        return ERROR_INVALID_PARAMETER;
    return put(info, b, l);
}

DWORD q_worker_threads(Object*, void* b, DWORD* l) {
    return put<DWORD>(global_options().worker_threads, b, l);
}
DWORD s_worker_threads(Object*, const void* b, DWORD l) {
    return get(b, l, global_options().worker_threads);
}
DWORD q_http_version(Object*, void* b, DWORD* l) {
    return put(global_options().http_version, b, l);
}
DWORD s_http_version(Object*, const void* b, DWORD l) {
    HTTP_VERSION_INFO v;
    if (DWORD e = get(b, l, v)) return e;
    if (v.dwMajorVersion != 1 || v.dwMinorVersion > 1) return ERROR_INVALID_PARAMETER;
    global_options().http_version = v;
    return ERROR_SUCCESS;
}

// Strings handed out through WINHTTP_PROXY_INFO are freed by the caller with GlobalFree; an
// unset one is NULL.
LPWSTR global_wstrdup(const std::wstring& s) { return s.empty() ? nullptr : alloc_wstring(s); }
DWORD q_proxy(Object* o, void* b, DWORD* l) {
    if (!b || *l < sizeof(WINHTTP_PROXY_INFO)) {
        *l = sizeof(WINHTTP_PROXY_INFO);
        return ERROR_INSUFFICIENT_BUFFER;
    }
    Session& s = session_of(o);
    WINHTTP_PROXY_INFO info{};
    info.dwAccessType = s.access_type() == WINHTTP_ACCESS_TYPE_NAMED_PROXY
                            ? WINHTTP_ACCESS_TYPE_NAMED_PROXY
                            : WINHTTP_ACCESS_TYPE_NO_PROXY;
    info.lpszProxy = global_wstrdup(s.proxy());
    info.lpszProxyBypass = global_wstrdup(s.proxy_bypass());
    return put(info, b, l);
}
DWORD s_proxy(Object* o, const void* b, DWORD l) {
    WINHTTP_PROXY_INFO info;
    if (DWORD e = get(b, l, info)) return e;
    if (info.dwAccessType != WINHTTP_ACCESS_TYPE_NO_PROXY &&
        info.dwAccessType != WINHTTP_ACCESS_TYPE_NAMED_PROXY &&
        info.dwAccessType != WINHTTP_ACCESS_TYPE_DEFAULT_PROXY)
        return ERROR_INVALID_PARAMETER;
    if (info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY && !info.lpszProxy)
        return ERROR_INVALID_PARAMETER;
    session_of(o).set_proxy(info.dwAccessType, info.lpszProxy ? info.lpszProxy : L"",
                            info.lpszProxyBypass ? info.lpszProxyBypass : L"");
    return ERROR_SUCCESS;
}

DWORD s_accept_bool(Object*, const void* b, DWORD l) {
    BOOL v;
    return get(b, l, v);
}

#define TIMEOUT(name, field)                                                               \
    {WINHTTP_OPTION_##name, kS | kR, kS | kR, query_timeout<&Timeouts::field>,             \
     set_timeout<&Timeouts::field>}
#define SETTING(name, field)                                                               \
    {WINHTTP_OPTION_##name, kS | kR, kS | kR, query_setting<&Settings::field>,             \
     set_setting<&Settings::field>}

const OptionDef kOptions[] = {
    {WINHTTP_OPTION_CALLBACK, kAny, kAny, q_callback, s_callback},
    TIMEOUT(RESOLVE_TIMEOUT, resolve),
    TIMEOUT(CONNECT_TIMEOUT, connect),
    SETTING(CONNECT_RETRIES, connect_retries),
    TIMEOUT(SEND_TIMEOUT, send),
    TIMEOUT(RECEIVE_TIMEOUT, receive),
    TIMEOUT(RECEIVE_RESPONSE_TIMEOUT, receive_response),
    {WINHTTP_OPTION_HANDLE_TYPE, kAny, kAny, q_handle_type, nullptr},
    {WINHTTP_OPTION_READ_BUFFER_SIZE, kR, kR, query_setting<&Settings::read_buffer_size>,
     set_setting<&Settings::read_buffer_size>},
    {WINHTTP_OPTION_WRITE_BUFFER_SIZE, kR, kR, query_setting<&Settings::write_buffer_size>,
     set_setting<&Settings::write_buffer_size>},
    {WINHTTP_OPTION_PARENT_HANDLE, kAny, kAny, q_parent, nullptr},
    {WINHTTP_OPTION_EXTENDED_ERROR, kAny | kNull, kAny | kNull, q_extended_error, nullptr},
    {WINHTTP_OPTION_SECURITY_FLAGS, kR, kR, q_security_flags, s_security_flags},
    {WINHTTP_OPTION_SECURITY_CERTIFICATE_STRUCT, kR, kR, query_certificate_struct, nullptr},
    {WINHTTP_OPTION_SECURITY_KEY_BITNESS, kR, kR, query_key_bitness, nullptr},
    {WINHTTP_OPTION_CLIENT_CERT_CONTEXT, 0, kR, nullptr, set_client_cert_context},
    {OPENWINHTTP_OPTION_CLIENT_CERT_FILES, 0, kR, nullptr, set_client_cert_files},
    {OPENWINHTTP_OPTION_SERVER_CERT_CHAIN, kR, kR, query_server_cert_chain, nullptr},
    {WINHTTP_OPTION_URL, kR, kR, q_url, nullptr},
    {WINHTTP_OPTION_PROXY, kS | kR, kS | kR, q_proxy, s_proxy},
    {WINHTTP_OPTION_USER_AGENT, kS, kS, q_user_agent, s_user_agent},
    {WINHTTP_OPTION_CONTEXT_VALUE, kAny, kAny, q_context, s_context},
    {WINHTTP_OPTION_REQUEST_PRIORITY, kR, kR, query_setting<&Settings::request_priority>,
     set_setting<&Settings::request_priority>},
    {WINHTTP_OPTION_HTTP_VERSION, kNull | kAny, kNull | kAny, q_http_version, s_http_version},
    {WINHTTP_OPTION_DISABLE_FEATURE, 0, kR, nullptr, s_disable_feature},
    {WINHTTP_OPTION_CODEPAGE, 0, kS, nullptr, s_codepage},
    {WINHTTP_OPTION_MAX_CONNS_PER_SERVER, kS, kS, q_max_conns, s_max_conns},
    {WINHTTP_OPTION_MAX_CONNS_PER_1_0_SERVER, kS, kS, q_max_conns10, s_max_conns10},
    {WINHTTP_OPTION_AUTOLOGON_POLICY, 0, kR, nullptr, s_autologon},
    {WINHTTP_OPTION_ENABLE_FEATURE, 0, kS | kR, nullptr, s_enable_feature},
    {WINHTTP_OPTION_WORKER_THREAD_COUNT, kNull, kNull, q_worker_threads, s_worker_threads},
    {WINHTTP_OPTION_SECURE_PROTOCOLS, 0, kS | kR, nullptr, s_secure_protocols},
    {WINHTTP_OPTION_REDIRECT_POLICY, kS | kR, kS | kR, query_setting<&Settings::redirect_policy>,
     s_redirect_policy},
    SETTING(MAX_HTTP_AUTOMATIC_REDIRECTS, max_redirects),
    SETTING(MAX_HTTP_STATUS_CONTINUE, max_status_continue),
    SETTING(MAX_RESPONSE_HEADER_SIZE, max_response_header_size),
    SETTING(MAX_RESPONSE_DRAIN_SIZE, max_response_drain_size),
    {WINHTTP_OPTION_CONNECTION_INFO, kR, kR, q_connection_info, nullptr},
    {WINHTTP_OPTION_REJECT_USERPWD_IN_URL, 0, kR, nullptr, s_bool_reject_userpwd},
    {WINHTTP_OPTION_ASSURED_NON_BLOCKING_CALLBACKS, 0, kS, nullptr, s_accept_bool},
    {WINHTTP_OPTION_DECOMPRESSION, 0, kS | kR, nullptr, s_decompression},
    {WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL, 0, kS | kR, nullptr, s_http_protocol},
    {WINHTTP_OPTION_HTTP_PROTOCOL_USED, kR, kR, q_protocol_used, nullptr},
    {WINHTTP_OPTION_IPV6_FAST_FALLBACK, 0, kS, nullptr, s_bool_ipv6_fallback},
    {WINHTTP_OPTION_HTTP_PROTOCOL_REQUIRED, 0, kS | kR, nullptr, s_bool_protocol_required},
};

#undef TIMEOUT
#undef SETTING

const OptionDef* find_option(DWORD id) {
    for (const auto& d : kOptions)
        if (d.id == id) return &d;
    return nullptr;
}

// Shared checks for both directions; `allowed` is the handle-kind set for that direction.
DWORD check_target(const Object* obj, unsigned allowed) {
    const unsigned kind = kind_bit(obj);
    if (allowed & kind) return ERROR_SUCCESS;
    return obj ? ERROR_WINHTTP_INCORRECT_HANDLE_TYPE : ERROR_INVALID_HANDLE;
}

}  // namespace

DWORD query_option(Object* obj, DWORD option, void* buffer, DWORD* buffer_len) {
    const OptionDef* d = find_option(option);
    if (!d || !d->query) return ERROR_WINHTTP_INVALID_OPTION;
    if (DWORD e = check_target(obj, d->query_on)) return e;
    return d->query(obj, buffer, buffer_len);
}

DWORD set_option(Object* obj, DWORD option, const void* buffer, DWORD buffer_len) {
    const OptionDef* d = find_option(option);
    if (!d) return ERROR_WINHTTP_INVALID_OPTION;
    if (!d->set) return ERROR_WINHTTP_OPTION_NOT_SETTABLE;
    if (DWORD e = check_target(obj, d->set_on)) return e;
    return d->set(obj, buffer, buffer_len);
}

}  // namespace winhttp
