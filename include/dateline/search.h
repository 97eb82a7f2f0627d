/*
 * search.h - the search parameters shared by /api/search, /search and the
 * doc routes: validation (every refusal says which value and what was
 * expected), the query's parse and limits, the search, the highlighter.
 *
 * A struct dl_search is embedded by a route (dl_search_init/_release). It
 * borrows q and source from the request's parameters, so it must not
 * outlive them; it owns the parsed query, the results and the
 * highlighter.
 *
 * Errors: client input is refused as a 400 written into the route's
 * struct dl_reply (the parse functions return -1); the index's failures
 * are returned as statuses for the route to pass up (see route.h: a retry
 * after DL_EMODIFIED, a 503 otherwise). Client input never produces a 5xx.
 */
#ifndef DATELINE_SEARCH_H
#define DATELINE_SEARCH_H

#include <stddef.h>

#include "dateline/common.h"
#include "dateline/highlight.h"
#include "dateline/query.h"
#include "dateline/request.h"
#include "dateline/searcher.h"

/* --- limits on what a client may ask (those on q are in config.h) --------- */
#define DL_SERVE_MAX_DEPTH 32     /* bracket nesting in q */
#define DL_SERVE_MAX_OFFSET 10000 /* first hit a client may ask for */
#define DL_SERVE_MAX_LIMIT 100    /* hits per page */
#define DL_SERVE_SNIPPET 300      /* snippet target, characters */
#define DL_SERVE_PAGE_SIZE 10     /* hits per HTML page */

struct dl_search {
    /* validated input */
    const char *q; /* q as given (valid UTF-8), "" when absent */
    size_t qlen;
    size_t offset, limit;
    enum dl_sort sort;
    int sort_given;        /* sort came from the request */
    char from[11], to[11]; /* "YYYY-MM-DD" or "" */
    char indexed_from[28]; /* indexed_after plus a microsecond (searcher.h), or "" */
    const char *indexed_after; /* indexed_after as given (borrowed from the request), or NULL */
    size_t indexed_after_len;
    const char *source;    /* source filter, or NULL */
    int facets;            /* count years and sources */
    int matches;           /* list each hit's match offsets (API) */
    int explain;           /* explain each hit's score, part by part (API) */
    int collapse;          /* collapse=: one hit per same-event cluster (default 0; the
                              search API and page set 1 before parsing) */
    struct dl_entity_filter entities[DL_MAX_ENTITY_FILTERS]; /* person=, country=, org= */
    size_t nentities;
    enum dl_kind kinds[DL_MAX_ENTITY_FILTERS]; /* kind= */
    size_t nkinds;
    struct dl_qtree query; /* q, parsed */
    /* output of dl_search_run() */
    struct dl_results res; /* zeroed until run */
    struct dl_hl *hl;      /* highlighter for res, or NULL */
    double took_ms;        /* time spent in the search itself */
};

void dl_search_init(struct dl_search *s);
void dl_search_release(struct dl_search *s);

/*
 * Validate the search parameters of `p` into `s` (initialised). When
 * `paged` is set, `limit` is not read (DL_SERVE_PAGE_SIZE). Returns 0, or
 * -1 after turning `rep` into a 400 that says what was wrong.
 */
int dl_search_parse(struct dl_search *s, const struct dl_params *p, int paged,
                    struct dl_reply *rep);
/*
 * Only the query part (q), for the doc routes: 0, or -1 with `rep` a 400.
 */
int dl_search_parse_q(struct dl_search *s, const struct dl_params *p, struct dl_reply *rep);

/*
 * Run the search on the request's worker (its searcher) and build the
 * highlighter. May be
 * called again after DL_EMODIFIED (previous results are dropped). Returns
 * DL_OK or the index's status; DL_EINVAL/DL_EPARSE/DL_ELIMIT are client
 * errors (the caller answers 400 with err->msg).
 */
int dl_search_run(struct dl_search *s, struct dl_request *rq, struct dl_error *err);
/*
 * Sort a failed run: a client error becomes a 400 in `rep` and DL_OK;
 * an index failure is returned as is (for the route's retry or 503).
 */
int dl_search_fail(int rc, const struct dl_error *err, struct dl_reply *rep);

/*
 * The common part of the /doc/ID routes (page and API): read q, fetch
 * readout `id` into `r` and what was found in it into `found` (both zeroed;
 * the caller releases them) and, when q is
 * given, take the terms it marks, so that s->hl marks them (no search).
 * Returns 1 when there is a readout to render, 0 when `rep` already holds
 * the answer (404 unknown id, 400 bad q), or a negative index status.
 */
int dl_search_load_doc(struct dl_search *s, struct dl_request *rq, const char *id,
                       struct dl_readout *r, struct dl_found *found, struct dl_reply *rep,
                       struct dl_error *err);

/* Is there something to search in q (not empty, not only syntax)? */
int dl_search_has_query(const struct dl_search *s);

#endif
