// The HTTP/2 implementation of core/exchange.h: one stream (h2::Exchange) of a shared
// connection (src/http2/h2_connection.h). It holds a share of the connection from the moment
// open_route attaches it (or adopts a fresh connection whose TLS chose "h2") and opens its
// stream in send(). Every wait is h2::Exchange::wait: on the socket when no other stream
// reads it, else on the stream's own wake-up descriptor (docs/design/http2.md).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "core/exchange.h"
#include "http2/h2_connection.h"

namespace winhttp {

class Request;
class RequestIo;

class H2Exchange final : public Exchange {
public:
    // `owner` receives the notifications, `io` runs the waits.
    H2Exchange(std::shared_ptr<h2::Connection> conn, Request& owner, RequestIo& io);
    ~H2Exchange() override;

    DWORD protocol() const noexcept override { return WINHTTP_PROTOCOL_FLAG_HTTP2; }
    const net::TlsStream* tls() const noexcept override;
    Task<DWORD> send(const OutgoingRequest& req, net::Deadline deadline, DWORD& sent) override;
    Task<DWORD> write(const char* data, size_t len, bool last, net::Deadline deadline) override;
    bool holds_connection() const noexcept override { return stream_ || conn_; }
    Task<DWORD> read_head(size_t& bytes, net::Deadline cap) override;
    const http1::ResponseHead& head() const noexcept override;
    Task<DWORD> next_body(BodyPiece& piece) override;
    void release(bool notify = true) noexcept override;
    bool refused() override;
    bool http11_required() override;

private:
    void status(DWORD code, const void* info = nullptr, DWORD len = 0, size_t bytes = 0);

    Request& owner_;
    RequestIo& io_;
    std::shared_ptr<h2::Connection> conn_;  // attached, no stream yet
    std::optional<h2::Exchange> stream_;    // the request's stream, from send() on (in place:
                                            // no allocation per request)
    std::string body_;                      // the body piece being delivered
    std::optional<http1::ResponseHead> head_;  // once it arrived
};

}  // namespace winhttp
