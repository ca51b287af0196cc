// TEMPORARY while the codecs land: lets the library link. Removed when engine.cpp is enabled.
#include "core/engine.h"
#include "core/request.h"
namespace winhttp {
struct RequestEngine::Codecs {};
RequestEngine::RequestEngine(Request& owner) : owner_(owner) {}
RequestEngine::~RequestEngine() = default;
void RequestEngine::cancel() noexcept { cancel_.signal(); }
std::wstring RequestEngine::url() const { return L""; }
bool RequestEngine::connection_info(WINHTTP_CONNECTION_INFO&) const { return false; }
DWORD RequestEngine::send(std::string_view, const void*, DWORD, DWORD) { return 120; }
DWORD RequestEngine::write(const void*, DWORD, DWORD*) { return 120; }
DWORD RequestEngine::receive_response() { return 120; }
DWORD RequestEngine::query_data_available(DWORD*) { return 120; }
DWORD RequestEngine::read(void*, DWORD, DWORD*, bool) { return 120; }
DWORD RequestEngine::add_headers(std::string_view, DWORD) { return 120; }
DWORD RequestEngine::add_headers_ex(DWORD, ULONGLONG, ULONGLONG, DWORD, WINHTTP_EXTENDED_HEADER*) { return 120; }
DWORD RequestEngine::query_headers(DWORD, const WCHAR*, void*, DWORD*, DWORD*) { return 120; }
DWORD RequestEngine::query_headers_ex(DWORD, ULONGLONG, UINT, DWORD*, WINHTTP_HEADER_NAME*, void*, DWORD*, WINHTTP_EXTENDED_HEADER**, DWORD*) { return 120; }
}
