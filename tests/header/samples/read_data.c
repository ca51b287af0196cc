/*
 * Written in the style of Microsoft's WinHttpReadData sample (learn.microsoft.com/windows/
 * win32/api/winhttp/nf-winhttp-winhttpreaddata#examples), not copied: <windows.h> first, a
 * synchronous GET, the QueryDataAvailable/ReadData loop with ZeroMemory and printf, errors
 * reported with GetLastError. Only the entry point differs (main instead of wmain), and the
 * host, port and path come from the command line instead of www.microsoft.com:443.
 * Compiled as C99 and as C++ by the header tests; run against nginx by the integration tests.
 */
#include <windows.h>
#include <winhttp.h>
#include <stdio.h>
#include <stdlib.h>

int __cdecl main(int argc, char** argv)
{
    DWORD dwSize = 0;
    DWORD dwDownloaded = 0;
    LPSTR pszOutBuffer;
    BOOL  bResults = FALSE;
    HINTERNET  hSession = NULL,
               hConnect = NULL,
               hRequest = NULL;
    WCHAR wszHost[256];
    WCHAR wszPath[1024];
    INTERNET_PORT nPort;

    if (argc != 4)
    {
        printf("usage: read_data host port path\n");
        return 2;
    }
    MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, wszHost, ARRAYSIZE(wszHost));
    MultiByteToWideChar(CP_ACP, 0, argv[3], -1, wszPath, _countof(wszPath));
    nPort = (INTERNET_PORT)atoi(argv[2]);

    // Use WinHttpOpen to obtain a session handle.
    hSession = WinHttpOpen( L"WinHTTP Example/1.0",
                            WINHTTP_ACCESS_TYPE_DEFAULT_PROXY,
                            WINHTTP_NO_PROXY_NAME,
                            WINHTTP_NO_PROXY_BYPASS, 0 );

    // Specify an HTTP server.
    if (hSession)
        hConnect = WinHttpConnect( hSession, wszHost, nPort, 0 );

    // Create an HTTP request handle.
    if (hConnect)
        hRequest = WinHttpOpenRequest( hConnect, L"GET", wszPath,
                                       NULL, WINHTTP_NO_REFERER,
                                       WINHTTP_DEFAULT_ACCEPT_TYPES,
                                       0 );

    // Send a request.
    if (hRequest)
        bResults = WinHttpSendRequest( hRequest,
                                       WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                       WINHTTP_NO_REQUEST_DATA, 0,
                                       0, 0 );

    // End the request.
    if (bResults)
        bResults = WinHttpReceiveResponse( hRequest, NULL );

    // Keep checking for data until there is nothing left.
    if (bResults)
    {
        do
        {
            // Check for available data.
            dwSize = 0;
            if (!WinHttpQueryDataAvailable( hRequest, &dwSize ))
                printf( "Error %u in WinHttpQueryDataAvailable.\n",
                        GetLastError( ) );

            // Allocate space for the buffer.
            pszOutBuffer = (LPSTR)malloc( dwSize + 1 );
            if (!pszOutBuffer)
            {
                printf( "Out of memory\n" );
                dwSize = 0;
            }
            else
            {
                // Read the data.
                ZeroMemory( pszOutBuffer, dwSize + 1 );

                if (!WinHttpReadData( hRequest, (LPVOID)pszOutBuffer,
                                      dwSize, &dwDownloaded ))
                    printf( "Error %u in WinHttpReadData.\n", GetLastError( ) );
                else
                    printf( "%s", pszOutBuffer );

                // Free the memory allocated to the buffer.
                free( pszOutBuffer );
            }
        } while (dwSize > 0);
    }

    // Report any errors.
    if (!bResults)
        printf( "Error %u has occurred.\n", GetLastError( ) );

    // Close any open handles.
    if (hRequest) WinHttpCloseHandle( hRequest );
    if (hConnect) WinHttpCloseHandle( hConnect );
    if (hSession) WinHttpCloseHandle( hSession );
    return bResults ? 0 : 1;
}
