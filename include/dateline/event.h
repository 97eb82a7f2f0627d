/*
 * event.h - same-event decisions: is this readout another account of the
 * meeting, call or message that that one records?
 *
 * Pure functions, no database (the clustering pass that uses them is
 * cluster.h). Two readouts are the same event when (the rules and their
 * reasons are in lib/event.c; the labelled set that measures them is
 * tests/events/README.md):
 *   - one re-publishes the other: the same language, text similarity
 *     (MinHash over folded 3-token shingles) >= DL_EVENT_REPUB_SIM, dates at most
 *     DL_EVENT_REPUB_DAYS apart, whatever their sources and kinds; else
 *   - they come from different sources or languages (one source gives one
 *     account of an event per language: two of its readouts with the same
 *     people a day apart are two events), and
 *   - their meeting kinds agree (talks and a meeting may name one event),
 *   - their dates are within the kind's window (dl_event_window: the two
 *     sides often publish a day apart), and
 *   - a contact (talks, call, meeting, visit, message) has the same
 *     principal participants: two shared people, or one shared person
 *     when each side names only that one and a country is shared (entities are
 *     gazetteer names, so an English and a Chinese account meet); any
 *     other readout (statement, press conference) is a translation: another
 *     language, the same day, and nearly the same entities.
 *
 * The signature is DL_EVENT_NHASH 32-bit minima; stored as a value of
 * DL_EVENT_SIG_BYTES bytes (schema.h DL_SLOT_SIGNATURE).
 */
#ifndef DATELINE_EVENT_H
#define DATELINE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "dateline/kind.h"

#define DL_EVENT_NHASH 32
#define DL_EVENT_SIG_BYTES (4 * DL_EVENT_NHASH)
#define DL_EVENT_REPUB_SIM 0.5
#define DL_EVENT_REPUB_DAYS 3
#define DL_EVENT_KEY_LEN 16 /* hex digits of a cluster key */

/* A MinHash signature; all UINT32_MAX when the text had fewer than 3 tokens (empty). */
struct dl_event_sig {
    uint32_t h[DL_EVENT_NHASH];
};

/* The signature of the folded 3-token shingles of title and body (either may be NULL). */
void dl_event_sign(const char *title, const char *body, struct dl_event_sig *out);
/* The estimated Jaccard similarity of the two shingle sets: 0..1; 0 when either is empty. */
double dl_event_similarity(const struct dl_event_sig *a, const struct dl_event_sig *b);
/* As stored: DL_EVENT_SIG_BYTES bytes, little-endian, into out. */
void dl_event_sig_encode(const struct dl_event_sig *s, unsigned char out[DL_EVENT_SIG_BYTES]);
/* From what dl_event_sig_encode wrote: 0, or -1 (and *s empty) when v[0..n) is not that. */
int dl_event_sig_decode(const void *v, size_t n, struct dl_event_sig *s);

/* The days since 1970-01-01 of "YYYYMMDD" (schema.h DL_SLOT_DATE; n must be 8), or -1. */
long dl_event_day(const char *ymd, size_t n);
/* "YYYYMMDD" of day (>= 0) into out (NUL-terminated). */
void dl_event_ymd(long day, char out[9]);
/* The days either side of a readout's date where its other accounts are looked for. */
int dl_event_window(enum dl_kind k);
/* The kinds another account of an event of kind k may have, as a bit set (1u << kind). */
unsigned dl_event_kinds(enum dl_kind k);
/* The cluster key a readout starts with: 16 hex digits of dl_hash64(id), into out. */
void dl_event_key(const char *id, char out[DL_EVENT_KEY_LEN + 1]);

/* What is compared of a readout. Strings may be NULL (unknown, none). */
struct dl_event_facts {
    const char *source, *lang;
    long day; /* dl_event_day, or -1 when undated: an undated readout matches nothing */
    enum dl_kind kind;
    const char *people, *countries, *orgs; /* names joined by "\n", sorted (schema.h) */
    const struct dl_event_sig *sig;        /* NULL: none */
};

/* > 0 when a and b record the same event (the larger, the surer: re-publications score over
 * 2, other accounts 1..2), else 0. Symmetric. */
double dl_event_match(const struct dl_event_facts *a, const struct dl_event_facts *b);

#endif
