// Text conversions between the API's wchar_t strings and the wire's bytes.
//
// WCHAR is wchar_t, i.e. UTF-32 on Linux. Strings that came from UTF-16 sources may still hold
// surrogate pairs, so to_utf8 joins a well-formed pair into one code point. Nothing here touches
// the last error; nothing here allocates more than its result.
#pragma once

#include <string>
#include <string_view>

namespace winhttp {

// UTF-32 (or UTF-16 code units widened to wchar_t) -> UTF-8.
// A high surrogate followed by a low surrogate becomes one code point; a lone surrogate or a value
// above U+10FFFF becomes U+FFFD. Never fails.
std::string to_utf8(std::wstring_view text);
// Same, with `replacement` (bytes) instead of U+FFFD; `replaced` tells whether it was used.
std::string to_utf8(std::wstring_view text, std::string_view replacement, bool& replaced);
// Whether to_utf8 would convert `text` without a replacement.
bool valid_wide(std::wstring_view text) noexcept;

// UTF-8 -> UTF-32. Each maximal invalid subsequence (stray continuation byte, truncated
// sequence, overlong form, encoded surrogate, value above U+10FFFF, bytes F5..FF) becomes one
// U+FFFD, as the Unicode Standard recommends. Never fails.
std::wstring from_utf8(std::string_view bytes);
// Whether from_utf8 would decode `bytes` without a replacement (well-formed UTF-8).
bool valid_utf8(std::string_view bytes) noexcept;

// ASCII-only lower-casing: 'A'..'Z' become 'a'..'z', every other byte is kept (header names and
// URL schemes are ASCII; locale-dependent tolower would be wrong and slow here).
std::string to_ascii_lower(std::string_view text);

// ASCII case-insensitive equality (bytes outside 'A'..'Z' compare exactly).
bool iequals(std::string_view a, std::string_view b) noexcept;

// Same, for wide strings: only 'A'..'Z' fold.
bool iequals(std::wstring_view a, std::wstring_view b) noexcept;

}  // namespace winhttp
