/*
 * shards.h - a sharded index folder (dateline-index --shards N).
 *
 * DIR holds N Xapian databases DIR/shard-00 .. DIR/shard-(N-1) and a Xapian
 * stub file DIR/XAPIANDB ("auto shard-00" ... one line each), so that
 * opening DIR (dateline-serve -d DIR) opens the N shards as one database.
 * A readout lives in shard dl_hash64(id) % N, so incremental runs find it
 * again; the stub records N, and a run asking for another N is refused.
 * DIR/aux holds what remote shards cannot serve (dl_shards_write_aux).
 */
#ifndef DL_INDEXER_SHARDS_H
#define DL_INDEXER_SHARDS_H

#include "dateline/buf.h"
#include "dateline/common.h"

#define DL_SHARDS_MAX 64

/* The shard count recorded in DIR's stub: 0 when DIR has no stub, -1 when it is unreadable. */
int dl_shards_recorded(const char *dir);
/* 1 when DIR is an unsharded (plain Xapian) index. */
int dl_shards_is_plain(const char *dir);
/* Create DIR if needed and write its stub for n shards (atomically). */
int dl_shards_write_stub(const char *dir, unsigned n, struct dl_error *err);
/* The folder of shard i of DIR, into out. */
void dl_shards_path(const char *dir, unsigned i, struct dl_buf *out);
/*
 * Bring DIR/aux (DL_SHARDSET_AUX) up to date with the shards: what remote
 * shards cannot serve (Xapian 1.4's remote backend has no spelling table),
 * for dateline-serve (shardset.h): the shards' spelling words, their
 * frequencies summed, and the metadata searchers read. The shards' spelling
 * tables only grow, so aux gets what it lacks, one commit. Each shard records
 * aux's absolute path (DL_META_AUX), for a stub written elsewhere.
 */
int dl_shards_write_aux(const char *dir, struct dl_error *err);
/* The shard of readout `id` among n. */
unsigned dl_shards_of(const char *id, unsigned n);

#endif
