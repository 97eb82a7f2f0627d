#!/usr/bin/env python3
"""End-to-end: GET /api/export. CSV parsed with Python's csv module has the columns in order,
one row per match (rows == total), in the search's order, with the filters applied; NDJSON is
one JSON object per line; CRLF rows and the BOM; the headers of a file; bad parameters are 400
JSON; --export-limit and limit= cap the rows. An index of 2,500 generated readouts makes the
export cross its 1,000-match pages. The /search page links to the CSV of its search."""

import csv
import html
import io
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402

COLUMNS = ["id", "date", "title", "source", "dateline", "url", "kind", "people", "countries"]
N_GENERATED = 2500


def generated_index():
    """2,500 readouts: a third undated, sources alternating, titles with commas and quotes."""
    src = os.path.join(dltest.tempdir(), "many.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for i in range(N_GENERATED):
            date = None if i % 3 == 0 else "2025-%02d-%02d" % (i % 12 + 1, i % 28 + 1)
            f.write(json.dumps({
                "id": "gen/%04d" % i, "date": date, "lang": "en",
                "title": 'Readout %d, "quoted", on trade' % i,
                "source": "VNA" if i % 2 else "Xinhua", "url": "https://example.org/%d" % i,
                "body": "Officials met in Hà Nội on trade, item %d.\nSecond line, with a comma."
                        % i}, ensure_ascii=False) + "\n")
    return dltest.build_index(src)


def search_ids(s, **params):
    """Every id of a search, in order, 100 at a time."""
    ids, offset = [], 0
    while True:
        st, r = s.search(limit=100, offset=offset, facets=0, collapse=0, **params)
        ids += [h["id"] for h in r["hits"]]
        offset += 100
        if offset >= r["total"] or not r["hits"]:
            return ids


def export(s, **params):
    qs = "&".join("%s=%s" % (k, dltest.q(str(v))) for k, v in params.items())
    return s.get("/api/export?" + qs, timeout=120)


def csv_rows(c, r, what):
    c.eq(r.status, 200, "%s: 200" % what)
    text = r.body.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    c.check(rows and rows[0] == COLUMNS, "%s: the header row" % what, rows[:1])
    return rows[1:], text


def check_csv(c, s, what, **params):
    r = export(s, format="csv", **params)
    rows, text = csv_rows(c, r, what)
    search = {k: v for k, v in params.items() if k != "limit"}
    st, res = s.search(facets=1, limit=1, collapse=0, **search)
    c.eq(len(rows), res["total"], "%s: one row per match (%d)" % (what, res["total"]))
    c.check(all(len(row) == len(COLUMNS) for row in rows), "%s: every row has 9 fields" % what)
    c.eq([row[0] for row in rows], search_ids(s, **search), "%s: rows in the search's order"
         % what)
    c.check(text.count("\r\n") >= len(rows) + 1, "%s: rows end with CRLF" % what)
    return rows, r


def test_generated(c):
    with Server(generated_index()) as s:
        rows, r = check_csv(c, s, "all, newest first")
        c.eq(len(rows), N_GENERATED, "every readout exported, across 1,000-match pages")
        c.eq(len(set(row[0] for row in rows)), N_GENERATED, "no readout twice")
        c.eq(r.header("content-type"), "text/csv; charset=utf-8; header=present", "CSV's type")
        c.check('attachment; filename="dateline-export.csv"' == r.header("content-disposition"),
                "a CSV attachment", r.header("content-disposition"))
        by_id = {row[0]: row for row in rows}
        g = by_id.get("gen/0007")
        c.check(g and g[2] == 'Readout 7, "quoted", on trade' and g[3] == "VNA" and
                g[1] == "2025-08-08" and g[5] == "https://example.org/7",
                "fields with quotes and commas come back whole", g)
        c.check(by_id.get("gen/0003", ["", "x"])[1] == "", "an undated readout: empty date")
        rows, _ = check_csv(c, s, "a filter, oldest first", source="xinhua", sort="-date")
        c.check(rows and all(row[3] == "Xinhua" for row in rows), "the source filter applied")
        c.eq(len(rows), N_GENERATED // 2, "half are Xinhua")
        check_csv(c, s, "a query by relevance", q="trade item", sort="relevance")
        check_csv(c, s, "a date range", **{"from": "2025-03-01", "to": "2025-04-30"})
        for sort in ("date", "-date", "relevance"):
            rows, _ = csv_rows(c, export(s, format="csv", sort=sort, offset=1500, q="trade"),
                               "offset 1500, sort " + sort)
            c.eq([row[0] for row in rows], search_ids(s, sort=sort, q="trade")[1500:],
                 "offset=1500, sort %s: the list from its 1,501st match" % sort)

        # NDJSON has no header: a first page all passed over (offset=2000) must not end it,
        # nor a last dated page that ends a page exactly (the undated follow).
        dated = len([1 for i in range(N_GENERATED) if i % 3])
        for off in (2000, dated):
            r = export(s, format="ndjson", offset=off, sort="date")
            got = [json.loads(x)["id"] for x in r.body.decode("utf-8").splitlines()]
            c.eq(got, search_ids(s, sort="date")[off:], "ndjson offset=%d: the rest" % off)
        r = export(s, format="ndjson", source="vna")
        c.eq(r.status, 200, "ndjson: 200")
        c.eq(r.header("content-type"), "application/x-ndjson", "NDJSON's type")
        lines = r.body.decode("utf-8").split("\n")
        c.eq(lines[-1], "", "ndjson ends with a newline")
        objs = []
        for line in lines[:-1]:
            try:
                objs.append(json.loads(line))
            except ValueError:
                c.check(False, "ndjson: each line is JSON", line[:200])
                break
        c.eq(len(objs), N_GENERATED // 2, "ndjson: one object per match")
        c.check(all(list(o) == COLUMNS and isinstance(o["people"], list) for o in objs),
                "ndjson: the columns in order, lists as arrays", objs[:1])
        c.check(all(o["source"] == "VNA" for o in objs), "ndjson: the filter applied")


def test_sample(c):
    db = dltest.build_index(dltest.sample_dir())
    with Server(db) as s:
        rows, _ = check_csv(c, s, "sample, 'xi'", q="xi")
        r = export(s, format="csv", bom=1, q="xi")
        c.check(r.body.startswith(b"\xef\xbb\xbfid,date,"), "bom=1: a UTF-8 BOM first")
        st, res = s.search(q="xi", limit=100, collapse=0)
        lists = {h["id"]: h for h in res["hits"]}
        row = rows[0] if rows else [""] * 9
        h = lists.get(row[0], {})
        c.eq(row[7], "; ".join(h.get("people", [])), "people joined with '; '")
        c.eq(row[6], h.get("kind") or "", "the kind column")
        for bad in ("format=xml", "format=CSV", "bom=2", "limit=0", "limit=abc",
                    "limit=100001", "from=2026-13-01", "sort=size", "q=%00"):
            r = s.get("/api/export?" + bad)
            ok = r.status == 400 and r.header("content-type") == "application/json"
            try:
                ok = ok and r.json()["error"]["code"] == "bad_request"
            except ValueError:
                ok = False
            c.check(ok, "%s: 400 JSON" % bad, (r.status, r.body[:200]))
        r = s.get("/api/export?q=xi", method="HEAD")
        c.check(r.status == 200 and r.body == b"", "HEAD: 200 without a body", r.status)

        page = s.get("/search?q=xi&source=vna&sort=-date")
        m = re.search(r'<a href="(/api/export\?[^"]*)" download>Download CSV</a>', page.text)
        c.check(m is not None, "the /search page links to the CSV")
        if m:
            href = html.unescape(m.group(1))
            c.check("q=xi" in href and "source=vna" in href and "sort=-date" in href and
                    "format=csv" in href, "the link carries the query, filters and order", href)
            got, _ = csv_rows(c, s.get(href), "the page's CSV")
            c.eq([row[0] for row in got], search_ids(s, q="xi", source="vna", sort="-date"),
                 "the page's CSV is its search")
        page = s.get("/search?q=zzzznothing")
        c.check("Download CSV" not in page.text, "no download link without results")

    with Server(db, args=["--export-limit", "3"]) as s:
        rows, _ = csv_rows(c, export(s, format="csv"), "--export-limit 3")
        c.eq(len(rows), 3, "--export-limit 3: three rows")
        rows, _ = csv_rows(c, export(s, format="csv", limit=2, sort="-date"), "limit=2")
        c.eq([row[0] for row in rows], search_ids(s, sort="-date")[:2], "limit=2: the first two")
        r = export(s, limit=4)
        c.eq(r.status, 400, "limit over --export-limit: 400")


def test(c):
    test_sample(c)
    test_generated(c)


if __name__ == "__main__":
    main(test, "export")
