/*
 * shardset.h - the shards an index is made of, and which of them answer.
 *
 * An index path is one database (a directory) or a stub: a file, or a
 * directory holding one named XAPIANDB, listing the shards one per line as
 * Xapian reads them: "auto PATH" (or "glass PATH"; relative to the stub's
 * directory) for a local shard, "remote HOST:PORT" (or "remote [V6]:PORT")
 * for one served by xapian-tcpsrv; "#" starts a comment. dateline-index
 * --shards writes such a stub; an operator writes the remote one.
 *
 * A struct dl_shardset is that list plus what is known of each shard's
 * health, shared by every thread of a server: a shard that failed (its
 * connection broke, or it took longer than the timeout) is left out of
 * searches until its next try, after a wait that doubles from 250 ms up to
 * 5 s while it keeps failing; one caller at a time makes that try. The
 * connections themselves belong to each searcher (searcher.h), one per
 * shard per worker thread: a set opens them but keeps none.
 *
 * Remote shards serve the documents, terms and metadata but no spelling
 * table (Xapian 1.4's remote backend has none): dateline-index writes one,
 * with the metadata, into an auxiliary database "aux" beside its stub, and
 * dl_shardset_aux() names it when it exists (DL_SHARDSET_AUX explains where
 * it is looked for).
 *
 * Thread-safe: every function may be called from any thread.
 */
#ifndef DATELINE_SHARDSET_H
#define DATELINE_SHARDSET_H

#include <stddef.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/db.h"

/* The auxiliary database's name, beside the stub (in the stub's directory). */
#define DL_SHARDSET_AUX "aux"
/* Timeout of a remote shard (connecting, and each operation) unless told otherwise. */
#define DL_SHARDSET_TIMEOUT_MS 2000

struct dl_shardset;

/*
 * Read the shard list of the index at path into *out, with timeout_ms for
 * remote shards (0: DL_SHARDSET_TIMEOUT_MS). *out is NULL, and DL_OK, when
 * path is a single database rather than a stub (or is not there). DL_EIO when the stub cannot
 * be read, DL_EPARSE for a line that is not "auto|glass PATH" or "remote
 * HOST:PORT" (the program form "remote :PROG" is not supported: Xapian's
 * own stub reading serves it, without fault handling), or for no shard.
 */
int dl_shardset_open(struct dl_shardset **out, const char *path, unsigned timeout_ms,
                     struct dl_error *err);
void dl_shardset_free(struct dl_shardset *set); /* NULL is a no-op */

size_t dl_shardset_count(const struct dl_shardset *set);
/* Shard i as the stub names it ("127.0.0.1:33301", or the local path); borrowed. */
const char *dl_shardset_name(const struct dl_shardset *set, size_t i);
/* Whether some shard is remote. */
int dl_shardset_has_remote(const struct dl_shardset *set);
/* The auxiliary database's path when it exists, else NULL; borrowed. */
const char *dl_shardset_aux(const struct dl_shardset *set);

/*
 * A stub line line[0..len) naming a local database ("auto PATH" or "glass PATH", the path
 * running to the end of the line, as Xapian reads it): 1, with the path resolved against
 * the stub's folder dir into out; else 0 (a remote shard, a comment, a blank line).
 */
int dl_shardset_local(const char *line, size_t len, const char *dir, struct dl_buf *out);

/* Open shard i for reading (a remote one with the set's timeout) into *out. */
int dl_shardset_connect(const struct dl_shardset *set, size_t i, struct dl_db **out,
                        struct dl_error *err);

/*
 * Whether shard i may be used now (now: dl_now()): 1 when it is up; when it
 * is down, 1 for the one caller whose turn it is to try it again, 0 for the
 * others until the next turn.
 */
int dl_shardset_may_try(struct dl_shardset *set, size_t i, double now);
/* Shard i failed (why: for the log and dl_shardset_down): it is down from now. */
void dl_shardset_failed(struct dl_shardset *set, size_t i, const char *why, double now);
/* Shard i answered: it is up. */
void dl_shardset_ok(struct dl_shardset *set, size_t i);
/* How many failures shard i has had: a connection made before the last one is not trusted. */
unsigned long dl_shardset_failures(struct dl_shardset *set, size_t i);
/* Whether shard i is down now. */
int dl_shardset_is_down(struct dl_shardset *set, size_t i);

/*
 * One thread's connections to a set's shards, searched as one database
 * (dl_db_combine) made of those that answer.
 */
struct dl_shardconn;

/* Connect to every shard that may be tried; DL_ENETWORK when none answers. */
int dl_shardconn_open(struct dl_shardconn **out, struct dl_shardset *set, struct dl_error *err);
void dl_shardconn_free(struct dl_shardconn *c); /* NULL is a no-op */
/*
 * Move every connection to its newest revision (at most every 50 ms: a reopen is a round
 * trip to each remote shard), leaving out the shards that
 * fail (or failed for another thread since this one connected) and taking
 * back those whose turn to be tried has come. *moved (may be NULL) is 1 when
 * what the combined database reads changed: a revision, or the shards in it.
 * DL_ENETWORK when no shard answers.
 */
int dl_shardconn_refresh(struct dl_shardconn *c, int *moved, struct dl_error *err);
/*
 * After an operation failed with DL_ENETWORK: every connection made again (those that fail
 * to connect are left out). Not only the failed one: Xapian's remote protocol is a request
 * and its reply, and the shards that did answer may still have a reply in flight, which
 * their next request would read (a test saw facet counts of another search).
 */
int dl_shardconn_reconnect(struct dl_shardconn *c, struct dl_error *err);
/* The shards that answer, as one read handle (borrowed: valid until the next refresh). */
struct dl_db *dl_shardconn_db(struct dl_shardconn *c);
/* Shards in that handle, of dl_shardset_count() in all. */
size_t dl_shardconn_up(const struct dl_shardconn *c);

#endif
