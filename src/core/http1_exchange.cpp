// The HTTP/1.1 exchange (core/http1_exchange.h, docs/design/http2.md "One exchange interface").
#include "core/http1_exchange.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "async/request_io.h"
#include "core/request.h"
#include "core/request_metrics.h"
#include "core/session.h"
#include "util/trace.h"

namespace winhttp {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
}  // namespace

namespace {

// InputBuffer's per-thread cache: one block of the usual size. Not under ASan, which should
// see a released buffer's memory freed (gcc and clang say so differently).
#if defined(__SANITIZE_ADDRESS__)
#define WINHTTP_INPUT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WINHTTP_INPUT_ASAN 1
#endif
#endif
#ifdef WINHTTP_INPUT_ASAN
constexpr bool kCacheBuffers = false;
#else
constexpr bool kCacheBuffers = true;
#endif

// The slot is a trivially destructible pointer (no guard on the hot path). A thread_local
// teardown, armed when the slot is first filled, frees the block at thread exit and leaves the
// slot pointing at a sentinel that refuses blocks, for buffers released later in the exit.
constinit thread_local char* t_spare = nullptr;
char g_dead_slot_tag;
char* dead_slot() { return &g_dead_slot_tag; }

struct SpareTeardown {
    ~SpareTeardown() {
        char* block = t_spare;
        t_spare = dead_slot();
        if (block && block != dead_slot()) delete[] block;
    }
};
thread_local SpareTeardown t_spare_teardown;

}  // namespace

void InputBuffer::release() noexcept {
    if (kCacheBuffers && mem && cap == kReadChunk && t_spare == nullptr) {
        // The first odr-use constructs the teardown on this thread (its destructor frees the slot).
        SpareTeardown* volatile arm = &t_spare_teardown;
        (void)arm;
        t_spare = mem.release();
    }
    mem.reset();
    cap = off = len = 0;
}

char* InputBuffer::prepare(size_t n) {
    if (off == len) off = len = 0;
    if (cap - len >= n) return mem.get() + len;
    if (cap == 0 && n <= kReadChunk && t_spare != nullptr && t_spare != dead_slot()) {
        mem.reset(std::exchange(t_spare, nullptr));
        cap = kReadChunk;
        return mem.get();
    }
    if (off > 0) {  // slide the unread tail to the front first
        std::memmove(mem.get(), mem.get() + off, len - off);
        len -= off;
        off = 0;
        if (cap - len >= n) return mem.get() + len;
    }
    const size_t new_cap = std::max(cap * 2, len + n);
    std::unique_ptr<char[]> bigger(new char[new_cap]);
    if (len) std::memcpy(bigger.get(), mem.get(), len);
    mem = std::move(bigger);
    cap = new_cap;
    return mem.get() + len;
}

void InputBuffer::append(const char* data, size_t n) {
    if (n == 0) return;
    std::memcpy(prepare(n), data, n);
    len += n;
}

Task<DWORD> write_all(RequestIo& io, net::Stream& s, const char* data, size_t len,
                      net::Deadline deadline) {
    while (len > 0) {
        const net::IoResult r = s.write_some(data, len);
        if (r.status == net::IoStatus::Done) {
            data += r.n;
            len -= r.n;
            continue;
        }
        if (r.status == net::IoStatus::Failed) co_return r.error;
        if (r.status == net::IoStatus::Closed) co_return ERROR_WINHTTP_CONNECTION_ERROR;
        const DWORD e = co_await io.ready(s.fd(), net::wait_events(r.status), deadline);
        if (e) co_return e;
    }
    co_return ERROR_SUCCESS;
}

namespace {

// Both receive_some: into dst (n set), or into the end of *in (in->len grown).
Task<DWORD> receive(Request& owner, RequestIo& io, net::Stream& s, char* dst, size_t cap,
                    size_t* n, net::Deadline deadline, InputBuffer* in) {
    if (n) *n = 0;
    if (in) dst = in->prepare(cap);
    if (owner.wants(WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE))
        owner.status(WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE, nullptr, 0, 0);
    for (;;) {
        const net::IoResult r = s.read_some(dst, cap);
        if (r.status == net::IoStatus::Done) {
            if (n) *n = r.n;
            if (in) in->len += r.n;
            DWORD got = static_cast<DWORD>(r.n);
            if (owner.wants(WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED))
                owner.status(WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED, &got, sizeof(got),
                             sizeof(got));
            co_return ERROR_SUCCESS;
        }
        if (r.status == net::IoStatus::Closed) co_return kPeerClosed;
        if (r.status == net::IoStatus::Failed) co_return r.error;
        const bool release = in && io.async() && in->unread() == 0;
        if (release) in->release();
        const DWORD e = co_await io.ready(s.fd(), net::wait_events(r.status), deadline);
        if (e) co_return e;
        if (release) dst = in->prepare(cap);
    }
}

}  // namespace

