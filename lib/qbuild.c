/*
 * qbuild.c - a parsed query as a Xapian query and highlighter terms (see
 * qbuild.h). One recursive walk; the shim's builder is a stack, so each
 * node pushes exactly one query.
 */
#include "dateline/qbuild.h"

#include <stdlib.h>
#include <string.h>

#include "dateline/fold.h"
#include "dateline/kind.h"
#include "dateline/query.h"
#include "dateline/schema.h"
#include "dateline/stem.h"

#define DEFAULT_MAX_WILDCARD 100

/* --- terms for the highlighter ------------------------------------------------------------ */

static void push_string(char ***v, size_t *n, size_t *cap, const char *s, size_t len)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        *v = dl_xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = dl_xmemdup(s, len);
}

void dl_terms_add(struct dl_terms *t, const char *term, size_t len)
{
    if (len && dl_strset_add(&t->seen, term, len, 0)) {
        push_string(&t->v, &t->n, &t->cap, term, len);
    }
}

void dl_terms_add_prefix(struct dl_terms *t, const char *prefix, size_t len)
{
    /* "*" + prefix: a prefix is not a term of the same spelling */
    char key[DL_TOKEN_MAX + 2];
    if (!len || len > DL_TOKEN_MAX) {
        return;
    }
    key[0] = '*';
    memcpy(key + 1, prefix, len);
    if (dl_strset_add(&t->seen, key, len + 1, 0)) {
        push_string(&t->prefixes, &t->nprefixes, &t->capprefixes, prefix, len);
    }
}

void dl_terms_release(struct dl_terms *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i]);
    }
    for (size_t i = 0; i < t->nprefixes; i++) {
        free(t->prefixes[i]);
    }
    free(t->v);
    free(t->prefixes);
    dl_strset_release(&t->seen);
    memset(t, 0, sizeof *t);
}

/* --- the walk ------------------------------------------------------------------------------ */

struct build {
    const struct dl_qtree *t;
    const struct dl_qbuild *o;
    struct dl_xq *q;          /* NULL: terms only */
    struct dl_terms *terms;   /* NULL: query only */
    struct dl_buf term, stem; /* scratch */
    int plain;                /* > 0: no exact-form bonus (under '-' or NOT, a name's words) */
};

static void build_node(struct build *b, const struct dl_qnode *nd, int marks);

static const char *field_prefix(enum dl_qfield f)
{
    return f == DL_QF_TITLE ? DL_PREFIX_TITLE : "";
}

/* Push b->term as a query term; also a highlighter term when marks. */
static void push_term(struct build *b, unsigned pos, int marks)
{
    if (b->q) {
        dl_xq_term(b->q, b->term.buf, b->term.len, 1, pos);
    }
    if (marks && b->terms) {
        dl_terms_add(b->terms, b->term.buf, b->term.len);
    }
}

static void combine(struct build *b, enum dl_xop op, size_t n, unsigned window)
{
    if (b->q && n > 1) {
        dl_xq_combine(b->q, op, n, window);
    }
}

/*
 * A word typed with its diacritics ("lâm") also gives the readouts that write it so (their
 * DL_PREFIX_WRITTEN term) SPELLING_BONUS more: among readouts that match it folded, those come
 * first. A constant, not a weight of that term: the terms are boolean (they must not lengthen
 * a readout's BM25 length, or writing with diacritics would cost rank) and scaled to weigh
 * nothing themselves (BM25+ gives a wdf-0 term idf x delta: that alone took VNTC known-item
 * MRR@10 typed with diacritics to 0.839 against 0.667 stripped). The bonus is a tie-breaker on
 * purpose: a query typed without diacritics must rank within 0.02 MRR of the same typed with
 * them (bench/relevance.py, VNTC, typed / stripped: constant 0.01 0.668 / 0.667, 0.05 0.670 /
 * 0.667, 0.1 0.679 / 0.667; standing in the most common spelling for a word typed without them
 * made stripped queries worse, 0.627: a distinctive word is often the rarer spelling).
 * Returns the queries pushed.
 */
