/*
 * alias.c - name variant table (see alias.h).
 *
 * Every form is stored folded, its tokens joined by single spaces (tokens
 * never contain spaces, so the string splits back unambiguously). Scanning
 * runs once per token of every indexed document, so forms are indexed by
 * their first token: an open-addressing hash table maps a first token to
 * the run of entries starting with it, sorted longest form first. A scan
 * step is then one hash probe, and usually no string comparison at all.
 */
#include "dateline/alias.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"
#include "dateline/fold.h"
#include "dateline/schema.h"

#include <utf8proc.h>

/* Longest group term slug, in bytes: keeps "XA" + slug far below glass's 245-byte term limit. */
#define SLUG_MAX 120

struct group {
    char *term;   /* DL_PREFIX_ALIAS + slug of the first form */
    char *name;   /* the first form as written */
    char **forms; /* folded forms, tokens joined by ' ' */
    char **raws;  /* per form: its tokens as written joined by ' ' ("=US"), or NULL */
    char **marks; /* per form: the marks of its spellings that have any ("|"-separated), or NULL */
    size_t nforms;
    enum dl_entity type;
};

struct entry {
    const char *form;  /* borrowed from the group's forms */
    const char *raw;   /* borrowed: the form as written when it matches only so, or NULL */
    const char *marks; /* borrowed: the group's marks of this form, or NULL */
    size_t first_len;  /* bytes of the form's first token */
    size_t ntokens;    /* tokens in the form */
    size_t group;      /* owning group */
};

struct slot {
    const char *key;   /* first token (not NUL-terminated), NULL when the slot is free */
    size_t klen;       /* its length */
    size_t begin, end; /* entries[begin..end) start with it */
};

struct dl_aliases {
    struct group *groups;
    size_t ngroups;
    struct entry *entries; /* every form, sorted by first token, then longest first */
    size_t nentries;
    struct slot *slots; /* hash table over distinct first tokens */
    size_t mask;        /* number of slots - 1 (a power of two) */
    size_t *by_term;    /* group indices sorted by term, for dl_aliases_find_term() */
};

static const char *const ENTITY_NAMES[DL_ENTITY_COUNT] = {"", "person", "country", "org"};

const char *dl_entity_name(enum dl_entity t)
{
    return t < DL_ENTITY_COUNT ? ENTITY_NAMES[t] : "";
}

/* ---- marks ----
 *
 * Folding makes "tố làm" (Vietnamese: to act as) the same tokens as "Tô Lâm"; in VNTC 42
 * readouts said the first and were tagged with the second. So a name's spellings also keep
 * their marks: per token, the diacritics and the Latin letters that fold away (đ, ø), as
 * decomposed code points in sorted order (so "hoà" and "hòa" agree). Text written without
 * marks ("To Lam", "TO LAM") still matches, as does a token whose marks are one spelling's;
 * a token with other marks does not. An entity's form with no marked spelling ("Li Xi") does
 * not match text with marks ("lì xì"); an untyped alias line's does.
 */

#define MARKS_MAX 512 /* bytes of a token run's marks; longer runs are not checked */

static int is_mark(int32_t cp)
{
    return (cp >= 0x300 && cp <= 0x36F) || (cp >= 0xC0 && cp <= 0x24F) ||
           (cp >= 0x1E00 && cp <= 0x1EFF);
}

