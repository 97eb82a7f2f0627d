/*
 * test_query.c - dl_query_parse: the tree read from what a journalist types, shown in its
 * canonical text form (dl_qtree_format) and its plain words (dl_qtree_plain).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/fold.h"
#include "dateline/query.h"
#include "dl_test.h"

static const struct {
    const char *in;
    const char *text;  /* canonical form */
    const char *plain; /* NULL: not checked */
} cases[] = {
    /* diacritics and case fold like the indexer */
    {"Tô Lâm", "to lam", "to lam"},
    {"PHẠM MINH CHÍNH", "pham minh chinh", "pham minh chinh"},
    {"Đà Nẵng", "da nang", "da nang"},
    {"To\xcc\x82 La\xcc\x82m", "to lam", "to lam"}, /* decomposed input */
    /* operators survive, lower-case ones are words */
    {"Tô Lâm OR Việt Nam", "to lam OR viet nam", "to lam viet nam"},
    {"(Hà Nội AND Đà Nẵng) NOT Huế", "ha noi AND da nang NOT hue", "ha noi da nang"},
    {"railway or energy", "railway or energy", "railway or energy"},
    {"trade and not war", "trade and not war", "trade and not war"},
    {"ORDER ANDROID NOTE", "order android note", NULL},
    {"lam XOR trung", "lam XOR trung", "lam trung"},
    {"Trump NEAR/3 Tô Lâm", "trump NEAR/3 to lam", "trump to lam"},
    {"x lam NEAR trung", "x lam NEAR trung", NULL},
    {"lam ADJ trung", "lam ADJ trung", NULL},
    {"a NEAR/0 b", "a NEAR/1 b", NULL},
    {"a NEAR/99999 b", "a near-99999 b", NULL},
    /* phrases */
    {"\"Minh Chính\" visit", "\"minh chinh\" visit", "minh chinh visit"},
    {"\"Minh Chính", "\"minh chinh\"", "minh chinh"},
    {"\xe2\x80\x9cT\xc3\xb4 L\xc3\xa2m\xe2\x80\x9d", "\"to lam\"", NULL}, /* “Tô Lâm” */
    {"\"\"", "", ""},
    {"\"\" lam", "lam", "lam"},
    {"\"AND (x)\"", "\"and x\"", NULL},
    {"-\"Tô Lâm\" lam", "lam -\"to lam\"", "lam"},
    /* hyphens, possessives, other punctuation */
    {"Việt-Nam", "viet-nam", "viet nam"},
    {"COVID-19 vaccine", "covid-19 vaccine", NULL},
    {"China's economy", "china economy", "china economy"},
    {"U.S. tariffs", "u-s tariffs", NULL},
    {"foo:bar", "foo bar", "foo bar"},
    {"a:b:c", "a b c", NULL},
    {"vi*t", "vi t", NULL},
    {"lam, trung; (and) hue!", "lam trung and hue", NULL},
    {"a..b", "a-b", NULL},
    /* signs */
    {"+lam trung", "lam trung", "lam trung"},
    {"lam -trump", "lam -trump", "lam"},
    {"-trump lam", "lam -trump", "lam"},
    {"-trump", "-trump", ""},
    {"-a -b", "-a -b", ""},
    {"a OR -b", "a OR -b", "a"},
    {"a OR -b c", "a OR c -b", "a c"},
    {"a NOT -b", "a NOT b", "a"},
    {"-(a b) c", "c -(a b)", "c"},
    {"- lam", "lam", NULL},
    /* wildcards */
    {"strateg* plan", "strateg* plan", "plan"},
    {"viet-na*", "viet-na", NULL},
    {"*", "", ""},
    {"首*", "首", NULL},
    /* fields */
    {"title:Tô Lâm", "title:to lam", "to lam"},
    {"Title:Lam", "title:lam", "lam"},
    {"title:Việt-Nam", "title:viet-nam", NULL},
    {"title:\"Tô Lâm\" visit", "title:\"to lam\" visit", "to lam visit"},
    {"title:(Tô OR Lâm)", "title:to OR title:lam", "to lam"},
    {"title:", "", ""},
    {"title: lam", "lam", "lam"},
    {"source:\"VNA/VNS\" lam", "source:vna-vns lam", "lam"},
    {"source:Xinhua", "source:xinhua", ""},
    {"person:\"Tô  Lâm\" talks", "person:\"Tô Lâm\" talks",
     "talks"}, /* as typed, spaces squeezed */
    {"country:US org:\"ASEAN\"", "country:\"US\" org:\"ASEAN\"", ""},
    {"-person:苏林 lam", "lam -person:\"苏林\"", "lam"},
    {"person:\"\"", "", ""},
    {"PERSON:x", "person:\"x\"", ""},
    {"kind:Call talks", "kind:call talks", "talks"},
    {"lam -source:reuters", "lam -source:reuters", "lam"},
    {"-source:reuters", "-source:reuters", ""},
    {"dateline:\"Hà Nội\"", "dateline:ha-noi", ""},
    {"dateline:Hà-Nội lam", "dateline:ha-noi lam", "lam"},
    {"year:2026 lam", "year:2026 lam", "lam"},
    {"source:", "", ""},
    /* date ranges */
    {"date:2026-01-01..2026-02-28", "date:20260101..20260228", ""},
    {"lam date:2026-01-01..", "lam date:20260101..", "lam"},
    {"date:..2026-02-28", "date:..20260228", ""},
    {"date:2026-02-09", "date:20260209..20260209", ""},
    {"date:2024-02", "date:20240201..20240229", ""},
    {"date:2026", "date:20260101..20261231", ""},
    {"date:20260209", "date:20260209..20260209", ""},
    {"date:2026-3-1..2026-2-1", "date:20260201..20260301", ""},
    {"date:..", "", ""},
    {"lam -date:2026", "lam -date:20260101..20261231", "lam"},
    /* CJK */
    {"首页", "首页", "首页"},
    {"越南首页 news", "越南首页 news", "越南首页 news"},
    {"首页news", "首页 news", NULL},
    /* a CJK run is matched by its n-grams wherever it stands (QueryParser rejected "a 首页 b":
     * the runs after the first were phrases) */
    {"lam NEAR 首页", "lam 首页", NULL},
    {"\"首页新闻\"", "\"首页新闻\"", "首页新闻"},
    {"a 𰳫 b \"𰳫\" XOR c", "a 𰳫 b \"𰳫\" XOR c",
     "a 𰳫 b 𰳫 c"}, /* U+30CEB: a word, as the indexer
            reads it (QueryParser dropped it) */
    {"首𰳫页 lam", "首𰳫页 lam", NULL},
    {"苏林、首页", "苏林 首页", NULL},
    {"news 首页 today", "news 首页 today", "news 首页 today"},
    {"lam title:首页 -首页", "lam title:首页 -首页", NULL},
    /* dangling and doubled operators, brackets */
    {"lam AND", "lam", "lam"},
    {"AND lam", "lam", "lam"},
    {"a OR OR b", "a OR b", NULL},
    {"a AND OR b", "a AND b", NULL},
    {"a NOT NOT b", "a NOT b", NULL},
    {"a AND NOT b", "a NOT b", "a"},
    {"NOT lam", "NOT lam", ""},
    {"AND OR NOT", "", ""},
    {"NEAR lam", "lam", NULL},
    {"lam NEAR", "lam", NULL},
    {"a NEAR (b OR c)", "a (b OR c)", NULL},
    {"a NEAR \"b c\"", "a \"b c\"", NULL},
    {"a NEAR b ADJ c", "a NEAR b c", NULL},
    {"((((lam", "lam", "lam"},
    {"lam)", "lam", "lam"},
    {"(a OR b", "a OR b", "a b"},
    {"()", "", ""},
    {"lam AND ()", "lam", "lam"},
    {"((a OR b)) AND c", "(a OR b) AND c", NULL},
    {"(a) NEAR (b)", "a NEAR b", NULL},
    {"lam NOT (a OR b)", "lam NOT (a OR b)", "lam"},
    {"", "", ""},
    {"   \t\n ", "", ""},
};

