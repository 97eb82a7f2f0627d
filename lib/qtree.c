/*
 * qtree.c - the parsed query's nodes, and what is read off them (see
 * qtree.h): alias groups, the words of a plain query, the plain-words
 * form and the canonical text.
 */
#include "dateline/qtree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/common.h"

/* --- nodes ------------------------------------------------------------------------------ */

void dl_qtree_init(struct dl_qtree *t)
{
    memset(t, 0, sizeof *t);
    t->root = t->root0 = DL_QTREE_NONE;
}

/* Free the texts of nodes [from, nnodes) and drop those nodes. */
static void truncate_nodes(struct dl_qtree *t, size_t from)
{
    for (size_t i = from; i < t->nnodes; i++) {
        if (t->nodes[i].len) {
            free((char *)t->nodes[i].text);
        }
    }
    t->nnodes = from;
}

void dl_qtree_reset(struct dl_qtree *t)
{
    truncate_nodes(t, 0);
    free(t->input);
    t->input = NULL;
    t->ninput = 0;
    t->nkids = t->nparsed = t->nkids0 = 0;
    t->root = t->root0 = DL_QTREE_NONE;
    t->nwords = t->nops = t->max_depth = t->nprefixes = 0;
}

void dl_qtree_release(struct dl_qtree *t)
{
    dl_qtree_reset(t);
    free(t->nodes);
    free(t->kids);
    dl_qtree_init(t);
}

const struct dl_qnode *dl_qtree_root(const struct dl_qtree *t)
{
    return t->root == DL_QTREE_NONE ? NULL : &t->nodes[t->root];
}

const struct dl_qnode *dl_qtree_child(const struct dl_qtree *t, const struct dl_qnode *node,
                                      size_t i)
{
    return &t->nodes[t->kids[node->first + i]];
}

