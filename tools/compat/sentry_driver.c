/* Drives sentry-native with its WinHTTP transport (compiled unchanged) against a local server. */
#include <windows.h>
#include <winhttp.h>
#include <sentry.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

wchar_t *sentry__string_to_wstr(const char *s)
{
    if (!s) return NULL;
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = malloc((size_t)n * sizeof(wchar_t));
    if (w) MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

char *sentry__string_from_wstr(const wchar_t *s)
{
    if (!s) return NULL;
    int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    char *c = malloc((size_t)n);
    if (c) WideCharToMultiByte(CP_UTF8, 0, s, -1, c, n, NULL, NULL);
    return c;
}

BOOL WINAPI WinHttpSetCredentials(void *h, DWORD t, DWORD s, LPCWSTR u, LPCWSTR p, LPVOID a)
{
    (void)h; (void)t; (void)s; (void)u; (void)p; (void)a;
    SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
    return FALSE;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: sentry_driver DSN [message]\n"); return 2; }
    sentry_options_t *options = sentry_options_new();
    sentry_options_set_dsn(options, argv[1]);
    sentry_options_set_debug(options, 1);
    sentry_options_set_database_path(options, "/tmp/owh-compat/sentry-db");
    sentry_options_set_shutdown_timeout(options, getenv("SHUTDOWN_MS") ? (uint64_t)atoi(getenv("SHUTDOWN_MS")) : 5000);
    if (sentry_init(options) != 0) { fprintf(stderr, "sentry_init failed\n"); return 1; }
    sentry_value_t event = sentry_value_new_message_event(SENTRY_LEVEL_INFO, "owh",
                                                          argc > 2 ? argv[2] : "hello from OpenWinHTTP");
    sentry_uuid_t id = sentry_capture_event(event);
    char idstr[37];
    sentry_uuid_as_string(&id, idstr);
    printf("captured %s\n", idstr);
    if (argc > 3) { /* a second event after the first response (rate limits apply) */
        sleep(2);
        sentry_capture_event(sentry_value_new_message_event(SENTRY_LEVEL_ERROR, "owh", "second"));
    }
    return sentry_close();
}
