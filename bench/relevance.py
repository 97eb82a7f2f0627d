#!/usr/bin/env python3
"""Relevance bench: dateline (over HTTP) against SQLite FTS5 at its strongest, in one run.

  bench/relevance.py [--corpora a,b,...] [--queries 300] [--seed 1] [--work DIR] [options]

Two measures, so that ranking is not tuned to one method:

1. Known-item search (Azzopardi, de Rijke and Balog, SIGIR 2007): a journalist remembers a few
   distinctive words of one readout. For each corpus, --queries documents are drawn with a fixed
   seed; from each, K distinct words are drawn without replacement with probability proportional
   to tf*idf (tf in the document, idf = ln(N/df) over the corpus), and that document is the one
   wanted. K is 3 for English, 5 for Vietnamese (syllables are shorter words), 3 for Chinese,
   where a "word" is a 3-character string of a CJK run (there is no word segmenter in Debian, and
   FTS5's trigram tokenizer, its strongest for Chinese, needs 3 characters). Each query is asked
   as written and with its diacritics stripped (NFD, combining marks dropped, d-stroke to d): the
   second form only where it differs. Reported per system and form: MRR@10 (1/rank of the wanted
   document, 0 past 10), success@1 and success@10, and how many queries each system ranks the
   wanted document higher than the other.
2. Topic queries on Reuters-21578 (--topics): each TOPICS category with at least 10 stories is a
   query made of its name in words (e.g. "crude oil" for crude, "coffee"), the stories tagged
   with it the relevant ones (Lewis' judgments). Reported: nDCG@10 and MAP over the top 100.

The peers: SQLite FTS5 (Python's sqlite3) with `tokenize = 'porter unicode61 remove_diacritics 2'`
(trigram for Chinese), columns title and body, ranked by bm25(news, TITLE_WEIGHT, 1) with
TITLE_WEIGHT 3 (--fts5-title), the query being the words ANDed, each quoted. dateline: the
build's dateline-index and dateline-serve on a free loopback port, GET /api/search?q=WORDS.

Indexes are cached in --work per corpus (dateline's by schema version, so a schema change
rebuilds them; --reindex forces it). Needs ../shared/corpus, python3 and a build
(default build-release, built by this script with ninja). Never run by the test command.
--serve-arg passes an option to dateline-serve (for experiments); --dump writes every query,
its wanted document and each system's rank as JSON Lines.
"""
import argparse
import collections
import gzip
import http.client
import json
import math
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import unicodedata
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS_DIR = os.path.join(ROOT, "..", "shared", "corpus")
DEFAULT_CORPORA = ("whitehouse_briefing_room,vntc_vi_30k,bbc_news_2225,reuters21578,"
                   "china_mfa_presscon_en,china_mfa_spokesperson_zh,cctv_xwlb_zh")
WORDS = {"en": 3, "vi": 5, "zh": 3}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[^\W_]+")
LETTER = re.compile(r"[^\W\d_]")

# Reuters-21578 TOPICS codes whose name is not a plain word, in words (the category names of
# Lewis' all-topics-strings.lc.txt and the Reuters glossary).
TOPIC_WORDS = {
    "acq": "acquisition", "earn": "earnings", "money-fx": "foreign exchange",
    "nat-gas": "natural gas", "veg-oil": "vegetable oil", "money-supply": "money supply",
    "crude": "crude oil", "ship": "shipping", "interest": "interest rates",
    "carcass": "meat", "livestock": "livestock", "oilseed": "oilseed", "soybean": "soybean",
    "soy-meal": "soy meal", "soy-oil": "soy oil", "meal-feed": "meal feed",
    "palm-oil": "palm oil", "rape-oil": "rapeseed oil", "sun-oil": "sunflower oil",
    "iron-steel": "iron steel", "pet-chem": "petrochemicals", "dlr": "dollar",
    "l-cattle": "cattle", "f-cattle": "cattle", "cpi": "consumer prices", "ipi": "industrial production",
    "gnp": "gross national product", "bop": "balance of payments", "wpi": "wholesale prices",
    "lei": "leading indicators", "jobs": "unemployment", "reserves": "reserves",
    "strategic-metal": "strategic metals", "cpu": "capacity utilisation",
    "instal-debt": "instalment debt", "groundnut": "groundnut", "rapeseed": "rapeseed",
}


