/* explain.c - what each part of a query gives one readout (see explain.h). */
#include "dateline/explain.h"

#include <stdlib.h>
#include <string.h>

#include "dateline/highlight.h"
#include "dateline/schema.h"

void dl_explanation_release(struct dl_explanation *x)
{
    if (!x) {
        return;
    }
    for (size_t i = 0; i < x->nparts; i++) {
        struct dl_explain_part *p = &x->parts[i];
        for (size_t k = 0; k < p->nforms; k++) {
            free(p->forms[k]);
        }
        free(p->forms);
        free(p->query);
    }
    free(x->parts);
    memset(x, 0, sizeof *x);
}

/* The weight part alone gives the readout whose id term is idterm. */
static int part_weight(const struct dl_explain_ctx *c, const struct dl_qnode *part,
                       const struct dl_buf *idterm, struct dl_terms *terms, double *w,
                       struct dl_error *err)
{
    struct dl_xenquire e = {0};
    struct dl_mset m = {0};
    e.sort = DL_XSORT_RELEVANCE;
    e.collapse_slot = -1;
    e.weight = *c->weight;
    dl_xq_reset(c->xq);
    dl_qbuild_node(c->q, part, c->build, c->xq, terms);
    dl_xq_term(c->xq, idterm->buf, idterm->len, 1, 0);
    dl_xq_combine(c->xq, DL_XOP_FILTER, 2, 0);
    int rc = dl_xq_status(c->xq, err);
    if (rc == DL_OK) {
        rc = dl_db_enquire(c->db, c->xq, &e, 0, 1, &m, err);
    }
    *w = rc == DL_OK && m.n ? m.matches[0].weight : 0.0;
    dl_mset_release(&m);
    return rc;
}

/* Add the distinct forms the highlighter marks in text to p. */
static void add_forms(struct dl_explain_part *p, const struct dl_hl *hl, const char *text)
{
    struct dl_span *sp = NULL;
    size_t n = text ? dl_hl_matches(hl, text, strlen(text), &sp) : 0;
    for (size_t i = 0; i < n && p->nforms < DL_EXPLAIN_MAX_FORMS; i++) {
        size_t len = sp[i].end - sp[i].start;
        int seen = 0;
        for (size_t k = 0; k < p->nforms && !seen; k++) {
            seen = strlen(p->forms[k]) == len && memcmp(p->forms[k], text + sp[i].start, len) == 0;
        }
        if (!seen) {
            if (p->nforms == 0) {
                p->forms = dl_xcalloc(DL_EXPLAIN_MAX_FORMS, sizeof *p->forms);
            }
            p->forms[p->nforms++] = dl_xmemdup(text + sp[i].start, len);
        }
    }
    free(sp);
}

/* One part: its text as typed, its weight, its forms in the readout. */
static int explain_part(const struct dl_explain_ctx *c, const struct dl_qnode *part,
                        const struct dl_readout *doc, const struct dl_buf *idterm,
                        struct dl_explain_part *p, struct dl_error *err)
{
    struct dl_terms terms = DL_TERMS_INIT;
    const char *in = c->q->input ? c->q->input : "";
    size_t end = part->end <= c->q->ninput ? part->end : c->q->ninput;
    size_t start = part->start <= end ? part->start : end;
    if (part->kind == DL_Q_PHRASE && start > 0 && end < c->q->ninput && in[start - 1] == '"' &&
        in[end] == '"') {
        start--, end++; /* the phrase with the quotes it was typed in */
    }
    p->query = dl_xmemdup(in + start, end - start);
    int rc = part_weight(c, part, idterm, &terms, &p->weight, err);
    if (rc == DL_OK && p->weight > 0) {
        struct dl_hl *hl =
            dl_hl_new(terms.v, terms.n, terms.prefixes, terms.nprefixes, c->build->aliases);
        /* the fields the store indexes as words (store.c), in its order */
        const char *fields[4] = {doc->title, doc->body, doc->dateline, doc->source};
        for (int f = 0; f < 4; f++) {
            add_forms(p, hl, fields[f]);
        }
        dl_hl_free(hl);
    }
    dl_terms_release(&terms);
    return rc;
}

int dl_explain(const struct dl_explain_ctx *c, const struct dl_readout *doc,
               struct dl_explanation *out, struct dl_error *err)
{
    const struct dl_qnode *parts[DL_EXPLAIN_MAX_PARTS];
    size_t n = dl_qbuild_parts(c->q, parts, DL_EXPLAIN_MAX_PARTS);
    struct dl_buf idterm = DL_BUF_INIT;
    int rc = DL_OK;
    memset(out, 0, sizeof *out);
    out->parts = dl_xcalloc(n ? n : 1, sizeof *out->parts);
    dl_schema_term(&idterm, DL_PREFIX_ID, doc->id ? doc->id : "", doc->id ? strlen(doc->id) : 0);
    for (size_t i = 0; i < n && rc == DL_OK; i++) {
        rc = explain_part(c, parts[i], doc, &idterm, &out->parts[i], err);
        out->nparts++;
    }
    dl_buf_release(&idterm);
    return rc;
}
