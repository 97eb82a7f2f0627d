/*
 * query.c - the query language's one parser (see query.h).
 *
 * The input is lexed into operands (words, phrases, wildcards, CJK runs,
 * filters, date ranges, bracketed groups), each made a node at once, and
 * operators, kept per bracket level in a stack of frames. When a bracket
 * closes, its frame becomes one node: operators without operands are
 * dropped, NEAR/ADJ join the single words around them, the operands
 * between binary operators form runs, and the runs and operators are
 * joined by precedence (XOR < OR < AND, NOT). Nodes are appended to the
 * tree's one array, children before parents (qtree.h), and no input can
 * make the recursion deep: frames beyond DL_QUERY_MAX_NESTING are not
 * opened, and precedence climbing recurses once per operator level.
 */
#include "dateline/query.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dateline/fold.h"

enum op { OP_AND, OP_OR, OP_XOR, OP_NOT, OP_NEAR, OP_ADJ };
static const char *const op_names[] = {"AND", "OR", "XOR", "NOT", "NEAR", "ADJ"};

/* An operand or an operator of one bracket level, in typed order. */
struct elem {
    int is_op;
    enum op op;      /* operator */
    unsigned window; /* NEAR/n, ADJ/n: n; 0 without /n */
    size_t node;     /* operand: its node */
    int simple;      /* operand: one plain word, which NEAR and ADJ may join */
};

struct frame {
    struct elem *v; /* (owned) */
    size_t n, cap;
    int negated;          /* '-' typed before the '(' */
    enum dl_qfield field; /* title:( applies to every word inside */
};

/* A run of operands (elems a..b) or an operator, once the frame is closed. */
struct unit {
    int is_op;
    enum op op;
    size_t a, b;
};

struct state {
    struct dl_qtree *t;
    const char *s; /* the input */
    size_t n;
    struct frame *frames; /* frames[0] is the top level (owned) */
    size_t nframes, capframes;
    size_t ignored;  /* open '(' past DL_QUERY_MAX_NESTING, whose ')' is ignored too */
    size_t depth;    /* bracket depth as typed */
    unsigned pos;    /* last word position handed out */
    size_t *scratch; /* child lists being built (owned) */
    size_t nscratch, capscratch;
};

static void scratch_push(struct state *st, size_t v)
{
    if (st->nscratch == st->capscratch) {
        st->capscratch = st->capscratch ? 2 * st->capscratch : 16;
        st->scratch = dl_xrealloc(st->scratch, st->capscratch * sizeof *st->scratch);
    }
    st->scratch[st->nscratch++] = v;
}

/* --- frames ------------------------------------------------------------------------ */

static struct frame *top(struct state *st)
{
    return &st->frames[st->nframes - 1];
}

static void push_elem(struct state *st, struct elem e)
{
    struct frame *f = top(st);
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 8;
        f->v = dl_xrealloc(f->v, f->cap * sizeof *f->v);
    }
    f->v[f->n++] = e;
}

static void push_operand(struct state *st, size_t node, int negated, int simple)
{
    if (negated) {
        st->t->nodes[node].flags |= DL_QN_NEGATED;
    }
    push_elem(st, (struct elem){0, OP_AND, 0, node, simple});
}

/* --- characters ---------------------------------------------------------------------- */

/* " and the typographic quotes a word processor puts in its place */
static int is_quote(int32_t c)
{
    return c == '"' || c == 0x201c || c == 0x201d || c == 0x201e || c == 0xff02;
}

static int is_delim(int32_t c)
{
    return dl_is_space(c) || is_quote(c) || c == '(' || c == ')';
}

/* Separators that join the words around them into a phrase ("viet-nam", "u.s."). */
static int is_joiner(int32_t c)
{
    return c == '-' || c == '.' || c == '/' || c == '\\' || c == '@' || c == '\'' || c == '&' ||
           c == 0x2019 || c == 0x2010 || c == 0x2011 || c == 0x2013;
}

static int gap_is_joiner(const char *s, size_t a, size_t b)
{
    while (a < b) {
        size_t k;
        if (!is_joiner(dl_utf8_at(s, b, a, &k))) {
            return 0;
        }
        a += k;
    }
    return 1;
}

