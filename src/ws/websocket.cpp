#include "ws/websocket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/session.h"
#include "net/sys_io.h"
#include "util/error_names.h"
#include "util/trace.h"

namespace winhttp {

namespace {


WINHTTP_WEB_SOCKET_BUFFER_TYPE buffer_type(ws::Opcode op, bool end) {
    if (op == ws::Opcode::Text)
        return end ? WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE
                   : WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE;
    return end ? WINHTTP_WEB_SOCKET_BINARY_MESSAGE_BUFFER_TYPE
               : WINHTTP_WEB_SOCKET_BINARY_FRAGMENT_BUFFER_TYPE;
}

std::string close_payload(USHORT status, const void* reason, DWORD reason_len) {
    if (status == WINHTTP_WEB_SOCKET_EMPTY_CLOSE_STATUS) return {};  // a close frame without payload
    return ws::encode_close_payload(
        status, std::string_view(static_cast<const char*>(reason), reason ? reason_len : 0));
}

}  // namespace

WebSocket::WebSocket(Object& parent, Session& session, std::unique_ptr<Connection> conn,
                     std::string leftover, bool async, const Settings& settings)
    : Object(HandleType::WebSocket, &parent),
      session_(session),
      async_(async),
      conn_(std::move(conn)),
      in_(std::move(leftover)) {
    settings_ = settings;
    read_chunk_ = std::max<DWORD>(settings.ws_receive_buffer, 1);
    write_chunk_ = std::max<DWORD>(settings.ws_send_buffer, 16);
    pool_key_ = conn_->key;
    fd_ = conn_->socket.fd();
    serialize_io_ = conn_->tls != nullptr;
    if (!async_ && !serialize_io_) {
        // Receive waits in recv() (docs/design/websocket.md "Speed"); all else is MSG_DONTWAIT.
        const int flags = ::fcntl(fd_, F_GETFL);
        blocking_recv_ = flags >= 0 && ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK) == 0;
    }
    // The event loop registers a descriptor once; the send side of an async handle waits on
    // its own descriptor of the same socket.
    send_fd_ = async_ ? ::dup(fd_) : fd_;
    send_io_ = std::make_unique<RequestIo>(*this, async_);
    recv_ios_.push_back(std::make_unique<RequestIo>(*this, async_));
}

WebSocket::~WebSocket() {
    // The loop lets the descriptors go before they are closed.
    send_io_.reset();
    recv_ios_.clear();
    if (send_fd_ >= 0 && send_fd_ != fd_) ::close(send_fd_);
    conn_.reset();
    session_.pool().unreserve(pool_key_);
}

void WebSocket::on_close() {
    send_io_->cancel();
    {
        std::lock_guard lock(io_mutex_);
        for (auto& io : recv_ios_) io->cancel();
    }
    // A Receive blocked in recv() sees no cancel event: shutting the reading half down wakes
    // it (recv returns 0), and it then finds its io cancelled. Both flags are seq_cst: either
    // the receive sees the cancel before it blocks, or this sees it blocking.
    if (recv_blocked_.load(std::memory_order_seq_cst)) ::shutdown(fd_, SHUT_RD);
    std::lock_guard lock(state_mutex_);
    state_cv_.notify_all();
}

RequestIo& WebSocket::recv_io() {
    std::lock_guard lock(io_mutex_);
    return *recv_ios_.back();
}

std::vector<RequestIo*> WebSocket::earlier_recv_ios() {
    std::lock_guard lock(io_mutex_);
    std::vector<RequestIo*> out;
    for (size_t i = 0; i + 1 < recv_ios_.size(); ++i) out.push_back(recv_ios_[i].get());
    return out;
}

void WebSocket::interrupt_receive() {
    RequestIo& old = *recv_ios_.back();
    recv_ios_.push_back(std::make_unique<RequestIo>(*this, async_));
    if (closing()) recv_ios_.back()->cancel();
    old.cancel();
}

// ---- running an operation ----------------------------------------------------------------------

// The driver of one async operation: starts on the caller's thread (an operation that needs no
// wait completes there, as Windows' WebSocketSend does: Wine notification.c), continues on the
// event loop after its first wait, and reports its end.
Detached drive_websocket_op(Ref<Object> keep, WebSocket::Op op, RequestIo* io, Task<DWORD> task) {
    auto& ws = as<WebSocket>(*keep);
    const DWORD e = co_await task;
    if (op == WebSocket::Op::Receive && io != &ws.recv_io()) {
        // Close took the receive side: this io is done; the socket moves to the fresh one.
        co_await io->enter_strand();
        io->forget_fd(ws.fd_);
    }
    ws.complete(op, io, e);
}

