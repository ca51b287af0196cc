// The request state machine: send headers -> write body -> receive headers -> read body,
// with 1xx skipping, redirects, cookies, decompression and keep-alive hand-back.
//
//   Created ──send──► AwaitingWrite ──write*──► Sent ──receive──► HeadersAvailable ──read*──┐
//      ▲               (declared body complete)                                              │
//      └──────────── send again (new request on the same handle) ◄── BodyDone ◄──────────────┘
//   any state ──error──► Failed        any state ──close──► (cancelled, connection dropped)
//
// Written once as coroutines (core/task.h) and run in both modes: every wait goes through
// RequestIo, which polls on the caller's thread for a synchronous handle and suspends onto the
// event loop for an asynchronous one. The engine never knows which thread it runs on; one
// operation runs at a time (the API layer guarantees it).
#pragma once
#include <winhttp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>
#include <string>

#include "async/request_io.h"
#include "core/auth_flow.h"
#include "core/request_metrics.h"
#include "core/task.h"
#include "http1/message.h"
#include "net/conn_pool.h"
#include "net/socket.h"
#include "proxy/proxy_list.h"

struct x509_st;

namespace winhttp {

class Request;
class Exchange;
class Http1Exchange;

class RequestEngine {
public:
    enum class State { Created, AwaitingWrite, Sent, HeadersAvailable, BodyDone, Failed, Count };

    RequestEngine(Request& owner, bool async);
    ~RequestEngine();

    // Each completes with ERROR_SUCCESS or the WinHTTP error code (see the API pages). The
    // check_* functions are the errors known before any I/O: the async API reports them at once.
    Task<DWORD> send(std::string extra_headers, const void* optional, DWORD optional_len,
                     DWORD total_len);
    DWORD check_write(DWORD len) const;
    Task<DWORD> write(const void* data, DWORD len, DWORD* written);
    DWORD check_receive() const;
    Task<DWORD> receive_response();
    DWORD check_read() const;
    Task<DWORD> query_data_available(DWORD* available);
    Task<DWORD> read(void* buffer, DWORD len, DWORD* read, bool fill_buffer);
    // Synchronous handles, WinHttpQueryDataAvailable then WinHttpReadData of a Content-Length
    // body whose bytes are in the stream: answered without a coroutine frame or a wait
    // (docs/design/read-path.md). false: not taken, nothing done, the Task above does the call;
    // true: `error` is its result.
    bool query_data_available_now(DWORD* available, DWORD& error);
    bool read_now(void* buffer, DWORD len, DWORD* read, DWORD& error);

    DWORD add_headers(std::string_view headers, DWORD modifiers);
    DWORD add_headers_ex(DWORD modifiers, ULONGLONG flags, ULONGLONG reserved, DWORD count,
                         WINHTTP_EXTENDED_HEADER* headers);
    DWORD query_headers(DWORD level, const WCHAR* name, void* buffer, DWORD* len, DWORD* index);
    DWORD query_headers_ex(DWORD level, ULONGLONG flags, UINT codepage, DWORD* index,
                           WINHTTP_HEADER_NAME* name, void* buffer, DWORD* len,
                           WINHTTP_EXTENDED_HEADER** headers, DWORD* count);

    // From WinHttpCloseHandle, on any thread: aborts the operation in flight promptly.
    void cancel() noexcept { io_.cancel(); }
    // At close, with nothing in flight: keeps the connection when the whole response is
    // already buffered (see engine.cpp).
    void keep_finished_connection() noexcept;
    RequestIo& io() noexcept { return io_; }

