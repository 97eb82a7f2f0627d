#!/usr/bin/env python3
"""End-to-end: read replicas kept current with Xapian's replication (doc/replicas.md).

dateline-index --changesets N writes the master; xapian-replicate-server serves its parent
folder on a free loopback port; xapian-replicate -o brings a replica up to date, once per
step. dateline-serve reads the replica and must follow it without a restart, as it follows a
local index:
  - the first replication is a full copy; an incremental run on the master then ships as
    changesets ("0 copies, N changesets"), applied while clients search: every answer 200,
    and the new readouts are found;
  - a master rebuilt from nothing (a new database) is a full copy into the replica's other
    folder; two of them in a row, while a one-thread server makes no request in between,
    reuse the first folder's name (the case dbwatch.h is for): the server answers as a fresh
    one does;
  - a sharded index: each shard replicated on its own under REPLICA/shard-NN, the master's
    stub copied beside them (and left alone by incremental runs);
  - without replication, an empty local index filled by two writers and renamed into place.
Skipped (exit 77) without xapian-replicate and xapian-replicate-server (Debian's xapian-tools).
"""

import http.client
import os
import re
import socket
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main, q  # noqa: E402

TEMPLATE = """Numbatfest{n} delegation visits Huế

HUẾ — On April {day}, 2026, a delegation of the Numbatfest{n} Society led by Chairwoman \
Ottoline Brackenridge met provincial leaders in Huế to discuss heritage conservation.

The two sides agreed to open a Numbatfest office in Huế. — VNA/VNS
"""

QUERIES = ["to lam", "xi", "numbatfest", "", "ha noi", '"strategic partnership"', "brackenridge"]


def add_readouts(folder, numbers):
    os.makedirs(folder, exist_ok=True)
    for n in numbers:
        with open(os.path.join(folder, "numbat-%02d.txt" % n), "w", encoding="utf-8") as f:
            f.write(TEMPLATE.format(n=n, day=1 + n % 28))


class ReplicateServer:
    """xapian-replicate-server on a free 127.0.0.1 port, serving every database under parent."""

    def __init__(self, parent):
        self.parent = parent
        self.proc = None
        self.port = None

    def start(self):
        for attempt in range(5):
            self.port = dltest.free_port()
            self.proc = subprocess.Popen(
                ["xapian-replicate-server", "-I", "127.0.0.1", "-p", str(self.port),
                 self.parent], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                # its SIGTERM handler signals its whole process group: not ours
                start_new_session=True)

            def listening():
                if self.proc.poll() is not None:
                    return True
                try:
                    with socket.create_connection(("127.0.0.1", self.port), 1):
                        return True
                except OSError:
                    return False

            dltest.wait_for(listening, 10)
            if self.proc.poll() is None:
                return self
            # the port was taken between free_port() and its bind: another one
        raise RuntimeError("xapian-replicate-server did not start: %s"
                           % self.proc.stderr.read().decode("utf-8", "replace"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def replicate(rs, master_name, replica):
    """One xapian-replicate -o run; returns (exit status, copies, changesets, its output)."""
    p = dltest.run_program(["xapian-replicate", "-h", "127.0.0.1", "-p", str(rs.port),
                            "-m", master_name, "-o", "-v", "-r", "1", replica],
                           "xapian-replicate", timeout=120)
    out = p.stdout + p.stderr
    m = re.search(r"Update complete: (\d+) copies, (\d+) changesets", out)
    if not m:
        return p.returncode, -1, -1, out
    return p.returncode, int(m.group(1)), int(m.group(2)), out


def changesets_in(db):
    return sorted(n for n in os.listdir(db) if n.startswith("changes"))


class Load:
    """Clients searching until stop(): every status seen, and the failures."""

    def __init__(self, port, clients=3):
        self.port = port
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.sent = 0
        self.failures = []
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True)
                        for i in range(clients)]
        for t in self.threads:
            t.start()

    def client(self, i):
        n = 0
        conn = None
        while not self.stopping.is_set():
            query = QUERIES[(i + n) % len(QUERIES)]
            path = "/api/search?q=%s&limit=5" % q(query) if n % 3 else "/search?q=%s" % q(query)
            n += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                status = r.status
            except (OSError, http.client.HTTPException) as e:
                status = "%s: %s" % (type(e).__name__, e)
                conn.close()
                conn = None
            with self.lock:
                self.sent += 1
                if status != 200:
                    self.failures.append((path, status))
        if conn:
            conn.close()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(60)


