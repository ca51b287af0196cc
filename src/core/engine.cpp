#include "core/engine.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/cookies.h"
#include "http1/content_decoder.h"
#include "http1/response_parser.h"
#include "core/request.h"
#include "http1/header_store.h"
#include "http1/request_writer.h"
#include "util/url.h"
#include "util/wide.h"

namespace winhttp {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Internal status of fill_input: the peer closed the connection (never leaves the engine).
constexpr DWORD kPeerClosed = 0xE0F00001u;

bool is_redirect(unsigned status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

const std::string* find_header(const http1::HeaderList& list, std::string_view name) {
    for (const auto& h : list)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

void remove_header(http1::HeaderList& list, std::string_view name) {
    std::erase_if(list, [&](const http1::Header& h) { return iequals(h.name, name); });
}

std::string host_for_header(const std::string& host, unsigned short port, bool secure) {
    std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != (secure ? 443 : 80)) out += ":" + std::to_string(port);
    return out;
}

}  // namespace

struct RequestEngine::Codecs {
    // Built per response so the header-size limit in force at receive time applies.
    std::optional<http1::ResponseParser> parser;
    http1::ContentDecoder decoder;
    http1::ResponseHead no_response;
    http1::ResponseParser& p() { return *parser; }
    const http1::ResponseHead& head() const { return parser ? parser->head() : no_response; }
};

RequestEngine::RequestEngine(Request& owner) : owner_(owner), codecs_(std::make_unique<Codecs>()) {
    secure_ = owner.secure();
    std::wstring host = owner.connect().host();
    if (host.size() > 2 && host.front() == L'[' && host.back() == L']')
        host = host.substr(1, host.size() - 2);
    host_ = to_utf8(host);
    port_ = owner.connect().port();
    if (port_ == INTERNET_DEFAULT_PORT) port_ = secure_ ? 443 : 80;
    method_ = owner.verb();
    target_ = owner.target();
    // Accept and Referer become request headers at open time (visible to QueryHeaders).
    std::string accept;
    for (const auto& t : owner.accept_types()) {
        if (!accept.empty()) accept += ", ";
        accept += to_utf8(t);
    }
    if (!accept.empty()) app_headers_.push_back({"Accept", accept});
    if (!owner.referrer().empty()) app_headers_.push_back({"Referer", to_utf8(owner.referrer())});
}

RequestEngine::~RequestEngine() { drop_connection(); }

void RequestEngine::cancel() noexcept {
    cancelled_.store(true, std::memory_order_release);
    cancel_.signal();
}

net::Deadline RequestEngine::receive_deadline() const {
    return net::Deadline::after_ms(owner_.settings().timeouts.receive);
}

net::Deadline RequestEngine::send_deadline() const {
    return net::Deadline::after_ms(owner_.settings().timeouts.send);
}

std::wstring RequestEngine::url() const {
    std::string u = secure_ ? "https://" : "http://";
    u += host_for_header(host_, port_, secure_);
    u += target_;
    return from_utf8(u);
}

bool RequestEngine::connection_info(WINHTTP_CONNECTION_INFO& info) const {
    if (!have_addresses_) return false;
    info.LocalAddress = local_;
    info.RemoteAddress = remote_;
    return true;
}

// --- headers ---------------------------------------------------------------------------------

DWORD RequestEngine::add_headers(std::string_view headers, DWORD modifiers) {
    return http1::add_request_headers(app_headers_, headers, modifiers);
}

DWORD RequestEngine::add_headers_ex(DWORD modifiers, ULONGLONG flags, ULONGLONG reserved,
                                    DWORD count, WINHTTP_EXTENDED_HEADER* headers) {
    return http1::add_request_headers_ex(app_headers_, modifiers, flags, reserved, count, headers);
}

DWORD RequestEngine::query_headers(DWORD level, const WCHAR* name, void* buffer, DWORD* len,
                                   DWORD* index) {
    http1::RequestHead pending;
    const http1::RequestHead* req = &sent_head_;
    if (state_ == State::Created) {
        pending.method = method_;
        pending.target = target_;
        pending.headers = app_headers_;
        req = &pending;
    }
    const bool want_request = (level & WINHTTP_QUERY_FLAG_REQUEST_HEADERS) != 0;
    if (!want_request && state_ != State::HeadersAvailable && state_ != State::BodyDone)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    http1::QuerySource src{&codecs_->head(), req};
    return http1::query_headers(src, level, name, buffer, len, index);
}

DWORD RequestEngine::query_headers_ex(DWORD level, ULONGLONG flags, UINT codepage, DWORD* index,
                                      WINHTTP_HEADER_NAME* name, void* buffer, DWORD* len,
                                      WINHTTP_EXTENDED_HEADER** headers, DWORD* count) {
    const bool want_request = (level & WINHTTP_QUERY_FLAG_REQUEST_HEADERS) != 0;
    if (!want_request && state_ != State::HeadersAvailable && state_ != State::BodyDone)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    http1::RequestHead pending;
    const http1::RequestHead* req = &sent_head_;
    if (state_ == State::Created) {
        pending.method = method_;
        pending.target = target_;
        pending.headers = app_headers_;
        req = &pending;
    }
    http1::QuerySource src{&codecs_->head(), req};
    return http1::query_headers_ex(src, level, flags, codepage, index, name, buffer, len, headers,
                                   count);
}

// --- sending ---------------------------------------------------------------------------------

DWORD RequestEngine::send(std::string_view extra_headers, const void* optional,
                          DWORD optional_len, DWORD total_len) {
    if (!extra_headers.empty()) {
        if (DWORD e = add_headers(extra_headers, WINHTTP_ADDREQ_FLAG_ADD | WINHTTP_ADDREQ_FLAG_REPLACE))
            return e;
    }
    // A new request on the same handle: whatever is left of the previous response goes.
    if (state_ != State::Created && conn_) drop_connection();
    optional_.assign(static_cast<const char*>(optional), optional ? optional_len : 0);
    total_len_ = std::max(total_len, optional_len);
    const std::string* te = find_header(app_headers_, "Transfer-Encoding");
    app_chunked_ = te && iequals(*te, "chunked");
    body_streamed_ = false;
    redirects_ = 0;
    state_ = State::Failed;
    if (DWORD e = transmit_request()) return e;
    body_left_to_write_ = total_len_ - optional_.size();
    state_ = (body_left_to_write_ > 0 || app_chunked_) ? State::AwaitingWrite : State::Sent;
    return ERROR_SUCCESS;
}

void RequestEngine::build_head(http1::RequestHead& head, DWORD content_length, bool has_length) {
    const Settings& s = owner_.settings();
    head.method = method_;
    head.target = target_;
    head.version = owner_.version();
    head.headers.clear();
    const bool keep_alive = !(s.disabled_features & WINHTTP_DISABLE_KEEP_ALIVE);
    if (!find_header(app_headers_, "Connection"))
        head.headers.push_back({"Connection", keep_alive ? "Keep-Alive" : "Close"});
    for (const auto& h : app_headers_) head.headers.push_back(h);
    // WinHttpOpenRequest page: WINHTTP_FLAG_REFRESH adds "Pragma: no-cache", and for an HTTP/1.1
    // request "Cache-Control: no-cache".
    if (owner_.open_flags() & WINHTTP_FLAG_REFRESH) {
        if (!find_header(app_headers_, "Pragma")) head.headers.push_back({"Pragma", "no-cache"});
        if (head.version == "HTTP/1.1" && !find_header(app_headers_, "Cache-Control"))
            head.headers.push_back({"Cache-Control", "no-cache"});
    }
    const std::wstring& agent = owner_.session().agent();
    if (!agent.empty() && !find_header(app_headers_, "User-Agent"))
        head.headers.push_back({"User-Agent", to_utf8(agent)});
    if (s.decompression && !find_header(app_headers_, "Accept-Encoding")) {
        const DWORD d = s.decompression;
        head.headers.push_back({"Accept-Encoding", d == WINHTTP_DECOMPRESSION_FLAG_ALL ? "gzip, deflate"
                                                   : d == WINHTTP_DECOMPRESSION_FLAG_GZIP ? "gzip"
                                                                                          : "deflate"});
    }
    if (!(s.disabled_features & WINHTTP_DISABLE_COOKIES)) {
        std::string c = owner_.session().cookies().header_for(host_, target_, secure_);
        if (!c.empty()) head.headers.push_back({"Cookie", std::move(c)});
    }
    if (has_length && !app_chunked_ && !find_header(app_headers_, "Content-Length"))
        head.headers.push_back({"Content-Length", std::to_string(content_length)});
    if (!find_header(app_headers_, "Host"))
        head.headers.push_back({"Host", host_for_header(host_, port_, secure_)});
}

DWORD RequestEngine::connect_fresh(const std::string& host, unsigned short port) {
    std::vector<net::Address> addrs;
    if (DWORD e = net::resolve(host, port, addrs)) return e;
    const DWORD timeout = owner_.settings().timeouts.connect;
    DWORD err = ERROR_WINHTTP_CANNOT_CONNECT;
    for (const auto& a : addrs) {
        if (cancelled_.load()) return ERROR_WINHTTP_OPERATION_CANCELLED;
        err = conn_->socket.connect(a, net::Deadline::after_ms(timeout), &cancel_);
        if (err == ERROR_SUCCESS || err == ERROR_WINHTTP_OPERATION_CANCELLED) return err;
    }
    return err;
}

DWORD RequestEngine::open_connection() {
    Session& session = owner_.session();
    const std::string key = ConnectionPool::make_key(secure_, host_, port_, session.proxy());
    if (secure_) return ERROR_WINHTTP_SECURE_FAILURE;  // TLS arrives with the HTTPS issue
    conn_reused_ = false;
    if (!(owner_.settings().disabled_features & WINHTTP_DISABLE_KEEP_ALIVE)) {
        conn_ = session.pool().take_idle(key);
        conn_reused_ = conn_ != nullptr;
    }
    if (!conn_) {
        const DWORD limit = session.max_conns_per_server;
        const auto deadline = net::Deadline::after_ms(owner_.settings().timeouts.connect);
        if (DWORD e = session.pool().reserve(key, limit, deadline)) return e;
        conn_ = std::make_unique<Connection>();
        conn_->key = key;
        if (DWORD e = connect_fresh(host_, port_)) {
            drop_connection();
            return e;
        }
    }
    have_addresses_ = conn_->socket.local_address(local_) && conn_->socket.remote_address(remote_);
    return ERROR_SUCCESS;
}

// Sends head + optional body on a pooled or new connection; a pooled connection the server
// closed meanwhile is replaced once.
DWORD RequestEngine::transmit_request() {
    in_.clear();
    in_off_ = 0;
    body_left_ = 0;
    message_done_ = false;
    decoding_ = false;
    decoded_.clear();
    decoded_off_ = 0;
    const bool bodyless = method_ == "GET" || method_ == "HEAD";
    const bool has_length = total_len_ > 0 || !bodyless;
    build_head(sent_head_, total_len_, has_length);
    std::string wire;
    http1::serialize_request(sent_head_, wire);
    wire += optional_;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (DWORD e = open_connection()) return e;
        DWORD e = conn_->socket.write_all(wire.data(), wire.size(), send_deadline(), &cancel_);
        if (e == ERROR_SUCCESS) return ERROR_SUCCESS;
        const bool retry = conn_reused_ && e == ERROR_WINHTTP_CONNECTION_ERROR;
        drop_connection();
        if (!retry) return e;
    }
    return ERROR_WINHTTP_CONNECTION_ERROR;
}

