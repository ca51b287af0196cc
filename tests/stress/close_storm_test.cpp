// A randomized close storm: thousands of asynchronous requests against nginx and a stalling
// scripted server, closed at random moments from inside their callbacks and from other
// threads, while other threads clear their callbacks with WinHttpSetStatusCallback(h, NULL).
//
// Checked, per request handle (WinHttpCloseHandle page; DESIGN.md "Close protocol"):
//   - HANDLE_CLOSING exactly once, and no callback after it;
//   - a handle whose callback was cleared gets no callback after the clearing call returned
//     (so no HANDLE_CLOSING either);
//   - callbacks of one request never overlap;
//   - every handle is closed and settles within a bounded time (no hang).
//
// WINHTTP_STRESS_REQUESTS (default 2000), WINHTTP_STRESS_IN_FLIGHT (default 200) and
// WINHTTP_STRESS_SEED scale and replay the run; the seed is printed on failure.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "integration/http_test_util.h"
#include "support/http_text.h"
#include "support/nginx.h"
#include "support/scripted_server.h"

using namespace itest;
using namespace std::chrono_literals;
using winhttp::test::http_response;
using winhttp::test::Nginx;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;

namespace {

unsigned env_or(const char* name, unsigned fallback) {
    const char* v = std::getenv(name);
    return v && *v ? static_cast<unsigned>(std::strtoul(v, nullptr, 10)) : fallback;
}

// One request's life as its callback and the storm threads see it.
struct Tracker {
    std::atomic<HINTERNET> handle{nullptr};
    std::atomic<bool> closed{false};        // someone called WinHttpCloseHandle (exactly once)
    std::atomic<bool> cleared{false};       // WinHttpSetStatusCallback(NULL) returned TRUE-ish
    std::atomic<bool> settled{false};
    std::atomic<int> closing{0};            // HANDLE_CLOSING count
    std::atomic<int> after_closing{0};      // callbacks after HANDLE_CLOSING
    std::atomic<int> after_cleared{0};      // callbacks that started after clearing returned
    std::atomic<int> overlaps{0};
    std::atomic<bool> in_callback{false};
    std::atomic<DWORD> last_status{0};
    char buf[16384];
};

class Storm {
  public:
    Storm(unsigned total, unsigned in_flight, unsigned seed)
        : total_(total), in_flight_max_(in_flight), seed_(seed), trackers_(total) {
        for (auto& t : trackers_) t = std::make_unique<Tracker>();
    }

    static void CALLBACK callback(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len) {
        if (ctx) s_storm->on_status(*reinterpret_cast<Tracker*>(ctx), h, status, info, len);
    }

    void run(const std::vector<HINTERNET>& connects, const std::vector<const wchar_t*>& paths);
    bool wait_settled(std::chrono::seconds bound);
    // Failures found, one line each.
    std::vector<std::string> audit() const;

    static inline Storm* s_storm = nullptr;

    // How the requests ended, for the log line.
    std::atomic<unsigned> closed_inside{0}, closed_outside{0}, cleared{0}, completed{0},
        cancelled{0}, other_errors{0};

  private:
    void on_status(Tracker& t, HINTERNET h, DWORD status, LPVOID info, DWORD len);
    bool drive(HINTERNET h, Tracker& t, DWORD status, LPVOID info, DWORD len);
    void close(Tracker& t);
    void settle(Tracker& t);
    void storm_thread(unsigned index, bool clears);
    Tracker* random_live(std::mt19937& rng);
    std::mt19937& callback_rng();

    const unsigned total_, in_flight_max_, seed_;
    std::vector<std::unique_ptr<Tracker>> trackers_;
    std::atomic<unsigned> started_{0};
    std::atomic<unsigned> settled_{0};
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable changed_;
    unsigned in_flight_ = 0;
};

std::mt19937& Storm::callback_rng() {
    thread_local std::mt19937 rng(seed_ ^ static_cast<unsigned>(std::hash<std::thread::id>{}(
                                              std::this_thread::get_id())));
    return rng;
}

void Storm::on_status(Tracker& t, HINTERNET h, DWORD status, LPVOID info, DWORD len) {
    if (t.closing.load()) ++t.after_closing;
    if (t.cleared.load()) ++t.after_cleared;
    if (t.in_callback.exchange(true)) ++t.overlaps;
    t.last_status = status;
    if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) {
        ++t.closing;
        t.in_callback = false;
        settle(t);
        return;
    }
    // Close at a random moment from inside the callback (about one callback in 25), or when
    // the request is over.
    const bool over = !drive(h, t, status, info, len);
    if (status == WINHTTP_CALLBACK_STATUS_REQUEST_ERROR) {
        const DWORD e = static_cast<WINHTTP_ASYNC_RESULT*>(info)->dwError;
        ++(e == ERROR_WINHTTP_OPERATION_CANCELLED ? cancelled : other_errors);
    } else if (over) {
        ++completed;
    }
    if ((over || callback_rng()() % 25 == 0) && !t.closed.load()) {
        ++closed_inside;
        close(t);
    }
    t.in_callback = false;
}

