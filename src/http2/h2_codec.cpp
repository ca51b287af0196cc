#include "http2/h2_codec.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "util/wide.h"

namespace winhttp::h2 {

namespace {

// RFC 9113 8.2.2: connection-specific fields never go in an HTTP/2 request.
bool connection_specific(std::string_view name) {
    for (std::string_view n : {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                               "upgrade", "host"})
        if (iequals(name, n)) return true;
    return false;
}

nghttp2_nv nv(const std::string& name, const std::string& value) {
    // nghttp2 takes non-const pointers but does not write through them (NO_COPY flags unset).
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                      value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

// Free lists by power-of-two size class (32 bytes .. 4 KiB, the 16-byte header included) for
// nghttp2's allocations; larger ones go to malloc. nghttp2 frees without a size, so each block
// starts with its class. A class keeps at most kMaxFree blocks (the peak of a few hundred open
// streams); the rest go back to malloc.
struct MemPool {
    static constexpr size_t kHeader = 16;  // keeps malloc's 16-byte alignment
    static constexpr unsigned kMinShift = 5, kMaxShift = 12, kLarge = 0xff;
    static constexpr size_t kMaxFree = 2048;
    struct Free {
        Free* next;
    };
    Free* lists[kMaxShift + 1] = {};
    size_t counts[kMaxShift + 1] = {};

    MemPool() = default;
    MemPool(const MemPool&) = delete;
    MemPool& operator=(const MemPool&) = delete;
    ~MemPool() {
        for (Free*& f : lists)
            while (f) std::free(std::exchange(f, f->next));
    }

    static unsigned shift_for(size_t total) {  // total > 1
        return std::max(static_cast<unsigned>(std::bit_width(total - 1)), kMinShift);
    }
    static unsigned& cls(void* block) { return *static_cast<unsigned*>(block); }
    static void* user(void* block) { return static_cast<char*>(block) + kHeader; }
    static void* block_of(void* p) { return static_cast<char*>(p) - kHeader; }
    static size_t capacity(void* p) {
        const unsigned c = cls(block_of(p));
        return c == kLarge ? 0 : (size_t{1} << c) - kHeader;
    }

    void* alloc(size_t n) {
        const size_t total = n + kHeader;
        if (total > (size_t{1} << kMaxShift)) {
            void* b = std::malloc(total);
            if (!b) return nullptr;
            cls(b) = kLarge;
            return user(b);
        }
        const unsigned sh = shift_for(total);
        void* b;
        if (lists[sh]) {
            b = lists[sh];
            lists[sh] = lists[sh]->next;
            --counts[sh];
        } else {
            b = std::malloc(size_t{1} << sh);
            if (!b) return nullptr;
        }
        cls(b) = sh;
        return user(b);
    }
    void release(void* p) {
        if (!p) return;
        void* b = block_of(p);
        const unsigned sh = cls(b);
        if (sh == kLarge || counts[sh] >= kMaxFree) return std::free(b);
        auto* f = static_cast<Free*>(b);
        f->next = lists[sh];
        lists[sh] = f;
        ++counts[sh];
    }

    static void* m_malloc(size_t n, void* ud) { return static_cast<MemPool*>(ud)->alloc(n); }
    static void m_free(void* p, void* ud) { static_cast<MemPool*>(ud)->release(p); }
    static void* m_calloc(size_t k, size_t n, void* ud) {
        if (n && k > SIZE_MAX / n) return nullptr;
        void* p = static_cast<MemPool*>(ud)->alloc(k * n);
        if (p) std::memset(p, 0, k * n);
        return p;
    }
    static void* m_realloc(void* p, size_t n, void* ud) {
        auto* pool = static_cast<MemPool*>(ud);
        if (!p) return pool->alloc(n);
        if (n == 0) {
            pool->release(p);
            return nullptr;
        }
        void* b = block_of(p);
        if (cls(b) == kLarge) {
            void* nb = std::realloc(b, n + kHeader);
            return nb ? user(nb) : nullptr;
        }
        const size_t have = capacity(p);
        if (n <= have) return p;
        void* q = pool->alloc(n);
        if (!q) return nullptr;
        std::memcpy(q, p, have);
        pool->release(p);
        return q;
    }
};

struct Callbacks {
    static Codec& self(void* user) { return *static_cast<Codec*>(user); }

    static int on_begin_headers(nghttp2_session*, const nghttp2_frame*, void*) { return 0; }

    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                         size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                         void* user) {
        if (frame->hd.type != NGHTTP2_HEADERS) return 0;
        Stream* s = self(user).find(frame->hd.stream_id);
        if (!s) return 0;
        const std::string_view n(reinterpret_cast<const char*>(name), namelen);
        const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
        if (s->head_done) {  // a header block after the final one: trailers
            if (!n.empty() && n[0] != ':') s->head.trailers.push_back({std::string(n), std::string(v)});
            return 0;
        }
        s->head_bytes += namelen + valuelen + 4;
        if (s->head_bytes > self(user).settings_.max_header_bytes) {
            s->error = ERROR_WINHTTP_HEADER_SIZE_OVERFLOW;
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
        }
        if (n == ":status") {
            unsigned st = 0;
            for (char c : v) st = st * 10 + static_cast<unsigned>(c - '0');  // nghttp2 checked it
            s->head.status = st;
        } else if (!n.empty() && n[0] != ':') {
            // One allocation for a typical response's headers, not one per doubling.
            if (s->head.headers.capacity() == 0) s->head.headers.reserve(12);
            s->head.headers.push_back({std::string(n), std::string(v)});
            if (n == "content-length") {  // nghttp2 checked it is digits (RFC 9113 8.1.1)
                size_t len = 0;
                for (char c : v) len = len * 10 + static_cast<size_t>(c - '0');
                s->content_length = len;
            }
        }
        return 0;
    }

    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
        Codec& c = self(user);
        if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK) &&
            !c.settings_seen_) {
            c.settings_seen_ = true;
            for (Stream* s = c.streams_; s; s = s->next) c.resume(*s);
            return 0;
        }
        if (frame->hd.type == NGHTTP2_GOAWAY) {
            c.goaway_ = true;
            // HTTP_1_1_REQUIRED on the connection: every stream of it may go again over HTTP/1.1.
            if (frame->goaway.error_code == NGHTTP2_HTTP_1_1_REQUIRED)
                for (Stream* s = c.streams_; s; s = s->next) s->http11_required = true;
            // Streams above last_stream_id were not processed: they may go again (RFC 9113 6.8).
            for (Stream* s = c.streams_; s; s = s->next)
                if (s->id > frame->goaway.last_stream_id && !s->closed) s->refused = true;
            return 0;
        }
        Stream* s = c.find(frame->hd.stream_id);
        if (!s) return 0;
        if (frame->hd.type == NGHTTP2_HEADERS && !s->head_done) {
            if (s->head.status >= 200) {
                s->head_done = true;
            } else {  // 1xx: informational, dropped; the final block follows
                ++s->informational;
                s->interim.push_back(s->head.status);
                s->head.headers.clear();
                s->head_bytes = 0;
                s->content_length = 0;
            }
            c.notify(*s);
        }
        if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
            (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
            s->ended = true;
            c.notify(*s);
        }
        return 0;
    }

    static int on_data_chunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                             const uint8_t* data, size_t len, void* user) {
        Codec& c = self(user);
        // The connection window goes back at once; the stream's when the application reads.
        nghttp2_session_consume_connection(session, len);
        Stream* s = c.find(stream_id);
        if (!s) return 0;
        // The body arrives in pieces (a DATA frame split over reads): size the buffer once for
        // the announced length (bounded by the stream window), not once per doubling.
        if (s->data.capacity() < s->data.size() + len && s->content_length > s->data.size())
            s->data.reserve(std::min<size_t>(s->content_length, c.settings_.stream_window));
        s->data.append(reinterpret_cast<const char*>(data), len);
        c.notify(*s);
        return 0;
    }

    static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                               void* user) {
        Codec& c = self(user);
        Stream* s = c.find(stream_id);
        if (!s) return 0;
        c.unlink(*s);
        if (error_code == NGHTTP2_HTTP_1_1_REQUIRED) s->http11_required = true;
        if (error_code == NGHTTP2_NO_ERROR && s->ended) {
            c.finish(*s, ERROR_SUCCESS, false);
        } else {
            // REFUSED_STREAM: the server did not process it (RFC 9113 8.7).
            const bool refused = error_code == NGHTTP2_REFUSED_STREAM || s->refused;
            c.finish(*s, s->error ? s->error : ERROR_WINHTTP_CONNECTION_ERROR, refused);
        }
        return 0;
    }

    static ssize_t read_body(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t length,
                             uint32_t* flags, nghttp2_data_source* source, void* user) {
        (void)stream_id;
        auto* s = static_cast<Stream*>(source->ptr);
        if (!self(user).settings_seen_) {  // see Codec::settings_seen_
            s->deferred = true;
            return NGHTTP2_ERR_DEFERRED;
        }
        const size_t n = std::min(length, s->out.size());
        if (n) {
            std::memcpy(buf, s->out.data(), n);
            s->out.erase(0, n);
        }
        if (s->out.empty() && s->body_done) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        } else if (n == 0) {
            s->deferred = true;
            return NGHTTP2_ERR_DEFERRED;
        }
        if (n && s->notify) s->notify(s->notify_ctx);  // room for more body
        return static_cast<ssize_t>(n);
    }
};