/* --- words ---------------------------------------------------------------------------- */

struct tok {
    size_t start, end; /* in the input */
    size_t word;       /* its DL_Q_WORD node */
};

struct toks {
    struct state *st;
    size_t base; /* offset of the tokenized text in the input */
    enum dl_qfield field;
    struct tok *v; /* (owned) */
    size_t n, cap;
};

static int on_token(void *ctx, const char *f, size_t flen, size_t start, size_t end, unsigned flags)
{
    struct toks *tk = ctx;
    struct dl_qtree *t = tk->st->t;
    size_t w = dl_qtree_add(t, DL_Q_WORD, tk->field, tk->base + start, tk->base + end);
    dl_qtree_set_text(t, w, f, flen);
    t->nodes[w].flags =
        (flags & DL_TOKEN_CJK ? DL_QN_CJK : 0) | (flags & DL_TOKEN_DIGIT ? DL_QN_DIGIT : 0);
    if (tk->n == tk->cap) {
        tk->cap = tk->cap ? 2 * tk->cap : 8;
        tk->v = dl_xrealloc(tk->v, tk->cap * sizeof *tk->v);
    }
    tk->v[tk->n++] = (struct tok){tk->base + start, tk->base + end, w};
    return 0;
}

/* The tokens of s[a..b) as DL_Q_WORD nodes. */
static void tokenize(struct state *st, struct toks *tk, size_t a, size_t b, enum dl_qfield field)
{
    memset(tk, 0, sizeof *tk);
    tk->st = st;
    tk->base = a;
    tk->field = field;
    dl_tokenize(st->s + a, b - a, on_token, tk);
    st->t->nwords += tk->n;
}

static int is_cjk(const struct state *st, const struct tok *k)
{
    return (st->t->nodes[k->word].flags & DL_QN_CJK) != 0;
}

/* A CJK run over tokens v[a..b): one node and one position, its characters as children. */
static size_t cjk_run(struct state *st, const struct tok *v, size_t a, size_t b)
{
    unsigned pos = ++st->pos;
    st->nscratch = 0;
    for (size_t k = a; k < b; k++) {
        scratch_push(st, v[k].word);
        st->t->nodes[v[k].word].pos = pos;
    }
    return dl_qtree_add_cjk(st->t, st->scratch, st->nscratch, pos);
}

static void add_prefix_count(struct state *st, size_t node)
{
    struct dl_qtree *t = st->t;
    const struct dl_qnode *w = &t->nodes[node];
    for (size_t i = 0; i < t->nnodes; i++) {
        const struct dl_qnode *o = &t->nodes[i];
        if (i != node && o->kind == DL_Q_WILDCARD && o->len == w->len &&
            memcmp(o->text, w->text, w->len) == 0) {
            return;
        }
    }
    t->nprefixes++;
}

/* One operand from tokens v[a..b): a word, a wildcard, a joined phrase or a CJK run. */
static void push_words(struct state *st, const struct tok *v, size_t a, size_t b, int negated,
                       int wild)
{
    struct dl_qtree *t = st->t;
    if (is_cjk(st, &v[a])) {
        push_operand(st, cjk_run(st, v, a, b), negated, 0);
    } else if (b - a == 1 && wild) {
        t->nodes[v[a].word].kind = DL_Q_WILDCARD;
        t->nodes[v[a].word].pos = ++st->pos;
        add_prefix_count(st, v[a].word);
        push_operand(st, v[a].word, negated, 0);
    } else if (b - a == 1) {
        t->nodes[v[a].word].pos = ++st->pos;
        push_operand(st, v[a].word, negated, 1);
    } else {
        st->nscratch = 0;
        for (size_t k = a; k < b; k++) {
            t->nodes[v[k].word].pos = ++st->pos;
            scratch_push(st, v[k].word);
        }
        size_t p =
            dl_qtree_add_parent(t, DL_Q_PHRASE, t->nodes[v[a].word].field, st->scratch, b - a);
        t->nodes[p].flags |= DL_QN_JOINED;
        push_operand(st, p, negated, 0);
    }
}

