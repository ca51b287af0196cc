// The handle model and WinHttpCloseHandle (the seed page, ../shared/seed/), WinHttpOpen,
// WinHttpConnect, WinHttpOpenRequest and WinHttpSetStatusCallback, with bad input of every kind.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/handle_table.h"

namespace {

constexpr DWORD kSentinel = 0xDEADBEEF;
const HINTERNET kGarbage = reinterpret_cast<HINTERNET>(static_cast<uintptr_t>(0x1234567));

HINTERNET open_session(DWORD flags = 0) {
    return WinHttpOpen(L"test/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                       WINHTTP_NO_PROXY_BYPASS, flags);
}

// Records HANDLE_CREATED / HANDLE_CLOSING and checks nothing arrives after HANDLE_CLOSING.
struct HandleEvents {
    std::mutex m;
    std::vector<std::pair<DWORD, HINTERNET>> events;
    std::map<HINTERNET, int> closing;
    std::atomic<int> after_closing{0};

    static void CALLBACK cb(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len) {
        auto* self = reinterpret_cast<HandleEvents*>(ctx);
        std::lock_guard lock(self->m);
        if (self->closing.count(h)) self->after_closing++;
        if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) {
            EXPECT_EQ(len, sizeof(HINTERNET));
            EXPECT_EQ(*static_cast<HINTERNET*>(info), h);
            self->closing[h]++;
        }
        self->events.emplace_back(status, h);
    }
    int closing_count(HINTERNET h) {
        std::lock_guard lock(m);
        return closing.count(h) ? closing[h] : 0;
    }
    size_t position(DWORD status, HINTERNET h) {
        std::lock_guard lock(m);
        for (size_t i = 0; i < events.size(); ++i)
            if (events[i] == std::make_pair(status, h)) return i;
        return SIZE_MAX;
    }
};

void watch(HINTERNET h, HandleEvents& ev) {
    DWORD_PTR ctx = reinterpret_cast<DWORD_PTR>(&ev);
    ASSERT_TRUE(WinHttpSetOption(h, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx)));
    ASSERT_NE(WinHttpSetStatusCallback(h, HandleEvents::cb, WINHTTP_CALLBACK_FLAG_HANDLES, 0),
              WINHTTP_INVALID_STATUS_CALLBACK);
}

}  // namespace

// WinHttpCloseHandle page: TRUE on success.
TEST(CloseHandle, ReturnsTrueAndSetsSuccess) {
    HINTERNET s = open_session();
    ASSERT_NE(s, nullptr);
    SetLastError(kSentinel);
    EXPECT_TRUE(WinHttpCloseHandle(s));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
}

