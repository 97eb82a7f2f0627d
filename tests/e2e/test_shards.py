#!/usr/bin/env python3
"""End-to-end: dateline-index --shards N writes N shards and a stub; dateline-serve -d DIR
serves them as one index and answers as a single index of the same readouts does; incremental
runs touch only the shards of the readouts that changed; another shard count is refused."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, doc_path, main  # noqa: E402

NFD_DOC = "2026-01-20-to-lam-xi-phone-call-nfd.txt"

TEMPLATE = """Quokkafest{n} delegation visits Hà Nội

HÀ NỘI — On February {day}, 2026, a delegation of the Quokkafest{n} Society led by \
Chairman Zorblax Quimby visited Hà Nội to discuss {topic} with Vietnamese partners.

The two sides agreed to hold the next fair in Đà Nẵng. — VNA/VNS
"""
TOPICS = ["railway cooperation", "cultural exchanges", "energy security", "trade"]

QUERIES = ["to lam", "ha noi", "congratulate", "china", "", "习近平", '"strategic partnership"',
           "quokkafest3", "wang yi", "xi", "railway OR energy", "su lin", "zorblax"]


def write(path, n):
    with open(path, "w", encoding="utf-8") as f:
        f.write(TEMPLATE.format(n=n, day=1 + n % 27, topic=TOPICS[n % len(TOPICS)]))


def sample_and_generated():
    """A copy of the sample readouts and 30 generated ones (gen/qNN.txt, near copies of each
    other: many equal scores); returns its folder."""
    src = dltest.copy_sample()
    gen = os.path.join(src, "gen")
    os.makedirs(gen)
    for n in range(30):
        write(os.path.join(gen, "q%02d.txt" % n), n)
    return src


def shard_of(doc_id, n):
    """The shard of a readout: FNV-1a 64 (dl_hash64) of its id, modulo n."""
    h = 0xcbf29ce484222325
    for byte in doc_id.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h % n


def doccount(db):
    out = subprocess.run(["xapian-delve", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=60).stdout.decode()
    for line in out.splitlines():
        if line.startswith("number of documents"):
            return int(line.split("=")[1])
    return -1


def revisions(db, n):
    """Each shard's revision, from xapian-delve (the stub's has none)."""
    revs = []
    for i in range(n):
        out = subprocess.run(["xapian-delve", os.path.join(db, "shard-%02d" % i)],
                             stdout=subprocess.PIPE, timeout=60).stdout.decode()
        revs.append(next((line.split("=")[1].strip() for line in out.splitlines()
                          if line.startswith("revision")), None))
    return revs


def answer(s, query):
    st, r = s.search(q=query, limit=50)
    if st != 200:
        return (st, [], None, None, {}, [])
    hits = r["hits"]
    return (r["total"], [h["id"] for h in hits], r["facets"], r.get("suggestion"),
            {h["id"]: h["snippet"] for h in hits},
            sorted((-round(h["score"], 3), h["id"]) for h in hits))


def compare(c, a, b, what):
    """Same totals, facets, suggestions, snippets, and the same ids in the same order: readouts
    of equal score (the generated ones are near copies) too, whatever the layout (ties.h)."""
    for query in QUERIES:
        x, y = answer(a, query), answer(b, query)
        c.eq(x[0], y[0], "%s %r: same total" % (what, query))
        c.eq(x[1], y[1], "%s %r: the same ids in the same order" % (what, query))
        c.eq(x[5], y[5], "%s %r: each readout has the same score" % (what, query))
        c.eq(x[2:4], y[2:4], "%s %r: same facets and suggestion" % (what, query))
        first = y[1][0] if y[1] else None
        c.eq(x[4].get(first), y[4].get(first), "%s %r: the first hit's snippet" % (what, query))


def test(c):
    if not shutil.which("xapian-delve"):
        print("xapian-delve not installed: skipped")
        sys.exit(77)
    src = sample_and_generated()
    gen = os.path.join(src, "gen")
    tmp = dltest.tempdir()
    sharded, plain = os.path.join(tmp, "sharded"), os.path.join(tmp, "plain")

    p = subprocess.run([dltest.DL_INDEX, "-d", sharded, "--shards", "1", src],
                       stderr=subprocess.PIPE, timeout=60)
    c.check(p.returncode == 2 and len(p.stderr.splitlines()) == 1 and not os.path.exists(sharded),
            "--shards 1: exit 2, one line, nothing written", p.stderr)
    dltest.run_index(src, sharded, ["--shards", "3"])
    dltest.run_index(src, plain)
    with open(os.path.join(sharded, "XAPIANDB")) as f:
        stub = [line.split() for line in f if not line.startswith("#")]
    c.eq(stub, [["auto", "shard-%02d" % i] for i in range(3)], "the stub lists the 3 shards")
    counts = [doccount(os.path.join(sharded, "shard-%02d" % i)) for i in range(3)]
    total = doccount(plain)
    c.check(all(n > 0 for n in counts), "every shard holds readouts", counts)
    c.eq(sum(counts), total, "the shards' documents sum to the single index's")
    c.eq(doccount(sharded), total, "xapian-delve opens the folder (stub) as one database")

    with Server(sharded) as a, Server(plain) as b:
        st, h = a.json("/healthz")
        c.eq(h["documents"], total, "the sharded server counts every readout")
        compare(c, a, b, "sharded vs single")
        st, r = a.search(q="su lin", limit=50)
        c.check(NFD_DOC in [x["id"] for x in r["hits"]],
                "su lin finds the readout that writes only Tô Lâm", r.get("total"))
        st, r = a.search(q="congratulatoins")
        c.check(r["suggestion"] is not None and "congratulations" in r["suggestion"],
                "a misspelling gets a suggestion from the shards", r.get("suggestion"))
        for doc in (NFD_DOC, "gen/q07.txt"):
            x, y = a.get(doc_path(doc)), b.get(doc_path(doc))
            # related readouts too: relevance feedback weighs words over every shard
            xj, yj = x.json(), y.json()
            c.check(x.status == 200 and 0 < len(xj["related"]) <= 5 and xj == yj,
                    "/api/doc/%s: the same readout, the same related readouts" % doc,
                    (xj.get("related"), yj.get("related")))

        # incremental: add one, edit one, delete one; only their shards get a new revision
        before = revisions(sharded, 3)
        # the three changes all in shard 1: the other two must not move
        same = [n for n in range(60) if shard_of("gen/q%02d.txt" % n, 3) == 1]
        added = next(n for n in same if n >= 30)
        edited, removed = [n for n in same if n < 30][:2]
        write(os.path.join(gen, "q%02d.txt" % added), added)
        with open(os.path.join(gen, "q%02d.txt" % edited), "a", encoding="utf-8") as f:
            f.write("\nA new paragraph about wombatisation.\n")
        os.remove(os.path.join(gen, "q%02d.txt" % removed))
        for db in (sharded, plain):
            dltest.run_index(src, db)  # the sharded folder keeps its recorded count
        after = revisions(sharded, 3)
        changed = [i for i in range(3) if before[i] != after[i]]
        c.check(None not in before and changed == [1],
                "only shard 1, which holds the added, edited and removed readouts, moved",
                (before, after))
        c.eq(sum(doccount(os.path.join(sharded, "shard-%02d" % i)) for i in range(3)), total,
             "one added and one removed: the same total")
        c.check(dltest.wait_for(lambda: a.total("wombatisation") == 1),
                "the sharded server finds the edited readout")
        c.check(dltest.wait_for(lambda: a.total("quokkafest%d" % added) == 1),
                "the sharded server finds the added readout")
        c.check(dltest.wait_for(lambda: a.get(doc_path("gen/q%02d.txt" % removed)).status == 404),
                "the deleted readout is gone")
        dltest.wait_for(lambda: b.total("quokkafest%d" % added) == 1)
        compare(c, a, b, "after the update")

    unchanged_run = dltest.run_index(src, sharded, ["--shards", "3"])
    c.check(b"up to date" in unchanged_run.stderr, "a run with the same --shards is up to date")
    for extra, what in ((["--shards", "4"], "another shard count"),
                        (["--shards", "2"], "another shard count")):
        p = subprocess.run([dltest.DL_INDEX, "-d", sharded] + extra + [src],
                           stderr=subprocess.PIPE, timeout=60)
        c.check(p.returncode == 2 and len(p.stderr.splitlines()) == 1
                and b"3 shards" in p.stderr, "%s is refused with one line" % what, p.stderr)
    p = subprocess.run([dltest.DL_INDEX, "-d", plain, "--shards", "3", src],
                       stderr=subprocess.PIPE, timeout=60)
    c.check(p.returncode == 2 and len(p.stderr.splitlines()) == 1 and b"not sharded" in p.stderr,
            "--shards on a single index is refused with one line", p.stderr)
    c.eq(revisions(sharded, 3), after, "refused runs leave the shards alone")


if __name__ == "__main__":
    main(test, "shards")
