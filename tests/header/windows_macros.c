/*
 * The macros and inline helpers of <windows.h> expand cleanly in strict builds: C99 with
 * -pedantic, and C++ with -Wold-style-cast -Wconversion (their casts are static_cast there), as
 * projects such as Azure SDK for C++ compile with -Wold-style-cast.
 */
#include <windows.h>
#include <winhttp.h>

int use_macros(void);
int use_macros(void) {
    HRESULT hr = HRESULT_FROM_WIN32(ERROR_WINHTTP_TIMEOUT);
    HRESULT ok = S_OK;
    LONG count = 0;
    void* slot = NULL;
    char buffer[4];
    wchar_t wide[8] = L"winhttp";
    size_t n = ARRAYSIZE(buffer) + _countof(wide);
    WORD lang = MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT);
    ZeroMemory(buffer, sizeof buffer);
    FillMemory(buffer, sizeof buffer, 1);
    CopyMemory(buffer, "abc", 3);
    MoveMemory(buffer + 1, buffer, 2);
    SecureZeroMemory(buffer, sizeof buffer);
    InterlockedIncrement(&count);
    InterlockedExchangePointer(&slot, buffer);
    return SUCCEEDED(hr) || FAILED(E_FAIL) || SUCCEEDED(ok) || n == 12 || lang == 0x400 ||
           PRIMARYLANGID(lang) == LANG_NEUTRAL || SUBLANGID(lang) == SUBLANG_DEFAULT ||
           HRESULT_CODE(hr) == 12002 || wcslen(wide) == 7 || count == 1 || slot == buffer;
}
