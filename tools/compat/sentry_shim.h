/* Driver-side platform layer for compiling sentry-native's WinHTTP transport on Linux.
 * Force-included (-include) before the unchanged transport file. Provides what sentry's own
 * Windows build gets from its headers (sentry_boot.h includes <windows.h>; sentry_string.h and
 * sentry_path.h declare wide-string helpers and path_w only under SENTRY_PLATFORM_WINDOWS) and
 * the Win32 file API the transport uses for file-backed bodies. Not part of OpenWinHTTP. */
#pragma once
#include <windows.h>
#include <fcntl.h>
#include <unistd.h>
#include <wchar.h>
#include <stdlib.h>

/* sentry's Windows-only string helpers (defined in driver.c, with MultiByteToWideChar). */
wchar_t *sentry__string_to_wstr(const char *s);
char *sentry__string_from_wstr(const wchar_t *s);
/* sentry_path_t has path_w only on Windows; on Linux its path is the narrow one. */
#define path_w path

/* Not declared by OpenWinHTTP yet (authentication: STATUS "not yet"). Stub in driver.c. */
BOOL WINAPI WinHttpSetCredentials(void *, DWORD, DWORD, LPCWSTR, LPCWSTR, LPVOID);

/* Win32 file API subset for the body_path branch. */
#define GENERIC_READ 0x80000000u
#define FILE_SHARE_READ 1u
#define OPEN_EXISTING 3u
#define FILE_ATTRIBUTE_NORMAL 0x80u
#define INVALID_HANDLE_VALUE ((HANDLE)(intptr_t)-1)
static inline HANDLE CreateFileW(const char *path, DWORD access, DWORD share, void *sa, DWORD disp, DWORD attrs, HANDLE tmpl)
{ (void)access; (void)share; (void)sa; (void)disp; (void)attrs; (void)tmpl;
  int fd = open(path, O_RDONLY); return fd < 0 ? INVALID_HANDLE_VALUE : (HANDLE)(intptr_t)(fd + 1); }
static inline BOOL ReadFile(HANDLE h, void *buf, DWORD size, DWORD *got, void *ov)
{ (void)ov; ssize_t n = read((int)(intptr_t)h - 1, buf, size); if (n < 0) return FALSE; *got = (DWORD)n; return TRUE; }
static inline BOOL CloseHandle(HANDLE h) { return close((int)(intptr_t)h - 1) == 0; }
