/*
 * dbwatch.h - notice that an index was switched under its readers.
 *
 * A reader keeps an index current with Xapian's reopen(), which rereads the
 * revision file at the same paths and keeps the table files it has open.
 * That is right for a commit, and wrong when the files are replaced by
 * another database's:
 *  - xapian-replicate's full copy goes into the replica's other folder
 *    (replica_0 or replica_1), rewrites the stub REPLICA/XAPIANDB to point
 *    at it and deletes the old one; a second full copy reuses the first
 *    folder's name, and a reader that did not reopen in between mixes the
 *    new revision file with the deleted tables (wrong counts, "no document
 *    7");
 *  - dateline-index fills an empty index with several writers and renames
 *    the merged database into place (indexer/main.c, finish_pool).
 * Such a reader must open the index afresh. dl_dbwatch_stamp() says when:
 * it is a hash of the identity of the files a path is opened through,
 * which changes with any of these switches and not with a commit.
 *
 * What it covers: PATH itself (a folder's device and inode; a stub file's
 * inode, size and times), PATH/XAPIANDB, and for each local database the
 * stub lists (auto or glass lines; remote ones are skipped; relative paths
 * against the stub's folder) its folder's identity and its own XAPIANDB:
 * one level of nesting, enough for a sharded index whose shards are
 * replicas; and the same for the auxiliary database "aux" beside a stub
 * (shardset.h). A path that cannot be read stamps as missing, so its return
 * changes the stamp too. Cost: two stat() calls for a plain index, plus
 * reading the stub and two stat() calls per listed database and for aux.
 */
#ifndef DATELINE_DBWATCH_H
#define DATELINE_DBWATCH_H

#include <stdint.h>

/* The stamp of the files index `path` is opened through (see above); never fails. */
uint64_t dl_dbwatch_stamp(const char *path);

#endif
