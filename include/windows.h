/*
 * windows.h - minimal stand-in for OpenWinHTTP users: the basic Windows types, macros,
 * error codes and GetLastError/SetLastError/GlobalFree/LocalFree, so that Windows code
 * doing `#include <windows.h>` followed by `#include <winhttp.h>` compiles unchanged.
 * It is not a general Windows API layer.
 */
#ifndef OPENWINHTTP_WINDOWS_H
#define OPENWINHTTP_WINDOWS_H

#include "openwinhttp/wintypes.h"

#endif /* OPENWINHTTP_WINDOWS_H */
