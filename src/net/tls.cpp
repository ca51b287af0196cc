// TLS with OpenSSL 3: see tls.h for the contract. Microsoft pages cited below are the
// WinHttpSendRequest / WinHttpReceiveResponse reference (error table), the WINHTTP_STATUS_CALLBACK
// reference (SECURE_FAILURE flags) and the Option Flags page (SECURITY_FLAGS, SECURE_PROTOCOLS,
// SECURITY_CERTIFICATE_STRUCT, SECURITY_KEY_BITNESS).
#include "net/tls.h"

#include "net/ocsp.h"
#include "net/sys_io.h"
#include "util/wide.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cwchar>

namespace winhttp::net {
namespace {

// ---- protocol mask helpers -------------------------------------------------------------------

constexpr DWORD kTls12 = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_2;
constexpr DWORD kTls13 = WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_3;

// ---- a socket BIO that never raises SIGPIPE --------------------------------------------------
// OpenSSL's own socket BIO writes with write(2): a peer that has gone away would kill the
// process with SIGPIPE. This one sends with MSG_NOSIGNAL, like net/socket.cpp, and goes
// through the sys_io seam so that WINHTTP_SHORT_IO builds exercise TLS with short I/O too.

int fd_of(BIO* bio) {
    return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
}

bool would_block(int err) {
    return err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS;
}

int bio_write(BIO* bio, const char* data, size_t len, size_t* written) {
    BIO_clear_retry_flags(bio);
    for (;;) {
        ssize_t n = sys_send(fd_of(bio), data, len, MSG_NOSIGNAL);
        if (n >= 0) {
            *written = static_cast<size_t>(n);
            return 1;
        }
        if (errno == EINTR) continue;
        if (would_block(errno)) BIO_set_retry_write(bio);
        return 0;
    }
}

int bio_read(BIO* bio, char* buf, size_t cap, size_t* got) {
    BIO_clear_retry_flags(bio);
    for (;;) {
        ssize_t n = sys_recv(fd_of(bio), buf, cap, 0);
        if (n > 0) {
            *got = static_cast<size_t>(n);
            return 1;
        }
        if (n == 0) {
            // End of stream: OpenSSL sees a read of 0 bytes without a retry flag.
            BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
            *got = 0;
            return 0;
        }
        if (errno == EINTR) continue;
        if (would_block(errno)) BIO_set_retry_read(bio);
        return 0;
    }
}

long bio_ctrl(BIO* bio, int cmd, long, void*) {
    switch (cmd) {
        case BIO_CTRL_FLUSH:
            return 1;  // nothing is buffered here
        case BIO_CTRL_EOF:
            return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
        default:
            return 0;
    }
}

int bio_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

const BIO_METHOD* socket_method() {
    // Built once, never freed (process lifetime), like OpenSSL's own method tables.
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "winhttp-socket");
        if (m) {
            BIO_meth_set_write_ex(m, bio_write);
            BIO_meth_set_read_ex(m, bio_read);
            BIO_meth_set_ctrl(m, bio_ctrl);
            BIO_meth_set_create(m, bio_create);
        }
        return m;
    }();
    return method;
}

BIO* socket_bio(int fd) {
    const BIO_METHOD* method = socket_method();
    BIO* bio = method ? BIO_new(method) : nullptr;
    if (bio) BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
    return bio;
}

// ---- callbacks: from OpenSSL objects back to ours --------------------------------------------

TlsStream* stream_of(const SSL* ssl) {
    return static_cast<TlsStream*>(SSL_get_app_data(ssl));
}

TlsContext* context_of(const SSL* ssl) {
    return static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
}

TlsStream* stream_of(X509_STORE_CTX* store) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    return ssl ? stream_of(ssl) : nullptr;
}

// X509 verification error -> WINHTTP_CALLBACK_STATUS_FLAG_* (WINHTTP_STATUS_CALLBACK page,
// SECURE_FAILURE: INVALID_CA "unfamiliar with the Certificate Authority", CERT_CN_INVALID "common
// name (host name field) is incorrect", CERT_DATE_INVALID "expired", INVALID_CERT otherwise).
DWORD problem_flag(int x509_error) {
    switch (x509_error) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
        case X509_V_ERR_EMAIL_MISMATCH:
            return WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_CERT_UNTRUSTED:
        case X509_V_ERR_INVALID_CA:
        case X509_V_ERR_CERT_CHAIN_TOO_LONG:
        case X509_V_ERR_PATH_LENGTH_EXCEEDED:
            return WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA;
        case X509_V_ERR_INVALID_PURPOSE:
        case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
        case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
            return WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE;
        case X509_V_ERR_CERT_REVOKED:
            return WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED;
        case X509_V_ERR_UNABLE_TO_GET_CRL:
        case X509_V_ERR_CRL_HAS_EXPIRED:
        case X509_V_ERR_CRL_NOT_YET_VALID:
        case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
            return WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED;
        default:
            return WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CERT;
    }
}

