// The socket-call seam (net/sys_io.h): a pass-through in normal builds; in a WINHTTP_SHORT_IO
// build, alternating EAGAIN and 1..7-byte transfers that a retry loop still turns into the
// exact byte stream.
#include "net/sys_io.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "socket_pair.h"

namespace winhttp::net {
namespace {

using test::Pair;

// Waits (bounded) until `fd` is ready for `events`.
bool ready(int fd, short events) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, 2000) == 1;
}

// Sends all of `data` the way the transport does: retry on EAGAIN after waiting.
bool send_all(int fd, const std::string& data) {
    size_t off = 0;
    for (int guard = 0; off < data.size() && guard < 1'000'000; ++guard) {
        ssize_t n = sys_send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += static_cast<size_t>(n);
        } else if (n < 0 && errno == EAGAIN) {
            if (!ready(fd, POLLOUT)) return false;
        } else {
            return false;
        }
    }
    return off == data.size();
}

// Receives until `want` bytes arrived or the peer closed.
std::string receive(int fd, size_t want) {
    std::string out;
    char buf[4096];
    for (int guard = 0; out.size() < want && guard < 1'000'000; ++guard) {
        ssize_t n = sys_recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
        } else if (n < 0 && errno == EAGAIN) {
            if (!ready(fd, POLLIN)) break;
        } else {
            break;
        }
    }
    return out;
}

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 31 + 7);
    return s;
}

TEST(SysIo, NormalBuildPassesWholeTransfersThrough) {
    if (short_io_enabled()) GTEST_SKIP() << "built with WINHTTP_SHORT_IO";
    Pair p;
    const std::string data = pattern(1000);
    // One call moves everything: no shortening, no invented EAGAIN.
    EXPECT_EQ(sys_send(p.a, data.data(), data.size(), MSG_NOSIGNAL), 1000);
    std::string got(2000, '\0');
    EXPECT_EQ(sys_recv(p.b, got.data(), got.size(), 0), 1000);
    got.resize(1000);
    EXPECT_EQ(got, data);
}

TEST(SysIo, NormalBuildReportsTheRealErrors) {
    if (short_io_enabled()) GTEST_SKIP() << "built with WINHTTP_SHORT_IO";
    Pair p;
    char c;
    errno = 0;
    EXPECT_EQ(sys_recv(p.b, &c, 1, 0), -1);  // nothing sent yet
    EXPECT_EQ(errno, EAGAIN);
    ::shutdown(p.a, SHUT_WR);
    EXPECT_EQ(sys_recv(p.b, &c, 1, 0), 0);  // orderly close reads as 0
    errno = 0;
    EXPECT_EQ(sys_send(-1, "x", 1, MSG_NOSIGNAL), -1);
    EXPECT_EQ(errno, EBADF);
}

TEST(SysIo, ShortIoBuildAlternatesEagainAndCapsEachTransfer) {
    if (!short_io_enabled()) GTEST_SKIP() << "only with WINHTTP_SHORT_IO";
    Pair p;
    const std::string data = pattern(100);
    int eagain = 0, moved = 0;
    for (int i = 0; i < 20; ++i) {
        errno = 0;
        ssize_t n = sys_send(p.a, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
            EXPECT_EQ(errno, EAGAIN);
            ++eagain;
        } else {
            EXPECT_GE(n, 1);
            EXPECT_LE(n, 7);
            ++moved;
        }
    }
    EXPECT_EQ(eagain, 10);
    EXPECT_EQ(moved, 10);
}

// Reads and writes keep separate patterns: one write then one read per round (an HTTP/2 pump)
// must still see every other write succeed, or such a loop never progresses in this build.
TEST(SysIo, ShortIoBuildAlternatesWritesIndependentlyOfReads) {
    if (!short_io_enabled()) GTEST_SKIP() << "only with WINHTTP_SHORT_IO";
    Pair p;
    const std::string data = pattern(100);
    int moved = 0;
    for (int i = 0; i < 20; ++i) {
        if (sys_send(p.a, data.data(), data.size(), MSG_NOSIGNAL) > 0) ++moved;
        char c;
        (void)sys_recv(p.a, &c, 1, MSG_DONTWAIT);  // nothing to read: a real or a fake EAGAIN
    }
    EXPECT_EQ(moved, 10);
}

// Whatever the build, a retry loop gets the exact byte stream across, in both directions and
// with a concurrent reader (each thread has its own call pattern).
TEST(SysIo, RetryLoopsDeliverTheExactStream) {
    Pair p;
    const std::string data = pattern(64 * 1024 + 3);
    std::string got;
    std::thread reader([&] { got = receive(p.b, data.size()); });
    EXPECT_TRUE(send_all(p.a, data));
    reader.join();
    EXPECT_EQ(got.size(), data.size());
    EXPECT_TRUE(got == data);
}

}  // namespace
}  // namespace winhttp::net
