#!/usr/bin/env bash
# Two builds of dateline-serve against each other, in one run, on the same index and queries.
#   bench/compare.sh OLD_REV [NEW_REV] [CORPUS.jsonl[.gz]]
# OLD_REV (and NEW_REV when given) is checked out with `git worktree add` into a temporary
# folder, removed at exit; without NEW_REV (or with NEW_REV "."), NEW is the working tree, built
# in build-release like bench/run.sh. Both are built with --buildtype=release -Db_ndebug=true.
# The corpus (default ../shared/corpus/whitehouse_briefing_room.jsonl.gz) goes through the peers'
# prepare.py as in bench/run.sh, is indexed once by NEW's dateline-index and compacted (by each
# build's own indexer when their DL_SCHEMA_VERSION differ), and each server gets the same wrk
# Lua script and 50 queries as the peers (../shared/peers: wrk-queries.lua, queries.txt,
# lib.sh's wrk_point) on /api/search at each concurrency, alternating OLD NEW, NEW OLD, ... so
# that machine noise and drift hit both alike. Prints per build the QPS, p50 and p99 (median of the rounds) and
# NEW/OLD ratios, and writes WORKDIR/compare.json.
# env: DUR (s per point, default 5), ROUNDS (default 2), CONCS (default "1 16"),
#      THREADS (server threads, default nproc), WORK (default /tmp/dateline-compare/<corpus>).
# Needs Debian packages only (scripts/deps.sh; the peers' setup.sh when wrk is missing) and
# ../shared. Never run by the test command.
set -euo pipefail
usage() { sed -n '2,4p' "$0" >&2; exit 2; }
[[ $# -ge 1 && $1 != -h && $1 != --help ]] || usage
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/peers}
OLD_REV=$1
NEW_REV=${2:-.}
CORPUS=$(readlink -f "${3:-$ROOT/../shared/corpus/whitehouse_briefing_room.jsonl.gz}")
NAME=$(basename "$CORPUS"); NAME=${NAME%.gz}; NAME=${NAME%.jsonl}
export WORK=${WORK:-/tmp/dateline-compare/$NAME}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export DUR=${DUR:-5}
ROUNDS=${ROUNDS:-2} CONCS=${CONCS:-1 16} THREADS=${THREADS:-$(nproc)}
[[ -d $PEERS ]] || { echo "compare: no peers harness at $PEERS" >&2; exit 1; }
[[ -f $CORPUS ]] || { echo "compare: no corpus at $CORPUS" >&2; exit 1; }
git -C "$ROOT" rev-parse --verify -q "$OLD_REV^{commit}" >/dev/null ||
  { echo "compare: '$OLD_REV' is not a revision" >&2; exit 2; }
[[ $NEW_REV == . ]] || git -C "$ROOT" rev-parse --verify -q "$NEW_REV^{commit}" >/dev/null ||
  { echo "compare: '$NEW_REV' is not a revision" >&2; exit 2; }

"$ROOT/scripts/deps.sh"
for tool in wrk xapian-compact curl; do
  command -v "$tool" >/dev/null || {
    "$PEERS/setup.sh" >"$WORK/setup.log" 2>&1 ||
      { echo "compare: peer setup failed, see $WORK/setup.log" >&2; exit 1; }
    break
  }
done
export RESULTS=$WORK/compare-results.jsonl
: >"$RESULTS"
source "$PEERS/lib.sh"   # log, wrk_point, free_port, wait_port, stop_pid (needs WORK, RESULTS)

# --- the two builds ------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/dateline-compare-XXXXXX)
WORKTREES=() PIDS=()
cleanup() {
  local p w
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  for w in "${WORKTREES[@]}"; do git -C "$ROOT" worktree remove --force "$w" || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# build_rev LABEL REV: builds REV (. = the working tree); sets DESC, BUILD and SCHEMA[LABEL]
build_rev() {
  local label=$1 rev=$2 src build
  if [[ $rev == . ]]; then
    src=$ROOT build=$ROOT/build-release
    DESC[$label]="working tree (HEAD $(git -C "$ROOT" rev-parse --short HEAD)$(
      git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo ', with changes'))"
  else
    src=$TMP/$label build=$TMP/$label/build-release
    git -C "$ROOT" worktree add -q --detach "$src" "$rev"
    WORKTREES+=("$src")
    DESC[$label]="$rev ($(git -C "$ROOT" rev-parse --short "$rev^{commit}"))"
  fi
  log "$label: building ${DESC[$label]}"
  [[ -d $build ]] || meson setup "$build" "$src" --buildtype=release -Db_ndebug=true \
    >"$WORK/build-$label.log" 2>&1 || { cat "$WORK/build-$label.log" >&2; exit 1; }
  ninja -C "$build" indexer/dateline-index server/dateline-serve >>"$WORK/build-$label.log" 2>&1 ||
    { tail -40 "$WORK/build-$label.log" >&2; exit 1; }
  BUILD[$label]=$build
  SCHEMA[$label]=$(sed -n 's/^#define DL_SCHEMA_VERSION "\([^"]*\)".*/\1/p' \
    "$src/include/dateline/schema.h" 2>/dev/null || true)
}
declare -A DESC BUILD SCHEMA DB PORT
build_rev old "$OLD_REV"
build_rev new "$NEW_REV"

