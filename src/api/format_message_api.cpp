// FormatMessageW/A: the texts of WinHTTP's errors for programs that pass
// GetModuleHandle(L"winhttp.dll") with FORMAT_MESSAGE_FROM_HMODULE, and of the Win32 errors the
// library returns (FORMAT_MESSAGE_FROM_SYSTEM). Work is done in UTF-8 and converted at the end.
//
// Supported: message tables (winhttp module, system), FROM_STRING, inserts %1..%99 with the
// default !s! or a printf-style !spec! for integers and strings (ARGUMENT_ARRAY or va_list),
// the escapes %0 %n %r %t %% %. %! "% ", IGNORE_INSERTS, ALLOCATE_BUFFER (LocalFree), and
// FORMAT_MESSAGE_MAX_WIDTH_MASK. Not supported: wrapping at an explicit line width (1-254: the
// text is left unwrapped) and '*' widths in insert specs (docs/design/windows-compat.md).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <string>
#include <string_view>

#include "api/message_texts.h"
#include "api/module_handles.h"
#include "core/last_error.h"
#include "util/wide.h"

namespace {

template <std::size_t N>
const char* find_text(const winhttp::MessageText (&table)[N], DWORD id) {
    for (const auto& entry : table) {
        if (entry.id == id) return entry.text;
    }
    return nullptr;
}

// The 12xxx codes whose meaning and text WinHTTP shares with WinINet (message_texts.h).
bool is_shared_with_wininet(DWORD code) {
    return (code >= 12001 && code <= 12057) || (code >= 12150 && code <= 12172);
}

// The message tables hold English texts: LANG_NEUTRAL (any sublanguage, so 0 and
// MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT)) and English are found, other languages are not.
bool language_available(DWORD language) {
    const DWORD primary = language & 0x3FF;
    return language <= 0xFFFF && (primary == LANG_NEUTRAL || primary == LANG_ENGLISH);
}

// A wide or narrow string argument as UTF-8.
std::string wide_to_utf8(const wchar_t* text) {
    if (text == nullptr) return "(null)";
    return winhttp::to_utf8(text);
}

// Where insert values come from: an array of DWORD_PTR or the caller's va_list, read in order.
class Arguments {
public:
    Arguments(va_list* list, bool is_array) : list_(list), is_array_(is_array) {}
    bool present() const { return list_ != nullptr; }
    DWORD_PTR get(int number) {
        if (is_array_) return reinterpret_cast<const DWORD_PTR*>(list_)[number - 1];
        // A va_list can only be read forward: inserts are fetched in ascending order and kept.
        while (fetched_ < number) values_[fetched_++] = va_arg(*list_, DWORD_PTR);
        return values_[number - 1];
    }

private:
    va_list* list_;
    bool is_array_;
    int fetched_ = 0;
    DWORD_PTR values_[99] = {};
};

// The insert specs come from the message text, so the printf formats below are built at run
// time from the validated flags/width/precision characters plus a conversion chosen here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

// Formats one insert with its printf-style spec (default "s"). `wide` says which string type
// "s" means: FormatMessageW's strings are WCHAR, FormatMessageA's char ("S" is the other one).
bool format_insert(std::string_view spec, DWORD_PTR value, bool wide, std::string& out) {
    if (spec.empty()) return false;
    const char conversion = spec.back();
    std::string flags;  // flags, width and precision, without length modifiers
    bool wide_modifier = false, narrow_modifier = false, is64 = false;
    for (std::size_t i = 0; i + 1 < spec.size(); ++i) {
        const char c = spec[i];
        if (c == 'l' || c == 'w') {
            wide_modifier = true;
            if (i + 1 < spec.size() - 1 && spec[i + 1] == 'l') is64 = true;
        } else if (c == 'h') {
            narrow_modifier = true;
        } else if (spec.substr(i, 3) == "I64") {
            is64 = true;
            i += 2;
        } else if (c == 'I' || c == 'z' || c == 'j' || c == 't') {
            is64 = true;  // pointer-sized on LP64
        } else if (std::strchr("-+ #0123456789.", c) != nullptr) {
            flags += c;
        } else {
            return false;  // '*' widths and anything printf would misread
        }
    }
    char buffer[128];
    std::string format = "%" + flags;
    switch (conversion) {
        case 's':
        case 'S': {
            bool as_wide = conversion == 's' ? wide : !wide;
            if (wide_modifier) as_wide = true;
            if (narrow_modifier) as_wide = false;
            const std::string text = as_wide ? wide_to_utf8(reinterpret_cast<const wchar_t*>(value))
                                             : std::string(value ? reinterpret_cast<const char*>(value) : "(null)");
            if (flags.empty()) {
                out += text;
                return true;
            }
            format += 's';
            const int n = std::snprintf(nullptr, 0, format.c_str(), text.c_str());
            if (n < 0) return false;
            std::string formatted(static_cast<std::size_t>(n) + 1, '\0');
            std::snprintf(formatted.data(), formatted.size(), format.c_str(), text.c_str());
            formatted.pop_back();
            out += formatted;
            return true;
        }
        case 'd':
        case 'i':
            format += is64 ? "lld" : "d";
            if (is64) std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<long long>(value));
            else std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<int>(value));
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            format += is64 ? std::string("ll") + conversion : std::string(1, conversion);
            if (is64) std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<unsigned long long>(value));
            else std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<unsigned int>(value));
            break;
        case 'c':
            format += 'c';
            std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<int>(value & 0x7F));
            break;
        case 'p':
            std::snprintf(buffer, sizeof buffer, "%p", reinterpret_cast<void*>(value));
            break;
        default: return false;
    }
    out += buffer;
    return true;
}

