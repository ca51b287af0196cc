// libFuzzer target: add_request_headers(_ex) and query_headers(_ex) of http1/header_store.h.
//
// The input drives everything: a header block and modifiers for the adds, a response head built
// from raw bytes (no validation, as a lenient parser might hand over), then a series of queries
// with random levels, flags, indexes, custom names and buffer sizes. Output buffers are heap
// blocks of exactly the size claimed, so ASan catches any write past it.
//
// Invariants: a successful add leaves no CR, LF or NUL in any name or value and no empty name; a
// failed add leaves the list unchanged; a successful string query reports a whole number of
// WCHARs, fits the buffer and is NUL-terminated; ERROR_INSUFFICIENT_BUFFER reports more than the
// caller had (or the buffer was NULL); *index moves only on success, by one.
#include <winhttp.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "http1/header_store.h"

namespace {

using winhttp::http1::HeaderList;
using winhttp::http1::QuerySource;
using winhttp::http1::RequestHead;
using winhttp::http1::ResponseHead;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool same(const HeaderList& a, const HeaderList& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
    return true;
}

void check_clean(const HeaderList& list) {
    for (const auto& h : list) {
        check(!h.name.empty());
        check(h.name.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
        check(h.value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
    }
}

DWORD pick_modifiers(FuzzedDataProvider& in) {
    static constexpr DWORD kFlags[] = {WINHTTP_ADDREQ_FLAG_ADD, WINHTTP_ADDREQ_FLAG_ADD_IF_NEW,
                                       WINHTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA,
                                       WINHTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON,
                                       WINHTTP_ADDREQ_FLAG_REPLACE};
    DWORD m = in.ConsumeIntegralInRange<DWORD>(0, 3);  // REPLACE index
    for (DWORD f : kFlags)
        if (in.ConsumeBool()) m |= f;
    return m;
}

void fuzz_add(FuzzedDataProvider& in, HeaderList& list) {
    const DWORD modifiers = pick_modifiers(in);
    const std::string block = in.ConsumeRandomLengthString(2048);
    const HeaderList before = list;
    const DWORD e = winhttp::http1::add_request_headers(list, block, modifiers);
    if (e != ERROR_SUCCESS) check(same(before, list));
    check_clean(list);
}

void fuzz_add_ex(FuzzedDataProvider& in, HeaderList& list) {
    const DWORD modifiers = pick_modifiers(in);
    const bool wide = in.ConsumeBool();
    const size_t count = in.ConsumeIntegralInRange<size_t>(0, 4);
    std::vector<std::string> narrow;
    std::vector<std::wstring> wides;
    for (size_t i = 0; i < 2 * count; ++i) {
        std::string s = in.ConsumeRandomLengthString(64);
        s.erase(std::find(s.begin(), s.end(), '\0'), s.end());  // C strings end at the NUL
        wides.emplace_back(s.begin(), s.end());
        narrow.push_back(std::move(s));
    }
    std::vector<WINHTTP_EXTENDED_HEADER> headers(count);
    for (size_t i = 0; i < count; ++i) {
        if (wide) {
            headers[i].pwszName = wides[2 * i].c_str();
            headers[i].pwszValue = wides[2 * i + 1].c_str();
        } else {
            headers[i].pszName = narrow[2 * i].c_str();
            headers[i].pszValue = narrow[2 * i + 1].c_str();
        }
    }
    const HeaderList before = list;
    const DWORD e = winhttp::http1::add_request_headers_ex(
        list, modifiers, wide ? WINHTTP_EXTENDED_HEADER_FLAG_UNICODE : 0, 0,
        static_cast<DWORD>(count), headers.data());
    if (e != ERROR_SUCCESS) check(same(before, list));
    check_clean(list);
}

// Header fields as a lenient parser could produce them: any bytes, no checks.
HeaderList raw_list(FuzzedDataProvider& in) {
    HeaderList list;
    const size_t n = in.ConsumeIntegralInRange<size_t>(0, 8);
    for (size_t i = 0; i < n; ++i) {
        std::string name = in.ConsumeRandomLengthString(32);
        std::string value = in.ConsumeRandomLengthString(128);
        list.push_back({std::move(name), std::move(value)});
    }
    return list;
}

ResponseHead raw_response(FuzzedDataProvider& in) {
    ResponseHead r;
    r.status = in.ConsumeIntegral<unsigned>();
    r.version_major = in.ConsumeIntegral<unsigned>();
    r.version_minor = in.ConsumeIntegral<unsigned>();
    r.reason = in.ConsumeRandomLengthString(64);
    r.headers = raw_list(in);
    r.trailers = raw_list(in);
    return r;
}

DWORD pick_level(FuzzedDataProvider& in) {
    DWORD level = 0;
    switch (in.ConsumeIntegralInRange(0, 3)) {
        case 0:
            level = in.ConsumeIntegralInRange<DWORD>(0, WINHTTP_QUERY_MAX + 2);
            break;
        case 1:
            level = WINHTTP_QUERY_CUSTOM;
            break;
        case 2:
            level = in.ConsumeIntegralInRange<DWORD>(18, 22);
            break;  // synthetic items
        default:
            level = in.ConsumeIntegral<uint16_t>();
            break;
    }
    static constexpr DWORD kMods[] = {
        WINHTTP_QUERY_FLAG_REQUEST_HEADERS, WINHTTP_QUERY_FLAG_SYSTEMTIME,
        WINHTTP_QUERY_FLAG_NUMBER,          WINHTTP_QUERY_FLAG_NUMBER64,
        WINHTTP_QUERY_FLAG_TRAILERS,        WINHTTP_QUERY_FLAG_WIRE_ENCODING};
    for (DWORD m : kMods)
        if (in.ConsumeIntegralInRange(0, 3) == 0) level |= m;
    return level;
}

void fuzz_query(FuzzedDataProvider& in, const QuerySource& src,
                const std::vector<std::string>& names) {
    const DWORD level = pick_level(in);
    std::wstring custom;
    if (!names.empty() && in.ConsumeBool()) {
        const std::string& n = names[in.ConsumeIntegralInRange<size_t>(0, names.size() - 1)];
        custom.assign(n.begin(), n.end());
    } else {
        const std::string n = in.ConsumeRandomLengthString(16);
        custom.assign(n.begin(), n.end());
    }
    const bool null_name = in.ConsumeIntegralInRange(0, 7) == 0;
    const DWORD claimed = in.ConsumeIntegralInRange<DWORD>(0, 600);
    const bool null_buffer = in.ConsumeIntegralInRange(0, 3) == 0;
    const bool null_index = in.ConsumeBool();
    DWORD index = in.ConsumeIntegralInRange<DWORD>(0, 4);
    const DWORD index_before = index;

    std::unique_ptr<unsigned char[]> buffer(null_buffer ? nullptr : new unsigned char[claimed]);
    DWORD bytes = claimed;
    const DWORD e =
        winhttp::http1::query_headers(src, level, null_name ? nullptr : custom.c_str(),
                                      buffer.get(), &bytes, null_index ? nullptr : &index);
    if (e == ERROR_INSUFFICIENT_BUFFER) check(null_buffer || bytes > claimed);
    if (e != ERROR_SUCCESS) check(index == index_before);
    if (e == ERROR_SUCCESS) {
        check(!null_buffer && bytes <= claimed);
        // A raw block is one answer, not an enumeration: its index stays (Wine winhttp.c).
        const DWORD info = level & 0xFFFF;  // the info level without its modifier flags
        const bool raw = info == WINHTTP_QUERY_RAW_HEADERS || info == WINHTTP_QUERY_RAW_HEADERS_CRLF;
        if (!null_index) check(index == (raw ? index_before : index_before + 1));
        const DWORD type = level & (WINHTTP_QUERY_FLAG_NUMBER | WINHTTP_QUERY_FLAG_NUMBER64 |
                                    WINHTTP_QUERY_FLAG_SYSTEMTIME);
        if (type == 0) {  // a string: whole WCHARs, then a NUL inside the buffer
            check(bytes % sizeof(WCHAR) == 0 && bytes + sizeof(WCHAR) <= claimed);
            WCHAR last;
            std::memcpy(&last, buffer.get() + bytes, sizeof last);
            check(last == 0);
        }
    }

    // The same request through the Ex form, with a buffer aligned like any new[] block.
    WINHTTP_HEADER_NAME name{};
    const std::string narrow(custom.begin(), custom.end());
    if (level & WINHTTP_QUERY_FLAG_WIRE_ENCODING)
        name.pszName = narrow.c_str();
    else
        name.pwszName = custom.c_str();
    std::unique_ptr<unsigned char[]> ex_buffer(null_buffer ? nullptr : new unsigned char[claimed]);
    DWORD ex_bytes = claimed;
    DWORD count = 0;
    WINHTTP_EXTENDED_HEADER* headers = nullptr;
    const UINT code_page = in.ConsumeBool() ? winhttp::http1::kCodePageUtf8 : 0;
    const DWORD ex = winhttp::http1::query_headers_ex(
        src, level, 0, code_page, null_index ? nullptr : &index, null_name ? nullptr : &name,
        ex_buffer.get(), &ex_bytes, &headers, &count);
    if (ex == ERROR_INSUFFICIENT_BUFFER) check(null_buffer || ex_bytes > claimed);
    if (ex == ERROR_SUCCESS) {
        check(ex_bytes <= claimed && count > 0);
        check(static_cast<void*>(headers) == ex_buffer.get());
        const bool wire = (level & WINHTTP_QUERY_FLAG_WIRE_ENCODING) != 0;
        for (DWORD i = 0; i < count; ++i) {  // every string lies inside the buffer
            const auto* p = wire ? reinterpret_cast<const unsigned char*>(headers[i].pszValue)
                                 : reinterpret_cast<const unsigned char*>(headers[i].pwszValue);
            check(p >= ex_buffer.get() && p < ex_buffer.get() + ex_bytes);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    RequestHead request;
    request.method = in.ConsumeRandomLengthString(16);
    request.target = in.ConsumeRandomLengthString(64);
    fuzz_add(in, request.headers);
    if (in.ConsumeBool()) fuzz_add(in, request.headers);
    if (in.ConsumeBool()) fuzz_add_ex(in, request.headers);
    const ResponseHead response = raw_response(in);

    std::vector<std::string> names;  // names that exist, so CUSTOM queries hit sometimes
    for (const auto& h : request.headers) names.push_back(h.name);
    for (const auto& h : response.headers) names.push_back(h.name);

    const QuerySource src{in.ConsumeIntegralInRange(0, 15) ? &response : nullptr,
                          in.ConsumeIntegralInRange(0, 15) ? &request : nullptr};
    for (int i = 0; i < 32 && in.remaining_bytes() > 0; ++i) fuzz_query(in, src, names);
    return 0;
}
