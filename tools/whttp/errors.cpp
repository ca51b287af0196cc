#include "errors.h"

#include <cstdarg>
#include <cstdio>

#include "util/error_names.h"

namespace whttp {
namespace {

// The exit code of each error that has a more specific one than kExitGeneric (curl's number for
// the same failure). The names come from the library's one table, src/util/error_names.h.
struct ExitFor {
    DWORD code;
    int exit_code;
};

constexpr ExitFor kExitCodes[] = {
    {ERROR_WINHTTP_TIMEOUT, kExitTimeout},
    {ERROR_WINHTTP_INVALID_URL, kExitBadUrl},
    {ERROR_WINHTTP_UNRECOGNIZED_SCHEME, kExitBadUrl},
    {ERROR_WINHTTP_NAME_NOT_RESOLVED, kExitResolve},
    {ERROR_WINHTTP_CANNOT_CONNECT, kExitConnect},
    {ERROR_WINHTTP_CONNECTION_ERROR, kExitRecv},
    {ERROR_WINHTTP_SECURE_CERT_DATE_INVALID, kExitCertificate},
    {ERROR_WINHTTP_SECURE_CERT_CN_INVALID, kExitCertificate},
    {ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED, kExitSecure},
    {ERROR_WINHTTP_SECURE_INVALID_CA, kExitCertificate},
    {ERROR_WINHTTP_SECURE_CERT_REV_FAILED, kExitCertificate},
    {ERROR_WINHTTP_INVALID_SERVER_RESPONSE, kExitBadResponse},
    {ERROR_WINHTTP_REDIRECT_FAILED, kExitRedirect},
    {ERROR_WINHTTP_SECURE_CHANNEL_ERROR, kExitSecure},
    {ERROR_WINHTTP_SECURE_INVALID_CERT, kExitCertificate},
    {ERROR_WINHTTP_SECURE_CERT_REVOKED, kExitCertificate},
    {ERROR_WINHTTP_SECURE_FAILURE, kExitSecure},
    {ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE, kExitCertificate},
    {ERROR_WINHTTP_HEADER_COUNT_EXCEEDED, kExitBadResponse},
    {ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, kExitBadResponse},
    {ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW, kExitBadResponse},
    {ERROR_WINHTTP_CLIENT_CERT_NO_PRIVATE_KEY, kExitSecure},
    {ERROR_WINHTTP_CLIENT_CERT_NO_ACCESS_PRIVATE_KEY, kExitSecure},
    {ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED_PROXY, kExitSecure},
    {ERROR_WINHTTP_SECURE_FAILURE_PROXY, kExitSecure},
    {ERROR_TIMEOUT, kExitTimeout},
};

bool g_messages_enabled = true;

}  // namespace

const char* error_name(DWORD code) {
    return winhttp::error_name(code);
}

int exit_code_for(DWORD code) {
    for (const ExitFor& e : kExitCodes) {
        if (e.code == code) return e.exit_code;
    }
    return kExitGeneric;
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
