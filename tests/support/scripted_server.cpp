#include "support/scripted_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace winhttp::test {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- Step -------------------------------------------------------------------------------

Step Step::read_request() {
    return Step(Kind::read_request);
}

Step Step::read_bytes(size_t n) {
    Step s(Kind::read_bytes);
    s.count_ = n;
    return s;
}

Step Step::read_until(std::string delim) {
    Step s(Kind::read_until);
    s.bytes_ = std::move(delim);
    return s;
}

Step Step::send(std::string bytes) {
    return send_split(std::move(bytes), 0);
}

Step Step::send_split(std::string bytes, size_t piece, milliseconds gap) {
    Step s(Kind::send);
    s.bytes_ = std::move(bytes);
    s.count_ = piece;
    s.duration_ = gap;
    return s;
}

Step Step::send_slowly(std::string bytes, milliseconds per_byte) {
    return send_split(std::move(bytes), 1, per_byte);
}

Step Step::sleep(milliseconds duration) {
    Step s(Kind::sleep);
    s.duration_ = duration;
    return s;
}

Step Step::stall(milliseconds limit) {
    Step s(Kind::stall);
    s.duration_ = limit;
    return s;
}

Step Step::close() {
    return Step(Kind::close);
}
Step Step::reset() {
    return Step(Kind::reset);
}
Step Step::shutdown_write() {
    return Step(Kind::shutdown_write);
}

Step Step::send_endless(std::string head, std::string unit, size_t max_bytes) {
    Step s(Kind::send_endless);
    s.bytes_ = std::move(head);
    s.unit_ = unit.empty() ? std::string(" ") : std::move(unit);  // an empty unit never ends
    s.count_ = max_bytes;
    return s;
}

Step Step::read_slowly(milliseconds per_byte, milliseconds limit) {
    Step s(Kind::read_slowly);
    s.gap_ = std::max(per_byte, milliseconds(1));
    s.duration_ = limit;
    return s;
}

Step Step::expect_client_close(milliseconds limit) {
    Step s(Kind::expect_client_close);
    s.duration_ = limit;
    return s;
}

std::string Step::describe() const {
    switch (kind_) {
        case Kind::read_request:
            return "read_request";
        case Kind::read_bytes:
            return "read_bytes(" + std::to_string(count_) + ")";
        case Kind::read_until:
            return "read_until(" + std::to_string(bytes_.size()) + "-byte delim)";
        case Kind::send:
            return "send(" + std::to_string(bytes_.size()) + " bytes)";
        case Kind::sleep:
            return "sleep(" + std::to_string(duration_.count()) + " ms)";
        case Kind::stall:
            return "stall";
        case Kind::close:
            return "close";
        case Kind::reset:
            return "reset";
        case Kind::shutdown_write:
            return "shutdown_write";
        case Kind::send_endless:
            return "send_endless(" + std::to_string(unit_.size()) + "-byte unit)";
        case Kind::read_slowly:
            return "read_slowly(" + std::to_string(gap_.count()) + " ms/byte)";
        case Kind::expect_client_close:
            return "expect_client_close";
    }
    return "?";
}

// ---- ScriptedConnection: runs one script on one accepted socket -------------------------

// Why a step could not complete. `stopped` is the server shutting down, not a failure.
enum class Outcome { ok, done, stopped, failed };

class ScriptedConnection {
  public:
    ScriptedConnection(ScriptedServer& server, int fd, size_t index)
        : server_(server), fd_(fd), index_(index) {}
    ~ScriptedConnection() {
        if (fd_ >= 0) ::close(fd_);
    }

    void run(const Script& script) {
        for (size_t i = 0; i < script.size(); ++i) {
            failure_.clear();
            Outcome outcome = perform(script[i]);
            if (outcome == Outcome::failed) {
                server_.record_error("connection " + std::to_string(index_) + ", step " +
                                     std::to_string(i) + " " + script[i].describe() + ": " +
                                     failure_);
            }
            if (outcome != Outcome::ok) return;  // ~ScriptedConnection closes the socket
        }
        graceful_close();
    }

  private:
    using Kind = Step::Kind;

