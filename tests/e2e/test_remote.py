#!/usr/bin/env python3
"""End-to-end: dateline-serve over a stub of remote shards (Debian's xapian-tcpsrv on loopback,
started here) answers as one local index of the same readouts does; a shard killed under load
gives flagged partial answers and never a failed request, and full answers come back when it
is restarted, without restarting dateline-serve; a shard that hangs costs a request at most
about twice --shard-timeout."""

import concurrent.futures
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, doc_path, free_port, main  # noqa: E402
from test_shards import QUERIES, compare, sample_and_generated  # noqa: E402

TCPSRV = shutil.which("xapian-tcpsrv")
NSHARDS = 3
TIMEOUT_MS = 400


class Shard:
    """xapian-tcpsrv serving one shard on a free loopback port, in its own process group (it
    forks a child per connection: killing the group takes them all)."""

    def __init__(self, path):
        self.path = path
        self.port = None
        self.proc = None

    def start(self, port=None):
        for _ in range(5):
            self.port = port or free_port()
            self.proc = subprocess.Popen(
                [TCPSRV, "--quiet", "--interface", "127.0.0.1", "--port", str(self.port),
                 self.path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
            if dltest.wait_for(self.listening, timeout=10):
                return self
            self.proc.wait(timeout=10)  # the port was taken: another one (or the same, later)
            time.sleep(0.2)
        raise RuntimeError("xapian-tcpsrv did not start on %s" % self.path)

    def listening(self):
        if self.proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def signal(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self):
        self.signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


def marks(s, query):
    r = s.get("/search?q=" + dltest.q(query))
    return r.status, len(re.findall(r"<mark", r.text))


def same_as_local(c, remote, local):
    compare(c, remote, local, "remote vs single")
    for query in ("to lam", "Tô Lâm", "苏林", "viet nam", "ha noi"):
        x, y = remote.search(q=query), local.search(q=query)
        c.eq(x[1]["written_as"], y[1]["written_as"], "%r: the same written_as" % query)
        c.eq(marks(remote, query), marks(local, query), "%r: the page marks as much" % query)
    for query in ("congratulatoins", "vietnm cooperaton", "quokkafst3"):
        x, y = remote.search(q=query), local.search(q=query)
        c.check(y[1]["suggestion"] is not None and x[1]["suggestion"] == y[1]["suggestion"],
                "%r: the same spelling suggestion (from the auxiliary database)" % query,
                (x[1]["suggestion"], y[1]["suggestion"]))
    # Pages shorter than the matches, in orders by value: Xapian 1.4 counts remote documents
    # twice in facets there unless they are counted apart (searcher.c, count_apart).
    for params in ({"q": "", "limit": 10}, {"q": "", "limit": 3, "sort": "date"},
                   {"q": "ha noi", "limit": 2, "sort": "-date"},
                   {"q": "source:vna", "limit": 5}):
        x, y = remote.search(**params), local.search(**params)
        c.check(x[0] == 200 and (x[1]["total"], x[1]["facets"]) == (y[1]["total"], y[1]["facets"])
                and [h["id"] for h in x[1]["hits"]] == [h["id"] for h in y[1]["hits"]],
                "%r: the same page, total and facets" % params,
                [(r[1]["total"], [h["id"] for h in r[1]["hits"]], r[1]["facets"]["year"])
                 for r in (x, y)])
    # Oldest first, across the dated readouts and the undated ones after them (remote shards
    # take no KeyMaker: searcher.c's oldest_first), twice (the second from the counts cache);
    # the undated ones tie, and come in the same order too (ties.h).
    total = local.total("")
    for offset in (0, total - 4, total - 2):
        for _ in range(2):
            params = {"q": "", "limit": 3, "offset": offset, "sort": "-date"}
            x, y = remote.search(**params), local.search(**params)
            xs, ys = ([(h["date"] or "~", h["id"]) for h in r[1]["hits"]] for r in (x, y))
            c.check(x[0] == 200 and x[1]["total"] == y[1]["total"] and xs == ys,
                    "oldest first from %d: the same readouts in the same date order" % offset,
                    (xs, ys))
    for path in ("/api/entities?q=to", "/api/entities?q=xi&type=person"):
        x, y = remote.get(path), local.get(path)
        c.check(x.status == 200 and x.body == y.body, "%s: the same entities" % path, x.body)
    st, r = local.search(q="", limit=50)
    for doc in [h["id"] for h in r["hits"]][:12]:
        x, y = remote.json(doc_path(doc)), local.json(doc_path(doc))
        # related readouts too: relevance feedback weighs words over every shard (cluster.c)
        c.check(x[0] == 200 and len(x[1]["related"]) <= 5 and x[1] == y[1],
                "/api/doc/%s: the same readout, the same related readouts" % doc,
                (x[1].get("related"), y[1].get("related")))
    x, y = remote.json("/healthz")[1], local.json("/healthz")[1]
    c.eq(x["documents"], y["documents"], "/healthz counts every readout")
    c.check(x["status"] == "ok" and x["shards_failed"] == 0 and len(x["shards"]) == NSHARDS
            and all(s["up"] for s in x["shards"]), "/healthz: ok, every shard up", x)


class Load:
    """Searches from 4 clients until stopped: every answer's status and shards_failed."""

    def __init__(self, server):
        self.server = server
        self.stop = threading.Event()
        self.answers = []
        self.lock = threading.Lock()
        self.pool = concurrent.futures.ThreadPoolExecutor(4)
        self.futures = [self.pool.submit(self.client, k) for k in range(4)]

    def client(self, k):
        i = k
        while not self.stop.is_set():
            st, r = self.server.search(q=QUERIES[i % len(QUERIES)])
            with self.lock:
                self.answers.append((st, r.get("shards_failed") if r else None))
            i += 1

    def count(self):
        with self.lock:
            return len(self.answers)

    def finish(self):
        self.stop.set()
        for f in self.futures:
            f.result()
        self.pool.shutdown()
        return self.answers


def killed_under_load(c, remote, local, shard):
    load = Load(remote)
    dltest.wait_for(lambda: load.count() >= 20)
    shard.kill()
    seen = load.count()
    dltest.wait_for(lambda: load.count() >= seen + 40)
    st, h = remote.json("/healthz")
    c.check(st == 200 and h["status"] == "degraded" and h["shards_failed"] == 1 and
            [s["up"] for s in h["shards"]].count(False) == 1,
            "a shard killed: /healthz says degraded and which shard is down", h)
    down = [s["name"] for s in h["shards"] if not s["up"]]
    c.eq(down, ["127.0.0.1:%d" % shard.port], "... naming the killed shard")
    metrics = remote.get("/metrics").text
    c.check('dateline_shard_up{shard="127.0.0.1:%d"} 0' % shard.port in metrics and
            metrics.count("dateline_shard_up{") == NSHARDS,
            "/metrics: dateline_shard_up is 0 for the killed shard, one line per shard")
    st, r = remote.search(q="")
    c.check(st == 200 and r["shards_failed"] == 1 and r["shards"] == NSHARDS and
            0 < r["total"] < local.total(""), "partial results are flagged shards_failed 1",
            (st, r and r.get("shards_failed"), r and r.get("total")))
    page = remote.get("/search?q=")
    c.check("Results from %d of %d shards" % (NSHARDS - 1, NSHARDS) in page.text,
            "the page says results come from %d of %d shards" % (NSHARDS - 1, NSHARDS))
    shard.start(shard.port)
    back = dltest.wait_for(lambda: remote.json("/healthz")[1]["status"] == "ok", timeout=20)
    c.check(back, "the shard restarted: /healthz says ok again, without a restart of the server")
    c.check(dltest.wait_for(lambda: remote.search(q="")[1]["shards_failed"] == 0),
            "full answers resume")
    answers = load.finish()
    failed = [a for a in answers if a[0] != 200]
    c.check(len(answers) > 60 and not failed,
            "under load through the kill and the restart: every request answered 200 (%d)"
            % len(answers), failed[:5])
    c.check(any(a[1] == 1 for a in answers) and answers[-1][1] == 0,
            "... some flagged partial, the last ones full", answers[-5:])
    compare(c, remote, local, "after the restart")


def hung(c, remote, local, shard):
    shard.signal(signal.SIGSTOP)
    try:
        t0 = time.time()
        st, r = remote.search(q="to lam")
        took = time.time() - t0
        c.check(st == 200 and r["shards_failed"] == 1,
                "a hung shard: the answer comes from the others, flagged", (st, r))
        # The search waits the timeout, then finding which shard it was takes another one.
        c.check(took < 2 * TIMEOUT_MS / 1000.0 + 2.0, "... within about twice --shard-timeout "
                "(%d ms): %.2f s" % (TIMEOUT_MS, took))
        t0 = time.time()
        st, r = remote.search(q="ha noi")
        c.check(st == 200 and r["shards_failed"] == 1 and time.time() - t0 < 1.5,
                "the next search leaves the hung shard out at once (%.2f s)" % (time.time() - t0))
    finally:
        shard.signal(signal.SIGCONT)
    c.check(dltest.wait_for(lambda: remote.search(q="")[1]["shards_failed"] == 0, timeout=20),
            "the shard answers again: full results")
    compare(c, remote, local, "after the hang")


def test(c):
    if not TCPSRV:
        print("xapian-tcpsrv (Debian's xapian-tools) not installed: skipped")
        sys.exit(77)
    src = sample_and_generated()
    tmp = dltest.tempdir()
    sharded, plain = os.path.join(tmp, "sharded"), os.path.join(tmp, "plain")
    dltest.run_index(src, sharded, ["--shards", str(NSHARDS)])
    dltest.run_index(src, plain)
    c.check(os.path.isdir(os.path.join(sharded, "aux")),
            "dateline-index --shards writes the auxiliary database DIR/aux")
    shards = [Shard(os.path.join(sharded, "shard-%02d" % i)).start() for i in range(NSHARDS)]
    try:
        stub = os.path.join(sharded, "remote.stub")
        with open(stub, "w") as f:
            f.write("# the shards on xapian-tcpsrv\n")
            for s in shards:
                f.write("remote 127.0.0.1:%d\n" % s.port)
        with Server(stub, args=["--shard-timeout", str(TIMEOUT_MS)], threads=4) as remote, \
                Server(plain) as local:
            same_as_local(c, remote, local)
            killed_under_load(c, remote, local, shards[1])
            hung(c, remote, local, shards[2])
            st, r = remote.search(q="to lam")
            c.eq(r["shards_failed"], 0, "in the end every shard answers")
        # A stub away from the index: the shards name their auxiliary database (DL_META_AUX).
        elsewhere = os.path.join(dltest.tempdir(), "shards.stub")
        shutil.copy(stub, elsewhere)
        with Server(elsewhere) as away, Server(plain) as local:
            x, y = away.search(q="vietnm cooperaton"), local.search(q="vietnm cooperaton")
            c.check(y[1]["suggestion"] and x[1]["suggestion"] == y[1]["suggestion"],
                    "a stub away from the index: the same spelling suggestion",
                    (x[1].get("suggestion"), y[1]["suggestion"]))
            c.check("failed, searching the others" in remote.log() and
                    "answers again" in remote.log(), "the log says when a shard fails and "
                    "when it is back", remote.log()[-1500:])
    finally:
        for s in shards:
            s.kill()


if __name__ == "__main__":
    main(test, "remote")
