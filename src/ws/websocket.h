// The WebSocket object (WinHttpWebSocketCompleteUpgrade): owns the upgraded connection and runs
// the WebSocket protocol over it with the sans-I/O codec of ws/frame.h.
//
// One code path for both modes, written as coroutines (core/task.h), as the request engine is:
// a synchronous handle runs each operation inline on the caller's thread (its waits poll); an
// asynchronous one starts the operation on the caller's thread too, suspends at the first wait
// and resumes on the event loop (async/request_io.h), then reports through the callback
// (docs/design/websocket.md "Async").
//
// Full duplex: one send-side operation (Send, Shutdown, or Close) and one receive-side
// operation (Receive, or the reading half of Close) at a time. Each side waits through its own
// RequestIo (an async handle's send side watches a dup() of the socket, since the event loop
// registers a descriptor once). Frames are written whole under the frame lock, which a
// coroutine can wait for without blocking a thread, so an automatic pong or close reply from
// the receive side never lands inside an application frame; every single non-blocking
// read/write on a TLS stream is made under stream_mutex_ (OpenSSL's SSL object is not safe for
// concurrent calls); a plain socket's reads and writes run concurrently.
//
// Close contract (DESIGN.md): WinHttpCloseHandle cancels every wait; pending operations end with
// ERROR_WINHTTP_OPERATION_CANCELLED (async: REQUEST_ERROR); HANDLE_CLOSING comes from the object
// model once the last operation has ended.
#pragma once
#include <winhttp.h>

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "async/request_io.h"
#include "core/object.h"
#include "core/task.h"
#include "net/conn_pool.h"
#include "ws/frame.h"

namespace winhttp {

class Session;

class WebSocket final : public Object {
public:
    // `parent` is the request's connect handle; `conn` the upgraded connection, `leftover` the
    // bytes already read past the 101 response head.
    WebSocket(Object& parent, Session& session, std::unique_ptr<Connection> conn,
              std::string leftover, bool async, const Settings& settings);
    ~WebSocket() override;

    bool async() const noexcept { return async_; }
    // Sync handles: the operation's result. Async handles: ERROR_SUCCESS when the operation
    // started (its end comes through the callback), or an immediate error.
    DWORD send(WINHTTP_WEB_SOCKET_BUFFER_TYPE type, const void* data, DWORD len);
    DWORD receive(void* buffer, DWORD len, DWORD* read, WINHTTP_WEB_SOCKET_BUFFER_TYPE* type);
    DWORD close(USHORT status, const void* reason, DWORD reason_len);
    DWORD shutdown(USHORT status, const void* reason, DWORD reason_len);
    DWORD query_close_status(USHORT* status, void* reason, DWORD reason_len, DWORD* consumed);

    Session& session() const { return session_; }
    // WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT (milliseconds, default 10 s; Option Flags page).
    DWORD close_timeout_ms() const { return close_timeout_ms_.load(std::memory_order_relaxed); }
    void set_close_timeout_ms(DWORD ms) { close_timeout_ms_.store(ms, std::memory_order_relaxed); }
    // WINHTTP_OPTION_WEB_SOCKET_KEEPALIVE_INTERVAL (milliseconds, default 30000): a receive that
    // waits this long without a byte from the peer sends a ping.
    DWORD keepalive_ms() const { return keepalive_ms_.load(std::memory_order_relaxed); }
    void set_keepalive_ms(DWORD ms) { keepalive_ms_.store(ms, std::memory_order_relaxed); }

    // Frame lock awaiter (public for the coroutine machinery only).
    struct FrameLockWait {
        WebSocket& ws;
        bool await_ready();
        bool await_suspend(std::coroutine_handle<> h);
        void await_resume() const noexcept {}
    };
    // Receive-side claim for Close, waiting until a pending receive has ended.
    // A sync Close on a blocking-receive socket waits at most until `deadline` (an interrupted
    // receive may still sit in recv(): the connection is then aborted to wake it, *timed_out).
    struct ReceiveSideWait {
        WebSocket& ws;
        net::Deadline deadline{};
        bool* timed_out = nullptr;
        bool await_ready();
        bool await_suspend(std::coroutine_handle<> h);
        void await_resume() const noexcept {}
    };

protected:
    void on_close() override;

private:
    enum class Read { Data, Close, Failed };
    enum class Op { Send, Receive, Close, Shutdown };
    friend Detached drive_websocket_op(Ref<Object> keep, Op op, RequestIo* io, Task<DWORD> task);