#define SPELLING_BONUS 0.05
static int push_spelling(struct build *b, const struct dl_qnode *w)
{
    const char *in = b->t->input;
    if (!b->q || w->field != DL_QF_ANY || !in || w->end > b->t->ninput || w->start >= w->end ||
        dl_lower(in + w->start, w->end - w->start, &b->stem) != DL_OK ||
        (b->stem.len == w->len && memcmp(b->stem.buf, w->text, w->len) == 0)) {
        return 0;
    }
    dl_buf_reset(&b->term);
    dl_buf_addf(&b->term, "%s%s:", DL_PREFIX_WRITTEN, w->text);
    dl_buf_add(&b->term, b->stem.buf, b->stem.len);
    dl_xq_term(b->q, b->term.buf, b->term.len, 1, w->pos);
    dl_xq_scale(b->q, 0); /* BM25+ gives even a wdf-0 term idf x delta: it must weigh nothing */
    dl_xq_constant(b->q, SPELLING_BONUS);
    dl_xq_combine(b->q, DL_XOP_AND, 2, 0);
    return 1;
}

/*
 * A word as an operand: its stem ("Z" + field + stem) OR its exact form (field + word), or
 * the word alone if it starts with a digit (or the stem alone with b->plain). The exact
 * form's weight is added to the stem's:
 * on bench/relevance.py's known-item queries, stems alone ranked the readout a word was
 * taken from lower than FTS5 does (MRR@10 on the White House 0.582 -> 0.673 with it,
 * BBC 0.866 -> 0.895, Reuters 0.760 -> 0.815; Vietnamese, with no inflection, unchanged).
 */
static void build_word(struct build *b, const struct dl_qnode *w, int marks)
{
    const char *prefix = field_prefix(w->field);
    int stem = !(w->flags & (DL_QN_DIGIT | DL_QN_CJK));
    if (stem) {
        dl_stem(w->text, w->len, &b->stem);
        dl_buf_reset(&b->term);
        dl_buf_addf(&b->term, "Z%s%s", prefix, b->stem.buf);
        push_term(b, w->pos, marks);
        if (b->plain) {
            return;
        }
    }
    dl_buf_reset(&b->term);
    dl_buf_addf(&b->term, "%s%s", prefix, w->text);
    push_term(b, w->pos, marks);
    combine(b, DL_XOP_OR, (stem ? 2 : 1) + push_spelling(b, w), 0);
}

/* A word where its position counts (phrases, NEAR, ADJ): the word itself. */
static void build_positional(struct build *b, const struct dl_qnode *w, int marks)
{
    dl_buf_reset(&b->term);
    dl_buf_addf(&b->term, "%s%s", field_prefix(w->field), w->text);
    push_term(b, w->pos, marks);
}

/* A phrase, NEAR or ADJ: positional words within a window (the phrase: its length). */
static void build_positional_op(struct build *b, const struct dl_qnode *nd, int marks)
{
    for (size_t i = 0; i < nd->n; i++) {
        const struct dl_qnode *c = dl_qtree_child(b->t, nd, i);
        if (c->kind == DL_Q_WORD) {
            build_positional(b, c, marks);
        } else {
            build_node(b, c, marks); /* not from the parser: Xapian may refuse it */
        }
    }
    unsigned w = nd->window ? nd->window : DL_QUERY_NEAR_DEFAULT;
    switch (nd->kind) {
    case DL_Q_NEAR:
        combine(b, DL_XOP_NEAR, nd->n, w - 1 + (unsigned)nd->n);
        break;
    case DL_Q_ADJ:
        combine(b, DL_XOP_PHRASE, nd->n, w - 1 + (unsigned)nd->n);
        break;
    default:
        combine(b, DL_XOP_PHRASE, nd->n, (unsigned)nd->n);
        break;
    }
}

