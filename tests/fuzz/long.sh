#!/usr/bin/env bash
# Long fuzz runs: every target until 10 million executions or 30 minutes, two at a time (one per
# core), each growing its own corpus in OUT/corpus-TARGET. Counts land in OUT/TARGET.log and a
# one-line summary per target in OUT/summary.txt; crash inputs are written as OUT/crash-TARGET-*.
#   tests/fuzz/long.sh BUILD_DIR [OUT]     (BUILD_DIR configured with -Dfuzz=true, clang)
# FUZZ_TARGETS (default: all five), FUZZ_RUNS, FUZZ_SECONDS and FUZZ_JOBS change the plan.
set -euo pipefail
build=$(realpath "$1"); out=$(realpath -m "${2:-/tmp/dateline-fuzz}")
seeds=$(realpath "$(dirname "$0")/seeds")
runs=${FUZZ_RUNS:-10000000} secs=${FUZZ_SECONDS:-1800} jobs=${FUZZ_JOBS:-2}
mkdir -p "$out"
one() {
  local t=$1
  mkdir -p "$out/corpus-$t"
  local rc=0 t0=$SECONDS
  "$build/tests/fuzz/fuzz_$t" "$out/corpus-$t" "$seeds/$t" -runs="$runs" -max_total_time="$secs" \
    -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/crash-$t-" >"$out/$t.log" 2>&1 || rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
  echo "$t exit=$rc executions=${execs:-?} seconds=$((SECONDS - t0))" >>"$out/summary.txt"
}
export -f one; export build out seeds runs secs
printf '%s\n' ${FUZZ_TARGETS:-highlight query readout params fold} | xargs -P "$jobs" -I{} bash -c 'one {}'
cat "$out/summary.txt"
