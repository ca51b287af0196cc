// TLS (OpenSSL 3) over a connected non-blocking TCP socket, as a Stream.
//
//     std::shared_ptr<TlsContext> ctx;                  // one per session
//     DWORD err = TlsContext::create(TlsConfig{}, ctx);   // ERROR_INVALID_PARAMETER: bad protocol
//     mask TlsStream tls(ctx, fd, "example.com", 443, security_flags); for (;;) {
//         IoResult r = tls.handshake();     // never waits: Done, WantRead, WantWrite or Failed
//         if (r.status == IoStatus::Done) break;
//         if (r.status == IoStatus::Failed) return r.error;   // failure_flags() says why
//         wait_for(tls.fd(), r.status);     // poll (sync handles) or the event loop (async)
//     }
//     tls.write_some(...); tls.read_some(...);
//
// Nothing here blocks, touches the last error or throws. The socket stays owned by the caller;
// TlsStream never closes it.
//
// Reads: OpenSSL reads ahead (one recvfrom takes as many records as its buffer holds, instead of
// a 5-byte record header and then the record), and read_some returns data already buffered
// inside OpenSSL before it asks for more from the socket, so a caller that keeps calling
// read_some until WantRead never waits on a socket while data sits in OpenSSL's buffer. A caller
// that stops after a Done and later polls must first check buffered() (SSL_has_pending: records
// read ahead but not yet decrypted count too; pending() counts only decrypted bytes).
//
// Writes: after WantWrite the caller must call write_some again with the same bytes (the
// pointer may change; OpenSSL has already encrypted them into a record). Partial writes are
// enabled, so Done may report fewer bytes than offered.
#pragma once

#include "net/ocsp.h"
#include "net/stream.h"

#include <winhttp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

// OpenSSL's types, declared here so that users of this header need not include OpenSSL.
struct ssl_ctx_st;
struct ssl_st;
struct ssl_session_st;
struct x509_st;
struct evp_pkey_st;
struct stack_st_X509;

namespace winhttp::net {

// ---- protocol versions (WINHTTP_OPTION_SECURE_PROTOCOLS) -------------------------------------

// The WINHTTP_FLAG_SECURE_PROTOCOL_* bits this build can negotiate: TLS 1.2 and TLS 1.3.
// SSL 2/3 are gone from OpenSSL 3; TLS 1.0/1.1 are refused by Debian's OpenSSL configuration
// (security level 2) and deprecated by RFC 8996.
inline constexpr DWORD kTlsSupportedProtocols =
    WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2 | WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
// Every bit WinHTTP defines for the option.
inline constexpr DWORD kTlsKnownProtocols =
    WINHTTP_FLAG_SECURE_PROTOCOL_SSL2 | WINHTTP_FLAG_SECURE_PROTOCOL_SSL3 |
    WINHTTP_FLAG_SECURE_PROTOCOL_TLS1 | WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_1 |
    WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2 | WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;
// What a new session uses: everything supported (Windows 11's default set minus 1.0/1.1).
inline constexpr DWORD kTlsDefaultProtocols = kTlsSupportedProtocols;

// OpenSSL protocol version numbers (TLS1_2_VERSION, TLS1_3_VERSION).
struct TlsVersionRange {
    int min_version = 0;
    int max_version = 0;
};

// Checks a WINHTTP_OPTION_SECURE_PROTOCOLS value. ERROR_SUCCESS when the mask holds only
// defined bits and at least one supported protocol; unsupported bits next to a supported one
// are ignored (apps commonly pass SSL3|TLS1|TLS1_1|TLS1_2). ERROR_INVALID_PARAMETER when a bit
// is undefined or no supported protocol is left (Windows also refuses masks naming protocols
// the OS cannot do: libgit2 PR #4550, cpprestsdk #510).
DWORD check_secure_protocols(DWORD mask) noexcept;

// The contiguous version range covering the supported bits of `mask` (OpenSSL can only set a
// minimum and a maximum). Precondition: check_secure_protocols(mask) == ERROR_SUCCESS.
TlsVersionRange secure_protocol_range(DWORD mask) noexcept;

// WINHTTP_FLAG_SECURE_PROTOCOL_* bit for an OpenSSL version number, 0 if none.
DWORD secure_protocol_flag(int openssl_version) noexcept;

// ---- client certificates (the Linux mirror of WINHTTP_OPTION_CLIENT_CERT_CONTEXT) -----------

// A loaded certificate with its private key and any intermediate certificates. Immutable once
// loaded, so one object can serve many connections on many threads.
class ClientCredentials {
  public:
    // PEM certificate file (intermediates may follow the leaf) and PEM private-key file; an
    // empty key_file means the key is in cert_file. Errors: ERROR_FILE_NOT_FOUND (a file cannot
    // be opened), ERROR_INVALID_DATA (no certificate in it),
    // ERROR_WINHTTP_CLIENT_CERT_NO_PRIVATE_KEY (no key, or a key that does not match).
    static DWORD from_pem(const std::string& cert_file, const std::string& key_file,
                          std::shared_ptr<const ClientCredentials>& out);
    // PKCS#12 (.p12/.pfx) file with its password (empty string: none). Same errors;
    // ERROR_INVALID_DATA also for a wrong password.
    static DWORD from_pkcs12(const std::string& file, const std::string& password,
                             std::shared_ptr<const ClientCredentials>& out);

