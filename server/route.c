/*
 * route.c - the route table, and running a route by route.h's contract.
 */
#include "dateline/route.h"

#include <string.h>

#include "dateline/access.h"
#include "dateline/api.h"
#include "dateline/config.h"
#include "dateline/download.h"
#include "dateline/feed.h"
#include "dateline/files.h"
#include "dateline/html.h"
#include "dateline/scrape.h"
#include "dateline/worker.h"

#define GET DL_METHOD_GET
#define POST DL_METHOD_POST
#define CORS (DL_METHOD_GET | DL_METHOD_OPTIONS) /* --cors origins may call it */

/*
 * Every path dateline-serve answers. The first match wins: a namespace
 * (/api/) comes after the routes inside it. A path no entry matches is a
 * 404 whose format follows the client's Accept header. Every path is in
 * web/openapi.json, the API description (tests/e2e/test_openapi.py checks).
 */
static const struct dl_route routes[] = {
    /* {path, match, methods, kind, flags, fn} */
    {"/api/search", DL_MATCH_EXACT, CORS, DL_ROUTE_API, DL_ROUTE_INDEX, dl_api_search},
    /* the API description (web/openapi.json), open like /healthz */
    {"/api/openapi.json", DL_MATCH_EXACT, CORS, DL_ROUTE_API, DL_ROUTE_OPEN, dl_files_openapi},
    {"/api/doc/", DL_MATCH_PREFIX, CORS, DL_ROUTE_API, DL_ROUTE_INDEX, dl_api_doc},
    {"/api/entities", DL_MATCH_EXACT, CORS, DL_ROUTE_API, DL_ROUTE_INDEX, dl_api_entities},
    {"/api/export", DL_MATCH_EXACT, CORS, DL_ROUTE_API, DL_ROUTE_INDEX, dl_api_export},
    {"/api/", DL_MATCH_TREE, CORS, DL_ROUTE_API, 0, NULL}, /* the rest of /api/: JSON 404s */
    {"/healthz", DL_MATCH_EXACT, GET, DL_ROUTE_API, DL_ROUTE_INDEX | DL_ROUTE_OPEN, dl_api_health},
    /* Prometheus; behind --token like the API (README: Metrics); reads the index itself */
    {"/metrics", DL_MATCH_EXACT, GET, DL_ROUTE_API, 0, dl_scrape_serve},
    {"/", DL_MATCH_EXACT, GET, DL_ROUTE_PAGE, DL_ROUTE_INDEX, dl_page_home},
    {"/search", DL_MATCH_EXACT, GET, DL_ROUTE_PAGE, DL_ROUTE_INDEX, dl_page_search},
    {"/doc/", DL_MATCH_PREFIX, GET, DL_ROUTE_PAGE, DL_ROUTE_INDEX, dl_page_doc},
    /* a search as an Atom feed (feed.h); its errors are JSON, as the API's */
    {"/feed.atom", DL_MATCH_EXACT, GET, DL_ROUTE_API, DL_ROUTE_INDEX, dl_feed_atom},
    /* the form and the CSS/JS/icons it uses are open; /healthz is for monitors */
    {"/login", DL_MATCH_EXACT, GET | POST, DL_ROUTE_PAGE,
     DL_ROUTE_OPEN | DL_ROUTE_TOKEN | DL_ROUTE_ACCEPT, dl_access_login},
    {"/static/", DL_MATCH_TREE, GET, DL_ROUTE_FILE, DL_ROUTE_OPEN, dl_files_serve},
};

static int matches(const struct dl_route *r, const char *path, size_t len)
{
    size_t n = strlen(r->path);
    if (r->match == DL_MATCH_EXACT && len != n) {
        return 0;
    }
    return len >= n && memcmp(path, r->path, n) == 0;
}

const struct dl_route *dl_route_find(const char *path, size_t len)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (matches(&routes[i], path, len)) {
            return &routes[i];
        }
    }
    return NULL;
}

size_t dl_route_count(void)
{
    return sizeof routes / sizeof routes[0];
}

const struct dl_route *dl_route_at(size_t i)
{
    return i < dl_route_count() ? &routes[i] : NULL;
}

size_t dl_route_index(const struct dl_route *r)
{
    return r ? (size_t)(r - routes) : dl_route_count();
}

/* Does the route answer with this configuration? */
static int enabled(const struct dl_route *r, const struct dl_server_config *cfg)
{
    return !(r->flags & DL_ROUTE_TOKEN) || cfg->token;
}

int dl_route_html(const struct dl_route *r, int accepts_html)
{
    return r ? r->kind == DL_ROUTE_PAGE : accepts_html;
}

int dl_route_allows(const struct dl_route *r, unsigned method, const struct dl_server_config *cfg)
{
    unsigned m = DL_METHOD_GET | (r && enabled(r, cfg) ? r->methods : 0);
    if (!cfg->ncors) {
        m &= ~(unsigned)DL_METHOD_OPTIONS;
    }
    return method != 0 && (m & method) == method;
}

const char *dl_route_allow(const struct dl_route *r, const struct dl_server_config *cfg)
{
    static const char *const allow[] = {
        "GET, HEAD",
        "GET, HEAD, POST",
        "GET, HEAD, OPTIONS",
        "GET, HEAD, POST, OPTIONS",
    };
    int post = dl_route_allows(r, DL_METHOD_POST, cfg);
    int options = dl_route_allows(r, DL_METHOD_OPTIONS, cfg);
    return allow[post + 2 * options];
}

void dl_route_run(const struct dl_route *r, struct dl_request *rq, struct dl_reply *rep)
{
    size_t n = r ? strlen(r->path) : 0;
    if (!r || !r->fn || !enabled(r, rq->cfg) ||
        (r->match == DL_MATCH_PREFIX && rq->path_len == n)) {
        dl_reply_error(rep, DL_HTTP_NOT_FOUND, "not_found", "no such page: %s", rq->path);
        return;
    }
    rq->arg = rq->path + n;
    rq->arg_len = rq->path_len - n;
    rq->raw_arg = rq->raw_path + n; /* a decoded path is never longer than the raw one */
    rq->raw_arg_len = rq->raw_path_len - n;
    struct dl_error err = DL_ERROR_INIT;
    int rc = DL_OK;
    /* If a commit discarded the revision while the route ran, refresh and run it again: up
     * to four times more, as a readout's page reads several things (its other accounts,
     * related readouts) and a writer committing batch after batch can discard several
     * revisions in a row (test_reindex under ASan saw a 503 with one retry, then with two).
     * Each run reads the newest revision, so a burst of commits ends the retries. */
    for (int attempt = 0; attempt < 5; attempt++) {
        if (r->flags & DL_ROUTE_INDEX) {
            rc = dl_worker_refresh(rq->w, rq->cfg, &err);
        }
        if (rc == DL_OK) {
            rc = r->fn(rq, rep, &err);
        }
        if (rc != DL_EMODIFIED) {
            break;
        }
        dl_reply_release(rep);
    }
    if (rc != DL_OK) {
        dl_log(DL_LOG_ERROR, "%s: %s", rq->path, err.msg);
        /* The details (paths, Xapian's words) are for the log, not for clients. */
        dl_reply_error(rep, DL_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                       "the search index cannot be read right now (%s)", dl_status_name(rc));
    }
}
