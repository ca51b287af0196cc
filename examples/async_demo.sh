#!/bin/sh
# The async client against a throwaway local nginx: a small download with its full callback
# trace, then a throttled download cancelled by WinHttpCloseHandle in mid-body.
#
#   examples/async_demo.sh BUILD_DIR
set -eu
BUILD=${1:?usage: async_demo.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/whttp/nginx_fixture.sh
. "$HERE/../tools/whttp/nginx_fixture.sh"

fixture_init
echo "Hello from nginx, fetched asynchronously." >"$FIXTURE_DIR/www/hello.txt"
mkdir -p "$FIXTURE_DIR/www/slow"
head -c 8M /dev/urandom >"$FIXTURE_DIR/www/slow/big.bin"
fixture_start 'location /slow/ { limit_rate 2m; }'

"$BUILD/examples/async_download" 127.0.0.1 "$FIXTURE_PORT" /hello.txt
echo
"$BUILD/examples/async_download" 127.0.0.1 "$FIXTURE_PORT" /slow/big.bin 1048576
