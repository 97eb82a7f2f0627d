/*
 * feed.c - GET /feed.atom: a search as an Atom feed (feed.h).
 *
 * The XML is written straight into the reply's dl_buf; every piece of
 * text goes through dl_buf_add_xml, which also drops what XML 1.0 does
 * not allow, so that no readout can make the feed ill-formed.
 */
#include "dateline/feed.h"

#include <stdio.h>
#include <string.h>

#include "dateline/alias.h"
#include "dateline/db.h"
#include "dateline/kind.h"
#include "dateline/pagelink.h"
#include "dateline/readout.h"
#include "dateline/schema.h"
#include "dateline/search.h"
#include "dateline/searcher.h"
#include "dateline/worker.h"

#define EPOCH "1970-01-01T00:00:00Z" /* the time of what has none */

static void xml(struct dl_buf *b, const char *s)
{
    dl_buf_add_xml(b, s, strlen(s));
}

static void param(struct dl_buf *b, const char *key, const char *v, size_t n)
{
    dl_buf_addf(b, "%s%s=", b->len ? "&" : "", key);
    dl_buf_add_url(b, v, n);
}

/* The query string of the search, every parameter in one order: the feed's identity. */
static void canonical(struct dl_buf *b, const struct dl_search *s, const struct dl_params *p)
{
    param(b, "q", s->q, s->qlen);
    const char *dates[] = {"from", s->from, "to", s->to};
    for (int k = 0; k < 4; k += 2) {
        if (dates[k + 1][0]) {
            param(b, dates[k], dates[k + 1], strlen(dates[k + 1]));
        }
    }
    if (s->source) {
        param(b, "source", s->source, strlen(s->source));
    }
    for (size_t i = 0; i < s->nkinds; i++) {
        const char *k = dl_kind_name(s->kinds[i]);
        param(b, "kind", k, strlen(k));
    }
    for (int t = 1; t < DL_ENTITY_COUNT; t++) {
        for (size_t i = 0; i < s->nentities; i++) {
            if (s->entities[i].type == (enum dl_entity)t) {
                param(b, dl_entity_name((enum dl_entity)t), s->entities[i].name,
                      s->entities[i].len);
            }
        }
    }
    size_t len;
    const char *v = dl_params_get(p, "indexed_after", &len);
    if (v && len) {
        param(b, "indexed_after", v, len);
    }
    if (s->offset) {
        dl_buf_addf(b, "&offset=%zu", s->offset);
    }
    dl_buf_addf(b, "&limit=%zu", s->limit);
}

/* "http://HOST" (the Host header checked by http.c; "localhost" without one), "https://" when
 * a trusted proxy says the client used https. */
static void origin(struct dl_buf *b, const struct dl_request *rq)
{
    dl_buf_adds(b, rq->https ? "https://" : "http://");
    xml(b, rq->host && *rq->host ? rq->host : "localhost");
}

/* The host name alone (no port), for the tag: URI's authority. */
static void host_name(struct dl_buf *b, const struct dl_request *rq)
{
    const char *h = rq->host && *rq->host ? rq->host : "localhost";
    const char *colon = strrchr(h, ':');
    size_t n = colon && !strchr(colon, ']') ? (size_t)(colon - h) : strlen(h);
    dl_buf_add_xml(b, h, n);
}

