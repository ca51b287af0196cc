// The pseudo module handles GetModuleHandle gives and FormatMessage recognises. Fixed odd values
// (never a real pointer) rather than addresses, so format_message_api.o and module_api.o do not
// reference each other: a static link pulls in only the group a program uses.
#pragma once
#include <windows.h>

#include <cstdint>

namespace winhttp {

// "winhttp.dll": its message table holds the ERROR_WINHTTP_* texts.
inline HMODULE winhttp_module() noexcept { return reinterpret_cast<HMODULE>(std::uintptr_t{0x57481}); }
// GetModuleHandle(NULL): the program's image, which has no message table.
inline HMODULE program_module() noexcept { return reinterpret_cast<HMODULE>(std::uintptr_t{0x57483}); }

}  // namespace winhttp