// WinHttpCloseHandle page: "it cannot call any other WinHTTP API functions using that handle".
TEST(CloseHandle, ClosedHandleIsDeadToEveryFunction) {
    HINTERNET s = open_session();
    ASSERT_TRUE(WinHttpCloseHandle(s));
    SetLastError(kSentinel);
    EXPECT_FALSE(WinHttpCloseHandle(s));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    DWORD v = 0, size = sizeof(v);
    EXPECT_FALSE(WinHttpQueryOption(s, WINHTTP_OPTION_CONNECT_TIMEOUT, &v, &size));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    EXPECT_EQ(WinHttpConnect(s, L"127.0.0.1", 80, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    EXPECT_EQ(WinHttpSetStatusCallback(s, HandleEvents::cb, 0, 0), WINHTTP_INVALID_STATUS_CALLBACK);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    EXPECT_FALSE(WinHttpSetTimeouts(s, 0, 0, 0, 0));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
}

TEST(CloseHandle, NullAndGarbageGiveInvalidHandle) {
    for (HINTERNET h : {static_cast<HINTERNET>(nullptr), kGarbage,
                        reinterpret_cast<HINTERNET>(~uintptr_t{0})}) {
        SetLastError(kSentinel);
        EXPECT_FALSE(WinHttpCloseHandle(h));
        EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    }
}

TEST(CloseHandle, HandleValuesAreNotReusedSoon) {
    std::vector<HINTERNET> seen;
    for (int i = 0; i < 1000; ++i) {
        HINTERNET s = open_session();
        for (HINTERNET old : seen) ASSERT_NE(old, s);
        seen.push_back(s);
        WinHttpCloseHandle(s);
    }
}

// WinHttpCloseHandle page: HANDLE_CLOSING "is the last callback made from the handle".
TEST(CloseHandle, HandleClosingIsDeliveredOnceAndLast) {
    HandleEvents ev;
    HINTERNET s = open_session();
    watch(s, ev);
    ASSERT_TRUE(WinHttpCloseHandle(s));
    EXPECT_EQ(ev.closing_count(s), 1);
    EXPECT_EQ(ev.after_closing.load(), 0);
}

// The WinHttpCloseHandle page mentions a non-NULL context, but Windows delivers HANDLE_CLOSING
// with context 0 as well, and apps wait for it (PITFALLS 2: Azure SDK PR #7353): so do we.
TEST(CloseHandle, HandleClosingArrivesWithZeroContext) {
    static int calls = 0;
    static DWORD_PTR seen = 1;
    struct Cb {
        static void CALLBACK fn(HINTERNET, DWORD_PTR ctx, DWORD status, LPVOID, DWORD) {
            if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING) ++calls, seen = ctx;
        }
    };
    HINTERNET s = open_session();
    ASSERT_NE(WinHttpSetStatusCallback(s, Cb::fn, WINHTTP_CALLBACK_FLAG_HANDLES, 0),
              WINHTTP_INVALID_STATUS_CALLBACK);
    ASSERT_TRUE(WinHttpCloseHandle(s));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(seen, 0u);
}

// WinHttpCloseHandle page: the app must enable WINHTTP_CALLBACK_FLAG_HANDLES to get it.
TEST(CloseHandle, NoHandleClosingWhenMaskExcludesIt) {
    HandleEvents ev;
    HINTERNET s = open_session();
    DWORD_PTR ctx = reinterpret_cast<DWORD_PTR>(&ev);
    WinHttpSetOption(s, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx));
    WinHttpSetStatusCallback(s, HandleEvents::cb, WINHTTP_CALLBACK_FLAG_REDIRECT, 0);
    ASSERT_TRUE(WinHttpCloseHandle(s));
    EXPECT_TRUE(ev.events.empty());
}

// Seed page: WinHttpSetStatusCallback(h, NULL, 0, 0) stops callbacks, HANDLE_CLOSING included.
TEST(CloseHandle, NullCallbackSuppressesHandleClosing) {
    HandleEvents ev;
    HINTERNET s = open_session();
    watch(s, ev);
    EXPECT_EQ(WinHttpSetStatusCallback(s, nullptr, 0, 0), &HandleEvents::cb);
    ASSERT_TRUE(WinHttpCloseHandle(s));
    EXPECT_TRUE(ev.events.empty());
}

