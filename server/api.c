/*
 * api.c - the JSON routes: /api/search, /api/doc/ID, /healthz, error bodies.
 *
 * JSON is written straight into the reply's dl_buf (no DOM): a search
 * answer is built once and handed to libmicrohttpd without a copy. Every
 * string written is valid UTF-8 (stored readouts are; client input was
 * checked by request.c and http.c), which dl_buf_add_json requires.
 */
#include "dateline/api.h"
#include "dateline/config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/db.h"
#include "dateline/schema.h"
#include "dateline/search.h"
#include "dateline/searcher.h"
#include "dateline/shardset.h"
#include "dateline/worker.h"

/* A JSON string, or null for NULL. */
static void json_str(struct dl_buf *b, const char *s)
{
    if (!s) {
        dl_buf_add(b, "null", 4);
        return;
    }
    dl_buf_addc(b, '"');
    dl_buf_add_json(b, s, strlen(s));
    dl_buf_addc(b, '"');
}

static void json_uint(struct dl_buf *b, unsigned long long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    dl_buf_add(b, tmp + i, sizeof tmp - i);
}

static void json_key(struct dl_buf *b, const char *key)
{
    dl_buf_addc(b, '"');
    dl_buf_adds(b, key);
    dl_buf_add(b, "\":", 2);
}

static void json_bool(struct dl_buf *b, int v)
{
    dl_buf_adds(b, v ? "true" : "false");
}

static void json_double(struct dl_buf *b, double v, const char *fmt)
{
    if (!isfinite(v)) {
        v = 0;
    }
    dl_buf_addf(b, fmt, v);
}

/* "matches":[{"start","end","start16","end16"},...] from a scan of the text */
static void json_matches(struct dl_buf *b, const struct dl_hl_spans *sc)
{
    json_key(b, "matches");
    dl_buf_addc(b, '[');
    const struct dl_span *spans = sc->v;
    for (size_t i = 0; i < sc->n; i++) {
        dl_buf_add(b, i ? ",{\"start\":" : "{\"start\":", i ? 10 : 9);
        json_uint(b, spans[i].start);
        dl_buf_add(b, ",\"end\":", 7);
        json_uint(b, spans[i].end);
        dl_buf_add(b, ",\"start16\":", 11);
        json_uint(b, spans[i].start16);
        dl_buf_add(b, ",\"end16\":", 9);
        json_uint(b, spans[i].end16);
        dl_buf_addc(b, '}');
    }
    dl_buf_addc(b, ']');
}

static void json_facets(struct dl_buf *b, const char *name, const struct dl_facet *f, size_t n)
{
    json_key(b, name);
    dl_buf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        dl_buf_add(b, i ? ",{\"value\":" : "{\"value\":", i ? 10 : 9);
        json_str(b, f[i].value);
        dl_buf_add(b, ",\"count\":", 9);
        json_uint(b, f[i].count);
        dl_buf_addc(b, '}');
    }
    dl_buf_addc(b, ']');
}

/* "people", "countries", "orgs": the entities named in a readout, as lists of names. */
static void json_found(struct dl_buf *b, const struct dl_found *f)
{
    dl_buf_adds(b, ",\"kind\":");
    json_str(b, f->kind);
    static const char *const keys[DL_ENTITY_COUNT] = {NULL, ",\"people\":[", ",\"countries\":[",
                                                      ",\"orgs\":["};
    for (int t = 1; t < DL_ENTITY_COUNT; t++) {
        dl_buf_adds(b, keys[t]);
        for (const char *p = f->names[t]; p && *p;) {
            const char *e = strstr(p, DL_LIST_SEP);
            size_t len = e ? (size_t)(e - p) : strlen(p);
            dl_buf_adds(b, p == f->names[t] ? "\"" : ",\"");
            dl_buf_add_json(b, p, len);
            dl_buf_addc(b, '"');
            p = e ? e + strlen(DL_LIST_SEP) : p + len;
        }
        dl_buf_addc(b, ']');
    }
}

#define DL_RELATED_MAX 5 /* /api/doc's related readouts */

/* Readouts as [{"id","title","source","date","lang"},...] (cluster.h's accounts). */
static void json_accounts(struct dl_buf *b, const struct dl_accounts *a)
{
    dl_buf_addc(b, '[');
    for (size_t i = 0; i < a->n; i++) {
        const struct dl_readout *r = &a->v[i];
        dl_buf_adds(b, i ? ",{\"id\":" : "{\"id\":");
        json_str(b, r->id);
        dl_buf_adds(b, ",\"title\":");
        json_str(b, r->title);
        dl_buf_adds(b, ",\"source\":");
        json_str(b, r->source);
        dl_buf_adds(b, ",\"date\":");
        json_str(b, r->date);
        dl_buf_adds(b, ",\"lang\":");
        json_str(b, r->lang);
        dl_buf_addc(b, '}');
    }
    dl_buf_addc(b, ']');
}

