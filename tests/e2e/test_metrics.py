#!/usr/bin/env python3
"""End-to-end: GET /metrics. Counters move with the requests made (3 searches: +3 for
/api/search 200; a 404 and a 421 counted; the histogram's count equals the requests), the
index, build and process_* gauges are there and plausible, 429s are counted, and with --token
the scrape needs the token."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
import metrics_text as mt  # noqa: E402
from dltest import Server, main  # noqa: E402

TOKEN = "dl-metrics-token-0123456789abcdef"


def scrape(c, s, headers=None):
    r = s.get("/metrics", headers=headers)
    c.eq(r.status, 200, "GET /metrics: 200")
    c.eq(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8",
         "the scrape is text/plain version 0.0.4")
    return mt.parse(r.body.decode("utf-8"))


def test_counters(c, s):
    before = scrape(c, s)
    for q in ("minister", "trade", "congratulate"):
        st, _ = s.search(q=q)
        c.eq(st, 200, "search %s: 200" % q)
    c.eq(s.get("/no-such-page").status, 404, "an unknown path: 404")
    c.eq(s.get("/api/doc/no-such-readout.txt").status, 404, "an unknown readout: 404")
    st, _ = s.raw(b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    c.eq(st, 421, "a foreign Host: 421")
    after = scrape(c, s)

    def grew(name, **labels):
        return mt.value(after, name, **labels) - mt.value(before, name, **labels)

    req = "dateline_http_requests_total"
    c.eq(grew(req, route="/api/search", status="200"), 3, "3 searches: the counter grew by 3")
    c.eq(grew(req, route="unmatched", status="404"), 1, "the unknown path: route \"unmatched\"")
    c.eq(grew(req, route="/api/doc/", status="404"), 1,
         "the readout's 404 counted under the route's pattern, not its path")
    c.eq(grew(req, route="/healthz", status="421"), 1, "the 421 counted")
    c.eq(grew("dateline_http_rejected_total", reason="misdirected"), 1,
         "the 421 counted as rejected (misdirected)")
    c.check(not any("no-such" in lab.get("route", "") for lab, _ in mt.series(after, req)),
            "no raw path is a label value", mt.series(after, req))

    h = "dateline_http_request_duration_seconds"
    for route in ("/api/search", "/metrics", "unmatched"):
        total = sum(v for lab, v in mt.series(after, req) if lab["route"] == route)
        count = mt.value(after, h + "_count", route=route)
        c.eq(count, total, "%s: the histogram's count equals its requests" % route)
        buckets = sorted((float(lab["le"]), v) for lab, v in mt.series(after, h + "_bucket")
                         if lab["route"] == route)
        c.check(buckets and buckets[-1] == (float("inf"), count), "%s: +Inf bucket = count"
                % route, buckets)
        c.check(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])),
                "%s: buckets are cumulative" % route, buckets)
    c.eq(grew(h + "_count", route="/api/search"), 3, "the search histogram counted 3 more")
    c.check(grew(h + "_sum", route="/api/search") > 0, "their latency adds to the sum")
    c.check(grew("dateline_http_response_bytes_total", route="/api/search") > 300,
            "the searches' body bytes are counted")
    c.check(mt.value(after, "dateline_http_requests_in_flight") >= 1,
            "in flight: at least the scrape itself")


def test_gauges(c, s, t_start):
    st, health = s.json("/healthz")
    m = scrape(c, s)
    c.eq(mt.value(m, "dateline_index_documents"), health["documents"],
         "index documents: as /healthz says")
    c.eq(mt.value(m, "dateline_index_revision"), health["revision"],
         "index revision: as /healthz says")
    reopen = mt.value(m, "dateline_index_last_reopen_timestamp_seconds")
    c.check(t_start - 5 <= reopen <= time.time() + 5,
            "last reopen: unix seconds since the server started", reopen)
    builds = mt.series(m, "dateline_build_info")
    c.check(len(builds) == 1 and builds[0][1] == 1 and builds[0][0].get("version"),
            "dateline_build_info{version=...} 1", builds)
    started = mt.value(m, "process_start_time_seconds")
    c.check(t_start - 5 <= started <= time.time() + 5, "process_start_time_seconds: now-ish",
            (t_start, started))
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                 "process_virtual_memory_bytes", "process_open_fds", "process_max_fds"):
        c.check(mt.value(m, name) > 0, "%s is there and positive" % name)
    c.check(mt.value(m, "process_resident_memory_bytes") <
            mt.value(m, "process_virtual_memory_bytes"), "resident < virtual")
    c.check(mt.value(m, "process_open_fds") <= mt.value(m, "process_max_fds"),
            "open fds <= max fds")


def test_rate(c, db):
    with Server(db, ["--rate", "1"]) as s:
        time.sleep(1.2)  # the start-up's /healthz polls spent the bucket
        statuses = [s.get("/healthz").status for _ in range(6)]
        limited = statuses.count(429)
        c.check(limited >= 1, "--rate 1: a burst of 6 gets 429s", statuses)
        time.sleep(2.2)
        m = scrape(c, s)
        c.eq(mt.value(m, "dateline_http_rate_limited_total"),
             mt.value(m, "dateline_http_requests_total", route="/healthz", status="429"),
             "rate_limited_total counts the 429s")
        c.check(mt.value(m, "dateline_http_rate_limited_total") >= limited,
                "every 429 of the burst is counted", (limited, statuses))


def test_token(c, db):
    path = os.path.join(dltest.tempdir(), "token")
    with open(path, "w") as f:
        f.write(TOKEN)
    os.chmod(path, 0o600)
    with Server(db, ["--token", path]) as s:
        c.eq(s.get("/metrics").status, 401, "--token: /metrics without the token: 401")
        scrape(c, s, headers={"Authorization": "Bearer " + TOKEN})


def run(c):
    db = dltest.build_index(dltest.sample_dir())
    t_start = time.time()
    with Server(db) as s:
        test_counters(c, s)
        test_gauges(c, s, t_start)
    test_rate(c, db)
    test_token(c, db)


if __name__ == "__main__":
    main(run, "metrics")