#pragma GCC diagnostic pop

// Expands escapes and inserts of `text` (FormatMessage page, "Remarks"). Returns an error code.
DWORD expand(std::string_view text, DWORD flags, Arguments& args, bool wide, std::string& out) {
    const bool ignore_inserts = flags & FORMAT_MESSAGE_IGNORE_INSERTS;
    const bool no_breaks = (flags & FORMAT_MESSAGE_MAX_WIDTH_MASK) == FORMAT_MESSAGE_MAX_WIDTH_MASK;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r' || c == '\n') {
            // Regular line breaks: kept, or (MAX_WIDTH_MASK) ignored, a CRLF pair counting once.
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            out += no_breaks ? " " : "\r\n";
            continue;
        }
        if (c != '%' || ignore_inserts || i + 1 == text.size()) {
            out += c;
            continue;
        }
        const char next = text[++i];
        if (next >= '1' && next <= '9') {
            int number = next - '0';
            if (i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9') number = number * 10 + (text[++i] - '0');
            std::string_view spec = "s";
            if (i + 1 < text.size() && text[i + 1] == '!') {
                const std::size_t end = text.find('!', i + 2);
                if (end == std::string_view::npos) return ERROR_INVALID_PARAMETER;
                spec = text.substr(i + 2, end - i - 2);
                i = end;
            }
            if (!args.present()) return ERROR_INVALID_PARAMETER;
            if (!format_insert(spec, args.get(number), wide, out)) return ERROR_INVALID_PARAMETER;
            continue;
        }
        switch (next) {
            case '0': return 0;  // end of message, no trailing line break
            case 'n': out += "\r\n"; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            default: out += next; break;  // %% %. %! "% " and anything else: the character
        }
    }
    return 0;
}

// Finds the message text named by dwFlags/lpSource/dwMessageId. Returns an error code.
DWORD find_message(DWORD flags, LPCVOID source, DWORD id, DWORD language, std::string& text) {
    const bool from_module = flags & FORMAT_MESSAGE_FROM_HMODULE;
    const bool from_system = flags & FORMAT_MESSAGE_FROM_SYSTEM;
    if (!from_module && !from_system) return ERROR_INVALID_PARAMETER;
    if (!language_available(language)) return ERROR_RESOURCE_LANG_NOT_FOUND;
    const char* found = nullptr;
    if (from_module && source == winhttp::winhttp_module()) found = find_text(winhttp::kWinHttpMessages, id);
    // Any other module (NULL is the program's image) has no message table here.
    const bool module_has_table = from_module && source == winhttp::winhttp_module();
    if (found == nullptr && from_system) {
        // HRESULT_FROM_WIN32 values carry the Win32 code in their low 16 bits.
        const bool hresult = (id & 0xFFFF0000u) == 0x80070000u;
        const DWORD code = hresult ? (id & 0xFFFF) : id;
        found = find_text(winhttp::kSystemMessages, code);
        // winerror.h's WININET_E_* entries are system messages for the HRESULTs of the codes
        // WinHTTP shares with WinINet (not for the plain 12xxx codes, nor for WinHTTP-only ones).
        if (found == nullptr && hresult && is_shared_with_wininet(code)) {
            found = find_text(winhttp::kWinHttpMessages, code);
        }
    }
    if (found == nullptr) {
        return from_module && !module_has_table && !from_system ? ERROR_RESOURCE_TYPE_NOT_FOUND
                                                                : ERROR_MR_MID_NOT_FOUND;
    }
    text = found;
    text += "\r\n";  // every message-table entry ends with a line break
    return 0;
}

