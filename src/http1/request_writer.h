// HTTP/1.1 request head serializer, sans I/O.
#pragma once

#include <string>

#include "http1/message.h"

namespace winhttp::http1 {

// Appends the request head to `out`: "METHOD target VERSION\r\n", then "Name: value\r\n" for
// each header in order, then "\r\n". Reserves the exact size first, so it allocates at most
// once. Writes the fields as given: the caller has already rejected CR, LF and NUL in them
// (WinHttpOpenRequest / WinHttpAddRequestHeaders validate). Cannot fail.
void serialize_request(const RequestHead& head, std::string& out);

}  // namespace winhttp::http1