/* Append the marks of token s[0..n) to out[*len..cap); 0, or -1 when they do not fit. */
static int token_marks(const char *s, size_t n, char *out, size_t *len, size_t cap)
{
    int32_t m[32];
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp, d[8];
        utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i, n - i, &cp);
        i += l > 0 ? (size_t)l : 1;
        int bound = 0;
        utf8proc_ssize_t nd =
            cp >= 0x80
                ? utf8proc_decompose_char(cp, d, 8, UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD, &bound)
                : 0;
        for (utf8proc_ssize_t j = 0; j < nd && j < 8; j++) {
            if (is_mark(d[j]) && k < sizeof m / sizeof m[0]) {
                m[k++] = d[j];
            }
        }
    }
    for (size_t a = 1; a < k; a++) { /* insertion sort: a handful of marks */
        for (size_t b = a; b > 0 && m[b - 1] > m[b]; b--) {
            int32_t t = m[b];
            m[b] = m[b - 1];
            m[b - 1] = t;
        }
    }
    for (size_t a = 0; a < k; a++) {
        if (*len + 4 >= cap) {
            return -1;
        }
        *len += (size_t)utf8proc_encode_char(m[a], (utf8proc_uint8_t *)out + *len);
    }
    return 0;
}

/* The marks of tokens[0..n) (as written) into out, tokens' marks joined by ' ': the number
 * of bytes, 0 when no token has a mark, -1 when too long to check. */
static long tokens_marks(const char *const *tokens, size_t n, char *out, size_t cap)
{
    size_t len = 0, any = 0;
    for (size_t k = 0; k < n; k++) {
        if (k > 0) {
            out[len++] = ' ';
        }
        size_t before = len;
        if (len + 1 >= cap || token_marks(tokens[k], strlen(tokens[k]), out, &len, cap) != 0) {
            return -1;
        }
        any |= len > before;
    }
    out[len] = '\0';
    return any ? (long)len : 0;
}

/* Does each token's marks in got (joined by ' ') either be empty or equal those in want? */
static int marks_agree(const char *got, const char *want, size_t wlen)
{
    const char *w = want, *wend = want + wlen;
    for (;;) {
        size_t g = strcspn(got, " ");
        const char *ws = memchr(w, ' ', (size_t)(wend - w));
        size_t wl = ws ? (size_t)(ws - w) : (size_t)(wend - w);
        if (g && (g != wl || memcmp(got, w, g) != 0)) {
            return 0;
        }
        if (!got[g] || !ws) {
            return 1;
        }
        got += g + 1;
        w = ws + 1;
    }
}

/* Do marks got (of text with marks) agree with one of alts ("|"-separated)? */
static int alts_fit(const char *alts, const char *got)
{
    for (const char *a = alts; *a;) {
        size_t alen = strcspn(a, "|");
        if (marks_agree(got, a, alen)) {
            return 1;
        }
        a += alen + (a[alen] == '|');
    }
    return 0;
}

/* May raw tokens[0..n), which fold to a form whose spellings have the marks alts ("|"-separated
 * runs), be that form? */
static int marks_fit(const char *alts, const char *const *raw, size_t n)
{
    char got[MARKS_MAX];
    long len = tokens_marks(raw, n, got, sizeof got);
    return len <= 0 || alts_fit(alts, got); /* no marks, or too long to tell: it may */
}

/* A form's marks as the scan uses them: an entity's form with no marked spelling is "". */
static const char *form_marks(const struct group *g, size_t f)
{
    return g->marks[f] ? g->marks[f] : g->type != DL_ENTITY_NONE ? "" : NULL;
}

/* The marks of a form's spelling, its tokens as written joined by ' ', or NULL when none. */
static char *spelling_marks(const char *written)
{
    size_t n = 1;
    for (const char *p = written; *p; p++) {
        n += *p == ' ';
    }
    char **toks = dl_xcalloc(n, sizeof *toks);
    const char *p = written;
    for (size_t k = 0; k < n; k++) {
        size_t l = strcspn(p, " ");
        toks[k] = dl_xstrndup(p, l);
        p += l + (p[l] == ' ');
    }
    char out[MARKS_MAX];
    long len = tokens_marks((const char *const *)toks, n, out, sizeof out);
    for (size_t k = 0; k < n; k++) {
        free(toks[k]);
    }
    free(toks);
    return len > 0 ? dl_xstrdup(out) : NULL;
}

/* ---- parsing ---- */

