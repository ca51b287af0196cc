// The per-thread coroutine frame cache (core/frame_cache.h) behind Task and Detached frames.
#include "core/frame_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/task.h"

#ifdef WINHTTP_FRAME_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace {

using winhttp::frame_alloc;
using winhttp::frame_cache_blocks;
using winhttp::frame_free;
using winhttp::Task;

Task<int> add_one(int x) { co_return x + 1; }

Task<int> add_two(int x) {
    int a = co_await add_one(x);
    co_return co_await add_one(a);
}

#if WINHTTP_FRAME_CACHE

TEST(FrameCache, FreedBlockIsReusedForTheSameSizeClass) {
    void* a = frame_alloc(200);
    frame_free(a, 200);
    void* b = frame_alloc(250);  // same 64-byte class (193..256)
    EXPECT_EQ(a, b);
    frame_free(b, 250);
}

TEST(FrameCache, DifferentClassesDoNotShare) {
    void* a = frame_alloc(100);
    frame_free(a, 100);
    void* b = frame_alloc(1000);
    EXPECT_NE(a, b);
    frame_free(b, 1000);
    void* c = frame_alloc(100);
    EXPECT_EQ(a, c);
    frame_free(c, 100);
}

TEST(FrameCache, KeepsAtMostEightBlocksPerClass) {
    const size_t before = frame_cache_blocks();
    std::vector<void*> blocks;
    for (int i = 0; i < 20; ++i) blocks.push_back(frame_alloc(520));
    for (void* p : blocks) frame_free(p, 520);
    EXPECT_LE(frame_cache_blocks() - before, winhttp::kFramesPerClass);
    EXPECT_GE(frame_cache_blocks() - before, 1u);
}

TEST(FrameCache, LargeFramesAreNotCached) {
    const size_t before = frame_cache_blocks();
    void* p = frame_alloc(winhttp::kFrameMaxCached + 1);
    frame_free(p, winhttp::kFrameMaxCached + 1);
    EXPECT_EQ(frame_cache_blocks(), before);
}

TEST(FrameCache, TaskFramesComeFromTheCache) {
    EXPECT_EQ(add_two(1).run_inline(), 3);
    const size_t cached = frame_cache_blocks();
    EXPECT_GE(cached, 1u);
    // The same coroutines again take their frames from the cache and give them back.
    EXPECT_EQ(add_two(5).run_inline(), 7);
    EXPECT_EQ(frame_cache_blocks(), cached);
}

// A frame freed on another thread joins that thread's cache; the thread's exit frees it (the
// ASan tree's leak check would report it otherwise).
TEST(FrameCache, FreeOnAnotherThreadGoesToThatThreadsCache) {
    void* p = frame_alloc(300);
    const size_t here = frame_cache_blocks();
    size_t there_before = 0, there_after = 0;
    std::thread t([&] {
        there_before = frame_cache_blocks();
        frame_free(p, 300);
        there_after = frame_cache_blocks();
    });
    t.join();
    EXPECT_EQ(there_before, 0u);
    EXPECT_EQ(there_after, 1u);
    EXPECT_EQ(frame_cache_blocks(), here);
}

#ifdef WINHTTP_FRAME_ASAN
TEST(FrameCache, CachedBlocksArePoisonedUnderAsan) {
    void* p = frame_alloc(128);
    EXPECT_FALSE(__asan_address_is_poisoned(p));
    frame_free(p, 128);
    EXPECT_TRUE(__asan_address_is_poisoned(p));
    void* q = frame_alloc(128);
    EXPECT_EQ(p, q);
    EXPECT_FALSE(__asan_address_is_poisoned(q));
    frame_free(q, 128);
}
#endif

#endif  // WINHTTP_FRAME_CACHE

}  // namespace