Codec::Codec(const Settings& settings)
    : settings_(settings), buckets_(std::make_unique<Stream*[]>(kBuckets)) {
    nghttp2_session_callbacks* cb = nullptr;
    if (nghttp2_session_callbacks_new(&cb) != 0) return;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, Callbacks::on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, Callbacks::on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, Callbacks::on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, Callbacks::on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, Callbacks::on_stream_close);
    nghttp2_option* opt = nullptr;
    if (nghttp2_option_new(&opt) == 0) {
        nghttp2_option_set_no_auto_window_update(opt, 1);
        pool_ = std::make_unique<MemPool>();
        nghttp2_mem mem{pool_.get(), MemPool::m_malloc, MemPool::m_free, MemPool::m_calloc,
                        MemPool::m_realloc};
        if (nghttp2_session_client_new3(&session_, cb, this, opt, &mem) != 0) session_ = nullptr;
        nghttp2_option_del(opt);
    }
    nghttp2_session_callbacks_del(cb);
    if (!session_) return;
    const nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings_.stream_window},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(settings_.max_header_bytes)},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0]));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                          static_cast<int32_t>(settings_.connection_window));
}

Codec::~Codec() { nghttp2_session_del(session_); }

// Open streams by id: kBuckets chains through Stream::hnext (ids are consecutive odd numbers,
// so the streams open at once spread over the buckets). No allocation per stream.
Stream* Codec::find(int32_t id) {
    if (id <= 0) return nullptr;
    for (Stream* s = buckets_[bucket(id)]; s; s = s->hnext)
        if (s->id == id) return s;
    return nullptr;
}