// Called by OpenSSL for every certificate and every problem. Records the problem and goes on,
// so that one handshake finds all of them: Windows reports "a bitwise-OR combination of one or
// more" flags (WINHTTP_STATUS_CALLBACK page). The decision is taken in verify_chain.
int note_problem(int preverify_ok, X509_STORE_CTX* store) {
    TlsStream* stream = stream_of(store);
    if (!preverify_ok && stream)
        stream->note_problem(problem_flag(X509_STORE_CTX_get_error(store)));
    return 1;
}

// Replaces OpenSSL's chain verification step: verify (note_problem collects every problem),
// then fail the handshake, before any client certificate is sent, when a problem is left that
// the request's ignore flags do not cover.
int verify_chain(X509_STORE_CTX* store, void*) {
    TlsStream* stream = stream_of(store);
    if (!stream) return 0;
    int ok = X509_verify_cert(store);
    X509* leaf = X509_STORE_CTX_get0_cert(store);
    if (leaf && X509_up_ref(leaf) == 1) stream->keep_chain(leaf, X509_STORE_CTX_get1_chain(store));
    if (ok <= 0 && stream->certificate_problems() == 0) {
        stream->note_problem(WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CERT);
    }
    if (stream->failure_flags() != 0) {
        if (X509_STORE_CTX_get_error(store) == X509_V_OK) {
            X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
        }
        return 0;
    }
    return 1;
}

// Runs when the server sends a CertificateRequest (and before our certificate is used).
int client_cert_request(SSL* ssl, void*) {
    TlsStream* stream = stream_of(ssl);
    return stream ? stream->on_client_cert_request() : 1;
}

// Runs during the handshake once the server's certificate has been verified, on connections
// that asked for a stapled OCSP response (TlsStream::check_revocation). Returning 0 makes
// OpenSSL end the handshake with a bad_certificate_status_response alert.
int ocsp_status(SSL* ssl, void*) {
    TlsStream* stream = stream_of(ssl);
    if (!stream || !stream->checks_revocation()) return 1;
    return stream->on_ocsp_response() ? 1 : 0;
}

int new_session(SSL* ssl, SSL_SESSION* session) {
    TlsStream* stream = stream_of(ssl);
    if (!stream) return 0;
    stream->on_new_session(session);
    return 1;  // we took the reference (and freed it)
}

