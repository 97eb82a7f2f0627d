/*
 * worker.h - one worker thread's view of the index.
 *
 * libmicrohttpd runs a pool of worker threads. Each owns one struct
 * dl_worker: its own searcher (searcher.h: a read-only index handle, never
 * shared since Xapian has no locking, with the alias table and counts of
 * the revision it reads), and a scratch buffer the routes reuse from
 * request to request. http.c creates
 * it on the thread's first request and releases it when the server stops;
 * a route reaches it through struct dl_request's `w`, refreshed for the
 * routes that read the index.
 *
 * Errors: dl_worker_refresh() returns the index's status; a handle that
 * failed is closed and reopened on the next refresh, so a worker never
 * stays broken.
 */
#ifndef DATELINE_WORKER_H
#define DATELINE_WORKER_H

#include <stdint.h>

#include "dateline/buf.h"
#include "dateline/common.h"

struct dl_searcher;      /* searcher.h */
struct dl_server_config; /* config.h */

struct dl_worker {
    struct dl_searcher *searcher; /* this thread's searcher, NULL until opened */
    struct dl_buf scratch;        /* reusable buffer for snippets, kept between requests */
    uint64_t stamp;               /* dl_dbwatch_stamp() of the index when it was opened */
    double watched;               /* dl_now() when the stamp was last compared */
    int reopened; /* set by dl_worker_refresh when it opened the index or moved to a new
                     revision; whoever notes it (metrics.h) clears it */
};

/* Set up `w` with nothing open (the first refresh opens the index). */
void dl_worker_init(struct dl_worker *w);
/*
 * Open the searcher if needed and move it to the newest committed revision
 * (which reloads the alias table if it changed); open it afresh when the
 * index was switched under it (dbwatch.h: a replica's full copy, an empty
 * index filled by several writers; checked at most every 50 ms). DL_OK, or the status of
 * the failed open/reopen (the searcher is then closed, to be opened again
 * next time).
 */
int dl_worker_refresh(struct dl_worker *w, const struct dl_server_config *cfg,
                      struct dl_error *err);
/* Close the handle and free everything `w` holds; `w` can be refreshed again. */
void dl_worker_release(struct dl_worker *w);

#endif