/* "same_event":{"count","hits":[...]}: the other accounts of the readout's event. */
static void json_same_event(struct dl_buf *b, const struct dl_accounts *a)
{
    dl_buf_adds(b, ",\"same_event\":{\"count\":");
    json_uint(b, a->count);
    dl_buf_adds(b, ",\"hits\":");
    json_accounts(b, a);
    dl_buf_addc(b, '}');
}

/* "explain": each part of the query, its share of the score and its forms in the readout. */
static void json_explain(struct dl_buf *b, const struct dl_explanation *x)
{
    dl_buf_add(b, ",\"explain\":[", 12);
    for (size_t i = 0; i < x->nparts; i++) {
        const struct dl_explain_part *p = &x->parts[i];
        dl_buf_add(b, i ? ",{\"query\":" : "{\"query\":", i ? 10 : 9);
        json_str(b, p->query);
        dl_buf_add(b, ",\"weight\":", 10);
        json_double(b, p->weight, "%.6g");
        dl_buf_add(b, ",\"forms\":[", 10);
        for (size_t k = 0; k < p->nforms; k++) {
            if (k) {
                dl_buf_addc(b, ',');
            }
            json_str(b, p->forms[k]);
        }
        dl_buf_add(b, "]}", 2);
    }
    dl_buf_addc(b, ']');
}

/* One hit of s; `sc` and `scratch` are reused from hit to hit. */
static void json_hit(struct dl_buf *b, const struct dl_hit *h, const struct dl_search *s,
                     struct dl_hl_spans *sc, struct dl_buf *scratch)
{
    const struct dl_hl *hl = s->hl;
    const struct dl_readout *d = &h->doc;
    const char *body = d->body ? d->body : "";
    size_t blen = strlen(body);
    dl_buf_add(b, "{\"id\":", 6);
    json_str(b, d->id);
    dl_buf_add(b, ",\"rank\":", 8);
    json_uint(b, h->rank);
    dl_buf_add(b, ",\"score\":", 9);
    json_double(b, h->score, "%.6g");
    dl_buf_add(b, ",\"title\":", 9);
    json_str(b, d->title);
    dl_buf_add(b, ",\"date\":", 8);
    json_str(b, d->date);
    dl_buf_add(b, ",\"dateline\":", 12);
    json_str(b, d->dateline);
    dl_buf_add(b, ",\"source\":", 10);
    json_str(b, d->source);
    dl_buf_add(b, ",\"url\":", 7);
    json_str(b, d->url);
    json_found(b, &h->found);
    dl_buf_add(b, ",\"snippet\":\"", 12);
    /* One tokenizer pass serves both the snippet and the match list. */
    dl_hl_scan(hl, body, blen, sc);
    dl_buf_reset(scratch);
    dl_hl_snippet_spans(hl, sc, body, blen, DL_SERVE_SNIPPET, scratch);
    dl_buf_add_json(b, scratch->buf, scratch->len);
    dl_buf_addc(b, '"');
    if (s->matches) {
        dl_buf_addc(b, ',');
        json_matches(b, sc);
    }
    if (s->explain) {
        json_explain(b, &h->explain);
    }
    if (s->collapse) {
        json_same_event(b, &h->same_event);
    }
    dl_buf_addc(b, '}');
}

