// The Windows companions of <windows.h> that WinHTTP programs call: text conversion, lstrlen,
// FormatMessage for WinHTTP errors, GetModuleHandle("winhttp.dll"), and the macros of
// Microsoft's samples. Each fact cites its Microsoft page; our choices for Linux (UTF-32 WCHAR,
// CP_ACP = UTF-8) cite docs/design/windows-compat.md.
// Built as a Visual Studio project is: UNICODE defined, so the generic names are the W forms.
#define UNICODE
#include <windows.h>
#include <winhttp.h>

#include <gtest/gtest.h>

#include <cstdarg>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr DWORD kSentinel = 0xDEADBEEF;

// Pages cited below (learn.microsoft.com/windows/win32/api/...):
//   MB2WC  stringapiset/nf-stringapiset-multibytetowidechar
//   WC2MB  stringapiset/nf-stringapiset-widechartomultibyte
//   FMT    winbase/nf-winbase-formatmessage
//   GMH    libloaderapi/nf-libloaderapi-getmodulehandlew
//   LSTR   winbase/nf-winbase-lstrlenw

std::wstring to_wide(UINT cp, DWORD flags, const char* text, int length) {
    const int n = MultiByteToWideChar(cp, flags, text, length, nullptr, 0);
    std::wstring out(static_cast<size_t>(n > 0 ? n : 0), L'\0');
    if (n > 0) EXPECT_EQ(MultiByteToWideChar(cp, flags, text, length, out.data(), n), n);
    return out;
}

std::string to_utf8(const wchar_t* text, int length) {
    const int n = WideCharToMultiByte(CP_UTF8, 0, text, length, nullptr, 0, nullptr, nullptr);
    std::string out(static_cast<size_t>(n > 0 ? n : 0), '\0');
    if (n > 0) EXPECT_EQ(WideCharToMultiByte(CP_UTF8, 0, text, length, out.data(), n, nullptr, nullptr), n);
    return out;
}

// ---- MultiByteToWideChar ------------------------------------------------------------------

TEST(MultiByteToWideChar, SizeProbeWithMinusOneCountsTheTerminator) {
    // MB2WC: -1 processes the whole string including the NUL, and the length returned includes it;
    // a zero cchWideChar returns the required size and does not use the buffer.
    EXPECT_EQ(MultiByteToWideChar(CP_UTF8, 0, "h\xC3\xA9llo", -1, nullptr, 0), 6);
    const std::wstring w = to_wide(CP_UTF8, 0, "h\xC3\xA9llo", -1);
    EXPECT_EQ(w, std::wstring(L"h\u00E9llo", 6));  // NUL included
}

TEST(MultiByteToWideChar, ExplicitLengthWritesNoTerminator) {
    // MB2WC: with a positive length the string is not null-terminated unless the input was.
    wchar_t out[8];
    std::fill(std::begin(out), std::end(out), L'#');
    EXPECT_EQ(MultiByteToWideChar(CP_UTF8, 0, "abc", 3, out, 8), 3);
    EXPECT_EQ(std::wstring(out, 4), L"abc#");
    // An embedded NUL inside the length is converted like any character.
    EXPECT_EQ(to_wide(CP_UTF8, 0, "a\0b", 3), std::wstring(L"a\0b", 3));
}

TEST(MultiByteToWideChar, SupplementaryCharacterIsOneWchar) {
    // windows-compat.md: WCHAR is UTF-32 on Linux, so U+1F600 is one WCHAR (two on Windows).
    EXPECT_EQ(to_wide(CP_UTF8, 0, "\xF0\x9F\x98\x80", 4), std::wstring(1, wchar_t(0x1F600)));
}

TEST(MultiByteToWideChar, AnsiCodePagesAreUtf8) {
    // windows-compat.md: CP_ACP, CP_OEMCP and CP_THREAD_ACP are UTF-8 here.
    for (UINT cp : {CP_ACP, CP_OEMCP, CP_THREAD_ACP}) {
        EXPECT_EQ(to_wide(cp, 0, "\xE2\x82\xAC", -1), std::wstring(L"\u20AC", 2)) << cp;
    }
    // An ANSI code page accepts MB_PRECOMPOSED (the default flag) ...
    EXPECT_EQ(MultiByteToWideChar(CP_ACP, MB_PRECOMPOSED, "a", -1, nullptr, 0), 2);
    // ... but MB2WC: MB_PRECOMPOSED and MB_COMPOSITE are mutually exclusive.
    SetLastError(kSentinel);
    EXPECT_EQ(MultiByteToWideChar(CP_ACP, MB_PRECOMPOSED | MB_COMPOSITE, "a", -1, nullptr, 0), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_FLAGS));
}

