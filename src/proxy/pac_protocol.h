// The framing between the library and its PAC worker process (src/pac_worker/): each message is
// a 4-byte little-endian length followed by that many bytes; the first byte of a request is its
// operation, the first byte of an answer its status. Shared by both sides; header only.
//
//   request  'L' script            load: compile the script and run its top level
//   request  'F' url '\0' host     find: call FindProxyForURLEx (when defined) or FindProxyForURL
//   answer   status text           text = the result string (find), or the error message
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace winhttp::proxy::wire {

constexpr char kLoad = 'L';
constexpr char kFind = 'F';

enum Status : char {
    kOk = '0',
    kCompileError = '1',  // syntax error or the top level threw
    kNoFunction = '2',    // neither FindProxyForURL nor FindProxyForURLEx is a function
    kRunError = '3',      // FindProxyForURL threw (incl. out of heap, too deep) or returned no string
    kBadRequest = '4',    // malformed request, or find before a successful load
};

// Larger messages are refused by both sides (the library caps scripts well below this).
constexpr uint32_t kMaxMessage = 16u << 20;

inline std::string frame(char tag, std::string_view body) {
    const auto n = static_cast<uint32_t>(body.size() + 1);
    std::string out;
    out.reserve(4 + n);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    out.push_back(tag);
    out.append(body);
    return out;
}

inline uint32_t frame_length(const unsigned char* p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace winhttp::proxy::wire
