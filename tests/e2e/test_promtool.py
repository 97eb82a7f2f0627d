#!/usr/bin/env python3
"""End-to-end: `promtool check metrics` (Prometheus' own linter, Debian's prometheus package)
accepts a scrape of /metrics taken after requests to every kind of route. Skipped (77) without
promtool: on PATH, or in tests/tools/ where `scripts/deps.sh --test` extracts it."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402


def find_promtool():
    local = os.path.join(dltest.SOURCE_ROOT, "tests", "tools", "usr", "bin", "promtool")
    return shutil.which("promtool") or (local if os.access(local, os.X_OK) else None)


def run(c):
    db = dltest.build_index(dltest.sample_dir())
    with Server(db) as s:
        for path in ("/api/search?q=minister", "/search?q=trade", "/nope", "/api/nope",
                     "/static/no-such.css", "/api/doc/x"):
            s.get(path)
        s.raw(b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
        r = s.get("/metrics")
        c.eq(r.status, 200, "GET /metrics: 200")
    p = subprocess.run([promtool, "check", "metrics"], input=r.body, capture_output=True,
                       timeout=60)
    c.check(p.returncode == 0, "promtool check metrics: no problem",
            (p.stdout + p.stderr).decode("utf-8", "replace")[-2000:])


if __name__ == "__main__":
    promtool = find_promtool()
    if not promtool:
        print("skipped: no promtool (scripts/deps.sh --test extracts it)")
        sys.exit(77)
    main(run, "promtool")
