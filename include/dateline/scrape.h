/*
 * scrape.h - the route GET /metrics.
 *
 * The scrape is the counters of metrics.h, then what is read at scrape
 * time: the index this worker serves (documents, revision), and the
 * process_* metrics of Prometheus' client libraries (CPU seconds, resident
 * and virtual memory, open and maximum file descriptors, start time), read
 * from /proc/self. Kept apart from metrics.h so that the counters, which
 * request modules record into, depend on nothing but the text format.
 */
#ifndef DATELINE_SCRAPE_H
#define DATELINE_SCRAPE_H

#include "dateline/common.h"
#include "dateline/request.h"

/*
 * The route (route.h's contract): the scrape, as text/plain version 0.0.4.
 * Never fails: without a readable index the index gauges are left out
 * (and the log says why); process_* metrics /proc does not give are too.
 */
int dl_scrape_serve(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);

#endif
