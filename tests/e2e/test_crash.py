#!/usr/bin/env python3
"""Crash safety of dateline-index: SIGKILL at many points of a run over a large input; after
each kill the index opens (xapian-check), a running dateline-serve still answers with a committed
revision, and a final re-run completes with the exact expected document count. Also: a write
that fails (file-size limit standing in for a full disk) gives a clear error, exit 1, and leaves
the previous revision intact."""
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

INDEX = os.environ.get("DL_INDEX", "build/indexer/dateline-index")
SERVE = os.environ.get("DL_SERVE", "build/server/dateline-serve")
N_DOCS = 6000
BATCH = 150
passed = failed = 0

WORDS = ("cooperation trade railway border ambassador congress minister talks visit partnership "
         "investment security friendship delegation economy culture tourism agreement").split()


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok  ", what)
    else:
        failed += 1
        print("FAIL", what)


def make_corpus(path, n, seed, prefix):
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            body = " ".join(rnd.choice(WORDS) for _ in range(400))
            rec = {"id": f"{prefix}/{i:05d}", "title": f"Readout {i} on {rnd.choice(WORDS)}",
                   "date": f"20{rnd.randint(10, 26)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}",
                   "source": rnd.choice(["VNA/VNS", "Xinhua", None]), "lang": "en",
                   "body": f"Tô Lâm met Xi Jinping in Hà Nội. {body}"}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def doccount(db):
    p = subprocess.run(["xapian-delve", db], capture_output=True, text=True)
    m = re.search(r"number of documents = (\d+)", p.stdout)
    return int(m.group(1)) if m else -1


def xapian_check(db):
    p = subprocess.run(["xapian-check", db], capture_output=True, text=True)
    return p.returncode == 0 and "No errors found" in p.stdout


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, json.loads(r.read())


def main():
    tmp = tempfile.mkdtemp(prefix="dl-crash-")
    server = None
    try:
        corpus = os.path.join(tmp, "big.jsonl")
        make_corpus(corpus, N_DOCS, 1, "crash")
        db = os.path.join(tmp, "db")
        # A first, small committed revision for the server to open.
        seed = os.path.join(tmp, "seed.jsonl")
        make_corpus(seed, 50, 2, "seed")
        p = subprocess.run([INDEX, "-q", "-d", db, seed], capture_output=True, text=True)
        check(p.returncode == 0 and doccount(db) == 50, "seed revision committed (50 docs)")

        port = free_port()
        server = subprocess.Popen([SERVE, "-d", db, "-l", f"127.0.0.1:{port}", "-t", "2"],
                                  stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.1)

        rnd = random.Random(7)
        kills = survived = 0
        counts = []
        for attempt in range(16):
            proc = subprocess.Popen([INDEX, "-q", "--batch", str(BATCH), "-d", db, corpus, seed],
                                    stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.05, 1.0))
            if proc.poll() is not None:
                break  # finished before the kill: nothing left to interrupt
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            n = doccount(db)
            ok = xapian_check(db) and n >= 50
            try:
                status, health = get(f"http://127.0.0.1:{port}/healthz")
                status2, res = get(f"http://127.0.0.1:{port}/api/search?q=to+lam&limit=1")
                ok = ok and status == 200 and status2 == 200 and health["documents"] == n and res["total"] >= 1
            except OSError as e:
                print("   server:", e)
                ok = False
            survived += ok
            counts.append(n)
        check(kills >= 3, f"killed the indexer {kills} times mid-run")
        check(survived == kills, f"index sound and served after every kill ({survived}/{kills}); counts {counts}")
        check(counts == sorted(counts), "each kill keeps at least what the previous run committed")

        p = subprocess.run([INDEX, "-q", "-d", db, corpus, seed], capture_output=True, text=True)
        check(p.returncode == 0, "re-run after the kills exits 0")
        check(doccount(db) == N_DOCS + 50, f"exact document count after the re-run ({doccount(db)})")
        status, health = get(f"http://127.0.0.1:{port}/healthz")
        check(health["documents"] == N_DOCS + 50, "the server sees the final revision")

        # A failing write: RLIMIT_FSIZE makes writes fail with EFBIG, as a full disk would.
        db2 = os.path.join(tmp, "db2")
        subprocess.run([INDEX, "-q", "-d", db2, seed], check=True, capture_output=True)
        before = doccount(db2)

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        p = subprocess.run([INDEX, "-q", "-d", db2, corpus], capture_output=True, text=True,
                           preexec_fn=limit)
        err_lines = [l for l in p.stderr.splitlines() if "cannot" in l]
        check(p.returncode == 1 and err_lines, f"write failure: exit 1 with a clear error ({err_lines[:1]})")
        check(doccount(db2) == before and xapian_check(db2), "write failure: previous revision intact")

        ro = os.path.join(tmp, "ro")
        os.makedirs(ro)
        with open(os.path.join(ro, "x.txt"), "w") as f:
            f.write("x")
        p = subprocess.run([INDEX, "-q", "-d", "/proc/dateline-no-such-dir", seed], capture_output=True, text=True)
        check(p.returncode == 1 and "cannot open index" in p.stderr, "unwritable index location: exit 1, clear error")
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            try:
                rc = server.wait(timeout=10)
                check(rc == 0, "server exits 0 on SIGTERM")
            except subprocess.TimeoutExpired:
                server.kill()
                check(False, "server exits on SIGTERM")
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