size_t dl_qtree_add(struct dl_qtree *t, enum dl_qkind kind, enum dl_qfield field, size_t start,
                    size_t end)
{
    if (t->nnodes == t->capnodes) {
        t->capnodes = t->capnodes ? 2 * t->capnodes : 16;
        t->nodes = dl_xrealloc(t->nodes, t->capnodes * sizeof *t->nodes);
    }
    struct dl_qnode *nd = &t->nodes[t->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    nd->field = field;
    nd->text = "";
    nd->start = start;
    nd->end = end;
    nd->group = -1;
    return t->nnodes++;
}

void dl_qtree_set_text(struct dl_qtree *t, size_t i, const char *s, size_t n)
{
    struct dl_qnode *nd = &t->nodes[i];
    if (nd->len) {
        free((char *)nd->text);
    }
    nd->text = n ? dl_xmemdup(s, n) : ""; /* all n bytes: a NUL inside must not shorten it */
    nd->len = n;
}

void dl_qtree_set_kids(struct dl_qtree *t, size_t i, const size_t *c, size_t n)
{
    if (t->nkids + n > t->capkids) {
        while (t->nkids + n > t->capkids) {
            t->capkids = t->capkids ? 2 * t->capkids : 32;
        }
        t->kids = dl_xrealloc(t->kids, t->capkids * sizeof *t->kids);
    }
    memcpy(t->kids + t->nkids, c, n * sizeof *c);
    t->nodes[i].first = t->nkids;
    t->nodes[i].n = n;
    t->nkids += n;
}

size_t dl_qtree_add_parent(struct dl_qtree *t, enum dl_qkind kind, enum dl_qfield field,
                           const size_t *c, size_t n)
{
    size_t start = t->nodes[c[0]].start, end = t->nodes[c[0]].end;
    for (size_t k = 1; k < n; k++) {
        start = t->nodes[c[k]].start < start ? t->nodes[c[k]].start : start;
        end = t->nodes[c[k]].end > end ? t->nodes[c[k]].end : end;
    }
    size_t i = dl_qtree_add(t, kind, field, start, end);
    dl_qtree_set_kids(t, i, c, n);
    return i;
}

size_t dl_qtree_add_cjk(struct dl_qtree *t, const size_t *c, size_t n, unsigned pos)
{
    struct dl_buf text = DL_BUF_INIT;
    for (size_t k = 0; k < n; k++) {
        dl_buf_add(&text, t->nodes[c[k]].text, t->nodes[c[k]].len);
    }
    size_t i = dl_qtree_add_parent(t, DL_Q_CJK, t->nodes[c[0]].field, c, n);
    dl_qtree_set_text(t, i, text.buf, text.len);
    t->nodes[i].pos = pos;
    dl_buf_release(&text);
    return i;
}

void dl_qtree_finish(struct dl_qtree *t, size_t root, const char *input, size_t n)
{
    free(t->input);
    t->input = input ? dl_xmemdup(input, n) : dl_xstrdup("");
    t->ninput = input ? n : 0;
    for (size_t i = 0; i < t->nnodes; i++) {
        t->nodes[i].first0 = t->nodes[i].first;
        t->nodes[i].n0 = t->nodes[i].n;
    }
    t->root = t->root0 = root;
    t->nparsed = t->nnodes;
    t->nkids0 = t->nkids;
}

/* --- alias groups ---------------------------------------------------------------------- */

/* Child lists being rebuilt (node indices), and the alias table. */
struct aliasing {
    struct dl_qtree *t;
    const struct dl_aliases *a;
    size_t *out; /* the new child list */
    size_t nout, capout;
    const char **toks; /* folded words scanned */
    size_t *idx;       /* their nodes */
    size_t ntoks, captoks;
};

static void out_push(struct aliasing *al, size_t v)
{
    if (al->nout == al->capout) {
        al->capout = al->capout ? 2 * al->capout : 16;
        al->out = dl_xrealloc(al->out, al->capout * sizeof *al->out);
    }
    al->out[al->nout++] = v;
}

static void tok_push(struct aliasing *al, size_t node)
{
    if (al->ntoks == al->captoks) {
        al->captoks = al->captoks ? 2 * al->captoks : 16;
        al->toks = dl_xrealloc(al->toks, al->captoks * sizeof *al->toks);
        al->idx = dl_xrealloc(al->idx, al->captoks * sizeof *al->idx);
    }
    al->toks[al->ntoks] = al->t->nodes[node].text;
    al->idx[al->ntoks++] = node;
}

struct found {
    size_t *v; /* triples: group, first token, number of tokens */
    size_t n, cap;
};

static int on_form(void *ctx, size_t group, size_t first, size_t ntokens)
{
    struct found *f = ctx;
    if (f->n + 3 > f->cap) {
        f->cap = f->cap ? 2 * f->cap : 24;
        f->v = dl_xrealloc(f->v, f->cap * sizeof *f->v);
    }
    f->v[f->n++] = group;
    f->v[f->n++] = first;
    f->v[f->n++] = ntokens;
    return 0;
}

/* The field of a name over words idx[a..b): theirs, or DL_QF_ANY when they differ. */
static enum dl_qfield name_field(const struct aliasing *al, size_t a, size_t b)
{
    enum dl_qfield f = al->t->nodes[al->idx[a]].field;
    for (size_t k = a + 1; k < b; k++) {
        f = al->t->nodes[al->idx[k]].field == f ? f : DL_QF_ANY;
    }
    return f;
}

/* A CJK run over the characters idx[a..b), as a new node. */
static size_t cjk_piece(struct aliasing *al, size_t a, size_t b, unsigned pos)
{
    return dl_qtree_add_cjk(al->t, al->idx + a, b - a, pos);
}

/*
 * Scan the tokens gathered in al (words of one field, or the characters of
 * one CJK run at pos `cjk`) and push their nodes to al->out, the names
 * among them as DL_Q_ALIAS nodes. Returns the number of names.
 */
static size_t scan_names(struct aliasing *al, unsigned cjk)
{
    struct dl_qtree *t = al->t;
    struct found f = {NULL, 0, 0};
    /* The words as typed too: their marks count ("tố làm" is not Tô Lâm), and "=US" forms
     * match "US" as typed (alias.h). */
    char **raw = dl_xcalloc(al->ntoks ? al->ntoks : 1, sizeof *raw);
    for (size_t k = 0; k < al->ntoks; k++) {
        const struct dl_qnode *nd = &t->nodes[al->idx[k]];
        int in = t->input && nd->start <= nd->end && nd->end <= t->ninput;
        raw[k] = in ? dl_xstrndup(t->input + nd->start, nd->end - nd->start) : dl_xstrdup("");
    }
    dl_aliases_scan_raw(al->a, al->toks, (const char *const *)raw, al->ntoks, on_form, &f);
    for (size_t k = 0; k < al->ntoks; k++) {
        free(raw[k]);
    }
    free(raw);
    size_t k = 0;
    for (size_t m = 0; m <= f.n; m += 3) {
        size_t first = m < f.n ? f.v[m + 1] : al->ntoks;
        if (k < first) { /* the words before the name */
            if (cjk) {
                out_push(al, cjk_piece(al, k, first, cjk));
            } else {
                for (; k < first; k++) {
                    out_push(al, al->idx[k]);
                }
            }
        }
        if (m == f.n) {
            break;
        }
        size_t nt = f.v[m + 2];
        size_t name = cjk ? cjk_piece(al, first, first + nt, cjk) : DL_QTREE_NONE;
        size_t alias = name != DL_QTREE_NONE
                           ? dl_qtree_add_parent(t, DL_Q_ALIAS, DL_QF_ANY, &name, 1)
                           : dl_qtree_add_parent(t, DL_Q_ALIAS, name_field(al, first, first + nt),
                                                 al->idx + first, nt);
        t->nodes[alias].group = (long)f.v[m];
        if (nt == 1 && !cjk) { /* "-china": the name is what is excluded */
            t->nodes[alias].flags |= t->nodes[al->idx[first]].flags & DL_QN_NEGATED;
        }
        t->nodes[alias].pos = cjk ? cjk : t->nodes[al->idx[first]].pos;
        out_push(al, alias);
        k = first + nt;
    }
    free(f.v);
    return f.n / 3;
}

/* Can c be (part of) a name? '-' words only alone, CJK runs in the title never (see qtree.h). */
static int name_word(const struct dl_qnode *c)
{
    return c->kind == DL_Q_WORD && !(c->flags & DL_QN_CJK);
}

static int name_cjk(const struct dl_qnode *c)
{
    return c->kind == DL_Q_CJK && c->field == DL_QF_ANY;
}

/* Names in a CJK node: its replacement (itself, an alias, or an AND of the pieces). */
static size_t cjk_names(struct aliasing *al, size_t node, int splice)
{
    struct dl_qtree *t = al->t;
    size_t mark = al->nout;
    al->ntoks = 0;
    for (size_t k = 0; k < t->nodes[node].n; k++) {
        tok_push(al, t->kids[t->nodes[node].first + k]);
    }
    if (scan_names(al, t->nodes[node].pos) == 0) {
        al->nout = mark;
        out_push(al, node);
        return node;
    }
    if (splice || al->nout - mark == 1) {
        t->nodes[al->out[al->nout - 1]].flags |= t->nodes[node].flags & DL_QN_NEGATED;
        return al->out[al->nout - 1];
    }
    size_t and =
        dl_qtree_add_parent(t, DL_Q_AND, t->nodes[node].field, al->out + mark, al->nout - mark);
    t->nodes[and].flags |= t->nodes[node].flags & DL_QN_NEGATED;
    al->nout = mark;
    out_push(al, and);
    return and;
}

/* Rebuild the child list of operator node p with its names; 1 if it changed. */
static int names_in(struct aliasing *al, size_t p)
{
    struct dl_qtree *t = al->t;
    const struct dl_qnode *nd = &t->nodes[p];
    int run = nd->kind == DL_Q_AND && !(nd->flags & DL_QN_TYPED);
    size_t first = nd->first, n = nd->n, found = 0;
    al->nout = 0;
    for (size_t i = 0; i < n;) {
        size_t c = t->kids[first + i];
        if (name_cjk(&t->nodes[c])) {
            found += cjk_names(al, c, run && !(t->nodes[c].flags & DL_QN_NEGATED)) != c;
            i++;
            continue;
        }
        if (!name_word(&t->nodes[c])) {
            out_push(al, c);
            i++;
            continue;
        }
        /* a stretch of positive words (a '-' word, or a word outside a run, alone) */
        al->ntoks = 0;
        size_t j = i;
        int alone = !run || (t->nodes[c].flags & DL_QN_NEGATED);
        while (j < n && name_word(&t->nodes[t->kids[first + j]]) &&
               (j == i || (!alone && !(t->nodes[t->kids[first + j]].flags & DL_QN_NEGATED)))) {
            tok_push(al, t->kids[first + j++]);
        }
        found += scan_names(al, 0);
        i = j;
    }
    if (found) {
        size_t *copy = dl_xmemdup(al->out, al->nout * sizeof *al->out);
        dl_qtree_set_kids(t, p, copy, al->nout);
        free(copy);
    }
    return found > 0;
}

void dl_qtree_alias(struct dl_qtree *t, const struct dl_aliases *a)
{
    truncate_nodes(t, t->nparsed);
    t->nkids = t->nkids0;
    for (size_t i = 0; i < t->nparsed; i++) {
        t->nodes[i].first = t->nodes[i].first0;
        t->nodes[i].n = t->nodes[i].n0;
    }
    t->root = t->root0;
    if (!a || t->root == DL_QTREE_NONE) {
        return;
    }
    struct aliasing al = {t, a, NULL, 0, 0, NULL, NULL, 0, 0};
    for (size_t i = 0; i < t->nparsed; i++) {
        enum dl_qkind k = t->nodes[i].kind;
        if (k == DL_Q_AND || k == DL_Q_OR || k == DL_Q_XOR || k == DL_Q_NOT) {
            names_in(&al, i);
        }
    }
    /* a lone operand at the root */
    const struct dl_qnode *r = &t->nodes[t->root];
    if (name_cjk(r)) {
        al.nout = 0;
        t->root = cjk_names(&al, t->root, 0);
    } else if (name_word(r)) {
        al.nout = al.ntoks = 0;
        tok_push(&al, t->root);
        if (scan_names(&al, 0)) {
            t->root = al.out[0];
        }
    }
    free(al.out);
    free(al.toks);
    free(al.idx);
}

/* --- plain words ------------------------------------------------------------------------- */

static void add_word(struct dl_buf *out, const char *w)
{
    if (out->len) {
        dl_buf_addc(out, ' ');
    }
    dl_buf_adds(out, w);
}

static void plain_of(const struct dl_qtree *t, const struct dl_qnode *nd, struct dl_buf *out)
{
    switch (nd->kind) {
    case DL_Q_WORD:
    case DL_Q_CJK:
        add_word(out, nd->text);
        break;
    case DL_Q_NOT:
        plain_of(t, dl_qtree_child(t, nd, 0), out);
        break;
    case DL_Q_PHRASE:
        for (size_t i = 0; i < nd->n; i++) { /* CJK characters side by side are one run */
            const struct dl_qnode *c = dl_qtree_child(t, nd, i);
            if (i && (c->flags & dl_qtree_child(t, nd, i - 1)->flags & DL_QN_CJK)) {
                dl_buf_adds(out, c->text);
            } else {
                add_word(out, c->text);
            }
        }
        break;
    case DL_Q_ALIAS:
    case DL_Q_AND:
    case DL_Q_OR:
    case DL_Q_XOR:
    case DL_Q_NEAR:
    case DL_Q_ADJ:
        for (size_t i = 0; i < nd->n; i++) {
            const struct dl_qnode *c = dl_qtree_child(t, nd, i);
            if (!(c->flags & DL_QN_NEGATED)) {
                plain_of(t, c, out);
            }
        }
        break;
    default: /* wildcards, filters, ranges: no word to require */
        break;
    }
}

void dl_qtree_plain(const struct dl_qtree *t, struct dl_buf *out)
{
    const struct dl_qnode *r = dl_qtree_root(t);
    if (r && !(r->flags & DL_QN_NEGATED)) {
        plain_of(t, r, out);
    }
}

/* --- spelling ------------------------------------------------------------------------------- */

struct respell {
    dl_respell_fn fn;
    void *ctx;
    struct dl_buf word;
    size_t *at;  /* start offsets of the words replaced */
    size_t *end; /* their ends */
    char **with; /* their replacements (owned) */
    size_t n, cap;
    int rc;
};

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

static void respell_word(struct respell *r, const struct dl_qnode *w)
{
    if (w->field != DL_QF_ANY || (w->flags & DL_QN_CJK) || all_digits(w->text, w->len)) {
        return;
    }
    int rc = r->fn(r->ctx, w->text, w->len, &r->word);
    if (rc < 0) {
        r->rc = rc;
    } else if (rc > 0) {
        if (r->n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 8;
            r->at = dl_xrealloc(r->at, r->cap * sizeof *r->at);
            r->end = dl_xrealloc(r->end, r->cap * sizeof *r->end);
            r->with = dl_xrealloc(r->with, r->cap * sizeof *r->with);
        }
        r->at[r->n] = w->start;
        r->end[r->n] = w->end;
        r->with[r->n++] = dl_xstrdup(r->word.buf);
    }
}

/* Every word under nd, in typed order (children are in typed order). */
static void respell_walk(const struct dl_qtree *t, const struct dl_qnode *nd, struct respell *r)
{
    if (r->rc < 0) {
        return;
    }
    if (nd->kind == DL_Q_WORD) {
        respell_word(r, nd);
    } else if (nd->kind != DL_Q_CJK) {
        for (size_t i = 0; i < nd->n; i++) {
            respell_walk(t, dl_qtree_child(t, nd, i), r);
        }
    }
}

int dl_qtree_respell(const struct dl_qtree *t, dl_respell_fn fn, void *ctx, struct dl_buf *out)
{
    struct respell r = {fn, ctx, DL_BUF_INIT, NULL, NULL, NULL, 0, 0, 0};
    const struct dl_qnode *root = dl_qtree_root(t);
    if (root) {
        respell_walk(t, root, &r);
    }
    /* Runs list their positive operands first: put the words back in input order. */
    for (size_t i = 1; i < r.n; i++) {
        for (size_t k = i; k > 0 && r.at[k - 1] > r.at[k]; k--) {
            size_t a = r.at[k], e = r.end[k];
            char *w = r.with[k];
            r.at[k] = r.at[k - 1], r.end[k] = r.end[k - 1], r.with[k] = r.with[k - 1];
            r.at[k - 1] = a, r.end[k - 1] = e, r.with[k - 1] = w;
        }
    }
    if (r.rc >= 0 && r.n) {
        size_t from = 0;
        dl_buf_reset(out);
        for (size_t i = 0; i < r.n; i++) {
            dl_buf_add(out, t->input + from, r.at[i] - from);
            dl_buf_adds(out, r.with[i]);
            from = r.end[i];
        }
        dl_buf_add(out, t->input + from, t->ninput - from);
    }
    for (size_t i = 0; i < r.n; i++) {
        free(r.with[i]);
    }
    free(r.at);
    free(r.end);
    free(r.with);
    dl_buf_release(&r.word);
    return r.rc < 0 ? r.rc : r.n > 0;
}

/* --- canonical text --------------------------------------------------------------------- */

enum { P_XOR = 1, P_OR, P_AND, P_RUN, P_ATOM };

static int prec_of(const struct dl_qnode *nd)
{
    switch (nd->kind) {
    case DL_Q_XOR:
        return P_XOR;
    case DL_Q_OR:
        return P_OR;
    case DL_Q_NOT:
        return P_AND;
    case DL_Q_AND:
        return (nd->flags & DL_QN_TYPED) ? P_AND : P_RUN;
    default:
        return P_ATOM;
    }
}

static void format_node(const struct dl_qtree *t, const struct dl_qnode *nd, int ctx,
                        struct dl_buf *out);

static void field_prefix(const struct dl_qnode *nd, struct dl_buf *out)
{
    static const char *const names[] = {
        "", "title:", "source:", "dateline:", "year:", "kind:", "person:", "country:", "org:"};
    dl_buf_adds(out, names[nd->field]);
}

static void format_phrase(const struct dl_qtree *t, const struct dl_qnode *nd, struct dl_buf *out)
{
    int joined = (nd->flags & DL_QN_JOINED) != 0;
    field_prefix(nd, out);
    dl_buf_adds(out, joined ? "" : "\"");
    for (size_t i = 0; i < nd->n; i++) {
        const struct dl_qnode *c = dl_qtree_child(t, nd, i);
        const struct dl_qnode *p = i ? dl_qtree_child(t, nd, i - 1) : NULL;
        if (p && !((p->flags & c->flags) & DL_QN_CJK)) {
            dl_buf_addc(out, joined ? '-' : ' ');
        }
        dl_buf_adds(out, c->text);
    }
    dl_buf_adds(out, joined ? "" : "\"");
}

/* The children of nd joined by sep, each at precedence ctx (the first at first_ctx). */
static void format_list(const struct dl_qtree *t, const struct dl_qnode *nd, const char *sep,
                        int first_ctx, int ctx, struct dl_buf *out)
{
    for (size_t i = 0; i < nd->n; i++) {
        dl_buf_adds(out, i ? sep : "");
        format_node(t, dl_qtree_child(t, nd, i), i ? ctx : first_ctx, out);
    }
}

/* A run: positive operands, then the negated ones. */
static void format_run(const struct dl_qtree *t, const struct dl_qnode *nd, struct dl_buf *out)
{
    size_t written = 0;
    for (int neg = 0; neg < 2; neg++) {
        for (size_t i = 0; i < nd->n; i++) {
            const struct dl_qnode *c = dl_qtree_child(t, nd, i);
            if (!(c->flags & DL_QN_NEGATED) == !neg) {
                dl_buf_adds(out, written++ ? " " : "");
                dl_buf_adds(out, neg ? "-" : "");
                format_node(t, c, neg ? P_ATOM : P_RUN + 1, out);
            }
        }
    }
}

static void format_near(const struct dl_qtree *t, const struct dl_qnode *nd, struct dl_buf *out)
{
    char sep[24];
    const char *op = nd->kind == DL_Q_NEAR ? "NEAR" : "ADJ";
    if (nd->window) {
        snprintf(sep, sizeof sep, " %s/%u ", op, nd->window);
    } else {
        snprintf(sep, sizeof sep, " %s ", op);
    }
    format_list(t, nd, sep, P_ATOM, P_ATOM, out);
}

/* A run with nothing but '-' operands. */
static int no_positive(const struct dl_qtree *t, const struct dl_qnode *nd)
{
    if (nd->kind != DL_Q_AND || (nd->flags & DL_QN_TYPED)) {
        return 0;
    }
    for (size_t i = 0; i < nd->n; i++) {
        if (!(dl_qtree_child(t, nd, i)->flags & DL_QN_NEGATED)) {
            return 0;
        }
    }
    return 1;
}

static void format_node(const struct dl_qtree *t, const struct dl_qnode *nd, int ctx,
                        struct dl_buf *out)
{
    int p = prec_of(nd);
    /* a run of one positive operand needs no brackets ("-(-a)" does) */
    int lone =
        nd->kind == DL_Q_AND && nd->n == 1 && !(dl_qtree_child(t, nd, 0)->flags & DL_QN_NEGATED);
    int paren = p < ctx && !lone;
    dl_buf_adds(out, paren ? "(" : "");
    switch (nd->kind) {
    case DL_Q_WORD:
    case DL_Q_CJK:
    case DL_Q_FILTER:
        field_prefix(nd, out);
        /* an entity's name may hold spaces: always quoted, so that it reads back the same */
        dl_buf_adds(out, nd->field >= DL_QF_PERSON ? "\"" : "");
        dl_buf_adds(out, nd->text);
        dl_buf_adds(out, nd->field >= DL_QF_PERSON ? "\"" : "");
        break;
    case DL_Q_WILDCARD:
        field_prefix(nd, out);
        dl_buf_addf(out, "%s*", nd->text);
        break;
    case DL_Q_RANGE:
        dl_buf_addf(out, "date:%s", nd->text);
        break;
    case DL_Q_PHRASE:
        format_phrase(t, nd, out);
        break;
    case DL_Q_ALIAS:
        format_list(t, nd, " ", ctx, P_ATOM, out);
        break;
    case DL_Q_AND:
        if (nd->flags & DL_QN_TYPED) {
            format_list(t, nd, " AND ", P_AND, P_AND + 1, out);
        } else {
            format_run(t, nd, out);
        }
        break;
    case DL_Q_OR:
        format_list(t, nd, " OR ", P_OR, P_OR + 1, out);
        break;
    case DL_Q_XOR:
        format_list(t, nd, " XOR ", P_XOR, P_XOR + 1, out);
        break;
    case DL_Q_NOT:
        if (dl_qtree_child(t, nd, 0)->kind != DL_Q_ALL) {
            format_node(t, dl_qtree_child(t, nd, 0), P_AND, out);
            dl_buf_addc(out, ' ');
        }
        dl_buf_adds(out, "NOT ");
        /* "NOT -a" reads as "NOT a": a run of '-' operands alone needs its brackets */
        format_node(t, dl_qtree_child(t, nd, 1),
                    no_positive(t, dl_qtree_child(t, nd, 1)) ? P_ATOM : P_AND + 1, out);
        break;
    case DL_Q_NEAR:
    case DL_Q_ADJ:
        format_near(t, nd, out);
        break;
    case DL_Q_ALL:
        break;
    }
    dl_buf_adds(out, paren ? ")" : "");
}

void dl_qtree_format(const struct dl_qtree *t, struct dl_buf *out)
{
    const struct dl_qnode *r = dl_qtree_root(t);
    if (r) {
        format_node(t, r, 0, out);
    }
}
