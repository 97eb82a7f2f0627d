/*
 * search.c - the search parameters shared by /api/search, /search and the
 * doc routes: validation (every refusal says which value and what was
 * expected), the query's parse and limits, the search, the highlighter.
 */
#include "dateline/search.h"

#include <stdlib.h>
#include <string.h>

#include "dateline/config.h"
#include "dateline/metrics.h"
#include "dateline/readout.h"
#include "dateline/schema.h"
#include "dateline/worker.h"

void dl_search_init(struct dl_search *s)
{
    memset(s, 0, sizeof *s);
    s->q = "";
    s->limit = 10;
    s->sort = DL_SORT_RELEVANCE;
    s->facets = 1;
    s->matches = 1;
    dl_qtree_init(&s->query);
}

static void drop_results(struct dl_search *s)
{
    dl_hl_free(s->hl);
    s->hl = NULL;
    dl_results_release(&s->res);
    memset(&s->res, 0, sizeof s->res);
}

void dl_search_release(struct dl_search *s)
{
    drop_results(s);
    dl_qtree_release(&s->query);
}

/* A decimal number lo..hi, digits only (no sign, no spaces, no hex). */
static int parse_count(const char *v, size_t len, size_t lo, size_t hi, size_t *out)
{
    if (len == 0 || len > 9) {
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return -1;
        }
        n = n * 10 + (size_t)(v[i] - '0');
    }
    if (n < lo || n > hi) {
        return -1;
    }
    *out = n;
    return 0;
}

static int parse_date(const struct dl_params *p, const char *key, char out[11],
                      struct dl_reply *rep)
{
    size_t len;
    const char *v = dl_params_get(p, key, &len);
    out[0] = '\0';
    if (!v || len == 0) {
        return 0;
    }
    if (len != 10 || memchr(v, '\0', len) || !dl_date_valid(v, len)) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid %s date '%.40s': expected YYYY-MM-DD", key, v);
        return -1;
    }
    memcpy(out, v, 11);
    return 0;
}

/* indexed_after=RFC 3339 time: readouts first indexed after it, i.e. from a microsecond on. */
static int parse_indexed_after(const struct dl_params *p, char out[DL_TIME_LEN + 1],
                               struct dl_reply *rep)
{
    size_t len;
    const char *v = dl_params_get(p, "indexed_after", &len);
    long long us;
    out[0] = '\0';
    if (!v || len == 0) {
        return 0;
    }
    if (memchr(v, '\0', len) || dl_schema_time_parse(v, len, &us) != 0) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid indexed_after '%.40s': expected an RFC 3339 time "
                       "(2026-11-30T12:00:00Z)",
                       v);
        return -1;
    }
    dl_schema_time_format(us + 1, out);
    return 0;
}

/* An optional 0/1 (false/true) parameter; absent or empty keeps *out. */
static int parse_flag(const struct dl_params *p, const char *key, int *out, struct dl_reply *rep)
{
    size_t len;
    const char *v = dl_params_get(p, key, &len);
    if (!v || !len) {
        return 0;
    }
    if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0) {
        *out = 0;
    } else if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) {
        *out = 1;
    } else {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid %s '%.40s': expected 0 or 1", key, v);
        return -1;
    }
    return 0;
}

int dl_search_parse_q(struct dl_search *s, const struct dl_params *p, struct dl_reply *rep)
{
    size_t len = 0;
    const char *q = dl_params_get(p, "q", &len);
    if (!q) {
        q = "";
        len = 0;
    }
    size_t max_query =
        p->limits && p->limits->max_query ? p->limits->max_query : DL_SERVE_MAX_QUERY;
    size_t max_terms =
        p->limits && p->limits->max_terms ? p->limits->max_terms : DL_SERVE_MAX_TERMS;
    size_t max_wild =
        p->limits && p->limits->max_wildcards ? p->limits->max_wildcards : DL_SERVE_MAX_WILDCARDS;
    if (len > max_query) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "query too long: %zu bytes, at most %zu", len, max_query);
        return -1;
    }
    /* A NUL would cut q short in C strings and is never typed: refuse it rather than guess. */
    if (memchr(q, '\0', len)) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "invalid q: a NUL byte (%%00)");
        return -1;
    }
    s->q = q;
    s->qlen = len;
    struct dl_error err = DL_ERROR_INIT;
    int rc = dl_query_parse(&s->query, q, len, &err);
    if (rc != DL_OK) {
        if (rc == DL_EENCODING) {
            dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "invalid UTF-8 in q");
        } else {
            dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "invalid query: %s",
                           err.msg[0] ? err.msg : dl_status_name(rc));
        }
        return -1;
    }
    if (s->query.nwords > max_terms) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "too many terms: %zu, at most %zu",
                       s->query.nwords, max_terms);
        return -1;
    }
    if (s->query.max_depth > DL_SERVE_MAX_DEPTH) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "query nested too deeply: %zu levels, at most %d", s->query.max_depth,
                       DL_SERVE_MAX_DEPTH);
        return -1;
    }
    if (s->query.nprefixes > max_wild) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "too many wildcards: %zu, at most %zu", s->query.nprefixes, max_wild);
        return -1;
    }
    return 0;
}

