// The request functions: WinHttpSendRequest, WinHttpWriteData, WinHttpReceiveResponse,
// WinHttpQueryDataAvailable, WinHttpReadData(Ex), WinHttpAddRequestHeaders(Ex),
// WinHttpQueryHeaders(Ex).
#include <atomic>
#include <cwchar>

#include "core/engine.h"
#include "core/handle_table.h"
#include "core/last_error.h"
#include "core/request.h"
#include "util/wide.h"

using namespace winhttp;

namespace {

// A looked-up request for the duration of one API call.
struct RequestCall {
    Ref<Object> ref;
    DWORD error = 0;
    Request* operator->() const { return &as<Request>(*ref); }
    Request& operator*() const { return as<Request>(*ref); }
};

RequestCall lookup_request(HINTERNET h) {
    Lookup l = lookup_handle(h, {HandleType::Request});
    return RequestCall{std::move(l.object), l.error};
}

// Header text goes on the wire as Latin-1, one byte per WCHAR, as on Windows; a character above
// U+00FF cannot be sent and the call fails with ERROR_INVALID_PARAMETER.
bool header_text(LPCWSTR headers, DWORD len, std::string& out) {
    out.clear();
    if (!headers) return true;
    const size_t n = (len == 0xFFFFFFFFu || len == 0) ? std::wcslen(headers) : len;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        if (static_cast<unsigned long>(headers[i]) > 0xFF) return false;
        out.push_back(static_cast<char>(headers[i]));
    }
    return true;
}

// Runs `fn` (a call that never waits on the network) with the request's busy flag held.
template <class Fn>
DWORD exclusive(Request& r, Fn fn) {
    OperationGuard guard(r);
    if (!guard.owned()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    return fn();
}

// Synchronous handle: the operation runs to its end on this thread, `count` is the caller's
// out-parameter. Asynchronous handle: the errors known at once (`check()`) fail the call;
// otherwise it returns TRUE, leaves the caller's out-parameter alone (the API pages say to pass
// NULL in async mode) and completes through the status callback.
// `now(error)`, synchronous handles only: the call done without a coroutine when it can be
// (RequestEngine::read_now); false leaves it to `make`.
template <class Check, class Make, class Now>
DWORD run_operation(Request& r, DWORD api, void* buffer, DWORD* count, Check check, Make make,
                    Now now) {
    OperationGuard guard(r);
    if (!guard.owned()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    if (!r.async()) {
        DWORD error;
        if (now(error)) return error;
        return make(count).run_inline();
    }
    if (DWORD e = check()) return e;
    auto op = std::make_unique<AsyncOp>();
    op->api = api;
    op->buffer = buffer;
    Task<DWORD> task = make(&op->count);
    guard.hand_over();
    r.start_async(std::move(op), std::move(task));
    return ERROR_SUCCESS;
}

template <class Check, class Make>
DWORD run_operation(Request& r, DWORD api, void* buffer, DWORD* count, Check check, Make make) {
    return run_operation(r, api, buffer, count, check, make, [](DWORD&) { return false; });
}

DWORD no_check() { return ERROR_SUCCESS; }

// `where` is the API function, for the trace.
BOOL finish(DWORD error, const SourceLocation& where = SourceLocation::current()) {
    return error ? fail(error, where) : succeed(where);
}

// WinHttpQueryDataAvailable and WinHttpReadData on an async handle return TRUE with
// ERROR_IO_PENDING when the completion comes later through the callback, which it always does
// here (Wine notification.c test_async, verified on Windows: ERROR_SUCCESS only when the
// callback already ran on the calling thread). The other calls keep ERROR_SUCCESS.
BOOL finish_read(const Request& r, DWORD error,
                 const SourceLocation& where = SourceLocation::current()) {
    if (error || !r.async()) return finish(error, where);
    set_last_error(ERROR_IO_PENDING, where);
    return TRUE;
}

}  // namespace

extern "C" {

BOOL WinHttpSendRequest(HINTERNET request, LPCWSTR headers, DWORD headers_len, LPVOID optional,
                        DWORD optional_len, DWORD total_len, DWORD_PTR context) {
    OPENWINHTTP_TRACE_CALL("%p, %s, %d, %p, %u, %u, 0x%lx", request, trace::headers(headers, headers_len).c_str(), static_cast<int>(headers_len), optional, optional_len, total_len, static_cast<unsigned long>(context));
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!optional && optional_len) return fail(ERROR_INVALID_PARAMETER);
    if (total_len != 0 && total_len < optional_len) return fail(ERROR_INVALID_PARAMETER);
    r->set_context(context);
    std::string extra;
    if (!header_text(headers, headers_len, extra)) return fail(ERROR_INVALID_PARAMETER);
    RequestEngine& e = r->engine();
    return finish(run_operation(*r, API_SEND_REQUEST, nullptr, nullptr, no_check, [&](DWORD*) {
        return e.send(std::move(extra), optional, optional_len, total_len);
    }));
}

BOOL WinHttpWriteData(HINTERNET request, LPCVOID buffer, DWORD len, LPDWORD written) {
    OPENWINHTTP_TRACE_CALL("%p, %p, %u, %p", request, buffer, len, static_cast<void*>(written));
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!buffer && len) return fail(ERROR_INVALID_PARAMETER);
    const DWORD before = written ? *written : 0;
    if (written) *written = 0;
    RequestEngine& e = r->engine();
    const DWORD error = run_operation(
        *r, API_WRITE_DATA, nullptr, written, [&] { return e.check_write(len); },
        [&](DWORD* count) { return e.write(buffer, len, count); });
    // Refusing more data than declared leaves the caller's count as it was (Wine winhttp.c
    // test_WinHttpSendRequest, verified on Windows).
    if (error == ERROR_INVALID_PARAMETER && written) *written = before;
    return finish(error);
}

