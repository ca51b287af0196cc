// Memory for coroutine frames (core/task.h): a small per-thread cache of freed frames, so the
// engine's coroutines, which are created and destroyed several times per request, do not go
// through malloc/free each time (issue 16: ~17 frames per sync keep-alive GET).
//
// frame_alloc(n) returns a block of at least n bytes; frame_free(p, n) takes it back with the
// same n. Blocks are grouped by size class (n rounded up to kFrameAlign); a freed block is kept
// in the freeing thread's cache, at most kFramesPerClass per class, and handed out again by that
// thread's next frame_alloc of the same class. Larger frames, frees beyond the cap, and all frees
// once the thread's cache has been torn down at thread exit go to ::operator delete.
//
// Threads: a frame freed on another thread than the one that allocated it joins the freeing
// thread's cache (the destroy that frees it already happens after every use of the frame: the
// coroutine finished, see Task's state handshake), so no lock is taken and nothing is shared.
// The calling thread's cache is reached through one initial-exec thread_local pointer (8 bytes
// of static TLS; the cache itself is allocated at the thread's first frame free).
//
// Sanitizers: under AddressSanitizer a cached block is poisoned while it waits in the cache, so a
// read or write through a stale pointer to a freed frame is still reported (as
// use-after-poison) until the block is reused. Building with -DWINHTTP_FRAME_CACHE=0 turns the
// cache off (every frame is malloc'd and freed, so ASan's quarantine sees every use after free).
#pragma once
#include <cstddef>
#include <new>

#ifndef WINHTTP_FRAME_CACHE
#define WINHTTP_FRAME_CACHE 1
#endif

#if defined(__SANITIZE_ADDRESS__)
#define WINHTTP_FRAME_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WINHTTP_FRAME_ASAN 1
#endif
#endif

namespace winhttp {

inline constexpr size_t kFrameAlign = 64;        // size-class granularity
inline constexpr size_t kFrameMaxCached = 2048;  // larger frames are never cached
inline constexpr size_t kFrameClasses = kFrameMaxCached / kFrameAlign;
inline constexpr unsigned char kFramesPerClass = 8;  // blocks kept per class and thread
// So a thread keeps at most 8 x (64 + 128 + ... + 2048) bytes = 264 KiB, and in practice only
// the few classes its coroutines use (W1: ~17 frames, a few KiB).

namespace detail {

struct FreeFrame {
    FreeFrame* next;
};

struct FrameCache {
    FreeFrame* head[kFrameClasses];
    unsigned char count[kFrameClasses];
};

// The calling thread's cache; null until its first frame free, a shared never-caching sentinel
// after the thread's cache was torn down.
extern constinit thread_local FrameCache* t_frame_cache __attribute__((tls_model("initial-exec")));

void* frame_alloc_slow(size_t n);
void frame_free_slow(void* p, size_t n) noexcept;

}  // namespace detail

inline void* frame_alloc(size_t n) {
#if WINHTTP_FRAME_CACHE && !defined(WINHTTP_FRAME_ASAN)
    detail::FrameCache* c = detail::t_frame_cache;
    const size_t k = (n + kFrameAlign - 1) / kFrameAlign - 1;
    if (c != nullptr && k < kFrameClasses) {
        if (detail::FreeFrame* b = c->head[k]) {
            c->head[k] = b->next;
            --c->count[k];
            return b;
        }
    }
#endif
    return detail::frame_alloc_slow(n);
}

inline void frame_free(void* p, size_t n) noexcept {
#if WINHTTP_FRAME_CACHE && !defined(WINHTTP_FRAME_ASAN)
    detail::FrameCache* c = detail::t_frame_cache;
    const size_t k = (n + kFrameAlign - 1) / kFrameAlign - 1;
    if (c != nullptr && k < kFrameClasses && c->count[k] < kFramesPerClass) {
        auto* b = static_cast<detail::FreeFrame*>(p);
        b->next = c->head[k];
        c->head[k] = b;
        ++c->count[k];
        return;
    }
#endif
    detail::frame_free_slow(p, n);
}

// Test hook: blocks currently cached by the calling thread.
size_t frame_cache_blocks() noexcept;

}  // namespace winhttp
