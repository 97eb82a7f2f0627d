#!/usr/bin/env python3
"""dateline-index end to end: exit codes, summary line, incremental runs, deletions,
undecodable and unreadable files, JSON Lines, and the real readouts in ../shared (if present)."""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dltest import sanitizer_report  # noqa: E402

INDEX = os.environ.get("DL_INDEX", "build/indexer/dateline-index")
SRC = os.environ.get("DL_SOURCE_ROOT", ".")
SAMPLE = os.path.join(SRC, "data", "sample")
SHARED = os.path.join(SRC, "..", "shared", "readouts")
passed = failed = 0

SUMMARY = re.compile(r"^(\d+) added, (\d+) updated, (\d+) unchanged, (\d+) removed, (\d+) skipped "
                     r"in [\d.]+ s \([\d.]+ docs/s, [\d.]+ MB/s\)$", re.M)


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok  ", what)
    else:
        failed += 1
        print("FAIL", what)


def run(*args):
    p = subprocess.run([INDEX, *args], capture_output=True, text=True, timeout=600)
    report = sanitizer_report(p.stderr)  # printed, and a failure, whatever the caller checks
    if report:
        check(False, "dateline-index %s: no sanitizer report on stderr" % " ".join(args))
        print("       " + report.replace("\n", "\n       "), flush=True)
    return p.returncode, p.stdout, p.stderr


def summary(stderr):
    m = SUMMARY.search(stderr)
    return tuple(int(x) for x in m.groups()) if m else None


def delve_count(db):
    p = subprocess.run(["xapian-delve", db], capture_output=True, text=True)
    m = re.search(r"number of documents = (\d+)", p.stdout)
    return int(m.group(1)) if m else -1


