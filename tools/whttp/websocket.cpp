// websocket.cpp - whttp's WebSocket mode, written only against the public WinHTTP API: a
// synchronous WebSocket handle, a thread receiving while the main thread sends stdin's lines
// (WinHTTP allows one send and one receive at the same time).
#include "websocket.h"

#include <cctype>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "errors.h"

namespace whttp {

bool websocket_url(const std::string& url, std::string& http_url) {
    auto starts = [&](const char* prefix, size_t n) {
        if (url.size() < n) return false;
        for (size_t i = 0; i < n; ++i)
            if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
        return true;
    };
    if (starts("ws://", 5)) {
        http_url = "http://" + url.substr(5);
        return true;
    }
    if (starts("wss://", 6)) {
        http_url = "https://" + url.substr(6);
        return true;
    }
    return false;
}

namespace {

// Prints every message (a newline after its last fragment) until the server's close frame
// or an error; the exit code.
int receive_all(HINTERNET ws) {
    std::vector<char> buf(64 * 1024);
    for (;;) {
        DWORD read = 0;
        WINHTTP_WEB_SOCKET_BUFFER_TYPE type{};
        const DWORD e = WinHttpWebSocketReceive(ws, buf.data(), static_cast<DWORD>(buf.size()),
                                                &read, &type);
        if (e) {
            SetLastError(e);
            return report_failure("WinHttpWebSocketReceive");
        }
        if (type == WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE) return kExitOk;
        std::fwrite(buf.data(), 1, read, stdout);
        if (type == WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE ||
            type == WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE)
            std::fputc('\n', stdout);
        std::fflush(stdout);
    }
}

}  // namespace

int run_websocket(Handle& request_handle) {
    HINTERNET request = request_handle.get();
    DWORD status = 0, size = sizeof status;
    if (!WinHttpQueryHeaders(request, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             WINHTTP_HEADER_NAME_BY_INDEX, &status, &size, WINHTTP_NO_HEADER_INDEX))
        return report_failure("WinHttpQueryHeaders");
    if (status != 101) {
        message("the server answered %lu, not 101: no WebSocket", static_cast<unsigned long>(status));
        return kExitHttpError;
    }
    HINTERNET ws = WinHttpWebSocketCompleteUpgrade(request, 0);
    if (!ws) return report_failure("WinHttpWebSocketCompleteUpgrade");
    request_handle.reset();  // the WebSocket goes on without the request

    int receive_rc = kExitOk;
    std::thread receiver([&] {
        if (receive_all(ws) != kExitOk) receive_rc = kExitRecv;
    });
    int rc = kExitOk;
    std::string line;
    for (int c; (c = std::getchar()) != EOF;) {
        if (c != '\n') {
            line += static_cast<char>(c);
            continue;
        }
        const DWORD e = WinHttpWebSocketSend(ws, WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE,
                                             line.data(), static_cast<DWORD>(line.size()));
        line.clear();
        if (e) {
            SetLastError(e);
            rc = report_failure("WinHttpWebSocketSend");
            break;
        }
    }
    if (rc == kExitOk && !line.empty()) {  // a last line without its newline
        if (const DWORD e = WinHttpWebSocketSend(ws, WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE,
                                                 line.data(), static_cast<DWORD>(line.size()))) {
            SetLastError(e);
            rc = report_failure("WinHttpWebSocketSend");
        }
    }
    // Our close frame; the receiver prints what still comes until the server's close frame.
    if (rc == kExitOk) {
        if (const DWORD e = WinHttpWebSocketShutdown(ws, WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS,
                                                     nullptr, 0)) {
            SetLastError(e);
            rc = report_failure("WinHttpWebSocketShutdown");
        }
    }
    if (rc != kExitOk) {
        WinHttpCloseHandle(ws);  // ends the pending receive
        ws = nullptr;
    }
    receiver.join();
    if (ws) WinHttpCloseHandle(ws);
    return rc != kExitOk ? rc : receive_rc;
}

}  // namespace whttp
