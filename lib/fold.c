/*
 * fold.c - Unicode folding and the tokenizer (see fold.h).
 *
 * Folding is utf8proc's STABLE|COMPOSE|COMPAT|STRIPMARK|CASEFOLD plus a
 * callback for the letters that have no decomposition (đ, ø, ł). Only
 * non-ASCII text ever reaches utf8proc: ASCII is lower-cased inline, which
 * gives the same bytes because a combining mark after an ASCII base is
 * stripped before composition anyway (notes/xapian-1.4.md §1.2).
 *
 * The tokenizer never allocates: each token's bytes are gathered into a
 * fixed buffer in a context on the stack and folded there in place.
 */
#include "dateline/fold.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "dateline/common.h"

#define FOLD_OPTS                                                                                  \
    ((utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |                    \
                         UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD))

/*
 * Bytes of one token gathered before folding. Raw text is longer than its
 * folded form only by stripped marks (NFD input) and by compatibility
 * forms, so a raw token over 4x DL_TOKEN_MAX cannot plausibly fold to
 * DL_TOKEN_MAX bytes; it is skipped as too long.
 */
#define RAW_MAX (4 * DL_TOKEN_MAX)
/* Code points utf8proc may produce from RAW_MAX bytes (COMPAT expands some ligatures a lot). */
#define CPS_MAX (4 * RAW_MAX)

/* What a code point is to the tokenizer. */
enum cclass {
    C_SEP,    /* ends a word: spaces, punctuation, symbols, controls, invalid bytes */
    C_WORD,   /* L*, M*, N*, Pc */
    C_FORMAT, /* Cf other than U+200B: dropped, does not end a word */
    C_APOS,   /* ' or U+2019: ends a word; may start a possessive 's */
};

/* Classes of ASCII bytes; a const table, not mutable state. */
/* clang-format off */
static const unsigned char ascii_class[128] = {
    ['0'] = C_WORD, ['1'] = C_WORD, ['2'] = C_WORD, ['3'] = C_WORD, ['4'] = C_WORD,
    ['5'] = C_WORD, ['6'] = C_WORD, ['7'] = C_WORD, ['8'] = C_WORD, ['9'] = C_WORD,
    ['A'] = C_WORD, ['B'] = C_WORD, ['C'] = C_WORD, ['D'] = C_WORD, ['E'] = C_WORD,
    ['F'] = C_WORD, ['G'] = C_WORD, ['H'] = C_WORD, ['I'] = C_WORD, ['J'] = C_WORD,
    ['K'] = C_WORD, ['L'] = C_WORD, ['M'] = C_WORD, ['N'] = C_WORD, ['O'] = C_WORD,
    ['P'] = C_WORD, ['Q'] = C_WORD, ['R'] = C_WORD, ['S'] = C_WORD, ['T'] = C_WORD,
    ['U'] = C_WORD, ['V'] = C_WORD, ['W'] = C_WORD, ['X'] = C_WORD, ['Y'] = C_WORD,
    ['Z'] = C_WORD,
    ['a'] = C_WORD, ['b'] = C_WORD, ['c'] = C_WORD, ['d'] = C_WORD, ['e'] = C_WORD,
    ['f'] = C_WORD, ['g'] = C_WORD, ['h'] = C_WORD, ['i'] = C_WORD, ['j'] = C_WORD,
    ['k'] = C_WORD, ['l'] = C_WORD, ['m'] = C_WORD, ['n'] = C_WORD, ['o'] = C_WORD,
    ['p'] = C_WORD, ['q'] = C_WORD, ['r'] = C_WORD, ['s'] = C_WORD, ['t'] = C_WORD,
    ['u'] = C_WORD, ['v'] = C_WORD, ['w'] = C_WORD, ['x'] = C_WORD, ['y'] = C_WORD,
    ['z'] = C_WORD,
    ['_'] = C_WORD, /* Pc */
    ['\''] = C_APOS,
};
/* clang-format on */

/*
 * The tokenizer's hot path: for each ASCII word byte its lower-case form,
 * 0 for every other byte (separators, apostrophe, non-ASCII), so one load
 * both classifies and folds.
 */
