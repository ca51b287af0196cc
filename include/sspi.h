/*
 * sspi.h - the part of Windows' <sspi.h> that WINHTTP_OPTION_SERVER_CBT needs (OpenWinHTTP):
 * SEC_CHANNEL_BINDINGS and SecPkgContext_Bindings. Windows declares both in <sspi.h> (reached
 * through <security.h> with SECURITY_WIN32), never in <winhttp.h> or <windows.h>, so a program
 * reading the channel binding token includes this header itself, as on Windows.
 *
 * Windows' fields are `unsigned long`, 32 bits there (LLP64): DWORD here, so the layout is the
 * same (8 x 4 bytes, the application data at dwApplicationDataOffset = 32).
 */
#ifndef OPENWINHTTP_SSPI_H
#define OPENWINHTTP_SSPI_H

#include "openwinhttp/wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef __SSPI_H__
typedef struct _SEC_CHANNEL_BINDINGS {
    DWORD dwInitiatorAddrType;
    DWORD cbInitiatorLength;
    DWORD dwInitiatorOffset; /* from the start of this structure */
    DWORD dwAcceptorAddrType;
    DWORD cbAcceptorLength;
    DWORD dwAcceptorOffset;
    DWORD cbApplicationDataLength;
    DWORD dwApplicationDataOffset; /* = sizeof(SEC_CHANNEL_BINDINGS): the data follows */
} SEC_CHANNEL_BINDINGS, *PSEC_CHANNEL_BINDINGS;

typedef struct _SecPkgContext_Bindings {
    DWORD BindingsLength; /* size of *Bindings, its data included */
    SEC_CHANNEL_BINDINGS* Bindings;
} SecPkgContext_Bindings, *PSecPkgContext_Bindings;
#endif /* __SSPI_H__ */

#ifdef __cplusplus
}
#endif

#endif /* OPENWINHTTP_SSPI_H */
