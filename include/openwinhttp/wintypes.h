/*
 * openwinhttp/wintypes.h - the basic Windows types, macros and error codes that
 * <winhttp.h> needs, for LP64 Linux (OpenWinHTTP).
 *
 * ABI: DWORD/LONG/ULONG/UINT/BOOL are 32-bit (never `long`), WCHAR is wchar_t so
 * L"..." literals work, *_PTR types are pointer-sized, WINAPI/CALLBACK expand to
 * nothing. Numeric values are the Windows SDK values.
 *
 * Opting out. A program that already has its own Windows types (a compat layer, a
 * hand-written windows.h) defines _WINDEF_, _MINWINDEF_ or OPENWINHTTP_NO_BASE_TYPES
 * before including this file. It must then itself provide these names, the ones
 * <winhttp.h> and this file use, with the sizes above (tests/header/own_types.c):
 *
 *   WORD USHORT DWORD BOOL LONG ULONG UINT ULONGLONG DWORD_PTR
 *   WCHAR LPWSTR PWSTR LPCWSTR PCWSTR LPSTR PCSTR
 *   LPVOID PVOID LPCVOID HANDLE LPDWORD PDWORD
 *
 * (The other base types below - BYTE LONGLONG ULONG_PTR UINT_PTR LONG_PTR INT_PTR
 * PSTR LPCSTR LPWORD LPBYTE LPBOOL - are then not declared either.)
 *
 * FILETIME, SYSTEMTIME and GUID are skipped separately when _FILETIME_, _SYSTEMTIME_ or
 * GUID_DEFINED is defined; the program then provides that type with Windows' layout.
 * GetLastError/SetLastError/GlobalFree/LocalFree are not declared when
 * OPENWINHTTP_NO_ERRHANDLING is defined. Every macro below (WINAPI, TRUE, SAL
 * annotations, ERROR_* codes, ...) is defined only if not already defined.
 */
#ifndef OPENWINHTTP_WINTYPES_H
#define OPENWINHTTP_WINTYPES_H

#include <stddef.h> /* NULL, wchar_t, size_t */
#include <stdint.h> /* uintptr_t, intptr_t */

/* ---- Symbol visibility: the library is built with -fvisibility=hidden ---------------- */
#ifndef OPENWINHTTP_EXPORT
#if defined(__GNUC__) || defined(__clang__)
#define OPENWINHTTP_EXPORT __attribute__((visibility("default")))
#else
#define OPENWINHTTP_EXPORT
#endif
#endif

/* ---- Base scalar and pointer types --------------------------------------------------- */
#if !defined(_WINDEF_) && !defined(_MINWINDEF_) && !defined(OPENWINHTTP_NO_BASE_TYPES)

typedef unsigned char BYTE;
typedef unsigned short WORD;
typedef unsigned int DWORD; /* 32-bit: never unsigned long on LP64 */
typedef int BOOL;           /* 32-bit, not bool */
typedef int LONG;
typedef unsigned int ULONG;
typedef unsigned int UINT;
typedef unsigned short USHORT;
/* 64-bit; `long long` (not int64_t = long) so Windows-style %llu/%lld formats match. */
typedef long long LONGLONG;
typedef unsigned long long ULONGLONG;

/* Pointer-sized integers (callback context values, WINHTTP_ASYNC_RESULT.dwResult). */
typedef uintptr_t DWORD_PTR;
typedef uintptr_t ULONG_PTR;
typedef uintptr_t UINT_PTR;
typedef intptr_t LONG_PTR;
typedef intptr_t INT_PTR;

/* Wide strings are wchar_t (UTF-32 on Linux), so L"..." and std::wstring work unchanged. */
typedef wchar_t WCHAR;
typedef WCHAR* LPWSTR;
typedef WCHAR* PWSTR;
typedef const WCHAR* LPCWSTR;
typedef const WCHAR* PCWSTR;
typedef char* LPSTR;
typedef char* PSTR;
typedef const char* LPCSTR;
typedef const char* PCSTR;

