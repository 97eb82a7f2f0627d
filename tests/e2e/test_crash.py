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
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import DL_INDEX as INDEX, Server, main, run_program  # noqa: E402

N_DOCS = 6000
BATCH = 150

WORDS = ("cooperation trade railway border ambassador congress minister talks visit partnership "
         "investment security friendship delegation economy culture tourism agreement").split()


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


def killed_run(db, corpus, seed, log_path, delay):
    """Start dateline-index over corpus and seed, its stderr in log_path; SIGKILL it after
    `delay` seconds. Returns (killed, exit status, stderr); a sanitizer report there fails the
    test."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([INDEX, "-q", "--batch", str(BATCH), "-d", db, corpus, seed],
                                stderr=log)
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
    with open(log_path, encoding="utf-8", errors="replace") as f:
        err = f.read()
    dltest.check_stderr("dateline-index (run to be killed)", err)
    return killed, proc.returncode, err


def test(c):
    tmp = dltest.tempdir("dl-crash-")
    corpus = os.path.join(tmp, "big.jsonl")
    make_corpus(corpus, N_DOCS, 1, "crash")
    db = os.path.join(tmp, "db")
    # A first, small committed revision for the server to open.
    seed = os.path.join(tmp, "seed.jsonl")
    make_corpus(seed, 50, 2, "seed")
    p = run_program([INDEX, "-q", "-d", db, seed], "dateline-index (seed)")
    c.check(p.returncode == 0 and doccount(db) == 50, "seed revision committed (50 docs)",
            p.stderr)

    with Server(db) as s:
        rnd = random.Random(7)
        kills = survived = 0
        counts = []
        problems = []
        for attempt in range(16):
            killed, rc, err = killed_run(db, corpus, seed,
                                         os.path.join(tmp, "index-%d.log" % attempt),
                                         rnd.uniform(0.05, 1.0))
            if not killed:
                # finished before the kill: nothing left to interrupt
                c.check(rc == 0, "a run that ended before its kill exits 0", err[-3000:])
                break
            kills += 1
            n = doccount(db)
            sound = xapian_check(db)
            try:
                status, health = s.json("/healthz")
                status2, res = s.json("/api/search?q=to+lam&limit=1")
                served = status == 200 and status2 == 200 and health["documents"] == n and \
                    res["total"] >= 1
                seen = (status, health, status2, res and res.get("total"))
            except (OSError, TypeError, KeyError) as e:
                served, seen = False, repr(e)
            ok = sound and n >= 50 and served
            if not ok:
                problems.append("kill %d: %d documents, xapian-check %s, server %r"
                                % (kills, n, "ok" if sound else "FAILED", seen))
            survived += ok
            counts.append(n)
        c.check(kills >= 3, f"killed the indexer {kills} times mid-run")
        c.check(survived == kills, f"index sound and served after every kill ({survived}/{kills}); "
                f"counts {counts}", "\n".join(problems))
        c.check(counts == sorted(counts), "each kill keeps at least what the previous run committed",
                counts)

        p = run_program([INDEX, "-q", "-d", db, corpus, seed], "dateline-index (re-run)")
        c.check(p.returncode == 0, "re-run after the kills exits 0", p.stderr)
        c.check(doccount(db) == N_DOCS + 50, f"exact document count after the re-run ({doccount(db)})")
        status, health = s.json("/healthz")
        c.check(status == 200 and health["documents"] == N_DOCS + 50,
                "the server sees the final revision", health)

    # A failing write: RLIMIT_FSIZE makes writes fail with EFBIG, as a full disk would.
    db2 = os.path.join(tmp, "db2")
    dltest.run_index(seed, db2, ["-q"])
    before = doccount(db2)

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    p = run_program([INDEX, "-q", "-d", db2, corpus], "dateline-index (file size limit)",
                    preexec_fn=limit)
    err_lines = [l for l in p.stderr.splitlines() if "cannot" in l]
    c.check(p.returncode == 1 and err_lines, f"write failure: exit 1 with a clear error "
            f"({err_lines[:1]})", p.stderr)
    c.check(doccount(db2) == before and xapian_check(db2), "write failure: previous revision intact")

    p = run_program([INDEX, "-q", "-d", "/proc/dateline-no-such-dir", seed],
                    "dateline-index (unwritable index)")
    c.check(p.returncode == 1 and "cannot open index" in p.stderr,
            "unwritable index location: exit 1, clear error", p.stderr)


if __name__ == "__main__":
    main(test, "crash")
