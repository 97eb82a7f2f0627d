#!/usr/bin/env bash
# dateline against its peers and limits, one after another, in one command.
#   bench/run.sh [CORPUS.jsonl[.gz]] [WORKDIR]
# Default corpus: ../shared/corpus/whitehouse_briefing_room.jsonl.gz. Uses the peers harness in
# ../shared/peers (Omega scriptindex + CGI under lighttpd, SQLite FTS5, raw Xapian, bare
# libmicrohttpd), then measures dateline-index and dateline-serve the same way (same documents,
# same 50 queries, same wrk Lua script, 127.0.0.1 only). Prints a table with ratios and writes
# WORKDIR/bench.json.  env: DUR (s per load point, default 5), CONCS (default "1 16 64"),
# STEPS (peer steps, default "omega xapian fts5 mhd"), SKIP_PEERS=1 (reuse earlier peer results).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/peers}
CORPUS=$(readlink -f "${1:-$ROOT/../shared/corpus/whitehouse_briefing_room.jsonl.gz}")
NAME=$(basename "$CORPUS"); NAME=${NAME%.gz}; NAME=${NAME%.jsonl}
export WORK=${2:-/tmp/dateline-bench/$NAME}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export DUR=${DUR:-5} CONCS=${CONCS:-1 16 64}
[[ -d $PEERS ]] || { echo "bench: no peers harness at $PEERS" >&2; exit 1; }
[[ -f $CORPUS ]] || { echo "bench: no corpus at $CORPUS" >&2; exit 1; }

"$ROOT/scripts/deps.sh"
"$PEERS/setup.sh" >"$WORK/setup.log" 2>&1 || { echo "bench: peer setup failed, see $WORK/setup.log" >&2; exit 1; }
[[ -d $ROOT/build-release ]] || meson setup "$ROOT/build-release" "$ROOT" --buildtype=release -Db_ndebug=true >/dev/null
ninja -C "$ROOT/build-release" indexer/dateline-index server/dateline-serve >/dev/null

if [[ "${SKIP_PEERS:-0}" != 1 ]]; then
  STEPS=${STEPS:-omega xapian fts5 mhd} SKIP_SETUP=1 OMEGA_CONCS="$CONCS" MHD_CONCS="$CONCS" \
    MHD_MODES=${MHD_MODES:-epoll-pool2} XAPIAN_INDEX=${XAPIAN_INDEX:-0} \
    XAPIAN_VARIANTS=${XAPIAN_VARIANTS:-nosnip:and:1 nosnip:and:2 snip:and:1} FTS5_THREADS=${FTS5_THREADS:-1 2} \
    "$PEERS/run-all.sh" "$CORPUS" "$WORK"
fi
source "$PEERS/lib.sh"   # result, timev, wrk_point, rss_hwm_kb, ... (needs WORK)
RESULTS=$WORK/results.jsonl
DOCS=$(jq .docs "$WORK/corpus-stats.json"); TB=$(jq .text_bytes "$WORK/corpus-stats.json")

# --- dateline-index: the same documents the peers indexed (prepare.py's corpus.jsonl) -----------
D=$WORK/dateline; rm -rf "$D"; mkdir -p "$D"
log "dateline: index build"
timev "$D/index" "$ROOT/build-release/indexer/dateline-index" -q -d "$D/db" "$WORK/corpus.jsonl"
f=$(timev_fields "$D/index"); eval "$f"
read dps mbs < <(python3 -c "import sys;w=float(sys.argv[1]);print(round($DOCS/w,1), round($TB/1e6/w,2))" "$wall_s")
result system=dateline kind=index phase=dateline-index docs=$DOCS $f docs_per_s=$dps mb_per_s=$mbs index_bytes=$(du_bytes "$D/db")
log "dateline: ${wall_s}s  $dps docs/s  $mbs MB/s  rss=${maxrss_kb}KB  $(tail -1 "$D/index.log")"
timev "$D/compact" xapian-compact "$D/db" "$D/db-compact"
f=$(timev_fields "$D/compact")
result system=dateline kind=index phase=xapian-compact docs=$DOCS $f index_bytes=$(du_bytes "$D/db-compact")

# --- dateline-serve over HTTP, like the peers --------------------------------------------------
PORT=$(free_port)
"$ROOT/build-release/server/dateline-serve" -d "$D/db-compact" -l "127.0.0.1:$PORT" -t "$(nproc)" --log-quiet \
  --max-per-ip 0 2>"$D/serve.log" &
SPID=$!; trap 'stop_pid $SPID' EXIT
wait_port "$PORT" || { log "dateline-serve did not start"; cat "$D/serve.log" >&2; exit 1; }
curl -s "http://127.0.0.1:$PORT/api/search?q=vietnam" > "$WORK/dateline-sample.json"
result system=dateline kind=check query=vietnam results_shown=$(jq '.hits|length' "$WORK/dateline-sample.json") \
  highlights=$(jq -r '.hits[].snippet' "$WORK/dateline-sample.json" | grep -o '<mark>' | wc -l) bytes=$(wc -c < "$WORK/dateline-sample.json")
for c in $CONCS; do
  wrk_point dateline "$c" "http://127.0.0.1:$PORT/" '/api/search?q={q}' server_rss_kb=$(rss_hwm_kb $SPID)
done
result system=dateline kind=rss what="dateline-serve after load" maxrss_kb=$(rss_hwm_kb $SPID)
stop_pid $SPID; trap - EXIT

python3 "$ROOT/bench/report.py" "$RESULTS" "$WORK/corpus-stats.json" "$WORK/bench.json"
