// The request state machine's side of HTTP/2 (docs/design/http2.md): whether a request offers
// h2, attaching a shared h2 connection (or adopting a fresh one whose TLS chose "h2") as the
// request's exchange (core/h2_exchange.h), and the fall-back to HTTP/1.1.
#include <algorithm>
#include <vector>

#include "core/engine.h"
#include "core/request.h"
#include "core/session.h"
#include "core/engine_codecs.h"
#include "core/h2_exchange.h"
#include "http2/h2_connection.h"
#include "util/wide.h"

namespace winhttp {

// Connection-based authentication (NTLM, Negotiate) authenticates a connection, not a request:
// Windows answers such a challenge over HTTP/1.1, and so do we (the 401 may come over h2; the
// handshake then runs on an HTTP/1.1 connection of its own).
bool RequestEngine::offers_h2() const {
    return secure_ && (owner_.settings().http_protocols & WINHTTP_PROTOCOL_FLAG_HTTP2) &&
           !ws_upgrade_ && !app_chunked_ && !auth_.connection_based() && !http11_required_;
}

// Option Flags page: HTTP_PROTOCOL_REQUIRED "prevents protocol versions other than those
// enabled by WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL from being used for the request"; the
// request fails with ERROR_WINHTTP_HTTP_PROTOCOL_MISMATCH. No h2c: plain http never has h2.
DWORD RequestEngine::check_required_protocol() {
    const Settings& s = owner_.settings();
    if (!s.http_protocol_required || !(s.http_protocols & WINHTTP_PROTOCOL_FLAG_HTTP2))
        return ERROR_SUCCESS;
    if (exchange_ && exchange_->protocol() == WINHTTP_PROTOCOL_FLAG_HTTP2) return ERROR_SUCCESS;
    drop_connection();
    return ERROR_WINHTTP_HTTP_PROTOCOL_MISMATCH;
}

bool RequestEngine::attach_h2(const std::string& key) {
    if (!offers_h2()) return false;
    std::shared_ptr<SharedConnection> shared = owner_.session().pool().find_shared(key);
    if (!shared) return false;
    auto h2conn = std::static_pointer_cast<h2::Connection>(std::move(shared));
    conn_reused_ = true;
    winhttp::Connection& t = h2conn->transport();
    // Taken when the connection was opened (open_route), before it was shared: no system
    // call per request.
    addresses_.store(t.addresses ? t.addresses : ConnectionAddresses::of(t.socket),
                     std::memory_order_release);
    metrics_.mark(WinHttpConnectionAcquireWaitEnd);
    metrics_.mark(WinHttpConnectionAcquireEnd);
    metrics_.set_connection(1, 0);
    end_exchange();
    codecs_->h2 = std::make_unique<H2Exchange>(std::move(h2conn), owner_, io_);
    exchange_ = codecs_->h2.get();
    return true;
}

// A fresh connection whose TLS handshake chose "h2" becomes the session's shared connection
// of the route; it keeps the slot open_route reserved for it.
void RequestEngine::adopt_h2(const std::string& key) {
    if (!offers_h2() || !setup_ || !setup_->tls || setup_->tls->alpn() != "h2") return;
    h2::Settings settings;
    settings.max_header_bytes = owner_.settings().max_response_header_size;
    settings.keepalive_ms = owner_.session().h2_keepalive_ms;
    io_.forget_fd(setup_->socket.fd());
    auto shared = std::make_shared<h2::Connection>(std::move(setup_), owner_.session().pool(),
                                                   settings);
    end_exchange();
    codecs_->h2 = std::make_unique<H2Exchange>(shared, owner_, io_);
    exchange_ = codecs_->h2.get();
    shared->start_keepalive();
    owner_.session().pool().add_shared(key, std::move(shared));
}

// RFC 9113 7 (HTTP_1_1_REQUIRED) and 8.1.1 (RFC 7540 8.1.2: "a server can ... indicate that it
// requires HTTP/1.1 ... the client should retry the request over HTTP/1.1"): the stream was
// reset, or the connection ended, with HTTP_1_1_REQUIRED. The request goes again, once, on an
// HTTP/1.1 connection (ALPN offers only http/1.1) unless its body was streamed with WriteData
// (it cannot be sent again by us) or it was cancelled or timed out.
bool RequestEngine::fall_back_to_http11(DWORD e) {
    if (!exchange_ || http11_required_ || body_streamed_ || e == ERROR_WINHTTP_OPERATION_CANCELLED ||
        e == ERROR_WINHTTP_TIMEOUT || !exchange_->http11_required())
        return false;
    http11_required_ = true;
    return true;
}

}  // namespace winhttp
