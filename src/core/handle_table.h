// HINTERNET values: opaque (generation << 24 | slot) numbers checked against a table, never
// pointers. A NULL, forged, stale or closed value is reported, never dereferenced; a slot's
// generation changes on every reuse, so an old value stays dead for 2^40 reuses of its slot.
#pragma once
#include <winhttp.h>

#include <cstdint>
#include <sched.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "core/object.h"

namespace winhttp {

// The table's lock. Every API call takes it once to turn its HINTERNET into a reference, for a
// few dozen instructions (decode, compare, add_ref), and nothing blocking ever runs under it;
// a pthread mutex's lock + unlock cost as much as the work itself (issue 16: ~45 of the ~153
// instructions per lookup). Test-and-test-and-set, pausing while it spins, then yielding the
// CPU, so a holder that was preempted is not spun against for a whole time slice.
class TableLock {
public:
    void lock() noexcept {
        while (held_.exchange(true, std::memory_order_acquire)) {
            for (unsigned n = 0; held_.load(std::memory_order_relaxed); ++n) {
                if (n < 64) {
#if defined(__x86_64__) || defined(__i386__)
                    __builtin_ia32_pause();
#endif
                } else {
                    sched_yield();
                }
            }
        }
    }
    void unlock() noexcept { held_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> held_{false};
};

class HandleTable {
public:
    static HandleTable& instance();

    // Registers `obj` (the table takes over the caller's reference) and returns its value,
    // or NULL when the table is full (caller reports ERROR_NOT_ENOUGH_MEMORY).
    HINTERNET insert(Object* obj);

    // Returns a new reference to the live object behind `h`, or null.
    Ref<Object> lookup(HINTERNET h) const;

    // Unregisters `h` and returns the table's reference to its object (null if not live).
    Ref<Object> remove(HINTERNET h);

    size_t live_count() const;

private:
    struct Slot {
        Object* obj = nullptr;
        uint64_t generation = 1;
    };
    static constexpr unsigned kSlotBits = 24;
    static constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;

    bool decode(HINTERNET h, uint32_t& slot, uint64_t& gen) const;

    mutable TableLock mutex_;
    std::vector<Slot> slots_{Slot{}};  // slot 0 is never used
    std::vector<uint32_t> free_;
    size_t live_ = 0;
};

// The result of looking up a handle for an API call: the object, or the Windows error.
struct Lookup {
    Ref<Object> object;
    DWORD error = 0;
};

// Looks `h` up and checks its kind: ERROR_INVALID_HANDLE for a dead value,
// ERROR_WINHTTP_INCORRECT_HANDLE_TYPE when it is not one of `allowed`.
Lookup lookup_handle(HINTERNET h, std::initializer_list<HandleType> allowed);

}  // namespace winhttp
