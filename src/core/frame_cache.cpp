// Per-thread cache of coroutine frames: see frame_cache.h. The inline functions there take and
// give blocks when the thread's cache exists; everything else comes here.
#include "core/frame_cache.h"

#ifdef WINHTTP_FRAME_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace winhttp {

namespace detail {

constinit thread_local FrameCache* t_frame_cache __attribute__((tls_model("initial-exec"))) = nullptr;

}  // namespace detail

namespace {

using detail::FrameCache;
using detail::FreeFrame;
using detail::t_frame_cache;

// After a thread's teardown its pointer is this: no free block, every class full, so the inline
// paths neither take nor keep anything. Only ever read.
constexpr FrameCache make_dead() {
    FrameCache c{};
    for (auto& n : c.count) n = kFramesPerClass;
    return c;
}
constinit FrameCache g_dead = make_dead();

void poison(void* p, size_t bytes) {
#ifdef WINHTTP_FRAME_ASAN
    ASAN_POISON_MEMORY_REGION(p, bytes);
#else
    (void)p, (void)bytes;
#endif
}

void unpoison(void* p, size_t bytes) {
#ifdef WINHTTP_FRAME_ASAN
    ASAN_UNPOISON_MEMORY_REGION(p, bytes);
#else
    (void)p, (void)bytes;
#endif
}

// Frees the thread's cached blocks when the thread ends.
struct Teardown {
    ~Teardown() {
        FrameCache* c = t_frame_cache;
        t_frame_cache = &g_dead;
        if (c == nullptr || c == &g_dead) return;
        for (size_t i = 0; i < kFrameClasses; ++i) {
            while (FreeFrame* b = c->head[i]) {
                unpoison(b, (i + 1) * kFrameAlign);
                c->head[i] = b->next;
                ::operator delete(b);
            }
        }
        delete c;
    }
};

thread_local Teardown t_teardown;

size_t class_of(size_t n) { return (n + kFrameAlign - 1) / kFrameAlign - 1; }

}  // namespace

namespace detail {

void* frame_alloc_slow(size_t n) {
#if WINHTTP_FRAME_CACHE
    const size_t k = class_of(n);
    if (n == 0 || k >= kFrameClasses) return ::operator new(n);
#ifdef WINHTTP_FRAME_ASAN
    // Under ASan the inline path is compiled out: take and unpoison here.
    if (FrameCache* c = t_frame_cache; c != nullptr && c->head[k] != nullptr) {
        FreeFrame* b = c->head[k];
        unpoison(b, (k + 1) * kFrameAlign);
        c->head[k] = b->next;
        --c->count[k];
        return b;
    }
#endif
    // The whole class, so that the block can serve any frame of its class later.
    return ::operator new((k + 1) * kFrameAlign);
#else
    return ::operator new(n);
#endif
}

void frame_free_slow(void* p, size_t n) noexcept {
#if WINHTTP_FRAME_CACHE
    const size_t k = class_of(n);
    if (p != nullptr && n != 0 && k < kFrameClasses) {
        FrameCache* c = t_frame_cache;
        if (c == nullptr) {
            // The thread's first free: make its cache, and arrange for it to go at thread exit
            // (the first odr-use of t_teardown constructs it and registers its destructor).
            c = new (std::nothrow) FrameCache{};
            if (c != nullptr) {
                Teardown* volatile arm = &t_teardown;
                (void)arm;
                t_frame_cache = c;
            }
        }
        if (c != nullptr && c->count[k] < kFramesPerClass) {
            auto* b = static_cast<FreeFrame*>(p);
            b->next = c->head[k];
            c->head[k] = b;
            ++c->count[k];
            poison(b, (k + 1) * kFrameAlign);
            return;
        }
    }
#else
    (void)n;
#endif
    ::operator delete(p);
}

}  // namespace detail

size_t frame_cache_blocks() noexcept {
    const FrameCache* c = t_frame_cache;
    if (c == nullptr || c == &g_dead) return 0;
    size_t n = 0;
    for (size_t i = 0; i < kFrameClasses; ++i) n += c->count[i];
    return n;
}

}  // namespace winhttp
