/*
 * metrics.h - the server's counters, written in Prometheus' text format
 * (prom.h) for GET /metrics (scrape.h).
 *
 * What is counted: every request answered, by route (the route table's
 * pattern, "/api/doc/" not "/api/doc/ID", so that the number of series is
 * bounded by the table; "unmatched" for a path no route takes) and status;
 * its latency in a histogram per route; its body bytes; the requests in
 * flight; searches cut short by --query-timeout; 429s; requests refused
 * before routing (421, 413, 414) and connections refused while stopping.
 * At scrape time the route adds the index (documents, revision, when a
 * worker last opened a new revision), the build, and the process_* metrics
 * every Prometheus client library exports (from /proc/self): scrape.h.
 *
 * Threads: all counters are C11 atomics in fixed arrays sized from the
 * route table at dl_metrics_new(): recording takes no lock and allocates
 * nothing, from any thread. A scrape reads each counter once; it is not a
 * snapshot across counters (a request may be in one and not yet in the
 * next), which Prometheus tolerates.
 *
 * Ownership: http.c owns the struct dl_metrics for the server's life and
 * lends it to each request (struct dl_request's `metrics`).
 */
#ifndef DATELINE_METRICS_H
#define DATELINE_METRICS_H

#include <stdint.h>

#include <stddef.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/request.h"

struct dl_metrics;

/*
 * A new set of counters, all zero, for `nroutes` routes named by
 * `routes` (their label values, borrowed for the metrics' life: the route
 * table's patterns). Route `nroutes` is "unmatched".
 */
struct dl_metrics *dl_metrics_new(const char *const *routes, size_t nroutes);
void dl_metrics_free(struct dl_metrics *m); /* NULL: no-op */

/* A request began (in flight until dl_metrics_end). */
void dl_metrics_begin(struct dl_metrics *m);
/*
 * A request ended: its route (0..nroutes-1; nroutes or more: no route took
 * the path), the status sent (0: none was; only the in-flight gauge
 * moves), the body bytes and the seconds since its request line.
 */
void dl_metrics_end(struct dl_metrics *m, size_t route, unsigned status, uint64_t bytes,
                    double seconds);
/* A connection was closed as soon as accepted (the server is stopping). */
void dl_metrics_refused_connection(struct dl_metrics *m);
/* A search was cut short by --query-timeout. */
void dl_metrics_query_timeout(struct dl_metrics *m);
/* A worker opened the index or moved to a new revision, now (the wall clock's time). */
void dl_metrics_reopened(struct dl_metrics *m);

/* The counters and dateline_build_info in the text format (scrape.h adds the index and the
 * process). */
void dl_metrics_write(const struct dl_metrics *m, struct dl_buf *b);

#endif
