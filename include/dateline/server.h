/*
 * server.h - the contracts between the modules of dateline-serve.
 *
 *   main.c    options, signals, lifetime of the daemon
 *   http.c    libmicrohttpd glue: raw URI parsing, routing, per-thread
 *             index handles, security headers, static files, access log
 *   request.c the query string, replies and HTTP status codes (request.h,
 *             the leaf every other module may use)
 *   worker.c  a worker thread's index handle and alias table (worker.h)
 *   config.h  the operator's choices, filled by main.c
 *   search.c  the search parameters shared by the API and the pages:
 *             validation, query normalisation, the search, the highlighter
 *   api.c     JSON routes (/api/search, /api/doc/ID, /healthz, errors)
 *   html.c    server-rendered pages (/, /search, /doc/ID, error pages)
 *   access.c  who may ask: the token and the login page, CORS origins, the
 *             per-client rate limit
 *
 * Threads: libmicrohttpd runs a pool of worker threads. Each owns one
 * struct dl_worker (worker.h), created lazily on the thread's first request. A route
 * runs entirely on one worker thread and owns nothing after it returns
 * except what it put in its struct dl_reply.
 *
 * Status convention for routes: a route returns DL_OK when `rep` holds the
 * answer, which may be a client error (4xx, set with dl_reply_error()).
 * A negative status means the index failed: DL_EMODIFIED makes http.c
 * reopen the index and run the route once more; anything else becomes a
 * 503 built from `err`. Client input never produces a 5xx.
 */
#ifndef DATELINE_SERVER_H
#define DATELINE_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "dateline/alias.h"
#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/config.h"
#include "dateline/db.h"
#include "dateline/highlight.h"
#include "dateline/query.h"
#include "dateline/request.h"
#include "dateline/worker.h"

/* --- limits on what a client may ask (those on q an operator may change: config.h) */
#define DL_SERVE_MAX_DEPTH 32     /* bracket nesting in q */
#define DL_SERVE_MAX_OFFSET 10000 /* first hit a client may ask for */
#define DL_SERVE_MAX_LIMIT 100    /* hits per page */
#define DL_SERVE_SNIPPET 300      /* snippet target, characters */
#define DL_SERVE_PAGE_SIZE 10     /* hits per HTML page */

/* --- search, shared by /api/search, /search and the doc routes ---------- */
struct dl_search {
    /* validated input */
    const char *q; /* q as given (valid UTF-8), "" when absent */
    size_t qlen;
    size_t offset, limit;
    enum dl_sort sort;
    int sort_given;        /* sort came from the request */
    char from[11], to[11]; /* "YYYY-MM-DD" or "" */
    const char *source;    /* source filter, or NULL */
    int facets;            /* count years and sources */
    int matches;           /* list each hit's match offsets (API) */
    struct dl_query query; /* normalised q */
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
 * Run the search on the request's worker and build the highlighter. May be
 * called again after DL_EMODIFIED (previous results are dropped). Returns
 * DL_OK or the index's status; DL_EINVAL/DL_EPARSE/DL_ELIMIT are client
 * errors (the caller answers 400 with err->msg).
 */
int dl_search_run(struct dl_search *s, struct dl_request *rq, struct dl_error *err);
/*
 * Sort a failed run: a client error becomes a 400 in `rep` and DL_OK;
 * an index failure is returned as is (for http.c's retry or 503).
 */
int dl_search_fail(int rc, const struct dl_error *err, struct dl_reply *rep);

/*
 * The common part of the /doc/ID routes (page and API): read q, fetch
 * readout `id` into `r` (zeroed; the caller releases it) and, when q is
 * given, run the query for its terms only, so that s->hl marks them.
 * Returns 1 when there is a readout to render, 0 when `rep` already holds
 * the answer (404 unknown id, 400 bad q), or a negative index status.
 */
int dl_search_load_doc(struct dl_search *s, struct dl_request *rq, const char *id,
                       struct dl_readout *r, struct dl_reply *rep, struct dl_error *err);

/* --- routes ------------------------------------------------------------------ */
int dl_api_search(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
int dl_api_doc(struct dl_request *rq, const char *id, struct dl_reply *rep, struct dl_error *err);
int dl_api_health(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
/* Fill the body of an error reply with {"error":{"code","message"}}. */
void dl_api_error_body(struct dl_reply *rep);

int dl_page_home(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
int dl_page_search(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);
int dl_page_doc(struct dl_request *rq, const char *id, struct dl_reply *rep, struct dl_error *err);
/* Fill the body of an error reply with an HTML error page. */
void dl_page_error_body(struct dl_reply *rep);

/* JSON helpers shared by api.c and html.c: a string or null, and numbers. */
void dl_json_str(struct dl_buf *b, const char *s);
void dl_json_uint(struct dl_buf *b, unsigned long long v);

/* --- access control (access.c) --------------------------------------------------- */

/*
 * Per-client token buckets: `rate` requests per second, bursts of `burst`.
 * The table holds at most `slots` clients; a new client takes the place of
 * the one seen least recently among those its key may use, which can only
 * give that one a fresh bucket. Thread-safe (one mutex).
 */
struct dl_rate;
struct dl_rate *dl_rate_new(double rate, double burst, size_t slots);
void dl_rate_free(struct dl_rate *r);
/*
 * Take one request for the client `key[0..n)` (n <= 16) at time `now`
 * (dl_now()). Returns 0 when allowed, else the whole seconds (>= 1) after
 * which the next request will be.
 */
unsigned dl_rate_take(struct dl_rate *r, const void *key, size_t n, double now);

/* 1 if given[0..glen) equals the configured token; time independent of where they differ. */
int dl_token_equal(const struct dl_server_config *cfg, const char *given, size_t glen);
/* 1 if `origin` is one of the --cors origins (exact match). */
int dl_origin_allowed(const struct dl_server_config *cfg, const char *origin);
/*
 * Read a token file: trimmed, token68 characters only, at least
 * DL_TOKEN_MIN bytes, and not readable or writable by others. *out is
 * allocated (the caller frees it) or NULL on error (DL_EIO, DL_EINVAL).
 */
#define DL_TOKEN_MIN 16
int dl_token_load(const char *path, char **out, size_t *len, struct dl_error *err);
/* Fill `rep` with the login page; `message` (may be NULL) is shown above the form. */
void dl_page_login(struct dl_reply *rep, const char *message);

/* --- the daemon (http.c) -------------------------------------------------------- */
struct dl_server;
struct sockaddr;

struct dl_listen {
    const struct sockaddr *addr; /* address to bind (IPv4 or IPv6) */
    unsigned threads;            /* worker threads (>= 1) */
    unsigned max_connections;    /* concurrent connections */
    unsigned timeout;            /* idle seconds before a connection is closed, and the most
                                    a request's line and headers may take to arrive */
    size_t request_memory;       /* per-connection memory for the request line and headers */
};

/* Start serving. On failure returns DL_EIO with a message and *out = NULL. */
int dl_server_start(struct dl_server **out, const struct dl_server_config *cfg,
                    const struct dl_listen *l, struct dl_error *err);
/* The port actually bound (useful with port 0). */
unsigned dl_server_port(struct dl_server *s);
/*
 * Stop accepting, wait up to `grace` seconds for requests in flight to
 * finish, stop the daemon and free everything (NULL is a no-op): DL_OK.
 * If requests are still running after `grace`, returns DL_ETIMEOUT and
 * leaves everything as it is (stopping would wait for them forever): the
 * caller can only _exit().
 */
int dl_server_stop(struct dl_server *s, double grace);

#endif