struct fold_ctx {
    const char *src;
    struct dl_buf *out, *raw; /* raw: the tokens as written, or NULL */
};

static int add_token(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                     unsigned flags)
{
    struct fold_ctx *c = ctx;
    (void)flags;
    if (c->out->len) {
        dl_buf_addc(c->out, ' ');
    }
    dl_buf_add(c->out, folded, flen);
    if (c->raw) {
        if (c->raw->len) {
            dl_buf_addc(c->raw, ' ');
        }
        dl_buf_add(c->raw, c->src + start, end - start);
    }
    return 0;
}

/* s[0..n) folded into out and, when raw is not NULL, as written into raw: tokens joined by ' '. */
static void fold_form2(const char *s, size_t n, struct dl_buf *out, struct dl_buf *raw)
{
    struct fold_ctx c = {s, out, raw};
    dl_buf_reset(out);
    if (raw) {
        dl_buf_reset(raw);
    }
    dl_tokenize(s, n, add_token, &c);
}

static void fold_form(const char *s, size_t n, struct dl_buf *out)
{
    fold_form2(s, n, out, NULL);
}

/* The group term for a first form: "XA" + its slug, cut at a character boundary. */
static char *group_term(const char *form, size_t n, const char *folded)
{
    struct dl_buf slug = DL_BUF_INIT, term = DL_BUF_INIT;
    dl_slug(form, n, &slug);
    if (slug.len == 0) {
        /* Nothing alphanumeric survived slugging: fall back to the folded tokens. */
        dl_buf_adds(&slug, folded);
        for (size_t i = 0; i < slug.len; i++) {
            if (slug.buf[i] == ' ') {
                slug.buf[i] = '-';
            }
        }
    }
    size_t cut = slug.len;
    if (cut > SLUG_MAX) {
        cut = SLUG_MAX;
        while (cut > 0 && ((unsigned char)slug.buf[cut] & 0xC0) == 0x80) {
            cut--;
        }
    }
    dl_buf_adds(&term, DL_PREFIX_ALIAS);
    dl_buf_add(&term, slug.buf, cut);
    dl_buf_release(&slug);
    return dl_buf_detach(&term, NULL);
}

static long find_group_linear(const struct dl_aliases *a, const char *term)
{
    for (size_t i = 0; i < a->ngroups; i++) {
        if (strcmp(a->groups[i].term, term) == 0) {
            return (long)i;
        }
    }
    return -1;
}