DWORD WebSocket::start(Op op, RequestIo* io, Task<DWORD> task) {
    if (async_) {
        drive_websocket_op(Ref<Object>(this), op, io, std::move(task));
        return ERROR_SUCCESS;
    }
    const DWORD e = task.run_inline();
    if (op == Op::Receive)
        release_receive_side();
    else
        sending_.store(false);
    return e;
}

// WINHTTP_STATUS_CALLBACK page and Wine notification.c (verified on Windows): READ_COMPLETE and
// WRITE_COMPLETE carry a WINHTTP_WEB_SOCKET_STATUS, CLOSE/SHUTDOWN_COMPLETE nothing, a failure
// REQUEST_ERROR with a WINHTTP_WEB_SOCKET_ASYNC_RESULT naming the operation (dwResult 0).
void WebSocket::complete(Op op, RequestIo*, DWORD error) {
    OPENWINHTTP_TRACE_LINE("async %p websocket %s done -> %s (%u)", handle(), op == Op::Send ? "send" : op == Op::Receive ? "receive" : op == Op::Close ? "close" : "shutdown", error_name(error), error);
    auto fail = [&](WINHTTP_WEB_SOCKET_OPERATION what) {
        WINHTTP_WEB_SOCKET_ASYNC_RESULT r{};
        r.AsyncResult.dwResult = 0;
        r.AsyncResult.dwError = error;
        r.Operation = what;
        notify(WINHTTP_CALLBACK_STATUS_REQUEST_ERROR, &r, sizeof(r));
    };
    switch (op) {
        case Op::Send: {
            WINHTTP_WEB_SOCKET_STATUS st{sent_len_, sent_type_};
            sending_.store(false);  // the callback may send the next message
            if (error) return fail(WINHTTP_WEB_SOCKET_SEND_OPERATION);
            return notify(WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE, &st, sizeof(st));
        }
        case Op::Shutdown:
            sending_.store(false);
            if (error) return fail(WINHTTP_WEB_SOCKET_SHUTDOWN_OPERATION);
            return notify(WINHTTP_CALLBACK_STATUS_SHUTDOWN_COMPLETE, nullptr, 0);
        case Op::Close:
            sending_.store(false);
            if (error) return fail(WINHTTP_WEB_SOCKET_CLOSE_OPERATION);
            return notify(WINHTTP_CALLBACK_STATUS_CLOSE_COMPLETE, nullptr, 0);
        case Op::Receive: {
            const Received r = received_;
            bool close_waits;
            {
                std::lock_guard lock(state_mutex_);
                close_waits = static_cast<bool>(receive_side_waiter_);
            }
            // Normally the side is free before the callback, which may receive again; a Close
            // waiting for it goes on only after this receive has reported (Wine: the cancelled
            // receive's error comes before CLOSE_COMPLETE).
            if (!close_waits) release_receive_side();
            if (error) {
                fail(WINHTTP_WEB_SOCKET_RECEIVE_OPERATION);
            } else {
                WINHTTP_WEB_SOCKET_STATUS st{};
                st.dwBytesTransferred = r.what == Read::Close ? 0 : static_cast<DWORD>(r.got);
                st.eBufferType = r.what == Read::Close ? WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE
                                                       : buffer_type(r.op, r.end);
                notify(WINHTTP_CALLBACK_STATUS_READ_COMPLETE, &st, sizeof(st));
            }
            if (close_waits) release_receive_side();
            return;
        }
    }
}

void WebSocket::release_receive_side() {
    std::coroutine_handle<> next;
    {
        std::lock_guard lock(state_mutex_);
        if (receive_side_waiter_)
            next = std::exchange(receive_side_waiter_, nullptr);  // handed over, still claimed
        else
            receiving_.store(false);
    }
    state_cv_.notify_all();
    if (next) next.resume();
}

bool WebSocket::ReceiveSideWait::await_ready() {
    std::unique_lock lock(ws.state_mutex_);
    if (!ws.receiving_.exchange(true)) return true;
    if (ws.async_) return false;
    // The pending receive was interrupted (or the handle closed): it ends promptly, unless it
    // waits in a blocking recv(), which ends when the peer answers our close frame. When
    // WEB_SOCKET_CLOSE_TIMEOUT passes first, the connection is aborted, which wakes it.
    const auto side_free = [&] { return !ws.receiving_.load(); };
    if (ws.blocking_recv_ && !deadline.infinite &&
        !ws.state_cv_.wait_until(lock, deadline.at, side_free)) {
        lock.unlock();
        ws.abort_connection();
        lock.lock();
        if (timed_out) *timed_out = true;
    }
    ws.state_cv_.wait(lock, side_free);
    ws.receiving_.store(true);
    return true;
}

