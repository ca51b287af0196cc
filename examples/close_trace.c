/* Creates a session -> connect -> request tree and closes it, printing every HANDLE_CREATED
 * and HANDLE_CLOSING callback: the handle model and close protocol at a glance. */
#include <winhttp.h>
#include <stdio.h>

static const char* kind(HINTERNET h, const char* fallback)
{
    DWORD type = 0, size = sizeof(type);
    if (!WinHttpQueryOption(h, WINHTTP_OPTION_HANDLE_TYPE, &type, &size)) return fallback;
    return type == WINHTTP_HANDLE_TYPE_SESSION   ? "session"
           : type == WINHTTP_HANDLE_TYPE_CONNECT ? "connect"
                                                 : "request";
}

static void CALLBACK trace(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len)
{
    (void)len;
    if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CREATED)
        printf("  callback: HANDLE_CREATED  %-7s handle=%p context=%s\n", kind(h, "?"),
               *(HINTERNET*)info, (const char*)ctx);
    else if (status == WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING)
        printf("  callback: HANDLE_CLOSING  handle=%p context=%s (last callback of this handle)\n",
               *(HINTERNET*)info, (const char*)ctx);
}

int main(void)
{
    static char tag[] = "demo";
    DWORD_PTR ctx = (DWORD_PTR)tag;
    HINTERNET session, connect, request;

    printf("WinHttpOpen, set context + callback (WINHTTP_CALLBACK_FLAG_HANDLES)\n");
    session = WinHttpOpen(L"close-trace/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                          WINHTTP_NO_PROXY_BYPASS, 0);
    if (!session) return 1;
    WinHttpSetOption(session, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx));
    WinHttpSetStatusCallback(session, trace, WINHTTP_CALLBACK_FLAG_HANDLES, 0);

    printf("WinHttpConnect (inherits callback and context)\n");
    connect = WinHttpConnect(session, L"127.0.0.1", 8080, 0);
    printf("WinHttpOpenRequest\n");
    request = WinHttpOpenRequest(connect, L"GET", L"/", NULL, WINHTTP_NO_REFERER,
                                 WINHTTP_DEFAULT_ACCEPT_TYPES, 0);
    if (!connect || !request) return 1;

    printf("WinHttpCloseHandle(session) while children are open -> %d\n",
           WinHttpCloseHandle(session));
    {
        BOOL again = WinHttpCloseHandle(session);
        DWORD err = GetLastError();
        printf("  the session value is dead at once: WinHttpCloseHandle(session) again -> %d, "
               "error %u (ERROR_INVALID_HANDLE)\n", again, err);
    }
    printf("WinHttpCloseHandle(request) -> %d\n", WinHttpCloseHandle(request));
    printf("WinHttpCloseHandle(connect) -> %d (the session's HANDLE_CLOSING follows its last child)\n",
           WinHttpCloseHandle(connect));
    return 0;
}