// Microsoft's asynchronous sample; false when the request is over (end, error, failed call).
bool Storm::drive(HINTERNET h, Tracker& t, DWORD status, LPVOID info, DWORD len) {
    switch (status) {
        case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE: return WinHttpReceiveResponse(h, nullptr);
        case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE: return WinHttpQueryDataAvailable(h, nullptr);
        case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: {
            const DWORD n = *static_cast<DWORD*>(info);
            return n && WinHttpReadData(h, t.buf, std::min<DWORD>(n, sizeof t.buf), nullptr);
        }
        case WINHTTP_CALLBACK_STATUS_READ_COMPLETE: return len && WinHttpQueryDataAvailable(h, nullptr);
        case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: return false;
        default: return true;
    }
}

void Storm::close(Tracker& t) {
    if (t.closed.exchange(true)) return;
    if (!WinHttpCloseHandle(t.handle.load())) {
        std::lock_guard lock(mutex_);
        ADD_FAILURE() << "WinHttpCloseHandle failed: " << GetLastError();
    }
    // A cleared callback never sees HANDLE_CLOSING: the close settles the request.
    if (t.cleared.load()) settle(t);
}

void Storm::settle(Tracker& t) {
    if (t.settled.exchange(true)) return;
    // Counted under the lock: wait_settled() may return (and the test free this Storm) as soon
    // as the count is reached, so nothing may touch the Storm after the lock is released.
    std::lock_guard lock(mutex_);
    ++settled_;
    --in_flight_;
    changed_.notify_all();
}

// Picks a started request that has not settled yet, or null.
Tracker* Storm::random_live(std::mt19937& rng) {
    const unsigned n = started_.load();
    if (n == 0) return nullptr;
    for (int tries = 0; tries < 8; ++tries) {
        Tracker& t = *trackers_[rng() % n];
        if (!t.settled.load() && t.handle.load()) return &t;
    }
    return nullptr;
}

// Closes, or clears the callback of, random live requests at random moments.
void Storm::storm_thread(unsigned index, bool clears) {
    std::mt19937 rng(seed_ + 1000 * (index + 1));
    while (!stop_.load()) {
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
        Tracker* t = random_live(rng);
        if (!t) continue;
        if (!clears) {
            if (!t->closed.load()) ++closed_outside;
            close(*t);
            continue;
        }
        if (t->closed.load()) continue;  // a closed value may not be used (WinHttpCloseHandle page)
        // Clearing races with the closes of other threads; the handle table makes a closed
        // value fail cleanly, and a successful clear is final.
        if (WinHttpSetStatusCallback(t->handle.load(), nullptr, 0, 0) != WINHTTP_INVALID_STATUS_CALLBACK) {
            t->cleared = true;
            ++cleared;
            close(*t);
            if (t->closing.load() == 0) settle(*t);
        }
    }
}

void Storm::run(const std::vector<HINTERNET>& connects, const std::vector<const wchar_t*>& paths) {
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < 4; ++i) threads.emplace_back([this, i] { storm_thread(i, i >= 2); });
    std::mt19937 rng(seed_);
    const DWORD mask = WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS;
    for (unsigned i = 0; i < total_; ++i) {
        {
            std::unique_lock lock(mutex_);
            if (!changed_.wait_for(lock, 30s, [&] { return in_flight_ < in_flight_max_; })) {
                ADD_FAILURE() << "no request settled for 30 s (" << settled_.load() << " of " << i
                              << " settled)";
                break;
            }
            ++in_flight_;
        }
        Tracker& t = *trackers_[i];
        const size_t which = rng() % paths.size();
        HINTERNET h = WinHttpOpenRequest(connects[which], L"GET", paths[which], nullptr,
                                         WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
        if (!h) {
            ADD_FAILURE() << "WinHttpOpenRequest: " << GetLastError();
            settle(t);
            continue;
        }
        // The context goes on before the handle is shared: a storm thread may close it before
        // SendRequest binds the context, and its HANDLE_CLOSING must still reach the tracker.
        DWORD_PTR context = reinterpret_cast<DWORD_PTR>(&t);
        WinHttpSetOption(h, WINHTTP_OPTION_CONTEXT_VALUE, &context, sizeof(context));
        WinHttpSetStatusCallback(h, &Storm::callback, mask, 0);
        t.handle = h;
        started_.store(i + 1);
        if (!WinHttpSendRequest(h, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0,
                                reinterpret_cast<DWORD_PTR>(&t))) {
            // Possible only when a storm thread closed or cleared it meanwhile.
            close(t);
        }
    }
    stop_ = true;
    for (auto& th : threads) th.join();
    // Whatever is still open is closed now, from this thread.
    for (unsigned i = 0; i < started_.load(); ++i) close(*trackers_[i]);
}