static const unsigned char word_lower[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5', ['6'] = '6',
    ['7'] = '7', ['8'] = '8', ['9'] = '9', ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd',
    ['E'] = 'e', ['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k',
    ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r',
    ['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
    ['Z'] = 'z', ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
    ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l', ['m'] = 'm',
    ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
    ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y', ['z'] = 'z', ['_'] = '_',
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
/*
 * Eight bytes at a time (SWAR): a run of ASCII word characters is found
 * and lower-cased without a branch per byte. Every byte is first cut to 7
 * bits, so no per-byte sum below carries into its neighbour; bytes >= 0x80
 * are excluded at the end. Little-endian only (the first byte is the
 * lowest), where count-trailing-zeros finds the first non-word byte.
 */
#define SWAR_WORDS 1
#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull
#define LOW7 0x7f7f7f7f7f7f7f7full
/* High bit of each byte set where the 7-bit byte is >= c (1 <= c <= 0x80). */
#define SWAR_GE(x, c) (((x) + (0x80u - (c)) * ONES) & HIGH)

/* High bit of each byte of w set where the byte is [0-9A-Za-z_]. */
static inline uint64_t swar_word(uint64_t w)
{
    uint64_t x = w & LOW7;
    uint64_t y = x | 0x20 * ONES; /* lower case; '@' and '[' become '`' and '{' */
    uint64_t digit = SWAR_GE(x, '0') & ~SWAR_GE(x, '9' + 1);
    uint64_t alpha = SWAR_GE(y, 'a') & ~SWAR_GE(y, 'z' + 1);
    uint64_t t = x ^ '_' * ONES;               /* 0 where the byte is '_' */
    uint64_t under = ~((t + LOW7) | t) & HIGH; /* exact: t <= 0x7f, so no carries */
    return (digit | alpha | under) & ~w & HIGH;
}

/* w with A-Z lower-cased. */
static inline uint64_t swar_lower(uint64_t w)
{
    uint64_t x = w & LOW7;
    uint64_t upper = SWAR_GE(x, 'A') & ~SWAR_GE(x, 'Z' + 1) & ~w;
    return w | upper >> 2; /* 0x80 >> 2 == 0x20 */
}
#endif

static inline unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* ---- UTF-8 ---- */

size_t dl_utf8_decode(const char *str, size_t n, int32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0) {
        return 0;
    }
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c < 0xC2) { /* continuation byte, or overlong 2-byte lead */
        return 0;
    }
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) {
            return 0;
        }
        *cp = (int32_t)(((c & 0x1F) << 6) | (s[1] & 0x3F));
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) {
            return 0;
        }
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)) {
            return 0; /* overlong, or a surrogate */
        }
        *cp = (int32_t)(((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F));
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) {
            return 0;
        }
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)) {
            return 0; /* overlong, or above U+10FFFF */
        }
        *cp = (int32_t)(((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) |
                        (s[3] & 0x3F));
        return 4;
    }
    return 0;
}

int32_t dl_utf8_at(const char *s, size_t n, size_t i, size_t *len)
{
    int32_t cp = 0xFFFD;
    size_t k = dl_utf8_decode(s + i, n - i, &cp);
    if (k == 0) {
        cp = 0xFFFD;
        k = 1;
    }
    if (len) {
        *len = k;
    }
    return cp;
}

int dl_is_space(int32_t cp)
{
    if (cp < 0x80) {
        return cp == ' ' || (cp >= '\t' && cp <= '\r');
    }
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

int dl_is_blank(const char *s, size_t a, size_t b)
{
    while (a < b) {
        size_t k;
        if (!dl_is_space(dl_utf8_at(s, b, a, &k))) {
            return 0;
        }
        a += k;
    }
    return 1;
}

size_t dl_utf8_check(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t w;
        if (i + 8 <= n && (memcpy(&w, s + i, 8), (w & 0x8080808080808080u) == 0)) {
            i += 8; /* eight ASCII bytes at once */
            continue;
        }
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        size_t l = dl_utf8_decode(s + i, n - i, &cp);
        if (!l) {
            return i;
        }
        i += l;
    }
    return n;
}

