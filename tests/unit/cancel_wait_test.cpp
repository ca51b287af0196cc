// net::wait_ready with a wake-up event shared by the waits of one thread (issue 16): a sync
// request's blocked call ends with OPERATION_CANCELLED when a close signals the event and the
// request is cancelled; a late signal meant for an earlier wait of the thread is drained and
// does not end the next one (docs/design/read-path.md).
#include "net/socket.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "socket_pair.h"

namespace winhttp::net {
namespace {

using test::Pair;

TEST(SharedWakeEvent, LateSignalDoesNotEndTheNextWaitWhenTheSocketIsReady) {
    Pair p;
    CancelEvent wake;
    std::atomic<bool> cancelled{false};
    wake.signal();  // left over from an earlier wait of this thread
    ASSERT_EQ(::write(p.b, "x", 1), 1);
    EXPECT_EQ(wait_ready(p.a, POLLIN, Deadline::after_ms(30000), &wake, &cancelled),
              static_cast<DWORD>(ERROR_SUCCESS));
    EXPECT_FALSE(wake.signaled());  // drained
}

TEST(SharedWakeEvent, LateSignalDoesNotCancelAWaitThatEndsAtItsDeadline) {
    Pair p;
    CancelEvent wake;
    std::atomic<bool> cancelled{false};
    wake.signal();
    EXPECT_EQ(wait_ready(p.a, POLLIN, Deadline::after_ms(20), &wake, &cancelled),
              static_cast<DWORD>(ERROR_WINHTTP_TIMEOUT));
    EXPECT_FALSE(wake.signaled());
}

TEST(SharedWakeEvent, SignalOfACancelledRequestEndsItsWait) {
    Pair p;
    CancelEvent wake;
    std::atomic<bool> cancelled{false};
    std::thread closer([&] {
        cancelled.store(true);
        wake.signal();
    });
    EXPECT_EQ(wait_ready(p.a, POLLIN, Deadline{}, &wake, &cancelled),
              static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
    closer.join();
}

TEST(SharedWakeEvent, WithoutAFlagAnySignalEndsTheWait) {
    Pair p;
    CancelEvent wake;
    wake.signal();
    EXPECT_EQ(wait_ready(p.a, POLLIN, Deadline{}, &wake),
              static_cast<DWORD>(ERROR_WINHTTP_OPERATION_CANCELLED));
}

}  // namespace
}  // namespace winhttp::net
