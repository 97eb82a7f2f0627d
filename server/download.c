/*
 * download.c - GET /api/export (see download.h): a search's matches
 * streamed as CSV or NDJSON rows, one page of the list at a time.
 */
#include "dateline/download.h"

#include <stdlib.h>
#include <string.h>

#include "dateline/config.h"
#include "dateline/export.h"
#include "dateline/search.h"
#include "dateline/searcher.h"

/* One export in progress: owned by the reply, then by libmicrohttpd's response. */
struct export
{
    struct dl_params params;      /* the request's, taken over: `search` borrows from them */
    struct dl_search search;      /* the validated search */
    struct dl_searcher *searcher; /* its own: one revision for the whole file */
    enum dl_export_format format;
    size_t limit;          /* rows at most */
    unsigned max_wildcard; /* the server's --max-wildcard */
    size_t rows;           /* rows formatted so far */
    int ended;             /* the list has no more matches */
    struct dl_buf out;     /* rows formatted and not yet sent */
    size_t sent;           /* bytes of `out` sent */
    unsigned ids[DL_EXPORT_PAGE];
};

static void export_free(void *ctx)
{
    struct export *x = ctx;
    if (!x) {
        return;
    }
    dl_search_release(&x->search);
    dl_searcher_free(x->searcher);
    dl_params_release(&x->params);
    dl_buf_release(&x->out);
    free(x);
}

/* The next page of the list formatted into x->out (appended); nothing once it ended. */
static int next_page(struct export *x, struct dl_error *err)
{
    const struct dl_search *s = &x->search;
    if (x->ended || x->rows >= x->limit) {
        x->ended = 1;
        return DL_OK;
    }
    struct dl_search_params p = {
        .offset = s->offset + x->rows,
        .limit = x->limit - x->rows < DL_EXPORT_PAGE ? x->limit - x->rows : DL_EXPORT_PAGE,
        .sort = s->sort,
        .from = s->from[0] ? s->from : NULL,
        .to = s->to[0] ? s->to : NULL,
        .source = s->source,
        .max_wildcard = x->max_wildcard,
        .entities = s->entities,
        .nentities = s->nentities,
        .kinds = s->kinds,
        .nkinds = s->nkinds,
    };
    size_t n = 0;
    int rc = dl_searcher_page(x->searcher, &x->search.query, &p, x->ids, &n, err);
    for (size_t i = 0; rc == DL_OK && i < n; i++) {
        struct dl_readout r = {0};
        struct dl_found f = {0};
        rc = dl_searcher_read(x->searcher, x->ids[i], &r, &f, err);
        if (rc == DL_OK) {
            dl_export_row(&x->out, x->format, &r, &f);
        }
        dl_readout_release(&r);
        dl_found_release(&f);
    }
    x->rows += n;
    x->ended = n < p.limit;
    return rc;
}

/* The stream's fill (request.h): what is left of the page, then the next page. */
static long fill(void *ctx, char *buf, size_t max)
{
    struct export *x = ctx;
    if (x->sent == x->out.len) {
        struct dl_error err = DL_ERROR_INIT;
        dl_buf_reset(&x->out);
        x->sent = 0;
        if (next_page(x, &err) != DL_OK) {
            dl_log(DL_LOG_ERROR, "/api/export cut short after %zu rows: %s", x->rows, err.msg);
            return -1;
        }
        if (x->out.len == 0) {
            return 0;
        }
    }
    size_t n = x->out.len - x->sent < max ? x->out.len - x->sent : max;
    memcpy(buf, x->out.buf + x->sent, n);
    x->sent += n;
    return (long)n;
}

/* An optional 0/1 parameter into *out: 0, or -1 after a 400 in rep. */
static int flag_param(const struct dl_params *p, const char *key, int *out, struct dl_reply *rep)
{
    const char *v = dl_params_get(p, key, NULL);
    if (!v || !*v) {
        return 0;
    }
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid %s '%.40s': expected 0 or 1", key, v);
        return -1;
    }
    *out = v[0] == '1';
    return 0;
}

/* format=, bom=, limit= into x (bom into *bom): 0, or -1 after a 400 in rep. */
static int export_params(struct export *x, const struct dl_request *rq, int *bom,
                         struct dl_reply *rep)
{
    const char *v = dl_params_get(&rq->params, "format", NULL);
    if (v && *v && dl_export_format_parse(v, &x->format) != 0) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid format '%.40s': expected csv or ndjson", v);
        return -1;
    }
    unsigned long max = rq->cfg->export_limit ? rq->cfg->export_limit : DL_EXPORT_LIMIT_DEFAULT;
    x->limit = max;
    if ((v = dl_params_get(&rq->params, "limit", NULL)) && *v) {
        char *end;
        unsigned long n =
            strspn(v, "0123456789") == strlen(v) && strlen(v) <= 9 ? strtoul(v, &end, 10) : 0;
        if (n < 1 || n > max) {
            dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                           "invalid limit '%.40s': expected 1..%lu", v, max);
            return -1;
        }
        x->limit = n;
    }
    return flag_param(&rq->params, "bom", bom, rep);
}

int dl_api_export(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    struct export *x = dl_xcalloc(1, sizeof *x);
    int bom = 0, rc = DL_OK;
    x->format = DL_EXPORT_CSV;
    x->max_wildcard = rq->cfg->max_wildcard;
    dl_search_init(&x->search);
    dl_buf_init(&x->out, 0);
    if (export_params(x, rq, &bom, rep) != 0 || dl_search_parse(&x->search, &rq->params, 1, rep)) {
        goto out_free;
    }
    if ((rc = dl_searcher_open(&x->searcher, rq->cfg->db_path, err)) != DL_OK) {
        goto out_free;
    }
    dl_export_begin(&x->out, x->format, bom);
    if ((rc = next_page(x, err)) != DL_OK) { /* a bad query is a 400 before anything is sent */
        rc = dl_search_fail(rc, err, rep);
        goto out_free;
    }
    x->params = rq->params; /* the search borrows q and the filters from them */
    memset(&rq->params, 0, sizeof rq->params);
    rep->type = dl_export_content_type(x->format);
    rep->disposition = x->format == DL_EXPORT_CSV
                           ? "attachment; filename=\"dateline-export.csv\""
                           : "attachment; filename=\"dateline-export.ndjson\"";
    rep->stream = (struct dl_stream){fill, export_free, x};
    return DL_OK;
out_free:
    export_free(x);
    return rc;
}