DWORD RequestEngine::write(const void* data, DWORD len, DWORD* written) {
    if (state_ != State::AwaitingWrite || !conn_) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    if (!app_chunked_ && len > body_left_to_write_) return ERROR_INVALID_PARAMETER;
    body_streamed_ = true;
    if (DWORD e = conn_->socket.write_all(static_cast<const char*>(data), len, send_deadline(),
                                          &cancel_)) {
        state_ = State::Failed;
        drop_connection();
        return e;
    }
    if (written) *written = len;
    if (!app_chunked_) {
        body_left_to_write_ -= len;
        if (body_left_to_write_ == 0) state_ = State::Sent;
    }
    return ERROR_SUCCESS;
}

// --- receiving -------------------------------------------------------------------------------

DWORD RequestEngine::fill_input(const net::Deadline& deadline) {
    if (in_off_ == in_.size()) {
        in_.clear();
        in_off_ = 0;
    }
    const size_t old = in_.size();
    in_.resize(old + kReadChunk);
    size_t n = 0;
    DWORD e = conn_->socket.read_some(in_.data() + old, kReadChunk, n, deadline, &cancel_);
    in_.resize(old + n);
    if (e) return e;
    return n == 0 ? kPeerClosed : ERROR_SUCCESS;
}

DWORD RequestEngine::read_head() {
    codecs_->parser.emplace(http1::ParseLimits{owner_.settings().max_response_header_size});
    codecs_->p().reset(method_ == "HEAD");
    unsigned informational = 0;
    bool got_bytes = !in_.empty();
    for (;;) {
        if (in_off_ < in_.size()) {
            auto step = codecs_->p().feed(in_.data() + in_off_, in_.size() - in_off_);
            in_off_ += step.consumed;
            if (step.event == http1::ParseEvent::Error) return step.error;
            if (step.event == http1::ParseEvent::HeadComplete) {
                const unsigned st = codecs_->p().head().status;
                if (st >= 100 && st < 200 && st != 101) {
                    if (++informational > owner_.settings().max_status_continue)
                        return ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
                    DWORD code = st;
                    owner_.notify(WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE, &code, sizeof(code));
                    continue;  // MessageComplete follows at once
                }
                return ERROR_SUCCESS;
            }
            if (step.event == http1::ParseEvent::MessageComplete) {  // end of a 1xx
                codecs_->p().reset(method_ == "HEAD");
            }
            if (step.event != http1::ParseEvent::NeedMore) continue;
        }
        auto deadline = receive_deadline();
        if (!head_deadline_.infinite && (deadline.infinite || head_deadline_.at < deadline.at))
            deadline = head_deadline_;
        DWORD e = fill_input(deadline);
        if (e == kPeerClosed) {
            // A pooled connection the server closed before answering: retry once, fresh.
            if (!got_bytes && conn_reused_ && !body_streamed_) return ERROR_WINHTTP_RESEND_REQUEST;
            auto step = codecs_->p().finish();
            return step.event == http1::ParseEvent::Error ? step.error
                                                          : ERROR_WINHTTP_INVALID_SERVER_RESPONSE;
        }
        if (e == ERROR_WINHTTP_CONNECTION_ERROR && !got_bytes && conn_reused_ && !body_streamed_)
            return ERROR_WINHTTP_RESEND_REQUEST;
        if (e) return e;
        got_bytes = true;
    }
}

