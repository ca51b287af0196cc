#include "errors.h"

#include <cstdarg>
#include <cstdio>

// Not in winhttp.h, but parts of the library that are not finished yet fail with it.
#ifndef ERROR_CALL_NOT_IMPLEMENTED
#define ERROR_CALL_NOT_IMPLEMENTED 120
#endif

namespace whttp {
namespace {

struct ErrorInfo {
    DWORD code;
    const char* name;
    int exit_code;
};

#define WHTTP_ERROR(name, exit_code) \
    { name, #name, exit_code }

// Every ERROR_WINHTTP_* code from winhttp.h, then the generic ERROR_* codes.
constexpr ErrorInfo kErrors[] = {
    WHTTP_ERROR(ERROR_WINHTTP_OUT_OF_HANDLES, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_TIMEOUT, kExitTimeout),
    WHTTP_ERROR(ERROR_WINHTTP_INTERNAL_ERROR, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_INVALID_URL, kExitBadUrl),
    WHTTP_ERROR(ERROR_WINHTTP_UNRECOGNIZED_SCHEME, kExitBadUrl),
    WHTTP_ERROR(ERROR_WINHTTP_NAME_NOT_RESOLVED, kExitResolve),
    WHTTP_ERROR(ERROR_WINHTTP_INVALID_OPTION, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_OPTION_NOT_SETTABLE, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_SHUTDOWN, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_LOGIN_FAILURE, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_OPERATION_CANCELLED, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_INCORRECT_HANDLE_TYPE, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_INCORRECT_HANDLE_STATE, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_CANNOT_CONNECT, kExitConnect),
    WHTTP_ERROR(ERROR_WINHTTP_CONNECTION_ERROR, kExitRecv),
    WHTTP_ERROR(ERROR_WINHTTP_RESEND_REQUEST, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_CERT_DATE_INVALID, kExitCertificate),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_CERT_CN_INVALID, kExitCertificate),
    WHTTP_ERROR(ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED, kExitSecure),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_INVALID_CA, kExitCertificate),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_CERT_REV_FAILED, kExitCertificate),
    WHTTP_ERROR(ERROR_WINHTTP_CANNOT_CALL_BEFORE_OPEN, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_CANNOT_CALL_BEFORE_SEND, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_CANNOT_CALL_AFTER_SEND, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_CANNOT_CALL_AFTER_OPEN, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_HEADER_NOT_FOUND, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_INVALID_SERVER_RESPONSE, kExitBadResponse),
    WHTTP_ERROR(ERROR_WINHTTP_INVALID_HEADER, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_INVALID_QUERY_REQUEST, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_HEADER_ALREADY_EXISTS, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_REDIRECT_FAILED, kExitRedirect),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_CHANNEL_ERROR, kExitSecure),
    WHTTP_ERROR(ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_INVALID_CERT, kExitCertificate),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_CERT_REVOKED, kExitCertificate),
    WHTTP_ERROR(ERROR_WINHTTP_NOT_INITIALIZED, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_FAILURE, kExitSecure),
    WHTTP_ERROR(ERROR_WINHTTP_UNHANDLED_SCRIPT_TYPE, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_SCRIPT_EXECUTION_ERROR, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE, kExitCertificate),
    WHTTP_ERROR(ERROR_WINHTTP_AUTODETECTION_FAILED, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_HEADER_COUNT_EXCEEDED, kExitBadResponse),
    WHTTP_ERROR(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, kExitBadResponse),
    WHTTP_ERROR(ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW, kExitBadResponse),
    WHTTP_ERROR(ERROR_WINHTTP_RESPONSE_DRAIN_OVERFLOW, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_CLIENT_CERT_NO_PRIVATE_KEY, kExitSecure),
    WHTTP_ERROR(ERROR_WINHTTP_CLIENT_CERT_NO_ACCESS_PRIVATE_KEY, kExitSecure),
    WHTTP_ERROR(ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED_PROXY, kExitSecure),
    WHTTP_ERROR(ERROR_WINHTTP_SECURE_FAILURE_PROXY, kExitSecure),
    WHTTP_ERROR(ERROR_WINHTTP_RESERVED_189, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_HTTP_PROTOCOL_MISMATCH, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_GLOBAL_CALLBACK_FAILED, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_FEATURE_DISABLED, kExitGeneric),
    WHTTP_ERROR(ERROR_WINHTTP_FAST_FORWARDING_NOT_SUPPORTED, kExitGeneric),

    WHTTP_ERROR(ERROR_SUCCESS, kExitGeneric),
    WHTTP_ERROR(ERROR_INVALID_FUNCTION, kExitGeneric),
    WHTTP_ERROR(ERROR_FILE_NOT_FOUND, kExitGeneric),
    WHTTP_ERROR(ERROR_ACCESS_DENIED, kExitGeneric),
    WHTTP_ERROR(ERROR_INVALID_HANDLE, kExitGeneric),
    WHTTP_ERROR(ERROR_NOT_ENOUGH_MEMORY, kExitGeneric),
    WHTTP_ERROR(ERROR_INVALID_DATA, kExitGeneric),
    WHTTP_ERROR(ERROR_OUTOFMEMORY, kExitGeneric),
    WHTTP_ERROR(ERROR_NOT_SUPPORTED, kExitGeneric),
    WHTTP_ERROR(ERROR_INVALID_PARAMETER, kExitGeneric),
    WHTTP_ERROR(ERROR_CALL_NOT_IMPLEMENTED, kExitGeneric),
    WHTTP_ERROR(ERROR_INSUFFICIENT_BUFFER, kExitGeneric),
    WHTTP_ERROR(ERROR_MORE_DATA, kExitGeneric),
    WHTTP_ERROR(ERROR_NO_MORE_ITEMS, kExitGeneric),
    WHTTP_ERROR(ERROR_IO_PENDING, kExitGeneric),
    WHTTP_ERROR(ERROR_INVALID_FLAGS, kExitGeneric),
    WHTTP_ERROR(ERROR_NOT_FOUND, kExitGeneric),
    WHTTP_ERROR(ERROR_CANCELLED, kExitGeneric),
    WHTTP_ERROR(ERROR_INVALID_SERVER_STATE, kExitGeneric),
    WHTTP_ERROR(ERROR_TIMEOUT, kExitTimeout),
    WHTTP_ERROR(ERROR_INVALID_OPERATION, kExitGeneric),
};

#undef WHTTP_ERROR

const ErrorInfo* find_error(DWORD code) {
    for (const ErrorInfo& e : kErrors) {
        if (e.code == code) return &e;
    }
    return nullptr;
}

bool g_messages_enabled = true;

}  // namespace

const char* error_name(DWORD code) {
    const ErrorInfo* e = find_error(code);
    return e ? e->name : "UNKNOWN_ERROR";
}

int exit_code_for(DWORD code) {
    const ErrorInfo* e = find_error(code);
    return e ? e->exit_code : kExitGeneric;
}

void set_messages_enabled(bool enabled) {
    g_messages_enabled = enabled;
}

bool messages_enabled() {
    return g_messages_enabled;
}

void message(const char* fmt, ...) {
    if (!g_messages_enabled) return;
    std::fputs("whttp: ", stderr);
    va_list args;
    va_start(args, fmt);
    std::vfprintf(stderr, fmt, args);
    va_end(args);
    std::fputc('\n', stderr);
}

int report_failure(const char* function) {
    const DWORD code = GetLastError();
    message("%s failed: %s (%u)", function, error_name(code), code);
    return exit_code_for(code);
}

}  // namespace whttp
