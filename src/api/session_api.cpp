// WinHttpOpen, WinHttpConnect, WinHttpOpenRequest, WinHttpCloseHandle, WinHttpSetStatusCallback,
// WinHttpSetTimeouts, WinHttpCheckPlatform: validate, look up, call the object, set last error.
#include <cwchar>
#include <new>
#include <string>
#include <vector>

#include "core/handle_table.h"
#include "core/last_error.h"
#include "core/request.h"
#include "util/url.h"
#include "util/wide.h"

using namespace winhttp;

namespace {

std::wstring wstr(LPCWSTR s) { return s ? std::wstring(s) : std::wstring(); }

// Registers a new object; on success the caller gets the handle and HANDLE_CREATED goes out.
// `where` is the API function, for the trace.
HINTERNET publish(Object* obj, const SourceLocation& where = SourceLocation::current()) {
    HINTERNET h = HandleTable::instance().insert(obj);
    if (!h) {
        obj->release();
        winhttp::set_last_error(ERROR_NOT_ENOUGH_MEMORY, where);
        return nullptr;
    }
    Ref<Object> guard(obj);  // HANDLE_CREATED may run app code that closes the handle
    obj->notify_created();
    winhttp::set_last_error(ERROR_SUCCESS, where);
    return h;
}

HINTERNET fail_handle(DWORD code, const SourceLocation& where = SourceLocation::current()) {
    winhttp::set_last_error(code, where);
    return nullptr;
}

bool has_ctl_chars(std::wstring_view s) {
    for (wchar_t c : s)
        if (c == L'\r' || c == L'\n') return true;
    return false;
}

}  // namespace

