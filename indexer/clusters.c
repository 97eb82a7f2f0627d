/* clusters.c - the indexer's same-event pass (see clusters.h). */
#include "dateline/cluster.h"

#include <stdlib.h>

#include "clusters.h"
#include "shards.h"

/* Open the writers (one database, or every shard), run the pass through reader (NULL: the
 * one writer), commit each writer. */
static int pass(const char *dir, unsigned shards, struct dl_db *reader, const char *since,
                dl_cluster_progress_fn progress, void *ctx, struct dl_cluster_stats *st,
                struct dl_error *err)
{
    size_t n = shards ? shards : 1;
    struct dl_db **w = calloc(n, sizeof *w);
    struct dl_buf path = DL_BUF_INIT;
    int rc = w ? DL_OK : dl_error_set(err, DL_EIO, "out of memory");
    for (size_t i = 0; i < n && rc == DL_OK; i++) {
        if (shards) {
            dl_shards_path(dir, (unsigned)i, &path);
        }
        rc = dl_db_open_write(&w[i], shards ? path.buf : dir, err);
    }
    if (rc == DL_OK) {
        rc = dl_cluster_pass(w, n, reader ? reader : w[0], since, progress, ctx, st, err);
    }
    for (size_t i = 0; i < n && rc == DL_OK; i++) { /* a shard at a time, as indexing does */
        rc = dl_db_commit(w[i], err);
    }
    for (size_t i = 0; w && i < n; i++) {
        dl_db_free(w[i]);
    }
    free(w);
    dl_buf_release(&path);
    return rc;
}

int dl_index_clusters(const char *dir, unsigned shards, const char *since,
                      dl_cluster_progress_fn progress, void *ctx, struct dl_cluster_stats *st,
                      double *seconds, struct dl_error *err)
{
    double t0 = dl_now();
    *st = (struct dl_cluster_stats){0, 0, 0, 0};
    struct dl_db *reader = NULL;
    int rc = shards ? dl_db_open_read(&reader, dir, err) : DL_OK; /* the stub of every shard */
    if (rc == DL_OK) {
        rc = pass(dir, shards, reader, since, progress, ctx, st, err);
    }
    dl_db_free(reader);
    *seconds = dl_now() - t0;
    return rc;
}