TEST(MultiByteToWideChar, Utf8AcceptsOnlyErrInvalidChars) {
    // MB2WC: for UTF-8 dwFlags must be 0 or MB_ERR_INVALID_CHARS, otherwise ERROR_INVALID_FLAGS.
    for (DWORD flags : {DWORD{MB_PRECOMPOSED}, DWORD{MB_COMPOSITE}, DWORD{MB_USEGLYPHCHARS}, DWORD{0x100}}) {
        SetLastError(kSentinel);
        EXPECT_EQ(MultiByteToWideChar(CP_UTF8, flags, "a", -1, nullptr, 0), 0) << flags;
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_FLAGS)) << flags;
    }
    EXPECT_EQ(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, "a", -1, nullptr, 0), 2);
}

TEST(MultiByteToWideChar, InvalidParameters) {
    wchar_t out[4];
    char text[8] = "abc";
    auto expect_invalid = [](int result) {
        EXPECT_EQ(result, 0);
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
        SetLastError(kSentinel);
    };
    SetLastError(kSentinel);
    // MB2WC: "Note that, if cbMultiByte is 0, the function fails."
    expect_invalid(MultiByteToWideChar(CP_UTF8, 0, "abc", 0, out, 4));
    // MB2WC: ERROR_INVALID_PARAMETER, any of the parameter values was invalid.
    expect_invalid(MultiByteToWideChar(CP_UTF8, 0, nullptr, 3, out, 4));
    expect_invalid(MultiByteToWideChar(CP_UTF8, 0, "abc", -2, out, 4));
    expect_invalid(MultiByteToWideChar(CP_UTF8, 0, "abc", 3, out, -1));
    expect_invalid(MultiByteToWideChar(CP_UTF8, 0, "abc", 3, nullptr, 4));
    // MB2WC: the function fails if lpMultiByteStr and lpWideCharStr point to the same buffer.
    expect_invalid(MultiByteToWideChar(CP_UTF8, 0, text, 3, reinterpret_cast<LPWSTR>(text), 2));
    // windows-compat.md: only the UTF-8 family is installed; other code pages are invalid.
    expect_invalid(MultiByteToWideChar(1252, 0, "abc", 3, out, 4));
}

TEST(MultiByteToWideChar, ShortBufferIsInsufficientBuffer) {
    // MB2WC: ERROR_INSUFFICIENT_BUFFER when the buffer is too small (or NULL with a size).
    wchar_t out[3];
    SetLastError(kSentinel);
    EXPECT_EQ(MultiByteToWideChar(CP_UTF8, 0, "abc", -1, out, 3), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(MultiByteToWideChar(CP_UTF8, 0, "abc", -1, out, 3) == 0, true);
    wchar_t exact[4];
    EXPECT_EQ(MultiByteToWideChar(CP_UTF8, 0, "abc", -1, exact, 4), 4);
    EXPECT_STREQ(exact, L"abc");
}

TEST(MultiByteToWideChar, InvalidInputFailsWithErrInvalidChars) {
    // MB2WC: MB_ERR_INVALID_CHARS fails on an invalid input character: ERROR_NO_UNICODE_TRANSLATION.
    for (const char* bad : {"\xFF", "a\x80", "\xC0\x80", "\xED\xA0\x80", "\xE2\x82", "\xF4\x90\x80\x80"}) {
        SetLastError(kSentinel);
        EXPECT_EQ(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, bad, -1, nullptr, 0), 0) << bad;
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_UNICODE_TRANSLATION));
    }
}

TEST(MultiByteToWideChar, InvalidInputBecomesReplacementCharacter) {
    // MB2WC: without the flag, illegal sequences are replaced by U+FFFD (since Vista); one per
    // maximal subpart, Unicode's recommended practice (windows-compat.md).
    EXPECT_EQ(to_wide(CP_UTF8, 0, "a\xFF" "b", 3), L"a\uFFFDb");
    EXPECT_EQ(to_wide(CP_UTF8, 0, "\xE2\x82", 2), L"\uFFFD");                 // truncated: one
    EXPECT_EQ(to_wide(CP_UTF8, 0, "\xC0\x80", 2), L"\uFFFD\uFFFD");           // overlong: each byte
    EXPECT_EQ(to_wide(CP_UTF8, 0, "\xED\xA0\x80", 3), L"\uFFFD\uFFFD\uFFFD"); // encoded surrogate
    EXPECT_EQ(to_wide(CP_UTF8, 0, "\xF4\x90\x80\x80", 4), L"\uFFFD\uFFFD\uFFFD\uFFFD");  // > U+10FFFF
}

// ---- WideCharToMultiByte ------------------------------------------------------------------

TEST(WideCharToMultiByte, SizeProbeWithMinusOneCountsTheTerminator) {
    // WC2MB: -1 processes the NUL too; a zero cbMultiByte returns the required size in bytes.
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, 0, L"h\u00E9llo", -1, nullptr, 0, nullptr, nullptr), 7);
    EXPECT_EQ(to_utf8(L"h\u00E9llo", -1), std::string("h\xC3\xA9llo", 7));
    EXPECT_EQ(to_utf8(L"abc", 2), "ab");
}

