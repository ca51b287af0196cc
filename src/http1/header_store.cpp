#include "http1/header_store.h"

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "http1/header_names.h"
#include "util/http_time.h"
#include "util/wide.h"

namespace winhttp::http1 {
namespace {

constexpr DWORD kLevelMask = 0x0000FFFF;
constexpr DWORD kTypeFlags =
    WINHTTP_QUERY_FLAG_NUMBER | WINHTTP_QUERY_FLAG_NUMBER64 | WINHTTP_QUERY_FLAG_SYSTEMTIME;
constexpr DWORD kCoalesceFlags =
    WINHTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA | WINHTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON;

// ---- character classes (RFC 9110 5.1, 5.5) ------------------------------------------------

bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim_right(std::string_view s) {
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    return trim_right(s);
}

bool is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(static_cast<unsigned char>(c))) return false;
    return true;
}

// Tab, visible ASCII and obs-text; every other control (CR, LF, NUL among them) would let the
// caller smuggle a line into the request, so it is refused.
bool is_field_value(std::string_view s) {
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c != '\t' && (c < 0x20 || c == 0x7F)) return false;
    }
    return true;
}

unsigned fold(unsigned c) {
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

// ---- adding --------------------------------------------------------------------------------

struct Field {
    std::string_view name;
    std::string_view value;
};

DWORD check_field(const Field& f) {
    return is_token(f.name) && is_field_value(f.value) ? ERROR_SUCCESS : ERROR_INVALID_PARAMETER;
}

// One "Name: value" line, CR/LF already cut off.
DWORD parse_line(std::string_view line, Field& out) {
    if (is_ows(line.front())) return ERROR_INVALID_PARAMETER;  // obs-fold continuation
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return ERROR_INVALID_PARAMETER;
    out = {trim_right(line.substr(0, colon)), trim(line.substr(colon + 1))};
    return check_field(out);
}

// Splits the block into lines. A CRLF, a lone LF or a lone CR ends a line (Wine winhttp.c
// test_bad_header, verified on Windows); a trailing line end and blank lines produce nothing.
DWORD parse_block(std::string_view text, std::vector<Field>& out) {
    while (!text.empty()) {
        const size_t end = text.find_first_of("\r\n");
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (trim(line).empty()) continue;
        Field f;
        if (DWORD e = parse_line(line, f)) return e;
        out.push_back(f);
    }
    return ERROR_SUCCESS;
}

HeaderList::iterator find_nth(HeaderList& list, std::string_view name, DWORD n) {
    for (auto it = list.begin(); it != list.end(); ++it)
        if (iequals(it->name, name) && n-- == 0) return it;
    return list.end();
}

DWORD replace_header(HeaderList& list, const Field& f, DWORD modifiers) {
    const auto it = find_nth(list, f.name, modifiers & WINHTTP_ADDREQ_INDEX_MASK);
    if (it == list.end()) {
        if (!(modifiers & WINHTTP_ADDREQ_FLAG_ADD)) return ERROR_WINHTTP_HEADER_NOT_FOUND;
        if (!f.value.empty()) list.push_back({std::string(f.name), std::string(f.value)});
        return ERROR_SUCCESS;
    }
    if (f.value.empty()) {
        list.erase(it);  // "If the header value is empty and the header is found, it is removed"
    } else {
        it->name.assign(f.name);
        it->value.assign(f.value);
    }
    return ERROR_SUCCESS;
}

DWORD coalesce_header(HeaderList& list, const Field& f, DWORD modifiers) {
    const auto it = find_nth(list, f.name, 0);  // "This causes the first header found to be merged"
    if (it == list.end()) {
        list.push_back({std::string(f.name), std::string(f.value)});
    } else if (it->value.empty()) {
        it->value.assign(f.value);
    } else if (!f.value.empty()) {
        it->value += (modifiers & WINHTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON) ? "; " : ", ";
        it->value += f.value;
    }
    return ERROR_SUCCESS;
}

// Applies one header. Fails before touching `list`, or succeeds after one change.
DWORD apply_field(HeaderList& list, const Field& f, DWORD modifiers) {
    if (modifiers & WINHTTP_ADDREQ_FLAG_REPLACE) return replace_header(list, f, modifiers);
    if (modifiers & WINHTTP_ADDREQ_FLAG_ADD_IF_NEW) {
        if (find_nth(list, f.name, 0) != list.end()) return ERROR_WINHTTP_HEADER_ALREADY_EXISTS;
    } else if (modifiers & kCoalesceFlags) {
        return coalesce_header(list, f, modifiers);
    }
    list.push_back({std::string(f.name), std::string(f.value)});
    return ERROR_SUCCESS;
}

// All or nothing: several headers are applied to a copy that replaces `list` only on success.
DWORD apply_fields(HeaderList& list, std::span<const Field> fields, DWORD modifiers) {
    if (fields.size() == 1) return apply_field(list, fields.front(), modifiers);
    HeaderList scratch = list;
    for (const Field& f : fields)
        if (DWORD e = apply_field(scratch, f, modifiers)) return e;
    list = std::move(scratch);
    return ERROR_SUCCESS;
}

DWORD collect_ex_fields(ULONGLONG flags, DWORD count, const WINHTTP_EXTENDED_HEADER* headers,
                        std::vector<std::string>& storage, std::vector<Field>& fields) {
    const bool wide = (flags & WINHTTP_EXTENDED_HEADER_FLAG_UNICODE) != 0;
    for (DWORD i = 0; i < count; ++i) {
        const WINHTTP_EXTENDED_HEADER& h = headers[i];
        if (wide ? !h.pwszName : !h.pszName) return ERROR_INVALID_PARAMETER;
        if (wide) {
            storage.push_back(to_utf8(h.pwszName));
            storage.push_back(h.pwszValue ? to_utf8(h.pwszValue) : std::string());
        } else {
            storage.emplace_back(h.pszName);
            storage.emplace_back(h.pszValue ? h.pszValue : "");
        }
    }
    // Views are taken only now: the vector no longer moves its strings.
    for (size_t i = 0; i < storage.size(); i += 2) {
        Field f{storage[i], trim(storage[i + 1])};
        if (DWORD e = check_field(f)) return e;
        fields.push_back(f);
    }
    return ERROR_SUCCESS;
}

// ---- query: what is read -------------------------------------------------------------------

enum class Side { response, request, trailers };

struct View {
    Side side;
    const ResponseHead* response;
    const RequestHead* request;
    const HeaderList* headers;
};

DWORD select_side(const QuerySource& src, DWORD modifiers, LevelKind kind, View& v) {
    const bool request = (modifiers & WINHTTP_QUERY_FLAG_REQUEST_HEADERS) != 0;
    const bool trailers = (modifiers & WINHTTP_QUERY_FLAG_TRAILERS) != 0;
    if (request && trailers) return ERROR_INVALID_PARAMETER;
    // The verb exists only on the request line, so REQUEST_METHOD reads it whatever the flags.
    if (request || kind == LevelKind::request_method) {
        if (!src.request) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
        v = {Side::request, nullptr, src.request, &src.request->headers};
        return ERROR_SUCCESS;
    }
    if (!src.response) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    v = {trailers ? Side::trailers : Side::response, src.response, nullptr,
         trailers ? &src.response->trailers : &src.response->headers};
    return ERROR_SUCCESS;
}

const Header* find_nth(const HeaderList& list, std::string_view name, DWORD n) {
    for (const Header& h : list)
        if (iequals(h.name, name) && n-- == 0) return &h;
    return nullptr;
}

// Compares a wire name with the caller's WCHAR name the way query output widens bytes: one
// WCHAR per byte, ASCII letters folded. No conversion, no allocation.
bool wide_name_equals(std::string_view name, const WCHAR* wide) {
    for (char ch : name) {
        const auto w = static_cast<unsigned>(*wide++);
        if (w == 0 || w > 0xFF || fold(w) != fold(static_cast<unsigned char>(ch))) return false;
    }
    return *wide == 0;
}

const Header* find_nth_wide(const HeaderList& list, const WCHAR* name, DWORD n) {
    for (const Header& h : list)
        if (wide_name_equals(h.name, name) && n-- == 0) return &h;
    return nullptr;
}

// Room for the texts a query builds itself; the longest is a status line without its reason,
// "HTTP/4294967295.4294967295 4294967295" (37 characters).
struct SmallText {
    char buf[48];
    size_t len = 0;
    void append(std::string_view s) {
        std::memcpy(buf + len, s.data(), s.size());
        len += s.size();
    }
    void append(unsigned n) {
        len = static_cast<size_t>(std::to_chars(buf + len, buf + sizeof buf, n).ptr - buf);
    }
    std::string_view view() const { return {buf, len}; }
};

void format_version(unsigned major, unsigned minor, SmallText& out) {
    out.append("HTTP/");
    out.append(major);
    out.append(".");
    out.append(minor);
}

// The single text a non-raw level stands for: a view into the source or into `scratch`.
DWORD resolve_synthetic(const View& v, LevelKind kind, SmallText& scratch, std::string_view& out) {
    const bool response = v.side == Side::response;
    switch (kind) {
        case LevelKind::version:
            if (v.side == Side::request) {
                out = v.request->version;
                return ERROR_SUCCESS;
            }
            if (!response) return ERROR_WINHTTP_HEADER_NOT_FOUND;
            format_version(v.response->version_major, v.response->version_minor, scratch);
            break;
        case LevelKind::status_code:
            if (!response) return ERROR_WINHTTP_HEADER_NOT_FOUND;
            scratch.append(v.response->status);
            break;
        case LevelKind::status_text:
            if (!response) return ERROR_WINHTTP_HEADER_NOT_FOUND;
            out = v.response->reason;
            return ERROR_SUCCESS;
        case LevelKind::request_method:
            out = v.request->method;
            return ERROR_SUCCESS;
        default:
            return ERROR_INVALID_PARAMETER;
    }
    out = scratch.view();
    return ERROR_SUCCESS;
}

DWORD resolve_value(const View& v, const QueryLevel& level, const WCHAR* custom_name, DWORD wanted,
                    SmallText& scratch, std::string_view& out) {
    if (level.kind == LevelKind::header || level.kind == LevelKind::custom) {
        const Header* h = level.kind == LevelKind::header
                              ? find_nth(*v.headers, level.name, wanted)
                              : find_nth_wide(*v.headers, custom_name, wanted);
        if (!h) return ERROR_WINHTTP_HEADER_NOT_FOUND;
        out = h->value;
        return ERROR_SUCCESS;
    }
    // Status-line items exist once; a later index ends an enumeration loop.
    if (wanted != 0) return ERROR_WINHTTP_HEADER_NOT_FOUND;
    return resolve_synthetic(v, level.kind, scratch, out);
}

// ---- query: output -------------------------------------------------------------------------

// Feeds every piece of a raw header block to `sink`, each line ended by `eol` and the block by
// one more `eol` (for RAW_HEADERS the string's own NUL is that final terminator, so the caller
// passes without_final = true).
template <class Sink>
void emit_raw(const View& v, std::string_view eol, bool without_final, Sink&& sink) {
    if (v.side == Side::response) {
        SmallText status;
        format_version(v.response->version_major, v.response->version_minor, status);
        status.append(" ");
        status.append(v.response->status);
        sink(status.view());
        if (!v.response->reason.empty()) {
            sink(" ");
            sink(v.response->reason);
        }
        sink(eol);
    } else if (v.side == Side::request) {
        sink(v.request->method);
        sink(" ");
        sink(v.request->target);
        sink(" ");
        sink(v.request->version);
        sink(eol);
    }
    for (const Header& h : *v.headers) {
        sink(h.name);
        sink(": ");
        sink(h.value);
        sink(eol);
    }
    if (!without_final) sink(eol);
}

unsigned char* widen(unsigned char* out, std::string_view bytes) {
    for (char ch : bytes) {
        const auto w = static_cast<WCHAR>(static_cast<unsigned char>(ch));
        std::memcpy(out, &w, sizeof w);
        out += sizeof w;
    }
    return out;
}

// Writes the pieces `emit` produces as one NUL-terminated WCHAR string, or reports its size.
template <class Emit>
DWORD deliver_string(Emit&& emit, void* buffer, DWORD* buffer_bytes) {
    uint64_t chars = 1;  // the terminating NUL
    emit([&](std::string_view s) { chars += s.size(); });
    const uint64_t needed = chars * sizeof(WCHAR);
    if (needed > std::numeric_limits<DWORD>::max()) return ERROR_NOT_ENOUGH_MEMORY;
    if (!buffer || *buffer_bytes < needed) {
        *buffer_bytes = static_cast<DWORD>(needed);
        return ERROR_INSUFFICIENT_BUFFER;
    }
    auto* out = static_cast<unsigned char*>(buffer);
    emit([&](std::string_view s) { out = widen(out, s); });
    widen(out, std::string_view("\0", 1));
    *buffer_bytes = static_cast<DWORD>(needed - sizeof(WCHAR));
    return ERROR_SUCCESS;
}

DWORD deliver_fixed(const void* value, DWORD size, void* buffer, DWORD* buffer_bytes) {
    if (!buffer || *buffer_bytes < size) {
        *buffer_bytes = size;
        return ERROR_INSUFFICIENT_BUFFER;
    }
    std::memcpy(buffer, value, size);
    *buffer_bytes = size;
    return ERROR_SUCCESS;
}

// Decimal digits with optional white space around them; anything else, or overflow, fails.
template <class T>
bool parse_decimal(std::string_view text, T& out) {
    text = trim(text);
    if (text.empty()) return false;
    // from_chars takes no sign for unsigned types, so "+1" and "-1" fail here too.
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

DWORD deliver_value(std::string_view text, DWORD modifiers, void* buffer, DWORD* buffer_bytes) {
    if (modifiers & WINHTTP_QUERY_FLAG_NUMBER) {
        DWORD n = 0;
        if (!parse_decimal(text, n)) return ERROR_INVALID_PARAMETER;
        return deliver_fixed(&n, sizeof n, buffer, buffer_bytes);
    }
    if (modifiers & WINHTTP_QUERY_FLAG_NUMBER64) {
        ULONGLONG n = 0;
        if (!parse_decimal(text, n)) return ERROR_INVALID_PARAMETER;
        return deliver_fixed(&n, sizeof n, buffer, buffer_bytes);
    }
    if (modifiers & WINHTTP_QUERY_FLAG_SYSTEMTIME) {
        SYSTEMTIME t{};
        if (!parse_http_date(text, &t)) return ERROR_INVALID_PARAMETER;
        return deliver_fixed(&t, sizeof t, buffer, buffer_bytes);
    }
    return deliver_string([&](auto&& sink) { sink(text); }, buffer, buffer_bytes);
}

DWORD query_raw(const View& v, bool crlf, DWORD modifiers, DWORD wanted, void* buffer,
                DWORD* buffer_bytes) {
    if (modifiers & kTypeFlags) return ERROR_INVALID_PARAMETER;  // a header block is no number
    if (wanted != 0) return ERROR_WINHTTP_HEADER_NOT_FOUND;
    if (v.side == Side::trailers && v.headers->empty()) return ERROR_WINHTTP_HEADER_NOT_FOUND;
    const std::string_view eol = crlf ? std::string_view("\r\n") : std::string_view("\0", 1);
    return deliver_string([&](auto&& sink) { emit_raw(v, eol, !crlf, sink); }, buffer,
                          buffer_bytes);
}

// ---- QueryHeadersEx output -----------------------------------------------------------------

// Turns wire strings into the units QueryHeadersEx hands out. The UTF-8 decoder keeps what it
// decoded while sizing, in visiting order, so the writing pass does not decode twice.
class ExEncoder {
  public:
    enum class Mode { wire, latin1, utf8 };
    explicit ExEncoder(Mode mode) : mode_(mode) {}

    size_t unit() const { return mode_ == Mode::wire ? 1 : sizeof(WCHAR); }

    size_t units(std::string_view s) {
        if (mode_ != Mode::utf8) return s.size();
        decoded_.push_back(from_utf8(s));
        return decoded_.back().size();
    }

    // Writes `s` and a NUL; returns the end.
    unsigned char* write(unsigned char* out, std::string_view s) {
        switch (mode_) {
            case Mode::wire:
                std::memcpy(out, s.data(), s.size());
                out[s.size()] = 0;
                return out + s.size() + 1;
            case Mode::latin1:
                out = widen(out, s);
                break;
            case Mode::utf8: {
                const std::wstring& w = decoded_[next_++];
                std::memcpy(out, w.data(), w.size() * sizeof(WCHAR));
                out += w.size() * sizeof(WCHAR);
                break;
            }
        }
        return widen(out, std::string_view("\0", 1));
    }

  private:
    Mode mode_;
    std::vector<std::wstring> decoded_;
    size_t next_ = 0;
};

DWORD check_ex_level(const QueryLevel& level, DWORD modifiers, const WINHTTP_HEADER_NAME* name) {
    if (modifiers & kTypeFlags) return ERROR_INVALID_PARAMETER;
    switch (level.kind) {
        case LevelKind::header:
        case LevelKind::raw_headers:
            return ERROR_SUCCESS;
        case LevelKind::custom: {
            const bool wire = (modifiers & WINHTTP_QUERY_FLAG_WIRE_ENCODING) != 0;
            const bool has_name =
                name && (wire ? name->pszName != nullptr : name->pwszName != nullptr);
            return has_name ? ERROR_SUCCESS : ERROR_INVALID_PARAMETER;
        }
        default:
            return ERROR_INVALID_PARAMETER;  // status-line items, RAW_HEADERS_CRLF, unknown
    }
}

// The headers an Ex query returns: all of them, or the wanted occurrence of one name.
DWORD pick_ex_headers(const View& v, const QueryLevel& level, DWORD modifiers,
                      const WINHTTP_HEADER_NAME* name, DWORD wanted, std::span<const Header>& out) {
    if (level.kind == LevelKind::raw_headers) {
        if (v.headers->empty()) return ERROR_WINHTTP_HEADER_NOT_FOUND;
        out = *v.headers;
        return ERROR_SUCCESS;
    }
    const Header* h = nullptr;
    if (level.kind == LevelKind::header)
        h = find_nth(*v.headers, level.name, wanted);
    else if (modifiers & WINHTTP_QUERY_FLAG_WIRE_ENCODING)
        h = find_nth(*v.headers, name->pszName, wanted);
    else
        h = find_nth_wide(*v.headers, name->pwszName, wanted);
    if (!h) return ERROR_WINHTTP_HEADER_NOT_FOUND;
    out = std::span<const Header>(h, 1);
    return ERROR_SUCCESS;
}

DWORD write_ex(std::span<const Header> items, ExEncoder& enc, void* buffer, DWORD* buffer_bytes,
               WINHTTP_EXTENDED_HEADER** headers, DWORD* count) {
    uint64_t needed = items.size() * sizeof(WINHTTP_EXTENDED_HEADER);
    for (const Header& h : items)
        needed += (enc.units(h.name) + enc.units(h.value) + 2) * enc.unit();
    if (needed > std::numeric_limits<DWORD>::max()) return ERROR_NOT_ENOUGH_MEMORY;
    if (!buffer || *buffer_bytes < needed) {
        *buffer_bytes = static_cast<DWORD>(needed);
        return ERROR_INSUFFICIENT_BUFFER;
    }
    if (reinterpret_cast<uintptr_t>(buffer) % alignof(WINHTTP_EXTENDED_HEADER) != 0)
        return ERROR_INVALID_PARAMETER;
    auto* array = static_cast<unsigned char*>(buffer);
    unsigned char* out = array + items.size() * sizeof(WINHTTP_EXTENDED_HEADER);
    for (const Header& h : items) {
        // The caller reads psz* with WIRE_ENCODING and pwsz* otherwise; set the one it reads.
        WINHTTP_EXTENDED_HEADER entry{};
        if (enc.unit() == 1)
            entry.pszName = reinterpret_cast<const char*>(out);
        else
            entry.pwszName = reinterpret_cast<const WCHAR*>(out);
        out = enc.write(out, h.name);
        if (enc.unit() == 1)
            entry.pszValue = reinterpret_cast<const char*>(out);
        else
            entry.pwszValue = reinterpret_cast<const WCHAR*>(out);
        out = enc.write(out, h.value);
        std::memcpy(array, &entry, sizeof entry);
        array += sizeof entry;
    }
    *buffer_bytes = static_cast<DWORD>(needed);
    *count = static_cast<DWORD>(items.size());
    if (headers) *headers = static_cast<WINHTTP_EXTENDED_HEADER*>(buffer);
    return ERROR_SUCCESS;
}

ExEncoder::Mode ex_mode(DWORD modifiers, UINT code_page) {
    if (modifiers & WINHTTP_QUERY_FLAG_WIRE_ENCODING) return ExEncoder::Mode::wire;
    return code_page == kCodePageUtf8 ? ExEncoder::Mode::utf8 : ExEncoder::Mode::latin1;
}

}  // namespace

DWORD add_request_headers(HeaderList& list, std::string_view headers, DWORD modifiers) {
    try {
        std::vector<Field> fields;
        if (DWORD e = parse_block(headers, fields)) return e;
        if (fields.empty()) return ERROR_SUCCESS;
        return apply_fields(list, fields, modifiers);
    } catch (const std::bad_alloc&) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
}

DWORD add_request_headers_ex(HeaderList& list, DWORD modifiers, ULONGLONG flags,
                             ULONGLONG /*reserved*/, DWORD count,
                             const WINHTTP_EXTENDED_HEADER* headers) {
    if (count == 0) return ERROR_SUCCESS;
    if (!headers) return ERROR_INVALID_PARAMETER;
    try {
        std::vector<std::string> storage;
        std::vector<Field> fields;
        if (DWORD e = collect_ex_fields(flags, count, headers, storage, fields)) return e;
        return apply_fields(list, fields, modifiers);
    } catch (const std::bad_alloc&) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
}

DWORD query_headers(const QuerySource& src, DWORD info_level, const WCHAR* custom_name,
                    void* buffer, DWORD* buffer_bytes, DWORD* index) {
    if (!buffer_bytes) return ERROR_INVALID_PARAMETER;
    const DWORD modifiers = info_level & ~kLevelMask;
    const QueryLevel& level = query_level(info_level & kLevelMask);
    if (level.kind == LevelKind::unassigned) return ERROR_INVALID_PARAMETER;
    if (level.kind == LevelKind::custom && !custom_name) return ERROR_INVALID_PARAMETER;
    if (std::popcount(modifiers & kTypeFlags) > 1) return ERROR_INVALID_PARAMETER;
    View v{};
    if (DWORD e = select_side(src, modifiers, level.kind, v)) return e;
    const DWORD wanted = index ? *index : 0;
    DWORD e = ERROR_SUCCESS;
    if (level.kind == LevelKind::raw_headers || level.kind == LevelKind::raw_headers_crlf) {
        const bool crlf = level.kind == LevelKind::raw_headers_crlf;
        e = query_raw(v, crlf, modifiers, wanted, buffer, buffer_bytes);
    } else {
        SmallText scratch;
        std::string_view text;
        e = resolve_value(v, level, custom_name, wanted, scratch, text);
        if (e == ERROR_SUCCESS) e = deliver_value(text, modifiers, buffer, buffer_bytes);
    }
    // A raw block is one answer, not an enumeration: the index stays (Wine winhttp.c
    // test_WinHttpAddHeaders, verified on Windows).
    const bool raw = level.kind == LevelKind::raw_headers || level.kind == LevelKind::raw_headers_crlf;
    if (e == ERROR_SUCCESS && index && !raw) *index = wanted + 1;
    return e;
}

DWORD query_headers_ex(const QuerySource& src, DWORD info_level, ULONGLONG /*flags*/,
                       UINT code_page, DWORD* index, const WINHTTP_HEADER_NAME* name, void* buffer,
                       DWORD* buffer_bytes, WINHTTP_EXTENDED_HEADER** headers, DWORD* count) {
    if (!buffer_bytes || !count) return ERROR_INVALID_PARAMETER;
    const DWORD modifiers = info_level & ~kLevelMask;
    const QueryLevel& level = query_level(info_level & kLevelMask);
    if (DWORD e = check_ex_level(level, modifiers, name)) return e;
    View v{};
    if (DWORD e = select_side(src, modifiers, level.kind, v)) return e;
    const bool single = level.kind != LevelKind::raw_headers;
    const DWORD wanted = (single && index) ? *index : 0;
    std::span<const Header> items;
    if (DWORD e = pick_ex_headers(v, level, modifiers, name, wanted, items)) return e;
    try {
        ExEncoder enc(ex_mode(modifiers, code_page));
        const DWORD e = write_ex(items, enc, buffer, buffer_bytes, headers, count);
        if (e == ERROR_SUCCESS && single && index) *index = wanted + 1;
        return e;
    } catch (const std::bad_alloc&) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
}

}  // namespace winhttp::http1
