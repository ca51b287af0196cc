#include "core/options.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <string>

#include "core/conn_options.h"
#include "core/engine.h"
#include "core/option_buffer.h"
#include "core/request.h"
#include "core/tls_options.h"
#include "util/wide.h"
#include "ws/websocket.h"

#include "util/trace.h"

namespace winhttp {

GlobalOptions& global_options() {
    static GlobalOptions g;
    return g;
}

namespace {

// Which handles an option applies to, as a bit set.
enum : unsigned { kS = 1, kC = 2, kR = 4, kNull = 8, kW = 16, kAny = kS | kC | kR };

unsigned kind_bit(const Object* obj) {
    if (!obj) return kNull;
    switch (obj->type()) {
        case HandleType::Session: return kS;
        case HandleType::Connect: return kC;
        case HandleType::Request: return kR;
        case HandleType::ProxyResolver: return 0;  // no option applies to a resolver
        case HandleType::WebSocket: return kW;
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
        case HandleType::WebSocket: return as<WebSocket>(*o).session();
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
// A connect handle has no timeouts of its own: it reports the session's current ones (Wine
// winhttp.c test_timeouts, verified on Windows).
template <DWORD Timeouts::*Field>
DWORD query_timeout(Object* o, void* b, DWORD* l) {
    const Object& owner = o->type() == HandleType::Connect ? *o->parent() : *o;
    return put<DWORD>(owner.settings().timeouts.*Field, b, l);
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
// Option Flags page: WINHTTP_OPTION_HTTP2_KEEPALIVE is set on a session handle, a timeout in
// milliseconds after which an idle connection gets HTTP/2 PINGs; "Callers cannot set a timeout
// value less than 5000 milliseconds" (ERROR_INVALID_PARAMETER, as for the WebSocket interval).
DWORD q_h2_keepalive(Object* o, void* b, DWORD* l) {
    return put<DWORD>(as<Session>(*o).h2_keepalive_ms, b, l);
}
DWORD s_h2_keepalive(Object* o, const void* b, DWORD l) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    if (v < 5000) return ERROR_INVALID_PARAMETER;
    as<Session>(*o).h2_keepalive_ms = v;
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

// Features must be switched off before the request is sent (option-flags page). Windows
// accepts any bits, 0xffffffff included (Wine winhttp.c test_WinHttpQueryOption).
DWORD s_disable_feature(Object* o, const void* b, DWORD l) {
    if (o->type() == HandleType::Request && as<Request>(*o).engine().started())
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    return set_checked_bits(o->settings().disabled_features, b, l, 0xFFFFFFFFu, true);
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
// Option Flags page: WINHTTP_OPTION_SPN takes WINHTTP_DISABLE_SPN_SERVER_PORT or
// WINHTTP_ENABLE_SPN_SERVER_PORT (the bits of WINHTTP_OPTION_SPN_MASK).
DWORD s_spn(Object* o, const void* b, DWORD l) {
    return set_checked_bits(o->settings().spn, b, l, WINHTTP_OPTION_SPN_MASK, false);
}
// Option Flags page: "the server principal name that WinHTTP supplied to SSPI during
// authentication" (PROXY_SPN_USED: the proxy's); an empty string before any NTLM or Negotiate.
template <DWORD Target>
DWORD q_spn_used(Object* o, void* b, DWORD* l) {
    return put_wstring(from_utf8(as<Request>(*o).engine().spn_used(Target)), b, l);
}
// WINHTTP_CREDS_EX page: the global credentials are those WinINet hands down to WinHTTP, only
// when the registry value ShareCredsWithWinHttp exists ("not present by default"); the BOOL
// asks to use the server ones too. There is no WinINet here, so, as on a default Windows,
// no global credentials ever exist and the flag changes nothing. Accepted and checked.
DWORD s_use_global_server_creds(Object*, const void* b, DWORD l) {
    BOOL v;
    return get(b, l, v);
}
// Option Flags page: WINHTTP_OPTION_CONFIGURE_PASSPORT_AUTH is set on a session handle (never
// queried, never on a request), a DWORD of WINHTTP_DISABLE_PASSPORT_AUTH (the default),
// WINHTTP_ENABLE_PASSPORT_AUTH, WINHTTP_DISABLE_PASSPORT_KEYRING, WINHTTP_ENABLE_PASSPORT_KEYRING.
// Passport 1.4 ("Passport Authentication in WinHTTP": "disabled by default" since WinHTTP 5.1;
// Microsoft's Passport network itself is gone) is not implemented: the value is checked and
// accepted, and a Passport1.4 challenge goes to the application whatever it is, as with the
// default (docs/design/auth.md).
DWORD s_passport_auth(Object*, const void* b, DWORD l) {
    constexpr DWORD all = WINHTTP_ENABLE_PASSPORT_AUTH | WINHTTP_DISABLE_PASSPORT_KEYRING |
                          WINHTTP_ENABLE_PASSPORT_KEYRING;
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    return (v & ~all) ? ERROR_INVALID_PARAMETER : ERROR_SUCCESS;
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
// Option Flags page: "Allows secure connections to use security certificates for which the
// certificate revocation list could not be downloaded." A BOOL, request handles only.
DWORD s_bool_ignore_rev_offline(Object* o, const void* b, DWORD l) {
    return get(b, l, o->settings().ignore_cert_revocation_offline);
}
DWORD s_codepage(Object* o, const void* b, DWORD l) { return get(b, l, o->settings().codepage); }

// The credential options: strings set in characters, read back in bytes (Wine winhttp.c
// test_credentials, verified on Windows). Only stored for now.
template <std::wstring Settings::*Field>
DWORD query_credential(Object* o, void* b, DWORD* l) {
    return put_wstring(o->settings().*Field, b, l);
}
template <std::wstring Settings::*Field>
DWORD set_credential(Object* o, const void* b, DWORD l) {
    if (!b && l) return ERROR_INVALID_PARAMETER;
    std::wstring& field = o->settings().*Field;
    wipe_wstring(field);  // the old value does not stay behind in freed memory
    field = b ? take_wstring(b, l) : std::wstring();
    return ERROR_SUCCESS;
}

DWORD q_protocol_used(Object* o, void* b, DWORD* l) {
    return put<DWORD>(as<Request>(*o).engine().protocol_used(), b, l);
}
DWORD q_connection_info(Object* o, void* b, DWORD* l) {
    WINHTTP_CONNECTION_INFO info{};
    info.cbSize = sizeof(info);
    if (!as<Request>(*o).engine().connection_info(info)) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    // A zeroed struct is filled in: Windows does not check the caller's cbSize (Wine winhttp.c
    // test_connection_info).
    return put(info, b, l);
}

DWORD q_worker_threads(Object*, void* b, DWORD* l) {
    return put<DWORD>(global_options().worker_threads, b, l);
}
DWORD s_worker_threads(Object*, const void* b, DWORD l) {
    return get(b, l, global_options().worker_threads);
}
// The process-wide trace switch (util/trace.h).
DWORD q_tracing(Object*, void* b, DWORD* l) {
    return trace::query_enabled(b, l);
}
DWORD s_tracing(Object*, const void* b, DWORD l) {
    return trace::set_enabled(b, l);
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
proxy::ConfigPtr proxy_config_of(Object* o) {
    if (o->type() == HandleType::Request) return as<Request>(*o).proxy_config();
    return session_of(o).proxy_config();
}
// A query never reports DEFAULT_PROXY (WINHTTP_PROXY_INFO page: "applies only when setting"):
// a configuration with proxies reads as NAMED_PROXY with its strings, else NO_PROXY.
DWORD q_proxy(Object* o, void* b, DWORD* l) {
    if (!b || *l < sizeof(WINHTTP_PROXY_INFO)) {
        *l = sizeof(WINHTTP_PROXY_INFO);
        return ERROR_INSUFFICIENT_BUFFER;
    }
    const proxy::ConfigPtr c = proxy_config_of(o);
    WINHTTP_PROXY_INFO info{};
    info.dwAccessType = c->source == proxy::ProxyConfig::Source::Direct
                            ? WINHTTP_ACCESS_TYPE_NO_PROXY
                            : WINHTTP_ACCESS_TYPE_NAMED_PROXY;
    if (info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY) {
        info.lpszProxy = global_wstrdup(c->proxy_text);
        info.lpszProxyBypass = global_wstrdup(c->bypass_text);
    }
    return put(info, b, l);
}
DWORD s_proxy(Object* o, const void* b, DWORD l) {
    WINHTTP_PROXY_INFO info;
    if (DWORD e = get(b, l, info)) return e;
    proxy::ConfigPtr c;
    switch (info.dwAccessType) {
        case WINHTTP_ACCESS_TYPE_NO_PROXY: c = proxy::direct_config(); break;
        case WINHTTP_ACCESS_TYPE_DEFAULT_PROXY:
            c = proxy::default_config(WINHTTP_ACCESS_TYPE_DEFAULT_PROXY);
            break;
        case WINHTTP_ACCESS_TYPE_NAMED_PROXY:
            if (DWORD e = proxy::named_config(info.lpszProxy, info.lpszProxyBypass, c)) return e;
            break;
        default: return ERROR_INVALID_PARAMETER;
    }
    if (o->type() == HandleType::Request) as<Request>(*o).set_proxy_config(std::move(c));
    else session_of(o).set_proxy_config(std::move(c));
    return ERROR_SUCCESS;
}

DWORD s_receive_proxy_connect(Object* o, const void* b, DWORD l) {
    BOOL v;
    if (DWORD e = get(b, l, v)) return e;
    o->settings().receive_proxy_connect_response = v ? TRUE : FALSE;
    return ERROR_SUCCESS;
}
DWORD q_is_proxy_connect(Object* o, void* b, DWORD* l) {
    const BOOL v = as<Request>(*o).engine().is_proxy_connect_response() ? TRUE : FALSE;
    return put(v, b, l);
}

DWORD s_accept_bool(Object*, const void* b, DWORD l) {
    BOOL v;
    return get(b, l, v);
}

// --- WebSocket options (Option Flags page: CLOSE_TIMEOUT and KEEPALIVE_INTERVAL are options of
// the WebSocket handle, UPGRADE_TO_WEB_SOCKET of the request, set only) -----------------------

DWORD s_upgrade_websocket(Object* o, const void*, DWORD) {
    return as<Request>(*o).engine().request_websocket_upgrade();
}
DWORD q_ws_close_timeout(Object* o, void* b, DWORD* l) {
    return put(as<WebSocket>(*o).close_timeout_ms(), b, l);
}
DWORD s_ws_close_timeout(Object* o, const void* b, DWORD l) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    as<WebSocket>(*o).set_close_timeout_ms(v);
    return ERROR_SUCCESS;
}
DWORD q_ws_keepalive(Object* o, void* b, DWORD* l) {
    return put(as<WebSocket>(*o).keepalive_ms(), b, l);
}
// Option Flags page: the minimum is 15000 ms; a lower value is ERROR_INVALID_PARAMETER.
DWORD s_ws_keepalive(Object* o, const void* b, DWORD l) {
    DWORD v;
    if (DWORD e = get(b, l, v)) return e;
    if (v < WINHTTP_WEB_SOCKET_MIN_KEEPALIVE_VALUE) return ERROR_INVALID_PARAMETER;
    as<WebSocket>(*o).set_keepalive_ms(v);
    return ERROR_SUCCESS;
}

#define TIMEOUT(name, field)                                                               \
    {WINHTTP_OPTION_##name, kAny, kS | kR, query_timeout<&Timeouts::field>,                \
     set_timeout<&Timeouts::field>}
#define CREDENTIAL(name, field)                                                            \
    {WINHTTP_OPTION_##name, kC | kR, kC | kR, query_credential<&Settings::field>,          \
     set_credential<&Settings::field>}
#define SETTING(name, field)                                                               \
    {WINHTTP_OPTION_##name, kS | kR, kS | kR, query_setting<&Settings::field>,             \
     set_setting<&Settings::field>}

const OptionDef kOptions[] = {
    {WINHTTP_OPTION_CALLBACK, kAny | kW, kAny | kW, q_callback, s_callback},
    TIMEOUT(RESOLVE_TIMEOUT, resolve),
    TIMEOUT(CONNECT_TIMEOUT, connect),
    SETTING(CONNECT_RETRIES, connect_retries),
    TIMEOUT(SEND_TIMEOUT, send),
    TIMEOUT(RECEIVE_TIMEOUT, receive),
    TIMEOUT(RECEIVE_RESPONSE_TIMEOUT, receive_response),
    CREDENTIAL(USERNAME, username),
    CREDENTIAL(PASSWORD, password),
    CREDENTIAL(PROXY_USERNAME, proxy_username),
    CREDENTIAL(PROXY_PASSWORD, proxy_password),
    {WINHTTP_OPTION_HANDLE_TYPE, kAny | kW, kAny | kW, q_handle_type, nullptr},
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
    {WINHTTP_OPTION_RECEIVE_PROXY_CONNECT_RESPONSE, 0, kS | kR, nullptr, s_receive_proxy_connect},
    {WINHTTP_OPTION_IS_PROXY_CONNECT_RESPONSE, kR, 0, q_is_proxy_connect, nullptr},
    {WINHTTP_OPTION_USER_AGENT, kS, kS, q_user_agent, s_user_agent},
    {WINHTTP_OPTION_CONTEXT_VALUE, kAny | kW, kAny | kW, q_context, s_context},
    {WINHTTP_OPTION_REQUEST_PRIORITY, kR, kR, query_setting<&Settings::request_priority>,
     set_setting<&Settings::request_priority>},
    {WINHTTP_OPTION_HTTP_VERSION, kNull | kAny, kNull | kAny, q_http_version, s_http_version},
    {WINHTTP_OPTION_DISABLE_FEATURE, 0, kR, nullptr, s_disable_feature},
    {WINHTTP_OPTION_CODEPAGE, 0, kS, nullptr, s_codepage},
    {WINHTTP_OPTION_MAX_CONNS_PER_SERVER, kS, kS, q_max_conns, s_max_conns},
    {WINHTTP_OPTION_MAX_CONNS_PER_1_0_SERVER, kS, kS, q_max_conns10, s_max_conns10},
    {WINHTTP_OPTION_AUTOLOGON_POLICY, 0, kR, nullptr, s_autologon},
    {WINHTTP_OPTION_SPN, 0, kR, nullptr, s_spn},
    {WINHTTP_OPTION_USE_GLOBAL_SERVER_CREDENTIALS, 0, kS | kR, nullptr, s_use_global_server_creds},
    {WINHTTP_OPTION_SERVER_SPN_USED, kR, 0, q_spn_used<WINHTTP_AUTH_TARGET_SERVER>, nullptr},
    {WINHTTP_OPTION_PROXY_SPN_USED, kR, 0, q_spn_used<WINHTTP_AUTH_TARGET_PROXY>, nullptr},
    {WINHTTP_OPTION_ENABLE_FEATURE, 0, kS | kR, nullptr, s_enable_feature},
    {WINHTTP_OPTION_CONFIGURE_PASSPORT_AUTH, 0, kS, nullptr, s_passport_auth},
    {WINHTTP_OPTION_WORKER_THREAD_COUNT, kNull | kAny, kNull, q_worker_threads, s_worker_threads},
    {WINHTTP_OPTION_ENABLETRACING, kNull, kNull, q_tracing, s_tracing},
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
    {WINHTTP_OPTION_HTTP2_KEEPALIVE, kS, kS, q_h2_keepalive, s_h2_keepalive},
    {WINHTTP_OPTION_IGNORE_CERT_REVOCATION_OFFLINE, 0, kR, nullptr, s_bool_ignore_rev_offline},
    // Connection and measurement options (core/conn_options.cpp).
    {WINHTTP_OPTION_TCP_KEEPALIVE, 0, kS, nullptr, set_tcp_keepalive},
    {WINHTTP_OPTION_EXPIRE_CONNECTION, 0, kR, nullptr, set_expire_connection},
    {WINHTTP_OPTION_REQUEST_TIMES, kR, kR, query_request_times, nullptr},
    {WINHTTP_OPTION_REQUEST_STATS, kR, kR, query_request_stats, nullptr},
    {WINHTTP_OPTION_CONNECTION_STATS_V0, kR, kR, query_connection_stats_v0, nullptr},
    {WINHTTP_OPTION_CONNECTION_STATS_V1, kR, kR, query_connection_stats_v1, nullptr},
    {WINHTTP_OPTION_RESOLUTION_HOSTNAME, 0, kR, nullptr, set_resolution_hostname},
    {WINHTTP_OPTION_SECURITY_INFO, kR, kR, query_security_info, nullptr},
    {WINHTTP_OPTION_SERVER_CBT, kR, kR, query_server_cbt, nullptr},
    {WINHTTP_OPTION_FAILED_CONNECTION_RETRIES, 0, kS, nullptr, set_failed_connection_retries},
    {WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET, 0, kR, nullptr, s_upgrade_websocket},
    // Wine winhttp.c test_websocket (verified on Windows): session and request options (a new
    // request takes the session's), not of a connect or WebSocket handle.
    SETTING(WEB_SOCKET_RECEIVE_BUFFER_SIZE, ws_receive_buffer),
    SETTING(WEB_SOCKET_SEND_BUFFER_SIZE, ws_send_buffer),
    {WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT, kW, kW, q_ws_close_timeout, s_ws_close_timeout},
    {WINHTTP_OPTION_WEB_SOCKET_KEEPALIVE_INTERVAL, kW, kW, q_ws_keepalive, s_ws_keepalive},
};

#undef TIMEOUT
#undef CREDENTIAL
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
    // Querying a set-only option, or option 0, is ERROR_INVALID_PARAMETER (Wine winhttp.c
    // test_WinHttpQueryOption and test_basic_request, verified on Windows); other unknown
    // options stay ERROR_WINHTTP_INVALID_OPTION so applications can tell them apart.
    if ((d && !d->query) || option == 0) return ERROR_INVALID_PARAMETER;
    if (!d) return ERROR_WINHTTP_INVALID_OPTION;
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
