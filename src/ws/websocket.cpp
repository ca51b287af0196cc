#include "ws/websocket.h"

#include <sys/socket.h>

#include <cstring>

#include "core/session.h"

namespace winhttp {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kWriteChunk = 64 * 1024;

// Waits for the socket the way the request engine does for a synchronous handle: poll with the
// cancel event of the handle, so that WinHttpCloseHandle from another thread ends the wait.
DWORD wait_for(RequestIo& io, int fd, net::IoStatus status, net::Deadline deadline) {
    auto w = io.ready(fd, net::wait_events(status), deadline);
    w.await_ready();  // synchronous handle: the wait happens here
    return w.await_resume();
}

}  // namespace

WebSocket::WebSocket(Object& parent, Session& session, std::unique_ptr<Connection> conn,
                     std::string leftover)
    : Object(HandleType::WebSocket, &parent),
      session_(session),
      conn_(std::move(conn)),
      io_(*this, false),
      in_(std::move(leftover)) {
    pool_key_ = conn_->key;
    write_buf_ = std::make_unique<uint8_t[]>(kWriteChunk + ws::kMaxHeaderSize);
    read_buf_ = std::make_unique<char[]>(kReadChunk);
}

WebSocket::~WebSocket() {
    conn_.reset();
    session_.pool().unreserve(pool_key_);
}

void WebSocket::on_close() {
    io_.cancel();
    std::lock_guard lock(state_mutex_);  // a Close waiting on state_cv_ sees the cancel
    state_cv_.notify_all();
}

// ---- sending -----------------------------------------------------------------------------------

DWORD WebSocket::write_all(const uint8_t* p, size_t n) {
    const net::Deadline deadline = net::Deadline::after_ms(settings_.timeouts.send);
    while (n > 0) {
        net::IoResult r;
        {
            std::lock_guard lock(stream_mutex_);
            r = conn_->stream().write_some(reinterpret_cast<const char*>(p), n);
        }
        switch (r.status) {
            case net::IoStatus::Done:
                p += r.n;
                n -= r.n;
                break;
            case net::IoStatus::WantRead:
            case net::IoStatus::WantWrite:
                if (const DWORD e = wait_for(io_, conn_->socket.fd(), r.status, deadline)) return e;
                break;
            case net::IoStatus::Closed: return ERROR_WINHTTP_CONNECTION_ERROR;
            case net::IoStatus::Failed: return r.error ? r.error : ERROR_WINHTTP_CONNECTION_ERROR;
        }
    }
    return ERROR_SUCCESS;
}

// The header goes out with the first chunk of payload, so a small frame is one write.
DWORD WebSocket::write_frame(ws::Opcode op, bool fin, const void* data, size_t len) {
    std::lock_guard lock(write_mutex_);
    if (failed_.load()) return ERROR_WINHTTP_CONNECTION_ERROR;
    uint32_t key = 0;
    if (!keys_.next(key)) return ERROR_NOT_ENOUGH_MEMORY;
    uint8_t* buf = write_buf_.get();
    size_t used = ws::encode_header(fin, op, len, key, buf);
    const auto* src = static_cast<const uint8_t*>(data);
    size_t done = 0;
    do {
        const size_t take = std::min(len - done, kWriteChunk + ws::kMaxHeaderSize - used);
        if (take) std::memcpy(buf + used, src + done, take);
        ws::apply_mask(buf + used, take, key, done);
        if (const DWORD e = write_all(buf, used + take)) return e;
        done += take;
        used = 0;
    } while (done < len);
    return ERROR_SUCCESS;
}

DWORD WebSocket::send(WINHTTP_WEB_SOCKET_BUFFER_TYPE type, const void* data, DWORD len) {
    if (type > WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE || (!data && len))
        return ERROR_INVALID_PARAMETER;
    Claim claim(sending_);
    if (!claim.owned || close_sent_.load() || failed_.load()) return ERROR_INVALID_OPERATION;
    const bool utf8 = type == WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE ||
                      type == WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE;
    const bool fragment = type == WINHTTP_WEB_SOCKET_BINARY_FRAGMENT_BUFFER_TYPE ||
                          type == WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE;
    // Wine notification.c (verified on Windows): a UTF-8 fragment or message after a binary
    // fragment is ERROR_INVALID_PARAMETER; a message keeps its type to the end.
    if (send_fragmenting_ && utf8 != send_utf8_) return ERROR_INVALID_PARAMETER;
    const ws::Opcode op = send_fragmenting_ ? ws::Opcode::Continuation
                          : utf8            ? ws::Opcode::Text
                                            : ws::Opcode::Binary;
    if (const DWORD e = write_frame(op, !fragment, data, len)) {
        abort_connection();
        return e;
    }
    if (!send_fragmenting_) send_utf8_ = utf8;
    send_fragmenting_ = fragment;
    return ERROR_SUCCESS;
}

