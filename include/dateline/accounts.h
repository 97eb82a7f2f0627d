/*
 * accounts.h - a readout's other accounts of its event on the pages
 * (server/accounts.c; the clusters are cluster.h's).
 *
 * Under a search hit, one line: "2 other accounts: Xinhua (zh), VNA", each
 * name linking to that readout (the language is given when it is not the
 * hit's). On a readout's page, the texts of its other accounts beside it
 * (style.css puts them in columns on a wide screen), each with the query's
 * matches marked. Everything written is escaped (dl_buf_add_html) but the
 * highlighter's <mark>s.
 */
#ifndef DATELINE_ACCOUNTS_H
#define DATELINE_ACCOUNTS_H

#include <stddef.h>

#include "dateline/buf.h"
#include "dateline/cluster.h"
#include "dateline/highlight.h"
#include "dateline/searcher.h"

/* Accounts shown beside a readout on its page. */
#define DL_ACCOUNTS_SIDE 3

/* The line under a hit in language lang (may be NULL); nothing when a has none. q[0..qlen)
 * is carried into the links (the marks of the search). */
void dl_html_accounts_line(struct dl_buf *b, const struct dl_accounts *a, const char *lang,
                           const char *q, size_t qlen);

/*
 * On the page of readout `self` with cluster key `key` (NULL: none): its other accounts (up
 * to DL_ACCOUNTS_SIDE, read with their bodies from s) as <article class="account"> elements,
 * bodies marked by hl (NULL: not marked). *n gets how many were written.
 */
int dl_html_accounts_side(struct dl_buf *b, struct dl_searcher *s, const char *key,
                          const char *self, const struct dl_hl *hl, const char *q, size_t qlen,
                          size_t *n, struct dl_error *err);

#endif