    ~ClientCredentials();
    ClientCredentials(const ClientCredentials&) = delete;
    ClientCredentials& operator=(const ClientCredentials&) = delete;

    // Process-unique, never reused: TLS sessions are cached per identity (a session resumed
    // with another certificate would carry the wrong identity).
    uint64_t id() const { return id_; }
    // Applies certificate, key and chain to a connection. False on an OpenSSL failure.
    bool apply(ssl_st* ssl) const;

  private:
    ClientCredentials(x509_st* cert, evp_pkey_st* key, stack_st_X509* chain);
    static DWORD check_and_make(x509_st* cert, evp_pkey_st* key, stack_st_X509* chain,
                                std::shared_ptr<const ClientCredentials>& out);

    x509_st* cert_;
    evp_pkey_st* key_;
    stack_st_X509* chain_;  // may be null
    uint64_t id_;
};

// ---- the per-session context -----------------------------------------------------------------

struct TlsConfig {
    // WINHTTP_FLAG_SECURE_PROTOCOL_* mask; see check_secure_protocols.
    DWORD protocols = kTlsDefaultProtocols;
    // Extra trust anchors on top of the system store (which SSL_CERT_FILE and SSL_CERT_DIR
    // replace, as everywhere OpenSSL is used). Empty: none.
    std::string ca_file;
    std::string ca_dir;
};

class TlsContext {
  public:
    // Errors: ERROR_INVALID_PARAMETER (protocol mask), ERROR_FILE_NOT_FOUND (ca_file/ca_dir
    // unreadable), ERROR_NOT_ENOUGH_MEMORY. Reads SSLKEYLOGFILE now: when set, every
    // connection of this context appends its secrets to that file in NSS key log format.
    static DWORD create(const TlsConfig& config, std::shared_ptr<TlsContext>& out);

    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    DWORD protocols() const { return protocols_; }
    const std::string& keylog_path() const { return keylog_path_; }
    ssl_ctx_st* native() const { return ctx_; }

    // Client-side session cache, keyed by "host:port" plus the client identity. Take returns a
    // copy of the cached session (caller frees; connections never share one) or null. The cache holds its own copies: OpenSSL marks a
    // connection's session not resumable when the connection is freed without close_notify,
    // which is how pooled HTTP connections usually end.
    ssl_session_st* take_session(const std::string& key);  // a copy the caller owns
    void store_session(const std::string& key, ssl_session_st* session);  // adopts the reference
    void forget_session(const std::string& key);
    size_t cached_sessions() const;

  private:
    TlsContext() = default;
    DWORD init(const TlsConfig& config);

    ssl_ctx_st* ctx_ = nullptr;
    DWORD protocols_ = kTlsDefaultProtocols;
    std::string keylog_path_;
    mutable std::mutex sessions_mutex_;
    std::map<std::string, ssl_session_st*> sessions_;
};

// ---- one TLS connection ----------------------------------------------------------------------

// How to answer a server's certificate request.
struct ClientCertChoice {
    // The certificate to present; null: none configured.
    std::shared_ptr<const ClientCredentials> credentials;
    // The app passed WINHTTP_NO_CLIENT_CERT_CONTEXT: go on without a certificate instead of
    // failing with ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED.
    bool none_wanted = false;
};

class TlsStream : public Stream {
  public:
    // `host` is the server name the app connected to: sent as SNI unless it is an IP literal,
    // and checked against the certificate (DNS name or IP address; "[::1]" is accepted).
    // `security_flags` are the request's SECURITY_FLAG_IGNORE_* bits.
    TlsStream(std::shared_ptr<TlsContext> context, int fd, std::string_view host,
              INTERNET_PORT port, DWORD security_flags, ClientCertChoice client = {});
    ~TlsStream() override;
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    int fd() const override { return fd_; }

