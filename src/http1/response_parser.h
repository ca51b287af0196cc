// HTTP/1.1 response parser, sans I/O: bytes in, events out (llhttp underneath).
//
// Pull model. The caller owns the bytes; feed() consumes a prefix of them and stops at the first
// event, so a body piece can be handed to the application straight from the caller's buffer:
//
//     parser.reset(is_head);
//     for (;;) {
//         ParseStep s = parser.feed(p, n);       // n may be 0: see below
//         p += s.consumed; n -= s.consumed;
//         switch (s.event) {
//         case NeedMore:        read more into a buffer, then feed it;
//         case HeadComplete:    look at head(); 1xx: expect MessageComplete next, then reset();
//         case Body:            use s.body[0 .. s.body_len) before the buffer is reused;
//         case MessageComplete: keep_alive() ? reset() and go on with the rest : close;
//         case Error:           fail the request with s.error;
//         }
//     }
//     on peer close: parser.finish()  (completes a read-until-close body, else an error)
//
// After any event other than NeedMore, call feed() again with the unconsumed rest of the
// buffer, even when that rest is empty: a message can complete without another byte (a body of
// Content-Length 0, the last body piece ending the buffer). NeedMore means every byte given was
// consumed into the parser's state; nothing needs to be kept.
#pragma once

#include <openwinhttp/wintypes.h>  // DWORD; winhttp.h (error codes) clashes with llhttp.h

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "http1/message.h"

namespace winhttp::http1 {

struct ParseLimits {
    // Status line + header block + the blank line, as on the wire; WinHTTP's default for
    // WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE. Trailers of a chunked body get the same budget.
    size_t max_header_bytes = 64 * 1024;
    // Chunk extensions on one chunk-size line (llhttp streams the chunk size itself, so only the
    // extensions can make a chunk line long).
    size_t max_chunk_ext_bytes = 4 * 1024;
};

enum class ParseEvent { NeedMore, HeadComplete, Body, MessageComplete, Error };

struct ParseStep {
    ParseEvent event;
    size_t consumed;             // bytes of the caller's data used up by this call
    const char* body = nullptr;  // Body: de-chunked payload, pointing into the caller's data
    size_t body_len = 0;
    DWORD error = 0;             // Error: an ERROR_WINHTTP_* code
};

class ResponseParser {
public:
    // Ready for the first response, as after reset(false).
    explicit ResponseParser(ParseLimits limits = {});
    ~ResponseParser();
    ResponseParser(const ResponseParser&) = delete;  // llhttp keeps a pointer back to us
    ResponseParser& operator=(const ResponseParser&) = delete;

    // Forgets the previous response (and any error) and gets ready for the next one on the same
    // connection. head_request: the request was HEAD, so the response has no body whatever its
    // Content-Length says. Header strings from the previous response are reused, not freed.
    void reset(bool head_request);

    // Parses a prefix of data[0, len) and reports the first event reached (see the file comment).
    // data may be null when len is 0. Events of one response come in the order HeadComplete,
    // Body*, MessageComplete; a response without a body (HEAD, 1xx, 204, 304) goes straight from
    // HeadComplete to MessageComplete with consumed 0. For 101 the bytes after the head belong
    // to the new protocol and are never consumed. After MessageComplete, feed() keeps returning
    // MessageComplete with consumed 0 until reset(). Errors (the parser then stays in error):
    //   ERROR_WINHTTP_INVALID_SERVER_RESPONSE  malformed status line or header, status < 100,
    //       bad or overflowing Content-Length or chunk size, duplicate Content-Length (llhttp
    //       rejects even equal duplicates), Content-Length together with Transfer-Encoding,
    //       malformed chunk framing (chunk data not followed by CRLF included) or chunk extension
    //   ERROR_WINHTTP_HEADER_SIZE_OVERFLOW  the head exceeds max_header_bytes
    //   ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW  chunk extensions on one line exceed
    //       max_chunk_ext_bytes, or the trailers exceed max_header_bytes
    ParseStep feed(const char* data, size_t len);

