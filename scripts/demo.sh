#!/usr/bin/env bash
# Install what is missing, build, index the bundled sample readouts and serve them on
# http://127.0.0.1:8080 (Ctrl-C stops the server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
[[ -d build ]] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
./build/indexer/dateline-index -d ./dateline.db data/sample
echo "serving http://127.0.0.1:8080 (Ctrl-C to stop)" >&2
exec ./build/server/dateline-serve -d ./dateline.db -l 127.0.0.1:8080
