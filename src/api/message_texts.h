// The message texts FormatMessage gives: the WinHTTP module's (ERROR_WINHTTP_*) and the system's
// for the Win32 codes the library returns. Sources, per group, in docs/design/windows-compat.md.
#pragma once
#include <windows.h>

namespace winhttp {

struct MessageText {
    DWORD id;
    const char* text;  // without the "\r\n" every message-table entry ends with
};

// winhttp.dll. The 12xxx codes WinHTTP shares with WinINet carry the MessageText of winerror.h
// (WININET_E_* = HRESULT_FROM_WIN32 of the same code), the table both DLLs' texts come from.
// The WinHTTP-only codes (12100-12103, 12175-12193) are worded after Microsoft's "Error
// Messages (Winhttp.h)" page, no Windows text being published for them (12175: the text commonly
// quoted from Windows error reports, not confirmed by a Microsoft source).
inline constexpr MessageText kWinHttpMessages[] = {
    {12001, "No more Internet handles can be allocated"},
    {12002, "The operation timed out"},
    {12004, "An internal error occurred in the Microsoft Internet extensions"},
    {12005, "The URL is invalid"},
    {12006, "The URL does not use a recognized protocol"},
    {12007, "The server name or address could not be resolved"},
    {12009, "The option is invalid"},
    {12011, "The option value cannot be set"},
    {12012, "Microsoft Internet Extension support has been shut down"},
    {12015, "The login request was denied"},
    {12017, "The operation has been canceled"},
    {12018, "The supplied handle is the wrong type for the requested operation"},
    {12019, "The handle is in the wrong state for the requested operation"},
    {12029, "A connection with the server could not be established"},
    {12030, "The connection with the server was terminated abnormally"},
    {12032, "The action must be retried"},
    {12037, "The date in the certificate is invalid or has expired"},
    {12038, "The host name in the certificate is invalid or does not match"},
    {12044, "A certificate is required to complete client authentication"},
    {12045, "The certificate authority is invalid or incorrect"},
    {12057,
     "It was not possible to connect to the revocation server or a definitive response could "
     "not be obtained."},
    {12100, "The requested operation cannot be performed before calling the Open method"},
    {12101, "The requested operation cannot be performed before calling the Send method"},
    {12102, "The requested operation cannot be performed after calling the Send method"},
    {12103, "The specified option cannot be requested after the Open method has been called"},
    {12150, "The requested header was not found"},
    {12152, "The server returned an invalid or unrecognized response"},
    {12153, "The supplied HTTP header is invalid"},
    {12154, "The request for a HTTP header is invalid"},
    {12155, "The HTTP header already exists"},
    {12156, "The HTTP redirect request failed"},
    {12157, "An error occurred in the secure channel support"},
    {12166, "The proxy auto-configuration script is in error"},
    {12167, "Could not download the proxy auto-configuration script file"},
    {12169, "The supplied certificate is invalid"},
    {12170, "The supplied certificate has been revoked"},
    {12172, "Initialization of the WinINet API has not occurred"},
    {12175, "A security error occurred"},
    {12176, "The script type is not supported"},
    {12177, "An error was encountered while executing a script"},
    {12178, "A proxy for the specified URL cannot be located"},
    {12179, "The certificate is not valid for the requested usage"},
    {12180, "The URL of the proxy auto-configuration file could not be discovered"},
    {12181, "The response contains more headers than can be received"},
    {12182, "The size of the response headers exceeds the limit for the request"},
    {12183, "An overflow occurred while parsing the chunked encoding"},
    {12184, "The response exceeds an internal size limit"},
    {12185, "The client certificate has no private key"},
    {12186, "The private key of the client certificate cannot be accessed"},
    {12187, "The proxy requires a client certificate"},
    {12188, "A security error occurred with the proxy"},
    {12190, "The HTTP protocol version negotiated is not supported"},
    {12191, "The global callback failed"},
    {12192, "The feature is disabled"},
    {12193, "Fast forwarding is not supported"},
};

// The system message table (winerror.h MessageText) for the Win32 codes WinHTTP and these
// companions set, and the ones applications commonly test for.
inline constexpr MessageText kSystemMessages[] = {
    {0, "The operation completed successfully."},
    {1, "Incorrect function."},
    {2, "The system cannot find the file specified."},
    {5, "Access is denied."},
    {6, "The handle is invalid."},
    {8, "Not enough memory resources are available to process this command."},
    {13, "The data is invalid."},
    {14, "Not enough memory resources are available to complete this operation."},
    {50, "The request is not supported."},
    {87, "The parameter is incorrect."},
    {120, "This function is not supported on this system."},
    {122, "The data area passed to a system call is too small."},
    {126, "The specified module could not be found."},
    {234, "More data is available."},
    {259, "No more data is available."},
    {317,
     "The system cannot find message text for message number 0x%1 in the message file for %2."},
    {997, "Overlapped I/O operation is in progress."},
    {1004, "Invalid flags."},
    {1113, "No mapping for the Unicode character exists in the target multi-byte code page."},
    {1168, "Element not found."},
    {1223, "The operation was canceled by the user."},
    {1460, "This operation returned because the timeout period expired."},
    {1813, "The specified resource type cannot be found in the image file."},
    {4317, "The operation identifier is not valid."},
    {1815, "The specified resource language ID cannot be found in the image file."},
};

}  // namespace winhttp
