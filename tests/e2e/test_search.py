#!/usr/bin/env python3
"""End-to-end: /api/search and /api/doc over an index of data/sample."""

import html
import os
import re
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, doc_path, main, utf16_slice  # noqa: E402

NFD_DOC = "2026-01-20-to-lam-xi-phone-call-nfd.txt"
JSONL_TO_LAM = "extra/2026-01-26-to-lam-xi-phone-call"
ZH_DOC = "2025-12-18-xi-su-lin-phone-call-zh.txt"
CP1252_DOC = "2024-09-05-washington-cp1252.txt"
CONGRATS_DOC = "2022-10-23-trong-congratulates-xi.txt"


def nfc(s):
    return unicodedata.normalize("NFC", s)


def marks(snippet_html):
    """The texts inside <mark>…</mark>, unescaped and NFC-normalised."""
    return [nfc(html.unescape(m)) for m in re.findall(r"<mark>(.*?)</mark>", snippet_html, re.S)]


def ids(res):
    return [h["id"] for h in res["hits"]]


def hit(res, doc_id):
    for h in res["hits"]:
        if h["id"] == doc_id:
            return h
    return None


def slug(text):
    """dl_slug for the sample's sources: folded, alphanumeric runs joined by '-'."""
    folded = unicodedata.normalize("NFKD", text.lower().replace("đ", "d"))
    return "-".join(re.findall(r"[0-9a-z]+", folded.encode("ascii", "ignore").decode()))


def answers_to(source, value):
    """Does a source filter on value find a readout of this source (schema.h: the whole
    source's slug and each part's)?"""
    parts = [source] + re.split(r"[/,;&|+]", source or "")
    return slug(value) in {slug(p) for p in parts if p}


VNA_VNS = {"2026-02-09-pm-chinh-chinese-commerce-minister.txt", NFD_DOC}  # source VNA/VNS
VNA = {"undated-hanoi-courtesy-call.txt", JSONL_TO_LAM}  # source VNA
VNS = {"2025-11-03-luong-cuong-hcm-city.txt", "2025-03-04-da-nang-guangxi-delegation.txt"}


def sample_sources():
    src = dltest.sample_dir()
    extra = os.path.join(src, "extra.jsonl")
    return [src] + ([extra] if os.path.exists(extra) else [])


def build_sample_index():
    db = os.path.join(dltest.tempdir(), "dateline.db")
    for s in sample_sources():
        dltest.run_index(s, db)
    return db


def check_shape(c, res, what):
    keys = ["query", "total", "total_exact", "offset", "limit", "took_ms", "timed_out", "relaxed",
            "suggestion", "hits", "facets"]
    c.check(isinstance(res, dict) and all(k in res for k in keys), what + ": has every key",
            sorted(res) if isinstance(res, dict) else res)
    for h in res.get("hits", []):
        hk = ["id", "rank", "score", "title", "date", "dateline", "source", "url", "snippet",
              "matches"]
        if not all(k in h for k in hk):
            c.check(False, what + ": hit has every key", sorted(h))
            return


