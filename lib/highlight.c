/*
 * highlight.c - marks query matches on the original text (see highlight.h).
 *
 * Query terms are sorted into an exact set (folded words, CJK characters)
 * and a stem set (Z terms), both hashed; wildcard prefixes and alias forms
 * are short lists. One tokenizer pass per text (dl_hl_scan) gives each
 * token's folded form and byte offsets; the tokenizer itself drops the
 * tokens whose first two bytes no term, stem or prefix starts with (the
 * `want` filter), so most of a text costs no call at all, and a token is
 * stemmed only when it could stem to a query stem (see add_stem). Matches
 * are kept as raw matches (one per token or alias run, with the id of the
 * query term that matched, which the snippet uses to prefer fragments
 * showing different terms) and merged into display spans, which the
 * snippet, the markup and the match list then share.
 */
#include "dateline/highlight.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/common.h"
#include "dateline/stem.h"
#include "dateline/fold.h"
#include "dateline/strset.h"

#define MAX_SEQ 8       /* longest alias form matched, in tokens */
#define MAX_FRAGMENTS 3 /* snippet fragments */
#define MIN_FRAGMENT 60 /* characters: shorter targets get fewer fragments */
#define DEFAULT_TARGET 300
#define SNAP_CHARS 24 /* how far a fragment edge may move to reach a space */
#define ELLIPSIS "\xe2\x80\xa6"

struct seq {
    char **toks; /* folded tokens of one alias form (owned) */
    size_t *lens;
    size_t n;
    int id;         /* the alias group's term id */
    const char *as; /* a form that matches only as written ("=US"): its tokens as written,
                       joined by ' ' (borrowed from the alias table), else NULL */
};

struct dl_hl {
    struct dl_strset exact;                      /* folded words and CJK characters */
    unsigned char exact2[DL_TOKEN_FILTER_BYTES]; /* bit key(t): some exact term starts like t */
    struct dl_strset stems;                      /* English stems of Z / ZS terms */
    unsigned char stem2[DL_TOKEN_FILTER_BYTES];  /* bit key(t): some stem starts like t */
    unsigned char want[DL_TOKEN_FILTER_BYTES];   /* exact2 | stem2 | wildcards: may match */
    char **stemv;                                /* the stems again, as a list (owned) */
    size_t *stempre; /* how many leading bytes of a word must equal the stem's */
    size_t nstemv;
    char **wild; /* wildcard prefixes (owned) */
    size_t *wildlen;
    int *wildid;
    size_t nwild;
    struct seq *seqs; /* alias forms of the query's alias groups (owned) */
    size_t nseqs;
    size_t maxseq; /* longest form, in tokens */
    int nids;      /* distinct term ids handed out */
};

/* --- building ------------------------------------------------------------------ */

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

/*
 * A 4096-bit filter on the first two bytes (dl_token_key()): small enough
 * to stay in L1 next to the tokenizer's tables, and most tokens fail it.
 */
static void set_bit(unsigned char *map, unsigned char b0, unsigned char b1)
{
    char t[2] = {(char)b0, (char)b1};
    unsigned k = dl_token_key(t, b1 ? 2 : 1);
    map[k >> 3] |= (unsigned char)(1u << (k & 7));
}

/*
 * The English (Porter2) stemmer only rewrites a word's end: y -> i, an
 * added or changed e, a replaced suffix ("biliti" -> "ble"), so a word
 * shares all but the last two bytes of its stem, and its first two
 * bytes unless y -> i hits the second letter (dying -> die). Words that
 * fail both tests are never stemmed.
 */
static void add_stem(struct dl_hl *h, const char *t)
{
    size_t n = strlen(t);
    if (n && dl_strset_find(&h->stems, t, n) < 0) {
        dl_strset_add(&h->stems, t, n, h->nids++);
        unsigned char b0 = (unsigned char)t[0], b1 = n > 1 ? (unsigned char)t[1] : 0;
        set_bit(h->stem2, b0, b1);
        if (b1 == 'i') {
            set_bit(h->stem2, b0, 'y');
        }
        h->stemv = dl_xrealloc(h->stemv, (h->nstemv + 1) * sizeof *h->stemv);
        h->stempre = dl_xrealloc(h->stempre, (h->nstemv + 1) * sizeof *h->stempre);
        h->stemv[h->nstemv] = dl_xstrdup(t);
        h->stempre[h->nstemv++] = n > 3 ? n - 2 : 1;
    }
}

