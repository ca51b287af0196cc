/*
 * openwinhttp/winbase.h - the Windows companions WinHTTP programs use next to <winhttp.h>,
 * reached through <windows.h> (OpenWinHTTP). Not a general Windows API layer: only what
 * WinHTTP clients and Microsoft's WinHTTP samples call (docs/design/windows-compat.md).
 *
 * Macros and inline helpers (defined only if not already defined):
 *   ZeroMemory CopyMemory MoveMemory FillMemory SecureZeroMemory (RtlSecureZeroMemory)
 *   InterlockedExchangePointer InterlockedCompareExchangePointer InterlockedIncrement
 *   InterlockedDecrement InterlockedExchange InterlockedCompareExchange (OPENWINHTTP_NO_INTERLOCKED)
 *   ARRAYSIZE _countof __cdecl __stdcall MAKELANGID PRIMARYLANGID SUBLANGID LANG_* SUBLANG_*
 *   HRESULT S_OK S_FALSE E_* FACILITY_WIN32 HRESULT_FROM_WIN32 HRESULT_CODE SUCCEEDED FAILED
 *   CP_* MB_* WC_* FORMAT_MESSAGE_* TEXT TCHAR and the generic (W/A) function names.
 *
 * Functions (exported by libwinhttp, each group in its own object file so that a static link
 * pulls in only the groups a program uses). A program that has its own definitions opts a
 * group out before including <windows.h>:
 *   OPENWINHTTP_NO_STRINGAPI     MultiByteToWideChar WideCharToMultiByte lstrlenW lstrlenA
 *   OPENWINHTTP_NO_FORMATMESSAGE FormatMessageW FormatMessageA
 *   OPENWINHTTP_NO_MODULEAPI     GetModuleHandleW GetModuleHandleA
 * (GetLastError & co. stay under OPENWINHTTP_NO_ERRHANDLING, in openwinhttp/wintypes.h.)
 *
 * Text: CP_ACP, CP_OEMCP and CP_THREAD_ACP are UTF-8, as on Windows with the UTF-8 active code
 * page. WCHAR is wchar_t, UTF-32 on Linux: one WCHAR per code point, so counts of WCHARs are
 * counts of code points (Windows counts UTF-16 units).
 *
 * Generic names: as on Windows, FormatMessage, GetModuleHandle, lstrlen, TCHAR and TEXT() are
 * the wide (W) forms when the program defines UNICODE (as Visual Studio projects do), the ANSI
 * (A) forms otherwise.
 */
#ifndef OPENWINHTTP_WINBASE_H
#define OPENWINHTTP_WINBASE_H

#include "openwinhttp/wintypes.h"

#include <limits.h> /* INT_MAX: the bound of the companions' int lengths (MSVC's headers bring it) */
#include <stdarg.h> /* va_list (FormatMessage) */
#include <string.h> /* memset, memcpy, memmove */
#include <wchar.h>  /* wcslen, wcscpy, wprintf: <windows.h> brings them on Windows */

/* Casts in the macros below: static_cast in C++ so that -Wold-style-cast stays quiet. */
#ifdef __cplusplus
#define OPENWINHTTP_CAST(type, value) static_cast<type>(value)
#else
#define OPENWINHTTP_CAST(type, value) ((type)(value))
#endif

/* ---- Types --------------------------------------------------------------------------- */
#ifndef _HRESULT_DEFINED
#define _HRESULT_DEFINED
typedef int HRESULT; /* 32-bit signed, as Windows' LONG */
#endif
/* Skipped with the base types (wintypes.h): the program then provides these too. */
#if !defined(_WINDEF_) && !defined(OPENWINHTTP_NO_BASE_TYPES) && !defined(OPENWINHTTP_EXTRA_TYPES_)
#define OPENWINHTTP_EXTRA_TYPES_
typedef size_t SIZE_T;
typedef SIZE_T* PSIZE_T;
typedef int INT;
typedef char CHAR;
typedef CHAR* LPCH;
typedef const CHAR* LPCCH;
typedef const WCHAR* LPCWCH;
typedef void* HMODULE;
typedef void* HINSTANCE;
typedef void* HLOCAL;
typedef void* HGLOBAL;
#endif

