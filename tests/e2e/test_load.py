#!/usr/bin/env python3
"""End-to-end: re-indexing under load. Eight keep-alive clients query dateline-serve while
dateline-index commits two new revisions, until both are committed, LOAD_FOR seconds have
passed and each client has made MIN_PER_CLIENT requests (at most MAX_PER_CLIENT); no request may fail or answer 5xx, and the new
readouts are found afterwards. Prints what was sent and how fast, but checks no speed."""

import http.client
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main, q  # noqa: E402

CLIENTS = 8
MIN_PER_CLIENT = 25     # requests each client makes at least, however slow the server
MAX_PER_CLIENT = 4000   # bound on requests per client, whatever the speed
COMMITS_AT = (1.0, 3.0)  # seconds after the start of the load
LOAD_FOR = 6.0          # seconds of load at least (longer when the commits take longer)

TEMPLATE = """Wombatcon{n} delegation visits Đà Nẵng

ĐÀ NẴNG — On March {day}, 2026, the Wombatcon{n} delegation led by Secretary Pelagia \
Thistlewood met city leaders in Đà Nẵng to discuss port logistics and tourism.

Both sides agreed to open a Wombatcon{n} office and to hold regular consultations. — VNA/VNS
"""

PATHS = ["/api/search?q=%s&limit=5", "/search?q=%s", "/api/search?q=%s&sort=-date&facets=0",
         "/api/doc/2026-02-09-pm-chinh-chinese-commerce-minister.txt?q=%s", "/healthz"]
QUERIES = ["to lam", "ha noi", "wombatcon1", "wombatcon4", "china", "", "strateg*",
           '"strategic partnership"', "thistlewood", "xi OR wang"]


class Load:
    def __init__(self, port):
        self.port = port
        self.lock = threading.Lock()
        self.sent = 0
        self.statuses = {}
        self.failures = []    # (path, status or exception)
        self.latencies = []
        self.reconnects = 0
        self.done = threading.Event()   # the load may end: commits over, LOAD_FOR passed
        self.per_client = [0] * CLIENTS  # requests made, set when a client ends
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True)
                        for i in range(CLIENTS)]

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.done.set()
        for t in self.threads:
            t.join(300)

    def client(self, i):
        conn = None
        lat = []
        n = 0
        while (n < MIN_PER_CLIENT or not self.done.is_set()) and n < MAX_PER_CLIENT:
            path = PATHS[(i + n) % len(PATHS)]
            if "%s" in path:
                path = path % q(QUERIES[(i * 7 + n) % len(QUERIES)])
            n += 1
            t0 = time.time()
            status = None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    with self.lock:
                        self.reconnects += 1
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                status = r.status
                if (r.getheader("Connection") or "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                status = "%s: %s" % (type(e).__name__, e)
                if conn:
                    conn.close()
                conn = None
            lat.append(time.time() - t0)
            with self.lock:
                self.sent += 1
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status != 200:
                    self.failures.append((path, status))
        if conn:
            conn.close()
        with self.lock:
            self.latencies.extend(lat)
            self.per_client[i] = n


def add_readouts(src, numbers, day):
    for n in numbers:
        with open(os.path.join(src, "wombatcon-%d.txt" % n), "w", encoding="utf-8") as f:
            f.write(TEMPLATE.format(n=n, day=day + n))


def test(c):
    src = dltest.copy_sample()
    db = dltest.build_index(src)
    with Server(db) as s:
        st, h0 = s.json("/healthz")
        load = Load(s.port)
        t_start = time.time()
        load.start()
        commits = []
        for k, (numbers, at) in enumerate(zip(((1, 2, 3), (4, 5, 6)), COMMITS_AT)):
            time.sleep(max(0, t_start + at - time.time()))
            add_readouts(src, numbers, day=k * 10)
            t0 = time.time()
            dltest.run_index(src, db)
            commits.append(time.time() - t0)
        time.sleep(max(0, t_start + LOAD_FOR - time.time()))
        load.join()
        elapsed = time.time() - t_start
        st, h1 = s.json("/healthz")
        lat = sorted(load.latencies)
        p50 = lat[len(lat) // 2] * 1000 if lat else 0
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0
        print("load: %d clients, %.1f s: %d requests sent, %d failed, %.0f req/s, "
              "p50 %.1f ms, p99 %.1f ms, %d connections opened; index commits took %s s"
              % (CLIENTS, elapsed, load.sent, len(load.failures), load.sent / elapsed, p50, p99,
                 load.reconnects, ", ".join("%.2f" % t for t in commits)), flush=True)
        print("load: statuses %s" % load.statuses, flush=True)
        c.check(min(load.per_client) >= MIN_PER_CLIENT, "every client made %d requests or more "
                "(%d sent)" % (MIN_PER_CLIENT, load.sent), load.per_client)
        c.check(load.sent <= CLIENTS * MAX_PER_CLIENT, "the request count is bounded")
        c.check(load.failures == [], "no request failed or answered 5xx (%d failed)"
                % len(load.failures), load.failures[:5])
        c.check(load.reconnects <= CLIENTS * 2, "the clients kept their connections alive "
                "(%d opened)" % load.reconnects)
        c.check(h1["revision"] >= h0["revision"] + 2, "two new revisions were committed "
                "(%d -> %d)" % (h0["revision"], h1["revision"]))
        c.eq(h1["documents"], h0["documents"] + 6, "six readouts were added")
        for n in range(1, 7):
            c.eq(s.total("wombatcon%d" % n), 1, "the new readout wombatcon%d is found" % n)
        c.eq(s.total("thistlewood"), 6, "all six are found by a shared word")
    log = s.log()
    c.check(" 500 " not in log and " 503 " not in log, "no 5xx in the access log")


if __name__ == "__main__":
    main(test, "load")