// Not coroutines themselves: the caller awaits receive()'s frame directly.
Task<DWORD> receive_some(Request& owner, RequestIo& io, net::Stream& s, char* dst, size_t cap,
                         size_t& n, net::Deadline deadline) {
    return receive(owner, io, s, dst, cap, &n, deadline, nullptr);
}

Task<DWORD> receive_some(Request& owner, RequestIo& io, net::Stream& s, InputBuffer& in,
                         net::Deadline deadline) {
    return receive(owner, io, s, nullptr, kReadChunk, nullptr, deadline, &in);
}

namespace {

// No getsockopt here: the figures are read when an application asks, or when the connection
// closes (net::TcpStatsCell).
void keep_stats(Connection& conn, RequestMetrics& metrics) {
    if (!conn.stats) conn.stats = std::make_shared<net::TcpStatsCell>(conn.socket.fd(), conn.opened);
    metrics.keep_tcp_stats(conn.stats);
}

}  // namespace

void close_connection(std::unique_ptr<Connection> conn, Request& owner, RequestIo& io,
                      RequestMetrics& metrics, bool notify) {
    if (!conn) return;
    const std::string key = conn->key;
    const bool open = notify && conn->connected;
    if (open) keep_stats(*conn, metrics);
    io.forget_fd(conn->socket.fd());
    if (open && trace::on()) trace::line("conn %p closed %s", owner.handle(), key.c_str());
    if (open && owner.wants(WINHTTP_CALLBACK_STATUS_CLOSING_CONNECTION))
        owner.status(WINHTTP_CALLBACK_STATUS_CLOSING_CONNECTION, nullptr, 0, 0);
    conn.reset();
    if (open && owner.wants(WINHTTP_CALLBACK_STATUS_CONNECTION_CLOSED))
        owner.status(WINHTTP_CALLBACK_STATUS_CONNECTION_CLOSED, nullptr, 0, 0);
    owner.session().pool().unreserve(key);
}

Http1Exchange::Http1Exchange(std::unique_ptr<Connection> conn, bool reused, Request& owner,
                             RequestIo& io, RequestMetrics& metrics)
    : owner_(owner), io_(io), metrics_(metrics), conn_(std::move(conn)), reused_(reused) {}

Http1Exchange::~Http1Exchange() { release(false); }

void Http1Exchange::release(bool notify) noexcept {
    close_connection(std::move(conn_), owner_, io_, metrics_, notify);
}

std::unique_ptr<Connection> Http1Exchange::take_connection() noexcept {
    if (conn_) io_.forget_fd(conn_->socket.fd());
    return std::move(conn_);
}

void Http1Exchange::status(DWORD code, const void* info, DWORD len, size_t bytes) {
    if (owner_.wants(code)) owner_.status(code, info, len, bytes);
}

net::Deadline Http1Exchange::receive_deadline() const {
    return net::Deadline::after_ms(owner_.settings().timeouts.receive);
}

const net::TlsStream* Http1Exchange::tls() const noexcept {
    return conn_ ? conn_->tls.get() : nullptr;
}

const http1::ResponseHead& Http1Exchange::head() const noexcept {
    return parser_ ? parser_->head() : http1::kNoResponse;
}

void Http1Exchange::keep_tcp_stats() { keep_stats(*conn_, metrics_); }

void Http1Exchange::take_answer(const std::string& raw, bool head_request) {
    in_.clear();
    in_.append(raw.data(), raw.size());
    head_request_ = head_request;
}

// A held connection (the next round of a handshake) sends again: it carried a request.
Task<DWORD> Http1Exchange::send(const OutgoingRequest& req, net::Deadline deadline, DWORD& sent) {
    in_.clear();
    ended_ = false;
    stale_ = false;
    reused_ = reused_ || sent_;
    sent_ = true;
    head_request_ = req.head.method == "HEAD";
    const DWORD e = co_await write_all(io_, conn_->stream(), req.wire.data(), req.wire.size(),
                                       deadline);
    // A pooled connection the server closed meanwhile: the engine sends again, once.
    stale_ = e == ERROR_WINHTTP_CONNECTION_ERROR && reused_;
    if (e) co_return e;
    if (trace::on(2))
        trace::head(owner_.handle(), '>', req.wire.substr(0, req.wire.size() - req.body.size()));
    sent = static_cast<DWORD>(req.wire.size());
    co_return ERROR_SUCCESS;
}

