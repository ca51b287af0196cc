// HTTP/2 client session over nghttp2, sans I/O: bytes from the server go in (feed), bytes for
// the server come out (take_output); responses land in the Stream objects. It never touches a
// socket and takes no lock: the shared connection (h2_connection.h) serializes the calls.
//
// Flow control: the connection window is given back as soon as DATA arrives (a stalled stream
// never stops the others); a stream's window only as the application takes its bytes
// (take_body), so a request whose application stops reading holds at most one stream window.
#pragma once
#include <nghttp2/nghttp2.h>
#include <winhttp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http1/message.h"

namespace winhttp::h2 {

// One request/response exchange. Fields are written by the codec, read by the owner of the
// request, both under the connection's lock. The owner keeps it (h2::Exchange holds it by
// value); the codec only points at it from submit until the stream closes or is cancelled.
struct Stream {
    int32_t id = -1;
    http1::ResponseHead head;     // :status and headers, then trailers
    size_t head_bytes = 0;        // name + value bytes of the final header block
    bool head_done = false;       // a final (non-1xx) header block arrived
    unsigned informational = 0;   // 1xx blocks seen
    std::vector<unsigned> interim;  // their status codes, in order (INTERMEDIATE_RESPONSE)
    std::string data;             // body bytes not yet taken
    size_t content_length = 0;    // the final head's content-length (0: none), sizes `data` once
    bool ended = false;           // END_STREAM seen
    bool closed = false;          // the stream is gone (ended, reset or connection lost)
    DWORD error = ERROR_SUCCESS;  // why it failed, when it did
    bool refused = false;         // never processed by the server: may be sent again
    // RST_STREAM or GOAWAY with HTTP_1_1_REQUIRED (RFC 9113 7): the request may go again over
    // HTTP/1.1.
    bool http11_required = false;
    // Request body: bytes queued by the request, not yet framed; body_done once all are queued.
    std::string out;
    bool body_done = true;
    bool deferred = false;  // the data source is paused waiting for bytes
    // Called (under the lock) whenever something arrived for the stream: wakes its waiter.
    void (*notify)(void* ctx) = nullptr;
    void* notify_ctx = nullptr;
    // The codec's list of its open streams (no allocation per stream).
    Stream* prev = nullptr;
    Stream* next = nullptr;
    Stream* hnext = nullptr;  // the codec's by-id chain
    bool registered = false;
};

struct MemPool;

struct Settings {
    uint32_t stream_window = 1u << 20;       // SETTINGS_INITIAL_WINDOW_SIZE we announce
    uint32_t connection_window = 16u << 20;  // our connection receive window
    size_t max_header_bytes = 64 * 1024;     // WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE
    unsigned keepalive_ms = 0;               // WINHTTP_OPTION_HTTP2_KEEPALIVE; 0: no PINGs
};

class Codec {
public:
    explicit Codec(const Settings& settings);
    ~Codec();
    Codec(const Codec&) = delete;
    Codec& operator=(const Codec&) = delete;

    // False when nghttp2 could not be set up (out of memory).
    bool ok() const noexcept { return session_ != nullptr; }

    // Submits a request (`headers` in order; connection-specific ones are dropped, Host becomes
    // :authority). With `has_body` the body is taken from stream.out until body_done. Returns
    // ERROR_SUCCESS or an error; stream.id is set.
    // `stream` must stay where it is until it closed (`closed`), cancel() forgot it, or the codec
    // is gone.
    DWORD submit(Stream& stream, const std::string& method,
                 const std::string& authority, const std::string& path,
                 const http1::HeaderList& headers, bool has_body);
    // More request body was queued on `stream` (or body_done set).
    void resume(Stream& stream);
    // RST_STREAM(CANCEL) unless the stream is over; forgets the stream.
    void cancel(Stream& stream);
    // Queues a PING (keep-alive).
    void ping();
    // The application took n body bytes: its stream window grows back.
    void consumed(Stream& stream, size_t n);
    // Moves the buffered body to `out` (replacing its contents) and gives the window back.
    void take_body(Stream& stream, std::string& out);

    // Server bytes. False when the connection is broken (protocol error): every stream failed.
    bool feed(const char* data, size_t len);
    // Frames to send (appended to `out`).
    void take_output(std::string& out);
    // The transport failed or closed: every stream fails with `error` (unprocessed ones are
    // marked refused so their requests may go again on a new connection).
    void fail_all(DWORD error);

    // New streams may be opened (no GOAWAY, no fatal error).
    bool accepting() const noexcept { return !goaway_ && !broken_; }
    bool broken() const noexcept { return broken_; }
    size_t active_streams() const noexcept { return count_; }
    // nghttp2 wants to read/write (false once the session is over).
    bool wants_io() const;

private:
    friend struct Callbacks;
    Stream* find(int32_t id);
    void link(Stream& s);
    // Forgets `s` (a later frame for its id finds nothing).
    void unlink(Stream& s);
    static constexpr size_t kBuckets = 512;
    static size_t bucket(int32_t id) { return (static_cast<uint32_t>(id) >> 1) & (kBuckets - 1); }
    void finish(Stream& s, DWORD error, bool refused);
    void notify(Stream& s) {
        if (s.notify) s.notify(s.notify_ctx);
    }

    // nghttp2's allocations (a stream's state, its frames, HPACK strings: ~17 per request)
    // come from per-size free lists of this codec; every nghttp2 call is under the connection's
    // lock, so they need none. Declared before session_ is deleted (~Codec) and destroyed after.
    std::unique_ptr<MemPool> pool_;
    nghttp2_session* session_ = nullptr;
    Settings settings_;
    Stream* streams_ = nullptr;  // open streams (submitted, not closed, not cancelled)
    size_t count_ = 0;
    std::unique_ptr<Stream*[]> buckets_;  // kBuckets chains of open streams by id
    // submit()'s scratch (kept: nghttp2 copies the header block, so these are reused).
    std::vector<nghttp2_nv> nva_;
    std::string names_;
    bool goaway_ = false;
    bool broken_ = false;
    // The server's SETTINGS arrived. Request bodies wait for them: a server announcing a small
    // stream window may reset a stream whose DATA overran it before its SETTINGS got to us.
    bool settings_seen_ = false;
};

}  // namespace winhttp::h2