static void format(const struct dl_qtree *t, struct dl_buf *text, struct dl_buf *plain)
{
    dl_buf_reset(text);
    dl_buf_reset(plain);
    dl_qtree_format(t, text);
    dl_qtree_plain(t, plain);
}

static void test_cases(void)
{
    struct dl_qtree t = DL_QTREE_INIT;
    struct dl_buf text = DL_BUF_INIT, plain = DL_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_error err = DL_ERROR_INIT;
        int rc = dl_query_parse(&t, cases[i].in, strlen(cases[i].in), &err);
        CHECK(rc == DL_OK, "'%s': rc %d (%s)", cases[i].in, rc, err.msg);
        format(&t, &text, &plain);
        CHECK_STR(text.buf, cases[i].text, "text of '%s'", cases[i].in);
        if (cases[i].plain) {
            CHECK_STR(plain.buf, cases[i].plain, "plain of '%s'", cases[i].in);
        }
    }
    dl_qtree_release(&t);
    dl_buf_release(&text);
    dl_buf_release(&plain);
}

static void test_errors(void)
{
    static const struct {
        const char *in;
        int rc;
        const char *msg; /* start of the message */
    } bad[] = {
        {"date:2026-02-30", DL_EINVAL, "invalid date '2026-02-30'"},
        {"lam date:2025-02-29..", DL_EINVAL, "invalid date '2025-02-29'"},
        {"date:2026-13-01", DL_EINVAL, "invalid date '2026-13-01'"},
        {"date:0999-01-01", DL_EINVAL, "invalid date '0999-01-01'"},
        {"date:yesterday", DL_EINVAL, "invalid date 'yesterday'"},
        {"date:2026-01-01..2026-02-01..2026-03-01", DL_EINVAL, "invalid date range"},
        {"t\xc3", DL_EENCODING, "query is not valid UTF-8 (byte 1)"},
        {"\xff lam", DL_EENCODING, "query is not valid UTF-8 (byte 0)"},
        {"\xc0\xaf", DL_EENCODING, "query is not valid UTF-8"},     /* overlong '/' */
        {"\xed\xa0\x80", DL_EENCODING, "query is not valid UTF-8"}, /* surrogate */
    };
    struct dl_qtree t = DL_QTREE_INIT;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct dl_error err = DL_ERROR_INIT;
        CHECK(dl_query_parse(&t, "stale* words", 12, NULL) == DL_OK, "a tree to replace");
        int rc = dl_query_parse(&t, bad[i].in, strlen(bad[i].in), &err);
        CHECK(rc == bad[i].rc && err.code == bad[i].rc, "'%s': rc %d, want %d", bad[i].in, rc,
              bad[i].rc);
        CHECK(strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) == 0, "'%s': message '%s'",
              bad[i].in, err.msg);
        CHECK(dl_qtree_root(&t) == NULL && t.nnodes == 0 && t.nprefixes == 0 && t.nwords == 0,
              "'%s': the tree is left empty", bad[i].in);
    }
    /* NUL bytes are separators, not the end of the string */
    struct dl_buf text = DL_BUF_INIT, plain = DL_BUF_INIT;
    CHECK(dl_query_parse(&t, "lam\0trung\0", 10, NULL) == DL_OK, "NUL bytes");
    format(&t, &text, &plain);
    CHECK_STR(text.buf, "lam trung", "NUL bytes separate words");
    dl_buf_release(&text);
    dl_buf_release(&plain);
    dl_qtree_release(&t);
}

