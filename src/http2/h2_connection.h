// One HTTP/2 connection shared by every h2 request of a session to one origin
// (docs/design/http2.md). It owns the Connection (socket + TLS) and the codec; requests hold
// a Stream and a share of the connection.
//
// Nobody owns the reading: whoever needs bytes for its stream takes the connection lock, moves
// whatever the socket has through the codec (which files frames into every stream's buffers and
// wakes their waiters), writes what the codec has to send, and, if its own stream still lacks
// what it waits for, waits: on the socket when nobody else does (it is then "the reader"), else
// on its own wake-up descriptor. A reader that stops waiting wakes the other waiters so one of
// them takes the socket over. This works the same on a caller's thread (sync handles: poll) and
// on the event loop (async handles: the reader's socket wait is the only registration of the
// descriptor), and never moves a sync request to another thread.
#pragma once
#include <winhttp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "async/request_io.h"
#include "core/task.h"
#include "http2/h2_codec.h"
#include "net/conn_pool.h"

namespace winhttp::h2 {

// What a request waits for on its stream.
enum class Want {
    Head,     // the final header block (or the end of the stream)
    Body,     // body bytes, the end of the stream, or an error
    Sent,     // every queued request-body byte handed to the codec (flow control allowed it)
};

class Connection;

// A request's hold on one stream of a connection.
class Exchange {
public:
    Exchange(std::shared_ptr<Connection> conn);
    ~Exchange();  // cancels the stream when it is not over (RST_STREAM CANCEL)
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    DWORD submit(const std::string& method, const std::string& authority, const std::string& path,
                 const http1::HeaderList& headers, bool has_body);
    // Queues request-body bytes (`last`: no more follow).
    void queue_body(const char* data, size_t len, bool last);
    // Waits until `want` holds. ERROR_SUCCESS, the stream's error, a timeout or a cancel.
    Task<DWORD> wait(RequestIo& io, Want want, net::Deadline deadline);

    // Under the connection's lock, the final head, moved out of the stream (once: a second call
    // finds its headers gone). `interim`: the status codes of the 1xx blocks that came before.
    bool head(http1::ResponseHead& out, std::vector<unsigned>& interim, size_t& bytes);
    // Moves buffered body bytes into `out`; `ended` when nothing more will come.
    void take_body(std::string& out, bool& ended, DWORD& error);
    void take_trailers(http1::HeaderList& out);
    bool refused();
    // The server answered the stream or the connection with HTTP_1_1_REQUIRED.
    bool http11_required();

    Connection& connection() { return *conn_; }
    const Connection& connection() const { return *conn_; }
    // The descriptor wait() watches besides the socket. The RequestIo that waited must forget
    // it before the Exchange goes: a stale deregistration of its number, once reused by another
    // Exchange's eventfd, would silence that one on the event loop.
    // -1 when it has none: an async request is woken through its RequestIo (signal()), only a
    // sync one polls a descriptor.
    int wake_fd() const { return wake_ ? wake_->fd() : -1; }
    const std::shared_ptr<Connection>& shared() const { return conn_; }
    // Under the connection's lock: wakes the request unless a wake-up is already pending (one
    // per wait, not one per frame for the stream). An async request in a wait is signalled
    // through its RequestIo (a strand post: no descriptor registered with the loop per wait);
    // a sync one through its eventfd; one not waiting finds signalled_ at its next wait.
    void wake_locked();

private:
    friend class Connection;
    std::shared_ptr<Connection> conn_;
    Stream stream_;  // the codec points at it from submit until it closes or ~Exchange cancels it
    // Sync handles: signalled when something arrives for the stream. Borrowed from the
    // connection's spares at the first wait and given back unsignalled (an eventfd2 and a close
    // per request cost two system calls). Async handles have none (signal_io_).
    std::unique_ptr<net::CancelEvent> wake_;
    // Under the connection's lock: a wake-up not taken yet by a wait; wake_ holds a count not
    // drained yet; the RequestIo of an async wait in progress (set and cleared by the wait; its
    // request is referenced by the async operation all along, so signal() may take a reference).
    bool signalled_ = false;
    bool fd_signalled_ = false;
    RequestIo* signal_io_ = nullptr;
    // Its index in the connection's waiting_, kNotWaiting when not there (under the lock).
    static constexpr size_t kNotWaiting = static_cast<size_t>(-1);
    size_t waiting_at_ = kNotWaiting;
};

class Connection final : public SharedConnection, public std::enable_shared_from_this<Connection> {
public:
    // Takes over `conn` (TLS done, "h2" chosen). `pool`/`key`: the slot it holds there.
    Connection(std::unique_ptr<winhttp::Connection> conn, ConnectionPool& pool,
               const Settings& settings);
    ~Connection() override;

