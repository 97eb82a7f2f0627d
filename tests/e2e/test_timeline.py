#!/usr/bin/env python3
"""End-to-end: the month facet and the /search page's timeline. The API's month facet counts
every dated match ("YYYY-MM", newest first) and adds up to the year facet, and to the total
less the undated matches (which are in no month); the page draws it as an inline SVG whose
bars link to the search restricted to their month, and following a bar's link finds exactly
its month's count."""

import html
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402
from test_pages import check_page  # noqa: E402


def dated_and_undated(s, query):
    """The numbers of dated and undated matches of q, by listing them all."""
    dated = undated = offset = 0
    while True:
        st, r = s.search(q=query, limit=100, offset=offset, facets=0)
        for h in r["hits"]:
            if h["date"]:
                dated += 1
            else:
                undated += 1
        offset += 100
        if offset >= r["total"]:
            return dated, undated


def check_months(c, s, query, extra=""):
    st, r = s.json("/api/search?q=%s%s" % (dltest.q(query), extra))
    c.eq(st, 200, "search %r: 200" % query)
    months = r["facets"]["month"]
    values = [m["value"] for m in months]
    c.check(all(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v) for v in values),
            "%r: months are YYYY-MM" % query, values)
    c.check(values == sorted(values, reverse=True), "%r: newest first" % query, values)
    c.check(all(m["count"] > 0 for m in months), "%r: only months with matches" % query)
    total_months = sum(m["count"] for m in months)
    c.eq(total_months, sum(y["count"] for y in r["facets"]["year"]),
         "%r: the months add up to the years" % query)
    if not extra:
        dated, undated = dated_and_undated(s, query)
        c.eq(total_months, dated, "%r: the months add up to the dated matches" % query)
        c.eq(r["total"] - total_months, undated, "%r: the rest are the undated ones" % query)
    return r


def bars(text):
    """(href, title) of each bar link of the page's timeline SVG."""
    fig = re.search(r'<figure class="timeline">(.*?)</figure>', text, re.S)
    if not fig:
        return None, []
    found = re.findall(r'<a href="([^"]*)"[^>]*><title>([^<]*)</title>', fig.group(1))
    return fig.group(1), [(html.unescape(h), t) for h, t in found]


def test(c):
    db = dltest.build_index(dltest.sample_dir())
    with Server(db) as s:
        r = check_months(c, s, "")
        c.check(len(r["facets"]["month"]) >= 3, "the sample has several months",
                r["facets"]["month"])
        check_months(c, s, "xi")
        check_months(c, s, "", "&source=vna")
        st, r0 = s.search(q="", facets=0)
        c.check(r0["facets"] is None, "facets=0: no facets, no month facet either")

        page = s.get("/search?q=")
        check_page(c, page, "/search with a timeline")
        fig, found = bars(page.text)
        c.check(fig is not None and "<svg" in fig and 'viewBox="0 0 ' in fig and
                'width="100%"' in fig, "the page draws an inline SVG scaled to its box")
        c.check(fig is not None and 'aria-label="Readouts per month' in fig and
                '<table class="visually-hidden">' in fig, "the chart has text alternatives")
        months = {m["value"]: m["count"] for m in r["facets"]["month"]}
        c.eq(len(found), len(months), "one linked bar per month with matches")
        for href, title in found:
            u = urllib.parse.urlsplit(href)
            p = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
            month = p.get("from", "")[:7]
            c.check(u.path == "/search" and p.get("from", "").endswith("-01") and
                    p.get("to", "")[:7] == month, "bar %s links to its month" % title, href)
            c.check(title.endswith(": %d readout%s" % (months.get(month, -1),
                                                        "" if months.get(month) == 1 else "s")),
                    "bar %s: its title gives the count" % month, title)
            st, rr = s.json("/api/search?" + u.query)
            c.check(st == 200 and rr["total"] == months.get(month), "following bar %s finds its "
                    "%s readouts" % (month, months.get(month)), rr and rr["total"])
        if found:
            href = found[0][0]
            p2 = s.get(href.replace("&", "&amp;").replace("&amp;", "&"))
            _, again = bars(p2.text)
            c.check(sum(1 for h, t in again if h) == 1 and
                    'aria-current="true"' in p2.text.split('<figure class="timeline">')[1],
                    "on a month's page its single bar is current")


if __name__ == "__main__":
    main(test, "timeline")