    std::wstring url() const;
    bool started() const noexcept { return state_ != State::Created; }
    // WINHTTP_OPTION_HTTP_PROTOCOL_USED: WINHTTP_PROTOCOL_FLAG_HTTP2 after an h2 exchange.
    DWORD protocol_used() const noexcept { return used_h2_ ? WINHTTP_PROTOCOL_FLAG_HTTP2 : 0; }
    bool connection_info(WINHTTP_CONNECTION_INFO& info) const;
    // The TLS layer of the connection the request holds (until its response has been read to
    // the end and the connection went back to the pool), else null.
    const net::TlsStream* tls() const noexcept;
    // WINHTTP_OPTION_SERVER_CBT: RFC 5929 tls-server-end-point (raw hash) of the certificate of
    // the last TLS connection to the origin a transmission of this request went on, kept after
    // the connection went back to the pool. Empty before the first TLS handshake, on plain
    // http, and when RFC 5929 defines no hash for the certificate. Any thread, also from a
    // callback during an operation (the Option Flags page names SENDING_REQUEST).
    std::string server_end_point() const;
    State state() const noexcept { return state_; }
    // WINHTTP_OPTION_IS_PROXY_CONNECT_RESPONSE: the response at hand is the proxy's answer to
    // CONNECT (a refused tunnel handed to the application), not the origin's.
    bool is_proxy_connect_response() const noexcept { return proxy_connect_response_; }

    // WINHTTP_OPTION_REQUEST_TIMES / _REQUEST_STATS.
    const RequestMetrics& metrics() const noexcept { return metrics_; }
    // WINHTTP_OPTION_CONNECTION_STATS_*: the connection the request holds, else the last one
    // it held. False when it never had one.
    // `age_ms` is the connection's lifetime (then).
    bool tcp_stats(net::TcpStats& out, ULONGLONG& age_ms) const;
    // WINHTTP_OPTION_EXPIRE_CONNECTION: the connection is closed instead of pooled when the
    // response ends.
    void expire_connection() noexcept { expire_connection_.store(true, std::memory_order_relaxed); }
    // WINHTTP_OPTION_RESOLUTION_HOSTNAME (UTF-8; empty = the URL's host): the name or address
    // connected to, while Host, SNI and the certificate check keep the URL's host. Taken at
    // the next send.
    void set_resolution_host(std::string host);

    // WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET: the request asks for a WebSocket upgrade when it is
    // sent (docs/design/websocket.md). ERROR_WINHTTP_INCORRECT_HANDLE_STATE once it was sent.
    DWORD request_websocket_upgrade();
    // WinHttpWebSocketCompleteUpgrade: checks the 101 answer and hands over its connection and
    // the bytes already read past the response head. ERROR_WINHTTP_INCORRECT_HANDLE_STATE when
    // the request did not ask for an upgrade, has no response yet, or the status is not 101;
    // ERROR_WINHTTP_INVALID_SERVER_RESPONSE when the handshake answer is wrong (RFC 6455 4.1).
    // The request is unusable afterwards.
    DWORD take_upgraded_connection(std::unique_ptr<Connection>& conn, std::string& leftover);
    // WinHttpQueryAuthSchemes: the schemes of the 401/407 at hand (WINHTTP_AUTH_SCHEME_*), the
    // first one the server listed, and the target. ERROR_INVALID_OPERATION without a challenge.
    DWORD query_auth_schemes(DWORD& supported, DWORD& first, DWORD& target) const;
    // WinHttpSetCredentials (arguments checked by the API layer).
    void set_credentials(DWORD target, DWORD scheme, auth::Credentials creds);
    // WINHTTP_OPTION_SERVER_SPN_USED / PROXY_SPN_USED (WINHTTP_AUTH_TARGET_*).
    const std::string& spn_used(DWORD target) const {
        return auth_.spn_used(target == WINHTTP_AUTH_TARGET_PROXY ? AuthFlow::kProxy
                                                                   : AuthFlow::kServer);
    }

private:
    // --- sending ---
    Task<DWORD> decide_route();
    Task<DWORD> run_auth_steps(bool& failed);
    Task<DWORD> open_connection();
    // Sets up the connection of the route on setup_ (taken from the pool, or connected, tunnelled
    // and TLS'd) and makes it the request's exchange. `resume_tunnel`: go on with setup_ (a held
    // proxy connection whose CONNECT got a 407) instead of taking or opening one: the
    // handshake's next CONNECT, then TLS, on that connection.
    Task<DWORD> open_route(const proxy::ProxyServer* via, bool resume_tunnel = false);
    Task<DWORD> connect_fresh(const std::string& host, unsigned short port);
    Task<DWORD> connect_one(const net::Address& addr);
    Task<DWORD> connect_race(const net::Address& v6, const net::Address& v4);
    DWORD start_attempt(net::Socket& socket, const net::Address& addr, std::wstring& ip);
    void note_connected(const std::wstring& ip);
    // `refused`: the proxy's answer when it refused the tunnel and the answer is the response.
    Task<DWORD> establish_tunnel(std::string& refused);
    Task<DWORD> start_tls();
    Task<DWORD> fetch_revocation();
    // WINHTTP_ENABLE_SSL_REVOCATION is set on the request.
    bool checks_revocation() const;
    bool may_retry(DWORD condition);
    // `via_proxy`: plain http through a forward proxy (absolute-form target).
    void build_head(http1::RequestHead& head, DWORD content_length, bool has_length, bool via_proxy);
    void add_websocket_headers(http1::RequestHead& head);
    Task<DWORD> transmit_request();
    // --- receiving ---
    Task<DWORD> read_head();
    // The HTTP/1.1 exchange when the next body bytes can go from its socket straight into a
    // caller's buffer with `room` bytes (docs/design/read-path.md), else null.
    Http1Exchange* direct_reader(size_t room) const;
    // ... and (sync fast paths) a Content-Length body has bytes still to come.
    Http1Exchange* direct_body_left() const;
    Task<DWORD> peek_body(size_t& n, bool& peeked);
    Task<DWORD> next_body_piece();
    Task<DWORD> follow_redirect(bool& followed);
    Task<DWORD> answer_challenge(bool& again);
    // The challenges of every `header` line of `head` (the response's by default).
    static std::vector<auth::Challenge> challenges_in(const http1::ResponseHead& head,
                                                      std::string_view header);
    std::vector<auth::Challenge> challenges_in(std::string_view header) const;
    bool is_intranet(const std::string& host, uint16_t port) const;
    std::string spn_for(const std::string& host, uint16_t port) const;
    std::string channel_binding() const;
    std::string origin() const;
    void add_auth_headers(http1::RequestHead& head);
    Task<DWORD> drain_body();
    Task<DWORD> decode_more();
    bool start_decoding(DWORD& error);
    void finish_message();
    bool keeps_alive() const;  // the response lets the connection carry another request
    bool reusable() const;     // ... and it may go to the pool
    void give_back();
    // Closes the connection being set up and lets the exchange's go (the exchange stays, for
    // the response head).
    void drop_connection(bool notify = true);
    bool holds_connection() const noexcept;
    Http1Exchange* http1() const noexcept;
    const http1::ResponseHead& response_head() const noexcept;
    void store_cookies();
    void note_body_bytes(size_t n);
    const http1::RequestHead& head_for_query(http1::RequestHead& pending) const;

    // Informational notifications; `bytes` is the payload size to copy if delivery is deferred.
    void status(DWORD code, const void* info = nullptr, DWORD len = 0, size_t bytes = 0);
    void status_text(DWORD code, const std::wstring& text);
    net::Deadline receive_deadline() const;
    net::Deadline send_deadline() const;

    Request& owner_;
    RequestIo io_;
    State state_ = State::Created;

    // Where the request goes (changes on redirect).
    bool secure_ = false;
    std::string host_;  // UTF-8, IPv6 literal without brackets
    unsigned short port_ = 80;
    std::string method_;
    std::string target_;
    // The route of the current URL (decided per URL: redirects decide again): the proxies to
    // try in order, empty for a direct connection; and the one in use. An entry with an empty
    // host is a direct connection in the list (a PAC answer "PROXY a; DIRECT").
    std::vector<proxy::ProxyServer> route_;
    std::optional<proxy::ProxyServer> proxy_;
    bool proxy_connect_response_ = false;
    bool conn_failed_before_proxy_answered_ = false;  // open_route failed in connect_fresh

    http1::HeaderList app_headers_;   // added by the application
    http1::RequestHead sent_head_;    // what went on the wire last
    std::string optional_;            // body given to SendRequest (resent on redirect/retry)
    DWORD total_len_ = 0;
    uint64_t body_left_to_write_ = 0;
    bool app_chunked_ = false;
    bool body_streamed_ = false;      // WriteData was used: cannot resend

