#pragma once
// A connected pair of non-blocking AF_UNIX stream sockets for unit tests, closed at scope exit.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

namespace winhttp::net::test {

struct Pair {
    int a = -1, b = -1;
    Pair() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
        a = fds[0];
        b = fds[1];
    }
    ~Pair() {
        ::close(a);
        ::close(b);
    }
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;
};

}  // namespace winhttp::net::test
