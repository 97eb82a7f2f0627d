#!/usr/bin/env python3
"""Export memory bench: does dateline-serve's memory grow with the rows of /api/export?

  bench/export_rss.py --index DIR [--build build] [--rows 100,80000] [--format csv]
                      [--query Q] [--sort S] [--repeat 1]

For each row count (and a baseline that exports nothing), a fresh dateline-serve (-t 1) is
started on the index, asked once for GET /api/export?format=F&limit=N&q=Q (the whole body read
and its rows counted), and its peak resident memory read from /proc/PID/status (VmHWM) before
it is stopped. A fresh server per figure, so that each peak is that request's alone. The index
must hold at least the largest row count of matches; build one from ../shared/corpus in /tmp,
for example (about 87,000 readouts):

  build/indexer/dateline-index -d /tmp/export-big.db ../shared/corpus/*.jsonl.gz

Prints one line per figure: rows, bytes, seconds, VmHWM and VmRSS in MiB. Never run by the
test command (it needs a large index and takes a while).
"""
import argparse
import csv
import io
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def get(port, path, timeout=600):
    """GET path; returns (status, bytes read, records: CSV records or NDJSON lines). The
    client holds the whole body: only the server's memory is measured."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    if (r.getheader("Content-Type") or "").startswith("text/csv"):
        records = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    else:
        records = body.count(b"\n")
    return r.status, len(body), records


def measure(args, rows):
    port = free_port()
    serve = os.path.join(args.build, "server", "dateline-serve")
    proc = subprocess.Popen([serve, "-d", args.index, "-l", "127.0.0.1:%d" % port, "-t", "1",
                             "--log-quiet"], stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        t0 = time.time()
        status = size = lines = 0
        if rows:
            params = {"q": args.query, "format": args.format, "limit": rows}
            if args.sort:
                params["sort"] = args.sort
            qs = urllib.parse.urlencode(params)
            status, size, lines = get(port, "/api/export?" + qs)
        took = time.time() - t0
        hwm = status_kib(proc.pid, "VmHWM") / 1024.0
        rss = status_kib(proc.pid, "VmRSS") / 1024.0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    got = lines - (1 if args.format == "csv" and rows else 0)  # CSV: the header record
    return status, got, size, took, hwm, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rows", default="100,80000", help="row counts, comma-separated")
    ap.add_argument("--format", default="csv", choices=["csv", "ndjson"])
    ap.add_argument("--query", default="", help="q (default: every readout, newest first)")
    ap.add_argument("--sort", default="", help="sort= (default: the search's)")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    counts = [0] + [int(n) for n in args.rows.split(",")]
    print("%-8s %8s %12s %8s %10s %10s" % ("limit", "rows", "bytes", "s", "VmHWM MiB",
                                            "VmRSS MiB"))
    for n in counts:
        for _ in range(args.repeat):
            status, got, size, took, hwm, rss = measure(args, n)
            if n and (status != 200 or got != n):
                print("limit %d: status %d, %d rows" % (n, status, got), file=sys.stderr)
            print("%-8s %8d %12d %8.2f %10.1f %10.1f" % (n or "(none)", got, size, took, hwm,
                                                         rss))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
