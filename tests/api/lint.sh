#!/usr/bin/env bash
# Lint web/openapi.json, the API description, with Redocly's CLI (meson test 'openapi_lint').
# The CLI is installed into tests/api/node_modules by scripts/deps.sh --test (npm ci, from
# package-lock.json); without it, or without node, the test is skipped (77).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
redocly=$here/node_modules/.bin/redocly
if ! command -v node >/dev/null 2>&1 || [[ ! -x $redocly ]]; then
  echo "openapi lint: no node or no $redocly (scripts/deps.sh --test installs it): skipped" >&2
  exit 77
fi
# No telemetry, no update check: a test never talks to the network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
# redocly.yaml and .redocly.lint-ignore.yaml are read from here.
cd "$here"
exec "$redocly" lint --config redocly.yaml ../../web/openapi.json
