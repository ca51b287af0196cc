// UTF-8 <-> code points, shared by the text companions (string_api.cpp, format_message_api.cpp)
// without one exported function calling another (a program may replace either group).
#pragma once
#include <cstddef>
#include <string>

namespace winhttp::utf8 {

constexpr char32_t kReplacement = 0xFFFD;

// One step of UTF-8 decoding at text[i]: the code point (or kReplacement) and the bytes used.
struct Decoded {
    char32_t code_point;
    std::size_t length;
    bool valid;
};

inline bool in(unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; }

// Decodes one sequence; an ill-formed one yields kReplacement for its maximal subpart (the lead
// byte and the continuation bytes that could still have completed it).
inline Decoded decode_utf8(const unsigned char* text, std::size_t size) {
    const unsigned char lead = text[0];
    if (lead < 0x80) return {lead, 1, true};
    std::size_t needed = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    char32_t cp = 0;
    if (in(lead, 0xC2, 0xDF)) {
        needed = 1;
        cp = lead & 0x1F;
    } else if (in(lead, 0xE0, 0xEF)) {
        needed = 2;
        cp = lead & 0x0F;
        if (lead == 0xE0) lo = 0xA0;  // no overlong forms
        if (lead == 0xED) hi = 0x9F;  // no surrogates
    } else if (in(lead, 0xF0, 0xF4)) {
        needed = 3;
        cp = lead & 0x07;
        if (lead == 0xF0) lo = 0x90;  // no overlong forms
        if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        return {kReplacement, 1, false};
    }
    std::size_t used = 1;
    for (std::size_t k = 0; k < needed; ++k, ++used) {
        if (used >= size) return {kReplacement, used, false};
        const unsigned char c = text[used];
        const bool ok = k == 0 ? in(c, lo, hi) : in(c, 0x80, 0xBF);
        if (!ok) return {kReplacement, used, false};
        cp = (cp << 6) | (c & 0x3F);
    }
    return {cp, used, true};
}

inline void encode_utf8(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

inline bool is_high_surrogate(char32_t c) { return c >= 0xD800 && c <= 0xDBFF; }
inline bool is_low_surrogate(char32_t c) { return c >= 0xDC00 && c <= 0xDFFF; }

// A WCHAR string (UTF-32; a UTF-16 pair in two WCHARs is one code point) as UTF-8, invalid
// values replaced by U+FFFD.
inline std::string from_wide(const wchar_t* text) {
    std::string out;
    for (std::size_t i = 0; text[i] != 0; ++i) {
        char32_t c = static_cast<char32_t>(text[i]);
        if (is_high_surrogate(c) && is_low_surrogate(static_cast<char32_t>(text[i + 1]))) {
            c = 0x10000 + ((c - 0xD800) << 10) + (static_cast<char32_t>(text[++i]) - 0xDC00);
        }
        encode_utf8(c <= 0x10FFFF && !is_high_surrogate(c) && !is_low_surrogate(c) ? c : kReplacement, out);
    }
    return out;
}

// UTF-8 as a WCHAR string, invalid sequences replaced by U+FFFD.
inline std::wstring to_wide(const std::string& text) {
    std::wstring out;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t i = 0; i < text.size();) {
        const Decoded d = decode_utf8(bytes + i, text.size() - i);
        out += static_cast<wchar_t>(d.code_point);
        i += d.length;
    }
    return out;
}

}  // namespace winhttp::utf8
