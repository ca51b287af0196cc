/*
 * schannel.h - the part of Windows' <schannel.h> (and the ALG_ID values of <wincrypt.h>) that
 * WINHTTP_OPTION_SECURITY_INFO needs (OpenWinHTTP): SecPkgContext_ConnectionInfo,
 * SecPkgContext_CipherInfo, the SP_PROT_*_CLIENT protocol bits and the CALG_* algorithm ids.
 * WINHTTP_SECURITY_INFO itself is declared by whichever of <schannel.h> and <winhttp.h> is
 * included second, as Windows' winhttp.h declares it only when schannel.h was seen.
 */
#ifndef OPENWINHTTP_SCHANNEL_H
#define OPENWINHTTP_SCHANNEL_H

#include "openwinhttp/wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _WINCRYPT_
typedef unsigned int ALG_ID;
#ifndef CALG_RSA_KEYX
#define CALG_RSA_KEYX 0x0000a400
#define CALG_DH_EPHEM 0x0000aa02
#define CALG_ECDH 0x0000aa05
#define CALG_ECDH_EPHEM 0x0000ae06
#define CALG_AES_128 0x0000660e
#define CALG_AES_192 0x0000660f
#define CALG_AES_256 0x00006610
#define CALG_AES 0x00006611
#define CALG_SHA1 0x00008004
#define CALG_SHA_256 0x0000800c
#define CALG_SHA_384 0x0000800d
#define CALG_SHA_512 0x0000800e
#endif
#endif /* _WINCRYPT_ */

#ifndef _SCHANNEL_H_
#define SP_PROT_TLS1_CLIENT 0x00000080
#define SP_PROT_TLS1_1_CLIENT 0x00000200
#define SP_PROT_TLS1_2_CLIENT 0x00000800
#define SP_PROT_TLS1_3_CLIENT 0x00002000

#define SZ_ALG_MAX_SIZE 64
#define SECPKGCONTEXT_CIPHERINFO_V1 1

typedef struct _SecPkgContext_ConnectionInfo {
    DWORD dwProtocol; /* SP_PROT_* */
    ALG_ID aiCipher;
    DWORD dwCipherStrength;
    ALG_ID aiHash;
    DWORD dwHashStrength;
    ALG_ID aiExch;
    DWORD dwExchStrength;
} SecPkgContext_ConnectionInfo, *PSecPkgContext_ConnectionInfo;

typedef struct _SecPkgContext_CipherInfo {
    DWORD dwVersion;
    DWORD dwProtocol;
    DWORD dwCipherSuite;
    DWORD dwBaseCipherSuite;
    WCHAR szCipherSuite[SZ_ALG_MAX_SIZE];
    WCHAR szCipher[SZ_ALG_MAX_SIZE];
    DWORD dwCipherLen;
    DWORD dwCipherBlockLen;
    WCHAR szHash[SZ_ALG_MAX_SIZE];
    DWORD dwHashLen;
    WCHAR szExchange[SZ_ALG_MAX_SIZE];
    DWORD dwMinExchangeLen;
    DWORD dwMaxExchangeLen;
    WCHAR szCertificate[SZ_ALG_MAX_SIZE];
    DWORD dwKeyType;
} SecPkgContext_CipherInfo, *PSecPkgContext_CipherInfo;
#endif /* _SCHANNEL_H_ */

#if defined(OPENWINHTTP_WINHTTP_H) && !defined(OPENWINHTTP_SECURITY_INFO_DECLARED)
#define OPENWINHTTP_SECURITY_INFO_DECLARED
typedef struct _WINHTTP_SECURITY_INFO {
    SecPkgContext_ConnectionInfo ConnectionInfo;
    SecPkgContext_CipherInfo CipherInfo;
} WINHTTP_SECURITY_INFO, *PWINHTTP_SECURITY_INFO;
#endif

#ifdef __cplusplus
}
#endif

#endif /* OPENWINHTTP_SCHANNEL_H */
