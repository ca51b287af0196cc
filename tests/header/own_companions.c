/*
 * A program with its own versions of the companions (a portability layer that already has
 * MultiByteToWideChar, ZeroMemory, HRESULT, ...) still includes <windows.h> and <winhttp.h>:
 * it opts the function groups out (OPENWINHTTP_NO_STRINGAPI, OPENWINHTTP_NO_FORMATMESSAGE,
 * OPENWINHTTP_NO_MODULEAPI, OPENWINHTTP_NO_ERRHANDLING) and its macros win, since every macro
 * of openwinhttp/winbase.h is defined only if not already defined.
 */
#include <stddef.h>
#include <string.h>

/* ---- The program's own layer: different signatures, so any clash would not compile ------- */
#define OPENWINHTTP_NO_STRINGAPI
#define OPENWINHTTP_NO_FORMATMESSAGE
#define OPENWINHTTP_NO_MODULEAPI
#define OPENWINHTTP_NO_ERRHANDLING
long MultiByteToWideChar(const char* text, long length);
long lstrlenW(const wchar_t* text, int unused);
void* GetModuleHandleW(const char* narrow_name);
long FormatMessageW(int just_one_argument);
unsigned GetLastError(void);

#define ZeroMemory(p, n) memset((p), 0xAA, (n)) /* deliberately different */
#define ARRAYSIZE(a) ((int)(sizeof(a) / sizeof(*(a))))
#define _HRESULT_DEFINED
typedef long HRESULT; /* the layer's own (wider) HRESULT */
#define S_OK ((HRESULT)0L)
#define CP_UTF8 65001u
#define TEXT(s) s /* narrow TEXT() */

/* ---- Then the Windows headers ------------------------------------------------------------ */
#include <windows.h>
#include <winhttp.h>

typedef char check_hresult_is_ours[sizeof(HRESULT) == sizeof(long) ? 1 : -1];
typedef char check_text_is_ours[sizeof(TEXT("a")[0]) == 1 ? 1 : -1];
typedef char check_arraysize_is_ours[sizeof(ARRAYSIZE("ab")) == sizeof(int) ? 1 : -1];

int use_layer(void);
int use_layer(void) {
    char buffer[4];
    ZeroMemory(buffer, sizeof buffer);
    return (int)MultiByteToWideChar("a", 1) + (int)lstrlenW(L"a", 0) + (GetModuleHandleW("x") != NULL) +
           (int)FormatMessageW(1) + (int)GetLastError() + buffer[0] + (int)S_OK +
           (WinHttpCheckPlatform() ? 1 : 0);
}
