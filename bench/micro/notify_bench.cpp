// Callback dispatch (Object::notify in core/object.h): paid for every status notification an
// async request delivers, and for every notification filtered out by the mask.
#include <benchmark/benchmark.h>

#include "core/object.h"
#include "core/ref.h"

namespace {

using winhttp::HandleType;
using winhttp::Object;
using winhttp::Ref;

unsigned long g_calls = 0;

void CALLBACK count_call(HINTERNET, DWORD_PTR, DWORD, LPVOID, DWORD) {
    ++g_calls;
}

void run_notify(benchmark::State& state, DWORD mask, DWORD status) {
    auto obj = Ref<Object>::adopt(new Object(HandleType::Request, nullptr));
    obj->set_callback(count_call, mask);
    DWORD info = 0;
    for (auto _ : state) obj->notify(status, &info, sizeof(info));
    benchmark::DoNotOptimize(g_calls);
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_NotifyDelivered(benchmark::State& state) {
    run_notify(state, WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS,
               WINHTTP_CALLBACK_STATUS_READ_COMPLETE);
}
void BM_NotifyFilteredOut(benchmark::State& state) {
    run_notify(state, WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS,
               WINHTTP_CALLBACK_STATUS_RESOLVING_NAME);
}
BENCHMARK(BM_NotifyDelivered);
BENCHMARK(BM_NotifyFilteredOut);

}  // namespace
