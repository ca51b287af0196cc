#include "support/h2_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace winhttp::test {

namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 100));
}

bool wait_fd(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int r = ::poll(&p, 1, ms_left(deadline));
        if (r > 0) return true;
        if (Clock::now() >= deadline) return false;
    }
}

// RFC 7541 5.1: an integer with an N-bit prefix; `first` holds the pattern bits above it.
void hpack_int(std::string& out, uint8_t first, int prefix_bits, size_t value) {
    const size_t max = (1u << prefix_bits) - 1;
    if (value < max) {
        out += static_cast<char>(first | value);
        return;
    }
    out += static_cast<char>(first | max);
    value -= max;
    while (value >= 128) {
        out += static_cast<char>((value % 128) + 128);
        value /= 128;
    }
    out += static_cast<char>(value);
}

std::string be32(uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
    return s;
}

int select_h2(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
              unsigned inlen, void* server) {
    if (static_cast<const H2Server*>(server)->h2_refused()) return SSL_TLSEXT_ERR_NOACK;
    static const unsigned char kH2[] = {2, 'h', '2'};
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, outlen, kH2, sizeof(kH2), in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::string hpack_literal(const std::string& name, const std::string& value) {
    std::string out;
    out += '\0';  // literal without indexing, new name (RFC 7541 6.2.2)
    hpack_int(out, 0, 7, name.size());
    out += name;
    hpack_int(out, 0, 7, value.size());
    out += value;
    return out;
}

// --- H2Peer ----------------------------------------------------------------------------------

bool H2Peer::read_exact(char* buf, size_t n, Clock::time_point deadline) {
    size_t got = 0;
    while (got < n) {
        const int r = SSL_read(ssl_, buf + got, static_cast<int>(n - got));
        if (r > 0) {
            got += static_cast<size_t>(r);
            continue;
        }
        const int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_WANT_READ) {
            if (!wait_fd(fd_, POLLIN, deadline)) return false;
        } else if (e == SSL_ERROR_WANT_WRITE) {
            if (!wait_fd(fd_, POLLOUT, deadline)) return false;
        } else {
            return false;  // closed or failed
        }
    }
    return true;
}

bool H2Peer::write_all(const std::string& bytes) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    size_t done = 0;
    while (done < bytes.size()) {
        const int r = SSL_write(ssl_, bytes.data() + done, static_cast<int>(bytes.size() - done));
        if (r > 0) {
            done += static_cast<size_t>(r);
            continue;
        }
        const int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_WANT_WRITE) {
            if (!wait_fd(fd_, POLLOUT, deadline)) return false;
        } else if (e == SSL_ERROR_WANT_READ) {
            if (!wait_fd(fd_, POLLIN, deadline)) return false;
        } else {
            return false;
        }
    }
    return true;
}

void H2Peer::cork(bool on) {
    const int v = on ? 1 : 0;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &v, sizeof(v));
}

std::string H2Peer::read_until(const std::string& delim) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    std::string got;
    char c;
    while (got.size() < delim.size() || got.compare(got.size() - delim.size(), delim.size(), delim) != 0) {
        if (!read_exact(&c, 1, deadline)) return std::string();
        got += c;
    }
    return got;
}

std::string H2Peer::alpn() const {
    const unsigned char* p = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl_, &p, &len);
    return std::string(reinterpret_cast<const char*>(p), len);
}

bool H2Peer::read_preface() {
    char buf[24];
    return read_exact(buf, sizeof(buf), Clock::now() + std::chrono::seconds(10)) &&
           std::memcmp(buf, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24) == 0;
}

bool H2Peer::start(const std::vector<std::pair<uint16_t, uint32_t>>& values) {
    return read_preface() && settings(values);
}

std::optional<H2Frame> H2Peer::read_frame(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    unsigned char head[9];
    if (!read_exact(reinterpret_cast<char*>(head), sizeof(head), deadline)) return std::nullopt;
    const size_t len = (size_t{head[0]} << 16) | (size_t{head[1]} << 8) | head[2];
    H2Frame f;
    f.type = head[3];
    f.flags = head[4];
    f.stream = ((uint32_t{head[5]} & 0x7f) << 24) | (uint32_t{head[6]} << 16) |
               (uint32_t{head[7]} << 8) | head[8];
    f.payload.resize(len);
    if (len && !read_exact(f.payload.data(), len, deadline)) return std::nullopt;
    if (f.type == h2frame::SETTINGS && !(f.flags & h2frame::ACK) && settings_sent_)
        send_frame(h2frame::SETTINGS, h2frame::ACK, 0, "");
    if (f.type == h2frame::PING && !(f.flags & h2frame::ACK)) {
        ++pings_;
        send_frame(h2frame::PING, h2frame::ACK, 0, f.payload);
    }
    return f;
}

uint32_t H2Peer::read_request(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        auto f = read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - Clock::now()));
        if (!f) return 0;
        if (f->type == h2frame::HEADERS) return f->stream;
    }
    return 0;
}

bool H2Peer::wait_closed(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        auto f = read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - Clock::now()));
        if (!f) return Clock::now() < deadline;
    }
    return false;
}