    // The receive side's result, for the caller (sync) or READ_COMPLETE (async).
    struct Received {
        size_t got = 0;
        bool end = false;
        ws::Opcode op{};
        Read what{};
    };

    DWORD check_close_args(USHORT status, const void* reason, DWORD reason_len) const;
    DWORD start(Op op, RequestIo* io, Task<DWORD> task);
    void complete(Op op, RequestIo* io, DWORD error);
    void release_receive_side();

    Task<DWORD> send_task(ws::Opcode op, bool fin, const void* data, DWORD len);
    Task<DWORD> shutdown_task(std::string payload);
    Task<DWORD> receive_task(RequestIo* io, uint8_t* buffer, size_t cap, Received* out);
    Task<DWORD> close_task(std::string payload, bool already_sent);

    // Writes one frame (header + masked payload) whole, under the frame lock, waiting on `io`.
    Task<DWORD> write_frame(RequestIo& io, int fd, ws::Opcode op, bool fin, const void* data,
                            size_t len);
    // The same with the frame lock held by the caller.
    Task<DWORD> write_frame_locked(RequestIo& io, int fd, ws::Opcode op, bool fin,
                                   const void* data, size_t len);
    Task<DWORD> write_all(RequestIo& io, int fd, const uint8_t* p, size_t n);
    // Lets the frame lock go after a frame whose result was `e`; a control frame the receive
    // side queued meanwhile goes out first. The first error.
    Task<DWORD> unlock_frame_after(RequestIo& io, int fd, DWORD e);
    // Under frame_mutex_: takes the queued control frame (the lock stays held), or lets the
    // lock go (to a waiter, if any) and returns false.
    bool take_control_or_unlock(ws::Opcode& op, std::string& payload);
    // The receive side's pong or keep-alive ping: sent at once when the frame lock is free,
    // else queued for the holder, so the receive side never stops reading to wait for it.
    Task<DWORD> send_control(RequestIo& io, ws::Opcode op, std::string payload);
    // Reads more bytes into in_ (or, with `direct`, up to direct_cap bytes into it, their count
    // in *direct_got); ERROR_SUCCESS, kPeerClosed, or an error.
    // With `block` (a sync Receive on a plain socket: blocking_recv_), a read into in_ waits
    // in recv() itself, bounded by SO_RCVTIMEO = block_ms (0: none), instead of poll + recv.
    Task<DWORD> fill(RequestIo& io, net::Deadline deadline, uint8_t* direct = nullptr,
                     size_t direct_cap = 0, size_t* direct_got = nullptr, bool block = false,
                     DWORD block_ms = 0);
    // One non-blocking read or write on the connection (under stream_mutex_ over TLS; with
    // MSG_DONTWAIT on a blocking-receive socket).
    net::IoResult read_nb(char* buf, size_t cap);
    net::IoResult write_nb(const char* data, size_t len);
    // One step of the receive side: parses buffered bytes (reading more when needed) until a data
    // piece (copied to buffer), the peer's close frame, or failure. Pings are answered here;
    // with `keepalive`, a wait of keepalive_ms() without bytes sends a ping and goes on.
    Task<DWORD> receive_step(RequestIo& io, uint8_t* buffer, size_t cap, Received& r,
                             bool keepalive, net::Deadline deadline);
    Task<DWORD> fail_connection(RequestIo& io, uint16_t code);
    void abort_connection();

    RequestIo& recv_io();  // the receive side's current io
    // Close takes the receive side from a pending Receive: its io is cancelled (that receive
    // ends with OPERATION_CANCELLED) and the side gets a fresh one.
    void interrupt_receive();  // under io_mutex_
    std::vector<RequestIo*> earlier_recv_ios();