def log(*a):
    print("relevance:", *a, file=sys.stderr, flush=True)


# --- corpora and query generation --------------------------------------------------------------

def read_corpus(name):
    path = os.path.join(CORPUS_DIR, name + ".jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    return path, docs


def strip_diacritics(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", s)


def doc_words(doc, lang):
    """The words a query may be drawn from, with their counts in the document."""
    text = unicodedata.normalize("NFC", (doc.get("title") or "") + "\n" + (doc.get("body") or ""))
    text = text.lower()
    if lang == "zh":
        out = collections.Counter()
        for run in CJK.findall(text):
            for i in range(len(run) - 2):
                out[run[i:i + 3]] += 1
        return out
    return collections.Counter(w for w in WORD.findall(text)
                               if len(w) > 1 and LETTER.search(w) and not CJK.search(w))


def make_queries(name, docs, n, seed):
    lang = docs[0].get("lang") or "en"
    k = WORDS.get(lang, 3)
    tfs = [doc_words(d, lang) for d in docs]
    df = collections.Counter()
    for tf in tfs:
        df.update(tf.keys())
    big_n = len(docs)
    rng = random.Random(f"{seed}:{name}")
    order = list(range(len(docs)))
    rng.shuffle(order)
    queries = []
    for i in order:
        tf = tfs[i]
        if len(tf) < 4 * k:
            continue  # too short to remember words from
        words = list(tf)
        weights = [tf[w] * math.log(big_n / df[w]) for w in words]
        picked = []
        for _ in range(k):
            total = sum(weights)
            if total <= 0:
                break
            x = rng.random() * total
            for j, wt in enumerate(weights):
                x -= wt
                if x < 0 or j == len(weights) - 1:
                    break
            picked.append(words[j])
            weights[j] = 0.0
        if len(picked) < k:
            continue
        queries.append({"target": docs[i]["id"], "words": picked})
        if len(queries) == n:
            break
    return lang, queries


# --- SQLite FTS5 -------------------------------------------------------------------------------

def fts5_open(work, name, docs, lang):
    path = os.path.join(work, name, "fts5.db")
    tok = "trigram" if lang == "zh" else "porter unicode61 remove_diacritics 2"
    stamp = path + ".done"
    if not (os.path.exists(stamp) and open(stamp).read() == tok):
        log(f"{name}: building the FTS5 index ({len(docs)} documents)")
        for p in (path, stamp):
            if os.path.exists(p):
                os.remove(p)
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute(f"CREATE VIRTUAL TABLE news USING fts5(title, body, docid UNINDEXED, "
                   f"tokenize = '{tok}')")
        db.executemany("INSERT INTO news(title, body, docid) VALUES (?, ?, ?)",
                       ((d.get("title") or "", d.get("body") or "", d["id"]) for d in docs))
        db.commit()
        db.close()
        with open(stamp, "w") as f:
            f.write(tok)
    return sqlite3.connect(path)


def fts5_search(db, words, title_weight, limit):
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    try:
        rows = db.execute("SELECT docid FROM news WHERE news MATCH ? "
                          "ORDER BY bm25(news, ?, 1.0) LIMIT ?",
                          (match, title_weight, limit)).fetchall()
    except sqlite3.OperationalError:
        return []
    return [r[0] for r in rows]


# --- dateline ------------------------------------------------------------------------------------

def schema_version():
    with open(os.path.join(ROOT, "include", "dateline", "schema.h")) as f:
        return re.search(r'#define DL_SCHEMA_VERSION "([^"]*)"', f.read()).group(1)


def dateline_index(a, name, path):
    db = os.path.join(a.work, name, "dateline-s" + schema_version() + a.index_tag)
    stamp = db + ".done"
    if a.reindex or not os.path.exists(stamp):
        shutil.rmtree(db, ignore_errors=True)
        log(f"{name}: indexing with dateline-index")
        t0 = time.time()
        subprocess.run([os.path.join(a.build, "indexer", "dateline-index"), "-q", "-d", db, path],
                       check=True)
        log(f"{name}: indexed in {time.time() - t0:.0f} s")
        open(stamp, "w").close()
    return db


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dateline:
    def __init__(self, a, db):
        self.port = free_port()
        args = [os.path.join(a.build, "server", "dateline-serve"), "-d", db,
                "-l", f"127.0.0.1:{self.port}", "-t", "2", "-q", "--max-terms", "1000"]
        self.proc = subprocess.Popen(args + a.serve_arg)
        for _ in range(200):
            try:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request("GET", "/healthz")
                self.conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("relevance: dateline-serve did not start")

    def get(self, target):
        for attempt in (0, 1):  # the server may close an idle keep-alive connection
            try:
                self.conn.request("GET", target)
                r = self.conn.getresponse()
                return r, r.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise

    def search(self, words, limit):
        q = urllib.parse.quote(" ".join(words))
        r, body = self.get(f"/api/search?q={q}&limit={limit}&facets=0")
        if r.status != 200:
            log(f"dateline: HTTP {r.status} for {' '.join(words)!r}: {body[:200]!r}")
            return []
        return [h["id"] for h in json.loads(body)["hits"]]

    def close(self):
        self.proc.terminate()
        self.proc.wait()


# --- measures --------------------------------------------------------------------------------------

def known_item(ranks):
    n = len(ranks)
    return {"mrr10": sum(1.0 / r for r in ranks if r) / n,
            "s1": sum(1 for r in ranks if r == 1) / n,
            "s10": sum(1 for r in ranks if r) / n, "n": n}


def rank_of(target, ids):
    return ids.index(target) + 1 if target in ids else 0


def ndcg10(ids, relevant):
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ids[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return dcg / ideal


def ap100(ids, relevant):
    hits, total = 0, 0.0
    for i, d in enumerate(ids[:100]):
        if d in relevant:
            hits += 1
            total += hits / (i + 1)
    return total / len(relevant)


def run_known_items(a, name, docs, dl, fts, lang, out, dump):
    _, queries = make_queries(name, docs, a.queries, a.seed)
    forms = [("written", lambda w: w)]
    if any(strip_diacritics(w) != w for q in queries for w in q["words"]):
        forms.append(("stripped", strip_diacritics))
    for form, fn in forms:
        ranks = {"dateline": [], "fts5": []}
        for q in queries:
            words = [fn(w) for w in q["words"]]
            r_dl = rank_of(q["target"], dl.search(words, 10))
            r_ft = rank_of(q["target"], fts5_search(fts, words, a.fts5_title, 10)) if a.fts5 else 0
            ranks["dateline"].append(r_dl)
            ranks["fts5"].append(r_ft)
            if dump:
                dump.write(json.dumps({"corpus": name, "form": form, "words": words,
                                       "target": q["target"], "dateline": r_dl, "fts5": r_ft},
                                      ensure_ascii=False) + "\n")
        better = sum(1 for x, y in zip(ranks["dateline"], ranks["fts5"]) if x and (not y or x < y))
        worse = sum(1 for x, y in zip(ranks["dateline"], ranks["fts5"]) if y and (not x or y < x))
        for system in ("dateline", "fts5"):
            m = known_item(ranks[system])
            m.update(corpus=name, form=form, system=system, words=WORDS.get(lang, 3))
            if system == "dateline":
                m.update(better=better, worse=worse)
            out.append(m)


def run_topics(a, name, docs, dl, fts, out):
    topics = collections.defaultdict(set)
    for d in docs:
        for t in (d.get("section") or "").split(";"):
            if t:
                topics[t].add(d["id"])
    scores = {"dateline": [], "fts5": []}
    for t in sorted(topics):
        relevant = topics[t]
        if len(relevant) < 10:
            continue
        words = TOPIC_WORDS.get(t, t.replace("-", " ")).split()
        for system, ids in (("dateline", dl.search(words, 100)),
                            ("fts5", fts5_search(fts, words, a.fts5_title, 100))):
            scores[system].append((ndcg10(ids, relevant), ap100(ids, relevant)))
    for system, v in scores.items():
        out.append({"corpus": name, "form": "topics", "system": system, "n": len(v),
                    "ndcg10": sum(x for x, _ in v) / len(v), "map100": sum(y for _, y in v) / len(v)})


def print_tables(results):
    print("\nknown-item queries (MRR@10, success@1, success@10; dateline better/worse than FTS5)")
    print(f"{'corpus':30} {'form':9} {'system':9} {'MRR@10':>7} {'S@1':>6} {'S@10':>6} {'n':>4}"
          f" {'better/worse':>13}")
    for m in results:
        if m["form"] == "topics":
            continue
        bw = f"{m['better']}/{m['worse']}" if "better" in m else ""
        print(f"{m['corpus']:30} {m['form']:9} {m['system']:9} {m['mrr10']:7.3f} {m['s1']:6.3f}"
              f" {m['s10']:6.3f} {m['n']:4} {bw:>13}")
    topics = [m for m in results if m["form"] == "topics"]
    if topics:
        print("\ntopic queries (Reuters-21578 TOPICS as judgments)")
        print(f"{'corpus':30} {'system':9} {'nDCG@10':>8} {'MAP@100':>8} {'topics':>6}")
        for m in topics:
            print(f"{m['corpus']:30} {m['system']:9} {m['ndcg10']:8.3f} {m['map100']:8.3f} {m['n']:6}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default=DEFAULT_CORPORA)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--work", default="/tmp/dateline-relevance")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-release"))
    ap.add_argument("--fts5-title", type=float, default=3.0)
    ap.add_argument("--reindex", action="store_true")
    ap.add_argument("--no-topics", dest="topics", action="store_false")
    ap.add_argument("--serve-arg", action="append", default=[])
    ap.add_argument("--index-tag", default="", help="suffix of the cached index's folder name")
    ap.add_argument("--no-fts5", dest="fts5", action="store_false",
                    help="dateline alone (its figures for experiments; FTS5's are then 0)")
    ap.add_argument("--dump")
    ap.add_argument("--json", help="write the results here as JSON")
    a = ap.parse_args()
    if not os.path.isdir(CORPUS_DIR):
        raise SystemExit(f"relevance: no corpora at {CORPUS_DIR}")
    if not os.path.isdir(a.build):
        subprocess.run(["meson", "setup", a.build, ROOT, "--buildtype=release", "-Db_ndebug=true"],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", a.build, "indexer/dateline-index", "server/dateline-serve"],
                   check=True, stdout=subprocess.DEVNULL)
    results = []
    dump = open(a.dump, "w", encoding="utf-8") if a.dump else None
    for name in a.corpora.split(","):
        path, docs = read_corpus(name)
        os.makedirs(os.path.join(a.work, name), exist_ok=True)
        lang = docs[0].get("lang") or "en"
        fts = fts5_open(a.work, name, docs, lang)
        dl = Dateline(a, dateline_index(a, name, path))
        try:
            run_known_items(a, name, docs, dl, fts, lang, results, dump)
            if a.topics and name == "reuters21578":
                run_topics(a, name, docs, dl, fts, results)
        finally:
            dl.close()
        log(f"{name}: done")
    print_tables(results)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"seed": a.seed, "queries": a.queries, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
