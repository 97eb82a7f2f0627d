#!/usr/bin/env python3
"""Summarise a bench/run.sh results file: dateline's figures beside the peers' and limits',
with the ratios the targets are stated in. Usage: report.py RESULTS.jsonl STATS.json OUT.json"""
import json
import sys


def latest(rows):
    out = {}
    for r in rows:
        out[(r.get("system"), r.get("kind"), r.get("phase"), r.get("conc"), r.get("variant"),
             r.get("threads"), r.get("what"))] = r
    return list(out.values())


def find(rows, **kw):
    for r in rows:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def ratio(a, b):
    return round(a / b, 2) if a and b else None


def main():
    rows = latest([json.loads(l) for l in open(sys.argv[1]) if l.strip()])
    stats = json.load(open(sys.argv[2]))
    dl_idx = find(rows, system="dateline", kind="index", phase="dateline-index") or {}
    dl_cmp = find(rows, system="dateline", kind="index", phase="xapian-compact") or {}
    om_idx = find(rows, system="omega", kind="index", phase="scriptindex") or {}
    om_cmp = find(rows, system="omega", kind="index", phase="xapian-compact") or {}
    ft_idx = find(rows, system="fts5", kind="index", phase="fts5-insert") or {}
    ft_opt = find(rows, system="fts5", kind="index", phase="fts5-optimize+vacuum") or {}
    out = {"corpus": stats.get("corpus"), "docs": stats.get("docs"),
           "text_mb": round(stats.get("text_bytes", 0) / 1e6, 1), "indexing": {}, "search": {},
           "ratios": {}, "targets": {}}
    print(f"corpus: {stats.get('corpus')} - {stats.get('docs')} docs, "
          f"{stats.get('text_bytes', 0) / 1e6:.1f} MB of text\n")
    print("| indexing | docs/s | MB/s | peak RSS MB | size MB | size after compact MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, a, b in (("dateline-index", dl_idx, dl_cmp), ("Omega scriptindex", om_idx, om_cmp),
                       ("SQLite FTS5", ft_idx, ft_opt)):
        if not a:
            continue
        row = {"docs_per_s": a.get("docs_per_s"), "mb_per_s": a.get("mb_per_s"),
               "peak_rss_mb": round(a.get("maxrss_kb", 0) / 1024, 1),
               "size_mb": round(a.get("index_bytes", 0) / 1048576, 1),
               "compact_size_mb": round(b.get("index_bytes", 0) / 1048576, 1) if b else None}
        out["indexing"][name] = row
        print(f"| {name} | {row['docs_per_s']} | {row['mb_per_s']} | {row['peak_rss_mb']} | "
              f"{row['size_mb']} | {row['compact_size_mb'] or ''} |")
    print()
    print("| search (HTTP unless noted) | conc/threads | QPS | p50 ms | p99 ms | server RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    concs = sorted({r["conc"] for r in rows if r.get("kind") == "http" and r.get("system") == "dateline"})
    for sysname, label in (("dateline", "dateline-serve (snippets)"), ("omega", "Omega CGI (snippets)")):
        for c in concs:
            r = find(rows, system=sysname, kind="http", conc=c)
            if r:
                out["search"].setdefault(label, {})[f"c{c}"] = {k: r.get(k) for k in ("qps", "p50_ms", "p99_ms", "errors", "server_rss_kb")}
                rss = r.get("server_rss_kb")
                print(f"| {label} | c={c} | {r['qps']} | {r['p50_ms']} | {r['p99_ms']} | "
                      f"{round(rss / 1024, 1) if rss else ''} |")
    for r in sorted([r for r in rows if r.get("kind") == "lib"], key=lambda r: (r["system"], str(r.get("variant")), r.get("threads", 0))):
        label = f"{r['system']} {r.get('variant')} (in-process)"
        out["search"].setdefault(label, {})[f"t{r.get('threads')}"] = {k: r.get(k) for k in ("qps", "p50_ms", "p99_ms")}
        print(f"| {label} | t={r.get('threads')} | {r.get('qps')} | {r.get('p50_ms')} | {r.get('p99_ms')} | |")
    for c in concs:
        r = [x for x in rows if x.get("kind") == "http" and x.get("system", "").startswith("mhd") and x.get("conc") == c]
        if r:
            r = r[0]
            out["search"].setdefault("libmicrohttpd 2 KB", {})[f"c{c}"] = {k: r.get(k) for k in ("qps", "p50_ms", "p99_ms")}
            print(f"| libmicrohttpd fixed 2 KB ({r['system']}) | c={c} | {r['qps']} | {r['p50_ms']} | {r['p99_ms']} | |")
    print()

    def qps(system, **kw):
        r = find(rows, system=system, **kw)
        return r.get("qps") if r else None

    dl1, dl16 = qps("dateline", kind="http", conc=1), qps("dateline", kind="http", conc=16)
    raw1 = qps("xapian-raw", kind="lib", variant="nosnippets-and", threads=1)
    raw2 = qps("xapian-raw", kind="lib", variant="nosnippets-and", threads=2)
    om1, om16 = qps("omega", kind="http", conc=1), qps("omega", kind="http", conc=16)
    p99_16 = (find(rows, system="dateline", kind="http", conc=16) or {}).get("p99_ms")
    rss = (find(rows, system="dateline", kind="rss") or {}).get("maxrss_kb")
    ratios = {
        "search_c1_vs_raw_xapian_1thread": ratio(dl1, raw1),
        "search_c16_vs_raw_xapian_2threads": ratio(dl16, raw2),
        "search_c1_vs_omega": ratio(dl1, om1),
        "search_c16_vs_omega": ratio(dl16, om16),
        "index_docs_per_s_vs_scriptindex": ratio(dl_idx.get("docs_per_s"), om_idx.get("docs_per_s")),
        "index_size_vs_omega_compacted": ratio(dl_cmp.get("index_bytes"), om_cmp.get("index_bytes")),
    }
    out["ratios"] = ratios
    targets = [
        ("search c=1 >= 0.5x raw Xapian (1 thread)", ratios["search_c1_vs_raw_xapian_1thread"], lambda v: v >= 0.5),
        ("search c=16 >= 0.5x raw Xapian (2 threads)", ratios["search_c16_vs_raw_xapian_2threads"], lambda v: v >= 0.5),
        ("p99 at c=16 < 20 ms", p99_16, lambda v: v < 20),
        ("server RSS < 64 MB", round(rss / 1024, 1) if rss else None, lambda v: v < 64),
        ("indexing >= 2x scriptindex docs/s", ratios["index_docs_per_s_vs_scriptindex"], lambda v: v >= 2),
        ("indexing peak RSS <= 256 MB", round(dl_idx.get("maxrss_kb", 0) / 1024, 1) if dl_idx else None, lambda v: v <= 256),
        ("compacted index size <= Omega's", ratios["index_size_vs_omega_compacted"], lambda v: v <= 1.0),
    ]
    print("| target | measured | met |")
    print("|---|---:|:-:|")
    for name, v, ok in targets:
        met = None if v is None else bool(ok(v))
        out["targets"][name] = {"value": v, "met": met}
        print(f"| {name} | {v if v is not None else 'n/a'} | {'yes' if met else 'NO' if met is False else '?'} |")
    print(f"\nother ratios: dateline/Omega QPS c=1 {ratios['search_c1_vs_omega']}, "
          f"c=16 {ratios['search_c16_vs_omega']}")
    with open(sys.argv[3], "w") as f:
        json.dump(out, f, indent=2)
    print(f"\nwritten: {sys.argv[3]}")


if __name__ == "__main__":
    main()