void Codec::link(Stream& s) {
    s.prev = nullptr;
    s.next = streams_;
    if (streams_) streams_->prev = &s;
    streams_ = &s;
    Stream*& head = buckets_[bucket(s.id)];
    s.hnext = head;
    head = &s;
    s.registered = true;
    ++count_;
}

void Codec::unlink(Stream& s) {
    if (!s.registered) return;
    if (s.prev) s.prev->next = s.next;
    else streams_ = s.next;
    if (s.next) s.next->prev = s.prev;
    for (Stream** p = &buckets_[bucket(s.id)]; *p; p = &(*p)->hnext) {
        if (*p == &s) {
            *p = s.hnext;
            break;
        }
    }
    s.prev = s.next = s.hnext = nullptr;
    s.registered = false;
    --count_;
}

void Codec::finish(Stream& s, DWORD error, bool refused) {
    s.closed = true;
    if (error && !s.error) s.error = error;
    if (refused) s.refused = true;
    notify(s);
}

bool Codec::wants_io() const {
    return session_ && (nghttp2_session_want_read(session_) || nghttp2_session_want_write(session_));
}

DWORD Codec::submit(Stream& stream, const std::string& method, const std::string& authority,
                    const std::string& path, const http1::HeaderList& headers, bool has_body) {
    if (!accepting()) return ERROR_WINHTTP_CONNECTION_ERROR;
    static const std::string k_method = ":method", k_scheme = ":scheme",
                             k_authority = ":authority", k_path = ":path", https = "https";
    // RFC 9113 8.2.1: field names are lowercase. The lowered names go into names_ one after
    // the other (reserved first: the nva below points into it).
    size_t name_bytes = 0;
    for (const auto& h : headers) name_bytes += h.name.size();
    names_.clear();
    names_.reserve(name_bytes);
    nva_.clear();
    nva_.reserve(headers.size() + 4);
    nva_.push_back(nv(k_method, method));
    nva_.push_back(nv(k_scheme, https));
    nva_.push_back(nv(k_authority, authority));
    nva_.push_back(nv(k_path, path));
    for (const auto& h : headers) {
        if (connection_specific(h.name)) continue;
        const size_t at = names_.size();
        for (char c : h.name) names_.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
        const std::string_view name(names_.data() + at, h.name.size());
        // "TE: trailers" is the only TE allowed (RFC 9113 8.2.2).
        if (name == "te" && !iequals(h.value, "trailers")) {
            names_.resize(at);
            continue;
        }
        nva_.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(names_.data() + at),
                                  reinterpret_cast<uint8_t*>(const_cast<char*>(h.value.data())),
                                  h.name.size(), h.value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    stream.body_done = !has_body;
    nghttp2_data_provider prd{};
    prd.source.ptr = &stream;
    prd.read_callback = Callbacks::read_body;
    const int32_t id = nghttp2_submit_request(session_, nullptr, nva_.data(), nva_.size(),
                                              has_body ? &prd : nullptr, nullptr);
    if (id < 0) return id == NGHTTP2_ERR_NOMEM ? ERROR_NOT_ENOUGH_MEMORY : ERROR_WINHTTP_CONNECTION_ERROR;
    stream.id = id;
    link(stream);
    return ERROR_SUCCESS;
}

void Codec::resume(Stream& s) {
    if (s.closed || !s.deferred) return;
    s.deferred = false;
    nghttp2_session_resume_data(session_, s.id);
}

void Codec::cancel(Stream& s) {
    if (s.id > 0 && !s.closed && !broken_)
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s.id, NGHTTP2_CANCEL);
    s.notify = nullptr;
    s.notify_ctx = nullptr;
    unlink(s);
    s.closed = true;
}