    // Call until Done or Failed. Errors: ERROR_WINHTTP_SECURE_FAILURE (certificate problem not
    // covered by the ignore flags, see failure_flags(); or a TLS-level failure, flagged
    // SECURITY_CHANNEL_ERROR), ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED,
    // ERROR_WINHTTP_CONNECTION_ERROR (connection reset or closed, or no protocol version in
    // common), ERROR_NOT_ENOUGH_MEMORY.
    IoResult handshake();
    bool handshake_done() const { return done_; }
    // Narrows this connection to the WINHTTP_FLAG_SECURE_PROTOCOL_* in `mask` instead of the
    // context's (a request's own WINHTTP_OPTION_SECURE_PROTOCOLS). Before the handshake only.
    // ERROR_SUCCESS, or ERROR_INVALID_PARAMETER for a mask without a supported protocol.
    DWORD restrict_protocols(DWORD mask);
    // WINHTTP_ENABLE_SSL_REVOCATION for this connection: asks the server to staple its OCSP
    // response (status_request) and checks it during the handshake (net/ocsp.h). A revoked
    // certificate fails the handshake with CERT_REVOKED; no usable answer with
    // CERT_REV_FAILED, except that with `ignore_offline`
    // (WINHTTP_OPTION_IGNORE_CERT_REVOCATION_OFFLINE) a missing or stale answer is accepted.
    // No cached session is offered: a resumed handshake carries no certificate and so no
    // staple. Before the handshake only.
    void check_revocation(bool ignore_offline);
    bool checks_revocation() const { return check_revocation_; }
    // The server stapled a good, current answer for its certificate. When it did not (no
    // staple, a stale one, a responder's tryLater), the handshake goes on and the engine asks
    // the responders itself afterwards (core/revocation.h); a revoked or untrustworthy staple
    // fails the handshake at once.
    bool staple_was_good() const { return staple_good_; }
    // Records the outcome of a check: Revoked -> CERT_REVOKED; Unverified -> CERT_REV_FAILED;
    // Offline -> CERT_REV_FAILED unless IGNORE_CERT_REVOCATION_OFFLINE; Good -> nothing.
    // failure_flags() then says whether the connection may be used.
    void apply_revocation(Revocation r);

    // Stream. Before the handshake is done these drive it first. read_some: Closed on
    // close_notify or a plain EOF (HTTP framing tells whether the body was complete).
    // Failed: ERROR_WINHTTP_CONNECTION_ERROR, or ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED when a
    // server renegotiates to ask for a client certificate none was configured for. May return
    // WantWrite (renegotiation, TLS 1.3 KeyUpdate): wait for POLLOUT, then read again.
    IoResult read_some(char* buf, size_t cap) override;
    IoResult write_some(const char* data, size_t len) override;
    // The decrypted bytes OpenSSL holds; when none, one record is taken off the socket and
    // decrypted with a one-byte SSL_peek (the decryption happens anyway), so the next read_some
    // copies the plaintext once, straight into the caller's buffer.
    IoResult peek_readable() override;

    // Sends close_notify without waiting for the peer's; Done once queued (WantWrite if the
    // socket is full). The socket can be closed afterwards either way.
    IoResult shutdown();

    // Decrypted bytes buffered inside OpenSSL (poll() cannot see them).
    size_t pending() const;
    // Anything buffered inside OpenSSL: decrypted bytes, or raw bytes read ahead (a whole or
    // partial record) that poll() cannot see either.
    bool buffered() const override;

    // WINHTTP_CALLBACK_STATUS_FLAG_* bits for the certificate problems not covered by the
    // ignore flags — what WINHTTP_CALLBACK_STATUS_SECURE_FAILURE reports. 0 when none.
    DWORD failure_flags() const { return problems_ & ~ignored_problems(); }
    // Every problem found, ignored ones included.
    DWORD certificate_problems() const { return problems_; }
    DWORD security_flags() const { return security_flags_; }
    // The server asked for a client certificate.
    bool client_cert_requested() const { return client_cert_requested_; }