/*
 * The words of s[a..b) as operands: tokens joined by phrase separators make
 * one operand ("viet-nam"), adjacent CJK characters one run; any other
 * separator ("foo:bar") starts a new operand. A wildcard applies only to a
 * single non-CJK word: there are no wildcard phrases.
 */
static void add_words(struct state *st, size_t a, size_t b, int negated, enum dl_qfield field,
                      int wild)
{
    struct toks tk;
    tokenize(st, &tk, a, b, field);
    if (wild && (tk.n != 1 || is_cjk(st, &tk.v[0]))) {
        wild = 0;
    }
    size_t first = 0;
    for (size_t i = 1; i <= tk.n; i++) {
        int same = 0;
        if (i < tk.n) {
            const struct tok *p = &tk.v[i - 1], *k = &tk.v[i];
            int cp = is_cjk(st, p), ck = is_cjk(st, k);
            same = (cp && ck && p->end == k->start) ||
                   (!cp && !ck && gap_is_joiner(st->s, p->end, k->start));
        }
        if (!same && tk.n) {
            push_words(st, tk.v, first, i, negated, wild);
            first = i;
        }
    }
    free(tk.v);
}

/* A quoted phrase: all its tokens, CJK characters one by one. */
static void add_phrase(struct state *st, size_t a, size_t b, int negated, enum dl_qfield field)
{
    struct toks tk;
    tokenize(st, &tk, a, b, field);
    st->t->nops++;
    if (tk.n) {
        /* one word too: "lam" is that exact word, not its stem */
        st->nscratch = 0;
        for (size_t k = 0; k < tk.n; k++) {
            st->t->nodes[tk.v[k].word].pos = ++st->pos;
            scratch_push(st, tk.v[k].word);
        }
        push_operand(st, dl_qtree_add_parent(st->t, DL_Q_PHRASE, field, st->scratch, tk.n), negated,
                     0);
    }
    free(tk.v);
}

/* --- dates ------------------------------------------------------------------------------ */

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return days[m - 1];
}

/* Read up to `max` digits at s[*i]; returns how many were read. */
static size_t read_num(const char *s, size_t n, size_t *i, size_t max, int *val)
{
    size_t k = 0;
    *val = 0;
    while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') {
        *val = *val * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    return k;
}

/* Year, month and day of YYYYMMDD, YYYY-MM-DD, YYYY-MM or YYYY (0 for a part left out). */
static int split_date(const char *s, size_t n, int *y, int *m, int *d)
{
    size_t i = 0;
    size_t ky = read_num(s, n, &i, 8, y);
    *m = *d = 0;
    if (ky == 8 && i == n) {
        *d = *y % 100;
        *m = *y / 100 % 100;
        *y /= 10000;
        return 0;
    }
    if (ky != 4) {
        return -1;
    }
    if (i < n && s[i] == '-') {
        i++;
        if (read_num(s, n, &i, 2, m) == 0) {
            return -1;
        }
        if (i < n && s[i] == '-') {
            i++;
            if (read_num(s, n, &i, 2, d) == 0) {
                return -1;
            }
        }
    }
    return i == n ? 0 : -1;
}

/*
 * One end of a date range as "YYYYMMDD": a month or a year stands for its
 * first day at the start of a range and its last day at the end.
 */
static int parse_date(const char *s, size_t n, int is_end, char out[9], struct dl_error *err)
{
    int y, m, d;
    if (split_date(s, n, &y, &m, &d) != 0 || (m == 0 && d != 0)) {
        return dl_error_set(err, DL_EINVAL, "invalid date '%.*s' (use YYYY-MM-DD)", (int)n, s);
    }
    int whole_year = m == 0, whole_month = d == 0;
    if (whole_year) {
        m = is_end ? 12 : 1;
    }
    if (y < 1000 || y > 9999 || m < 1 || m > 12) {
        return dl_error_set(err, DL_EINVAL, "invalid date '%.*s'", (int)n, s);
    }
    if (whole_month) {
        d = is_end ? days_in_month(y, m) : 1;
    }
    if (d < 1 || d > days_in_month(y, m)) {
        return dl_error_set(err, DL_EINVAL, "invalid date '%.*s'", (int)n, s);
    }
    int v[8] = {y / 1000, y / 100 % 10, y / 10 % 10, y % 10, m / 10, m % 10, d / 10, d % 10};
    for (int k = 0; k < 8; k++) {
        out[k] = (char)('0' + v[k]);
    }
    out[8] = '\0';
    return DL_OK;
}

