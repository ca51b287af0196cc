#include "core/handle_table.h"

#include <algorithm>

#include "util/trace.h"

namespace winhttp {

namespace {

const char* type_name(HandleType t) {
    switch (t) {
        case HandleType::Session: return "session";
        case HandleType::Connect: return "connect";
        case HandleType::Request: return "request";
        default: return "websocket";
    }
}

}  // namespace

HandleTable& HandleTable::instance() {
    // Never destroyed: handles may still be closed from atexit handlers and detached threads.
    static HandleTable* table = new HandleTable;
    return *table;
}

bool HandleTable::decode(HINTERNET h, uint32_t& slot, uint64_t& gen) const {
    const auto v = reinterpret_cast<uintptr_t>(h);
    slot = static_cast<uint32_t>(v & kSlotMask);
    gen = v >> kSlotBits;
    return slot != 0 && slot < slots_.size() && slots_[slot].generation == gen &&
           slots_[slot].obj != nullptr;
}

HINTERNET HandleTable::insert(Object* obj) {
    HINTERNET h;
    {
        std::lock_guard lock(mutex_);
        uint32_t slot;
        if (!free_.empty()) {
            slot = free_.back();
            free_.pop_back();
        } else {
            if (slots_.size() > kSlotMask) return nullptr;
            slot = static_cast<uint32_t>(slots_.size());
            slots_.push_back(Slot{});
        }
        slots_[slot].obj = obj;
        ++live_;
        const auto value = (slots_[slot].generation << kSlotBits) | slot;
        h = reinterpret_cast<HINTERNET>(static_cast<uintptr_t>(value));
        obj->set_handle(h);
    }
    // Outside the lock (the trace writes to a file); the caller still owns its reference.
    if (trace::on()) trace::handle("created", h, type_name(obj->type()));
    return h;
}

Ref<Object> HandleTable::lookup(HINTERNET h) const {
    std::lock_guard lock(mutex_);
    uint32_t slot;
    uint64_t gen;
    if (!decode(h, slot, gen)) return {};
    return Ref<Object>(slots_[slot].obj);
}

Ref<Object> HandleTable::remove(HINTERNET h) {
    Object* obj;
    {
        std::lock_guard lock(mutex_);
        uint32_t slot;
        uint64_t gen;
        if (!decode(h, slot, gen)) return {};
        obj = std::exchange(slots_[slot].obj, nullptr);
        slots_[slot].generation = (slots_[slot].generation + 1) & (UINT64_MAX >> kSlotBits);
        if (slots_[slot].generation == 0) slots_[slot].generation = 1;
        free_.push_back(slot);
        --live_;
    }
    if (trace::on()) trace::handle("closed", h, nullptr);
    return Ref<Object>::adopt(obj);
}

size_t HandleTable::live_count() const {
    std::lock_guard lock(mutex_);
    return live_;
}

Lookup lookup_handle(HINTERNET h, std::initializer_list<HandleType> allowed) {
    Lookup r;
    if (!h) {
        r.error = ERROR_INVALID_HANDLE;
        return r;
    }
    r.object = HandleTable::instance().lookup(h);
    if (!r.object) {
        r.error = ERROR_INVALID_HANDLE;
    } else if (std::find(allowed.begin(), allowed.end(), r.object->type()) == allowed.end()) {
        r.object = {};
        r.error = ERROR_WINHTTP_INCORRECT_HANDLE_TYPE;
    }
    return r;
}

}  // namespace winhttp
