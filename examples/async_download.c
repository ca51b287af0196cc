/* An asynchronous WinHTTP client in the style of Microsoft's async samples: the status callback
 * drives SendRequest -> ReceiveResponse -> QueryDataAvailable -> ReadData until the body ends.
 *
 *   async_download HOST PORT PATH [CANCEL_AFTER_BYTES]
 *
 * Prints every callback it gets (reads and data-available are counted, not printed). With
 * CANCEL_AFTER_BYTES, the main thread closes the request once that many bytes have arrived,
 * while an operation is still in flight: the trace then ends with REQUEST_ERROR
 * (ERROR_WINHTTP_OPERATION_CANCELLED) and HANDLE_CLOSING, the last callback of the handle. */
#include <windows.h>
#include <winhttp.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct download {
    char buffer[16384];
    unsigned long long bytes;
    unsigned long long cancel_after;
    unsigned reads;
    int closed;  /* HANDLE_CLOSING seen */
    int want_cancel;
    pthread_mutex_t lock;
    pthread_cond_t changed;
};

static const char* status_name(DWORD s) {
    switch (s) {
    case WINHTTP_CALLBACK_STATUS_RESOLVING_NAME: return "RESOLVING_NAME";
    case WINHTTP_CALLBACK_STATUS_NAME_RESOLVED: return "NAME_RESOLVED";
    case WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER: return "CONNECTING_TO_SERVER";
    case WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER: return "CONNECTED_TO_SERVER";
    case WINHTTP_CALLBACK_STATUS_SENDING_REQUEST: return "SENDING_REQUEST";
    case WINHTTP_CALLBACK_STATUS_REQUEST_SENT: return "REQUEST_SENT";
    case WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE: return "RECEIVING_RESPONSE";
    case WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED: return "RESPONSE_RECEIVED";
    case WINHTTP_CALLBACK_STATUS_CLOSING_CONNECTION: return "CLOSING_CONNECTION";
    case WINHTTP_CALLBACK_STATUS_CONNECTION_CLOSED: return "CONNECTION_CLOSED";
    case WINHTTP_CALLBACK_STATUS_HANDLE_CREATED: return "HANDLE_CREATED";
    case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING: return "HANDLE_CLOSING";
    case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE: return "SENDREQUEST_COMPLETE";
    case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE: return "HEADERS_AVAILABLE";
    case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: return "DATA_AVAILABLE";
    case WINHTTP_CALLBACK_STATUS_READ_COMPLETE: return "READ_COMPLETE";
    case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: return "REQUEST_ERROR";
    default: return "(other)";
    }
}

static int quiet(DWORD s) {
    return s == WINHTTP_CALLBACK_STATUS_READ_COMPLETE || s == WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE ||
           s == WINHTTP_CALLBACK_STATUS_RECEIVING_RESPONSE ||
           s == WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED;
}

static void print_status(DWORD s, void* info, DWORD len) {
    if (s == WINHTTP_CALLBACK_STATUS_REQUEST_ERROR) {
        WINHTTP_ASYNC_RESULT* r = (WINHTTP_ASYNC_RESULT*)info;
        printf("  %-22s api=%lu error=%u\n", status_name(s), (unsigned long)r->dwResult, r->dwError);
    } else if (s == WINHTTP_CALLBACK_STATUS_REQUEST_SENT) {
        printf("  %-22s %u bytes\n", status_name(s), *(DWORD*)info);
    } else if (info && len && (s == WINHTTP_CALLBACK_STATUS_RESOLVING_NAME ||
                               s == WINHTTP_CALLBACK_STATUS_NAME_RESOLVED ||
                               s == WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER ||
                               s == WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER)) {
        printf("  %-22s %ls\n", status_name(s), (const wchar_t*)info);
    } else {
        printf("  %-22s\n", status_name(s));
    }
}

static void set_flag(struct download* d, int* flag) {
    pthread_mutex_lock(&d->lock);
    *flag = 1;
    pthread_cond_broadcast(&d->changed);
    pthread_mutex_unlock(&d->lock);
}

