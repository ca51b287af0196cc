#include "core/engine.h"

#include <openssl/x509.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <utility>

#include "auth/challenge.h"
#include "auth/channel_binding.h"
#include "auth/schemes.h"
#include "core/cookies.h"
#include "core/engine_codecs.h"
#include "core/exchange.h"
#include "core/http1_exchange.h"
#include "core/request.h"
#include "http1/header_store.h"
#include "http1/request_writer.h"
#include "core/session.h"
#include "proxy/config.h"
#include "proxy/pac.h"
#include "util/url.h"
#include "util/wide.h"
#include "ws/handshake.h"
#include "core/revocation.h"

#include "util/error_names.h"
#include "util/trace.h"

namespace winhttp {

namespace {

constexpr size_t kReadChunk = 64 * 1024;

bool is_redirect(unsigned status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

const std::string* find_header(const http1::HeaderList& list, std::string_view name) {
    for (const auto& h : list)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

void remove_header(http1::HeaderList& list, std::string_view name) {
    std::erase_if(list, [&](const http1::Header& h) { return iequals(h.name, name); });
}

std::string host_for_header(const std::string& host, unsigned short port, bool secure) {
    // Built in place, one allocation at most (this runs for every request).
    const bool v6 = host.find(':') != std::string::npos;
    const bool with_port = port != (secure ? 443 : 80);
    std::string out;
    out.reserve(host.size() + (v6 ? 2 : 0) + (with_port ? 6 : 0));
    if (v6) out += '[';
    out += host;
    if (v6) out += ']';
    if (with_port) {
        char digits[8];
        const auto r = std::to_chars(digits, digits + sizeof(digits), port);
        out += ':';
        out.append(digits, r.ptr);
    }
    return out;
}

}  // namespace

RequestEngine::RequestEngine(Request& owner, bool async)
    : owner_(owner), io_(owner, async), codecs_(std::make_unique<Codecs>()) {
    secure_ = owner.secure();
    std::wstring host = owner.connect().host();
    if (host.size() > 2 && host.front() == L'[' && host.back() == L']')
        host = host.substr(1, host.size() - 2);
    host_ = to_utf8(host);
    port_ = owner.connect().port();
    if (port_ == INTERNET_DEFAULT_PORT) port_ = secure_ ? 443 : 80;
    method_ = owner.verb();
    target_ = owner.target();
    open_origin_ = origin();
    // Accept and Referer become request headers at open time (visible to QueryHeaders).
    std::string accept;
    for (const auto& t : owner.accept_types()) {
        if (!accept.empty()) accept += ", ";
        accept += to_utf8(t);
    }
    if (!accept.empty()) app_headers_.push_back({"Accept", accept});
    if (!owner.referrer().empty()) app_headers_.push_back({"Referer", to_utf8(owner.referrer())});
}

// Silent: the handle is gone, HANDLE_CLOSING may already have been delivered.
RequestEngine::~RequestEngine() {
    drop_connection(false);
    end_exchange();
}

// A request closed once its whole response has arrived leaves its connection in the pool, even
// with the body unread or its end not yet seen by a read (Wine notification.c, verified on
// Windows: test_connection_cache closes after the headers, test_persistent_connection after one
// read of exactly the body; the next request sends on the same socket). Only bytes already
// buffered are parsed: closing never waits on the network, and a response still arriving
// closes the connection as before.
void RequestEngine::keep_finished_connection() noexcept {
    Http1Exchange* h1 = http1();
    if (!h1 || !h1->holds_connection() || message_done_) return;
    if (state_ != State::HeadersAvailable && state_ != State::BodyDone) return;
    try {
        body_left_ = 0;  // undelivered body bytes are dropped
        if (!h1->ends_in_buffer()) return;
        message_done_ = true;
        // Silent: the handle is closed. A connection not fit for reuse is closed by the
        // destructor without notifications.
        if (reusable()) give_back();
    } catch (...) {
        // Out of memory while parsing: the destructor closes the connection.
    }
}

void RequestEngine::status(DWORD code, const void* info, DWORD len, size_t bytes) {
    if (owner_.wants(code)) owner_.status(code, info, len, bytes);
}

// Strings go to the callback as a NUL-terminated LPWSTR; the length counts characters without
// the terminator (the same convention as REDIRECT).
void RequestEngine::status_text(DWORD code, const std::wstring& text) {
    status(code, text.c_str(), static_cast<DWORD>(text.size()), (text.size() + 1) * sizeof(WCHAR));
}

net::Deadline RequestEngine::receive_deadline() const {
    return net::Deadline::after_ms(owner_.settings().timeouts.receive);
}

net::Deadline RequestEngine::send_deadline() const {
    return net::Deadline::after_ms(owner_.settings().timeouts.send);
}

std::wstring RequestEngine::url() const {
    std::string u = secure_ ? "https://" : "http://";
    u += host_for_header(host_, port_, secure_);
    u += target_;
    return from_utf8(u);
}

namespace {
ULONGLONG age_ms(const Connection& c) {
    return static_cast<ULONGLONG>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      net::Clock::now() - c.opened)
                                      .count());
}
}  // namespace

const net::TlsStream* RequestEngine::tls() const noexcept {
    if (setup_) return setup_->tls.get();
    if (exchange_) return exchange_->tls();
    return nullptr;
}

bool RequestEngine::tcp_stats(net::TcpStats& out, ULONGLONG& age) const {
    const Http1Exchange* h1 = http1();
    const Connection* c = setup_ ? setup_.get() : h1 ? h1->connection() : nullptr;
    if (c && c->socket.tcp_stats(out)) {
        age = age_ms(*c);
        return true;
    }
    return metrics_.kept_tcp_stats(out, age);
}

Http1Exchange* RequestEngine::http1() const noexcept {
    return codecs_->h1 ? &*codecs_->h1 : nullptr;
}

bool RequestEngine::holds_connection() const noexcept {
    return setup_ || (exchange_ && exchange_->holds_connection());
}

const http1::ResponseHead& RequestEngine::response_head() const noexcept {
    return exchange_ ? exchange_->head() : http1::kNoResponse;
}

void RequestEngine::set_resolution_host(std::string host) {
    std::lock_guard lock(resolution_mutex_);
    resolution_requested_ = std::move(host);
}

// WINHTTP_FAILED_CONNECTION_RETRIES page: retries under the conditions the session allowed, up
// to dwMaxRetries per request.
bool RequestEngine::may_retry(DWORD condition) {
    const Settings& s = owner_.settings();
    if (!(s.failed_connection_retry_conditions & condition)) return false;
    if (retries_used_ >= s.failed_connection_retries) return false;
    ++retries_used_;
    return true;
}

bool RequestEngine::connection_info(WINHTTP_CONNECTION_INFO& info) const {
    std::shared_ptr<const ConnectionAddresses> a = addresses_.load(std::memory_order_acquire);
    if (!a) return false;
    info.LocalAddress = a->local;
    info.RemoteAddress = a->remote;
    return true;
}

// --- headers ---------------------------------------------------------------------------------

DWORD RequestEngine::add_headers(std::string_view headers, DWORD modifiers) {
    return http1::add_request_headers(app_headers_, headers, modifiers);
}

DWORD RequestEngine::add_headers_ex(DWORD modifiers, ULONGLONG flags, ULONGLONG reserved,
                                    DWORD count, WINHTTP_EXTENDED_HEADER* headers) {
    return http1::add_request_headers_ex(app_headers_, modifiers, flags, reserved, count, headers);
}

// Before the request is sent, request-header queries see what would be sent.
const http1::RequestHead& RequestEngine::head_for_query(http1::RequestHead& pending) const {
    if (state_ != State::Created) return sent_head_;
    pending.method = method_;
    pending.target = target_;
    pending.headers = app_headers_;
    return pending;
}

DWORD RequestEngine::query_headers(DWORD level, const WCHAR* name, void* buffer, DWORD* len,
                                   DWORD* index) {
    // An info level above WINHTTP_QUERY_MAX is refused in any state; REQUEST_METHOD is read
    // from the request line even without FLAG_REQUEST_HEADERS (Wine winhttp.c
    // test_WinHttpSendRequest, verified on Windows).
    const DWORD info = level & 0xFFFFu;
    if (info > WINHTTP_QUERY_MAX && info != WINHTTP_QUERY_CUSTOM) return ERROR_INVALID_PARAMETER;
    const bool want_request =
        (level & WINHTTP_QUERY_FLAG_REQUEST_HEADERS) != 0 || info == WINHTTP_QUERY_REQUEST_METHOD;
    if (!want_request && state_ != State::HeadersAvailable && state_ != State::BodyDone)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    http1::RequestHead pending;
    http1::QuerySource src{&response_head(), &head_for_query(pending)};
    return http1::query_headers(src, level, name, buffer, len, index);
}

DWORD RequestEngine::query_headers_ex(DWORD level, ULONGLONG flags, UINT codepage, DWORD* index,
                                      WINHTTP_HEADER_NAME* name, void* buffer, DWORD* len,
                                      WINHTTP_EXTENDED_HEADER** headers, DWORD* count) {
    const bool want_request = (level & WINHTTP_QUERY_FLAG_REQUEST_HEADERS) != 0;
    if (!want_request && state_ != State::HeadersAvailable && state_ != State::BodyDone)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    http1::RequestHead pending;
    http1::QuerySource src{&response_head(), &head_for_query(pending)};
    return http1::query_headers_ex(src, level, flags, codepage, index, name, buffer, len, headers,
                                   count);
}

// --- sending ---------------------------------------------------------------------------------

Task<DWORD> RequestEngine::send(std::string extra_headers, const void* optional,
                                DWORD optional_len, DWORD total_len) {
    if (!extra_headers.empty()) {
        const DWORD e =
            add_headers(extra_headers, WINHTTP_ADDREQ_FLAG_ADD | WINHTTP_ADDREQ_FLAG_REPLACE);
        if (e) co_return e;
    }
    // A new request on the same handle: whatever is left of the previous response goes.
    if (state_ != State::Created && holds_connection()) drop_connection();
    optional_.assign(static_cast<const char*>(optional), optional ? optional_len : 0);
    total_len_ = std::max(total_len, optional_len);
    const std::string* te = find_header(app_headers_, "Transfer-Encoding");
    app_chunked_ = te && iequals(*te, "chunked");
    body_streamed_ = false;
    redirects_ = 0;
    retries_used_ = 0;
    h2_resent_ = false;
    http11_required_ = false;
    auth_.begin_send(origin());
    metrics_.reset();
    {
        std::lock_guard lock(resolution_mutex_);
        resolution_host_ = resolution_requested_;
    }
    state_ = State::Failed;
    const DWORD e = co_await transmit_request();
    if (e) co_return e;
    body_left_to_write_ = total_len_ - optional_.size();
    state_ = (body_left_to_write_ > 0 || app_chunked_) ? State::AwaitingWrite : State::Sent;
    co_return ERROR_SUCCESS;
}

// RFC 6455 4.1: the opening handshake's headers. An application's own Sec-WebSocket-Key is
// kept (and checked against the answer); otherwise a fresh one from the CSPRNG per request sent.
void RequestEngine::add_websocket_headers(http1::RequestHead& head) {
    if (const std::string* key = find_header(app_headers_, "Sec-WebSocket-Key")) {
        ws_key_ = *key;
    } else {
        ws_key_ = ws::make_key();
        head.headers.push_back({"Sec-WebSocket-Key", ws_key_});
    }
    if (!find_header(app_headers_, "Upgrade")) head.headers.push_back({"Upgrade", "websocket"});
    if (!find_header(app_headers_, "Sec-WebSocket-Version"))
        head.headers.push_back({"Sec-WebSocket-Version", "13"});
}

DWORD RequestEngine::request_websocket_upgrade() {
    if (state_ != State::Created) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    ws_upgrade_ = true;
    return ERROR_SUCCESS;
}

DWORD RequestEngine::take_upgraded_connection(std::unique_ptr<Connection>& conn,
                                              std::string& leftover) {
    Http1Exchange* h1 = http1();
    if (!ws_upgrade_ || state_ != State::HeadersAvailable || !h1 || !h1->holds_connection() ||
        h1->head().status != 101)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    if (ws_key_.empty()) return ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
    if (const DWORD e = ws::check_upgrade_response(h1->head().headers, ws_key_)) return e;
    conn = h1->take_upgraded(leftover);
    message_done_ = true;
    state_ = State::Failed;  // the request has no connection any more
    return ERROR_SUCCESS;
}

void RequestEngine::build_head(http1::RequestHead& head, DWORD content_length, bool has_length,
                               bool via_proxy) {
    const Settings& s = owner_.settings();
    head.method = method_;
    // Through a forward proxy (plain http) the target is the absolute URL (RFC 9112 3.2.2);
    // inside a CONNECT tunnel it is the origin's own.
    head.target = (via_proxy && !tunnels()) ? "http://" + host_for_header(host_, port_, false) + target_
                                          : target_;
    head.version = owner_.version();
    head.headers.clear();
    // Connection, the app's, Pragma/Cache-Control, User-Agent, Accept-Encoding, Cookie,
    // Content-Length, Host, Authorization, Proxy-Authorization: one allocation, not 1-2-4-8.
    head.headers.reserve(app_headers_.size() + 10);
    const bool keep_alive = !(s.disabled_features & WINHTTP_DISABLE_KEEP_ALIVE);
    if (!find_header(app_headers_, "Connection"))
        head.headers.push_back({"Connection", ws_upgrade_ ? "Upgrade" : keep_alive ? "Keep-Alive" : "Close"});
    if (ws_upgrade_) add_websocket_headers(head);
    // The jar's cookies join an application's Cookie header, after its value (Wine winhttp.c
    // test_cookies, verified on Windows: "Cookie: name=value2; NAME=value; name=value").
    std::string jar;
    if (!(s.disabled_features & WINHTTP_DISABLE_COOKIES))
        jar = owner_.session().cookies().header_for(host_, target_, secure_);
    bool jar_sent = jar.empty();
    for (const auto& h : app_headers_) {
        head.headers.push_back(h);
        if (!jar_sent && iequals(h.name, "Cookie")) {
            head.headers.back().value += (h.value.empty() ? "" : "; ") + jar;
            jar_sent = true;
        }
    }
    // WinHttpOpenRequest page: WINHTTP_FLAG_REFRESH adds "Pragma: no-cache", and for an HTTP/1.1
    // request "Cache-Control: no-cache".
    if (owner_.open_flags() & WINHTTP_FLAG_REFRESH) {
        if (!find_header(app_headers_, "Pragma")) head.headers.push_back({"Pragma", "no-cache"});
        if (head.version == "HTTP/1.1" && !find_header(app_headers_, "Cache-Control"))
            head.headers.push_back({"Cache-Control", "no-cache"});
    }
    const std::wstring& agent = owner_.session().agent();
    if (!agent.empty() && !find_header(app_headers_, "User-Agent"))
        head.headers.push_back({"User-Agent", to_utf8(agent)});
    if (s.decompression && !find_header(app_headers_, "Accept-Encoding")) {
        const DWORD d = s.decompression;
        head.headers.push_back({"Accept-Encoding", d == WINHTTP_DECOMPRESSION_FLAG_ALL ? "gzip, deflate"
                                                   : d == WINHTTP_DECOMPRESSION_FLAG_GZIP ? "gzip"
                                                                                          : "deflate"});
    }
    if (!jar_sent) head.headers.push_back({"Cookie", std::move(jar)});
    if (has_length && !app_chunked_ && !find_header(app_headers_, "Content-Length"))
        head.headers.push_back({"Content-Length", std::to_string(content_length)});
    if (!find_header(app_headers_, "Host"))
        head.headers.push_back({"Host", host_for_header(host_, port_, secure_)});
    add_auth_headers(head);
}

// Authorization for the origin; Proxy-Authorization only when the request itself goes to the
// proxy (plain http): through a tunnel it belongs to the CONNECT (establish_tunnel), never to
// the origin. A header the application added itself wins.
void RequestEngine::add_auth_headers(http1::RequestHead& head) {
    if (owner_.settings().disabled_features & WINHTTP_DISABLE_AUTHENTICATION) return;
    if (!find_header(app_headers_, "Authorization")) {
        const std::string spn = spn_for(host_, port_);
        const std::string cbt = auth_.active(AuthFlow::kServer) ? channel_binding() : std::string();
        const auth::RequestFacts facts{head.method, head.target, host_, port_, cbt, spn};
        std::string v = auth_.header_for(AuthFlow::kServer, facts);
        if (!v.empty()) head.headers.push_back({"Authorization", std::move(v)});
    }
    if (!route_.empty() && !tunnels() && !find_header(app_headers_, "Proxy-Authorization")) {
        const std::string spn = spn_for(route_.front().host, route_.front().port);
        const auth::RequestFacts facts{head.method, head.target, route_.front().host,
                                       route_.front().port, {}, spn};
        std::string v = auth_.header_for(AuthFlow::kProxy, facts);
        if (!v.empty()) head.headers.push_back({"Proxy-Authorization", std::move(v)});
    }
}

// The service principal name NTLM and Negotiate name the target with: "HTTP/host", and with
// WINHTTP_OPTION_SPN = WINHTTP_ENABLE_SPN_SERVER_PORT "HTTP/host:port" (Option Flags page).
std::string RequestEngine::spn_for(const std::string& host, uint16_t port) const {
    std::string spn = "HTTP/" + host;
    if (owner_.settings().spn & WINHTTP_ENABLE_SPN_SERVER_PORT) spn += ":" + std::to_string(port);
    return spn;
}

// RFC 5929 tls-server-end-point of the origin's TLS connection, for the server's NTLM and
// Negotiate tokens (WINHTTP_OPTION_SERVER_CBT: docs/design/auth.md). Empty on plain http and
// before a connection exists (a token sent with the very first transmission has none).
std::string RequestEngine::channel_binding() const {
    const net::TlsStream* t = secure_ ? tls() : nullptr;
    return t ? auth::tls_server_end_point(t->peer_certificate()) : std::string();
}

void RequestEngine::note_server_certificate() {
    const net::TlsStream* t = secure_ ? tls() : nullptr;
    x509_st* cert = t ? t->peer_certificate() : nullptr;
    if (!cert) return;
    std::lock_guard lock(server_cert_mutex_);
    if (server_cert_.get() == cert) return;  // the same connection again: the reference held
    X509_up_ref(cert);
    server_cert_.reset(cert, X509_free);
}

std::string RequestEngine::server_end_point() const {
    std::shared_ptr<x509_st> cert;
    {
        std::lock_guard lock(server_cert_mutex_);
        cert = server_cert_;
    }
    return cert ? auth::tls_server_end_point(cert.get()) : std::string();
}

std::string RequestEngine::origin() const {
    return (secure_ ? "https://" : "http://") + host_for_header(host_, port_, secure_);
}

// Resolves host (the origin, or the proxy) and connects setup_->socket, trying each address in
// turn, each with the whole connect timeout. With WINHTTP_OPTION_IPV6_FAST_FALLBACK and both
// families resolved, the first IPv6 and the first IPv4 address race first (connect_race),
// then the others are tried in turn. The notifications name what is connected to: the proxy
// when there is one, as Windows.
Task<DWORD> RequestEngine::connect_fresh(const std::string& host, unsigned short port) {
    const Settings& s = owner_.settings();
    std::vector<net::Address> addrs;
    if (owner_.wants(WINHTTP_CALLBACK_STATUS_RESOLVING_NAME))
        status_text(WINHTTP_CALLBACK_STATUS_RESOLVING_NAME, from_utf8(host));
    metrics_.mark(WinHttpNameResolutionStart);
    DWORD e = co_await io_.resolve(host, port, addrs, net::Deadline::after_ms(s.timeouts.resolve));
    if (e) co_return e;
    metrics_.mark(WinHttpNameResolutionEnd);
    if (trace::on()) trace::line("conn %p resolved %s -> %ls", owner_.handle(), host.c_str(), addrs.front().text().c_str());
    if (owner_.wants(WINHTTP_CALLBACK_STATUS_NAME_RESOLVED))
        status_text(WINHTTP_CALLBACK_STATUS_NAME_RESOLVED, addrs.front().text());
    e = ERROR_WINHTTP_CANNOT_CONNECT;
    metrics_.mark(WinHttpConnectionEstablishmentStart);
    if (s.ipv6_fast_fallback) {
        auto family = [&](sa_family_t f) {
            return std::find_if(addrs.begin(), addrs.end(),
                                [f](const net::Address& a) { return a.storage.ss_family == f; });
        };
        const auto v6 = family(AF_INET6), v4 = family(AF_INET);
        if (v6 != addrs.end() && v4 != addrs.end()) {
            e = co_await connect_race(*v6, *v4);
            if (e == ERROR_SUCCESS || e == ERROR_WINHTTP_OPERATION_CANCELLED) co_return e;
            // Option Flags page: then "the default behavior for any remaining addresses".
            addrs.erase(std::max(v6, v4));
            addrs.erase(std::min(v6, v4));
        }
    }
    for (const auto& a : addrs) {
        e = co_await connect_one(a);
        if (e == ERROR_SUCCESS || e == ERROR_WINHTTP_OPERATION_CANCELLED) co_return e;
    }
    co_return e;
}

// CONNECTING_TO_SERVER, then a non-blocking connect of `socket` to `addr`: ERROR_SUCCESS,
// ERROR_IO_PENDING or ERROR_WINHTTP_CANNOT_CONNECT. `ip` is for CONNECTED_TO_SERVER.
DWORD RequestEngine::start_attempt(net::Socket& socket, const net::Address& addr,
                                   std::wstring& ip) {
    const Settings& s = owner_.settings();
    ip = owner_.wants(WINHTTP_CALLBACK_FLAG_CONNECT_TO_SERVER) ? addr.text() : L"";
    status_text(WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER, ip);
    io_.forget_fd(socket.fd());  // start_connect replaces the descriptor
    const DWORD e = socket.start_connect(addr);
    if (s.tcp_keepalive && (e == ERROR_SUCCESS || e == ERROR_IO_PENDING))
        socket.set_keepalive(true, s.tcp_keepalive_time_ms, s.tcp_keepalive_interval_ms);
    return e;
}

void RequestEngine::note_connected(const std::wstring& ip) {
    metrics_.mark(WinHttpConnectionEstablishmentEnd);
    setup_->connected = true;
    status_text(WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER, ip);
}

// One address, with the whole connect timeout.
Task<DWORD> RequestEngine::connect_one(const net::Address& addr) {
    std::wstring ip;
    DWORD e = start_attempt(setup_->socket, addr, ip);
    if (e == ERROR_IO_PENDING) {
        e = co_await io_.ready(setup_->socket.fd(), POLLOUT,
                               net::Deadline::after_ms(owner_.settings().timeouts.connect));
        if (e == ERROR_SUCCESS) e = setup_->socket.finish_connect();
    }
    if (e == ERROR_SUCCESS) {
        note_connected(ip);
    } else if (e != ERROR_WINHTTP_OPERATION_CANCELLED) {
        metrics_.add_stat(WinHttpConnectFailureCount, 1);
    }
    co_return e;
}

namespace {

// WINHTTP_OPTION_IPV6_FAST_FALLBACK: how long the IPv6 attempt runs alone before the IPv4
// attempt joins it. Windows gives it "a short (300ms) timeout" (Option Flags page); RFC 8305
// section 5 recommends 250 ms within 100 ms..2 s. We keep Windows' number.
constexpr DWORD kIpv6HeadStartMs = 300;


}  // namespace

// Happy Eyeballs (RFC 8305) between the first IPv6 and the first IPv4 address: the IPv6
// connect starts, the IPv4 one joins it after kIpv6HeadStartMs, or at once when the IPv6 one
// fails sooner; the first to connect wins and the other is closed. Each attempt keeps the
// whole connect timeout from its own start, as a sequential attempt would. Windows
// (Option Flags page) abandons the IPv6 attempt at 300 ms and tries it again after IPv4
// fails; keeping it running instead is RFC 8305's way and gives the same order of outcomes
// without a second SYN. Returns the error of the attempt that ended last when both fail.
Task<DWORD> RequestEngine::connect_race(const net::Address& v6, const net::Address& v4) {
    const DWORD timeout = owner_.settings().timeouts.connect;
    struct Attempts {
        explicit Attempts(RequestIo& owner_io) : io(owner_io) {}
        RequestIo& io;
        net::Socket socket[2];
        std::wstring ip[2];
        net::Deadline deadline[2];
        bool pending[2] = {false, false};
        // The loser, a failed attempt and, on a close, both go at once.
        void close(int i) {
            io.forget_fd(socket[i].fd());
            socket[i].close();
            pending[i] = false;
        }
        ~Attempts() {
            close(0);
            close(1);
        }
    } at(io_);
    DWORD last = ERROR_WINHTTP_CANNOT_CONNECT;
    int winner = -1;
    auto failed = [&](int i, DWORD e) {
        at.close(i);
        last = e;
        metrics_.add_stat(WinHttpConnectFailureCount, 1);
    };
    auto start = [&](int i, const net::Address& addr) {
        at.deadline[i] = net::Deadline::after_ms(timeout);
        const DWORD e = start_attempt(at.socket[i], addr, at.ip[i]);
        if (e == ERROR_SUCCESS) winner = i;
        else if (e == ERROR_IO_PENDING) at.pending[i] = true;
        else failed(i, e);
    };
    // The socket `i` is writable: connected, or refused.
    auto settle = [&](int i) {
        const DWORD e = at.socket[i].finish_connect();
        if (e == ERROR_SUCCESS) winner = i;
        else failed(i, e);
    };
    // A wait ended without a ready socket: on a timeout the attempts past their own deadline
    // have failed; any other error (the loop could not watch a socket) fails them all.
    auto expire = [&](DWORD e) {
        for (int i = 0; i < 2; ++i)
            if (at.pending[i] && (e != ERROR_WINHTTP_TIMEOUT || at.deadline[i].expired()))
                failed(i, e);
    };

    start(0, v6);
    if (at.pending[0]) {  // the head start
        const auto head = net::Deadline::earlier(net::Deadline::after_ms(kIpv6HeadStartMs), at.deadline[0]);
        const DWORD e = co_await io_.ready(at.socket[0].fd(), POLLOUT, head);
        if (e == ERROR_WINHTTP_OPERATION_CANCELLED) co_return e;
        if (e == ERROR_SUCCESS) settle(0);
        else expire(e);
    }
    if (winner < 0) start(1, v4);
    while (winner < 0 && (at.pending[0] || at.pending[1])) {
        DWORD e;
        int which = at.pending[0] ? 0 : 1;
        if (at.pending[0] && at.pending[1]) {
            e = co_await io_.ready_either(at.socket[0].fd(), at.socket[1].fd(), POLLOUT,
                                          net::Deadline::earlier(at.deadline[0], at.deadline[1]), which);
        } else {
            e = co_await io_.ready(at.socket[which].fd(), POLLOUT, at.deadline[which]);
        }
        if (e == ERROR_WINHTTP_OPERATION_CANCELLED) co_return e;
        if (e == ERROR_SUCCESS) settle(which);
        else expire(e);
    }
    if (winner < 0) co_return last;
    at.close(1 - winner);
    io_.forget_fd(at.socket[winner].fd());
    io_.forget_fd(setup_->socket.fd());
    setup_->socket = std::move(at.socket[winner]);
    note_connected(at.ip[winner]);
    co_return ERROR_SUCCESS;
}

// The CONNECT exchange on a fresh connection to the proxy (RFC 9110 9.3.6). A 2xx answer turns
// the connection into a tunnel to host_:port_: the socket itself carries the tunnel, so the TLS
// layer goes straight on top of it. Any other answer ends the request with
// ERROR_WINHTTP_CANNOT_CONNECT, except that a 407 (proxy authentication, handed to the app as
// Windows does) or any answer with WINHTTP_OPTION_RECEIVE_PROXY_CONNECT_RESPONSE set becomes
// the request's response (IS_PROXY_CONNECT_RESPONSE reads TRUE).
Task<DWORD> RequestEngine::establish_tunnel(std::string& refused) {
    const std::string authority = proxy::ProxyServer{host_, port_}.text();  // always with the port
    std::string req = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
    const std::wstring& agent = owner_.session().agent();
    if (!agent.empty()) req += "User-Agent: " + to_utf8(agent) + "\r\n";
    if (!(owner_.settings().disabled_features & WINHTTP_DISABLE_AUTHENTICATION) &&
        !route_.empty()) {
        const std::string spn = spn_for(route_.front().host, route_.front().port);
        const auth::RequestFacts facts{"CONNECT", authority, route_.front().host,
                                       route_.front().port, {}, spn};
        const std::string v = auth_.header_for(AuthFlow::kProxy, facts);
        if (!v.empty()) req += "Proxy-Authorization: " + v + "\r\n";
    }
    req += "Proxy-Connection: Keep-Alive\r\n\r\n";
    DWORD e = co_await write_all(io_, setup_->stream(), req.data(), req.size(), send_deadline());
    if (e) co_return e;
    http1::ResponseParser parser(http1::ParseLimits{owner_.settings().max_response_header_size});
    parser.reset(true);  // a 2xx answer to CONNECT has no body
    // Every byte of the answer is kept: a refused tunnel's answer is parsed again as the response.
    std::string raw;
    InputBuffer in;
    size_t off = 0;
    const auto deadline = receive_deadline();
    for (;;) {
        while (off < raw.size()) {
            auto step = parser.feed(raw.data() + off, raw.size() - off);
            off += step.consumed;
            if (step.event == http1::ParseEvent::Error) co_return step.error;
            if (step.event == http1::ParseEvent::MessageComplete) {
                parser.reset(true);  // the end of a 1xx
                continue;
            }
            if (step.event == http1::ParseEvent::HeadComplete) {
                const unsigned st = parser.head().status;
                if (st < 200) continue;
                if (st < 300) {
                    // Bytes before our ClientHello would be a proxy speaking out of turn.
                    if (off < raw.size()) co_return ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
                    // The tunnel ends a proxy handshake (its final token checked if sent).
                    co_return auth_.on_other_response(
                        AuthFlow::kProxy, challenges_in(parser.head(), "Proxy-Authenticate"), true);
                }
                if (st == 407 || owner_.settings().receive_proxy_connect_response) {
                    refused = std::move(raw);  // read_head parses it again, as the response
                    proxy_connect_response_ = true;
                    co_return ERROR_SUCCESS;
                }
                co_return ERROR_WINHTTP_CANNOT_CONNECT;
            }
            if (step.event == http1::ParseEvent::NeedMore) break;
        }
        // Read through an InputBuffer: an async request holds none while it waits.
        e = co_await receive_some(owner_, io_, setup_->stream(), in, deadline);
        if (e == kPeerClosed) co_return ERROR_WINHTTP_CONNECTION_ERROR;
        if (e) co_return e;
        raw.append(in.unread_data(), in.unread());
        in.clear();
    }
}

// TLS over the fresh connection: SNI and name check against the host the app asked for, the
// request's SECURITY_FLAG_IGNORE_* and client certificate choice. A certificate problem is
// reported as ERROR_WINHTTP_SECURE_FAILURE with a SECURE_FAILURE notification whose flags say
// why (WinHttpSendRequest and WINHTTP_STATUS_CALLBACK pages).
Task<DWORD> RequestEngine::start_tls() {
    std::shared_ptr<net::TlsContext> context;
    if (const DWORD e = owner_.session().tls_context(context)) co_return e;
    setup_->tls = std::make_unique<net::TlsStream>(context, setup_->socket.fd(), host_, port_,
                                                  owner_.settings().security_flags,
                                                  owner_.client_cert());
    if (offers_h2()) setup_->tls->offer_h2();
    // WINHTTP_ENABLE_SSL_REVOCATION: the stapled OCSP response is checked in the handshake.
    if (checks_revocation())
        setup_->tls->check_revocation(owner_.settings().ignore_cert_revocation_offline);
    // WINHTTP_OPTION_SECURE_PROTOCOLS set on the request itself narrows or widens the session's.
    const DWORD protocols = owner_.settings().secure_protocols;
    if (protocols != context->protocols())
        if (const DWORD e = setup_->tls->restrict_protocols(protocols)) co_return e;
    const net::Deadline deadline = receive_deadline();
    bool in_leg = true;  // the client is writing a flight (REQUEST_TIMES' TLS legs)
    metrics_.tls_leg_start();
    for (;;) {
        const net::IoResult r = setup_->tls->handshake();
        const bool waits_for_server = r.status == net::IoStatus::WantRead;
        if (in_leg && (r.status == net::IoStatus::Done || waits_for_server)) {
            metrics_.tls_leg_end();
            in_leg = false;
        }
        if (r.status == net::IoStatus::Done) break;
        if (r.status == net::IoStatus::Failed || r.status == net::IoStatus::Closed) {
            DWORD flags = setup_->tls->failure_flags();
            if (r.error == ERROR_WINHTTP_SECURE_FAILURE)
                status(WINHTTP_CALLBACK_STATUS_SECURE_FAILURE, &flags, sizeof(flags), sizeof(flags));
            co_return r.status == net::IoStatus::Closed ? ERROR_WINHTTP_CONNECTION_ERROR : r.error;
        }
        const DWORD e =
            co_await io_.ready(setup_->socket.fd(), net::wait_events(r.status), deadline);
        if (e) co_return e;
        if (waits_for_server) {
            metrics_.tls_leg_start();
            in_leg = true;
        }
    }
    if (checks_revocation()) co_return co_await fetch_revocation();
    co_return ERROR_SUCCESS;
}

// WINHTTP_ENABLE_SSL_REVOCATION without a good staple: the chain's certificates are checked
// with their OCSP responders or CRLs (core/revocation.h) before any request byte goes out,
// off the event loop; the request's timeouts bound each fetch and a close cancels it. The
// outcome is reported as any certificate problem: SECURE_FAILURE, then
// ERROR_WINHTTP_SECURE_FAILURE.
Task<DWORD> RequestEngine::fetch_revocation() {
    net::TlsStream& tls = *setup_->tls;
    std::shared_ptr<RevocationJob> job;
    if (const DWORD e = revocation_job_for(tls, owner_.session().revocation_cache(),
                                           owner_.settings().timeouts, job))
        co_return e;
    if (!job) co_return ERROR_SUCCESS;
    const DWORD e = co_await io_.offload(job);
    if (io_.cancelled()) co_return ERROR_WINHTTP_OPERATION_CANCELLED;
    if (e) co_return e;
    for (const net::Revocation r : job->results) tls.apply_revocation(r);
    DWORD flags = tls.failure_flags();
    if (flags == 0) co_return ERROR_SUCCESS;
    status(WINHTTP_CALLBACK_STATUS_SECURE_FAILURE, &flags, sizeof(flags), sizeof(flags));
    co_return ERROR_WINHTTP_SECURE_FAILURE;
}

bool RequestEngine::checks_revocation() const {
    return (owner_.settings().enabled_features & WINHTTP_ENABLE_SSL_REVOCATION) != 0;
}

// A connection for the route: a pooled one when one is idle, else a new one within
// MAX_CONNS_PER_SERVER. With a proxy list, a proxy that cannot be reached (name not resolved,
// connection refused or timed out) passes the request to the next one.
Task<DWORD> RequestEngine::open_connection() {
    end_exchange();  // a failed attempt's
    conn_reused_ = false;
    proxy_.reset();
    if (route_.empty()) co_return co_await open_route(nullptr);
    DWORD e = ERROR_WINHTTP_CANNOT_CONNECT;
    for (const auto& p : route_) {
        const bool direct = p.host.empty();
        e = co_await open_route(direct ? nullptr : &p);
        if (e == ERROR_SUCCESS) {
            if (!direct) proxy_ = p;
            co_return e;
        }
        const bool unreachable = e == ERROR_WINHTTP_CANNOT_CONNECT ||
                                 e == ERROR_WINHTTP_NAME_NOT_RESOLVED || e == ERROR_WINHTTP_TIMEOUT;
        if (!unreachable || !conn_failed_before_proxy_answered_) co_return e;
    }
    co_return e;
}

namespace {

// A request's turn as the opener of its key's h2 connection (ConnectionPool::reserve with h2):
// handed back when the connection is shared, turned out HTTP/1.1 or failed, and when the
// request is closed while it sets the connection up (the coroutine frame goes).
class H2OpenerTurn {
public:
    H2OpenerTurn() = default;
    H2OpenerTurn(const H2OpenerTurn&) = delete;
    H2OpenerTurn& operator=(const H2OpenerTurn&) = delete;
    ~H2OpenerTurn() { end(); }
    void begin(ConnectionPool& pool, const std::string& key) {
        pool_ = &pool;
        key_ = key;
    }
    // `http11`: the connection is up and its server chose HTTP/1.1.
    void end(bool http11 = false) {
        if (pool_) std::exchange(pool_, nullptr)->h2_opened(key_, http11);
    }

private:
    ConnectionPool* pool_ = nullptr;
    std::string key_;
};

}  // namespace

Task<DWORD> RequestEngine::open_route(const proxy::ProxyServer* via, bool resume_tunnel) {
    Session& session = owner_.session();
    const bool tunnel = via && tunnels();
    std::string key = !via     ? ConnectionPool::make_key(secure_, host_, port_, "")
                      : tunnel ? ConnectionPool::make_key(secure_, host_, port_, via->text())
                               : ConnectionPool::proxy_key(via->text());
    if (!via && !resolution_host_.empty()) key += " at " + resolution_host_;
    if (secure_ && owner_.settings().secure_protocols != session.settings().secure_protocols)
        key += " tls " + std::to_string(owner_.settings().secure_protocols);
    // A connection whose certificate problems one request chose to ignore must not carry a
    // request that ignores fewer of them.
    if (secure_ && owner_.settings().security_flags)
        key += " ignore " + std::to_string(owner_.settings().security_flags);
    // A connection whose certificate was not checked for revocation must not serve a request
    // that asks for the check (and one accepted without an answer not one that needs it).
    if (secure_ && checks_revocation())
        key += owner_.settings().ignore_cert_revocation_offline ? " rev-soft" : " rev";
    if (offers_h2()) key += " h2";  // offered h2: never shares with plain HTTP/1.1 connections
    const bool keep_alive = !(owner_.settings().disabled_features & WINHTTP_DISABLE_KEEP_ALIVE);
    const auto deadline = net::Deadline::after_ms(owner_.settings().timeouts.connect);
    conn_failed_before_proxy_answered_ = false;
    metrics_.mark(WinHttpConnectionAcquireStart);
    // Requests that start before the key's first h2 connection exists wait for the one being
    // set up instead of each opening its own (they join it once ALPN chose h2).
    H2OpenerTurn opener;
    const bool h2 = offers_h2();
    std::string refused;  // the proxy's answer to CONNECT, as the response
    for (;;) {
        DWORD e = ERROR_SUCCESS;
        const bool resumed = std::exchange(resume_tunnel, false) && setup_ && tunnel;
        if (resumed) {
            conn_reused_ = true;
        } else {
            opener.end();  // a handshake retry competes again
            if (attach_h2(key)) co_return check_required_protocol();
            if (keep_alive && (setup_ = session.pool().take_idle(key))) {
                conn_reused_ = true;
                metrics_.mark(WinHttpConnectionAcquireWaitEnd);
                break;
            }
            e = co_await io_.room(session.pool(), key, session.max_conns_per_server, deadline, h2);
            if (e == RequestIo::kPoolChanged) continue;
            if (e) co_return e;
            if (h2) opener.begin(session.pool(), key);
            metrics_.mark(WinHttpConnectionAcquireWaitEnd);
            setup_ = std::make_unique<Connection>();
            setup_->key = key;
            // RESOLUTION_HOSTNAME names where a direct connection goes; through a proxy the
            // proxy resolves the origin.
            e = via ? co_await connect_fresh(via->host, via->port)
                    : co_await connect_fresh(resolution_host_.empty() ? host_ : resolution_host_,
                                             port_);
            conn_failed_before_proxy_answered_ = e != ERROR_SUCCESS;
        }
        if (e == ERROR_SUCCESS && tunnel) e = co_await establish_tunnel(refused);
        if (e == ERROR_SUCCESS && proxy_connect_response_) break;  // no TLS: the proxy answered
        bool handshake_failed = false;
        if (e == ERROR_SUCCESS && secure_) {
            e = co_await start_tls();
            // A certificate problem is not retried: the next handshake would find it again.
            handshake_failed = e && !(setup_->tls->failure_flags() &
                                      ~WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR);
        }
        if (e) {
            drop_connection();
            if (handshake_failed && e != ERROR_WINHTTP_OPERATION_CANCELLED &&
                may_retry(WINHTTP_CONNECTION_RETRY_CONDITION_SSL_HANDSHAKE))
                continue;
            co_return e;
        }
        break;
    }
    Connection& c = *setup_;
    if (!c.addresses) c.addresses = ConnectionAddresses::of(c.socket);
    addresses_.store(c.addresses, std::memory_order_release);
    metrics_.mark(WinHttpConnectionAcquireEnd);
    ULONGLONG flags = c.requests == 0 ? WINHTTP_REQUEST_STAT_FLAG_FIRST_REQUEST : 0;
    if (c.tls && c.tls->session_reused()) flags |= WINHTTP_REQUEST_STAT_FLAG_TLS_SESSION_RESUMPTION;
    metrics_.set_connection(c.requests, flags);
    if (trace::on()) trace::connection(owner_.handle(), c.key, conn_reused_, c.tls ? c.tls->protocol_flag() : 0, c.tls ? c.tls->cipher_name() : std::string());
    adopt_h2(key);
    opener.end(!exchange_);  // after adopt_h2: the waiters find the shared connection
    if (!exchange_) {
        start_h1(std::move(setup_));
        if (proxy_connect_response_) http1()->take_answer(refused, method_ == "HEAD");
    }
    co_return check_required_protocol();
}

void RequestEngine::start_h1(std::unique_ptr<Connection> conn) {
    end_exchange();
    exchange_ = &codecs_->h1.emplace(std::move(conn), conn_reused_, owner_, io_, metrics_);
}

void RequestEngine::end_exchange() noexcept {
    exchange_ = nullptr;
    codecs_->h1.reset();
    codecs_->h2.reset();
}

namespace {

// The PAC evaluation of one request of an AUTOMATIC_PROXY session. Holds the session (its
// script cache), never the request: a closed request does not wait for it.
class PacRouteJob final : public OffloadJob {
public:
    PacRouteJob(Session& session, std::wstring url, std::wstring pac_url)
        : session_(&session), url_(std::move(url)), pac_url_(std::move(pac_url)) {}
    DWORD run() noexcept override {
        try {
            return proxy::pac_find_proxy(as<Session>(*session_), url_, pac_url_, cancel_, entries,
                                         phase);
        } catch (const std::bad_alloc&) {
            return ERROR_NOT_ENOUGH_MEMORY;
        }
    }
    void cancel() noexcept override { cancel_.cancel(); }

