/*
 * Written in the style of Microsoft's WinHttpQueryHeaders sample (learn.microsoft.com/windows/
 * win32/api/winhttp/nf-winhttp-winhttpqueryheaders#examples), not copied: the size probe with
 * a NULL buffer and ERROR_INSUFFICIENT_BUFFER, a WCHAR buffer sized in bytes, printf with %S
 * for the wide header text (%S is a wide string for printf on Windows and in glibc alike), and
 * the status code as a number. Entry point main; host, port and path from the command line.
 */
#include <windows.h>
#include <winhttp.h>
#include <stdio.h>
#include <stdlib.h>

int __cdecl main(int argc, char** argv)
{
    DWORD dwSize = 0;
    DWORD dwStatusCode = 0;
    DWORD dwStatusSize = sizeof(dwStatusCode);
    LPVOID lpOutBuffer = NULL;
    BOOL  bResults = FALSE;
    HINTERNET hSession = NULL,
              hConnect = NULL,
              hRequest = NULL;
    WCHAR wszHost[256];
    WCHAR wszPath[1024];

    if (argc != 4)
    {
        printf("usage: query_headers host port path\n");
        return 2;
    }
    MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, wszHost, ARRAYSIZE(wszHost));
    MultiByteToWideChar(CP_UTF8, 0, argv[3], -1, wszPath, ARRAYSIZE(wszPath));

    // Use WinHttpOpen to obtain a session handle.
    hSession = WinHttpOpen( L"A WinHTTP Example Program/1.0",
                            WINHTTP_ACCESS_TYPE_DEFAULT_PROXY,
                            WINHTTP_NO_PROXY_NAME,
                            WINHTTP_NO_PROXY_BYPASS, 0);

    // Specify an HTTP server.
    if (hSession)
        hConnect = WinHttpConnect( hSession, wszHost,
                                   (INTERNET_PORT)atoi(argv[2]), 0);

    // Create an HTTP request handle.
    if (hConnect)
        hRequest = WinHttpOpenRequest( hConnect, L"GET", wszPath,
                                       NULL, WINHTTP_NO_REFERER,
                                       WINHTTP_DEFAULT_ACCEPT_TYPES,
                                       0);

    // Send a request.
    if (hRequest)
        bResults = WinHttpSendRequest( hRequest,
                                       WINHTTP_NO_ADDITIONAL_HEADERS,
                                       0, WINHTTP_NO_REQUEST_DATA, 0,
                                       0, 0);

    // End the request.
    if (bResults)
        bResults = WinHttpReceiveResponse( hRequest, NULL);

    // First, use WinHttpQueryHeaders to obtain the size of the buffer.
    if (bResults)
    {
        WinHttpQueryHeaders( hRequest, WINHTTP_QUERY_RAW_HEADERS_CRLF,
                             WINHTTP_HEADER_NAME_BY_INDEX, NULL,
                             &dwSize, WINHTTP_NO_HEADER_INDEX);

        // Allocate memory for the buffer.
        if( GetLastError( ) == ERROR_INSUFFICIENT_BUFFER )
        {
            lpOutBuffer = malloc( dwSize );

            // Now, use WinHttpQueryHeaders to retrieve the header.
            bResults = WinHttpQueryHeaders( hRequest,
                                       WINHTTP_QUERY_RAW_HEADERS_CRLF,
                                       WINHTTP_HEADER_NAME_BY_INDEX,
                                       lpOutBuffer, &dwSize,
                                       WINHTTP_NO_HEADER_INDEX);
        }
    }

    // Print the header contents.
    if (bResults)
        printf("Header contents: \n%S", (WCHAR*)lpOutBuffer);

    // The status code as a number.
    if (bResults)
        bResults = WinHttpQueryHeaders( hRequest,
                                        WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                        WINHTTP_HEADER_NAME_BY_INDEX,
                                        &dwStatusCode, &dwStatusSize,
                                        WINHTTP_NO_HEADER_INDEX);
    if (bResults)
        printf("Status: %u\n", dwStatusCode);

    // Free the allocated memory.
    free( lpOutBuffer );

    // Report any errors.
    if (!bResults)
        printf("Error %u has occurred.\n", GetLastError());

    // Close any open handles.
    if (hRequest) WinHttpCloseHandle(hRequest);
    if (hConnect) WinHttpCloseHandle(hConnect);
    if (hSession) WinHttpCloseHandle(hSession);
    return bResults ? 0 : 1;
}
