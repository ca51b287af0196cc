#include "http2/h2_codec.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
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

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

nghttp2_nv nv(const std::string& name, const std::string& value) {
    // nghttp2 takes non-const pointers but does not write through them (NO_COPY flags unset).
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                      value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

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
            s->head.headers.push_back({std::string(n), std::string(v)});
        }
        return 0;
    }

    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
        Codec& c = self(user);
        if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK) &&
            !c.settings_seen_) {
            c.settings_seen_ = true;
            for (auto& [id, s] : c.streams_) c.resume(*s);
            return 0;
        }
        if (frame->hd.type == NGHTTP2_GOAWAY) {
            c.goaway_ = true;
            // HTTP_1_1_REQUIRED on the connection: every stream of it may go again over HTTP/1.1.
            if (frame->goaway.error_code == NGHTTP2_HTTP_1_1_REQUIRED)
                for (auto& [id, s] : c.streams_) s->http11_required = true;
            // Streams above last_stream_id were not processed: they may go again (RFC 9113 6.8).
            for (auto& [id, s] : c.streams_)
                if (id > frame->goaway.last_stream_id && !s->closed) s->refused = true;
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
        s->data.append(reinterpret_cast<const char*>(data), len);
        c.notify(*s);
        return 0;
    }

    static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                               void* user) {
        Codec& c = self(user);
        auto it = c.streams_.find(stream_id);
        if (it == c.streams_.end()) return 0;
        std::shared_ptr<Stream> s = it->second;
        c.streams_.erase(it);
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

Codec::Codec(const Settings& settings) : settings_(settings) {
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
        if (nghttp2_session_client_new2(&session_, cb, this, opt) != 0) session_ = nullptr;
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

Stream* Codec::find(int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
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

DWORD Codec::submit(std::shared_ptr<Stream> stream, const std::string& method,
                    const std::string& authority, const std::string& path,
                    const http1::HeaderList& headers, bool has_body) {
    if (!accepting()) return ERROR_WINHTTP_CONNECTION_ERROR;
    const std::string k_method = ":method", k_scheme = ":scheme", k_authority = ":authority",
                      k_path = ":path", https = "https";
    std::vector<std::string> names;
    names.reserve(headers.size());
    std::vector<nghttp2_nv> nva;
    nva.reserve(headers.size() + 4);
    nva.push_back(nv(k_method, method));
    nva.push_back(nv(k_scheme, https));
    nva.push_back(nv(k_authority, authority));
    nva.push_back(nv(k_path, path));
    for (const auto& h : headers) {
        if (connection_specific(h.name)) continue;
        names.push_back(lower(h.name));  // RFC 9113 8.2.1: field names are lowercase
    }
    size_t i = 0;
    for (const auto& h : headers) {
        if (connection_specific(h.name)) continue;
        // "TE: trailers" is the only TE allowed (RFC 9113 8.2.2).
        if (names[i] == "te" && !iequals(h.value, "trailers")) {
            ++i;
            continue;
        }
        nva.push_back(nv(names[i++], h.value));
    }
    stream->body_done = !has_body;
    nghttp2_data_provider prd{};
    prd.source.ptr = stream.get();
    prd.read_callback = Callbacks::read_body;
    const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                              has_body ? &prd : nullptr, nullptr);
    if (id < 0) return id == NGHTTP2_ERR_NOMEM ? ERROR_NOT_ENOUGH_MEMORY : ERROR_WINHTTP_CONNECTION_ERROR;
    stream->id = id;
    streams_[id] = std::move(stream);
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
    streams_.erase(s.id);
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
    auto streams = std::move(streams_);
    streams_.clear();
    for (auto& [id, s] : streams) {
        // A stream with no answer at all may go again on a new connection.
        const bool unanswered = !s->head_done && s->head.status == 0 && s->data.empty();
        finish(*s, error, unanswered);
    }
}

}  // namespace winhttp::h2
