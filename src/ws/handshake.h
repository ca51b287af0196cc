// The WebSocket opening handshake (RFC 6455 section 4), client side, sans I/O: the key the
// request sends and the checks on the server's 101 answer.
#pragma once
#include <winhttp.h>

#include <string>
#include <string_view>

#include "http1/message.h"

namespace winhttp::ws {

// A fresh Sec-WebSocket-Key: 16 bytes from the CSPRNG, base64 (4.1). Empty if the CSPRNG fails.
std::string make_key();
// The Sec-WebSocket-Accept a server must answer for `key`: base64(SHA-1(key + GUID)) (4.2.2).
std::string accept_for(std::string_view key);
// Checks a 101 response against RFC 6455 4.1 (client requirements 2-4): "Upgrade: websocket",
// a "Connection" header with the "upgrade" token, and the right Sec-WebSocket-Accept.
// Returns ERROR_SUCCESS or ERROR_WINHTTP_INVALID_SERVER_RESPONSE.
DWORD check_upgrade_response(const http1::HeaderList& headers, std::string_view key);

}  // namespace winhttp::ws
