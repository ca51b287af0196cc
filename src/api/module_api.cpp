// GetModuleHandleW/A: programs ask for "winhttp.dll" to pass it to FormatMessage
// (FORMAT_MESSAGE_FROM_HMODULE). Only that module exists here; NULL names the program.
#include <string_view>

#include "api/module_handles.h"
#include "core/last_error.h"

namespace {

// The file part of a module name: Windows compares names without their directory.
template <typename Char>
std::basic_string_view<Char> file_part(std::basic_string_view<Char> name) {
    for (std::size_t i = name.size(); i > 0; --i) {
        if (name[i - 1] == Char('\\') || name[i - 1] == Char('/')) return name.substr(i);
    }
    return name;
}

// Case-insensitive ASCII comparison, as module names are compared on Windows.
template <typename Char>
bool equals_ignoring_case(std::basic_string_view<Char> a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto c = static_cast<unsigned long>(a[i]);
        if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
        if (c != static_cast<unsigned char>(b[i])) return false;
    }
    return true;
}

// GetModuleHandle page: without an extension ".dll" is appended; a trailing '.' means none.
template <typename Char>
bool is_winhttp(std::basic_string_view<Char> name) {
    name = file_part(name);
    return equals_ignoring_case(name, "winhttp.dll") || equals_ignoring_case(name, "winhttp");
}

template <typename Char>
HMODULE module_handle(const Char* name) {
    if (name == nullptr) return winhttp::program_module();
    if (is_winhttp(std::basic_string_view<Char>{name})) return winhttp::winhttp_module();
    winhttp::set_last_error(ERROR_MOD_NOT_FOUND);
    return nullptr;
}

}  // namespace

extern "C" {

HMODULE GetModuleHandleW(LPCWSTR lpModuleName) { return module_handle(lpModuleName); }

HMODULE GetModuleHandleA(LPCSTR lpModuleName) { return module_handle(lpModuleName); }

}  // extern "C"
