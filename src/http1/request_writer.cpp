#include "http1/request_writer.h"

namespace winhttp::http1 {

namespace {

size_t serialized_size(const RequestHead& head) {
    size_t n = head.method.size() + 1 + head.target.size() + 1 + head.version.size() + 2;
    for (const Header& h : head.headers) n += h.name.size() + 2 + h.value.size() + 2;
    return n + 2;
}

}  // namespace

void serialize_request(const RequestHead& head, std::string& out) {
    out.reserve(out.size() + serialized_size(head));
    out.append(head.method).append(1, ' ').append(head.target).append(1, ' ');
    out.append(head.version).append("\r\n");
    for (const Header& h : head.headers) {
        out.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    out.append("\r\n");
}

}  // namespace winhttp::http1