int dl_utf8_valid(const char *s, size_t n)
{
    return dl_utf8_check(s, n) == n;
}

size_t dl_utf16_len(const char *str, size_t n)
{
    /* One unit per lead byte, and a second for each 4-byte sequence (a surrogate pair). */
    const unsigned char *s = (const unsigned char *)str;
    size_t units = 0, i = 0;
    /* Eight bytes at a time: all of them when ASCII, else minus the continuation bytes
     * (10xxxxxx) plus the 4-byte leads (11110xxx), counted by their high bits. */
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        const uint64_t high = 0x8080808080808080ull;
        if (!(w & high)) {
            units += 8;
            continue;
        }
        uint64_t cont = w & ~(w << 1) & high;                      /* bit 7 set, bit 6 clear */
        uint64_t four = w & (w << 1) & (w << 2) & (w << 3) & high; /* bits 7..4 set */
        /* one bit per byte at most: the multiply sums the bytes into the top one */
        const uint64_t ones = 0x0101010101010101ull;
        units += 8 - (size_t)(((cont >> 7) * ones) >> 56) + (size_t)(((four >> 7) * ones) >> 56);
    }
    for (; i < n; i++) {
        units += (s[i] & 0xC0) != 0x80;
        units += s[i] >= 0xF0;
    }
    return units;
}

static void add_utf8(struct dl_buf *out, int32_t cp)
{
    unsigned char b[4];
    utf8proc_ssize_t l = utf8proc_encode_char(cp, b);
    dl_buf_add(out, b, (size_t)l);
}

/* Windows-1252 0x80..0x9F; 0xA0..0xFF are ISO-8859-1, i.e. the same code points. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 80-87 */
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, /* 88-8F */
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 90-97 */
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178, /* 98-9F */
};

void dl_cp1252_to_utf8(const char *str, size_t n, struct dl_buf *out)
{
    const unsigned char *s = (const unsigned char *)str;
    dl_buf_grow(out, n + n / 2);
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] < 0x80) {
            j++;
        }
        dl_buf_add(out, s + i, j - i);
        if (j == n) {
            break;
        }
        add_utf8(out, s[j] < 0xA0 ? (int32_t)cp1252_high[s[j] - 0x80] : (int32_t)s[j]);
        i = j + 1;
    }
}

/* ---- classification ---- */

/* Xapian 1.4's CJK blocks, less the full-width ASCII forms (NFKC folds them to ASCII). */
static int cjk_block(int32_t cp)
{
    if (cp < 0x1100) {
        return 0;
    }
    return (cp <= 0x11FF) ||                   /* Hangul Jamo */
           (cp >= 0x2E80 && cp <= 0x2FDF) ||   /* radicals */
           (cp >= 0x3000 && cp <= 0x9FFF) ||   /* symbols, kana, bopomofo, Ext A, URO */
           (cp >= 0xA960 && cp <= 0xA97F) ||   /* Hangul Jamo Extended-A */
           (cp >= 0xAC00 && cp <= 0xD7FF) ||   /* Hangul syllables, Jamo Extended-B */
           (cp >= 0xF900 && cp <= 0xFAFF) ||   /* compatibility ideographs */
           (cp >= 0xFF66 && cp <= 0xFFDC) ||   /* half-width katakana and hangul */
           (cp >= 0x1B000 && cp <= 0x1B16F) || /* kana supplement and extensions */
           (cp >= 0x20000 && cp <= 0x2A6DF) || /* Ext B */
           (cp >= 0x2A700 && cp <= 0x2EBEF) || /* Ext C..F */
           (cp >= 0x2F800 && cp <= 0x2FA1F) || /* compatibility supplement */
           (cp >= 0x30000 && cp <= 0x3134F);   /* Ext G */
}

static int cat_is_word(utf8proc_category_t c)
{
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO) || c == UTF8PROC_CATEGORY_PC;
}

