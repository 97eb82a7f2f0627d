#!/usr/bin/env python3
"""End-to-end: the entities on the /search page. The sample readouts are indexed with a small
gazetteer written here (and one readout naming a hostile organisation); the page must show the
People, Countries and Organisations facets with the API's counts, filter by a name when its
link is followed (keeping the rest of the search), show a filter as current with a link that
removes it, list each hit's names as filter links, say "Written as" when the results carry
written_as, and keep every name escaped. Also the meeting kind facet, from the same table."""

import html
import json
import os
import re
import sys
import urllib.parse
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402
from test_pages import check_page  # noqa: E402

HOSTILE_ORG = '<script>alert("org")</script> Quokka & Co'
GAZETTEER = "\n".join([
    "# test gazetteer (format: include/dateline/alias.h)",
    "@person\tTô Lâm\tTo Lam\tSu Lin\t苏林",
    "@person\tXi Jinping\tTập Cận Bình\t习近平",
    "@person\tWang Yi\t王毅",
    "@person\tLê Hoài Trung\tLe Hoai Trung",
    "@country\tVietnam\tViệt Nam\tViet Nam\t越南",
    "@country\tChina\t中国",
    "@org\tXinhua\t新华社",
    "@org\t%s\tQuokka Cooperative" % HOSTILE_ORG,
]) + "\n"
HOSTILE_READOUT = {
    "id": "quokka/coop-visit", "title": "Quokka Cooperative delegation meets Xi Jinping",
    "date": "2026-02-01", "source": "QuokkaWire", "lang": "en",
    "body": "BEIJING — Xi Jinping received a delegation of the Quokka Cooperative on Sunday. "
            "The Quokka Cooperative praised trade with China.",
}
FACETS = (("People", "person", "people"), ("Countries", "country", "countries"),
          ("Organisations", "org", "orgs"))
TYPE_OF = {title: key for title, key, _ in FACETS}


