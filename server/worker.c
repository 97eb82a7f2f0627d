/*
 * worker.c - a worker thread's searcher, kept at the newest committed
 * revision (see worker.h).
 */
#include "dateline/worker.h"

#include <string.h>

#include "dateline/config.h"
#include "dateline/searcher.h"

void dl_worker_init(struct dl_worker *w)
{
    memset(w, 0, sizeof *w);
    dl_buf_init(&w->scratch, 0);
}

int dl_worker_refresh(struct dl_worker *w, const struct dl_server_config *cfg, struct dl_error *err)
{
    int changed = 0;
    if (w->searcher && dl_searcher_refresh(w->searcher, &changed, err) != DL_OK) {
        /* A handle that cannot reopen is not trusted again: start afresh. */
        dl_searcher_free(w->searcher);
        w->searcher = NULL;
    }
    if (!w->searcher) {
        int rc = dl_searcher_open_shards(&w->searcher, cfg->db_path, cfg->shards, err);
        w->reopened |= rc == DL_OK;
        return rc;
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
