#include "support/http_text.h"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace winhttp::test {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kHeadEnd = "\r\n\r\n";

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool has_header(const HeaderList& headers, std::string_view name) {
    for (const auto& [n, v] : headers) {
        if (iequals(n, name)) return true;
    }
    return false;
}

// Parses the hex size at the start of a chunk-size line (extensions after ';' are ignored).
std::optional<uint64_t> parse_chunk_size(std::string_view line) {
    line = trim(line.substr(0, line.find(';')));
    uint64_t size = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (ec != std::errc{} || end != line.data() + line.size() || line.empty()) return std::nullopt;
    return size;
}

// Walks the chunked body at the start of `bytes`, appending the data to `*decoded` if given.
// Returns the length of the whole framing (through the blank line after the trailers), or
// nullopt if it is incomplete or malformed.
std::optional<size_t> walk_chunks(std::string_view bytes, std::string* decoded) {
    size_t pos = 0;
    for (;;) {
        size_t eol = bytes.find(kCrlf, pos);
        if (eol == std::string_view::npos) return std::nullopt;
        auto size = parse_chunk_size(bytes.substr(pos, eol - pos));
        if (!size) return std::nullopt;
        pos = eol + kCrlf.size();
        if (*size == 0) break;
        if (bytes.size() - pos < *size + kCrlf.size()) return std::nullopt;
        if (decoded) decoded->append(bytes.substr(pos, *size));
        pos += *size;
        if (bytes.substr(pos, kCrlf.size()) != kCrlf) return std::nullopt;
        pos += kCrlf.size();
    }
    // Trailer section: header lines until an empty line.
    for (;;) {
        size_t eol = bytes.find(kCrlf, pos);
        if (eol == std::string_view::npos) return std::nullopt;
        bool empty = eol == pos;
        pos = eol + kCrlf.size();
        if (empty) return pos;
    }
}

std::optional<int> response_status(std::string_view message) {
    // "HTTP/1.1 200 OK": the status is the three digits after the first space.
    size_t sp = message.find(' ');
    if (sp == std::string_view::npos || message.size() < sp + 4) return std::nullopt;
    int status = 0;
    auto [end, ec] = std::from_chars(message.data() + sp + 1, message.data() + sp + 4, status);
    if (ec != std::errc{}) return std::nullopt;
    return status;
}

bool response_has_no_body(std::string_view message) {
    auto status = response_status(message);
    return status && (*status / 100 == 1 || *status == 204 || *status == 304);
}

}  // namespace

std::string http_response(int status, std::string_view reason, const HeaderList& headers,
                          std::string_view body) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    if (!has_header(headers, "Content-Length") && !has_header(headers, "Transfer-Encoding")) {
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    out += "\r\n";
    out += body;
    return out;
}

std::string chunked(std::string_view body, size_t piece) {
    if (piece == 0) piece = body.empty() ? 1 : body.size();
    std::string out;
    char hex[20];
    for (size_t pos = 0; pos < body.size(); pos += piece) {
        std::string_view chunk = body.substr(pos, piece);
        auto [end, ec] = std::to_chars(hex, hex + sizeof hex, chunk.size(), 16);
        out.append(hex, end).append(kCrlf).append(chunk).append(kCrlf);
    }
    out += "0\r\n\r\n";
    return out;
}

std::optional<size_t> message_length(std::string_view bytes, MessageKind kind) {
    size_t head_end = bytes.find(kHeadEnd);
    if (head_end == std::string_view::npos) return std::nullopt;
    size_t body_start = head_end + kHeadEnd.size();
    std::string_view head = bytes.substr(0, body_start);

    if (kind == MessageKind::response && response_has_no_body(head)) return body_start;
    auto te = header_value(head, "Transfer-Encoding");
    if (te && te->find("chunked") != std::string::npos) {
        auto framing = walk_chunks(bytes.substr(body_start), nullptr);
        if (!framing) return std::nullopt;
        return body_start + *framing;
    }
    if (auto cl = header_value(head, "Content-Length")) {
        uint64_t length = 0;
        auto [end, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), length);
        if (ec != std::errc{} || end != cl->data() + cl->size()) return std::nullopt;
        if (bytes.size() - body_start < length) return std::nullopt;
        return body_start + length;
    }
    if (kind == MessageKind::request) return body_start;
    return std::nullopt;  // delimited by close
}

std::optional<std::string> header_value(std::string_view message, std::string_view name) {
    size_t head_end = message.find(kHeadEnd);
    std::string_view head = message.substr(
        0, head_end == std::string_view::npos ? message.size() : head_end + kCrlf.size());
    size_t pos = head.find(kCrlf);  // skip the start line
    while (pos != std::string_view::npos && pos + kCrlf.size() < head.size()) {
        pos += kCrlf.size();
        size_t eol = head.find(kCrlf, pos);
        std::string_view line = head.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
        size_t colon = line.find(':');
        if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name)) {
            return std::string(trim(line.substr(colon + 1)));
        }
        pos = eol;
    }
    return std::nullopt;
}

std::string start_line(std::string_view message) {
    return std::string(message.substr(0, message.find(kCrlf)));
}

std::string body_of(std::string_view message) {
    size_t head_end = message.find(kHeadEnd);
    if (head_end == std::string_view::npos) return {};
    std::string_view body = message.substr(head_end + kHeadEnd.size());
    auto te = header_value(message, "Transfer-Encoding");
    if (!te || te->find("chunked") == std::string::npos) return std::string(body);
    std::string decoded;
    if (!walk_chunks(body, &decoded)) return std::string(body);
    return decoded;
}

}  // namespace winhttp::test