    bool has_room() override;
    bool maybe_room() const noexcept override { return open_.load(std::memory_order_acquire); }
    // WINHTTP_OPTION_HTTP2_KEEPALIVE: PINGs once the connection was quiet for the interval
    // (Settings::keepalive_ms), from a timer on the event loop. Call once it is shared.
    void start_keepalive();
    const net::TlsStream* tls() const { return conn_->tls.get(); }
    winhttp::Connection& transport() { return *conn_; }

private:
    friend class Exchange;
    // Under mutex_: writes pending output, reads what the socket has, feeds the codec. With
    // `lock` (holding mutex_) the reads and their decryption run with mutex_ released: this
    // caller owns the transport meanwhile (io_busy_), and everyone else leaves the socket
    // alone and their output queued until it is done. Without, everything runs under mutex_.
    // Either way a pump that did I/O ends on a read that returned WantRead (or a failure), so
    // nothing is left in OpenSSL's buffer for a poll to miss.
    void pump_locked(std::unique_lock<std::mutex>* lock = nullptr);
    // Under mutex_: writes pending output only (a WINDOW_UPDATE after a read), no read.
    void flush_locked();
    // Under mutex_: takes the codec's output and writes it until the socket is full; false
    // when the write failed (the connection is failed then).
    bool send_queued_locked();
    // Under mutex_: with no reader, makes sure one waiter will run and take the socket over:
    // wakes one unless one already holds a wake-up (not all of them: with 256 streams waiting,
    // waking every one per hand-over cost 255 eventfd writes and as many event-loop rounds).
    void hand_off_locked();
    void fail_locked(DWORD error);
    // Under mutex_: the codec refused the input; fails the connection, GOAWAY best effort.
    void fail_codec_locked();
    // maybe_room()'s answer, refreshed under mutex_ after each pump.
    void note_open_locked() { open_.store(!dead_ && codec_.accepting(), std::memory_order_release); }
    // Whether `want` holds (or never will: `result` says why).
    bool done_locked(const Stream& s, Want want, DWORD& result) const;

    std::mutex mutex_;
    std::unique_ptr<winhttp::Connection> conn_;
    ConnectionPool& pool_;
    Codec codec_;
    std::string out_;          // bytes for the server not yet written
    Exchange* reader_ = nullptr;   // the waiter on the socket, if any
    bool dead_ = false;        // the transport failed or closed
    std::atomic<bool> open_{true};  // !dead_ && the codec accepts streams (read without mutex_)
    // A pump reads the socket outside mutex_: nobody else reads or writes the transport (the
    // SSL object is not for two threads at once) until it clears this, under mutex_.
    bool io_busy_ = false;
    // Someone found io_busy_ and went to wait on its wake-up descriptor instead of the socket:
    // the pump hands the socket over when it is done.
    bool io_deferred_ = false;
    // The unlocked pump's input (only the io_busy_ holder touches it): raw reads land here,
    // decrypted, then the codec takes them under mutex_.
    std::unique_ptr<char[]> in_buf_;
    // Exchanges waiting for a wake-up (Exchange::waiting_at_ is the index; a vector whose
    // capacity stays: no allocation per wait, unlike a std::set node), and how many of them
    // hold one not taken yet (hand_off_locked needs no scan of the 256 of W7).
    std::vector<Exchange*> waiting_;
    size_t signalled_waiting_ = 0;
    void add_waiting_locked(Exchange* x);
    void remove_waiting_locked(Exchange* x);
    // Wake-up descriptors of finished exchanges, unsignalled, for the next ones (a few hundred
    // at most: as many as streams were open at once).
    std::vector<std::unique_ptr<net::CancelEvent>> spare_wakes_;
    std::chrono::steady_clock::time_point last_io_;  // last byte read or written
    std::shared_ptr<struct KeepaliveTimer> keepalive_;
    unsigned keepalive_ms_ = 0;
    void keepalive_tick();
};

}  // namespace winhttp::h2
