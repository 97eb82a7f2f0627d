#!/usr/bin/env bash
# Install what dateline needs on Debian, skipping what is already there.
#   scripts/deps.sh          build and run (compiler, meson, libraries)
#   scripts/deps.sh --test   also what the tests use (clang for fuzzing, chromium + node for the
#                            browser test, valgrind, python3-jsonschema for the e2e tests' check
#                            against web/openapi.json, python3-feedparser and jing for the Atom
#                            feed's test) and the npm packages of tests/browser and
#                            tests/api (Redocly's CLI, the lint of web/openapi.json)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(gcc g++ meson ninja-build pkg-config python3
      libxapian-dev xapian-tools libmicrohttpd-dev libcjson-dev libutf8proc-dev zlib1g-dev libzstd-dev)
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=(clang libclang-rt-14-dev valgrind chromium curl python3-jsonschema
    python3-feedparser jing)
  # Node may come from elsewhere than Debian (and Debian's npm then conflicts): install it
  # from Debian only when there is none.
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [[ "${1:-}" == "--test" && -f tests/browser/package.json ]]; then
  if [[ ! -d tests/browser/node_modules/playwright-core ]]; then
    echo "deps: installing npm test packages (tests/browser)" >&2
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
fi
if [[ "${1:-}" == "--test" && -f tests/api/package.json ]]; then
  if [[ ! -d tests/api/node_modules/@redocly/cli ]]; then
    echo "deps: installing npm test packages (tests/api)" >&2
    # Not fatal: without it the lint is skipped (exit 77), the rest of the tests run.
    (cd tests/api && npm ci --no-audit --no-fund --loglevel=error >&2) ||
      echo "deps: npm ci in tests/api failed: the openapi lint will be skipped" >&2
  fi
fi