// NSS key log lines for SSLKEYLOGFILE, as browsers and curl write them. One write(2) per line
// in append mode keeps lines whole when several connections or processes share the file.
void keylog_line(const SSL* ssl, const char* line) {
    TlsContext* context = context_of(ssl);
    if (!context || context->keylog_path().empty()) return;
    int fd =
        ::open(context->keylog_path().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    std::string text(line);
    text += '\n';
    ssize_t ignored = ::write(fd, text.data(), text.size());
    (void)ignored;  // best effort: a debugging aid must never break the connection
    ::close(fd);
}

// ---- small helpers ---------------------------------------------------------------------------

bool is_ip_literal(const std::string& host) {
    unsigned char buf[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// "[::1]" -> "::1": WinHttpConnect accepts bracketed IPv6 literals.
std::string strip_brackets(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return std::string(host);
}

// The handshake failed because the two sides share no protocol version. WinHttpSendRequest
// page: ERROR_WINHTTP_CONNECTION_ERROR when "an incompatible SSL protocol was encountered".
bool is_version_mismatch(unsigned long err) {
    if (ERR_GET_LIB(err) != ERR_LIB_SSL) return false;
    switch (ERR_GET_REASON(err)) {
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_NO_PROTOCOLS_AVAILABLE:
        case SSL_R_VERSION_TOO_LOW:
        case SSL_R_VERSION_TOO_HIGH:
        case SSL_R_WRONG_SSL_VERSION:
            return true;
        default:
            return false;
    }
}

int no_password(char*, int, int, void*) {
    return 0;  // never prompt on a terminal for an encrypted PEM key
}

std::atomic<uint64_t> next_credentials_id{1};

int64_t asn1_time_to_unix(const ASN1_TIME* t) {
    ASN1_TIME* epoch = ASN1_TIME_set(nullptr, 0);
    int days = 0;
    int seconds = 0;
    bool ok = epoch && t && ASN1_TIME_diff(&days, &seconds, epoch, t) == 1;
    ASN1_TIME_free(epoch);
    return ok ? int64_t{days} * 86400 + seconds : 0;
}

// CertNameToStr quotes a value holding a separator or surrounding blanks; so do we.
std::wstring quote_if_needed(std::wstring value) {
    // (Spelled with find_* rather than front()/back(): GCC 12 warns falsely on those here.)
    bool needs = !value.empty() && (value.find_first_of(L' ') == 0 ||
                                    value.find_last_of(L' ') == value.size() - 1);
    for (wchar_t c : value) {
        if (std::wcschr(L",+=\"\r\n<>#;", c)) needs = true;
    }
    if (!needs) return value;
    std::wstring out = L"\"";
    for (wchar_t c : value) {
        out += c;
        if (c == L'"') out += L'"';
    }
    return out + L"\"";
}

std::vector<unsigned char> der_of(X509* cert) {
    int len = i2d_X509(cert, nullptr);
    if (len <= 0) return {};
    std::vector<unsigned char> der(static_cast<size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(cert, &p);
    return der;
}

}  // namespace

// ---- protocol masks --------------------------------------------------------------------------

// Option Flags page, WINHTTP_OPTION_SECURE_PROTOCOLS: "a combination of one or more" of the
// WINHTTP_FLAG_SECURE_PROTOCOL_* values.
DWORD check_secure_protocols(DWORD mask) noexcept {
    if ((mask & ~kTlsKnownProtocols) != 0) return ERROR_INVALID_PARAMETER;
    if ((mask & kTlsSupportedProtocols) == 0) return ERROR_INVALID_PARAMETER;
    return ERROR_SUCCESS;
}

TlsVersionRange secure_protocol_range(DWORD mask) noexcept {
    TlsVersionRange range;
    range.min_version = (mask & kTls12) ? TLS1_2_VERSION : TLS1_3_VERSION;
    range.max_version = (mask & kTls13) ? TLS1_3_VERSION : TLS1_2_VERSION;
    return range;
}

DWORD secure_protocol_flag(int openssl_version) noexcept {
    switch (openssl_version) {
        case SSL3_VERSION:
            return WINHTTP_FLAG_SECURE_PROTOCOL_SSL3;
        case TLS1_VERSION:
            return WINHTTP_FLAG_SECURE_PROTOCOL_TLS1;
        case TLS1_1_VERSION:
            return WINHTTP_FLAG_SECURE_PROTOCOL_TLS1_1;
        case TLS1_2_VERSION:
            return kTls12;
        case TLS1_3_VERSION:
            return kTls13;
        default:
            return 0;
    }
}

// ---- ClientCredentials -----------------------------------------------------------------------

ClientCredentials::ClientCredentials(X509* cert, EVP_PKEY* key, STACK_OF(X509) * chain)
    : cert_(cert), key_(key), chain_(chain), id_(next_credentials_id++) {}

ClientCredentials::~ClientCredentials() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
    sk_X509_pop_free(chain_, X509_free);
}

DWORD ClientCredentials::check_and_make(X509* cert, EVP_PKEY* key, STACK_OF(X509) * chain,
                                        std::shared_ptr<const ClientCredentials>& out) {
    DWORD error = ERROR_SUCCESS;
    if (!cert) {
        error = ERROR_INVALID_DATA;
    } else if (!key || X509_check_private_key(cert, key) != 1) {
        error = ERROR_WINHTTP_CLIENT_CERT_NO_PRIVATE_KEY;
    }
    if (error != ERROR_SUCCESS) {
        X509_free(cert);
        EVP_PKEY_free(key);
        sk_X509_pop_free(chain, X509_free);
        ERR_clear_error();
        return error;
    }
    out.reset(new ClientCredentials(cert, key, chain));
    return ERROR_SUCCESS;
}

DWORD ClientCredentials::from_pem(const std::string& cert_file, const std::string& key_file,
                                  std::shared_ptr<const ClientCredentials>& out) {
    BIO* in = BIO_new_file(cert_file.c_str(), "r");
    if (!in) {
        ERR_clear_error();
        return ERROR_FILE_NOT_FOUND;
    }
    X509* cert = PEM_read_bio_X509(in, nullptr, no_password, nullptr);
    STACK_OF(X509)* chain = sk_X509_new_null();
    while (X509* extra = PEM_read_bio_X509(in, nullptr, no_password, nullptr)) {
        if (!chain || !sk_X509_push(chain, extra)) X509_free(extra);
    }
    BIO_free(in);
    ERR_clear_error();  // the loop ends on a "no start line" error

    BIO* key_in = BIO_new_file(key_file.empty() ? cert_file.c_str() : key_file.c_str(), "r");
    if (!key_in) {
        X509_free(cert);
        sk_X509_pop_free(chain, X509_free);
        ERR_clear_error();
        return ERROR_FILE_NOT_FOUND;
    }
    EVP_PKEY* key = PEM_read_bio_PrivateKey(key_in, nullptr, no_password, nullptr);
    BIO_free(key_in);
    return check_and_make(cert, key, chain, out);
}

DWORD ClientCredentials::from_pkcs12(const std::string& file, const std::string& password,
                                     std::shared_ptr<const ClientCredentials>& out) {
    BIO* in = BIO_new_file(file.c_str(), "rb");
    if (!in) {
        ERR_clear_error();
        return ERROR_FILE_NOT_FOUND;
    }
    PKCS12* p12 = d2i_PKCS12_bio(in, nullptr);
    BIO_free(in);
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
    STACK_OF(X509)* chain = nullptr;
    bool parsed = p12 && PKCS12_parse(p12, password.c_str(), &key, &cert, &chain) == 1;
    PKCS12_free(p12);
    if (!parsed) {
        ERR_clear_error();
        return ERROR_INVALID_DATA;
    }
    return check_and_make(cert, key, chain, out);
}

bool ClientCredentials::apply(SSL* ssl) const {
    if (SSL_use_certificate(ssl, cert_) != 1 || SSL_use_PrivateKey(ssl, key_) != 1) return false;
    // SSL_set1_chain, spelled out: the macro's C cast trips -Wold-style-cast.
    if (chain_ && SSL_ctrl(ssl, SSL_CTRL_CHAIN, 1, chain_) != 1) return false;
    return true;
}

// ---- TlsContext ------------------------------------------------------------------------------

namespace {
// The library's worker threads outlive main() (docs/design/async.md): a session released on one
// of them during exit must not meet OpenSSL's atexit cleanup freeing its locks. OpenSSL registers
// that cleanup once, at the first initialisation that does not refuse it, so refuse it at load
// time, before anyone else (the application included) initialises OpenSSL.
[[maybe_unused]] const int openssl_without_atexit = OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, nullptr);
}  // namespace

DWORD TlsContext::create(const TlsConfig& config, std::shared_ptr<TlsContext>& out) {
    DWORD error = check_secure_protocols(config.protocols);
    if (error != ERROR_SUCCESS) return error;
    std::shared_ptr<TlsContext> context(new TlsContext());
    error = context->init(config);
    ERR_clear_error();
    if (error == ERROR_SUCCESS) out = std::move(context);
    return error;
}

DWORD TlsContext::init(const TlsConfig& config) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) return ERROR_NOT_ENOUGH_MEMORY;
    SSL_CTX_set_app_data(ctx_, this);
    protocols_ = config.protocols;
    TlsVersionRange range = secure_protocol_range(protocols_);
    SSL_CTX_set_min_proto_version(ctx_, range.min_version);
    SSL_CTX_set_max_proto_version(ctx_, range.max_version);

    // HTTP/1.1 servers often close without close_notify; HTTP framing (Content-Length,
    // chunked) is what says whether a body is complete, as in every HTTPS client.
    // Server-initiated renegotiation stays allowed (secure renegotiation only, OpenSSL's
    // default): IIS uses it to ask for a client certificate on some paths.
    SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

    // The system trust store; OpenSSL reads SSL_CERT_FILE / SSL_CERT_DIR here.
    if (SSL_CTX_set_default_verify_paths(ctx_) != 1) return ERROR_NOT_ENOUGH_MEMORY;
    if (!config.ca_file.empty() || !config.ca_dir.empty()) {
        const char* file = config.ca_file.empty() ? nullptr : config.ca_file.c_str();
        const char* dir = config.ca_dir.empty() ? nullptr : config.ca_dir.c_str();
        if (SSL_CTX_load_verify_locations(ctx_, file, dir) != 1) return ERROR_FILE_NOT_FOUND;
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, note_problem);
    SSL_CTX_set_cert_verify_callback(ctx_, verify_chain, nullptr);
    SSL_CTX_set_cert_cb(ctx_, client_cert_request, nullptr);
    // SSL_CTX_set_tlsext_status_cb, spelled out (its C cast trips -Wold-style-cast). OpenSSL
    // calls it only on connections that requested a staple.
    using StatusCallback = void (*)();
    SSL_CTX_callback_ctrl(ctx_, SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB,
                          reinterpret_cast<StatusCallback>(ocsp_status));

    // HTTP/1.1 by default; a request that enables HTTP/2 offers h2 too (TlsStream::offer_h2).
    static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    if (SSL_CTX_set_alpn_protos(ctx_, kAlpn, sizeof(kAlpn)) != 0) return ERROR_NOT_ENOUGH_MEMORY;

    // Sessions live in our own per-host cache (OpenSSL's internal one is server-side).
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx_, new_session);

    if (const char* keylog = std::getenv("SSLKEYLOGFILE"); keylog && *keylog) {
        keylog_path_ = keylog;
        SSL_CTX_set_keylog_callback(ctx_, keylog_line);
    }
    return ERROR_SUCCESS;
}