extern "C" {

HINTERNET WinHttpOpen(LPCWSTR agent, DWORD access_type, LPCWSTR proxy, LPCWSTR bypass,
                      DWORD flags) {
    OPENWINHTTP_TRACE_CALL("%s, %s, %s, %s, 0x%x", trace::str(agent).c_str(), trace::access_type(access_type).c_str(), trace::str(proxy).c_str(), trace::str(bypass).c_str(), flags);
    if (flags & ~static_cast<DWORD>(WINHTTP_FLAG_SECURE_DEFAULTS))
        return fail_handle(ERROR_INVALID_PARAMETER);
    try {
        proxy::ConfigPtr config;
        switch (access_type) {
            case WINHTTP_ACCESS_TYPE_NO_PROXY: config = proxy::direct_config(); break;
            case WINHTTP_ACCESS_TYPE_DEFAULT_PROXY:
            case WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY:
                config = proxy::default_config(access_type);
                break;
            case WINHTTP_ACCESS_TYPE_NAMED_PROXY:
                if (DWORD e = proxy::named_config(proxy, bypass, config)) return fail_handle(e);
                break;
            default: return fail_handle(ERROR_INVALID_PARAMETER);
        }
        return publish(new Session(wstr(agent), std::move(config), flags));
    } catch (const std::bad_alloc&) {
        return fail_handle(ERROR_NOT_ENOUGH_MEMORY);
    }
}

HINTERNET WinHttpConnect(HINTERNET session, LPCWSTR server, INTERNET_PORT port, DWORD reserved) {
    OPENWINHTTP_TRACE_CALL("%p, %s, %u, %u", session, trace::str(server).c_str(), port, reserved);
    Lookup l = lookup_handle(session, {HandleType::Session});
    if (l.error) return fail_handle(l.error);
    if (!server || !*server || reserved != 0) return fail_handle(ERROR_INVALID_PARAMETER);
    if (has_ctl_chars(server)) return fail_handle(ERROR_WINHTTP_INVALID_URL);
    try {
        return publish(new Connect(as<Session>(*l.object), server, port));
    } catch (const std::bad_alloc&) {
        return fail_handle(ERROR_NOT_ENOUGH_MEMORY);
    }
}

HINTERNET WinHttpOpenRequest(HINTERNET connect, LPCWSTR verb, LPCWSTR object_name,
                             LPCWSTR version, LPCWSTR referrer, LPCWSTR* accept_types,
                             DWORD flags) {
    OPENWINHTTP_TRACE_CALL("%p, %s, %s, %s, %s, %p, 0x%x", connect, trace::str(verb).c_str(), trace::str(object_name).c_str(), trace::str(version).c_str(), trace::str(referrer).c_str(), static_cast<const void*>(accept_types), flags);
    Lookup l = lookup_handle(connect, {HandleType::Connect});
    if (l.error) return fail_handle(l.error);
    constexpr DWORD known = WINHTTP_FLAG_SECURE | WINHTTP_FLAG_ESCAPE_PERCENT |
                            WINHTTP_FLAG_NULL_CODEPAGE | WINHTTP_FLAG_ESCAPE_DISABLE |
                            WINHTTP_FLAG_ESCAPE_DISABLE_QUERY | WINHTTP_FLAG_BYPASS_PROXY_CACHE |
                            WINHTTP_FLAG_AUTOMATIC_CHUNKING;
    if (flags & ~known) return fail_handle(ERROR_INVALID_PARAMETER);
    // Views of the caller's strings: a copy only when the object name needs its '/'.
    const std::wstring_view v = verb && *verb ? std::wstring_view(verb) : std::wstring_view(L"GET");
    for (wchar_t c : v)
        if (c <= L' ' || c > 0x7E) return fail_handle(ERROR_INVALID_PARAMETER);
    std::wstring_view object =
        object_name && *object_name ? std::wstring_view(object_name) : std::wstring_view(L"/");
    // CR/LF in the object name are escaped or dropped (escape_object_name), as on Windows.
    std::wstring prefixed;
    if (object[0] != L'/' && object != L"*") {
        prefixed.reserve(object.size() + 1);
        prefixed += L'/';
        prefixed += object;
        object = prefixed;
    }
    std::string ver = "HTTP/1.1";
    if (version && *version) {
        ver = to_utf8(version);
        if (ver != "HTTP/1.0" && ver != "HTTP/1.1") return fail_handle(ERROR_INVALID_PARAMETER);
    }
    std::vector<std::wstring> accepts;
    for (LPCWSTR* a = accept_types; a && *a; ++a) {
        if (has_ctl_chars(*a)) return fail_handle(ERROR_INVALID_PARAMETER);
        if (**a) accepts.emplace_back(*a);
    }
    if (referrer && has_ctl_chars(referrer)) return fail_handle(ERROR_INVALID_PARAMETER);
    try {
        auto* req = new Request(as<Connect>(*l.object), to_utf8(v), escape_object_name(object, flags),
                                ver, wstr(referrer), std::move(accepts), flags);
        return publish(req);
    } catch (const std::bad_alloc&) {
        return fail_handle(ERROR_NOT_ENOUGH_MEMORY);
    }
}

BOOL WinHttpCloseHandle(HINTERNET handle) {
    OPENWINHTTP_TRACE_CALL("%p", handle);
    if (!handle) return fail(ERROR_INVALID_HANDLE);
    Ref<Object> obj = HandleTable::instance().remove(handle);
    if (!obj) return fail(ERROR_INVALID_HANDLE);
    // Set before close(): HANDLE_CLOSING may run inside it and call SetLastError itself.
    winhttp::set_last_error(ERROR_SUCCESS);
    obj.detach()->close();
    return TRUE;
}

WINHTTP_STATUS_CALLBACK WinHttpSetStatusCallback(HINTERNET handle, WINHTTP_STATUS_CALLBACK callback,
                                                 DWORD flags, DWORD_PTR reserved) {
    OPENWINHTTP_TRACE_CALL("%p, %p, 0x%x, %lu", handle, reinterpret_cast<void*>(callback), flags, static_cast<unsigned long>(reserved));
    Lookup l = lookup_handle(handle, {HandleType::Session, HandleType::Connect, HandleType::Request,
                                        HandleType::ProxyResolver, HandleType::WebSocket});
    if (l.error) {
        winhttp::set_last_error(l.error);
        return WINHTTP_INVALID_STATUS_CALLBACK;
    }
    if (reserved != 0 || callback == WINHTTP_INVALID_STATUS_CALLBACK) {
        winhttp::set_last_error(ERROR_INVALID_PARAMETER);
        return WINHTTP_INVALID_STATUS_CALLBACK;
    }
    WINHTTP_STATUS_CALLBACK previous = l.object->set_callback(callback, flags);
    winhttp::set_last_error(ERROR_SUCCESS);
    return previous;
}

BOOL WinHttpSetTimeouts(HINTERNET handle, int resolve, int connect, int send, int receive) {
    OPENWINHTTP_TRACE_CALL("%p, %d, %d, %d, %d", handle, resolve, connect, send, receive);
    Lookup l = lookup_handle(handle, {HandleType::Session, HandleType::Connect, HandleType::Request});
    if (l.error) return fail(l.error);
    // 0 or -1 mean infinite; any other negative value is refused (WinHttpSetTimeouts page),
    // checked before the handle type (Wine winhttp.c test_timeouts, verified on Windows).
    for (int t : {resolve, connect, send, receive})
        if (t < -1) return fail(ERROR_INVALID_PARAMETER);
    if (l.object->type() == HandleType::Connect) return fail(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE);
    Timeouts& t = l.object->settings().timeouts;
    t.resolve = static_cast<DWORD>(resolve);
    t.connect = static_cast<DWORD>(connect);
    t.send = static_cast<DWORD>(send);
    t.receive = static_cast<DWORD>(receive);
    return succeed();
}

BOOL WinHttpCheckPlatform(void) { return succeed(); }

}  // extern "C"
