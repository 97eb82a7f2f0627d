/*
 * schema.h - the index contract: every term prefix and value slot that
 * dateline writes, in one place. The indexer writes exactly this; the
 * server reads exactly this. Change it only together with
 * DL_SCHEMA_VERSION (stored in the index metadata as "dl:schema"), since
 * an index built with another schema must be rebuilt.
 *
 * Prefixes follow Omega's conventions (xapian docs/termprefixes.rst):
 * single capitals are Xapian's conventional ones, X... are ours.
 */
#ifndef DATELINE_SCHEMA_H
#define DATELINE_SCHEMA_H

#include <stddef.h>

#include "dateline/buf.h"

#define DL_SCHEMA_VERSION "7" /* 2: the body moved from the data to DL_SLOT_BODY;
                                 3: that value is zstd-compressed, id terms over 64 bytes
                                 and all origin terms hashed (a smaller index);
                                 4: a source term per part of a combined source;
                                 5: entities (people, countries, orgs) in value slots, the
                                 meeting kind (DL_PREFIX_KIND, DL_SLOT_KIND), and
                                 the words as written (DL_PREFIX_WRITTEN);
                                 6: when the readout was first indexed (DL_SLOT_INDEXED:
                                 the feed's order, indexed_after);
                                 7: same-event clusters (DL_PREFIX_EVENT, DL_SLOT_EVENT,
                                 DL_SLOT_SIGNATURE) and the day term DL_PREFIX_DAY */

/* --- terms ------------------------------------------------------------- */
/* (no prefix)  folded words of title and body, with positions (phrases) */
/* "Z"          English stem of each folded word (but CJK characters and words
 *              starting with a digit), no positions: what a query word searches
 *              (qbuild.h) */
#define DL_PREFIX_TITLE "S"      /* folded title words, positional; "ZS" + stem too */
#define DL_PREFIX_ID "Q"         /* unique id (readout id; hashed when too long) */
#define DL_PREFIX_SOURCE "XS"    /* slug of the source ("vna-vns") and of each part of a
                                    combined one ("vna", "vns"): boolean filter, so that
                                    source:vna finds VNA/VNS (dl_schema_source_slugs) */
#define DL_PREFIX_DATELINE "XD"  /* slug of the dateline place ("ha-noi"): boolean filter */
#define DL_PREFIX_YEAR "XY"      /* "2026": boolean filter */
#define DL_PREFIX_KIND "XK"      /* the meeting kind ("XKcall", kind.h): boolean filter */
#define DL_PREFIX_WRITTEN "XW"   /* "XW" + folded word + ":" + the word as written but for
                                    case (fold.h dl_lower), for words written with
                                    diacritics ("XWlam:lâm"): what a query typed with them
                                    ranks first, and how the readouts write a word typed
                                    without (written_as); boolean: no wdf, so that it adds
                                    nothing to a readout's length */
#define DL_PREFIX_ORIGIN "XO"    /* what the indexer read it from (folder or file), as 16
                                    hex digits of its 64-bit FNV-1a hash;
                                    lets a run remove readouts deleted from that origin */
#define DL_PREFIX_ALIAS "XA"     /* alias group ("XAto-lam") of a name variant found in
                                    the text; a name in a query searches it (qbuild.h);
                                    person:/country:/org: filter on it (an entity is a
                                    typed group: alias.h) */
#define DL_PREFIX_DAY "XT"       /* "XT20261130": the date, for the clustering pass's window
                                    (cluster.h) */
#define DL_PREFIX_EVENT "XE"     /* "XE" + the cluster key (DL_SLOT_EVENT): one per readout;
                                    the other accounts of its event (cluster.h) */
/* CJK: each ideograph is a positional term, each adjacent pair a term
 * without positions (Xapian's FLAG_CJK_NGRAM n-grams, which a query's CJK
 * runs search: qbuild.h). */

/* Ids longer than this are stored as their first 40 bytes + "#" + 16 hex
 * digits of a hash: the term is in every document's termlist and keys its
 * posting list, and long ids (URL paths) cost 1 MB per 14k readouts. */
#define DL_ID_TERM_MAX 64

/* --- value slots ----------------------------------------------------------- */
enum dl_slot {
    DL_SLOT_DATE = 0,   /* "YYYYMMDD" (exactly 8 chars): sort and DateRangeProcessor */
    DL_SLOT_YEAR = 1,   /* "YYYY": year facet */
    DL_SLOT_SOURCE = 2, /* source as written ("VNA/VNS"): source facet */
    DL_SLOT_HASH = 3,   /* hex digest of the input bytes + parser version: incremental runs */
    DL_SLOT_BODY = 4,   /* the body (see document data) as one zstd frame */
    /* The entities found in the readout, per type: their names (alias.h, dl_aliases_name),
     * sorted, joined by DL_LIST_SEP; absent when none. Facets and each hit's lists. */
    DL_SLOT_PEOPLE = 5,
    DL_SLOT_COUNTRIES = 6,
    DL_SLOT_ORGS = 7,
    DL_SLOT_KIND = 8, /* the meeting kind's name ("call", kind.h): facet and hit */
    /* When dateline first indexed the readout, as dl_schema_time_format writes it (UTC,
     * microseconds: fixed width, so that string order is time order); a readout put again
     * (edited) keeps it. The feed's order (/feed.atom) and indexed_after's filter. */
    DL_SLOT_INDEXED = 9,
    /* The same-event cluster key (event.h, 16 hex digits): search collapses on it. A readout
     * starts with its own (dl_event_key of its id) and keeps it when put again. */
    DL_SLOT_EVENT = 10,
    DL_SLOT_SIGNATURE = 11, /* its MinHash signature (event.h, DL_EVENT_SIG_BYTES bytes) */
};

/* Between the names of a list-valued slot (a name never holds a newline). */
#define DL_LIST_SEP "\n"

/* --- document data ----------------------------------------------------------
 * The stored record is the readout as the server shows it, so the server
 * never needs the source files: the fields id, title, date, dateline,
 * source, url, lang, body in that order, each followed by one NUL byte
 * (absent = empty). The body is the original (unfolded) clean text that
 * the highlighter marks; since schema 2 its data field is empty and the
 * text is in DL_SLOT_BODY instead, because glass zlib-compresses document
 * data and inflating ten ~10 KB bodies was a quarter of a search's CPU.
 * Schema 3 stores that value as one zstd frame without a dictionary, so
 * that every value decodes alone (remote shards carry no user metadata to
 * hold a dictionary): 2.7x smaller, for the index to stay under Omega's
 * size. Decompressing the top ten bodies is about 14% of a search's CPU,
 * half of what glass's zlib cost.
 */
#define DL_DATA_NFIELDS 8

/* --- index metadata keys ---------------------------------------------------- */
#define DL_META_SCHEMA "dl:schema"   /* DL_SCHEMA_VERSION */
#define DL_META_ALIASES "dl:aliases" /* the alias file's text: the names of queries and marks */
#define DL_META_AUX "dl:aux" /* in each shard of a sharded index: its auxiliary database's
                                absolute path (shardset.h), for a stub that is not beside it */

/* --- terms ------------------------------------------------------------------ */
/*
 * The term for prefix + v[0..n) into out (replaced): as it is up to
 * DL_ID_TERM_MAX bytes of value, else prefix + its first ~40 bytes (cut at
 * a character boundary) + "#" + 16 hex digits of dl_hash64(v), which keeps
 * every term under glass's 245-byte limit. Ids and filter values.
 */
void dl_schema_term(struct dl_buf *out, const char *prefix, const char *v, size_t n);
/*
 * The slugs (dl_slug) that a source filter on source[0..n) answers to, into out (replaced),
 * each followed by one NUL byte; returns how many. First the slug of the whole source, then
 * that of each part of a combined source, split at / , ; & | + (and their fullwidth forms,
 * and the ideographic comma): "VNA/VNS" -> "vna-vns", "vna", "vns"; "CCTV / Xinhua" ->
 * "cctv-xinhua", "cctv", "xinhua"; "The White House" -> "the-white-house" alone. Empty slugs
 * and repeats are left out ("" gives none). A name with '&' in it also answers to its halves.
 */
size_t dl_schema_source_slugs(const char *source, size_t n, struct dl_buf *out);
/* The DL_PREFIX_ORIGIN term of origin (a hash only) into out (replaced). */
void dl_schema_origin_term(struct dl_buf *out, const char *origin);
/* "YYYY-MM-DD" (digits in that shape; NULL allowed) as the DL_SLOT_DATE value "YYYYMMDD" in
 * out: 1, or 0 when d is not of that shape. */
int dl_schema_date(const char *d, char out[9]);

/* --- times (DL_SLOT_INDEXED) ------------------------------------------------------------ */
#define DL_TIME_LEN 27 /* "2026-11-30T12:00:00.123456Z" */
/*
 * An RFC 3339 date-time s[0..n) ("2026-11-30T12:00:00Z", "2026-11-30t12:00:00.5+07:00";
 * 'T' or ' ' between date and time; up to 9 digits of fraction, cut to microseconds) as
 * microseconds since 1970 UTC into *usec: 0, or -1 when s is not one (no leap seconds).
 */
int dl_schema_time_parse(const char *s, size_t n, long long *usec);
/* usec (microseconds since 1970, >= 0) as the DL_SLOT_INDEXED value (RFC 3339, UTC). */
void dl_schema_time_format(long long usec, char out[DL_TIME_LEN + 1]);
/* The time now, in microseconds since 1970 (the system's real-time clock). */
long long dl_schema_time_now(void);

#endif
