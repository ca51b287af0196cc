#include "async/blocking_jobs.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <list>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace winhttp {

namespace {

class Pool {
public:
    static Pool& get() {
        // Never deleted: jobs may still be started from atexit handlers registered earlier.
        static Pool* pool = [] {
            auto* p = new Pool();
            std::atexit([] { Pool::get().stop(); });
            return p;
        }();
        return *pool;
    }

    bool start(std::shared_ptr<BlockingJob> job) {
        std::unique_lock lock(m_);
        if (stopping_) return false;
        join_finished();
        queue_.push_back(std::move(job));
        if (threads_running_ < BlockingJobs::kMaxThreads) {
            ++threads_running_;
            try {
                threads_.emplace_back([this] { work(); });
            } catch (const std::system_error&) {
                --threads_running_;
                if (threads_running_ == 0) {  // nobody would ever take it
                    queue_.pop_back();
                    return false;
                }
            }
        }
        return true;
    }

    unsigned pending() {
        std::lock_guard lock(m_);
        return static_cast<unsigned>(queue_.size() + active_.size());
    }

private:
    void work() {
        std::unique_lock lock(m_);
        while (!queue_.empty() && !stopping_) {
            std::shared_ptr<BlockingJob> job = std::move(queue_.front());
            queue_.pop_front();
            active_.push_back(job);
            lock.unlock();
            job->run();
            lock.lock();
            active_.erase(std::find(active_.begin(), active_.end(), job));
            lock.unlock();
            job.reset();  // the job's last reference may release a handle: not under our lock
            lock.lock();
        }
        --threads_running_;
        finished_.push_back(std::this_thread::get_id());
        idle_.notify_all();
    }

    // Joins the threads that left work() (they only have to return). Under m_.
    void join_finished() {
        for (std::thread::id id : finished_) {
            auto it = std::find_if(threads_.begin(), threads_.end(),
                                   [&](const std::thread& t) { return t.get_id() == id; });
            if (it == threads_.end()) continue;
            it->join();
            threads_.erase(it);
        }
        finished_.clear();
    }

    // At exit: cancel everything, give the running jobs a moment to end, join their threads.
    // A job that does not end in time (an application callback that blocks) is left detached:
    // the process is ending anyway.
    void stop() {
        std::deque<std::shared_ptr<BlockingJob>> queued;
        std::vector<std::shared_ptr<BlockingJob>> active;
        {
            std::lock_guard lock(m_);
            stopping_ = true;
            queued.swap(queue_);
            active = active_;
        }
        for (auto& j : queued) j->cancel();
        for (auto& j : active) j->cancel();
        std::unique_lock lock(m_);
        const bool done =
            idle_.wait_for(lock, std::chrono::seconds(2), [&] { return threads_running_ == 0; });
        if (done) {
            join_finished();
        } else {
            for (std::thread& t : threads_)
                if (t.get_id() != std::this_thread::get_id()) t.detach();
        }
        // exit() called from a job's own thread: that thread cannot join itself.
        for (std::thread& t : threads_)
            if (t.joinable()) t.detach();
        threads_.clear();
        finished_.clear();
    }

    std::mutex m_;
    std::condition_variable idle_;
    std::deque<std::shared_ptr<BlockingJob>> queue_;
    std::vector<std::shared_ptr<BlockingJob>> active_;
    std::list<std::thread> threads_;
    std::vector<std::thread::id> finished_;
    unsigned threads_running_ = 0;
    bool stopping_ = false;
};

}  // namespace

bool BlockingJobs::start(std::shared_ptr<BlockingJob> job) { return Pool::get().start(std::move(job)); }

unsigned BlockingJobs::pending() { return Pool::get().pending(); }

}  // namespace winhttp