// "HINTERNET Handles in WinHTTP": handles form a tree; children inherit the session's settings.
// Closing a parent first: its value is dead at once, children keep working until closed, and
// the parent's HANDLE_CLOSING ("the handle is being destroyed") comes after its last child's,
// because children keep the parent object alive. The page does not order these callbacks;
// this is our choice.
TEST(CloseHandle, ParentClosedFirstOutlivesChildren) {
    HandleEvents ev;
    HINTERNET s = open_session();
    watch(s, ev);
    HINTERNET c = WinHttpConnect(s, L"127.0.0.1", 80, 0);
    HINTERNET r = WinHttpOpenRequest(c, L"GET", L"/", nullptr, WINHTTP_NO_REFERER,
                                     WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    ASSERT_NE(r, nullptr);
    ASSERT_TRUE(WinHttpCloseHandle(s));
    EXPECT_EQ(ev.closing_count(s), 0);
    EXPECT_EQ(WinHttpConnect(s, L"127.0.0.1", 80, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    DWORD type = 0, size = sizeof(type);
    EXPECT_TRUE(WinHttpQueryOption(r, WINHTTP_OPTION_HANDLE_TYPE, &type, &size));
    EXPECT_EQ(type, static_cast<DWORD>(WINHTTP_HANDLE_TYPE_REQUEST));
    ASSERT_TRUE(WinHttpCloseHandle(c));
    EXPECT_EQ(ev.closing_count(c), 0);  // its request still holds it
    ASSERT_TRUE(WinHttpCloseHandle(r));
    EXPECT_EQ(ev.closing_count(r), 1);
    EXPECT_EQ(ev.closing_count(c), 1);
    EXPECT_EQ(ev.closing_count(s), 1);
    EXPECT_LT(ev.position(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, r),
              ev.position(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, c));
    EXPECT_LT(ev.position(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, c),
              ev.position(WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING, s));
    EXPECT_EQ(ev.after_closing.load(), 0);
}

// WinHttpSetStatusCallback page: the callback is inherited by handles created later.
TEST(SetStatusCallback, ChildrenInheritCallbackAndGetHandleCreated) {
    HandleEvents ev;
    HINTERNET s = open_session();
    watch(s, ev);
    HINTERNET c = WinHttpConnect(s, L"127.0.0.1", 80, 0);
    HINTERNET r = WinHttpOpenRequest(c, nullptr, nullptr, nullptr, nullptr, nullptr, 0);
    EXPECT_NE(ev.position(WINHTTP_CALLBACK_STATUS_HANDLE_CREATED, c), SIZE_MAX);
    EXPECT_NE(ev.position(WINHTTP_CALLBACK_STATUS_HANDLE_CREATED, r), SIZE_MAX);
    WinHttpCloseHandle(r);
    WinHttpCloseHandle(c);
    WinHttpCloseHandle(s);
    EXPECT_EQ(ev.closing_count(r), 1);
    EXPECT_EQ(ev.closing_count(c), 1);
}

// Changing a parent's callback does not change existing children (winhttp-surface.md (f)).
TEST(SetStatusCallback, ExistingChildrenKeepTheirCallback) {
    HandleEvents ev;
    HINTERNET s = open_session();
    watch(s, ev);
    HINTERNET c = WinHttpConnect(s, L"127.0.0.1", 80, 0);
    EXPECT_EQ(WinHttpSetStatusCallback(s, nullptr, 0, 0), &HandleEvents::cb);
    WINHTTP_STATUS_CALLBACK cb = nullptr;
    DWORD size = sizeof(cb);
    ASSERT_TRUE(WinHttpQueryOption(c, WINHTTP_OPTION_CALLBACK, &cb, &size));
    EXPECT_EQ(cb, &HandleEvents::cb);
    WinHttpCloseHandle(c);
    WinHttpCloseHandle(s);
    EXPECT_EQ(ev.closing_count(c), 1);
    EXPECT_EQ(ev.closing_count(s), 0);
}

TEST(SetStatusCallback, ReturnsPreviousCallback) {
    HINTERNET s = open_session();
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpSetStatusCallback(s, HandleEvents::cb, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0),
              nullptr);
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(WinHttpSetStatusCallback(s, nullptr, 0, 0), &HandleEvents::cb);
    WinHttpCloseHandle(s);
}

TEST(SetStatusCallback, BadHandleGivesInvalidStatusCallback) {
    for (HINTERNET h : {static_cast<HINTERNET>(nullptr), kGarbage}) {
        SetLastError(kSentinel);
        EXPECT_EQ(WinHttpSetStatusCallback(h, HandleEvents::cb, 0, 0), WINHTTP_INVALID_STATUS_CALLBACK);
        EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    }
}

// Better than Windows (README): once WinHttpSetStatusCallback(h, NULL, 0, 0) returns on a thread
// that is not inside one of h's callbacks, no callback of h is running or will start.
TEST(SetStatusCallback, NullCallbackWaitsForRunningCallback) {
    static std::atomic<HINTERNET> created{nullptr};
    static std::atomic<bool> left{false};
    created = nullptr;
    left = false;
    struct Cb {
        static void CALLBACK fn(HINTERNET h, DWORD_PTR, DWORD status, LPVOID, DWORD) {
            if (status != WINHTTP_CALLBACK_STATUS_HANDLE_CREATED) return;
            created = h;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            left = true;
        }
    };
    HINTERNET s = open_session();
    DWORD_PTR ctx = 1;
    WinHttpSetOption(s, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx));
    WinHttpSetStatusCallback(s, Cb::fn, WINHTTP_CALLBACK_FLAG_HANDLES, 0);
    HINTERNET c = nullptr;
    std::thread t([&] { c = WinHttpConnect(s, L"127.0.0.1", 80, 0); });
    while (!created.load()) std::this_thread::yield();
    WinHttpSetStatusCallback(created.load(), nullptr, 0, 0);
    EXPECT_TRUE(left.load());
    t.join();
    WinHttpCloseHandle(c);
    WinHttpCloseHandle(s);
}

// A callback may close its own handle (reentrancy) without deadlock or a second HANDLE_CLOSING.
TEST(SetStatusCallback, CloseInsideCallbackIsSafe) {
    static HandleEvents ev;
    struct Cb {
        static void CALLBACK fn(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len) {
            HandleEvents::cb(h, ctx, status, info, len);
            if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CREATED) {
                EXPECT_TRUE(WinHttpCloseHandle(h));
                EXPECT_EQ(WinHttpSetStatusCallback(h, nullptr, 0, 0), WINHTTP_INVALID_STATUS_CALLBACK);
            }
        }
    };
    HINTERNET s = open_session();
    DWORD_PTR ctx = reinterpret_cast<DWORD_PTR>(&ev);
    WinHttpSetOption(s, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx));
    WinHttpSetStatusCallback(s, Cb::fn, WINHTTP_CALLBACK_FLAG_HANDLES, 0);
    HINTERNET c = WinHttpConnect(s, L"127.0.0.1", 80, 0);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(ev.closing_count(c), 1);
    EXPECT_FALSE(WinHttpCloseHandle(c));
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    WinHttpCloseHandle(s);
}