TEST(WideCharToMultiByte, ShortBufferIsInsufficientBuffer) {
    // WC2MB: ERROR_INSUFFICIENT_BUFFER when the supplied buffer size was not large enough.
    char out[3];
    SetLastError(kSentinel);
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, 0, L"\u20AC", -1, out, 3, nullptr, nullptr), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
}

TEST(WideCharToMultiByte, Utf8RequiresNoDefaultCharAndNoFlags) {
    // WC2MB: for CP_UTF8, dwFlags must be 0 or WC_ERR_INVALID_CHARS (else ERROR_INVALID_FLAGS),
    // and lpDefaultChar and lpUsedDefaultChar must be NULL (else ERROR_INVALID_PARAMETER).
    BOOL used = FALSE;
    SetLastError(kSentinel);
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, WC_NO_BEST_FIT_CHARS, L"a", -1, nullptr, 0, nullptr, nullptr), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_FLAGS));
    SetLastError(kSentinel);
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, 0, L"a", -1, nullptr, 0, "?", nullptr), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    SetLastError(kSentinel);
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, 0, L"a", -1, nullptr, 0, nullptr, &used), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, L"a", -1, nullptr, 0, nullptr, nullptr), 2);
}

TEST(WideCharToMultiByte, InvalidParameters) {
    char out[8];
    SetLastError(kSentinel);
    // WC2MB: cchWideChar 0 fails; NULL input, negative sizes and NULL output with a size are invalid.
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, 0, L"a", 0, out, 8, nullptr, nullptr), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    SetLastError(kSentinel);
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, 0, nullptr, 1, out, 8, nullptr, nullptr), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    SetLastError(kSentinel);
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, 0, L"a", 1, nullptr, 8, nullptr, nullptr), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    SetLastError(kSentinel);
    EXPECT_EQ(WideCharToMultiByte(CP_UTF8, 0, L"a", -2, out, 8, nullptr, nullptr), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(WideCharToMultiByte, LoneSurrogatesAreInvalid) {
    // WC2MB: WC_ERR_INVALID_CHARS fails with ERROR_NO_UNICODE_TRANSLATION on invalid input;
    // without it the illegal sequence becomes U+FFFD. A lone surrogate is invalid in UTF-32 as in
    // UTF-16, and so is a value above U+10FFFF (windows-compat.md).
    const wchar_t lone_high[] = {L'a', wchar_t(0xD800), L'b', 0};
    const wchar_t lone_low[] = {wchar_t(0xDC00), 0};
    const wchar_t too_big[] = {wchar_t(0x110000), 0};
    for (const wchar_t* bad : {lone_high, lone_low, too_big}) {
        SetLastError(kSentinel);
        EXPECT_EQ(WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, bad, -1, nullptr, 0, nullptr, nullptr), 0);
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_UNICODE_TRANSLATION));
    }
    EXPECT_EQ(to_utf8(lone_high, 3), "a\xEF\xBF\xBD" "b");
    EXPECT_EQ(to_utf8(too_big, 1), "\xEF\xBF\xBD");
}

TEST(WideCharToMultiByte, SurrogatePairInTwoWcharsIsOneCodePoint) {
    // windows-compat.md: text built for Windows' UTF-16 (a pair in two WCHARs) still converts.
    const wchar_t pair[] = {wchar_t(0xD83D), wchar_t(0xDE00), 0};
    EXPECT_EQ(to_utf8(pair, -1), std::string("\xF0\x9F\x98\x80", 5));
    const wchar_t one[] = {wchar_t(0x1F600), 0};
    EXPECT_EQ(to_utf8(one, -1), std::string("\xF0\x9F\x98\x80", 5));
}

TEST(WideCharToMultiByte, AnsiCodePageUsesTheDefaultCharacter) {
    // WC2MB: lpUsedDefaultChar is set when the default character was used; windows-compat.md:
    // CP_ACP is UTF-8, so only invalid input (a lone surrogate) needs it.
    const wchar_t lone[] = {L'x', wchar_t(0xDFFF), 0};
    char out[8] = {};
    BOOL used = TRUE;
    EXPECT_EQ(WideCharToMultiByte(CP_ACP, 0, L"\u00E9", -1, out, 8, "?", &used), 3);
    EXPECT_EQ(used, FALSE);
    EXPECT_EQ(WideCharToMultiByte(CP_ACP, WC_NO_BEST_FIT_CHARS, lone, -1, out, 8, "?", &used), 3);
    EXPECT_STREQ(out, "x?");
    EXPECT_EQ(used, TRUE);
    SetLastError(kSentinel);
    EXPECT_EQ(WideCharToMultiByte(CP_ACP, 0x10000, L"a", -1, out, 8, nullptr, nullptr), 0);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_FLAGS));
}

