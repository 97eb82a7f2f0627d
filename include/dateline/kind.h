/*
 * kind.h - the meeting kind of a readout: talks, a call, a meeting, a visit,
 * a message, a statement, or other.
 *
 * dl_kind_classify() reads only the title and the lead (the body's first
 * paragraph, at least ~100 and at most ~400 characters of it) and decides
 * by a table of cue words in English, Vietnamese and Chinese (lib/kind.c),
 * matched on the tokens of dl_tokenize(), so case, diacritics ("hoi dam"
 * and "hội đàm" alike) and Unicode forms do not matter and a Chinese cue
 * matches inside a run of ideographs. The rules and their reasons are in
 * lib/kind.c; the labelling rule they approximate, and the labelled set
 * that measures them, are in tests/kind/README.md. In short:
 *   - the title decides; the lead is read only when the title has no cue;
 *   - among the cues of one text the highest priority wins: press events
 *     and fact sheets (other) > statements > messages > calls (the medium:
 *     a "virtual meeting" is a call) > talks > meetings > visits, so a
 *     statement about talks is a statement and "会见来华进行国事访问的"
 *     is a meeting; among equals the first cue wins;
 *   - no cue at all gives DL_KIND_OTHER.
 *
 * The classifier is deterministic, allocates nothing per call, keeps no
 * state between calls and is safe to call from several threads (its table
 * is compiled once, on first use, under pthread_once).
 */
#ifndef DATELINE_KIND_H
#define DATELINE_KIND_H

#include <stddef.h>

/* The values are stable: they may be stored (an index's value slot, a facet). */
enum dl_kind {
    DL_KIND_OTHER = 0, /* none of the below: press conferences, speeches, news, ... */
    DL_KIND_TALKS,     /* formal talks between two sides: 会谈, hội đàm, "held talks" */
    DL_KIND_CALL,      /* by phone or video: 通电话, 视频会晤, điện đàm, "Call with" */
    DL_KIND_MEETING,   /* met, received, courtesy call, summit: 会见, tiếp, hội kiến */
    DL_KIND_VISIT,     /* a trip: state or official visit, travel, 访问, 考察, thăm */
    DL_KIND_MESSAGE,   /* letter, congratulatory message, cable: 致电, 贺信, điện mừng */
    DL_KIND_STATEMENT, /* statement, joint statement, spokesperson's remarks: 声明, 答记者问 */
    DL_KIND_COUNT
};

/* "other", "talks", "call", "meeting", "visit", "message", "statement"; "other" for a value
 * out of range. The string is static. */
const char *dl_kind_name(enum dl_kind k);

/*
 * The kind named by s[0..n) (valid UTF-8): one of the names above, in any
 * case or Unicode form ("Talks", "ＭＥＥＴＩＮＧ"), spaces around it allowed.
 * Returns DL_OK and sets *out, or DL_EPARSE (and leaves *out unchanged) for
 * anything else, including "" and a name with other words or signs.
 */
int dl_kind_parse(const char *s, size_t n, enum dl_kind *out);

/*
 * The kind of the readout with this title and body (NUL-terminated, valid
 * UTF-8; either may be NULL or "", which is read as no text). Only the title
 * and the lead are read, so the cost does not grow with the body.
 */
enum dl_kind dl_kind_classify(const char *title, const char *body);

#endif
