#!/usr/bin/env python3
"""End-to-end: people, countries, organisations and meeting kinds over an index of data/sample
built with the default gazetteer (data/gazetteer.tsv) and alias table: tagging in every
script, person=/country=/org=/kind= and their query-language forms, the facets, each hit's
lists, /api/entities, every form highlighted, written_as, and the 400s."""

import html
import os
import re
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, doc_path, main, utf16_slice  # noqa: E402

ZH_DOC = "2025-12-18-xi-su-lin-phone-call-zh.txt"        # 苏林 only
NFD_DOC = "2026-01-20-to-lam-xi-phone-call-nfd.txt"     # Tô Lâm, decomposed
TALKS_DOC = "2025-04-16-xi-to-lam-talks.txt"            # "To Lam", no diacritics
CALL_DOCS = {ZH_DOC, NFD_DOC, "xinhua-wang-yi-le-hoai-trung-phone-call.txt"}


def nfc(s):
    return unicodedata.normalize("NFC", s)


def ids(r):
    return {h["id"] for h in r["hits"]}


def facet(r, name):
    return {x["value"]: x["count"] for x in r["facets"][name]}


def run(c):
    with Server(dltest.build_index(dltest.copy_sample())) as s:
        # --- tagging: every script and spelling names the same person -------------------
        st, r = s.search(q="", limit=100)
        people, countries, kinds = facet(r, "people"), facet(r, "countries"), facet(r, "kind")
        c.check(st == 200 and "Tô Lâm" in people and "Xi Jinping" in people,
                "people facet names Tô Lâm and Xi Jinping", people)
        c.check({"Vietnam", "China"} <= set(countries), "countries facet", countries)
        c.check(set(kinds) <= {"talks", "call", "meeting", "visit", "message", "statement",
                               "other"} and kinds.get("call", 0) >= 3, "kind facet", kinds)
        c.eq(sorted(facet(r, "people").values(), reverse=True), list(facet(r, "people").values()),
             "people: most named first")
        by_id = {h["id"]: h for h in r["hits"]}
        for doc in (ZH_DOC, NFD_DOC, TALKS_DOC):
            h = by_id.get(doc, {})
            c.check("Tô Lâm" in h.get("people", []), "%s names Tô Lâm (苏林, NFD, no diacritics)"
                    % doc, h.get("people"))
        c.check(all(isinstance(h.get("people"), list) and isinstance(h.get("kind"), str)
                    for h in r["hits"]), "every hit lists its people and its kind")

        # --- filters: any form of the name, in the parameter and in the query ----------------
        named = {h["id"] for h in r["hits"] if "Tô Lâm" in h["people"]}
        for form in ("to lam", "Tô Lâm", "Su Lin", "苏林"):
            st, f = s.search(q="", limit=100, person=form)
            c.eq(ids(f) if st == 200 else None, named, "person=%s finds the readouts naming him"
                 % form)
            st, g = s.search(q='person:"%s"' % form, limit=100)
            c.eq(ids(g) if st == 200 else None, named, 'person:"%s" likewise' % form)
        st, f = s.search(q="", limit=100, person="lam")
        c.check(st == 200 and f["total"] == 0, '"Lam" alone tags nobody', f.get("total"))
        st, both = s.json("/api/search?q=&limit=100&person=to+lam&person=xi+jinping")
        st2, q2 = s.search(q='person:"to lam" person:"xi jinping"', limit=100)
        c.check(both["total"] > 0 and ids(both) == ids(q2) and
                all({"Tô Lâm", "Xi Jinping"} <= set(h["people"]) for h in both["hits"]),
                "two people: the readouts naming both", sorted(ids(both)))
        st, calls = s.search(q="", limit=100, kind="call")
        c.check(CALL_DOCS <= ids(calls) and all(h["kind"] == "call" for h in calls["hits"]),
                "kind=call keeps the calls", sorted(ids(calls)))
        st, k2 = s.search(q="kind:CALL", limit=100)
        c.eq(ids(k2), ids(calls), "kind:CALL in the query likewise")
        st, vn = s.search(q="", limit=100, country="越南")
        c.check(vn["total"] > 0 and all("Vietnam" in h["countries"] for h in vn["hits"]),
                "country=越南: readouts naming Vietnam", vn["total"])
        c.eq(facet(r, "countries").get("Vietnam"), vn["total"],
             "the Vietnam facet counts what its filter finds")

        # --- suggestions ----------------------------------------------------------------------
        for prefix in ("lam", "to l", "苏", "Su L"):
            st, e = s.json("/api/entities?prefix=" + dltest.q(prefix))
            names = [x["name"] for x in e["entities"]] if st == 200 else []
            c.check("Tô Lâm" in names, "/api/entities?prefix=%s suggests Tô Lâm" % prefix, names)
        st, e = s.json("/api/entities?prefix=viet&type=country")
        c.check(st == 200 and [x["name"] for x in e["entities"]][:1] == ["Vietnam"] and
                e["entities"][0]["type"] == "country" and
                e["entities"][0]["count"] == vn["total"], "country suggestion with its count",
                e)

        # --- every form highlighted ---------------------------------------------------------
        st, d = s.json(doc_path(ZH_DOC) + "?q=" + dltest.q("su lin"))
        body = d["body"]
        got = {nfc(utf16_slice(body, m["start16"], m["end16"])) for m in d["matches"]}
        c.check("苏林" in got, '"su lin" marks 苏林 in the Chinese readout', got)
        st, d = s.json(doc_path(NFD_DOC) + "?q=" + dltest.q("su lin"))
        marked = {nfc(html.unescape(m)) for m in re.findall(r"<mark>(.*?)</mark>", d["body_html"])}
        c.check("Tô Lâm" in marked, '"su lin" marks Tô Lâm (written decomposed)', marked)

        # --- written as the readouts write it ------------------------------------------------
        st, w = s.search(q="to lam")
        c.eq(w.get("written_as"), "Tô Lâm", 'written_as for "to lam"')
        st, w = s.search(q="Tô Lâm")
        c.eq(w.get("written_as"), None, "no written_as for a query typed with diacritics")

        # --- bad input --------------------------------------------------------------------------
        for path, what in (("/api/search?q=x&kind=party", "kind"),
                           ("/api/entities?type=city", "type"),
                           ("/api/entities?limit=0", "limit"),
                           ("/api/search?q=x&person=%00", "person")):
            st, e = s.json(path)
            c.check(st == 400 and e and e["error"]["code"] == "bad_request" and
                    what in e["error"]["message"], "%s: a 400 naming %s" % (path, what), e)


if __name__ == "__main__":
    main(run, "entities")