bool H2Peer::send_frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
    std::string f;
    f += static_cast<char>(payload.size() >> 16);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size());
    f += static_cast<char>(type);
    f += static_cast<char>(flags);
    f += be32(stream & 0x7fffffffu);
    f += payload;
    return write_all(f);
}

bool H2Peer::settings(const std::vector<std::pair<uint16_t, uint32_t>>& values) {
    std::string p;
    for (const auto& [id, value] : values) {
        p += static_cast<char>(id >> 8);
        p += static_cast<char>(id);
        p += be32(value);
    }
    settings_sent_ = true;
    return send_frame(h2frame::SETTINGS, 0, 0, p);
}

bool H2Peer::header_block(uint32_t stream, const std::string& block, bool end_stream) {
    constexpr size_t kMax = 16384;  // SETTINGS_MAX_FRAME_SIZE's initial value
    size_t off = 0;
    bool first = true;
    do {
        const size_t n = std::min(kMax, block.size() - off);
        const bool last = off + n == block.size();
        uint8_t flags = last ? h2frame::END_HEADERS : 0;
        if (first && end_stream) flags |= h2frame::END_STREAM;
        if (!send_frame(first ? h2frame::HEADERS : h2frame::CONTINUATION, flags, stream,
                        block.substr(off, n)))
            return false;
        off += n;
        first = false;
    } while (off < block.size());
    return true;
}

bool H2Peer::headers(uint32_t stream, unsigned status,
                     const std::vector<std::pair<std::string, std::string>>& fields,
                     bool end_stream) {
    std::string block = hpack_literal(":status", std::to_string(status));
    for (const auto& [n, v] : fields) block += hpack_literal(n, v);
    return header_block(stream, block, end_stream);
}

bool H2Peer::data(uint32_t stream, const std::string& bytes, bool end_stream) {
    constexpr size_t kMax = 16384;
    size_t off = 0;
    do {
        const size_t n = std::min(kMax, bytes.size() - off);
        const bool last = off + n == bytes.size();
        if (!send_frame(h2frame::DATA, last && end_stream ? h2frame::END_STREAM : 0, stream,
                        bytes.substr(off, n)))
            return false;
        off += n;
    } while (off < bytes.size());
    return true;
}

bool H2Peer::rst_stream(uint32_t stream, uint32_t code) {
    return send_frame(h2frame::RST_STREAM, 0, stream, be32(code));
}

bool H2Peer::goaway(uint32_t last_stream, uint32_t code) {
    return send_frame(h2frame::GOAWAY, 0, 0, be32(last_stream) + be32(code));
}

// --- H2Server --------------------------------------------------------------------------------

H2Server::H2Server(const CertFiles& cert, std::vector<Handler> handlers)
    : handlers_(std::move(handlers)) {
    // OpenSSL writes with write(2): a close_notify to a client that has gone must not kill the
    // test program.
    ::signal(SIGPIPE, SIG_IGN);
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (!ctx_ || SSL_CTX_use_certificate_file(ctx_, cert.cert_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, cert.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        if (ctx_) SSL_CTX_free(ctx_);
        ctx_ = nullptr;
        return;
    }
    SSL_CTX_set_alpn_select_cb(ctx_, select_h2, this);
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (listener_ >= 0) ::close(listener_);
        listener_ = -1;
        return;
    }
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

H2Server::~H2Server() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> workers;
    {
        std::lock_guard lock(mutex_);
        workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
    if (listener_ >= 0) ::close(listener_);
    if (ctx_) SSL_CTX_free(ctx_);
}

bool H2Server::wait_finished(unsigned n, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (finished_.load() < n) {
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

void H2Server::accept_loop() {
    while (!stop_) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) continue;
        const unsigned index = accepted_++;
        std::lock_guard lock(mutex_);
        workers_.emplace_back([this, fd, index] { serve(fd, index); });
    }
}

void H2Server::serve(int fd, unsigned index) {
    if (const int ms = handshake_delay_ms_.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    bool ok = false;
    for (;;) {
        const int r = SSL_accept(ssl);
        if (r == 1) {
            ok = true;
            break;
        }
        const int e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_WANT_READ ? !wait_fd(fd, POLLIN, deadline)
            : e == SSL_ERROR_WANT_WRITE ? !wait_fd(fd, POLLOUT, deadline)
                                        : true)
            break;
    }
    if (ok && !handlers_.empty()) {
        H2Peer peer(ssl, fd);
        handlers_[std::min<size_t>(index, handlers_.size() - 1)](peer);
        // A graceful close: FIN, then input discarded until the client closes (1 s at most),
        // so that unread client bytes do not turn the close into a reset, which would drop
        // what the client has not read yet.
        SSL_shutdown(ssl);
        ::shutdown(fd, SHUT_WR);
        const auto drain_until = Clock::now() + std::chrono::seconds(1);
        char buf[4096];
        while (wait_fd(fd, POLLIN, drain_until) && ::recv(fd, buf, sizeof(buf), 0) > 0) {
        }
    }
    SSL_free(ssl);
    ::close(fd);
    ++finished_;
}

}  // namespace winhttp::test
