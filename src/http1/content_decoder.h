// Content-Encoding decoder (gzip, deflate) for response bodies, sans I/O, on zlib.
//
// Streaming in both directions: decode() takes what input it can and writes at most the
// caller's buffer, so a decompression bomb never costs more memory than that buffer plus zlib's
// own state and 32 KiB window. The caller feeds the de-chunked body as it arrives, drains the
// output, and calls finish() when the body ends:
//
//     dec.init(ContentDecoder::from_header(content_encoding));
//     while (body bytes (p, n) arrive)
//         while (n > 0 || produced != 0) { dec.decode(p, n, buf, cap, produced, done); use buf }
//     at the end of the body: dec.finish()
#pragma once

#include <openwinhttp/wintypes.h>

#include <cstddef>
#include <memory>
#include <string_view>

namespace winhttp::http1 {

class ContentDecoder {
public:
    enum class Coding { Identity, Gzip, Deflate };

    // The coding to undo for a Content-Encoding header value (surrounding blanks and case
    // ignored): "gzip" and "x-gzip" -> Gzip, "deflate" -> Deflate. Anything else, including an
    // empty value, "identity", codings zlib cannot undo ("br", "compress") and lists of several
    // codings, -> Identity: the body is passed through undecoded, as WinHTTP does for codings it
    // does not support.
    static Coding from_header(std::string_view content_encoding);

    ContentDecoder();  // ready as Identity
    ~ContentDecoder();
    ContentDecoder(ContentDecoder&&) noexcept;
    ContentDecoder& operator=(ContentDecoder&&) noexcept;

    // Starts a new body with the given coding, forgetting any previous body and error. Reuses
    // zlib's state from an earlier body when there is one. Returns ERROR_SUCCESS, or
    // ERROR_NOT_ENOUGH_MEMORY when zlib cannot allocate its state.
    DWORD init(Coding coding);

    // Consumes input from (in, in_len) -- advancing in and shrinking in_len by what was taken --
    // and writes up to out_cap decoded bytes to out, reporting their count in `produced`. Stops
    // when out is full or the input is used up; call again with in_len 0 to drain output that
    // did not fit (until produced is 0). `done` is set when the input so far forms a complete
    // stream; bytes after the end of a deflate stream, or after a gzip member when they do not
    // start another member, are consumed and ignored. Gzip: concatenated members (RFC 1952 2.2,
    // what gzip -c a b produces) are decoded one after the other, so `done` becomes false again
    // when a new member starts. Deflate: both the zlib wrapper (RFC 1950, what the RFC calls
    // "deflate") and raw deflate data (RFC 1951, what some servers send) are accepted, told apart
    // by the first two bytes. Identity copies input to output and never sets `done`.
    // Returns ERROR_SUCCESS, or ERROR_WINHTTP_INVALID_SERVER_RESPONSE for corrupt data, or
    // ERROR_NOT_ENOUGH_MEMORY; after an error every call returns the same error.
    DWORD decode(const char*& in, size_t& in_len, char* out, size_t out_cap, size_t& produced,
                 bool& done);

    // The body has ended. Returns ERROR_SUCCESS when the compressed stream was complete (or
    // when the body was empty: servers send "Content-Encoding: gzip" on empty bodies), else
    // ERROR_WINHTTP_INVALID_SERVER_RESPONSE (truncated stream), or the error decode() returned.
    DWORD finish() const;

    Coding coding() const { return coding_; }

private:
    enum class State { Copy, Sniff, Inflate, Ended, Drain, Failed };  // Drain: ignore the rest

    struct Zlib;  // z_stream; keeps zlib.h out of this header

    DWORD start_inflate(int window_bits);
    DWORD sniff(const char*& in, size_t& in_len);
    DWORD inflate_all(const char*& in, size_t& in_len, char* out, size_t out_cap, size_t& produced,
                      bool& done);
    DWORD inflate_into(const char*& in, size_t& in_len, char* out, size_t out_cap, size_t& produced);
    bool start_next_member(const char*& in, size_t& in_len);
    DWORD fail(DWORD error);

    std::unique_ptr<Zlib> z_;
    Coding coding_ = Coding::Identity;
    State state_ = State::Copy;
    DWORD error_ = 0;
    bool any_input_ = false;
    unsigned char pend_[2] = {};  // deflate: the first two bytes, held to choose the wrapper
    size_t pend_len_ = 0;
    size_t pend_pos_ = 0;
};

}  // namespace winhttp::http1
