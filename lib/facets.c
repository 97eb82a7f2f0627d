/*
 * facets.c - the cache of exact totals and facets (see facets.h): a small
 * array searched by hash, with a use counter for least-recently-used
 * eviction. With 256 entries a lookup compares at most 256 hashes, far
 * less than the match it saves. At the end, the source facets' merge.
 */
#include "dateline/facets.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/schema.h"
#include "dateline/strset.h"

struct entry {
    uint64_t hash;
    char *key; /* NULL = a free slot (owned) */
    size_t len;
    uint64_t used; /* the cache's clock at the last get or put */
    struct dl_facet_counts v;
};

struct dl_fcache {
    struct entry *e;
    size_t cap;
    unsigned long revision; /* the entries belong to it */
    uint64_t clock;
};

static void copy_facets(struct dl_facet **dst, size_t *ndst, const struct dl_facet *src, size_t n)
{
    *dst = dl_xcalloc(n ? n : 1, sizeof **dst);
    for (size_t i = 0; i < n; i++) {
        (*dst)[i].value = dl_xstrdup(src[i].value);
        (*dst)[i].count = src[i].count;
    }
    *ndst = n;
}

static const char *const FACET_NAMES[DL_FACET_COUNT] = {"year", "source", "people", "countries",
                                                        "orgs", "kind",   "month"};

const char *dl_facet_name(enum dl_facet_kind k)
{
    return k < DL_FACET_COUNT ? FACET_NAMES[k] : "";
}

void dl_facet_counts_copy(struct dl_facet_counts *dst, const struct dl_facet_counts *src)
{
    dst->total = src->total;
    dst->total_exact = src->total_exact;
    for (int k = 0; k < DL_FACET_COUNT; k++) {
        copy_facets(&dst->f[k].v, &dst->f[k].n, src->f[k].v, src->f[k].n);
    }
}

void dl_facet_counts_release(struct dl_facet_counts *c)
{
    for (int k = 0; k < DL_FACET_COUNT; k++) {
        for (size_t i = 0; i < c->f[k].n; i++) {
            free(c->f[k].v[i].value);
        }
        free(c->f[k].v);
    }
    memset(c, 0, sizeof *c);
}

static int by_count_then_value(const void *pa, const void *pb)
{
    const struct dl_facet *x = pa, *y = pb;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return strcmp(x->value, y->value);
}

void dl_facet_split(const struct dl_facet *v, size_t n, const char *sep, size_t max,
                    struct dl_facet_list *out)
{
    struct dl_strset seen = DL_STRSET_INIT; /* name -> its index in out->v */
    size_t cap = 0, seplen = strlen(sep);
    out->v = NULL;
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        for (const char *p = v[i].value; *p;) {
            const char *e = strstr(p, sep);
            size_t len = e ? (size_t)(e - p) : strlen(p);
            int at = len ? dl_strset_find(&seen, p, len) : -1;
            if (at < 0 && len) {
                if (out->n == cap) {
                    cap = cap ? 2 * cap : 16;
                    out->v = dl_xrealloc(out->v, cap * sizeof *out->v);
                }
                out->v[out->n] = (struct dl_facet){dl_xmemdup(p, len), 0};
                at = (int)out->n++;
                dl_strset_add(&seen, p, len, at);
            }
            if (at >= 0) {
                out->v[at].count += v[i].count;
            }
            p = e ? e + seplen : p + len;
        }
    }
    dl_strset_release(&seen);
    if (out->n) {
        qsort(out->v, out->n, sizeof *out->v, by_count_then_value);
    }
    for (size_t i = max; i < out->n; i++) {
        free(out->v[i].value);
    }
    out->n = out->n < max ? out->n : max;
}

/* Is v "YYYYMMDD" (eight digits)? */
static int is_day(const char *v)
{
    size_t i = 0;
    while (i < 8 && v[i] >= '0' && v[i] <= '9') {
        i++;
    }
    return i == 8 && v[8] == '\0';
}

void dl_facet_days(const struct dl_facet *days, size_t n, int months, struct dl_facet_list *out)
{
    out->v = dl_xcalloc(n ? n : 1, sizeof *out->v);
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        const char *d = days[i].value;
        char key[8];
        if (!is_day(d)) {
            continue;
        }
        memcpy(key, d, 4);
        key[4] = '-';
        memcpy(key + 5, d + 4, 2);
        key[months ? 7 : 4] = '\0';
        if (out->n && strcmp(out->v[out->n - 1].value, key) == 0) {
            out->v[out->n - 1].count += days[i].count;
        } else {
            out->v[out->n++] = (struct dl_facet){dl_xstrdup(key), days[i].count};
        }
    }
    for (size_t i = 0; i < out->n / 2; i++) { /* Xapian gives them oldest first */
        struct dl_facet t = out->v[i];
        out->v[i] = out->v[out->n - 1 - i];
        out->v[out->n - 1 - i] = t;
    }
}

