// Per-handle settings. A child handle copies its parent's settings when it is created
// (winhttp-surface.md (f): "Settings inherit downward at handle creation"); later changes
// on the parent do not reach existing children.
#pragma once
#include <winhttp.h>

#include <string>
#include <vector>

namespace winhttp {

// Windows' documented defaults (winhttp-surface.md (c)).
struct Timeouts {
    DWORD resolve = 0;  // 0 = infinite (WinHttpSetTimeouts page)
    DWORD connect = 60000;
    DWORD send = 30000;
    DWORD receive = 30000;
    // The Option Flags page says 90 s; Windows reports (and uses) INFINITE: Wine winhttp.c
    // test_timeouts, verified on Windows. The header wait stays bounded by `receive` per read.
    DWORD receive_response = 0xFFFFFFFFu;
};

// A timeout value of 0 or INFINITE means "wait forever" (WinHttpSetTimeouts page).
inline bool is_infinite(DWORD ms) { return ms == 0 || ms == 0xFFFFFFFFu; }

// Zeroes a string's whole allocation before it is released (credentials in memory).
void wipe_wstring(std::wstring& s);

struct Settings {
    Settings() = default;
    Settings(const Settings&) = default;
    Settings& operator=(const Settings&) = default;
    ~Settings();  // wipes the four credential strings (settings.cpp)

    Timeouts timeouts;
    DWORD connect_retries = 5;
    DWORD redirect_policy = WINHTTP_OPTION_REDIRECT_POLICY_DISALLOW_HTTPS_TO_HTTP;
    DWORD max_redirects = 10;
    DWORD max_status_continue = 10;
    DWORD max_response_header_size = 64 * 1024;
    DWORD max_response_drain_size = 1024 * 1024;
    DWORD decompression = 0;     // WINHTTP_DECOMPRESSION_FLAG_*
    DWORD http_protocols = 0;    // WINHTTP_PROTOCOL_FLAG_*; 0 = HTTP/1.1 only
    DWORD disabled_features = 0; // WINHTTP_DISABLE_*
    DWORD enabled_features = 0;  // WINHTTP_ENABLE_*
    DWORD security_flags = 0;    // SECURITY_FLAG_IGNORE_*
    DWORD secure_protocols = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2 | WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
    DWORD autologon_policy = WINHTTP_AUTOLOGON_SECURITY_LEVEL_MEDIUM;
    DWORD spn = WINHTTP_DISABLE_SPN_SERVER_PORT;  // WINHTTP_OPTION_SPN
    DWORD codepage = 65001;      // CP_UTF8
    BOOL reject_userpwd_in_url = FALSE;
    BOOL http_protocol_required = FALSE;
    BOOL ipv6_fast_fallback = FALSE;
    BOOL ignore_cert_revocation_offline = FALSE;  // with WINHTTP_ENABLE_SSL_REVOCATION
    // WINHTTP_OPTION_USERNAME / PASSWORD / PROXY_USERNAME / PROXY_PASSWORD: the credentials
    // that answer a 401/407 on their own (RequestEngine::answer_challenge).
    std::wstring username, password, proxy_username, proxy_password;
    // WINHTTP_OPTION_TCP_KEEPALIVE (struct tcp_keepalive, times in ms): applied to the
    // connections a request opens.
    bool tcp_keepalive = false;
    DWORD tcp_keepalive_time_ms = 0;
    DWORD tcp_keepalive_interval_ms = 0;
    // WINHTTP_OPTION_FAILED_CONNECTION_RETRIES: WINHTTP_CONNECTION_RETRY_CONDITION_* bits.
    DWORD failed_connection_retries = 0;
    DWORD failed_connection_retry_conditions = 0;
    BOOL receive_proxy_connect_response = FALSE;  // a failed CONNECT's answer goes to the app
    // WINHTTP_OPTION_WEB_SOCKET_RECEIVE/SEND_BUFFER_SIZE: a WebSocket's read and write chunk
    // (default 32768: Wine winhttp.c test_websocket, verified on Windows).
    DWORD ws_receive_buffer = 32768;
    DWORD ws_send_buffer = 32768;
    // Deprecated on Windows: kept and reported, no effect.
    DWORD read_buffer_size = 8192;
    DWORD write_buffer_size = 8192;
    DWORD request_priority = 0;
};

}  // namespace winhttp
