/*
 * ties.c - one order for matches of equal weight (ties.h).
 */
#include "dateline/ties.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dl_ties_equal(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

enum dl_ties_sort dl_ties_sort_of(const struct dl_xenquire *e)
{
    switch (e->sort) {
    case DL_XSORT_RELEVANCE:
        return DL_TIES_WEIGHT;
    case DL_XSORT_RELEVANCE_THEN_VALUE:
        return e->sort_descending ? DL_TIES_WEIGHT_THEN_KEY_DESC : DL_TIES_WEIGHT_THEN_KEY_ASC;
    default:
        return DL_TIES_KEY_THEN_WEIGHT;
    }
}

/* Whether b belongs to the run that a starts. */
static int same_run(const struct dl_match *a, const struct dl_match *b, enum dl_ties_sort by)
{
    return dl_ties_equal(a->weight, b->weight) &&
           (by != DL_TIES_KEY_THEN_WEIGHT || strcmp(a->sort_key, b->sort_key) == 0);
}

int dl_ties_cut(const struct dl_match *v, size_t n, size_t before, size_t want, int more_before,
                int more_after)
{
    if (n <= before) {
        return 0;
    }
    size_t last = before + want < n ? before + want - 1 : n - 1;
    /* past the page's edge, only ties outright (weight and value) can swap places */
    return (more_before && before > 0 && same_run(&v[0], &v[before], DL_TIES_KEY_THEN_WEIGHT)) ||
           (more_after && want > 0 && last < n - 1 &&
            same_run(&v[last], &v[n - 1], DL_TIES_KEY_THEN_WEIGHT));
}

/* A match and the name that orders it among those it ties with. */
struct keyed {
    struct dl_match m;
    char *name; /* the collapse value, or the caller's name (owned) */
};

static int by_key_asc(const void *a, const void *b)
{
    return strcmp(((const struct dl_match *)a)->sort_key, ((const struct dl_match *)b)->sort_key);
}

static int by_key_desc(const void *a, const void *b)
{
    return by_key_asc(b, a);
}

static int by_collapse(const void *a, const void *b)
{
    return strcmp(((const struct dl_match *)a)->collapse_key,
                  ((const struct dl_match *)b)->collapse_key);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct keyed *)a)->name, ((const struct keyed *)b)->name);
}

/* Order v[0..n), n > 1, which tie outright: by collapse value when each has its own (no
 * read), else by the caller's names. */