static int same_raw(const char *x, const char *y)
{
    return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

/* Add marks m (of one spelling) to *alts, the "|"-separated marks of a form's spellings. */
static void add_marks(char **alts, const char *m)
{
    if (!m) {
        return;
    }
    size_t ml = strlen(m);
    for (const char *a = *alts; a && *a;) {
        size_t alen = strcspn(a, "|");
        if (alen == ml && memcmp(a, m, ml) == 0) {
            return;
        }
        a += alen + (a[alen] == '|');
    }
    size_t old = *alts ? strlen(*alts) : 0;
    *alts = dl_xrealloc(*alts, old + (old > 0) + ml + 1);
    if (old) {
        (*alts)[old++] = '|';
    }
    memcpy(*alts + old, m, ml + 1);
}

static void group_add_form(struct group *g, const char *form, const char *raw, const char *marks)
{
    for (size_t i = 0; i < g->nforms; i++) {
        if (strcmp(g->forms[i], form) == 0 && same_raw(g->raws[i], raw)) {
            add_marks(&g->marks[i], marks); /* "Tô Lâm" and "TO LAM" are one form */
            return;
        }
    }
    g->forms = dl_xrealloc(g->forms, (g->nforms + 1) * sizeof *g->forms);
    g->raws = dl_xrealloc(g->raws, (g->nforms + 1) * sizeof *g->raws);
    g->marks = dl_xrealloc(g->marks, (g->nforms + 1) * sizeof *g->marks);
    g->raws[g->nforms] = raw ? dl_xstrdup(raw) : NULL;
    g->marks[g->nforms] = NULL;
    add_marks(&g->marks[g->nforms], marks);
    g->forms[g->nforms++] = dl_xstrdup(form);
}

/* The group that has the folded form `form` (not one matched only as written), or -1. */
static long group_with_form(const struct dl_aliases *a, const char *form)
{
    for (size_t g = 0; g < a->ngroups; g++) {
        for (size_t f = 0; f < a->groups[g].nforms; f++) {
            if (!a->groups[g].raws[f] && strcmp(a->groups[g].forms[f], form) == 0) {
                return (long)g;
            }
        }
    }
    return -1;
}

/* "@person" and the like at line[0..n): the type, or -1 for an unknown one. */
static int parse_type(const char *field, size_t n)
{
    for (int t = 1; t < DL_ENTITY_COUNT; t++) {
        if (n == strlen(ENTITY_NAMES[t]) + 1 && memcmp(field + 1, ENTITY_NAMES[t], n - 1) == 0) {
            return t;
        }
    }
    return -1;
}

/* One line's fields: folded forms, as written for "=" forms, the first form, the type. */
struct line {
    char **forms, **raws, **marks;
    size_t n;
    const char *first; /* the first form as written (after a leading '='), trimmed */
    size_t first_len;
    int type;
};

static void line_release(struct line *l)
{
    for (size_t k = 0; k < l->n; k++) {
        free(l->forms[k]);
        free(l->raws[k]);
        free(l->marks[k]);
    }
    free(l->forms);
    free(l->raws);
    free(l->marks);
}

static void trim(const char **f, size_t *n)
{
    while (*n && (**f == ' ' || **f == '\t')) {
        (*f)++, (*n)--;
    }
    while (*n && ((*f)[*n - 1] == ' ' || (*f)[*n - 1] == '\t')) {
        (*n)--;
    }
}

/* Add field f[0..n) to l: "@type" first, "=form", or a form; fields with no word are ignored. */
static int add_field(struct line *l, const char *f, size_t n, size_t field, size_t lineno,
                     struct dl_buf *folded, struct dl_buf *raw, struct dl_error *err)
{
    trim(&f, &n);
    if (field == 0 && n && f[0] == '@') {
        l->type = parse_type(f, n);
        return l->type < 0 ? dl_error_set(err, DL_EPARSE,
                                          "line %zu: unknown type '%.*s': expected @person, "
                                          "@country or @org",
                                          lineno, (int)(n < 40 ? n : 40), f)
                           : DL_OK;
    }
    int exact = n && f[0] == '=';
    fold_form2(f + exact, n - exact, folded, raw);
    if (folded->len) {
        if (!l->first) {
            l->first = f + exact;
            l->first_len = n - exact;
        }
        l->forms = dl_xrealloc(l->forms, (l->n + 1) * sizeof *l->forms);
        l->raws = dl_xrealloc(l->raws, (l->n + 1) * sizeof *l->raws);
        l->marks = dl_xrealloc(l->marks, (l->n + 1) * sizeof *l->marks);
        l->raws[l->n] = exact ? dl_xstrdup(raw->buf) : NULL;
        l->marks[l->n] = exact ? NULL : spelling_marks(raw->buf);
        l->forms[l->n++] = dl_xstrdup(folded->buf);
    }
    return DL_OK;
}

/* The group a line adds its forms to: the one its first form names, or (untyped lines) the
 * first that shares a form with it; -1 for a new group. */
static long line_group(const struct dl_aliases *a, const struct line *l, const char *term)
{
    long g = find_group_linear(a, term);
    for (size_t k = 0; g < 0 && l->type == DL_ENTITY_NONE && k < l->n; k++) {
        g = l->raws[k] ? -1 : group_with_form(a, l->forms[k]);
    }
    return g;
}

static void add_line(struct dl_aliases *a, const struct line *l)
{
    char *term = group_term(l->first, l->first_len, l->forms[0]);
    long g = line_group(a, l, term);
    if (g < 0) {
        a->groups = dl_xrealloc(a->groups, (a->ngroups + 1) * sizeof *a->groups);
        a->groups[a->ngroups] = (struct group){term,
                                               dl_xstrndup(l->first, l->first_len),
                                               NULL,
                                               NULL,
                                               NULL,
                                               0,
                                               (enum dl_entity)l->type};
        g = (long)a->ngroups++;
    } else {
        free(term);
        if (a->groups[g].type == DL_ENTITY_NONE) {
            a->groups[g].type = (enum dl_entity)l->type;
        }
    }
    for (size_t k = 0; k < l->n; k++) {
        group_add_form(&a->groups[g], l->forms[k], l->raws[k], l->marks[k]);
    }
}

/*
 * Parse one line (without its newline) into a group, or skip it when it is
 * blank or a comment (alias.h says which group a line adds to).
 */
static int parse_line(struct dl_aliases *a, const char *line, size_t n, size_t lineno,
                      struct dl_error *err)
{
    if (n && line[n - 1] == '\r') {
        n--;
    }
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t')) {
        i++;
    }
    if (i == n || line[i] == '#') {
        return DL_OK;
    }
    if (!dl_utf8_valid(line, n)) {
        return dl_error_set(err, DL_EPARSE, "line %zu: invalid UTF-8", lineno);
    }
    struct line l = {NULL, NULL, NULL, 0, NULL, 0, DL_ENTITY_NONE};
    struct dl_buf folded = DL_BUF_INIT, raw = DL_BUF_INIT;
    int rc = DL_OK;
    for (size_t pos = 0, field = 0; pos <= n && rc == DL_OK; field++) {
        const char *tab = memchr(line + pos, '\t', n - pos);
        size_t fend = tab ? (size_t)(tab - line) : n;
        rc = add_field(&l, line + pos, fend - pos, field, lineno, &folded, &raw, err);
        pos = fend + 1;
    }
    if (rc == DL_OK && l.n < (l.type > 0 ? 1u : 2u)) {
        rc = dl_error_set(err, DL_EPARSE,
                          l.type > 0 ? "line %zu: an entity line needs a name"
                                     : "line %zu: an alias line needs at least two tab-separated "
                                       "forms",
                          lineno);
    }
    if (rc == DL_OK) {
        add_line(a, &l);
    }
    line_release(&l);
    dl_buf_release(&folded);
    dl_buf_release(&raw);
    return rc;
}

