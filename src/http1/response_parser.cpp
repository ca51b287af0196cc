// HTTP/1.1 response parser on top of llhttp. How the pull API is built:
//
// Every callback that marks an event (head complete, a body piece, message complete) records it
// and returns HPE_PAUSED, so llhttp_execute() stops right there and llhttp_get_error_pos() tells
// how far it got; the next feed() resumes. A body piece is the span llhttp hands to on_body,
// which points into the caller's data, so nothing is copied. Responses without a body (HEAD, 1xx,
// 204, 304, 101) are never resumed after their head: we decide "no body" ourselves, because
// llhttp 8.1 would read a body for a 204/304 that carries a Content-Length, a 1xx with
// Transfer-Encoding, and would switch protocols for 101; reset() starts a fresh llhttp state.
#include "http1/response_parser.h"

#include <cstring>

// llhttp.h before winhttp.h: winhttp.h defines HTTP_STATUS_* macros that are enumerator names
// in llhttp.h.
#include <llhttp.h>
#include <winhttp.h>

#include <new>
#include <string>

namespace winhttp::http1 {

namespace {

// Stands in for a null data pointer: llhttp takes a null position to mean "no open span", which
// would silently drop a body span that is still open across feeds.
constexpr char kNoData[1] = {};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Strips spaces and tabs at both ends. llhttp already skips the blanks before a value but keeps
// those after it, and an obs-fold continuation line arrives with its leading blanks.
void trim_slow(std::string& s) {
    size_t end = s.size();
    while (end > 0 && is_blank(s[end - 1])) --end;
    size_t begin = 0;
    while (begin < end && is_blank(s[begin])) ++begin;
    if (begin > 0 || end < s.size()) s.assign(s, begin, end - begin);
}

// Most names and values have nothing to strip: two byte tests, no call.
inline void trim(std::string& s) {
    if (!s.empty() && (is_blank(s.front()) || is_blank(s.back()))) trim_slow(s);
}

}  // namespace

struct ResponseParser::Engine {
    llhttp_t ll{};

    static ResponseParser& self(llhttp_t* p) { return *static_cast<ResponseParser*>(p->data); }

    static int on_message_begin(llhttp_t* p) {
        self(p).phase_ = Phase::Head;
        return 0;
    }

    static int on_status(llhttp_t* p, const char* at, size_t len) {
        ResponseParser& r = self(p);
        if (int rc = r.count_field_bytes(at, len, false)) return rc;
        r.head_.reason.append(at, len);
        return 0;
    }

    static int on_header_field(llhttp_t* p, const char* at, size_t len) {
        ResponseParser& r = self(p);
        bool fresh = !r.in_name_;
        if (int rc = r.count_field_bytes(at, len, fresh)) return rc;
        if (fresh) {
            r.next_field();
            r.in_name_ = true;
        }
        r.current_field().name.append(at, len);
        return 0;
    }

    static int on_header_field_complete(llhttp_t* p) {
        ResponseParser& r = self(p);
        if (!r.in_name_) r.next_field();  // keep names and values paired even for an empty span
        r.in_name_ = false;
        trim(r.current_field().name);
        return 0;
    }

