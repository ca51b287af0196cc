// Credentials::wipe(): the password and user name do not outlive their use in memory.
#include <openssl/crypto.h>

#include "auth/mechanism.h"

namespace auth {

namespace {
// Zeroes the whole allocation (up to capacity, SSO buffer included), then releases it.
void wipe_string(std::string& s) {
    s.resize(s.capacity());  // within capacity: no reallocation, the bytes become addressable
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
    s.shrink_to_fit();
}
}  // namespace

void Credentials::wipe() {
    wipe_string(user);
    wipe_string(password);
    use_default = false;
}

}  // namespace auth
