#!/usr/bin/env python3
"""A larger corpus derived from real readouts, for bench/growth.sh.

    bench/derive.py OUT.jsonl COPIES CORPUS.jsonl[.gz]...

Writes every readout of the CORPUS files (read in the order given) COPIES times to OUT.jsonl
(uncompressed JSON Lines, the format of ../shared/corpus): issue 0 is the readout as it is,
issue k (1 <= k < COPIES) is the same readout re-issued

  - with the id `ID~rK` (and the url, when there is one, `URL#rK`), so it is a new readout;
  - dated 13*k months earlier (k years and k months; the day kept, or 28 when the shifted month
    is shorter; a readout without a date stays without one);
  - with its paragraphs (split on blank lines) rotated by k, so no two issues are byte-identical
    and a phrase that spans a paragraph break may not survive, as in a real re-edited release.

Title, source, lang and every word of the body are unchanged. That is why the term statistics
stay realistic: each term's document frequency and each document's length are those of the real
corpus multiplied by exactly COPIES, so BM25's idf (log N/df) and length normalisation see the
same distribution, and every posting list, position list and facet count is COPIES times longer
-- the matcher does the work a COPIES-times larger collection of the same kind of text asks of it.
What it does not model: a real corpus of that size would have more distinct words (a larger
term dictionary and spelling table, more rare terms), and re-issued titles make more equal
scores than real text would. With COPIES=6 and all of ../shared/corpus (87,436 readouts) it
writes 524,616 readouts, about 1.7 GB. Deterministic: the same inputs give the same bytes.
Python 3 standard library only.
"""
import gzip
import json
import sys


def shift_date(date, months):
    """'YYYY-MM-DD' moved back by `months` whole months (day clamped to 28 if needed)."""
    if not isinstance(date, str) or len(date) < 10:
        return date
    try:
        y, m, d = int(date[0:4]), int(date[5:7]), int(date[8:10])
    except ValueError:
        return date
    total = y * 12 + (m - 1) - months
    y, m = divmod(total, 12)
    days = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30, 31,
            31, 30, 31, 30, 31][m]
    return "%04d-%02d-%02d%s" % (y, m + 1, d if d <= days else 28, date[10:])


def reissue(doc, k):
    out = dict(doc)
    out["id"] = "%s~r%d" % (doc["id"], k)
    if doc.get("url"):
        out["url"] = "%s#r%d" % (doc["url"], k)
    out["date"] = shift_date(doc.get("date"), 13 * k)
    paras = (doc.get("body") or "").split("\n\n")
    r = k % len(paras)
    out["body"] = "\n\n".join(paras[r:] + paras[:r])
    return out


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__.split("\n\n")[1])
    out_path, copies, inputs = argv[1], int(argv[2]), argv[3:]
    if copies < 1:
        sys.exit("derive: COPIES must be at least 1")
    n = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for path in inputs:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    doc = json.loads(line)
                    out.write(line if line.endswith("\n") else line + "\n")
                    for k in range(1, copies):
                        out.write(json.dumps(reissue(doc, k), ensure_ascii=False) + "\n")
                    n += copies
    print(n)


if __name__ == "__main__":
    main(sys.argv)