/* ---- the scan index ---- */

static int entry_cmp(const void *pa, const void *pb)
{
    const struct entry *x = pa, *y = pb;
    size_t n = x->first_len < y->first_len ? x->first_len : y->first_len;
    int c = memcmp(x->form, y->form, n);
    if (c) {
        return c;
    }
    if (x->first_len != y->first_len) {
        return x->first_len < y->first_len ? -1 : 1;
    }
    if (x->ntokens != y->ntokens) {
        return x->ntokens > y->ntokens ? -1 : 1; /* longest first */
    }
    return x->group < y->group ? -1 : (x->group > y->group);
}

/* qsort has no context argument, so term order compares through a pointer into the groups. */
struct term_ref {
    const char *term;
    size_t group;
};

static int term_ref_cmp(const void *pa, const void *pb)
{
    const struct term_ref *x = pa, *y = pb;
    return strcmp(x->term, y->term);
}

static struct slot *lookup(const struct dl_aliases *a, const char *key, size_t klen)
{
    size_t i = (size_t)dl_hash64(key, klen) & a->mask;
    for (;;) {
        struct slot *s = &a->slots[i];
        if (!s->key || (s->klen == klen && memcmp(s->key, key, klen) == 0)) {
            return s;
        }
        i = (i + 1) & a->mask;
    }
}

