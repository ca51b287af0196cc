/*
 * Without UNICODE the generic names are the ANSI forms, as on Windows (Conventions for
 * Function Prototypes, learn.microsoft.com/windows/win32/intl/conventions-for-function-prototypes).
 * Programs such as Azure SDK for C++'s WinHTTP transport call FormatMessage with a char buffer
 * and GetModuleHandle("winhttp.dll") this way (docs/compat.md).
 */
#include <windows.h>
#include <winhttp.h>

typedef char check_tchar_is_char[sizeof(TCHAR) == 1 ? 1 : -1];
typedef char check_text_is_narrow[sizeof(TEXT("a")[0]) == 1 ? 1 : -1];

int ansi_error_text(DWORD error, char* out, DWORD size);
int ansi_error_text(DWORD error, char* out, DWORD size) {
    char* message = NULL;
    DWORD n = FormatMessage(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ALLOCATE_BUFFER,
                            GetModuleHandle("winhttp.dll"), error, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
                            (LPSTR)&message, 0, NULL);
    if (n == 0) return 0;
    if ((DWORD)lstrlen(message) < size) memcpy(out, message, (size_t)lstrlen(message) + 1);
    LocalFree(message);
    return (int)n;
}