typedef void* LPVOID;
typedef void* PVOID;
typedef const void* LPCVOID;
typedef void* HANDLE;

typedef DWORD* LPDWORD;
typedef DWORD* PDWORD;
typedef WORD* LPWORD;
typedef BYTE* LPBYTE;
typedef BOOL* LPBOOL;

#define _MINWINDEF_

#endif /* base types */

#ifndef VOID
#define VOID void
#endif

#ifndef FALSE
#define FALSE 0
#endif
#ifndef TRUE
#define TRUE 1
#endif

/* ---- Calling conventions: one convention on x86-64 / arm64, so all empty ------------- */
#ifndef WINAPI
#define WINAPI
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef APIENTRY
#define APIENTRY
#endif
#ifndef WINHTTPAPI
#define WINHTTPAPI OPENWINHTTP_EXPORT
#endif
#ifndef BOOLAPI
#define BOOLAPI WINHTTPAPI BOOL WINAPI
#endif

/* ---- SAL annotations used in Windows prototypes: no meaning here --------------------- */
#ifndef _In_
#define _In_
#endif
#ifndef _In_opt_
#define _In_opt_
#endif
#ifndef _In_z_
#define _In_z_
#endif
#ifndef _In_opt_z_
#define _In_opt_z_
#endif
#ifndef _In_reads_
#define _In_reads_(n)
#endif
#ifndef _In_reads_opt_
#define _In_reads_opt_(n)
#endif
#ifndef _In_reads_bytes_
#define _In_reads_bytes_(n)
#endif
#ifndef _In_reads_bytes_opt_
#define _In_reads_bytes_opt_(n)
#endif
#ifndef _In_range_
#define _In_range_(lo, hi)
#endif
#ifndef _Out_
#define _Out_
#endif
#ifndef _Out_opt_
#define _Out_opt_
#endif
#ifndef _Out_writes_
#define _Out_writes_(n)
#endif
#ifndef _Out_writes_opt_
#define _Out_writes_opt_(n)
#endif
#ifndef _Out_writes_bytes_
#define _Out_writes_bytes_(n)
#endif
#ifndef _Out_writes_bytes_opt_
#define _Out_writes_bytes_opt_(n)
#endif
#ifndef _Out_writes_to_
#define _Out_writes_to_(n, c)
#endif
#ifndef _Out_writes_to_opt_
#define _Out_writes_to_opt_(n, c)
#endif
#ifndef _Out_writes_bytes_to_
#define _Out_writes_bytes_to_(n, c)
#endif
#ifndef _Out_writes_bytes_to_opt_
#define _Out_writes_bytes_to_opt_(n, c)
#endif
#ifndef _Out_range_
#define _Out_range_(lo, hi)
#endif
#ifndef _Outptr_
#define _Outptr_
#endif
#ifndef _Outptr_opt_
#define _Outptr_opt_
#endif
#ifndef _Outptr_result_maybenull_
#define _Outptr_result_maybenull_
#endif
#ifndef _Inout_
#define _Inout_
#endif
#ifndef _Inout_opt_
#define _Inout_opt_
#endif
#ifndef _Reserved_
#define _Reserved_
#endif
#ifndef _Success_
#define _Success_(expr)
#endif
#ifndef _When_
#define _When_(expr, annotation)
#endif
#ifndef _At_
#define _At_(target, annotation)
#endif
#ifndef _Check_return_
#define _Check_return_
#endif
#ifndef _Ret_maybenull_
#define _Ret_maybenull_
#endif

/* ---- FILETIME, SYSTEMTIME, GUID ------------------------------------------------------ */
#ifndef _FILETIME_
#define _FILETIME_
typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;
#endif

#ifndef _SYSTEMTIME_
#define _SYSTEMTIME_
typedef struct _SYSTEMTIME {
    WORD wYear;
    WORD wMonth;
    WORD wDayOfWeek; /* 0 = Sunday */
    WORD wDay;
    WORD wHour;
    WORD wMinute;
    WORD wSecond;
    WORD wMilliseconds;
} SYSTEMTIME, *PSYSTEMTIME, *LPSYSTEMTIME;
#endif

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    unsigned int Data1; /* 32-bit, as Windows' unsigned long */
    unsigned short Data2;
    unsigned short Data3;
    unsigned char Data4[8];
} GUID;
#endif

