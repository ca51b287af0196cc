// One request/response exchange on a connection, as the request state machine
// (core/engine.h) sees it: the request goes out, more body may follow (WriteData), the final
// response head comes in (1xx blocks reported and skipped), then the body in pieces until its
// end. Redirects, authentication, cookies, decompression and the request's own notifications
// (SENDING_REQUEST, REQUEST_SENT) stay in the engine; an exchange makes the notifications of
// its own waits (RECEIVING_RESPONSE, RESPONSE_RECEIVED, INTERMEDIATE_RESPONSE), which differ by
// protocol. docs/design/http2.md "One exchange interface" says who owns what.
#pragma once
#include <winhttp.h>

#include <string>
#include <string_view>

#include "core/task.h"
#include "http1/message.h"
#include "net/socket.h"

namespace winhttp {

namespace net {
class TlsStream;
}

// What goes out with WinHttpSendRequest.
struct OutgoingRequest {
    const http1::RequestHead& head;  // as built (QueryHeaders reads the engine's copy)
    const std::string& authority;    // the Host header's value, else the URL's host
    std::string_view body;           // the SendRequest body
    uint64_t total_len;              // the declared body length (WriteData sends the rest)
    std::string_view wire;           // head and body as HTTP/1.1 bytes (what HTTP/1.1 writes)
};

// A piece of response body: `len` bytes at `data`, valid until the next call; `ended`: the body
// is complete (trailers, if any, can be taken).
struct BodyPiece {
    const char* data = nullptr;
    size_t len = 0;
    bool ended = false;
};

class Exchange {
public:
    virtual ~Exchange() = default;
    Exchange() = default;
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    // WINHTTP_PROTOCOL_FLAG_HTTP2, or 0 for HTTP/1.x.
    virtual DWORD protocol() const noexcept = 0;
    // The TLS layer the exchange's request went on, while the exchange holds its connection.
    virtual const net::TlsStream* tls() const noexcept = 0;
    // The exchange still holds its connection (or its stream of one).
    virtual bool holds_connection() const noexcept = 0;
    // Sends the request (head and the SendRequest body). `sent`: the count REQUEST_SENT
    // reports. ERROR_WINHTTP_RESEND_REQUEST: nothing reached the server; send it again.
    virtual Task<DWORD> send(const OutgoingRequest& req, net::Deadline deadline, DWORD& sent) = 0;
    // WriteData's bytes; `last`: the declared length is complete.
    virtual Task<DWORD> write(const char* data, size_t len, bool last, net::Deadline deadline) = 0;
    // Waits for the final response head; `bytes`: its size on the wire. Each wait is bounded
    // by the receive timeout in force then and never goes past `cap` (RECEIVE_RESPONSE_TIMEOUT).
    virtual Task<DWORD> read_head(size_t& bytes, net::Deadline cap) = 0;
    // The final response head once read_head succeeded (with its trailers once the body
    // ended); kept after release(), until the exchange goes with the next transmission.
    virtual const http1::ResponseHead& head() const noexcept = 0;
    // The next piece of body; waits while none is there, each wait with the receive timeout
    // in force then. On an error the piece may still hold bytes that came with it.
    virtual Task<DWORD> next_body(BodyPiece& piece) = 0;
    // Bytes received and not yet taken by next_body (a read without FILL_BUFFER goes on while
    // there are some).
    virtual size_t buffered() const noexcept { return 0; }
    // Lets go of the connection without keeping it for another request (the response ended over
    // HTTP/2, or the request gave up): HTTP/2 ends the stream, HTTP/1.1 closes the connection,
    // with CLOSING_CONNECTION and CONNECTION_CLOSED when `notify`. The exchange stays for the
    // body piece it last gave, head() and protocol(). The engine pools a reusable HTTP/1.1
    // connection itself (Http1Exchange::take_connection).
    virtual void release(bool notify = true) noexcept = 0;
    // After a failure: the server never processed the request (it may go again)...
    virtual bool refused() = 0;
    // ... or it asked for HTTP/1.1 (RFC 9113 HTTP_1_1_REQUIRED).
    virtual bool http11_required() = 0;
};

}  // namespace winhttp
