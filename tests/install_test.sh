#!/bin/sh
# Installs the build into a throwaway prefix and builds the seed example the way a user would:
# plain `cc prog.c $(pkg-config --cflags --libs winhttp)`, then runs it.
set -eu
BUILD=$1; SRC=$2
PREFIX=$(mktemp -d); trap 'rm -rf "$PREFIX"' EXIT
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
cc "$SRC/examples/seed_example.c" $(pkg-config --cflags --libs winhttp) -Wl,-rpath,"$PREFIX/lib" -o "$PREFIX/seed"
"$PREFIX/seed" | grep -q "Connection timeout: 60000 ms"
test "$(nm -D --defined-only "$PREFIX/lib/libwinhttp.so" | awk '{print $3}' | grep -v -E '^(WinHttp|GetLastError$|SetLastError$|GlobalFree$|LocalFree$|MultiByteToWideChar$|WideCharToMultiByte$|lstrlen[AW]$|FormatMessage[AW]$|GetModuleHandle[AW]$)' | wc -l)" = 0
# A program with its own MultiByteToWideChar that uses the library's FormatMessageW links
# statically: each companion group is its own object in libwinhttp.a (windows-compat.md).
cat > "$PREFIX/own.c" <<'EOF_C'
#define OPENWINHTTP_NO_STRINGAPI
#include <windows.h>
#include <winhttp.h>
int MultiByteToWideChar(UINT cp, DWORD f, LPCSTR s, int n, LPWSTR w, int m) {
    (void)cp; (void)f; (void)s; (void)n; (void)w; (void)m; return -7;
}
int main(void) {
    WCHAR text[64];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_IGNORE_INSERTS,
                             GetModuleHandleW(L"winhttp.dll"), ERROR_WINHTTP_TIMEOUT, 0, text, 64, NULL);
    return n == 25 && MultiByteToWideChar(0, 0, "", 1, NULL, 0) == -7 ? 0 : 1;
}
EOF_C
cc "$PREFIX/own.c" $(pkg-config --cflags winhttp) "$PREFIX/lib/libwinhttp.a" $(pkg-config --static --libs-only-l winhttp | sed 's/-lwinhttp//') -lstdc++ -o "$PREFIX/own"
"$PREFIX/own"
echo "install + pkg-config OK"
