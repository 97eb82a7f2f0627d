/*
 * hitcache.h - the readouts a searcher read last, by docid, and their
 * events' other accounts.
 *
 * Every search reads its page's readouts: on a local index a few B-tree
 * lookups and a zstd frame to decompress each (a quarter of a search's
 * instructions: callgrind, 50 queries on the White House corpus), on remote
 * shards a round trip each, one after the other. The same readouts answer
 * many searches (the week's meetings answer "to lam", "vietnam" and
 * "strategic partnership"; a reader pages back and forth), so each searcher
 * keeps copies of those it read, up to a budget of bytes, the least
 * recently used going first.
 *
 * A docid names a readout in one revision only (and, over shards, for one
 * set of shards answering): the owner clears the cache whenever what its
 * database reads moves (searcher.c does so where it clears the facet cache).
 *
 * Not thread-safe: one per searcher, that is per worker thread.
 */
#ifndef DATELINE_HITCACHE_H
#define DATELINE_HITCACHE_H

#include <stddef.h>

#include "dateline/cluster.h"
#include "dateline/readout.h"
#include "dateline/store.h"

struct dl_hitcache;

/* A cache holding at most max_bytes of copies (0: it keeps nothing). */
struct dl_hitcache *dl_hitcache_new(size_t max_bytes);
void dl_hitcache_free(struct dl_hitcache *c); /* NULL is a no-op */
void dl_hitcache_clear(struct dl_hitcache *c);

/* Copies of docid's readout and found names into r and f (both zeroed or released): 1;
 * 0, r and f untouched, when it is not kept. */
int dl_hitcache_get(struct dl_hitcache *c, unsigned docid, struct dl_readout *r,
                    struct dl_found *f);
/* Keep copies of r and f as docid's (replacing what was kept, accounts included). */
void dl_hitcache_put(struct dl_hitcache *c, unsigned docid, const struct dl_readout *r,
                     const struct dl_found *f);

/* A copy of the other accounts kept for docid into out (zeroed or released): 1; 0 when
 * none are kept (docid not kept, or its accounts never put). */
int dl_hitcache_get_accounts(struct dl_hitcache *c, unsigned docid, struct dl_accounts *out);
/* Keep a copy of a as docid's other accounts; nothing when docid's readout is not kept. */
void dl_hitcache_put_accounts(struct dl_hitcache *c, unsigned docid, const struct dl_accounts *a);

/* What the cache holds: entries and bytes (for tests and /metrics). */
void dl_hitcache_usage(const struct dl_hitcache *c, size_t *entries, size_t *bytes);

#endif