static void build_index(struct dl_aliases *a)
{
    size_t n = 0;
    for (size_t g = 0; g < a->ngroups; g++) {
        n += a->groups[g].nforms;
    }
    a->entries = dl_xcalloc(n ? n : 1, sizeof *a->entries);
    for (size_t g = 0; g < a->ngroups; g++) {
        for (size_t f = 0; f < a->groups[g].nforms; f++) {
            const char *form = a->groups[g].forms[f];
            struct entry *e = &a->entries[a->nentries++];
            const char *sp = strchr(form, ' ');
            e->form = form;
            e->raw = a->groups[g].raws[f];
            /* An entity's form none of whose spellings has marks is never text with marks
             * ("Li Xi" is not "lì xì"); the user's untyped lines stay lenient. */
            e->marks = form_marks(&a->groups[g], f);
            e->first_len = sp ? (size_t)(sp - form) : strlen(form);
            e->ntokens = 1;
            for (const char *p = form; *p; p++) {
                e->ntokens += *p == ' ';
            }
            e->group = g;
        }
    }
    qsort(a->entries, a->nentries, sizeof *a->entries, entry_cmp);

    size_t nslots = 16;
    while (nslots < 2 * a->nentries) {
        nslots *= 2;
    }
    a->slots = dl_xcalloc(nslots, sizeof *a->slots);
    a->mask = nslots - 1;
    for (size_t i = 0; i < a->nentries;) {
        size_t j = i + 1;
        while (j < a->nentries && a->entries[j].first_len == a->entries[i].first_len &&
               memcmp(a->entries[j].form, a->entries[i].form, a->entries[i].first_len) == 0) {
            j++;
        }
        struct slot *s = lookup(a, a->entries[i].form, a->entries[i].first_len);
        *s = (struct slot){a->entries[i].form, a->entries[i].first_len, i, j};
        i = j;
    }

    struct term_ref *refs = dl_xcalloc(a->ngroups ? a->ngroups : 1, sizeof *refs);
    for (size_t g = 0; g < a->ngroups; g++) {
        refs[g] = (struct term_ref){a->groups[g].term, g};
    }
    qsort(refs, a->ngroups, sizeof *refs, term_ref_cmp);
    a->by_term = dl_xcalloc(a->ngroups ? a->ngroups : 1, sizeof *a->by_term);
    for (size_t g = 0; g < a->ngroups; g++) {
        a->by_term[g] = refs[g].group;
    }
    free(refs);
}

/* ---- public API ---- */

int dl_aliases_parse(const char *text, size_t len, struct dl_aliases **out, struct dl_error *err)
{
    struct dl_aliases *a = dl_xcalloc(1, sizeof *a);
    size_t lineno = 1;
    *out = NULL;
    for (size_t pos = 0; pos < len; lineno++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        int rc = parse_line(a, text + pos, end - pos, lineno, err);
        if (rc) {
            dl_aliases_free(a);
            return rc;
        }
        pos = end + 1;
    }
    build_index(a);
    *out = a;
    return DL_OK;
}

int dl_aliases_load(const char *path, struct dl_aliases **out, struct dl_error *err)
{
    *out = NULL;
    struct dl_buf text = DL_BUF_INIT;
    int rc = dl_buf_read_file(&text, path);
    if (rc != 0) {
        dl_buf_release(&text);
        return dl_error_set(err, DL_EIO, "cannot open '%s': %s", path, strerror(-rc));
    }
    struct dl_error perr = DL_ERROR_INIT;
    rc = dl_aliases_parse(text.buf, text.len, out, &perr);
    dl_buf_release(&text);
    if (rc) {
        return dl_error_set(err, rc, "cannot parse '%s': %s", path, perr.msg);
    }
    return DL_OK;
}