/* kind= (repeatable, all must hold): a meeting kind's name, else a 400. */
static int parse_kind(struct dl_search *s, const struct dl_param *x, struct dl_reply *rep)
{
    enum dl_kind k;
    if (s->nkinds == DL_MAX_ENTITY_FILTERS || dl_kind_parse(x->val, x->vlen, &k) != DL_OK) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       s->nkinds == DL_MAX_ENTITY_FILTERS
                           ? "too many kind filters"
                           : "invalid kind '%.40s': expected talks, call, meeting, visit, "
                             "message, statement or other",
                       x->val);
        return -1;
    }
    s->kinds[s->nkinds++] = k;
    return 0;
}

/* person=, country=, org= (each repeatable, all must hold): the names as given; kind=. */
static int parse_entities(struct dl_search *s, const struct dl_params *p, struct dl_reply *rep)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct dl_param *x = &p->v[i];
        if (strcmp(x->key, "kind") == 0 && x->vlen) {
            if (parse_kind(s, x, rep) != 0) {
                return -1;
            }
            continue;
        }
        enum dl_entity t = DL_ENTITY_NONE;
        for (int k = 1; k < DL_ENTITY_COUNT; k++) {
            t = strcmp(x->key, dl_entity_name((enum dl_entity)k)) == 0 ? (enum dl_entity)k : t;
        }
        if (t == DL_ENTITY_NONE || !x->vlen) {
            continue;
        }
        const char *bad = s->nentities == DL_MAX_ENTITY_FILTERS ? "too many entity filters"
                          : x->vlen > 200                       ? "too long"
                          : memchr(x->val, '\0', x->vlen)       ? "a NUL byte (%00)"
                                                                : NULL;
        if (bad) {
            dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "invalid %s '%.40s': %s",
                           x->key, x->val, bad);
            return -1;
        }
        s->entities[s->nentities++] = (struct dl_entity_filter){t, x->val, x->vlen};
    }
    return 0;
}

int dl_search_parse(struct dl_search *s, const struct dl_params *p, int paged, struct dl_reply *rep)
{
    size_t len;
    const char *v;
    if (dl_search_parse_q(s, p, rep) != 0) {
        return -1;
    }
    if ((v = dl_params_get(p, "offset", &len)) && len &&
        parse_count(v, len, 0, DL_SERVE_MAX_OFFSET, &s->offset) != 0) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid offset '%.40s': expected 0..%d", v, DL_SERVE_MAX_OFFSET);
        return -1;
    }
    s->limit = paged ? DL_SERVE_PAGE_SIZE : 10;
    if (!paged && (v = dl_params_get(p, "limit", &len)) && len &&
        parse_count(v, len, 1, DL_SERVE_MAX_LIMIT, &s->limit) != 0) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid limit '%.40s': expected 1..%d", v, DL_SERVE_MAX_LIMIT);
        return -1;
    }
    /* No query lists the newest readouts, unless another order is asked for. */
    s->sort = dl_search_has_query(s) ? DL_SORT_RELEVANCE : DL_SORT_DATE_DESC;
    if ((v = dl_params_get(p, "sort", &len)) && len) {
        s->sort_given = 1;
        if (strcmp(v, "relevance") == 0) {
            s->sort = DL_SORT_RELEVANCE;
        } else if (strcmp(v, "date") == 0) {
            s->sort = DL_SORT_DATE_DESC; /* "date": newest first, as a newsroom reads */
        } else if (strcmp(v, "-date") == 0) {
            s->sort = DL_SORT_DATE_ASC;
        } else {
            dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                           "invalid sort '%.40s': expected relevance, date or -date", v);
            return -1;
        }
    }
    if (parse_date(p, "from", s->from, rep) != 0 || parse_date(p, "to", s->to, rep) != 0) {
        return -1;
    }
    s->indexed_after_len = 0; /* for links to the same search (pagelink.h) */
    s->indexed_after = dl_params_get(p, "indexed_after", &s->indexed_after_len);
    if (parse_indexed_after(p, s->indexed_from, rep) != 0) {
        return -1;
    }
    if (s->from[0] && s->to[0] && strcmp(s->from, s->to) > 0) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid date range: from %s is after to %s", s->from, s->to);
        return -1;
    }
    if ((v = dl_params_get(p, "source", &len)) && len) {
        if (len > 200) {
            dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                           "source too long: %zu bytes, at most 200", len);
            return -1;
        }
        if (memchr(v, '\0', len)) {
            dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                           "invalid source: a NUL byte (%%00)");
            return -1;
        }
        s->source = v;
    }
    if (parse_flag(p, "facets", &s->facets, rep) != 0 ||
        parse_flag(p, "matches", &s->matches, rep) != 0 ||
        parse_flag(p, "explain", &s->explain, rep) != 0 ||
        parse_flag(p, "collapse", &s->collapse, rep) != 0) {
        return -1;
    }
    return parse_entities(s, p, rep);
}

