/*
 * api.c - the JSON routes: /api/search, /api/doc/ID, /healthz, error bodies.
 *
 * JSON is written straight into the reply's dl_buf (no DOM): a search
 * answer is built once and handed to libmicrohttpd without a copy. Every
 * string written is valid UTF-8 (stored readouts are; client input was
 * checked by request.c and http.c), which dl_buf_add_json requires.
 */
#include "dateline/api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/db.h"
#include "dateline/search.h"
#include "dateline/searcher.h"
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
    dl_buf_addc(b, '}');
}

int dl_api_search(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    struct dl_search s;
    dl_search_init(&s);
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
    dl_buf_add(b, ",\"offset\":", 10);
    json_uint(b, s.offset);
    dl_buf_add(b, ",\"limit\":", 9);
    json_uint(b, s.limit);
    dl_buf_add(b, ",\"timed_out\":", 13);
    json_bool(b, s.res.timed_out);
    dl_buf_add(b, ",\"relaxed\":", 11);
    json_bool(b, s.res.relaxed);
    dl_buf_add(b, ",\"suggestion\":", 14);
    json_str(b, s.res.suggestion);
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
        dl_buf_addc(b, '{');
        json_facets(b, "year", s.res.years, s.res.nyears);
        dl_buf_addc(b, ',');
        json_facets(b, "source", s.res.sources, s.res.nsources);
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
    dl_search_init(&s);
    int rc = dl_search_load_doc(&s, rq, id, &r, rep, err);
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
    dl_search_release(&s);
    return rc;
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
    dl_buf_adds(b, "{\"status\":\"ok\",\"documents\":");
    json_uint(b, docs);
    dl_buf_adds(b, ",\"revision\":");
    json_uint(b, dl_db_revision(db));
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