// WinHttpWebSocketClose page: the reason is at most 123 bytes, NULL only with length 0. The
// status is one an endpoint may send (RFC 6455 7.4), or 1005 ("no status") with no reason,
// which sends a close frame without a payload (docs/design/websocket.md).
DWORD WebSocket::check_close_args(USHORT status, const void* reason, DWORD reason_len) const {
    if ((!reason && reason_len) || reason_len > WINHTTP_WEB_SOCKET_MAX_CLOSE_REASON_LENGTH)
        return ERROR_INVALID_PARAMETER;
    if (status == WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS) return reason_len ? ERROR_INVALID_PARAMETER : 0;
    return ws::is_valid_close_code(status) ? ERROR_SUCCESS : ERROR_INVALID_PARAMETER;
}

DWORD WebSocket::send_close_frame(USHORT status, const void* reason, DWORD reason_len) {
    close_sent_.store(true);
    if (status == WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS)
        return write_frame(ws::Opcode::Close, true, nullptr, 0);
    const std::string payload = ws::encode_close_payload(
        status, std::string_view(static_cast<const char*>(reason), reason ? reason_len : 0));
    return write_frame(ws::Opcode::Close, true, payload.data(), payload.size());
}

DWORD WebSocket::shutdown(USHORT status, const void* reason, DWORD reason_len) {
    if (const DWORD e = check_close_args(status, reason, reason_len)) return e;
    Claim claim(sending_);
    // Wine notification.c (verified on Windows): a second Shutdown, or a Send after one, is
    // ERROR_INVALID_OPERATION.
    if (!claim.owned || close_sent_.load() || failed_.load()) return ERROR_INVALID_OPERATION;
    if (const DWORD e = send_close_frame(status, reason, reason_len)) {
        abort_connection();
        return e;
    }
    return ERROR_SUCCESS;
}

DWORD WebSocket::close(USHORT status, const void* reason, DWORD reason_len) {
    if (const DWORD e = check_close_args(status, reason, reason_len)) return e;
    Claim claim(sending_);
    if (!claim.owned) return ERROR_INVALID_OPERATION;  // page: "A close or send is pending"
    if (failed_.load()) return ERROR_INVALID_OPERATION;
    if (!close_sent_.load()) {
        if (const DWORD e = send_close_frame(status, reason, reason_len)) {
            abort_connection();
            return e;
        }
    }
    // Wait for the peer's close frame, bounded by WEB_SOCKET_CLOSE_TIMEOUT.
    const net::Deadline deadline = net::Deadline::after_ms(close_timeout_ms());
    Claim reading(receiving_);
    if (!reading.owned) {
        // A receive runs on another thread: it will see the close frame (and return it to its
        // caller); wait for that instead of reading concurrently.
        std::unique_lock lock(state_mutex_);
        const auto until = deadline.infinite ? net::Clock::now() + std::chrono::hours(24 * 365)
                                             : deadline.at;
        if (!state_cv_.wait_until(lock, until, [&] { return close_received_ || io_.cancelled(); })) {
            lock.unlock();
            abort_connection();
            return ERROR_WINHTTP_TIMEOUT;
        }
        return io_.cancelled() ? ERROR_WINHTTP_OPERATION_CANCELLED : ERROR_SUCCESS;
    }
    for (;;) {
        {
            std::lock_guard lock(state_mutex_);
            if (close_received_) return ERROR_SUCCESS;
        }
        size_t got = 0;
        bool end = false;
        ws::Opcode type{};
        Read what{};
        // Data still arriving is dropped: the application asked to close.
        const DWORD e = receive_step(read_buf_discard_, sizeof(read_buf_discard_), got, end, type,
                                     what, deadline);
        if (e == ERROR_WINHTTP_TIMEOUT) abort_connection();
        if (e) return e;
    }
}

// ---- receiving ---------------------------------------------------------------------------------

DWORD WebSocket::fill(net::Deadline deadline) {
    if (in_off_ == in_.size()) {
        in_.clear();
        in_off_ = 0;
    } else if (in_off_ > kReadChunk) {
        in_.erase(0, in_off_);
        in_off_ = 0;
    }
    for (;;) {
        net::IoResult r;
        {
            std::lock_guard lock(stream_mutex_);
            r = conn_->stream().read_some(read_buf_.get(), kReadChunk);
        }
        switch (r.status) {
            case net::IoStatus::Done: in_.append(read_buf_.get(), r.n); return ERROR_SUCCESS;
            case net::IoStatus::Closed: return kPeerClosed;
            case net::IoStatus::Failed: return r.error ? r.error : ERROR_WINHTTP_CONNECTION_ERROR;
            case net::IoStatus::WantRead:
            case net::IoStatus::WantWrite:
                if (const DWORD e = wait_for(io_, conn_->socket.fd(), r.status, deadline)) return e;
                break;
        }
    }
}