/* The wildcard prefixes of t, in node order, joined by ' '. */
static void prefixes_of(const struct dl_qtree *t, struct dl_buf *out)
{
    dl_buf_reset(out);
    for (size_t i = 0; i < t->nnodes; i++) {
        if (t->nodes[i].kind == DL_Q_WILDCARD) {
            dl_buf_addf(out, "%s%s", out->len ? " " : "", t->nodes[i].text);
        }
    }
}

static void test_counts(void)
{
    struct dl_qtree t = DL_QTREE_INIT;
    struct dl_buf text = DL_BUF_INIT, plain = DL_BUF_INIT;
    const char *s = "Strat* title:strat* Việt* \"to lam\" (a OR b*) NOT c -d viet-na*";
    CHECK(dl_query_parse(&t, s, strlen(s), NULL) == DL_OK, "wildcards");
    CHECK(t.nprefixes == 3, "prefixes counted once each: %zu", t.nprefixes);
    prefixes_of(&t, &text);
    CHECK_STR(text.buf, "strat strat viet b", "wildcard nodes (title:strat* is one too)");
    format(&t, &text, &plain);
    CHECK_STR(text.buf, "strat* title:strat* viet* \"to lam\" (a OR b*) NOT c viet-na -d",
              "wildcard query");
    CHECK(t.nwords == 11, "nwords %zu", t.nwords);
    /* title: " " ( OR ) NOT */
    CHECK(t.nops == 6, "nops %zu", t.nops);
    CHECK(t.max_depth == 1, "max_depth %zu", t.max_depth);

    /* parsing again replaces everything */
    CHECK(dl_query_parse(&t, "((a (b)) c)", 11, NULL) == DL_OK, "nested");
    CHECK(t.nprefixes == 0 && t.max_depth == 3 && t.nwords == 3, "counts replaced: %zu %zu %zu",
          t.nprefixes, t.max_depth, t.nwords);
    format(&t, &text, &plain);
    CHECK_STR(text.buf, "(a b) c", "nested groups");
    CHECK(t.ninput == 11 && memcmp(t.input, "((a (b)) c)", 11) == 0, "the input is kept");
    dl_buf_release(&text);
    dl_buf_release(&plain);
    dl_qtree_release(&t);
    dl_qtree_release(&t); /* twice is harmless */
}