    Outcome perform(const Step& step) {
        switch (step.kind_) {
            case Kind::read_request:
                return read_message();
            case Kind::read_bytes:
                return read_exactly(step.count_);
            case Kind::read_until:
                return read_through(step.bytes_);
            case Kind::send:
                return send_pieces(step);
            case Kind::sleep:
                return wait_for_stop(step.duration_) ? Outcome::stopped : Outcome::ok;
            case Kind::stall:
                return stall(step.duration_);
            case Kind::close:
                graceful_close();
                return Outcome::done;
            case Kind::reset:
                abortive_close();
                return Outcome::done;
            case Kind::shutdown_write:
                ::shutdown(fd_, SHUT_WR);
                return Outcome::ok;
            case Kind::send_endless:
                return send_endless(step);
            case Kind::read_slowly:
                return read_slowly(step.gap_, step.duration_);
            case Kind::expect_client_close:
                return expect_client_close(step.duration_);
        }
        return Outcome::failed;
    }

    // -- reading: everything goes through buffer_, so pipelined bytes are kept for later steps

    Outcome read_message() {
        auto deadline = Clock::now() + server_.options_.io_timeout;
        for (;;) {
            if (auto length = message_length(buffer_, MessageKind::request)) {
                return record(*length);
            }
            if (Outcome o = receive_more(deadline); o != Outcome::ok) return o;
        }
    }

    Outcome read_exactly(size_t n) {
        auto deadline = Clock::now() + server_.options_.io_timeout;
        while (buffer_.size() < n) {
            if (Outcome o = receive_more(deadline); o != Outcome::ok) return o;
        }
        return record(n);
    }

    Outcome read_through(const std::string& delim) {
        auto deadline = Clock::now() + server_.options_.io_timeout;
        for (;;) {
            size_t at = buffer_.find(delim);
            if (at != std::string::npos) return record(at + delim.size());
            if (Outcome o = receive_more(deadline); o != Outcome::ok) return o;
        }
    }

    Outcome record(size_t n) {
        server_.record_request(buffer_.substr(0, n));
        buffer_.erase(0, n);
        return Outcome::ok;
    }

    // One recv into buffer_, waiting until `deadline`.
    Outcome receive_more(Clock::time_point deadline) {
        if (Outcome o = wait(POLLIN, deadline); o != Outcome::ok) return o;
        char chunk[16384];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n > 0) {
            buffer_.append(chunk, static_cast<size_t>(n));
            return Outcome::ok;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return Outcome::ok;
        return fail(n == 0 ? "peer closed with " + std::to_string(buffer_.size()) +
                                 " unread bytes buffered"
                           : std::string("recv: ") + std::strerror(errno));
    }

    // -- writing

    Outcome send_pieces(const Step& step) {
        std::string_view rest = step.bytes_;
        size_t piece = step.count_ == 0 ? rest.size() : step.count_;
        while (!rest.empty()) {
            if (Outcome o = send_all(rest.substr(0, piece)); o != Outcome::ok) return o;
            rest.remove_prefix(std::min(piece, rest.size()));
            if (!rest.empty() && step.duration_.count() > 0 && wait_for_stop(step.duration_)) {
                return Outcome::stopped;
            }
        }
        return Outcome::ok;
    }

