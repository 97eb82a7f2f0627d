/*
 * query.c - from what a journalist types to what Xapian's QueryParser reads
 * (see query.h).
 *
 * The input is lexed into operands (words, phrases, filters, date ranges,
 * bracketed groups) and operators, kept per bracket level in a stack of
 * frames; a frame is written out when its bracket closes. Writing a frame
 * is where Xapian's grammar is respected, because QueryParser does not
 * just reject what it cannot read: on a plain "parse error" it silently
 * re-parses the whole string with every flag off, so operators become
 * words and "-x" becomes "x" (checked against 1.4.22):
 *   - a dangling or doubled binary operator is dropped ("lam AND", "a OR OR b");
 *   - NEAR/ADJ only join single plain words, otherwise they are dropped
 *     ("a NEAR (b OR c)" would make "near" and "or" required words);
 *   - "-x" needs a positive operand in the same run of implicitly ANDed
 *     operands ("-trump" alone, "(-a)", "a OR -b" all fail), so such runs
 *     become "NOT x"; a run is written positives first, then "-x" ("a OR -b
 *     c" fails, "a OR c -b" works), then "NOT date:..." (a range cannot be
 *     hated); "+" is dropped (the default operator is AND anyway);
 *   - a CJK run after another operand is quoted, a NEAR/ADJ chain with other
 *     operands is bracketed ("a 首页 b", "a b NEAR c", "a NEAR b c" fail);
 *   - empty groups are dropped, unbalanced brackets closed or ignored.
 * Brackets deeper than MAX_NESTING are flattened, so no input can make the
 * frames (or Xapian's parser stack) grow without bound.
 */
#include "dateline/query.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dateline/fold.h"

#define MAX_NESTING 32 /* deeper brackets are parsed as if they were not there */
#define MAX_NEAR 999   /* largest NEAR/n, ADJ/n window passed on */

enum kind { K_TERM, K_PHRASE, K_FILTER, K_RANGE, K_GROUP, K_OP };
enum op { OP_AND, OP_OR, OP_XOR, OP_NOT, OP_NEAR, OP_ADJ };

static const char *const op_names[] = {"AND", "OR", "XOR", "NOT", "NEAR", "ADJ"};

struct elem {
    enum kind kind;
    enum op op;  /* K_OP: the operator; K_TERM with simple == 2: the chain's operator */
    int hate;    /* typed with a leading '-' */
    int simple;  /* 1: one plain word (a NEAR/ADJ operand); 2: a NEAR/ADJ chain */
    int cjk;     /* a run of CJK characters */
    char *text;  /* query text without the sign (owned) */
    char *plain; /* its words, space separated (owned, may be "") */
};

struct frame {
    struct elem *v; /* operands and operators in typed order (owned) */
    size_t n, cap;
    int hate;  /* '-' typed before the '(' */
    int title; /* opened as title:( */
};

struct tok {
    size_t start, end; /* byte offsets in the string given to dl_tokenize */
    size_t foff, flen; /* folded form in state.arena */
    unsigned flags;    /* DL_TOKEN_* (DL_TOKEN_CJK: as QueryParser sees it) */
    int glued;         /* another part of the same token as the one before */
};

enum field { F_NONE, F_TITLE, F_SOURCE, F_DATELINE, F_YEAR, F_DATE };

struct state {
    struct dl_query *q;
    struct frame *frames; /* frames[0] is the top level (owned) */
    size_t nframes, capframes;
    size_t ignored;   /* open '(' beyond MAX_NESTING whose ')' must be ignored too */
    size_t depth;     /* current bracket depth as typed */
    struct tok *toks; /* tokens of the current word or phrase (owned) */
    size_t ntoks, captoks;
    struct dl_buf arena; /* their folded forms */
};

/* --- small helpers -------------------------------------------------------- */

static int is_space_cp(int32_t c)
{
    return c <= 0x20 || c == 0x7f || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000;
}

/* " and the typographic quotes a word processor substitutes for it */
static int is_quote_cp(int32_t c)
{
    return c == '"' || c == 0x201c || c == 0x201d || c == 0x201e || c == 0xff02;
}

/* Decode at s[i]; the input was validated, so this cannot fail. */
static size_t decode_at(const char *s, size_t n, size_t i, int32_t *cp)
{
    if (s[i] == '\0') {
        *cp = 0;
        return 1;
    }
    size_t k = dl_utf8_decode(s + i, n - i, cp);
    if (k == 0) {
        *cp = 0;
        k = 1;
    }
    return k;
}

