#!/usr/bin/env bash
# How cost grows: indexes of growing size, and local against remote shards, in one run.
#   bench/growth.sh
# Builds dateline-index and dateline-serve (build-release, --buildtype=release -Db_ndebug=true)
# and indexes three corpora of growing size:
#   wh       ../shared/corpus/whitehouse_briefing_room.jsonl.gz (14,391 readouts)
#   all      every ../shared/corpus/*.jsonl.gz (87,436)
#   derived  all, each readout issued COPIES times by bench/derive.py (524,616 with COPIES=6;
#            new ids, dates moved back by whole months, paragraphs rotated: see derive.py)
# recording wall time, docs/s and the indexer's peak RSS (/usr/bin/time -v; divided by the
# writer threads -j for the per-writer figure). It then serves each with dateline-serve and
# measures QPS, p50 and p99 at each concurrency with wrk, the peers' Lua script and 50 queries
# (../shared/peers, as bench/compare.sh), and the server's RSS after the load (VmHWM, VmRSS).
# Last, `all` indexed again as 2 and 4 shards (--shards N) is served opened locally (the auto
# stub) and remotely (one xapian-tcpsrv per shard on a free 127.0.0.1 port, a stub of `remote`
# lines), both servers up, measured alternately ROUNDS times (local remote, remote local, ...).
# Prints one table and writes WORK/growth.json (raw points: WORK/growth-results.jsonl).
# Indexes are kept in WORK/index, keyed by DL_SCHEMA_VERSION and the corpus files (names,
# sizes, times, COPIES): a rerun reuses them (and reports the figures of the run that built them).
# env: DUR (s per point, default 10), CONCS (default "1 16"), ROUNDS (shard rounds, default 2),
#      SIZES (default "wh all derived"), SHARDS (default "2 4"; "" for none), SHARD_CORPUS (the
#      corpus sharded, default all; wh for a quick run), COPIES (default 6),
#      JOBS (indexer writer threads, default nproc), THREADS (server threads, default nproc),
#      REMOTE_THREADS (when > 0, a third server on the remote shards with that many threads),
#      INDEX_ONLY (1: build the indexes and stop; a later run measures them, reusing them),
#      WORK (default /tmp/dateline-growth). Debian packages only; never run by the test command.
set -euo pipefail
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,/^set -e/p' "$0" | grep '^#' >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$ROOT/../shared/peers}
CORPUS_DIR=${CORPUS_DIR:-$ROOT/../shared/corpus}
export WORK=${WORK:-/tmp/dateline-growth}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
export DUR=${DUR:-10}
CONCS=${CONCS:-1 16} ROUNDS=${ROUNDS:-2} SIZES=${SIZES:-wh all derived} SHARDS=${SHARDS-2 4}
SHARD_CORPUS=${SHARD_CORPUS:-all}
COPIES=${COPIES:-6} JOBS=${JOBS:-$(nproc)} THREADS=${THREADS:-$(nproc)}
[[ -d $PEERS ]] || { echo "growth: no peers harness at $PEERS" >&2; exit 1; }
[[ -f $CORPUS_DIR/whitehouse_briefing_room.jsonl.gz ]] || { echo "growth: no corpus in $CORPUS_DIR" >&2; exit 1; }
for tool in wrk xapian-tcpsrv curl jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "growth: $tool is missing (scripts/deps.sh, the peers' setup.sh)" >&2; exit 1; }
done
export RESULTS=$WORK/growth-results.jsonl
: >"$RESULTS"
source "$PEERS/lib.sh"   # log, result, wrk_point, free_port, wait_port, stop_pid, rss_*_kb

PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do stop_pid "$p"; done; PIDS=(); }
trap cleanup EXIT

# --- build -----------------------------------------------------------------------------------
B=$ROOT/build-release
[[ -d $B ]] || meson setup "$B" "$ROOT" --buildtype=release -Db_ndebug=true >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; exit 1; }
ninja -C "$B" -j2 indexer/dateline-index server/dateline-serve >>"$WORK/build.log" 2>&1 ||
  { tail -40 "$WORK/build.log" >&2; exit 1; }
