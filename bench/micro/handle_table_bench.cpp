// Handle lookup (core/handle_table.h): every API call starts with one, so it must stay cheap,
// also with several threads calling at once (the table has one mutex).
#include <benchmark/benchmark.h>

#include "core/handle_table.h"

namespace {

using winhttp::HandleTable;
using winhttp::HandleType;
using winhttp::Object;

// One live handle shared by all benchmark threads; made by thread 0, used by all.
HINTERNET g_handle = nullptr;

void BM_HandleLookup(benchmark::State& state) {
    auto& table = HandleTable::instance();
    if (state.thread_index() == 0) g_handle = table.insert(new Object(HandleType::Session, nullptr));
    for (auto _ : state) {
        auto found = winhttp::lookup_handle(g_handle, {HandleType::Session});
        benchmark::DoNotOptimize(found.object.get());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    if (state.thread_index() == 0) table.remove(g_handle);  // the Ref it returns frees the object
}
BENCHMARK(BM_HandleLookup)->Threads(1)->Threads(2);

void BM_HandleLookupStale(benchmark::State& state) {
    auto& table = HandleTable::instance();
    HINTERNET h = table.insert(new Object(HandleType::Session, nullptr));
    table.remove(h);
    for (auto _ : state) {
        auto found = winhttp::lookup_handle(h, {HandleType::Session});
        benchmark::DoNotOptimize(found.error);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HandleLookupStale);

// Register + unregister: part of every WinHttpOpenRequest / WinHttpCloseHandle pair.
void BM_HandleInsertRemove(benchmark::State& state) {
    auto& table = HandleTable::instance();
    for (auto _ : state) {
        HINTERNET h = table.insert(new Object(HandleType::Request, nullptr));
        table.remove(h);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HandleInsertRemove);

}  // namespace