TlsContext::~TlsContext() {
    for (auto& entry : sessions_) SSL_SESSION_free(entry.second);
    SSL_CTX_free(ctx_);
}

SSL_SESSION* TlsContext::take_session(const std::string& key) {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return nullptr;
    // A copy, not a share: OpenSSL reads a resumed connection's session (ssl_session_dup for
    // each new TLS 1.3 ticket, inside SSL_read) without a lock, so two connections sharing one
    // SSL_SESSION while store_session frees the cached reference race (TSan saw the peer chain
    // freed under a concurrent dup). Each connection owns its own; only the cache is shared,
    // under sessions_mutex_.
    return SSL_SESSION_dup(it->second);
}

void TlsContext::store_session(const std::string& key, SSL_SESSION* session) {
    std::lock_guard lock(sessions_mutex_);
    auto [it, inserted] = sessions_.emplace(key, session);
    if (!inserted) {
        SSL_SESSION_free(it->second);  // the newest ticket replaces the older one
        it->second = session;
    }
}

void TlsContext::forget_session(const std::string& key) {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return;
    SSL_SESSION_free(it->second);
    sessions_.erase(it);
}

size_t TlsContext::cached_sessions() const {
    std::lock_guard lock(sessions_mutex_);
    return sessions_.size();
}

