#!/usr/bin/env python3
"""End-to-end: same-event clusters (issue 12). Two accounts of one call, in English and
Chinese, a day apart, are one event: /api/doc lists each as the other's same_event and
/api/search shows one hit for both (total_counts "events"), every readout with collapse=0.
Hard negatives stay apart: the same day and person with another counterpart, a background
press call about the call. A later run's re-publication joins the cluster (incremental), and a
pool of writers (--jobs 2) and a sharded index (--shards 3) cluster as one writer does."""

import json
import re
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402
from test_pages import check_page  # noqa: E402

CALL_EN = ("President Joe Biden spoke today with President Xi Jinping of the People's Republic "
           "of China. The two leaders discussed the relationship between the United States and "
           "China, counternarcotics cooperation, military-to-military communication, artificial "
           "intelligence and climate change. President Biden raised concerns about trade "
           "practices and emphasized the importance of peace and stability across the Taiwan "
           "Strait.")
READOUTS = [
    {"id": "wh/call", "title": "Readout of President Joe Biden's Call with President Xi Jinping",
     "date": "2026-01-10", "source": "The White House", "lang": "en", "body": CALL_EN},
    {"id": "xinhua/call", "title": "习近平同美国总统拜登通电话", "date": "2026-01-11",
     "source": "Xinhua", "lang": "zh",
     "body": "国家主席习近平10日晚应约同美国总统拜登通电话。两国元首就中美关系和共同关心的问题坦诚深入交换了意见。"
             "习近平指出，中国和美国应当相互尊重、和平共处、合作共赢。拜登表示，美方愿同中方保持沟通。"},
    {"id": "vna/call", "title": "Party General Secretary Tô Lâm held phone talks with Xi Jinping",
     "date": "2026-01-10", "source": "VNA", "lang": "en",
     "body": "Party General Secretary Tô Lâm held phone talks with General Secretary and President "
             "Xi Jinping of China on the comprehensive strategic cooperative partnership between "
             "Vietnam and China, railway links and trade."},
    {"id": "wh/background", "title": "Background Press Call on President Biden's Call with "
     "President Xi Jinping", "date": "2026-01-10", "source": "The White House", "lang": "en",
     "body": "Senior administration officials briefed reporters on the call between President "
             "Joe Biden and President Xi Jinping of China and answered questions on trade."},
]
# Readouts on other subjects, so that the words of the call are rare enough for relevance
# feedback (related) to weigh them.
FILLERS = [
    {"id": "filler/%d" % i, "title": t, "date": "2025-0%d-0%d" % (i + 1, i + 1),
     "source": "Reuters", "lang": "en", "body": b}
    for i, (t, b) in enumerate([
        ("Coffee harvest rises in the Central Highlands", "Farmers in Đắk Lắk reported a larger "
         "coffee harvest this year as rainfall returned to normal and prices held firm."),
        ("Rice exports reach a record", "Rice exporters shipped more grain than in any year "
         "before, led by demand from the Philippines and Indonesia."),
        ("New metro line opens", "The city's second metro line opened to passengers on "
         "Saturday after years of delays and cost overruns."),
        ("Typhoon makes landfall", "The storm brought heavy rain and strong winds to the coast, "
         "and thousands of people were moved to shelters."),
    ])]
REPUBLISHED = {"id": "embassy/call", "title": "Readout of President Joe Biden's Call with "
               "President Xi Jinping", "date": "2026-01-11", "source": "US Embassy Beijing",
               "lang": "en", "body": CALL_EN}


def write(path, readouts):
    with open(path, "w", encoding="utf-8") as f:
        for r in readouts:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def accounts(s, doc_id):
    st, d = s.json(dltest.doc_path(doc_id))
    if st != 200:
        return None
    same = d["same_event"]
    return same["count"], sorted(h["id"] for h in same["hits"])


def check_clusters(c, s, what, extra=()):
    c.eq(accounts(s, "wh/call"), (1 + len(extra), sorted(["xinhua/call"] + list(extra))),
         what + ": the White House's call lists Xinhua's account")
    c.eq(accounts(s, "xinhua/call"), (1 + len(extra), sorted(["wh/call"] + list(extra))),
         what + ": and Xinhua's lists the White House's")
    c.eq(accounts(s, "vna/call"), (0, []), what + ": Xi's call with Tô Lâm the same day is apart")
    c.eq(accounts(s, "wh/background"), (0, []), what + ": the background press call is apart")
    st, d = s.json(dltest.doc_path("wh/call"))
    related = [h["id"] for h in d.get("related", [])]
    c.check(0 < len(related) <= 5 and "xinhua/call" not in related and "wh/call" not in related
            and set(related) <= {"vna/call", "wh/background"},
            what + ": related readouts: others on the subject, not the event's accounts", related)