DWORD RequestEngine::receive_response() {
    if (state_ == State::AwaitingWrite && !app_chunked_) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    if (state_ != State::Sent && state_ != State::AwaitingWrite)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    state_ = State::Failed;
    for (;;) {
        head_deadline_ = net::Deadline::after_ms(owner_.settings().timeouts.receive_response);
        DWORD e = read_head();
        if (e == ERROR_WINHTTP_RESEND_REQUEST) {
            drop_connection();
            conn_reused_ = false;
            if ((e = transmit_request())) return e;
            continue;
        }
        if (e) {
            drop_connection();
            return e;
        }
        store_cookies();
        bool followed = false;
        if ((e = follow_redirect(followed))) {
            drop_connection();
            return e;
        }
        if (!followed) break;
    }
    state_ = State::HeadersAvailable;
    const Settings& s = owner_.settings();
    if (s.decompression) {
        const std::string* ce = find_header(codecs_->p().head().headers, "Content-Encoding");
        auto coding = ce ? http1::ContentDecoder::from_header(*ce) : http1::ContentDecoder::Coding::Identity;
        const bool wanted = (coding == http1::ContentDecoder::Coding::Gzip &&
                             (s.decompression & WINHTTP_DECOMPRESSION_FLAG_GZIP)) ||
                            (coding == http1::ContentDecoder::Coding::Deflate &&
                             (s.decompression & WINHTTP_DECOMPRESSION_FLAG_DEFLATE));
        if (wanted) {
            if (DWORD err = codecs_->decoder.init(coding)) return err;
            decoding_ = true;
        }
    }
    return ERROR_SUCCESS;
}

