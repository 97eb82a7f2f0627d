/* fuzz_params.c - the API's query-string handling on arbitrary bytes: dl_params_parse, then
 * dl_search_parse (which runs dl_query_parse on q), then the error bodies a refusal becomes.
 * Never crashes; what is accepted is within the limits and valid UTF-8; what is refused is a 400
 * whose JSON and HTML bodies are valid UTF-8 and whose page gains no markup from the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/api.h"
#include "dateline/config.h"
#include "dateline/fold.h"
#include "dateline/html.h"
#include "dateline/readout.h"
#include "dateline/request.h"
#include "dateline/search.h"

static size_t count(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += s[i] == c;
    }
    return k;
}

/* The parsed query: its canonical text is valid UTF-8 and the tree's spans lie in q. */
static void check_query(const struct dl_qtree *t, size_t qlen)
{
    struct dl_buf text = DL_BUF_INIT;
    dl_qtree_format(t, &text);
    if (!dl_utf8_valid(text.buf, text.len) || strlen(text.buf) != text.len ||
        t->ninput != qlen) {
        abort();
    }
    for (size_t i = 0; i < t->nnodes; i++) {
        if (t->nodes[i].end > qlen || t->nodes[i].start > t->nodes[i].end) {
            abort();
        }
    }
    dl_buf_release(&text);
}

static void check_accepted(const struct dl_search *s, const struct dl_limits *lim, int paged)
{
    size_t max_query = lim ? lim->max_query : DL_SERVE_MAX_QUERY;
    size_t max_terms = lim ? lim->max_terms : DL_SERVE_MAX_TERMS;
    size_t max_wild = lim ? lim->max_wildcards : DL_SERVE_MAX_WILDCARDS;
    if (s->qlen > max_query || memchr(s->q, '\0', s->qlen) || !dl_utf8_valid(s->q, s->qlen) ||
        s->query.nwords > max_terms || s->query.nprefixes > max_wild ||
        s->query.max_depth > DL_SERVE_MAX_DEPTH) {
        abort();
    }
    if (s->offset > DL_SERVE_MAX_OFFSET || s->limit < 1 || s->limit > DL_SERVE_MAX_LIMIT ||
        (paged && s->limit != DL_SERVE_PAGE_SIZE)) {
        abort();
    }
    const char *dates[2] = {s->from, s->to};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(dates[i]);
        if (n && (n != 10 || !dl_date_valid(dates[i], n))) {
            abort();
        }
    }
    if (s->from[0] && s->to[0] && strcmp(s->from, s->to) > 0) {
        abort();
    }
    if (s->source && (strlen(s->source) > 200 || !dl_utf8_valid(s->source, strlen(s->source)))) {
        abort();
    }
    check_query(&s->query, s->qlen);
}

static void check_refused(struct dl_reply *rep)
{
    if (rep->status != 400 || !rep->code || !rep->message[0] ||
        !dl_utf8_valid(rep->message, strlen(rep->message))) {
        abort();
    }
    dl_api_error_body(rep);
    if (!dl_utf8_valid(rep->body.buf, rep->body.len) || strlen(rep->body.buf) != rep->body.len) {
        abort();
    }
    for (size_t i = 0; i < rep->body.len; i++) {
        if ((unsigned char)rep->body.buf[i] < 0x20 && rep->body.buf[i] != '\n') {
            abort(); /* a raw control character in JSON */
        }
    }
    /* The page for this message has exactly the markup of the page for a plain one. */
    struct dl_reply ref;
    dl_reply_init(&ref, 1);
    dl_reply_error(&ref, rep->status, rep->code, "plain");
    dl_page_error_body(&ref);
    dl_page_error_body(rep);
    if (!dl_utf8_valid(rep->body.buf, rep->body.len) ||
        count(rep->body.buf, rep->body.len, '<') != count(ref.body.buf, ref.body.len, '<') ||
        count(rep->body.buf, rep->body.len, '>') != count(ref.body.buf, ref.body.len, '>') ||
        count(rep->body.buf, rep->body.len, '"') != count(ref.body.buf, ref.body.len, '"')) {
        abort();
    }
    dl_reply_release(&ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The low bits of the length pick the variant, so that seeds keep theirs when mutated. */
    int paged = size & 1;
    static const struct dl_limits small = {40, 4, 2};
    const struct dl_limits *lim = (size & 2) ? &small : NULL;

    struct dl_params p;
    struct dl_error err = DL_ERROR_INIT;
    int rc = dl_params_parse(&p, (const char *)data, size, &err);
    if (rc != DL_OK) {
        if ((rc != DL_EENCODING && rc != DL_ELIMIT) || !err.msg[0] ||
            !dl_utf8_valid(err.msg, strlen(err.msg))) {
            abort();
        }
        dl_params_release(&p);
        return 0;
    }
    if (p.n > DL_SERVE_MAX_PARAMS) {
        abort();
    }
    for (size_t i = 0; i < p.n; i++) {
        size_t klen = strlen(p.v[i].key);
        if (!klen || !dl_utf8_valid(p.v[i].key, klen) || p.v[i].val[p.v[i].vlen] != '\0' ||
            !dl_utf8_valid(p.v[i].val, p.v[i].vlen) || p.v[i].vlen > size) {
            abort();
        }
        if (dl_params_get(&p, p.v[i].key, NULL) == NULL) {
            abort();
        }
    }
    p.limits = lim;

    struct dl_search s;
    struct dl_reply rep;
    dl_search_init(&s);
    dl_reply_init(&rep, 0);
    if (dl_search_parse(&s, &p, paged, &rep) == 0) {
        check_accepted(&s, lim, paged);
    } else {
        check_refused(&rep);
    }
    dl_reply_release(&rep);
    dl_search_release(&s);
    dl_params_release(&p);
    return 0;
}
