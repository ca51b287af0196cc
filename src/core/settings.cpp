#include "core/settings.h"

#include <openssl/crypto.h>

namespace winhttp {

void wipe_wstring(std::wstring& s) {
    s.resize(s.capacity());  // within capacity: no reallocation, the whole buffer addressable
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size() * sizeof(wchar_t));
    s.clear();
    s.shrink_to_fit();
}

// The USERNAME/PASSWORD options' strings are not left in freed memory when a handle closes.
Settings::~Settings() {
    for (std::wstring* s : {&username, &password, &proxy_username, &proxy_password})
        wipe_wstring(*s);
}

}  // namespace winhttp