TEST(WideCharToMultiByte, RoundTripsEveryPlane) {
    std::wstring all;
    for (wchar_t c : {wchar_t(0x41), wchar_t(0x7FF), wchar_t(0x800), wchar_t(0xD7FF), wchar_t(0xE000),
                      wchar_t(0xFFFD), wchar_t(0x10000), wchar_t(0x10FFFF)}) {
        all += c;
    }
    const std::string utf8 = to_utf8(all.c_str(), static_cast<int>(all.size()));
    EXPECT_EQ(utf8.size(), 1u + 2 + 3 + 3 + 3 + 3 + 4 + 4);
    EXPECT_EQ(to_wide(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.c_str(), static_cast<int>(utf8.size())), all);
}

// ---- lstrlen ------------------------------------------------------------------------------

TEST(Lstrlen, CountsCharactersAndTakesNull) {
    // LSTR: the length in characters without the terminator; NULL gives 0.
    EXPECT_EQ(lstrlenW(L"winhttp"), 7);
    EXPECT_EQ(lstrlenW(L""), 0);
    EXPECT_EQ(lstrlenW(nullptr), 0);
    EXPECT_EQ(lstrlenA("abc"), 3);
    EXPECT_EQ(lstrlenA(nullptr), 0);
    EXPECT_EQ(lstrlen(L"\u20AC"), 1);  // UNICODE: the generic name is the W form
}

// ---- GetModuleHandle ----------------------------------------------------------------------

TEST(GetModuleHandle, FindsWinHttpByAnyCaseAndWithoutExtension) {
    // GMH: names compare case-independently; without an extension ".dll" is appended.
    HMODULE module = GetModuleHandleW(L"winhttp.dll");
    ASSERT_NE(module, nullptr);
    EXPECT_EQ(GetModuleHandleW(L"WINHTTP.DLL"), module);
    EXPECT_EQ(GetModuleHandleW(L"WinHttp"), module);
    EXPECT_EQ(GetModuleHandleW(L"C:\\Windows\\System32\\winhttp.dll"), module);
    EXPECT_EQ(GetModuleHandleA("winhttp.dll"), module);
    EXPECT_EQ(GetModuleHandle(TEXT("winhttp.dll")), module);
}

TEST(GetModuleHandle, NullIsTheProgramAndOtherNamesAreNotFound) {
    // GMH: NULL returns a handle to the file used to create the calling process.
    EXPECT_NE(GetModuleHandleW(nullptr), nullptr);
    EXPECT_NE(GetModuleHandleW(nullptr), GetModuleHandleW(L"winhttp.dll"));
    // GMH: a module that is not loaded gives NULL; windows-compat.md: with ERROR_MOD_NOT_FOUND.
    for (const wchar_t* name : {L"kernel32.dll", L"winhttp.dll.mui", L"winhttp.", L"wininet.dll"}) {
        SetLastError(kSentinel);
        EXPECT_EQ(GetModuleHandleW(name), nullptr);
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_MOD_NOT_FOUND));
    }
}

// ---- FormatMessage ------------------------------------------------------------------------

constexpr DWORD kWinHttpFlags = FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_FROM_SYSTEM |
                                FORMAT_MESSAGE_IGNORE_INSERTS;

std::wstring message_of(DWORD code, DWORD flags = kWinHttpFlags) {
    LPWSTR text = nullptr;
    const DWORD n = FormatMessageW(flags | FORMAT_MESSAGE_ALLOCATE_BUFFER, GetModuleHandleW(L"winhttp.dll"), code,
                                   MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), reinterpret_cast<LPWSTR>(&text), 0,
                                   nullptr);
    std::wstring result = n ? std::wstring(text, n) : std::wstring();
    if (n) EXPECT_EQ(std::wcslen(text), n);  // FMT: the count excludes the terminating NUL
    EXPECT_EQ(LocalFree(text), nullptr);
    return result;
}

TEST(FormatMessage, WinHttpModuleGivesWinHttpTexts) {
    // FMT: FROM_HMODULE searches lpSource's message table; the texts are winerror.h's MessageText
    // for the codes WinHTTP shares with WinINet, each table entry ending with CRLF.
    EXPECT_EQ(message_of(ERROR_WINHTTP_TIMEOUT), L"The operation timed out\r\n");
    EXPECT_EQ(message_of(ERROR_WINHTTP_NAME_NOT_RESOLVED), L"The server name or address could not be resolved\r\n");
    EXPECT_EQ(message_of(ERROR_WINHTTP_CANNOT_CONNECT), L"A connection with the server could not be established\r\n");
    EXPECT_EQ(message_of(ERROR_WINHTTP_CONNECTION_ERROR),
              L"The connection with the server was terminated abnormally\r\n");
    EXPECT_EQ(message_of(ERROR_WINHTTP_INVALID_SERVER_RESPONSE),
              L"The server returned an invalid or unrecognized response\r\n");
    EXPECT_EQ(message_of(ERROR_WINHTTP_SECURE_FAILURE), L"A security error occurred\r\n");
}