    // After the handshake (and for the peer certificate, also after a certificate failure).
    DWORD protocol_flag() const;      // WINHTTP_FLAG_SECURE_PROTOCOL_*, 0 before the handshake
    std::string cipher_name() const;  // OpenSSL's name, e.g. "TLS_AES_256_GCM_SHA384"
    DWORD cipher_bits() const;        // WINHTTP_OPTION_SECURITY_KEY_BITNESS
    // Offers "h2" before "http/1.1" in ALPN (the context offers only "http/1.1"). Before the
    // handshake.
    void offer_h2();
    std::string alpn() const;         // "h2", "http/1.1", or empty when the server chose none
    bool session_reused() const;
    const std::string& host() const { return host_; }
    ssl_st* native() const { return ssl_; }

    // The server's certificate and chain (leaf first), kept from verification so that they
    // can be queried after a certificate failure too; for a resumed session, the session's.
    x509_st* peer_certificate() const;
    stack_st_X509* peer_chain() const;

    // Called from OpenSSL callbacks (tls.cpp); not for other users.
    void note_problem(DWORD flag) { problems_ |= flag; }
    void keep_chain(x509_st* leaf, stack_st_X509* chain);  // adopts both references
    DWORD ignored_problems() const;
    int on_client_cert_request();
    bool on_ocsp_response();  // false: fail the handshake
    void on_new_session(ssl_session_st* session);

  private:
    void setup();
    bool setup_peer_name();
    IoResult handshake_failure(int ret);
    IoResult io_failure(int ret, bool reading);
    std::string cache_key() const;

    std::shared_ptr<TlsContext> context_;
    ssl_st* ssl_ = nullptr;
    int fd_;
    std::string host_;
    INTERNET_PORT port_;
    DWORD security_flags_;
    ClientCertChoice client_;
    DWORD problems_ = 0;
    bool client_cert_requested_ = false;
    bool done_ = false;
    bool setup_failed_ = false;
    bool check_revocation_ = false;
    bool ignore_revocation_offline_ = false;
    bool staple_good_ = false;
    DWORD failure_ = 0;  // the handshake's error, repeated to later calls
    x509_st* kept_cert_ = nullptr;
    stack_st_X509* kept_chain_ = nullptr;
};

// ---- information for WinHttpQueryOption ------------------------------------------------------

// WINHTTP_CERTIFICATE_INFO without the C allocation (the option layer copies the strings into
// LocalAlloc'd buffers). Subject and issuer are in the form Windows prints them:
// CertNameToStr(CERT_SIMPLE_NAME_STR | CERT_NAME_STR_CRLF_FLAG), i.e. the attribute values
// only, in certificate order, separated by "\r\n" ("US\r\nExample Inc\r\nexample.com").
struct CertificateInfo {
    FILETIME expiry{};
    FILETIME start{};
    std::wstring subject;
    std::wstring issuer;
    DWORD key_size = 0;  // the cipher strength in bits, as Windows fills dwKeySize
};

// The server certificate's fields; false when the server sent none.
bool certificate_info(const TlsStream& stream, CertificateInfo& out);

// What WINHTTP_OPTION_SECURITY_INFO reports of a finished handshake, in OpenSSL's terms
// (net/tls_info.cpp). Names are IANA's / short algorithm names; sizes in bits.
struct CipherDetails {
    DWORD protocol = 0;           // WINHTTP_FLAG_SECURE_PROTOCOL_*
    DWORD suite = 0;              // IANA cipher suite number
    std::string suite_name;       // "TLS_AES_256_GCM_SHA384"
    std::string cipher;           // "AES", "CHACHA20", ...
    DWORD cipher_bits = 0;
    DWORD cipher_block_bytes = 0;
    bool aead = false;
    std::string hash;             // "SHA256", "SHA384": the MAC, or the PRF hash of an AEAD suite
    DWORD hash_bits = 0;
    std::string exchange;         // "ECDHE", "DHE", "RSA"
    DWORD exchange_bits = 0;      // the ephemeral key's size
    std::string certificate;      // "RSA", "ECDSA", ...
};
bool cipher_details(const TlsStream& stream, CipherDetails& out);

// The server's chain, leaf first, each certificate DER-encoded: the chain verification built
// (up to the trusted root) when there is one, else the certificates the server sent.
std::vector<std::vector<unsigned char>> peer_chain_der(const TlsStream& stream);

// "Value\r\nValue..." for an X509_NAME (see CertificateInfo).
std::wstring windows_name_string(const struct X509_name_st* name);

// Seconds since 1970-01-01 UTC to FILETIME (100 ns ticks since 1601-01-01 UTC).
FILETIME unix_time_to_filetime(int64_t seconds) noexcept;

}  // namespace winhttp::net