static int is_delim(int32_t c)
{
    return is_space_cp(c) || is_quote_cp(c) || c == '(' || c == ')';
}

/* Separators that make QueryParser join the words around them into a phrase. */
static int is_joiner_cp(int32_t c)
{
    return c == '-' || c == '.' || c == '/' || c == '\\' || c == '@' || c == '\'' || c == '&' ||
           c == 0x2019 || c == 0x2010 || c == 0x2011 || c == 0x2013;
}

static int gap_is_joiner(const char *s, size_t a, size_t b)
{
    while (a < b) {
        int32_t c;
        a += decode_at(s, b, a, &c);
        if (!is_joiner_cp(c)) {
            return 0;
        }
    }
    return 1;
}

static void elem_release(struct elem *e)
{
    free(e->text);
    free(e->plain);
}

static void frame_release(struct frame *f)
{
    for (size_t i = 0; i < f->n; i++) {
        elem_release(&f->v[i]);
    }
    free(f->v);
    memset(f, 0, sizeof *f);
}

static struct frame *top(struct state *st)
{
    return &st->frames[st->nframes - 1];
}

/* Append an element to the current frame; text and plain are taken over. */
static void push_elem(struct state *st, enum kind kind, enum op op, int hate, int simple,
                      struct dl_buf *text, struct dl_buf *plain)
{
    struct frame *f = top(st);
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 8;
        f->v = dl_xrealloc(f->v, f->cap * sizeof *f->v);
    }
    struct elem *e = &f->v[f->n++];
    e->kind = kind;
    e->op = op;
    e->hate = hate;
    e->simple = simple;
    e->cjk = 0;
    e->text = dl_buf_detach(text, NULL);
    e->plain = plain ? dl_buf_detach(plain, NULL) : dl_xstrdup("");
}

static void add_sep(struct dl_buf *b)
{
    if (b->len) {
        dl_buf_addc(b, ' ');
    }
}

/* --- tokens --------------------------------------------------------------- */

static void push_tok(struct state *st, const char *f, size_t flen, size_t start, size_t end,
                     unsigned flags, int glued)
{
    if (st->ntoks == st->captoks) {
        st->captoks = st->captoks ? 2 * st->captoks : 16;
        st->toks = dl_xrealloc(st->toks, st->captoks * sizeof *st->toks);
    }
    struct tok *t = &st->toks[st->ntoks++];
    t->start = start;
    t->end = end;
    t->foff = st->arena.len;
    t->flen = flen;
    t->flags = flags;
    t->glued = glued;
    dl_buf_add(&st->arena, f, flen);
}

static int safe_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '_';
}

/*
 * Would QueryParser 1.4.22 see this character as part of a word? Its
 * Unicode tables are older than utf8proc's, and a quoted phrase of
 * characters it does not know ('a "𰳫" b XOR c') makes it fall back to
 * parsing without any syntax. CJK: the blocks it n-grams, as they were
 * when it was released; otherwise the BMP, which it has long covered
 * (a guess on the safe side: what is left out could not be found anyway).
 */
static int xapian_cjk(int32_t c);

static int xapian_knows(int32_t c)
{
    if (c < 0x2e80) {
        return 1;
    }
    return (c >= 0x3041 && c <= 0x3096) || (c >= 0x30a1 && c <= 0x30fa) ||
           (c >= 0x3400 && c <= 0x4db5) || (c >= 0x4e00 && c <= 0x9fcc) ||
           (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfad9) ||
           (c >= 0x20000 && c <= 0x2a6d6) || (c >= 0x2f800 && c <= 0x2fa1d) ||
           (c < 0x10000 && !dl_is_cjk(c));
}

/* The characters QueryParser 1.4.22 n-grams (CJK::codepoint_is_cjk in its cjk-tokenizer.cc). */
static int xapian_cjk(int32_t c)
{
    return (c >= 0x2e80 && c <= 0x2eff) || (c >= 0x3000 && c <= 0x9fff) ||
           (c >= 0xa700 && c <= 0xa71f) || (c >= 0xac00 && c <= 0xd7af) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
           (c >= 0xff00 && c <= 0xffef) || (c >= 0x20000 && c <= 0x2a6df) ||
           (c >= 0x2f800 && c <= 0x2fa1f);
}

