/*
 * html.h - the server-rendered pages: /, /search, /doc/ID and error pages.
 *
 * Each page route follows route.h's contract: it fills `rep` (a whole
 * page, Content-Type text/html) and returns DL_OK, also for a client
 * error (a 4xx in `rep`, rendered later by dl_page_error_body), or
 * returns the index's failure status with `err` set. Every piece of
 * client input and stored text is HTML-escaped; the pages need no script.
 */
#ifndef DATELINE_HTML_H
#define DATELINE_HTML_H

#include "dateline/common.h"
#include "dateline/request.h"

/* GET /: the search box, the readout count and search tips. */
int dl_page_home(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
/* GET /search?q=...: a page of hits, the facets and the pager. */
int dl_page_search(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
/* GET /doc/ID (rq->arg): one readout, its matches for q marked. */
int dl_page_doc(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
/* Fill the body of an error reply with an HTML error page. */
void dl_page_error_body(struct dl_reply *rep);

#endif
