// The request state machine's HTTP/2 exchange (docs/design/http2.md). The engine stays one
// state machine: where it would write or read an HTTP/1.1 connection it talks to its h2
// stream instead (transmit, write, read_head, next_body_piece, drop_connection); redirects,
// auth, cookies, decompression and notifications above those points are shared.
#include <algorithm>
#include <vector>

#include "core/engine.h"
#include "core/engine_codecs.h"
#include "core/request.h"
#include "core/session.h"
#include "http2/h2_connection.h"
#include "util/wide.h"

namespace winhttp {

namespace {

const std::string* header_value(const http1::HeaderList& list, std::string_view name) {
    for (const auto& h : list)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

}  // namespace

const net::TlsStream* RequestEngine::tls() const noexcept {
    if (conn_) return conn_->tls.get();
    if (h2_) return h2_->connection().tls();
    return nullptr;
}

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
    if (h2conn_ || h2_) return ERROR_SUCCESS;
    drop_connection();
    return ERROR_WINHTTP_HTTP_PROTOCOL_MISMATCH;
}

bool RequestEngine::attach_h2(const std::string& key) {
    if (!offers_h2()) return false;
    std::shared_ptr<SharedConnection> shared = owner_.session().pool().find_shared(key);
    if (!shared) return false;
    h2conn_ = std::static_pointer_cast<h2::Connection>(std::move(shared));
    conn_reused_ = true;
    winhttp::Connection& t = h2conn_->transport();
    have_addresses_ = t.socket.local_address(local_) && t.socket.remote_address(remote_);
    metrics_.mark(WinHttpConnectionAcquireWaitEnd);
    metrics_.mark(WinHttpConnectionAcquireEnd);
    metrics_.set_connection(1, 0);
    return true;
}

// A fresh connection whose TLS handshake chose "h2" becomes the session's shared connection
// of the route; it keeps the slot open_route reserved for it.
void RequestEngine::adopt_h2(const std::string& key) {
    if (!offers_h2() || !conn_ || !conn_->tls || conn_->tls->alpn() != "h2") return;
    h2::Settings settings;
    settings.max_header_bytes = owner_.settings().max_response_header_size;
    settings.keepalive_ms = owner_.session().h2_keepalive_ms;
    io_.forget_fd(conn_->socket.fd());
    auto shared = std::make_shared<h2::Connection>(std::move(conn_), owner_.session().pool(),
                                                   settings);
    h2conn_ = shared;
    shared->start_keepalive();
    owner_.session().pool().add_shared(key, std::move(shared));
}

void RequestEngine::release_h2() {
    if (h2_) {
        io_.forget_fd(h2_->connection().transport().socket.fd());
        io_.forget_fd(h2_->wake_fd());
    }
    h2_.reset();  // RST_STREAM(CANCEL) when the stream is not over
    h2conn_.reset();
}

// RFC 9113 7 (HTTP_1_1_REQUIRED) and 8.1.1 (RFC 7540 8.1.2: "a server can ... indicate that it
// requires HTTP/1.1 ... the client should retry the request over HTTP/1.1"): the stream was
// reset, or the connection ended, with HTTP_1_1_REQUIRED. The request goes again, once, on an
// HTTP/1.1 connection (ALPN offers only http/1.1) unless its body was streamed with WriteData
// (it cannot be sent again by us) or it was cancelled or timed out.
bool RequestEngine::fall_back_to_http11(DWORD e) {
    if (!h2_ || http11_required_ || body_streamed_ || e == ERROR_WINHTTP_OPERATION_CANCELLED ||
        e == ERROR_WINHTTP_TIMEOUT || !h2_->http11_required())
        return false;
    http11_required_ = true;
    return true;
}

Task<DWORD> RequestEngine::h2_transmit() {
    used_h2_ = true;
    h2_ = std::make_unique<h2::Exchange>(std::move(h2conn_));
    const std::string* host = header_value(sent_head_.headers, "Host");
    const bool has_body = total_len_ > 0;
    metrics_.mark(WinHttpSendRequestStart);
    note_server_certificate();
    status(WINHTTP_CALLBACK_STATUS_SENDING_REQUEST);
    DWORD e = h2_->submit(sent_head_.method, host ? *host : host_, sent_head_.target,
                          sent_head_.headers, has_body);
    if (e) {
        const bool again = h2_->refused();
        release_h2();
        co_return again ? ERROR_WINHTTP_RESEND_REQUEST : e;
    }
    if (has_body) h2_->queue_body(optional_.data(), optional_.size(), optional_.size() >= total_len_);
    e = co_await h2_->wait(io_, h2::Want::Sent, send_deadline());
    if (e) {
        bool again = h2_->refused() && e != ERROR_WINHTTP_OPERATION_CANCELLED;
        if (fall_back_to_http11(e)) again = true;
        release_h2();
        co_return again ? ERROR_WINHTTP_RESEND_REQUEST : e;
    }
    metrics_.mark(WinHttpSendRequestHeadersEnd);
    metrics_.mark(WinHttpSendRequestEnd);
    DWORD sent = static_cast<DWORD>(optional_.size());
    for (const auto& h : sent_head_.headers) sent += static_cast<DWORD>(h.name.size() + h.value.size() + 4);
    status(WINHTTP_CALLBACK_STATUS_REQUEST_SENT, &sent, sizeof(sent), sizeof(sent));
    co_return ERROR_SUCCESS;
}

// WriteData over h2: the bytes are queued on the stream and the call returns once the codec
// took them all, that is, once flow control let them go out.
Task<DWORD> RequestEngine::h2_write(const char* data, size_t len, bool last) {
    h2_->queue_body(data, len, last);
    co_return co_await h2_->wait(io_, h2::Want::Sent, send_deadline());
}

Task<DWORD> RequestEngine::h2_read_head() {
    auto deadline = receive_deadline();
    if (!head_deadline_.infinite && (deadline.infinite || head_deadline_.at < deadline.at))
        deadline = head_deadline_;
    status(WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE);
    const DWORD e = co_await h2_->wait(io_, h2::Want::Head, deadline);
    http1::ResponseHead head;
    std::vector<unsigned> interim;
    size_t bytes = 0;
    if (e || !h2_->head(head, interim, bytes)) {
        if (fall_back_to_http11(e)) {
            release_h2();
            co_return ERROR_WINHTTP_RESEND_REQUEST;
        }
        // A stream the server never processed (GOAWAY, REFUSED_STREAM) goes again, once: a
        // server refusing every stream on a live connection must not keep us resending forever.
        if (h2_->refused() && !body_streamed_ && !h2_resent_ &&
            e != ERROR_WINHTTP_OPERATION_CANCELLED && e != ERROR_WINHTTP_TIMEOUT) {
            h2_resent_ = true;
            release_h2();
            co_return ERROR_WINHTTP_RESEND_REQUEST;
        }
        co_return e ? e : ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
    }
    if (interim.size() > owner_.settings().max_status_continue)
        co_return ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
    // 1xx blocks are skipped as over HTTP/1.1, each reported (WINHTTP_STATUS_CALLBACK page,
    // INTERMEDIATE_RESPONSE); they are known once the final block is, so they come together.
    for (const unsigned st : interim) {
        DWORD code = st;
        status(WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE, &code, sizeof(code), sizeof(code));
    }
    DWORD got = static_cast<DWORD>(bytes);
    status(WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED, &got, sizeof(got), sizeof(got));
    metrics_.set_stat(WinHttpResponseHeadersSize, bytes);
    codecs_->h2_head = std::move(head);
    body_left_ = 0;
    message_done_ = false;
    co_return ERROR_SUCCESS;
}

Task<DWORD> RequestEngine::h2_next_body_piece() {
    while (body_left_ == 0 && !message_done_) {
        bool ended = false;
        DWORD error = ERROR_SUCCESS;
        h2_->take_body(h2_body_, ended, error);
        if (!h2_body_.empty()) {
            body_ptr_ = h2_body_.data();
            body_left_ = h2_body_.size();
            note_body_bytes(h2_body_.size());
        }
        if (ended) {
            if (error) co_return error;
            if (codecs_->h2_head) h2_->take_trailers(codecs_->h2_head->trailers);
            message_done_ = true;
            metrics_.mark(WinHttpReceiveResponseEnd);
            release_h2();
            break;
        }
        if (body_left_ > 0) break;
        const DWORD e = co_await h2_->wait(io_, h2::Want::Body, receive_deadline());
        if (e) co_return e;
    }
    co_return ERROR_SUCCESS;
}

}  // namespace winhttp
