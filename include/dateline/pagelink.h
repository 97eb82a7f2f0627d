#ifndef DATELINE_PAGELINK_H
#define DATELINE_PAGELINK_H
/*
 * pagelink.h - the links of the HTML pages to /search (and to routes taking the same
 * parameters, such as /api/export): a search's query, filters, order and page, changed and
 * written as an href value.
 *
 * A struct dl_link borrows every string it holds (the query, the filter values) from the
 * search it was made from or from the caller: it owns nothing and needs no release. Writing
 * always gives one address for one search: filters in a fixed order, values percent-encoded,
 * '&' written as "&amp;" (for an HTML attribute).
 */
#include <stddef.h>

#include "dateline/buf.h"
#include "dateline/search.h"

/*
 * A link to /search: the current search (dl_link_of) with changes. Its filters are a list of
 * parameters, so that a repeatable one (person=, country=, org=) may appear several times and
 * a new filter needs no new field here.
 */
struct dl_link_param {
    const char *key; /* "from", "source", "person"... (static) */
    const char *val; /* borrowed, not NUL-terminated */
    size_t len;
};

/* from, to, indexed_after, source, every entity and kind filter and one more (a facet adding
 * a filter) */
#define DL_LINK_MAX_PARAMS (4 + 2 * DL_MAX_ENTITY_FILTERS + 1)

struct dl_link {
    const char *q; /* "" for none */
    size_t qlen;
    struct dl_link_param p[DL_LINK_MAX_PARAMS]; /* filters */
    size_t np;
    const char *sort; /* NULL for the default */
    size_t offset;
};

/* A link searching q[0..qlen) alone. */
struct dl_link dl_link_q(const char *q, size_t qlen);
/* The link of the current search: its q, filters and order, on its first page. */
struct dl_link dl_link_of(const struct dl_search *s);
/* Append key=val[0..len) (nothing when the link is full); key is a static string. */
void dl_link_add(struct dl_link *l, const char *key, const char *val, size_t len);
/* Drop every key= (val NULL) or only key=val[0..len). */
void dl_link_drop(struct dl_link *l, const char *key, const char *val, size_t len);
/* key=val[0..len) in place of the first key= (any other key= dropped), else appended. */
void dl_link_set(struct dl_link *l, const char *key, const char *val, size_t len);
/* Append PATH?q=...&amp;... to b; dl_link_write is dl_link_write_to(b, "/search", l). */
void dl_link_write_to(struct dl_buf *b, const char *path, const struct dl_link *l);
void dl_link_write(struct dl_buf *b, const struct dl_link *l);
/* Append a readout id as a path (after "/doc/"): each '/'-separated segment percent-encoded,
 * the '/' between them kept. */
void dl_link_id_path(struct dl_buf *b, const char *id);

#endif