bool WebSocket::ReceiveSideWait::await_suspend(std::coroutine_handle<> h) {
    std::lock_guard lock(ws.state_mutex_);
    if (!ws.receiving_.exchange(true)) return false;
    ws.receive_side_waiter_ = h;
    return true;
}

// ---- the frame lock ----------------------------------------------------------------------------

bool WebSocket::FrameLockWait::await_ready() {
    std::unique_lock lock(ws.frame_mutex_);
    if (!ws.frame_held_) {
        ws.frame_held_ = true;
        return true;
    }
    if (ws.async_) return false;
    ws.frame_cv_.wait(lock, [&] { return !ws.frame_held_; });
    ws.frame_held_ = true;
    return true;
}

bool WebSocket::FrameLockWait::await_suspend(std::coroutine_handle<> h) {
    std::lock_guard lock(ws.frame_mutex_);
    if (!ws.frame_held_) {
        ws.frame_held_ = true;
        return false;
    }
    ws.frame_waiters_.push_back(h);
    return true;
}

// Hands the lock to a waiting coroutine (which moves to its own strand at its next wait),
// unless a control frame is queued: the holder sends it first.
bool WebSocket::take_control_or_unlock(ws::Opcode& op, std::string& payload) {
    std::coroutine_handle<> next;
    {
        std::lock_guard lock(frame_mutex_);
        if (control_pending_) {
            control_pending_ = false;
            op = pending_op_;
            payload = std::move(pending_payload_);
            return true;
        }
        if (frame_waiters_.empty()) {
            frame_held_ = false;
        } else {
            next = frame_waiters_.front();
            frame_waiters_.erase(frame_waiters_.begin());
        }
    }
    frame_cv_.notify_one();
    if (next) next.resume();
    return false;
}

Task<DWORD> WebSocket::unlock_frame_after(RequestIo& io, int fd, DWORD e) {
    ws::Opcode op{};
    std::string payload;
    while (take_control_or_unlock(op, payload)) {
        if (e) continue;  // the connection is failing: the queued frame is dropped
        e = co_await write_frame_locked(io, fd, op, true, payload.data(), payload.size());
    }
    co_return e;
}

Task<DWORD> WebSocket::send_control(RequestIo& io, ws::Opcode op, std::string payload) {
    {
        std::lock_guard lock(frame_mutex_);
        if (frame_held_) {
            // RFC 6455 5.5.3: a pong may answer the latest ping only; a queued pong serves as
            // the keep-alive too (a pong is a valid unsolicited heartbeat).
            if (op == ws::Opcode::Pong || !control_pending_) {
                pending_op_ = op;
                pending_payload_ = std::move(payload);
                control_pending_ = true;
            }
            co_return ERROR_SUCCESS;
        }
        frame_held_ = true;
    }
    const DWORD e = co_await write_frame_locked(io, fd_, op, true, payload.data(), payload.size());
    co_return co_await unlock_frame_after(io, fd_, e);
}

// ---- sending -----------------------------------------------------------------------------------

Task<DWORD> WebSocket::write_all(RequestIo& io, int fd, const uint8_t* p, size_t n) {
    const net::Deadline deadline = net::Deadline::after_ms(settings_.timeouts.send);
    while (n > 0) {
        const net::IoResult r = write_nb(reinterpret_cast<const char*>(p), n);
        switch (r.status) {
            case net::IoStatus::Done:
                p += r.n;
                n -= r.n;
                break;
            case net::IoStatus::WantRead:
            case net::IoStatus::WantWrite: {
                co_await io.enter_strand();
                const DWORD e = co_await io.ready(fd, net::wait_events(r.status), deadline);
                if (e) co_return e;
                break;
            }
            case net::IoStatus::Closed: co_return ERROR_WINHTTP_CONNECTION_ERROR;
            case net::IoStatus::Failed:
                co_return r.error ? r.error : ERROR_WINHTTP_CONNECTION_ERROR;
        }
    }
    co_return ERROR_SUCCESS;
}

