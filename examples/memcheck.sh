#!/bin/sh
# valgrind memcheck over the demo programs (issue 7): no memory error, no definite leak.
# The event loop's threads are left running at exit by design (docs/design/async.md), so
# "still reachable" blocks are expected and not errors.
#
#   examples/memcheck.sh BUILD_DIR
set -eu
BUILD=${1:?usage: memcheck.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
VG="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --suppressions=$HERE/valgrind.supp"
# shellcheck source=tools/whttp/nginx_fixture.sh
. "$HERE/../tools/whttp/nginx_fixture.sh"

$VG "$BUILD/examples/seed_example" >/dev/null
$VG "$BUILD/examples/close_trace" >/dev/null
fixture_init
echo "Hello from nginx." >"$FIXTURE_DIR/www/hello.txt"
mkdir -p "$FIXTURE_DIR/www/slow"
head -c 4M /dev/urandom >"$FIXTURE_DIR/www/slow/big.bin"
fixture_start 'location /slow/ { limit_rate 1m; }'
$VG "$BUILD/examples/async_download" 127.0.0.1 "$FIXTURE_PORT" /hello.txt >/dev/null
$VG "$BUILD/examples/async_download" 127.0.0.1 "$FIXTURE_PORT" /slow/big.bin 524288 >/dev/null
$VG "$BUILD/tools/whttp/whttp" -s -o /dev/null "$FIXTURE_URL/hello.txt"
echo "memcheck: the demo programs are clean"