// ---- TlsStream -------------------------------------------------------------------------------

TlsStream::TlsStream(std::shared_ptr<TlsContext> context, int fd, std::string_view host,
                     INTERNET_PORT port, DWORD security_flags, ClientCertChoice client)
    : context_(std::move(context)),
      fd_(fd),
      host_(strip_brackets(host)),
      port_(port),
      security_flags_(security_flags),
      client_(std::move(client)) {
    setup();
    ERR_clear_error();
}

TlsStream::~TlsStream() {
    SSL_free(ssl_);
    X509_free(kept_cert_);
    sk_X509_pop_free(kept_chain_, X509_free);
}

DWORD TlsStream::restrict_protocols(DWORD mask) {
    if (DWORD e = check_secure_protocols(mask)) return e;
    if (!ssl_) return ERROR_SUCCESS;  // setup failed: the handshake reports it
    const TlsVersionRange range = secure_protocol_range(mask);
    SSL_set_min_proto_version(ssl_, range.min_version);
    SSL_set_max_proto_version(ssl_, range.max_version);
    return ERROR_SUCCESS;
}

void TlsStream::check_revocation(bool ignore_offline) {
    check_revocation_ = true;
    ignore_revocation_offline_ = ignore_offline;
    if (!ssl_) return;  // setup failed: the handshake reports it
    // SSL_set_tlsext_status_type(ssl_, TLSEXT_STATUSTYPE_ocsp), spelled out.
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE, TLSEXT_STATUSTYPE_ocsp, nullptr);
    // A resumed session skips the Certificate message and with it the staple (TLS 1.2 and
    // 1.3 alike): every checked connection makes a full handshake.
    SSL_set_session(ssl_, nullptr);
}

// WINHTTP_STATUS_CALLBACK page, SECURE_FAILURE: CERT_REVOKED "SSL certificate was revoked";
// CERT_REV_FAILED "revocation checking has been enabled, but the revocation check failed to
// verify whether a certificate has been revoked. The server used to check for revocation
// might be unreachable." No SECURITY_FLAG_IGNORE_* covers either (Option Flags page).
bool TlsStream::on_ocsp_response() {
    const unsigned char* der = nullptr;
    // SSL_get_tlsext_status_ocsp_resp, spelled out.
    const long len = SSL_ctrl(ssl_, SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP, 0, &der);
    X509* leaf = peer_certificate();
    const Revocation r =
        check_ocsp_response(der, len, leaf, peer_chain(),
                            SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl_)));
    staple_good_ = r == Revocation::Good;
    // No current answer stapled: the engine asks the responders once the handshake is done
    // (core/revocation.h), as Windows does when a server does not staple.
    if (r != Revocation::Offline) apply_revocation(r);
    return failure_flags() == 0;
}

void TlsStream::apply_revocation(Revocation r) {
    switch (r) {
        case Revocation::Good:
            break;
        case Revocation::Revoked:
            note_problem(WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED);
            break;
        case Revocation::Offline:
            if (!ignore_revocation_offline_)
                note_problem(WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED);
            break;
        case Revocation::Unverified:
            note_problem(WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED);
            break;
    }
}