    static int on_header_value(llhttp_t* p, const char* at, size_t len) {
        ResponseParser& r = self(p);
        if (int rc = r.count_field_bytes(at, len, false)) return rc;
        if (r.fields_used_ == 0) return r.fail_in_callback(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
        // RFC 9110 §5.5: NUL in a field value must be rejected (or replaced); llhttp lets it by.
        if (std::memchr(at, '\0', len)) return r.fail_in_callback(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
        r.current_field().value.append(at, len);
        return 0;
    }

    static int on_header_value_complete(llhttp_t* p) {
        ResponseParser& r = self(p);
        if (r.fields_used_ > 0) trim(r.current_field().value);
        return 0;
    }

    static int on_headers_complete(llhttp_t* p) { return self(p).take_head(); }

    static int on_chunk_extension(llhttp_t* p, const char*, size_t len) {
        ResponseParser& r = self(p);
        r.ext_bytes_ += len;
        if (r.ext_bytes_ > r.limits_.max_chunk_ext_bytes)
            return r.fail_in_callback(ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW);
        return 0;
    }

    // Called once the chunk-size line (extensions included) is complete.
    static int on_chunk_header(llhttp_t* p) {
        ResponseParser& r = self(p);
        r.ext_bytes_ = 0;
        if (p->content_length == 0) {  // the last chunk: header callbacks now carry trailers
            r.fields_ = &r.head_.trailers;
            r.fields_used_ = 0;
            r.in_name_ = false;
        }
        return 0;
    }

    static int on_body(llhttp_t* p, const char* at, size_t len) {
        if (len == 0) return 0;  // llhttp flushes empty spans at buffer ends
        ResponseParser& r = self(p);
        // The end of a chunk's data: its CRLF is next (llhttp holds what is left of the chunk
        // in content_length). on_body pauses, so the next feed() starts with those two bytes.
        if (r.chunked_ && p->content_length == 0) r.crlf_due_ = 2;
        r.event_ = ParseEvent::Body;
        r.body_ = at;
        r.body_len_ = len;
        return HPE_PAUSED;
    }

    static int on_message_complete(llhttp_t* p) {
        ResponseParser& r = self(p);
        r.fields_->resize(r.fields_used_);
        r.phase_ = Phase::Done;
        r.event_ = ParseEvent::MessageComplete;
        return HPE_PAUSED;
    }

    static const llhttp_settings_t& settings() {
        static const llhttp_settings_t s = [] {
            llhttp_settings_t t;
            llhttp_settings_init(&t);
            t.on_message_begin = on_message_begin;
            t.on_status = on_status;
            t.on_header_field = on_header_field;
            t.on_header_field_complete = on_header_field_complete;
            t.on_header_value = on_header_value;
            t.on_header_value_complete = on_header_value_complete;
            t.on_headers_complete = on_headers_complete;
            t.on_chunk_extension_name = on_chunk_extension;
            t.on_chunk_extension_value = on_chunk_extension;
            t.on_chunk_header = on_chunk_header;
            t.on_body = on_body;
            t.on_message_complete = on_message_complete;
            return t;
        }();
        return s;
    }
};

// ---- Recycling between responses ------------------------------------------------------------
//
// A keep-alive request builds one parser per response (the header-size limit in force then
// applies), so each response used to allocate the llhttp state, the header vector as it grew
// (1, 2, 4, 8 entries) and every name or value longer than the short-string buffer: 8 of the 43
// allocations of a W1 request (issue 16). A parser that goes away now leaves those parts in its
// thread's spare slot (one per thread); the next parser made on that thread takes them, and
// next_field() reuses the strings with their capacity. Nothing of the old response is visible:
// reset() empties everything before the first byte is parsed.
//
// The slot is reached through a trivially destructible thread_local pointer (no guard on the
// hot path); a thread_local Teardown frees the spare parts at thread exit and points the slot
// at a sentinel that refuses parts, for parsers destroyed later in the thread's exit.
struct ResponseParser::Spare {
    std::unique_ptr<Engine> engine;
    ResponseHead head;
};

namespace {

// Not inside the Spare type: it only tells "this thread's slot is gone".
alignas(ResponseParser::Spare*) char g_dead_slot_tag;

}  // namespace

constinit thread_local ResponseParser::Spare* ResponseParser::t_spare = nullptr;

namespace {

struct SpareTeardown {
    ~SpareTeardown();
};
thread_local SpareTeardown t_spare_teardown;

}  // namespace

ResponseParser::Spare* ResponseParser::dead_spare() {
    return reinterpret_cast<Spare*>(&g_dead_slot_tag);
}

namespace {

SpareTeardown::~SpareTeardown() { ResponseParser::drop_thread_spare(); }

}  // namespace

void ResponseParser::drop_thread_spare() {
    Spare* s = t_spare;
    t_spare = dead_spare();
    if (s != nullptr && s != dead_spare()) delete s;
}

ResponseParser::ResponseParser(ParseLimits limits) : limits_(limits) {
    Spare* s = t_spare;
    if (s != nullptr && s != dead_spare() && s->engine) {
        engine_ = std::move(s->engine);
        head_ = std::move(s->head);  // moves the vector (and its strings), no copy
    } else {
        engine_ = std::make_unique<Engine>();
    }
    reset(false);
}

ResponseParser::~ResponseParser() {
    Spare* s = t_spare;
    if (s == dead_spare() || !engine_) return;
    if (s == nullptr) {
        s = new (std::nothrow) Spare;
        if (s == nullptr) return;
        ResponseParser::SpareTeardownArm();
        t_spare = s;
    }
    if (s->engine) return;  // the slot is taken: free ours normally
    s->engine = std::move(engine_);
    s->head.headers = std::move(head_.headers);
    s->head.trailers = std::move(head_.trailers);
    s->head.reason = std::move(head_.reason);
}

void ResponseParser::SpareTeardownArm() {
    // The first odr-use of t_spare_teardown constructs it, registering its destructor for
    // this thread's exit.
    SpareTeardown* volatile arm = &t_spare_teardown;
    (void)arm;
}

void ResponseParser::reset(bool head_request) {
    llhttp_t& ll = engine_->ll;
    llhttp_init(&ll, HTTP_RESPONSE, &Engine::settings());
    ll.data = this;
    // Lenient header values: accept LF-only line ends and control bytes inside values, as
    // WinHTTP tolerates sloppy servers. The smuggling checks this relaxes matter to servers and
    // proxies that forward messages; a client only reads its own response. Framing checks
    // (Content-Length, Transfer-Encoding, chunk syntax) stay strict.
    llhttp_set_lenient_headers(&ll, 1);

    head_.status = 0;
    head_.version_major = 1;
    head_.version_minor = 1;
    head_.reason.clear();
    head_.trailers.clear();
    fields_ = &head_.headers;  // entries stay allocated; next_field() recycles them
    fields_used_ = 0;
    in_name_ = false;

    phase_ = Phase::Idle;
    head_request_ = head_request;
    completion_pending_ = false;
    keep_alive_ = false;
    until_close_ = false;
    chunked_ = false;
    length_.reset();
    error_ = 0;
    callback_error_ = 0;
    event_ = ParseEvent::NeedMore;
    body_ = nullptr;
    body_len_ = 0;
    feed_start_ = nullptr;
    head_bytes_ = 0;
    trailer_bytes_ = 0;
    ext_bytes_ = 0;
    crlf_due_ = 0;
}

ParseStep ResponseParser::feed(const char* data, size_t len) {
    if (phase_ == Phase::Failed) return {ParseEvent::Error, 0, nullptr, 0, error_};
    if (completion_pending_) return complete_now();
    if (phase_ == Phase::Done) return {ParseEvent::MessageComplete, 0};
    if (data == nullptr) {
        if (len != 0) return fail(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);  // caller bug; stay safe
        data = kNoData;
    }
    if (!check_chunk_crlf(data, len)) return fail(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    return run(data, len);
}

// RFC 9112 §7.1: chunk-data is followed by CRLF. llhttp 8.1 built without LLHTTP_STRICT_MODE
// skips those two bytes unread, so "5\r\nhelloXX0\r\n\r\n" would pass as "hello": a framing
// that another reader of the same bytes (a proxy) may split differently. We check them here,
// before llhttp skips them; they may arrive one per feed().
bool ResponseParser::check_chunk_crlf(const char* data, size_t len) {
    for (size_t i = 0; crlf_due_ > 0 && i < len; ++i, --crlf_due_) {
        if (data[i] != (crlf_due_ == 2 ? '\r' : '\n')) return false;
    }
    return true;
}

// Closing the connection is the only end a read-until-close body has. For a Content-Length or
// chunked body that is cut short, WinHTTP documents ERROR_WINHTTP_CONNECTION_ERROR for
// WinHttpReadData ("the connection with the server has been reset or terminated"), so a
// truncated body is that, not a malformed response. A close before the head is complete is
// ERROR_WINHTTP_INVALID_SERVER_RESPONSE, as Microsoft KB 839872 describes for a server that
// FINs the connection before sending all the headers.
ParseStep ResponseParser::finish() {
    ParseStep step = feed(kNoData, 0);  // a message may complete without another byte
    if (step.event != ParseEvent::NeedMore) return step;
    if (phase_ == Phase::Body && until_close_) {
        phase_ = Phase::Done;
        return {ParseEvent::MessageComplete, 0};
    }
    if (phase_ == Phase::Body) return fail(ERROR_WINHTTP_CONNECTION_ERROR);
    return fail(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

// One llhttp_execute() over data; the callbacks leave the event they stopped at in event_.
ParseStep ResponseParser::run(const char* data, size_t len) {
    llhttp_t& ll = engine_->ll;
    bool was_in_head = phase_ == Phase::Idle || phase_ == Phase::Head;
    event_ = ParseEvent::NeedMore;
    feed_start_ = data;
    llhttp_resume(&ll);  // no-op unless the previous call stopped at an event
    llhttp_errno_t rc = llhttp_execute(&ll, data, len);
    if (rc != HPE_OK && rc != HPE_PAUSED) {
        return fail(callback_error_ != 0 ? callback_error_ : ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    }
    ParseStep step{event_, len};
    if (rc == HPE_PAUSED) step.consumed = static_cast<size_t>(llhttp_get_error_pos(&ll) - data);
    if (event_ == ParseEvent::Body) {
        step.body = body_;
        step.body_len = body_len_;
    }
    return was_in_head ? check_head_size(step) : step;
}

// The callbacks check the head size at every span they see; this catches the bytes between and
// after spans (line ends, the blank line), using the exact count llhttp consumed.
ParseStep ResponseParser::check_head_size(ParseStep step) {
    head_bytes_ += step.consumed;
    if (head_bytes_ > limits_.max_header_bytes) return fail(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW);
    return step;
}

// on_headers_complete: freezes the head and decides how the body is framed. Returns HPE_PAUSED
// (stop with HeadComplete) or -1 with callback_error_ set.
std::optional<uint64_t> ResponseParser::length_left() const {
    if (!length_ || phase_ != Phase::Body) return std::nullopt;
    return engine_->ll.content_length;  // llhttp counts a Content-Length body down
}

int ResponseParser::take_head() {
    const llhttp_t& ll = engine_->ll;
    head_.status = ll.status_code;
    if (head_.status < 100) return fail_in_callback(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    head_.version_major = ll.http_major;
    head_.version_minor = ll.http_minor;
    fields_->resize(fields_used_);  // drop entries recycled from an earlier, longer head

    bool no_body = head_request_ || head_.status / 100 == 1 || head_.status == 204 ||
                   head_.status == 304;
    chunked_ = !no_body && (ll.flags & F_CHUNKED) != 0;
    until_close_ = !no_body && llhttp_message_needs_eof(&ll) != 0;
    if (no_body) {
        length_ = 0;
    } else if (!chunked_ && !until_close_ && (ll.flags & F_CONTENT_LENGTH) != 0) {
        length_ = ll.content_length;
    }

    bool http11 = head_.version_major > 1 || (head_.version_major == 1 && head_.version_minor >= 1);
    bool close = (ll.flags & F_CONNECTION_CLOSE) != 0;
    bool keep = (ll.flags & F_CONNECTION_KEEP_ALIVE) != 0;
    keep_alive_ = !until_close_ && head_.status != 101 && (http11 ? !close : keep);

    phase_ = Phase::Body;
    completion_pending_ = no_body;
    event_ = ParseEvent::HeadComplete;
    return HPE_PAUSED;
}

// Size accounting for a span of the status line, a header or a trailer. In the head the exact
// wire position is known (the span lies in the current feed's data); trailers are estimated as
// "name: value\r\n". Returns 0, or -1 with callback_error_ set to
// ERROR_WINHTTP_HEADER_SIZE_OVERFLOW (head) or ..._CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW
// (trailers).
int ResponseParser::count_field_bytes(const char* at, size_t len, bool new_field) {
    if (phase_ == Phase::Body) {
        trailer_bytes_ += len + (new_field ? 4 : 0);
        if (trailer_bytes_ > limits_.max_header_bytes)
            return fail_in_callback(ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW);
        return 0;
    }
    size_t so_far = head_bytes_ + static_cast<size_t>(at + len - feed_start_);
    if (so_far > limits_.max_header_bytes) return fail_in_callback(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW);
    return 0;
}

int ResponseParser::fail_in_callback(DWORD error) {
    callback_error_ = error;
    return -1;
}

// The next entry of the list being filled, recycling a string pair left by an earlier response
// so that steady-state parsing does not allocate.
Header& ResponseParser::next_field() {
    if (fields_used_ < fields_->size()) {
        Header& h = (*fields_)[fields_used_++];
        h.name.clear();
        h.value.clear();
        return h;
    }
    ++fields_used_;
    return fields_->emplace_back();
}

ParseStep ResponseParser::fail(DWORD error) {
    fields_->resize(fields_used_);
    phase_ = Phase::Failed;
    error_ = error;
    return {ParseEvent::Error, 0, nullptr, 0, error};
}

ParseStep ResponseParser::complete_now() {
    completion_pending_ = false;
    phase_ = Phase::Done;
    return {ParseEvent::MessageComplete, 0};
}

}  // namespace winhttp::http1
