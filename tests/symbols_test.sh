#!/bin/sh
# The exported symbols of libwinhttp.so are exactly those listed in debian/libwinhttp0.symbols
# (issue 15): adding or removing an API function without updating the symbols file fails here,
# in every build, not only at `make deb` (where dpkg-gensymbols -c4 checks the same).
set -eu
BUILD=$1; SRC=$2
LIB=$(ls "$BUILD"/libwinhttp.so.0.* 2>/dev/null | head -n1)
test -n "$LIB" || { echo "no libwinhttp.so.0.* in $BUILD"; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
nm -D --defined-only "$LIB" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$TMP/exported"
grep '^ ' "$SRC/debian/libwinhttp0.symbols" | awk '{print $1}' | sed 's/@Base$//' | sort -u >"$TMP/listed"
if ! diff -u "$TMP/listed" "$TMP/exported" >"$TMP/diff"; then
    echo "libwinhttp.so exports differ from debian/libwinhttp0.symbols (- listed only, + exported only):"
    cat "$TMP/diff"
    echo "Add a new function as ' Name@Base <first version>' (sorted), never remove one without a SONAME change."
    exit 1
fi
echo "symbols file matches: $(wc -l <"$TMP/exported") symbols"
