// text.h - UTF-8 <-> WCHAR conversion for the command line and the terminal.
//
// WinHTTP speaks wide strings (WCHAR is wchar_t, UTF-32 on Linux); argv and the terminal
// speak UTF-8. Malformed UTF-8 bytes are carried over as the code point of the byte
// (Latin-1), so no input is ever rejected.
#pragma once

#include <string>
#include <string_view>

namespace whttp {

std::wstring to_wide(std::string_view utf8);
std::string to_utf8(std::wstring_view wide);

// ASCII case-insensitive comparison (header names).
bool iequals(std::string_view a, std::string_view b);

}  // namespace whttp
