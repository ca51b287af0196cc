// HTTP/1.1 message data shared by the codecs (no I/O, no WinHTTP state).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace winhttp::http1 {

// One header line as it was received or added: name and value without surrounding whitespace.
struct Header {
    std::string name;
    std::string value;
};

// Ordered header list; order is wire order, duplicates are kept (WinHttpQueryHeaders
// enumerates them by index).
using HeaderList = std::vector<Header>;

// A parsed response head (status line + header block), plus trailers of a chunked body.
struct ResponseHead {
    unsigned status = 0;        // e.g. 200
    unsigned version_major = 1;
    unsigned version_minor = 1;
    std::string reason;         // status text, e.g. "OK"
    HeaderList headers;
    HeaderList trailers;        // chunked trailers, filled when the body ends
};

// What a request without a response reads (empty: constant-initialized, no guard to check).
inline const ResponseHead kNoResponse{};

// A request head as it will be written on the wire.
struct RequestHead {
    std::string method;         // "GET"
    std::string target;         // escaped object name, e.g. "/a%20b?x=1"
    std::string version = "HTTP/1.1";
    HeaderList headers;
};

}  // namespace winhttp::http1