static void add_exact(struct dl_hl *h, const char *t)
{
    size_t n = strlen(t);
    if (n && dl_strset_find(&h->exact, t, n) < 0) {
        dl_strset_add(&h->exact, t, n, h->nids++);
        set_bit(h->exact2, (unsigned char)t[0], n > 1 ? (unsigned char)t[1] : 0);
    }
}

static int has_bit(const unsigned char *map, const char *f, size_t flen)
{
    unsigned k = dl_token_key(f, flen);
    return map[k >> 3] & (1u << (k & 7));
}

static int may_stem_to(const struct dl_hl *h, const char *f, size_t flen)
{
    if (!has_bit(h->stem2, f, flen)) {
        return 0;
    }
    for (size_t i = 0; i < h->nstemv; i++) {
        if (flen >= h->stempre[i] && memcmp(f, h->stemv[i], h->stempre[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Every form of alias group `g` as a token sequence, all with one term id. */
static void add_group(struct dl_hl *h, const struct dl_aliases *a, size_t g)
{
    int id = h->nids++;
    size_t nf = dl_aliases_nforms(a, g);
    for (size_t i = 0; i < nf; i++) {
        const char *form = dl_aliases_form(a, g, i);
        struct seq s = {dl_xcalloc(MAX_SEQ, sizeof(char *)), dl_xcalloc(MAX_SEQ, sizeof(size_t)), 0,
                        id, dl_aliases_form_raw(a, g, i)};
        const char *p = form;
        while (*p) {
            while (*p == ' ') {
                p++;
            }
            const char *q = p;
            while (*q && *q != ' ') {
                q++;
            }
            if (q > p) {
                if (s.n == MAX_SEQ) {
                    s.n++; /* too long: dropped below */
                    break;
                }
                s.lens[s.n] = (size_t)(q - p);
                s.toks[s.n++] = dl_xstrndup(p, (size_t)(q - p));
            }
            p = q;
        }
        if (s.n == 0 || s.n > MAX_SEQ) {
            for (size_t k = 0; k < s.n && k < MAX_SEQ; k++) {
                free(s.toks[k]);
            }
            free(s.toks);
            free(s.lens);
            continue;
        }
        h->seqs = dl_xrealloc(h->seqs, (h->nseqs + 1) * sizeof *h->seqs);
        h->seqs[h->nseqs++] = s;
        if (s.n > h->maxseq) {
            h->maxseq = s.n;
        }
    }
}

struct dl_hl *dl_hl_new(char *const *terms, size_t nterms, char *const *prefixes, size_t nprefixes,
                        const struct dl_aliases *aliases)
{
    struct dl_hl *h = dl_xcalloc(1, sizeof *h);
    for (size_t i = 0; i < nterms; i++) {
        const char *t = terms[i];
        if (!t || !*t) {
            continue;
        }
        if (t[0] == 'Z') {
            t += t[1] == 'S' ? 2 : 1; /* ZS: stems of title words */
            if (!is_upper(*t)) {
                add_stem(h, t);
            }
        } else if (t[0] == 'S') {
            if (!is_upper(t[1])) {
                add_exact(h, t + 1);
            }
        } else if (t[0] == 'X' && t[1] == 'A') {
            long g = aliases ? dl_aliases_find_term(aliases, t) : -1;
            int seen = 0;
            for (size_t j = 0; j < i && g >= 0; j++) {
                seen |= terms[j] && strcmp(terms[j], t) == 0;
            }
            if (g >= 0 && !seen) {
                add_group(h, aliases, (size_t)g);
            }
        } else if (!is_upper(t[0])) {
            add_exact(h, t); /* Q, XS, XD, XY, XO...: filters, nothing to show */
        }
    }
    for (size_t i = 0; i < nprefixes; i++) {
        if (!prefixes[i] || !*prefixes[i]) {
            continue;
        }
        h->wild = dl_xrealloc(h->wild, (h->nwild + 1) * sizeof *h->wild);
        h->wildlen = dl_xrealloc(h->wildlen, (h->nwild + 1) * sizeof *h->wildlen);
        h->wildid = dl_xrealloc(h->wildid, (h->nwild + 1) * sizeof *h->wildid);
        h->wild[h->nwild] = dl_xstrdup(prefixes[i]);
        h->wildlen[h->nwild] = strlen(prefixes[i]);
        h->wildid[h->nwild++] = h->nids++;
    }
    for (size_t i = 0; i < DL_TOKEN_FILTER_BYTES; i++) {
        h->want[i] = h->exact2[i] | h->stem2[i];
    }
    for (size_t i = 0; i < h->nwild; i++) {
        unsigned char b0 = (unsigned char)h->wild[i][0];
        if (h->wildlen[i] > 1) {
            set_bit(h->want, b0, (unsigned char)h->wild[i][1]);
            continue;
        }
        for (unsigned x = 0; x < 64; x++) { /* "a*": every second byte (its low 6 bits) */
            set_bit(h->want, b0, (unsigned char)x);
        }
    }
    /* Every token of an alias form is reported too, so that match_seqs() sees whole forms;
     * the tokens filtered out between them are detected by gap_has_token(). */
    for (size_t i = 0; i < h->nseqs; i++) {
        for (size_t k = 0; k < h->seqs[i].n; k++) {
            const char *t = h->seqs[i].toks[k];
            set_bit(h->want, (unsigned char)t[0], h->seqs[i].lens[k] > 1 ? (unsigned char)t[1] : 0);
        }
    }
    return h;
}

void dl_hl_free(struct dl_hl *h)
{
    if (!h) {
        return;
    }
    dl_strset_release(&h->exact);
    dl_strset_release(&h->stems);
    for (size_t i = 0; i < h->nstemv; i++) {
        free(h->stemv[i]);
    }
    free(h->stemv);
    free(h->stempre);
    for (size_t i = 0; i < h->nwild; i++) {
        free(h->wild[i]);
    }
    free(h->wild);
    free(h->wildlen);
    free(h->wildid);
    for (size_t i = 0; i < h->nseqs; i++) {
        for (size_t k = 0; k < h->seqs[i].n; k++) {
            free(h->seqs[i].toks[k]);
        }
        free(h->seqs[i].toks);
        free(h->seqs[i].lens);
    }
    free(h->seqs);
    free(h);
}

int dl_hl_empty(const struct dl_hl *h)
{
    return !h || (h->exact.n == 0 && h->stems.n == 0 && h->nwild == 0 && h->nseqs == 0);
}

/* --- matching -------------------------------------------------------------------- */

struct dl_hl_raw {
    size_t start, end; /* bytes */
    int id;            /* query term that matched */
    int weak;          /* a stopword ("to", "of"): marked only when it leads into a real match */
};

/* One scan in progress; raw matches go straight into the caller's dl_hl_spans. */
struct scan {
    const struct dl_hl *h;
    struct dl_hl_raw *raw; /* sorted by start (borrowed from the dl_hl_spans) */
    size_t nraw, capraw;
    struct dl_buf stem; /* scratch for dl_stem */
    /* the last tokens, for alias forms: ring[(nseen - k) % MAX_SEQ] is k tokens back */
    char ring[MAX_SEQ][DL_TOKEN_MAX + 1];
    size_t ringlen[MAX_SEQ];
    size_t ringstart[MAX_SEQ], ringend[MAX_SEQ]; /* the tokens as written: text[start..end) */
    size_t nseen;
    const char *text; /* the text being scanned */
    size_t prevend;   /* end of the last token reported */
};

static void add_raw(struct scan *c, size_t start, size_t end, int id, int weak)
{
    if (c->nraw == c->capraw) {
        c->capraw = c->capraw ? 2 * c->capraw : 32;
        c->raw = dl_xrealloc(c->raw, c->capraw * sizeof *c->raw);
    }
    size_t i = c->nraw++;
    /* alias matches end at the current token but may start earlier */
    while (i > 0 && c->raw[i - 1].start > start) {
        c->raw[i] = c->raw[i - 1];
        i--;
    }
    c->raw[i] = (struct dl_hl_raw){start, end, id, weak};
}

static int count_token(void *ctx, const char *f, size_t flen, size_t start, size_t end,
                       unsigned flags)
{
    (void)f, (void)flen, (void)start, (void)end, (void)flags;
    ++*(size_t *)ctx;
    return 1; /* one is enough */
}

/* Whether text[a..b), between two reported tokens, holds a token the filter skipped. */
static int gap_has_token(const char *text, size_t a, size_t b)
{
    if (b - a <= 1 && (a == b || text[a] == ' ')) {
        return 0; /* the usual case: one space */
    }
    size_t n = 0;
    dl_tokenize(text + a, b - a, count_token, &n);
    return n > 0;
}

/* Are the last s->n tokens, as written in the text, the form s->as ("US", not "us")? */
static int written_as(const struct scan *c, const struct seq *s)
{
    const char *p = s->as;
    for (size_t k = 0; k < s->n; k++) {
        size_t r = (c->nseen - s->n + k) % MAX_SEQ;
        size_t len = c->ringend[r] - c->ringstart[r];
        p += k > 0; /* the ' ' between tokens */
        if (strncmp(p, c->text + c->ringstart[r], len) != 0 || (p[len] != ' ' && p[len] != '\0')) {
            return 0;
        }
        p += len;
    }
    return *p == '\0';
}

static int match_seqs(struct scan *c, const char *f, size_t flen, size_t start, size_t end)
{
    if (c->nseen && gap_has_token(c->text, c->prevend, start)) {
        c->nseen = 0; /* not adjacent: no form runs across the gap */
    }
    c->prevend = end;
    const struct dl_hl *h = c->h;
    size_t slot = c->nseen % MAX_SEQ;
    if (flen > DL_TOKEN_MAX) {
        flen = DL_TOKEN_MAX;
    }
    memcpy(c->ring[slot], f, flen);
    c->ringlen[slot] = flen;
    c->ringstart[slot] = start;
    c->ringend[slot] = end;
    c->nseen++;
    for (size_t i = 0; i < h->nseqs; i++) {
        const struct seq *s = &h->seqs[i];
        if (s->n > c->nseen || s->lens[s->n - 1] != flen ||
            memcmp(s->toks[s->n - 1], f, flen) != 0) {
            continue;
        }
        size_t k;
        for (k = 1; k < s->n; k++) {
            size_t r = (c->nseen - 1 - k) % MAX_SEQ;
            const char *t = s->toks[s->n - 1 - k];
            size_t tl = s->lens[s->n - 1 - k];
            if (c->ringlen[r] != tl || memcmp(c->ring[r], t, tl) != 0) {
                break;
            }
        }
        if (k == s->n && (!s->as || written_as(c, s))) {
            add_raw(c, c->ringstart[(c->nseen - s->n) % MAX_SEQ], end, s->id, 0);
        }
    }
    return 0;
}

/*
 * Words so common that marking every one drowns the real matches: the query
 * "to lam" should mark "Tô Lâm", not each "to" of the text. Folded forms.
 */
static int is_stopword(const char *f, size_t n)
{
    static const char *const words[] = {
        "a",    "an",  "and", "are",  "as",   "at",   "be",  "but",   "by",   "for",
        "from", "had", "has", "he",   "her",  "his",  "i",   "in",    "is",   "it",
        "its",  "of",  "on",  "or",   "our",  "that", "the", "their", "they", "this",
        "to",   "was", "we",  "were", "will", "with", "you",
    };
    if (n > 5) {
        return 0;
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strlen(words[i]) == n && memcmp(words[i], f, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int on_token(void *ctx, const char *f, size_t flen, size_t start, size_t end, unsigned flags)
{
    struct scan *c = ctx;
    const struct dl_hl *h = c->h;
    int id = flen && has_bit(h->exact2, f, flen) ? dl_strset_find(&h->exact, f, flen) : -1;
    if (id < 0 && h->stems.n && !(flags & (DL_TOKEN_CJK | DL_TOKEN_DIGIT)) &&
        may_stem_to(h, f, flen)) {
        dl_stem(f, flen, &c->stem);
        id = dl_strset_find(&h->stems, c->stem.buf, c->stem.len);
    }
    for (size_t i = 0; id < 0 && i < h->nwild; i++) {
        if (flen >= h->wildlen[i] && memcmp(f, h->wild[i], h->wildlen[i]) == 0) {
            id = h->wildid[i];
        }
    }
    if (id >= 0) {
        add_raw(c, start, end, id, is_stopword(f, flen));
    }
    if (h->nseqs) {
        match_seqs(c, f, flen, start, end);
    }
    return 0;
}

/* Spaces that may sit inside one mark ("Tô Lâm"): every space (fold.h) but line breaks. */
static int is_inline_space(int32_t c)
{
    return dl_is_space(c) && !(c >= '\n' && c <= '\r') && c != 0x85 && c != 0x2028 && c != 0x2029;
}

static int gap_mergeable(const char *s, size_t a, size_t b)
{
    while (a < b) {
        size_t k;
        if (!is_inline_space(dl_utf8_at(s, b, a, &k))) {
            return 0;
        }
        a += k;
    }
    return 1;
}

/*
 * Keep a stopword match only where the next word is a real match ("Tô" of
 * "Tô Lâm"; "of" in "Secretary of State"), unless the text has no real
 * match at all (a query of stopwords only).
 */
static void drop_lone_stopwords(const char *text, struct scan *c)
{
    size_t strong = 0;
    for (size_t i = 0; i < c->nraw; i++) {
        strong += !c->raw[i].weak;
    }
    if (strong == 0 || strong == c->nraw) {
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->nraw; i++) {
        const struct dl_hl_raw *r = &c->raw[i];
        int keep = !r->weak;
        /* the next match must be a real one, right after it (whitespace between) */
        for (size_t j = i + 1; !keep && j < c->nraw; j++) {
            const struct dl_hl_raw *b = &c->raw[j];
            if (b->start < r->end) {
                continue; /* an alias form starting at the same word */
            }
            keep = !b->weak && dl_is_blank(text, r->end, b->start);
            break;
        }
        if (keep) {
            c->raw[n++] = *r;
        }
    }
    c->nraw = n;
}

/* Merge the raw matches of s into display spans with UTF-16 offsets. */
static void merge(const char *text, struct dl_hl_spans *s)
{
    s->n = 0;
    if (s->nraw > s->capv) {
        free(s->v);
        s->capv = s->nraw;
        s->v = dl_xmalloc(s->capv * sizeof *s->v);
    }
    struct dl_span *sp = s->v;
    size_t n = 0;
    for (size_t i = 0; i < s->nraw; i++) {
        const struct dl_hl_raw *r = &s->raw[i];
        if (n && (r->start <= sp[n - 1].end || gap_mergeable(text, sp[n - 1].end, r->start))) {
            if (r->end > sp[n - 1].end) {
                sp[n - 1].end = r->end;
            }
            continue;
        }
        sp[n++] = (struct dl_span){r->start, r->end, 0, 0};
    }
    size_t pos = 0, pos16 = 0; /* UTF-16 offsets, counted once across the text */
    for (size_t i = 0; i < n; i++) {
        pos16 += dl_utf16_len(text + pos, sp[i].start - pos);
        sp[i].start16 = pos16;
        pos16 += dl_utf16_len(text + sp[i].start, sp[i].end - sp[i].start);
        sp[i].end16 = pos16;
        pos = sp[i].end;
    }
    s->n = n;
}

void dl_hl_spans_init(struct dl_hl_spans *s)
{
    memset(s, 0, sizeof *s);
}

void dl_hl_spans_release(struct dl_hl_spans *s)
{
    free(s->v);
    free(s->raw);
    memset(s, 0, sizeof *s);
}

void dl_hl_scan(const struct dl_hl *h, const char *text, size_t len, struct dl_hl_spans *s)
{
    struct scan c;
    memset(&c, 0, sizeof c);
    c.h = h;
    c.raw = s->raw;
    c.capraw = s->capraw;
    if (!dl_hl_empty(h) && len) {
        dl_buf_init(&c.stem, 0);
        c.text = text;
        dl_tokenize_some(text, len, h->want, on_token, &c);
        drop_lone_stopwords(text, &c);
        dl_buf_release(&c.stem);
    }
    s->raw = c.raw;
    s->capraw = c.capraw;
    s->nraw = c.nraw;
    merge(text, s);
}

size_t dl_hl_matches(const struct dl_hl *h, const char *text, size_t len, struct dl_span **spans)
{
    struct dl_hl_spans s = DL_HL_SPANS_INIT;
    dl_hl_scan(h, text, len, &s);
    size_t n = s.n;
    *spans = n ? s.v : NULL;
    if (n) {
        s.v = NULL;
    }
    dl_hl_spans_release(&s);
    return n;
}

/* --- output ----------------------------------------------------------------------- */

static void add_marked(struct dl_buf *out, const char *text, size_t a, size_t b,
                       const struct dl_span *sp, size_t nsp,
                       void (*add)(struct dl_buf *, const char *, size_t))
{
    size_t i = 0;
    while (i < nsp && sp[i].end <= a) {
        i++;
    }
    for (; i < nsp && sp[i].start < b; i++) {
        size_t s = sp[i].start < a ? a : sp[i].start, e = sp[i].end > b ? b : sp[i].end;
        add(out, text + a, s - a);
        dl_buf_adds(out, "<mark>");
        add(out, text + s, e - s);
        dl_buf_adds(out, "</mark>");
        a = e;
    }
    add(out, text + a, b - a);
}

void dl_hl_markup(const struct dl_hl *h, const char *text, size_t len, struct dl_buf *out)
{
    struct dl_hl_spans s = DL_HL_SPANS_INIT;
    dl_hl_scan(h, text, len, &s);
    dl_hl_markup_spans(&s, text, len, out);
    dl_hl_spans_release(&s);
}

void dl_hl_markup_spans(const struct dl_hl_spans *s, const char *text, size_t len,
                        struct dl_buf *out)
{
    add_marked(out, text, 0, len, s->v, s->n, dl_buf_add_html);
}

/* HTML-escaped, every run of white space (line breaks included) as one space. */
static void add_flat(struct dl_buf *out, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i, k;
        while (j < n && !dl_is_space(dl_utf8_at(p, n, j, &k))) {
            j += k;
        }
        dl_buf_add_html(out, p + i, j - i);
        if (j == n) {
            break;
        }
        while (j < n && dl_is_space(dl_utf8_at(p, n, j, &k))) {
            j += k;
        }
        if (!(out->len && out->buf[out->len - 1] == ' ')) {
            dl_buf_addc(out, ' ');
        }
        i = j;
    }
}

static size_t count_chars(const char *s, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++) {
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    }
    return n;
}

static size_t fwd_chars(const char *s, size_t len, size_t p, size_t n)
{
    while (p < len && n > 0) {
        p++;
        while (p < len && ((unsigned char)s[p] & 0xc0) == 0x80) {
            p++;
        }
        n--;
    }
    return p;
}

static size_t back_chars(const char *s, size_t p, size_t n)
{
    while (p > 0 && n > 0) {
        p--;
        while (p > 0 && ((unsigned char)s[p] & 0xc0) == 0x80) {
            p--;
        }
        n--;
    }
    return p;
}

/* Part of a word for cutting purposes: letters, digits, marks (CJK characters excepted). */
static int wordish(int32_t c)
{
    if (c == 0xFFFD) {
        return 0; /* an invalid byte: a separator of its own */
    }
    if (c < 0x80) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '_';
    }
    return !dl_is_space(c) && !(c >= 0x2010 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f) &&
           !dl_is_cjk(c);
}

/* May a fragment start or end at byte p (a character boundary)? */
static int cut_ok(const char *s, size_t len, size_t p)
{
    if (p == 0 || p >= len) {
        return 1;
    }
    size_t q = back_chars(s, p, 1);
    return !wordish(dl_utf8_at(s, len, q, NULL)) || !wordish(dl_utf8_at(s, len, p, NULL));
}

struct frag {
    size_t s, e;   /* bytes shown */
    size_t cs, ce; /* the matches it was chosen for */
};

static int frag_cmp(const void *a, const void *b)
{
    const struct frag *x = a, *y = b;
    return x->cs < y->cs ? -1 : x->cs > y->cs;
}

/* Pick up to `maxf` fragment cores, most new distinct terms first. */
static size_t choose(const struct dl_hl *h, const struct dl_hl_spans *c, size_t window, size_t maxf,
                     struct frag *fr)
{
    size_t nf = 0;
    size_t nids = h ? (size_t)h->nids : 0; /* no highlighter: no matches either */
    unsigned char *covered = dl_xcalloc(nids + 1, 1);
    size_t *stamp = dl_xcalloc(nids + 1, sizeof *stamp);
    size_t gen = 0;
    while (nf < maxf) {
        size_t best = SIZE_MAX, bestscore = 0, bestnew = 0, bs = 0, be = 0;
        for (size_t i = 0; i < c->nraw; i++) {
            size_t ws = c->raw[i].start, we = ws + window;
            int near = 0;
            for (size_t k = 0; k < nf; k++) {
                near |= ws + window / 2 >= fr[k].cs && ws <= fr[k].ce + window / 2;
            }
            if (near) {
                continue;
            }
            gen++;
            size_t ndistinct = 0, nnew = 0, count = 0, ce = c->raw[i].end;
            for (size_t j = i; j < c->nraw && c->raw[j].start < we; j++) {
                if (c->raw[j].end > we) {
                    continue;
                }
                int id = c->raw[j].id;
                count++;
                if (c->raw[j].end > ce) {
                    ce = c->raw[j].end;
                }
                if (stamp[id] != gen) {
                    stamp[id] = gen;
                    ndistinct++;
                    nnew += !covered[id];
                }
            }
            size_t score = nnew * 1000000 + ndistinct * 1000 + (count < 999 ? count : 999);
            if (score > bestscore) {
                best = i;
                bestscore = score;
                bestnew = nnew;
                bs = ws;
                be = ce;
            }
        }
        if (best == SIZE_MAX || (nf > 0 && bestnew == 0)) {
            break;
        }
        for (size_t j = best; j < c->nraw && c->raw[j].start < be; j++) {
            covered[c->raw[j].id] = 1;
        }
        fr[nf++] = (struct frag){0, 0, bs, be};
    }
    free(covered);
    free(stamp);
    return nf;
}

/* Widen a core [cs, ce) to about `chars` characters, cut at word boundaries. */
static void widen(const char *text, size_t len, const struct dl_span *sp, size_t nsp, size_t chars,
                  struct frag *f)
{
    size_t core = count_chars(text, f->cs, f->ce);
    size_t room = chars > core ? chars - core : 0;
    size_t s = back_chars(text, f->cs, room / 3);
    if (count_chars(text, 0, s) <= room / 2 + 15) {
        s = 0; /* not worth a "…": show the start and give the end less */
    }
    size_t used = count_chars(text, s, f->ce);
    size_t e = fwd_chars(text, len, f->ce, chars > used ? chars - used : 0);
    /* start after a space and end before one if there is one close by ... */
    size_t p = s;
    for (size_t k = 0; p > 0 && p < f->cs && k < SNAP_CHARS; k++) {
        if (dl_is_space(dl_utf8_at(text, len, back_chars(text, p, 1), NULL))) {
            break;
        }
        p = fwd_chars(text, len, p, 1);
    }
    s = p > 0 && p <= f->cs && dl_is_space(dl_utf8_at(text, len, back_chars(text, p, 1), NULL)) ? p
                                                                                                : s;
    p = e;
    for (size_t k = 0; p < len && p > f->ce && k < SNAP_CHARS; k++) {
        if (dl_is_space(dl_utf8_at(text, len, p, NULL))) {
            break;
        }
        p = back_chars(text, p, 1);
    }
    e = p < len && p >= f->ce && dl_is_space(dl_utf8_at(text, len, p, NULL)) ? p : e;
    /* ... else at least not inside a word (CJK text has no spaces) */
    while (s < f->cs && !cut_ok(text, len, s)) {
        s = fwd_chars(text, len, s, 1);
    }
    while (e > f->ce && !cut_ok(text, len, e)) {
        e = back_chars(text, e, 1);
    }
    for (size_t i = 0; i < nsp; i++) { /* never split a mark */
        if (sp[i].start < s && s < sp[i].end) {
            s = sp[i].start;
        }
        if (sp[i].start < e && e < sp[i].end) {
            e = sp[i].start >= f->ce ? sp[i].start : sp[i].end;
        }
    }
    size_t k;
    while (s < e && dl_is_space(dl_utf8_at(text, len, s, &k))) {
        s += k;
    }
    while (e > s) {
        size_t p = back_chars(text, e, 1);
        if (!dl_is_space(dl_utf8_at(text, len, p, NULL))) {
            break;
        }
        e = p;
    }
    f->s = s;
    f->e = e;
}

void dl_hl_snippet(const struct dl_hl *h, const char *text, size_t len, size_t target,
                   struct dl_buf *out)
{
    struct dl_hl_spans s = DL_HL_SPANS_INIT;
    dl_hl_scan(h, text, len, &s);
    dl_hl_snippet_spans(h, &s, text, len, target, out);
    dl_hl_spans_release(&s);
}

void dl_hl_snippet_spans(const struct dl_hl *h, const struct dl_hl_spans *s, const char *text,
                         size_t len, size_t target, struct dl_buf *out)
{
    if (target == 0) {
        target = DEFAULT_TARGET;
    }
    size_t maxf = target / MIN_FRAGMENT;
    maxf = maxf < 1 ? 1 : maxf > MAX_FRAGMENTS ? MAX_FRAGMENTS : maxf;
    const struct dl_span *sp = s->v;
    size_t nsp = s->n;
    struct frag fr[MAX_FRAGMENTS];
    size_t nf = choose(h, s, target / maxf, maxf, fr);
    if (nf == 0) {
        fr[0] = (struct frag){0, 0, 0, 0};
        nf = 1;
    }
    qsort(fr, nf, sizeof *fr, frag_cmp);
    for (size_t i = 0; i < nf; i++) {
        widen(text, len, sp, nsp, target / nf, &fr[i]);
    }
    size_t m = 0; /* merge fragments that meet */
    for (size_t i = 0; i < nf; i++) {
        if (fr[i].e <= fr[i].s) {
            continue;
        }
        if (m && fr[i].s <= fr[m - 1].e + 1) {
            if (fr[i].e > fr[m - 1].e) {
                fr[m - 1].e = fr[i].e;
            }
            continue;
        }
        fr[m++] = fr[i];
    }
    for (size_t i = 0; i < m; i++) {
        if (i > 0) {
            dl_buf_adds(out, " " ELLIPSIS " ");
        } else if (!dl_is_blank(text, 0, fr[i].s)) {
            dl_buf_adds(out, ELLIPSIS " ");
        }
        add_marked(out, text, fr[i].s, fr[i].e, sp, nsp, add_flat);
        if (i == m - 1 && !dl_is_blank(text, fr[i].e, len)) {
            dl_buf_adds(out, " " ELLIPSIS);
        }
    }
}
