#!/bin/sh
# Runs every fuzz target for SECONDS (default 60) on a copy of its seed corpus.
# Any crash leaves a reproducer in build-fuzz/artifacts/ and fails the run.
set -eu
BUILD=${1:-build-fuzz}
SECONDS_EACH=${2:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$BUILD/artifacts"
status=0
for bin in "$BUILD"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); corpus_name=${name#fuzz_}
  work="$BUILD/corpus/$corpus_name"; mkdir -p "$work"
  seeds="$ROOT/fuzz/corpus/$corpus_name"
  [ -d "$seeds" ] || seeds=$(ls -d "$ROOT"/fuzz/corpus/${corpus_name%%_*}* 2>/dev/null | head -1 || true)
  echo "== $name for ${SECONDS_EACH}s =="
  if ! "$bin" -max_total_time="$SECONDS_EACH" -artifact_prefix="$BUILD/artifacts/$name-" \
        -print_final_stats=0 "$work" ${seeds:+"$seeds"} >"$BUILD/$name.log" 2>&1; then
    echo "FAILED: $name (see $BUILD/$name.log)"; tail -30 "$BUILD/$name.log"; status=1
  else
    grep -E "^(#[0-9]+.*DONE|Done)" "$BUILD/$name.log" | tail -1 || true
  fi
done
exit $status