/* Letters and numbers only: a combining mark after a CJK character stays in its token. */
static int cjk_cat(int32_t cp, utf8proc_category_t c)
{
    return cjk_block(cp) && ((c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
                             (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO));
}

int dl_is_cjk(int32_t cp)
{
    return cjk_block(cp) && cjk_cat(cp, utf8proc_category(cp));
}

/* Class of a non-ASCII code point; *cat receives its category. */
static enum cclass classify(int32_t cp, utf8proc_category_t *cat)
{
    utf8proc_category_t c = utf8proc_category(cp);
    *cat = c;
    if (cat_is_word(c)) {
        return C_WORD;
    }
    if (c == UTF8PROC_CATEGORY_CF) {
        return cp == 0x200B ? C_SEP : C_FORMAT; /* ZERO WIDTH SPACE is a space in all but name */
    }
    return cp == 0x2019 ? C_APOS : C_SEP;
}

/* Class of the code point at text[pos], with its length in *l (1 for an invalid byte). */
static enum cclass class_at(const char *text, size_t len, size_t pos, size_t *l, int32_t *cp,
                            utf8proc_category_t *cat)
{
    unsigned char b = (unsigned char)text[pos];
    if (b < 0x80) {
        *l = 1;
        *cp = b;
        *cat = UTF8PROC_CATEGORY_CN; /* unused for ASCII */
        return (enum cclass)ascii_class[b];
    }
    *l = dl_utf8_decode(text + pos, len - pos, cp);
    if (!*l) {
        *l = 1;
        *cp = -1;
        *cat = UTF8PROC_CATEGORY_CN;
        return C_SEP;
    }
    return classify(*cp, cat);
}

/* ---- folding ---- */

static utf8proc_int32_t fold_cb(utf8proc_int32_t c, void *data)
{
    (void)data;
    switch (c) {
    case 0x0110: /* Đ */
    case 0x0111: /* đ */
        return 'd';
    case 0x00D8: /* Ø */
    case 0x00F8: /* ø */
        return 'o';
    case 0x0141: /* Ł */
    case 0x0142: /* ł */
        return 'l';
    default:
        return c;
    }
}

/*
 * Fold s[0..n) (valid UTF-8) into cps, used as a byte buffer for the
 * NUL-terminated UTF-8 result. Returns the result's length in bytes, or a
 * negative value: -(code points needed) when cap is too small, or
 * PTRDIFF_MIN on a utf8proc error.
 */
static ptrdiff_t fold_into(const char *s, size_t n, int32_t *cps, size_t cap)
{
    /* reencode writes a NUL after the output: keep one code point (4 bytes) spare. */
    utf8proc_ssize_t m =
        utf8proc_decompose_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, cps,
                                  (utf8proc_ssize_t)cap - 1, FOLD_OPTS, fold_cb, NULL);
    if (m < 0) {
        return PTRDIFF_MIN;
    }
    if ((size_t)m > cap - 1) {
        return -(ptrdiff_t)m - 1;
    }
    m = utf8proc_reencode(cps, m, FOLD_OPTS);
    return m < 0 ? PTRDIFF_MIN : (ptrdiff_t)m;
}

/* Append the folded form of the non-ASCII word run s[0..n) (format characters already gone). */
static void fold_run(const char *s, size_t n, struct dl_buf *out)
{
    int32_t stack[256];
    ptrdiff_t r = fold_into(s, n, stack, sizeof stack / sizeof *stack);
    if (r >= 0) {
        dl_buf_add(out, stack, (size_t)r);
        return;
    }
    if (r == PTRDIFF_MIN) {
        dl_buf_add(out, s, n); /* cannot happen on valid UTF-8; keep the text rather than lose it */
        return;
    }
    size_t cap = (size_t)(-r) + 1;
    int32_t *heap = dl_xmalloc(cap * sizeof *heap);
    r = fold_into(s, n, heap, cap);
    dl_buf_add(out, heap, r >= 0 ? (size_t)r : 0);
    free(heap);
}

/*
 * Fold s[0..n) into out. Runs of non-ASCII word characters go through
 * utf8proc (format characters inside them are dropped first); ASCII is
 * lower-cased; spaces and U+200B become ' '; format characters vanish;
 * other separators are copied. Invalid bytes become ' ' (dl_fold validates
 * first, so only dl_slug sees them).
 */
