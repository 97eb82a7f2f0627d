/* test_fold.c - folding, the tokenizer, UTF-8/UTF-16 helpers, cp1252 and slugs. */
#include <stdint.h>
#include <stdlib.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/fold.h"
#include "dl_test.h"

#define MAX_TOKENS 64

struct token {
    char folded[DL_TOKEN_MAX + 1]; /* copy of the folded form */
    size_t flen;                   /* its length as reported */
    size_t start, end;             /* byte span in the original */
    unsigned flags;                /* DL_TOKEN_* */
};

struct collect {
    struct token tok[MAX_TOKENS]; /* tokens seen, in order */
    size_t n;                     /* how many */
    size_t stop_after;            /* return 7 after this many tokens (0: never) */
    int bad;                      /* a callback argument broke the contract */
};

static int collect_cb(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                      unsigned flags)
{
    struct collect *c = ctx;
    if (flen == 0 || flen > DL_TOKEN_MAX || strlen(folded) != flen || start >= end) {
        c->bad = 1;
    }
    if (c->n < MAX_TOKENS) {
        struct token *t = &c->tok[c->n];
        memcpy(t->folded, folded, flen <= DL_TOKEN_MAX ? flen : DL_TOKEN_MAX);
        t->folded[flen <= DL_TOKEN_MAX ? flen : DL_TOKEN_MAX] = '\0';
        t->flen = flen;
        t->start = start;
        t->end = end;
        t->flags = flags;
    }
    c->n++;
    return c->stop_after && c->n == c->stop_after ? 7 : 0;
}

static int tokenize(const char *text, size_t len, struct collect *c)
{
    memset(c, 0, sizeof *c);
    return dl_tokenize(text, len, collect_cb, c);
}

/* The folded forms joined by ' '. */
static void render_folded(const struct collect *c, struct dl_buf *out)
{
    for (size_t i = 0; i < c->n && i < MAX_TOKENS; i++) {
        dl_buf_addf(out, "%s%s", i ? " " : "", c->tok[i].folded);
    }
}

/* "folded@start-end" per token, with "/c" for CJK and "/d" for digit. */
static void render_full(const struct collect *c, struct dl_buf *out)
{
    for (size_t i = 0; i < c->n && i < MAX_TOKENS; i++) {
        const struct token *t = &c->tok[i];
        dl_buf_addf(out, "%s%s@%zu-%zu%s%s", i ? " " : "", t->folded, t->start, t->end,
                    t->flags & DL_TOKEN_CJK ? "/c" : "", t->flags & DL_TOKEN_DIGIT ? "/d" : "");
    }
}

static void test_tokens_folded(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* Vietnamese */
        {"Tô Lâm", "to lam"},
        {"Việt Nam", "viet nam"},
        {"Hà Nội", "ha noi"},
        {"Phạm Minh Chính", "pham minh chinh"},
        {"Nguyễn Phú Trọng", "nguyen phu trong"},
        {"ộ ệ ữ Ộ Ệ Ữ", "o e u o e u"},
        {"ơ ư Ơ Ư", "o u o u"},
        {"Lê Hoài Trung", "le hoai trung"},
        /* đ/Đ and friends have no decomposition */
        {"Đà Nẵng", "da nang"},
        {"ĐÀ NẴNG đồng", "da nang dong"},
        {"Đỗ Mười", "do muoi"},
        {"Øresund Łódź", "oresund lodz"},
        /* decomposed input folds like composed input */
        {"To\u0302 La\u0302m", "to lam"},
        {"Vie\u0323\u0302t Nam", "viet nam"},
        {"D\u0300a\u0300 N\u0103\u0303ng", "da nang"},
        /* old and new tone placement */
        {"hoà hòa Hoà HÒA", "hoa hoa hoa hoa"},
        {"thuỷ thủy Thuỷ", "thuy thuy thuy"},
        /* compatibility forms and case folding */
        {"ＡＢＣ１２３", "abc123"},
        {"Straße ﬁle", "strasse file"},
        {"HELLO World", "hello world"},
        {"snake_case", "snake_case"},
        /* invisible characters: spaces separate, format characters vanish */
        {"a\u00A0b", "a b"},
        {"a\u2003b\u202Fc", "a b c"},
        {"a\u3000b", "a b"},
        {"a\u200Bb", "a b"},
        {"COVID-\u206019", "covid 19"},
        {"Tô\u2060Lâm", "tolam"},
        {"co\u00ADoperation", "cooperation"},
        {"\uFEFFHello", "hello"},
        {"x\u200Cy\u200Dz\u200E", "xyz"},
        {"Vi\u00ADệt", "viet"},
        /* apostrophes and possessives */
        {"China’s role", "china role"},
        {"China's role", "china role"},
        {"CHINA'S", "china"},
        {"Xinhua's.", "xinhua"},
        {"James's book", "james book"},
        {"don't", "don t"},
        {"O'Brien", "o brien"},
        {"Bob'sled", "bob sled"},
        {"the students' union", "the students union"},
        {"'s alone", "s alone"},
        {"it's\u00AD ok", "it ok"},
        /* CJK: one token per character */
        {"首页", "首 页"},
        {"abc首页def", "abc 首 页 def"},
        {"한국", "한 국"},
        {"か\u3099", "か"},   /* NFD kana: the mark stays with its character and is stripped */
        {"\uF900", "\u8C48"}, /* compatibility ideograph -> unified */
        /* nothing to report */
        {"", ""},
        {" \t\n.,;!?-", ""},
        {" \u0301 ", ""}, /* a lone combining mark folds to nothing */
        {"\u00A0\u200B\u2060", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct collect c;
        struct dl_buf got = DL_BUF_INIT;
        int rc = tokenize(cases[i].in, strlen(cases[i].in), &c);
        render_folded(&c, &got);
        CHECK(rc == 0 && !c.bad, "tokenize '%s': rc %d, bad %d", cases[i].in, rc, c.bad);
        CHECK_STR(got.buf, cases[i].want, "tokens of '%s'", cases[i].in);
        dl_buf_release(&got);
    }
}

