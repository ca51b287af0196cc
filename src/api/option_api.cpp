// WinHttpQueryOption / WinHttpSetOption: argument checks and the handle lookup; the option
// table in core/options.cpp does the rest.
#include "core/handle_table.h"
#include "core/last_error.h"
#include "core/options.h"

using namespace winhttp;

namespace {

// A NULL handle addresses the process-wide options; anything else must be live.
DWORD resolve_target(HINTERNET h, Ref<Object>& out) {
    if (!h) return ERROR_SUCCESS;
    Lookup l = lookup_handle(h, {HandleType::Session, HandleType::Connect, HandleType::Request,
                                 HandleType::WebSocket});
    out = std::move(l.object);
    return l.error;
}

}  // namespace

extern "C" {

BOOL WinHttpQueryOption(HINTERNET handle, DWORD option, LPVOID buffer, LPDWORD buffer_len) {
    OPENWINHTTP_TRACE_CALL("%p, %s, %p, %u", handle, trace::option(option).c_str(), buffer, buffer_len ? *buffer_len : 0);
    Ref<Object> obj;
    if (DWORD e = resolve_target(handle, obj)) return fail(e);
    if (!buffer_len) return fail(ERROR_INVALID_PARAMETER);
    if (DWORD e = query_option(obj.get(), option, buffer, buffer_len)) return fail(e);
    return succeed();
}

BOOL WinHttpSetOption(HINTERNET handle, DWORD option, LPVOID buffer, DWORD buffer_len) {
    OPENWINHTTP_TRACE_CALL("%p, %s, %s", handle, trace::option(option).c_str(), trace::option_value(option, buffer, buffer_len).c_str());
    Ref<Object> obj;
    if (DWORD e = resolve_target(handle, obj)) return fail(e);
    if (DWORD e = set_option(obj.get(), option, buffer, buffer_len)) return fail(e);
    return succeed();
}

}  // extern "C"