TEST(FormatMessage, EveryWinHttpErrorHasAText) {
    // Error Messages (Winhttp.h) page: the ERROR_WINHTTP_* codes of winhttp.h.
    const DWORD codes[] = {
        ERROR_WINHTTP_OUT_OF_HANDLES, ERROR_WINHTTP_TIMEOUT, ERROR_WINHTTP_INTERNAL_ERROR,
        ERROR_WINHTTP_INVALID_URL, ERROR_WINHTTP_UNRECOGNIZED_SCHEME, ERROR_WINHTTP_NAME_NOT_RESOLVED,
        ERROR_WINHTTP_INVALID_OPTION, ERROR_WINHTTP_OPTION_NOT_SETTABLE, ERROR_WINHTTP_SHUTDOWN,
        ERROR_WINHTTP_LOGIN_FAILURE, ERROR_WINHTTP_OPERATION_CANCELLED, ERROR_WINHTTP_INCORRECT_HANDLE_TYPE,
        ERROR_WINHTTP_INCORRECT_HANDLE_STATE, ERROR_WINHTTP_CANNOT_CONNECT, ERROR_WINHTTP_CONNECTION_ERROR,
        ERROR_WINHTTP_RESEND_REQUEST, ERROR_WINHTTP_SECURE_CERT_DATE_INVALID, ERROR_WINHTTP_SECURE_CERT_CN_INVALID,
        ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED, ERROR_WINHTTP_SECURE_INVALID_CA, ERROR_WINHTTP_SECURE_CERT_REV_FAILED,
        ERROR_WINHTTP_CANNOT_CALL_BEFORE_OPEN, ERROR_WINHTTP_CANNOT_CALL_BEFORE_SEND,
        ERROR_WINHTTP_CANNOT_CALL_AFTER_SEND, ERROR_WINHTTP_CANNOT_CALL_AFTER_OPEN, ERROR_WINHTTP_HEADER_NOT_FOUND,
        ERROR_WINHTTP_INVALID_SERVER_RESPONSE, ERROR_WINHTTP_INVALID_HEADER, ERROR_WINHTTP_INVALID_QUERY_REQUEST,
        ERROR_WINHTTP_HEADER_ALREADY_EXISTS, ERROR_WINHTTP_REDIRECT_FAILED, ERROR_WINHTTP_SECURE_CHANNEL_ERROR,
        ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT, ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT,
        ERROR_WINHTTP_SECURE_INVALID_CERT, ERROR_WINHTTP_SECURE_CERT_REVOKED, ERROR_WINHTTP_NOT_INITIALIZED,
        ERROR_WINHTTP_SECURE_FAILURE, ERROR_WINHTTP_UNHANDLED_SCRIPT_TYPE, ERROR_WINHTTP_SCRIPT_EXECUTION_ERROR,
        ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR, ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE,
        ERROR_WINHTTP_AUTODETECTION_FAILED, ERROR_WINHTTP_HEADER_COUNT_EXCEEDED, ERROR_WINHTTP_HEADER_SIZE_OVERFLOW,
        ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW, ERROR_WINHTTP_RESPONSE_DRAIN_OVERFLOW,
        ERROR_WINHTTP_CLIENT_CERT_NO_PRIVATE_KEY, ERROR_WINHTTP_CLIENT_CERT_NO_ACCESS_PRIVATE_KEY,
        ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED_PROXY, ERROR_WINHTTP_SECURE_FAILURE_PROXY,
        ERROR_WINHTTP_HTTP_PROTOCOL_MISMATCH, ERROR_WINHTTP_GLOBAL_CALLBACK_FAILED, ERROR_WINHTTP_FEATURE_DISABLED,
        ERROR_WINHTTP_FAST_FORWARDING_NOT_SUPPORTED};
    for (DWORD code : codes) {
        const std::wstring text = message_of(code);
        EXPECT_GT(text.size(), 4u) << code;
        EXPECT_EQ(text.substr(text.size() - 2), L"\r\n") << code;
    }
}

TEST(FormatMessage, Win32CodesTheLibraryReturnsComeFromTheSystem) {
    // FMT: with FROM_HMODULE | FROM_SYSTEM, a message not in the module is looked up in the system
    // table; texts are winerror.h's MessageText.
    EXPECT_EQ(message_of(ERROR_INVALID_PARAMETER), L"The parameter is incorrect.\r\n");
    EXPECT_EQ(message_of(ERROR_INVALID_HANDLE), L"The handle is invalid.\r\n");
    EXPECT_EQ(message_of(ERROR_INSUFFICIENT_BUFFER), L"The data area passed to a system call is too small.\r\n");
    EXPECT_EQ(message_of(ERROR_NOT_ENOUGH_MEMORY),
              L"Not enough memory resources are available to process this command.\r\n");
    EXPECT_EQ(message_of(ERROR_SUCCESS), L"The operation completed successfully.\r\n");
    // FMT: FROM_SYSTEM accepts HRESULTs; HRESULT_FROM_WIN32 codes name the Win32 message.
    EXPECT_EQ(message_of(static_cast<DWORD>(HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)), FORMAT_MESSAGE_FROM_SYSTEM),
              L"Access is denied.\r\n");
    // winerror.h: WININET_E_TIMEOUT (0x80072EE2) "The operation timed out" is a system message,
    // so the HRESULT form of a shared 12xxx code is found without the winhttp module.
    EXPECT_EQ(message_of(static_cast<DWORD>(HRESULT_FROM_WIN32(ERROR_WINHTTP_TIMEOUT)), FORMAT_MESSAGE_FROM_SYSTEM),
              L"The operation timed out\r\n");
}

