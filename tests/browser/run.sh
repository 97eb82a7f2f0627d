#!/usr/bin/env bash
# Run the browser test outside meson: tests/browser/run.sh [BUILD_DIR] (default: build).
# Builds the two programs, installs playwright-core from package-lock.json if missing, and runs
# browser.test.mjs against Debian's chromium. `meson test -C BUILD_DIR browser` does the same.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)

if [[ ! -x /usr/bin/chromium ]]; then
  echo "browser test: /usr/bin/chromium is missing (scripts/deps.sh --test installs it)" >&2
  exit 77
fi
if [[ ! -d $here/node_modules/playwright-core ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
ninja -C "$build" indexer/dateline-index server/dateline-serve >&2

export DL_SOURCE_ROOT=$root DL_BUILD_ROOT=$build
export DL_INDEX=$build/indexer/dateline-index DL_SERVE=$build/server/dateline-serve
exec node "$here/browser.test.mjs"
