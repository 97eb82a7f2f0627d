/* accounts.c - a readout's other accounts on the pages (see accounts.h). */
#include "dateline/accounts.h"

#include <string.h>

#include "dateline/pagelink.h"

static void add_str(struct dl_buf *b, const char *s)
{
    dl_buf_add_html(b, s, strlen(s));
}

/* <a href="/doc/ID?q=Q"> */
static void doc_link(struct dl_buf *b, const char *id, const char *q, size_t qlen)
{
    dl_buf_adds(b, "<a href=\"/doc/");
    dl_link_id_path(b, id);
    if (qlen) {
        dl_buf_adds(b, "?q=");
        dl_buf_add_url(b, q, qlen);
    }
    dl_buf_adds(b, "\">");
}

void dl_html_accounts_line(struct dl_buf *b, const struct dl_accounts *a, const char *lang,
                           const char *q, size_t qlen)
{
    if (!a->count) {
        return;
    }
    dl_buf_addf(b, "<p class=\"accounts\">%lu other account%s: ", a->count,
                a->count == 1 ? "" : "s");
    for (size_t i = 0; i < a->n; i++) {
        const struct dl_readout *r = &a->v[i];
        dl_buf_adds(b, i ? ", " : "");
        doc_link(b, r->id ? r->id : "", q, qlen);
        add_str(b, r->source && *r->source ? r->source : r->id ? r->id : "");
        dl_buf_adds(b, "</a>");
        if (r->lang && *r->lang && (!lang || strcmp(lang, r->lang) != 0)) {
            dl_buf_adds(b, " (");
            add_str(b, r->lang);
            dl_buf_addc(b, ')');
        }
    }
    if (a->count > a->n) {
        dl_buf_adds(b, ", …");
    }
    dl_buf_adds(b, "</p>\n");
}

/* One account beside the readout: its source, title, date and marked body. */
static void account(struct dl_buf *b, const struct dl_readout *r, const struct dl_hl *hl,
                    const char *q, size_t qlen)
{
    const char *body = r->body ? r->body : "";
    dl_buf_adds(b, "<article class=\"account\"");
    if (r->lang && *r->lang &&
        strspn(r->lang, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") ==
            strlen(r->lang)) {
        dl_buf_adds(b, " lang=\"");
        add_str(b, r->lang);
        dl_buf_addc(b, '"');
    }
    dl_buf_adds(b, ">\n<h2>");
    doc_link(b, r->id ? r->id : "", q, qlen);
    add_str(b, r->title ? r->title : r->id ? r->id : "");
    dl_buf_adds(b, "</a></h2>\n<p class=\"meta\">");
    add_str(b, r->source ? r->source : "");
    dl_buf_adds(b, r->source && r->date ? " · " : "");
    add_str(b, r->date ? r->date : "");
    dl_buf_adds(b, "</p>\n<div class=\"body\">");
    if (hl) {
        struct dl_hl_spans sc = DL_HL_SPANS_INIT;
        dl_hl_scan(hl, body, strlen(body), &sc);
        dl_hl_markup_spans(&sc, body, strlen(body), b);
        dl_hl_spans_release(&sc);
    } else {
        add_str(b, body);
    }
    dl_buf_adds(b, "</div>\n</article>\n");
}

int dl_html_accounts_side(struct dl_buf *b, struct dl_searcher *s, const char *key,
                          const char *self, const struct dl_hl *hl, const char *q, size_t qlen,
                          size_t *n, struct dl_error *err)
{
    *n = 0;
    if (!key) {
        return DL_OK;
    }
    struct dl_accounts a = {0};
    int rc =
        dl_cluster_accounts(dl_searcher_db(s), key, strlen(key), self, DL_ACCOUNTS_SIDE, &a, err);
    for (size_t i = 0; i < a.n && rc == DL_OK; i++) {
        struct dl_readout r = {0};
        rc = dl_searcher_get(s, a.v[i].id, &r, NULL, err); /* with its body */
        if (rc == DL_OK) {
            account(b, &r, hl, q, qlen);
            ++*n;
        }
        dl_readout_release(&r);
    }
    dl_accounts_release(&a);
    return rc;
}
