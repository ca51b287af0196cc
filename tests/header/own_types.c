/*
 * A program that brings its own Windows types (as a windows.h compatibility layer does)
 * can still include <winhttp.h>: it defines _MINWINDEF_ and the guard macros first, and
 * the header then uses the program's definitions instead of declaring its own.
 */

/* ---- The program's own compat layer ------------------------------------------------ */
#include <stddef.h>
#include <stdint.h>

#define _MINWINDEF_
/* Exactly the base types openwinhttp/wintypes.h documents as required after opting out. */
typedef unsigned short WORD;
typedef unsigned short USHORT;
typedef unsigned int DWORD;
typedef int BOOL;
typedef int LONG;
typedef unsigned int ULONG;
typedef unsigned int UINT;
typedef uint64_t ULONGLONG;
typedef uintptr_t DWORD_PTR;
typedef wchar_t WCHAR;
typedef WCHAR *LPWSTR, *PWSTR;
typedef const WCHAR *LPCWSTR, *PCWSTR;
typedef char* LPSTR;
typedef const char* PCSTR;
typedef void *LPVOID, *PVOID, *HANDLE;
typedef const void* LPCVOID;
typedef DWORD *LPDWORD, *PDWORD;

#define _FILETIME_
typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

#define _SYSTEMTIME_
typedef struct _SYSTEMTIME {
    WORD wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond, wMilliseconds;
} SYSTEMTIME, *PSYSTEMTIME, *LPSYSTEMTIME;

/* Macros spelled differently from OpenWinHTTP's: the header must not redefine them. */
#define TRUE (1 == 1)
#define FALSE (1 == 0)
#define WINAPI   /* default convention */
#define CALLBACK /* default convention */
#define ERROR_SUCCESS 0L
#define ERROR_INVALID_HANDLE 6L
#define SECURITY_FLAG_IGNORE_UNKNOWN_CA (0x100)
#define _In_ /* SAL */

/* The layer has its own last-error functions. */
#define OPENWINHTTP_NO_ERRHANDLING
DWORD GetLastError(void);
void SetLastError(DWORD code);

/* ---- Now the WinHTTP header ------------------------------------------------------------ */
#include <winhttp.h>

typedef char check_dword_size[sizeof(DWORD) == 4 ? 1 : -1];
typedef char check_error_handle[ERROR_INVALID_HANDLE == 6 ? 1 : -1];
typedef char check_ignore_ca[SECURITY_FLAG_IGNORE_UNKNOWN_CA == 0x100 ? 1 : -1];
typedef char check_option_url[WINHTTP_OPTION_URL == 34 ? 1 : -1];
typedef char check_systemtime_is_ours[sizeof(((SYSTEMTIME*)0)->wMilliseconds) == 2 ? 1 : -1];

int use_header(void);
int use_header(void) {
    WINHTTP_PROXY_SETTINGS settings;
    WINHTTP_MATCH_CONNECTION_GUID match; /* GUID still comes from OpenWinHTTP */
    SYSTEMTIME when;
    WCHAR date[WINHTTP_TIME_FORMAT_BUFSIZE / sizeof(WCHAR)];
    HINTERNET session = WinHttpOpen(L"own-types/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY,
                                    WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);

    settings.ftLastKnownDetectTime.dwLowDateTime = 0;
    match.ConnectionGuid.Data1 = 0;
    when.wYear = 2024;
    if (!WinHttpTimeFromSystemTime(&when, date)) return (int)GetLastError();
    return session != NULL && WinHttpCloseHandle(session) == TRUE &&
           settings.ftLastKnownDetectTime.dwLowDateTime == match.ConnectionGuid.Data1;
}
