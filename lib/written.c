/* written.c - a query as the readouts write it (see written.h). */
#include "dateline/written.h"

#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"
#include "dateline/fold.h"
#include "dateline/schema.h"

#define MAX_SPELLINGS 32 /* spellings of one folded word looked at */

struct edit {
    size_t start, end; /* the input bytes replaced */
    char *text;
};

struct walk {
    struct dl_db *db;
    const struct dl_qtree *t;
    const struct dl_aliases *a;
    struct edit *v;
    size_t n;
    struct dl_buf lower, folded, term; /* scratch */
    struct dl_error *err;
};

/* Was input[start..end) typed without diacritics (its lower case is its folded form)? */
static int typed_plain(struct walk *w, size_t start, size_t end)
{
    const char *in = w->t->input;
    if (!in || end > w->t->ninput || start >= end) {
        return 0;
    }
    dl_buf_reset(&w->folded);
    return dl_lower(in + start, end - start, &w->lower) == DL_OK &&
           dl_fold(in + start, end - start, &w->folded) == DL_OK && w->lower.len == w->folded.len &&
           memcmp(w->lower.buf, w->folded.buf, w->lower.len) == 0;
}

static void add_edit(struct walk *w, const struct dl_qnode *nd, const char *text, size_t len)
{
    w->v = dl_xrealloc(w->v, (w->n + 1) * sizeof *w->v);
    w->v[w->n++] = (struct edit){nd->start, nd->end, dl_xmemdup(text, len)};
}

/* Does s[0..n) carry diacritics (its lower case is not its folded form)? */
static int has_diacritics(struct walk *w, const char *s, size_t n)
{
    dl_buf_reset(&w->folded);
    return dl_lower(s, n, &w->lower) == DL_OK && dl_fold(s, n, &w->folded) == DL_OK &&
           (w->lower.len != w->folded.len || memcmp(w->lower.buf, w->folded.buf, w->lower.len));
}

/* A name typed without diacritics: its group's name, when that has them and folds to what
 * was typed ("to lam" -> "Tô Lâm"; not "su lin" -> "Tô Lâm"). 1 when it was. */
static int name_as_written(struct walk *w, const struct dl_qnode *nd)
{
    const char *name = w->a && nd->group >= 0 ? dl_aliases_name(w->a, (size_t)nd->group) : NULL;
    if (!name || !typed_plain(w, nd->start, nd->end)) {
        return 0;
    }
    struct dl_buf typed = DL_BUF_INIT;
    dl_buf_add(&typed, w->folded.buf, w->folded.len);
    int done = has_diacritics(w, name, strlen(name)) && w->folded.len == typed.len &&
               memcmp(w->folded.buf, typed.buf, typed.len) == 0;
    if (done) {
        add_edit(w, nd, name, strlen(name));
    }
    dl_buf_release(&typed);
    return done;
}

struct best {
    const char *term;
    size_t len, prefix;
    unsigned long count;
    char *spelling;
};

static int keep_best(void *ctx, const char *term, size_t len, unsigned long count)
{
    struct best *b = ctx;
    if (count > b->count) {
        free(b->spelling);
        b->spelling = dl_xmemdup(term + b->prefix, len - b->prefix);
        b->count = count;
    }
    return 0;
}

/* A word typed without diacritics: the spelling more than half of its readouts use. */
static int word_as_written(struct walk *w, const struct dl_qnode *nd)
{
    if ((nd->flags & (DL_QN_DIGIT | DL_QN_CJK)) || !typed_plain(w, nd->start, nd->end)) {
        return DL_OK;
    }
    dl_buf_reset(&w->term);
    dl_buf_addf(&w->term, "%s%s:", DL_PREFIX_WRITTEN, nd->text);
    struct best b = {NULL, 0, w->term.len, 0, NULL};
    unsigned long all = 0;
    int rc = dl_db_allterms(w->db, w->term.buf, w->term.len, MAX_SPELLINGS, keep_best, &b, w->err);
    if (rc == DL_OK && b.spelling) {
        rc = dl_db_termfreq(w->db, nd->text, nd->len, &all, w->err);
    }
    if (rc == DL_OK && b.spelling && 2 * b.count > all) {
        add_edit(w, nd, b.spelling, strlen(b.spelling));
    }
    free(b.spelling);
    return rc;
}

static int walk(struct walk *w, const struct dl_qnode *nd)
{
    if (nd->flags & DL_QN_NEGATED) {
        return DL_OK;
    }
    switch (nd->kind) {
    case DL_Q_ALIAS:
        if (name_as_written(w, nd)) {
            return DL_OK;
        }
        /* a name spelled without diacritics ("Vietnam"): its words one by one */
        /* fall through */
    case DL_Q_AND:
    case DL_Q_OR:
    case DL_Q_XOR:
    case DL_Q_PHRASE:
    case DL_Q_NEAR:
    case DL_Q_ADJ: {
        int rc = DL_OK;
        for (size_t i = 0; i < nd->n && rc == DL_OK; i++) {
            rc = walk(w, dl_qtree_child(w->t, nd, i));
        }
        return rc;
    }
    case DL_Q_WORD:
        return word_as_written(w, nd);
    case DL_Q_NOT:
        return nd->n ? walk(w, dl_qtree_child(w->t, nd, 0)) : DL_OK;
    default:
        return DL_OK;
    }
}

static int by_start(const void *pa, const void *pb)
{
    const struct edit *x = pa, *y = pb;
    return x->start < y->start ? -1 : x->start > y->start;
}

int dl_written_as(struct dl_db *db, const struct dl_qtree *t, const struct dl_aliases *a,
                  char **out, struct dl_error *err)
{
    struct walk w = {db, t, a, NULL, 0, DL_BUF_INIT, DL_BUF_INIT, DL_BUF_INIT, err};
    const struct dl_qnode *root = dl_qtree_root(t);
    int rc = root ? walk(&w, root) : DL_OK;
    *out = NULL;
    if (rc == DL_OK && w.n) {
        struct dl_buf s = DL_BUF_INIT;
        size_t at = 0;
        qsort(w.v, w.n, sizeof *w.v, by_start);
        for (size_t i = 0; i < w.n; i++) {
            if (w.v[i].start < at) {
                continue; /* overlapping (a phrase's word inside a name): the first wins */
            }
            dl_buf_add(&s, t->input + at, w.v[i].start - at);
            dl_buf_adds(&s, w.v[i].text);
            at = w.v[i].end;
        }
        dl_buf_add(&s, t->input + at, t->ninput - at);
        *out = dl_buf_detach(&s, NULL);
    }
    for (size_t i = 0; i < w.n; i++) {
        free(w.v[i].text);
    }
    free(w.v);
    dl_buf_release(&w.lower);
    dl_buf_release(&w.folded);
    dl_buf_release(&w.term);
    return rc;
}
