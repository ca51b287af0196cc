// errors.h - whttp's exit codes and the report of a failed WinHTTP call.
//
// A failed call prints "whttp: <function> failed: <ERROR_NAME> (<code>)" on stderr and
// the process exits with the code that exit_code_for() maps the error to. The codes
// follow curl's where the meaning is the same.
#pragma once

#include <winhttp.h>

namespace whttp {

enum ExitCode : int {
    kExitOk = 0,
    kExitGeneric = 1,       // any WinHTTP error without a more specific code
    kExitUsage = 2,         // bad command line, unsupported option
    kExitBadUrl = 3,        // ERROR_WINHTTP_INVALID_URL, UNRECOGNIZED_SCHEME
    kExitResolve = 6,       // ERROR_WINHTTP_NAME_NOT_RESOLVED
    kExitConnect = 7,       // ERROR_WINHTTP_CANNOT_CONNECT
    kExitHttpError = 22,    // HTTP status >= 400 with -f/--fail
    kExitWrite = 23,        // cannot write the output
    kExitRead = 26,         // cannot read an upload file
    kExitTimeout = 28,      // ERROR_WINHTTP_TIMEOUT, or -m/--max-time elapsed
    kExitSecure = 35,       // ERROR_WINHTTP_SECURE_FAILURE, SECURE_CHANNEL_ERROR
    kExitRedirect = 47,     // ERROR_WINHTTP_REDIRECT_FAILED (also too many redirects)
    kExitBadResponse = 52,  // ERROR_WINHTTP_INVALID_SERVER_RESPONSE
    kExitRecv = 56,         // ERROR_WINHTTP_CONNECTION_ERROR
    kExitCertificate = 60,  // ERROR_WINHTTP_SECURE_CERT_* / SECURE_INVALID_*
};

// The macro name of a WinHTTP or generic Windows error code, or "UNKNOWN_ERROR".
const char* error_name(DWORD code);

// The exit code for a failed call that left `code` as the last error.
int exit_code_for(DWORD code);

// Messages are printed unless -s/--silent was given without -S/--show-error.
void set_messages_enabled(bool enabled);
bool messages_enabled();

// Prints "whttp: <fmt...>" and a newline on stderr when messages are enabled.
void message(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Reads GetLastError() for the call `function` that just failed, reports it and returns
// the exit code to use.
int report_failure(const char* function);

}  // namespace whttp
