/* test_query.c - dl_query_normalize: what QueryParser gets from what a journalist types. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/query.h"
#include "dl_test.h"

static const struct {
    const char *in;
    const char *text;  /* normalised query */
    const char *plain; /* NULL: not checked */
} cases[] = {
    /* diacritics and case fold like the indexer */
    {"Tô Lâm", "to lam", "to lam"},
    {"PHẠM MINH CHÍNH", "pham minh chinh", "pham minh chinh"},
    {"Đà Nẵng", "da nang", "da nang"},
    {"To\xcc\x82 La\xcc\x82m", "to lam", "to lam"}, /* decomposed input */
    /* operators survive, lower-case ones are words */
    {"Tô Lâm OR Việt Nam", "to lam OR viet nam", "to lam viet nam"},
    {"(Hà Nội AND Đà Nẵng) NOT Huế", "(ha noi AND da nang) NOT hue", "ha noi da nang"},
    {"railway or energy", "railway or energy", "railway or energy"},
    {"trade and not war", "trade and not war", "trade and not war"},
    {"ORDER ANDROID NOTE", "order android note", NULL},
    {"lam XOR trung", "lam XOR trung", "lam trung"},
    {"Trump NEAR/3 Tô Lâm", "(trump NEAR/3 to) lam", "trump to lam"},
    {"x lam NEAR trung", "x (lam NEAR trung)", NULL},
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
    {"-trump", "NOT trump", ""},
    {"-a -b", "NOT a NOT b", ""},
    {"a OR -b", "a OR NOT b", "a"},
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
    {"title:(Tô OR Lâm)", "title:(to OR lam)", "to lam"},
    {"title:", "", ""},
    {"title: lam", "lam", "lam"},
    {"source:\"VNA/VNS\" lam", "source:vna-vns lam", "lam"},
    {"source:Xinhua", "source:xinhua", ""},
    {"lam -source:reuters", "lam -source:reuters", "lam"},
    {"-source:reuters", "NOT source:reuters", ""},
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
    {"lam -date:2026", "lam NOT date:20260101..20261231", "lam"},
    /* CJK */
    {"首页", "首页", "首页"},
    {"越南首页 news", "越南首页 news", "news 越南首页"},
    {"首页news", "首页 news", NULL},
    {"lam NEAR 首页", "lam \"首页\"", NULL},
    {"\"首页新闻\"", "\"首页新闻\"", "首页新闻"},
    {"a 𰳫 b \"𰳫\" XOR c", "a b XOR c", "a b c"}, /* U+30CEB: newer than Xapian's tables */
    {"首𰳫页 lam", "首 \"页\" lam", NULL},
    {"苏林、首页", "苏林 \"首页\"", NULL},
    {"news 首页 today", "news \"首页\" today", "news today 首页"},
    {"lam title:首页 -首页", "lam title:\"首页\" -\"首页\"", NULL},
    /* dangling and doubled operators, brackets */
    {"lam AND", "lam", "lam"},
    {"AND lam", "lam", "lam"},
    {"a OR OR b", "a OR b", NULL},
    {"a AND OR b", "a AND b", NULL},
    {"a NOT NOT b", "a NOT b", NULL},
    {"a AND NOT b", "a AND NOT b", "a"},
    {"NOT lam", "NOT lam", ""},
    {"AND OR NOT", "", ""},
    {"NEAR lam", "lam", NULL},
    {"lam NEAR", "lam", NULL},
    {"a NEAR (b OR c)", "a (b OR c)", NULL},
    {"a NEAR \"b c\"", "a \"b c\"", NULL},
    {"a NEAR b ADJ c", "(a NEAR b) c", NULL},
    {"((((lam", "lam", "lam"},
    {"lam)", "lam", "lam"},
    {"(a OR b", "(a OR b)", "a b"},
    {"()", "", ""},
    {"lam AND ()", "lam", "lam"},
    {"((a OR b)) AND c", "(a OR b) AND c", NULL},
    {"(a) NEAR (b)", "a NEAR b", NULL},
    {"lam NOT (a OR b)", "lam NOT (a OR b)", "lam"},
    {"", "", ""},
    {"   \t\n ", "", ""},
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_query q;
        struct dl_error err = DL_ERROR_INIT;
        dl_query_init(&q);
        int rc = dl_query_normalize(&q, cases[i].in, strlen(cases[i].in), &err);
        CHECK(rc == DL_OK, "'%s': rc %d (%s)", cases[i].in, rc, err.msg);
        CHECK_STR(q.text.buf, cases[i].text, "text of '%s'", cases[i].in);
        if (cases[i].plain) {
            CHECK_STR(q.plain.buf, cases[i].plain, "plain of '%s'", cases[i].in);
        }
        dl_query_release(&q);
    }
}