void RequestEngine::store_cookies() {
    if (owner_.settings().disabled_features & WINHTTP_DISABLE_COOKIES) return;
    for (const auto& h : codecs_->p().head().headers)
        if (iequals(h.name, "Set-Cookie"))
            owner_.session().cookies().store(h.value, host_, target_);
}

DWORD RequestEngine::follow_redirect(bool& followed) {
    followed = false;
    const Settings& s = owner_.settings();
    const unsigned status = codecs_->p().head().status;
    if (!is_redirect(status) || (s.disabled_features & WINHTTP_DISABLE_REDIRECTS) ||
        s.redirect_policy == WINHTTP_OPTION_REDIRECT_POLICY_NEVER)
        return ERROR_SUCCESS;
    const std::string* location = find_header(codecs_->p().head().headers, "Location");
    if (!location) return ERROR_SUCCESS;  // handed to the app as is
    const bool keep_method = status == 307 || status == 308;
    if (keep_method && body_streamed_) return ERROR_SUCCESS;  // body cannot be sent again
    ParsedUrl base;
    if (crack_url(url(), base)) return ERROR_SUCCESS;
    ParsedUrl next;
    if (crack_url(resolve_reference(base, from_utf8(*location)), next))
        return ERROR_WINHTTP_REDIRECT_FAILED;
    const bool to_secure = next.scheme == INTERNET_SCHEME_HTTPS;
    if (secure_ && !to_secure &&
        s.redirect_policy == WINHTTP_OPTION_REDIRECT_POLICY_DISALLOW_HTTPS_TO_HTTP)
        return ERROR_SUCCESS;
    if (++redirects_ > s.max_redirects) return ERROR_WINHTTP_REDIRECT_FAILED;

    drain_body();
    std::wstring new_url = resolve_reference(base, from_utf8(*location));
    owner_.notify(WINHTTP_CALLBACK_STATUS_REDIRECT, new_url.data(),
                  static_cast<DWORD>(new_url.size()));
    std::wstring host = next.host;
    if (host.size() > 2 && host.front() == L'[') host = host.substr(1, host.size() - 2);
    const std::string new_host = to_utf8(host);
    if (!iequals(new_host, host_) || next.port != port_ || to_secure != secure_) {
        remove_header(app_headers_, "Authorization");  // never forward credentials
        drop_connection();
    }
    secure_ = to_secure;
    host_ = new_host;
    port_ = next.port;
    target_ = to_utf8(next.path.empty() ? L"/" : next.path);
    const auto hash = next.extra.find(L'#');
    target_ += to_utf8(next.extra.substr(0, hash));
    if (!keep_method && (status == 303 ? method_ != "HEAD" : method_ == "POST")) {
        method_ = "GET";
        optional_.clear();
        total_len_ = 0;
        remove_header(app_headers_, "Content-Type");
        remove_header(app_headers_, "Content-Length");
    }
    if (DWORD e = transmit_request()) return e;
    followed = true;
    return ERROR_SUCCESS;
}