/* The two ends of date:A..B, date:A.., date:..B or date:A into lo and hi ("" if open). */
static int parse_range(const char *s, size_t n, char lo[9], char hi[9], struct dl_error *err)
{
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < n && !dots; i++) {
        dots = s[i] == '.' && s[i + 1] == '.' ? s + i : NULL;
    }
    lo[0] = hi[0] = '\0';
    if (!dots) {
        int rc = parse_date(s, n, 0, lo, err);
        return rc ? rc : parse_date(s, n, 1, hi, err);
    }
    size_t na = (size_t)(dots - s), nb = n - na - 2;
    if (memchr(dots + 2, '.', nb)) {
        return dl_error_set(err, DL_EINVAL, "invalid date range '%.*s'", (int)n, s);
    }
    int rc = na ? parse_date(s, na, 0, lo, err) : DL_OK;
    if (rc == DL_OK && nb) {
        rc = parse_date(dots + 2, nb, 1, hi, err);
    }
    if (rc == DL_OK && lo[0] && hi[0] && strcmp(lo, hi) > 0) {
        char t[9];
        memcpy(t, lo, 9);
        memcpy(lo, hi, 9);
        memcpy(hi, t, 9);
    }
    return rc;
}

/* date:A..B as a range node; "date:" and "date:.." limit nothing and make none. */
static int add_range(struct state *st, size_t a, size_t b, int negated, struct dl_error *err)
{
    char lo[9], hi[9];
    if (a == b) {
        return DL_OK;
    }
    int rc = parse_range(st->s + a, b - a, lo, hi, err);
    if (rc != DL_OK || (!lo[0] && !hi[0])) {
        return rc;
    }
    char text[20];
    memcpy(text, lo, strlen(lo));
    size_t k = strlen(lo);
    memcpy(text + k, "..", 2);
    memcpy(text + k + 2, hi, strlen(hi) + 1);
    size_t i = dl_qtree_add(st->t, DL_Q_RANGE, DL_QF_ANY, a, b);
    dl_qtree_set_text(st->t, i, text, strlen(text));
    push_operand(st, i, negated, 0);
    return DL_OK;
}

/* source:X, dateline:X, year:X: the slug of X, as the indexer slugs those fields. */
static void add_filter(struct state *st, enum dl_qfield f, size_t a, size_t b, int negated)
{
    struct dl_buf slug = DL_BUF_INIT;
    dl_slug(st->s + a, b - a, &slug);
    if (slug.len) {
        size_t i = dl_qtree_add(st->t, DL_Q_FILTER, f, a, b);
        dl_qtree_set_text(st->t, i, slug.buf, slug.len);
        push_operand(st, i, negated, 0);
    }
    dl_buf_release(&slug);
}

/* person:X, country:X, org:X: X as typed, its quotes dropped and spaces squeezed (the
 * searcher resolves it with the alias table, where "=US" forms need the case as typed). */
static void add_entity(struct state *st, enum dl_qfield f, size_t a, size_t b, int negated)
{
    struct dl_buf name = DL_BUF_INIT;
    for (size_t i = a; i < b;) {
        size_t k;
        int32_t c = dl_utf8_at(st->s, b, i, &k);
        if (dl_is_space(c)) {
            if (name.len && name.buf[name.len - 1] != ' ') {
                dl_buf_addc(&name, ' ');
            }
        } else if (!is_quote(c)) {
            dl_buf_add(&name, st->s + i, k);
        }
        i += k;
    }
    while (name.len && name.buf[name.len - 1] == ' ') {
        name.len--;
    }
    if (name.len) {
        size_t i = dl_qtree_add(st->t, DL_Q_FILTER, f, a, b);
        dl_qtree_set_text(st->t, i, name.buf, name.len);
        push_operand(st, i, negated, 0);
    }
    dl_buf_release(&name);
}

/* --- closing a frame --------------------------------------------------------------------- */