net::IoResult WebSocket::write_nb(const char* data, size_t len) {
    if (!blocking_recv_) {
        std::unique_lock lock(stream_mutex_, std::defer_lock);
        if (serialize_io_) lock.lock();
        return conn_->stream().write_some(data, len);
    }
    for (;;) {
        const ssize_t n = net::sys_send(fd_, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) return {net::IoStatus::Done, static_cast<size_t>(n), 0};
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return {net::IoStatus::WantWrite, 0, 0};
        return {net::IoStatus::Failed, 0, ERROR_WINHTTP_CONNECTION_ERROR};
    }
}

net::IoResult WebSocket::read_nb(char* buf, size_t cap) {
    if (!blocking_recv_) {
        std::unique_lock lock(stream_mutex_, std::defer_lock);
        if (serialize_io_) lock.lock();
        return conn_->stream().read_some(buf, cap);
    }
    for (;;) {
        const ssize_t n = net::sys_recv(fd_, buf, cap, MSG_DONTWAIT);
        if (n > 0) return {net::IoStatus::Done, static_cast<size_t>(n), 0};
        if (n == 0) return {net::IoStatus::Closed, 0, 0};
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return {net::IoStatus::WantRead, 0, 0};
        return {net::IoStatus::Failed, 0, ERROR_WINHTTP_CONNECTION_ERROR};
    }
}

// The header goes out with the first chunk of payload, so a small frame is one write.
Task<DWORD> WebSocket::write_frame(RequestIo& io, int fd, ws::Opcode op, bool fin,
                                   const void* data, size_t len) {
    co_await FrameLockWait{*this};
    const DWORD e = co_await write_frame_locked(io, fd, op, fin, data, len);
    co_return co_await unlock_frame_after(io, fd, e);
}

Task<DWORD> WebSocket::write_frame_locked(RequestIo& io, int fd, ws::Opcode op, bool fin,
                                          const void* data, size_t len) {
    const bool ping_or_pong = op == ws::Opcode::Ping || op == ws::Opcode::Pong;
    // Checked under the frame lock: a pong decided on before our close frame went out must
    // not follow it (RFC 6455 5.5.1: the close frame is the last one we send).
    if (ping_or_pong && close_frame_out_) co_return ERROR_SUCCESS;
    if (op == ws::Opcode::Close) close_frame_out_ = true;
    OPENWINHTTP_TRACE_LINE("ws %p > %s frame%s, %zu bytes", handle(), trace::ws_opcode_name(static_cast<unsigned>(op)), fin ? "" : " (not final)", len);
    DWORD e = ERROR_SUCCESS;
    uint32_t key = 0;
    if (failed_.load()) {
        e = ERROR_WINHTTP_CONNECTION_ERROR;
    } else if (!keys_.next(key)) {
        e = ERROR_NOT_ENOUGH_MEMORY;
    } else {
        // The header and the masked payload leave in one write (one TCP segment for a small
        // frame). A small frame is built in the coroutine's own frame (no heap allocation of
        // its own); a larger one in a buffer of at most WEB_SOCKET_SEND_BUFFER_SIZE + 14 bytes
        // that lives for this frame only: an idle WebSocket holds none (docs/design/websocket.md
        // "Memory"). The payload is masked while it is copied, in one pass.
        uint8_t small[kInlineFrame];
        std::unique_ptr<uint8_t[]> owned;
        uint8_t* buf = small;
        size_t size = sizeof small;
        if (len + ws::kMaxHeaderSize > sizeof small) {
            size = std::min(len, write_chunk_) + ws::kMaxHeaderSize;
            owned.reset(new (std::nothrow) uint8_t[size]);
            if (!owned) co_return ERROR_NOT_ENOUGH_MEMORY;
            buf = owned.get();
        }
        size_t used = ws::encode_header(fin, op, len, key, buf);
        const auto* src = static_cast<const uint8_t*>(data);
        size_t done = 0;
        do {
            const size_t take = std::min(len - done, size - used);
            if (take) ws::copy_masked(buf + used, src + done, take, key, done);
            e = co_await write_all(io, fd, buf, used + take);
            done += take;
            used = 0;
        } while (!e && done < len);
    }
    co_return e;
}

Task<DWORD> WebSocket::send_task(ws::Opcode op, bool fin, const void* data, DWORD len) {
    const DWORD e = co_await write_frame(*send_io_, send_fd_, op, fin, data, len);
    if (e) abort_connection();
    co_return e;
}

