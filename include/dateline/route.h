/*
 * route.h - the route table: every path dateline-serve answers, in one place.
 *
 * Each entry says which paths it takes (exactly one, or all below a
 * prefix), which methods, whether its answers are pages or JSON, whether
 * it reads the index, whether it is open without --token, and which
 * function answers. Everything else http.c needs to know about paths is
 * derived from the table by the functions below, so a new route is one
 * new line: routing, "is this a page" (also on the raw target, before it
 * is decoded), errors as HTML or JSON, the paths open without the token,
 * CORS preflights and the Allow header of a 405.
 *
 * Contract of a route function (dl_route_fn): it fills `rep` and returns
 * DL_OK when `rep` holds the answer, which may be a client error (4xx,
 * set with dl_reply_error()). A negative status means the index failed:
 * for a route that reads the index, DL_EMODIFIED makes dl_route_run()
 * refresh the index and run the route once more; anything else becomes a
 * 503 (the details go to the log, not to the client). Client input never
 * produces a 5xx. A route runs entirely on one worker thread and owns
 * nothing after it returns except what it put in `rep`.
 *
 * The table is constant: looking a path up needs no lock, on any thread.
 */
#ifndef DATELINE_ROUTE_H
#define DATELINE_ROUTE_H

#include <stddef.h>

#include "dateline/common.h"
#include "dateline/request.h"

struct dl_server_config; /* config.h */

typedef int (*dl_route_fn)(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);

enum dl_route_match {
    DL_MATCH_EXACT,  /* the path is `path` */
    DL_MATCH_PREFIX, /* the path starts with `path`; the rest (rq->arg) must not be empty,
                        else 404 (a path of this kind all the same) */
    DL_MATCH_TREE,   /* the path starts with `path`; the rest may be empty */
};

/* What the answers are, which decides how errors are written. */
enum dl_route_kind {
    DL_ROUTE_API,  /* JSON; errors as JSON */
    DL_ROUTE_PAGE, /* HTML pages; errors as pages, and without the token a 303 to /login */
    DL_ROUTE_FILE, /* files of the web folder; errors as JSON (no one reads a CSS error) */
};

enum dl_route_flags {
    DL_ROUTE_INDEX = 1 << 0,  /* reads the index: runs on a refreshed worker, retried, 503 */
    DL_ROUTE_OPEN = 1 << 1,   /* answered without the --token */
    DL_ROUTE_TOKEN = 1 << 2,  /* answers only with --token (without it: 404, no method but GET) */
    DL_ROUTE_ACCEPT = 1 << 3, /* a page, but the errors of routing it (a bad query string, no
                                 --token) follow the Accept header, as on an unknown path */
};

struct dl_route {
    const char *path;          /* "/search", or a prefix ending in '/' ("/doc/") */
    enum dl_route_match match; /* how `path` is compared */
    unsigned methods;          /* DL_METHOD_* bits; GET (and HEAD) always */
    enum dl_route_kind kind;
    unsigned flags; /* DL_ROUTE_* bits */
    dl_route_fn fn; /* NULL: no route here, only the kind (404 of that kind) */
};

/*
 * The first route whose pattern matches path[0..len) (a decoded path, or
 * the raw target up to its '?'), or NULL for an unknown path. A
 * DL_MATCH_PREFIX route matches also when nothing follows the prefix, and
 * a DL_ROUTE_TOKEN route also without --token: the path keeps its kind
 * (its errors their format), only the route does not answer.
 */
const struct dl_route *dl_route_find(const char *path, size_t len);

/* The table, for what counts by route (metrics.h): its length, entry i (NULL past the end),
 * and the position of `r` in it (dl_route_count() for NULL, an unknown path). */
size_t dl_route_count(void);
const struct dl_route *dl_route_at(size_t i);
size_t dl_route_index(const struct dl_route *r);

/* 1 when errors on this route (NULL: an unknown path) are pages; `accepts_html` decides for
 * unknown paths (the client's Accept header names text/html). */
int dl_route_html(const struct dl_route *r, int accepts_html);

/* 1 when the route (NULL: an unknown path) takes `method` (a DL_METHOD_* bit) with this
 * configuration: GET always, POST if listed, OPTIONS if listed and with --cors; nothing but
 * GET for a DL_ROUTE_TOKEN route without --token. */
int dl_route_allows(const struct dl_route *r, unsigned method, const struct dl_server_config *cfg);

/* The Allow header for the route (NULL: an unknown path): "GET, HEAD" and what else it allows. */
const char *dl_route_allow(const struct dl_route *r, const struct dl_server_config *cfg);

/*
 * Answer `rq` (path, raw_path, params, method and the rest filled by the
 * caller; rq->w this thread's worker) with route `r` into `rep`, following
 * the contract above; a 404 for an unknown path (NULL), for a route that
 * does not answer with this configuration or a prefix route with nothing
 * after its prefix. Sets rq->arg and rq->raw_arg. `rep` must be
 * initialised; rep->html is left as the caller set it.
 */
void dl_route_run(const struct dl_route *r, struct dl_request *rq, struct dl_reply *rep);

#endif