/* Offsets name the words typed: each word's bytes fold to its text. */
static void test_offsets(void)
{
    static const char *const inputs[] = {"Tô Lâm met \"PHẠM Minh\" title:Chính-Trị 首页 x*",
                                         "(a OR -b) NEAR c Việt-Nam"};
    struct dl_qtree t = DL_QTREE_INIT;
    struct dl_buf f = DL_BUF_INIT;
    for (size_t k = 0; k < 2; k++) {
        const char *in = inputs[k];
        CHECK(dl_query_parse(&t, in, strlen(in), NULL) == DL_OK, "parse '%s'", in);
        int bad = 0;
        for (size_t i = 0; i < t.nnodes; i++) {
            const struct dl_qnode *nd = &t.nodes[i];
            if (nd->kind != DL_Q_WORD && nd->kind != DL_Q_WILDCARD) {
                continue;
            }
            dl_buf_reset(&f);
            dl_fold(in + nd->start, nd->end - nd->start, &f);
            bad += strcmp(f.buf, nd->text) != 0;
        }
        CHECK(bad == 0, "'%s': %d words whose offsets do not fold to them", in, bad);
    }
    dl_buf_release(&f);
    dl_qtree_release(&t);
}

/*
 * What every tree holds, whatever was typed: children made before their
 * parents, spans inside the input, words under phrases, NEAR and CJK
 * runs, two operands under NOT, a root reached by nothing else.
 */
static int well_formed(const struct dl_qtree *t, const char **why)
{
    for (size_t i = 0; i < t->nnodes; i++) {
        const struct dl_qnode *nd = &t->nodes[i];
        if (nd->start > nd->end || nd->end > t->ninput) {
            return *why = "a span outside the input", 0;
        }
        if (nd->kind == DL_Q_NOT && nd->n != 2) {
            return *why = "NOT without two operands", 0;
        }
        for (size_t k = 0; k < nd->n; k++) {
            size_t c = t->kids[nd->first + k];
            const struct dl_qnode *ch = &t->nodes[c];
            if (c >= i) {
                return *why = "a child made after its parent", 0;
            }
            int positional = nd->kind == DL_Q_PHRASE || nd->kind == DL_Q_NEAR ||
                             nd->kind == DL_Q_ADJ || nd->kind == DL_Q_CJK;
            if (positional && ch->kind != DL_Q_WORD) {
                return *why = "a phrase, NEAR or CJK run over something but words", 0;
            }
        }
        if ((nd->kind == DL_Q_WORD || nd->kind == DL_Q_WILDCARD) && nd->len == 0) {
            return *why = "an empty word", 0;
        }
    }
    return 1;
}

/* The canonical form is a fixed point: parsing it gives it back. */
static int round_trip(struct dl_qtree *t, struct dl_buf *a, struct dl_buf *b, const char **why)
{
    struct dl_buf plain = DL_BUF_INIT;
    format(t, a, &plain);
    int ok = !strchr(plain.buf, ':') && !strchr(plain.buf, '"');
    if (!ok) {
        *why = "syntax in the plain words";
    }
    struct dl_qtree u = DL_QTREE_INIT;
    if (ok && dl_query_parse(&u, a->buf, a->len, NULL) != DL_OK) {
        ok = 0, *why = "the canonical form does not parse";
    }
    if (ok) {
        format(&u, b, &plain);
        ok = strcmp(a->buf, b->buf) == 0;
        *why = ok ? "" : "the canonical form is not canonical";
    }
    dl_qtree_release(&u);
    dl_buf_release(&plain);
    return ok;
}