static int order_tied(struct dl_match *v, size_t n, dl_name_fn name, void *ctx,
                      struct dl_error *err)
{
    int distinct = 1;
    for (size_t i = 0; i < n && distinct; i++) {
        distinct = v[i].collapse_key[0] != '\0';
    }
    if (distinct) {
        struct dl_match *sorted = dl_xmemdup(v, n * sizeof *v);
        qsort(sorted, n, sizeof *v, by_collapse);
        for (size_t i = 1; i < n && distinct; i++) {
            distinct = strcmp(sorted[i - 1].collapse_key, sorted[i].collapse_key) != 0;
        }
        if (distinct) {
            memcpy(v, sorted, n * sizeof *v);
        }
        free(sorted);
        if (distinct) {
            return DL_OK;
        }
    }
    struct keyed *k = dl_xcalloc(n, sizeof *k);
    int rc = DL_OK;
    for (size_t i = 0; i < n && rc == DL_OK; i++) {
        k[i].m = v[i];
        rc = name(ctx, v[i].docid, &k[i].name, err);
    }
    if (rc == DL_OK) {
        qsort(k, n, sizeof *k, by_name);
        for (size_t i = 0; i < n; i++) {
            v[i] = k[i].m;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(k[i].name);
    }
    free(k);
    return rc;
}

/* Order one run v[0..n), n > 1: by the sort value first where it follows the weight (dir),
 * then each group of the same value as order_tied() does. */
static int order_run(struct dl_match *v, size_t n, int dir, dl_name_fn name, void *ctx,
                     struct dl_error *err)
{
    if (dir) {
        qsort(v, n, sizeof *v, dir > 0 ? by_key_asc : by_key_desc);
    }
    int rc = DL_OK;
    for (size_t i = 0, j; i < n && rc == DL_OK; i = j) {
        for (j = i + 1; j < n && strcmp(v[i].sort_key, v[j].sort_key) == 0; j++) {
        }
        if (j - i > 1) {
            rc = order_tied(v + i, j - i, name, ctx, err);
        }
    }
    return rc;
}

int dl_ties_order(struct dl_match *v, size_t n, enum dl_ties_sort by, dl_name_fn name, void *ctx,
                  struct dl_error *err)
{
    int dir = by == DL_TIES_WEIGHT_THEN_KEY_ASC ? 1 : by == DL_TIES_WEIGHT_THEN_KEY_DESC ? -1 : 0;
    int rc = DL_OK;
    for (size_t i = 0, j; i < n && rc == DL_OK; i = j) {
        for (j = i + 1; j < n && same_run(&v[i], &v[j], by); j++) {
        }
        if (j - i > 1) {
            rc = order_run(v + i, j - i, dir, name, ctx, err);
        }
    }
    return rc;
}

/* At most this many matches of one collapse value are weighed for its representative. */
#define VALUE_MATCHES_MAX 64

/* v's representative among the matches of its collapse value in m (in their order). */
static int represent(struct dl_match *v, const struct dl_mset *m, enum dl_ties_sort by,
                     dl_name_fn name, void *ctx, struct dl_error *err)
{
    struct dl_match g[VALUE_MATCHES_MAX];
    size_t ng = 0;
    for (size_t i = 0; i < m->n && ng < VALUE_MATCHES_MAX; i++) {
        if (strcmp(m->matches[i].collapse_key, v->collapse_key) == 0) {
            g[ng++] = m->matches[i];
        }
    }
    int rc = ng > 1 ? dl_ties_order(g, ng, by, name, ctx, err) : DL_OK;
    if (rc == DL_OK && ng && g[0].docid != v->docid && dl_ties_equal(g[0].weight, v->weight)) {
        unsigned long collapsed = v->collapsed;
        *v = g[0];
        v->collapsed = collapsed;
    }
    return rc;
}

int dl_ties_representatives(struct dl_db *db, struct dl_xq *q, const struct dl_xenquire *e,
                            const char *term_prefix, struct dl_match *v, size_t n, const char *also,
                            dl_name_fn name, void *ctx, struct dl_error *err)
{
    size_t keys = 0, want = 0;
    char term[64];
    dl_xq_dup(q, 0);
    for (size_t k = 0; k < n && e->collapse_slot >= 0; k++) {
        if ((v[k].collapsed || (also && also[k])) && v[k].collapse_key[0]) {
            snprintf(term, sizeof term, "%s%s", term_prefix, v[k].collapse_key);
            dl_xq_term(q, term, strlen(term), 1, 0);
            keys++;
            want += v[k].collapsed && v[k].collapsed < VALUE_MATCHES_MAX ? v[k].collapsed + 1
                                                                         : VALUE_MATCHES_MAX;
        }
    }
    int rc = DL_OK;
    if (keys) {
        if (keys > 1) {
            dl_xq_combine(q, DL_XOP_OR, keys, 0);
        }
        dl_xq_combine(q, DL_XOP_FILTER, 2, 0);
        struct dl_xenquire f = *e;
        f.ncount = 0;
        f.check_at_least = 0;
        f.collapse_max = VALUE_MATCHES_MAX;
        struct dl_mset m = {0};
        rc = dl_db_enquire(db, q, &f, 0, want, &m, err);
        for (size_t k = 0; k < n && rc == DL_OK; k++) {
            if ((v[k].collapsed || (also && also[k])) && v[k].collapse_key[0]) {
                rc = represent(&v[k], &m, dl_ties_sort_of(e), name, ctx, err);
            }
        }
        dl_mset_release(&m);
    }
    dl_xq_dup(q, 1); /* the filtered query (or the copy) off again */
    return rc;
}