/* Extend chain (a NEAR/ADJ node, or a word) by the word w under operator e. */
static size_t near_join(struct state *st, const struct elem *p, const struct elem *e,
                        const struct elem *w)
{
    struct dl_qtree *t = st->t;
    st->nscratch = 0;
    if (p->simple == 2) {
        const struct dl_qnode *c = &t->nodes[p->node];
        for (size_t k = 0; k < c->n; k++) {
            scratch_push(st, t->kids[c->first + k]);
        }
    } else {
        scratch_push(st, p->node);
    }
    scratch_push(st, w->node);
    unsigned window = p->simple == 2 ? t->nodes[p->node].window : 0;
    size_t i = dl_qtree_add_parent(t, e->op == OP_NEAR ? DL_Q_NEAR : DL_Q_ADJ, DL_QF_ANY,
                                   st->scratch, st->nscratch);
    t->nodes[i].window = e->window > window ? e->window : window;
    return i;
}

/* Join single words around NEAR/ADJ into one node; drop NEAR/ADJ anywhere else. */
static void join_near(struct state *st, struct frame *f)
{
    size_t w = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct elem *e = &f->v[i];
        if (e->is_op && (e->op == OP_NEAR || e->op == OP_ADJ)) {
            struct elem *p = w ? &f->v[w - 1] : NULL, *nx = i + 1 < f->n ? &f->v[i + 1] : NULL;
            enum dl_qkind chain = e->op == OP_NEAR ? DL_Q_NEAR : DL_Q_ADJ;
            if (p && nx && !p->is_op && !nx->is_op && nx->simple == 1 &&
                (p->simple == 1 || (p->simple == 2 && st->t->nodes[p->node].kind == chain)) &&
                !(st->t->nodes[p->node].flags & DL_QN_NEGATED) &&
                !(st->t->nodes[nx->node].flags & DL_QN_NEGATED)) {
                p->node = near_join(st, p, e, nx);
                p->simple = 2;
                i++;
            }
            continue;
        }
        f->v[w++] = *e;
    }
    f->n = w;
}

/* Operators with something to work on, between runs of operands (see query.h). */
static size_t make_units(const struct frame *f, struct unit *u)
{
    size_t nu = 0;
    for (size_t i = 0; i < f->n; i++) {
        const struct elem *e = &f->v[i];
        struct unit *last = nu ? &u[nu - 1] : NULL;
        if (!e->is_op) {
            if (last && !last->is_op) {
                last->b = i + 1;
            } else {
                u[nu++] = (struct unit){0, OP_AND, i, i + 1};
            }
        } else if (e->op == OP_NOT) {
            if (!last || !last->is_op || last->op != OP_NOT) {
                u[nu++] = (struct unit){1, OP_NOT, 0, 0};
            }
        } else if (last && !last->is_op) {
            u[nu++] = (struct unit){1, e->op, 0, 0};
        }
    }
    while (nu && u[nu - 1].is_op) {
        nu--;
    }
    return nu;
}

/*
 * A run as one node: its only operand, or an AND of them. After NOT, a run
 * of nothing but '-' operands means them ("a NOT -b" is "a NOT b").
 */
static size_t run_node(struct state *st, const struct frame *f, const struct unit *u, int after_not)
{
    struct dl_qtree *t = st->t;
    int positive = 0;
    for (size_t i = u->a; i < u->b; i++) {
        positive |= !(t->nodes[f->v[i].node].flags & DL_QN_NEGATED);
    }
    if (!positive && after_not) {
        for (size_t i = u->a; i < u->b; i++) {
            t->nodes[f->v[i].node].flags &= ~(unsigned)DL_QN_NEGATED;
        }
        positive = 1;
    }
    if (u->b - u->a == 1 && positive) {
        return f->v[u->a].node;
    }
    st->nscratch = 0;
    for (size_t i = u->a; i < u->b; i++) {
        scratch_push(st, f->v[i].node);
    }
    return dl_qtree_add_parent(t, DL_Q_AND, DL_QF_ANY, st->scratch, st->nscratch);
}