/*
 * Each token is re-cut the way QueryParser will read it, so that what we
 * write is what it sees:
 *   - characters it does not know are left out (it would drop them);
 *   - its CJK characters are tokens of their own, others are not (our
 *     tokenizer's CJK set is wider: Hangul Jamo, newer extensions);
 *   - ASCII punctuation that compatibility folding put into a token (NFKC
 *     of "⒈" is "1.") would be syntax: it splits the token.
 * The parts keep the token's offsets and are marked as glued to the part
 * before them, so they are joined like "a-b" (or into one CJK run).
 */
static int collect_tok(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                       unsigned flags)
{
    struct state *st = ctx;
    int glued = 0;
    size_t seg = flen; /* start of the current non-CJK part, flen = none */
    for (size_t i = 0; i <= flen;) {
        int32_t c = 0;
        size_t k = i < flen ? dl_utf8_decode(folded + i, flen - i, &c) : 1;
        k = k ? k : 1;
        int cjk = i < flen && xapian_cjk(c) && xapian_knows(c);
        int word =
            i < flen && !cjk && xapian_knows(c) && (c >= 0x80 || safe_byte((unsigned char)c));
        if (word) {
            seg = seg < flen ? seg : i;
        } else if (seg < flen) {
            push_tok(st, folded + seg, i - seg, start, end, flags & ~(unsigned)DL_TOKEN_CJK, glued);
            glued = 1;
            seg = flen;
        }
        if (cjk) {
            push_tok(st, folded + i, k, start, end, flags | DL_TOKEN_CJK, glued);
            glued = 1;
        }
        i += k;
    }
    return 0;
}

static void tokenize(struct state *st, const char *s, size_t n)
{
    st->ntoks = 0;
    dl_buf_reset(&st->arena);
    dl_tokenize(s, n, collect_tok, st);
    st->q->nterms += st->ntoks;
}

static const char *tok_text(const struct state *st, const struct tok *t)
{
    return st->arena.buf + t->foff;
}

/*
 * Only letters below U+0800 (Latin, Greek, Cyrillic, ...) may be NEAR/ADJ
 * operands: a letter newer than Xapian's Unicode tables vanishes there and
 * would leave "a NEAR" behind.
 */
static int old_script(const struct state *st, const struct tok *t)
{
    const unsigned char *f = (const unsigned char *)st->arena.buf + t->foff;
    for (size_t i = 0; i < t->flen; i++) {
        if (f[i] >= 0xe0) {
            return 0;
        }
    }
    return 1;
}

/* Adjacent CJK characters form one run, which QueryParser splits into n-grams itself. */
static int cjk_run(const struct tok *p, const struct tok *t)
{
    return (p->flags & DL_TOKEN_CJK) && (t->flags & DL_TOKEN_CJK) &&
           (p->end == t->start || t->glued);
}

/* --- operands --------------------------------------------------------------- */

static void add_prefix(struct dl_query *q, const char *p, size_t n)
{
    for (size_t i = 0; i < q->nprefixes; i++) {
        if (strlen(q->prefixes[i]) == n && memcmp(q->prefixes[i], p, n) == 0) {
            return;
        }
    }
    q->prefixes = dl_xrealloc(q->prefixes, (q->nprefixes + 1) * sizeof *q->prefixes);
    q->prefixes[q->nprefixes++] = dl_xstrndup(p, n);
}

/*
 * The words of s[0..n) as operands: tokens joined by phrase separators
 * ("viet-nam") make one operand, CJK runs are one operand each, other
 * separators ("foo:bar") start a new one.
 */