// WinHttpOpen page: parameter checks.
TEST(Open, RejectsBadAccessTypeAndFlags) {
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpOpen(L"a", 2, nullptr, nullptr, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(WinHttpOpen(L"a", WINHTTP_ACCESS_TYPE_NAMED_PROXY, nullptr, nullptr, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(WinHttpOpen(L"a", WINHTTP_ACCESS_TYPE_NO_PROXY, nullptr, nullptr, 0x1), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
}

TEST(Open, AcceptsEveryAccessTypeAndAsync) {
    for (DWORD at : {WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, WINHTTP_ACCESS_TYPE_NO_PROXY,
                     WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY}) {
        SetLastError(kSentinel);
        HINTERNET s = WinHttpOpen(nullptr, at, nullptr, nullptr, WINHTTP_FLAG_ASYNC);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
        WinHttpCloseHandle(s);
    }
    HINTERNET s = WinHttpOpen(L"a", WINHTTP_ACCESS_TYPE_NAMED_PROXY, L"proxy:8080", L"<local>",
                              WINHTTP_FLAG_SECURE_DEFAULTS);
    ASSERT_NE(s, nullptr);
    WINHTTP_PROXY_INFO info{};
    DWORD size = sizeof(info);
    ASSERT_TRUE(WinHttpQueryOption(s, WINHTTP_OPTION_PROXY, &info, &size));
    EXPECT_EQ(info.dwAccessType, static_cast<DWORD>(WINHTTP_ACCESS_TYPE_NAMED_PROXY));
    EXPECT_STREQ(info.lpszProxy, L"proxy:8080");
    EXPECT_STREQ(info.lpszProxyBypass, L"<local>");
    GlobalFree(info.lpszProxy);  // WINHTTP_OPTION_PROXY: caller frees with GlobalFree
    GlobalFree(info.lpszProxyBypass);
    WinHttpCloseHandle(s);
}

TEST(Connect, ChecksHandleAndArguments) {
    HINTERNET s = open_session();
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpConnect(nullptr, L"h", 80, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    EXPECT_EQ(WinHttpConnect(kGarbage, L"h", 80, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    EXPECT_EQ(WinHttpConnect(s, nullptr, 80, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(WinHttpConnect(s, L"h", 80, 1), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    HINTERNET c = WinHttpConnect(s, L"h", INTERNET_DEFAULT_PORT, 0);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    EXPECT_EQ(WinHttpConnect(c, L"h", 80, 0), nullptr);  // a connect handle is the wrong kind
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    WinHttpCloseHandle(c);
    WinHttpCloseHandle(s);
}

TEST(OpenRequest, ChecksHandleAndArguments) {
    HINTERNET s = open_session();
    HINTERNET c = WinHttpConnect(s, L"h", 80, 0);
    SetLastError(kSentinel);
    EXPECT_EQ(WinHttpOpenRequest(s, L"GET", L"/", nullptr, nullptr, nullptr, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    EXPECT_EQ(WinHttpOpenRequest(kGarbage, L"GET", L"/", nullptr, nullptr, nullptr, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    EXPECT_EQ(WinHttpOpenRequest(c, L"GET", L"/", nullptr, nullptr, nullptr, 0x40000000), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(WinHttpOpenRequest(c, L"GE\r\nT", L"/", nullptr, nullptr, nullptr, 0), nullptr);
    EXPECT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    // Wine winhttp.c test_request_path_escapes (verified on Windows): CR/LF in the object name
    // are accepted and escaped (%0D%0A), so they cannot split the request line
    HINTERNET crlf = WinHttpOpenRequest(c, L"GET", L"/a\r\nX: y", nullptr, nullptr, nullptr, 0);
    EXPECT_NE(crlf, nullptr);
    WinHttpCloseHandle(crlf);
    HINTERNET r = WinHttpOpenRequest(c, L"PUT", L"/x", L"HTTP/1.0", L"http://ref/",
                                     nullptr, WINHTTP_FLAG_REFRESH);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS);
    HINTERNET parent = nullptr;
    DWORD size = sizeof(parent);
    ASSERT_TRUE(WinHttpQueryOption(r, WINHTTP_OPTION_PARENT_HANDLE, &parent, &size));
    EXPECT_EQ(parent, c);
    WinHttpCloseHandle(r);
    WinHttpCloseHandle(c);
    WinHttpCloseHandle(s);
}

TEST(CheckPlatform, ReturnsTrue) { EXPECT_TRUE(WinHttpCheckPlatform()); }

TEST(LastError, IsPerThread) {
    SetLastError(42);
    std::thread([] {
        EXPECT_EQ(GetLastError(), 0u);
        SetLastError(7);
    }).join();
    EXPECT_EQ(GetLastError(), 42u);
}

// Several threads open and close 100,000 handle trees while others hammer stale values:
// no crash, HANDLE_CLOSING exactly once per handle, nothing after it, nothing leaked.
TEST(HandleStress, ConcurrentOpenCloseAndStaleUse) {
    struct Counter {
        std::atomic<long> closing{0};
        static void CALLBACK cb(HINTERNET, DWORD_PTR ctx, DWORD status, LPVOID, DWORD) {
            if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING)
                reinterpret_cast<Counter*>(ctx)->closing++;
        }
    } counter;
    const size_t live_before = winhttp::HandleTable::instance().live_count();
    constexpr int kThreads = 4, kTrees = 100000 / kThreads;
    std::atomic<bool> stop{false};
    std::atomic<uintptr_t> recent{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < kThreads; ++t) {
        workers.emplace_back([&] {
            DWORD_PTR ctx = reinterpret_cast<DWORD_PTR>(&counter);
            for (int i = 0; i < kTrees; ++i) {
                HINTERNET s = open_session();
                WinHttpSetOption(s, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx));
                WinHttpSetStatusCallback(s, Counter::cb, WINHTTP_CALLBACK_FLAG_HANDLES, 0);
                HINTERNET c = WinHttpConnect(s, L"127.0.0.1", 80, 0);
                HINTERNET r = WinHttpOpenRequest(c, nullptr, nullptr, nullptr, nullptr, nullptr, 0);
                if (i % 3 == 0) {  // parent first, sometimes
                    WinHttpCloseHandle(s);
                    WinHttpCloseHandle(r);
                    WinHttpCloseHandle(c);
                } else {
                    WinHttpCloseHandle(r);
                    WinHttpCloseHandle(c);
                    WinHttpCloseHandle(s);
                }
                recent = reinterpret_cast<uintptr_t>(i % 3 == 0 ? r : (i % 3 == 1 ? c : s));
            }
        });
    }
    std::atomic<long> stale_accepted{0};
    std::thread stale([&] {
        while (!stop) {
            auto h = reinterpret_cast<HINTERNET>(recent.load());
            if (!h) continue;
            DWORD v = 1000, size = sizeof(v);
            if (WinHttpQueryOption(h, WINHTTP_OPTION_HANDLE_TYPE, &v, &size)) stale_accepted++;
            if (WinHttpSetOption(h, WINHTTP_OPTION_CONNECT_TIMEOUT, &v, sizeof(v))) stale_accepted++;
            if (WinHttpConnect(h, L"x", 1, 0)) stale_accepted++;
            if (WinHttpCloseHandle(h)) stale_accepted++;
        }
    });
    for (auto& w : workers) w.join();
    stop = true;
    stale.join();
    EXPECT_EQ(stale_accepted.load(), 0);
    EXPECT_EQ(counter.closing.load(), 3L * kThreads * kTrees);
    EXPECT_EQ(winhttp::HandleTable::instance().live_count(), live_before);
}
