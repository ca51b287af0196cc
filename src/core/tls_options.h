// The TLS options of a request (WinHttpQueryOption / WinHttpSetOption handlers, used by the
// option table in options.cpp). Each takes a live request object.
#pragma once
#include <winhttp.h>

#include "core/object.h"

namespace winhttp {

DWORD query_certificate_struct(Object* request, void* buffer, DWORD* len);
DWORD query_key_bitness(Object* request, void* buffer, DWORD* len);
DWORD query_server_cert_chain(Object* request, void* buffer, DWORD* len);
DWORD query_security_info(Object* request, void* buffer, DWORD* len);
// WINHTTP_OPTION_SERVER_CBT: SEC_CHANNEL_BINDINGS (<sspi.h>) followed by its application data
// "tls-server-end-point:" + the RFC 5929 hash, as one flat block (docs/design/auth.md).
// ERROR_WINHTTP_INCORRECT_HANDLE_STATE before a TLS connection (and on plain http);
// ERROR_INSUFFICIENT_BUFFER with the size needed in *len for a NULL or short buffer.
DWORD query_server_cbt(Object* request, void* buffer, DWORD* len);
DWORD set_client_cert_context(Object* request, const void* buffer, DWORD len);
DWORD set_client_cert_files(Object* request, const void* buffer, DWORD len);

}  // namespace winhttp