// FormatMessage page: with ALLOCATE_BUFFER, more than 128K bytes fails with ERROR_MORE_DATA.
constexpr std::size_t kMaxAllocatedBytes = 128 * 1024;

template <typename Char>
DWORD store(const std::basic_string<Char>& message, DWORD flags, Char* buffer, DWORD size) {
    const std::size_t length = message.size();
    if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
        if ((length + 1) * sizeof(Char) > kMaxAllocatedBytes) {
            winhttp::set_last_error(ERROR_MORE_DATA);
            return 0;
        }
        const std::size_t count = length + 1 > size ? length + 1 : size;
        auto* block = static_cast<Char*>(std::malloc(count * sizeof(Char)));  // LocalFree = free
        if (block == nullptr) {
            winhttp::set_last_error(ERROR_NOT_ENOUGH_MEMORY);
            return 0;
        }
        std::memcpy(block, message.c_str(), (length + 1) * sizeof(Char));
        *reinterpret_cast<Char**>(buffer) = block;
        return static_cast<DWORD>(length);
    }
    if (length + 1 > size) {
        winhttp::set_last_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    std::memcpy(buffer, message.c_str(), (length + 1) * sizeof(Char));
    return static_cast<DWORD>(length);
}

// The common path: template from the string or a table, expansion, then the caller's buffer.
template <typename Char>
DWORD format_message(DWORD flags, LPCVOID source, DWORD id, DWORD language, Char* buffer,
                     DWORD size, va_list* arguments) {
    constexpr bool wide = sizeof(Char) != 1;
    if (buffer == nullptr) {
        winhttp::set_last_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) *reinterpret_cast<Char**>(buffer) = nullptr;
    std::string text;
    DWORD error = 0;
    if (flags & FORMAT_MESSAGE_FROM_STRING) {
        // FROM_STRING cannot be combined with FROM_HMODULE or FROM_SYSTEM.
        if ((flags & (FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_FROM_SYSTEM)) || source == nullptr) {
            error = ERROR_INVALID_PARAMETER;
        } else if constexpr (wide) {
            text = wide_to_utf8(static_cast<const wchar_t*>(source));
        } else {
            text = static_cast<const char*>(source);
        }
    } else {
        error = find_message(flags, source, id, language, text);
    }
    std::string message;
    if (error == 0) {
        Arguments args(arguments, flags & FORMAT_MESSAGE_ARGUMENT_ARRAY);
        error = expand(text, flags, args, wide, message);
    }
    if (error != 0) {
        winhttp::set_last_error(error);
        return 0;
    }
    if constexpr (wide) {
        return store(winhttp::from_utf8(message), flags, buffer, size);
    } else {
        return store(message, flags, buffer, size);
    }
}

}  // namespace

extern "C" {

DWORD FormatMessageW(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId, DWORD dwLanguageId,
                     LPWSTR lpBuffer, DWORD nSize, va_list* Arguments) {
    return format_message(dwFlags, lpSource, dwMessageId, dwLanguageId, lpBuffer, nSize, Arguments);
}

DWORD FormatMessageA(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId, DWORD dwLanguageId,
                     LPSTR lpBuffer, DWORD nSize, va_list* Arguments) {
    return format_message(dwFlags, lpSource, dwMessageId, dwLanguageId, lpBuffer, nSize, Arguments);
}

}  // extern "C"