/* A CJK run: each character and each adjacent pair, in the order Xapian's n-grams come. */
static void build_cjk(struct build *b, const struct dl_qnode *nd, int marks)
{
    const char *prefix = field_prefix(nd->field);
    for (size_t i = 0; i < nd->n; i++) {
        const struct dl_qnode *c = dl_qtree_child(b->t, nd, i);
        if (i) {
            const struct dl_qnode *p = dl_qtree_child(b->t, nd, i - 1);
            dl_buf_reset(&b->term);
            dl_buf_addf(&b->term, "%s%s%s", prefix, p->text, c->text);
            push_term(b, nd->pos, marks);
        }
        dl_buf_reset(&b->term);
        dl_buf_addf(&b->term, "%s%s", prefix, c->text);
        push_term(b, nd->pos, marks);
    }
    combine(b, DL_XOP_AND, nd->n ? 2 * nd->n - 1 : 0, 0);
}

/*
 * A name: the query of its words (or CJK run), or its group's term, as one term; a readout
 * naming the person (in any of the group's spellings) earns the group term's weight once
 * more, so that "to lam" ranks "Tô Lâm" and "Su Lin" above "Lam went to the market".
 */
static void build_alias(struct build *b, const struct dl_qnode *nd, int marks)
{
    b->plain++;
    for (size_t i = 0; i < nd->n; i++) {
        build_node(b, dl_qtree_child(b->t, nd, i), marks);
    }
    b->plain--;
    combine(b, DL_XOP_AND, nd->n, 0);
    const char *g = b->o->aliases && nd->group >= 0
                        ? dl_aliases_group_term(b->o->aliases, (size_t)nd->group)
                        : NULL;
    if (!g) {
        return; /* a tree marked with another table: the words alone */
    }
    if (marks && b->terms) {
        dl_terms_add(b->terms, g, strlen(g)); /* the highlighter knows groups by this term */
    }
    dl_buf_reset(&b->term);
    dl_buf_addf(&b->term, "%s%s", field_prefix(nd->field), g);
    push_term(b, nd->pos, 0);
    combine(b, DL_XOP_SYNONYM, 2, 0);
    if (!b->plain) {
        push_term(b, nd->pos, 0);
        combine(b, DL_XOP_AND_MAYBE, 2, 0);
    }
}

static void build_filter(struct build *b, const struct dl_qnode *nd)
{
    if (nd->kind == DL_Q_RANGE) {
        const char *dots = strstr(nd->text, "..");
        char lo[16] = "";
        size_t nlo = dots ? (size_t)(dots - nd->text) : 0;
        memcpy(lo, nd->text, nlo < sizeof lo ? nlo : 0);
        if (b->q) {
            dl_xq_value_range(b->q, DL_SLOT_DATE, lo, dots ? dots + 2 : "");
        }
        return;
    }
    if (nd->field == DL_QF_KIND) {
        enum dl_kind k;
        int known = dl_kind_parse(nd->text, nd->len, &k) == DL_OK;
        dl_buf_reset(&b->term);
        /* no such kind: a term no readout has */
        dl_buf_addf(&b->term, "%s%s", DL_PREFIX_KIND, known ? dl_kind_name(k) : "\x01");
        push_term(b, 0, 0);
        return;
    }
    if (nd->field >= DL_QF_PERSON) {
        dl_qbuild_entity_term(b->o->aliases, (enum dl_entity)(nd->field - DL_QF_PERSON + 1),
                              nd->text, nd->len, &b->term);
        push_term(b, 0, 0);
        return;
    }
    const char *prefix = nd->field == DL_QF_SOURCE     ? DL_PREFIX_SOURCE
                         : nd->field == DL_QF_DATELINE ? DL_PREFIX_DATELINE
                                                       : DL_PREFIX_YEAR;
    dl_schema_term(&b->term, prefix, nd->text, nd->len);
    push_term(b, 0, 0);
}

void dl_qbuild_entity_term(const struct dl_aliases *a, enum dl_entity t, const char *name,
                           size_t len, struct dl_buf *out)
{
    long g = dl_aliases_lookup(a, t, name, len);
    dl_buf_reset(out);
    /* No such entity: a term no readout has (slugs never hold control characters). */
    dl_buf_adds(out, g >= 0 ? dl_aliases_group_term(a, (size_t)g) : DL_PREFIX_ALIAS "\x01");
}