/* ---- Calling conventions and keywords (one convention on x86-64 / arm64) ------------- */
#ifndef __cdecl
#define __cdecl
#endif
#ifndef __stdcall
#define __stdcall
#endif
#ifndef _cdecl
#define _cdecl
#endif
#ifndef FORCEINLINE
#define FORCEINLINE static inline
#endif

/* More SAL annotations seen in Windows samples and prototypes: no meaning here. */
#ifndef _In_NLS_string_
#define _In_NLS_string_(n)
#endif
#ifndef _Inout_updates_
#define _Inout_updates_(n)
#endif
#ifndef _Inout_updates_bytes_
#define _Inout_updates_bytes_(n)
#endif
#ifndef _Printf_format_string_
#define _Printf_format_string_
#endif
#ifndef _Frees_ptr_opt_
#define _Frees_ptr_opt_
#endif
#ifndef _Pre_maybenull_
#define _Pre_maybenull_
#endif
#ifndef _Post_invalid_
#define _Post_invalid_
#endif
#ifndef _Ret_z_
#define _Ret_z_
#endif
#ifndef _Null_terminated_
#define _Null_terminated_
#endif
#ifndef _Use_decl_annotations_
#define _Use_decl_annotations_
#endif
#ifndef UNREFERENCED_PARAMETER
#define UNREFERENCED_PARAMETER(p) ((void)(p))
#endif

/* ---- Memory macros (winnt.h / minwinbase.h) ------------------------------------------ */
#ifndef ZeroMemory
#define ZeroMemory(dest, len) memset((dest), 0, (len))
#endif
#ifndef FillMemory
#define FillMemory(dest, len, fill) memset((dest), (fill), (len))
#endif
#ifndef CopyMemory
#define CopyMemory(dest, src, len) memcpy((dest), (src), (len))
#endif
#ifndef MoveMemory
#define MoveMemory(dest, src, len) memmove((dest), (src), (len))
#endif
#ifndef SecureZeroMemory
/* Writes through a volatile pointer so the compiler cannot drop the clearing of a secret
   (the guarantee of Windows' RtlSecureZeroMemory). Returns ptr. */
static inline void* RtlSecureZeroMemory(void* ptr, size_t cnt) {
#ifdef __cplusplus
    volatile char* p = static_cast<volatile char*>(ptr);
#else
    volatile char* p = (volatile char*)ptr;
#endif
    while (cnt--) *p++ = 0;
    return ptr;
}
#define SecureZeroMemory RtlSecureZeroMemory
#endif

/* ---- Interlocked operations (winnt.h), as WinHTTP clients use them to hand a request handle
   between threads (swap it out, then close it) and to count references to callback contexts.
   Full barriers, as on Windows. Opt out with OPENWINHTTP_NO_INTERLOCKED. --------------------- */
