#!/usr/bin/env bash
# Build and run every test: the normal build, the same suite under ASan+UBSan, and (when clang
# is present) a short libFuzzer smoke run. Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }

builds=()
run_suite() { # name, meson setup args...
  local dir=$1; shift
  if [[ ! -f $dir/build.ninja ]]; then
    rm -rf "$dir"
    if ! meson setup "$dir" "$@" >"$dir.setup.log" 2>&1; then
      cat "$dir.setup.log"; echo "setup of $dir failed"; builds+=("$dir:setup-failed"); return
    fi
  elif ! meson configure "$dir" "$@" >"$dir.setup.log" 2>&1; then
    # A directory set up earlier (by demo.sh, before the test deps existed) gets this run's
    # options too, so that no test silently drops out.
    cat "$dir.setup.log"; echo "configure of $dir failed"; builds+=("$dir:setup-failed"); return
  fi
  if ! ninja -C "$dir" >"$dir.ninja.log" 2>&1; then
    tail -50 "$dir.ninja.log"; echo "build of $dir failed"; builds+=("$dir:build-failed"); return
  fi
  meson test -C "$dir" --print-errorlogs --num-processes 2 ${SUITE:+--suite "$SUITE"}
  builds+=("$dir")
}

# The normal build also builds the Debian package and lints it (tests/package: a few minutes).
run_suite build -Dbrowser_tests=enabled -Dpackage_test=true
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false
if command -v clang >/dev/null 2>&1; then
  CC=clang CXX=clang++ SUITE=fuzz run_suite build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbrowser_tests=disabled
fi

python3 - "${builds[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
for b in sys.argv[1:]:
    if ':' in b:
        failed += 1
        continue
    try:
        lines = open(b + '/meson-logs/testlog.json').read().splitlines()
    except OSError:
        failed += 1
        continue
    for line in lines:
        r = json.loads(line).get('result')
        if r in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif r == 'SKIP':
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
