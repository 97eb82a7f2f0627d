/* clusters.c - the indexer's same-event pass (see clusters.h). */
#include "dateline/cluster.h"

#include "clusters.h"
#include "shards.h"

/* One database: writer's readouts of the run, candidates in reader (NULL: the writer). */
static int pass(const char *path, struct dl_db *reader, const char *since,
                struct dl_cluster_stats *st, struct dl_error *err)
{
    struct dl_db *w = NULL;
    struct dl_cluster_stats one;
    int rc = dl_db_open_write(&w, path, err);
    if (rc == DL_OK) {
        rc = dl_cluster_pass(w, reader ? reader : w, since, &one, err);
    }
    if (rc == DL_OK) {
        rc = dl_db_commit(w, err);
        st->examined += one.examined;
        st->candidates += one.candidates;
        st->joined += one.joined;
    }
    dl_db_free(w);
    return rc;
}

int dl_index_clusters(const char *dir, unsigned shards, const char *since,
                      struct dl_cluster_stats *st, double *seconds, struct dl_error *err)
{
    double t0 = dl_now();
    *st = (struct dl_cluster_stats){0, 0, 0};
    int rc = DL_OK;
    if (!shards) {
        rc = pass(dir, NULL, since, st, err);
    } else {
        struct dl_db *reader = NULL;
        struct dl_buf path = DL_BUF_INIT;
        rc = dl_db_open_read(&reader, dir, err);
        for (unsigned i = 0; i < shards && rc == DL_OK; i++) {
            dl_shards_path(dir, i, &path);
            rc = pass(path.buf, reader, since, st, err);
            if (rc == DL_OK) { /* the next shard's pass sees this one's keys */
                rc = dl_db_reopen(reader, NULL, err);
            }
        }
        dl_buf_release(&path);
        dl_db_free(reader);
    }
    *seconds = dl_now() - t0;
    return rc;
}