#ifndef OPENWINHTTP_NO_INTERLOCKED
#ifndef InterlockedExchangePointer
static inline void* OpenWinHttpInterlockedExchangePointer(void* volatile* target, void* value) {
    return __atomic_exchange_n(target, value, __ATOMIC_SEQ_CST);
}
#define InterlockedExchangePointer OpenWinHttpInterlockedExchangePointer
#endif
#ifndef InterlockedCompareExchangePointer
static inline void* OpenWinHttpInterlockedCompareExchangePointer(void* volatile* target, void* exchange,
                                                                 void* comparand) {
    __atomic_compare_exchange_n(target, &comparand, exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return comparand; /* the initial value, as Windows returns */
}
#define InterlockedCompareExchangePointer OpenWinHttpInterlockedCompareExchangePointer
#endif
#ifndef InterlockedIncrement
static inline LONG OpenWinHttpInterlockedIncrement(LONG volatile* addend) {
    return __atomic_add_fetch(addend, 1, __ATOMIC_SEQ_CST);
}
#define InterlockedIncrement OpenWinHttpInterlockedIncrement
#endif
#ifndef InterlockedDecrement
static inline LONG OpenWinHttpInterlockedDecrement(LONG volatile* addend) {
    return __atomic_sub_fetch(addend, 1, __ATOMIC_SEQ_CST);
}
#define InterlockedDecrement OpenWinHttpInterlockedDecrement
#endif
#ifndef InterlockedExchange
static inline LONG OpenWinHttpInterlockedExchange(LONG volatile* target, LONG value) {
    return __atomic_exchange_n(target, value, __ATOMIC_SEQ_CST);
}
#define InterlockedExchange OpenWinHttpInterlockedExchange
#endif
#ifndef InterlockedCompareExchange
static inline LONG OpenWinHttpInterlockedCompareExchange(LONG volatile* target, LONG exchange, LONG comparand) {
    __atomic_compare_exchange_n(target, &comparand, exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return comparand;
}
#define InterlockedCompareExchange OpenWinHttpInterlockedCompareExchange
#endif
#endif /* OPENWINHTTP_NO_INTERLOCKED */

/* ---- Array length ------------------------------------------------------------------------ */
#ifndef ARRAYSIZE
#define ARRAYSIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef _countof
#define _countof(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef RTL_NUMBER_OF
#define RTL_NUMBER_OF(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* ---- Language identifiers (winnt.h values) -------------------------------------------- */
#ifndef MAKELANGID
#define MAKELANGID(p, s) ((OPENWINHTTP_CAST(WORD, s) << 10) | OPENWINHTTP_CAST(WORD, p))
#endif
#ifndef PRIMARYLANGID
#define PRIMARYLANGID(lgid) (OPENWINHTTP_CAST(WORD, lgid) & 0x3ff)
#endif
#ifndef SUBLANGID
#define SUBLANGID(lgid) (OPENWINHTTP_CAST(WORD, lgid) >> 10)
#endif
#ifndef LANG_NEUTRAL
#define LANG_NEUTRAL 0x00
#endif
#ifndef LANG_ENGLISH
#define LANG_ENGLISH 0x09
#endif
#ifndef SUBLANG_NEUTRAL
#define SUBLANG_NEUTRAL 0x00
#endif
#ifndef SUBLANG_DEFAULT
#define SUBLANG_DEFAULT 0x01
#endif
#ifndef SUBLANG_SYS_DEFAULT
#define SUBLANG_SYS_DEFAULT 0x02
#endif
#ifndef SUBLANG_ENGLISH_US
#define SUBLANG_ENGLISH_US 0x01
#endif

/* ---- HRESULT (winerror.h values) --------------------------------------------------- */
#ifndef FACILITY_WIN32
#define FACILITY_WIN32 7
#endif
#ifndef SUCCEEDED
#define SUCCEEDED(hr) (OPENWINHTTP_CAST(HRESULT, hr) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) (OPENWINHTTP_CAST(HRESULT, hr) < 0)
#endif
#ifndef HRESULT_CODE
#define HRESULT_CODE(hr) ((hr) & 0xFFFF)
#endif
#ifndef HRESULT_FACILITY
#define HRESULT_FACILITY(hr) (((hr) >> 16) & 0x1fff)
#endif
#ifndef HRESULT_FROM_WIN32
#define HRESULT_FROM_WIN32(x)                                                                   \
    (OPENWINHTTP_CAST(HRESULT, x) <= 0                                                          \
         ? OPENWINHTTP_CAST(HRESULT, x)                                                         \
         : OPENWINHTTP_CAST(HRESULT, (OPENWINHTTP_CAST(unsigned int, x) & 0x0000FFFFu) |        \
                                         (OPENWINHTTP_CAST(unsigned int, FACILITY_WIN32) << 16) | \
                                         0x80000000u))
#endif
#ifndef S_OK
#define S_OK OPENWINHTTP_CAST(HRESULT, 0)
#endif
#ifndef S_FALSE
#define S_FALSE OPENWINHTTP_CAST(HRESULT, 1)
#endif
#ifndef E_NOTIMPL
#define E_NOTIMPL OPENWINHTTP_CAST(HRESULT, 0x80004001u)
#endif
#ifndef E_POINTER
#define E_POINTER OPENWINHTTP_CAST(HRESULT, 0x80004003u)
#endif
#ifndef E_ABORT
#define E_ABORT OPENWINHTTP_CAST(HRESULT, 0x80004004u)
#endif
#ifndef E_FAIL
#define E_FAIL OPENWINHTTP_CAST(HRESULT, 0x80004005u)
#endif
#ifndef E_UNEXPECTED
#define E_UNEXPECTED OPENWINHTTP_CAST(HRESULT, 0x8000FFFFu)
#endif
#ifndef E_ACCESSDENIED
#define E_ACCESSDENIED OPENWINHTTP_CAST(HRESULT, 0x80070005u)
#endif
#ifndef E_HANDLE
#define E_HANDLE OPENWINHTTP_CAST(HRESULT, 0x80070006u)
#endif
#ifndef E_OUTOFMEMORY
#define E_OUTOFMEMORY OPENWINHTTP_CAST(HRESULT, 0x8007000Eu)
#endif
#ifndef E_INVALIDARG
#define E_INVALIDARG OPENWINHTTP_CAST(HRESULT, 0x80070057u)
#endif

/* Win32 error codes the companions below report (winerror.h values). */
#ifndef ERROR_CALL_NOT_IMPLEMENTED
#define ERROR_CALL_NOT_IMPLEMENTED 120
#endif
#ifndef ERROR_MOD_NOT_FOUND
#define ERROR_MOD_NOT_FOUND 126
#endif
#ifndef ERROR_MR_MID_NOT_FOUND
#define ERROR_MR_MID_NOT_FOUND 317
#endif
#ifndef ERROR_NO_UNICODE_TRANSLATION
#define ERROR_NO_UNICODE_TRANSLATION 1113
#endif
#ifndef ERROR_RESOURCE_TYPE_NOT_FOUND
#define ERROR_RESOURCE_TYPE_NOT_FOUND 1813
#endif
#ifndef ERROR_RESOURCE_LANG_NOT_FOUND
#define ERROR_RESOURCE_LANG_NOT_FOUND 1815
#endif

/* ---- Code pages and conversion flags (winnls.h values) -------------------------------- */
#ifndef CP_ACP
#define CP_ACP 0
#endif
#ifndef CP_OEMCP
#define CP_OEMCP 1
#endif
#ifndef CP_MACCP
#define CP_MACCP 2
#endif
#ifndef CP_THREAD_ACP
#define CP_THREAD_ACP 3
#endif
#ifndef CP_SYMBOL
#define CP_SYMBOL 42
#endif
#ifndef CP_UTF7
#define CP_UTF7 65000
#endif
#ifndef CP_UTF8
#define CP_UTF8 65001
#endif
#ifndef MB_PRECOMPOSED
#define MB_PRECOMPOSED 0x00000001
#endif
#ifndef MB_COMPOSITE
#define MB_COMPOSITE 0x00000002
#endif
#ifndef MB_USEGLYPHCHARS
#define MB_USEGLYPHCHARS 0x00000004
#endif
#ifndef MB_ERR_INVALID_CHARS
#define MB_ERR_INVALID_CHARS 0x00000008
#endif
#ifndef WC_COMPOSITECHECK
#define WC_COMPOSITECHECK 0x00000200
#endif
#ifndef WC_DISCARDNS
#define WC_DISCARDNS 0x00000010
#endif
#ifndef WC_SEPCHARS
#define WC_SEPCHARS 0x00000020
#endif
#ifndef WC_DEFAULTCHAR
#define WC_DEFAULTCHAR 0x00000040
#endif
#ifndef WC_ERR_INVALID_CHARS
#define WC_ERR_INVALID_CHARS 0x00000080
#endif
#ifndef WC_NO_BEST_FIT_CHARS
#define WC_NO_BEST_FIT_CHARS 0x00000400
#endif

/* ---- FormatMessage flags (winbase.h values) ------------------------------------------ */
#ifndef FORMAT_MESSAGE_ALLOCATE_BUFFER
#define FORMAT_MESSAGE_ALLOCATE_BUFFER 0x00000100
#endif
#ifndef FORMAT_MESSAGE_IGNORE_INSERTS
#define FORMAT_MESSAGE_IGNORE_INSERTS 0x00000200
#endif
#ifndef FORMAT_MESSAGE_FROM_STRING
#define FORMAT_MESSAGE_FROM_STRING 0x00000400
#endif
#ifndef FORMAT_MESSAGE_FROM_HMODULE
#define FORMAT_MESSAGE_FROM_HMODULE 0x00000800
#endif
#ifndef FORMAT_MESSAGE_FROM_SYSTEM
#define FORMAT_MESSAGE_FROM_SYSTEM 0x00001000
#endif
#ifndef FORMAT_MESSAGE_ARGUMENT_ARRAY
#define FORMAT_MESSAGE_ARGUMENT_ARRAY 0x00002000
#endif
#ifndef FORMAT_MESSAGE_MAX_WIDTH_MASK
#define FORMAT_MESSAGE_MAX_WIDTH_MASK 0x000000FF
#endif

/* ---- Functions (exported) --------------------------------------------------------------- */
#ifdef __cplusplus
extern "C" {
#endif

#ifndef OPENWINHTTP_NO_STRINGAPI
/* UTF-8 (and CP_ACP/CP_OEMCP/CP_THREAD_ACP, which are UTF-8 here) <-> WCHAR (UTF-32). */
OPENWINHTTP_EXPORT int WINAPI MultiByteToWideChar(UINT CodePage, DWORD dwFlags,
                                                  LPCSTR lpMultiByteStr, int cbMultiByte,
                                                  LPWSTR lpWideCharStr, int cchWideChar);
OPENWINHTTP_EXPORT int WINAPI WideCharToMultiByte(UINT CodePage, DWORD dwFlags,
                                                  LPCWSTR lpWideCharStr, int cchWideChar,
                                                  LPSTR lpMultiByteStr, int cbMultiByte,
                                                  LPCSTR lpDefaultChar, LPBOOL lpUsedDefaultChar);
OPENWINHTTP_EXPORT int WINAPI lstrlenW(LPCWSTR lpString);
OPENWINHTTP_EXPORT int WINAPI lstrlenA(LPCSTR lpString);
#endif

#ifndef OPENWINHTTP_NO_FORMATMESSAGE
/* Texts of the WinHTTP errors (module "winhttp.dll") and of the Win32 errors the library
   returns (FORMAT_MESSAGE_FROM_SYSTEM); ALLOCATE_BUFFER memory is freed with LocalFree. */
OPENWINHTTP_EXPORT DWORD WINAPI FormatMessageW(DWORD dwFlags, LPCVOID lpSource,
                                               DWORD dwMessageId, DWORD dwLanguageId,
                                               LPWSTR lpBuffer, DWORD nSize, va_list* Arguments);
OPENWINHTTP_EXPORT DWORD WINAPI FormatMessageA(DWORD dwFlags, LPCVOID lpSource,
                                               DWORD dwMessageId, DWORD dwLanguageId,
                                               LPSTR lpBuffer, DWORD nSize, va_list* Arguments);
#endif

#ifndef OPENWINHTTP_NO_MODULEAPI
/* A pseudo handle for "winhttp.dll" / "winhttp" (any case, any directory) and for NULL (the
   program); NULL with ERROR_MOD_NOT_FOUND for any other name. */
OPENWINHTTP_EXPORT HMODULE WINAPI GetModuleHandleW(LPCWSTR lpModuleName);
OPENWINHTTP_EXPORT HMODULE WINAPI GetModuleHandleA(LPCSTR lpModuleName);
#endif

#ifdef __cplusplus
}
#endif

/* ---- Generic names follow UNICODE, as on Windows: W forms when the program defines UNICODE
   (Visual Studio projects do by default), ANSI forms otherwise ------------------------------ */
#ifdef UNICODE
#ifndef OPENWINHTTP_TCHAR_DEFINED
#define OPENWINHTTP_TCHAR_DEFINED
typedef WCHAR TCHAR;
typedef LPWSTR LPTSTR;
typedef LPCWSTR LPCTSTR;
#endif
#ifndef __TEXT
#define __TEXT(quote) L##quote
#endif
#ifndef FormatMessage
#define FormatMessage FormatMessageW
#endif
#ifndef GetModuleHandle
#define GetModuleHandle GetModuleHandleW
#endif
#ifndef lstrlen
#define lstrlen lstrlenW
#endif
#else
#ifndef OPENWINHTTP_TCHAR_DEFINED
#define OPENWINHTTP_TCHAR_DEFINED
typedef char TCHAR;
typedef LPSTR LPTSTR;
typedef LPCSTR LPCTSTR;
#endif
#ifndef __TEXT
#define __TEXT(quote) quote
#endif
#ifndef FormatMessage
#define FormatMessage FormatMessageA
#endif
#ifndef GetModuleHandle
#define GetModuleHandle GetModuleHandleA
#endif
#ifndef lstrlen
#define lstrlen lstrlenA
#endif
#endif
#ifndef TEXT
#define TEXT(quote) __TEXT(quote)
#endif

#endif /* OPENWINHTTP_WINBASE_H */