    // The peer closed the connection (no more bytes will come). Returns MessageComplete when
    // the response is complete or its body is read-until-close, else Error:
    //   ERROR_WINHTTP_INVALID_SERVER_RESPONSE  closed before the head was complete (also when
    //       nothing was received: see idle() to tell a stale keep-alive connection)
    //   ERROR_WINHTTP_CONNECTION_ERROR  closed inside a Content-Length or chunked body
    //   any error feed() already reported
    ParseStep finish();

    // The head of the current response; complete once HeadComplete was reported (trailers once
    // MessageComplete was). Before that its header list may also hold entries recycled from an
    // earlier response (see Spare in response_parser.cpp): read it only after HeadComplete.
    const ResponseHead& head() const { return head_; }
    ResponseHead& head() { return head_; }

    // After HeadComplete: the connection can carry another response once this one completes
    // (HTTP/1.1 without "Connection: close", or HTTP/1.0 with "Connection: keep-alive"; never
    // for a read-until-close body or a 101).
    bool keep_alive() const { return keep_alive_; }
    // After HeadComplete: the body ends only when the peer closes (no length, not chunked).
    bool body_until_close() const { return until_close_; }
    // After HeadComplete: the body length when it is known up front: the Content-Length, or 0
    // for a response that has no body. Empty for chunked and read-until-close bodies.
    std::optional<uint64_t> content_length() const { return length_; }
    // During a Content-Length body: its bytes not fed yet. Empty for other framings.
    std::optional<uint64_t> length_left() const;
    // After HeadComplete: the body is chunked.
    bool chunked() const { return chunked_; }
    // No byte of the current response has arrived yet (a close now means the server dropped an
    // idle keep-alive connection; the caller may retry on a new one).
    bool idle() const { return phase_ == Phase::Idle; }

    // Parts a destroyed parser left for the next one on its thread (response_parser.cpp).
    struct Spare;
    // Frees the calling thread's spare parts; later parsers on this thread keep none. Runs at
    // thread exit by itself.
    static void drop_thread_spare();

private:
    enum class Phase { Idle, Head, Body, Done, Failed };

    static Spare* dead_spare();
    static void SpareTeardownArm();
    static constinit thread_local Spare* t_spare;

    // llhttp state and the callbacks (response_parser.cpp); llhttp.h stays out of this header.
    struct Engine;
    friend struct Engine;

    int take_head();
    int count_field_bytes(const char* at, size_t len, bool new_field);
    int fail_in_callback(DWORD error);
    Header& next_field();
    Header& current_field() { return (*fields_)[fields_used_ - 1]; }
    ParseStep run(const char* data, size_t len);
    ParseStep check_head_size(ParseStep step);
    ParseStep fail(DWORD error);
    ParseStep complete_now();
    bool check_chunk_crlf(const char* data, size_t len);

    ParseLimits limits_;
    std::unique_ptr<Engine> engine_;
    ResponseHead head_;
    Phase phase_ = Phase::Idle;
    bool head_request_ = false;
    bool completion_pending_ = false;  // a body-less response owes MessageComplete
    bool keep_alive_ = false;
    bool until_close_ = false;
    bool chunked_ = false;
    std::optional<uint64_t> length_;
    DWORD error_ = 0;
    DWORD callback_error_ = 0;  // why a callback stopped llhttp

    // What the callbacks of the current llhttp_execute() reported.
    ParseEvent event_ = ParseEvent::NeedMore;
    const char* body_ = nullptr;
    size_t body_len_ = 0;

    // Header assembly: llhttp delivers names and values in fragments.
    HeaderList* fields_ = &head_.headers;  // headers, then trailers
    size_t fields_used_ = 0;               // entries of *fields_ that belong to this response
    bool in_name_ = false;
    const char* feed_start_ = nullptr;     // data of the current feed(), to measure the head
    size_t head_bytes_ = 0;                // head bytes consumed by earlier feed() calls
    size_t trailer_bytes_ = 0;
    size_t ext_bytes_ = 0;
    int crlf_due_ = 0;  // bytes of the CRLF after chunk data not yet checked (2, 1 or 0)
};

}  // namespace winhttp::http1