SCHEMA=$(sed -n 's/^#define DL_SCHEMA_VERSION "\([^"]*\)".*/\1/p' "$ROOT/include/dateline/schema.h")
HEAD=$(git -C "$ROOT" rev-parse --short HEAD)
log "build $HEAD (schema $SCHEMA); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- corpora ---------------------------------------------------------------------------------
ALL=("$CORPUS_DIR"/*.jsonl.gz)
declare -A INPUTS
INPUTS[wh]=$CORPUS_DIR/whitehouse_briefing_room.jsonl.gz
INPUTS[all]="${ALL[*]}"
DERIVED=$WORK/corpus/derived-x$COPIES.jsonl
INPUTS[derived]=$DERIVED
INPUTS[copies]="${ALL[*]}"   # `all` indexed, then merged COPIES times (xapian-compact -m)
corpus_key() {  # names (resolved: the same from any checkout), sizes and times of the files
  local f; for f in "$@"; do stat -c '%n %s %Y' "$(readlink -f "$f")"; done
}
if [[ " $SIZES " == *" derived "* ]]; then
  want="copies=$COPIES $(md5sum <"$ROOT/bench/derive.py" | cut -c1-12) $(corpus_key "${ALL[@]}" | md5sum | cut -c1-12)"
  if [[ ! -s $DERIVED || $(cat "$DERIVED.key" 2>/dev/null) != "$want" ]]; then
    mkdir -p "$WORK/corpus"
    log "deriving $DERIVED (each readout issued $COPIES times)"
    python3 "$ROOT/bench/derive.py" "$DERIVED.tmp" "$COPIES" "${ALL[@]}" >/dev/null
    mv "$DERIVED.tmp" "$DERIVED"
    echo "$want" >"$DERIVED.key"
  fi
fi

# --- indexes (cached) ------------------------------------------------------------------------
# index NAME CORPUS SHARDS: WORK/index/NAME[-sN]; records one kind=index result
index() {
  local name=$1 corpus=$2 shards=$3 dir=$WORK/index/$1 opts=() key
  if [[ $shards -gt 1 ]]; then dir+=-s$shards; opts=(--shards "$shards"); fi
  # shellcheck disable=SC2086
  key="schema=$SCHEMA shards=$shards jobs=$JOBS $(corpus_key ${INPUTS[$corpus]} | md5sum | cut -c1-12)"
  [[ $corpus == copies ]] && key+=" copies=$COPIES"
  if [[ -f $dir.done && $(cat "$dir.key" 2>/dev/null) == "$key" ]]; then
    log "index $name (shards $shards): reusing $dir"
    cat "$dir.result" >>"$RESULTS"
    return
  fi
  rm -rf "$dir" "$dir.done" "$dir.result"; mkdir -p "$WORK/index"
  # shellcheck disable=SC2034  # set by eval "$f"
  local f docs wall_s user_s sys_s maxrss_kb exit jobs=$JOBS srcs=() k
  if [[ $corpus == copies ]]; then  # the cheap stand-in for derived: same statistics, ids repeated
    [[ -f $WORK/index/all.done ]] || index all all 1
    for ((k = 0; k < COPIES; k++)); do srcs+=("$WORK/index/all"); done
    log "index $name: $COPIES copies of all merged with xapian-compact -m ..."
    /usr/bin/time -v -o "$dir.time" xapian-compact -m "${srcs[@]}" "$dir" >"$dir.log" 2>&1 ||
      { tail -5 "$dir.log" >&2; exit 1; }
    jobs=1
    docs=$(xapian-delve "$dir" | sed -n 's/^number of documents = //p')
    echo "$docs documents merged" >>"$dir.log"
  else
    log "index $name (shards $shards, -j $JOBS) ..."
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$dir.time" "$B/indexer/dateline-index" -q -j "$JOBS" "${opts[@]}" -d "$dir" \
      ${INPUTS[$corpus]} >"$dir.log" 2>&1 || { tail -5 "$dir.log" >&2; exit 1; }
    docs=$(grep -o '^[0-9]* added' "$dir.log" | tail -1 | cut -d' ' -f1)
  fi
  f=$(timev_fields "$dir"); eval "$f"
  RESULTS=$dir.result result kind=index name="$name" corpus="$corpus" shards="$shards" jobs="$jobs" \
    docs="$docs" $f docs_per_s="$(python3 -c "print(round($docs/$wall_s,1))")" \
    rss_per_writer_kb=$((maxrss_kb / jobs)) index_bytes="$(du_bytes "$dir")" built_by="$HEAD" \
    summary="$(tail -1 "$dir.log")"
  cat "$dir.result" >>"$RESULTS"
  echo "$key" >"$dir.key"; touch "$dir.done"
  log "index $name: $(tail -1 "$dir.log"); peak RSS ${maxrss_kb} kB"
}
# the largest index last, measured last: the others are done should it be interrupted
for s in $SIZES; do [[ $s == derived ]] || index "$s" "$s" 1; done
for n in $SHARDS; do index "$SHARD_CORPUS" "$SHARD_CORPUS" "$n"; done
if [[ ${INDEX_ONLY:-0} == 1 ]]; then
  [[ " $SIZES " != *" derived "* ]] || index derived derived 1
  log "indexes ready (INDEX_ONLY=1): a run without it measures them"; exit 0
fi

# --- serving ---------------------------------------------------------------------------------
# serve DB: starts dateline-serve on DB; sets SPID and SPORT
serve() {
  SPORT=$(free_port)
  "$B/server/dateline-serve" -d "$1" -l "127.0.0.1:$SPORT" -t "$THREADS" --log-quiet --max-per-ip 0 \
    2>"$WORK/serve-$2.log" &
  SPID=$!; PIDS+=("$SPID")
  wait_port "$SPORT" || { log "dateline-serve on $1 did not start"; cat "$WORK/serve-$2.log" >&2; exit 1; }
  local total
  total=$(curl -s "http://127.0.0.1:$SPORT/api/search?q=vietnam" | jq -r .total)
  result kind=check label="$2" query=vietnam total="$total"
  log "$2: $1 on port $SPORT; 'vietnam' finds $total"
  (DUR=2 RESULTS=/dev/null wrk_point "warmup-$2" 4 "http://127.0.0.1:$SPORT/" \
    '/api/search?q={q}' >/dev/null 2>&1) || true
}
unserve() {  # unserve PID...: stops them and forgets them
  local p q keep=()
  for p in "$@"; do stop_pid "$p"; done
  for q in "${PIDS[@]}"; do [[ " $* " == *" $q "* ]] || keep+=("$q"); done
  PIDS=("${keep[@]}")
}
tree_rss_kb() {  # VmRSS of PIDs and their children, summed
  local p sum=0 c
  for p in "$@"; do
    for c in $p $(pgrep -P "$p" || true); do sum=$((sum + $(rss_now_kb "$c"))); done
  done
  echo $sum
}

measure_size() {
  serve "$WORK/index/$1" "size-$1"
  for c in $CONCS; do
    wrk_point "size-$1" "$c" "http://127.0.0.1:$SPORT/" '/api/search?q={q}' part=size name="$1"
  done
  result kind=rss part=size name="$1" hwm_kb="$(rss_hwm_kb "$SPID")" rss_kb="$(rss_now_kb "$SPID")"
  unserve "$SPID"
}
for s in $SIZES; do [[ $s == derived ]] || measure_size "$s"; done

# xapian-tcpsrv signals its whole process group when it stops: setsid keeps this script out of it
for n in $SHARDS; do
  dir=$WORK/index/$SHARD_CORPUS-s$n remote=$WORK/remote-s$n
  rm -rf "$remote"; mkdir -p "$remote"
  TCPS=()
  for ((i = 0; i < n; i++)); do
    port=$(free_port)
    setsid xapian-tcpsrv --quiet --interface 127.0.0.1 --port "$port" \
      "$dir/$(printf 'shard-%02d' "$i")" >"$remote/tcpsrv-$i.log" 2>&1 &
    TCPS+=($!); PIDS+=($!)
    wait_port "$port" || { log "xapian-tcpsrv for shard $i did not start"; cat "$remote/tcpsrv-$i.log" >&2; exit 1; }
    echo "remote 127.0.0.1:$port" >>"$remote/XAPIANDB"
  done
  declare -A SP=() SPT=()
  serve "$dir" "local-s$n"; SP[local]=$SPID SPT[local]=$SPORT
  serve "$remote" "remote-s$n"; SP[remote]=$SPID SPT[remote]=$SPORT
  modes="local remote"
  if [[ ${REMOTE_THREADS:-0} -gt 0 ]]; then  # remote with more server threads: they wait on the network
    THREADS=$REMOTE_THREADS serve "$remote" "remote-t$REMOTE_THREADS-s$n"
    SP[remote-t]=$SPID SPT[remote-t]=$SPORT modes+=" remote-t"
  fi
  for r in $(seq 1 "$ROUNDS"); do
    order=$modes; ((r % 2 == 0)) && order=$(echo "$modes" | tr ' ' '\n' | tac | tr '\n' ' ')
    for c in $CONCS; do
      for m in $order; do
        wrk_point "$m-s$n" "$c" "http://127.0.0.1:${SPT[$m]}/" '/api/search?q={q}' part=shards \
          shards="$n" mode="$m" round="$r"
      done
    done
  done
  for m in $modes; do
    result kind=rss part=shards shards="$n" mode="$m" hwm_kb="$(rss_hwm_kb "${SP[$m]}")" \
      rss_kb="$(rss_now_kb "${SP[$m]}")"
  done
  result kind=rss part=shards shards="$n" mode=tcpsrv rss_kb="$(tree_rss_kb "${TCPS[@]}")"
  for m in $modes; do unserve "${SP[$m]}"; done
  unserve "${TCPS[@]}"
done

if [[ " $SIZES " == *" derived "* ]]; then
  index derived derived 1
  measure_size derived
fi

python3 "$ROOT/bench/growth_report.py" "$RESULTS" "$WORK/growth.json" "$HEAD" "$SCHEMA" "$DUR" \
  "$ROUNDS" "$THREADS" "$JOBS" "${REMOTE_THREADS:-0}"
echo "(results: $RESULTS, $WORK/growth.json)"
