// The Windows companions WinHTTP programs call: last error and freeing memory we hand out.
// Everything the library returns for the caller to free (proxy strings, certificate info)
// is allocated with malloc, so GlobalFree/LocalFree are free().
#include <cstdlib>

#include "core/last_error.h"

extern "C" {

DWORD GetLastError(void) { return winhttp::last_error(); }

void SetLastError(DWORD code) { winhttp::set_last_error(code); }

HANDLE GlobalFree(HANDLE mem) {
    std::free(mem);
    return nullptr;
}

HANDLE LocalFree(HANDLE mem) {
    std::free(mem);
    return nullptr;
}

}  // extern "C"