bool Storm::wait_settled(std::chrono::seconds bound) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, bound, [&] { return settled_.load() >= started_.load(); });
}

std::vector<std::string> Storm::audit() const {
    std::vector<std::string> out;
    for (unsigned i = 0; i < started_.load(); ++i) {
        const Tracker& t = *trackers_[i];
        auto say = [&](const std::string& what) {
            out.push_back("request " + std::to_string(i) + ": " + what + " (last status 0x" +
                          std::to_string(t.last_status.load()) + ", cleared " +
                          std::to_string(t.cleared.load()) + ")");
        };
        if (!t.closed.load()) say("never closed");
        if (!t.settled.load()) say("not settled: no HANDLE_CLOSING");
        if (!t.cleared.load() && t.closing.load() != 1)
            say("HANDLE_CLOSING " + std::to_string(t.closing.load()) + " times");
        if (t.cleared.load() && t.closing.load() != 0) say("HANDLE_CLOSING after the callback was cleared");
        if (t.after_closing.load()) say(std::to_string(t.after_closing.load()) + " callbacks after HANDLE_CLOSING");
        if (t.after_cleared.load()) say(std::to_string(t.after_cleared.load()) + " callbacks after clearing");
        if (t.overlaps.load()) say("overlapping callbacks");
    }
    return out;
}

}  // namespace

TEST(CloseStorm, EveryHandleClosesOnceWithNothingAfterHandleClosing) {
    const unsigned total = env_or("WINHTTP_STRESS_REQUESTS", 2000);
    const unsigned in_flight = env_or("WINHTTP_STRESS_IN_FLIGHT", 200);
    const unsigned seed = env_or("WINHTTP_STRESS_SEED", 20240607);
    SCOPED_TRACE("WINHTTP_STRESS_SEED=" + std::to_string(seed) +
                 " WINHTTP_STRESS_REQUESTS=" + std::to_string(total));

    Nginx& nginx = Nginx::shared();
    // Slow answers: a trickled body, or headers then silence until the client gives up.
    const std::string body(64 * 1024, 's');
    ScriptedServer trickle({{Step::read_request(),
                             Step::send_split(http_response(200, "OK", {}, body), 4096, 20ms),
                             Step::close()}});
    ScriptedServer stall({{Step::read_request(),
                           Step::send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc"),
                           Step::stall(3s)}});

    Handle session = open_session(WINHTTP_FLAG_ASYNC);
    ASSERT_TRUE(WinHttpSetTimeouts(session, 2000, 2000, 2000, 2000));
    Handle to_nginx(WinHttpConnect(session, L"127.0.0.1", nginx.port(), 0));
    Handle to_trickle(WinHttpConnect(session, L"127.0.0.1", trickle.port(), 0));
    Handle to_stall(WinHttpConnect(session, L"127.0.0.1", stall.port(), 0));

    auto storm = std::make_unique<Storm>(total, in_flight, seed);
    Storm::s_storm = storm.get();
    Stopwatch sw;
    storm->run({to_nginx, to_nginx, to_nginx, to_trickle, to_stall},
              {L"/hello.txt", L"/16k.bin", L"/1m.bin", L"/trickle", L"/stall"});
    const bool settled = storm->wait_settled(30s);
    std::cout << "close storm: " << total << " requests in " << sw.ms() << " ms, seed " << seed
              << ": completed " << storm->completed << ", closed in a callback "
              << storm->closed_inside << ", closed by another thread " << storm->closed_outside
              << ", callback cleared " << storm->cleared << ", REQUEST_ERROR cancelled "
              << storm->cancelled << " / other " << storm->other_errors << "\n";
    const auto problems = storm->audit();
    EXPECT_TRUE(settled) << "not every request settled within 30 s";
    for (size_t i = 0; i < problems.size() && i < 20; ++i) ADD_FAILURE() << problems[i];
    EXPECT_TRUE(problems.empty()) << problems.size() << " problems";
    to_nginx.reset();
    to_trickle.reset();
    to_stall.reset();
    session.reset();
    // Late callbacks may still reach the trackers after a failure: keep them alive then.
    if (!settled || !problems.empty()) (void)storm.release();
}
