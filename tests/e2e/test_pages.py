#!/usr/bin/env python3
"""End-to-end: the server-rendered pages, escaping, security headers, static files."""

import html
import json
import os
import re
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Page(HTMLParser):
    """Collects elements, attributes, text and tag-balance problems of one page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags = []      # (tag, attrs dict)
        self.stack = []
        self.problems = []
        self.text = []
        self.title = ""
        self._in_title = False
        self.feed(text)
        self.close()
        if self.stack:
            self.problems.append("unclosed: %s" % self.stack)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        self._in_title = tag == "title"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("</%s> closes %s" % (tag, self.stack[-1:] or "nothing"))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_title:
            self.title += data

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and
                all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


def check_headers(c, r, what):
    h = r.header
    ok = (h("content-security-policy") == CSP and h("x-content-type-options") == "nosniff" and
          h("referrer-policy") == "no-referrer" and h("x-frame-options") == "DENY")
    c.check(ok, "security headers on %s" % what,
            {k: v for k, v in r.headers.items() if k not in ("date", "content-length")})


def check_page(c, r, what, status=200):
    c.eq(r.status, status, "%s: status %d" % (what, status))
    c.check((r.header("content-type") or "").startswith("text/html; charset=utf-8"),
            "%s: text/html; charset=utf-8" % what, r.header("content-type"))
    p = Page(r.text)
    c.check(r.text.startswith("<!DOCTYPE html>"), "%s: doctype" % what)
    c.check(p.find("html", lang="en") != [], "%s: <html lang=\"en\">" % what)
    c.check(p.title.strip() != "", "%s: a <title> (%s)" % (what, p.title.strip()[:60]))
    c.check(any(a.get("name") == "viewport" for a in p.find("meta")), "%s: meta viewport" % what)
    c.check(p.find("main") != [], "%s: a <main>" % what)
    c.check(p.problems == [], "%s: tags are balanced" % what, p.problems[:5])
    scripts = p.find("script")
    c.check(all(a.get("src", "").startswith("/static/") for a in scripts) and
            "<script>" not in r.text, "%s: only /static/ scripts, none inline" % what, scripts)
    attrs = [k for _, a in p.tags for k in a]
    c.check(not any(k.startswith("on") or k == "style" for k in attrs),
            "%s: no event-handler or style attributes" % what)
    ext = [a.get("href") or a.get("src") for _, a in p.tags
           if re.match(r"^(https?:)?//", a.get("src", "") or "") or
           (a.get("rel") == "stylesheet" and not a.get("href", "").startswith("/"))]
    c.check(ext == [], "%s: no external resources" % what, ext)
    for inp in p.find("input"):
        if inp.get("type") in ("search", "text", "date"):
            c.check(inp.get("id") and p.find("label", for_=inp["id"]),
                    "%s: input %s has a label" % (what, inp.get("name")))
    check_headers(c, r, what)
    return p


def test(c):
    src = dltest.sample_dir()
    db = os.path.join(dltest.tempdir(), "dateline.db")
    dltest.run_index(src, db)
    extra = os.path.join(src, "extra.jsonl")
    if os.path.exists(extra):
        dltest.run_index(extra, db)
    # A readout whose every field is hostile markup: pages must show it as text.
    hostile = os.path.join(dltest.tempdir(), "hostile.jsonl")
    with open(hostile, "w", encoding="utf-8") as f:
        f.write(json.dumps({
            "id": "evil/<script>x</script>\"'&.txt",
            "title": "<script>alert('title')</script> Quokkaboom",
            "date": "2026-02-01", "source": "<img src=x onerror=alert(1)>",
            "url": "javascript:alert(1)", "lang": "en\"><script>",
            "dateline": "<b>NOWHERE</b>",
            "body": "Quokkaboom <script>alert('body')</script> & \"quotes\" 'single' <i>x</i>"}) + "\n")
    dltest.run_index(hostile, db)
    with Server(db) as s:
        r = s.get("/search?q=quokkaboom")
        p = check_page(c, r, "/search over a hostile readout")
        c.check("<mark>Quokkaboom</mark>" in r.text, "the hostile readout is found and marked")
        c.check(not re.search(r"<(script|img|b|i)[ >]", r.text.split("</head>", 1)[1]
                              .replace("<script src=", "")),
                "its title, source, dateline and snippet are escaped", r.text[-2500:])
        links = [a["href"] for a in p.find("a") if a.get("href", "").startswith("/doc/evil/")]
        c.check(links and "<" not in links[0] and "%3Cscript%3E" in links[0],
                "its id is percent-encoded in the link", links)
        if links:
            r = s.get(html.unescape(links[0]))
            p = check_page(c, r, "/doc of the hostile readout")
            body = r.text.split("</head>", 1)[1]
            c.check(not re.search(r"<(script|img|b|i)[ >]", body) and
                    "javascript:" not in "".join(a.get("href", "") for a in p.find("a")),
                    "/doc escapes every field and does not link a javascript: url", body[-2000:])
            c.check(p.find("article", lang='en"><script>') == [] and
                    all(a.get("lang") in (None, "en") for a in p.find("article")),
                    "a malformed lang is not used as an attribute", p.find("article"))
        st, j = s.json(dltest.doc_path("evil/<script>x</script>\"'&.txt") + "?q=quokkaboom")
        c.check(st == 200 and "<script>" in j["body"] and "<script>" not in j["body_html"],
                "the API keeps the raw body and escapes body_html", j)

        # --- / ------------------------------------------------------------------------
        r = s.get("/")
        p = check_page(c, r, "/")
        qs = p.find("input", name="q")
        c.check(len(qs) == 1 and "autofocus" in qs[0], "/: one q input with autofocus", qs)
        forms = p.find("form")
        c.check(forms and forms[0].get("action") == "/search" and
                forms[0].get("method") == "get", "/: the form GETs /search", forms)
        c.check(p.find("link", rel="stylesheet", href="/static/style.css") != [],
                "/: links /static/style.css")

        # --- /search --------------------------------------------------------------------
        r = s.get("/search?q=to+lam")
        p = check_page(c, r, "/search?q=to lam")
        c.check(re.search(r"\d+ results? for <q>to lam</q> \(\d+(\.\d)? ms\)", r.text),
                "results summary 'N results (X ms)'", r.text[:2000])
        c.check("<mark>" in r.text, "snippets have marks")
        c.check(re.search(r"<mark>[^<]*Tô Lâm[^<]*</mark>", r.text), "Tô Lâm is marked as written")
        links = [a["href"] for a in p.find("a") if a.get("href", "").startswith("/doc/")]
        c.check(len(links) >= 4 and all(l.endswith("?q=to%20lam") for l in links),
                "hit titles link to /doc/ID?q=…", links[:3])
        c.check(any(l.startswith("/doc/extra/2026-01-26-to-lam-xi-phone-call?") for l in links),
                "ids with '/' keep their path segments", links)
        c.check(p.find("time") != [], "dates are <time> elements")
        facet_links = [a["href"] for a in p.find("a") if "from=" in a.get("href", "")]
        c.check(any(re.search(r"from=(\d{4})-01-01&to=\1-12-31", l) for l in facet_links),
                "year facets link to from=YYYY-01-01&to=YYYY-12-31", facet_links)
        c.check(any("source=" in a.get("href", "") for a in p.find("a")),
                "source facets are links")
        qv = p.find("input", name="q")
        c.check(qv and qv[0].get("value") == "to lam", "the query is kept in the box", qv)
        c.check(p.find("select", name="sort") and p.find("input", name="from") and
                p.find("input", name="to") and p.find("input", name="source"),
                "sort, date range and source fields are in the form")

        r = s.get("/search?q=")
        p = check_page(c, r, "/search (newest)")
        nxt = [a["href"] for a in p.find("a") if a.get("rel") == "next"]
        c.check(nxt and "offset=10" in nxt[0], "pagination: a next link with offset=10", nxt)
        r = s.get(html.unescape(nxt[0]) if nxt else "/search?q=&offset=10")
        p = check_page(c, r, "/search page 2")
        prv = [a["href"] for a in p.find("a") if a.get("rel") == "prev"]
        c.check(prv != [], "pagination: page 2 has a previous link", prv)
        c.check('<ol class="hits" start="11">' in r.text, "page 2 numbers hits from 11")

        r = s.get("/search?q=congratulatoins")
        p = check_page(c, r, "/search misspelt")
        c.check("Did you mean" in r.text and
                any("congratulations" in a.get("href", "") for a in p.find("a")),
                "'Did you mean' links to the suggestion", r.text[-3000:])
        c.check("No readouts match" in r.text, "a friendly no-results text")

        r = s.get("/search?q=china&from=2025-01-01&to=2025-12-31&source=Xinhua&sort=date")
        p = check_page(c, r, "/search with filters")
        sel = [a for a in p.find("option") if "selected" in a]
        c.check(p.find("input", name="from", value="2025-01-01") != [] and
                p.find("input", name="source", value="Xinhua") != [] and
                [a.get("value") for a in sel] == ["date"],
                "filters and order are kept in the form", sel)
        c.check(any("All years" in t for t in p.text), "an 'All years' link clears the range")

        # --- escaping ----------------------------------------------------------------------
        evil = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                "' onmouseover='alert(1)", "</title><script>x</script>", "&amp;<b>"]
        for e in evil:
            for path in ("/search?q=" + dltest.q(e), "/doc/x?q=" + dltest.q(e),
                         "/search?q=x&source=" + dltest.q(e), "/doc/" + dltest.q(e),
                         "/search?q=x&offset=" + dltest.q(e)):
                r = s.get(path)
                raw_ok = e not in r.text and "<script>" not in r.text and "<img" not in r.text
                c.check(raw_ok and r.status < 500, "%s is escaped (%d)" % (path[:60], r.status),
                        r.text[:300])
        r = s.get("/search?q=" + dltest.q("<script>alert(1)</script>"))
        c.check("&lt;script&gt;alert(1)&lt;/script&gt;" in r.text,
                "the query is echoed HTML-escaped")
        st, j = s.json("/api/search?q=" + dltest.q("<script>alert(1)</script>"))
        c.check(st == 200 and j["query"] == "<script>alert(1)</script>" and
                (s.get("/api/search?q=%3Cscript%3E").header("content-type") or "")
                .startswith("application/json"), "the API returns JSON, never HTML")

        # --- /doc ------------------------------------------------------------------------------
        r = s.get("/doc/extra/2026-01-26-to-lam-xi-phone-call?q=to+lam")
        p = check_page(c, r, "/doc with q")
        c.check(re.search(r"<mark>Tô Lâm</mark>", r.text), "/doc marks the matches")
        c.check(any(a.get("href", "").startswith("/search?q=to%20lam") for a in p.find("a")),
                "/doc has a back link to the results")
        c.check(p.find("h1") != [] and "Xi Jinping" in p.title, "/doc: the title is the readout's",
                p.title)
        c.check(p.find("a", href="https://example.org/readouts/2026-01-26-to-lam-xi-phone-call")
                != [], "/doc links the original url")
        c.check(p.find("time", datetime="2026-01-26") != [], "/doc shows the date")
        r = s.get("/doc/2026-01-20-to-lam-xi-phone-call-nfd.txt")
        p = check_page(c, r, "/doc without q")
        c.check("<mark>" not in r.text and "HÀ NỘI" in r.text, "/doc without q: no marks, metadata")
        r = s.get("/doc/no-such-readout.txt")
        p = check_page(c, r, "/doc unknown", 404)
        c.check("404" in p.title, "the 404 page says so in its title", p.title)
        r = s.get("/search?q=x&limit=5&offset=abc")
        check_page(c, r, "/search bad offset", 400)
        c.check("invalid offset" in r.text, "the 400 page says what was wrong")
        r = s.get("/search?q=%FF")
        check_page(c, r, "/search invalid UTF-8", 400)
        r = s.get("/nowhere", headers={"Accept": "text/html,*/*"})
        check_page(c, r, "unknown path asked by a browser", 404)

        # --- static ----------------------------------------------------------------------------
        r = s.get("/static/style.css")
        c.check(r.status == 200 and r.header("content-type") == "text/css; charset=utf-8" and
                "max-age" in (r.header("cache-control") or "") and b"mark" in r.body,
                "style.css is served with text/css and Cache-Control",
                (r.status, r.headers))
        check_headers(c, r, "/static/style.css")
        etag = r.header("etag")
        r2 = s.get("/static/style.css", headers={"If-None-Match": etag or '"x"'})
        c.check(etag and r2.status == 304 and r2.body == b"", "If-None-Match gives 304", r2.status)
        check_headers(c, r2, "a 304")
        r = s.get("/static/app.js")
        c.check(r.status == 200 and (r.header("content-type") or "").startswith("text/javascript"),
                "app.js is served as JavaScript", r.status)
        r = s.get("/static/favicon.svg")
        c.check(r.status == 200 and r.header("content-type") == "image/svg+xml",
                "favicon.svg is served as SVG", r.status)

        # --- security headers on every kind of response -----------------------------------------
        for path, kw in (("/healthz", {}), ("/api/search?q=x", {}), ("/api/doc/nope", {}),
                         ("/api/search?limit=0", {}), ("/nope", {}), ("/static/%2e%2e/x", {}),
                         ("/api/search", {"method": "POST", "body": b"x"}),
                         ("/api/search?q=x", {"method": "HEAD"}), ("/search?q=x", {})):
            r = s.get(path, **kw)
            check_headers(c, r, "%s %s (%d)" % (kw.get("method", "GET"), path, r.status))


if __name__ == "__main__":
    main(test, "pages")
