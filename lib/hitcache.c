/*
 * hitcache.c - the readouts a searcher read last (hitcache.h).
 *
 * A hash of docids to entries, chained, and the entries on one list from the
 * most to the least recently used; the bytes of the copies are counted and
 * the list's tail goes while they are over the budget.
 */
#include "dateline/hitcache.h"

#include <stdlib.h>
#include <string.h>

#include "dateline/common.h"

#define BUCKETS 1024 /* a power of two; a few hundred entries at the default budget */

struct entry {
    unsigned docid;
    struct dl_readout r;
    struct dl_found f;
    struct dl_accounts accounts;
    int has_accounts;
    size_t bytes;                /* all of the entry's, the accounts' included */
    size_t account_bytes;        /* the accounts' */
    struct entry *chain;         /* next in its bucket */
    struct entry *newer, *older; /* the recency list */
};

struct dl_hitcache {
    size_t max_bytes, bytes, n;
    struct entry *bucket[BUCKETS];
    struct entry *newest, *oldest;
};

static size_t str_bytes(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static char *copy(const char *s, size_t *bytes)
{
    *bytes += str_bytes(s);
    return s ? dl_xstrdup(s) : NULL;
}

static size_t readout_bytes(const struct dl_readout *r)
{
    return str_bytes(r->id) + str_bytes(r->title) + str_bytes(r->date) + str_bytes(r->dateline) +
           str_bytes(r->source) + str_bytes(r->url) + str_bytes(r->lang) + str_bytes(r->body);
}

static void copy_readout(struct dl_readout *to, const struct dl_readout *r, size_t *bytes)
{
    *to =
        (struct dl_readout){copy(r->id, bytes),       copy(r->title, bytes),  copy(r->date, bytes),
                            copy(r->dateline, bytes), copy(r->source, bytes), copy(r->url, bytes),
                            copy(r->lang, bytes),     copy(r->body, bytes)};
}

static void copy_found(struct dl_found *to, const struct dl_found *f, size_t *bytes)
{
    for (int t = 0; t < DL_ENTITY_COUNT; t++) {
        to->names[t] = copy(f->names[t], bytes);
    }
    to->kind = copy(f->kind, bytes);
    to->indexed = copy(f->indexed, bytes);
    to->event = copy(f->event, bytes);
}

static void copy_accounts(struct dl_accounts *to, const struct dl_accounts *a, size_t *bytes)
{
    to->n = a->n;
    to->count = a->count;
    to->v = dl_xcalloc(a->n ? a->n : 1, sizeof *to->v);
    *bytes += a->n * sizeof *to->v;
    for (size_t i = 0; i < a->n; i++) {
        copy_readout(&to->v[i], &a->v[i], bytes);
    }
}

struct dl_hitcache *dl_hitcache_new(size_t max_bytes)
{
    struct dl_hitcache *c = dl_xcalloc(1, sizeof *c);
    c->max_bytes = max_bytes;
    return c;
}

static struct entry **slot(struct dl_hitcache *c, unsigned docid)
{
    struct entry **e = &c->bucket[(docid * 2654435761u) & (BUCKETS - 1)];
    while (*e && (*e)->docid != docid) {
        e = &(*e)->chain;
    }
    return e;
}

static void unlink_recency(struct dl_hitcache *c, struct entry *e)
{
    *(e->newer ? &e->newer->older : &c->newest) = e->older;
    *(e->older ? &e->older->newer : &c->oldest) = e->newer;
    e->newer = e->older = NULL;
}

static void make_newest(struct dl_hitcache *c, struct entry *e)
{
    if (c->newest == e) {
        return;
    }
    if (e->newer || e->older || c->oldest == e) {
        unlink_recency(c, e);
    }
    e->older = c->newest;
    *(c->newest ? &c->newest->newer : &c->oldest) = e;
    c->newest = e;
}

/* Take e (found at *at) out of the cache and free it. */
static void drop(struct dl_hitcache *c, struct entry **at)
{
    struct entry *e = *at;
    *at = e->chain;
    unlink_recency(c, e);
    c->bytes -= e->bytes;
    c->n--;
    dl_readout_release(&e->r);
    dl_found_release(&e->f);
    dl_accounts_release(&e->accounts);
    free(e);
}

static void trim(struct dl_hitcache *c)
{
    while (c->bytes > c->max_bytes && c->oldest) {
        drop(c, slot(c, c->oldest->docid));
    }
}

void dl_hitcache_clear(struct dl_hitcache *c)
{
    while (c && c->oldest) {
        drop(c, slot(c, c->oldest->docid));
    }
}

void dl_hitcache_free(struct dl_hitcache *c)
{
    dl_hitcache_clear(c);
    free(c);
}

int dl_hitcache_get(struct dl_hitcache *c, unsigned docid, struct dl_readout *r, struct dl_found *f)
{
    struct entry *e = *slot(c, docid);
    if (!e) {
        return 0;
    }
    size_t unused = 0;
    dl_readout_release(r);
    dl_found_release(f);
    copy_readout(r, &e->r, &unused);
    copy_found(f, &e->f, &unused);
    make_newest(c, e);
    return 1;
}

void dl_hitcache_put(struct dl_hitcache *c, unsigned docid, const struct dl_readout *r,
                     const struct dl_found *f)
{
    struct entry **at = slot(c, docid);
    if (*at) {
        drop(c, at);
    }
    if (sizeof(struct entry) + readout_bytes(r) > c->max_bytes) {
        return; /* it would push out everything, and then itself */
    }
    struct entry *e = dl_xcalloc(1, sizeof *e);
    e->docid = docid;
    e->bytes = sizeof *e;
    copy_readout(&e->r, r, &e->bytes);
    copy_found(&e->f, f, &e->bytes);
    e->chain = *at;
    *at = e;
    c->bytes += e->bytes;
    c->n++;
    make_newest(c, e);
    trim(c);
}

int dl_hitcache_get_accounts(struct dl_hitcache *c, unsigned docid, struct dl_accounts *out)
{
    struct entry *e = *slot(c, docid);
    if (!e || !e->has_accounts) {
        return 0;
    }
    size_t unused = 0;
    dl_accounts_release(out);
    copy_accounts(out, &e->accounts, &unused);
    return 1;
}

void dl_hitcache_put_accounts(struct dl_hitcache *c, unsigned docid, const struct dl_accounts *a)
{
    struct entry *e = *slot(c, docid);
    if (!e) {
        return;
    }
    size_t bytes = 0;
    dl_accounts_release(&e->accounts);
    copy_accounts(&e->accounts, a, &bytes);
    c->bytes += bytes - e->account_bytes;
    e->bytes += bytes - e->account_bytes;
    e->account_bytes = bytes;
    e->has_accounts = 1;
    make_newest(c, e);
    trim(c);
}

void dl_hitcache_usage(const struct dl_hitcache *c, size_t *entries, size_t *bytes)
{
    *entries = c ? c->n : 0;
    *bytes = c ? c->bytes : 0;
}