static void add_words(struct state *st, const char *s, size_t n, int hate, int title, int wild)
{
    tokenize(st, s, n);
    if (wild && (st->ntoks != 1 || (st->toks[0].flags & DL_TOKEN_CJK))) {
        wild = 0; /* QueryParser has no wildcard phrases or CJK wildcards */
    }
    struct dl_buf text = DL_BUF_INIT, plain = DL_BUF_INIT;
    size_t first = 0; /* first token of the current operand */
    for (size_t i = 0; i <= st->ntoks; i++) {
        const struct tok *t = i < st->ntoks ? &st->toks[i] : NULL;
        const struct tok *p = i ? &st->toks[i - 1] : NULL;
        int same = 0, glue = 0;
        if (p && t) {
            if (cjk_run(p, t)) {
                same = glue = 1;
            } else if (!(p->flags & DL_TOKEN_CJK) && !(t->flags & DL_TOKEN_CJK) &&
                       (t->glued || gap_is_joiner(s, p->end, t->start))) {
                same = 1;
            }
        }
        if (p && !same) {
            size_t ntok = i - first;
            int simple = ntok == 1 && !(p->flags & DL_TOKEN_CJK) && !wild && old_script(st, p);
            if (wild) {
                add_prefix(st->q, tok_text(st, p), p->flen);
                dl_buf_addc(&text, '*');
                dl_buf_reset(&plain); /* a prefix is not a word to require */
            }
            push_elem(st, K_TERM, OP_AND, hate, simple, &text, &plain);
            top(st)->v[top(st)->n - 1].cjk = (p->flags & DL_TOKEN_CJK) != 0;
            first = i;
        }
        if (!t) {
            break;
        }
        if (!same) {
            if (title) {
                dl_buf_adds(&text, "title:");
            }
        } else if (glue) {
            /* CJK characters of one run stay together */
        } else {
            dl_buf_addc(&text, '-');
            dl_buf_addc(&plain, ' ');
        }
        dl_buf_add(&text, tok_text(st, t), t->flen);
        dl_buf_add(&plain, tok_text(st, t), t->flen);
    }
    dl_buf_release(&text);
    dl_buf_release(&plain);
}

/* A quoted phrase: its words separated by spaces (CJK runs kept together). */
static void add_phrase(struct state *st, const char *s, size_t n, int hate, int title)
{
    tokenize(st, s, n);
    st->q->nops++;
    if (st->ntoks == 0) {
        return;
    }
    struct dl_buf text = DL_BUF_INIT, plain = DL_BUF_INIT;
    for (size_t i = 0; i < st->ntoks; i++) {
        const struct tok *t = &st->toks[i];
        if (i && !cjk_run(&st->toks[i - 1], t)) {
            dl_buf_addc(&plain, ' ');
        }
        dl_buf_add(&plain, tok_text(st, t), t->flen);
    }
    if (title) {
        dl_buf_adds(&text, "title:");
    }
    dl_buf_addc(&text, '"');
    dl_buf_add(&text, plain.buf, plain.len);
    dl_buf_addc(&text, '"');
    push_elem(st, K_PHRASE, OP_AND, hate, 0, &text, &plain);
}

/* --- dates ------------------------------------------------------------------ */

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

/*
 * One end of a date range: YYYY-MM-DD (month and day may have one digit),
 * YYYYMMDD, YYYY-MM or YYYY. A month or a year stands for its first day at
 * the start of a range and its last day at the end. Writes "YYYYMMDD".
 */
static int parse_date(const char *s, size_t n, int is_end, char out[9], struct dl_error *err)
{
    int y, m = 0, d = 0;
    size_t i = 0;
    size_t ky = read_num(s, n, &i, 8, &y);
    if (ky == 8 && i == n) {
        d = y % 100;
        m = y / 100 % 100;
        y /= 10000;
    } else if (ky == 4) {
        if (i < n && s[i] == '-') {
            i++;
            if (read_num(s, n, &i, 2, &m) == 0) {
                goto bad;
            }
            if (i < n && s[i] == '-') {
                i++;
                if (read_num(s, n, &i, 2, &d) == 0) {
                    goto bad;
                }
            }
        }
        if (i != n) {
            goto bad;
        }
    } else {
        goto bad;
    }
    int partial_m = m == 0, partial_d = d == 0;
    if (partial_m && !partial_d) {
        goto bad;
    }
    if (partial_m) {
        m = is_end ? 12 : 1;
    }
    if (y < 1000 || y > 9999 || m < 1 || m > 12) {
        return dl_error_set(err, DL_EINVAL, "invalid date '%.*s'", (int)n, s);
    }
    if (partial_d) {
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
bad:
    return dl_error_set(err, DL_EINVAL, "invalid date '%.*s' (use YYYY-MM-DD)", (int)n, s);
}

/* date:A..B, date:A.., date:..B or date:A (that day, month or year). */
static int add_range(struct state *st, const char *s, size_t n, int hate, struct dl_error *err)
{
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '.' && s[i + 1] == '.') {
            dots = s + i;
            break;
        }
    }
    char a[9] = "", b[9] = "";
    int rc;
    if (!dots) {
        if (n == 0) {
            return DL_OK;
        }
        if ((rc = parse_date(s, n, 0, a, err)) || (rc = parse_date(s, n, 1, b, err))) {
            return rc;
        }
    } else {
        size_t na = (size_t)(dots - s), nb = n - na - 2;
        const char *sb = dots + 2;
        if (memchr(sb, '.', nb)) {
            return dl_error_set(err, DL_EINVAL, "invalid date range '%.*s'", (int)n, s);
        }
        if (na && (rc = parse_date(s, na, 0, a, err))) {
            return rc;
        }
        if (nb && (rc = parse_date(sb, nb, 1, b, err))) {
            return rc;
        }
        if (!na && !nb) {
            return DL_OK; /* "date:.." limits nothing */
        }
        if (na && nb && strcmp(a, b) > 0) {
            char t[9];
            memcpy(t, a, 9);
            memcpy(a, b, 9);
            memcpy(b, t, 9);
        }
    }
    struct dl_buf text = DL_BUF_INIT;
    dl_buf_addf(&text, "date:%s..%s", a, b);
    push_elem(st, K_RANGE, OP_AND, hate, 0, &text, NULL);
    return DL_OK;
}