static void test_errors(void)
{
    static const struct {
        const char *in;
        size_t n; /* 0: strlen */
        int rc;
        const char *msg; /* start of the message */
    } bad[] = {
        {"date:2026-02-30", 0, DL_EINVAL, "invalid date '2026-02-30'"},
        {"lam date:2025-02-29..", 0, DL_EINVAL, "invalid date '2025-02-29'"},
        {"date:2026-13-01", 0, DL_EINVAL, "invalid date '2026-13-01'"},
        {"date:0999-01-01", 0, DL_EINVAL, "invalid date '0999-01-01'"},
        {"date:yesterday", 0, DL_EINVAL, "invalid date 'yesterday'"},
        {"date:2026-01-01..2026-02-01..2026-03-01", 0, DL_EINVAL, "invalid date range"},
        {"t\xc3", 0, DL_EENCODING, "query is not valid UTF-8"},
        {"\xff lam", 0, DL_EENCODING, "query is not valid UTF-8"},
        {"\xc0\xaf", 0, DL_EENCODING, "query is not valid UTF-8"},     /* overlong '/' */
        {"\xed\xa0\x80", 0, DL_EENCODING, "query is not valid UTF-8"}, /* surrogate */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct dl_query q;
        struct dl_error err = DL_ERROR_INIT;
        dl_query_init(&q);
        dl_buf_adds(&q.text, "stale");
        size_t n = bad[i].n ? bad[i].n : strlen(bad[i].in);
        int rc = dl_query_normalize(&q, bad[i].in, n, &err);
        CHECK(rc == bad[i].rc && err.code == bad[i].rc, "'%s': rc %d, want %d", bad[i].in, rc,
              bad[i].rc);
        CHECK(strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) == 0, "'%s': message '%s'",
              bad[i].in, err.msg);
        CHECK(q.text.len == 0 && q.nprefixes == 0, "'%s': query left empty", bad[i].in);
        dl_query_release(&q);
    }
    /* NUL bytes are separators, not the end of the string */
    struct dl_query q;
    dl_query_init(&q);
    CHECK(dl_query_normalize(&q, "lam\0trung\0", 10, NULL) == DL_OK, "NUL bytes");
    CHECK_STR(q.text.buf, "lam trung", "NUL bytes separate words");
    dl_query_release(&q);
}

static void test_counts(void)
{
    struct dl_query q;
    dl_query_init(&q);
    const char *s = "Strat* title:strat* Việt* \"to lam\" (a OR b*) NOT c -d viet-na*";
    CHECK(dl_query_normalize(&q, s, strlen(s), NULL) == DL_OK, "wildcards");
    CHECK(q.nprefixes == 3, "prefixes deduplicated: %zu", q.nprefixes);
    if (q.nprefixes == 3) {
        CHECK_STR(q.prefixes[0], "strat", "first prefix");
        CHECK_STR(q.prefixes[1], "viet", "second prefix (folded)");
        CHECK_STR(q.prefixes[2], "b", "prefix inside a group");
    }
    CHECK_STR(q.text.buf, "strat* title:strat* viet* \"to lam\" (a OR b*) NOT c viet-na -d",
              "wildcard query");
    CHECK(q.nterms == 11, "nterms %zu", q.nterms);
    /* title: ", " ( OR ) NOT */
    CHECK(q.nops == 6, "nops %zu", q.nops);
    CHECK(q.max_depth == 1, "max_depth %zu", q.max_depth);

    /* normalising again replaces everything */
    CHECK(dl_query_normalize(&q, "((a (b)) c)", 11, NULL) == DL_OK, "nested");
    CHECK(q.nprefixes == 0 && q.max_depth == 3 && q.nterms == 3, "counts replaced: %zu %zu %zu",
          q.nprefixes, q.max_depth, q.nterms);
    CHECK_STR(q.text.buf, "((a b) c)", "nested groups");
    dl_query_release(&q);
    dl_query_release(&q); /* twice is harmless */
}