// Reads the rest of a body we won't deliver, keeping the connection when it is small enough.
DWORD RequestEngine::drain_body() {
    uint64_t drained = 0;
    const uint64_t limit = owner_.settings().max_response_drain_size;
    while (conn_ && !message_done_) {
        if (next_body_piece()) {
            drop_connection();
            return ERROR_SUCCESS;
        }
        drained += body_left_;
        body_left_ = 0;
        if (drained > limit) drop_connection();
    }
    return ERROR_SUCCESS;
}

// Makes the next piece of de-chunked body available in body_ptr_/body_left_, or marks the
// message done. Returns an error when the connection or the framing fails.
DWORD RequestEngine::next_body_piece() {
    while (body_left_ == 0 && !message_done_) {
        // Fed even with no bytes left: the end of a body is known without another byte.
        auto step = codecs_->p().feed(in_.data() + in_off_, in_.size() - in_off_);
        in_off_ += step.consumed;
        switch (step.event) {
            case http1::ParseEvent::Error: return step.error;
            case http1::ParseEvent::Body:
                body_ptr_ = step.body;
                body_left_ = step.body_len;
                continue;
            case http1::ParseEvent::MessageComplete: finish_message(); continue;
            default: break;
        }
        if (in_off_ < in_.size()) continue;
        DWORD e = fill_input(receive_deadline());
        if (e == kPeerClosed) {
            auto end = codecs_->p().finish();
            if (end.event == http1::ParseEvent::Error) return end.error;
            finish_message();
            continue;
        }
        if (e) return e;
    }
    return ERROR_SUCCESS;
}