    std::vector<proxy::PacEntry> entries;
    proxy::PacPhase phase = proxy::PacPhase::Setup;

private:
    Ref<Object> session_;
    const std::wstring url_, pac_url_;
    proxy::CancelToken cancel_;
};

// One blocking authentication step (Negotiate's next(): GSSAPI talks to the KDC). Owns a share
// of the mechanism and copies of the facts, never the request: a closed request does not wait.
// cancel() cannot interrupt GSSAPI; its own KDC timeouts bound the call.
class AuthStepJob final : public OffloadJob {
public:
    AuthStepJob(AuthFlow::BlockingStep step, std::string method, std::string uri, std::string host,
                uint16_t port, std::string end_point, std::string spn)
        : step_(std::move(step)), method_(std::move(method)), uri_(std::move(uri)),
          host_(std::move(host)), end_point_(std::move(end_point)), spn_(std::move(spn)),
          port_(port) {}
    DWORD run() noexcept override {
        try {
            const auth::RequestFacts facts{method_, uri_, host_, port_, end_point_, spn_};
            return step_.mech->next(step_.challenge, facts, value);
        } catch (const std::bad_alloc&) {
            return ERROR_NOT_ENOUGH_MEMORY;
        }
    }
    void cancel() noexcept override {}

    std::string value;

private:
    AuthFlow::BlockingStep step_;
    const std::string method_, uri_, host_, end_point_, spn_;
    const uint16_t port_;
};

// A PAC answer as a route: PROXY entries in order, DIRECT as an empty host (a direct
// connection in the failover list); HTTPS entries (a proxy reached over TLS, which WinHTTP
// cannot do) are left out. Only DIRECT, or nothing usable, is the direct route.
std::vector<proxy::ProxyServer> pac_route(const std::vector<proxy::PacEntry>& entries) {
    std::vector<proxy::ProxyServer> route;
    for (const proxy::PacEntry& e : entries) {
        if (e.kind == proxy::PacEntryKind::Https) continue;
        proxy::ProxyServer p;
        if (e.kind == proxy::PacEntryKind::Proxy) {
            p.host = e.host;
            if (p.host.size() > 2 && p.host.front() == '[') p.host = p.host.substr(1, p.host.size() - 2);
            p.port = e.port;
        }
        if (std::find(route.begin(), route.end(), p) == route.end()) route.push_back(p);
    }
    if (route.size() == 1 && route.front().host.empty()) route.clear();
    return route;
}

}  // namespace

// The route of the current URL. An AUTOMATIC_PROXY session with auto_proxy set asks its PAC
// script (off the event loop, RequestIo::offload). When the script cannot be had (no WPAD, the
// download failed, it does not compile) the static settings apply; when FindProxyForURL itself
// fails for this URL the request goes direct. This is the fallback WinINet applies to the IE
// settings that AUTOMATIC_PROXY uses (docs/design/proxies.md cites the sources).
Task<DWORD> RequestEngine::decide_route() {
    const proxy::ConfigPtr config = owner_.proxy_config();
    if (!config->use_pac) {
        route_ = config->route(secure_, host_, port_);
        co_return ERROR_SUCCESS;
    }
    auto job = std::make_shared<PacRouteJob>(owner_.session(), url(), config->pac_url);
    const DWORD e = co_await io_.offload(job);
    if (io_.cancelled()) co_return ERROR_WINHTTP_OPERATION_CANCELLED;
    if (e == ERROR_SUCCESS)
        route_ = pac_route(job->entries);
    else if (job->phase == proxy::PacPhase::Run && e != ERROR_WINHTTP_OPERATION_CANCELLED)
        route_.clear();
    else
        route_ = config->route(secure_, host_, port_);
    OPENWINHTTP_TRACE_LINE("pac %p route %s (%u): %s", owner_.handle(), error_name(e), e, e == ERROR_SUCCESS ? "the script's answer" : route_.empty() ? "fallback: direct" : "fallback: the static proxy settings");
    co_return ERROR_SUCCESS;
}

// The blocking authentication steps due for this transmission (server, then proxy), run
// through RequestIo::offload (the caller's thread for a sync handle, the blocking-job pool for
// an async one, never the event loop); build_head() then sends their results. `failed`: the
// step failed (its credentials were refused before anything went out).
Task<DWORD> RequestEngine::run_auth_steps(bool& failed) {
    failed = false;
    if (owner_.settings().disabled_features & WINHTTP_DISABLE_AUTHENTICATION) co_return ERROR_SUCCESS;
    for (const int target : {AuthFlow::kServer, AuthFlow::kProxy}) {
        AuthFlow::BlockingStep step = auth_.blocking_step(target);
        if (!step.mech) continue;
        const bool server = target == AuthFlow::kServer;
        if (!server && (route_.empty() || route_.front().host.empty())) continue;
        const std::string& host = server ? host_ : route_.front().host;
        const uint16_t port = server ? port_ : route_.front().port;
        auto job = std::make_shared<AuthStepJob>(std::move(step), method_, target_, host, port,
                                                 server ? channel_binding() : std::string(),
                                                 spn_for(host, port));
        const DWORD e = co_await io_.offload(job);
        if (io_.cancelled()) co_return ERROR_WINHTTP_OPERATION_CANCELLED;
        if (e == ERROR_NOT_ENOUGH_MEMORY) co_return e;
        auth_.step_done(target, e, std::move(job->value));
        if (e) failed = true;
    }
    co_return ERROR_SUCCESS;
}

// Sends head + optional body on a pooled or new connection; a pooled connection the server
// closed meanwhile is replaced once.
Task<DWORD> RequestEngine::transmit_request() {
    body_left_ = 0;
    message_done_ = false;
    decoding_ = false;
    decoded_.clear();
    decoded_off_ = 0;
    proxy_connect_response_ = false;
    // A held connection keeps its route: through a proxy, the next round's request-target is
    // still the absolute URL, and a CONNECT's handshake goes on through that proxy.
    const std::optional<proxy::ProxyServer> held_proxy = std::move(proxy_);
    proxy_.reset();
    // The next round of a connection-based handshake goes on the connection of the last, which
    // its exchange kept (finish_message); any other exchange goes, with the last response.
    const bool held = hold_connection_ && http1() && http1()->holds_connection();
    hold_connection_ = false;
    if (!held) end_exchange();
    used_h2_ = false;
    if (const DWORD e = co_await decide_route()) co_return e;
    bool auth_failed = false;
    if (const DWORD e = co_await run_auth_steps(auth_failed)) co_return e;
    const bool bodyless = method_ == "GET" || method_ == "HEAD";
    const bool has_length = total_len_ > 0 || !bodyless;
    bool head_via_proxy = !route_.empty() && !route_.front().host.empty();
    build_head(sent_head_, total_len_, has_length, head_via_proxy);
    std::string wire;
    http1::serialize_request(sent_head_, wire);
    metrics_.set_stat(WinHttpRequestHeadersSize, wire.size());
    metrics_.set_stat(WinHttpResponseBodySize, 0);
    metrics_.set_stat(WinHttpResponseBodyCompressedSize, 0);
    wire += optional_;
    for (int attempt = 0; attempt < 2; ++attempt) {
        DWORD e = ERROR_SUCCESS;
        if (attempt == 0 && held && held_proxy && secure_ && !http1()->tls()) {
            // The 407 answered the CONNECT: the tunnel is asked for again on this connection.
            setup_ = http1()->take_connection();
            end_exchange();
            e = co_await open_route(&*held_proxy, true);
            if (e == ERROR_SUCCESS) proxy_ = held_proxy;
        } else if (attempt == 0 && held) {
            conn_reused_ = true;
            proxy_ = held_proxy;
        } else {
            e = co_await open_connection();
        }
        if (e) co_return e;
        if (proxy_connect_response_) co_return ERROR_SUCCESS;  // the proxy refused the tunnel
        if (proxy_.has_value() != head_via_proxy) {
            // Failover between a proxy and DIRECT changed the request-target's form.
            head_via_proxy = proxy_.has_value();
            build_head(sent_head_, total_len_, has_length, head_via_proxy);
            wire.clear();
            http1::serialize_request(sent_head_, wire);
            wire += optional_;
        }
        used_h2_ = exchange_->protocol() == WINHTTP_PROTOCOL_FLAG_HTTP2;
        // :authority (HTTP/2 only: HTTP/1.1 sends the wire bytes as they are).
        const std::string* host = used_h2_ ? find_header(sent_head_.headers, "Host") : nullptr;
        const OutgoingRequest req{sent_head_, host ? *host : host_, optional_, total_len_, wire};
        metrics_.mark(WinHttpSendRequestStart);
        note_server_certificate();
        status(WINHTTP_CALLBACK_STATUS_SENDING_REQUEST);
        DWORD sent = 0;
        e = co_await exchange_->send(req, send_deadline(), sent);
        if (e == ERROR_SUCCESS) {
            metrics_.mark(WinHttpSendRequestHeadersEnd);
            metrics_.mark(WinHttpSendRequestEnd);
            status(WINHTTP_CALLBACK_STATUS_REQUEST_SENT, &sent, sizeof(sent), sizeof(sent));
            co_return ERROR_SUCCESS;
        }
        const bool again = goes_again(e);
        drop_connection();
        if (again && attempt == 0) continue;
        co_return again ? ERROR_WINHTTP_CONNECTION_ERROR : e;
    }
    co_return ERROR_WINHTTP_CONNECTION_ERROR;
}

// The send failed without reaching the server (a stale pooled connection, a GOAWAY or
// REFUSED_STREAM raced it, or HTTP_1_1_REQUIRED sends it over HTTP/1.1): it goes again.
bool RequestEngine::goes_again(DWORD e) {
    if (e == ERROR_WINHTTP_RESEND_REQUEST) return true;
    // Asked first: a GOAWAY with HTTP_1_1_REQUIRED also refuses the stream, and the next
    // attempt must not offer h2 again.
    if (fall_back_to_http11(e)) return true;
    return exchange_->refused() && e != ERROR_WINHTTP_OPERATION_CANCELLED;
}

DWORD RequestEngine::check_write(DWORD len) const {
    // Every declared byte already went out (with WinHttpSendRequest or earlier writes): more is
    // "more data than specified", ERROR_INVALID_PARAMETER (Wine winhttp.c
    // test_WinHttpSendRequest, verified on Windows 7 and later).
    if (state_ == State::Sent && total_len_ > 0 && !app_chunked_ && len > 0)
        return ERROR_INVALID_PARAMETER;
    if (state_ != State::AwaitingWrite || !holds_connection()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    if (!app_chunked_ && len > body_left_to_write_) return ERROR_INVALID_PARAMETER;
    return ERROR_SUCCESS;
}

Task<DWORD> RequestEngine::write(const void* data, DWORD len, DWORD* written) {
    if (const DWORD e = check_write(len)) co_return e;
    body_streamed_ = true;
    const DWORD e = co_await exchange_->write(static_cast<const char*>(data), len,
                                              !app_chunked_ && body_left_to_write_ == len,
                                              send_deadline());
    if (e) {
        state_ = State::Failed;
        drop_connection();
        co_return e;
    }
    if (written) *written = len;
    metrics_.mark(WinHttpSendRequestEnd);
    if (!app_chunked_) {
        body_left_to_write_ -= len;
        if (body_left_to_write_ == 0) state_ = State::Sent;
    }
    co_return ERROR_SUCCESS;
}

// --- receiving -------------------------------------------------------------------------------

Task<DWORD> RequestEngine::read_head() {
    promised_ = 0;
    size_t bytes = 0;
    const DWORD e = co_await exchange_->read_head(bytes, head_deadline_);
    if (e) {
        if (fall_back_to_http11(e)) co_return ERROR_WINHTTP_RESEND_REQUEST;
        // A request the server never processed goes again: on a pooled HTTP/1.1 connection the
        // server closed before answering; on HTTP/2 (GOAWAY, REFUSED_STREAM) once per send, so
        // that a server refusing every stream on a live connection is not asked forever.
        const bool h2 = exchange_->protocol() == WINHTTP_PROTOCOL_FLAG_HTTP2;
        if (exchange_->refused() && !body_streamed_ && (!h2 || !h2_resent_) &&
            e != ERROR_WINHTTP_OPERATION_CANCELLED && e != ERROR_WINHTTP_TIMEOUT) {
            h2_resent_ = h2_resent_ || h2;
            co_return ERROR_WINHTTP_RESEND_REQUEST;
        }
        co_return e;
    }
    metrics_.set_stat(WinHttpResponseHeadersSize, bytes);
    body_left_ = 0;
    message_done_ = false;
    co_return ERROR_SUCCESS;
}

Http1Exchange* RequestEngine::direct_reader(size_t room) const {
    if ((room < 4096 && promised_ == 0) || decoding_ || body_left_ != 0 || message_done_)
        return nullptr;
    Http1Exchange* h1 = http1();
    return h1 && h1->reads_direct() ? h1 : nullptr;
}

Http1Exchange* RequestEngine::direct_body_left() const {
    if (state_ != State::HeadersAvailable || decoding_ || body_left_ != 0 || message_done_)
        return nullptr;
    Http1Exchange* h1 = http1();
    return h1 && h1->length_left_direct() ? h1 : nullptr;
}

DWORD RequestEngine::check_receive() const {
    if (state_ == State::AwaitingWrite && !app_chunked_) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    if (state_ != State::Sent && state_ != State::AwaitingWrite)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    return ERROR_SUCCESS;
}

Task<DWORD> RequestEngine::receive_response() {
    if (const DWORD e = check_receive()) co_return e;
    state_ = State::Failed;
    metrics_.mark(WinHttpReceiveResponseStart);
    for (;;) {
        head_deadline_ = net::Deadline::after_ms(owner_.settings().timeouts.receive_response);
        DWORD e = co_await read_head();
        if (e == ERROR_WINHTTP_RESEND_REQUEST) {
            drop_connection();
            conn_reused_ = false;
            e = co_await transmit_request();
            if (e) co_return e;
            continue;
        }
        if (e) {
            drop_connection();
            co_return e;
        }
        if (response_head().status == 408 && !body_streamed_ &&
            may_retry(WINHTTP_CONNECTION_RETRY_CONDITION_408)) {
            drop_connection();
            e = co_await transmit_request();
            if (e) co_return e;
            continue;
        }
        if (trace::on(2)) trace::response_head(owner_.handle(), response_head());
        store_cookies();
        bool again = false;
        e = co_await answer_challenge(again);
        if (e) {
            drop_connection();
            co_return e;
        }
        if (again) continue;
        bool followed = false;
        e = co_await follow_redirect(followed);
        if (e) {
            drop_connection();
            co_return e;
        }
        if (!followed) break;
    }
    metrics_.mark(WinHttpReceiveResponseHeadersEnd);
    state_ = State::HeadersAvailable;
    DWORD e = ERROR_SUCCESS;
    if (!start_decoding(e)) co_return e;
    co_return ERROR_SUCCESS;
}

// Sets up decompression when the app asked for it and the response is compressed.
bool RequestEngine::start_decoding(DWORD& error) {
    const Settings& s = owner_.settings();
    if (!s.decompression) return true;
    const std::string* ce = find_header(response_head().headers, "Content-Encoding");
    using Coding = http1::ContentDecoder::Coding;
    const Coding coding = ce ? http1::ContentDecoder::from_header(*ce) : Coding::Identity;
    const bool wanted =
        (coding == Coding::Gzip && (s.decompression & WINHTTP_DECOMPRESSION_FLAG_GZIP)) ||
        (coding == Coding::Deflate && (s.decompression & WINHTTP_DECOMPRESSION_FLAG_DEFLATE));
    if (!wanted) return true;
    if ((error = codecs_->decoder.init(coding))) return false;
    decoding_ = true;
    return true;
}

void RequestEngine::store_cookies() {
    if (owner_.settings().disabled_features & WINHTTP_DISABLE_COOKIES) return;
    for (const auto& h : response_head().headers)
        if (iequals(h.name, "Set-Cookie"))
            owner_.session().cookies().store(h.value, host_, target_, secure_);
}

Task<DWORD> RequestEngine::follow_redirect(bool& followed) {
    followed = false;
    const Settings& s = owner_.settings();
    const unsigned code = response_head().status;
    if (!is_redirect(code) || proxy_connect_response_ || (s.disabled_features & WINHTTP_DISABLE_REDIRECTS) ||
        s.redirect_policy == WINHTTP_OPTION_REDIRECT_POLICY_NEVER)
        co_return ERROR_SUCCESS;
    const std::string* location = find_header(response_head().headers, "Location");
    if (!location) co_return ERROR_SUCCESS;  // handed to the app as is
    const bool keep_method = code == 307 || code == 308;
    if (keep_method && body_streamed_) co_return ERROR_SUCCESS;  // body cannot be sent again
    ParsedUrl base;
    if (crack_url(url(), base)) co_return ERROR_SUCCESS;
    const std::wstring new_url = resolve_reference(base, from_utf8(*location));
    ParsedUrl next;
    if (crack_url(new_url, next)) co_return ERROR_WINHTTP_REDIRECT_FAILED;
    const bool to_secure = next.scheme == INTERNET_SCHEME_HTTPS;
    if (secure_ && !to_secure &&
        s.redirect_policy == WINHTTP_OPTION_REDIRECT_POLICY_DISALLOW_HTTPS_TO_HTTP)
        co_return ERROR_SUCCESS;
    if (++redirects_ > s.max_redirects) co_return ERROR_WINHTTP_REDIRECT_FAILED;

    co_await drain_body();
    status_text(WINHTTP_CALLBACK_STATUS_REDIRECT, new_url);
    std::wstring host = next.host;
    if (host.size() > 2 && host.front() == L'[') host = host.substr(1, host.size() - 2);
    const std::string new_host = to_utf8(host);
    if (!iequals(new_host, host_) || next.port != port_ || to_secure != secure_) {
        remove_header(app_headers_, "Authorization");  // never forward credentials
        auth_.forget_server();
        resolution_host_.clear();  // RESOLUTION_HOSTNAME names the first host only
        drop_connection();
    }
    secure_ = to_secure;
    host_ = new_host;
    port_ = next.port;
    target_ = to_utf8(next.path.empty() ? L"/" : next.path);
    const auto hash = next.extra.find(L'#');
    target_ += to_utf8(next.extra.substr(0, hash));
    if (!keep_method && (code == 303 ? method_ != "HEAD" : method_ == "POST")) {
        method_ = "GET";
        optional_.clear();
        total_len_ = 0;
        remove_header(app_headers_, "Content-Type");
        remove_header(app_headers_, "Content-Length");
    }
    const DWORD e = co_await transmit_request();
    if (e) co_return e;
    followed = true;
    co_return ERROR_SUCCESS;
}

// --- authentication ----------------------------------------------------------------------------

std::vector<auth::Challenge> RequestEngine::challenges_in(const http1::ResponseHead& head,
                                                         std::string_view header) {
    std::vector<auth::Challenge> out;
    for (const auto& h : head.headers) {
        if (!iequals(h.name, header)) continue;
        auto more = auth::parse_challenges(h.value);
        for (auto& c : more) out.push_back(std::move(c));
    }
    return out;
}

std::vector<auth::Challenge> RequestEngine::challenges_in(std::string_view header) const {
    return challenges_in(response_head(), header);
}

// A 401 from the server or a 407 from the proxy in use: answered with the credentials the
// application gave (WinHttpSetCredentials, else the USERNAME/PASSWORD options) by sending the
// request again, its SendRequest body included (optional_); one round per target and send, so
// wrong credentials end with the 401/407 handed to the application. A body the application
// streamed with WinHttpWriteData cannot be sent again by us: ERROR_WINHTTP_RESEND_REQUEST asks
// the application to send the request (and its body) again, as docs/design/auth.md explains.
// Any other response ends a connection-based handshake.
Task<DWORD> RequestEngine::answer_challenge(bool& again) {
    again = false;
    const Settings& s = owner_.settings();
    if (s.disabled_features & WINHTTP_DISABLE_AUTHENTICATION) co_return ERROR_SUCCESS;
    const unsigned st = response_head().status;
    const bool server = st == 401;
    const bool proxy = st == 407 && proxy_.has_value();
    if (!server && !proxy) {
        DWORD e = auth_.on_other_response(AuthFlow::kProxy, challenges_in("Proxy-Authenticate"));
        if (!e && st != 407)
            e = auth_.on_other_response(AuthFlow::kServer, challenges_in("WWW-Authenticate"));
        co_return e;
    }
    if (server) {
        const DWORD e =
            auth_.on_other_response(AuthFlow::kProxy, challenges_in("Proxy-Authenticate"));
        if (e) co_return e;
    }
    if (proxy) auth_.server_not_reached();
    auth::Credentials options;
    options.user = to_utf8(server ? s.username : s.proxy_username);
    options.password = to_utf8(server ? s.password : s.proxy_password);
    const bool autologon = autologon_allows(
        s.autologon_policy, is_intranet(server ? host_ : proxy_->host, server ? port_ : proxy_->port));
    const AuthFlow::Decision d = auth_.on_challenge(
        server ? AuthFlow::kServer : AuthFlow::kProxy,
        challenges_in(server ? "WWW-Authenticate" : "Proxy-Authenticate"), &options, open_origin_,
        origin(), autologon);
    options.wipe();
    if (d == AuthFlow::Decision::GiveToApp) co_return ERROR_SUCCESS;
    if (body_streamed_) co_return ERROR_WINHTTP_RESEND_REQUEST;
    // Negotiate's token is made before anything is sent: credentials the KDC refuses end the
    // round here, with this 401/407 as the response.
    bool auth_failed = false;
    if (const DWORD e = co_await run_auth_steps(auth_failed)) co_return e;
    if (auth_failed) co_return ERROR_SUCCESS;
    hold_connection_ = auth_.wants_same_connection();
    co_await drain_body();
    const DWORD e = co_await transmit_request();
    hold_connection_ = false;
    if (e) co_return e;
    again = true;
    co_return ERROR_SUCCESS;
}

// The local intranet of AUTOLOGON_POLICY MEDIUM: a host name without a dot (as Windows' intranet
// zone: "http://intranet/"), or a host the named proxy's bypass list sends direct. IP literals
// (dots, or colons for IPv6) are not intranet names.
bool RequestEngine::is_intranet(const std::string& host, uint16_t port) const {
    if (host.find('.') == std::string::npos && host.find(':') == std::string::npos) return true;
    const proxy::ConfigPtr config = owner_.proxy_config();
    return config->source == proxy::ProxyConfig::Source::Named && !config->bypass.empty() &&
           config->bypass.matches(host, port, secure_);
}

DWORD RequestEngine::query_auth_schemes(DWORD& supported, DWORD& first, DWORD& target) const {
    if (state_ != State::HeadersAvailable && state_ != State::BodyDone)
        return ERROR_INVALID_OPERATION;
    const unsigned st = response_head().status;
    if (st != 401 && st != 407) return ERROR_INVALID_OPERATION;
    DWORD all = 0, head = 0;
    for (const auto& c : challenges_in(st == 401 ? "WWW-Authenticate" : "Proxy-Authenticate")) {
        const DWORD flag = auth::scheme_flag(c.scheme);
        if (!head) head = flag;
        all |= flag;
    }
    if (!all) return ERROR_INVALID_OPERATION;  // no scheme WinHTTP knows
    supported = all;
    first = head;
    target = st == 401 ? WINHTTP_AUTH_TARGET_SERVER : WINHTTP_AUTH_TARGET_PROXY;
    return ERROR_SUCCESS;
}

void RequestEngine::set_credentials(DWORD target, DWORD scheme, auth::Credentials creds) {
    auth_.set_credentials(target == WINHTTP_AUTH_TARGET_PROXY ? AuthFlow::kProxy : AuthFlow::kServer,
                          scheme, std::move(creds), origin());
}

// Reads the rest of a body we won't deliver, keeping the connection when it is small enough.
// (An HTTP/2 stream is not drained: the next transmission resets it.)
Task<DWORD> RequestEngine::drain_body() {
    uint64_t drained = 0;
    const uint64_t limit = owner_.settings().max_response_drain_size;
    for (;;) {
        const Http1Exchange* h1 = http1();
        if (!h1 || !h1->holds_connection() || message_done_) break;
        const DWORD e = co_await next_body_piece();
        if (e) {
            drop_connection();
            co_return ERROR_SUCCESS;
        }
        drained += body_left_;
        body_left_ = 0;
        if (drained > limit) drop_connection();
    }
    co_return ERROR_SUCCESS;
}

// Makes the next piece of de-chunked body available in body_ptr_/body_left_, or marks the
// message done. Fails when the connection or the framing fails; a piece that came with the
// failure is still delivered.
Task<DWORD> RequestEngine::next_body_piece() {
    while (body_left_ == 0 && !message_done_) {
        BodyPiece piece;
        const DWORD e = co_await exchange_->next_body(piece);
        if (piece.len > 0) {
            body_ptr_ = piece.data;
            body_left_ = piece.len;
            note_body_bytes(piece.len);
        }
        if (e) co_return e;
        if (piece.ended) finish_message();
    }
    co_return ERROR_SUCCESS;
}

// The response ended: an HTTP/2 stream is over; a clean keep-alive HTTP/1.1 connection goes
// back to the pool (or stays for the handshake's next round), any other closes.
void RequestEngine::finish_message() {
    message_done_ = true;
    metrics_.mark(WinHttpReceiveResponseEnd);
    Http1Exchange* h1 = http1();
    if (!h1) {
        if (exchange_) exchange_->release();  // the piece stays valid: the exchange keeps it
        return;
    }
    if (!h1->holds_connection()) return;
    h1->keep_tcp_stats();
    // The handshake's next round goes on this connection; also after a 407 to a CONNECT,
    // whose connection is no tunnel and so never goes to the pool.
    if (hold_connection_ && keeps_alive()) return;
    if (!reusable()) {
        drop_connection();
        return;
    }
    give_back();
}

bool RequestEngine::keeps_alive() const {
    const Http1Exchange* h1 = http1();
    return h1 && h1->keeps_alive() &&
           !(owner_.settings().disabled_features & WINHTTP_DISABLE_KEEP_ALIVE) &&
           !expire_connection_.load(std::memory_order_relaxed);
}

bool RequestEngine::reusable() const { return keeps_alive() && !proxy_connect_response_; }

void RequestEngine::give_back() {
    std::unique_ptr<Connection> c = http1()->take_connection();
    ++c->requests;
    owner_.session().pool().give_back(std::move(c));
}

// Decoded bytes are counted as they are produced (decode_more); without decoding the wire
// bytes are the body.
void RequestEngine::note_body_bytes(size_t n) {
    metrics_.add_stat(decoding_ ? WinHttpResponseBodyCompressedSize : WinHttpResponseBodySize, n);
}

void RequestEngine::drop_connection(bool notify) {
    close_connection(std::move(setup_), owner_, io_, metrics_, notify);
    if (exchange_) exchange_->release(notify);
}

Task<DWORD> RequestEngine::decode_more() {
    while (decoded_off_ == decoded_.size()) {
        const DWORD e = co_await next_body_piece();
        if (e) co_return e;
        if (message_done_ && body_left_ == 0) {
            decoded_.clear();
            decoded_off_ = 0;
            co_return codecs_->decoder.finish();
        }
        decoded_.resize(kReadChunk);
        decoded_off_ = 0;
        size_t produced = 0;
        bool done = false;
        const char* in = body_ptr_;
        size_t in_len = body_left_;
        const DWORD d =
            codecs_->decoder.decode(in, in_len, decoded_.data(), decoded_.size(), produced, done);
        if (d) co_return d;
        body_ptr_ = in;
        body_left_ = in_len;
        decoded_.resize(produced);
        metrics_.add_stat(WinHttpResponseBodySize, produced);
        if (done && produced == 0) {
            // Trailing bytes after the compressed stream are ignored. The body is over for the
            // application even when draining them closed the connection (over
            // MAX_RESPONSE_DRAIN_SIZE): later reads find the end, never the closed connection.
            body_left_ = 0;
            if (!message_done_) co_await drain_body();
            message_done_ = true;
            co_return ERROR_SUCCESS;
        }
    }
    co_return ERROR_SUCCESS;
}

DWORD RequestEngine::check_read() const {
    if (state_ != State::HeadersAvailable && state_ != State::BodyDone)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    return ERROR_SUCCESS;
}

// WinHttpQueryDataAvailable without taking bytes off the connection, so that the ReadData that
// follows reads them straight into the caller's buffer (read_direct) instead of copying them
// out of in_: with identity framing and nothing buffered, the bytes the stream holds now
// (FIONREAD; for TLS the decrypted record), bounded by the Content-Length left. Waits (receive
// timeout) while there are none. `peeked` false: the buffered path answers instead (bytes
// already buffered, chunked or decoded body, or a stream that ended or failed: reading says how).
Task<DWORD> RequestEngine::peek_body(size_t& n, bool& peeked) {
    n = 0;
    peeked = false;
    promised_ = 0;
    Http1Exchange* h1 = direct_reader(SIZE_MAX);
    if (!h1) co_return ERROR_SUCCESS;
    bool ended = false;
    const DWORD e = co_await h1->peek_body(n, ended);
    if (e) co_return e;
    if (ended) {
        finish_message();
        co_return ERROR_SUCCESS;
    }
    peeked = n > 0;
    promised_ = n;
    co_return ERROR_SUCCESS;
}

// The sync fast path of query_data_available: the bytes the stream holds now, when it holds
// some, bounded by the Content-Length left. Anything else (nothing there yet: a wait; the end
// of the body; a failure) is left to the Task, which finds the stream as this one did.
bool RequestEngine::query_data_available_now(DWORD* available, DWORD& error) {
    Http1Exchange* h1 = direct_body_left();
    uint64_t n = 0;
    if (!h1 || !h1->peek_now(n)) return false;
    promised_ = n;
    if (available) *available = static_cast<DWORD>(std::min<uint64_t>(n, 0xFFFFFFFFu));
    error = ERROR_SUCCESS;
    return true;
}

// The sync fast path of read (without FILL_BUFFER) after QueryDataAvailable promised bytes:
// socket reads straight into the caller's buffer until the promised count is there. A first
// read that finds nothing leaves everything to the Task; a later one (the promise came in
// pieces: short I/O) hands the rest of the call to it.
bool RequestEngine::read_now(void* buffer, DWORD len, DWORD* read, DWORD& error) {
    Http1Exchange* h1 = promised_ > 0 && len > 0 ? direct_body_left() : nullptr;
    if (!h1) return false;
    auto* out = static_cast<char*>(buffer);
    const size_t promised = std::min<size_t>(promised_, len);
    size_t done = 0;
    error = ERROR_SUCCESS;
    while (done < promised) {
        size_t got = 0;
        bool ended = false;
        DWORD e = ERROR_SUCCESS;
        if (!h1->read_now(out + done, len - done, got, ended, e)) {
            if (done == 0) return false;
            DWORD more = 0;
            error = this->read(out + done, static_cast<DWORD>(len - done), &more, false).run_inline();
            if (!error && read) *read = static_cast<DWORD>(done + more);
            return true;
        }
        if (e) {
            state_ = State::Failed;
            drop_connection();
            error = e;
            return true;
        }
        note_body_bytes(got);
        done += got;
        promised_ -= std::min(promised_, got);
        if (ended) {
            finish_message();
            break;
        }
    }
    promised_ = 0;
    if (read) *read = static_cast<DWORD>(done);
    return true;
}

Task<DWORD> RequestEngine::query_data_available(DWORD* available) {
    if (const DWORD e = check_read()) co_return e;
    if (available) *available = 0;
    DWORD e;
    size_t n;
    if (decoding_) {
        e = co_await decode_more();
        n = decoded_.size() - decoded_off_;
    } else {
        bool peeked = false;
        e = co_await peek_body(n, peeked);
        if (!e && !peeked) {
            e = co_await next_body_piece();
            n = body_left_;
        }
    }
    if (e) {
        state_ = State::Failed;
        drop_connection();
        co_return e;
    }
    if (n == 0) state_ = State::BodyDone;
    if (available) *available = static_cast<DWORD>(std::min<size_t>(n, 0xFFFFFFFFu));
    co_return ERROR_SUCCESS;
}

Task<DWORD> RequestEngine::read(void* buffer, DWORD len, DWORD* read, bool fill_buffer) {
    if (const DWORD e = check_read()) co_return e;
    auto* out = static_cast<char*>(buffer);
    size_t done = 0;
    // What QueryDataAvailable reported is returned whole, even by short socket reads.
    const size_t promised = std::min<size_t>(promised_, len);
    while (done < len) {
        if (Http1Exchange* h1 = direct_reader(len - done)) {
            // The end of a Content-Length body is known without another byte: never wait then.
            if (h1->body_ends_here()) {
                finish_message();
                continue;
            }
            size_t got = 0;
            bool ended = false;
            const DWORD e = co_await h1->read_direct(out + done, len - done, got, ended);
            if (e) {
                state_ = State::Failed;
                drop_connection();
                co_return e;
            }
            note_body_bytes(got);
            if (ended) finish_message();
            done += got;
            promised_ -= std::min(promised_, got);
            if (got > 0 && !fill_buffer && done >= promised) break;
            continue;
        }
        DWORD e;
        const char* src;
        size_t avail;
        if (decoding_) {
            e = co_await decode_more();
            src = decoded_.data() + decoded_off_;
            avail = decoded_.size() - decoded_off_;
        } else {
            e = co_await next_body_piece();
            src = body_ptr_;
            avail = body_left_;
        }
        if (e) {
            state_ = State::Failed;
            drop_connection();
            co_return e;
        }
        if (avail == 0) {
            state_ = State::BodyDone;
            break;
        }
        const size_t n = std::min<size_t>(avail, len - done);
        std::memcpy(out + done, src, n);
        done += n;
        if (decoding_) {
            decoded_off_ += n;
        } else {
            body_ptr_ += n;
            body_left_ -= n;
        }
        // Without FILL_BUFFER a read returns what is at hand rather than wait for more.
        if (!fill_buffer && exchange_->buffered() == 0 && body_left_ == 0 &&
            (!decoding_ || decoded_off_ == decoded_.size()))
            break;
    }
    promised_ = 0;
    if (read) *read = static_cast<DWORD>(done);
    co_return ERROR_SUCCESS;
}

}  // namespace winhttp