/* Combine left and right under op: chains of one operator become one node. */
static size_t combine(struct state *st, enum dl_qkind kind, size_t left, size_t right, int typed)
{
    struct dl_qtree *t = st->t;
    const struct dl_qnode *l = &t->nodes[left];
    int flatten = kind != DL_Q_NOT && l->kind == kind &&
                  (kind != DL_Q_AND || (l->flags & DL_QN_TYPED)) && !(l->flags & DL_QN_NEGATED);
    st->nscratch = 0;
    if (flatten) {
        for (size_t k = 0; k < l->n; k++) {
            scratch_push(st, t->kids[l->first + k]);
        }
    } else {
        scratch_push(st, left);
    }
    scratch_push(st, right);
    size_t i = dl_qtree_add_parent(t, kind, DL_QF_ANY, st->scratch, st->nscratch);
    t->nodes[i].flags |= typed ? DL_QN_TYPED : 0;
    return i;
}

static int prec(enum op op)
{
    return op == OP_XOR ? 1 : op == OP_OR ? 2 : 3; /* AND, NOT */
}

/*
 * An operand: a run, or NOT and a run (every readout but it). make_units()
 * leaves nothing but NOT before a run, and a run after every NOT.
 */
static size_t primary(struct state *st, const struct frame *f, const struct unit *u, size_t *i,
                      int after_not)
{
    int not = u[*i].is_op;
    *i += not ;
    size_t r = run_node(st, f, &u[*i], not || after_not);
    (*i)++;
    if (!not ) {
        return r;
    }
    size_t at = st->t->nodes[r].start;
    size_t c[2] = {dl_qtree_add(st->t, DL_Q_ALL, DL_QF_ANY, at, at), r};
    return dl_qtree_add_parent(st->t, DL_Q_NOT, DL_QF_ANY, c, 2);
}

/* Precedence climbing over the units: binary operators of at least min_prec. */
static size_t expr(struct state *st, const struct frame *f, const struct unit *u, size_t nu,
                   size_t *i, int min_prec, int after_not)
{
    size_t left = primary(st, f, u, i, after_not);
    while (*i < nu && prec(u[*i].op) >= min_prec) {
        enum op op = u[*i].op;
        (*i)++;
        if (op == OP_AND && *i < nu && u[*i].is_op) {
            op = OP_NOT; /* a AND NOT b */
            (*i)++;
        }
        if (*i >= nu) {
            break;
        }
        size_t right = expr(st, f, u, nu, i, prec(op) + 1, op == OP_NOT);
        enum dl_qkind kind = op == OP_OR    ? DL_Q_OR
                             : op == OP_XOR ? DL_Q_XOR
                             : op == OP_NOT ? DL_Q_NOT
                                            : DL_Q_AND;
        left = combine(st, kind, left, right, op == OP_AND);
    }
    return left;
}

/* The frame's contents as one node, or DL_QTREE_NONE; *simple tells if it is one plain word. */
static size_t frame_node(struct state *st, struct frame *f, int *simple)
{
    join_near(st, f);
    struct unit *u = dl_xmalloc((f->n + 1) * sizeof *u);
    size_t nu = make_units(f, u), node = DL_QTREE_NONE;
    *simple = 0;
    if (nu) {
        size_t i = 0;
        node = expr(st, f, u, nu, &i, 0, 0);
        if (nu == 1 && u[0].b - u[0].a == 1 && node == f->v[u[0].a].node) {
            *simple = f->v[u[0].a].simple;
        }
    }
    free(u);
    return node;
}

static void open_frame(struct state *st, int negated, enum dl_qfield field)
{
    st->t->nops++;
    st->depth++;
    if (st->depth > st->t->max_depth) {
        st->t->max_depth = st->depth;
    }
    if (st->ignored || st->nframes > DL_QUERY_MAX_NESTING) {
        st->ignored++;
        return;
    }
    if (st->nframes == st->capframes) {
        st->capframes *= 2;
        st->frames = dl_xrealloc(st->frames, st->capframes * sizeof *st->frames);
    }
    enum dl_qfield inherited = top(st)->field;
    struct frame *f = &st->frames[st->nframes++];
    memset(f, 0, sizeof *f);
    f->negated = negated;
    f->field = field != DL_QF_ANY ? field : inherited;
}