/* source:X, dateline:X, year:X: the slug of X as a filter term. */
static void add_filter(struct state *st, enum field f, const char *s, size_t n, int hate)
{
    static const char *const names[] = {"", "title", "source", "dateline", "year", "date"};
    struct dl_buf slug = DL_BUF_INIT;
    if (dl_utf8_valid(s, n)) {
        dl_slug(s, n, &slug);
    }
    /* anything but [a-z0-9-] and non-ASCII could end the value early */
    for (size_t i = 0; i < slug.len; i++) {
        if (!safe_byte((unsigned char)slug.buf[i]) && slug.buf[i] != '-') {
            slug.buf[i] = '-';
        }
    }
    if (slug.len) {
        struct dl_buf text = DL_BUF_INIT;
        dl_buf_addf(&text, "%s:%s", names[f], slug.buf);
        push_elem(st, K_FILTER, OP_AND, hate, 0, &text, NULL);
    }
    dl_buf_release(&slug);
}

/* --- brackets --------------------------------------------------------------- */

static void open_frame(struct state *st, int hate, int title)
{
    st->q->nops++;
    st->depth++;
    if (st->depth > st->q->max_depth) {
        st->q->max_depth = st->depth;
    }
    if (st->ignored || st->nframes > MAX_NESTING) {
        st->ignored++;
        return;
    }
    if (st->nframes == st->capframes) {
        st->capframes *= 2;
        st->frames = dl_xrealloc(st->frames, st->capframes * sizeof *st->frames);
    }
    struct frame *f = &st->frames[st->nframes++];
    memset(f, 0, sizeof *f);
    f->hate = hate;
    f->title = title;
}

struct unit {
    int is_op;
    enum op op;  /* when is_op */
    size_t a, b; /* a run: operands v[a..b) */
};

static int is_binary(enum op op)
{
    return op == OP_AND || op == OP_OR || op == OP_XOR;
}

/* Join single-word operands around NEAR/ADJ; drop NEAR/ADJ anywhere else. */
static void join_near(struct frame *f)
{
    size_t w = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct elem *e = &f->v[i];
        if (e->kind == K_OP && (e->op == OP_NEAR || e->op == OP_ADJ)) {
            struct elem *p = w ? &f->v[w - 1] : NULL;
            struct elem *nx = i + 1 < f->n ? &f->v[i + 1] : NULL;
            if (p && nx && p->kind == K_TERM && !p->hate &&
                (p->simple == 1 || (p->simple == 2 && p->op == e->op)) && nx->kind == K_TERM &&
                nx->simple == 1 && !nx->hate) {
                struct dl_buf t = DL_BUF_INIT;
                dl_buf_addf(&t, "%s %s %s", p->text, e->text, nx->text);
                free(p->text);
                p->text = dl_buf_detach(&t, NULL);
                dl_buf_addf(&t, "%s %s", p->plain, nx->plain);
                free(p->plain);
                p->plain = dl_buf_detach(&t, NULL);
                p->simple = 2;
                p->op = e->op;
                elem_release(e);
                elem_release(nx);
                i++;
                continue;
            }
            elem_release(e);
            continue;
        }
        f->v[w++] = *e;
    }
    f->n = w;
}