/*
 * What QueryParser must never see: a ':' not after one of our fields, '..'
 * outside date:, unbalanced brackets or quotes, an operator at either end
 * of a group, two binary operators in a row.
 */
static int well_formed(const char *t, const char **why)
{
    static const char *const fields[] = {"title:", "source:", "dateline:", "year:", "date:"};
    int depth = 0, quote = 0;
    size_t n = strlen(t);
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c == '"') {
            quote = !quote;
        } else if (quote) {
            if (c == '(' || c == ')' || c == ':' || c == '*') {
                return *why = "syntax inside a phrase", 0;
            }
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (--depth < 0) {
                return *why = "unbalanced ')'", 0;
            }
        } else if (c == ':') {
            int ok = 0;
            for (size_t k = 0; k < 5; k++) {
                size_t fl = strlen(fields[k]);
                ok |= i + 1 >= fl && memcmp(t + i + 1 - fl, fields[k], fl) == 0 &&
                      (i + 1 == fl || strchr(" (-\"", t[i - fl]));
            }
            if (!ok) {
                return *why = "stray ':'", 0;
            }
        } else if (c == '.' && t[i + 1] == '.') {
            const char *d = t + i;
            while (d > t && d[-1] != ' ' && d[-1] != '(') {
                d--;
            }
            if (strncmp(d, "date:", 5) != 0 && strncmp(d, "-date:", 6) != 0) {
                return *why = "stray '..'", 0;
            }
            i++;
        } else if ((unsigned char)c < 0x20) {
            return *why = "control character", 0;
        }
    }
    if (depth || quote) {
        return *why = "unbalanced", 0;
    }
    static const char *const ops[] = {"AND", "OR", "XOR", "NEAR", "ADJ", "NOT"};
    /* walk space-separated words: no binary operator first/last or doubled */
    char *copy = strdup(t), *save = NULL;
    int prev_op = 2, ok = 1; /* 2: at the start of a group */
    for (char *w = strtok_r(copy, " ", &save); w && ok; w = strtok_r(NULL, " ", &save)) {
        if (strchr("-+", *w) && w[1] == '(') {
            w++;
        }
        while (*w == '(') {
            w++, prev_op = 2;
        }
        size_t wl = strlen(w), close = 0;
        while (wl && w[wl - 1] == ')' && (wl < 2 || w[wl - 2] != '"')) {
            wl--, close++;
        }
        int op = 0;
        for (size_t k = 0; k < 6; k++) {
            size_t ol = strlen(ops[k]);
            op |= (int)(k + 1) *
                  (wl >= ol && strncmp(w, ops[k], ol) == 0 && (wl == ol || w[ol] == '/'));
        }
        if (op && op != 6 && prev_op) {
            ok = 0, *why = "binary operator without a left operand";
        } else if (op == 6 && prev_op == 1) {
            ok = 0, *why = "NOT after NOT";
        } else if (op && close) {
            ok = 0, *why = "operator before ')'";
        }
        prev_op = op == 6 ? 1 : op ? 3 : close ? 0 : 0;
    }
    if (ok && prev_op && prev_op != 2) {
        ok = 0, *why = "operator at the end";
    }
    free(copy);
    return ok;
}