/* Which part of a run a child is: 0 scored, 1 filter, 2 negated. */
static int run_part(const struct dl_qnode *c)
{
    if (c->flags & DL_QN_NEGATED) {
        return 2;
    }
    return c->kind == DL_Q_FILTER || c->kind == DL_Q_RANGE;
}

/*
 * The filters of a run, fields ANDed: of one field ORed (a readout has one source, dateline,
 * year, date), but ANDed for entities ("person:a person:b": the readouts naming both).
 */
static size_t build_run_filters(struct build *b, const struct dl_qnode *nd)
{
    static const enum dl_qkind kinds[] = {DL_Q_FILTER, DL_Q_FILTER, DL_Q_FILTER, DL_Q_RANGE,
                                          DL_Q_FILTER, DL_Q_FILTER, DL_Q_FILTER, DL_Q_FILTER};
    static const enum dl_qfield fields[] = {DL_QF_SOURCE, DL_QF_DATELINE, DL_QF_YEAR,
                                            DL_QF_ANY,    DL_QF_KIND,     DL_QF_PERSON,
                                            DL_QF_COUNTRY, DL_QF_ORG};
    size_t groups = 0;
    for (int g = 0; g < (int)(sizeof fields / sizeof fields[0]); g++) {
        size_t n = 0;
        for (size_t i = 0; i < nd->n; i++) {
            const struct dl_qnode *c = dl_qtree_child(b->t, nd, i);
            if (run_part(c) == 1 && c->kind == kinds[g] && c->field == fields[g]) {
                build_filter(b, c);
                n++;
            }
        }
        combine(b, fields[g] >= DL_QF_PERSON ? DL_XOP_AND : DL_XOP_OR, n, 0);
        groups += n > 0;
    }
    combine(b, DL_XOP_AND, groups, 0);
    return groups;
}

/* A run: scored operands ANDed, FILTERed by its filters, AND_NOT its negated operands. */
static void build_run(struct build *b, const struct dl_qnode *nd, int marks)
{
    size_t count[3] = {0, 0, 0};
    for (size_t i = 0; i < nd->n; i++) {
        const struct dl_qnode *c = dl_qtree_child(b->t, nd, i);
        if (run_part(c) == 0) {
            build_node(b, c, marks);
        }
        count[run_part(c)]++;
    }
    combine(b, DL_XOP_AND, count[0], 0);
    if (count[1]) {
        build_run_filters(b, nd);
        if (count[0]) {
            combine(b, DL_XOP_FILTER, 2, 0);
        } else if (b->q) {
            dl_xq_scale(b->q, 0.0); /* filters alone: every readout they allow, weight 0 */
        }
    } else if (!count[0] && b->q) {
        dl_xq_all(b->q); /* only '-' operands: everything else */
    }
    if (count[2]) {
        b->plain++;
        for (size_t i = 0; i < nd->n; i++) {
            const struct dl_qnode *c = dl_qtree_child(b->t, nd, i);
            if (run_part(c) == 2) {
                build_node(b, c, 0);
            }
        }
        b->plain--;
        combine(b, DL_XOP_OR, count[2], 0);
        combine(b, DL_XOP_AND_NOT, 2, 0);
    }
}

static void build_children(struct build *b, const struct dl_qnode *nd, enum dl_xop op, int marks)
{
    for (size_t i = 0; i < nd->n; i++) {
        build_node(b, dl_qtree_child(b->t, nd, i), marks);
    }
    combine(b, op, nd->n, 0);
}