    Outcome send_all(std::string_view bytes) {
        auto deadline = Clock::now() + server_.options_.io_timeout;
        while (!bytes.empty()) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                bytes.remove_prefix(static_cast<size_t>(n));
            } else if (errno == EAGAIN || errno == EINTR) {
                if (Outcome o = wait(POLLOUT, deadline); o != Outcome::ok) return o;
            } else {
                return fail(std::string("send: ") + std::strerror(errno));
            }
        }
        return Outcome::ok;
    }

    // -- faults that run until the client gives up

    // The errno of a send or recv that means the client is gone.
    static bool peer_gone(int err) { return err == EPIPE || err == ECONNRESET; }

    // Like send_all, but the client going away is the expected end (Outcome::done).
    Outcome send_until_peer_gone(std::string_view bytes) {
        auto deadline = Clock::now() + server_.options_.io_timeout;
        while (!bytes.empty()) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                bytes.remove_prefix(static_cast<size_t>(n));
            } else if (n < 0 && peer_gone(errno)) {
                return Outcome::done;
            } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (Outcome o = wait(POLLOUT, deadline); o != Outcome::ok) return o;
            } else {
                return fail(std::string("send: ") + std::strerror(errno));
            }
        }
        return Outcome::ok;
    }

    Outcome send_endless(const Step& step) {
        if (Outcome o = send_until_peer_gone(step.bytes_); o != Outcome::ok) return o;
        // Whole units in blocks of about 16 KiB, so each send moves a useful amount.
        std::string block;
        while (block.size() < 16384) block += step.unit_;
        for (size_t sent = step.bytes_.size(); sent < step.count_; sent += block.size()) {
            if (Outcome o = send_until_peer_gone(block); o != Outcome::ok) return o;
        }
        return Outcome::ok;
    }

    Outcome read_slowly(milliseconds per_byte, milliseconds limit) {
        auto give_up = Clock::now() + limit;
        while (Clock::now() < give_up) {
            if (wait_for_stop(per_byte)) return Outcome::stopped;
            char byte;
            ssize_t n = ::recv(fd_, &byte, 1, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return Outcome::done;
        }
        return Outcome::ok;
    }

    Outcome expect_client_close(milliseconds limit) {
        // Bytes a read step already took but left unconsumed were sent before the fault.
        const size_t before = buffer_.size();
        auto deadline = Clock::now() + limit;
        for (;;) {
            failure_.clear();
            Outcome o = wait(POLLIN | POLLRDHUP, deadline);
            if (o == Outcome::stopped) return o;
            if (o == Outcome::failed) {
                return fail("kept open: the client still held the connection after " +
                            std::to_string(limit.count()) + " ms");
            }
            char chunk[4096];
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && peer_gone(errno))) return Outcome::done;
            if (n > 0) {
                return fail("connection reused: the client sent " + std::to_string(n) +
                            " more bytes (" + std::to_string(before) +
                            " were pending) on a connection it should have dropped");
            }
            if (errno != EAGAIN && errno != EINTR) {
                return fail(std::string("recv: ") + std::strerror(errno));
            }
        }
    }

    // -- waiting: every wait also watches the server's wake-up descriptor

    // Waits until fd_ reports `events` (or an error/hang-up, which the caller then meets in
    // recv/send), the server stops, or the deadline passes.
    Outcome wait(short events, Clock::time_point deadline) {
        pollfd fds[2] = {{fd_, events, 0}, {server_.wake_fd_, POLLIN, 0}};
        for (;;) {
            auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
            int n = ::poll(fds, 2, static_cast<int>(std::max<milliseconds::rep>(left.count(), 0)));
            if (n < 0 && errno == EINTR) continue;
            if (fds[1].revents != 0) return Outcome::stopped;
            if (n > 0) return Outcome::ok;
            return fail("timed out after " + std::to_string(server_.options_.io_timeout.count()) +
                        " ms");
        }
    }

    // Sleeps for `duration`; true if the server began stopping meanwhile.
    bool wait_for_stop(milliseconds duration) {
        pollfd p{server_.wake_fd_, POLLIN, 0};
        auto deadline = Clock::now() + duration;
        for (;;) {
            auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) return false;
            int n = ::poll(&p, 1, static_cast<int>(left.count()));
            if (n > 0) return true;
            if (n == 0) return false;
        }
    }

    // POLLRDHUP reports the client's FIN even while its data sits unread in our buffer;
    // POLLHUP/POLLERR (always reported) cover a reset. We never read, on purpose.
    Outcome stall(milliseconds limit) {
        pollfd fds[2] = {{fd_, POLLRDHUP, 0}, {server_.wake_fd_, POLLIN, 0}};
        int n;
        do {
            n = ::poll(fds, 2, static_cast<int>(limit.count()));
        } while (n < 0 && errno == EINTR);
        if (fds[1].revents != 0) return Outcome::stopped;
        return Outcome::ok;
    }

    // -- closing

    void graceful_close() {
        ::shutdown(fd_, SHUT_WR);
        // Lingering close, as nginx does: discard what the client still sends, so unread
        // request bytes don't make the kernel answer our close with a reset. Stops at the
        // client's FIN, after 100 ms without input, or after 1 s in all.
        auto give_up = Clock::now() + std::chrono::seconds(1);
        for (;;) {
            auto deadline = std::min(give_up, Clock::now() + milliseconds(100));
            failure_.clear();
            if (wait(POLLIN, deadline) != Outcome::ok) break;
            char sink[16384];
            ssize_t n = ::recv(fd_, sink, sizeof sink, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
        }
        ::close(fd_);
        fd_ = -1;
    }

    void abortive_close() {
        linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(fd_);
        fd_ = -1;
    }

    Outcome fail(std::string why) {
        failure_ = std::move(why);
        return Outcome::failed;
    }

    ScriptedServer& server_;
    int fd_;
    size_t index_;
    std::string buffer_;   // received, not yet consumed by a read step
    std::string failure_;  // why the last step failed
};