# --- the corpus and the index ----------------------------------------------------------------
if [[ ! -s $WORK/corpus.jsonl || $CORPUS -nt $WORK/corpus.jsonl ]] ||
   ! grep -qF "$(basename "$CORPUS")" "$WORK/corpus-stats.json" 2>/dev/null; then
  log "preparing $CORPUS"
  python3 "$PEERS/prepare.py" "$CORPUS" "$WORK" --max-docs "${MAX_DOCS:-0}" \
    ${LANG_FILTER:+--lang "$LANG_FILTER"} >/dev/null
fi
DOCS=$(jq .docs "$WORK/corpus-stats.json")
index_with() {  # index_with LABEL: DB[LABEL] = a compacted index built by LABEL's indexer
  local d=$WORK/index-$1
  rm -rf "$d"; mkdir -p "$d"
  log "indexing $DOCS documents with the $1 dateline-index"
  "${BUILD[$1]}/indexer/dateline-index" -q -d "$d/db" "$WORK/corpus.jsonl" 2>"$d/index.log" ||
    { cat "$d/index.log" >&2; exit 1; }
  xapian-compact "$d/db" "$d/db-compact" >/dev/null
  rm -rf "$d/db"
  DB[$1]=$d/db-compact
}
index_with new
if [[ -n ${SCHEMA[old]} && ${SCHEMA[old]} == "${SCHEMA[new]}" ]]; then
  DB[old]=${DB[new]}
  INDEXED="once, by new (schema ${SCHEMA[new]})"
else
  index_with old
  INDEXED="by each (schema old '${SCHEMA[old]:-?}', new '${SCHEMA[new]:-?}')"
fi

# --- the servers: both up, only one measured at a time ------------------------------------------
for b in old new; do
  PORT[$b]=$(free_port)
  quiet=()
  "${BUILD[$b]}/server/dateline-serve" --help 2>&1 | grep -q -- --log-quiet && quiet=(--log-quiet)
  # wrk's connections all come from 127.0.0.1: no per-address limit (builds that have one)
  "${BUILD[$b]}/server/dateline-serve" --help 2>&1 | grep -q -- --max-per-ip && quiet+=(--max-per-ip 0)
  "${BUILD[$b]}/server/dateline-serve" -d "${DB[$b]}" -l "127.0.0.1:${PORT[$b]}" -t "$THREADS" \
    "${quiet[@]}" 2>"$WORK/serve-$b.log" &
  PIDS+=($!)
  wait_port "${PORT[$b]}" || { log "$b dateline-serve did not start"; cat "$WORK/serve-$b.log" >&2; exit 1; }
  total=$(curl -s "http://127.0.0.1:${PORT[$b]}/api/search?q=vietnam" | jq -r .total)
  result build=$b kind=check query=vietnam total="$total"
  log "$b: ${DESC[$b]} on port ${PORT[$b]}; 'vietnam' finds $total"
