#!/usr/bin/env python3
"""Same-event clusters, measured: index every readout named in tests/events/pairs.tsv (the
labelled set, README.md there) from ../shared/corpus, then read each pair's clusters from
/api/doc's same_event. Prints precision and recall; asserts precision >= 0.95 and recall
>= 0.85 (issue 12). Skipped (77) when ../shared/corpus is absent."""

import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, main  # noqa: E402

ROOT = os.environ.get("DL_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
PAIRS = os.path.join(ROOT, "tests", "events", "pairs.tsv")
FILES = ["whitehouse_briefing_room", "cctv_xwlb_zh", "china_mfa_presscon_en",
         "china_mfa_spokesperson_zh"]


def load_pairs():
    with open(PAIRS, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    return [(a, b, int(label), rule) for a, b, label, rule in rows]


def run(c):
    if not os.path.isdir(CORPUS):
        print("skipped: ../shared/corpus is absent")
        sys.exit(77)
    pairs = load_pairs()
    want = {i for a, b, _, _ in pairs for i in (a, b)}
    tmp = dltest.tempdir()
    src = os.path.join(tmp, "pairs.jsonl")
    found = 0
    with open(src, "w", encoding="utf-8") as out:
        for name in FILES:
            with gzip.open(os.path.join(CORPUS, name + ".jsonl.gz"), "rt", encoding="utf-8") as f:
                for line in f:
                    if json.loads(line)["id"] in want:
                        out.write(line)
                        found += 1
    c.eq(found, len(want), "every readout of the labelled set is in the corpus")
    db = os.path.join(tmp, "db")
    p = dltest.run_index(src, db)
    print(p.stderr.decode("utf-8", "replace").strip())
    s = Server(db).start()
    others = {}
    for i in sorted(want):
        st, d = s.json(dltest.doc_path(i))
        c.eq(st, 200, "doc %s" % i)
        others[i] = {h["id"] for h in d.get("same_event", {}).get("hits", [])}
        c.check(d.get("same_event", {}).get("count") == len(others[i]),
                "%s: count = its listed accounts (fewer than 10 here)" % i)
    tp = fp = fn = tn = 0
    for a, b, label, rule in pairs:
        got = b in others[a]
        c.eq(got, a in others[b], "symmetric: %s %s" % (a, b))
        if got and label:
            tp += 1
        elif got:
            fp += 1
            print("false positive (%s): %s %s" % (rule, a, b))
        elif label:
            fn += 1
            print("false negative (%s): %s %s" % (rule, a, b))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print("same-event pairs: %d (%d positive): precision %.3f, recall %.3f (tp %d fp %d fn %d tn %d)"
          % (len(pairs), tp + fn, precision, recall, tp, fp, fn, tn))
    c.check(len(pairs) >= 100, "at least 100 labelled pairs")
    c.check(precision >= 0.95, "precision >= 0.95: %.3f" % precision)
    c.check(recall >= 0.85, "recall >= 0.85: %.3f" % recall)


if __name__ == "__main__":
    main(run, "test_event_pairs")