def test(c):
    db = build_sample_index()
    with Server(db) as s:
        st, health = s.json("/healthz")
        c.eq(st, 200, "/healthz answers 200")
        ndocs = health["documents"]
        c.check(ndocs >= 10, "the sample index has its readouts (%d)" % ndocs)

        # --- diacritics: to lam finds Tô Lâm, marked as written ---------------------
        st, r = s.search(q="to lam", limit=50)
        c.eq(st, 200, "q=to lam answers 200")
        check_shape(c, r, "q=to lam")
        c.check(NFD_DOC in ids(r), "to lam finds the Tô Lâm readout written in NFD", ids(r))
        c.check(JSONL_TO_LAM in ids(r), "to lam finds the JSONL Tô Lâm readout", ids(r))
        for doc_id in (NFD_DOC, JSONL_TO_LAM):
            h = hit(r, doc_id)
            if h:
                ms = marks(h["snippet"])
                c.check(any("Tô Lâm" in m for m in ms),
                        "snippet of %s marks 'Tô Lâm' as written" % doc_id, h["snippet"])
        st, r2 = s.search(q="Tô Lâm", limit=50)
        c.eq(r2["total"], r["total"], "'Tô Lâm' and 'to lam' find the same number of readouts")
        st, r3 = s.search(q=unicodedata.normalize("NFD", "TÔ LÂM"), limit=50)
        c.eq(r3["total"], r["total"], "decomposed upper-case 'TÔ LÂM' finds the same readouts")

        # --- ha noi finds HÀ NỘI ----------------------------------------------------
        st, r = s.search(q="ha noi", limit=50)
        c.check(st == 200 and r["total"] > 0, "ha noi finds readouts", r)
        all_marks = [m for h in r["hits"] for m in marks(h["snippet"])]
        c.check(any(m.upper() == "HÀ NỘI" for m in all_marks),
                "ha noi marks HÀ NỘI / Hà Nội as written", all_marks)
        c.check(all(unicodedata.normalize("NFD", m).encode("ascii", "ignore").decode().lower()
                    .replace(" ", "") in ("hanoi", "ha", "noi") for m in all_marks if m),
                "ha noi marks nothing but forms of Hà Nội", all_marks)

        # --- phrases -----------------------------------------------------------------
        st, r = s.search(q='"comprehensive strategic partnership"')
        c.check(CP1252_DOC in ids(r), "a phrase finds the readout that has it", ids(r))
        h = hit(r, CP1252_DOC)
        if h:
            c.check("Comprehensive Strategic Partnership" in marks(h["snippet"]),
                    "the phrase is one mark", h["snippet"])
        st, r = s.search(q='"partnership strategic comprehensive"')
        c.check(CP1252_DOC not in ids(r), "the same words in another order are not that phrase",
                ids(r))

        # --- stemming ------------------------------------------------------------------
        st, r = s.search(q="congratulate", limit=50)
        c.check(CONGRATS_DOC in ids(r), "congratulate finds 'congratulations'", ids(r))
        h = hit(r, CONGRATS_DOC)
        if h:
            ms = [m.lower() for m in marks(h["snippet"])]
            c.check(any(m.startswith("congratulat") for m in ms),
                    "congratulate marks the inflected form", h["snippet"])

        # --- matches: byte and UTF-16 offsets agree with the marked text --------------
        for doc_id, query in ((NFD_DOC, "to lam"), (JSONL_TO_LAM, "ha noi"),
                              (ZH_DOC, "习近平"), (CP1252_DOC, "partnership")):
            st, d = s.json(doc_path(doc_id) + "?q=" + dltest.q(query))
            if not c.check(st == 200 and d and "matches" in d and "body_html" in d,
                           "/api/doc/%s?q=%s has body_html and matches" % (doc_id, query), d):
                continue
            body = d["body"]
            raw = body.encode("utf-8")
            by_bytes = [raw[m["start"]:m["end"]].decode("utf-8") for m in d["matches"]]
            by_utf16 = [utf16_slice(body, m["start16"], m["end16"]) for m in d["matches"]]
            c.check(len(by_bytes) > 0, "%s: q=%s has matches" % (doc_id, query))
            c.eq(by_bytes, by_utf16, "%s: byte and UTF-16 offsets give the same text" % doc_id)
            marked = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>",
                                                            d["body_html"], re.S)]
            c.eq(marked, by_bytes, "%s: marks in body_html are the matched text" % doc_id)
            plain = html.unescape(re.sub(r"</?mark>", "", d["body_html"]))
            c.eq(plain, body, "%s: body_html without marks is the escaped body" % doc_id)

        # matches of a search hit refer to the hit's body
        st, r = s.search(q="to lam", limit=50)
        h = hit(r, NFD_DOC)
        if h:
            st, d = s.json(doc_path(NFD_DOC))
            raw = d["body"].encode("utf-8")
            texts = [nfc(raw[m["start"]:m["end"]].decode("utf-8")) for m in h["matches"]]
            c.check("Tô Lâm" in texts, "hit matches point at 'Tô Lâm' in the body", texts)

        # --- CJK -------------------------------------------------------------------------
        st, r = s.search(q="习近平")
        c.check(ZH_DOC in ids(r), "a Chinese name finds the Chinese readout", ids(r))
        h = hit(r, ZH_DOC)
        if h:
            c.check("习近平" in marks(h["snippet"]), "习近平 is marked", h["snippet"])
        st, r = s.search(q="中越")
        c.check(ZH_DOC in ids(r), "a two-character CJK word finds the readout", ids(r))

        # --- aliases -----------------------------------------------------------------------
        st, r = s.search(q="su lin", limit=50)
        c.check(NFD_DOC in ids(r), "alias: su lin finds a readout that writes only Tô Lâm",
                ids(r))
        h = hit(r, NFD_DOC)
        if h:
            c.check(any("Tô Lâm" in m for m in marks(h["snippet"])),
                    "alias: su lin marks the variant written (Tô Lâm)", h["snippet"])
        st, r = s.search(q="to lam", limit=50)
        c.check(ZH_DOC in ids(r) and "2026-02-04-le-hoai-trung-wang-yi-talks.txt" in ids(r),
                "alias: to lam finds the To Lam / Su Lin readouts", ids(r))
        st, r = s.search(q="苏林", limit=50)
        c.check(NFD_DOC in ids(r), "alias: 苏林 finds Tô Lâm", ids(r))

        # --- empty q lists the newest -------------------------------------------------------
        st, r = s.search(limit=100)
        c.eq(st, 200, "empty q answers 200")
        c.eq(r["total"], ndocs, "empty q counts every readout")
        dates = [h["date"] for h in r["hits"]]
        dated = [d for d in dates if d]
        c.check(dated == sorted(dated, reverse=True), "empty q lists the newest first", dates)
        c.check(all(d for d in dates[:len(dated)]), "undated readouts come last", dates)
        c.eq([h["rank"] for h in r["hits"]], list(range(1, len(r["hits"]) + 1)),
             "ranks count from 1")

        # --- date range and sort ---------------------------------------------------------------
        st, r = s.search(q="china", **{"from": "2025-01-01", "to": "2025-12-31"}, limit=100)
        c.check(st == 200 and r["total"] > 0, "a date range finds readouts", r)
        c.check(all(h["date"] and "2025-01-01" <= h["date"] <= "2025-12-31" for h in r["hits"]),
                "every hit is inside the date range", [h["date"] for h in r["hits"]])
        st, r = s.search(q="china", sort="date", limit=100)
        dates = [h["date"] for h in r["hits"] if h["date"]]
        c.check(len(dates) > 2 and dates == sorted(dates, reverse=True), "sort=date: newest first",
                dates)
        st, r = s.search(q="china", sort="-date", limit=100)
        dates = [h["date"] for h in r["hits"] if h["date"]]
        c.check(len(dates) > 2 and dates == sorted(dates), "sort=-date: oldest first", dates)
        st, r = s.search(q="china", sort="relevance", limit=100)
        scores = [h["score"] for h in r["hits"]]
        c.check(scores == sorted(scores, reverse=True), "sort=relevance: best score first", scores)
        st, r = s.search(q="", **{"from": "2026-02-09", "to": "2026-02-09"})
        c.check(r["total"] >= 1 and all(h["date"] == "2026-02-09" for h in r["hits"]),
                "a one-day range is inclusive", [h["date"] for h in r["hits"]])

        # --- facets: each count is what the filter finds -------------------------------------
        st, r = s.search(q="", limit=1)
        years = r["facets"]["year"]
        c.check(len(years) >= 3, "year facets are listed", years)
        c.eq([y["value"] for y in years], sorted((y["value"] for y in years), reverse=True),
             "year facets: newest year first")
        for y in years:
            st, f = s.search(q="", limit=1, **{"from": y["value"] + "-01-01",
                                               "to": y["value"] + "-12-31"})
            c.eq(f["total"], y["count"], "year facet %s counts what its range finds" % y["value"])
        sources = r["facets"]["source"]
        c.check(len(sources) >= 2, "source facets are listed", sources)
        counts = [x["count"] for x in sources]
        c.eq(counts, sorted(counts, reverse=True), "source facets: most frequent first")
        for x in sources:
            st, f = s.search(q="", limit=100, source=x["value"])
            c.eq(f["total"], x["count"], "source facet %r counts what its filter finds" % x["value"])
            c.check(all(answers_to(h["source"], x["value"]) for h in f["hits"]),
                    "source=%s keeps only the sources that answer to it" % x["value"],
                    [h["source"] for h in f["hits"]])
        vna = [x for x in sources if x["value"] == "VNA"]
        c.check(vna and vna[0]["count"] == len(VNA | VNA_VNS),
                "the VNA facet counts the VNA/VNS readouts too", sources)
        st, r = s.search(q="to lam", facets=0)
        c.check(st == 200 and r["facets"] is None, "facets=0 leaves facets out", r.get("facets"))
        st, r = s.search(q="to lam", matches=0)
        c.check(st == 200 and r["hits"] and all("matches" not in h and h["snippet"]
                                                for h in r["hits"]),
                "matches=0 leaves the match lists out, snippets stay", r["hits"][:1])

        # --- scores and explain=1 ----------------------------------------------------------------
        for q in ("to lam congratulated", "wang yi cooperation", "xi jinping OR beijing"):
            st, r = s.search(q=q, limit=20)
            scores = [h["score"] for h in r["hits"]]
            c.check(st == 200 and len(scores) > 1 and scores == sorted(scores, reverse=True),
                    "%r: scores fall with rank" % q, scores)
            c.check(all("explain" not in h for h in r["hits"]), "%r: no explain unless asked" % q)
            st, x = s.search(q=q, limit=20, explain=1)
            c.eq(ids(x), ids(r), "%r: explain=1 ranks the same" % q)
            for h in x["hits"]:
                parts = h.get("explain") or []
                total = sum(p["weight"] for p in parts)
                c.check(len(parts) == 2 and abs(total - h["score"]) <= 1e-4 * max(1, h["score"]),
                        "%r, %s: the parts' weights add up to the score" % (q, h["id"]),
                        (h["score"], parts))
                c.check(all(p["forms"] for p in parts if p["weight"] > 0) and
                        all(not p["forms"] for p in parts if p["weight"] == 0),
                        "%r, %s: a part that counts shows the forms found" % (q, h["id"]), parts)
        st, x = s.search(q="to lam", limit=100, explain=1)
        forms = {f for h in x["hits"] for f in h["explain"][0]["forms"]}
        c.check({"Tô Lâm", "Su Lin", "苏林"} <= forms, "explain shows the name as each readout wrote it",
                sorted(forms))

        # --- source filter ---------------------------------------------------------------------
        st, r = s.search(q="wang yi", source="xinhua")
        c.check(r["total"] >= 1 and all(h["source"] == "Xinhua" for h in r["hits"]),
                "source filter is case-insensitive and keeps only Xinhua",
                [(h["id"], h["source"]) for h in r["hits"]])

        # --- a combined source answers to each part (issue 10) ----------------------------------
        for query, want in (("source:vna", VNA | VNA_VNS), ("source:VNS", VNS | VNA_VNS),
                            ("source:vna-vns", VNA_VNS), ('source:"VNA/VNS"', VNA_VNS),
                            ("source:vna/vns", VNA_VNS), ("source:vn", set())):
            st, r = s.json("/api/search?limit=100&q=" + dltest.q(query))
            c.eq((st, set(ids(r) if r else ())), (200, want), "q=%s finds its readouts" % query)
        st, r = s.search(q="", source="vna", limit=100)
        c.eq(set(ids(r)), VNA | VNA_VNS, "source=vna finds the VNA/VNS readouts too")
        st, r = s.search(q="", source="VNA/VNS", limit=100)
        c.eq(set(ids(r)), VNA_VNS, "source=VNA/VNS (its facet's link) finds only those")
        st, r = s.search(q="source:xinhua", limit=100)
        c.check(st == 200 and r["total"] >= 1 and not set(ids(r)) & VNA_VNS,
                "source:xinhua finds no VNA/VNS readout", ids(r))

        # --- paging ----------------------------------------------------------------------------
        st, a = s.search(q="", limit=3)
        st, b = s.search(q="", limit=3, offset=3)
        c.check(not set(ids(a)) & set(ids(b)) and len(ids(b)) == 3, "pages do not overlap",
                (ids(a), ids(b)))
        c.eq([h["rank"] for h in b["hits"]], [4, 5, 6], "ranks continue on the next page")
        c.eq((b["offset"], b["limit"]), (3, 3), "offset and limit are echoed")
        st, r = s.search(q="to lam", offset=10000)
        c.check(st == 200 and r["hits"] == [], "offset past the end gives no hits", r)

        # --- spelling, whole document ----------------------------------------------------------
        st, r = s.search(q="congratulatoins")
        c.check(r["suggestion"] is not None and "congratulations" in r["suggestion"],
                "a misspelling gets a suggestion", r.get("suggestion"))
        st, d = s.json(doc_path(JSONL_TO_LAM))
        c.check(st == 200 and d["id"] == JSONL_TO_LAM and d["url"].startswith("https://")
                and d["lang"] == "en" and "body_html" not in d,
                "/api/doc without q: the readout, no markup", d)
        st2, d2 = s.json("/api/doc/" + dltest.q(JSONL_TO_LAM))
        c.check(st2 == 200 and d2["id"] == JSONL_TO_LAM, "an id with %2F for '/' is found too")
        st, r = s.json("/api/search?q=to+lam&limit=1")
        c.check(st == 200 and r["query"] == "to lam", "'+' in q is a space")


if __name__ == "__main__":
    main(test, "search")