void dl_aliases_free(struct dl_aliases *a)
{
    if (!a) {
        return;
    }
    for (size_t g = 0; g < a->ngroups; g++) {
        for (size_t f = 0; f < a->groups[g].nforms; f++) {
            free(a->groups[g].forms[f]);
            free(a->groups[g].raws[f]);
            free(a->groups[g].marks[f]);
        }
        free(a->groups[g].forms);
        free(a->groups[g].raws);
        free(a->groups[g].marks);
        free(a->groups[g].term);
        free(a->groups[g].name);
    }
    free(a->groups);
    free(a->entries);
    free(a->slots);
    free(a->by_term);
    free(a);
}

size_t dl_aliases_ngroups(const struct dl_aliases *a)
{
    return a ? a->ngroups : 0;
}

const char *dl_aliases_group_term(const struct dl_aliases *a, size_t group)
{
    return group < a->ngroups ? a->groups[group].term : NULL;
}

size_t dl_aliases_nforms(const struct dl_aliases *a, size_t group)
{
    return group < a->ngroups ? a->groups[group].nforms : 0;
}

const char *dl_aliases_form(const struct dl_aliases *a, size_t group, size_t form)
{
    if (group >= a->ngroups || form >= a->groups[group].nforms) {
        return NULL;
    }
    return a->groups[group].forms[form];
}