TEST(FormatMessage, SystemTableAloneDoesNotKnowWinHttpCodes) {
    // Raymond Chen, "How do I convert an error code to text when FORMAT_MESSAGE_FROM_SYSTEM
    // doesn't work?" (devblogs.microsoft.com/oldnewthing/20080901-00/?p=21023): WinHTTP's texts
    // live in winhttp.dll, so FROM_SYSTEM alone fails (FMT: ERROR_MR_MID_NOT_FOUND is the
    // "message not found" error).
    wchar_t buffer[256];
    SetLastError(kSentinel);
    EXPECT_EQ(FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                             ERROR_WINHTTP_TIMEOUT, 0, buffer, 256, nullptr),
              0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_MR_MID_NOT_FOUND));
    // Neither module nor system has code 12345.
    SetLastError(kSentinel);
    EXPECT_EQ(FormatMessageW(kWinHttpFlags, GetModuleHandleW(L"winhttp.dll"), 12345, 0, buffer, 256, nullptr), 0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_MR_MID_NOT_FOUND));
    // The program's own image has no message table (FMT: lpSource NULL = the current process).
    SetLastError(kSentinel);
    EXPECT_EQ(FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE, nullptr, ERROR_WINHTTP_TIMEOUT, 0, buffer, 256, nullptr), 0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_RESOURCE_TYPE_NOT_FOUND));
}

TEST(FormatMessage, CallerBufferAndItsSize) {
    // FMT: without ALLOCATE_BUFFER nSize is the buffer size in TCHARs; the return value is the
    // number of TCHARs stored, excluding the NUL; a short buffer fails (ERROR_INSUFFICIENT_BUFFER).
    const HMODULE module = GetModuleHandle(TEXT("winhttp.dll"));
    const std::wstring expected = L"The operation timed out\r\n";
    wchar_t buffer[64];
    const DWORD exact = static_cast<DWORD>(expected.size() + 1);
    EXPECT_EQ(FormatMessageW(kWinHttpFlags, module, ERROR_WINHTTP_TIMEOUT, 0, buffer, exact, nullptr),
              expected.size());
    EXPECT_EQ(buffer, expected);
    SetLastError(kSentinel);
    EXPECT_EQ(FormatMessageW(kWinHttpFlags, module, ERROR_WINHTTP_TIMEOUT, 0, buffer, exact - 1, nullptr), 0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    char narrow[64];
    EXPECT_EQ(FormatMessageA(kWinHttpFlags, GetModuleHandleA("winhttp.dll"), ERROR_WINHTTP_TIMEOUT, 0, narrow, 64,
                             nullptr),
              expected.size());
    EXPECT_STREQ(narrow, "The operation timed out\r\n");
}

TEST(FormatMessage, AllocateBufferHonoursMinimumSizeAndLocalFree) {
    // FMT: with ALLOCATE_BUFFER nSize is the minimum number of TCHARs to allocate; free with LocalFree.
    char* text = nullptr;
    const DWORD n = FormatMessageA(kWinHttpFlags | FORMAT_MESSAGE_ALLOCATE_BUFFER, GetModuleHandleA("winhttp"),
                                   ERROR_WINHTTP_INVALID_URL, 0, reinterpret_cast<LPSTR>(&text), 4096, nullptr);
    ASSERT_NE(text, nullptr);
    EXPECT_EQ(n, std::strlen("The URL is invalid\r\n"));
    std::memset(text, 'x', 4096);  // all 4096 bytes are ours (ASan checks)
    EXPECT_EQ(LocalFree(text), nullptr);
}

TEST(FormatMessage, LanguageSelection) {
    // FMT: 0 and LANG_NEUTRAL search the usual order; a specific LANGID without a message fails
    // with ERROR_RESOURCE_LANG_NOT_FOUND. The tables here are English.
    const HMODULE module = GetModuleHandleW(L"winhttp.dll");
    wchar_t buffer[128];
    EXPECT_GT(FormatMessageW(kWinHttpFlags, module, ERROR_WINHTTP_TIMEOUT, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US),
                             buffer, 128, nullptr),
              0u);
    SetLastError(kSentinel);
    EXPECT_EQ(FormatMessageW(kWinHttpFlags, module, ERROR_WINHTTP_TIMEOUT, MAKELANGID(0x0C, SUBLANG_DEFAULT), buffer,
                             128, nullptr),
              0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_RESOURCE_LANG_NOT_FOUND));
}