void TlsStream::keep_chain(X509* leaf, STACK_OF(X509) * chain) {
    X509_free(kept_cert_);
    sk_X509_pop_free(kept_chain_, X509_free);
    kept_cert_ = leaf;
    kept_chain_ = chain;
}

X509* TlsStream::peer_certificate() const {
    if (kept_cert_) return kept_cert_;
    return ssl_ ? SSL_get0_peer_certificate(ssl_) : nullptr;
}

STACK_OF(X509) * TlsStream::peer_chain() const {
    if (kept_chain_ && sk_X509_num(kept_chain_) > 0) return kept_chain_;
    return ssl_ ? SSL_get_peer_cert_chain(ssl_) : nullptr;
}

void TlsStream::setup() {
    ssl_ = context_ ? SSL_new(context_->native()) : nullptr;
    BIO* bio = ssl_ ? socket_bio(fd_) : nullptr;
    if (!bio) {
        setup_failed_ = true;
        return;
    }
    SSL_set_bio(ssl_, bio, bio);
    // One recvfrom per buffer of records instead of two per record (its 5-byte header, then
    // the rest): W1s went from 2 to 1 recvfrom per response. Every reader here reads until
    // WantRead before it polls, or checks buffered() first (src/net/tls.h).
    SSL_set_read_ahead(ssl_, 1);
    SSL_set_app_data(ssl_, this);
    SSL_set_connect_state(ssl_);
    bool ok = setup_peer_name();
    if (ok && client_.credentials) ok = client_.credentials->apply(ssl_);
    if (!ok) {
        setup_failed_ = true;
        return;
    }
    if (SSL_SESSION* session = context_->take_session(cache_key())) {
        SSL_set_session(ssl_, session);
        SSL_SESSION_free(session);
    }
}

bool TlsStream::setup_peer_name() {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (is_ip_literal(host_)) {
        // RFC 6066: SNI carries host names only, never addresses.
        return X509_VERIFY_PARAM_set1_ip_asc(param, host_.c_str()) == 1;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    // SSL_set_tlsext_host_name, spelled out: the macro's C cast trips -Wold-style-cast.
    if (SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host_.c_str())) != 1) {
        return false;
    }
    return SSL_set1_host(ssl_, host_.c_str()) == 1;
}

std::string TlsStream::cache_key() const {
    // The client identity is part of the key: a resumed session keeps the identity it was
    // made with, and skips the server's certificate request.
    std::string key = host_ + ":" + std::to_string(port_);
    if (client_.credentials) {
        key += "#" + std::to_string(client_.credentials->id());
    } else if (client_.none_wanted) {
        key += "#none";
    }
    return key;
}

// Option Flags page, SECURITY_FLAGS: each IGNORE flag means the application "does not
// receive" the matching WINHTTP_CALLBACK_STATUS_FLAG_*; IGNORE_ALL_CERT_ERRORS is the four.
DWORD TlsStream::ignored_problems() const {
    DWORD ignored = 0;
    if (security_flags_ & SECURITY_FLAG_IGNORE_UNKNOWN_CA) {
        ignored |= WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA;
    }
    if (security_flags_ & SECURITY_FLAG_IGNORE_CERT_DATE_INVALID) {
        ignored |= WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID;
    }
    if (security_flags_ & SECURITY_FLAG_IGNORE_CERT_CN_INVALID) {
        ignored |= WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID;
    }
    if (security_flags_ & SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE) {
        ignored |= WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE;
    }
    return ignored;
}

// WinHttpSendRequest page, ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED: the request fails unless the
// app set WINHTTP_NO_CLIENT_CERT_CONTEXT, in which case it goes on without a certificate.
int TlsStream::on_client_cert_request() {
    client_cert_requested_ = true;
    if (client_.credentials || client_.none_wanted) return 1;
    return -1;  // suspends the handshake: SSL_ERROR_WANT_X509_LOOKUP
}

void TlsStream::on_new_session(SSL_SESSION* session) {
    // A session verified with ignored problems must not let a stricter request skip
    // verification by resuming it.
    if (problems_ == 0) {
        if (SSL_SESSION* copy = SSL_SESSION_dup(session))
            context_->store_session(cache_key(), copy);
    }
    SSL_SESSION_free(session);
}

IoResult TlsStream::handshake() {
    if (done_) return {IoStatus::Done, 0, 0};
    if (setup_failed_) return {IoStatus::Failed, 0, ERROR_NOT_ENOUGH_MEMORY};
    if (failure_ != 0) return {IoStatus::Failed, 0, failure_};
    ERR_clear_error();
    int ret = SSL_do_handshake(ssl_);
    if (ret == 1) {
        done_ = true;
        return {IoStatus::Done, 0, 0};
    }
    IoResult result = handshake_failure(ret);
    if (result.status == IoStatus::Failed) failure_ = result.error;
    ERR_clear_error();
    return result;
}

