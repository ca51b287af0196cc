// The HTTP/1.1 implementation of core/exchange.h: one request/response on a connection the
// request holds alone (a fresh one, one from the pool, or one the engine held for the next round
// of an NTLM/Negotiate handshake). It owns the connection, the bytes read from it and the
// response parser; the engine keeps the connection policy (pool, hold, close) and asks for the
// connection back with take_connection(). Identity-framed bodies have fast paths that read the
// socket straight into the caller's buffer (docs/design/read-path.md); the engine asks for them
// once per read. docs/design/http2.md "One exchange interface" says who owns what.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/exchange.h"
#include "http1/response_parser.h"
#include "net/conn_pool.h"

namespace winhttp {

class Request;
class RequestIo;
class RequestMetrics;

// Internal result of a read: the peer closed the connection (never leaves the engine).
constexpr DWORD kPeerClosed = 0xE0F00001u;

// Bytes read from the socket; [off, len) not parsed yet. Not zero-filled on growth. The memory
// of a buffer that goes (release, destruction) waits in a one-slot per-thread cache for the
// next buffer made on that thread: a request's 64 KiB read buffer costs no malloc/free.
struct InputBuffer {
    std::unique_ptr<char[]> mem;
    size_t cap = 0, off = 0, len = 0;
    InputBuffer() = default;
    InputBuffer(const InputBuffer&) = delete;
    InputBuffer& operator=(const InputBuffer&) = delete;
    ~InputBuffer() { release(); }
    const char* unread_data() const { return mem.get() + off; }
    size_t unread() const { return len - off; }
    char* prepare(size_t n);  // room for n more bytes at the end
    void append(const char* data, size_t n);
    void clear() { off = len = 0; }
    void release() noexcept;  // nothing unread: give the memory back
};

// Writes all of `data` on `s`, waiting through `io` until `deadline`.
Task<DWORD> write_all(RequestIo& io, net::Stream& s, const char* data, size_t len,
                      net::Deadline deadline);
// One read of at least one byte into dst, with RECEIVING_RESPONSE and RESPONSE_RECEIVED for
// `owner`; kPeerClosed on an orderly close.
Task<DWORD> receive_some(Request& owner, RequestIo& io, net::Stream& s, char* dst, size_t cap,
                         size_t& n, net::Deadline deadline);
// The same into the end of `in` (its len grows by the bytes read). An async request frees an
// empty buffer while it waits and makes it again after (issue 16: 64 KiB per waiting request
// otherwise).
Task<DWORD> receive_some(Request& owner, RequestIo& io, net::Stream& s, InputBuffer& in,
                         net::Deadline deadline);
// Closes a connection the request held: its TCP figures are kept in `metrics`, and with
// `notify` the application hears CLOSING_CONNECTION and CONNECTION_CLOSED (when it was
// connected). Its pool slot is given up.
void close_connection(std::unique_ptr<Connection> conn, Request& owner, RequestIo& io,
                      RequestMetrics& metrics, bool notify);

class Http1Exchange final : public Exchange {
public:
    // `reused`: the connection carried a request before, so a close before any byte of the
    // answer means the server had let it go (refused()).
    Http1Exchange(std::unique_ptr<Connection> conn, bool reused, Request& owner, RequestIo& io,
                  RequestMetrics& metrics);
    ~Http1Exchange() override;  // a connection still held closes silently

    DWORD protocol() const noexcept override { return 0; }
    const net::TlsStream* tls() const noexcept override;
    bool holds_connection() const noexcept override { return conn_ != nullptr; }
    Task<DWORD> send(const OutgoingRequest& req, net::Deadline deadline, DWORD& sent) override;
    Task<DWORD> write(const char* data, size_t len, bool last, net::Deadline deadline) override;
    Task<DWORD> read_head(size_t& bytes, net::Deadline cap) override;
    const http1::ResponseHead& head() const noexcept override;
    Task<DWORD> next_body(BodyPiece& piece) override;
    size_t buffered() const noexcept override { return in_.unread(); }
    void release(bool notify) noexcept override;
    bool refused() override { return stale_; }
    bool http11_required() override { return false; }

    // --- the engine's connection policy ---
    Connection* connection() const noexcept { return conn_.get(); }
    std::unique_ptr<Connection> take_connection() noexcept;
    // The proxy's answer to CONNECT that refused the tunnel: read_head parses it as the response.
    void take_answer(const std::string& raw, bool head_request);
    // The framing lets the connection carry another request: keep-alive, nothing past the
    // response.
    bool keeps_alive() const;
    // At close with nothing in flight: parses what is buffered; true when the response ended
    // there (the body's unread bytes are dropped).
    bool ends_in_buffer();
    // The response's TCP figures, kept for CONNECTION_STATS_* after the connection goes.
    void keep_tcp_stats();
    // WebSocket: the bytes read past the 101's head, and the connection.
    std::unique_ptr<Connection> take_upgraded(std::string& leftover);

    // --- identity-framed bodies straight into the caller's buffer ---
    // Content-Length or until-close framing, nothing buffered, the body not ended.
    bool reads_direct() const;
    // ... and a Content-Length body with bytes still to come.
    bool length_left_direct() const;
    // The end of a Content-Length body is known without another byte.
    bool body_ends_here();
    // One socket read into dst (waits with the receive timeout); `got` body bytes at dst.
    Task<DWORD> read_direct(char* dst, size_t cap, size_t& got, bool& ended);
    // Waits until the stream holds bytes of the body; `n` of them (bounded by the length
    // left), 0 when the stream ended or failed (reading says how).
    Task<DWORD> peek_body(size_t& n, bool& ended);
    // Synchronous handles: without waiting. peek_now: false when nothing is there yet.
    // read_now: false when the socket had nothing (nothing done), else `error` is the result.
    bool peek_now(uint64_t& n);
    bool read_now(char* dst, size_t cap, size_t& got, bool& ended, DWORD& error);

private:
    Task<DWORD> fill_input(net::Deadline deadline);
    // The n bytes just read into dst go through the parser, which counts them (and moves them
    // down over anything that was not body); `got` is the body bytes left at dst.
    DWORD take_direct(char* dst, size_t n, size_t& got, bool& ended);
    void status(DWORD code, const void* info = nullptr, DWORD len = 0, size_t bytes = 0);
    net::Deadline receive_deadline() const;

    Request& owner_;
    RequestIo& io_;
    RequestMetrics& metrics_;
    std::unique_ptr<Connection> conn_;
    InputBuffer in_;
    // Built per response so the header-size limit in force at receive time applies.
    std::optional<http1::ResponseParser> parser_;
    bool head_request_ = false;  // HEAD: the response has no body
    bool reused_;         // the connection carried a request before this one
    bool sent_ = false;   // this exchange sent a request (a held connection sends again)
    bool stale_ = false;  // reused, and closed before any byte of the answer
    bool ended_ = false;  // the response's body ended
};

}  // namespace winhttp
