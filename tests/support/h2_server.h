// An in-process HTTP/2 server over TLS (ALPN "h2") whose connections follow a handler the test
// writes with raw frames, for the faults a real server never shows: RST_STREAM mid-body, GOAWAY
// with streams pending, no SETTINGS at all, oversized header blocks, flow-control stalls,
// refused streams, PING counting.
//
//     H2Server server(certs.server(ServerCert::Valid), {[](H2Peer& p) {
//         if (!p.start()) return;                  // client preface, our SETTINGS
//         const uint32_t id = p.read_request();     // the request's HEADERS
//         p.headers(id, 200, {{"content-type", "text/plain"}}, false);
//         p.data(id, "hello", true);
//         p.wait_closed();
//     }});
//
// Connection i (in accept order) runs handler i; later ones run the last handler again. Frames
// are written and read whole; the peer answers the client's SETTINGS with an ACK by itself.
// Loopback only, every wait bounded; the destructor stops everything.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/tls_certs.h"

struct ssl_st;
struct ssl_ctx_st;

namespace winhttp::test {

namespace h2frame {
constexpr uint8_t DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7,
                  WINDOW_UPDATE = 8, CONTINUATION = 9;
constexpr uint8_t END_STREAM = 1, ACK = 1, END_HEADERS = 4;
constexpr uint32_t ERR_NONE = 0, ERR_INTERNAL = 2, ERR_REFUSED_STREAM = 7, ERR_CANCEL = 8,
                   ERR_HTTP_1_1_REQUIRED = 0xd;
constexpr uint16_t INITIAL_WINDOW_SIZE = 4, MAX_CONCURRENT_STREAMS = 3;
}  // namespace h2frame

struct H2Frame {
    uint8_t type = 0;
    uint8_t flags = 0;
    uint32_t stream = 0;
    std::string payload;
};

// HPACK (RFC 7541) literal header fields without indexing, new names: enough to write any
// header block by hand, of any size.
std::string hpack_literal(const std::string& name, const std::string& value);

class H2Peer {
public:
    H2Peer(ssl_st* ssl, int fd) : ssl_(ssl), fd_(fd) {}

    // Reads the client preface and sends our SETTINGS (`settings`: id/value pairs).
    bool start(const std::vector<std::pair<uint16_t, uint32_t>>& settings = {});
    // Reads the 24-byte client preface only.
    bool read_preface();

    // The next frame, or nullopt when the client closed or `limit` passed. SETTINGS from the
    // client are acknowledged here once ours went out (and returned); PINGs are counted,
    // answered and returned.
    std::optional<H2Frame> read_frame(std::chrono::milliseconds limit = std::chrono::seconds(10));
    // Reads frames until a HEADERS frame opens a stream; its id, or 0 when none came.
    uint32_t read_request(std::chrono::milliseconds limit = std::chrono::seconds(10));
    // Reads until the client closes the connection (true) or `limit` passes (false).
    bool wait_closed(std::chrono::milliseconds limit = std::chrono::seconds(10));

    bool send_frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload);
    bool settings(const std::vector<std::pair<uint16_t, uint32_t>>& values);
    // A header block: HEADERS, then CONTINUATION frames when it exceeds 16384 bytes.
    bool header_block(uint32_t stream, const std::string& block, bool end_stream);
    bool headers(uint32_t stream, unsigned status,
                 const std::vector<std::pair<std::string, std::string>>& fields, bool end_stream);
    // DATA in frames of at most 16384 bytes.
    bool data(uint32_t stream, const std::string& bytes, bool end_stream);
    bool rst_stream(uint32_t stream, uint32_t code);
    bool goaway(uint32_t last_stream, uint32_t code);

    unsigned pings() const { return pings_; }
    // HTTP/1.1 on the same TLS connection (a client that did not choose h2): bytes through the
    // first `delim` (empty when the client closed or 10 s passed), and raw bytes out.
    std::string read_until(const std::string& delim);
    bool write(const std::string& bytes) { return write_all(bytes); }
    // Holds back (TCP_CORK) what is written until cork(false): records written in between
    // (each write and each frame is one TLS record) reach the client in one segment.
    void cork(bool on);
    // The protocol ALPN chose ("h2"), or empty.
    std::string alpn() const;

private:
    bool read_exact(char* buf, size_t n, std::chrono::steady_clock::time_point deadline);
    bool write_all(const std::string& bytes);

    ssl_st* ssl_;
    int fd_;
    unsigned pings_ = 0;
    bool settings_sent_ = false;  // a SETTINGS ACK before our SETTINGS breaks the protocol
};

class H2Server {
public:
    using Handler = std::function<void(H2Peer&)>;
    H2Server(const CertFiles& cert, std::vector<Handler> handlers);
    ~H2Server();
    H2Server(const H2Server&) = delete;
    H2Server& operator=(const H2Server&) = delete;

    bool ready() const { return listener_ >= 0 && ctx_; }
    unsigned short port() const { return port_; }
    // Connections accepted so far (TCP).
    unsigned connections() const { return accepted_.load(); }
    // Connections whose handler has returned.
    unsigned finished() const { return finished_.load(); }
    // Every later connection waits `ms` before its TLS handshake (a client's connection is then
    // still being set up while other requests start).
    void delay_handshake(int ms) { handshake_delay_ms_ = ms; }
    // ALPN chooses nothing from now on (the client then speaks HTTP/1.1): a server without h2.
    void refuse_h2() { refuse_h2_ = true; }
    bool h2_refused() const { return refuse_h2_.load(); }
    // Waits (bounded) until `n` handlers have returned.
    bool wait_finished(unsigned n, std::chrono::milliseconds limit = std::chrono::seconds(10));

private:
    void accept_loop();
    void serve(int fd, unsigned index);

    ssl_ctx_st* ctx_ = nullptr;
    int listener_ = -1;
    unsigned short port_ = 0;
    std::vector<Handler> handlers_;
    std::atomic<bool> stop_{false};
    std::atomic<unsigned> accepted_{0};
    std::atomic<unsigned> finished_{0};
    std::atomic<int> handshake_delay_ms_{0};
    std::atomic<bool> refuse_h2_{false};
    std::mutex mutex_;
    std::vector<std::thread> workers_;
    std::thread acceptor_;
};

}  // namespace winhttp::test