IoResult TlsStream::handshake_failure(int ret) {
    int err = SSL_get_error(ssl_, ret);
    switch (err) {
        case SSL_ERROR_WANT_READ:
            return {IoStatus::WantRead, 0, 0};
        case SSL_ERROR_WANT_WRITE:
            return {IoStatus::WantWrite, 0, 0};
        case SSL_ERROR_WANT_X509_LOOKUP:
            return {IoStatus::Failed, 0, ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED};
        default:
            break;
    }
    // A resumed session that failed must not be offered again.
    context_->forget_session(cache_key());
    // WinHttpSendRequest page: ERROR_WINHTTP_SECURE_FAILURE "one or more errors were found in
    // the SSL certificate"; the details go to WINHTTP_CALLBACK_STATUS_SECURE_FAILURE.
    if (failure_flags() != 0) return {IoStatus::Failed, 0, ERROR_WINHTTP_SECURE_FAILURE};
    // Same page: ERROR_WINHTTP_CONNECTION_ERROR "the connection with the server has been reset
    // or terminated, or an incompatible SSL protocol was encountered".
    if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN ||
        is_version_mismatch(ERR_peek_last_error())) {
        return {IoStatus::Failed, 0, ERROR_WINHTTP_CONNECTION_ERROR};
    }
    // Any other TLS failure (alert, no shared cipher, bad record): Windows reports it as a
    // secure failure with SECURITY_CHANNEL_ERROR.
    note_problem(WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR);
    return {IoStatus::Failed, 0, ERROR_WINHTTP_SECURE_FAILURE};
}

IoResult TlsStream::io_failure(int ret, bool reading) {
    int err = SSL_get_error(ssl_, ret);
    bool eof = err == SSL_ERROR_ZERO_RETURN ||
               (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0);
    ERR_clear_error();
    switch (err) {
        case SSL_ERROR_WANT_READ:
            return {IoStatus::WantRead, 0, 0};
        case SSL_ERROR_WANT_WRITE:
            return {IoStatus::WantWrite, 0, 0};
        case SSL_ERROR_WANT_X509_LOOKUP:
            // A renegotiation in which the server asks for a client certificate.
            return {IoStatus::Failed, 0, ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED};
        default:
            if (eof && reading) return {IoStatus::Closed, 0, 0};
            // A session whose connection broke is not offered again (OpenSSL's own rule).
            context_->forget_session(cache_key());
            return {IoStatus::Failed, 0, ERROR_WINHTTP_CONNECTION_ERROR};
    }
}

namespace {
// SSL_get_error needs an empty error queue before the call. Clearing it costs ~500 instructions
// (every slot is reset) and it is almost always empty already (failures clear it in
// io_failure): look first, clear only when something is there.
inline void clear_errors_if_any() {
    if (ERR_peek_error() != 0) ERR_clear_error();
}
}  // namespace

IoResult TlsStream::read_some(char* buf, size_t cap) {
    if (!done_) {
        IoResult h = handshake();
        if (h.status != IoStatus::Done) return h;
    }
    if (cap == 0) return {IoStatus::Done, 0, 0};
    clear_errors_if_any();
    errno = 0;
    size_t got = 0;
    int ret = SSL_read_ex(ssl_, buf, cap, &got);
    // SSL_read may need to write (a TLS 1.3 KeyUpdate reply): WantWrite, then read again.
    if (ret == 1) return {IoStatus::Done, got, 0};
    return io_failure(ret, true);
}

IoResult TlsStream::peek_readable() {
    if (!done_) return {IoStatus::Failed, 0, 0};  // read_some drives the handshake
    if (const size_t n = pending()) return {IoStatus::Done, n, 0};
    clear_errors_if_any();
    errno = 0;
    char probe;
    size_t got = 0;
    const int ret = SSL_peek_ex(ssl_, &probe, 1, &got);
    if (ret == 1) return {IoStatus::Done, std::max<size_t>(pending(), 1), 0};
    return io_failure(ret, true);
}

IoResult TlsStream::write_some(const char* data, size_t len) {
    if (!done_) {
        IoResult h = handshake();
        if (h.status != IoStatus::Done) return h;
    }
    if (len == 0) return {IoStatus::Done, 0, 0};
    clear_errors_if_any();
    errno = 0;
    size_t written = 0;
    int ret = SSL_write_ex(ssl_, data, len, &written);
    if (ret == 1) return {IoStatus::Done, written, 0};
    return io_failure(ret, false);
}