/* ---- Constants ----------------------------------------------------------------------- */
#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif

/* Generic Win32 error codes (winerror.h values) that WinHTTP returns or apps test for. */
#ifndef ERROR_SUCCESS
#define ERROR_SUCCESS 0
#endif
#ifndef NO_ERROR
#define NO_ERROR 0
#endif
#ifndef ERROR_INVALID_FUNCTION
#define ERROR_INVALID_FUNCTION 1
#endif
#ifndef ERROR_FILE_NOT_FOUND
#define ERROR_FILE_NOT_FOUND 2
#endif
#ifndef ERROR_ACCESS_DENIED
#define ERROR_ACCESS_DENIED 5
#endif
#ifndef ERROR_INVALID_HANDLE
#define ERROR_INVALID_HANDLE 6
#endif
#ifndef ERROR_NOT_ENOUGH_MEMORY
#define ERROR_NOT_ENOUGH_MEMORY 8
#endif
#ifndef ERROR_INVALID_DATA
#define ERROR_INVALID_DATA 13
#endif
#ifndef ERROR_OUTOFMEMORY
#define ERROR_OUTOFMEMORY 14
#endif
#ifndef ERROR_NOT_SUPPORTED
#define ERROR_NOT_SUPPORTED 50
#endif
#ifndef ERROR_INVALID_PARAMETER
#define ERROR_INVALID_PARAMETER 87
#endif
#ifndef ERROR_CALL_NOT_IMPLEMENTED
#define ERROR_CALL_NOT_IMPLEMENTED 120
#endif
#ifndef ERROR_INSUFFICIENT_BUFFER
#define ERROR_INSUFFICIENT_BUFFER 122
#endif
#ifndef ERROR_MORE_DATA
#define ERROR_MORE_DATA 234
#endif
#ifndef ERROR_NO_MORE_ITEMS
#define ERROR_NO_MORE_ITEMS 259
#endif
#ifndef ERROR_IO_PENDING
#define ERROR_IO_PENDING 997
#endif
#ifndef ERROR_INVALID_FLAGS
#define ERROR_INVALID_FLAGS 1004
#endif
#ifndef ERROR_NOT_FOUND
#define ERROR_NOT_FOUND 1168
#endif
#ifndef ERROR_CANCELLED
#define ERROR_CANCELLED 1223
#endif
#ifndef ERROR_INVALID_SERVER_STATE
#define ERROR_INVALID_SERVER_STATE 1352
#endif
#ifndef ERROR_TIMEOUT
#define ERROR_TIMEOUT 1460
#endif
#ifndef ERROR_INVALID_OPERATION
#define ERROR_INVALID_OPERATION 4317
#endif

/* ---- Companion functions (exported by libwinhttp) ------------------------------------ */
#ifndef OPENWINHTTP_NO_ERRHANDLING
#ifdef __cplusplus
extern "C" {
#endif

/* Thread-local last error with Windows codes; independent of errno. */
OPENWINHTTP_EXPORT DWORD WINAPI GetLastError(void);
OPENWINHTTP_EXPORT void WINAPI SetLastError(DWORD dwErrCode);
/* Free memory WinHTTP hands to the caller (proxy strings, certificate info strings).
   Both return NULL on success, as on Windows (HGLOBAL/HLOCAL are HANDLE). */
OPENWINHTTP_EXPORT HANDLE WINAPI GlobalFree(HANDLE hMem);
OPENWINHTTP_EXPORT HANDLE WINAPI LocalFree(HANDLE hMem);

#ifdef __cplusplus
}
#endif
#endif /* OPENWINHTTP_NO_ERRHANDLING */

#endif /* OPENWINHTTP_WINTYPES_H */
