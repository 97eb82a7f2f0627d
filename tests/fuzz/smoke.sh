#!/usr/bin/env bash
# Run one fuzz target briefly over its seeds (and the regression inputs in seeds/), writing new
# inputs only to a scratch folder. FUZZ_SECONDS (default 5) sets the duration.
set -euo pipefail
exe=$1 seeds=$2
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
"$exe" "$scratch" "$seeds" -max_total_time="${FUZZ_SECONDS:-5}" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$scratch/" 2>&1 | tail -15
