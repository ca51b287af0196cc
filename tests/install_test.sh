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
echo "install + pkg-config OK"
