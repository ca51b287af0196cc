#include "core/tls_options.h"

#include <schannel.h>
#include <sspi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/engine.h"
#include "core/option_buffer.h"
#include "core/request.h"
#include "net/tls.h"
#include "util/wide.h"

namespace winhttp {

namespace {

// Reads the TLS connection while no operation runs on the request (an async one would be
// using it on a worker thread). The request must hold a TLS connection.
template <class Fn>
DWORD with_tls(Object* o, Fn fn) {
    Request& r = as<Request>(*o);
    OperationGuard guard(r);
    if (!guard.owned()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    const net::TlsStream* tls = r.engine().tls();
    return tls ? fn(*tls) : ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
}

}  // namespace

// Option Flags page, WINHTTP_OPTION_SECURITY_CERTIFICATE_STRUCT: a WINHTTP_CERTIFICATE_INFO whose
// strings the app frees with LocalFree. Names are formatted as docs/design/tls.md says.
DWORD query_certificate_struct(Object* o, void* buffer, DWORD* len) {
    if (!fits(sizeof(WINHTTP_CERTIFICATE_INFO), buffer, len)) return ERROR_INSUFFICIENT_BUFFER;
    return with_tls(o, [&](const net::TlsStream& tls) -> DWORD {
        net::CertificateInfo cert;
        if (!net::certificate_info(tls, cert)) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
        WINHTTP_CERTIFICATE_INFO info{};
        info.ftExpiry = cert.expiry;
        info.ftStart = cert.start;
        info.lpszSubjectInfo = alloc_wstring(cert.subject);  // LocalFree'd by the app
        info.lpszIssuerInfo = alloc_wstring(cert.issuer);
        info.dwKeySize = cert.key_size;
        std::memcpy(buffer, &info, sizeof(info));
        *len = sizeof(info);
        return ERROR_SUCCESS;
    });
}

DWORD query_key_bitness(Object* o, void* buffer, DWORD* len) {
    if (!fits(sizeof(DWORD), buffer, len)) return ERROR_INSUFFICIENT_BUFFER;
    return with_tls(o, [&](const net::TlsStream& tls) { return put<DWORD>(tls.cipher_bits(), buffer, len); });
}

DWORD query_server_cert_chain(Object* o, void* buffer, DWORD* len) {
    return with_tls(o, [&](const net::TlsStream& tls) -> DWORD {
        const auto chain = net::peer_chain_der(tls);
        size_t size = 0;
        for (const auto& der : chain) size += sizeof(DWORD) + der.size();
        if (size > 0xFFFFFFFFu) return ERROR_NOT_ENOUGH_MEMORY;
        if (!fits(static_cast<DWORD>(size), buffer, len)) return ERROR_INSUFFICIENT_BUFFER;
        auto* out = static_cast<unsigned char*>(buffer);
        for (const auto& der : chain) {
            const DWORD n = static_cast<DWORD>(der.size());
            std::memcpy(out, &n, sizeof(n));
            std::memcpy(out + sizeof(n), der.data(), der.size());
            out += sizeof(n) + der.size();
        }
        *len = static_cast<DWORD>(size);
        return ERROR_SUCCESS;
    });
}

// Option Flags page, WINHTTP_OPTION_SERVER_CBT: the channel binding token, "only ... after an
// SSL connection has been established"; a NULL buffer gives ERROR_INSUFFICIENT_BUFFER and the
// size. The block is what .NET's WinHttpChannelBinding hands on as the bindings (the size it
// was told, read as one blob): SEC_CHANNEL_BINDINGS with the address fields zero, as Schannel
// leaves them (SEC_CHANNEL_BINDINGS page), and the application data right after it.
DWORD query_server_cbt(Object* o, void* buffer, DWORD* len) {
    const std::string hash = as<Request>(*o).engine().server_end_point();
    if (hash.empty()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    static constexpr char kPrefix[] = "tls-server-end-point:";  // RFC 5929 §4
    constexpr size_t kPrefixLen = sizeof(kPrefix) - 1;
    const DWORD data_len = static_cast<DWORD>(kPrefixLen + hash.size());
    const DWORD size = static_cast<DWORD>(sizeof(SEC_CHANNEL_BINDINGS)) + data_len;
    if (!fits(size, buffer, len)) return ERROR_INSUFFICIENT_BUFFER;
    SEC_CHANNEL_BINDINGS head{};
    head.cbApplicationDataLength = data_len;
    head.dwApplicationDataOffset = sizeof(SEC_CHANNEL_BINDINGS);
    auto* out = static_cast<unsigned char*>(buffer);
    std::memcpy(out, &head, sizeof(head));
    std::memcpy(out + sizeof(head), kPrefix, kPrefixLen);
    std::memcpy(out + sizeof(head) + kPrefixLen, hash.data(), hash.size());
    *len = size;
    return ERROR_SUCCESS;
}

// WINHTTP_NO_CLIENT_CERT_CONTEXT (NULL): go on without a certificate when the server asks
// (WinHttpSendRequest page, ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED). A CERT_CONTEXT cannot
// exist on Linux: OPENWINHTTP_OPTION_CLIENT_CERT_FILES names the files instead.
DWORD set_client_cert_context(Object* o, const void* buffer, DWORD len) {
    // Only a request opened with WINHTTP_FLAG_SECURE takes one (Wine winhttp.c
    // test_secure_connection, verified on Windows).
    if (!as<Request>(*o).secure()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    if (buffer || len) return ERROR_INVALID_PARAMETER;
    net::ClientCertChoice choice;
    choice.none_wanted = true;
    as<Request>(*o).set_client_cert(std::move(choice));
    return ERROR_SUCCESS;
}

DWORD set_client_cert_files(Object* o, const void* buffer, DWORD len) {
    if (!buffer || len != sizeof(OPENWINHTTP_CLIENT_CERT_FILES)) return ERROR_INVALID_PARAMETER;
    OPENWINHTTP_CLIENT_CERT_FILES files;
    std::memcpy(&files, buffer, sizeof(files));
    const bool pem = files.pwszCertificateFile != nullptr;
    if (pem == (files.pwszPkcs12File != nullptr)) return ERROR_INVALID_PARAMETER;
    net::ClientCertChoice choice;
    const DWORD e =
        pem ? net::ClientCredentials::from_pem(
                  to_utf8(files.pwszCertificateFile),
                  files.pwszKeyFile ? to_utf8(files.pwszKeyFile) : std::string(), choice.credentials)
            : net::ClientCredentials::from_pkcs12(
                  to_utf8(files.pwszPkcs12File),
                  files.pwszPassword ? to_utf8(files.pwszPassword) : std::string(),
                  choice.credentials);
    if (e) return e;
    as<Request>(*o).set_client_cert(std::move(choice));
    return ERROR_SUCCESS;
}

namespace {

DWORD schannel_protocol(DWORD winhttp_flag) {
    switch (winhttp_flag) {
        case WINHTTP_FLAG_SECURE_PROTOCOL_TLS1: return SP_PROT_TLS1_CLIENT;
        case WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_1: return SP_PROT_TLS1_1_CLIENT;
        case WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2: return SP_PROT_TLS1_2_CLIENT;
        case WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3: return SP_PROT_TLS1_3_CLIENT;
        default: return 0;
    }
}

// wincrypt's ALG_ID for what OpenSSL negotiated; 0 where Windows has none (ChaCha20).
ALG_ID cipher_alg(const net::CipherDetails& d) {
    if (d.cipher != "AES") return 0;
    switch (d.cipher_bits) {
        case 128: return CALG_AES_128;
        case 192: return CALG_AES_192;
        case 256: return CALG_AES_256;
        default: return CALG_AES;
    }
}
ALG_ID hash_alg(const std::string& hash) {
    if (hash == "SHA1") return CALG_SHA1;
    if (hash == "SHA256") return CALG_SHA_256;
    if (hash == "SHA384") return CALG_SHA_384;
    if (hash == "SHA512") return CALG_SHA_512;
    return 0;
}
ALG_ID exchange_alg(const std::string& exchange) {
    if (exchange == "ECDHE") return CALG_ECDH_EPHEM;
    if (exchange == "DHE") return CALG_DH_EPHEM;
    if (exchange == "RSA") return CALG_RSA_KEYX;
    return 0;
}

void copy_name(WCHAR (&dst)[SZ_ALG_MAX_SIZE], const std::string& src) {
    const size_t n = std::min(src.size(), static_cast<size_t>(SZ_ALG_MAX_SIZE - 1));
    for (size_t i = 0; i < n; ++i) dst[i] = static_cast<WCHAR>(static_cast<unsigned char>(src[i]));
    dst[n] = 0;
}

}  // namespace

// WINHTTP_SECURITY_INFO: schannel's connection and cipher information, filled from OpenSSL. An
// AEAD suite has no separate MAC: ConnectionInfo.aiHash is 0 and CipherInfo.szHash names the
// suite's PRF hash (docs/design/connection-options.md).
DWORD query_security_info(Object* o, void* buffer, DWORD* len) {
    if (!fits(sizeof(WINHTTP_SECURITY_INFO), buffer, len)) return ERROR_INSUFFICIENT_BUFFER;
    return with_tls(o, [&](const net::TlsStream& tls) -> DWORD {
        net::CipherDetails d;
        if (!net::cipher_details(tls, d)) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
        WINHTTP_SECURITY_INFO info{};
        SecPkgContext_ConnectionInfo& ci = info.ConnectionInfo;
        ci.dwProtocol = schannel_protocol(d.protocol);
        ci.aiCipher = cipher_alg(d);
        ci.dwCipherStrength = d.cipher_bits;
        ci.aiHash = d.aead ? 0 : hash_alg(d.hash);
        ci.dwHashStrength = d.aead ? 0 : d.hash_bits;
        ci.aiExch = exchange_alg(d.exchange);
        ci.dwExchStrength = d.exchange_bits;
        SecPkgContext_CipherInfo& cp = info.CipherInfo;
        cp.dwVersion = SECPKGCONTEXT_CIPHERINFO_V1;
        cp.dwProtocol = ci.dwProtocol;
        cp.dwCipherSuite = d.suite;
        cp.dwBaseCipherSuite = d.suite;
        copy_name(cp.szCipherSuite, d.suite_name);
        copy_name(cp.szCipher, d.cipher);
        cp.dwCipherLen = d.cipher_bits;
        cp.dwCipherBlockLen = d.cipher_block_bytes;
        copy_name(cp.szHash, d.hash);
        cp.dwHashLen = d.hash_bits;
        copy_name(cp.szExchange, d.exchange);
        cp.dwMinExchangeLen = d.exchange_bits;
        cp.dwMaxExchangeLen = d.exchange_bits;
        copy_name(cp.szCertificate, d.certificate);
        return put(info, buffer, len);
    });
}

}  // namespace winhttp
