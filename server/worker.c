/*
 * worker.c - a worker thread's searcher, kept at the newest committed
 * revision (see worker.h).
 */
#include "dateline/worker.h"

#include <string.h>

#include "dateline/config.h"
#include "dateline/dbwatch.h"
#include "dateline/searcher.h"

void dl_worker_init(struct dl_worker *w)
{
    memset(w, 0, sizeof *w);
    dl_buf_init(&w->scratch, 0);
}

/*
 * How often a worker in use checks that its index was not switched under it (dbwatch.h), in
 * seconds. The check costs a few stat() calls (about 4 us each on our VM: 33 us for a
 * replica's stub folder); a switch is a full copy or a merge, far slower than this, and a
 * reopen() in between fails on the deleted folder and opens afresh anyway.
 */
#define WATCH_EVERY 0.05

static int open_searcher(struct dl_worker *w, const struct dl_server_config *cfg,
                         struct dl_error *err)
{
    const char *path = cfg->db_path;
    uint64_t stamp = dl_dbwatch_stamp(path);
    int rc = dl_searcher_open_shards(&w->searcher, path, cfg->shards, err);
    if (rc != DL_OK && dl_dbwatch_stamp(path) != stamp) {
        /* switched while it was opened (a replica's old folder deleted): once more */
        stamp = dl_dbwatch_stamp(path);
        rc = dl_searcher_open_shards(&w->searcher, path, cfg->shards, err);
    }
    w->stamp = stamp;
    w->watched = dl_now();
    w->reopened |= rc == DL_OK;
    return rc;
}

int dl_worker_refresh(struct dl_worker *w, const struct dl_server_config *cfg, struct dl_error *err)
{
    int changed = 0;
    double now = dl_now();
    if (w->searcher && now - w->watched >= WATCH_EVERY) {
        w->watched = now;
        if (dl_dbwatch_stamp(cfg->db_path) != w->stamp) {
            /* Switched under us (dbwatch.h): a reopen() would mix the new revision with the
             * old folder's tables. */
            dl_searcher_free(w->searcher);
            w->searcher = NULL;
        }
    }
    if (w->searcher && dl_searcher_refresh(w->searcher, &changed, err) != DL_OK) {
        /* A handle that cannot reopen is not trusted again: start afresh. */
        dl_searcher_free(w->searcher);
        w->searcher = NULL;
    }
    if (!w->searcher) {
        return open_searcher(w, cfg, err);
    }
    w->reopened |= changed;
    return DL_OK;
}

void dl_worker_release(struct dl_worker *w)
{
    dl_searcher_free(w->searcher);
    w->searcher = NULL;
    dl_buf_release(&w->scratch);
}