DWORD WebSocket::receive_step(uint8_t* buffer, size_t cap, size_t& got, bool& message_end,
                              ws::Opcode& type, Read& what, net::Deadline deadline) {
    for (;;) {
        size_t used = 0;
        const auto* base = reinterpret_cast<const uint8_t*>(in_.data());
        ws::FrameParser::Event ev = parser_.parse(base + in_off_, in_.size() - in_off_, cap, used);
        in_off_ += used;
        switch (ev.kind) {
            case ws::FrameParser::Kind::Data:
                if (ev.size == 0 && !ev.message_end) continue;  // empty non-final fragment
                if (ev.size) std::memcpy(buffer, ev.data, ev.size);
                got = ev.size;
                message_end = ev.message_end;
                type = ev.opcode;
                what = Read::Data;
                return ERROR_SUCCESS;
            case ws::FrameParser::Kind::Control:
                if (ev.opcode == ws::Opcode::Ping) {
                    // RFC 6455 5.5.2: answer with a pong carrying the same payload, unless our
                    // close frame already went out (5.5.1: nothing after close).
                    if (!close_sent_.load()) {
                        const std::string payload(reinterpret_cast<const char*>(ev.data), ev.size);
                        if (const DWORD e = write_frame(ws::Opcode::Pong, true, payload.data(),
                                                        payload.size())) {
                            abort_connection();
                            what = Read::Failed;
                            return e;
                        }
                    }
                    continue;
                }
                if (ev.opcode == ws::Opcode::Pong) continue;  // unsolicited pongs are allowed
                {
                    std::lock_guard lock(state_mutex_);
                    close_received_ = true;
                    close_status_ = ev.close_code;
                    close_reason_ = std::move(ev.close_reason);
                }
                state_cv_.notify_all();
                what = Read::Close;
                return ERROR_SUCCESS;
            case ws::FrameParser::Kind::Error:
                fail_connection(ev.close_code);
                what = Read::Failed;
                return ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
            case ws::FrameParser::Kind::NeedMore: {
                const DWORD e = fill(deadline);
                if (e == kPeerClosed) {
                    // The peer went away without a close frame: abnormal closure (RFC 6455
                    // 7.1.5, status 1006).
                    abort_connection();
                    what = Read::Failed;
                    return ERROR_WINHTTP_CONNECTION_ERROR;
                }
                if (e) return e;
                continue;
            }
        }
    }
}

DWORD WebSocket::receive(void* buffer, DWORD len, DWORD* read,
                         WINHTTP_WEB_SOCKET_BUFFER_TYPE* type) {
    if (!buffer || len == 0 || !read || !type) return ERROR_INVALID_PARAMETER;
    Claim claim(receiving_);
    if (!claim.owned) return ERROR_INVALID_OPERATION;  // page: "a close or receive is pending"
    {
        std::lock_guard lock(state_mutex_);
        // Page: "the receive channel has already been closed".
        if (close_received_) return ERROR_INVALID_OPERATION;
    }
    size_t got = 0;
    bool end = false;
    ws::Opcode op{};
    Read what{};
    const net::Deadline forever;  // a WebSocket waits for messages without limit
    if (const DWORD e = receive_step(static_cast<uint8_t*>(buffer), len, got, end, op, what, forever))
        return e;
    if (what == Read::Close) {
        *read = 0;
        *type = WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE;
        return ERROR_SUCCESS;
    }
    *read = static_cast<DWORD>(got);
    if (op == ws::Opcode::Text)
        *type = end ? WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE : WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE;
    else
        *type = end ? WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE : WINHTTP_WEB_SOCKET_BINARY_FRAGMENT_BUFFER_TYPE;
    return ERROR_SUCCESS;
}

DWORD WebSocket::query_close_status(USHORT* status, void* reason, DWORD reason_len,
                                    DWORD* consumed) {
    if (!status || !consumed || (!reason && reason_len)) return ERROR_INVALID_PARAMETER;
    std::lock_guard lock(state_mutex_);
    // Wine notification.c (verified on Windows): before the peer's close frame,
    // ERROR_INVALID_OPERATION and the out-parameters are left alone.
    if (!close_received_) return ERROR_INVALID_OPERATION;
    const DWORD need = static_cast<DWORD>(close_reason_.size());
    *consumed = need;
    if (reason_len < need) return ERROR_INSUFFICIENT_BUFFER;
    if (need) std::memcpy(reason, close_reason_.data(), need);
    *status = close_status_;
    return ERROR_SUCCESS;
}

// ---- failure -------------------------------------------------------------------------------

// RFC 6455 7.1.7: fail the WebSocket connection: send a close frame with the code (when ours has
// not gone out yet), then drop the TCP connection.
void WebSocket::fail_connection(uint16_t code) {
    if (!close_sent_.exchange(true)) {
        const std::string payload = ws::encode_close_payload(code, {});
        write_frame(ws::Opcode::Close, true, payload.data(), payload.size());
    }
    abort_connection();
}

// The connection is gone or given up: both directions end, a blocked call on the other
// direction wakes (the socket is shut down), and the close status becomes 1006 unless the
// peer's close frame arrived first.
void WebSocket::abort_connection() {
    failed_.store(true);
    ::shutdown(conn_->socket.fd(), SHUT_RDWR);
    {
        std::lock_guard lock(state_mutex_);
        if (!close_received_) {
            close_received_ = true;
            close_status_ = WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS;
            close_reason_.clear();
        }
    }
    state_cv_.notify_all();
}

}  // namespace winhttp
