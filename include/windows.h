/*
 * windows.h - minimal stand-in for OpenWinHTTP users: the basic Windows types, macros and
 * error codes (openwinhttp/wintypes.h) and the companions WinHTTP programs call next to
 * <winhttp.h> (openwinhttp/winbase.h: text conversion, FormatMessage for WinHTTP errors,
 * GetModuleHandle("winhttp.dll"), the memory and HRESULT macros, <wchar.h>), so that Windows
 * code doing `#include <windows.h>` followed by `#include <winhttp.h>` compiles unchanged.
 * It is not a general Windows API layer (docs/design/windows-compat.md).
 */
#ifndef OPENWINHTTP_WINDOWS_H
#define OPENWINHTTP_WINDOWS_H

#include "openwinhttp/wintypes.h"
#include "openwinhttp/winbase.h"

#endif /* OPENWINHTTP_WINDOWS_H */
