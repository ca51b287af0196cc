#!/bin/sh
# `make demo`: the seed page's example, the close trace, then whttp against a local nginx.
set -eu
BUILD=${1:-build}
echo "== seed example (Microsoft's WinHttpCloseHandle page) =="
"$BUILD/examples/seed_example"
echo "== handle tree: creation and close trace =="
"$BUILD/examples/close_trace"
if [ -x "$BUILD/tools/whttp/whttp" ] && [ -x "$(dirname "$0")/whttp_demo.sh" ]; then
  "$(dirname "$0")/whttp_demo.sh" "$BUILD"
fi
echo "== async download: callback trace, then a cancel in mid-body =="
"$(dirname "$0")/async_demo.sh" "$BUILD"