Task<DWORD> Http1Exchange::write(const char* data, size_t len, bool, net::Deadline deadline) {
    co_return co_await write_all(io_, conn_->stream(), data, len, deadline);
}

// Reads what the socket has (at least one byte) into in_. kPeerClosed on an orderly close.
Task<DWORD> Http1Exchange::fill_input(net::Deadline deadline) {
    return receive_some(owner_, io_, conn_->stream(), in_, deadline);
}

Task<DWORD> Http1Exchange::read_head(size_t& bytes, net::Deadline cap) {
    parser_.emplace(http1::ParseLimits{owner_.settings().max_response_header_size});
    parser_->reset(head_request_);
    ended_ = false;
    unsigned informational = 0;
    bool got_bytes = in_.unread() > 0;
    bytes = 0;
    for (;;) {
        if (in_.unread() > 0) {
            auto step = parser_->feed(in_.unread_data(), in_.unread());
            in_.off += step.consumed;
            bytes += step.consumed;
            if (step.event == http1::ParseEvent::Error) co_return step.error;
            if (step.event == http1::ParseEvent::HeadComplete) {
                const unsigned st = parser_->head().status;
                if (st >= 100 && st < 200 && st != 101) {
                    if (++informational > owner_.settings().max_status_continue)
                        co_return ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
                    DWORD code = st;
                    status(WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE, &code, sizeof(code),
                           sizeof(code));
                    continue;  // MessageComplete follows at once
                }
                co_return ERROR_SUCCESS;
            }
            if (step.event == http1::ParseEvent::MessageComplete)  // end of a 1xx
                parser_->reset(head_request_);
            if (step.event != http1::ParseEvent::NeedMore) continue;
        }
        const DWORD e = co_await fill_input(net::Deadline::earlier(receive_deadline(), cap));
        // A pooled connection the server closed before answering: refused(), the engine sends
        // the request again when it may.
        stale_ = !got_bytes && reused_ && (e == kPeerClosed || e == ERROR_WINHTTP_CONNECTION_ERROR);
        if (e == kPeerClosed) {
            auto step = parser_->finish();
            co_return step.event == http1::ParseEvent::Error ? step.error
                                                             : ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
        }
        if (e) co_return e;
        got_bytes = true;
    }
}

// The next piece of de-chunked body, or its end. Fails when the connection or the framing
// fails.
Task<DWORD> Http1Exchange::next_body(BodyPiece& piece) {
    piece = BodyPiece{};
    while (!ended_) {
        // Fed even with no bytes left: the end of a body is known without another byte.
        auto step = parser_->feed(in_.unread_data(), in_.unread());
        in_.off += step.consumed;
        switch (step.event) {
            case http1::ParseEvent::Error: co_return step.error;
            case http1::ParseEvent::Body:
                piece.data = step.body;
                piece.len = step.body_len;
                co_return ERROR_SUCCESS;
            case http1::ParseEvent::MessageComplete: ended_ = true; continue;
            default: break;
        }
        if (in_.unread() > 0) continue;
        if (!conn_) co_return ERROR_WINHTTP_CONNECTION_ERROR;  // let go of (not reachable now)
        const DWORD e = co_await fill_input(receive_deadline());
        if (e == kPeerClosed) {
            auto end = parser_->finish();
            if (end.event == http1::ParseEvent::Error) co_return end.error;
            ended_ = true;
            continue;
        }
        if (e) co_return e;
    }
    piece.ended = true;
    co_return ERROR_SUCCESS;
}

bool Http1Exchange::keeps_alive() const {
    return parser_ && parser_->keep_alive() && in_.unread() == 0;
}

bool Http1Exchange::ends_in_buffer() {
    if (!parser_) return false;
    while (!ended_) {
        auto step = parser_->feed(in_.unread_data(), in_.unread());
        in_.off += step.consumed;
        switch (step.event) {
            case http1::ParseEvent::Body: continue;
            case http1::ParseEvent::MessageComplete: ended_ = true; break;
            case http1::ParseEvent::NeedMore:
                if (in_.unread() > 0 && step.consumed > 0) continue;
                return false;
            default: return false;
        }
    }
    return true;
}

std::unique_ptr<Connection> Http1Exchange::take_upgraded(std::string& leftover) {
    leftover.assign(in_.unread_data(), in_.unread());
    leftover += conn_->pending;
    conn_->pending.clear();
    in_.clear();
    ended_ = true;
    return take_connection();
}

