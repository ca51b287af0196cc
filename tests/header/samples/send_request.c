/*
 * Written in the style of Microsoft's WinHTTP samples and of the error reporting WinHTTP
 * programs use (learn.microsoft.com/windows/win32/api/winhttp/nf-winhttp-winhttpsendrequest,
 * .../winbase/nf-winbase-formatmessage), not copied: a POST with WinHttpAddRequestHeaders and
 * a body, TEXT()/TCHAR, SAL annotations, HRESULT_FROM_WIN32/FAILED, and error texts from
 * FormatMessage(FROM_HMODULE | FROM_SYSTEM, GetModuleHandle(TEXT("winhttp.dll"))) freed with
 * LocalFree, printed with wprintf. Entry point main; host, port and path from the command line.
 * Built with UNICODE defined, as its Visual Studio project would be (the generic names and
 * TCHAR are then the wide forms). One Linux difference kept visible: wprintf's %s is a char
 * string in glibc, so wide strings are printed with %ls (which Windows accepts too).
 */
#include <windows.h>
#include <winhttp.h>
#include <stdio.h>
#include <stdlib.h>

static void PrintError(_In_z_ LPCWSTR pszApi, _In_ DWORD dwError)
{
    LPTSTR pszMessage = NULL;
    HRESULT hr = HRESULT_FROM_WIN32(dwError);
    DWORD cchMessage = FormatMessage(FORMAT_MESSAGE_ALLOCATE_BUFFER |
                                     FORMAT_MESSAGE_FROM_HMODULE |
                                     FORMAT_MESSAGE_FROM_SYSTEM |
                                     FORMAT_MESSAGE_IGNORE_INSERTS,
                                     GetModuleHandle(TEXT("winhttp.dll")),
                                     dwError,
                                     MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
                                     (LPTSTR)&pszMessage,
                                     0,
                                     NULL);
    if (cchMessage > 0)
    {
        wprintf(L"%ls failed: %u (0x%08X): %ls", pszApi, dwError, (unsigned)hr, pszMessage);
        LocalFree(pszMessage);
    }
    else
    {
        wprintf(L"%ls failed: %u (FormatMessage error %u)\n", pszApi, dwError, GetLastError());
    }
}

int __cdecl main(int argc, char** argv)
{
    static const char szBody[] = "name=value&sample=send_request";
    static const WCHAR wszHeaders[] = L"Content-Type: application/x-www-form-urlencoded\r\n";
    HINTERNET hSession = NULL, hConnect = NULL, hRequest = NULL;
    WCHAR wszHost[256];
    WCHAR wszPath[1024];
    DWORD dwStatusCode = 0;
    DWORD dwSize = sizeof(dwStatusCode);
    HRESULT hr = S_OK;

    if (argc != 4)
    {
        wprintf(L"usage: send_request host port path\n");
        return 2;
    }
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, argv[1], -1, wszHost, ARRAYSIZE(wszHost)) == 0 ||
        MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, argv[3], -1, wszPath, ARRAYSIZE(wszPath)) == 0)
    {
        PrintError(L"MultiByteToWideChar", GetLastError());
        return 1;
    }

    hSession = WinHttpOpen(L"WinHTTP Sample/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY,
                           WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
    if (!hSession)
    {
        PrintError(L"WinHttpOpen", GetLastError());
        return 1;
    }

    hConnect = WinHttpConnect(hSession, wszHost, (INTERNET_PORT)atoi(argv[2]), 0);
    if (hConnect)
        hRequest = WinHttpOpenRequest(hConnect, L"POST", wszPath, NULL,
                                      WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    if (!hRequest)
        hr = HRESULT_FROM_WIN32(GetLastError());

    if (SUCCEEDED(hr) &&
        !WinHttpAddRequestHeaders(hRequest, wszHeaders, (DWORD)lstrlenW(wszHeaders),
                                  WINHTTP_ADDREQ_FLAG_ADD))
        hr = HRESULT_FROM_WIN32(GetLastError());

    if (SUCCEEDED(hr) &&
        !WinHttpSendRequest(hRequest, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                            (LPVOID)szBody, (DWORD)(ARRAYSIZE(szBody) - 1),
                            (DWORD)(ARRAYSIZE(szBody) - 1), 0))
    {
        PrintError(L"WinHttpSendRequest", GetLastError());
        hr = E_FAIL;
    }

    if (SUCCEEDED(hr) && !WinHttpReceiveResponse(hRequest, NULL))
    {
        PrintError(L"WinHttpReceiveResponse", GetLastError());
        hr = E_FAIL;
    }

    if (SUCCEEDED(hr) &&
        WinHttpQueryHeaders(hRequest, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                            WINHTTP_HEADER_NAME_BY_INDEX, &dwStatusCode, &dwSize,
                            WINHTTP_NO_HEADER_INDEX))
        wprintf(L"Status: %u\n", dwStatusCode);

    if (FAILED(hr) && HRESULT_FACILITY(hr) == FACILITY_WIN32)
        PrintError(L"WinHTTP", (DWORD)HRESULT_CODE(hr));

    if (hRequest) WinHttpCloseHandle(hRequest);
    if (hConnect) WinHttpCloseHandle(hConnect);
    WinHttpCloseHandle(hSession);
    return FAILED(hr) ? 1 : 0;
}
