// The WebSocket functions: WinHttpWebSocketCompleteUpgrade, WinHttpWebSocketSend / Receive /
// Shutdown / Close / QueryCloseStatus. They return the error code (no last error), except
// CompleteUpgrade, which returns a handle and sets the last error.
#include <new>

#include "core/engine.h"
#include "core/handle_table.h"
#include "core/last_error.h"
#include "core/request.h"
#include "ws/websocket.h"

using namespace winhttp;

namespace {

HINTERNET fail_handle(DWORD code, const SourceLocation& where = SourceLocation::current()) {
    set_last_error(code, where);
    return nullptr;
}

// Runs `fn` on the WebSocket behind `h`, or returns the lookup's error.
// `where`: the API function, for the trace's result line.
template <class Fn>
DWORD with_websocket(HINTERNET h, Fn fn, const SourceLocation& where = SourceLocation::current()) {
    Lookup l = lookup_handle(h, {HandleType::WebSocket});
    if (l.error) return traced(l.error, where);
    try {
        return traced(fn(as<WebSocket>(*l.object)), where);
    } catch (const std::bad_alloc&) {
        return traced(ERROR_NOT_ENOUGH_MEMORY, where);
    }
}

}  // namespace

HINTERNET WinHttpWebSocketCompleteUpgrade(HINTERNET request_handle, DWORD_PTR context) {
    OPENWINHTTP_TRACE_CALL("%p, 0x%lx", request_handle, static_cast<unsigned long>(context));
    Lookup l = lookup_handle(request_handle, {HandleType::Request});
    if (l.error) return fail_handle(l.error);
    Request& request = as<Request>(*l.object);
    OperationGuard guard(request);
    if (!guard.owned()) return fail_handle(ERROR_WINHTTP_INCORRECT_HANDLE_STATE);
    try {
        std::unique_ptr<Connection> conn;
        std::string leftover;
        if (const DWORD e = request.engine().take_upgraded_connection(conn, leftover))
            return fail_handle(e);
        // The WebSocket's parent is the connect handle: the request handle may be closed at once
        // (WinHttpWebSocketCompleteUpgrade page) while the WebSocket goes on.
        auto* socket = new WebSocket(request.connect(), request.session(), std::move(conn),
                                     std::move(leftover), request.async(), request.settings());
        socket->set_callback(request.callback(), request.notify_flags());
        socket->set_context(context);
        HINTERNET h = HandleTable::instance().insert(socket);
        if (!h) {
            socket->release();
            return fail_handle(ERROR_NOT_ENOUGH_MEMORY);
        }
        Ref<Object> keep(socket);  // HANDLE_CREATED may run app code that closes the handle
        socket->notify_created();
        set_last_error(ERROR_SUCCESS);
        return h;
    } catch (const std::bad_alloc&) {
        return fail_handle(ERROR_NOT_ENOUGH_MEMORY);
    }
}

DWORD WinHttpWebSocketSend(HINTERNET web_socket, WINHTTP_WEB_SOCKET_BUFFER_TYPE type, PVOID buffer,
                           DWORD length) {
    OPENWINHTTP_TRACE_CALL("%p, %d, %p, %u", web_socket, static_cast<int>(type), buffer, length);
    return with_websocket(web_socket, [&](WebSocket& ws) { return ws.send(type, buffer, length); });
}

DWORD WinHttpWebSocketReceive(HINTERNET web_socket, PVOID buffer, DWORD length, DWORD* read,
                              WINHTTP_WEB_SOCKET_BUFFER_TYPE* type) {
    OPENWINHTTP_TRACE_CALL("%p, %p, %u", web_socket, buffer, length);
    return with_websocket(web_socket,
                          [&](WebSocket& ws) { return ws.receive(buffer, length, read, type); });
}

DWORD WinHttpWebSocketShutdown(HINTERNET web_socket, USHORT status, PVOID reason, DWORD length) {
    OPENWINHTTP_TRACE_CALL("%p, %u, %p, %u", web_socket, status, reason, length);
    return with_websocket(web_socket,
                          [&](WebSocket& ws) { return ws.shutdown(status, reason, length); });
}

DWORD WinHttpWebSocketClose(HINTERNET web_socket, USHORT status, PVOID reason, DWORD length) {
    OPENWINHTTP_TRACE_CALL("%p, %u, %p, %u", web_socket, status, reason, length);
    return with_websocket(web_socket,
                          [&](WebSocket& ws) { return ws.close(status, reason, length); });
}

DWORD WinHttpWebSocketQueryCloseStatus(HINTERNET web_socket, USHORT* status, PVOID reason,
                                       DWORD length, DWORD* consumed) {
    OPENWINHTTP_TRACE_CALL("%p, %p, %u", web_socket, reason, length);
    return with_websocket(web_socket, [&](WebSocket& ws) {
        return ws.query_close_status(status, reason, length, consumed);
    });
}
