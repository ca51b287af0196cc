// libFuzzer target: WinHttpCrackUrl with random URL_COMPONENTS set-ups and flags, the
// crack -> WinHttpCreateUrl round trip, crack_url, resolve_reference and escape_object_name.
//
// Input layout: byte 0 = flags and text encoding, byte 1..6 = per-component mode and buffer
// size, rest = the URL (UTF-8, or raw 32-bit units when byte 0 bit 7 is set, to reach lone
// surrogates and values above U+10FFFF). Invariants are checked with __builtin_trap so any
// violation is a crash the fuzzer keeps.
#include <winhttp.h>

#include "util/url.h"
#include "util/wide.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

std::wstring decode_text(const uint8_t* data, size_t size, bool raw_units) {
    if (!raw_units)
        return winhttp::from_utf8(std::string_view(reinterpret_cast<const char*>(data), size));
    std::wstring out(size / sizeof(wchar_t), L'\0');
    std::memcpy(out.data(), data, out.size() * sizeof(wchar_t));
    return out;
}

struct Component {
    LPWSTR* ptr;
    DWORD* len;
    std::vector<WCHAR> buffer;
    bool pointer_mode = false;
};

// mode 0: not wanted; 1: pointer into the input; 2: buffer of 0..63 chars; 3: roomy buffer.
void set_up(Component& c, uint8_t setup) {
    switch (setup & 3) {
        case 0:
            *c.ptr = nullptr;
            *c.len = 0;
            break;
        case 1:
            *c.ptr = nullptr;
            *c.len = 1u + (setup >> 2);
            c.pointer_mode = true;
            break;
        case 2:
            c.buffer.assign((setup >> 2) + 1, L'#');
            break;
        default:
            c.buffer.assign(4096, L'#');
            break;
    }
    if (!c.buffer.empty()) {
        *c.ptr = c.buffer.data();
        // Size 0 with a buffer is "not wanted" by the protocol; keep it to exercise that too.
        *c.len = static_cast<DWORD>(c.buffer.size() - ((setup & 3) == 2 && (setup & 4) ? 1 : 0));
    }
}

// After a successful crack every pointer-mode component lies inside the input and every
// copied one is terminated where its length says.
void check_delivery(const Component& c, const std::wstring& url) {
    if (*c.ptr == nullptr) {
        check(*c.len == 0 || !c.pointer_mode);
        return;
    }
    if (c.pointer_mode) {
        check(*c.ptr >= url.data() && *c.ptr + *c.len <= url.data() + url.size());
    } else if (!c.buffer.empty()) {
        check(*c.len < c.buffer.size() && (*c.ptr)[*c.len] == L'\0');
    }
}

void round_trip(URL_COMPONENTS& uc) {
    DWORD length = 0;
    if (WinHttpCreateUrl(&uc, 0, nullptr, &length)) return;
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) return;
    check(length > 0 && length < (1u << 24));
    std::vector<WCHAR> out(length);
    DWORD size = length;
    check(WinHttpCreateUrl(&uc, ICU_ESCAPE, out.data(), &size) || size >= length);
    size = length;
    if (WinHttpCreateUrl(&uc, 0, out.data(), &size)) check(size + 1 == length && out[size] == 0);
}

void exercise_engine(const std::wstring& url, uint8_t selector) {
    winhttp::ParsedUrl base;
    check(winhttp::crack_url(L"http://a/b/c/d;p?q#f", base) == ERROR_SUCCESS);
    winhttp::ParsedUrl cracked;
    if (winhttp::crack_url(url, cracked) == ERROR_SUCCESS) {
        check(cracked.port != 0 && !cracked.host.empty());
        base = cracked;
    }
    const std::wstring target = winhttp::resolve_reference(base, url);
    winhttp::ParsedUrl again;
    (void)winhttp::crack_url(target, again);
    const DWORD open_flags = (selector & 1 ? WINHTTP_FLAG_ESCAPE_PERCENT : 0) |
                             (selector & 2 ? WINHTTP_FLAG_ESCAPE_DISABLE : 0) |
                             (selector & 4 ? WINHTTP_FLAG_ESCAPE_DISABLE_QUERY : 0);
    const std::string wire = winhttp::escape_object_name(url, open_flags);
    if (!(open_flags & (WINHTTP_FLAG_ESCAPE_DISABLE | WINHTTP_FLAG_ESCAPE_DISABLE_QUERY))) {
        for (const char ch : wire) check(static_cast<unsigned char>(ch) > 0x20 && ch != 0x7F);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 7) return 0;
    const uint8_t control = data[0];
    const std::wstring url = decode_text(data + 7, size - 7, (control & 0x80) != 0);

    URL_COMPONENTS uc{};
    uc.dwStructSize = sizeof(uc);
    Component parts[6] = {{&uc.lpszScheme, &uc.dwSchemeLength, {}},
                          {&uc.lpszHostName, &uc.dwHostNameLength, {}},
                          {&uc.lpszUserName, &uc.dwUserNameLength, {}},
                          {&uc.lpszPassword, &uc.dwPasswordLength, {}},
                          {&uc.lpszUrlPath, &uc.dwUrlPathLength, {}},
                          {&uc.lpszExtraInfo, &uc.dwExtraInfoLength, {}}};
    for (int i = 0; i < 6; ++i) set_up(parts[i], data[1 + i]);

    const DWORD flags = (control & 1 ? ICU_DECODE : 0) | (control & 2 ? ICU_ESCAPE : 0) |
                        (control & 4 ? ICU_REJECT_USERPWD : 0);
    // Length 0 means NUL-terminated; an embedded NUL then ends the URL early, which is fine.
    const DWORD url_length = (control & 8) ? static_cast<DWORD>(url.size()) : 0;
    SetLastError(0xDEADBEEF);
    const BOOL ok = WinHttpCrackUrl(url.c_str(), url_length, flags, &uc);
    const DWORD error = GetLastError();
    if (ok) {
        check(error == ERROR_SUCCESS);
        check(uc.nScheme == INTERNET_SCHEME_HTTP || uc.nScheme == INTERNET_SCHEME_HTTPS);
        // Port 0 is a valid answer: "http://host:0" cracks to port 0 (Wine url.c, verified on Windows).
        for (const Component& c : parts) check_delivery(c, url);
        round_trip(uc);
    } else {
        check(error == ERROR_INVALID_PARAMETER || error == ERROR_WINHTTP_INVALID_URL ||
              error == ERROR_WINHTTP_UNRECOGNIZED_SCHEME || error == ERROR_INSUFFICIENT_BUFFER);
    }
    exercise_engine(url, control >> 4);
    return 0;
}