static void test_tokens_full(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"首页>Top Stories", "首@0-3/c 页@3-6/c top@7-10 stories@11-18"},
        {"China’s role", "china@0-5 role@10-14"},
        {"China's.", "china@0-5"},
        {"co\u00ADoperation", "cooperation@0-13"},
        {"co\u00AD op", "co@0-2 op@5-7"},
        {"COVID-\u206019", "covid@0-5 19@9-11/d"},
        {"\uFEFFHello", "hello@3-8"},
        {"2026-01-01 v2 2nd", "2026@0-4/d 01@5-7/d 01@8-10/d v2@11-13 2nd@14-17/d"},
        {"１２３ ²", "123@0-9/d 2@10-12/d"},
        {"Tô Lâm", "to@0-3 lam@4-8"},
        {"To\u0302 La\u0302m", "to@0-4 lam@5-10"},
        {"Hà\u00A0Nội", "ha@0-3 noi@5-10"},
        {"abc\xff"
         "def",
         "abc@0-3 def@4-7"},
        {"ab\xe2\x82", "ab@0-2"},
        {"\xc0\xafx\xed\xa0\x80y", "x@2-3 y@6-7"},
        {"\xf4\x90\x80\x80z", "z@4-5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct collect c;
        struct dl_buf got = DL_BUF_INIT;
        int rc = tokenize(cases[i].in, strlen(cases[i].in), &c);
        render_full(&c, &got);
        CHECK(rc == 0 && !c.bad, "tokenize case %zu: rc %d, bad %d", i, rc, c.bad);
        CHECK_STR(got.buf, cases[i].want, "tokens with spans, case %zu", i);
        dl_buf_release(&got);
    }
}

/* The spans cut the original text at the right places. */
static void test_offsets(void)
{
    static const char text[] =
        "Tổng Bí thư Tô Lâm’s visit to Đà Nẵng, \u00ADco\u00ADoperation 首页 "
        "VIỆT NAM's 2026.";
    static const char *const want[] = {
        "Tổng", "Bí", "thư",  "Tô",  "Lâm",  "visit", "to", "Đà", "Nẵng", "co\u00ADoperation",
        "首",   "页", "VIỆT", "NAM", "2026",
    };
    static const char *const folded[] = {
        "tong", "bi",          "thu", "to", "lam",  "visit", "to",   "da",
        "nang", "cooperation", "首",  "页", "viet", "nam",   "2026",
    };
    size_t nwant = sizeof want / sizeof want[0];
    struct collect c;
    tokenize(text, strlen(text), &c);
    CHECK(c.n == nwant, "token count %zu, want %zu", c.n, nwant);
    for (size_t i = 0; i < c.n && i < nwant; i++) {
        const struct token *t = &c.tok[i];
        char *orig = dl_xstrndup(text + t->start, t->end - t->start);
        CHECK_STR(orig, want[i], "original bytes of token %zu", i);
        CHECK_STR(t->folded, folded[i], "folded token %zu", i);
        /* The tokenizer and dl_fold agree on every token. */
        struct dl_buf f = DL_BUF_INIT;
        CHECK(dl_fold(orig, strlen(orig), &f) == DL_OK, "fold token %zu", i);
        CHECK_STR(f.buf, t->folded, "dl_fold of token %zu's span", i);
        dl_buf_release(&f);
        free(orig);
    }
    CHECK(c.tok[10].flags == DL_TOKEN_CJK && c.tok[14].flags == DL_TOKEN_DIGIT &&
              c.tok[0].flags == 0,
          "flags");
}

