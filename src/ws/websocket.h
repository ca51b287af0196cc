// The WebSocket object (WinHttpWebSocketCompleteUpgrade): owns the upgraded connection and runs
// the WebSocket protocol over it with the sans-I/O codec of ws/frame.h.
//
// Synchronous handles only for now (docs/design/websocket.md). Full duplex: one send (Send,
// Shutdown, or the sending half of Close) and one receive may run at the same time on two
// threads. Frames are written whole under write_mutex_ (so an automatic pong or close reply from
// the receiving thread never lands inside an application frame); every single non-blocking
// read/write call on the stream is made under stream_mutex_ (OpenSSL's SSL object is not safe
// for concurrent calls), while waits for readiness happen outside both locks.
//
// Close contract (DESIGN.md): WinHttpCloseHandle cancels the wait of any blocked call (it
// returns ERROR_WINHTTP_OPERATION_CANCELLED); HANDLE_CLOSING comes from the object model once
// the last call has returned.
#pragma once
#include <winhttp.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "async/request_io.h"
#include "core/object.h"
#include "net/conn_pool.h"
#include "ws/frame.h"

namespace winhttp {

class Session;

class WebSocket final : public Object {
public:
    // `parent` is the request's connect handle; `conn` the upgraded connection, `leftover` the
    // bytes already read past the 101 response head.
    WebSocket(Object& parent, Session& session, std::unique_ptr<Connection> conn,
              std::string leftover);
    ~WebSocket() override;

    DWORD send(WINHTTP_WEB_SOCKET_BUFFER_TYPE type, const void* data, DWORD len);
    DWORD receive(void* buffer, DWORD len, DWORD* read, WINHTTP_WEB_SOCKET_BUFFER_TYPE* type);
    DWORD close(USHORT status, const void* reason, DWORD reason_len);
    DWORD shutdown(USHORT status, const void* reason, DWORD reason_len);
    DWORD query_close_status(USHORT* status, void* reason, DWORD reason_len, DWORD* consumed);

    Session& session() const { return session_; }
    // WINHTTP_OPTION_WEB_SOCKET_CLOSE_TIMEOUT (milliseconds, default 10 s; Option Flags page).
    DWORD close_timeout_ms() const { return close_timeout_ms_.load(std::memory_order_relaxed); }
    void set_close_timeout_ms(DWORD ms) { close_timeout_ms_.store(ms, std::memory_order_relaxed); }
    // WINHTTP_OPTION_WEB_SOCKET_KEEPALIVE_INTERVAL (milliseconds, default 30000; stored only:
    // keep-alive pings are not sent yet, docs/design/websocket.md).
    DWORD keepalive_ms() const { return keepalive_ms_.load(std::memory_order_relaxed); }
    void set_keepalive_ms(DWORD ms) { keepalive_ms_.store(ms, std::memory_order_relaxed); }

protected:
    void on_close() override;

private:
    enum class Read { Data, Close, Failed };
    // Claims a direction for one call; ERROR_INVALID_OPERATION when it is taken.
    struct Claim {
        std::atomic<bool>& flag;
        bool owned;
        explicit Claim(std::atomic<bool>& f) : flag(f), owned(!f.exchange(true)) {}
        ~Claim() {
            if (owned) flag.store(false);
        }
    };

    DWORD check_close_args(USHORT status, const void* reason, DWORD reason_len) const;
    DWORD send_close_frame(USHORT status, const void* reason, DWORD reason_len);
    // Writes one frame (header + masked payload) whole; takes write_mutex_.
    DWORD write_frame(ws::Opcode op, bool fin, const void* data, size_t len);
    DWORD write_all(const uint8_t* p, size_t n);  // write_mutex_ held
    // Reads more bytes into in_; ERROR_SUCCESS, kPeerClosed, or an error.
    DWORD fill(net::Deadline deadline);
    // One step of the receive side: parses buffered bytes (reading more when needed) until a data
    // piece (copied to buffer), the peer's close frame, or failure. Pings are answered here.
    DWORD receive_step(uint8_t* buffer, size_t cap, size_t& got, bool& message_end,
                       ws::Opcode& type, Read& what, net::Deadline deadline);
    void fail_connection(uint16_t code);
    void abort_connection();

    static constexpr DWORD kPeerClosed = 0xE0F00011u;

    Session& session_;
    std::unique_ptr<Connection> conn_;
    std::string pool_key_;
    RequestIo io_;

    std::atomic<bool> sending_{false};
    std::atomic<bool> receiving_{false};
    std::mutex write_mutex_;   // whole frames
    std::mutex stream_mutex_;  // single stream calls

    // Send side (under sending_ or write_mutex_).
    ws::MaskKeys keys_;                       // under write_mutex_
    std::unique_ptr<uint8_t[]> write_buf_;    // under write_mutex_: header + masked chunk
    bool send_fragmenting_ = false;  // a fragmented message is in progress
    bool send_utf8_ = false;         // its type
    std::atomic<bool> close_sent_{false};

    // Receive side (under receiving_).
    ws::FrameParser parser_;
    std::string in_;
    size_t in_off_ = 0;
    std::unique_ptr<char[]> read_buf_;
    uint8_t read_buf_discard_[4096];  // Close drops data that still arrives

    // Shared state.
    mutable std::mutex state_mutex_;
    std::condition_variable state_cv_;  // close_received_ changed, or the handle closed
    bool close_received_ = false;  // the peer's close frame arrived (or the connection failed)
    USHORT close_status_ = 0;
    std::string close_reason_;
    std::atomic<bool> failed_{false};
    std::atomic<DWORD> close_timeout_ms_{10000};
    std::atomic<DWORD> keepalive_ms_{30000};
};

}  // namespace winhttp