DWORD WebSocket::send(WINHTTP_WEB_SOCKET_BUFFER_TYPE type, const void* data, DWORD len) {
    if (type > WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE || (!data && len))
        return ERROR_INVALID_PARAMETER;
    // Send page: a send (or close) is pending; Wine notification.c (verified on Windows): after
    // a shutdown or close frame, ERROR_INVALID_OPERATION.
    if (sending_.exchange(true)) return ERROR_INVALID_OPERATION;
    if (close_sent_.load() || failed_.load()) {
        sending_.store(false);
        return ERROR_INVALID_OPERATION;
    }
    const bool utf8 = type == WINHTTP_WEB_SOCKET_UTF8_MESSAGE_BUFFER_TYPE ||
                      type == WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE;
    const bool fragment = type == WINHTTP_WEB_SOCKET_BINARY_FRAGMENT_BUFFER_TYPE ||
                          type == WINHTTP_WEB_SOCKET_UTF8_FRAGMENT_BUFFER_TYPE;
    // Wine notification.c (verified on Windows): a UTF-8 fragment or message after a binary
    // fragment is ERROR_INVALID_PARAMETER; a message keeps its type to the end.
    if (send_fragmenting_ && utf8 != send_utf8_) {
        sending_.store(false);
        return ERROR_INVALID_PARAMETER;
    }
    const ws::Opcode op = send_fragmenting_ ? ws::Opcode::Continuation
                          : utf8            ? ws::Opcode::Text
                                            : ws::Opcode::Binary;
    if (!send_fragmenting_) send_utf8_ = utf8;
    send_fragmenting_ = fragment;
    sent_len_ = len;
    sent_type_ = type;
    return start(Op::Send, send_io_.get(), send_task(op, !fragment, data, len));
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

Task<DWORD> WebSocket::shutdown_task(std::string payload) {
    const DWORD e = co_await write_frame(*send_io_, send_fd_, ws::Opcode::Close, true,
                                         payload.data(), payload.size());
    if (e) abort_connection();
    co_return e;
}

DWORD WebSocket::shutdown(USHORT status, const void* reason, DWORD reason_len) {
    if (const DWORD e = check_close_args(status, reason, reason_len)) return e;
    if (sending_.exchange(true)) return ERROR_INVALID_OPERATION;
    // Wine notification.c (verified on Windows): a second Shutdown, or a Send after one, is
    // ERROR_INVALID_OPERATION.
    if (close_sent_.exchange(true) || failed_.load()) {
        sending_.store(false);
        return ERROR_INVALID_OPERATION;
    }
    return start(Op::Shutdown, send_io_.get(), shutdown_task(close_payload(status, reason, reason_len)));
}

// Sends the close frame (unless sent), takes the receive side (a pending Receive was
// interrupted by close()) and reads until the peer's close frame, dropping data, bounded by
// WEB_SOCKET_CLOSE_TIMEOUT.
Task<DWORD> WebSocket::close_task(std::string payload, bool already_sent) {
    if (!already_sent) {
        const DWORD e = co_await write_frame(*send_io_, send_fd_, ws::Opcode::Close, true,
                                             payload.data(), payload.size());
        if (e) {
            abort_connection();
            co_return e;
        }
    }
    const net::Deadline deadline = net::Deadline::after_ms(close_timeout_ms());
    bool timed_out = false;
    co_await ReceiveSideWait{*this, deadline, &timed_out};
    if (timed_out) {
        release_receive_side();
        co_return ERROR_WINHTTP_TIMEOUT;
    }
    // The loop registers a descriptor once: earlier receive-side ios let the socket go (a
    // receive that ended just before close() interrupted it still holds it, and the fresh
    // io's first wait would fail with EEXIST).
    for (RequestIo* old : earlier_recv_ios()) {
        co_await old->enter_strand();
        old->forget_fd(fd_);
    }
    RequestIo& io = recv_io();
    constexpr size_t kDiscardSize = 4096;  // data that still arrives is dropped
    const auto discard = std::make_unique<uint8_t[]>(kDiscardSize);
    DWORD e = ERROR_SUCCESS;
    for (;;) {
        {
            std::lock_guard lock(state_mutex_);
            if (close_received_) break;
        }
        Received r;
        e = co_await receive_step(io, discard.get(), kDiscardSize, r, false,
                                  deadline);
        if (e == ERROR_WINHTTP_TIMEOUT) abort_connection();
        if (e) break;
    }
    release_receive_side();
    co_return e;
}

DWORD WebSocket::close(USHORT status, const void* reason, DWORD reason_len) {
    if (const DWORD e = check_close_args(status, reason, reason_len)) return e;
    if (sending_.exchange(true)) return ERROR_INVALID_OPERATION;  // page: "A close or send is pending"
    if (failed_.load()) {
        sending_.store(false);
        return ERROR_INVALID_OPERATION;
    }
    const bool already_sent = close_sent_.exchange(true);
    // Wine notification.c (verified on Windows): Close cancels a pending receive; its
    // REQUEST_ERROR (RECEIVE_OPERATION, OPERATION_CANCELLED) comes before CLOSE_COMPLETE.
    {
        std::lock_guard lock(io_mutex_);
        close_claimed_ = true;
        if (receiving_.load()) interrupt_receive();
    }
    return start(Op::Close, send_io_.get(),
                 close_task(already_sent ? std::string() : close_payload(status, reason, reason_len),
                            already_sent));
}

// ---- receiving ---------------------------------------------------------------------------------

namespace {

// One read_some's bytes, per thread rather than per WebSocket: between the read and the
// append to in_ nothing waits, so the buffer never outlives the call on its thread.
char* read_scratch(size_t n) {
    thread_local std::vector<char> buf;
    if (buf.size() < n) buf.resize(n);
    return buf.data();
}

}  // namespace

Task<DWORD> WebSocket::fill(RequestIo& io, net::Deadline deadline, uint8_t* direct,
                            size_t direct_cap, size_t* direct_got, bool block, DWORD block_ms) {
    if (in_off_ == in_.size()) {
        // All parsed: a large input buffer is let go, so an idle WebSocket holds little.
        if (in_.capacity() > kKeepInput) std::string().swap(in_);
        in_.clear();
        in_off_ = 0;
    } else if (in_off_ > read_chunk_) {
        in_.erase(0, in_off_);
        in_off_ = 0;
    }
    // A synchronous handle on a plain socket whose reads keep finding nothing (request and
    // answer: the reply is not there yet when Receive starts; kWaitFirstAfter fills in a row)
    // waits first and reads once, instead of a read that fails with EAGAIN, the wait, and the
    // read: one system call less per message. Every kProbeEvery-th fill, and after a read that
    // filled its whole buffer (a stream: more is waiting), it reads first again, and the first
    // read that finds bytes ends the streak. Only for plain sockets: over TLS, OpenSSL may hold
    // decrypted bytes the socket's readiness does not show.
    if (block && blocking_recv_ && !direct) {
        // A sync Receive on a plain socket waits in recv() itself: one system call per message
        // (as a raw socket's client), instead of poll on the socket and the cancel event, then
        // recv. SO_RCVTIMEO bounds it by the keep-alive interval; Close and CloseHandle wake
        // it (on_close shuts the reading half down; Close's close frame makes the peer answer,
        // or its timeout aborts the connection) and it then finds its io cancelled.
        if (rcvtimeo_ms_ != block_ms) {
            timeval tv{};
            tv.tv_sec = static_cast<time_t>(block_ms / 1000);
            tv.tv_usec = static_cast<suseconds_t>(block_ms % 1000) * 1000;
            if (::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0)
                rcvtimeo_ms_ = block_ms;
        }
        for (;;) {
            char* scratch = read_scratch(read_chunk_);
            recv_blocked_.store(true, std::memory_order_seq_cst);
            ssize_t n = -1;
            int err = 0;
            if (!io.cancelled()) {
                n = net::sys_recv(fd_, scratch, read_chunk_, 0);
                err = errno;
            }
            recv_blocked_.store(false, std::memory_order_seq_cst);
            if (n > 0) in_.append(scratch, static_cast<size_t>(n));
            // Interrupted by Close (the bytes read stay in in_ for it) or CloseHandle.
            if (io.cancelled()) co_return ERROR_WINHTTP_OPERATION_CANCELLED;
            if (n > 0) co_return ERROR_SUCCESS;
            if (n == 0) co_return kPeerClosed;
            if (err == EINTR) continue;
            if (err != EAGAIN && err != EWOULDBLOCK) co_return ERROR_WINHTTP_CONNECTION_ERROR;
            if (deadline.expired()) co_return ERROR_WINHTTP_TIMEOUT;
            break;  // woke before the deadline (timer rounding, short-I/O builds): poll below
        }
    }
    const bool may_wait_first = !async_ && !serialize_io_;
    bool first = true;
    if (may_wait_first && wait_first_ && ++fills_since_probe_ % kProbeEvery != 0) {
        const DWORD e = co_await io.ready(fd_, POLLIN, deadline);
        if (e) co_return e;
        first = false;
    }
    for (;;) {
        net::IoResult r;
        const size_t want = direct ? direct_cap : read_chunk_;
        if (direct) {
            r = read_nb(reinterpret_cast<char*>(direct), direct_cap);
            if (r.status == net::IoStatus::Done) *direct_got = r.n;
        } else {
            char* scratch = read_scratch(read_chunk_);
            r = read_nb(scratch, read_chunk_);
            if (r.status == net::IoStatus::Done) in_.append(scratch, r.n);
        }
        if (may_wait_first) {
            if (first)
                empty_streak_ = r.status == net::IoStatus::WantRead ? empty_streak_ + 1 : 0;
            else if (r.status == net::IoStatus::Done && r.n == want)
                empty_streak_ = 0;
            wait_first_ = empty_streak_ >= kWaitFirstAfter;
            first = false;
        }
        // A closing handle shut the socket down (on_close): the read's end is the cancel.
        if ((r.status == net::IoStatus::Closed || r.status == net::IoStatus::Failed) &&
            io.cancelled())
            co_return ERROR_WINHTTP_OPERATION_CANCELLED;
        switch (r.status) {
            case net::IoStatus::Done: co_return ERROR_SUCCESS;
            case net::IoStatus::Closed: co_return kPeerClosed;
            case net::IoStatus::Failed:
                co_return r.error ? r.error : ERROR_WINHTTP_CONNECTION_ERROR;
            case net::IoStatus::WantRead:
            case net::IoStatus::WantWrite: {
                co_await io.enter_strand();
                const DWORD e = co_await io.ready(fd_, net::wait_events(r.status), deadline);
                if (e) co_return e;
                break;
            }
        }
    }
}

Task<DWORD> WebSocket::receive_step(RequestIo& io, uint8_t* buffer, size_t cap, Received& out,
                                    bool keepalive, net::Deadline deadline) {
    size_t direct_got = 0;  // payload bytes fill() read straight into `buffer`
    for (;;) {
        size_t used = 0;
        ws::FrameParser::Event ev;
        if (direct_got) {
            // At most the frame's remaining payload and cap: one Data event over all of them.
            ev = parser_.parse(buffer, std::exchange(direct_got, 0), cap, used);
        } else {
            const auto* base = reinterpret_cast<const uint8_t*>(in_.data());
            ev = parser_.parse(base + in_off_, in_.size() - in_off_, cap, used);
            in_off_ += used;
        }
        switch (ev.kind) {
            case ws::FrameParser::Kind::Data:
                OPENWINHTTP_TRACE_LINE("ws %p < %s data, %zu bytes%s", handle(), trace::ws_opcode_name(static_cast<unsigned>(ev.opcode)), ev.size, ev.message_end ? ", message end" : "");
                if (ev.size == 0 && !ev.message_end) continue;  // empty non-final fragment
                if (ev.size && ev.data != buffer) std::memcpy(buffer, ev.data, ev.size);
                out.got = ev.size;
                out.end = ev.message_end;
                out.op = ev.opcode;
                out.what = Read::Data;
                co_return ERROR_SUCCESS;
            case ws::FrameParser::Kind::Control:
                OPENWINHTTP_TRACE_LINE("ws %p < %s frame, %zu bytes, close status %u", handle(), trace::ws_opcode_name(static_cast<unsigned>(ev.opcode)), ev.size, ev.close_code);
                if (ev.opcode == ws::Opcode::Ping) {
                    // RFC 6455 5.5.2: answer with a pong carrying the same payload (none once
                    // our close frame went out: write_frame_locked). Never waits for a send.
                    std::string payload(reinterpret_cast<const char*>(ev.data), ev.size);
                    const DWORD e = co_await send_control(io, ws::Opcode::Pong, std::move(payload));
                    if (e) {
                        abort_connection();
                        out.what = Read::Failed;
                        co_return e;
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
                out.what = Read::Close;
                co_return ERROR_SUCCESS;
            case ws::FrameParser::Kind::Error:
                OPENWINHTTP_TRACE_LINE("ws %p protocol error: failing the connection with close status %u", handle(), ev.close_code);
                co_await fail_connection(io, ev.close_code);
                out.what = Read::Failed;
                co_return ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
            case ws::FrameParser::Kind::NeedMore: {
                const DWORD ka = keepalive_ms();
                const net::Deadline wait = keepalive && ka ? net::Deadline::after_ms(ka) : deadline;
                // Nothing buffered, inside a data frame's payload, a large piece wanted: read it
                // straight into the caller's buffer (never past the frame's end).
                size_t direct = 0;
                if (in_off_ == in_.size())
                    direct = static_cast<size_t>(
                        std::min<uint64_t>(cap, parser_.data_payload_remaining()));
                if (direct < kDirectRead) direct = 0;
                const bool block = keepalive && deadline.infinite;
                const DWORD e = co_await fill(io, wait, direct ? buffer : nullptr, direct,
                                              &direct_got, block, keepalive ? ka : 0);
                if (e == kPeerClosed) {
                    // The peer went away without a close frame: abnormal closure (RFC 6455
                    // 7.1.5, status 1006).
                    abort_connection();
                    out.what = Read::Failed;
                    co_return ERROR_WINHTTP_CONNECTION_ERROR;
                }
                if (e == ERROR_WINHTTP_TIMEOUT && keepalive && ka) {
                    // WEB_SOCKET_KEEPALIVE_INTERVAL passed without a byte: a ping (RFC 6455
                    // 5.5.2, empty payload), never after our close frame.
                    if (close_sent_.load()) continue;
                    const DWORD pe = co_await send_control(io, ws::Opcode::Ping, std::string());
                    if (pe) {
                        abort_connection();
                        out.what = Read::Failed;
                        co_return pe;
                    }
                    continue;
                }
                if (e) co_return e;
                continue;
            }
        }
    }
}

Task<DWORD> WebSocket::receive_task(RequestIo* io, uint8_t* buffer, size_t cap, Received* out) {
    const net::Deadline forever;  // a WebSocket waits for messages without limit
    co_return co_await receive_step(*io, buffer, cap, *out, true, forever);
}

DWORD WebSocket::receive(void* buffer, DWORD len, DWORD* read,
                         WINHTTP_WEB_SOCKET_BUFFER_TYPE* type) {
    if (!buffer || len == 0 || !read || !type) return ERROR_INVALID_PARAMETER;
    RequestIo* io = nullptr;
    {
        // Receive page: "a close or receive is pending". The side is claimed and its io picked
        // under the lock Close takes to interrupt a receive: a Close in between would hand
        // this receive the fresh, uncancelled io, and wait for it forever.
        std::lock_guard lock(io_mutex_);
        if (close_claimed_ || receiving_.exchange(true)) return ERROR_INVALID_OPERATION;
        io = recv_ios_.back().get();
    }
    {
        std::lock_guard lock(state_mutex_);
        // Page: "the receive channel has already been closed".
        if (close_received_) {
            receiving_.store(false);
            return ERROR_INVALID_OPERATION;
        }
    }
    if (async_) {
        // Wine notification.c (verified on Windows): the out-parameters stay untouched; the
        // result comes in READ_COMPLETE.
        received_ = Received{};
        return start(Op::Receive, io, receive_task(io, static_cast<uint8_t*>(buffer), len, &received_));
    }
    Received r;
    if (const DWORD e = start(Op::Receive, io, receive_task(io, static_cast<uint8_t*>(buffer), len, &r)))
        return e;
    *read = r.what == Read::Close ? 0 : static_cast<DWORD>(r.got);
    *type = r.what == Read::Close ? WINHTTP_WEB_SOCKET_CLOSE_BUFFER_TYPE : buffer_type(r.op, r.end);
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
Task<DWORD> WebSocket::fail_connection(RequestIo& io, uint16_t code) {
    if (!close_sent_.exchange(true)) {
        const std::string payload = ws::encode_close_payload(code, {});
        co_await write_frame(io, fd_, ws::Opcode::Close, true, payload.data(), payload.size());
    }
    abort_connection();
    co_return ERROR_SUCCESS;
}

// The connection is gone or given up: both directions end, a wait on the other direction
// wakes (the socket is shut down), and the close status becomes 1006 unless the peer's close
// frame arrived first.
void WebSocket::abort_connection() {
    OPENWINHTTP_TRACE_LINE("ws %p connection aborted", handle());
    failed_.store(true);
    ::shutdown(fd_, SHUT_RDWR);
    std::lock_guard lock(state_mutex_);
    if (!close_received_) {
        close_received_ = true;
        close_status_ = WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS;
        close_reason_.clear();
    }
}

}  // namespace winhttp
