#!/usr/bin/env python3
"""End-to-end: GET /feed.atom, a search as an Atom feed (RFC 4287), and indexed_after.

The feed is read three ways: as strict XML (xml.etree: a readout's markup or control
characters must not make it ill-formed), by a real feed parser (Debian's python3-feedparser;
skipped with a message without it) and against RFC 4287's RELAX NG schema (tests/e2e/atom.rnc,
with Debian's jing; skipped with a message without it). Then the story is followed: M new
readouts indexed after the first feed are exactly the entries newer than its newest `updated`
and exactly what indexed_after finds, an edited readout keeps its entry id and time, and the
ETag answers 304 until the index changes."""

import calendar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main, q  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
RNC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "atom.rnc")
M = 3  # new readouts indexed after the first feed

# A readout whose text holds markup, entities, quotes and characters XML 1.0 does not allow.
HOSTILE = ("Quokkabrief <b>bold</b> & \"quoted\" 'single' \x01\x0b\x1f\ufffe end\n\n"
           "HÀ NỘI — The Quokkabrief text has <script>alert(1)</script> & &amp; and a "
           "control\x07 character, Tô Lâm and 中文. — VNA\n")

NEW = """Quokkastory{n} delegation visits Đà Nẵng

ĐÀ NẴNG — On March {n}, 2026, a Quokkastory{n} delegation visited Đà Nẵng to discuss \
port cooperation with Vietnamese partners. — VNA/VNS
"""


def import_feedparser():
    """feedparser from this Python, else Debian's python3-feedparser (a pyenv Python does not
    see Debian's dist-packages), else None."""
    try:
        import feedparser
        return feedparser
    except ImportError:
        pass
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import feedparser
        return feedparser
    except ImportError:
        return None


def entries(root):
    """[(id, updated, title, link href, summary)] of a parsed feed, in order."""
    out = []
    for e in root.findall(ATOM + "entry"):
        link = e.find(ATOM + "link")
        out.append((e.findtext(ATOM + "id"), e.findtext(ATOM + "updated"),
                    e.findtext(ATOM + "title"), link.get("href") if link is not None else None,
                    e.findtext(ATOM + "summary")))
    return out


def fetch(c, s, target, what):
    """GET a feed; checks 200, the media type and strict well-formedness; returns
    (response, root element or None)."""
    r = s.get(target)
    c.eq(r.status, 200, "%s: 200" % what)
    c.eq(r.header("content-type"), "application/atom+xml; charset=utf-8",
         "%s: Content-Type application/atom+xml" % what)
    try:
        root = ET.fromstring(r.body)
    except ET.ParseError as e:
        c.check(False, "%s: well-formed XML" % what, "%s\n%s" % (e, r.text[:2000]))
        return r, None
    c.check(root.tag == ATOM + "feed", "%s: an atom:feed" % what, root.tag)
    return r, root


