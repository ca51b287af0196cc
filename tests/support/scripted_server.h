// An in-process HTTP test server that follows a script per connection, for exact bytes and
// misbehaviour (split writes, trickles, stalls, resets) that a real server would never show.
//
//     ScriptedServer server({{
//         Step::read_request(),
//         Step::send(http_response(200, "OK", {{"Content-Type", "text/plain"}}, "hi")),
//     }});
//     ... point the client at 127.0.0.1:server.port() ...
//     EXPECT_EQ(start_line(server.request(0)), "GET /x HTTP/1.1");
//
// Connection i (in accept order) follows script i; later connections follow the last script
// again (or are refused, see Options). When its script ends, a connection closes gracefully.
// Loopback only, ephemeral port, every wait bounded; the destructor stops everything.
#pragma once

#include "support/http_text.h"
#include "support/loopback.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace winhttp::test {

// One action of a connection script. Build steps with the static functions.
class Step {
  public:
    // Reads one whole request: the head, then a Content-Length body or a chunked body
    // (through the last chunk and trailers). The exact bytes are recorded (see requests()).
    static Step read_request();
    // Reads exactly `n` bytes, recorded as one entry of requests().
    static Step read_bytes(size_t n);
    // Reads through the first occurrence of `delim`, recorded as one entry of requests().
    // E.g. read_until("\r\n\r\n") reads a head without its body.
    static Step read_until(std::string delim);

    static Step send(std::string bytes);
    // One write per `piece` bytes, with `gap` between writes. Without a gap the client may
    // still receive several pieces in one read; with a gap each piece arrives on its own.
    static Step send_split(std::string bytes, size_t piece,
                           std::chrono::milliseconds gap = std::chrono::milliseconds(0));
    // One byte per write, `per_byte` apart: a trickling server.
    static Step send_slowly(std::string bytes, std::chrono::milliseconds per_byte);

    static Step sleep(std::chrono::milliseconds duration);
    // Neither reads nor writes until the client closes (or resets) the connection, the server
    // stops, or `limit` passes. Not reading lets the client's send buffer fill up.
    static Step stall(std::chrono::milliseconds limit = std::chrono::seconds(60));

    // Graceful close: FIN, then discard input until the client closes (or stays quiet for
    // 100 ms; 1 s at most) so that unread request bytes don't turn the close into a reset.
    // Ends the script.
    static Step close();
    // Abortive close: SO_LINGER {1, 0}, so the client sees a TCP RST (ECONNRESET). Ends the
    // script.
    static Step reset();
    // Half-close: FIN on our side, the script goes on (it may still read).
    static Step shutdown_write();

    // Sends `head`, then `unit` over and over: an endless header block, trailer section or
    // chunk extension. Stops quietly when the client goes away (closes or resets), and ends
    // the script then; also stops at `max_bytes` in all or when the server stops, so the loop
    // always ends by itself. A client that stops reading but keeps the connection open makes
    // the step fail after io_timeout.
    static Step send_endless(std::string head, std::string unit, size_t max_bytes = 64u << 20);
    // Reads one byte per `per_byte` until the client goes away (ends the script) or `limit`
    // passes (the script goes on): a server that takes a request body at a trickle, so the
    // client's send buffer fills up.
    static Step read_slowly(std::chrono::milliseconds per_byte,
                            std::chrono::milliseconds limit = std::chrono::seconds(10));
    // Waits, reading nothing, until the client closes or resets the connection; ends the
    // script. For a connection the client must drop after a fault: any byte it sends instead
    // is recorded as an error containing "connection reused", and `limit` passing with the
    // connection still open as one containing "kept open".
    static Step expect_client_close(std::chrono::milliseconds limit = std::chrono::seconds(3));

    // "read_request", "send(42 bytes)", ... for error messages.
    std::string describe() const;

  private:
    enum class Kind {
        read_request,
        read_bytes,
        read_until,
        send,
        sleep,
        stall,
        close,
        reset,
        shutdown_write,
        send_endless,
        read_slowly,
        expect_client_close,
    };
    explicit Step(Kind kind) : kind_(kind) {}

    friend class ScriptedConnection;
    Kind kind_;
    std::string bytes_;  // send: data; read_until: delimiter; send_endless: head
    std::string unit_;   // send_endless: the repeated part
    size_t count_ = 0;   // read_bytes: n; send: piece size (0 = all at once); send_endless: max
    // send: gap between pieces; sleep; stall, read_slowly, expect_client_close: limit
    std::chrono::milliseconds duration_{};
    std::chrono::milliseconds gap_{};  // read_slowly: time per byte
};

using Script = std::vector<Step>;

class ScriptedServer {
  public:
    struct Options {
        bool ipv6 = false;  // listen on [::1] instead of 127.0.0.1 (check ipv6_loopback_available)
        // Connections beyond the scripts given follow the last script again. When false they
        // are closed at once and reported in errors().
        bool repeat_last_script = true;
        // Bound for each read or write step.
        std::chrono::milliseconds io_timeout = kDefaultTimeout;
        // Connections announce a minimal receive buffer and a 536-byte MSS, so that a client
        // sending to a server that does not read blocks after some 100 KiB instead of several
        // MiB (its kernel sizes the send buffer from the MSS). For send-timeout tests that
        // must fill the buffers quickly even when every send moves a few bytes (short I/O).
        bool small_buffers = false;
    };

    // Starts listening and accepting at once. Throws std::runtime_error if it cannot listen.
    explicit ScriptedServer(std::vector<Script> per_connection);
    ScriptedServer(std::vector<Script> per_connection, Options options);
    ~ScriptedServer();  // stop()
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;

    unsigned short port() const { return port_; }
    const char* host() const { return loopback_host(options_.ipv6); }

    // Bytes recorded by the read steps of all connections, in the order the steps completed.
    std::vector<std::string> requests() const;
    // requests()[i], waiting up to `wait` for it; on timeout adds a test failure and returns "".
    std::string request(size_t i, std::chrono::milliseconds wait = std::chrono::seconds(5)) const;

    size_t connections_accepted() const { return accepted_.load(); }
    // Waits until every accepted connection has finished its script and at least
    // `min_connections` were accepted; false on timeout.
    bool wait_done(size_t min_connections = 1,
                   std::chrono::milliseconds timeout = kDefaultTimeout) const;
    // Script failures ("connection 0, step 1 read_request: peer closed after 12 bytes"). A
    // test that expects a well-behaved client asserts this is empty.
    std::vector<std::string> errors() const;

    // Closes the listener and every connection, joins all threads. Idempotent, bounded.
    void stop();

  private:
    friend class ScriptedConnection;
    void accept_loop();
    void serve(int fd, size_t index);
    const Script* script_for(size_t index) const;
    void record_request(std::string bytes);
    void record_error(std::string message);

    const std::vector<Script> scripts_;
    const Options options_;
    int listener_ = -1;
    int wake_fd_ = -1;  // eventfd, readable once stop() begins: wakes every poll
    unsigned short port_ = 0;
    std::atomic<size_t> accepted_{0};
    std::atomic<bool> stopping_{false};

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<std::string> requests_;
    std::vector<std::string> errors_;
    size_t finished_ = 0;
    std::vector<std::thread> connection_threads_;
    std::thread accept_thread_;
};

}  // namespace winhttp::test