static void fold_text(const char *s, size_t n, struct dl_buf *out)
{
    struct dl_buf run = DL_BUF_INIT; /* the current non-ASCII word run, format chars removed */
    size_t i = 0;
    dl_buf_grow(out, n);
    while (i < n) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) {
            if (run.len) {
                fold_run(run.buf, run.len, out);
                dl_buf_reset(&run);
            }
            size_t j = i;
            while (j < n && (unsigned char)s[j] < 0x80) {
                j++;
            }
            dl_buf_grow(out, j - i);
            for (; i < j; i++) {
                out->buf[out->len++] = (char)ascii_lower((unsigned char)s[i]);
            }
            out->buf[out->len] = '\0';
            continue;
        }
        int32_t cp;
        utf8proc_category_t cat;
        size_t l = dl_utf8_decode(s + i, n - i, &cp);
        enum cclass k = l ? classify(cp, &cat) : C_SEP;
        if (k == C_WORD) {
            dl_buf_add(&run, s + i, l);
        } else if (k != C_FORMAT) {
            if (run.len) {
                fold_run(run.buf, run.len, out);
                dl_buf_reset(&run);
            }
            if (!l || dl_is_space(cp)) {
                dl_buf_addc(out, ' ');
            } else {
                dl_buf_add(out, s + i, l);
            }
        }
        i += l ? l : 1;
    }
    if (run.len) {
        fold_run(run.buf, run.len, out);
    }
    dl_buf_release(&run);
}

int dl_fold(const char *s, size_t n, struct dl_buf *out)
{
    if (!dl_utf8_valid(s, n)) {
        return DL_EENCODING;
    }
    fold_text(s, n, out);
    return DL_OK;
}

int dl_lower(const char *s, size_t n, struct dl_buf *out)
{
    utf8proc_uint8_t *m = NULL;
    dl_buf_reset(out);
    if (!dl_utf8_valid(s, n)) {
        return DL_EENCODING;
    }
    utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &m,
                                        (utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                            UTF8PROC_CASEFOLD));
    if (len < 0) {
        return DL_EENCODING;
    }
    dl_buf_add(out, (const char *)m, (size_t)len);
    free(m);
    return DL_OK;
}

void dl_slug(const char *s, size_t n, struct dl_buf *out)
{
    struct dl_buf f = DL_BUF_INIT;
    fold_text(s, n, &f);
    /* Folding can produce non-alphanumerics (½ -> 1⁄2), so classify the folded text. */
    int dash = 0, any = 0;
    size_t i = 0;
    while (i < f.len) {
        int32_t cp;
        utf8proc_category_t cat;
        size_t l;
        enum cclass k = class_at(f.buf, f.len, i, &l, &cp, &cat);
        int alnum = k == C_WORD && cp != '_' && cat != UTF8PROC_CATEGORY_PC;
        if (alnum) {
            if (dash && any) {
                dl_buf_addc(out, '-');
            }
            dl_buf_add(out, f.buf + i, l);
            dash = 0;
            any = 1;
        } else if (k != C_FORMAT) {
            dash = 1;
        }
        i += l;
    }
    dl_buf_release(&f);
}

/* ---- tokenizer ---- */

struct tokenizer {
    const char *text;            /* the original text, borrowed */
    size_t len;                  /* its length */
    dl_token_fn cb;              /* where tokens go */
    const unsigned char *filter; /* dl_tokenize_some()'s filter, or NULL for every token */
    void *ctx;                   /* cb's context */
    size_t start, end;           /* current token's span: first to last word char */
    size_t rawlen;               /* bytes in raw (ASCII already lower-cased) */
    int active;                  /* a token is being gathered */
    int nonascii;                /* raw holds a non-ASCII byte: fold with utf8proc */
    int overflow;                /* raw outgrew RAW_MAX: skip the token */
    unsigned flags;              /* DL_TOKEN_* of the current token */
    char raw[RAW_MAX + 1];       /* the token's word characters, format chars left out */
    int32_t cps[CPS_MAX];        /* utf8proc's work space, then the folded UTF-8 */
};