static void test_long_tokens(void)
{
    struct dl_buf s = DL_BUF_INIT;
    struct collect c;

    for (int i = 0; i < DL_TOKEN_MAX; i++) {
        dl_buf_addc(&s, 'A');
    }
    dl_buf_adds(&s, " ok ");
    for (int i = 0; i < DL_TOKEN_MAX + 1; i++) {
        dl_buf_addc(&s, 'b');
    }
    dl_buf_adds(&s, " end");
    tokenize(s.buf, s.len, &c);
    CHECK(c.n == 3 && c.tok[0].flen == DL_TOKEN_MAX && strcmp(c.tok[1].folded, "ok") == 0 &&
              strcmp(c.tok[2].folded, "end") == 0,
          "64-byte token kept, 65-byte token skipped (%zu tokens)", c.n);

    /* Non-ASCII: the limit applies to the folded form, not to the original bytes. */
    dl_buf_reset(&s);
    for (int i = 0; i < DL_TOKEN_MAX; i++) {
        dl_buf_adds(&s, "é");
    }
    dl_buf_adds(&s, " x ");
    for (int i = 0; i < DL_TOKEN_MAX + 1; i++) {
        dl_buf_adds(&s, "é");
    }
    dl_buf_adds(&s, " y ");
    for (int i = 0; i < 40; i++) {
        dl_buf_adds(&s, "ﬃ"); /* 3 bytes, folds to 3 bytes: 120 > 64 */
    }
    dl_buf_adds(&s, " z ");
    for (int i = 0; i < 1000; i++) {
        dl_buf_adds(&s, "ệ");
    }
    dl_buf_adds(&s, " w");
    tokenize(s.buf, s.len, &c);
    struct dl_buf got = DL_BUF_INIT;
    render_folded(&c, &got);
    CHECK(c.n == 5 && c.tok[0].flen == DL_TOKEN_MAX, "64 é kept (%zu tokens)", c.n);
    CHECK_STR(got.buf + (c.n ? c.tok[0].flen : 0), " x y z w", "long non-ASCII tokens skipped");
    dl_buf_release(&got);

    /*
     * A token whose original bytes outgrow the tokenizer's buffer is skipped
     * whole, never reported cut short: a soft hyphen joins "ab" to 300 c's,
     * and 300 combining accents sit on one "a" (zalgo text).
     */
    dl_buf_reset(&s);
    dl_buf_adds(&s, "ab\u00AD");
    for (int i = 0; i < 300; i++) {
        dl_buf_addc(&s, 'c');
    }
    dl_buf_adds(&s, " a");
    for (int i = 0; i < 300; i++) {
        dl_buf_adds(&s, "\u0301");
    }
    dl_buf_adds(&s, " ok");
    tokenize(s.buf, s.len, &c);
    CHECK(c.n == 1 && strcmp(c.tok[0].folded, "ok") == 0, "oversized raw tokens skipped (%zu)",
          c.n);
    dl_buf_release(&s);
}

static void test_stop(void)
{
    struct collect c;
    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    int rc = dl_tokenize("one two three four", 18, collect_cb, &c);
    CHECK(rc == 7 && c.n == 2, "callback's non-zero stops: rc %d after %zu tokens", rc, c.n);
    memset(&c, 0, sizeof c);
    c.stop_after = 1;
    rc = dl_tokenize("首页", 6, collect_cb, &c);
    CHECK(rc == 7 && c.n == 1, "stop on a CJK token: rc %d after %zu tokens", rc, c.n);
}

