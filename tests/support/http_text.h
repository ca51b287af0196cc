// Plain-text HTTP/1.1 helpers for test servers and test clients: building canned responses
// and finding where a message ends. No sockets here, so the scripted server, the nginx
// status probe and the tests all frame messages the same way.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace winhttp::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// "HTTP/1.1 <status> <reason>\r\n" + headers + "\r\n" + body. Adds "Content-Length: <body
// size>" unless `headers` already has a Content-Length or Transfer-Encoding header (any case);
// in that case `body` is sent exactly as given, so a test can hand-write chunk framing.
std::string http_response(int status, std::string_view reason, const HeaderList& headers = {},
                          std::string_view body = {});

// Wraps `body` in chunked framing, one chunk per `piece` bytes (0: a single chunk), then the
// last chunk and an empty trailer section.
std::string chunked(std::string_view body, size_t piece = 0);

// What kind of message `message_length` frames: a request, or a response (which may be
// delimited by the connection closing).
enum class MessageKind { request, response };

// The length in bytes of the first complete message at the start of `bytes` (headers plus a
// Content-Length or chunked body), or nullopt if more bytes are needed. A request with
// neither header has no body. A response with neither header (and not 1xx/204/304) runs until
// the peer closes: nullopt, the caller decides at EOF. Malformed framing also gives nullopt.
std::optional<size_t> message_length(std::string_view bytes, MessageKind kind);

// The value of the first header named `name` (case-insensitive) in the head of `message`,
// without surrounding whitespace, or nullopt if absent.
std::optional<std::string> header_value(std::string_view message, std::string_view name);

// The first line of `message` without its CRLF, e.g. "GET /x HTTP/1.1".
std::string start_line(std::string_view message);

// The body of `message` (everything after the blank line), de-chunked if the message says
// "Transfer-Encoding: chunked". Returns the raw remainder if the chunk framing is broken.
std::string body_of(std::string_view message);

}  // namespace winhttp::test