static void build_node(struct build *b, const struct dl_qnode *nd, int marks)
{
    switch (nd->kind) {
    case DL_Q_WORD:
        build_word(b, nd, marks);
        break;
    case DL_Q_WILDCARD:
        if (marks && b->terms) {
            dl_terms_add_prefix(b->terms, nd->text, nd->len);
        }
        if (b->q) {
            dl_buf_reset(&b->term);
            dl_buf_addf(&b->term, "%s%s", field_prefix(nd->field), nd->text);
            dl_xq_wildcard(b->q, b->term.buf, b->term.len,
                           b->o->max_wildcard ? b->o->max_wildcard : DEFAULT_MAX_WILDCARD);
        }
        break;
    case DL_Q_PHRASE:
    case DL_Q_NEAR:
    case DL_Q_ADJ:
        build_positional_op(b, nd, marks);
        break;
    case DL_Q_CJK:
        build_cjk(b, nd, marks);
        break;
    case DL_Q_ALIAS:
        build_alias(b, nd, marks);
        break;
    case DL_Q_FILTER:
    case DL_Q_RANGE:
        build_filter(b, nd); /* a lone filter: as in a run of it alone */
        if (b->q) {
            dl_xq_scale(b->q, 0.0);
        }
        break;
    case DL_Q_AND:
        if (nd->flags & DL_QN_TYPED) {
            build_children(b, nd, DL_XOP_AND, marks);
        } else {
            build_run(b, nd, marks);
        }
        break;
    case DL_Q_OR:
        build_children(b, nd, DL_XOP_OR, marks);
        break;
    case DL_Q_XOR:
        build_children(b, nd, DL_XOP_XOR, marks);
        break;
    case DL_Q_NOT:
        build_node(b, dl_qtree_child(b->t, nd, 0), marks);
        b->plain++;
        build_node(b, dl_qtree_child(b->t, nd, 1), 0);
        b->plain--;
        combine(b, DL_XOP_AND_NOT, 2, 0);
        break;
    case DL_Q_ALL:
        if (b->q) {
            dl_xq_all(b->q);
        }
        break;
    }
}

void dl_qbuild(const struct dl_qtree *t, const struct dl_qbuild *o, struct dl_xq *q,
               struct dl_terms *terms)
{
    struct build b = {t, o, q, terms, DL_BUF_INIT, DL_BUF_INIT, 0};
    const struct dl_qnode *r = dl_qtree_root(t);
    if (r) {
        build_node(&b, r, 1);
    } else if (q) {
        dl_xq_all(q);
    }
    dl_buf_release(&b.term);
    dl_buf_release(&b.stem);
}

void dl_qbuild_node(const struct dl_qtree *t, const struct dl_qnode *node,
                    const struct dl_qbuild *o, struct dl_xq *q, struct dl_terms *terms)
{
    struct build b = {t, o, q, terms, DL_BUF_INIT, DL_BUF_INIT, 0};
    build_node(&b, node, 1);
    dl_buf_release(&b.term);
    dl_buf_release(&b.stem);
}

size_t dl_qbuild_parts(const struct dl_qtree *t, const struct dl_qnode **parts, size_t max)
{
    const struct dl_qnode *r = dl_qtree_root(t);
    size_t n = 0;
    if (!r || max == 0) {
        return 0;
    }
    if (r->kind != DL_Q_AND && r->kind != DL_Q_OR) {
        parts[0] = r;
        return run_part(r) == 0;
    }
    for (size_t i = 0; i < r->n && n < max; i++) {
        const struct dl_qnode *c = dl_qtree_child(t, r, i);
        if (run_part(c) == 0) {
            parts[n++] = c;
        }
    }
    return n;
}

void dl_qbuild_plain(const struct dl_qtree *t, const struct dl_qbuild *o, struct dl_xq *q,
                     struct dl_terms *terms)
{
    struct dl_buf words = DL_BUF_INIT;
    struct dl_qtree plain;
    dl_qtree_init(&plain);
    dl_qtree_plain(t, &words);
    /* Folded words and CJK runs only: nothing in them is syntax, and they are valid UTF-8. */
    if (dl_query_parse(&plain, words.buf, words.len, NULL) == DL_OK) {
        dl_qtree_alias(&plain, o->aliases);
    }
    dl_qbuild(&plain, o, q, terms);
    dl_qtree_release(&plain);
    dl_buf_release(&words);
}
