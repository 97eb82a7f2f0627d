#!/usr/bin/env python3
"""End-to-end: dateline-index commits while dateline-serve answers a steady stream of
requests; new, edited and removed readouts (and a new alias table) are picked up without a
restart, and no request fails."""

import http.client
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, doc_path, main  # noqa: E402

TEMPLATE = """Quokkafest{n} delegation visits Hà Nội

HÀ NỘI — On February {day}, 2026, a delegation of the Quokkafest{n} Society led by \
Chairman Zorblax Quimby visited Hà Nội to discuss cultural exchanges with Vietnamese partners.

The two sides agreed to hold the next Quokkafest{n} fair in Đà Nẵng and to expand \
people-to-people exchanges. — VNA/VNS
"""

QUERIES = ["to lam", "ha noi", "congratulate", "china", "", "习近平", '"strategic partnership"',
           "quokkafest1", "wang yi", "xi"]


MIN_REQUESTS = 100  # the load threads go on until they have made this many


class Load:
    """Threads that keep querying; every status other than 200 (or 404 for docs) is a failure."""

    def __init__(self, server, nthreads=2):
        self.server = server
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.count = 0
        self.failures = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(nthreads)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        # at least MIN_REQUESTS however slow the machine (the check is that they ran, not how fast)
        deadline = time.time() + 120
        while self.count < MIN_REQUESTS and time.time() < deadline and \
                any(t.is_alive() for t in self.threads):
            time.sleep(0.05)
        self.stop.set()
        for t in self.threads:
            t.join(60)
        return False

    def record(self, path, status, detail=""):
        with self.lock:
            self.count += 1
            if status != 200:
                self.failures.append((path, status, detail[:200]))

    def run(self, i):
        # Thread 0 reuses one keep-alive connection, the others open one per request.
        conn = None
        n = 0
        while not self.stop.is_set():
            q = QUERIES[n % len(QUERIES)]
            n += 1
            path = ["/api/search?q=%s&limit=5", "/search?q=%s", "/healthz?%s",
                    "/api/doc/2026-02-09-pm-chinh-chinese-commerce-minister.txt?q=%s"][n % 4]
            path = path % dltest.q(q)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()
                self.record(path, r.status, body.decode("utf-8", "replace"))
                if i != 0 or r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                self.record(path, -1, repr(e))
                if conn:
                    conn.close()
                conn = None
        if conn:
            conn.close()


def test(c):
    src = dltest.copy_sample()
    db = dltest.build_index(src)
    with Server(db) as s:
        st, h0 = s.json("/healthz")
        docs0, rev0 = h0["documents"], h0["revision"]
        c.check(docs0 > 5, "the first index has the sample (%d readouts)" % docs0)
        with Load(s, 3) as load:
            time.sleep(0.5)
            # 1. one new readout per run, three runs
            for n in (1, 2, 3):
                with open(os.path.join(src, "new-%d.txt" % n), "w", encoding="utf-8") as f:
                    f.write(TEMPLATE.format(n=n, day=10 + n))
                dltest.run_index(src, db)
                found = dltest.wait_for(lambda: s.total("quokkafest%d" % n) == 1)
                c.check(found, "run %d: the new readout is found without a restart" % n)
            # 2. several commits in one run (--batch 1): readers meet discarded revisions
            for n in (4, 5, 6, 7):
                with open(os.path.join(src, "new-%d.txt" % n), "w", encoding="utf-8") as f:
                    f.write(TEMPLATE.format(n=n, day=10 + n))
            dltest.run_index(src, db, ["--batch", "1"])
            c.check(dltest.wait_for(lambda: all(s.total("quokkafest%d" % n) == 1 for n in (4, 5, 6, 7))),
                    "four readouts committed one by one are all found")
            # 3. an edit replaces, a deletion removes
            with open(os.path.join(src, "new-1.txt"), "w", encoding="utf-8") as f:
                f.write(TEMPLATE.format(n=1, day=11).replace("Zorblax", "Wombaticus"))
            os.remove(os.path.join(src, "new-2.txt"))
            dltest.run_index(src, db)
            c.check(dltest.wait_for(lambda: s.total("wombaticus") == 1 and s.total("zorblax") == 5),
                    "an edited readout is replaced", (s.total("wombaticus"), s.total("zorblax")))
            c.check(dltest.wait_for(lambda: s.get(doc_path("new-2.txt")).status == 404),
                    "a deleted readout is gone (404)")
            # 4. a new alias table is used for highlighting after the revision changes
            aliases = os.path.join(dltest.tempdir(), "aliases.tsv")
            default = os.path.join(dltest.SOURCE_ROOT, "data", "aliases.tsv")
            with open(aliases, "w", encoding="utf-8") as f:
                if os.path.exists(default):
                    with open(default, encoding="utf-8") as d:
                        f.write(d.read().rstrip("\n") + "\n")
                f.write("Zorblax Quimby\tZorb Kimbee\n")
            dltest.run_index(src, db, ["--aliases", aliases])
            ok = dltest.wait_for(lambda: s.total("zorb kimbee") >= 5)
            c.check(ok, "a new alias (zorb kimbee) finds Zorblax Quimby", s.total("zorb kimbee"))
            st, r = s.search(q="zorb kimbee")
            snippets = " ".join(h["snippet"] for h in r.get("hits", []))
            c.check("<mark>Zorblax Quimby</mark>" in snippets,
                    "the server reloaded the alias table: the variant is marked", snippets[:400])
            time.sleep(0.5)
        st, h1 = s.json("/healthz")
        c.check(h1["revision"] > rev0, "the revision moved (%d -> %d)" % (rev0, h1["revision"]))
        c.eq(h1["documents"], docs0 + 6, "documents: the sample + 7 new - 1 removed")
        c.check(load.count >= MIN_REQUESTS, "the load threads made %d requests" % load.count)
        c.check(load.failures == [], "no request failed during the re-indexing",
                load.failures[:5])
    log = s.log()
    c.check(" 503 " not in log and " 500 " not in log, "no 5xx in the access log")


if __name__ == "__main__":
    main(test, "reindex")
