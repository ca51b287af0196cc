// Connection and measurement options (WinHttpQueryOption / WinHttpSetOption handlers, used by
// the option table in options.cpp): TCP keep-alive, connection expiry, request times and
// statistics, TCP connection statistics. docs/design/connection-options.md.
#pragma once
#include <winhttp.h>

#include "core/object.h"

namespace winhttp {

DWORD set_tcp_keepalive(Object* session, const void* buffer, DWORD len);
DWORD set_expire_connection(Object* request, const void* buffer, DWORD len);
DWORD query_request_times(Object* request, void* buffer, DWORD* len);
DWORD query_request_stats(Object* request, void* buffer, DWORD* len);
DWORD query_connection_stats_v0(Object* request, void* buffer, DWORD* len);
DWORD query_connection_stats_v1(Object* request, void* buffer, DWORD* len);
DWORD set_resolution_hostname(Object* request, const void* buffer, DWORD len);
DWORD set_failed_connection_retries(Object* session, const void* buffer, DWORD len);

}  // namespace winhttp