class Structure(HTMLParser):
    """The facets and hits of a /search page.

    facets: {title: [{"text", "href" (None when not a link), "current" (strong aria-current),
    "count" (int or None), "remove" (href of the × link or None), "remove_label"}]}
    hits: [{"href" (its /doc link), "tags": {type title: [(name, href or None)]}, "more"}]
    """

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.facets = {}
        self.hits = []
        self.stack = []          # (tag, class) of the open elements
        self._section = None     # the facet being read
        self._item = None        # its <li>
        self._hit = None
        self._tagtype = None     # the type being read in a hit's tags line
        self._name = None        # [text, href] of the name being read in a tags line
        self._h2 = None
        self._field = None       # where text goes: "h2", "item", "count", "tagtype", "name"
        self.feed(text)
        self.close()

    def _inside(self, cls):
        return any(c == cls for _, c in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class")
        if tag not in ("input", "meta", "link", "br", "img"):
            self.stack.append((tag, cls))
        if tag == "section" and cls == "facet":
            self._section = []
        elif tag == "h2" and self._section is not None:
            self._h2 = ""
            self._field = "h2"
        elif tag == "li" and self._section is not None:
            self._item = {"text": "", "href": None, "current": False, "count": None,
                          "remove": None, "remove_label": None}
            self._section.append(self._item)
            self._field = "item"
        elif self._item is not None and tag == "a" and cls == "remove":
            self._item["remove"] = a.get("href")
            self._item["remove_label"] = a.get("aria-label")
            self._field = None
        elif self._item is not None and tag == "a":
            self._item["href"] = a.get("href")
        elif self._item is not None and tag == "strong":
            self._item["current"] = a.get("aria-current") == "true"
        elif self._item is not None and tag == "span" and cls == "count":
            self._item["count"] = ""
            self._field = "count"
        elif tag == "li" and cls == "hit":
            self._hit = {"href": None, "tags": {}, "more": 0}
            self.hits.append(self._hit)
        elif self._hit is not None and tag == "a" and self._hit["href"] is None:
            self._hit["href"] = a.get("href")
        elif self._hit is not None and tag == "span" and cls == "tagtype":
            self._tagtype = ""
            self._field = "tagtype"
        elif self._hit is not None and self._inside("tags") and tag in ("a", "span") and \
                cls in (None, "current"):
            self._name = ["", a.get("href") if tag == "a" else None]
            self._field = "name"

    def handle_endtag(self, tag):
        while self.stack:
            t, cls = self.stack.pop()
            if t == tag:
                break
        if tag == "h2" and self._field == "h2":
            self.facets[self._h2.strip()] = self._section
            self._field = None
        elif tag == "section" and self._section is not None:
            self._section = None
        elif tag == "li" and self._item is not None:
            self._item["text"] = self._item["text"].strip()
            if isinstance(self._item["count"], str):
                self._item["count"] = int(self._item["count"].replace(",", ""))
            self._item = None
            self._field = None
        elif tag == "span" and self._field == "count":
            self._field = "item"
        elif tag == "span" and self._field == "tagtype":
            self._tagtype = self._tagtype.strip().rstrip(":")
            self._hit["tags"][self._tagtype] = []
            self._field = None
        elif tag in ("a", "span") and self._field == "name":
            self._hit["tags"][self._tagtype].append((self._name[0], self._name[1]))
            self._name = None
            self._field = None
        elif tag == "li" and self._hit is not None and not self._inside("hit"):
            self._hit = None

    def handle_data(self, data):
        if self._field == "h2":
            self._h2 += data
        elif self._field == "item":
            self._item["text"] += data
        elif self._field == "count":
            self._item["count"] += data
        elif self._field == "tagtype":
            self._tagtype += data
        elif self._field == "name":
            self._name[0] += data
        elif self._hit is not None and self._inside("tags"):
            m = re.search(r"and (\d+) more", data)
            if m:
                self._hit["more"] = int(m.group(1))


def params_of(href):
    """The query parameters of a link, each key to its list of values."""
    return urllib.parse.parse_qs(urllib.parse.urlsplit(href).query, keep_blank_values=True)


def api(s, **params):
    """GET /api/search with params (a list value repeats the key); returns the JSON."""
    st, j = s.json("/api/search?" + urllib.parse.urlencode(params, doseq=True))
    if st != 200:
        raise RuntimeError("/api/search %r: %d %r" % (params, st, j))
    return j


def page_total(text):
    """The result count in the summary line, or None."""
    m = re.search(r'<p class="summary" role="status">(?:About )?([\d,]+) results?', text)
    return int(m.group(1).replace(",", "")) if m else None


def get_page(c, s, path, what):
    r = s.get(path)
    check_page(c, r, what)
    return r, Structure(r.text)


def item(facet, text):
    """The item of a facet list whose text starts with `text`, or None."""
    for it in facet or []:
        if it["text"] == text or it["text"].startswith(text + " "):
            return it
    return None


def test(c):
    tmp = dltest.tempdir()
    gaz = os.path.join(tmp, "gazetteer.tsv")
    with open(gaz, "w", encoding="utf-8") as f:
        f.write(GAZETTEER)
    hostile = os.path.join(tmp, "quokka.jsonl")
    with open(hostile, "w", encoding="utf-8") as f:
        f.write(json.dumps(HOSTILE_READOUT) + "\n")
    db = os.path.join(tmp, "dateline.db")
    src = dltest.sample_dir()
    for path in (src, os.path.join(src, "extra.jsonl"), hostile):
        dltest.run_index(path, db, ["--gazetteer", gaz])

    with Server(db) as s:
        facets_match_api(c, s)
        follow_filters(c, s)
        hits_list_entities(c, s)
        alias_and_unknown_filters(c, s)
        written_as(c, s)
        hostile_names(c, s)
        filter_limit(c, s)
        kind_facet(c, s)


def facets_match_api(c, s):
    """Each entity facet lists the API's names and counts, each a link adding the filter."""
    r, st = get_page(c, s, "/search?q=&from=2025-01-01&to=2026-12-31&sort=-date",
                     "/search with dates and an order")
    j = api(s, q="", sort="-date", **{"from": "2025-01-01", "to": "2026-12-31"})
    for title, key, name in FACETS:
        want = [(f["value"], f["count"]) for f in j["facets"][name]]
        got = [(it["text"], it["count"]) for it in st.facets.get(title, [])]
        c.check(want and got == want, "%s facet: the API's names and counts" % title,
                "page %r, API %r" % (got, want))
        hrefs = [it["href"] for it in st.facets.get(title, [])]
        ok = all(h and params_of(h).get(key) == [v] and params_of(h).get("q") == [""] and
                 params_of(h).get("from") == ["2025-01-01"] and
                 params_of(h).get("to") == ["2026-12-31"] and
                 params_of(h).get("sort") == ["-date"] for h, (v, _) in zip(hrefs, want))
        c.check(hrefs and ok, "%s facet: each name links to the search plus %s=NAME" %
                (title, key), hrefs)
    c.check(st.facets.get("People") and "Tô Lâm" in [i["text"]
                                                     for i in st.facets["People"]],
            "People lists Tô Lâm", st.facets.get("People"))


def follow_filters(c, s):
    """Clicking a name filters (the count as the facet said), a second adds up, × removes one."""
    base = "/search?q=xi&from=2025-01-01&to=2026-12-31"
    r, st = get_page(c, s, base, "/search?q=xi with dates")
    lam = item(st.facets.get("People"), "Tô Lâm")
    if not c.check(lam and lam["href"] and lam["count"], "Tô Lâm is a facet link with a count",
                   st.facets.get("People")):
        return
    r, st = get_page(c, s, lam["href"], "/search filtered by Tô Lâm")
    p = params_of(lam["href"])
    c.check(p.get("q") == ["xi"] and p.get("from") == ["2025-01-01"] and
            p.get("to") == ["2026-12-31"] and p.get("person") == ["Tô Lâm"],
            "the link keeps q and the dates and adds person=Tô Lâm", p)
    want = api(s, q="xi", person="Tô Lâm", **{"from": "2025-01-01", "to": "2026-12-31"})["total"]
    c.eq(page_total(r.text), lam["count"], "the filtered page finds what the facet counted")
    c.eq(page_total(r.text), want, "... and what the API finds with person=Tô Lâm")
    cur = item(st.facets.get("People"), "Tô Lâm")
    c.check(cur and cur["current"] and cur["href"] is None and cur["remove"],
            "Tô Lâm is now current, not a link, with a link that removes it", cur)
    boxes = [a for t, a in _inputs(r.text) if a.get("type") == "checkbox"]
    c.check([(a.get("name"), a.get("value"), "checked" in a) for a in boxes] ==
            [("person", "Tô Lâm", True)], "the form keeps the filter as a ticked box", boxes)
    all_people = item(st.facets.get("People"), "All people")
    c.check(all_people and all_people["href"] and "person" not in params_of(all_people["href"])
            and params_of(all_people["href"]).get("q") == ["xi"],
            "'All people' drops the person filter and keeps q", all_people)
    # Every other link of the page keeps the filter: years, sources, the hits' names.
    year = next((i for i in st.facets.get("Year", []) if i["href"]), None)
    c.check(year and params_of(year["href"]).get("person") == ["Tô Lâm"],
            "a year link keeps person=", year)
    src = next((i for i in st.facets.get("Source", []) if i["href"]), None)
    c.check(src and params_of(src["href"]).get("person") == ["Tô Lâm"],
            "a source link keeps person=", src)

    china = item(st.facets.get("Countries"), "China")
    if not c.check(china and china["href"], "China is a link on the filtered page",
                   st.facets.get("Countries")):
        return
    p = params_of(china["href"])
    c.check(p.get("person") == ["Tô Lâm"] and p.get("country") == ["China"] and
            p.get("q") == ["xi"], "a second filter adds to the first", p)
    r, st = get_page(c, s, china["href"], "/search filtered by Tô Lâm and China")
    c.eq(page_total(r.text), china["count"], "two filters: the count the facet showed")
    c.eq(page_total(r.text), api(s, q="xi", person="Tô Lâm", country="China",
                                 **{"from": "2025-01-01", "to": "2026-12-31"})["total"],
         "two filters: the API's count")
    xi = item(st.facets.get("People"), "Xi Jinping")
    if not c.check(xi and xi["href"], "Xi Jinping is a link beside the current Tô Lâm",
                   st.facets.get("People")):
        return
    c.eq(params_of(xi["href"]).get("person"), ["Tô Lâm", "Xi Jinping"],
         "a second person adds to the first")
    r, st = get_page(c, s, xi["href"], "/search filtered by two people and a country")
    dates = {"from": "2025-01-01", "to": "2026-12-31"}
    c.eq(page_total(r.text), api(s, q="xi", person=["Tô Lâm", "Xi Jinping"], country="China",
                                 **dates)["total"], "three filters: the API's count")
    lam = item(st.facets.get("People"), "Tô Lâm")
    c.check(lam and lam["remove"] and lam["remove_label"] == "Remove the filter Tô Lâm",
            "the × link says what it removes", lam)
    if lam and lam["remove"]:
        p = params_of(lam["remove"])
        c.check(p.get("person") == ["Xi Jinping"] and p.get("country") == ["China"] and
                p.get("q") == ["xi"] and p.get("from") == ["2025-01-01"],
                "× removes that filter only", p)
        r, _ = get_page(c, s, lam["remove"], "/search after removing Tô Lâm")
        c.eq(page_total(r.text), api(s, q="xi", person="Xi Jinping", country="China",
                                     **dates)["total"],
             "after the removal: the API's count for the filters left")

    # The pager keeps the entity filters.
    j = api(s, q="", country="Vietnam")
    if c.check(j["total"] > 10, "more than a page of readouts name Vietnam", j["total"]):
        r = s.get("/search?q=&country=Vietnam")
        nxt = re.search(r'<a rel="next" href="([^"]+)"', r.text)
        c.check(nxt and params_of(html.unescape(nxt.group(1))).get("country") == ["Vietnam"],
                "the next page link keeps country=", nxt and nxt.group(1))


def _inputs(text):
    class P(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.found = []

        def handle_starttag(self, tag, attrs):
            if tag == "input":
                self.found.append((tag, dict(attrs)))
    p = P()
    p.feed(text)
    return p.found


def hits_list_entities(c, s):
    """Each hit lists the names the API gives it, each a link adding its filter."""
    r, st = get_page(c, s, "/search?q=xi", "/search?q=xi (hit names)")
    j = api(s, q="xi")
    c.eq(len(st.hits), len(j["hits"]), "as many hits on the page as in the API")
    named = 0
    for hit, h in zip(st.hits, j["hits"]):
        want = {title: h[name][:6] for title, _, name in FACETS if h[name]}
        got = {t: [n for n, _ in v] for t, v in hit["tags"].items()}
        named += bool(want)
        c.check(got == want, "hit %s lists its names" % h["id"], "page %r, API %r" % (got, want))
        links_ok = all(href and params_of(href).get("q") == ["xi"] and
                       params_of(href).get(TYPE_OF[t]) == [n]
                       for t, v in hit["tags"].items() for n, href in v)
        c.check(links_ok, "hit %s: each name links to q=xi plus its filter" % h["id"],
                hit["tags"])
    c.check(named >= 3, "several hits name someone", named)
    # Following a hit's name finds that hit.
    first = next((hh for hh in st.hits if hh["tags"].get("Countries")), None)
    if c.check(first is not None, "a hit names a country"):
        name, href = first["tags"]["Countries"][0]
        r2, st2 = get_page(c, s, href, "/search from a hit's name")
        c.check(first["href"] in [hh["href"] for hh in st2.hits],
                "the hit is among the readouts naming %s" % name,
                [hh["href"] for hh in st2.hits])
        # On the filtered page the name is plain text in the hits' lines.
        plain = [hh["tags"]["Countries"] for hh in st2.hits if "Countries" in hh["tags"]]
        c.check(plain and all((name, None) in v for v in plain),
                "a name already filtered on is no link in the hits", plain[:3])


def alias_and_unknown_filters(c, s):
    """person=to+lam is Tô Lâm; an unknown name finds nothing and can be removed."""
    r, st = get_page(c, s, "/search?q=&person=to+lam", "/search?person=to lam")
    lam = item(st.facets.get("People"), "Tô Lâm")
    c.check(lam and lam["current"] and lam["href"] is None and lam["remove"],
            "person=to lam shows Tô Lâm current", st.facets.get("People"))
    c.eq([i["text"] for i in st.facets.get("People", [])].count("Tô Lâm"), 1,
         "... once: the facet's Tô Lâm is the filter's")
    c.eq(page_total(r.text), api(s, q="", person="Tô Lâm")["total"],
         "person=to lam finds what person=Tô Lâm finds")
    c.check(lam and lam["remove"] and "person" not in params_of(lam["remove"]),
            "its × drops the filter as typed", lam)

    r, st = get_page(c, s, "/search?q=&person=Nobody+Atall&country=China",
                     "/search with an unknown person")
    c.eq(page_total(r.text), 0, "an unknown name finds nothing")
    nob = item(st.facets.get("People"), "Nobody Atall")
    c.check(nob and nob["current"] and nob["remove"] and
            params_of(nob["remove"]) == {"q": [""], "country": ["China"]},
            "the unknown name is shown as current with a link that removes it", st.facets)
    china = item(st.facets.get("Countries"), "China")
    c.check(china and china["current"] and china["remove"],
            "a current filter the (empty) facet does not list is shown too", st.facets)
    m = re.search(r'<a href="([^"]+)">Search without the filters</a>', r.text)
    c.check(m and html.unescape(m.group(1)) == "/search?q=",
            "'Search without the filters' drops the entity filters too", m and m.group(1))


def written_as(c, s):
    """'Written as' appears exactly when the results carry written_as, as an escaped link."""
    for query in ("to lam", "xi"):
        j = api(s, q=query)
        r = s.get("/search?q=" + dltest.q(query))
        shown = re.search(r'<p class="written">Written as <a href="([^"]+)">([^<]*)</a></p>',
                          r.text)
        wa = j.get("written_as")
        if not wa or wa == query:
            c.check("written" not in r.text.split("<main", 1)[-1].split('class="hits"')[0]
                    and shown is None,
                    "%r: no written_as in the API, no 'Written as' line" % query,
                    shown and shown.group(0))
            # TODO: the searcher fills written_as soon ("to lam" -> "Tô Lâm"); then the other
            # branch runs for "to lam".
        else:
            c.check(shown and html.unescape(shown.group(2)) == wa and
                    params_of(html.unescape(shown.group(1))).get("q") == [wa],
                    "%r: 'Written as %s' links to a search for it" % (query, wa),
                    shown and shown.group(0))


def hostile_names(c, s):
    """A gazetteer name with markup is text everywhere: facet, hit line, current filter."""
    r, st = get_page(c, s, "/search?q=quokka", "/search?q=quokka")
    body = r.text.split("</head>", 1)[1].replace('<script src="/static/app.js" defer>', "")
    c.check("<script>alert" not in body and "&lt;script&gt;alert(" in body,
            "the hostile organisation is escaped on the page", body[-3000:])
    org = item(st.facets.get("Organisations"), HOSTILE_ORG)
    c.check(org and org["href"] and params_of(org["href"]).get("org") == [HOSTILE_ORG] and
            not re.search(r'[<>"\s]', org["href"]),
            "its facet link carries the name percent-encoded", st.facets.get("Organisations"))
    c.check(any(n == HOSTILE_ORG for hh in st.hits for n, _ in hh["tags"].get("Organisations", [])),
            "the hit lists it, as text", [hh["tags"] for hh in st.hits])
    if org and org["href"]:
        r, st = get_page(c, s, org["href"], "/search filtered by the hostile organisation")
        c.eq(page_total(r.text), 1, "its filter finds its one readout")
        cur = item(st.facets.get("Organisations"), HOSTILE_ORG)
        c.check(cur and cur["current"] and cur["remove_label"] ==
                "Remove the filter " + HOSTILE_ORG,
                "it is current, its removal link labelled with the name (escaped)", cur)
        body = r.text.split("</head>", 1)[1].replace('<script src="/static/app.js" defer>', "")
        c.check("<script>alert" not in body, "the filtered page escapes it too (form, facet)")
    # A name given in the address that is no entity is echoed escaped.
    evil = '"><script>alert(1)</script>'
    r = s.get("/search?q=&person=" + dltest.q(evil))
    check_page(c, r, "/search with a hostile person=")
    c.check("<script>alert(1)" not in r.text and r.status == 200,
            "a hostile person= is escaped in the form and the facet")


def filter_limit(c, s):
    """With as many entity filters as the API takes, names are no longer links."""
    path = "/search?q=" + "".join("&person=" + dltest.q("Tô Lâm") for _ in range(16))
    r, st = get_page(c, s, path, "/search with 16 entity filters")
    hrefs = [a for a in re.findall(r'href="([^"]+)"', r.text) if a.startswith("/search")]
    most = max(len(params_of(html.unescape(h)).get("person", [])) for h in hrefs)
    c.check(most <= 16, "no link asks for a 17th filter", most)
    xi = item(st.facets.get("People"), "Xi Jinping")
    c.check(xi and xi["href"] is None and not xi["current"],
            "other names are listed without a link", st.facets.get("People"))


def kind_facet(c, s):
    """The meeting kind facet: the API's kinds and counts, each a link that keeps the other
    filters; a current kind stays in the form and in the other links."""
    r, st = get_page(c, s, "/search?q=&person=" + dltest.q("Tô Lâm"), "/search by Tô Lâm (kinds)")
    j = api(s, q="", person="Tô Lâm")
    want = [(f["value"], f["count"]) for f in j["facets"]["kind"]]
    got = [(it["text"], it["count"]) for it in st.facets.get("Kind", [])]
    c.check(len(want) >= 2 and got == want, "Kind facet: the API's kinds and counts",
            "page %r, API %r" % (got, want))
    hrefs = [it["href"] for it in st.facets.get("Kind", [])]
    c.check(hrefs and all(h and params_of(h).get("kind") == [v] and
                          params_of(h).get("person") == ["Tô Lâm"]
                          for h, (v, _) in zip(hrefs, want)),
            "each kind links to the search plus kind=KIND", hrefs)
    if not want or not hrefs or not hrefs[0]:
        return
    kind, n = want[0]
    r, st = get_page(c, s, hrefs[0], "/search by Tô Lâm and kind=%s" % kind)
    c.eq(page_total(r.text), n, "kind=%s finds what its facet counted" % kind)
    cur = item(st.facets.get("Kind"), kind)
    c.check(cur and cur["current"] and cur["href"] is None, "the kind is current", cur)
    every = item(st.facets.get("Kind"), "All kinds")
    c.check(every and params_of(every["href"]) == {"q": [""], "person": ["Tô Lâm"]},
            "'All kinds' drops the kind and keeps the person", every)
    year = next((i for i in st.facets.get("Year", []) if i["href"]), None)
    c.check(year and params_of(year["href"]).get("kind") == [kind] and
            params_of(year["href"]).get("person") == ["Tô Lâm"],
            "a year link keeps kind= and person=", year)
    boxes = [(a.get("name"), a.get("value")) for t, a in _inputs(r.text)
             if a.get("type") == "checkbox" and "checked" in a]
    c.eq(sorted(boxes), sorted([("person", "Tô Lâm"), ("kind", kind)]),
         "the form keeps the kind beside the person")


if __name__ == "__main__":
    main(test, "entities pages")