/* Random bytes (biased towards UTF-8 lead and continuation bytes) never break the contract. */
static void test_invalid_utf8(void)
{
    static const unsigned char pool[] = {'a',  'Z',  '1',  ' ',  '\'', 's',  0x80, 0xBF,
                                         0xC0, 0xC2, 0xC3, 0xE0, 0xE2, 0xED, 0xEF, 0xF0,
                                         0xF4, 0xF5, 0xFF, 0xA0, 0x82, 0x99, 0xAD, 0x8B};
    uint32_t seed = 12345;
    int ok = 1;
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)(round % 97);
        char *text = dl_xmalloc(len ? len : 1); /* exact size: ASan catches over-reads */
        for (size_t i = 0; i < len; i++) {
            text[i] = (char)pool[dl_test_rand(&seed) % sizeof pool];
        }
        struct collect c;
        tokenize(text, len, &c);
        for (size_t i = 0; i < c.n && i < MAX_TOKENS; i++) {
            const struct token *t = &c.tok[i];
            if (t->end > len || !dl_utf8_valid(t->folded, t->flen)) {
                ok = 0;
            }
        }
        if (c.bad) {
            ok = 0;
        }
        struct dl_buf f = DL_BUF_INIT;
        int rc = dl_fold(text, len, &f);
        if (rc != (dl_utf8_valid(text, len) ? DL_OK : DL_EENCODING)) {
            ok = 0;
        }
        dl_buf_reset(&f);
        dl_slug(text, len, &f);
        if (!dl_utf8_valid(f.buf, f.len)) {
            ok = 0;
        }
        dl_buf_release(&f);
        free(text);
    }
    CHECK(ok, "random bytes: spans in bounds, folded forms valid UTF-8");
}

