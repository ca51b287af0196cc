#!/bin/sh
# whttp against a throwaway local nginx: headers and body, a 64 MiB download (with a
# progress bar when stderr is a terminal), then a HEAD request.
#
#   examples/whttp_demo.sh BUILD_DIR
#
# Needs /usr/sbin/nginx and python3. Works as root and as a normal user; nginx and its
# directory are always removed on exit.
set -eu
BUILD=${1:?usage: whttp_demo.sh BUILD_DIR}
WHTTP="$BUILD/tools/whttp/whttp"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/whttp/nginx_fixture.sh
. "$HERE/../tools/whttp/nginx_fixture.sh"

fixture_init
echo "Hello from nginx, fetched by whttp." >"$FIXTURE_DIR/www/hello.txt"
head -c 64M /dev/urandom >"$FIXTURE_DIR/www/big.bin"
fixture_start
echo "nginx listening on $FIXTURE_URL"

run() {
    echo "\$ whttp $*"
    "$WHTTP" "$@"
    echo
}

run -i "$FIXTURE_URL/hello.txt"
run -v -o /dev/null "$FIXTURE_URL/big.bin"
run -I "$FIXTURE_URL/big.bin"