static void raw_add(struct tokenizer *t, const char *p, size_t n)
{
    if (t->rawlen + n > RAW_MAX) {
        t->overflow = 1;
        return;
    }
    memcpy(t->raw + t->rawlen, p, n);
    t->rawlen += n;
    t->nonascii = 1;
}

static void begin(struct tokenizer *t, size_t pos, unsigned flags)
{
    t->active = 1;
    t->start = pos;
    t->rawlen = 0;
    t->nonascii = 0;
    t->overflow = 0;
    t->flags = flags;
}

/* Fold and report the current token, if any; returns the callback's verdict. */
static inline int flush(struct tokenizer *t)
{
    if (!t->active) {
        return 0;
    }
    t->active = 0;
    if (t->overflow) {
        return 0;
    }
    const char *folded;
    size_t flen;
    if (!t->nonascii) {
        if (t->rawlen > DL_TOKEN_MAX) {
            return 0;
        }
        t->raw[t->rawlen] = '\0';
        folded = t->raw;
        flen = t->rawlen;
    } else {
        ptrdiff_t r = fold_into(t->raw, t->rawlen, t->cps, CPS_MAX);
        if (r < 0 || r > DL_TOKEN_MAX) {
            return 0;
        }
        folded = (const char *)t->cps;
        flen = (size_t)r;
    }
    if (flen == 0) { /* only marks, e.g. a stray combining accent */
        return 0;
    }
    if (t->filter) {
        unsigned k = dl_token_key(folded, flen);
        if (!(t->filter[k >> 3] & (1u << (k & 7)))) {
            return 0;
        }
    }
    return t->cb(t->ctx, folded, flen, t->start, t->end, t->flags);
}

/* Is the apostrophe at pos (alen bytes) followed by s/S and then no word character? */
static int possessive_s(const char *text, size_t len, size_t pos, size_t alen)
{
    size_t q = pos + alen;
    if (q >= len || (text[q] != 's' && text[q] != 'S')) {
        return 0;
    }
    q++;
    while (q < len) {
        size_t l;
        int32_t cp;
        utf8proc_category_t cat;
        enum cclass k = class_at(text, len, q, &l, &cp, &cat);
        if (k != C_FORMAT) {
            return k != C_WORD;
        }
        q += l;
    }
    return 1;
}

int dl_tokenize(const char *text, size_t len, dl_token_fn cb, void *ctx)
{
    return dl_tokenize_some(text, len, NULL, cb, ctx);
}

#ifdef SWAR_WORDS
/*
 * The filtered tokenizer's fast path: up to 64 bytes of ASCII without an
 * apostrophe, where every token is a run of word bytes, found with bit
 * operations on a mask of the block, and the tokens the filter refuses
 * cost a few instructions each instead of a scan of their own. Called
 * with no token open at `pos` (len - pos >= 64). The block ends before the
 * first non-ASCII byte or apostrophe. Reports the tokens that end inside
 * it and returns where the caller goes on: after the block, or at the
 * start of a token that runs to its end (the ordinary path takes that
 * one). *rc gets a non-zero callback verdict.
 */
static size_t block_tokens(struct tokenizer *t, size_t pos, int *rc)
{
    const char *p = t->text + pos;
    uint64_t mask = 0; /* bit i: byte i is a word byte */
    uint64_t odd = 0;  /* bit i: byte i is not ASCII, or is an apostrophe */
#ifdef __SSE2__
    /* 16 bytes per step with movemask: the multiply-gather below was a third of a search's
     * highlighting. Unsigned "x - lo <= n" is min_epu8(x - lo, n) == x - lo; bytes >= 0x80
     * land outside every range. */
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        __m128i al = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
        __m128i di = _mm_sub_epi8(v, _mm_set1_epi8('0'));
        __m128i word = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(al, _mm_set1_epi8(25)), al),
                         _mm_cmpeq_epi8(_mm_min_epu8(di, _mm_set1_epi8(9)), di)),
            _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
        __m128i ap = _mm_cmpeq_epi8(v, _mm_set1_epi8('\''));
        mask |= (uint64_t)(unsigned)_mm_movemask_epi8(word) << (16 * k);
        odd |= (uint64_t)(unsigned)(_mm_movemask_epi8(v) | _mm_movemask_epi8(ap)) << (16 * k);
    }
