#!/usr/bin/env python3
"""The table of bench/growth.sh: growth-results.jsonl -> markdown on stdout and growth.json.

    bench/growth_report.py RESULTS OUT.json HEAD SCHEMA DUR ROUNDS THREADS JOBS REMOTE_THREADS
"""
import json
import os
import statistics
import sys

NAMES = {"wh": "White House", "all": "all ../shared/corpus", "derived": "derived",
         "copies": "all, merged COPIES times (stand-in)"}


def med(points, key):
    return statistics.median(p[key] for p in points) if points else None


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main(argv):
    res, out, head, schema, dur, rounds, threads, jobs, rthreads = argv[1:10]
    rows = [json.loads(line) for line in open(res) if line.strip()]
    idx = [r for r in rows if r.get("kind") == "index"]
    http = [r for r in rows if r.get("kind") == "http"]
    rss = [r for r in rows if r.get("kind") == "rss"]
    checks = {r["label"]: r.get("total") for r in rows if r.get("kind") == "check"}
    concs = sorted({r["conc"] for r in http})
    summary = {"head": head, "schema": schema, "dur_s": float(dur), "rounds": int(rounds),
               "server_threads": int(threads), "index_jobs": int(jobs),
               "remote_threads": int(rthreads), "cores": os.cpu_count(),
               "check_vietnam_total": checks, "sizes": [], "shards": [], "targets": {}}

    print(f"\nbuild {head} (schema {schema}), release; {os.cpu_count()} cores (shared with other "
          f"work); dateline-index -j {jobs}; dateline-serve -t {threads}; wrk {dur} s per point, "
          "50 queries (../shared/peers)\n")
    print("| index | readouts | index time (CPU) | docs/s | indexer peak RSS (per writer) | index size |"
          + "".join(f" c={c} QPS | c={c} p50 / p99 ms |" for c in concs) + " server RSS after load |")
    print("|---|---:|---:|---:|---:|---:|" + "---:|---:|" * len(concs) + "---:|")
    size_qps = {}
    for r in [r for r in idx if r.get("shards") == 1]:
        name = r["name"]
        pts = {c: [p for p in http if p.get("part") == "size" and p.get("name") == name
                   and p["conc"] == c] for c in concs}
        mem = next((m for m in rss if m.get("part") == "size" and m.get("name") == name), {})
        row = {"name": name, "docs": r["docs"], "index_wall_s": r["wall_s"],
               "docs_per_s": r["docs_per_s"], "index_maxrss_kb": r["maxrss_kb"],
               "index_rss_per_writer_kb": r["rss_per_writer_kb"], "jobs": r["jobs"],
               "index_bytes": r["index_bytes"], "server_hwm_kb": mem.get("hwm_kb"),
               "server_rss_kb": mem.get("rss_kb"), "points": {}}
        cells = ""
        for c in concs:
            q, p50, p99 = (med(pts[c], k) for k in ("qps", "p50_ms", "p99_ms"))
            row["points"][c] = {"qps": q, "p50_ms": p50, "p99_ms": p99,
                                "errors": sum(p["errors"] for p in pts[c])}
            size_qps[(name, c)] = (q, p99)
            cells += f" {fmt(q, '.0f')} | {fmt(p50, '.1f')} / {fmt(p99, '.1f')} |"
        summary["sizes"].append(row)
        cpu = r.get("user_s", 0) + r.get("sys_s", 0)
        print(f"| {NAMES.get(name, name)} | {r['docs']:,} | {r['wall_s']:.0f} s ({cpu:.0f} s) | "
              f"{r['docs_per_s']:.0f} | {r['maxrss_kb'] / 1024:.0f} MB ({r['rss_per_writer_kb'] / 1024:.0f} "
              f"MB x {r['jobs']}) | {r['index_bytes'] / 2**20:.0f} MB |{cells} "
              f"{fmt(mem.get('hwm_kb', 0) / 1024, '.0f')} MB |")

    shard_ns = sorted({r["shards"] for r in http if r.get("part") == "shards"})
    if shard_ns:
        print("\n| sharded corpus as | served | index time (CPU), peak RSS |" +
              "".join(f" c={c} QPS | c={c} p50 / p99 ms |" for c in concs) +
              " remote/local QPS c=16 | server RSS |")
        print("|---|---|---:|" + "---:|---:|" * len(concs) + "---:|---:|")
    shard_ratio = {}
    for n in shard_ns:
        ir = next((r for r in idx if r.get("shards") == n), {})
        modes = [m for m in ("local", "remote", "remote-t") if any(
            p.get("mode") == m and p.get("shards") == n for p in http)]
        base = {}
        for m in modes:
            pts = {c: [p for p in http if p.get("part") == "shards" and p.get("shards") == n
                       and p.get("mode") == m and p["conc"] == c] for c in concs}
            mem = next((x for x in rss if x.get("part") == "shards" and x.get("shards") == n
                        and x.get("mode") == m), {})
            row = {"shards": n, "mode": m, "server_hwm_kb": mem.get("hwm_kb"), "points": {}}
            cells = ""
            for c in concs:
                q, p50, p99 = (med(pts[c], k) for k in ("qps", "p50_ms", "p99_ms"))
                row["points"][c] = {"qps": q, "p50_ms": p50, "p99_ms": p99,
                                    "rounds_qps": [p["qps"] for p in pts[c]],
                                    "errors": sum(p["errors"] for p in pts[c])}
                cells += f" {fmt(q, '.0f')} | {fmt(p50, '.1f')} / {fmt(p99, '.1f')} |"
            if m == "local":
                base = row["points"]
            q16 = row["points"].get(16, {}).get("qps")
            ratio = q16 / base[16]["qps"] if m != "local" and q16 and base.get(16) else None
            row["ratio_qps_c16"] = ratio
            if m == "remote":
                shard_ratio[n] = ratio
            summary["shards"].append(row)
            label = {"local": "local (auto stub)", "remote": "remote, xapian-tcpsrv",
                     "remote-t": f"remote, dateline-serve -t {rthreads}"}[m]
            first = (f"{ir.get('wall_s', 0):.0f} s ({ir.get('user_s', 0) + ir.get('sys_s', 0):.0f} s), "
                     f"{ir.get('maxrss_kb', 0) / 1024:.0f} MB"
                     if m == "local" and ir else "")
            tcp = next((x for x in rss if x.get("part") == "shards" and x.get("shards") == n
                        and x.get("mode") == "tcpsrv"), {})
            extra = (f" + tcpsrv {tcp.get('rss_kb', 0) / 1024:.0f} MB" if m != "local" and tcp
                     else "")
            print(f"| {n} shards | {label} | {first} |{cells} {fmt(ratio, '.2f')} | "
                  f"{fmt((mem.get('hwm_kb') or 0) / 1024, '.0f')} MB{extra} |")

    t = summary["targets"]
    for n, ratio in shard_ratio.items():
        t[f"remote_within_25pct_s{n}"] = {"ratio": ratio, "met": ratio is not None and ratio >= 0.75}
    p99 = size_qps.get(("all", 16), (None, None))[1]
    t["p99_c16_all_under_20ms"] = {"p99_ms": p99, "met": p99 is not None and p99 < 20}
    wh = size_qps.get(("wh", 16), (None,))[0]
    for big in ("derived", "copies"):
        der = size_qps.get((big, 16), (None,))[0]
        if der or big == "derived":
            r = der / wh if wh and der else None
            t[f"{big}_qps_half_of_wh_c16"] = {"ratio": r, "met": r is not None and r >= 0.5}
    worst = max((x["rss_per_writer_kb"] for x in idx), default=None)
    t["index_rss_per_writer_256mb"] = {"worst_kb": worst, "met": worst is not None and
                                       worst <= 256 * 1024}
    print("\ntargets:")
    for k, v in t.items():
        known = all(x is not None for a, x in v.items() if a != "met")
        print(f"  {('met   ' if v['met'] else 'MISSED') if known else 'n/a   '} {k}: "
              + ", ".join(f"{a}={b:.3g}" if isinstance(b, float) else f"{a}={b}"
                          for a, b in v.items() if a != "met"))
    json.dump(summary, open(out, "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv)