/* ')' : the frame becomes one operand of its parent (or nothing, if empty). */
static void close_frame(struct state *st)
{
    st->t->nops++;
    if (st->depth == 0) {
        return; /* a stray ')' */
    }
    st->depth--;
    if (st->ignored) {
        st->ignored--;
        return;
    }
    struct frame f = *top(st);
    st->nframes--;
    int simple;
    size_t node = frame_node(st, &f, &simple);
    if (node != DL_QTREE_NONE) {
        int negated = f.negated;
        if (negated && (st->t->nodes[node].flags & DL_QN_NEGATED)) {
            /* "-(-a)": wrap, so that the two signs do not cancel into one flag */
            node = dl_qtree_add_parent(st->t, DL_Q_AND, DL_QF_ANY, &node, 1);
        }
        push_operand(st, node, negated, simple);
    }
    free(f.v);
}

/* --- lexing --------------------------------------------------------------------------------- */

/* AND OR NOT XOR NEAR ADJ NEAR/n ADJ/n, written in capitals and standing alone. */
static int parse_op(const char *w, size_t n, enum op *op, unsigned *window)
{
    for (int i = 0; i < 6; i++) {
        size_t k = strlen(op_names[i]);
        if (n < k || memcmp(w, op_names[i], k) != 0) {
            continue;
        }
        *window = 0;
        if (n == k) {
            *op = (enum op)i;
            return 1;
        }
        if ((i == OP_NEAR || i == OP_ADJ) && w[k] == '/' && n > k + 1 && n <= k + 5) {
            unsigned v = 0;
            for (size_t j = k + 1; j < n; j++) {
                if (w[j] < '0' || w[j] > '9') {
                    return 0;
                }
                v = v * 10 + (unsigned)(w[j] - '0');
            }
            *window = v < 1 ? 1 : v > DL_QUERY_NEAR_MAX ? DL_QUERY_NEAR_MAX : v;
            *op = (enum op)i;
            return 1;
        }
    }
    return 0;
}

enum lexfield {
    L_NONE,
    L_TITLE,
    L_SOURCE,
    L_DATELINE,
    L_YEAR,
    L_DATE,
    L_KIND,
    L_PERSON,
    L_COUNTRY,
    L_ORG
};

static enum lexfield parse_field(const char *w, size_t n, size_t *len)
{
    static const struct {
        const char *name;
        enum lexfield f;
    } fields[] = {{"title:", L_TITLE},     {"source:", L_SOURCE}, {"dateline:", L_DATELINE},
                  {"year:", L_YEAR},       {"date:", L_DATE},     {"person:", L_PERSON},
                  {"country:", L_COUNTRY}, {"org:", L_ORG},      {"kind:", L_KIND}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t k = strlen(fields[i].name);
        if (n >= k && strncasecmp(w, fields[i].name, k) == 0) {
            *len = k;
            return fields[i].f;
        }
    }
    return L_NONE;
}

static enum dl_qfield filter_field(enum lexfield f)
{
    switch (f) {
    case L_SOURCE:
        return DL_QF_SOURCE;
    case L_DATELINE:
        return DL_QF_DATELINE;
    case L_PERSON:
        return DL_QF_PERSON;
    case L_COUNTRY:
        return DL_QF_COUNTRY;
    case L_ORG:
        return DL_QF_ORG;
    case L_KIND:
        return DL_QF_KIND;
    default:
        return DL_QF_YEAR;
    }
}

/* End of a quoted stretch starting at s[i] (after the opening quote): the closing quote or n. */
static size_t quote_end(const char *s, size_t n, size_t i, size_t *next)
{
    while (i < n) {
        size_t k;
        if (is_quote(dl_utf8_at(s, n, i, &k))) {
            *next = i + k;
            return i;
        }
        i += k;
    }
    *next = n;
    return n;
}

/* The value s[a..b) of field f, or of no field. */
static int add_value(struct state *st, enum lexfield f, size_t a, size_t b, int negated, int quoted,
                     struct dl_error *err)
{
    enum dl_qfield words = f == L_TITLE ? DL_QF_TITLE : top(st)->field;
    if (f == L_DATE) {
        return add_range(st, a, b, negated, err);
    }
    if (f == L_PERSON || f == L_COUNTRY || f == L_ORG) {
        add_entity(st, filter_field(f), a, b, negated);
    } else if (f == L_SOURCE || f == L_DATELINE || f == L_YEAR || f == L_KIND) {
        add_filter(st, filter_field(f), a, b, negated);
    } else if (quoted) {
        add_phrase(st, a, b, negated, words);
    } else {
        size_t e = b;
        while (e > a && st->s[e - 1] == '*') {
            e--;
        }
        add_words(st, a, e, negated, words, e < b);
    }
    return DL_OK;
}