#else
    for (int k = 0; k < 8; k++) {
        uint64_t w, a;
        memcpy(&w, p + 8 * k, 8);
        a = (w ^ '\'' * ONES) & LOW7;
        a = (w & HIGH) | (~((a + LOW7) | a) & HIGH); /* exact per byte: no borrows */
        /* gather the high bit of each byte into bit j of byte k: bit 8k + j */
        mask |= (((swar_word(w) >> 7) * 0x0102040810204080ull) >> 56) << (8 * k);
        odd |= (((a >> 7) * 0x0102040810204080ull) >> 56) << (8 * k);
    }
#endif
    unsigned limit = odd ? (unsigned)__builtin_ctzll(odd) : 64;
    uint64_t valid = limit == 64 ? ~0ull : (1ull << limit) - 1;
    mask &= valid;
    uint64_t starts = mask & ~(mask << 1);
    while (starts) {
        unsigned s = (unsigned)__builtin_ctzll(starts);
        starts &= starts - 1;
        uint64_t after = (~mask & valid) >> s; /* the first non-word byte from s on ends it */
        size_t e = s + (after ? (size_t)__builtin_ctzll(after) : 64 - s);
        if (!after) {
            /* It reaches the block's end: follow it while it stays ASCII, up to the longest
             * token; anything else (a long word, a non-ASCII or apostrophe after it) is for
             * the ordinary path. */
            if (limit < 64) {
                return pos + s;
            }
            size_t room = t->len - pos;
            while (e < room && e - s <= DL_TOKEN_MAX && word_lower[(unsigned char)p[e]]) {
                e++;
            }
            if (e == room || e - s > DL_TOKEN_MAX || (unsigned char)p[e] >= 0x80 ||
                ascii_class[(unsigned char)p[e]] != C_SEP) {
                return pos + s;
            }
            limit = (unsigned)e; /* go on after it */
        }
        unsigned char b0 = word_lower[(unsigned char)p[s]];
        unsigned char b1 = e - s > 1 ? word_lower[(unsigned char)p[s + 1]] : 0;
        unsigned k = (b0 & 0x3fu) | (b1 & 0x3fu) << 6; /* dl_token_key() */
        if (!(t->filter[k >> 3] & (1u << (k & 7)))) {
            continue;
        }
        for (unsigned i = s; i < e; i++) {
            t->raw[i - s] = (char)word_lower[(unsigned char)p[i]];
        }
        t->raw[e - s] = '\0';
        *rc = t->cb(t->ctx, t->raw, e - s, pos + s, pos + e, b0 <= '9' ? DL_TOKEN_DIGIT : 0);
        if (*rc) {
            return pos + e;
        }
    }
    return pos + limit;
}
#endif

