// websocket.h - whttp's WebSocket mode (ws:// and wss:// URLs), like websocat: each line of
// stdin goes out as a text message, every message that arrives is printed on stdout.
#pragma once

#include <winhttp.h>

#include <string>

#include "handle.h"

namespace whttp {

// "ws://..." -> "http://...", "wss://..." -> "https://..."; false for any other URL.
bool websocket_url(const std::string& url, std::string& http_url);

// `request` was marked WINHTTP_OPTION_UPGRADE_TO_WEB_SOCKET, sent, and has its response.
// Completes the upgrade (a status other than 101 is an error), then talks until stdin ends
// (our close frame goes out, what still arrives is printed) or the server closes. Closes
// `request` once the WebSocket exists. Returns the exit code.
int run_websocket(Handle& request);

}  // namespace whttp