// --- identity-framed bodies ---------------------------------------------------------------------

// A body with identity framing (Content-Length or until close) needs no de-framing: when
// nothing is buffered, the socket reads straight into the caller's buffer and the parser only
// counts the bytes there. Saves a copy of every body byte on large downloads.
bool Http1Exchange::reads_direct() const {
    if (!conn_ || !parser_ || ended_ || in_.unread() != 0) return false;
    const http1::ResponseParser& p = *parser_;
    return !p.chunked() && (p.content_length().has_value() || p.body_until_close());
}

bool Http1Exchange::length_left_direct() const {
    if (!reads_direct()) return false;
    const auto left = parser_->length_left();
    return left && *left > 0;
}

bool Http1Exchange::body_ends_here() {
    if (parser_->feed(in_.unread_data(), 0).event != http1::ParseEvent::MessageComplete)
        return false;
    ended_ = true;
    return true;
}

Task<DWORD> Http1Exchange::read_direct(char* dst, size_t cap, size_t& got, bool& ended) {
    got = 0;
    ended = false;
    size_t n = 0;
    const DWORD e = co_await receive_some(owner_, io_, conn_->stream(), dst, cap, n,
                                          receive_deadline());
    if (e == kPeerClosed) {
        auto end = parser_->finish();
        if (end.event == http1::ParseEvent::Error) co_return end.error;
        ended = ended_ = true;
        co_return ERROR_SUCCESS;
    }
    if (e) co_return e;
    co_return take_direct(dst, n, got, ended);
}

DWORD Http1Exchange::take_direct(char* dst, size_t n, size_t& got, bool& ended) {
    got = 0;
    http1::ResponseParser& p = *parser_;
    size_t off = 0;
    bool complete = false;
    while (off < n && !complete) {
        auto step = p.feed(dst + off, n - off);
        off += step.consumed;
        if (step.event == http1::ParseEvent::Error) return step.error;
        if (step.event == http1::ParseEvent::Body) {
            if (step.body != dst + got) std::memmove(dst + got, step.body, step.body_len);
            got += step.body_len;
        } else if (step.event == http1::ParseEvent::MessageComplete) {
            complete = true;
        }
    }
    if (off < n) in_.append(dst + off, n - off);  // bytes beyond the body: the connection is
                                                   // not reused (keeps_alive)
    // The end of a Content-Length body is known without another byte. While the parser still
    // counts Content-Length bytes down (length_left() > 0) the body cannot be complete: no feed.
    if (!complete) {
        const auto left = p.length_left();
        complete = (!left || *left == 0) &&
                   p.feed(in_.unread_data(), 0).event == http1::ParseEvent::MessageComplete;
    }
    ended = ended_ = complete;
    return ERROR_SUCCESS;
}

Task<DWORD> Http1Exchange::peek_body(size_t& n, bool& ended) {
    n = 0;
    ended = false;
    if (body_ends_here()) {
        ended = true;
        co_return ERROR_SUCCESS;
    }
    net::Stream& s = conn_->stream();
    for (;;) {
        const net::IoResult r = s.peek_readable();
        if (r.status == net::IoStatus::Done) {
            n = r.n;
            if (const auto left = parser_->length_left()) n = std::min<uint64_t>(n, *left);
            co_return ERROR_SUCCESS;
        }
        if (r.status != net::IoStatus::WantRead && r.status != net::IoStatus::WantWrite)
            co_return ERROR_SUCCESS;
        const DWORD e = co_await io_.ready(s.fd(), net::wait_events(r.status), receive_deadline());
        if (e) co_return e;
    }
}

bool Http1Exchange::peek_now(uint64_t& n) {
    const net::IoResult r = conn_->stream().peek_readable();
    if (r.status != net::IoStatus::Done || r.n == 0) return false;
    n = std::min<uint64_t>(r.n, *parser_->length_left());
    return true;
}

// With the notifications receive_some makes.
bool Http1Exchange::read_now(char* dst, size_t cap, size_t& got, bool& ended, DWORD& error) {
    got = 0;
    ended = false;
    const net::IoResult r = conn_->stream().read_some(dst, cap);
    if (r.status != net::IoStatus::Done) return false;
    status(WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE);
    DWORD n = static_cast<DWORD>(r.n);
    status(WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED, &n, sizeof(n), sizeof(n));
    error = take_direct(dst, r.n, got, ended);
    return true;
}

}  // namespace winhttp