def answers(s):
    """The totals and first ids of QUERIES: what a server finds."""
    out = []
    for query in QUERIES:
        st, r = s.search(q=query, limit=10, facets=0)
        out.append((query, st, r["total"] if st == 200 else None,
                    [h["id"] for h in r["hits"]] if st == 200 else None))
    return out


def test_changesets_option(c, src, tmp):
    for bad in ("x", "-1", "100001", ""):
        p = subprocess.run([dltest.DL_INDEX, "-d", os.path.join(tmp, "bad"), "--changesets", bad,
                            src], stderr=subprocess.PIPE, timeout=60)
        c.check(p.returncode == 2 and len(p.stderr.splitlines()) == 1
                and not os.path.exists(os.path.join(tmp, "bad")),
                "--changesets %r: exit 2, one line, nothing written" % bad, p.stderr)
    # 0 = none, even when the environment asks for them
    db = os.path.join(tmp, "none")
    env = dict(os.environ, XAPIAN_MAX_CHANGESETS="5")
    for extra in ([], ["--batch", "1"]):
        p = subprocess.run([dltest.DL_INDEX, "-q", "-d", db, "--changesets", "0"] + extra + [src],
                           stderr=subprocess.PIPE, timeout=120, env=env)
        add_readouts(os.path.join(src, "zero"), [90, 91])
    c.check(p.returncode == 0 and changesets_in(db) == [],
            "--changesets 0 writes none, whatever XAPIAN_MAX_CHANGESETS says", changesets_in(db))
    shutil.rmtree(os.path.join(src, "zero"))


def test(c):
    for tool in ("xapian-replicate", "xapian-replicate-server", "xapian-delve"):
        if not shutil.which(tool):
            print("%s not installed (Debian's xapian-tools): skipped" % tool)
            sys.exit(77)
    src = dltest.copy_sample()
    tmp = dltest.tempdir()
    test_changesets_option(c, src, tmp)

    parent = os.path.join(tmp, "master")  # what xapian-replicate-server serves
    os.makedirs(parent)
    master = os.path.join(parent, "dateline.db")
    replica = os.path.join(tmp, "replica", "dateline.db")
    os.makedirs(os.path.dirname(replica))
    dltest.run_index(src, master, ["--changesets", "20"])
    rs = ReplicateServer(parent).start()
    try:
        run_replicas(c, src, master, replica, rs)
        run_sharded(c, src, parent, tmp, rs)
        run_local_swap(c, src, tmp)
    finally:
        rs.stop()


def run_replicas(c, src, master, replica, rs):
    rc, copies, sets, out = replicate(rs, "dateline.db", replica)
    c.check(rc == 0 and copies == 1, "the first replication is a full copy", out)
    with open(os.path.join(replica, "XAPIANDB")) as f:
        c.check(re.search(r"^auto replica_[01]$", f.read(), re.M),
                "the replica is a stub folder pointing at replica_N")
    base = len([n for n in os.listdir(src) if n.endswith(".txt")])

    with Server(replica, threads=4) as s:
        st, h = s.json("/healthz")
        c.eq((st, h["documents"]), (200, base), "the server reads the replica")

        # incremental: 6 new readouts in 3 commits (--batch 2), so 3 changesets to apply
        add_readouts(os.path.join(src, "new"), range(6))
        dltest.run_index(src, master, ["--changesets", "20", "--batch", "2"])
        c.check(len(changesets_in(master)) >= 3, "the incremental run wrote changesets",
                changesets_in(master))
        load = Load(s.port)
        time.sleep(0.3)
        rc, copies, sets, out = replicate(rs, "dateline.db", replica)
        time.sleep(0.3)
        load.stop()
        c.check(rc == 0 and copies == 0 and sets >= 3,
                "the incremental run ships as changesets, not a copy", out)
        print("load during the replication: %d requests" % load.sent, flush=True)
        c.check(load.sent >= 10 and load.failures == [],
                "every search during the replication answered 200 (%d sent)" % load.sent,
                load.failures[:5])
        c.check(dltest.wait_for(lambda: s.json("/healthz")[1]["documents"] == base + 6),
                "the running server counts the new readouts", s.json("/healthz")[1])
        c.eq(s.total("numbatfest"), 6, "the running server finds the new readouts")
        c.eq(s.total("numbatfest3"), 1, "... each of them")

        # an edit and a removal ship as changesets too
        os.remove(os.path.join(src, "new", "numbat-05.txt"))
        with open(os.path.join(src, "new", "numbat-00.txt"), "a", encoding="utf-8") as f:
            f.write("\nA later paragraph about quollification.\n")
        dltest.run_index(src, master, ["--changesets", "20"])
        rc, copies, sets, out = replicate(rs, "dateline.db", replica)
        c.check(rc == 0 and copies == 0 and sets == 1, "an edit and a removal: one changeset",
                out)
        c.check(dltest.wait_for(lambda: s.total("quollification") == 1),
                "the running server finds the edit")
        c.eq(s.total("numbatfest"), 5, "... and no longer the removed readout")

    # A master rebuilt from nothing is a new database: a full copy into the replica's other
    # folder. A one-thread server reads the first rebuild's copy, makes no request during the
    # next two, and is left with a handle on the folder whose name the third reuses, at the
    # same revision (each rebuild is one commit): Xapian's reopen() alone sees no change.
    with Server(replica, threads=1) as s:
        c.eq(s.total("numbatfest"), 5, "a one-thread server reads the replica")
        for k, numbers in enumerate((range(20, 22), range(25, 28), range(30, 34))):
            shutil.rmtree(master)
            shutil.rmtree(os.path.join(src, "new"))
            add_readouts(os.path.join(src, "new"), numbers)
            # the second by two writers, merged and renamed into place
            jobs = ["-j", "2"] if k == 1 else []
            dltest.run_index(src, master, ["--changesets", "20"] + jobs)
            rc, copies, sets, out = replicate(rs, "dateline.db", replica)
            c.check(rc == 0 and copies == 1, "rebuilt master %d: a full copy" % (k + 1), out)
            if k == 0:
                c.check(dltest.wait_for(lambda: s.total("numbatfest") == 2),
                        "the server follows the first full copy")
        c.check(dltest.wait_for(lambda: s.json("/healthz")[1]["documents"] == base + 4),
                "after two more full copies the server counts the new readouts",
                s.json("/healthz")[1])
        got = answers(s)
        with Server(replica, threads=1) as fresh:
            want = answers(fresh)
        c.eq(got, want, "after two more full copies the server answers as a fresh one does")
        c.eq(s.total("numbatfest31"), 1, "... and finds the last rebuild's readouts")