def check_schema(c, body, what):
    """Validate against RFC 4287's schema with jing (skipped with a message without it)."""
    jing = shutil.which("jing")
    if not jing:
        print("skip %s: RELAX NG check (jing not installed: scripts/deps.sh --test)" % what)
        return
    with tempfile.NamedTemporaryFile(suffix=".xml", dir=dltest.tempdir()) as f:
        f.write(body)
        f.flush()
        p = subprocess.run([jing, "-c", RNC, f.name], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    errors = [ln for ln in out.splitlines() if "[warning]" not in ln]
    c.check(p.returncode == 0 and not errors, "%s: valid against RFC 4287's schema (jing)" % what,
            out[-2000:])
    return p.returncode


def check_jing_can_fail(c):
    """The schema check is not vacuous: a feed without its id is refused."""
    if not shutil.which("jing"):
        return
    bad = (b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
           b'<title>t</title><updated>2026-01-01T00:00:00Z</updated></feed>\n')
    with tempfile.NamedTemporaryFile(suffix=".xml", dir=dltest.tempdir()) as f:
        f.write(bad)
        f.flush()
        p = subprocess.run(["jing", "-c", RNC, f.name], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
    c.check(p.returncode != 0, "jing refuses a feed without an id (the check can fail)",
            p.stdout.decode("utf-8", "replace")[-500:])


def check_feedparser(c, body, what, want_ids):
    fp = import_feedparser()
    if fp is None:
        print("skip %s: feedparser check (python3-feedparser not installed: "
              "scripts/deps.sh --test)" % what)
        return
    f = fp.parse(body)
    c.check(not f.bozo, "%s: feedparser reads it without complaint" % what,
            repr(f.get("bozo_exception")))
    c.eq(f.version, "atom10", "%s: feedparser sees Atom 1.0" % what)
    c.eq([e.id for e in f.entries], want_ids, "%s: feedparser sees the same entries" % what)
    c.check(all(e.get("updated_parsed") and e.get("author") for e in f.entries),
            "%s: every entry has a parsed updated time and an author" % what)


def test(c):
    src = dltest.copy_sample()
    with open(os.path.join(src, "quokkabrief.txt"), "w", encoding="utf-8") as f:
        f.write(HOSTILE)
    db = dltest.build_index(src)
    check_jing_can_fail(c)
    with Server(db) as s:
        base = "http://127.0.0.1:%d" % s.port  # the Host header http.client sends

        # 1. the feed of everything: well-formed, valid, parsed, ordered
        r, root = fetch(c, s, "/feed.atom", "the feed of all readouts")
        st, all_hits = s.search(limit=100, facets=0)
        ents = entries(root) if root is not None else []
        c.eq(len(ents), min(20, all_hits["total"]), "20 entries by default (or all there are)")
        times = [e[1] for e in ents]
        c.check(times == sorted(times, reverse=True), "entries newest first-indexed first", times)
        c.eq(root.findtext(ATOM + "updated"), times[0] if times else None,
             "the feed's updated is the newest entry's")
        check_schema(c, r.body, "the feed of all readouts")
        check_feedparser(c, r.body, "the feed of all readouts", [e[0] for e in ents])

        # 2. a query: the feed's id, title, links, and the entries' fields
        r, root = fetch(c, s, "/feed.atom?q=quokkabrief&limit=5", "the feed of q=quokkabrief")
        ents = entries(root)
        c.eq([e[0] for e in ents], ["tag:dateline,2026:readout/quokkabrief.txt"],
             "its one entry's id is the tag: URI of the readout id")
        feed_id = root.findtext(ATOM + "id")
        c.eq(feed_id, "tag:127.0.0.1,2026:feed?q=quokkabrief&limit=5",
             "the feed's id: the host name and the canonical query")
        r2, root2 = fetch(c, s, "/feed.atom?limit=5&q=quokkabrief&sort=date",
                          "the same query written otherwise")
        c.eq(root2.findtext(ATOM + "id"), feed_id, "the feed's id is the same for the same query")
        c.check("quokkabrief" in (root.findtext(ATOM + "title") or ""), "the title says the query",
                root.findtext(ATOM + "title"))
        links = {ln.get("rel"): ln.get("href") for ln in root.findall(ATOM + "link")}
        c.eq(links.get("self"), base + "/feed.atom?q=quokkabrief&limit=5", "rel=self link")
        c.eq(links.get("alternate"), base + "/search?q=quokkabrief&limit=5",
             "rel=alternate link to /search")
        eid, upd, title, href, summary = ents[0]
        c.eq(href, base + "/doc/quokkabrief.txt", "the entry links to /doc/ID, absolute")
        c.check(title.startswith("Quokkabrief <b>bold</b> & \"quoted\" 'single' ")
                and title.endswith(" end"),
                "the title's markup and quotes come back as text", title)
        st, doc = s.json("/api/doc/quokkabrief.txt")
        c.check(st == 200 and "\x01" in doc["title"] and "\ufffe" in doc["title"],
                "the stored title does hold characters XML 1.0 does not allow", doc)
        c.check(not any(ch in title for ch in "\x01\x0b\x1f\ufffe"),
                "characters XML 1.0 does not allow are dropped", repr(title))
        c.check("&lt;script&gt;" in summary and "<mark>" in summary.lower(),
                "the summary is the snippet's HTML (marked, the readout's markup escaped)",
                summary)
        c.check("\x07" not in summary, "no control character in the summary", repr(summary))
        check_schema(c, r.body, "the feed of q=quokkabrief")
        check_feedparser(c, r.body, "the feed of q=quokkabrief", [eid])
        published = root.find(ATOM + "entry").find(ATOM + "published")
        c.check(published is None, "no published for a readout without a date")
        author = root.find(ATOM + "entry").find(ATOM + "author").findtext(ATOM + "name")
        c.check(author in ("VNA", "dateline"), "the author is the source or dateline", author)

        # 3. filters work as in search; errors are JSON 400s
        r, root = fetch(c, s, "/feed.atom?q=xi&from=2025-01-01&limit=100", "q=xi from 2025")
        st, hits = s.search(q="xi", **{"from": "2025-01-01"}, limit=100, facets=0)
        c.eq(sorted(e[0] for e in entries(root)),
             sorted("tag:dateline,2026:readout/" + q(h["id"]) for h in hits["hits"]),
             "the feed lists what /api/search finds with the same filters")
        c.check(all(e.find(ATOM + "published") is not None for e in root.findall(ATOM + "entry")),
                "dated readouts have a published time")
        for target in ("/feed.atom?limit=0", "/feed.atom?limit=101", "/feed.atom?from=bad",
                       "/feed.atom?indexed_after=yesterday",
                       "/api/search?indexed_after=2026-11-30T12:00:00",
                       "/api/search?indexed_after=2026-02-30T12:00:00Z"):
            st, body = s.json(target)
            c.check(st == 400 and body and body["error"]["code"] == "bad_request",
                    "%s: a JSON 400" % target, body)

        # 4. ETag and If-None-Match
        r1 = s.get("/feed.atom?q=xi")
        etag = r1.header("etag")
        c.check(bool(etag), "the feed has an ETag", r1.headers)
        r2 = s.get("/feed.atom?q=xi", headers={"If-None-Match": etag})
        c.check(r2.status == 304 and not r2.body, "If-None-Match with it: 304, no body",
                (r2.status, r2.body[:100]))
        r3 = s.get("/feed.atom?q=china", headers={"If-None-Match": etag})
        c.eq(r3.status, 200, "another query's feed is not that ETag")

        # 5. follow the story: M new readouts and an edited one, indexed while serving
        r, root = fetch(c, s, "/feed.atom?limit=100", "the feed before")
        before = entries(root)
        newest = root.findtext(ATOM + "updated")
        edited_id = "tag:dateline,2026:readout/quokkabrief.txt"
        edited_before = [e for e in before if e[0] == edited_id]
        time.sleep(0.01)
        for n in range(1, M + 1):
            with open(os.path.join(src, "quokkastory-%d.txt" % n), "w", encoding="utf-8") as f:
                f.write(NEW.format(n=n))
        with open(os.path.join(src, "quokkabrief.txt"), "a", encoding="utf-8") as f:
            f.write("An edit: the Quokkabrief delegation also visited Huế.\n")
        rev0 = s.json("/healthz")[1]["revision"]
        dltest.run_index(src, db)
        c.check(dltest.wait_for(lambda: s.json("/healthz")[1]["revision"] > rev0),
                "the server moved to the new revision")
        r4 = s.get("/feed.atom?q=xi", headers={"If-None-Match": etag})
        c.check(r4.status == 200 and r4.header("etag") != etag,
                "after indexing, the old ETag gets a 200 with a new ETag", r4.header("etag"))

        r, root = fetch(c, s, "/feed.atom?limit=100", "the feed after")
        after = entries(root)
        want_new = sorted("tag:dateline,2026:readout/quokkastory-%d.txt" % n
                          for n in range(1, M + 1))
        newer = sorted(e[0] for e in after if e[1] > newest)
        c.eq(newer, want_new, "exactly the %d new readouts are newer than the old feed's "
                              "newest updated" % M)
        c.eq(sorted(e[0] for e in after[:M]), want_new, "and they come first")
        check_schema(c, r.body, "the feed after")
        edited_after = [e for e in after if e[0] == edited_id]
        c.check(edited_before and edited_after and edited_after[0][1] == edited_before[0][1],
                "the edited readout keeps its entry id and first-indexed time",
                (edited_before, edited_after))
        st, body = s.json("/api/doc/quokkabrief.txt")
        c.check(st == 200 and "Huế" in body.get("body", ""), "the edit itself was indexed")

        st, res = s.search(indexed_after=newest, limit=100, facets=0)
        c.eq(sorted("tag:dateline,2026:readout/" + q(h["id"]) for h in res.get("hits", [])),
             want_new, "/api/search?indexed_after=<the old newest> finds exactly the new ones")
        c.eq(res.get("total"), M, "and counts %d" % M)
        r, root = fetch(c, s, "/feed.atom?indexed_after=" + q(newest), "indexed_after feed")
        c.eq(sorted(e[0] for e in entries(root)), want_new, "the feed takes indexed_after too")
        # the same instant written in another zone
        fmt = "%Y-%m-%dT%H:%M:%S"
        other = time.strftime(fmt, time.gmtime(calendar.timegm(time.strptime(newest[:19], fmt))
                                               + 7 * 3600))
        st, res7 = s.search(indexed_after=other + newest[19:-1] + "+07:00", limit=100, facets=0)
        c.eq(res7.get("total"), M, "indexed_after with a +07:00 offset means the same instant")
        st, none = s.search(indexed_after=after[0][1], facets=0)
        c.eq(none.get("total"), 0, "nothing was indexed after the newest entry")

        # 6. the search page links its feed
        page = s.get("/search?q=xi&source=VNA").text
        href = "/feed.atom?q=xi&amp;source=VNA"
        c.check('<link rel="alternate" type="application/atom+xml"' in page and href in page,
                "the /search page links its feed in the head", page[:1500])
        c.check(">Feed</a>" in page, "and shows a Feed link")
        r = s.get(urllib.parse.unquote(href.replace("&amp;", "&")).replace(" ", "+"))
        c.eq(r.status, 200, "the linked feed answers")

        # 6b. the page's own links (facets, sort, timeline) keep indexed_after
        page = s.get("/search?q=&indexed_after=" + q("2000-01-01T00:00:00Z")).text
        links = re.findall(r'href="(/search\?[^"]*)"', page)
        c.check(links and all("indexed_after=2000-01-01T00%3A00%3A00Z" in h for h in links),
                "every /search link of a page searched with indexed_after keeps it",
                [h for h in links if "indexed_after" not in h][:3] or links[:3])

        # 7. X-Forwarded-Proto: https is believed only from a trusted proxy
        r = s.get("/feed.atom", headers={"X-Forwarded-Proto": "https"})
        c.check(b"https://" not in r.body.replace(b"xmlns=\"http", b""),
                "without --trust-proxy, X-Forwarded-Proto does not make links https", r.text[:600])
    with Server(db, ["--trust-proxy"]) as s:
        plain = s.get("/feed.atom")
        r = s.get("/feed.atom", headers={"X-Forwarded-Proto": "https"})
        root = ET.fromstring(r.body)
        hrefs = [ln.get("href") for ln in root.iter(ATOM + "link")]
        c.check(hrefs and all(h.startswith("https://127.0.0.1:%d/" % s.port) for h in hrefs),
                "behind a trusted proxy that says https, every link is https://", hrefs[:4])
        c.check(r.header("etag") and r.header("etag") != plain.header("etag"),
                "and the ETag differs from the http feed's", (r.header("etag"),
                                                               plain.header("etag")))


if __name__ == "__main__":
    main(test, "feed")
