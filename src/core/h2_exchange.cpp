// The HTTP/2 exchange (core/h2_exchange.h, docs/design/http2.md).
#include "core/h2_exchange.h"

#include <vector>

#include "async/request_io.h"
#include "core/request.h"
#include "http2/h2_connection.h"

namespace winhttp {

H2Exchange::H2Exchange(std::shared_ptr<h2::Connection> conn, Request& owner, RequestIo& io)
    : owner_(owner), io_(io), conn_(std::move(conn)) {}

H2Exchange::~H2Exchange() { release(false); }

void H2Exchange::status(DWORD code, const void* info, DWORD len, size_t bytes) {
    if (owner_.wants(code)) owner_.status(code, info, len, bytes);
}

const net::TlsStream* H2Exchange::tls() const noexcept {
    if (stream_) return stream_->connection().tls();
    if (conn_) return conn_->tls();
    return nullptr;
}

const http1::ResponseHead& H2Exchange::head() const noexcept {
    return head_ ? *head_ : http1::kNoResponse;
}

void H2Exchange::release(bool) noexcept {
    if (stream_) {
        io_.forget_fd(stream_->connection().transport().socket.fd());
        io_.forget_fd(stream_->wake_fd());
    }
    stream_.reset();  // RST_STREAM(CANCEL) when the stream is not over
    conn_.reset();
}

bool H2Exchange::refused() { return stream_ && stream_->refused(); }

bool H2Exchange::http11_required() { return stream_ && stream_->http11_required(); }

Task<DWORD> H2Exchange::send(const OutgoingRequest& req, net::Deadline deadline, DWORD& sent) {
    stream_.emplace(std::move(conn_));
    const bool has_body = req.total_len > 0;
    DWORD e = stream_->submit(req.head.method, req.authority, req.head.target, req.head.headers,
                              has_body);
    if (e) {
        const bool again = stream_->refused();
        release();
        co_return again ? ERROR_WINHTTP_RESEND_REQUEST : e;
    }
    if (has_body) stream_->queue_body(req.body.data(), req.body.size(), req.body.size() >= req.total_len);
    e = co_await stream_->wait(io_, h2::Want::Sent, deadline);
    if (e) co_return e;
    sent = static_cast<DWORD>(req.body.size());
    for (const auto& h : req.head.headers) sent += static_cast<DWORD>(h.name.size() + h.value.size() + 4);
    co_return ERROR_SUCCESS;
}

// WriteData over h2: the bytes are queued on the stream and the call returns once the codec
// took them all, that is, once flow control let them go out.
Task<DWORD> H2Exchange::write(const char* data, size_t len, bool last, net::Deadline deadline) {
    stream_->queue_body(data, len, last);
    co_return co_await stream_->wait(io_, h2::Want::Sent, deadline);
}

// One wait for the whole head block: its deadline is taken once.
Task<DWORD> H2Exchange::read_head(size_t& bytes, net::Deadline cap) {
    status(WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE);
    const auto receive = net::Deadline::after_ms(owner_.settings().timeouts.receive);
    const DWORD e =
        co_await stream_->wait(io_, h2::Want::Head, net::Deadline::earlier(receive, cap));
    std::vector<unsigned> interim;
    bytes = 0;
    if (e) co_return e;
    if (!stream_->head(head_.emplace(), interim, bytes)) {
        head_.reset();
        co_return ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
    }
    if (interim.size() > owner_.settings().max_status_continue) {
        release();  // answered: neither refused nor sent back to HTTP/1.1
        co_return ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
    }
    // 1xx blocks are skipped as over HTTP/1.1, each reported (WINHTTP_STATUS_CALLBACK page,
    // INTERMEDIATE_RESPONSE); they are known once the final block is, so they come together.
    for (const unsigned st : interim) {
        DWORD code = st;
        status(WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE, &code, sizeof(code), sizeof(code));
    }
    DWORD got = static_cast<DWORD>(bytes);
    status(WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED, &got, sizeof(got), sizeof(got));
    co_return ERROR_SUCCESS;
}

Task<DWORD> H2Exchange::next_body(BodyPiece& piece) {
    for (;;) {
        DWORD error = ERROR_SUCCESS;
        stream_->take_body(body_, piece.ended, error);
        piece.data = body_.data();
        piece.len = body_.size();
        if (piece.ended) {
            if (!error && head_) stream_->take_trailers(head_->trailers);
            co_return error;
        }
        if (piece.len > 0) co_return ERROR_SUCCESS;
        const DWORD e = co_await stream_->wait(
            io_, h2::Want::Body, net::Deadline::after_ms(owner_.settings().timeouts.receive));
        if (e) co_return e;
    }
}

}  // namespace winhttp
