/*
 * api.h - the JSON routes: /api/search, /api/doc/ID, /healthz, and the
 * JSON body of every error that is not a page.
 *
 * Each route follows route.h's contract: it fills `rep` and returns DL_OK
 * (also for a client error, a 4xx in `rep`), or returns the index's
 * failure status with `err` set. It reads the request's worker, which the
 * route table has refreshed. The bodies are written straight into
 * rep->body (no DOM) and are valid UTF-8.
 */
#ifndef DATELINE_API_H
#define DATELINE_API_H

#include "dateline/common.h"
#include "dateline/request.h"

/* GET /api/search?q=...: hits, totals and facets. */
int dl_api_search(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
/* GET /api/doc/ID (rq->arg): one readout, its body marked when q is given. */
int dl_api_doc(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
/* GET /healthz: the readout count and the revision served. */
int dl_api_health(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
/* GET /api/entities?prefix=&type=&limit=: the entities a prefix suggests (searcher.h). */
int dl_api_entities(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
/* Fill the body of an error reply with {"error":{"code","message"}}. */
void dl_api_error_body(struct dl_reply *rep);

#endif
