/*
 * strset.h - a set of byte strings, each with an int value: open
 * addressing on dl_hash64(), for the small hot sets of the highlighter,
 * the indexer and the store (query terms, ids seen in an origin, the
 * words of a document).
 *
 * Embedded: start from DL_STRSET_INIT (no memory until the first add).
 * Keys are copied (NUL-terminated) and owned by the set until
 * dl_strset_release(). Iterate with: for (i = 0; i < s.cap; i++) if
 * (s.keys[i]) ... keys[i], lens[i], vals[i].
 */
#ifndef DATELINE_STRSET_H
#define DATELINE_STRSET_H

#include <stddef.h>

struct dl_strset {
    char **keys;  /* NULL = an empty slot (owned) */
    size_t *lens; /* key lengths */
    int *vals;
    size_t cap; /* a power of two, more than twice n; 0 before the first add */
    size_t n;   /* keys */
};

/* clang-format off */
#define DL_STRSET_INIT {NULL, NULL, NULL, 0, 0}
/* clang-format on */

/* The value of k[0..n), or -1 when absent. */
int dl_strset_find(const struct dl_strset *s, const char *k, size_t n);
/* Add k[0..n) with value v: 1 if added, 0 if it was there (its value is kept). */
int dl_strset_add(struct dl_strset *s, const char *k, size_t n, int v);
/* Remove every key, keeping the table's memory. */
void dl_strset_clear(struct dl_strset *s);
void dl_strset_release(struct dl_strset *s); /* the set is as after DL_STRSET_INIT */

#endif
