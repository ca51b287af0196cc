// WinHttpQueryConnectionGroup / WinHttpFreeQueryConnectionGroupResult: the session pool's
// connections to the host of a connect or request handle. Our connections carry no GUID, so
// the host has one group, GUID_NULL, counting its open connections (busy and idle).
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/handle_table.h"
#include "core/request.h"
#include "net/conn_pool.h"
#include "util/wide.h"

using namespace winhttp;

namespace {

bool is_null_guid(const GUID& g) {
    static const GUID zero{};
    return std::memcmp(&g, &zero, sizeof(g)) == 0;
}

struct Target {
    const Connect* connect = nullptr;
    bool secure = true;
};

// WinHttpQueryConnectionGroup page: a request handle names its scheme; a connect handle means
// https unless WINHTTP_QUERY_CONNECTION_GROUP_FLAG_INSECURE is passed.
Target target_of(Object& o, ULONGLONG flags) {
    Target t;
    if (o.type() == HandleType::Request) {
        const Request& r = as<Request>(o);
        t.connect = &r.connect();
        t.secure = r.secure();
    } else {
        t.connect = &as<Connect>(o);
        t.secure = (flags & WINHTTP_QUERY_CONNECTION_GROUP_FLAG_INSECURE) == 0;
    }
    return t;
}

// One allocation holds the result, its host entry, its group and the host string, so that
// the free function is a single free().
PWINHTTP_QUERY_CONNECTION_GROUP_RESULT make_result(const std::wstring& host, ULONG connections) {
    struct Block {
        WINHTTP_QUERY_CONNECTION_GROUP_RESULT result;
        WINHTTP_HOST_CONNECTION_GROUP host;
        WINHTTP_CONNECTION_GROUP group;
    };
    const size_t size = sizeof(Block) + (host.size() + 1) * sizeof(WCHAR);
    auto* block = static_cast<Block*>(std::calloc(1, size));
    if (!block) return nullptr;
    auto* name = reinterpret_cast<WCHAR*>(block + 1);
    std::memcpy(name, host.c_str(), (host.size() + 1) * sizeof(WCHAR));
    if (connections > 0) {
        block->group.cConnections = connections;  // guidGroup stays GUID_NULL
        block->host.pwszHost = name;
        block->host.cConnectionGroups = 1;
        block->host.pConnectionGroups = &block->group;
        block->result.cHosts = 1;
        block->result.pHostConnectionGroups = &block->host;
    }
    return &block->result;
}

}  // namespace

extern "C" {

DWORD WinHttpQueryConnectionGroup(HINTERNET handle, const GUID* guid, ULONGLONG flags,
                                  PWINHTTP_QUERY_CONNECTION_GROUP_RESULT* result) {
    if (!result) return ERROR_INVALID_PARAMETER;
    if (flags & ~WINHTTP_QUERY_CONNECTION_GROUP_FLAG_INSECURE) return ERROR_INVALID_PARAMETER;
    Lookup l = lookup_handle(handle, {HandleType::Connect, HandleType::Request});
    if (l.error) return l.error;
    const Target t = target_of(*l.object, flags);
    Session& session = t.connect->session();
    std::wstring host = t.connect->host();
    if (host.size() > 2 && host.front() == L'[' && host.back() == L']')
        host = host.substr(1, host.size() - 2);
    INTERNET_PORT port = t.connect->port();
    if (port == INTERNET_DEFAULT_PORT) port = t.secure ? 443 : 80;
    // The host's direct connections (a proxy's connections are pooled under the proxy).
    const std::string key = ConnectionPool::make_key(t.secure, to_utf8(host), port, "");
    // Only connections of the given GUID: ours have none.
    const ULONG count = (guid && !is_null_guid(*guid)) ? 0 : session.pool().count(key);
    *result = make_result(t.connect->host(), count);
    return *result ? ERROR_SUCCESS : ERROR_NOT_ENOUGH_MEMORY;
}

VOID WinHttpFreeQueryConnectionGroupResult(PWINHTTP_QUERY_CONNECTION_GROUP_RESULT result) {
    std::free(result);
}

}  // extern "C"