long dl_aliases_find_term(const struct dl_aliases *a, const char *term)
{
    size_t lo = 0, hi = a ? a->ngroups : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t g = a->by_term[mid];
        int c = strcmp(a->groups[g].term, term);
        if (c == 0) {
            return (long)g;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

/* Do tokens[0..n) spell s (tokens joined by ' ')? */
static int spells(const char *p, const char *const *tokens, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t tl = strlen(tokens[k]);
        p += k > 0; /* the ' ' before token k */
        if (strncmp(p, tokens[k], tl) != 0 || (p[tl] != ' ' && p[tl] != '\0')) {
            return 0;
        }
        p += tl;
    }
    return *p == '\0';
}

/* Does the entry's form equal tokens[0..n) (raw: as written, for "=" forms)? The first folded
 * token is already known equal. */
static int form_matches(const struct entry *e, const char *const *tokens, const char *const *raw,
                        size_t avail)
{
    if (e->ntokens > avail) {
        return 0;
    }
    if (e->raw) {
        return raw && spells(e->raw, raw, e->ntokens);
    }
    const char *p = e->form + e->first_len;
    for (size_t k = 1; k < e->ntokens; k++) {
        size_t tl = strlen(tokens[k]);
        p++; /* the ' ' before token k */
        if (strncmp(p, tokens[k], tl) != 0 || (p[tl] != ' ' && p[tl] != '\0')) {
            return 0;
        }
        p += tl;
    }
    return !raw || !e->marks || marks_fit(e->marks, raw, e->ntokens);
}

int dl_aliases_scan(const struct dl_aliases *a, const char *const *tokens, size_t ntokens,
                    dl_alias_fn cb, void *ctx)
{
    return dl_aliases_scan_raw(a, tokens, NULL, ntokens, cb, ctx);
}

int dl_aliases_scan_raw(const struct dl_aliases *a, const char *const *tokens,
                        const char *const *raw, size_t ntokens, dl_alias_fn cb, void *ctx)
{
    if (!a || a->nentries == 0) {
        return 0;
    }
    for (size_t i = 0; i < ntokens;) {
        const struct slot *s = lookup(a, tokens[i], strlen(tokens[i]));
        if (!s->key) {
            i++;
            continue;
        }
        /* Entries are longest first: the first match fixes the length; other groups
         * that have a form of the same length matching here are reported too. */
        size_t len = 0;
        for (size_t j = s->begin; j < s->end; j++) {
            const struct entry *e = &a->entries[j];
            if (len && e->ntokens < len) {
                break;
            }
            if (form_matches(e, tokens + i, raw ? raw + i : NULL, ntokens - i)) {
                len = e->ntokens;
                int rc = cb(ctx, e->group, i, e->ntokens);
                if (rc) {
                    return rc;
                }
            }
        }
        /* Leftmost-longest: a match is one mention, so no other match starts inside it
         * ("Phạm Minh Chính" is not also a "Minh Chính"). */
        i += len ? len : 1;
    }
    return 0;
}

enum dl_entity dl_aliases_type(const struct dl_aliases *a, size_t group)
{
    return a && group < a->ngroups ? a->groups[group].type : DL_ENTITY_NONE;
}

const char *dl_aliases_name(const struct dl_aliases *a, size_t group)
{
    return a && group < a->ngroups ? a->groups[group].name : NULL;
}

const char *dl_aliases_form_raw(const struct dl_aliases *a, size_t group, size_t form)
{
    if (!a || group >= a->ngroups || form >= a->groups[group].nforms) {
        return NULL;
    }
    return a->groups[group].raws[form];
}

/* Does group g have the form folded (raw: as written) or the name folded? */
/* Does the name, folded and as written (its marks: NULL when it has none), spell group gr? */
static int group_spells(const struct group *gr, const char *folded, const char *raw,
                        const char *marks, struct dl_buf *scratch)
{
    fold_form(gr->name, strlen(gr->name), scratch);
    if (!marks && scratch->len && strcmp(scratch->buf, folded) == 0) {
        return 1;
    }
    for (size_t f = 0; f < gr->nforms; f++) {
        const char *m = form_marks(gr, f);
        if (gr->raws[f]
                ? strcmp(gr->raws[f], raw) == 0
                : strcmp(gr->forms[f], folded) == 0 && (!marks || !m || alts_fit(m, marks))) {
            return 1;
        }
    }
    return 0;
}

long dl_aliases_lookup(const struct dl_aliases *a, enum dl_entity t, const char *name, size_t len)
{
    struct dl_buf folded = DL_BUF_INIT, raw = DL_BUF_INIT, scratch = DL_BUF_INIT;
    long found = -1;
    fold_form2(name, len, &folded, &raw);
    char *marks = folded.len ? spelling_marks(raw.buf) : NULL;
    for (size_t g = 0; a && folded.len && found < 0 && g < a->ngroups; g++) {
        if (t == DL_ENTITY_NONE || a->groups[g].type == t) {
            found =
                group_spells(&a->groups[g], folded.buf, raw.buf, marks, &scratch) ? (long)g : -1;
        }
    }
    free(marks);
    dl_buf_release(&folded);
    dl_buf_release(&raw);
    dl_buf_release(&scratch);
    return found;
}

/* Does some word of s (tokens joined by ' ') start the token run p? */
static int word_prefix(const char *s, const char *p, size_t plen)
{
    for (const char *w = s; w; w = strchr(w, ' '), w = w ? w + 1 : NULL) {
        if (strncmp(w, p, plen) == 0) {
            return 1;
        }
    }
    return 0;
}

int dl_aliases_has_prefix(const struct dl_aliases *a, size_t group, const char *prefix, size_t len)
{
    struct dl_buf folded = DL_BUF_INIT, raw = DL_BUF_INIT;
    int found = 0;
    if (a && group < a->ngroups) {
        const struct group *g = &a->groups[group];
        fold_form2(prefix, len, &folded, &raw);
        found = folded.len == 0; /* no word: every group */
        if (folded.len) {
            struct dl_buf name = DL_BUF_INIT;
            fold_form(g->name, strlen(g->name), &name);
            found = name.len && word_prefix(name.buf, folded.buf, folded.len);
            dl_buf_release(&name);
        }
        for (size_t f = 0; folded.len && !found && f < g->nforms; f++) {
            found = g->raws[f] ? word_prefix(g->raws[f], raw.buf, raw.len)
                               : word_prefix(g->forms[f], folded.buf, folded.len);
        }
    }
    dl_buf_release(&folded);
    dl_buf_release(&raw);
    return found;
}