BOOL WinHttpReceiveResponse(HINTERNET request, LPVOID reserved) {
    OPENWINHTTP_TRACE_CALL("%p, %p", request, reserved);
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (reserved) return fail(ERROR_INVALID_PARAMETER);
    RequestEngine& e = r->engine();
    return finish(run_operation(
        *r, API_RECEIVE_RESPONSE, nullptr, nullptr, [&] { return e.check_receive(); },
        [&](DWORD*) { return e.receive_response(); }));
}

BOOL WinHttpQueryDataAvailable(HINTERNET request, LPDWORD available) {
    OPENWINHTTP_TRACE_CALL("%p, %p", request, static_cast<void*>(available));
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    RequestEngine& e = r->engine();
    // The count is zeroed once the call is accepted (docs/design/async.md; Wine notification.c),
    // and left alone when the handle is in the wrong state (Wine winhttp.c test_no_content). The
    // engine zeroes it on the synchronous path.
    auto check = [&] {
        const DWORD error = e.check_read();
        if (!error && available) *available = 0;
        return error;
    };
    return finish_read(*r, run_operation(
        *r, API_QUERY_DATA_AVAILABLE, nullptr, available, check,
        [&](DWORD* count) { return e.query_data_available(count); },
        [&](DWORD& error) { return e.query_data_available_now(available, error); }));
}

BOOL WinHttpReadData(HINTERNET request, LPVOID buffer, DWORD len, LPDWORD read) {
    OPENWINHTTP_TRACE_CALL("%p, %p, %u, %p", request, buffer, len, static_cast<void*>(read));
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!buffer && len) return fail(ERROR_INVALID_PARAMETER);
    if (read) *read = 0;  // before any work or error checking (WinHttpReadData page)
    RequestEngine& e = r->engine();
    return finish_read(*r, run_operation(
        *r, API_READ_DATA, buffer, read, [&] { return e.check_read(); },
        [&](DWORD* count) { return e.read(buffer, len, count, false); },
        [&](DWORD& error) { return e.read_now(buffer, len, read, error); }));
}