TEST(FormatMessage, MaxWidthMaskDropsTheLineBreak) {
    // FMT: FORMAT_MESSAGE_MAX_WIDTH_MASK ignores regular line breaks in the message text and
    // stores hard-coded ones (%n); it generates no new line breaks.
    EXPECT_EQ(message_of(ERROR_WINHTTP_TIMEOUT, kWinHttpFlags | FORMAT_MESSAGE_MAX_WIDTH_MASK),
              L"The operation timed out ");
    wchar_t buffer[64];
    EXPECT_GT(FormatMessageW(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_MAX_WIDTH_MASK, L"a\r\nb%nc", 0, 0, buffer,
                             64, nullptr),
              0u);
    EXPECT_STREQ(buffer, L"a b\r\nc");
}

TEST(FormatMessage, FromStringWithArgumentArray) {
    // FMT: %1..%99 are inserts (default !s!), !fmt! a printf spec; with ARGUMENT_ARRAY the
    // arguments are an array of DWORD_PTR; %n is a line break, %% a percent sign, %0 ends the
    // message without a trailing line break.
    const DWORD_PTR args[] = {reinterpret_cast<DWORD_PTR>(L"nginx"), 42, 0xBEEF};
    wchar_t buffer[128];
    const DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_ARGUMENT_ARRAY,
                                   L"%1 sent %2!d! bytes (%3!04X!), 100%%%n%0ignored", 0, 0, buffer, 128,
                                   reinterpret_cast<va_list*>(const_cast<DWORD_PTR*>(args)));
    EXPECT_STREQ(buffer, L"nginx sent 42 bytes (BEEF), 100%\r\n");
    EXPECT_EQ(n, std::wcslen(buffer));
    // FMT: IGNORE_INSERTS passes insert sequences through unchanged.
    EXPECT_GT(FormatMessageW(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_IGNORE_INSERTS, L"%1 and %2", 0, 0, buffer,
                             128, nullptr),
              0u);
    EXPECT_STREQ(buffer, L"%1 and %2");
}

DWORD format_with_va_list(char* buffer, DWORD size, const char* format, ...) {
    va_list args;
    va_start(args, format);
    const DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_STRING, format, 0, 0, buffer, size, &args);
    va_end(args);
    return n;
}

TEST(FormatMessage, FromStringWithVaList) {
    // FMT: without ARGUMENT_ARRAY, Arguments is a va_list*; FormatMessageA's !s! is a char string.
    char buffer[128];
    EXPECT_GT(format_with_va_list(buffer, 128, "%1: %2!u! of %3", "read", 7u, "body"), 0u);
    EXPECT_STREQ(buffer, "read: 7 of body");
}

TEST(FormatMessage, InvalidCombinations) {
    wchar_t buffer[64];
    // FMT: FROM_STRING cannot be used with FROM_HMODULE or FROM_SYSTEM.
    SetLastError(kSentinel);
    EXPECT_EQ(FormatMessageW(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_FROM_SYSTEM, L"x", 0, 0, buffer, 64, nullptr),
              0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // An insert without arguments (and without IGNORE_INSERTS) cannot be formatted.
    SetLastError(kSentinel);
    EXPECT_EQ(FormatMessageW(FORMAT_MESSAGE_FROM_STRING, L"%1", 0, 0, buffer, 64, nullptr), 0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(FormatMessage, NarrowCallWithoutIgnoreInsertsAsAzureSdkMakesIt) {
    // Azure SDK for C++ azure-core 1.7.2 (docs/compat.md): FormatMessageA(FROM_SYSTEM |
    // FROM_HMODULE | ALLOCATE_BUFFER) on GetModuleHandleA("winhttp.dll"), no IGNORE_INSERTS, the
    // buffer owned by unique_ptr<char, decltype(&LocalFree)>. FMT: the texts have no inserts.
    char* raw = nullptr;
    ASSERT_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ALLOCATE_BUFFER,
                             GetModuleHandleA("winhttp.dll"), ERROR_WINHTTP_CANNOT_CONNECT,
                             MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), reinterpret_cast<LPSTR>(&raw), 0, nullptr),
              std::strlen("A connection with the server could not be established\r\n"));
    std::unique_ptr<char, decltype(&LocalFree)> text(raw, &LocalFree);
    EXPECT_STREQ(text.get(), "A connection with the server could not be established\r\n");
}

// ---- Macros of <windows.h> -----------------------------------------------------------------