static void test_garbage(void)
{
    struct dl_qtree t = DL_QTREE_INIT;
    struct dl_buf a = DL_BUF_INIT, b = DL_BUF_INIT;
    const char *why = "";
    /* deep brackets, balanced and not */
    size_t n = 100000;
    char *s = malloc(2 * n + 4);
    memset(s, '(', n);
    memcpy(s + n, "lam", 3);
    memset(s + n + 3, ')', n);
    CHECK(dl_query_parse(&t, s, 2 * n + 3, NULL) == DL_OK, "deep brackets");
    format(&t, &a, &b);
    CHECK_STR(a.buf, "lam", "deep brackets collapse");
    CHECK(t.max_depth == n, "max_depth counts typed depth: %zu", t.max_depth);
    CHECK(dl_query_parse(&t, s, n + 3, NULL) == DL_OK && (format(&t, &a, &b), 1) &&
              strcmp(a.buf, "lam") == 0,
          "unclosed deep brackets");
    memset(s, '(', n);
    for (size_t i = 0; i < n; i += 2) {
        s[i] = 'x';
    }
    CHECK(dl_query_parse(&t, s, n, NULL) == DL_OK && well_formed(&t, &why) &&
              round_trip(&t, &a, &b, &why),
          "deep nested words: %s", why);
    for (size_t i = 0; i < n; i++) {
        s[i] = "()AND OR\"*-:."[i % 13];
    }
    CHECK(dl_query_parse(&t, s, n, NULL) == DL_OK && well_formed(&t, &why) &&
              round_trip(&t, &a, &b, &why),
          "only syntax: %s", why);
    free(s);

    /* random soup of every piece of syntax, and random bytes */
    static const char *const pieces[] = {"AND",      "OR",        "NOT",
                                         "XOR",      "NEAR",      "NEAR/2",
                                         "ADJ",      "(",         ")",
                                         "\"",       "-",         "+",
                                         "*",        ":",         "..",
                                         "title:",   "source:",   "date:2026-01-01..",
                                         "year:",    "lam",       "Tô",
                                         "首页",     " ",         " ",
                                         " ",        "x",         "..2026-02-03",
                                         "date:",    "dateline:", "'s",
                                         "/",        "\xc2\xa0",  "苏林",
                                         "title:(",  "-(",        "person:",
                                         "country:", "org:",      "\"to lam\""};
    uint32_t seed = 12345;
    struct dl_buf q = DL_BUF_INIT;
    int bad = 0, bytes_ok = 0;
    for (int round = 0; round < 3000; round++) {
        dl_buf_reset(&q);
        size_t len = 1 + round % 40;
        for (size_t i = 0; i < len; i++) {
            dl_buf_adds(&q, pieces[dl_test_rand(&seed) % (sizeof pieces / sizeof pieces[0])]);
        }
        struct dl_error err = DL_ERROR_INIT;
        int rc = dl_query_parse(&t, q.buf, q.len, &err);
        int date_error = rc == DL_EINVAL && strncmp(err.msg, "invalid date", 12) == 0;
        if (!date_error &&
            (rc != DL_OK || !well_formed(&t, &why) || !round_trip(&t, &a, &b, &why))) {
            if (bad++ < 5) {
                fprintf(stderr, "  soup '%s' -> rc %d '%s' (%s)\n", q.buf, rc, a.buf, why);
            }
        }
        dl_buf_reset(&q);
        for (size_t i = 0; i < len; i++) {
            dl_buf_addc(&q, (char)dl_test_rand(&seed));
        }
        rc = dl_query_parse(&t, q.buf, q.len, NULL);
        bytes_ok += rc == DL_OK || rc == DL_EENCODING || rc == DL_EINVAL;
    }
    CHECK(bad == 0, "%d syntax soups gave a malformed tree or a moving canonical form", bad);
    CHECK(bytes_ok == 3000, "random bytes: %d of 3000 handled", bytes_ok);

    /* 100 KB of words */
    dl_buf_reset(&q);
    while (q.len < 100000) {
        dl_buf_adds(&q, "Tô Lâm OR (Việt-Nam AND strat*) ");
    }
    CHECK(dl_query_parse(&t, q.buf, q.len, NULL) == DL_OK && well_formed(&t, &why),
          "100 KB query: %s", why);
    CHECK(t.nprefixes == 1 && t.nwords > 10000, "100 KB counts: %zu prefixes, %zu words",
          t.nprefixes, t.nwords);
    dl_buf_release(&q);
    dl_buf_release(&a);
    dl_buf_release(&b);
    dl_qtree_release(&t);
}

int main(void)
{
    test_cases();
    test_errors();
    test_counts();
    test_offsets();
    test_garbage();
    return dl_test_report();
}
