/*
 * pagelink.c - links to /search with the current search's parameters (see pagelink.h).
 */
#include "dateline/pagelink.h"

#include <string.h>

#include "dateline/alias.h"
#include "dateline/kind.h"

static const char *sort_name(enum dl_sort s)
{
    switch (s) {
    case DL_SORT_DATE_DESC:
        return "date";
    case DL_SORT_DATE_ASC:
        return "-date";
    default:
        return "relevance";
    }
}

/* A link searching q alone. */
struct dl_link dl_link_q(const char *q, size_t qlen)
{
    struct dl_link l;
    memset(&l, 0, sizeof l);
    l.q = q;
    l.qlen = qlen;
    return l;
}

/* Append key=val[0..len) (nothing when the link is full). */
void dl_link_add(struct dl_link *l, const char *key, const char *val, size_t len)
{
    if (l->np < DL_LINK_MAX_PARAMS) {
        l->p[l->np++] = (struct dl_link_param){key, val, len};
    }
}

/* Drop every key= (val NULL) or only key=val[0..len). */
void dl_link_drop(struct dl_link *l, const char *key, const char *val, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < l->np; i++) {
        const struct dl_link_param *p = &l->p[i];
        int drop =
            strcmp(p->key, key) == 0 && (!val || (p->len == len && memcmp(p->val, val, len) == 0));
        if (!drop) {
            l->p[k++] = *p;
        }
    }
    l->np = k;
}

/* key=val[0..len) in place of the first key= (any other key= dropped), else appended. */
void dl_link_set(struct dl_link *l, const char *key, const char *val, size_t len)
{
    size_t k = 0;
    int done = 0;
    for (size_t i = 0; i < l->np; i++) {
        struct dl_link_param p = l->p[i];
        if (strcmp(p.key, key) == 0) {
            if (done) {
                continue;
            }
            p.val = val;
            p.len = len;
            done = 1;
        }
        l->p[k++] = p;
    }
    l->np = k;
    if (!done) {
        dl_link_add(l, key, val, len);
    }
}

/* The link of the current search: its q, filters and order, on its first page. */
struct dl_link dl_link_of(const struct dl_search *s)
{
    struct dl_link l = dl_link_q(s->q, s->qlen);
    if (s->from[0]) {
        dl_link_add(&l, "from", s->from, strlen(s->from));
    }
    if (s->to[0]) {
        dl_link_add(&l, "to", s->to, strlen(s->to));
    }
    if (s->indexed_after && s->indexed_after_len) {
        dl_link_add(&l, "indexed_after", s->indexed_after, s->indexed_after_len);
    }
    if (s->source) {
        dl_link_add(&l, "source", s->source, strlen(s->source));
    }
    for (size_t i = 0; i < s->nentities; i++) {
        const struct dl_entity_filter *e = &s->entities[i];
        dl_link_add(&l, dl_entity_name(e->type), e->name, e->len);
    }
    for (size_t i = 0; i < s->nkinds; i++) {
        const char *k = dl_kind_name(s->kinds[i]);
        dl_link_add(&l, "kind", k, strlen(k));
    }
    l.sort = s->sort_given ? sort_name(s->sort) : NULL;
    return l;
}

static void link_param(struct dl_buf *b, const char *key, const char *v, size_t n)
{
    dl_buf_adds(b, "&amp;");
    dl_buf_adds(b, key);
    dl_buf_addc(b, '=');
    dl_buf_add_url(b, v, n);
}

/* The order dl_link_write writes filters in, whatever order they were set in, so that one search
 * has one address (a key not listed here goes last). */
static const char *const link_order[] = {"from", "to",     "indexed_after", "source",
                                         "kind", "person", "country",       "org"};
#define NLINK_ORDER (sizeof link_order / sizeof link_order[0])

static size_t link_rank(const char *key)
{
    size_t r = 0;
    while (r < NLINK_ORDER && strcmp(link_order[r], key) != 0) {
        r++;
    }
    return r;
}

/* href="PATH?q=..." with & written as &amp; (the values are percent-encoded). */
void dl_link_write_to(struct dl_buf *b, const char *path, const struct dl_link *l)
{
    dl_buf_adds(b, path);
    dl_buf_adds(b, "?q=");
    dl_buf_add_url(b, l->q, l->qlen);
    for (size_t r = 0; r <= NLINK_ORDER; r++) {
        for (size_t i = 0; i < l->np; i++) {
            const struct dl_link_param *p = &l->p[i];
            if (p->len && link_rank(p->key) == r) {
                link_param(b, p->key, p->val, p->len);
            }
        }
    }
    if (l->sort) {
        link_param(b, "sort", l->sort, strlen(l->sort));
    }
    if (l->offset) {
        dl_buf_addf(b, "&amp;offset=%zu", l->offset);
    }
}

void dl_link_write(struct dl_buf *b, const struct dl_link *l)
{
    dl_link_write_to(b, "/search", l);
}

void dl_link_id_path(struct dl_buf *b, const char *id)
{
    for (const char *s = id;;) {
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        dl_buf_add_url(b, s, n);
        if (!slash) {
            break;
        }
        dl_buf_addc(b, '/');
        s = slash + 1;
    }
}