/*
 * The word s[i..j): an operator, or [sign][field:]value. A word that is
 * only a sign and/or a field name applies to a phrase or bracket right
 * after it. Returns where lexing goes on.
 */
static size_t lex_word(struct state *st, size_t i, size_t j, int *rc, struct dl_error *err)
{
    const char *s = st->s;
    enum op op;
    unsigned window;
    if (parse_op(s + i, j - i, &op, &window)) {
        st->t->nops++;
        push_elem(st, (struct elem){1, op, window, 0, 0});
        return j;
    }
    int negated = s[i] == '-';
    while (i < j && (s[i] == '-' || s[i] == '+')) {
        i++;
    }
    size_t flen = 0;
    enum lexfield f = parse_field(s + i, j - i, &flen);
    if (f != L_NONE) {
        st->t->nops++;
        i += flen;
    }
    size_t k = 0;
    int32_t next = j < st->n ? dl_utf8_at(s, st->n, j, &k) : 0;
    if (i == j && is_quote(next)) {
        size_t after, e = quote_end(s, st->n, j + k, &after);
        *rc = add_value(st, f, j + k, e, negated, 1, err);
        return after;
    }
    if (i == j && next == '(' && (f == L_NONE || f == L_TITLE)) {
        open_frame(st, negated, f == L_TITLE ? DL_QF_TITLE : DL_QF_ANY);
        return j + 1;
    }
    *rc = add_value(st, f, i, j, negated, 0, err);
    return j;
}

static int lex(struct state *st, struct dl_error *err)
{
    const char *s = st->s;
    size_t n = st->n, i = 0;
    int rc = DL_OK;
    while (i < n && rc == DL_OK) {
        size_t k;
        int32_t c = dl_utf8_at(s, n, i, &k);
        if (dl_is_space(c) || c == 0) {
            i += k;
        } else if (is_quote(c)) {
            size_t after, e = quote_end(s, n, i + k, &after);
            add_phrase(st, i + k, e, 0, top(st)->field);
            i = after;
        } else if (c == '(') {
            open_frame(st, 0, DL_QF_ANY);
            i++;
        } else if (c == ')') {
            close_frame(st);
            i++;
        } else {
            size_t j = i;
            while (j < n) {
                size_t kk;
                int32_t d = dl_utf8_at(s, n, j, &kk);
                if (is_delim(d) || d == 0) {
                    break;
                }
                j += kk;
            }
            i = lex_word(st, i, j, &rc, err);
        }
    }
    return rc;
}

/* --- API ---------------------------------------------------------------------------------- */

int dl_query_parse(struct dl_qtree *t, const char *s, size_t n, struct dl_error *err)
{
    dl_qtree_reset(t);
    size_t bad = dl_utf8_check(s, n);
    if (bad < n) {
        return dl_error_set(err, DL_EENCODING, "query is not valid UTF-8 (byte %zu)", bad);
    }
    struct state st = {.t = t, .s = s, .n = n, .capframes = 4};
    st.frames = dl_xcalloc(st.capframes, sizeof *st.frames);
    st.nframes = 1;
    int rc = lex(&st, err);
    size_t root = DL_QTREE_NONE;
    if (rc == DL_OK) {
        while (st.depth) {
            close_frame(&st); /* close what was left open */
            t->nops--;        /* ... without counting brackets nobody typed */
        }
        int simple;
        root = frame_node(&st, &st.frames[0], &simple);
    }
    for (size_t i = 0; i < st.nframes; i++) {
        free(st.frames[i].v);
    }
    free(st.frames);
    free(st.scratch);
    if (rc != DL_OK) {
        dl_qtree_reset(t);
        return rc;
    }
    dl_qtree_finish(t, root, s, n);
    return DL_OK;
}