def check_search(c, s):
    st, r = s.search(q="Xi Jinping", limit=50)
    c.eq(st, 200, "search")
    c.eq(r.get("total_counts"), "events", "collapsed by default: total counts events")
    ids = [h["id"] for h in r["hits"]]
    c.eq(sorted(ids), sorted(set(ids) | {"vna/call", "wh/background"}),
         "Tô Lâm's call and the press call are hits of their own")
    call = [h for h in r["hits"] if h["id"] in ("wh/call", "xinhua/call")]
    c.eq(len(ids), 3, "three events: the call, Tô Lâm's call, the press call")
    c.eq(len(call), 1, "one hit for the call's two accounts")
    if call:
        other = "xinhua/call" if call[0]["id"] == "wh/call" else "wh/call"
        se = call[0].get("same_event", {})
        c.eq((se.get("count"), [h["id"] for h in se.get("hits", [])]), (1, [other]),
             "the hit lists the other account")
        got = se["hits"][0] if se.get("hits") else {}
        c.eq(sorted(got), ["date", "id", "lang", "source", "title"], "an account's fields")
    lone = [h for h in r["hits"] if h["id"] == "vna/call"]
    c.check(lone and lone[0]["same_event"] == {"count": 0, "hits": []},
            "a readout alone in its event: count 0")
    st, r = s.search(q="Xi Jinping", limit=50, collapse=0)
    c.eq((r.get("total_counts"), r["total"], len(r["hits"])), ("readouts", 4, 4),
         "collapse=0: every readout")
    c.check(all("same_event" not in h for h in r["hits"]), "collapse=0: no same_event")
    st, r = s.search(q="Xi Jinping", collapse="2")
    c.eq(st, 400, "collapse=2: 400")


def check_pages(c, s):
    r = s.get("/search?q=" + dltest.q("Xi Jinping"))
    check_page(c, r, "/search")
    lines = re.findall(r'<p class="accounts">(.*?)</p>', r.text)
    c.check(len(lines) == 1, "one hit has an accounts line", lines)
    c.check(bool(lines) and (re.fullmatch(
        r'1 other account: <a href="/doc/xinhua/call\?q=Xi%20Jinping">Xinhua</a> \(zh\)',
        lines[0]) or re.fullmatch(
        r'1 other account: <a href="/doc/wh/call\?q=Xi%20Jinping">The White House</a> \(en\)',
        lines[0])), "the line names the other account's source and language", lines)
    r = s.get("/doc/wh/call?q=" + dltest.q("Xi Jinping"))
    check_page(c, r, "/doc with an other account")
    side = re.findall(r'<article class="account" lang="zh">(.*?)</article>', r.text, re.S)
    c.eq(len(side), 1, "the doc page shows Xinhua's account beside it")
    c.check(bool(side) and "习近平同美国总统拜登通电话" in side[0] and "<mark>" in side[0],
            "with its title and its matches marked", side[:1])
    r = s.get("/doc/vna/call")
    check_page(c, r, "/doc alone")
    c.check('class="account"' not in r.text, "a readout alone: no other account")


def run(c):
    tmp = dltest.tempdir()
    src = os.path.join(tmp, "readouts.jsonl")
    write(src, READOUTS + FILLERS)
    db = os.path.join(tmp, "db")
    p = dltest.run_index(src, db)
    err = p.stderr.decode("utf-8", "replace")
    c.check("same-event pass: 8 readouts, 1 joined" in err, "the indexer reports its pass", err)
    s = Server(db).start()
    check_clusters(c, s, "one writer")
    check_search(c, s)
    check_pages(c, s)
    # Incremental: a re-publication in a later run joins the cluster; nothing else changes.
    more = os.path.join(tmp, "more.jsonl")
    write(more, [REPUBLISHED])
    p = dltest.run_index(more, db)
    err = p.stderr.decode("utf-8", "replace")
    c.check("same-event pass: 1 readouts, 1 joined" in err, "the next run looks at its own", err)
    c.check(dltest.wait_for(lambda: accounts(s, "embassy/call") is not None and
                            accounts(s, "embassy/call")[0] == 2),
            "the re-publication joins the call's cluster", accounts(s, "embassy/call"))
    check_clusters(c, s, "incremental", ["embassy/call"])
    s.stop()
    # A pool of writers and a sharded index see the whole input at the pass.
    write(src, READOUTS + FILLERS + [REPUBLISHED])
    for what, args in (("--jobs 2", ["--jobs", "2"]), ("--shards 3", ["--shards", "3"])):
        db2 = os.path.join(dltest.tempdir(), "db")
        dltest.run_index(src, db2, args)
        s2 = Server(db2).start()
        check_clusters(c, s2, what, ["embassy/call"])
        s2.stop()


if __name__ == "__main__":
    main(run, "test_events")