static void test_utf8(void)
{
    static const struct {
        const char *s;
        size_t n;
        int valid;
    } cases[] = {
        {"", 0, 1},
        {"plain ascii", 11, 1},
        {"Tô Lâm 首页 😀", 20, 1},
        {"\xed\x9f\xbf", 3, 1},     /* U+D7FF */
        {"\xee\x80\x80", 3, 1},     /* U+E000 */
        {"\xf4\x8f\xbf\xbf", 4, 1}, /* U+10FFFF */
        {"a\0b", 3, 1},             /* NUL is a character */
        {"\xc0\x80", 2, 0},         /* overlong NUL */
        {"\xc1\xbf", 2, 0},         /* overlong */
        {"\xe0\x80\xaf", 3, 0},     /* overlong '/' */
        {"\xe0\x9f\xbf", 3, 0},     /* overlong */
        {"\xf0\x80\x80\xaf", 4, 0}, /* overlong */
        {"\xf0\x8f\xbf\xbf", 4, 0}, /* overlong */
        {"\xed\xa0\x80", 3, 0},     /* surrogate U+D800 */
        {"\xed\xbf\xbf", 3, 0},     /* surrogate U+DFFF */
        {"\xf4\x90\x80\x80", 4, 0}, /* U+110000 */
        {"\xf5\x80\x80\x80", 4, 0}, /* lead byte past U+10FFFF */
        {"\xff", 1, 0},
        {"\x80", 1, 0},           /* lone continuation */
        {"\xe2\x82", 2, 0},       /* truncated € */
        {"\xc3", 1, 0},           /* truncated */
        {"\xf0\x9f\x98", 3, 0},   /* truncated emoji */
        {"\xe2\x28\xa1", 3, 0},   /* bad continuation */
        {"ok\xe2\x82\xac", 5, 1}, /* € */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(dl_utf8_valid(cases[i].s, cases[i].n) == cases[i].valid, "utf8_valid case %zu", i);
    }

    static const struct {
        const char *s;
        size_t n, len;
        int32_t cp;
    } dec[] = {
        {"A", 1, 1, 'A'},
        {"\xc3\xb4", 2, 2, 0xF4},
        {"\xe1\xbb\x87", 3, 3, 0x1EC7},
        {"\xf0\x9f\x98\x80", 4, 4, 0x1F600},
        {"\xf4\x8f\xbf\xbf", 4, 4, 0x10FFFF},
        {"\xe1\xbb\x87", 2, 0, 0}, /* n too small: must not read the third byte */
        {"\xc0\x80", 2, 0, 0},
        {"\xed\xa0\x80", 3, 0, 0},
        {"", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++) {
        int32_t cp = -1;
        size_t l = dl_utf8_decode(dec[i].s, dec[i].n, &cp);
        CHECK(l == dec[i].len && (l == 0 || cp == dec[i].cp), "decode case %zu: len %zu cp %X", i,
              l, (unsigned)cp);
    }

    static const struct {
        const char *s;
        size_t units;
    } u16[] = {
        {"", 0},     {"abc", 3}, {"Tô Lâm", 6}, {"Việt Nam", 8}, {"Nguyễn", 6},
        {"首页", 2}, {"😀", 2},   {"a😀b", 4},    {"𠀀x", 3}, /* Ext B ideograph: a surrogate pair */
    };
    for (size_t i = 0; i < sizeof u16 / sizeof u16[0]; i++) {
        size_t got = dl_utf16_len(u16[i].s, strlen(u16[i].s));
        CHECK(got == u16[i].units, "utf16_len('%s') = %zu, want %zu", u16[i].s, got, u16[i].units);
    }
}

/* --- the ASCII fast path (8 bytes at a time) against a model of the tokenizer ------------------
 */

struct ref_token {
    char folded[DL_TOKEN_MAX + 1];
    size_t flen, start, end;
    unsigned flags;
};

/*
 * The tokenizer's rules for a small alphabet: ASCII word characters are
 * [0-9A-Za-z_], é and É fold to e, the soft hyphen U+00AD joins a word
 * without ending it, every other byte is a separator (no apostrophes: the
 * random texts have none). Returns the number of tokens (at most max).
 */
static size_t ref_tokenize(const char *s, size_t n, struct ref_token *out, size_t max)
{
    size_t nt = 0, i = 0;
    while (i < n) {
        unsigned char b = (unsigned char)s[i];
        int word = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
                   b == '_' || (b == 0xC3 && i + 1 < n && ((unsigned char)s[i + 1] | 0x20) == 0xA9);
        if (!word) {
            i += b == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xAD ? 2 : 1;
            continue;
        }
        struct ref_token t = {.start = i, .flags = b <= '9' ? DL_TOKEN_DIGIT : 0};
        size_t flen = 0;
        for (;;) {
            b = i < n ? (unsigned char)s[i] : 0;
            if (i < n && ((b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') ||
                          (b >= 'a' && b <= 'z') || b == '_')) {
                if (flen < DL_TOKEN_MAX) {
                    t.folded[flen] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
                }
                flen++;
                i++;
                t.end = i;
            } else if (b == 0xC3 && i + 1 < n && ((unsigned char)s[i + 1] | 0x20) == 0xA9) {
                if (flen < DL_TOKEN_MAX) {
                    t.folded[flen] = 'e';
                }
                flen++;
                i += 2;
                t.end = i;
            } else if (b == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xAD) {
                i += 2; /* inside a word: dropped, the word goes on */
            } else {
                break;
            }
        }
        if (flen <= DL_TOKEN_MAX && nt < max) {
            t.flen = flen;
            t.folded[flen] = '\0';
            out[nt++] = t;
        }
    }
    return nt;
}

static void test_ascii_runs(void)
{
    /* Pieces chosen around the 8-byte steps: the SWAR borders '/', ':', '@', '[', '`', '{',
     * high bytes, and words of every length up to past DL_TOKEN_MAX. */
    static const char *const seps[] = {
        " ",  ".",        "/",    ":", "@", "[", "`", "{", "\x7f", "-", "\xe2\x80\x94",
        "\n", "\xc2\xad", "\x01", "~"};
    static const char alpha[] = "abcXYZ019_Q";
    uint32_t seed = 7;
    struct dl_buf text = DL_BUF_INIT;
    size_t bad = 0, cases = 0;
    for (int round = 0; round < 3000; round++) {
        dl_buf_reset(&text);
        int words = 1 + (int)(dl_test_rand(&seed) % 12);
        for (int w = 0; w < words; w++) {
            size_t len = dl_test_rand(&seed) % (w == 0 && round % 7 == 0 ? 300 : 20);
            for (size_t k = 0; k < len; k++) {
                unsigned r = dl_test_rand(&seed) % 40;
                if (r == 0) {
                    dl_buf_adds(&text, (seed >> 20) & 1 ? "\xc3\xa9" : "\xc3\x89"); /* é É */
                } else if (r == 1 && k > 0) {
                    dl_buf_adds(&text, "\xc2\xad");
                } else {
                    dl_buf_addc(&text, alpha[(seed >> 8) % (sizeof alpha - 1)]);
                }
            }
            dl_buf_adds(&text, seps[dl_test_rand(&seed) % (sizeof seps / sizeof seps[0])]);
        }
        /* also without the final separator: a token that ends the text */
        size_t cut = round % 2 ? text.len : text.len - 1;
        while (cut > 0 && ((unsigned char)text.buf[cut] & 0xC0) == 0x80) {
            cut--; /* keep whole characters */
        }
        struct ref_token want[64];
        size_t nwant = ref_tokenize(text.buf, cut, want, 64);
        struct collect c;
        tokenize(text.buf, cut, &c);
        int ok = c.n == nwant && !c.bad;
        for (size_t i = 0; ok && i < nwant; i++) {
            ok = c.tok[i].flen == want[i].flen && strcmp(c.tok[i].folded, want[i].folded) == 0 &&
                 c.tok[i].start == want[i].start && c.tok[i].end == want[i].end &&
                 c.tok[i].flags == want[i].flags;
        }
        if (!ok && bad++ < 3) {
            fprintf(stderr, "tokenizer and model differ on [%.*s]\n", (int)cut, text.buf);
        }
        cases++;
    }
    CHECK(bad == 0, "%zu of %zu random texts tokenized unlike the model", bad, cases);
    dl_buf_release(&text);
}

static void test_tokenize_some(void)
{
    unsigned char filter[DL_TOKEN_FILTER_BYTES];
    memset(filter, 0, sizeof filter);
    static const char *const wanted[] = {"lam", "首页", "x"};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        unsigned k = dl_token_key(wanted[i], strlen(wanted[i]));
        filter[k >> 3] |= (unsigned char)(1u << (k & 7));
    }
    const char *text = "Lâm met LAMB and Lu; x xy 首页 首 Xe Ladder";
    struct collect c;
    memset(&c, 0, sizeof c);
    int rc = dl_tokenize_some(text, strlen(text), filter, collect_cb, &c);
    struct dl_buf got = DL_BUF_INIT;
    render_full(&c, &got);
    /* keys compare the first two folded bytes: "lamb" and "ladder" start like "lam", a CJK
     * character like "首页" when its first two bytes do ("页" does not); "xy" is unlike "x" */
    CHECK_STR(got.buf, "lam@0-4 lamb@9-13 x@22-23 首@27-30/c 首@34-37/c ladder@41-47",
              "filtered tokens");
    CHECK(rc == 0 && !c.bad, "filtered run: rc %d", rc);
    memset(&c, 0, sizeof c);
    memset(filter, 0xff, sizeof filter);
    dl_tokenize_some(text, strlen(text), filter, collect_cb, &c);
    struct collect all;
    tokenize(text, strlen(text), &all);
    CHECK(c.n == all.n && c.n == 12, "a full filter reports every token: %zu of %zu", c.n, all.n);
    dl_buf_release(&got);
}

/* Tokens seen through a filter applied in the callback: what dl_tokenize_some() must report. */
struct filtered {
    const unsigned char *filter; /* NULL: keep all */
    struct dl_buf out;           /* "folded@start-end/flags " per token kept */
};

static int filtered_cb(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                       unsigned flags)
{
    struct filtered *f = ctx;
    unsigned k = dl_token_key(folded, flen);
    if (f->filter && !(f->filter[k >> 3] & (1u << (k & 7)))) {
        return 0;
    }
    dl_buf_addf(&f->out, "%s@%zu-%zu/%u ", folded, start, end, flags);
    return strlen(folded) == flen ? 0 : 1;
}

/*
 * dl_tokenize_some() skips runs of plain ASCII a block at a time: it must
 * report exactly the tokens dl_tokenize() reports that pass the filter, for
 * filters of every density, over text mixing words that cross the 64-byte
 * blocks, overlong words, apostrophes and possessives, non-ASCII letters,
 * format characters and CJK.
 */
static void test_tokenize_some_random(void)
{
    static const char *const pieces[] = {
        "the ",
        "President ",
        "China's ",
        "don't ",
        "it’s ",
        "Tô Lâm ",
        "co\u00ADop ",
        "首页新闻 ",
        "2026 ",
        "x ",
        "a.b,c;d ",
        "under_score ",
        "\n",
        "CAPITALS ",
        "café ",
        "“quoted” ",
        "A1B2C3D4E5 ",
        "’s ",
        "e'",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl ",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm ",
        "—",
    };
    uint32_t seed = 4242;
    struct dl_buf text = DL_BUF_INIT;
    struct filtered want = {NULL, DL_BUF_INIT}, got = {NULL, DL_BUF_INIT};
    unsigned char filter[DL_TOKEN_FILTER_BYTES];
    size_t bad = 0;
    for (int round = 0; round < 400; round++) {
        dl_buf_reset(&text);
        int n = 5 + round % 120;
        for (int i = 0; i < n; i++) {
            dl_buf_adds(&text, pieces[dl_test_rand(&seed) % (sizeof pieces / sizeof pieces[0])]);
        }
        unsigned density = (unsigned)(round % 5) * 60; /* 0 (nothing) .. 240 of 256 */
        for (size_t i = 0; i < sizeof filter; i++) {
            unsigned char b = 0;
            for (int k = 0; k < 8; k++) {
                b |= (unsigned char)((dl_test_rand(&seed) & 255) < density) << k;
            }
            filter[i] = b;
        }
        dl_buf_reset(&want.out);
        dl_buf_reset(&got.out);
        want.filter = filter;
        dl_tokenize(text.buf, text.len, filtered_cb, &want);
        int rc = dl_tokenize_some(text.buf, text.len, filter, filtered_cb, &got);
        if (rc != 0 || strcmp(want.out.buf, got.out.buf) != 0) {
            if (bad++ < 2) {
                fprintf(stderr, "filter differs on [%s]\n  want %s\n  got  %s\n", text.buf,
                        want.out.buf, got.out.buf);
            }
        }
    }
    CHECK(bad == 0, "dl_tokenize_some differs from a filtered dl_tokenize in %zu texts", bad);
    dl_buf_release(&text);
    dl_buf_release(&want.out);
    dl_buf_release(&got.out);
}

static void test_utf16_random(void)
{
    static const struct {
        const char *s;
        size_t units;
    } pieces[] = {{"a", 1}, {"bc ", 3},      {"ô", 1},  {"首", 1},
                  {"😀", 2}, {"defghijk", 8}, {"\n", 1}, {"𠀀", 2}};
    uint32_t seed = 99;
    struct dl_buf s = DL_BUF_INIT;
    size_t bad = 0;
    for (int round = 0; round < 500; round++) {
        dl_buf_reset(&s);
        size_t units = 0;
        for (int i = 0; i < round % 40; i++) {
            size_t k = dl_test_rand(&seed) % (sizeof pieces / sizeof pieces[0]);
            dl_buf_adds(&s, pieces[k].s);
            units += pieces[k].units;
        }
        bad += dl_utf16_len(s.buf, s.len) != units;
    }
    CHECK(bad == 0, "utf16_len wrong on %zu random texts", bad);
    dl_buf_release(&s);
}

static void test_cp1252(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"\x80", "€"},
        {"\x91hi\x92", "‘hi’"},
        {"\x93quoted\x94", "“quoted”"},
        {"a\x96"
         "b\x97"
         "c",
         "a–b—c"},
        {"\x85\x99\x8a\x9a\x8c\x9c\x9f\x83", "…™ŠšŒœŸƒ"},
        {"\x81\x8d\x8f\x90\x9d", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"},
        {"caf\xe9 \xe0 \xa0\xff", "café à \u00A0ÿ"},
        {"Vi\xea"
         "t",
         "Viêt"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_buf b = DL_BUF_INIT;
        dl_buf_adds(&b, ">");
        dl_cp1252_to_utf8(cases[i].in, strlen(cases[i].in), &b);
        CHECK(b.buf[0] == '>', "cp1252 appends");
        CHECK_STR(b.buf + 1, cases[i].want, "cp1252 case %zu", i);
        CHECK(dl_utf8_valid(b.buf, b.len), "cp1252 output is valid UTF-8, case %zu", i);
        dl_buf_release(&b);
    }
    /* Every byte converts to exactly one character. */
    char all[256];
    for (int i = 0; i < 256; i++) {
        all[i] = (char)i;
    }
    struct dl_buf b = DL_BUF_INIT;
    dl_cp1252_to_utf8(all, sizeof all, &b);
    size_t chars = 0;
    for (size_t i = 0; i < b.len; i++) {
        chars += ((unsigned char)b.buf[i] & 0xC0) != 0x80;
    }
    CHECK(dl_utf8_valid(b.buf, b.len) && chars == 256, "all 256 bytes: %zu chars", chars);
    dl_buf_release(&b);
}

static void test_fold(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Tô Lâm OR Việt Nam", "to lam or viet nam"},
        {"(Hà Nội AND Đà Nẵng) NOT Huế", "(ha noi and da nang) not hue"},
        {"To\u0302 La\u0302m", "to lam"},
        {"hoà/hòa thuỷ-thủy", "hoa/hoa thuy-thuy"},
        {"ＡＢＣ１２３", "abc123"},
        {"首页>Top Stories", "首页>top stories"},
        {"Straße ﬁle Øl", "strasse file ol"},
        {"a\u00A0b\u200Bc\u3000d\u2009e", "a b c d e"},
        {"co\u00ADop\u2060x\uFEFF\u200C\u200D\u200E!", "coopx!"},
        {"“China’s” — role…", "“china’s” — role…"},
        {"", ""},
        {"ĐẠI HỘI XIV", "dai hoi xiv"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_buf b = DL_BUF_INIT;
        dl_buf_adds(&b, "k:");
        int rc = dl_fold(cases[i].in, strlen(cases[i].in), &b);
        CHECK(rc == DL_OK, "fold '%s' rc %d", cases[i].in, rc);
        CHECK(strncmp(b.buf, "k:", 2) == 0, "fold appends");
        CHECK_STR(b.buf + 2, cases[i].want, "fold '%s'", cases[i].in);
        dl_buf_release(&b);
    }

    static const char *const bad[] = {"abc\xff", "\xc0\x80", "Tô\xed\xa0\x80", "\xe2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct dl_buf b = DL_BUF_INIT;
        dl_buf_adds(&b, "keep");
        int rc = dl_fold(bad[i], strlen(bad[i]), &b);
        CHECK(rc == DL_EENCODING, "invalid UTF-8 case %zu: rc %d", i, rc);
        CHECK_STR(b.buf, "keep", "out unchanged on invalid UTF-8, case %zu", i);
        dl_buf_release(&b);
    }

    /* A long run of non-ASCII text goes past the fold's stack buffer. */
    struct dl_buf in = DL_BUF_INIT, out = DL_BUF_INIT, want = DL_BUF_INIT;
    for (int i = 0; i < 500; i++) {
        dl_buf_adds(&in, "首ệＡ");
        dl_buf_adds(&want, "首ea");
    }
    CHECK(dl_fold(in.buf, in.len, &out) == DL_OK, "fold long run");
    CHECK_STR(out.buf, want.buf, "fold of a long non-ASCII run");
    dl_buf_release(&in);
    dl_buf_release(&out);
    dl_buf_release(&want);
}

static void test_slug(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"VNA/VNS", "vna-vns"},
        {"HÀ NỘI", "ha-noi"},
        {"Xinhua", "xinhua"},
        {"  ", ""},
        {"", ""},
        {"--Reuters--", "reuters"},
        {"Đà Nẵng", "da-nang"},
        {"Ministry of Foreign Affairs (MOFA)", "ministry-of-foreign-affairs-mofa"},
        {"新华社", "新华社"},
        {"a_b", "a-b"},
        {"Vi\u00ADệt\u00A0Nam", "viet-nam"},
        {"China’s MFA", "china-s-mfa"},
        {"a\xff"
         "b",
         "a-b"},
        {"½", "1-2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_buf b = DL_BUF_INIT;
        dl_buf_adds(&b, "s:");
        dl_slug(cases[i].in, strlen(cases[i].in), &b);
        CHECK(strncmp(b.buf, "s:", 2) == 0, "slug appends");
        CHECK_STR(b.buf + 2, cases[i].want, "slug '%s'", cases[i].in);
        dl_buf_release(&b);
    }
}