static void CALLBACK on_status(HINTERNET h, DWORD_PTR context, DWORD status, LPVOID info,
                               DWORD len) {
    struct download* d = (struct download*)context;
    if (!d) return;  /* the session and connect handles have no context */
    if (!quiet(status)) print_status(status, info, len);
    switch (status) {
    case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
        WinHttpReceiveResponse(h, NULL);
        break;
    case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE: {
        DWORD code = 0, size = sizeof(code);
        WinHttpQueryHeaders(h, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                            WINHTTP_HEADER_NAME_BY_INDEX, &code, &size, WINHTTP_NO_HEADER_INDEX);
        printf("  (status %u)\n", code);
        WinHttpQueryDataAvailable(h, NULL);
        break;
    }
    case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: {
        DWORD n = *(DWORD*)info;
        if (n == 0) {  /* the end of the body */
            printf("  (body done: %llu bytes in %u reads)\n", d->bytes, d->reads);
            WinHttpCloseHandle(h);
            break;
        }
        WinHttpReadData(h, d->buffer, n < sizeof(d->buffer) ? n : sizeof(d->buffer), NULL);
        break;
    }
    case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
        d->bytes += len;
        d->reads++;
        if (d->cancel_after && d->bytes >= d->cancel_after && !d->want_cancel) {
            printf("  (%llu bytes in %u reads: asking the main thread to close)\n", d->bytes, d->reads);
            set_flag(d, &d->want_cancel);
        }
        WinHttpQueryDataAvailable(h, NULL);
        break;
    case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR:
        if (!d->want_cancel) WinHttpCloseHandle(h);
        break;
    case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING:
        set_flag(d, &d->closed);  /* the last callback: d may be freed after this */
        break;
    }
}

/* Waits until *flag is set, 30 s at most. */
static int wait_flag(struct download* d, int* flag) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&d->lock);
    while (!*flag && pthread_cond_timedwait(&d->changed, &d->lock, &until) == 0) {
    }
    int ok = *flag;
    pthread_mutex_unlock(&d->lock);
    return ok;
}

int main(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s HOST PORT PATH [CANCEL_AFTER_BYTES]\n", argv[0]);
        return 2;
    }
    wchar_t host[256], path[1024];
    mbstowcs(host, argv[1], 255);
    host[255] = 0;
    mbstowcs(path, argv[3], 1023);
    path[1023] = 0;
    static struct download d;
    pthread_mutex_init(&d.lock, NULL);
    pthread_cond_init(&d.changed, NULL);
    d.cancel_after = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;

    HINTERNET session = WinHttpOpen(L"async-download/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY,
                                    WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, WINHTTP_FLAG_ASYNC);
    HINTERNET connect = session ? WinHttpConnect(session, host, (INTERNET_PORT)atoi(argv[2]), 0) : NULL;
    HINTERNET request = connect ? WinHttpOpenRequest(connect, L"GET", path, NULL, WINHTTP_NO_REFERER,
                                                     WINHTTP_DEFAULT_ACCEPT_TYPES, 0) : NULL;
    if (!request) {
        fprintf(stderr, "open failed: %u\n", GetLastError());
        return 1;
    }
    WinHttpSetStatusCallback(request, on_status, WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
    printf("GET http://%s:%s%s (async)\n", argv[1], argv[2], argv[3]);
    if (!WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0,
                            (DWORD_PTR)&d)) {
        fprintf(stderr, "WinHttpSendRequest failed: %u\n", GetLastError());
        return 1;
    }
    if (d.cancel_after && wait_flag(&d, &d.want_cancel)) {
        BOOL ok = WinHttpCloseHandle(request);  /* returns at once; the read in flight is cancelled */
        printf("  (main thread: WinHttpCloseHandle returned %s)\n", ok ? "TRUE" : "FALSE");
    }
    int closed = wait_flag(&d, &d.closed);
    WinHttpCloseHandle(connect);
    WinHttpCloseHandle(session);
    if (!closed) {
        fprintf(stderr, "no HANDLE_CLOSING within 30 s\n");
        return 1;
    }
    return 0;
}
