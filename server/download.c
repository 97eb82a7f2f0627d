/*
 * download.c - GET /api/export (see download.h): a search's matches
 * streamed as CSV or NDJSON rows, one page of the list at a time.
 */
#include "dateline/download.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/config.h"
#include "dateline/export.h"
#include "dateline/search.h"
#include "dateline/searcher.h"

/*
 * How the list is read a page at a time without memory growing with it. Xapian finds page
 * [first, first + n) of an order with a heap of first + n entries (about 90 bytes each), so
 * pages at growing offsets would make the peak grow with the rows. In a date order the pages
 * follow a cursor instead: the next page is the matches dated up to (newest first; from, when
 * oldest first) the last date read, past the `ties` of that date already read, so an offset
 * never exceeds the readouts of one day. The undated readouts, which both date orders put
 * last, come after in their own pages (offsets then grow with the undated ones only). The
 * relevance order of a query has no such cursor: its pages are read at growing offsets (80,000
 * rows peaked 7 MiB above 100 rows, bench/export_rss.py; freed after each page).
 */
enum phase {
    PHASE_RANKED, /* relevance: offset = rows read */
    PHASE_DATED,  /* date orders: the cursor */
    PHASE_UNDATED /* date orders, after the dated: offset = undated rows read */
};

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
    size_t skip;           /* matches still to pass over (offset=) in date orders */
    enum phase phase;
    char cursor[11];   /* PHASE_DATED: the date of the last match read, "" before the first */
    size_t ties;       /* matches read with that date (PHASE_UNDATED: undated matches read) */
    int ended;         /* the list has no more matches */
    struct dl_buf out; /* rows formatted and not yet sent */
    size_t sent;       /* bytes of `out` sent */
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

/* The next page's search: the export's, at the cursor (see the top). */
static struct dl_search_params page_params(const struct export *x, size_t want)
{
    const struct dl_search *s = &x->search;
    struct dl_search_params p = {
        .offset = x->phase == PHASE_RANKED ? s->offset + x->rows : x->ties,
        .limit = want,
        .sort = s->sort,
        .from = s->from[0] ? s->from : NULL,
        .to = s->to[0] ? s->to : NULL,
        .source = s->source,
        .max_wildcard = x->max_wildcard,
        .entities = s->entities,
        .nentities = s->nentities,
        .kinds = s->kinds,
        .nkinds = s->nkinds,
        .undated = x->phase == PHASE_UNDATED,
    };
    if (x->phase == PHASE_DATED && s->sort == DL_SORT_DATE_DESC) { /* a bound: only dated */
        p.to = x->cursor[0] ? x->cursor : p.to ? p.to : "9999-12-31";
    } else if (x->phase == PHASE_DATED) {
        p.from = x->cursor[0] ? x->cursor : p.from ? p.from : "0000-01-01";
    }
    return p;
}

/* Match `r` was read: move the cursor past it. */
static void advance(struct export *x, const struct dl_readout *r)
{
    if (x->phase == PHASE_DATED && r->date && strcmp(r->date, x->cursor) != 0) {
        snprintf(x->cursor, sizeof x->cursor, "%.10s", r->date);
        x->ties = 0;
    }
    x->ties++;
}

/* The page ended the list (n < want): the undated ones next, or the end. */
static void page_short(struct export *x)
{
    const struct dl_search *s = &x->search;
    if (x->phase == PHASE_DATED && !s->from[0] && !s->to[0]) { /* a range keeps no undated */
        x->phase = PHASE_UNDATED;
        x->ties = 0;
    } else {
        x->ended = 1;
    }
}

/* The next page of the list formatted into x->out (appended); nothing once it ended. */
static int next_page(struct export *x, struct dl_error *err)
{
    if (x->ended || x->rows >= x->limit) {
        x->ended = 1;
        return DL_OK;
    }
    size_t left = x->limit - x->rows + x->skip;
    size_t want = left < DL_EXPORT_PAGE ? left : DL_EXPORT_PAGE, n = 0;
    struct dl_search_params p = page_params(x, want);
    int rc = dl_searcher_page(x->searcher, &x->search.query, &p, x->ids, &n, err);
    for (size_t i = 0; rc == DL_OK && i < n; i++) {
        struct dl_readout r = {0};
        struct dl_found f = {0};
        rc = dl_searcher_read(x->searcher, x->ids[i], &r, &f, err);
        if (rc == DL_OK) {
            advance(x, &r);
            if (x->skip) {
                x->skip--;
            } else {
                dl_export_row(&x->out, x->format, &r, &f);
                x->rows++;
            }
        }
        dl_readout_release(&r);
        dl_found_release(&f);
    }
    if (rc == DL_OK && n < want) {
        page_short(x);
    }
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
        /* A page may give no row and not end the list: all passed over (offset=), or the
         * last dated page, which the undated follow. */
        while (x->out.len == 0 && !x->ended) {
            if (next_page(x, &err) != DL_OK) {
                dl_log(DL_LOG_ERROR, "/api/export cut short after %zu rows: %s", x->rows, err.msg);
                return -1;
            }
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
    if (!dl_search_has_query(&x->search) && x->search.sort == DL_SORT_RELEVANCE) {
        /* Nothing to weigh: the relevance order is newest first (searcher.h), the cursor's. */
        x->search.sort = DL_SORT_DATE_DESC;
    }
    if (x->search.sort != DL_SORT_RELEVANCE) {
        x->phase = PHASE_DATED;
        x->skip = x->search.offset; /* passed over through the cursor */
    }
    if ((rc = dl_searcher_open_shards(&x->searcher, rq->cfg->db_path, rq->cfg->shards, err)) != DL_OK) {
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