struct dl_fcache *dl_fcache_new(size_t capacity)
{
    struct dl_fcache *c = dl_xcalloc(1, sizeof *c);
    c->cap = capacity ? capacity : 1;
    c->e = dl_xcalloc(c->cap, sizeof *c->e);
    return c;
}

static void drop(struct entry *e)
{
    free(e->key);
    dl_facet_counts_release(&e->v);
    memset(e, 0, sizeof *e);
}

void dl_fcache_free(struct dl_fcache *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->cap; i++) {
        drop(&c->e[i]);
    }
    free(c->e);
    free(c);
}

void dl_fcache_clear(struct dl_fcache *c)
{
    for (size_t i = 0; i < c->cap; i++) {
        drop(&c->e[i]);
    }
}

/* Forget everything when the revision moves; then the entry under key, or NULL. */
static struct entry *find(struct dl_fcache *c, const char *key, size_t len, unsigned long rev)
{
    if (rev != c->revision) {
        dl_fcache_clear(c);
        c->revision = rev;
    }
    uint64_t h = dl_hash64(key, len);
    for (size_t i = 0; i < c->cap; i++) {
        struct entry *e = &c->e[i];
        if (e->key && e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) {
            return e;
        }
    }
    return NULL;
}

const struct dl_facet_counts *dl_fcache_get(struct dl_fcache *c, const char *key, size_t len,
                                            unsigned long revision)
{
    struct entry *e = find(c, key, len, revision);
    if (!e) {
        return NULL;
    }
    e->used = ++c->clock;
    return &e->v;
}

void dl_fcache_put(struct dl_fcache *c, const char *key, size_t len, unsigned long revision,
                   const struct dl_facet_counts *v)
{
    if (find(c, key, len, revision)) {
        return;
    }
    struct entry *slot = &c->e[0];
    for (size_t i = 0; i < c->cap && slot->key; i++) {
        if (!c->e[i].key || c->e[i].used < slot->used) {
            slot = &c->e[i];
        }
    }
    drop(slot);
    slot->hash = dl_hash64(key, len);
    slot->key = dl_xmemdup(key, len);
    slot->len = len;
    slot->used = ++c->clock;
    dl_facet_counts_copy(&slot->v, v);
}

/* --- source facets ------------------------------------------------------------------------ */

/* The matches of each slug, for dl_facet_sources_merge. */
struct slug_sums {
    struct dl_strset index; /* slug -> its position in sum and taken */
    unsigned long *sum;     /* matches whose source answers to the slug */
    char *taken;            /* a facet has the slug as its own */
    size_t cap;
};

/* The position of slug k[0..len) in ss, added with a sum of 0 when new. */
static size_t slug_at(struct slug_sums *ss, const char *k, size_t len)
{
    int at = dl_strset_find(&ss->index, k, len);
    if (at >= 0) {
        return (size_t)at;
    }
    if (ss->index.n == ss->cap) {
        ss->cap = ss->cap ? 2 * ss->cap : 16;
        ss->sum = dl_xrealloc(ss->sum, ss->cap * sizeof *ss->sum);
        ss->taken = dl_xrealloc(ss->taken, ss->cap);
    }
    ss->sum[ss->index.n] = 0;
    ss->taken[ss->index.n] = 0;
    dl_strset_add(&ss->index, k, len, (int)ss->index.n);
    return ss->index.n - 1;
}

static int by_count(const void *a, const void *b)
{
    const struct dl_facet *x = a, *y = b;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return strcmp(x->value, y->value);
}

/* Each value's count added to every slug it answers to; own[i]: v[i]'s own slug, or SIZE_MAX
 * when it has none. */
static void sum_slugs(struct slug_sums *ss, const struct dl_facet *v, size_t n, size_t *own)
{
    struct dl_buf slugs = DL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        size_t k = dl_schema_source_slugs(v[i].value, strlen(v[i].value), &slugs);
        own[i] = SIZE_MAX;
        for (const char *p = slugs.buf; k > 0; k--, p += strlen(p) + 1) {
            size_t at = slug_at(ss, p, strlen(p));
            ss->sum[at] += v[i].count;
            own[i] = own[i] == SIZE_MAX ? at : own[i]; /* the whole source's slug comes first */
        }
    }
    dl_buf_release(&slugs);
}

void dl_facet_sources_merge(struct dl_facet *v, size_t *n)
{
    struct slug_sums ss = {DL_STRSET_INIT, NULL, NULL, 0};
    size_t *own = dl_xcalloc(*n ? *n : 1, sizeof *own);
    qsort(v, *n, sizeof *v, by_count); /* the most frequent spelling of a slug first */
    sum_slugs(&ss, v, *n, own);
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++) {
        if (own[i] != SIZE_MAX && ss.taken[own[i]]) {
            free(v[i].value);
            continue;
        }
        if (own[i] != SIZE_MAX) {
            v[i].count = ss.sum[own[i]];
            ss.taken[own[i]] = 1;
        }
        v[kept++] = v[i];
    }
    *n = kept;
    qsort(v, *n, sizeof *v, by_count);
    free(own);
    free(ss.sum);
    free(ss.taken);
    dl_strset_release(&ss.index);
}