// The response ended: hand a clean keep-alive connection back to the pool.
void RequestEngine::finish_message() {
    message_done_ = true;
    if (!conn_) return;
    const bool reusable = codecs_->p().keep_alive() && in_off_ == in_.size() &&
                          !(owner_.settings().disabled_features & WINHTTP_DISABLE_KEEP_ALIVE);
    if (!reusable) {
        drop_connection();
        return;
    }
    ++conn_->requests;
    owner_.session().pool().give_back(std::move(conn_));
}

void RequestEngine::drop_connection() {
    if (!conn_) return;
    const std::string key = conn_->key;
    conn_.reset();
    owner_.session().pool().unreserve(key);
}

DWORD RequestEngine::decode_more() {
    while (decoded_off_ == decoded_.size()) {
        if (DWORD e = next_body_piece()) return e;
        decoded_.resize(kReadChunk);
        decoded_off_ = 0;
        size_t produced = 0;
        bool done = false;
        const char* in = body_ptr_;
        size_t in_len = body_left_;
        if (message_done_ && body_left_ == 0) {
            decoded_.clear();
            return codecs_->decoder.finish();
        }
        if (DWORD e = codecs_->decoder.decode(in, in_len, decoded_.data(), decoded_.size(), produced, done))
            return e;
        body_ptr_ = in;
        body_left_ = in_len;
        decoded_.resize(produced);
        if (done && produced == 0) {
            // Trailing bytes after the compressed stream are ignored.
            body_left_ = 0;
            if (!message_done_) drain_body();
            return ERROR_SUCCESS;
        }
    }
    return ERROR_SUCCESS;
}

DWORD RequestEngine::query_data_available(DWORD* available) {
    if (state_ != State::HeadersAvailable && state_ != State::BodyDone)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    DWORD e;
    size_t n;
    if (decoding_) {
        e = decode_more();
        n = decoded_.size() - decoded_off_;
    } else {
        e = next_body_piece();
        n = body_left_;
    }
    if (e) {
        state_ = State::Failed;
        drop_connection();
        return e;
    }
    if (n == 0) state_ = State::BodyDone;
    if (available) *available = static_cast<DWORD>(std::min<size_t>(n, 0xFFFFFFFFu));
    return ERROR_SUCCESS;
}

DWORD RequestEngine::read(void* buffer, DWORD len, DWORD* read, bool fill_buffer) {
    if (state_ != State::HeadersAvailable && state_ != State::BodyDone)
        return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    auto* out = static_cast<char*>(buffer);
    size_t done = 0;
    while (done < len) {
        DWORD e;
        const char* src;
        size_t avail;
        if (decoding_) {
            e = decode_more();
            src = decoded_.data() + decoded_off_;
            avail = decoded_.size() - decoded_off_;
        } else {
            e = next_body_piece();
            src = body_ptr_;
            avail = body_left_;
        }
        if (e) {
            state_ = State::Failed;
            drop_connection();
            return e;
        }
        if (avail == 0) {
            state_ = State::BodyDone;
            break;
        }
        const size_t n = std::min<size_t>(avail, len - done);
        std::memcpy(out + done, src, n);
        done += n;
        if (decoding_) {
            decoded_off_ += n;
        } else {
            body_ptr_ += n;
            body_left_ -= n;
        }
        // Without FILL_BUFFER a read returns what is at hand rather than wait for more.
        if (!fill_buffer && in_off_ == in_.size() && body_left_ == 0 &&
            (!decoding_ || decoded_off_ == decoded_.size()))
            break;
    }
    if (read) *read = static_cast<DWORD>(done);
    return ERROR_SUCCESS;
}

}  // namespace winhttp
