#!/usr/bin/env python3
"""sample.py [CORPUS_DIR] - the candidates that were read to build labels.tsv.

For each pool (a corpus file, a cue regex over the title and lead, a number), prints that many
matching documents plus a few spares, in a fixed pseudo-random order: id, title and lead. The cue
only chooses what is read; the label in labels.tsv is what reading the title and lead gave (see
README.md). CORPUS_DIR defaults to ../shared/corpus next to the source tree."""
import gzip
import json
import os
import random
import re
import sys

WH = "whitehouse_briefing_room.jsonl.gz"
CCTV = "cctv_xwlb_zh.jsonl.gz"
MFA_ZH = "china_mfa_spokesperson_zh.jsonl.gz"
MFA_EN = "china_mfa_presscon_en.jsonl.gz"
VNTC = "vntc_vi_30k.jsonl.gz"

# (file, pool name, regex on "title\nlead", how many to read); "" matches everything.
POOLS = [
    (WH, "readout", r"^Readout", 22),
    (WH, "statement", r"^Statement (by|from|of|on)", 7),
    (WH, "joint", r"^(Joint Statement|.*Leaders.? Statement|Joint Readout)", 5),
    (WH, "remarks-diplo", r"^Remarks.*(Bilateral|Courtesy|Summit|Press Conference|State Visit)", 6),
    (WH, "message", r"^(Presidential Message|Message to|A Message|Letter to|Letters to)", 6),
    (WH, "press-other", r"^(Background Press Call|Press Briefing|Press Gaggle|FACT SHEET|Fact Sheet|A Proclamation)", 6),
    (WH, "visit", r"^(?!Readout).*\b(Visit|Trip|Travel)", 4),
    (WH, "call-other", r"^(?!Readout).*\bCall with", 3),
    (CCTV, "call", r"通电话|视频通话|视频会晤|视频会谈|视频连线", 8),
    (CCTV, "meet", r"会见", 8),
    (CCTV, "talks", r"会谈", 7),
    (CCTV, "huiwu", r"会晤", 3),
    (CCTV, "message", r"致电|贺电|贺信|回信|复信|慰问电|唁电|致信", 8),
    (CCTV, "visit", r"访问|考察|视察", 7),
    (CCTV, "statement", r"声明|谈话|答记者问", 4),
    (CCTV, "random", r"", 7),
    (MFA_ZH, "presscon", r"例行记者会", 5),
    (MFA_ZH, "answer", r"答记者问", 7),
    (MFA_ZH, "remarks", r"发表谈话|表明立场", 4),
    (MFA_ZH, "rest", r"^(?!.*(例行记者会|答记者问|发表谈话|表明立场))", 3),
    (MFA_EN, "presscon", r"Regular Press Conference", 5),
    (MFA_EN, "remarks-subject", r"Remarks on (?!(January|February|March|April|May|June|July|August|September|October|November|December))", 3),
    (MFA_EN, "remarks-date", r"(Remarks|Briefing Online) on (January|February|March|April|May|June|July|August|September|October|November|December)", 3),
    (VNTC, "hoidam", r"hội đàm", 7),
    (VNTC, "diendam", r"điện đàm|trực tuyến", 4),
    (VNTC, "meet", r"hội kiến|\btiếp (Đại sứ|đoàn|Bộ trưởng|Thủ tướng|Chủ tịch|Tổng thống|Phó|ngài)|gặp gỡ|cuộc gặp", 8),
    (VNTC, "visit", r"chuyến thăm|thăm chính thức|thăm cấp Nhà nước|thăm hữu nghị|thăm và làm việc", 8),
    (VNTC, "message", r"điện mừng|điện chúc mừng|điện chia buồn|thư chúc mừng|gửi thư|thư chia buồn|điện thăm hỏi|lá thư|bức thư", 6),
    (VNTC, "statement", r"tuyên bố|phát ngôn", 7),
    (VNTC, "random", r"", 10),
    # Added after reading the pools above, which gave few real Vietnamese statements, calls,
    # receptions and messages, and few White House trips or Chinese joint statements.
    (VNTC, "statement2", r"ra tuyên bố|tuyên bố chung|bản tuyên bố|[Nn]gười phát ngôn", 5),
    (VNTC, "call2", r"điện đàm|qua điện thoại|điện thoại cho", 3),
    (VNTC, "meet2", r"hội kiến|\btiếp (Đại sứ|đoàn|Bộ trưởng|Thủ tướng|Chủ tịch|Tổng thống|Phó|ngài)|tiếp xã giao", 4),
    (VNTC, "message2", r"điện mừng|điện chúc mừng|điện chia buồn|thư chúc mừng|thư chia buồn|điện thăm hỏi", 3),
    (WH, "travel", r"^Readout.*(Trip|Travel|Visit)", 3),
    (CCTV, "joint", r"^[^\n]*(联合声明|联合公报)", 3),
]
SPARE = 4


def lead(body):
    """The first paragraph, or its first 400 characters."""
    first = body.split("\n\n", 1)[0]
    return first[:400]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "..", "shared", "corpus")
    docs = {}
    for f in sorted({p[0] for p in POOLS}):
        with gzip.open(os.path.join(corpus, f), "rt", encoding="utf-8") as fh:
            docs[f] = [json.loads(line) for line in fh]
    seen = set()
    for f, name, rx, n in POOLS:
        rng = random.Random(f + "/" + name)
        pat = re.compile(rx, re.S)
        cands = [d for d in docs[f] if pat.search(d["title"] + "\n" + lead(d["body"]))]
        rng.shuffle(cands)
        print("=== %s %s (%d candidates, reading %d)" % (f, name, len(cands), n))
        k = 0
        for d in cands:
            if d["id"] in seen:
                continue
            seen.add(d["id"])
            print("%s\t%s\n  T: %s\n  L: %s" % (f, d["id"], d["title"].replace("\n", " "),
                                            lead(d["body"]).replace("\n", " ")))
            k += 1
            if k == n + SPARE:
                break


if __name__ == "__main__":
    main()