static void test_is_cjk(void)
{
    static const struct {
        int32_t cp;
        int cjk;
    } cases[] = {
        {0x9996, 1},                          /* 首 */
        {0x3042, 1},                          /* あ */
        {0x30AB, 1},                          /* カ */
        {0xD55C, 1},                          /* 한 */
        {0x3400, 1},                          /* Ext A */
        {0x20000, 1},                         /* Ext B */
        {0xF900, 1},                          /* compatibility ideograph */
        {0xFF76, 1},                          /* half-width katakana */
        {0x3005, 1},                          /* 々 */
        {'a', 0},     {0xF4, 0}, {0x1EC7, 0}, /* ệ */
        {0xFF21, 0},                          /* full-width A: folds to ASCII */
        {0x3001, 0},                          /* 、 punctuation */
        {0x3000, 0},                          /* ideographic space */
        {0x300C, 0},                          /* 「 */
        {0x3099, 0},                          /* combining voiced mark */
        {0x1F600, 0},                         /* emoji */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(dl_is_cjk(cases[i].cp) == cases[i].cjk, "dl_is_cjk(U+%04X)", (unsigned)cases[i].cp);
    }
}

int main(void)
{
    test_tokens_folded();
    test_tokens_full();
    test_offsets();
    test_long_tokens();
    test_stop();
    test_ascii_runs();
    test_tokenize_some();
    test_tokenize_some_random();
    test_invalid_utf8();
    test_utf8();
    test_utf16_random();
    test_cp1252();
    test_fold();
    test_slug();
    test_is_cjk();
    return dl_test_report();
}
