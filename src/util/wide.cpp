#include "util/wide.h"

#include <cstdint>

namespace winhttp {
namespace detail {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_high_surrogate(char32_t c) {
    return c >= 0xD800 && c <= 0xDBFF;
}
bool is_low_surrogate(char32_t c) {
    return c >= 0xDC00 && c <= 0xDFFF;
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

// Valid range of the second byte for a given lead byte (Unicode Table 3-7); this is what rejects
// overlongs, surrogates and values above U+10FFFF without decoding first.
void second_byte_range(unsigned char lead, unsigned char& lo, unsigned char& hi) {
    lo = 0x80;
    hi = 0xBF;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
}

// Length of the sequence a lead byte announces, 0 if the byte cannot start one.
int sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

// Decodes one code point at bytes[i]; advances i past it, or past the maximal invalid subpart
// (returning U+FFFD).
char32_t decode_one(std::string_view bytes, size_t& i) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    const int len = sequence_length(lead);
    ++i;
    if (len == 1) return lead;
    if (len == 0) return kReplacement;
    char32_t cp = lead & (0xFF >> (len + 1));
    unsigned char lo = 0;
    unsigned char hi = 0;
    second_byte_range(lead, lo, hi);
    for (int k = 1; k < len; ++k) {
        if (i >= bytes.size()) return kReplacement;
        const auto b = static_cast<unsigned char>(bytes[i]);
        if (b < lo || b > hi) return kReplacement;  // b is not consumed: it may start the next one
        cp = (cp << 6) | (b & 0x3F);
        ++i;
        lo = 0x80;
        hi = 0xBF;
    }
    return cp;
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
wchar_t ascii_lower(wchar_t c) {
    return (c >= L'A' && c <= L'Z') ? c - L'A' + L'a' : c;
}

}  // namespace
}  // namespace detail

std::string to_utf8(std::wstring_view text) {
    bool replaced = false;
    return to_utf8(text, "\xEF\xBF\xBD", replaced);
}

std::string to_utf8(std::wstring_view text, std::string_view replacement, bool& replaced) {
    replaced = false;
    // Nearly every string (verbs, paths, header names and values) is ASCII: copy that prefix
    // in one pass, then encode the rest character by character.
    size_t ascii = 0;
    while (ascii < text.size() && static_cast<uint32_t>(text[ascii]) < 0x80) ++ascii;
    std::string out(ascii, '\0');
    for (size_t i = 0; i < ascii; ++i) out[i] = static_cast<char>(text[i]);
    if (ascii == text.size()) return out;
    out.reserve(text.size() + 8);
    for (size_t i = ascii; i < text.size(); ++i) {
        char32_t c = static_cast<char32_t>(static_cast<uint32_t>(text[i]));
        if (detail::is_high_surrogate(c) && i + 1 < text.size() &&
            detail::is_low_surrogate(static_cast<char32_t>(text[i + 1]))) {
            const auto low = static_cast<char32_t>(text[i + 1]);
            c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
            ++i;
        } else if (detail::is_high_surrogate(c) || detail::is_low_surrogate(c) || c > 0x10FFFF) {
            out.append(replacement);
            replaced = true;
            continue;
        }
        detail::append_utf8(out, c);
    }
    return out;
}

bool valid_wide(std::wstring_view text) noexcept {
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<char32_t>(static_cast<uint32_t>(text[i]));
        if (detail::is_high_surrogate(c) && i + 1 < text.size() &&
            detail::is_low_surrogate(static_cast<char32_t>(text[i + 1]))) {
            ++i;
        } else if (detail::is_high_surrogate(c) || detail::is_low_surrogate(c) || c > 0x10FFFF) {
            return false;
        }
    }
    return true;
}

std::wstring from_utf8(std::string_view bytes) {
    size_t i = 0;
    while (i < bytes.size() && static_cast<unsigned char>(bytes[i]) < 0x80) ++i;
    std::wstring out(i, L'\0');
    for (size_t k = 0; k < i; ++k) out[k] = static_cast<wchar_t>(bytes[k]);
    if (i == bytes.size()) return out;
    out.reserve(bytes.size());
    while (i < bytes.size()) out.push_back(static_cast<wchar_t>(detail::decode_one(bytes, i)));
    return out;
}

bool valid_utf8(std::string_view bytes) noexcept {
    size_t i = 0;
    while (i < bytes.size()) {
        const size_t start = i;
        // A replacement is only genuine when the input spelled U+FFFD itself (EF BF BD).
        if (detail::decode_one(bytes, i) == detail::kReplacement && bytes.substr(start, i - start) != "\xEF\xBF\xBD") {
            return false;
        }
    }
    return true;
}

std::string to_ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = detail::ascii_lower(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (detail::ascii_lower(a[i]) != detail::ascii_lower(b[i])) return false;
    }
    return true;
}

bool iequals(std::wstring_view a, std::wstring_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (detail::ascii_lower(a[i]) != detail::ascii_lower(b[i])) return false;
    }
    return true;
}

}  // namespace winhttp