int dl_tokenize_some(const char *text, size_t len, const unsigned char *filter, dl_token_fn cb,
                     void *ctx)
{
    struct tokenizer t;
    t.text = text;
    t.len = len;
    t.cb = cb;
    t.filter = filter;
    t.ctx = ctx;
    t.active = 0;
    t.start = t.end = 0;

    size_t pos = 0;
    int rc = 0;
#ifdef SWAR_WORDS
    size_t blocks_from = 0; /* where block_tokens() may be tried next */
    unsigned misses = 0;    /* block_tokens() calls in a row that made no progress */
#endif
    while (pos < len) {
#ifdef SWAR_WORDS
        if (filter && !t.active && pos >= blocks_from && len - pos >= 64) {
            size_t next = block_tokens(&t, pos, &rc);
            if (rc) {
                return rc;
            }
            /* No progress (a non-ASCII byte or an apostrophe first, or a token running to the
             * block's end): the ordinary path takes the next steps, the more of them the more
             * often that happened in a row (text that is mostly not ASCII). */
            misses = next > pos ? 0 : misses + 1;
            blocks_from = next > pos ? next : pos + ((size_t)1 << (misses < 7 ? misses : 7));
            pos = next;
            continue;
        }
#endif
        unsigned char b = (unsigned char)text[pos];
        unsigned char lb = word_lower[b];
        if (lb) {
            /* The hot path: a run of ASCII word characters, lower-cased straight into raw. */
            if (!t.active) {
                begin(&t, pos, b <= '9' ? DL_TOKEN_DIGIT : 0);
            }
            size_t j = pos;
            if (t.rawlen < RAW_MAX) {
                size_t lim = len - pos > RAW_MAX - t.rawlen ? pos + (RAW_MAX - t.rawlen) : len;
                char *dst = t.raw + t.rawlen;
#ifdef SWAR_WORDS
                /* Whole words of 8 bytes while they fit in both the text and raw. */
                while (lim - j >= 8) {
                    uint64_t w;
                    memcpy(&w, text + j, 8);
                    uint64_t stop = ~swar_word(w) & HIGH;
                    uint64_t low = swar_lower(w);
                    memcpy(dst, &low, 8); /* bytes past the run are overwritten or ignored */
                    if (stop) {
                        size_t n = (size_t)__builtin_ctzll(stop) >> 3;
                        j += n;
                        dst += n;
                        break;
                    }
                    j += 8;
                    dst += 8;
                }
                lb = j < lim ? word_lower[(unsigned char)text[j]] : 0;
#endif
                while (lb) {
                    *dst++ = (char)lb;
                    j++;
                    lb = j < lim ? word_lower[(unsigned char)text[j]] : 0;
                }
                t.rawlen += j - pos;
            }
            if (j < len && word_lower[(unsigned char)text[j]]) {
                t.overflow = 1; /* longer than RAW_MAX: skipped at flush */
                while (j < len && word_lower[(unsigned char)text[j]]) {
                    j++;
                }
            }
            t.end = pos = j;
            /* An ASCII separator (not the apostrophe) ends the token: report it now. */
            if (j < len && (unsigned char)text[j] < 0x80 &&
                ascii_class[(unsigned char)text[j]] == C_SEP) {
                if ((rc = flush(&t))) {
                    return rc;
                }
                pos = j + 1;
            }
            continue;
        }
        if (b < 0x80 && ascii_class[b] == C_SEP) {
            if ((rc = flush(&t))) {
                return rc;
            }
            pos++;
            continue;
        }
        size_t l;
        int32_t cp;
        utf8proc_category_t cat;
        enum cclass k = class_at(text, len, pos, &l, &cp, &cat);
        switch (k) {
        case C_WORD:
            if (cjk_cat(cp, cat)) {
                if ((rc = flush(&t))) {
                    return rc;
                }
                begin(&t, pos, DL_TOKEN_CJK);
                raw_add(&t, text + pos, l);
                t.end = pos += l;
                /* Combining marks belong to the character before them (NFD kana). */
                while (pos < len) {
                    size_t ml;
                    if (class_at(text, len, pos, &ml, &cp, &cat) != C_WORD ||
                        cat < UTF8PROC_CATEGORY_MN || cat > UTF8PROC_CATEGORY_ME) {
                        break;
                    }
                    raw_add(&t, text + pos, ml);
                    t.end = pos += ml;
                }
                if ((rc = flush(&t))) {
                    return rc;
                }
                continue;
            }
            if (!t.active) {
                int digit = cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO;
                begin(&t, pos, digit ? DL_TOKEN_DIGIT : 0);
            }
            raw_add(&t, text + pos, l);
            t.end = pos += l;
            continue;
        case C_FORMAT:
            pos += l; /* invisible inside a word: the token goes on, its span will cover it */
            continue;
        case C_APOS:
            if (t.active && possessive_s(text, len, pos, l)) {
                l += 1; /* the 's' is part of no token */
            }
            break;
        case C_SEP:
            break;
        }
        if ((rc = flush(&t))) {
            return rc;
        }
        pos += l;
    }
    return flush(&t);
}