def main():
    tmp = tempfile.mkdtemp(prefix="dl-index-")
    try:
        db = os.path.join(tmp, "db")
        docs = os.path.join(tmp, "docs")
        os.makedirs(os.path.join(docs, "sub"))
        readouts = {
            "a.txt": "HÀ NỘI — Prime Minister Phạm Minh Chính met the ambassador on February 4, 2026.\n\nThey discussed trade. — VNA/VNS\n",
            "sub/b.txt": "Talks in Beijing\n\n2025-04-16\n\nGeneral Secretary Tô Lâm held talks with Xi Jinping.\n",
            "c.txt": "A readout with no date at all about railway cooperation.\n",
        }
        for name, text in readouts.items():
            with open(os.path.join(docs, name), "w", encoding="utf-8") as f:
                f.write(text)
        with open(os.path.join(docs, "d.txt"), "wb") as f:  # Windows-1252
            f.write("The \u201cfriendship\u201d \u2014 renewed in Hanoi on 4 March 2025.\n".encode("cp1252"))
        with open(os.path.join(docs, "ignored.md"), "w") as f:
            f.write("not a readout")

        rc, out, err = run("--help")
        check(rc == 0 and "usage: dateline-index" in out, "--help exits 0 with usage")
        rc, out, err = run("--version")
        check(rc == 0 and out.startswith("dateline-index "), "--version")
        rc, out, err = run("-d", db)
        check(rc == 2 and len(err.strip().splitlines()) == 1, "no PATH: exit 2, one line")
        rc, out, err = run("--bogus", docs)
        check(rc == 2 and "unknown option" in err, "unknown option: exit 2")
        rc, out, err = run("-d", db, os.path.join(tmp, "missing"))
        check(rc != 0 and "cannot open" in err and not os.path.exists(db),
              "missing PATH: error before the index is created")

        rc, out, err = run("-d", db, docs)
        check(rc == 0, f"first run exits 0 ({err.strip()[-200:]})")
        check(summary(err) == (4, 0, 0, 0, 0), f"first run: 4 added ({summary(err)})")
        check("Windows-1252" in err and "d.txt" in err, "cp1252 file reported with a warning")
        check(delve_count(db) == 4, "xapian-delve sees 4 documents")

        rc, out, err = run("-d", db, docs)
        check(rc == 0 and summary(err) == (0, 0, 4, 0, 0), f"second run: 4 unchanged ({summary(err)})")
        check("up to date" in err, "second run says the index is up to date")

        with open(os.path.join(docs, "a.txt"), "a", encoding="utf-8") as f:
            f.write("\nAn added paragraph.\n")
        os.remove(os.path.join(docs, "c.txt"))
        with open(os.path.join(docs, "sub", "e.txt"), "w") as f:
            f.write("Foreign Minister Le Hoai Trung met Wang Yi.\n")
        rc, out, err = run("-d", db, docs)
        check(rc == 0 and summary(err) == (1, 1, 2, 1, 0),
              f"edit + delete + add: 1 added, 1 updated, 2 unchanged, 1 removed ({summary(err)})")
        check(delve_count(db) == 4, "still 4 documents")

        bad = os.path.join(docs, "sub", "unreadable.txt")
        with open(bad, "w") as f:
            f.write("secret")
        os.chmod(bad, 0)
        if os.geteuid() != 0:
            rc, out, err = run("-d", db, docs)
            check(rc == 0 and "unreadable.txt" in err and summary(err)[4] == 1,
                  "unreadable file reported and skipped, the rest indexed")
        os.chmod(bad, 0o644)
        os.remove(bad)

        empty = os.path.join(docs, "empty.txt")
        open(empty, "w").close()
        rc, out, err = run("-d", db, docs)
        check(rc == 0 and "empty.txt" in err and summary(err)[4] == 1, "empty file skipped with a reason")
        os.remove(empty)

        # JSON Lines, gzip'd, with one broken line.
        jl = os.path.join(tmp, "export.jsonl.gz")
        recs = [{"id": "x/1", "title": "Call with Xi", "date": "2024-01-02", "source": "Xinhua",
                 "url": None, "lang": "en", "body": "Xi Jinping spoke with Tô Lâm by phone."},
                {"id": "x/2", "title": "Second", "date": None, "source": None, "body": "Đà Nẵng port."}]
        with gzip.open(jl, "wt", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
            f.write("{not json\n\n")
        rc, out, err = run("-d", db, jl)
        check(rc == 0 and summary(err) == (2, 0, 0, 0, 1), f"jsonl.gz: 2 added, 1 skipped ({summary(err)})")
        check(":3:" in err or "line 3" in err, "the broken JSON line is named")
        check(delve_count(db) == 6, "6 documents after the JSONL file")
        rc, out, err = run("-d", db, jl, docs)
        check(rc == 0 and summary(err)[2] == 6, "both inputs again: all unchanged")

        # A locked index: a second writer fails cleanly while the first holds the lock.
        # (The lock is held only during a run; simulate by running two at once on a big input.)

        # Several writers filling an empty index, merged at the end: same result as one.
        dbj = os.path.join(tmp, "dbj")
        rc, out, err = run("-d", dbj, "--jobs", "3", docs, jl)
        check(rc == 0 and summary(err) == (6, 0, 0, 0, 1), f"--jobs 3 on an empty index ({summary(err)})")
        check(delve_count(dbj) == 6 and not os.path.exists(dbj + ".shards")
              and not os.path.exists(dbj + ".merged"), "merged: 6 documents, no shards left behind")
        p = subprocess.run(["xapian-check", dbj], capture_output=True, text=True)
        check(p.returncode == 0, "merged index passes xapian-check")
        rc, out, err = run("-d", dbj, "--jobs", "3", docs, jl)
        check(rc == 0 and summary(err)[2] == 6, "a second run over the merged index: all unchanged")
        rc, out, err = run("-d", dbj, "--jobs", "0", docs)
        check(rc == 2, "--jobs 0 is a usage error")

        rc, out, err = run("-d", os.path.join(tmp, "db2"), SAMPLE)
        n = summary(err)
        check(rc == 0 and n is not None and n[0] >= 10 and n[4] == 0,
              f"data/sample indexes without skips ({n})")

        if os.path.isdir(SHARED):
            db3 = os.path.join(tmp, "db3")
            rc, out, err = run("-d", db3, SHARED)
            check(rc == 0 and summary(err) == (5, 0, 0, 0, 0), "../shared/readouts: 5 added")
            rc, out, err = run("-d", db3, SHARED)
            check(rc == 0 and summary(err) == (0, 0, 5, 0, 0), "../shared/readouts again: 5 unchanged")
            p = subprocess.run(["xapian-check", db3], capture_output=True, text=True)
            check(p.returncode == 0 and "No errors found" in p.stdout, "xapian-check: no errors")
        else:
            print("skipped: ../shared/readouts is absent")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
