#include "http2/h2_connection.h"

#include <poll.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <vector>

#include "async/reactor.h"

namespace winhttp::h2 {

namespace {

constexpr size_t kReadChunk = 32 * 1024;
// The unlocked pump's buffer: several TLS records (16 KiB of plaintext each at most) per
// round under mutex_.
constexpr size_t kInBuf = 128 * 1024;

void drain(net::CancelEvent& e) {
    uint64_t v;
    [[maybe_unused]] auto r = ::read(e.fd(), &v, sizeof(v));
}

void wake(void* ctx) {
    static_cast<Exchange*>(ctx)->wake_locked();
}

bool readable_now(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

}  // namespace

// The keep-alive timer lives on a strand of the event loop: its waits, re-arms and cancel never
// run at the same time. It holds the connection weakly: the last request ends it.
struct KeepaliveTimer {
    KeepaliveTimer()
        : strand(asio::make_strand(Reactor::get().loop())), timer(strand) {}
    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;
};

// --- Connection ------------------------------------------------------------------------------

Connection::Connection(std::unique_ptr<winhttp::Connection> conn, ConnectionPool& pool,
                       const Settings& settings)
    : conn_(std::move(conn)), pool_(pool), codec_(settings), keepalive_ms_(settings.keepalive_ms) {
    last_io_ = std::chrono::steady_clock::now();
    if (!codec_.ok()) dead_ = true;
    note_open_locked();
    codec_.take_output(out_);  // the preface and our SETTINGS go out with the first request
}

Connection::~Connection() {
    if (keepalive_) asio::post(keepalive_->strand, [k = keepalive_] { k->timer.cancel(); });
    const std::string key = conn_->key;
    conn_.reset();
    pool_.unreserve(key);
}

bool Connection::has_room() {
    std::lock_guard lock(mutex_);
    // An idle connection may have been closed by the server (GOAWAY, FIN) since its last
    // request: read what it said before handing it out, so the request goes to a new connection
    // instead of failing (or spending its one resend) on this one.
    if (!reader_ && codec_.active_streams() == 0) pump_locked();
    return !dead_ && codec_.accepting();
}

void Connection::start_keepalive() {
    if (!keepalive_ms_) return;
    keepalive_ = std::make_shared<KeepaliveTimer>();
    std::weak_ptr<Connection> weak = weak_from_this();
    asio::post(keepalive_->strand, [k = keepalive_, weak, ms = keepalive_ms_] {
        k->timer.expires_after(std::chrono::milliseconds(ms));
        k->timer.async_wait([weak](const asio::error_code& ec) {
            if (ec) return;
            if (auto c = weak.lock()) c->keepalive_tick();
        });
    });
}

// Option Flags page, WINHTTP_OPTION_HTTP2_KEEPALIVE: "after there is no activity on a connection
// for that timeout period, WinHttp will begin to send HTTP/2 PING frames". Runs on the timer's
// strand; pumping is non-blocking, so the event loop never waits on the server here.
void Connection::keepalive_tick() {
    const auto interval = std::chrono::milliseconds(keepalive_ms_);
    auto next = interval;
    {
        std::lock_guard lock(mutex_);
        if (dead_) return;
        pump_locked();  // the last PING's ACK, a GOAWAY, a FIN
        const auto quiet = std::chrono::steady_clock::now() - last_io_;
        if (!dead_ && quiet >= interval) {
            codec_.ping();
            pump_locked();
        } else if (!dead_) {
            next = std::chrono::duration_cast<std::chrono::milliseconds>(interval - quiet);
        }
        if (dead_) return;
        // The socket did not take the whole PING and nobody else writes: look again soon.
        if (!out_.empty() && !reader_) next = std::chrono::milliseconds(10);
    }
    std::weak_ptr<Connection> weak = weak_from_this();
    keepalive_->timer.expires_after(next);
    keepalive_->timer.async_wait([weak](const asio::error_code& ec) {
        if (ec) return;
        if (auto c = weak.lock()) c->keepalive_tick();
    });
}

void Connection::fail_locked(DWORD error) {
    if (dead_) return;
    dead_ = true;
    codec_.fail_all(error);
    note_open_locked();
}

bool Connection::done_locked(const Stream& s, Want want, DWORD& result) const {
    result = ERROR_SUCCESS;
    switch (want) {
        case Want::Head:
            if (s.head_done) return true;
            break;
        case Want::Body:
            if (!s.data.empty() || (s.ended && !s.error)) return true;
            break;
        case Want::Sent:
            if (s.out.empty() || s.ended) return true;
            break;
    }
    if (s.closed || s.error || dead_) {
        result = s.error ? s.error : ERROR_WINHTTP_CONNECTION_ERROR;
        return true;
    }
    return false;
}

void Connection::pump_locked(std::unique_lock<std::mutex>* lock) {
    if (dead_) return;
    if (io_busy_) {
        io_deferred_ = true;  // the pump under way sends what was queued and hands off
        return;
    }
    net::Stream& io = conn_->stream();
    for (int round = 0; round < 64; ++round) {
        if (!send_queued_locked()) return;
        bool fed = false;
        net::IoResult r;
        if (lock) {
            // Decryption (AES-GCM, most of a pump's cost) without mutex_: the other requests
            // take their bytes, queue their frames and close their streams meanwhile.
            if (!in_buf_) in_buf_.reset(new char[kInBuf]);
            io_busy_ = true;
            lock->unlock();
            size_t got = 0;
            for (;;) {
                r = io.read_some(in_buf_.get() + got, kInBuf - got);
                if (r.status != net::IoStatus::Done) break;
                got += r.n;
                if (kInBuf - got < kReadChunk) break;  // full: feed it, then read on
            }
            lock->lock();
            io_busy_ = false;
            if (got) {
                fed = true;
                last_io_ = std::chrono::steady_clock::now();
                if (!codec_.feed(in_buf_.get(), got)) return fail_codec_locked();
            }
            if (io_deferred_) {
                io_deferred_ = false;
                hand_off_locked();
            }
            if (r.status == net::IoStatus::Done) continue;  // the buffer filled up: read on
        } else {
            char buf[kReadChunk];
            for (;;) {
                r = io.read_some(buf, sizeof(buf));
                if (r.status != net::IoStatus::Done) break;
                fed = true;
                last_io_ = std::chrono::steady_clock::now();
                if (!codec_.feed(buf, r.n)) return fail_codec_locked();
            }
        }
        if (r.status == net::IoStatus::Closed) return fail_locked(ERROR_WINHTTP_CONNECTION_ERROR);
        if (r.status == net::IoStatus::Failed) return fail_locked(r.error);
        // Would block. Nothing new: what the codec wants to send goes out (frames others
        // queued while this pump read unlocked too), and the pump ends.
        if (!fed) {
            if (lock && !send_queued_locked()) return;
            break;
        }
    }
    // nghttp2 ended the session itself (a COMPRESSION_ERROR, say: it sends GOAWAY and reads no
    // more), or a GOAWAY left it with no stream: nothing more will come on this connection.
    if (!codec_.wants_io()) return fail_locked(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    // Output the socket did not take: the reader waits on input only unless told, so tell it
    // (it waits for POLLOUT too from its next round). The reader itself never gets here
    // marked as reader: it gives the role up before it pumps.
    if (!out_.empty() && reader_) reader_->wake_locked();
}

void Connection::fail_codec_locked() {
    fail_locked(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    codec_.take_output(out_);  // GOAWAY, best effort
    if (!out_.empty()) conn_->stream().write_some(out_.data(), out_.size());
    out_.clear();
}

bool Connection::send_queued_locked() {
    if (io_busy_) return true;  // the pump reading unlocked sends it when it is done
    net::Stream& io = conn_->stream();
    codec_.take_output(out_);
    while (!out_.empty()) {
        const net::IoResult r = io.write_some(out_.data(), out_.size());
        if (r.status != net::IoStatus::Done) {
            if (r.status == net::IoStatus::Failed || r.status == net::IoStatus::Closed) {
                fail_locked(ERROR_WINHTTP_CONNECTION_ERROR);
                return false;
            }
            break;  // the socket is full: the reader waits for POLLOUT
        }
        out_.erase(0, r.n);
        last_io_ = std::chrono::steady_clock::now();
    }
    return true;
}

void Connection::flush_locked() {
    if (dead_ || io_busy_) return;
    if (!send_queued_locked()) return;
    if (!out_.empty() && reader_) reader_->wake_locked();
}

void Connection::hand_off_locked() {
    // A waiter holding a wake-up runs soon: it finishes (and hands off) or reads.
    if (reader_ || waiting_.empty() || signalled_waiting_) return;
    waiting_.front()->wake_locked();
}

void Connection::add_waiting_locked(Exchange* x) {
    if (x->waiting_at_ != Exchange::kNotWaiting) return;
    x->waiting_at_ = waiting_.size();
    waiting_.push_back(x);
    if (x->signalled_) ++signalled_waiting_;
}

void Connection::remove_waiting_locked(Exchange* x) {
    const size_t at = x->waiting_at_;
    if (at == Exchange::kNotWaiting) return;
    if (x->signalled_) --signalled_waiting_;
    x->waiting_at_ = Exchange::kNotWaiting;
    Exchange* last = waiting_.back();
    waiting_.pop_back();
    if (last != x) {
        waiting_[at] = last;
        last->waiting_at_ = at;
    }
}

// --- Exchange --------------------------------------------------------------------------------

void Exchange::wake_locked() {
    if (signalled_) return;
    signalled_ = true;
    if (waiting_at_ != kNotWaiting) ++conn_->signalled_waiting_;
    if (signal_io_) {
        signal_io_->signal();
    } else if (wake_) {
        wake_->signal();
        fd_signalled_ = true;
    }
}

Exchange::Exchange(std::shared_ptr<Connection> conn)
    : conn_(std::move(conn)) {
    stream_.notify = wake;
    stream_.notify_ctx = this;
}

Exchange::~Exchange() {
    std::lock_guard lock(conn_->mutex_);
    conn_->remove_waiting_locked(this);
    // A wait that never resumed (its coroutine was destroyed) leaves the socket to another; so
    // does a waiter that held the hand-over's wake-up.
    if (conn_->reader_ == this) conn_->reader_ = nullptr;
    conn_->hand_off_locked();
    conn_->codec_.cancel(stream_);
    conn_->pump_locked();  // sends the RST_STREAM now when the socket takes it
    // The descriptor goes back unsignalled (every signal is under this lock, through
    // wake_locked). The RequestIo that waited on it has forgotten it (wake_fd()).
    signal_io_ = nullptr;
    if (!wake_) return;
    if (fd_signalled_) drain(*wake_);
    constexpr size_t kSpareWakes = 512;
    if (wake_->fd() >= 0 && conn_->spare_wakes_.size() < kSpareWakes)
        conn_->spare_wakes_.push_back(std::move(wake_));
}

DWORD Exchange::submit(const std::string& method, const std::string& authority,
                       const std::string& path, const http1::HeaderList& headers, bool has_body) {
    std::lock_guard lock(conn_->mutex_);
    if (conn_->dead_) {
        stream_.refused = true;
        return ERROR_WINHTTP_CONNECTION_ERROR;
    }
    const DWORD e = conn_->codec_.submit(stream_, method, authority, path, headers, has_body);
    if (e) stream_.refused = true;
    return e;
}

void Exchange::queue_body(const char* data, size_t len, bool last) {
    std::lock_guard lock(conn_->mutex_);
    stream_.out.append(data, len);
    if (last) stream_.body_done = true;
    conn_->codec_.resume(stream_);
}

bool Exchange::head(http1::ResponseHead& out, std::vector<unsigned>& interim, size_t& bytes) {
    std::lock_guard lock(conn_->mutex_);
    if (!stream_.head_done) return false;
    // Moved, not copied (the headers are strings): the stream keeps trailers arriving later.
    out.status = stream_.head.status;
    out.version_major = 2;
    out.version_minor = 0;
    out.reason.clear();
    out.headers = std::move(stream_.head.headers);
    stream_.head.headers.clear();
    out.trailers.clear();
    interim = std::move(stream_.interim);
    stream_.interim.clear();
    bytes = stream_.head_bytes;
    return true;
}

void Exchange::take_body(std::string& out, bool& ended, DWORD& error) {
    std::lock_guard lock(conn_->mutex_);
    if (stream_.closed) {
        out.clear();
        out.swap(stream_.data);
    } else {
        conn_->codec_.take_body(stream_, out);
        // The WINDOW_UPDATE goes out now; reading is the reader's (or the next wait's) job.
        conn_->flush_locked();
    }
    ended = stream_.data.empty() && (stream_.ended || stream_.closed);
    error = stream_.ended && !stream_.error ? ERROR_SUCCESS : stream_.error;
    if (ended && !stream_.ended && !error) error = ERROR_WINHTTP_CONNECTION_ERROR;
}

void Exchange::take_trailers(http1::HeaderList& out) {
    std::lock_guard lock(conn_->mutex_);
    out = stream_.head.trailers;
}

bool Exchange::refused() {
    std::lock_guard lock(conn_->mutex_);
    return stream_.refused;
}

bool Exchange::http11_required() {
    std::lock_guard lock(conn_->mutex_);
    return stream_.http11_required;
}

Task<DWORD> Exchange::wait(RequestIo& io, Want want, net::Deadline deadline) {
    Connection& c = *conn_;
    const int fd = c.conn_->socket.fd();
    for (;;) {
        bool reader = false;
        short events = POLLIN;
        {
            std::unique_lock lock(c.mutex_);
            // Every signal goes through wake_locked(): a descriptor not signalled needs no read.
            if (fd_signalled_) {
                drain(*wake_);
                fd_signalled_ = false;
            }
            if (signalled_ && waiting_at_ != kNotWaiting) --c.signalled_waiting_;
            signalled_ = false;
            signal_io_ = nullptr;
            // A sync wait polls a descriptor: borrow one (kept until the Exchange goes).
            if (!io.async() && !wake_) {
                if (!c.spare_wakes_.empty()) {
                    wake_ = std::move(c.spare_wakes_.back());
                    c.spare_wakes_.pop_back();
                } else {
                    wake_ = std::make_unique<net::CancelEvent>();
                }
            }
            DWORD result;
            // What a response brought may already be here: then this request needs no read
            // (each read that finds nothing is a recvfrom returning EAGAIN). A Sent wait pumps
            // first: its stream's frames go out that way.
            if (want != Want::Sent && c.done_locked(stream_, want, result)) {
                c.remove_waiting_locked(this);
                c.hand_off_locked();
                co_return result;
            }
            // On the event loop a round trip through the reactor costs far more than a look at
            // the socket: pump again while it has bytes (bounded, so one request does not hold
            // the loop thread; a TLS record arriving a few bytes per read otherwise took one
            // round trip per read).
            for (int spin = 0;; ++spin) {
                c.pump_locked(&lock);
                if (c.done_locked(stream_, want, result)) {
                    c.remove_waiting_locked(this);
                    // Nobody reads for the others now: one of them takes the socket over.
                    c.hand_off_locked();
                    co_return result;
                }
                if (!io.async() || spin == 16 || c.reader_ || c.dead_ || c.io_busy_ ||
                    !readable_now(fd))
                    break;
            }
            // While another pump reads the socket unlocked, this request waits on its own
            // descriptor: that pump hands the socket over (io_deferred_) when it is done.
            if (!c.reader_ && !c.io_busy_) {
                c.reader_ = this;
                reader = true;
                c.remove_waiting_locked(this);
                // Input is always welcome (the server may be waiting for us to read before it
                // reads); output only while some is queued.
                if (!c.out_.empty()) events |= POLLOUT;
            } else {
                c.add_waiting_locked(this);
                if (c.io_busy_) c.io_deferred_ = true;
            }
            if (io.async()) {
                signal_io_ = &io;
                // A wake-up given during this section (a pump's frame for this stream that is
                // not yet what it waits for) found no RequestIo: it ends the wait at once.
                if (signalled_) io.signal();
            }
        }
        DWORD e;
        if (io.async()) {
            // Woken by signal() (wake_locked), not through a descriptor: the reader watches only
            // the socket, a waiter nothing. signal_io_ is set under the lock that decided the
            // role (a wake-up given before the wait suspends ends it at once) and cleared by the
            // next locked section, or by the guard when the frame is destroyed without resuming.
            struct SignalScope {
                Exchange& x;
                bool armed = true;
                ~SignalScope() {
                    if (!armed) return;
                    std::lock_guard lock(x.conn_->mutex_);
                    x.signal_io_ = nullptr;
                }
            } scope{*this};
            e = co_await io.ready_or_signal(reader ? fd : -1, events, deadline);
            // Resumed: the next locked section below (or at the top of the loop) clears it.
            scope.armed = false;
        } else if (reader) {
            int which = 0;
            e = co_await io.ready_either(fd, events, wake_->fd(), POLLIN, deadline, which);
        } else {
            e = co_await io.ready(wake_->fd(), POLLIN, deadline);
        }
        if (reader) {
            io.forget_fd(fd);  // the next reader may be another request on the event loop
            std::lock_guard lock(c.mutex_);
            c.reader_ = nullptr;
            signal_io_ = nullptr;
            // Going on, this request pumps again and takes the socket back unless its stream is
            // done (then it wakes the waiters, above); leaving, it hands the socket over now.
            if (e) c.hand_off_locked();
        } else if (e) {
            std::lock_guard lock(c.mutex_);
            signal_io_ = nullptr;
            c.remove_waiting_locked(this);
            c.hand_off_locked();  // the wake-up it may have held was the hand-over
        }
        if (e) co_return e;
    }
}

}  // namespace winhttp::h2