void Codec::ping() {
    if (session_ && !broken_) nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
}

void Codec::consumed(Stream& s, size_t n) {
    if (n && !s.closed && !broken_) nghttp2_session_consume_stream(session_, s.id, n);
}

void Codec::take_body(Stream& s, std::string& out) {
    out.clear();
    out.swap(s.data);
    consumed(s, out.size());
}

bool Codec::feed(const char* data, size_t len) {
    if (broken_) return false;
    const ssize_t r =
        nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), len);
    if (r < 0) {
        fail_all(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
        return false;
    }
    return true;
}

void Codec::take_output(std::string& out) {
    if (!session_) return;
    for (;;) {
        const uint8_t* p = nullptr;
        const ssize_t n = nghttp2_session_mem_send(session_, &p);
        if (n <= 0) {
            if (n < 0) fail_all(ERROR_WINHTTP_CONNECTION_ERROR);
            return;
        }
        out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    }
}

void Codec::fail_all(DWORD error) {
    broken_ = true;
    while (Stream* s = streams_) {
        unlink(*s);
        // A stream with no answer at all may go again on a new connection.
        const bool unanswered = !s->head_done && s->head.status == 0 && s->data.empty();
        finish(*s, error, unanswered);
    }
}

}  // namespace winhttp::h2