// ---- ScriptedServer ---------------------------------------------------------------------

namespace {

// Options::small_buffers: set on the listener before listen(), so that the SYN-ACK already
// announces them and every accepted socket inherits them. The kernel sizes a client's send
// buffer from the MSS it is offered (about 4 MiB on loopback's 64 KiB MSS, under 200 KiB on
// 536 bytes), and SO_RCVBUF rounds up to its minimum (2304 bytes here).
void shrink_buffers(int fd) {
    const int receive_buffer = 1;
    const int max_segment = 536;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    ::setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &max_segment, sizeof max_segment);
}

// A listening socket on the loopback address and an ephemeral port; throws on failure.
int listen_on_loopback(bool ipv6, bool small_buffers, unsigned short& port) {
    int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    if (small_buffers) shrink_buffers(fd);
    sockaddr_storage addr{};
    socklen_t len;
    if (ipv6) {
        auto& a = reinterpret_cast<sockaddr_in6&>(addr);
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        len = sizeof a;
    } else {
        auto& a = reinterpret_cast<sockaddr_in&>(addr);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof a;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, 64) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        int err = errno;
        ::close(fd);
        throw std::runtime_error(std::string("ScriptedServer cannot listen on ") +
                                 loopback_host(ipv6) + ": " + std::strerror(err));
    }
    port = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6&>(addr).sin6_port
                      : reinterpret_cast<sockaddr_in&>(addr).sin_port);
    return fd;
}

}  // namespace

ScriptedServer::ScriptedServer(std::vector<Script> per_connection)
    : ScriptedServer(std::move(per_connection), Options{}) {}

ScriptedServer::ScriptedServer(std::vector<Script> per_connection, Options options)
    : scripts_(std::move(per_connection)), options_(options) {
    listener_ = listen_on_loopback(options_.ipv6, options_.small_buffers, port_);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        ::close(listener_);
        throw std::runtime_error("ScriptedServer: eventfd failed");
    }
    accept_thread_ = std::thread([this] { accept_loop(); });
}

ScriptedServer::~ScriptedServer() {
    stop();
}

void ScriptedServer::stop() {
    if (stopping_.exchange(true)) return;
    // The eventfd is never read back, so it stays readable and wakes every present and
    // future poll of the accept loop and of each connection.
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
    if (accept_thread_.joinable()) accept_thread_.join();
    // No thread is added after the accept loop ended, so the list is stable now.
    for (auto& t : connection_threads_) t.join();
    ::close(listener_);
    ::close(wake_fd_);
}

void ScriptedServer::accept_loop() {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    for (;;) {
        // The server's lifetime bounds this wait: stop() always wakes it.
        int n = ::poll(fds, 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || fds[1].revents != 0) return;
        int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        // Small writes must leave at once, not wait for Nagle: the scripts rely on it.
        int yes = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        size_t index = accepted_++;
        std::lock_guard lock(mutex_);
        connection_threads_.emplace_back([this, fd, index] { serve(fd, index); });
    }
}

const Script* ScriptedServer::script_for(size_t index) const {
    if (index < scripts_.size()) return &scripts_[index];
    if (options_.repeat_last_script && !scripts_.empty()) return &scripts_.back();
    return nullptr;
}

void ScriptedServer::serve(int fd, size_t index) {
    ScriptedConnection connection(*this, fd, index);
    if (const Script* script = script_for(index)) {
        connection.run(*script);
    } else {
        record_error("connection " + std::to_string(index) + ": unexpected, no script for it");
    }
    std::lock_guard lock(mutex_);
    ++finished_;
    changed_.notify_all();
}

void ScriptedServer::record_request(std::string bytes) {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(bytes));
    changed_.notify_all();
}

void ScriptedServer::record_error(std::string message) {
    std::lock_guard lock(mutex_);
    errors_.push_back(std::move(message));
}

std::vector<std::string> ScriptedServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::string ScriptedServer::request(size_t i, milliseconds wait) const {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, wait, [&] { return requests_.size() > i; })) {
        ADD_FAILURE() << "ScriptedServer: request " << i << " not received within " << wait.count()
                      << " ms (" << requests_.size() << " received)";
        return {};
    }
    return requests_[i];
}

bool ScriptedServer::wait_done(size_t min_connections, milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
        size_t accepted = accepted_.load();
        return accepted >= min_connections && finished_ == accepted;
    });
}

std::vector<std::string> ScriptedServer::errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
}

}  // namespace winhttp::test
