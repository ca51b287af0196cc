#!/bin/sh
# tests/packaging/run.sh DEB_DIR - the Debian packages as a user meets them (make deb-test, as root).
# Installs libwinhttp0, libwinhttp-dev and whttp from DEB_DIR with apt (so their Depends are
# resolved), builds the seed example with pkg-config and a find_package(WinHttp) consumer against
# /usr, runs both and whttp against a throwaway local nginx, checks the man pages render, and
# removes the packages again (also when a check fails).
set -eu
DEB_DIR=$(cd "${1:?usage: run.sh DEB_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "run.sh installs packages: run it as root (make deb-test uses sudo)"; exit 2; }
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY

PACKAGES="libwinhttp0 libwinhttp-dev whttp"
WORK=$(mktemp -d)
# shellcheck source=tools/whttp/nginx_fixture.sh
. "$SRC/tools/whttp/nginx_fixture.sh"
STEP=start
cleanup() {
    rc=$?
    [ "$rc" = 0 ] || echo "packaging test FAILED in step: $STEP" >&2
    fixture_stop
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -q --purge $PACKAGES >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
step() { STEP=$1; echo "-- $1"; }

step "install the packages with apt"
debs=""
for p in $PACKAGES; do
    f=$(ls "$DEB_DIR"/${p}_*.deb | head -n 1)
    debs="$debs $f"
done
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $debs >"$WORK/apt.log" 2>&1 \
    || { cat "$WORK/apt.log"; exit 1; }
for p in $PACKAGES; do dpkg-query -W -f='${Package} ${Version} ${Status}\n' "$p"; done

step "the shared library: SONAME libwinhttp.so.0, only the WinHTTP API exported"
LIB=$(dpkg -L libwinhttp0 | grep '/libwinhttp\.so\.0$')
objdump -p "$LIB" | grep -q 'SONAME *libwinhttp\.so\.0$'
test "$(nm -D --defined-only "$LIB" | awk '{print $3}' | grep -c -v -E '^(WinHttp|GetLastError$|SetLastError$|GlobalFree$|LocalFree$|MultiByteToWideChar$|WideCharToMultiByte$|lstrlen[AW]$|FormatMessage[AW]$|GetModuleHandle[AW]$)')" = 0
dpkg-query -W -f='${Depends}\n' whttp | grep -q 'libwinhttp0 (>= '
dpkg -L libwinhttp0 | grep -q '/openwinhttp/winhttp-pac-worker$'

step "seed example: cc \$(pkg-config --cflags --libs winhttp)"
# shellcheck disable=SC2046
cc "$SRC/examples/seed_example.c" $(pkg-config --cflags --libs winhttp) -o "$WORK/seed"
"$WORK/seed" | grep -q "Connection timeout: 60000 ms"
# The program loads the packaged library (/lib is /usr/lib on merged-/usr systems).
uses_packaged_lib() {
    so=$(ldd "$1" | sed -n 's/^[[:space:]]*libwinhttp\.so\.0 => \([^ ]*\) .*/\1/p')
    test -n "$so" && test "$(readlink -f "$so")" = "$(readlink -f "$LIB")"
}
uses_packaged_lib "$WORK/seed"

step "CMake consumer: find_package(WinHttp) against /usr, shared and static"
mkdir -p "$WORK/consumer"
cat >"$WORK/consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(consumer C CXX)
find_package(WinHttp 0.1 REQUIRED)
add_executable(fetch fetch.c)
target_link_libraries(fetch PRIVATE WinHttp::winhttp)
add_executable(fetch_static fetch.c)
target_link_libraries(fetch_static PRIVATE WinHttp::winhttp_static)
set_target_properties(fetch_static PROPERTIES LINKER_LANGUAGE CXX)
CM
cat >"$WORK/consumer/fetch.c" <<'C'
/* GET a URL given as host, port and path; print the status and the body. */
#include <windows.h>
#include <winhttp.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char** argv) {
    if (argc != 4) return 2;
    WCHAR host[256], path[256];
    mbstowcs(host, argv[1], 256);
    mbstowcs(path, argv[3], 256);
    HINTERNET s = WinHttpOpen(L"consumer/1.0", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                              WINHTTP_NO_PROXY_BYPASS, 0);
    HINTERNET c = s ? WinHttpConnect(s, host, (INTERNET_PORT)atoi(argv[2]), 0) : NULL;
    HINTERNET r = c ? WinHttpOpenRequest(c, L"GET", path, NULL, WINHTTP_NO_REFERER,
                                         WINHTTP_DEFAULT_ACCEPT_TYPES, 0) : NULL;
    if (!r || !WinHttpSendRequest(r, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0, 0) ||
        !WinHttpReceiveResponse(r, NULL)) {
        fprintf(stderr, "failed: %u\n", GetLastError());
        return 1;
    }
    DWORD status = 0, size = sizeof status;
    WinHttpQueryHeaders(r, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER, WINHTTP_HEADER_NAME_BY_INDEX,
                        &status, &size, WINHTTP_NO_HEADER_INDEX);
    printf("status %u\n", status);
    char buf[4096];
    DWORD got = 0;
    while (WinHttpReadData(r, buf, sizeof buf, &got) && got > 0) fwrite(buf, 1, got, stdout);
    WinHttpCloseHandle(r);
    WinHttpCloseHandle(c);
    WinHttpCloseHandle(s);
    return status == 200 ? 0 : 1;
}
C
cmake -S "$WORK/consumer" -B "$WORK/consumer/build" -DCMAKE_PREFIX_PATH=/usr >"$WORK/cmake.log" 2>&1 \
    && cmake --build "$WORK/consumer/build" >>"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; exit 1; }
grep -q "/usr/lib/.*/cmake/WinHttp" "$WORK/consumer/build/CMakeCache.txt"
uses_packaged_lib "$WORK/consumer/build/fetch"
if ldd "$WORK/consumer/build/fetch_static" | grep -q libwinhttp; then echo "fetch_static links libwinhttp.so"; exit 1; fi

step "run them and whttp against a local nginx"
fixture_init
trap cleanup EXIT  # fixture_init set its own trap; cleanup calls fixture_stop too
echo "hello from the packages" >"$FIXTURE_DIR/www/hello.txt"
fixture_start
"$WORK/consumer/build/fetch" 127.0.0.1 "$FIXTURE_PORT" /hello.txt | grep -q "hello from the packages"
"$WORK/consumer/build/fetch_static" 127.0.0.1 "$FIXTURE_PORT" /hello.txt | grep -q "^status 200"
test "$(command -v whttp)" = /usr/bin/whttp
whttp -s "$FIXTURE_URL/hello.txt" | grep -q "hello from the packages"
rc=0; whttp -s -f "$FIXTURE_URL/missing.txt" >/dev/null || rc=$?
test "$rc" = 22
test "$(whttp -s -o /dev/null -w '%{http_version}' "$FIXTURE_URL/hello.txt")" = 1.1
# The packaged library traces: an API call with its arguments, to a file.
whttp -s -o /dev/null --trace "$WORK/trace.log" "$FIXTURE_URL/hello.txt"
grep -q 'api WinHttpConnect(0x[0-9a-f]*, "127.0.0.1", [0-9]*, 0) -> ERROR_SUCCESS (0)' "$WORK/trace.log"

step "man pages render: whttp(1), libwinhttp(7)"
for page in /usr/share/man/man1/whttp.1.gz /usr/share/man/man7/libwinhttp.7.gz; do
    MANWIDTH=80 man -l "$page" 2>"$WORK/man.err" >"$WORK/man.out"
    test ! -s "$WORK/man.err" || { cat "$WORK/man.err"; exit 1; }
    test "$(wc -l <"$WORK/man.out")" -gt 5
done
man -w whttp | grep -q whttp.1
# What the issue says the pages cover: the tracing and the options with their WinHTTP calls.
MANWIDTH=200 man -l /usr/share/man/man7/libwinhttp.7.gz | grep -q OPENWINHTTP_TRACE
MANWIDTH=200 man -l /usr/share/man/man1/whttp.1.gz | grep -q -- "--http2"

step "remove the packages"
fixture_stop
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q --purge $PACKAGES >/dev/null
for p in $PACKAGES; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        echo "$p still installed"; exit 1
    fi
done
test ! -e "$LIB"
echo "packaging test OK"