static void test_garbage(void)
{
    struct dl_query q;
    dl_query_init(&q);
    const char *why = "";
    /* deep brackets, balanced and not */
    size_t n = 100000;
    char *s = malloc(2 * n + 4);
    memset(s, '(', n);
    memcpy(s + n, "lam", 3);
    memset(s + n + 3, ')', n);
    CHECK(dl_query_normalize(&q, s, 2 * n + 3, NULL) == DL_OK, "deep brackets");
    CHECK_STR(q.text.buf, "lam", "deep brackets collapse");
    CHECK(q.max_depth == n, "max_depth counts typed depth: %zu", q.max_depth);
    CHECK(dl_query_normalize(&q, s, n + 3, NULL) == DL_OK && strcmp(q.text.buf, "lam") == 0,
          "unclosed deep brackets");
    memset(s, '(', n);
    for (size_t i = 0; i < n; i += 2) {
        s[i] = 'x';
    }
    CHECK(dl_query_normalize(&q, s, n, NULL) == DL_OK && well_formed(q.text.buf, &why),
          "deep nested words: %s", why);
    for (size_t i = 0; i < n; i++) {
        s[i] = "()AND OR\"*-:."[i % 13];
    }
    CHECK(dl_query_normalize(&q, s, n, NULL) == DL_OK && well_formed(q.text.buf, &why),
          "only syntax: %s", why);
    free(s);

    /* random ASCII soup with all the syntax characters, and random bytes */
    static const char *const pieces[] = {"AND",    "OR",        "NOT",
                                         "XOR",    "NEAR",      "NEAR/2",
                                         "ADJ",    "(",         ")",
                                         "\"",     "-",         "+",
                                         "*",      ":",         "..",
                                         "title:", "source:",   "date:2026-01-01..",
                                         "year:",  "lam",       "Tô",
                                         "首页",   " ",         " ",
                                         " ",      "x",         "..2026-02-03",
                                         "date:",  "dateline:", "'s",
                                         "/",      "\xc2\xa0"};
    uint32_t seed = 12345;
    struct dl_buf b = DL_BUF_INIT;
    int bad = 0, bytes_ok = 0;
    for (int round = 0; round < 3000; round++) {
        dl_buf_reset(&b);
        size_t len = 1 + round % 40;
        for (size_t i = 0; i < len; i++) {
            dl_buf_adds(&b, pieces[dl_test_rand(&seed) % (sizeof pieces / sizeof pieces[0])]);
        }
        struct dl_error err = DL_ERROR_INIT;
        int rc = dl_query_normalize(&q, b.buf, b.len, &err);
        int date_error = rc == DL_EINVAL && strncmp(err.msg, "invalid date", 12) == 0;
        if (!date_error && (rc != DL_OK || !well_formed(q.text.buf, &why) ||
                            strchr(q.plain.buf, ':') || strchr(q.plain.buf, '"'))) {
            if (bad++ < 5) {
                fprintf(stderr, "  soup '%s' -> rc %d '%s' (%s)\n", b.buf, rc, q.text.buf, why);
            }
        }
        /* random bytes: valid UTF-8 or not, it never crashes and reports encoding errors */
        dl_buf_reset(&b);
        for (size_t i = 0; i < len; i++) {
            dl_buf_addc(&b, (char)dl_test_rand(&seed));
        }
        rc = dl_query_normalize(&q, b.buf, b.len, NULL);
        bytes_ok += rc == DL_OK || rc == DL_EENCODING || rc == DL_EINVAL;
    }
    CHECK(bad == 0, "%d syntax soups gave ill-formed output", bad);
    CHECK(bytes_ok == 3000, "random bytes: %d of 3000 handled", bytes_ok);
    dl_buf_release(&b);

    /* 100 KB of words */
    dl_buf_reset(&b);
    while (b.len < 100000) {
        dl_buf_adds(&b, "Tô Lâm OR (Việt-Nam AND strat*) ");
    }
    CHECK(dl_query_normalize(&q, b.buf, b.len, NULL) == DL_OK && well_formed(q.text.buf, &why),
          "100 KB query: %s", why);
    CHECK(q.nprefixes == 1 && q.nterms > 10000, "100 KB counts: %zu prefixes, %zu terms",
          q.nprefixes, q.nterms);
    dl_buf_release(&b);
    dl_query_release(&q);
}

int main(void)
{
    test_cases();
    test_errors();
    test_counts();
    test_garbage();
    return dl_test_report();
}
