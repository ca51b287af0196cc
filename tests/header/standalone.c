/*
 * The public header stands alone: it compiles as C99 and as C++ with pedantic warnings,
 * and its types, constants and layouts match the Windows SDK on LP64.
 * Checks are C99-compatible static assertions (a negative array size fails to compile).
 */
#include <winhttp.h>

#include <stddef.h> /* offsetof */

#define CHECK(name, cond) typedef char check_##name[(cond) ? 1 : -1]

/* Basic types: Windows sizes. */
CHECK(dword_size, sizeof(DWORD) == 4);
CHECK(bool_size, sizeof(BOOL) == 4);
CHECK(word_size, sizeof(WORD) == 2);
CHECK(long_size, sizeof(LONG) == 4 && sizeof(ULONG) == 4);
CHECK(ulonglong_size, sizeof(ULONGLONG) == 8);
CHECK(internet_port_size, sizeof(INTERNET_PORT) == 2);
CHECK(dword_ptr_size, sizeof(DWORD_PTR) == sizeof(void*));
CHECK(hinternet_size, sizeof(HINTERNET) == sizeof(void*));
CHECK(wchar_is_wchar_t, sizeof(WCHAR) == sizeof(wchar_t));

/* A sample of constants. */
CHECK(option_context_value, WINHTTP_OPTION_CONTEXT_VALUE == 45);
CHECK(option_last, WINHTTP_LAST_OPTION == 212);
CHECK(option_password, WINHTTP_OPTION_PASSWORD == 0x1001);
CHECK(error_timeout, ERROR_WINHTTP_TIMEOUT == 12002);
CHECK(error_last, WINHTTP_ERROR_LAST == 12193);
CHECK(error_invalid_handle, ERROR_INVALID_HANDLE == 6);
CHECK(error_insufficient_buffer, ERROR_INSUFFICIENT_BUFFER == 122);
CHECK(all_completions, WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS == 0x097E0000);
CHECK(status_handle_closing, WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING == 0x00000800);
CHECK(query_status_code, (WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER) == 0x20000013);
CHECK(query_custom, WINHTTP_QUERY_CUSTOM == 65535);
CHECK(access_named_proxy, WINHTTP_ACCESS_TYPE_NAMED_PROXY == 3);
CHECK(ignore_all_cert_errors, SECURITY_FLAG_IGNORE_ALL_CERT_ERRORS == 0x3300);
CHECK(scheme_https, INTERNET_SCHEME_HTTPS == 2);
CHECK(ws_close_success, WINHTTP_WEB_SOCKET_SUCCESS_CLOSE_STATUS == 1000);
CHECK(time_max, WinHttpRequestTimeMax == 64);
CHECK(stat_last, WinHttpRequestStatLast == 16);

/* Applications size the date buffer in WCHARs this way; it must give 31 characters. */
CHECK(time_format_bufsize, WINHTTP_TIME_FORMAT_BUFSIZE / sizeof(WCHAR) == 31);

/* URL_COMPONENTS: Windows' field order with natural LP64 alignment. */
CHECK(uc_struct_size, offsetof(URL_COMPONENTS, dwStructSize) == 0);
CHECK(uc_scheme, offsetof(URL_COMPONENTS, lpszScheme) == 8);
CHECK(uc_scheme_length, offsetof(URL_COMPONENTS, dwSchemeLength) == 16);
CHECK(uc_nscheme, offsetof(URL_COMPONENTS, nScheme) == 20);
CHECK(uc_host, offsetof(URL_COMPONENTS, lpszHostName) == 24);
CHECK(uc_host_length, offsetof(URL_COMPONENTS, dwHostNameLength) == 32);
CHECK(uc_port, offsetof(URL_COMPONENTS, nPort) == 36);
CHECK(uc_user, offsetof(URL_COMPONENTS, lpszUserName) == 40);
CHECK(uc_password, offsetof(URL_COMPONENTS, lpszPassword) == 56);
CHECK(uc_path, offsetof(URL_COMPONENTS, lpszUrlPath) == 72);
CHECK(uc_extra, offsetof(URL_COMPONENTS, lpszExtraInfo) == 88);
CHECK(uc_extra_length, offsetof(URL_COMPONENTS, dwExtraInfoLength) == 96);
CHECK(uc_size, sizeof(URL_COMPONENTS) == 104);
CHECK(uc_w_alias, sizeof(URL_COMPONENTSW) == sizeof(URL_COMPONENTS));

/* Other layouts applications depend on. */
CHECK(async_result_size, sizeof(WINHTTP_ASYNC_RESULT) == 16);
CHECK(async_result_error, offsetof(WINHTTP_ASYNC_RESULT, dwError) == 8);
CHECK(proxy_info_size, sizeof(WINHTTP_PROXY_INFO) == 24);
CHECK(systemtime_size, sizeof(SYSTEMTIME) == 16);
CHECK(filetime_size, sizeof(FILETIME) == 8);
CHECK(guid_size, sizeof(GUID) == 16);
CHECK(request_times_size, sizeof(WINHTTP_REQUEST_TIMES) == 8 + 64 * 8);
CHECK(extended_header_size, sizeof(WINHTTP_EXTENDED_HEADER) == 2 * sizeof(void*));

/* Callback and prototypes are usable as written in Windows code. */
static void CALLBACK on_status(HINTERNET handle, DWORD_PTR context, DWORD status, LPVOID info,
                               DWORD length) {
    (void)handle;
    (void)context;
    (void)status;
    (void)info;
    (void)length;
}

int use_header(void);
int use_header(void) {
    WINHTTP_STATUS_CALLBACK callback = on_status;
    WINHTTP_EXTENDED_HEADER header;
    URL_COMPONENTS parts;
    WCHAR date[WINHTTP_TIME_FORMAT_BUFSIZE / sizeof(WCHAR)];
    BOOL (*send)(HINTERNET, LPCWSTR, DWORD, LPVOID, DWORD, DWORD, DWORD_PTR) = WinHttpSendRequest;
    DWORD (*read_ex)
    (HINTERNET, LPVOID, DWORD, LPDWORD, ULONGLONG, DWORD, PVOID) = WinHttpReadDataEx;

    header.pwszName = L"Accept";
    header.pszValue = "*/*";
    parts.dwStructSize = sizeof(parts);
    parts.nPort = INTERNET_DEFAULT_HTTPS_PORT;
    date[0] = L'\0';
    return callback != WINHTTP_INVALID_STATUS_CALLBACK && send != NULL && read_ex != NULL &&
           header.pszName != NULL && parts.nPort == 443 && date[0] == 0;
}