int dl_search_run(struct dl_search *s, struct dl_request *rq, struct dl_error *err)
{
    drop_results(s);
    double t = dl_now();
    struct dl_search_params p = {
        .offset = s->offset,
        .limit = s->limit,
        .sort = s->sort,
        .from = s->from[0] ? s->from : NULL,
        .to = s->to[0] ? s->to : NULL,
        .indexed_from = s->indexed_from[0] ? s->indexed_from : NULL,
        .source = s->source,
        .check_at_least = s->facets ? rq->cfg->check_at_least : 0,
        .time_limit = rq->cfg->query_timeout,
        .max_wildcard = rq->cfg->max_wildcard,
        .want_facets = s->facets,
        .explain = s->explain,
        .entities = s->entities,
        .nentities = s->nentities,
        .kinds = s->kinds,
        .nkinds = s->nkinds,
        .collapse = s->collapse,
    };
    int rc = dl_searcher_search(rq->w->searcher, &s->query, &p, &s->res, err);
    if (rc != DL_OK) {
        drop_results(s);
        return rc;
    }
    if (s->res.timed_out && rq->metrics) {
        dl_metrics_query_timeout(rq->metrics);
    }
    const struct dl_terms *terms = &s->res.terms;
    s->hl = dl_hl_new(terms->v, terms->n, terms->prefixes, terms->nprefixes,
                      dl_searcher_aliases(rq->w->searcher));
    s->took_ms = (dl_now() - t) * 1000.0;
    return DL_OK;
}

int dl_search_fail(int rc, const struct dl_error *err, struct dl_reply *rep)
{
    if (rc == DL_EINVAL || rc == DL_EPARSE || rc == DL_ELIMIT || rc == DL_EENCODING) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "invalid query: %s",
                       err->msg[0] ? err->msg : dl_status_name(rc));
        return DL_OK;
    }
    return rc;
}

int dl_search_load_doc(struct dl_search *s, struct dl_request *rq, const char *id,
                       struct dl_readout *r, struct dl_found *found, struct dl_reply *rep,
                       struct dl_error *err)
{
    if (dl_search_parse_q(s, &rq->params, rep) != 0) {
        return 0;
    }
    int rc = dl_searcher_get(rq->w->searcher, id, r, found, err);
    if (rc == DL_ENOTFOUND) {
        dl_reply_error(rep, DL_HTTP_NOT_FOUND, "not_found", "no readout with id '%.200s'", id);
        return 0;
    }
    if (rc != DL_OK) {
        return rc;
    }
    if (dl_search_has_query(s)) {
        /* What to mark comes from the query alone: no search. */
        drop_results(s);
        dl_searcher_terms(rq->w->searcher, &s->query, &s->res.terms);
        const struct dl_terms *t = &s->res.terms;
        s->hl =
            dl_hl_new(t->v, t->n, t->prefixes, t->nprefixes, dl_searcher_aliases(rq->w->searcher));
    }
    return 1;
}

int dl_search_has_query(const struct dl_search *s)
{
    return dl_qtree_root(&s->query) != NULL;
}