static void entry(struct dl_buf *b, const struct dl_request *rq, const struct dl_search *s,
                  const struct dl_hit *h, struct dl_buf *tmp)
{
    const struct dl_readout *d = &h->doc;
    const char *id = d->id ? d->id : "";
    dl_buf_adds(b, "<entry>\n<id>tag:dateline,2026:readout/");
    dl_buf_reset(tmp);
    dl_buf_add_url(tmp, id, strlen(id));
    xml(b, tmp->buf);
    dl_buf_adds(b, "</id>\n<title>");
    xml(b, d->title && *d->title ? d->title : id);
    dl_buf_adds(b, "</title>\n<updated>");
    xml(b, h->found.indexed ? h->found.indexed : EPOCH);
    dl_buf_adds(b, "</updated>\n");
    if (d->date && dl_date_valid(d->date, strlen(d->date))) {
        dl_buf_addf(b, "<published>%.10sT00:00:00Z</published>\n", d->date);
    }
    dl_buf_adds(b, "<author><name>");
    xml(b, d->source && *d->source ? d->source : "dateline");
    dl_buf_adds(b, "</name></author>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    origin(b, rq);
    dl_buf_reset(tmp);
    dl_buf_adds(tmp, "/doc/");
    dl_link_id_path(tmp, id);
    xml(b, tmp->buf);
    dl_buf_adds(b, "\"/>\n<summary type=\"html\">");
    const char *body = d->body ? d->body : "";
    dl_buf_reset(tmp);
    dl_hl_snippet(s->hl, body, strlen(body), DL_SERVE_SNIPPET, tmp);
    dl_buf_add_xml(b, tmp->buf, tmp->len);
    dl_buf_adds(b, "</summary>\n</entry>\n");
}

static void feed(struct dl_buf *b, const struct dl_request *rq, const struct dl_search *s,
                 const struct dl_buf *canon, struct dl_buf *tmp)
{
    const struct dl_results *res = &s->res;
    dl_buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                   "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>tag:");
    host_name(b, rq);
    dl_buf_adds(b, ",2026:feed?");
    xml(b, canon->buf);
    dl_buf_adds(b, "</id>\n<title>dateline: ");
    if (dl_search_has_query(s)) {
        dl_buf_add_xml(b, s->q, s->qlen);
    } else {
        dl_buf_adds(b, "newest readouts");
    }
    dl_buf_adds(b, "</title>\n<updated>");
    const char *newest = res->nhits ? res->hits[0].found.indexed : NULL;
    xml(b, newest ? newest : EPOCH);
    dl_buf_adds(b, "</updated>\n<generator version=\"" DL_VERSION "\">dateline</generator>\n"
                   "<link rel=\"self\" type=\"application/atom+xml\" href=\"");
    origin(b, rq);
    dl_buf_adds(b, "/feed.atom?");
    xml(b, canon->buf);
    dl_buf_adds(b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    origin(b, rq);
    dl_buf_adds(b, "/search?");
    xml(b, canon->buf);
    dl_buf_adds(b, "\"/>\n");
    for (size_t i = 0; i < res->nhits; i++) {
        entry(b, rq, s, &res->hits[i], tmp);
    }
    dl_buf_adds(b, "</feed>\n");
}

int dl_feed_atom(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    struct dl_search s;
    struct dl_buf canon = DL_BUF_INIT, tmp = DL_BUF_INIT;
    dl_search_init(&s);
    int rc = DL_OK;
    if (dl_search_parse(&s, &rq->params, 0, rep) != 0) {
        goto out;
    }
    if (!dl_params_get(&rq->params, "limit", NULL)) {
        s.limit = DL_FEED_SIZE;
    }
    s.sort = DL_SORT_INDEXED;
    s.facets = 0;
    s.explain = 0;
    canonical(&canon, &s, &rq->params);
    unsigned long rev = dl_db_revision(dl_searcher_db(rq->w->searcher));
    if (rev) { /* a sharded index has no revision to tell a change by */
        uint64_t h = dl_hash64(canon.buf, canon.len);
        h = dl_hash64_add(h, rq->host ? rq->host : "", rq->host ? strlen(rq->host) : 0);
        h = dl_hash64_add(h, rq->https ? "s" : "", (size_t)rq->https); /* the links' scheme */
        snprintf(rep->etag, sizeof rep->etag, "\"feed-%lx-%016llx\"", rev, (unsigned long long)h);
    }
    rep->cache = "no-cache";
    if (rev && rq->if_none_match && strstr(rq->if_none_match, rep->etag)) {
        rep->status = DL_HTTP_NOT_MODIFIED;
        goto out;
    }
    rc = dl_search_run(&s, rq, err);
    if (rc != DL_OK) {
        rep->etag[0] = '\0';
        rc = dl_search_fail(rc, err, rep);
        goto out;
    }
    rep->type = "application/atom+xml; charset=utf-8";
    feed(&rep->body, rq, &s, &canon, &tmp);
out:
    dl_buf_release(&canon);
    dl_buf_release(&tmp);
    dl_search_release(&s);
    return rc;
}
