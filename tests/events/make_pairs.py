#!/usr/bin/env python3
"""Write tests/events/pairs.tsv, the labelled same-event set, from ../shared/corpus.

Usage: make_pairs.py CORPUS_DIR > pairs.tsv. Deterministic (sorted input, no randomness).
Each line: id_a, id_b, label (1 same event, 0 not), rule (README.md explains each).
"""
import gzip
import json
import os
import sys

# The White House's readouts of Xi's meetings and calls with US officials, and CCTV's
# Xinwen Lianbo items on the same meetings (CCTV's corpus starts 2022-09-24), matched by hand
# on date, place and participants.
WH = "whitehouse/statements-releases/"
SAME_MEETING = [
    (WH + "2022-11/2022-11-14-readout-of-president-joe-bidens-meeting-with-president-xi-jinping-of-the-peoples-republic-of-china",
     "cctv-xwlb/20221115/02"),
    (WH + "2023-11/2023-11-15-readout-of-president-joe-bidens-meeting-with-president-xi-jinping-of-the-peoples-republic-of-china-2",
     "cctv-xwlb/20231116/01"),
    (WH + "2024-04/2024-04-02-readout-of-president-joe-bidens-call-with-president-xi-jinping-of-the-peoples-republic-of-china",
     "cctv-xwlb/20240403/03"),
    (WH + "2024-08/2024-08-29-readout-of-national-security-advisor-jake-sullivans-meeting-with-president-xi-jinping-of-the-peoples-republic-of-china",
     "cctv-xwlb/20240829/02"),
    (WH + "2024-11/2024-11-16-readout-of-president-joe-bidens-meeting-with-president-xi-jinping-of-the-peoples-republic-of-china-3",
     "cctv-xwlb/20241117/03"),
]
# Press events and statements about those meetings: not an account of the meeting.
ABOUT_MEETING = [
    ("whitehouse/speeches-remarks/2022-11/2022-11-14-remarks-by-president-biden-and-president-xi-jinping-of-the-peoples-republic-of-china-before-bilateral-meeting",
     "cctv-xwlb/20221115/02", "remarks-before-meeting"),
    ("whitehouse/speeches-remarks/2023-11/2023-11-15-remarks-by-president-biden-and-president-xi-jinping-of-the-peoples-republic-of-china-before-bilateral-meeting-woodside-ca",
     "cctv-xwlb/20231116/01", "remarks-before-meeting"),
    ("whitehouse/press-briefings/2024-04/2024-04-02-background-press-call-on-the-bilateral-relationship-with-the-peoples-republic-of-china",
     "cctv-xwlb/20240403/03", "background-press-call"),
    ("whitehouse/press-briefings/2024-11/2024-11-13-background-press-call-on-the-presidents-meeting-with-president-xi-jinping-in-peru",
     "cctv-xwlb/20241117/03", "background-press-call"),
    ("whitehouse/speeches-remarks/2024-11/2024-11-16-remarks-by-president-biden-and-president-xi-jinping-of-the-peoples-republic-of-china-before-bilateral-meeting-lima-peru",
     "cctv-xwlb/20241117/03", "remarks-before-meeting"),
    ("whitehouse/press-briefings/2024-11/2024-11-17-on-the-record-press-gaggle-by-apnsa-jake-sullivan-on-president-bidens-meeting-with-president-xi-jinping",
     "cctv-xwlb/20241117/03", "press-gaggle-about-meeting"),
    ("whitehouse/statements-releases/2024-11/2024-11-14-statement-from-press-secretary-karine-jean-pierre-on-the-meeting-between-president-joe-biden-and-president-xi-jinping-of-the-peoples-republic-of-china",
     "cctv-xwlb/20241117/03", "statement-about-meeting"),
]


def read(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def main():
    corpus = sys.argv[1]
    pairs = []
    for a, b in SAME_MEETING:
        pairs.append((a, b, 1, "same-meeting-wh-cctv"))
    for a, b, rule in ABOUT_MEETING:
        pairs.append((a, b, 0, rule))
    # Same people, other dates: every WH readout against every other meeting's CCTV item.
    for i, (a, _) in enumerate(SAME_MEETING):
        for j, (_, b) in enumerate(SAME_MEETING):
            if i != j:
                pairs.append((a, b, 0, "same-people-other-date"))
    # Same date, other event: CCTV's other items of the day of each meeting, by Xi or not.
    cctv_days = {b.split("/")[1]: b for _, b in SAME_MEETING}
    others = {}
    for d in read(os.path.join(corpus, "cctv_xwlb_zh.jsonl.gz")):
        day = d["id"].split("/")[1]
        if day in cctv_days and d["id"] != cctv_days[day] and int(d["id"].split("/")[2]) <= 6:
            others.setdefault(day, []).append(d["id"])
    for a, b in SAME_MEETING:
        for o in sorted(others.get(b.split("/")[1], []))[:4]:
            pairs.append((a, o, 0, "same-date-other-event"))
    # Same dates, other people: the White House's other readouts within a day of each meeting
    # (Biden's other bilaterals at the same summit), against CCTV's account of the meeting.
    wh_days = {}
    for d in read(os.path.join(corpus, "whitehouse_briefing_room.jsonl.gz")):
        if d["title"].startswith("Readout of") and d["date"]:
            wh_days.setdefault(d["date"], []).append(d["id"])
    for a, b in SAME_MEETING:
        day = a.split("/")[3][:10]
        near = [i for k, v in wh_days.items() if abs(int(k[8:10]) - int(day[8:10])) <= 1 and
                k[:7] == day[:7] for i in v if i != a]
        for o in sorted(near)[:5]:
            pairs.append((o, b, 0, "same-date-other-people"))
    # The Foreign Ministry's regular press conference in English and in Chinese: one
    # transcript, translated (same date, the title "...Regular Press Conference on <date>" and
    # "<date>外交部发言人X主持例行记者会"). Negatives: the next conference in the other language
    # (same spokespeople, another day), and the ministry's other Chinese items of that day.
    en, zh, zh_other = {}, {}, {}
    for d in read(os.path.join(corpus, "china_mfa_presscon_en.jsonl.gz")):
        if d["date"] and "Regular Press Conference" in d["title"]:
            en.setdefault(d["date"], []).append(d["id"])
    for d in read(os.path.join(corpus, "china_mfa_spokesperson_zh.jsonl.gz")):
        if d["date"] and "例行记者会" in d["title"]:
            zh.setdefault(d["date"], []).append(d["id"])
        elif d["date"]:
            zh_other.setdefault(d["date"], []).append(d["id"])
    days = sorted(k for k in en if k in zh and len(en[k]) == 1 and len(zh[k]) == 1)
    for k, day in enumerate(days[::6][:60]):
        pairs.append((en[day][0], zh[day][0], 1, "mfa-press-conference-translation"))
        nxt = days[days.index(day) + 1] if days.index(day) + 1 < len(days) else None
        if nxt and k % 2 == 0:
            pairs.append((en[day][0], zh[nxt][0], 0, "mfa-press-conference-next-day"))
        for o in sorted(zh_other.get(day, []))[:1]:
            pairs.append((en[day][0], o, 0, "mfa-same-date-other-item"))
    print("id_a\tid_b\tlabel\trule")
    for a, b, label, rule in pairs:
        print(f"{a}\t{b}\t{label}\t{rule}")


if __name__ == "__main__":
    main()
