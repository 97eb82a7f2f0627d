#!/usr/bin/env python3
"""The searches a journalist types over the real readouts in ../shared/readouts: every name and
place, in any spelling (diacritics or not, Vietnamese or English order, pinyin, Chinese), finds
exactly the readouts that mention it — and nothing else. Skipped when ../shared is absent."""
import os
import sys
import unicodedata

from dltest import SOURCE_ROOT, Server, build_index, main

READOUTS = os.path.join(SOURCE_ROOT, "..", "shared", "readouts")
ALL = {"000", "001", "002", "003", "004"}

# (spellings, the readouts that mention the person or place: first 3 characters of the file name)
CASES = [
    (["to lam", "Tô Lâm", "TO LAM", "tô lâm", unicodedata.normalize("NFD", "Tô Lâm"), "Su Lin",
      "su lin", "苏林"], {"000", "001", "002", "003"}),
    (["xi jinping", "Xi Jinping", "XI JINPING", "Tập Cận Bình", "tap can binh", "习近平"], ALL),
    (["ha noi", "Hà Nội", "HÀ NỘI", "hanoi", "Hanoi", "Ha Noi"], {"001", "002"}),
    (["le hoai trung", "Lê Hoài Trung", "LE HOAI TRUNG"], {"000", "001"}),
    (["pham minh chinh", "Phạm Minh Chính", "Pham Minh Chinh"], {"002"}),
    (["nguyen phu trong", "Nguyễn Phú Trọng"], {"004"}),
    (["viet nam", "Việt Nam", "vietnam", "Vietnam", "VIỆT NAM"], ALL),
    (["luong cuong", "Lương Cường"], {"003"}),
    (["liu haixing", "Liu Haixing"], {"001"}),
    (["wang yi", "Wang Yi"], {"003"}),
    (["beijing", "Bắc Kinh"], {"004"}),
]


def run(c):
    if not os.path.isdir(READOUTS):
        print("skipped: ../shared/readouts is absent")
        sys.exit(77)
    with Server(build_index(READOUTS)) as s:
        st, h = s.json("/healthz")
        c.check(st == 200 and h["documents"] == 5, "the five real readouts are indexed", h)
        for spellings, want in CASES:
            for q in spellings:
                st, r = s.search(q=q, limit=100)
                got = {hit["id"][:3] for hit in r["hits"]} if st == 200 else None
                c.check(got == want, f"{q!r} finds exactly {sorted(want)}", sorted(got or []))
                if got:
                    # a readout whose only mention is its dateline ("HÀ NỘI —") has no mark to show
                    unmarked = [h["id"][:3] for h in r["hits"]
                                if "<mark>" not in h["snippet"] and not h["dateline"]]
                    c.check(not unmarked, f"{q!r}: every hit's snippet marks it", unmarked)


if __name__ == "__main__":
    main(run, "readouts")