int dl_api_search(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    struct dl_search s;
    dl_search_init(&s);
    s.collapse = 1; /* one hit per event unless collapse=0 */
    int rc = DL_OK;
    if (dl_search_parse(&s, &rq->params, 0, rep) != 0) {
        goto out;
    }
    rc = dl_search_run(&s, rq, err);
    if (rc != DL_OK) {
        rc = dl_search_fail(rc, err, rep);
        goto out;
    }
    struct dl_buf *b = &rep->body;
    dl_buf_grow(b, 1024 + s.res.nhits * 2048);
    dl_buf_add(b, "{\"query\":\"", 10);
    dl_buf_add_json(b, s.q, s.qlen);
    dl_buf_add(b, "\",\"total\":", 10);
    json_uint(b, s.res.total);
    dl_buf_add(b, ",\"total_exact\":", 15);
    json_bool(b, s.res.total_exact);
    dl_buf_adds(b, s.collapse ? ",\"total_counts\":\"events\"" : ",\"total_counts\":\"readouts\"");
    dl_buf_add(b, ",\"offset\":", 10);
    json_uint(b, s.offset);
    dl_buf_add(b, ",\"limit\":", 9);
    json_uint(b, s.limit);
    dl_buf_add(b, ",\"timed_out\":", 13);
    json_bool(b, s.res.timed_out);
    dl_buf_add(b, ",\"relaxed\":", 11);
    json_bool(b, s.res.relaxed);
    /* Shards left out (down, or slower than --shard-timeout): the results are partial. */
    dl_buf_add(b, ",\"shards_failed\":", 17);
    json_uint(b, s.res.shards - s.res.shards_answering);
    if (s.res.shards > 1) {
        dl_buf_add(b, ",\"shards\":", 10);
        json_uint(b, s.res.shards);
    }
    dl_buf_add(b, ",\"suggestion\":", 14);
    json_str(b, s.res.suggestion);
    dl_buf_add(b, ",\"written_as\":", 14);
    json_str(b, s.res.written_as);
    dl_buf_add(b, ",\"hits\":[", 9);
    struct dl_hl_spans sc = DL_HL_SPANS_INIT;
    for (size_t i = 0; i < s.res.nhits; i++) {
        if (i) {
            dl_buf_addc(b, ',');
        }
        json_hit(b, &s.res.hits[i], &s, &sc, &rq->w->scratch);
    }
    dl_hl_spans_release(&sc);
    dl_buf_add(b, "],\"facets\":", 11);
    if (s.facets) {
        for (int k = 0; k < DL_FACET_COUNT; k++) {
            dl_buf_addc(b, k ? ',' : '{');
            json_facets(b, dl_facet_name(k), s.res.facets[k].v, s.res.facets[k].n);
        }
        dl_buf_addc(b, '}');
    } else {
        dl_buf_add(b, "null", 4);
    }
    /* Last, so that it covers snippets and matches too. */
    dl_buf_add(b, ",\"took_ms\":", 11);
    json_double(b, (dl_now() - rq->t0) * 1000.0, "%.2f");
    dl_buf_add(b, "}\n", 2);
out:
    dl_search_release(&s);
    return rc;
}

int dl_api_doc(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    const char *id = rq->arg;
    struct dl_search s;
    struct dl_readout r = {0};
    struct dl_found found = {0};
    dl_search_init(&s);
    int rc = dl_search_load_doc(&s, rq, id, &r, &found, rep, err);
    if (rc <= 0) {
        goto out;
    }
    rc = DL_OK;
    int marked = dl_search_has_query(&s);
    const char *body = r.body ? r.body : "";
    size_t blen = strlen(body);
    struct dl_buf *b = &rep->body;
    dl_buf_grow(b, 256 + blen * (marked ? 3 : 1));
    dl_buf_add(b, "{\"id\":", 6);
    json_str(b, r.id ? r.id : id);
    dl_buf_add(b, ",\"title\":", 9);
    json_str(b, r.title);
    dl_buf_add(b, ",\"date\":", 8);
    json_str(b, r.date);
    dl_buf_add(b, ",\"dateline\":", 12);
    json_str(b, r.dateline);
    dl_buf_add(b, ",\"source\":", 10);
    json_str(b, r.source);
    dl_buf_add(b, ",\"url\":", 7);
    json_str(b, r.url);
    dl_buf_add(b, ",\"lang\":", 8);
    json_str(b, r.lang);
    json_found(b, &found);
    struct dl_accounts same = {0};
    if (found.event &&
        (rc = dl_cluster_accounts(dl_searcher_db(rq->w->searcher), found.event, strlen(found.event),
                                  r.id, DL_SAME_EVENT_MAX, &same, err)) != DL_OK) {
        dl_buf_reset(b);
        goto out;
    }
    json_same_event(b, &same);
    unsigned docid;
    if (found.event && (rc = dl_store_find(dl_searcher_db(rq->w->searcher), r.id ? r.id : id,
                                           &docid, err)) == DL_OK) {
        rc = dl_cluster_related(dl_searcher_db(rq->w->searcher), docid, found.event,
                                strlen(found.event), DL_RELATED_MAX, &same, err);
    }
    if (rc != DL_OK) {
        dl_accounts_release(&same);
        dl_buf_reset(b);
        goto out;
    }
    dl_buf_adds(b, ",\"related\":");
    json_accounts(b, &same);
    dl_accounts_release(&same);
    dl_buf_add(b, ",\"body\":\"", 9);
    dl_buf_add_json(b, body, blen);
    dl_buf_addc(b, '"');
    if (marked) {
        struct dl_hl_spans sc = DL_HL_SPANS_INIT;
        dl_hl_scan(s.hl, body, blen, &sc);
        struct dl_buf *html = &rq->w->scratch;
        dl_buf_reset(html);
        dl_hl_markup_spans(&sc, body, blen, html);
        dl_buf_add(b, ",\"body_html\":\"", 14);
        dl_buf_add_json(b, html->buf, html->len);
        dl_buf_add(b, "\",", 2);
        json_matches(b, &sc);
        dl_hl_spans_release(&sc);
    }
    dl_buf_add(b, "}\n", 2);
out:
    dl_readout_release(&r);
    dl_found_release(&found);
    dl_search_release(&s);
    return rc;
}