DWORD WinHttpReadDataEx(HINTERNET request, LPVOID buffer, DWORD len, LPDWORD read,
                        ULONGLONG flags, DWORD property_size, PVOID property) {
    OPENWINHTTP_TRACE_CALL("%p, %p, %u, %p, 0x%llx, %u, %p", request, buffer, len, static_cast<void*>(read), static_cast<unsigned long long>(flags), property_size, property);
    RequestCall r = lookup_request(request);
    if (r.error) return traced(r.error);
    if ((!buffer && len) || (flags & ~WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER) || property_size ||
        property)
        return traced(ERROR_INVALID_PARAMETER);
    if (read) *read = 0;  // before any work or error checking (WinHttpReadData page)
    const bool fill = (flags & WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER) != 0;
    RequestEngine& e = r->engine();
    return traced(run_operation(
        *r, API_READ_DATA, buffer, read, [&] { return e.check_read(); },
        [&](DWORD* count) { return e.read(buffer, len, count, fill); }));
}

BOOL WinHttpAddRequestHeaders(HINTERNET request, LPCWSTR headers, DWORD len, DWORD modifiers) {
    OPENWINHTTP_TRACE_CALL("%p, %s, %d, 0x%x", request, trace::headers(headers, len).c_str(), static_cast<int>(len), modifiers);
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!headers || len == 0) return fail(ERROR_INVALID_PARAMETER);
    std::string text;
    if (!header_text(headers, len, text)) return fail(ERROR_INVALID_PARAMETER);
    return finish(exclusive(*r, [&] { return r->engine().add_headers(text, modifiers); }));
}

DWORD WinHttpAddRequestHeadersEx(HINTERNET request, DWORD modifiers, ULONGLONG flags,
                                 ULONGLONG reserved, DWORD count, WINHTTP_EXTENDED_HEADER* headers) {
    OPENWINHTTP_TRACE_CALL("%p, 0x%x, 0x%llx, %llu, %u, %p", request, modifiers, static_cast<unsigned long long>(flags), static_cast<unsigned long long>(reserved), count, static_cast<void*>(headers));
    RequestCall r = lookup_request(request);
    if (r.error) return traced(r.error);
    if (count && !headers) return traced(ERROR_INVALID_PARAMETER);
    return traced(exclusive(*r, [&] {
        return r->engine().add_headers_ex(modifiers, flags, reserved, count, headers);
    }));
}

BOOL WinHttpQueryHeaders(HINTERNET request, DWORD level, LPCWSTR name, LPVOID buffer,
                         LPDWORD buffer_len, LPDWORD index) {
    OPENWINHTTP_TRACE_CALL("%p, 0x%x, %s, %p, %u, %u", request, level, trace::str(name).c_str(), buffer, buffer_len ? *buffer_len : 0, index ? *index : 0);
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!buffer_len) return fail(ERROR_INVALID_PARAMETER);
    return finish(exclusive(
        *r, [&] { return r->engine().query_headers(level, name, buffer, buffer_len, index); }));
}

DWORD WinHttpQueryHeadersEx(HINTERNET request, DWORD level, ULONGLONG flags, UINT codepage,
                            PDWORD index, PWINHTTP_HEADER_NAME name, PVOID buffer,
                            PDWORD buffer_len, PWINHTTP_EXTENDED_HEADER* headers,
                            PDWORD headers_count) {
    OPENWINHTTP_TRACE_CALL("%p, 0x%x, 0x%llx, %u, %p, %p, %u", request, level, static_cast<unsigned long long>(flags), codepage, static_cast<void*>(name), buffer, buffer_len ? *buffer_len : 0);
    RequestCall r = lookup_request(request);
    if (r.error) return traced(r.error);
    if (!buffer_len) return traced(ERROR_INVALID_PARAMETER);
    return traced(exclusive(*r, [&] {
        return r->engine().query_headers_ex(level, flags, codepage, index, name, buffer,
                                            buffer_len, headers, headers_count);
    }));
}

}  // extern "C"
