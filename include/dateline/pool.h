/*
 * pool.h - a fresh index built by several writer threads.
 *
 * Xapian has one writer per database, and its inverter, not parsing, is
 * where indexing time goes. So when dateline-index fills an EMPTY index,
 * it gives each of N threads a writer of its own on a temporary shard
 * ("DIR.shards/K"), routes every readout to shard hash(id) % N (so that a
 * repeated id always meets its earlier copy), and at the end merges the
 * shards into DIR with Xapian's compactor, which also leaves the index
 * compact. Updating a non-empty index stays single-threaded: it needs
 * the existing documents to compare against.
 *
 * The caller parses; the pool indexes. dl_pool_put() takes ownership of
 * the readout's strings (the struct is zeroed) and blocks while that
 * worker's queue is full. A worker whose writer fails stops the pool:
 * dl_pool_put() then returns DL_EIO and dl_pool_finish() the error.
 *
 * dl_remove_tree() is here because the pool removes its shards with it;
 * dateline-index uses it too, for what a merge leaves behind.
 */
#ifndef DATELINE_POOL_H
#define DATELINE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "dateline/alias.h"
#include "dateline/common.h"
#include "dateline/readout.h"

struct dl_pool;

struct dl_pool_config {
    const char *dir;                 /* the index being built; shards go to DIR.shards/ */
    unsigned workers;                /* number of writer threads (>= 2) */
    const struct dl_aliases *aliases; /* borrowed, may be NULL */
    const char *alias_text;          /* stored in each shard (may be NULL) */
    size_t alias_len;
    int spelling;                    /* build spelling data */
    unsigned long batch_docs;        /* each shard commits after this many readouts ... */
    uint64_t batch_bytes;            /* ... or this many bytes of input */
};

struct dl_pool_stats {
    unsigned long added, updated, unchanged, skipped; /* readouts, over all workers */
};

int dl_pool_new(struct dl_pool **out, const struct dl_pool_config *cfg, struct dl_error *err);

/* Queue readout `doc` (ownership of its strings moves to the pool) read from `origin`
 * with content hash `hash`; `bytes` is its input size, for batching. */
int dl_pool_put(struct dl_pool *p, struct dl_readout *doc, const char *origin, const char *hash,
                size_t bytes);

/* Progress so far (thread-safe snapshot). */
void dl_pool_stats(struct dl_pool *p, struct dl_pool_stats *st);

/* Drain the queues, commit every shard and stop the threads. */
int dl_pool_finish(struct dl_pool *p, struct dl_error *err);

/*
 * Merge the committed shards into a new database at `dest` (which must not
 * exist yet). The caller then moves it into place.
 */
int dl_pool_merge(struct dl_pool *p, const char *dest, struct dl_error *err);

/* Stop the threads if still running, close the shards and delete them. NULL is a no-op. */
void dl_pool_free(struct dl_pool *p);

/* Remove a directory tree (no symlinks followed). Returns DL_OK or DL_EIO. */
int dl_remove_tree(const char *path, struct dl_error *err);

#endif
