// The event loop's worker count follows the CPUs the process may use (issue 16: size the pool
// from sched_getaffinity, not the machine's core count).
#include "async/reactor.h"

#include <gtest/gtest.h>

#include <sched.h>
#include <thread>

namespace {

TEST(Reactor, UsableCpusFollowsTheAffinityMask) {
    // A thread of our own, so that the test program's other threads keep their mask.
    unsigned seen = 0, machine = 0;
    std::thread t([&] {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(0, &one);
        machine = std::thread::hardware_concurrency();
        if (sched_setaffinity(0, sizeof one, &one) == 0) seen = winhttp::usable_cpus();
    });
    t.join();
    EXPECT_EQ(seen, 1u) << "machine has " << machine << " CPUs";
}

TEST(Reactor, UsableCpusIsTheWholeMaskByDefault) {
    cpu_set_t set;
    CPU_ZERO(&set);
    ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    EXPECT_EQ(winhttp::usable_cpus(), static_cast<unsigned>(CPU_COUNT(&set)));
}

}  // namespace