TEST(WindowsMacros, HresultFromWin32) {
    // learn.microsoft.com/windows/win32/api/winerror/nf-winerror-hresult_from_win32: codes <= 0
    // pass through; others become 0x8007xxxx (FACILITY_WIN32, severity bit).
    EXPECT_EQ(HRESULT_FROM_WIN32(ERROR_SUCCESS), S_OK);
    EXPECT_EQ(static_cast<DWORD>(HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)), 0x80070005u);
    EXPECT_EQ(static_cast<DWORD>(HRESULT_FROM_WIN32(ERROR_WINHTTP_TIMEOUT)), 0x80072EE2u);
    EXPECT_EQ(HRESULT_FROM_WIN32(ERROR_OUTOFMEMORY), E_OUTOFMEMORY);
    EXPECT_EQ(HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER), E_INVALIDARG);
    EXPECT_EQ(HRESULT_CODE(HRESULT_FROM_WIN32(ERROR_WINHTTP_TIMEOUT)), ERROR_WINHTTP_TIMEOUT);
    EXPECT_EQ(HRESULT_FACILITY(HRESULT_FROM_WIN32(5)), FACILITY_WIN32);
    // winerror.h: SUCCEEDED is hr >= 0, FAILED hr < 0.
    EXPECT_TRUE(SUCCEEDED(S_OK));
    EXPECT_TRUE(SUCCEEDED(S_FALSE));
    EXPECT_TRUE(FAILED(E_FAIL));
    EXPECT_EQ(static_cast<DWORD>(E_FAIL), 0x80004005u);
    EXPECT_EQ(sizeof(HRESULT), 4u);
}

TEST(WindowsMacros, LanguageIdentifiers) {
    // learn.microsoft.com/windows/win32/api/winnt/nf-winnt-makelangid: (sub << 10) | primary.
    EXPECT_EQ(MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), 0x0400);
    EXPECT_EQ(MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), 0x0409);
    EXPECT_EQ(PRIMARYLANGID(0x0409), LANG_ENGLISH);
    EXPECT_EQ(SUBLANGID(0x0409), SUBLANG_ENGLISH_US);
}

TEST(WindowsMacros, MemoryAndArrays) {
    // minwinbase.h macros: ZeroMemory/FillMemory/CopyMemory/MoveMemory are memset/memcpy/memmove.
    char a[8];
    FillMemory(a, sizeof a, 'z');
    EXPECT_EQ(a[7], 'z');
    ZeroMemory(a, sizeof a);
    EXPECT_EQ(a[7], 0);
    CopyMemory(a, "abcdef", 6);
    MoveMemory(a + 1, a, 5);
    EXPECT_EQ(std::string(a, 6), "aabcde");
    // SecureZeroMemory page: fills with zeros and returns the pointer.
    EXPECT_EQ(SecureZeroMemory(a, sizeof a), static_cast<PVOID>(a));
    EXPECT_EQ(std::string(a, 8), std::string(8, '\0'));
    wchar_t w[31];
    EXPECT_EQ(ARRAYSIZE(w), 31u);
    EXPECT_EQ(_countof(w), 31u);
}

TEST(WindowsMacros, InterlockedHelpers) {
    // learn.microsoft.com/windows/win32/api/winnt/nf-winnt-interlockedexchangepointer: returns
    // the initial value; InterlockedCompareExchange(Pointer) too; Increment/Decrement the new one.
    int a = 1, b = 2;
    void* slot = &a;
    EXPECT_EQ(InterlockedExchangePointer(&slot, &b), static_cast<void*>(&a));
    EXPECT_EQ(slot, static_cast<void*>(&b));
    EXPECT_EQ(InterlockedCompareExchangePointer(&slot, &a, &a), static_cast<void*>(&b));  // no match
    EXPECT_EQ(slot, static_cast<void*>(&b));
    EXPECT_EQ(InterlockedCompareExchangePointer(&slot, &a, &b), static_cast<void*>(&b));  // match
    EXPECT_EQ(slot, static_cast<void*>(&a));
    LONG volatile count = 0;
    std::thread t1([&] { for (int i = 0; i < 10000; ++i) InterlockedIncrement(&count); });
    std::thread t2([&] { for (int i = 0; i < 10000; ++i) InterlockedIncrement(&count); });
    t1.join();
    t2.join();
    EXPECT_EQ(count, 20000);
    EXPECT_EQ(InterlockedDecrement(&count), 19999);
    EXPECT_EQ(InterlockedExchange(&count, 5), 19999);
    EXPECT_EQ(InterlockedCompareExchange(&count, 7, 5), 5);
    EXPECT_EQ(count, 7);
}

TEST(WindowsMacros, GenericNamesFollowUnicode) {
    // learn.microsoft.com/windows/win32/intl/conventions-for-function-prototypes: with UNICODE
    // defined TCHAR is WCHAR, TEXT() a wide literal and the generic names the W functions
    // (tests/header/ansi_names.c checks the ANSI side).
    const TCHAR* text = TEXT("winhttp");
    EXPECT_EQ(sizeof(*text), sizeof(WCHAR));
    EXPECT_EQ(lstrlen(text), 7);
}

}  // namespace