IoResult TlsStream::shutdown() {
    if (!done_ || !ssl_) return {IoStatus::Done, 0, 0};
    ERR_clear_error();
    int ret = SSL_shutdown(ssl_);
    // 0: sent, the peer's reply is not awaited. A peer already gone is no failure here.
    bool blocked = ret < 0 && SSL_get_error(ssl_, ret) == SSL_ERROR_WANT_WRITE;
    ERR_clear_error();
    return {blocked ? IoStatus::WantWrite : IoStatus::Done, 0, 0};
}

size_t TlsStream::pending() const {
    return ssl_ ? static_cast<size_t>(SSL_pending(ssl_)) : 0;
}

bool TlsStream::buffered() const {
    return ssl_ && SSL_has_pending(ssl_) == 1;
}

DWORD TlsStream::protocol_flag() const {
    return done_ ? secure_protocol_flag(SSL_version(ssl_)) : 0;
}

std::string TlsStream::cipher_name() const {
    const char* name = done_ ? SSL_get_cipher_name(ssl_) : nullptr;
    return name ? name : "";
}

DWORD TlsStream::cipher_bits() const {
    if (!done_) return 0;
    int bits = SSL_get_cipher_bits(ssl_, nullptr);
    return bits > 0 ? static_cast<DWORD>(bits) : 0;
}

void TlsStream::offer_h2() {
    static const unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    if (ssl_) SSL_set_alpn_protos(ssl_, kAlpn, sizeof(kAlpn));
}

std::string TlsStream::alpn() const {
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    if (ssl_) SSL_get0_alpn_selected(ssl_, &proto, &len);
    return proto ? std::string(reinterpret_cast<const char*>(proto), len) : std::string();
}

bool TlsStream::session_reused() const {
    return done_ && SSL_session_reused(ssl_) == 1;
}

// ---- information for WinHttpQueryOption ------------------------------------------------------

FILETIME unix_time_to_filetime(int64_t seconds) noexcept {
    constexpr int64_t kSecondsFrom1601To1970 = 11644473600;
    constexpr int64_t kTicksPerSecond = 10000000;
    int64_t since_1601 = seconds + kSecondsFrom1601To1970;
    uint64_t ticks = since_1601 > 0 ? static_cast<uint64_t>(since_1601) * kTicksPerSecond : 0;
    FILETIME ft;
    ft.dwLowDateTime = static_cast<DWORD>(ticks & 0xFFFFFFFFu);
    ft.dwHighDateTime = static_cast<DWORD>(ticks >> 32);
    return ft;
}

// CertNameToStr(CERT_SIMPLE_NAME_STR | CERT_NAME_STR_CRLF_FLAG): values only, in encoded
// order, "\r\n" between RDNs and " + " inside a multi-valued RDN.
std::wstring windows_name_string(const X509_NAME* name) {
    std::wstring out;
    if (!name) return out;
    int count = X509_NAME_entry_count(name);
    int previous_set = -1;
    for (int i = 0; i < count; ++i) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
        unsigned char* utf8 = nullptr;
        int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
        std::wstring value;
        if (len >= 0 && utf8) {
            value = from_utf8(
                std::string_view(reinterpret_cast<char*>(utf8), static_cast<size_t>(len)));
        }
        OPENSSL_free(utf8);
        int set = X509_NAME_ENTRY_set(entry);
        if (i > 0) out += (set == previous_set) ? L" + " : L"\r\n";
        previous_set = set;
        out += quote_if_needed(std::move(value));
    }
    return out;
}

// Option Flags page, WINHTTP_OPTION_SECURITY_CERTIFICATE_STRUCT; WINHTTP_CERTIFICATE_INFO page:
// protocol, signature and encryption algorithm names are not set by WinHttpQueryOption.
bool certificate_info(const TlsStream& stream, CertificateInfo& out) {
    X509* cert = stream.peer_certificate();
    if (!cert) return false;
    out.expiry = unix_time_to_filetime(asn1_time_to_unix(X509_get0_notAfter(cert)));
    out.start = unix_time_to_filetime(asn1_time_to_unix(X509_get0_notBefore(cert)));
    out.subject = windows_name_string(X509_get_subject_name(cert));
    out.issuer = windows_name_string(X509_get_issuer_name(cert));
    out.key_size = stream.cipher_bits();
    return true;
}

std::vector<std::vector<unsigned char>> peer_chain_der(const TlsStream& stream) {
    std::vector<std::vector<unsigned char>> out;
    STACK_OF(X509)* chain = stream.peer_chain();
    if (!chain) return out;
    for (int i = 0; i < sk_X509_num(chain); ++i) out.push_back(der_of(sk_X509_value(chain, i)));
    return out;
}

}  // namespace winhttp::net
