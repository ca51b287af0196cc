#include "auth/basic.h"

#include <openssl/crypto.h>
#include <winhttp.h>

namespace auth {

// The challenge's realm and charset change nothing: RFC 7617 §2.1 allows only UTF-8 as
// charset, and the credentials are UTF-8 already.
uint32_t BasicMechanism::next(const Challenge&, const RequestFacts&, std::string& header_value) {
    if (creds_.use_default) return ERROR_WINHTTP_LOGIN_FAILURE;  // Basic has no default creds
    std::string plain = creds_.user + ":" + creds_.password;
    header_value = "Basic " + base64_encode(plain);
    OPENSSL_cleanse(plain.data(), plain.size());
    return 0;
}

}  // namespace auth