/* Operators with something to work on, in runs of operands; see the top of the file. */
static size_t make_units(const struct frame *f, struct unit *u)
{
    size_t nu = 0;
    for (size_t i = 0; i < f->n; i++) {
        const struct elem *e = &f->v[i];
        struct unit *last = nu ? &u[nu - 1] : NULL;
        if (e->kind != K_OP) {
            if (last && !last->is_op) {
                last->b = i + 1;
            } else {
                u[nu++] = (struct unit){0, OP_AND, i, i + 1};
            }
        } else if (e->op == OP_NOT) {
            if (!last || !last->is_op || is_binary(last->op)) {
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

static void write_run(const struct frame *f, const struct unit *u, int after_not,
                      struct dl_buf *text, struct dl_buf *plain)
{
    int anchored = 0;
    for (size_t i = u->a; i < u->b; i++) {
        anchored |= !f->v[i].hate;
    }
    /* "a NOT -b" cannot be parsed: read it as "a NOT b" */
    int unsign = !anchored && after_not;
    /* positives first, then hated operands, then hated ranges (NOT date:...) */
    size_t written = 0;
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = u->a; i < u->b; i++) {
            const struct elem *e = &f->v[i];
            int hate = e->hate && !unsign;
            int want = !hate ? 0 : (anchored && e->kind != K_RANGE) ? 1 : 2;
            if (want != pass) {
                continue;
            }
            add_sep(text);
            dl_buf_adds(text, pass == 0 ? "" : pass == 1 ? "-" : "NOT ");
            /*
             * QueryParser 1.4.22 fails on "a 首页 b", "a b NEAR c", "a NEAR b c". A CJK
             * run is quoted, not bracketed: characters newer than Xapian's Unicode
             * tables vanish, and "()" is an error where '""' is not.
             */
            int wrap = e->simple == 2 && u->b - u->a > 1;
            int quote = e->cjk && written > 0;
            written++;
            const char *t = e->text;
            if (quote && strncmp(t, "title:", 6) == 0) {
                dl_buf_adds(text, "title:");
                t += 6;
            }
            dl_buf_adds(text, wrap ? "(" : quote ? "\"" : "");
            dl_buf_adds(text, t);
            dl_buf_adds(text, wrap ? ")" : quote ? "\"" : "");
            if (pass == 0 && !after_not && e->plain[0]) {
                add_sep(plain);
                dl_buf_adds(plain, e->plain);
            }
        }
    }
}

/*
 * Write frame f's contents into text/plain. Returns the number of units;
 * *single is set when the frame holds one positive operand and nothing else.
 */
static size_t write_frame(struct frame *f, struct dl_buf *text, struct dl_buf *plain,
                          struct elem **single)
{
    join_near(f);
    struct unit *u = dl_xmalloc((f->n + 1) * sizeof *u);
    size_t nu = make_units(f, u);
    *single = NULL;
    if (nu == 1 && u[0].b - u[0].a == 1 && !f->v[u[0].a].hate) {
        *single = &f->v[u[0].a];
    }
    for (size_t i = 0; i < nu; i++) {
        if (u[i].is_op) {
            add_sep(text);
            dl_buf_adds(text, op_names[u[i].op]);
        } else {
            write_run(f, &u[i], i > 0 && u[i - 1].op == OP_NOT && u[i - 1].is_op, text, plain);
        }
    }
    free(u);
    return nu;
}

/* ')' : the frame becomes one operand of its parent (or nothing, if empty). */
static void close_frame(struct state *st)
{
    if (st->depth == 0) {
        st->q->nops++; /* a stray ')' */
        return;
    }
    st->q->nops++;
    st->depth--;
    if (st->ignored) {
        st->ignored--;
        return;
    }
    struct frame f = *top(st);
    st->nframes--;
    struct dl_buf inner = DL_BUF_INIT, plain = DL_BUF_INIT;
    struct elem *single;
    size_t nu = write_frame(&f, &inner, &plain, &single);
    if (nu && single && !f.title) {
        /* "(x)" is just x: keeps it usable by NEAR and by run ordering */
        struct frame *p = top(st);
        if (p->n == p->cap) {
            p->cap = p->cap ? 2 * p->cap : 8;
            p->v = dl_xrealloc(p->v, p->cap * sizeof *p->v);
        }
        p->v[p->n] = *single;
        p->v[p->n].hate = f.hate;
        p->n++;
        single->text = single->plain = NULL; /* moved */
    } else if (nu) {
        struct dl_buf text = DL_BUF_INIT;
        dl_buf_addf(&text, "%s(%s)", f.title ? "title:" : "", inner.buf);
        push_elem(st, K_GROUP, OP_AND, f.hate, 0, &text, &plain);
    }
    frame_release(&f);
    dl_buf_release(&inner);
    dl_buf_release(&plain);
}

/* --- words ---------------------------------------------------------------- */

/* AND OR NOT XOR NEAR ADJ NEAR/n ADJ/n, written in capitals and standing alone. */
static int parse_op(const char *w, size_t n, struct dl_buf *text, enum op *op)
{
    for (int i = 0; i < 6; i++) {
        size_t k = strlen(op_names[i]);
        if (n < k || memcmp(w, op_names[i], k) != 0) {
            continue;
        }
        if (n == k) {
            *op = (enum op)i;
            dl_buf_adds(text, op_names[i]);
            return 1;
        }
        if ((i == OP_NEAR || i == OP_ADJ) && w[k] == '/' && n > k + 1 && n <= k + 5) {
            int v = 0;
            for (size_t j = k + 1; j < n; j++) {
                if (w[j] < '0' || w[j] > '9') {
                    return 0;
                }
                v = v * 10 + (w[j] - '0');
            }
            v = v < 1 ? 1 : v > MAX_NEAR ? MAX_NEAR : v;
            *op = (enum op)i;
            dl_buf_addf(text, "%s/%d", op_names[i], v);
            return 1;
        }
    }
    return 0;
}

static enum field parse_field(const char *w, size_t n, size_t *len)
{
    static const struct {
        const char *name;
        enum field f;
    } fields[] = {{"title:", F_TITLE},
                  {"source:", F_SOURCE},
                  {"dateline:", F_DATELINE},
                  {"year:", F_YEAR},
                  {"date:", F_DATE}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t k = strlen(fields[i].name);
        if (n >= k && strncasecmp(w, fields[i].name, k) == 0) {
            *len = k;
            return fields[i].f;
        }
    }
    return F_NONE;
}

/* End of a quoted stretch starting at s[i] (after the opening quote): the closing quote or n. */
static size_t quote_end(const char *s, size_t n, size_t i, size_t *next)
{
    while (i < n) {
        int32_t c;
        size_t k = decode_at(s, n, i, &c);
        if (is_quote_cp(c)) {
            *next = i + k;
            return i;
        }
        i += k;
    }
    *next = n;
    return n;
}

/*
 * The word s[i..j): an operator, or [sign][field:]value[*]. A word that is
 * only a sign and/or a field name may apply to a phrase or bracket right
 * after it. Returns where lexing goes on.
 */
static size_t lex_word(struct state *st, const char *s, size_t n, size_t i, size_t j,
                       struct dl_error *err, int *rc)
{
    struct dl_buf optext = DL_BUF_INIT;
    enum op op;
    if (parse_op(s + i, j - i, &optext, &op)) {
        st->q->nops++;
        push_elem(st, K_OP, op, 0, 0, &optext, NULL);
        return j;
    }
    int hate = 0;
    if (s[i] == '-' || s[i] == '+') {
        hate = s[i] == '-';
        while (i < j && (s[i] == '-' || s[i] == '+')) {
            i++;
        }
    }
    size_t flen = 0;
    enum field f = parse_field(s + i, j - i, &flen);
    if (f != F_NONE) {
        st->q->nops++;
        i += flen;
    }
    int32_t next = 0;
    if (j < n) {
        decode_at(s, n, j, &next);
    }
    if (i == j && is_quote_cp(next)) {
        size_t k = j + decode_at(s, n, j, &next), after;
        size_t e = quote_end(s, n, k, &after);
        if (f == F_NONE || f == F_TITLE) {
            add_phrase(st, s + k, e - k, hate, f == F_TITLE);
        } else if (f == F_DATE) {
            *rc = add_range(st, s + k, e - k, hate, err);
        } else {
            add_filter(st, f, s + k, e - k, hate);
        }
        return after;
    }
    if (i == j && next == '(' && (f == F_NONE || f == F_TITLE)) {
        open_frame(st, hate, f == F_TITLE && !top(st)->title);
        return j + 1;
    }
    switch (f) {
    case F_DATE:
        *rc = add_range(st, s + i, j - i, hate, err);
        break;
    case F_SOURCE:
    case F_DATELINE:
    case F_YEAR:
        add_filter(st, f, s + i, j - i, hate);
        break;
    default: {
        size_t e = j;
        while (e > i && s[e - 1] == '*') {
            e--;
        }
        add_words(st, s + i, e - i, hate, f == F_TITLE, e < j);
    }
    }
    return j;
}

static int lex(struct state *st, const char *s, size_t n, struct dl_error *err)
{
    size_t i = 0;
    int rc = DL_OK;
    while (i < n && rc == DL_OK) {
        int32_t c;
        size_t k = decode_at(s, n, i, &c);
        if (is_space_cp(c)) {
            i += k;
        } else if (is_quote_cp(c)) {
            size_t after, e = quote_end(s, n, i + k, &after);
            add_phrase(st, s + i + k, e - i - k, 0, 0);
            i = after;
        } else if (c == '(') {
            open_frame(st, 0, 0);
            i++;
        } else if (c == ')') {
            close_frame(st);
            i++;
        } else {
            size_t j = i;
            while (j < n) {
                int32_t d;
                size_t kk = decode_at(s, n, j, &d);
                if (is_delim(d)) {
                    break;
                }
                j += kk;
            }
            i = lex_word(st, s, n, i, j, err, &rc);
        }
    }
    return rc;
}

/*
 * QueryParser 1.4.22 rejects a CJK run between two words ("a 首页 b", even
 * "首页 a 首页 b") and the plain form has no quotes to protect it, so its
 * CJK runs go last ("a b 首页 首页" parses).
 */
static void cjk_last(struct dl_buf *plain)
{
    struct dl_buf words = DL_BUF_INIT, cjk = DL_BUF_INIT;
    const char *p = plain->buf, *end = plain->buf + plain->len;
    while (p < end) {
        const char *q = memchr(p, ' ', (size_t)(end - p));
        q = q ? q : end;
        int32_t c = 0;
        dl_utf8_decode(p, (size_t)(q - p), &c);
        struct dl_buf *to = xapian_cjk(c) ? &cjk : &words;
        add_sep(to);
        dl_buf_add(to, p, (size_t)(q - p));
        p = q + 1;
    }
    if (cjk.len && words.len) {
        dl_buf_reset(plain);
        dl_buf_add(plain, words.buf, words.len);
        dl_buf_addc(plain, ' ');
        dl_buf_add(plain, cjk.buf, cjk.len);
    }
    dl_buf_release(&words);
    dl_buf_release(&cjk);
}

/* --- API ---------------------------------------------------------------------- */

void dl_query_init(struct dl_query *q)
{
    memset(q, 0, sizeof *q);
    dl_buf_init(&q->text, 0);
    dl_buf_init(&q->plain, 0);
}

void dl_query_release(struct dl_query *q)
{
    dl_buf_release(&q->text);
    dl_buf_release(&q->plain);
    for (size_t i = 0; i < q->nprefixes; i++) {
        free(q->prefixes[i]);
    }
    free(q->prefixes);
    dl_query_init(q);
}

int dl_query_normalize(struct dl_query *q, const char *s, size_t n, struct dl_error *err)
{
    dl_query_release(q);
    for (size_t i = 0; i < n;) {
        int32_t c;
        size_t k = s[i] ? dl_utf8_decode(s + i, n - i, &c) : 1;
        if (k == 0) {
            return dl_error_set(err, DL_EENCODING, "query is not valid UTF-8 (byte %zu)", i);
        }
        i += k;
    }
    struct state st = {0};
    st.q = q;
    st.capframes = 4;
    st.frames = dl_xcalloc(st.capframes, sizeof *st.frames);
    st.nframes = 1;
    dl_buf_init(&st.arena, 0);
    int rc = lex(&st, s, n, err);
    if (rc == DL_OK) {
        while (st.depth) {
            close_frame(&st); /* close what was left open */
            q->nops--;        /* ... without counting brackets nobody typed */
        }
        struct elem *single;
        write_frame(&st.frames[0], &q->text, &q->plain, &single);
        cjk_last(&q->plain);
    }
    for (size_t i = 0; i < st.nframes; i++) {
        frame_release(&st.frames[i]);
    }
    free(st.frames);
    free(st.toks);
    dl_buf_release(&st.arena);
    if (rc != DL_OK) {
        dl_query_release(q);
    }
    return rc;
}