def run_local_swap(c, src, tmp):
    """The same switch without replication: an empty index served while dateline-index -j2
    fills it (its writers' databases merged and renamed into place)."""
    empty = os.path.join(tmp, "empty-src")
    os.makedirs(empty)
    db = os.path.join(tmp, "local.db")
    dltest.run_index(empty, db)
    with Server(db, threads=1) as s:
        c.eq(s.json("/healthz")[1]["documents"], 0, "a server on an empty local index")
        dltest.run_index(src, db, ["-j", "2"])
        c.check(dltest.wait_for(lambda: s.total("numbatfest") > 0),
                "filled by two writers and renamed into place, the index's readouts are found",
                s.json("/healthz")[1])
        got = answers(s)
        with Server(db, threads=1) as fresh:
            c.eq(got, answers(fresh), "... as a fresh server finds them")


def run_sharded(c, src, parent, tmp, rs):
    """A sharded index: each shard replicated on its own, the master's stub copied."""
    master = os.path.join(parent, "sharded.db")
    replica = os.path.join(tmp, "replica", "sharded.db")
    dltest.run_index(src, master, ["--shards", "2", "--changesets", "20"])
    os.makedirs(replica)
    shutil.copy(os.path.join(master, "XAPIANDB"), os.path.join(replica, "XAPIANDB"))

    def replicate_all():
        runs = [replicate(rs, "sharded.db/shard-%02d" % i, os.path.join(replica, "shard-%02d" % i))
                for i in range(2)]
        return [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs], runs

    rcs, copies, sets, runs = replicate_all()
    c.check(rcs == [0, 0] and copies == [1, 1], "each shard: a full copy first", runs)
    with Server(replica) as s:
        total = s.json("/healthz")[1]["documents"]
        add_readouts(os.path.join(src, "more"), range(40, 48))
        stub = os.path.join(master, "XAPIANDB")
        before = os.stat(stub)
        dltest.run_index(src, master, ["--changesets", "20"])
        after = os.stat(stub)
        c.eq((after.st_ino, after.st_mtime_ns), (before.st_ino, before.st_mtime_ns),
             "an incremental run leaves the shards' stub alone")
        rcs, copies, sets, runs = replicate_all()
        c.check(rcs == [0, 0] and copies == [0, 0] and min(sets) >= 1,
                "each shard then takes changesets", runs)
        c.check(dltest.wait_for(lambda: s.json("/healthz")[1]["documents"] == total + 8),
                "the server on the sharded replica counts the new readouts")
        c.eq(s.total("numbatfest"), s.total("brackenridge"), "both words of the new readouts")
        c.eq(s.total("numbatfest44"), 1, "the server on the sharded replica finds a new one")


if __name__ == "__main__":
    main(test, "replicas")