    // The connection while open_route sets it up (or resumes a held one's tunnel); then it
    // belongs to the exchange.
    std::unique_ptr<Connection> setup_;
    bool conn_reused_ = false;
    // The addresses of the connection the request was sent on last (CONNECTION_INFO): the
    // connection's own, shared, not copied. Written by the engine, read by option queries from
    // any thread.
    std::atomic<std::shared_ptr<const ConnectionAddresses>> addresses_;

    // The decoder lives behind a pointer so this header stays light for the API layer.
    struct Codecs;
    std::unique_ptr<Codecs> codecs_;
    const char* body_ptr_ = nullptr;  // undelivered part of the current body piece
    size_t body_left_ = 0;
    size_t promised_ = 0;  // bytes QueryDataAvailable found in the stream, not read yet
    bool message_done_ = false;
    net::Deadline head_deadline_;
    unsigned redirects_ = 0;

    RequestMetrics metrics_;
    std::atomic<bool> expire_connection_{false};
    std::mutex resolution_mutex_;
    // The server certificate for server_end_point(), noted before each transmission over TLS
    // (note_server_certificate); one reference held.
    void note_server_certificate();
    mutable std::mutex server_cert_mutex_;
    std::shared_ptr<x509_st> server_cert_;
    std::string resolution_requested_;  // set by the option, under resolution_mutex_
    std::string resolution_host_;       // in force for this send; cleared by a redirect elsewhere
    DWORD retries_used_ = 0;            // WINHTTP_OPTION_FAILED_CONNECTION_RETRIES, per send
    bool h2_resent_ = false;            // an unprocessed h2 stream goes again once per send
    // The server answered with HTTP_1_1_REQUIRED (RST_STREAM or GOAWAY, RFC 9113 7): the rest
    // of this send goes over HTTP/1.1 (offers_h2() is false).
    bool http11_required_ = false;

    bool ws_upgrade_ = false;  // WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET
    // Through a proxy the request goes inside a CONNECT tunnel: https, and a WebSocket upgrade
    // over ws:// too (RFC 6455 4.1: a client configured to use a proxy asks it with CONNECT to
    // open a TCP connection to the host and port; a forward proxy would not pass the upgraded
    // connection on). Microsoft's pages say nothing else (docs/design/websocket.md "Proxies").
    bool tunnels() const { return secure_ || ws_upgrade_; }
    std::string ws_key_;       // the Sec-WebSocket-Key sent last
    // Authentication (core/auth_flow.h). `open_origin_` is the origin the request was opened
    // for: the USERNAME/PASSWORD options belong to it. `hold_connection_` keeps the connection
    // out of the pool between the rounds of a connection-based handshake (NTLM, Negotiate).
    AuthFlow auth_;
    std::string open_origin_;
    bool hold_connection_ = false;

    bool decoding_ = false;
    std::string decoded_;
    size_t decoded_off_ = 0;

    // --- HTTP/2 (core/engine_h2.cpp, docs/design/http2.md) ---
    // ENABLE_HTTP_PROTOCOL asks for h2 and the request can use it (https, no WebSocket upgrade,
    // no application-framed chunking).
    bool offers_h2() const;
    // HTTP_PROTOCOL_REQUIRED with h2 enabled, checked once the connection is known.
    DWORD check_required_protocol();
    // open_route: a shared h2 connection of `key` is attached (true), or a fresh connection
    // whose TLS chose "h2" becomes one.
    bool attach_h2(const std::string& key);
    void adopt_h2(const std::string& key);
    // HTTP_1_1_REQUIRED ended the stream: true when the request goes again over HTTP/1.1.
    bool fall_back_to_http11(DWORD e);
    // The exchange of the request's last transmission (core/exchange.h: Http1Exchange or
    // H2Exchange), from open_route on. It lets go of its connection when the response ends
    // or the request gives up, and stays for the response head until the next transmission.
    Exchange* exchange_ = nullptr;  // Codecs::h1 or Codecs::h2
    // The last transmission's exchange goes (with its response head).
    void end_exchange() noexcept;
    void start_h1(std::unique_ptr<Connection> conn);
    // After a failed send on exchange_: the request did not reach the server, send it again.
    bool goes_again(DWORD e);
    bool used_h2_ = false;
};

}  // namespace winhttp
