// The blocking-job pool (src/async/blocking_jobs.h): every job runs, at most kMaxThreads at
// once, the rest queue and run when a thread is free.
#include "async/blocking_jobs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace {

using winhttp::BlockingJob;
using winhttp::BlockingJobs;

struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    unsigned running = 0, most = 0, done = 0;
};

class GatedJob final : public BlockingJob {
public:
    explicit GatedJob(std::shared_ptr<Gate> g) : g_(std::move(g)) {}
    void run() noexcept override {
        std::unique_lock lock(g_->m);
        ++g_->running;
        g_->most = std::max(g_->most, g_->running);
        g_->cv.notify_all();
        g_->cv.wait_for(lock, std::chrono::seconds(20), [&] { return g_->open; });
        --g_->running;
        ++g_->done;
        g_->cv.notify_all();
    }
    void cancel() noexcept override {}

private:
    std::shared_ptr<Gate> g_;
};

TEST(BlockingJobs, JobsBeyondTheThreadLimitQueueAndAllRun) {
    auto gate = std::make_shared<Gate>();
    const unsigned n = BlockingJobs::kMaxThreads + 8;
    for (unsigned i = 0; i < n; ++i) ASSERT_TRUE(BlockingJobs::start(std::make_shared<GatedJob>(gate)));
    {
        std::unique_lock lock(gate->m);
        // Every thread the pool may make is busy: the rest of the jobs wait in the queue.
        ASSERT_TRUE(gate->cv.wait_for(lock, std::chrono::seconds(20),
                                      [&] { return gate->running == BlockingJobs::kMaxThreads; }));
        EXPECT_EQ(gate->done, 0u);
        EXPECT_EQ(BlockingJobs::pending(), n);
        gate->open = true;
        gate->cv.notify_all();
        ASSERT_TRUE(gate->cv.wait_for(lock, std::chrono::seconds(20), [&] { return gate->done == n; }));
        EXPECT_EQ(gate->most, BlockingJobs::kMaxThreads);
    }
}

}  // namespace
