#!/usr/bin/env bash
# Install what dateline needs on Debian, skipping what is already there (scdoc, for the man
# pages, and libsystemd-dev, for sd_notify and socket activation, are optional for the build).
#   scripts/deps.sh          build and run (compiler, meson, libraries)
#   scripts/deps.sh --package   also what building the Debian package needs (README)
#   scripts/deps.sh --test   also what the tests use (clang for fuzzing, chromium + node for the
#                            browser test, valgrind, python3-jsonschema for the e2e tests' check
#                            against web/openapi.json, python3-feedparser and jing for the Atom
#                            feed's test, dpkg-dev, debhelper and lintian for the package
#                            test) and the npm packages of tests/browser and
#                            tests/api (Redocly's CLI, the lint of web/openapi.json), and
#                            promtool from Debian's prometheus package (tests/e2e/test_promtool)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(gcc g++ meson ninja-build pkg-config python3
      libxapian-dev xapian-tools libmicrohttpd-dev libcjson-dev libutf8proc-dev zlib1g-dev libzstd-dev
      scdoc libsystemd-dev)
if [[ "${1:-}" == "--package" ]]; then
  pkgs+=(dpkg-dev debhelper lintian)
fi
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=(clang libclang-rt-14-dev valgrind chromium curl python3-jsonschema
    python3-feedparser jing dpkg-dev debhelper lintian)
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
if [[ "${1:-}" == "--test" ]] && ! command -v promtool >/dev/null 2>&1 &&
  [[ ! -x tests/tools/usr/bin/promtool ]]; then
  # Installing the prometheus package would set up (and, without systemd, maybe start) a
  # Prometheus server: only its promtool is wanted, taken out of the .deb into tests/tools/.
  echo "deps: extracting promtool from Debian's prometheus package (tests/tools)" >&2
  deb_dir=$(mktemp -d)
  if (cd "$deb_dir" && apt-get download -q prometheus >&2) &&
    dpkg-deb -x "$deb_dir"/prometheus_*.deb "$deb_dir/x" &&
    mkdir -p tests/tools/usr/bin && cp "$deb_dir/x/usr/bin/promtool" tests/tools/usr/bin/; then
    :
  else
    # Not fatal: without it test_promtool is skipped (exit 77).
    echo "deps: could not extract promtool: test_promtool will be skipped" >&2
  fi
  rm -rf "$deb_dir"
fi