done
# warm-up (page cache, allocator): one short unrecorded point each
for b in old new; do
  (DUR=1 RESULTS=/dev/null wrk_point "warmup-$b" 4 "http://127.0.0.1:${PORT[$b]}/" \
    '/api/search?q={q}' 2>/dev/null) || true
done
for r in $(seq 1 "$ROUNDS"); do
  order="old new"
  (( r % 2 == 0 )) && order="new old"  # OLD NEW, NEW OLD, ...: drift within a pair cancels
  for c in $CONCS; do
    for b in $order; do
      wrk_point "$b" "$c" "http://127.0.0.1:${PORT[$b]}/" '/api/search?q={q}' build=$b round="$r"
    done
  done
done
for p in "${PIDS[@]}"; do stop_pid "$p"; done
PIDS=()

# --- the table ------------------------------------------------------------------------------
python3 - "$RESULTS" "$WORK/compare.json" "${DESC[old]}" "${DESC[new]}" "$INDEXED" "$DOCS" \
  "$DUR" "$ROUNDS" "$THREADS" <<'EOF'
import json, statistics, sys
res, out, old_desc, new_desc, indexed, docs, dur, rounds, threads = sys.argv[1:]
rows = [json.loads(l) for l in open(res) if l.strip()]
http = [r for r in rows if r.get("kind") == "http" and r.get("build") in ("old", "new")]
checks = {r["build"]: r.get("total") for r in rows if r.get("kind") == "check"}
concs = sorted({r["conc"] for r in http})
summary = {"old": old_desc, "new": new_desc, "indexed": indexed, "docs": int(docs),
           "dur_s": float(dur), "rounds": int(rounds), "server_threads": int(threads),
           "check_vietnam_total": checks, "points": []}
print(f"\nOLD = {old_desc}\nNEW = {new_desc}")
print(f"{docs} documents, indexed {indexed}; {threads} server threads; "
      f"{rounds} rounds of {dur} s per point, OLD and NEW alternating (ABBA); 'vietnam' finds "
      f"{checks.get('old')} (old) / {checks.get('new')} (new)\n")
print("| conc | build | QPS | p50 ms | p99 ms | errors | QPS per round |")
print("|---:|---|---:|---:|---:|---:|---|")
ratio_rows = []
for c in concs:
    med = {}
    for b in ("old", "new"):
        pts = [r for r in http if r["conc"] == c and r["build"] == b]
        if not pts:
            continue
        m = {k: statistics.median(p[k] for p in pts) for k in ("qps", "p50_ms", "p99_ms")}
        m["errors"] = sum(p["errors"] for p in pts)
        med[b] = m
        summary["points"].append(dict(conc=c, build=b, rounds=[
            {k: p[k] for k in ("round", "qps", "p50_ms", "p99_ms", "errors")} for p in pts], **m))
        print(f"| {c} | {b} | {m['qps']:.0f} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | "
              f"{m['errors']} | {' '.join('%.0f' % p['qps'] for p in pts)} |")
    if "old" in med and "new" in med:
        o, n = med["old"], med["new"]
        ratio_rows.append((c, n["qps"] / o["qps"], n["p50_ms"] / o["p50_ms"],
                           n["p99_ms"] / o["p99_ms"]))
print("\n| conc | NEW/OLD QPS | NEW/OLD p50 | NEW/OLD p99 |")
print("|---:|---:|---:|---:|")
for c, q, p50, p99 in ratio_rows:
    print(f"| {c} | {q:.2f} | {p50:.2f} | {p99:.2f} |")
    summary["points"].append(dict(conc=c, ratio_qps=round(q, 3), ratio_p50=round(p50, 3),
                                  ratio_p99=round(p99, 3)))
print("\nQPS ratio > 1 and latency ratios < 1 favour NEW. Expect +-10% from noise on a shared "
      "machine; compare the per-round figures before believing a small difference.")
json.dump(summary, open(out, "w"), indent=1)
EOF
echo "(results: $RESULTS, $WORK/compare.json)"