    static constexpr DWORD kPeerClosed = 0xE0F00011u;
    static constexpr size_t kKeepInput = 4096;  // in_'s capacity kept once all is parsed
    // A frame of up to this size (header included) is built without a heap buffer.
    static constexpr size_t kInlineFrame = 512;
    // A data frame's payload is read straight into the caller's buffer when at least this many
    // of its bytes are wanted and nothing is buffered (fill()).
    static constexpr size_t kDirectRead = 4096;

    Session& session_;
    const bool async_;
    std::unique_ptr<Connection> conn_;
    std::string pool_key_;
    int fd_ = -1;       // the connection's socket
    size_t read_chunk_;   // WEB_SOCKET_RECEIVE_BUFFER_SIZE
    size_t write_chunk_;  // WEB_SOCKET_SEND_BUFFER_SIZE
    int send_fd_ = -1;  // the send side's descriptor: fd_, or a dup of it (async)
    std::unique_ptr<RequestIo> send_io_;
    std::mutex io_mutex_;
    std::vector<std::unique_ptr<RequestIo>> recv_ios_;  // the last is current; under io_mutex_
    // Close has claimed the receive side: a Receive from now on is refused (under io_mutex_,
    // where a Receive claims the side and picks its io, so the two never interleave).
    bool close_claimed_ = false;

    std::atomic<bool> sending_{false};
    std::atomic<bool> receiving_{false};
    // Single stream calls over TLS (OpenSSL's SSL object is not safe for concurrent calls). A
    // plain TCP socket is full duplex: a read and a write may run at the same time, and the
    // two sides never contend (bench/ws: 86 futex calls per MiB streamed, before).
    bool serialize_io_ = true;
    std::mutex stream_mutex_;
    // A sync handle on a plain socket: the socket is in blocking mode and a Receive waits in
    // recv() (one system call per message instead of poll + recv); every other read and write
    // passes MSG_DONTWAIT. Close and CloseHandle wake a blocked recv (docs/design/websocket.md
    // "Speed").
    bool blocking_recv_ = false;
    std::atomic<bool> recv_blocked_{false};  // a Receive is in (or entering) a blocking recv()
    DWORD rcvtimeo_ms_ = 0;                  // SO_RCVTIMEO as set (receive side)

    // The frame lock: held for a whole frame; at most one waiter per side.
    std::mutex frame_mutex_;
    std::condition_variable frame_cv_;  // sync handles wait here
    bool frame_held_ = false;
    std::vector<std::coroutine_handle<>> frame_waiters_;  // async handles
    bool close_frame_out_ = false;  // our close frame went out: no ping or pong after it
    bool control_pending_ = false;  // a control frame queued by the receive side
    ws::Opcode pending_op_{};
    std::string pending_payload_;

    // Send side (under sending_, or the frame lock).
    ws::MaskKeys keys_;                       // frame lock
    bool send_fragmenting_ = false;  // a fragmented message is in progress
    bool send_utf8_ = false;         // its type
    std::atomic<bool> close_sent_{false};
    DWORD sent_len_ = 0;  // for WRITE_COMPLETE
    WINHTTP_WEB_SOCKET_BUFFER_TYPE sent_type_{};

    // Receive side (under receiving_).
    ws::FrameParser parser_;
    bool wait_first_ = false;       // fill() waits before its first read (sync, plain socket)
    unsigned empty_streak_ = 0;     // fills in a row whose first read found nothing
    unsigned fills_since_probe_ = 0;
    static constexpr unsigned kWaitFirstAfter = 4;
    static constexpr unsigned kProbeEvery = 16;
    std::string in_;
    size_t in_off_ = 0;
    Received received_;  // an async Receive's result

    // Shared state.
    mutable std::mutex state_mutex_;
    std::condition_variable state_cv_;  // receiving_ released, or the handle closed
    std::coroutine_handle<> receive_side_waiter_;  // async Close waiting for the receive side
    bool close_received_ = false;  // the peer's close frame arrived (or the connection failed)
    USHORT close_status_ = 0;
    std::string close_reason_;
    std::atomic<bool> failed_{false};
    std::atomic<DWORD> close_timeout_ms_{10000};
    std::atomic<DWORD> keepalive_ms_{30000};
};

}  // namespace winhttp
