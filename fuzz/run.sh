#!/bin/sh
# Runs every fuzz target for SECONDS (default 60) on a copy of its seed corpus, JOBS targets at
# a time (default: the number of cores; each libFuzzer process is single-threaded, so every
# target still gets a whole core for its SECONDS).
# Any crash leaves a reproducer in build-fuzz/artifacts/ and fails the run.
set -eu
BUILD=${1:-build-fuzz}
SECONDS_EACH=${2:-60}
JOBS=${3:-$(nproc)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$BUILD/artifacts"

# One target: its log in $BUILD/<name>.log, its exit status in $BUILD/<name>.status.
run_one() {
  bin=$1; name=$(basename "$bin"); corpus_name=${name#fuzz_}
  work="$BUILD/corpus/$corpus_name"; mkdir -p "$work"
  seeds="$ROOT/fuzz/corpus/$corpus_name"
  [ -d "$seeds" ] || seeds=$(ls -d "$ROOT"/fuzz/corpus/${corpus_name%%_*}* 2>/dev/null | head -1 || true)
  rc=0
  "$bin" -max_total_time="$SECONDS_EACH" -artifact_prefix="$BUILD/artifacts/$name-" \
      -print_final_stats=0 "$work" ${seeds:+"$seeds"} >"$BUILD/$name.log" 2>&1 || rc=$?
  echo "$rc" >"$BUILD/$name.status"
}

# Each batch runs JOBS targets side by side; all run for the same time, so batches end together.
bins=""
for bin in "$BUILD"/fuzz/fuzz_*; do [ -x "$bin" ] && bins="$bins $bin"; done
running=0
for bin in $bins; do
  echo "== $(basename "$bin") for ${SECONDS_EACH}s =="
  run_one "$bin" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait; running=0; fi
done
wait

status=0
for bin in $bins; do
  name=$(basename "$bin")
  if [ "$(cat "$BUILD/$name.status" 2>/dev/null || echo 1)" != 0 ]; then
    echo "FAILED: $name (see $BUILD/$name.log)"; tail -30 "$BUILD/$name.log"; status=1
  else
    printf '%s: ' "$name"; grep -E "^(#[0-9]+.*DONE|Done)" "$BUILD/$name.log" | tail -1 || echo
  fi
done
exit $status
