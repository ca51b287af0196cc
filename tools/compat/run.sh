#!/bin/sh
# Builds two real programs' WinHTTP transports, unchanged, against an OpenWinHTTP install and runs
# them against a local nginx (docs/compat.md). By hand, not in CI: their code is not in this
# repository. Usage:
#   tools/compat/run.sh BUILD_DIR SENTRY_SRC AZURE_SRC [WORK_DIR]
# SENTRY_SRC: a checkout of getsentry/sentry-native (8705b5d19d2501a40ec5eaec086ddf5776bb90cb);
# AZURE_SRC: a checkout of Azure/azure-sdk-for-cpp at tag azure-core_1.7.2.
set -eu
BUILD=$1; SENTRY=$2; AZURE=$3; WORK=${4:-/tmp/owh-compat}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
cmake --install "$BUILD" --prefix "$WORK/owh" >/dev/null
OWH=$WORK/owh

# nginx on 127.0.0.1:18765 (config paths are under /tmp/owh-compat/nginx).
mkdir -p /tmp/owh-compat/nginx/logs /tmp/owh-compat/nginx/root
printf 'hello, world\n' > /tmp/owh-compat/nginx/root/hello.txt
head -c 1048576 /dev/urandom > /tmp/owh-compat/nginx/root/1m.bin
nginx -c "$HERE/nginx.conf" -p /tmp/owh-compat/nginx &
NGINX=$!
trap 'kill $NGINX 2>/dev/null || true' EXIT
sleep 1

# --- sentry-native: library without a transport, then the WinHTTP transport file unchanged ---
cmake -S "$SENTRY" -B "$WORK/sentry-build" -DSENTRY_BACKEND=none -DSENTRY_TRANSPORT=none \
  -DSENTRY_BUILD_SHARED_LIBS=OFF -DSENTRY_BUILD_TESTS=OFF -DSENTRY_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$WORK/sentry-build" -j2 >/dev/null
DEF="-DSENTRY_BATCHER_BUFFER_COUNT=3 -DSENTRY_BUILD_STATIC -DSENTRY_HANDLER_STACK_SIZE=64 -DSIZEOF_LONG=8"
gcc -c -std=gnu99 -g -Wall -Wextra $DEF -include "$HERE/sentry_shim.h" -I"$OWH/include" \
  -I"$SENTRY/include" -I"$SENTRY/src" "$SENTRY/src/transports/sentry_http_transport_winhttp.c" \
  -o "$WORK/sentry_winhttp.o"
gcc -std=gnu99 -g -I"$OWH/include" -I"$SENTRY/include" -DSENTRY_BUILD_STATIC "$HERE/sentry_driver.c" \
  "$WORK/sentry_winhttp.o" "$WORK/sentry-build/libsentry.a" "$WORK/sentry-build/vendor/libunwind/libunwind.a" \
  -L"$OWH/lib" -lwinhttp -Wl,-rpath,"$OWH/lib" -lpthread -ldl -lm -o "$WORK/sentry_driver"
"$WORK/sentry_driver" "http://publickey@127.0.0.1:18765/42" first twice
# Shutdown while the server never answers: the blocked receive ends with 12017 after 2 s.
python3 "$HERE/hang_server.py" &
HANG=$!
trap 'kill $NGINX $HANG 2>/dev/null || true' EXIT
sleep 1
SHUTDOWN_MS=2000 "$WORK/sentry_driver" "http://publickey@127.0.0.1:18766/42"

# --- Azure SDK for C++ azure-core 1.7.2: custom transport build, then win_http_transport.cpp ---
CORE=$AZURE/sdk/core/azure-core
AZURE_SDK_DISABLE_AUTO_VCPKG=1 cmake -S "$CORE" -B "$WORK/azure-build" -DBUILD_TRANSPORT_CUSTOM=ON \
  -DBUILD_TESTING=OFF -DWARNINGS_AS_ERRORS=OFF >/dev/null
cmake --build "$WORK/azure-build" -j2 >/dev/null
g++ -std=c++14 -g -c -DBUILD_TRANSPORT_WINHTTP_ADAPTER -DBUILD_TRANSPORT_CUSTOM_ADAPTER -I"$OWH/include" \
  -I"$CORE/inc" -I"$CORE/src" "$CORE/src/http/winhttp/win_http_transport.cpp" -o "$WORK/azure_winhttp.o"
g++ -std=c++14 -g -DBUILD_TRANSPORT_WINHTTP_ADAPTER -DBUILD_TRANSPORT_CUSTOM_ADAPTER -I"$OWH/include" \
  -I"$CORE/inc" "$HERE/azure_driver.cpp" "$WORK/azure_winhttp.o" "$WORK/azure-build/libazure-core.a" \
  -L"$OWH/lib" -lwinhttp -Wl,-rpath,"$OWH/lib" -lssl -lcrypto -lpthread -o "$WORK/azure_driver"
"$WORK/azure_driver" http://127.0.0.1:18765 http://127.0.0.1:1
