/*
 * facets.h - exact totals and facet counts of recent searches.
 *
 * Counting them means examining every match (most of a search's cost for
 * common words), while they depend only on the match set: the query and
 * its filters, not the order or the page. A repeated search or the next
 * page then needs only its hits. Only exact counts are kept, so a hit
 * answers exactly what a miss would; and only for one index revision: the
 * cache empties itself when asked about another.
 *
 * One cache per searcher, so per thread: no locking. Least recently used
 * entries go first.
 *
 * Also: what a source facet counts (dl_facet_sources_merge), so that its
 * count is what clicking it finds.
 */
#ifndef DATELINE_FACETS_H
#define DATELINE_FACETS_H

#include <stddef.h>

/* One facet value and the number of matches with it. */
struct dl_facet {
    char *value; /* "2026", "VNA/VNS" (owned by whoever holds the array) */
    unsigned long count;
};

/* The facets a search reports, in the order it reports them. */
enum dl_facet_kind {
    DL_FACET_YEAR,   /* newest first */
    DL_FACET_SOURCE, /* most frequent first (all the others too, ties by value) */
    DL_FACET_PEOPLE, /* entity names (alias.h), from list-valued slots (schema.h) */
    DL_FACET_COUNTRIES,
    DL_FACET_ORGS,
    DL_FACET_KIND,  /* meeting kinds (kind.h), most frequent first */
    DL_FACET_MONTH, /* "YYYY-MM" newest first, every month with a dated match (none capped:
                       the timeline); undated matches are in no month */
    DL_FACET_COUNT
};

/* One facet's values. */
struct dl_facet_list {
    struct dl_facet *v;
    size_t n;
};

/* A search's exact total and facets. */
struct dl_facet_counts {
    unsigned long total;
    int total_exact; /* 0: total is Xapian's estimate (more matches than were counted) */
    struct dl_facet_list f[DL_FACET_COUNT];
};

/* "year", "source", "people", "countries", "orgs", "kind", "month": the API's names of the
 * facets. */
const char *dl_facet_name(enum dl_facet_kind k);

/*
 * The values of a list-valued slot counted one by one: v[0..n) holds each distinct slot value
 * (names joined by sep) with its number of matches; out gets each name with the number of
 * matches that have it, most frequent first (ties by name), at most max of them.
 */
void dl_facet_split(const struct dl_facet *v, size_t n, const char *sep, size_t max,
                    struct dl_facet_list *out);

/*
 * Days into years or months: days[0..n) holds the values of the date slot (schema.h,
 * "YYYYMMDD") of a match set in ascending order, each with its number of matches; out gets
 * each year "YYYY" (months: each month "YYYY-MM") with the matches of its days, newest
 * first (values of another shape are left out; out's values are allocated). Both facets
 * come from one count of the days: the year slot is the date's first four digits, so
 * counting it too would only cost time, and a month slot would need a schema change.
 */
void dl_facet_days(const struct dl_facet *days, size_t n, int months, struct dl_facet_list *out);

/* Free the arrays and their values; the struct is zeroed. */
void dl_facet_counts_release(struct dl_facet_counts *c);
/* A deep copy of src into dst (zeroed or released). */
void dl_facet_counts_copy(struct dl_facet_counts *dst, const struct dl_facet_counts *src);

/*
 * Make source facets count what their filters find (a source term per part of a combined
 * source, schema.h). v[0..*n) holds the source values of a match set, each with its number
 * of matches (values owned by the array). Afterwards each counts the matches whose source
 * answers to its slug ("VNA" 2 and "VNA/VNS" 3 become "VNA" 5 and "VNA/VNS" 3); values of one
 * slug ("VNA/VNS", "vna vns") are one facet under the most frequent spelling (the others
 * freed); *n is how many remain, most frequent first, ties in the order of their values.
 */
void dl_facet_sources_merge(struct dl_facet *v, size_t *n);

struct dl_fcache;
struct dl_fcache *dl_fcache_new(size_t capacity);
void dl_fcache_free(struct dl_fcache *c); /* NULL is a no-op */
/* The counts stored under key[0..len) for this revision (borrowed until the next put), or NULL. */
const struct dl_facet_counts *dl_fcache_get(struct dl_fcache *c, const char *key, size_t len,
                                            unsigned long revision);
/* Forget every entry (the index moved, and has no revision number to tell). */
void dl_fcache_clear(struct dl_fcache *c);
/* Store a copy of v under key[0..len) for this revision (nothing if the key is there). */
void dl_fcache_put(struct dl_fcache *c, const char *key, size_t len, unsigned long revision,
                   const struct dl_facet_counts *v);

#endif
