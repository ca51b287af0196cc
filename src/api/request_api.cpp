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

#ifndef ERROR_CALL_NOT_IMPLEMENTED
#define ERROR_CALL_NOT_IMPLEMENTED 120
#endif

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

// Network operations on an async session complete through callbacks; until the async engine
// lands they are refused rather than silently run synchronously (docs/STATUS.md).
bool async_unsupported(const RequestCall& r) { return r->session().async(); }

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

// Calls on one request may not overlap (one operation at a time, WinHttpSendRequest page).
class OperationGuard {
public:
    explicit OperationGuard(Request& r) : busy_(r.engine_busy()) {
        owned_ = !busy_.exchange(true, std::memory_order_acquire);
    }
    ~OperationGuard() {
        if (owned_) busy_.store(false, std::memory_order_release);
    }
    bool owned() const { return owned_; }

private:
    std::atomic<bool>& busy_;
    bool owned_;
};

#define RUN_OPERATION(call, expr)                                          \
    do {                                                                   \
        OperationGuard guard(*call);                                       \
        if (!guard.owned()) return fail(ERROR_WINHTTP_INCORRECT_HANDLE_STATE); \
        if (DWORD e = (expr)) return fail(e);                              \
        return succeed();                                                  \
    } while (0)

}  // namespace

extern "C" {

BOOL WinHttpSendRequest(HINTERNET request, LPCWSTR headers, DWORD headers_len, LPVOID optional,
                        DWORD optional_len, DWORD total_len, DWORD_PTR context) {
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!optional && optional_len) return fail(ERROR_INVALID_PARAMETER);
    if (total_len != 0 && total_len < optional_len) return fail(ERROR_INVALID_PARAMETER);
    r->set_context(context);
    if (async_unsupported(r)) return fail(ERROR_CALL_NOT_IMPLEMENTED);
    std::string extra;
    if (!header_text(headers, headers_len, extra)) return fail(ERROR_INVALID_PARAMETER);
    RUN_OPERATION(r, r->engine().send(extra, optional, optional_len, total_len));
}

BOOL WinHttpWriteData(HINTERNET request, LPCVOID buffer, DWORD len, LPDWORD written) {
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!buffer && len) return fail(ERROR_INVALID_PARAMETER);
    if (async_unsupported(r)) return fail(ERROR_CALL_NOT_IMPLEMENTED);
    if (written) *written = 0;
    RUN_OPERATION(r, r->engine().write(buffer, len, written));
}

BOOL WinHttpReceiveResponse(HINTERNET request, LPVOID reserved) {
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (reserved) return fail(ERROR_INVALID_PARAMETER);
    if (async_unsupported(r)) return fail(ERROR_CALL_NOT_IMPLEMENTED);
    RUN_OPERATION(r, r->engine().receive_response());
}

BOOL WinHttpQueryDataAvailable(HINTERNET request, LPDWORD available) {
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (async_unsupported(r)) return fail(ERROR_CALL_NOT_IMPLEMENTED);
    RUN_OPERATION(r, r->engine().query_data_available(available));
}

BOOL WinHttpReadData(HINTERNET request, LPVOID buffer, DWORD len, LPDWORD read) {
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!buffer && len) return fail(ERROR_INVALID_PARAMETER);
    if (async_unsupported(r)) return fail(ERROR_CALL_NOT_IMPLEMENTED);
    if (read) *read = 0;
    RUN_OPERATION(r, r->engine().read(buffer, len, read, false));
}

DWORD WinHttpReadDataEx(HINTERNET request, LPVOID buffer, DWORD len, LPDWORD read,
                        ULONGLONG flags, DWORD property_size, PVOID property) {
    RequestCall r = lookup_request(request);
    if (r.error) return r.error;
    if ((!buffer && len) || (flags & ~WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER) || property_size ||
        property)
        return ERROR_INVALID_PARAMETER;
    if (async_unsupported(r)) return ERROR_CALL_NOT_IMPLEMENTED;
    if (read) *read = 0;
    OperationGuard guard(*r);
    if (!guard.owned()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    return r->engine().read(buffer, len, read, (flags & WINHTTP_READ_DATA_EX_FLAG_FILL_BUFFER) != 0);
}

BOOL WinHttpAddRequestHeaders(HINTERNET request, LPCWSTR headers, DWORD len, DWORD modifiers) {
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!headers || len == 0) return fail(ERROR_INVALID_PARAMETER);
    std::string text;
    if (!header_text(headers, len, text)) return fail(ERROR_INVALID_PARAMETER);
    RUN_OPERATION(r, r->engine().add_headers(text, modifiers));
}

DWORD WinHttpAddRequestHeadersEx(HINTERNET request, DWORD modifiers, ULONGLONG flags,
                                 ULONGLONG reserved, DWORD count, WINHTTP_EXTENDED_HEADER* headers) {
    RequestCall r = lookup_request(request);
    if (r.error) return r.error;
    if (count && !headers) return ERROR_INVALID_PARAMETER;
    OperationGuard guard(*r);
    if (!guard.owned()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    return r->engine().add_headers_ex(modifiers, flags, reserved, count, headers);
}

BOOL WinHttpQueryHeaders(HINTERNET request, DWORD level, LPCWSTR name, LPVOID buffer,
                         LPDWORD buffer_len, LPDWORD index) {
    RequestCall r = lookup_request(request);
    if (r.error) return fail(r.error);
    if (!buffer_len) return fail(ERROR_INVALID_PARAMETER);
    RUN_OPERATION(r, r->engine().query_headers(level, name, buffer, buffer_len, index));
}

DWORD WinHttpQueryHeadersEx(HINTERNET request, DWORD level, ULONGLONG flags, UINT codepage,
                            PDWORD index, PWINHTTP_HEADER_NAME name, PVOID buffer,
                            PDWORD buffer_len, PWINHTTP_EXTENDED_HEADER* headers,
                            PDWORD headers_count) {
    RequestCall r = lookup_request(request);
    if (r.error) return r.error;
    if (!buffer_len) return ERROR_INVALID_PARAMETER;
    OperationGuard guard(*r);
    if (!guard.owned()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    return r->engine().query_headers_ex(level, flags, codepage, index, name, buffer, buffer_len,
                                        headers, headers_count);
}

}  // extern "C"