#define MAX_ENTITIES 50

/* type= of /api/entities: *t, or -1 after a 400 in rep. */
static int entity_type(const struct dl_params *p, enum dl_entity *t, struct dl_reply *rep)
{
    size_t len;
    const char *v = dl_params_get(p, "type", &len);
    *t = DL_ENTITY_NONE;
    for (int k = 1; v && len && k < DL_ENTITY_COUNT; k++) {
        *t = strcmp(v, dl_entity_name((enum dl_entity)k)) == 0 ? (enum dl_entity)k : *t;
    }
    if (v && len && *t == DL_ENTITY_NONE) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid type '%.40s': expected person, country or org", v);
        return -1;
    }
    return 0;
}

int dl_api_entities(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    size_t plen = 0, llen = 0, limit = 10, n = 0;
    const char *prefix = dl_params_get(&rq->params, "prefix", &plen);
    const char *lim = dl_params_get(&rq->params, "limit", &llen);
    enum dl_entity t;
    if (entity_type(&rq->params, &t, rep) != 0) {
        return DL_OK;
    }
    if (lim && llen &&
        (strspn(lim, "0123456789") != llen || llen > 2 || atoi(lim) < 1 ||
         atoi(lim) > MAX_ENTITIES)) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       "invalid limit '%.40s': expected 1..%d", lim, MAX_ENTITIES);
        return DL_OK;
    }
    limit = lim && llen ? (size_t)atoi(lim) : limit;
    if (prefix && (plen > 200 || memchr(prefix, '\0', plen))) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       plen > 200 ? "prefix too long: %zu bytes, at most 200"
                                  : "invalid prefix: a NUL byte (%%00)",
                       plen);
        return DL_OK;
    }
    struct dl_entity_hit hits[MAX_ENTITIES];
    int rc =
        dl_searcher_entities(rq->w->searcher, t, prefix ? prefix : "", plen, hits, limit, &n, err);
    if (rc != DL_OK) {
        return rc;
    }
    struct dl_buf *b = &rep->body;
    dl_buf_adds(b, "{\"prefix\":");
    json_str(b, prefix ? prefix : "");
    dl_buf_adds(b, ",\"entities\":[");
    for (size_t i = 0; i < n; i++) {
        dl_buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
        json_str(b, hits[i].name);
        dl_buf_adds(b, ",\"type\":");
        json_str(b, dl_entity_name(hits[i].type));
        dl_buf_adds(b, ",\"count\":");
        json_uint(b, hits[i].count);
        dl_buf_addc(b, '}');
    }
    dl_buf_adds(b, "]}\n");
    return DL_OK;
}

int dl_api_health(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    struct dl_buf *b = &rep->body;
    struct dl_db *db = dl_searcher_db(rq->w->searcher);
    unsigned long docs = 0;
    int rc = dl_db_doccount(db, &docs, err);
    if (rc != DL_OK) {
        return rc;
    }
    struct dl_shardset *set = rq->cfg->shards;
    size_t n = set ? dl_shardset_count(set) : 0, down = 0;
    for (size_t i = 0; i < n; i++) {
        down += dl_shardset_is_down(set, i) != 0;
    }
    /* degraded: some shards are left out of searches (the documents counted are the others') */
    dl_buf_adds(b, down ? "{\"status\":\"degraded\",\"documents\":"
                        : "{\"status\":\"ok\",\"documents\":");
    json_uint(b, docs);
    dl_buf_adds(b, ",\"revision\":");
    json_uint(b, dl_db_revision(db));
    if (set) {
        dl_buf_adds(b, ",\"shards_failed\":");
        json_uint(b, down);
        dl_buf_adds(b, ",\"shards\":[");
        for (size_t i = 0; i < n; i++) {
            dl_buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
            json_str(b, dl_shardset_name(set, i));
            dl_buf_adds(b, dl_shardset_is_down(set, i) ? ",\"up\":false}" : ",\"up\":true}");
        }
        dl_buf_addc(b, ']');
    }
    dl_buf_add(b, "}\n", 2);
    return DL_OK;
}

void dl_api_error_body(struct dl_reply *rep)
{
    struct dl_buf *b = &rep->body;
    dl_buf_reset(b);
    rep->type = "application/json";
    dl_buf_adds(b, "{\"error\":{\"code\":");
    json_str(b, rep->code);
    dl_buf_adds(b, ",\"message\":");
    json_str(b, rep->message);
    dl_buf_add(b, "}}\n", 3);
}
