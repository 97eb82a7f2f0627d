/* test_highlight.c - marks on the original text, snippets, spans. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/alias.h"
#include "dateline/common.h"
#include "dateline/stem.h"
#include "dateline/fold.h"
#include "dateline/highlight.h"
#include "dl_test.h"

#define MAXT 8

struct hl_case {
    const char *terms[MAXT];    /* index terms of the query */
    const char *prefixes[MAXT]; /* wildcard prefixes */
    const char *text;
    const char *markup; /* dl_hl_markup output */
};

static struct dl_hl *make(const char *const *terms, const char *const *prefixes,
                          const struct dl_aliases *a)
{
    size_t nt = 0, np = 0;
    while (nt < MAXT && terms[nt]) {
        nt++;
    }
    while (np < MAXT && prefixes[np]) {
        np++;
    }
    return dl_hl_new((char *const *)terms, nt, (char *const *)prefixes, np, a);
}

static const struct hl_case markup_cases[] = {
    {{"to", "lam", "Zto", "Zlam"},
     {0},
     "General Secretary Tô Lâm met Prime Minister",
     "General Secretary <mark>Tô Lâm</mark> met Prime Minister"},
    {{"Zcongratul"},
     {0},
     "He sent congratulations and congratulated them.",
     "He sent <mark>congratulations</mark> and <mark>congratulated</mark> them."},
    {{"pham", "minh", "chinh"},
     {0},
     "Prime Minister Phạm Minh Chính said",
     "Prime Minister <mark>Phạm Minh Chính</mark> said"},
    {{"lam"},
     {0},
     "a <b>Lam</b> & \"co\"",
     "a &lt;b&gt;<mark>Lam</mark>&lt;/b&gt; &amp; &quot;co&quot;"},
    {{"首", "首页", "页"}, {0}, "越南首页新闻", "越南<mark>首页</mark>新闻"},
    {{0}, {"strateg"}, "Strategic strategy, stratus.", "<mark>Strategic strategy</mark>, stratus."},
    {{"Slam", "ZSvisit"}, {0}, "Lâm visits", "<mark>Lâm visits</mark>"},
    /* boolean filter terms have nothing to show */
    {{"XSreuters", "Q123", "XDha-noi", "XY2026", "XOabc"}, {0}, "reuters 2026", "reuters 2026"},
    /* marks merge across spaces only, not across hyphens or line breaks */
    {{"viet", "nam"}, {0}, "Việt-Nam", "<mark>Việt</mark>-<mark>Nam</mark>"},
    {{"to", "lam"}, {0}, "Tô\nLâm", "<mark>Tô</mark>\n<mark>Lâm</mark>"},
    {{"to", "lam"}, {0}, "Tô\xc2\xa0Lâm", "<mark>Tô\xc2\xa0Lâm</mark>"},
    /* possessive: the token is "china", the 's stays outside the mark */
    {{"china"}, {0}, "China's trade", "<mark>China</mark>&#39;s trade"},
    /* stems are not applied to digits; exact numbers match */
    {{"2026", "Z2026"}, {0}, "In 2026, 20260 and 2026s", "In <mark>2026</mark>, 20260 and 2026s"},
    /* stopwords are marked only where they lead into a real match */
    {{"to", "lam", "Zto", "Zlam"},
     {0},
     "He flew to Hà Nội to meet Tô Lâm, then to Huế.",
     "He flew to Hà Nội to meet <mark>Tô Lâm</mark>, then to Huế."},
    {{"to", "lam", "Zto", "Zlam"}, {0}, "to Tô Lâm to", "to <mark>Tô Lâm</mark> to"},
    {{"secretari", "Zsecretari", "of", "state", "Zstate"},
     {0},
     "Secretary of State, and of the state",
     "<mark>Secretary of State</mark>, and of the <mark>state</mark>"},
    {{"to", "Zto"}, {0}, "to be or not to be", "<mark>to</mark> be or not <mark>to</mark> be"},
    {{"lam"}, {0}, "", ""},
    {{0}, {0}, "nothing to mark", "nothing to mark"},
};

static void test_markup(void)
{
    for (size_t i = 0; i < sizeof markup_cases / sizeof markup_cases[0]; i++) {
        const struct hl_case *c = &markup_cases[i];
        struct dl_hl *h = make(c->terms, c->prefixes, NULL);
        struct dl_buf out = DL_BUF_INIT;
        dl_hl_markup(h, c->text, strlen(c->text), &out);
        CHECK_STR(out.buf, c->markup, "markup case %zu", i);
        dl_buf_release(&out);
        dl_hl_free(h);
    }
    dl_hl_free(NULL);

    /* the stem the highlighter uses is Xapian's */
    struct dl_buf st = DL_BUF_INIT;
    dl_stem("congratulations", 15, &st);
    CHECK_STR(st.buf, "congratul", "Xapian's English stem");
    dl_buf_release(&st);

    static const char *const empty[] = {0};
    static const char *const filters[] = {"XSreuters", "Q1", 0};
    static const char *const words[] = {"lam", 0};
    struct dl_hl *h = make(empty, empty, NULL);
    CHECK(dl_hl_empty(h), "no terms: empty");
    dl_hl_free(h);
    h = make(filters, empty, NULL);
    CHECK(dl_hl_empty(h), "only filters: empty");
    dl_hl_free(h);
    h = make(words, empty, NULL);
    CHECK(!dl_hl_empty(h), "a word: not empty");
    dl_hl_free(h);
}

/* A form that matches only as written: "US" marks, "us" does not; "U.S." across its dot. */
static void test_exact_forms(void)
{
    const char *table = "@country\tUnited States\tUSA\t=US\t=U.S.\tHoa Kỳ\n";
    struct dl_aliases *a = NULL;
    CHECK(dl_aliases_parse(table, strlen(table), &a, NULL) == DL_OK && a, "gazetteer parses");
    if (!a) {
        return;
    }
    static const char *const terms[] = {"XAunited-states", 0};
    static const char *const none[] = {0};
    struct dl_hl *h = make(terms, none, a);
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"Tell us about the US and USA.",
         "Tell us about the <mark>US</mark> and <mark>USA</mark>."},
        {"the U.S. and Hoa Kỳ", "the <mark>U.S</mark>. and <mark>Hoa Kỳ</mark>"},
        {"us Us uS", "us Us uS"},
    };
    struct dl_buf out = DL_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dl_buf_reset(&out);
        dl_hl_markup(h, cases[i].text, strlen(cases[i].text), &out);
        CHECK_STR(out.buf, cases[i].want, "as written in '%s'", cases[i].text);
    }
    dl_buf_release(&out);
    dl_hl_free(h);
    dl_aliases_free(a);
}

static void test_aliases(void)
{
    const char *table = "# people\nTô Lâm\tTo Lam\tSu Lin\t苏林\nHà Nội\tHanoi\n";
    struct dl_aliases *a = NULL;
    struct dl_error err = DL_ERROR_INIT;
    int rc = dl_aliases_parse(table, strlen(table), &a, &err);
    CHECK(rc == DL_OK && a, "alias table parses: %s", err.msg);
    if (!a) {
        return;
    }
    static const char *const terms[] = {"XAto-lam", 0};
    static const char *const none[] = {0};
    struct dl_hl *h = make(terms, none, a);
    CHECK(!dl_hl_empty(h), "alias group: not empty");
    const char *text = "Su Lin met 苏林 and TÔ LÂM in Hanoi; Su left, Lin stayed.";
    struct dl_buf out = DL_BUF_INIT;
    dl_hl_markup(h, text, strlen(text), &out);
    CHECK_STR(
        out.buf,
        "<mark>Su Lin</mark> met <mark>苏林</mark> and <mark>TÔ LÂM</mark> in Hanoi; Su left, "
        "Lin stayed.",
        "every form of the group, and only whole forms");
    dl_buf_release(&out);
    /* Forms are matched on adjacent tokens only, though the words between are not reported
     * to the highlighter: a skipped word, a digit, a Vietnamese word or a possessive breaks them;
     * spaces, punctuation and a no-break space do not. */
    static const struct {
        const char *text, *want;
    } gaps[] = {
        {"Su Minh Lin", "Su Minh Lin"},
        {"Su 2 Lin", "Su 2 Lin"},
        {"Su Đức Lin", "Su Đức Lin"},
        {"Su's Lin", "Su&#39;s Lin"},
        {"Su, Lin", "<mark>Su, Lin</mark>"},
        {"Su \u00a0Lin", "<mark>Su \u00a0Lin</mark>"},
        {"Su\xc2\xa0Lin", "<mark>Su\xc2\xa0Lin</mark>"},
        {"Su -- (Lin)", "<mark>Su -- (Lin</mark>)"},
    };
    for (size_t i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
        dl_buf_reset(&out);
        dl_hl_markup(h, gaps[i].text, strlen(gaps[i].text), &out);
        CHECK_STR(out.buf, gaps[i].want, "alias form across the gap in '%s'", gaps[i].text);
    }
    dl_buf_release(&out);
    dl_hl_free(h);

    /* an alias group term together with the words typed */
    static const char *const both[] = {"XAha-noi", "hanoi", "Zhanoi", "XAnobody", 0};
    h = make(both, none, a);
    text = "Hà Nội, also Hanoi";
    dl_hl_markup(h, text, strlen(text), &out);
    CHECK_STR(out.buf, "<mark>Hà Nội</mark>, also <mark>Hanoi</mark>", "alias + word");
    dl_buf_release(&out);
    dl_hl_free(h);

    /* no table: alias terms are ignored */
    h = make(terms, none, NULL);
    CHECK(dl_hl_empty(h), "alias term without a table");
    dl_hl_free(h);
    dl_aliases_free(a);
}

static void test_spans(void)
{
    static const char *const terms[] = {"lam", "Zlam", 0};
    static const char *const none[] = {0};
    struct dl_hl *h = make(terms, none, NULL);
    /* 😀 is 4 bytes and 2 UTF-16 units, ộ is 3 bytes and 1 unit */
    const char *text = "\xf0\x9f\x98\x80 Lâm ộ lams x";
    struct dl_span *sp = NULL;
    size_t n = dl_hl_matches(h, text, strlen(text), &sp);
    CHECK(n == 2, "two spans: %zu", n);
    if (n == 2) {
        CHECK(sp[0].start == 5 && sp[0].end == 9, "span 0 bytes %zu..%zu", sp[0].start, sp[0].end);
        CHECK(sp[0].start16 == 3 && sp[0].end16 == 6, "span 0 utf16 %zu..%zu", sp[0].start16,
              sp[0].end16);
        CHECK(sp[1].start == 14 && sp[1].end == 18, "span 1 bytes %zu..%zu", sp[1].start,
              sp[1].end);
        CHECK(sp[1].start16 == 9 && sp[1].end16 == 13, "span 1 utf16 %zu..%zu", sp[1].start16,
              sp[1].end16);
    }
    free(sp);

    /* a longer mixed text: every span agrees with dl_utf16_len from the start */
    struct dl_buf t = DL_BUF_INIT;
    for (int i = 0; i < 200; i++) {
        dl_buf_adds(&t, i % 3 ? "Tổng Bí thư Tô Lâm 😀 gặp lam; " : "𝄞 lâm 首页 lam\n");
    }
    n = dl_hl_matches(h, t.buf, t.len, &sp);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        bad += sp[i].start16 != dl_utf16_len(t.buf, sp[i].start) ||
               sp[i].end16 != dl_utf16_len(t.buf, sp[i].end);
    }
    CHECK(n == 400 && bad == 0, "%zu spans, %zu with wrong UTF-16 offsets", n, bad);
    free(sp);
    dl_buf_release(&t);

    n = dl_hl_matches(h, "no match here", 13, &sp);
    CHECK(n == 0 && sp == NULL, "no match: 0 spans and NULL");
    dl_hl_free(h);
}

/*
 * One dl_hl_scan() serves the snippet, the markup and the match list: each
 * must equal what the one-shot functions give, for highlighters that
 * filter tokens by their first two bytes (words, stems, wildcards) and for
 * those that need every token (alias forms).
 */
static void test_scan(void)
{
    static const char *const alias_text = "Tô Lâm\tTo Lam\tSu Lin\t苏林\n";
    struct dl_aliases *a = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_aliases_parse(alias_text, strlen(alias_text), &a, &err) == 0, "aliases");
    static const struct {
        const char *terms[MAXT];
        const char *prefixes[MAXT];
    } queries[] = {
        {{"to", "lam", "Zto", "Zlam"}, {0}},
        {{"Zdie", "Zcongratul"}, {0}},
        {{0}, {"a"}},
        {{0}, {"str"}},
        {{"XAto-lam", "Zsu", "Zlin"}, {0}},
        {{"首", "首页", "页"}, {0}},
        {{0}, {0}},
    };
    static const char *const texts[] = {
        "General Secretary Tô Lâm and Su Lin (苏林) met; dying men die. Ant apple bat.",
        "He congratulated the strategists on their strategy. 越南首页新闻",
        "",
        "No match at all here.",
    };
    struct dl_hl_spans sc = DL_HL_SPANS_INIT; /* one struct reused across every scan */
    struct dl_buf x = DL_BUF_INIT, y = DL_BUF_INIT;
    size_t bad = 0;
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        struct dl_hl *h = make(queries[q].terms, queries[q].prefixes, a);
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
            const char *text = texts[t];
            size_t len = strlen(text);
            dl_hl_scan(h, text, len, &sc);
            struct dl_span *sp = NULL;
            size_t n = dl_hl_matches(h, text, len, &sp);
            int same = n == sc.n && (n == 0 || memcmp(sp, sc.v, n * sizeof *sp) == 0);
            free(sp);
            dl_buf_reset(&x);
            dl_buf_reset(&y);
            dl_hl_snippet(h, text, len, 120, &x);
            dl_hl_snippet_spans(h, &sc, text, len, 120, &y);
            same = same && strcmp(x.buf, y.buf) == 0;
            dl_buf_reset(&x);
            dl_buf_reset(&y);
            dl_hl_markup(h, text, len, &x);
            dl_hl_markup_spans(&sc, text, len, &y);
            same = same && strcmp(x.buf, y.buf) == 0;
            if (!same) {
                bad++;
                fprintf(stderr, "query %zu text %zu: scan differs\n", q, t);
            }
        }
        dl_hl_free(h);
    }
    CHECK(bad == 0, "scan-based output differs in %zu cases", bad);

    /* What the filtered scans must still find. */
    static const struct hl_case cases[] = {
        {{"Zdie"}, {0}, "Dying men die.", "<mark>Dying</mark> men <mark>die</mark>."},
        {{0}, {"a"}, "Ant apple bat", "<mark>Ant apple</mark> bat"},
        {{0}, {"str"}, "Stroll strong stars", "<mark>Stroll strong</mark> stars"},
        {{"XAto-lam"},
         {0},
         "Su Lin, 苏林, TO LAM",
         "<mark>Su Lin</mark>, <mark>苏林</mark>, "
         "<mark>TO LAM</mark>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_hl *h = make(cases[i].terms, cases[i].prefixes, a);
        dl_hl_scan(h, cases[i].text, strlen(cases[i].text), &sc);
        dl_buf_reset(&x);
        dl_hl_markup_spans(&sc, cases[i].text, strlen(cases[i].text), &x);
        CHECK_STR(x.buf, cases[i].markup, "scan case %zu", i);
        dl_hl_free(h);
    }
    /* A second scan replaces the first. */
    struct dl_hl *h = make(cases[0].terms, cases[0].prefixes, a);
    dl_hl_scan(h, "die die die die", 15, &sc);
    CHECK(sc.n == 1 && sc.nraw == 4, "merged: %zu spans of %zu matches", sc.n, sc.nraw);
    dl_hl_scan(h, "nothing", 7, &sc);
    CHECK(sc.n == 0 && sc.nraw == 0, "rescan: %zu spans", sc.n);
    dl_hl_free(h);
    dl_hl_spans_release(&sc);
    CHECK(sc.v == NULL && sc.n == 0 && sc.capv == 0, "released");
    dl_hl_spans_release(&sc); /* twice is harmless */
    dl_buf_release(&x);
    dl_buf_release(&y);
    dl_aliases_free(a);
}

/* Characters a reader sees: tags dropped, entities count one. */
static size_t visible_chars(const char *s)
{
    size_t n = 0;
    while (*s) {
        if (*s == '<') {
            s = strchr(s, '>') + 1;
            continue;
        }
        if (*s == '&') {
            s = strchr(s, ';') + 1;
            n++;
            continue;
        }
        n += ((unsigned char)*s & 0xc0) != 0x80;
        s++;
    }
    return n;
}

static size_t count_str(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static int is_alnum_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (unsigned char)c >= 0x80;
}

/*
 * Every fragment, tags removed and whitespace collapsed, appears in the
 * (collapsed) text with no letter just before or after it: no cut word.
 */
static int fragments_whole(const char *snippet, const char *text)
{
    struct dl_buf flat = DL_BUF_INIT, frag = DL_BUF_INIT;
    for (const char *p = text; *p; p++) {
        char c = (*p == '\n' || *p == '\t') ? ' ' : *p;
        if (!(c == ' ' && flat.len && flat.buf[flat.len - 1] == ' ')) {
            dl_buf_addc(&flat, c);
        }
    }
    int ok = 1;
    const char *p = snippet;
    if (strncmp(p, "\xe2\x80\xa6 ", 4) == 0) {
        p += 4;
    }
    while (ok && *p) {
        const char *end = strstr(p, " \xe2\x80\xa6");
        if (!end) {
            end = p + strlen(p);
        }
        dl_buf_reset(&frag);
        for (const char *q = p; q < end; q++) {
            if (*q == '<') {
                q = strchr(q, '>');
            } else if (*q == '&') {
                static const char *const ent[][2] = {
                    {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}};
                for (size_t k = 0; k < 5; k++) {
                    if (strncmp(q, ent[k][0], strlen(ent[k][0])) == 0) {
                        dl_buf_adds(&frag, ent[k][1]);
                        q += strlen(ent[k][0]) - 1;
                    }
                }
            } else {
                dl_buf_addc(&frag, *q);
            }
        }
        const char *at = strstr(flat.buf, frag.buf);
        ok = at && (at == flat.buf || !is_alnum_byte(at[-1])) && !is_alnum_byte(at[frag.len]);
        if (!ok) {
            fprintf(stderr, "  fragment not whole: '%s'\n", frag.buf);
        }
        p = *end ? end + 4 : end;
        if (*p == ' ') {
            p++;
        }
    }
    dl_buf_release(&flat);
    dl_buf_release(&frag);
    return ok;
}

static void test_snippets(void)
{
    /* three distinct terms far apart in a long Vietnamese/English text */
    struct dl_buf t = DL_BUF_INIT;
    const char *filler = "Các bên nhất trí thúc đẩy hợp tác kinh tế, thương mại và đầu tư; ";
    for (int i = 0; i < 60; i++) {
        dl_buf_adds(&t, filler);
        if (i == 10) {
            dl_buf_adds(&t, "Thủ đô Hà Nội đón đoàn.\n");
        } else if (i == 30) {
            dl_buf_adds(&t, "Tại Đà Nẵng, hai bên & <đối tác> gặp nhau. ");
        } else if (i == 50) {
            dl_buf_adds(&t, "Tổng Bí thư Tô Lâm phát biểu. ");
        }
    }
    static const char *const terms[] = {"ha", "noi", "da", "nang", "to", "lam", 0};
    static const char *const none[] = {0};
    struct dl_hl *h = make(terms, none, NULL);
    struct dl_buf out = DL_BUF_INIT;
    dl_hl_snippet(h, t.buf, t.len, 300, &out);
    CHECK(count_str(out.buf, " \xe2\x80\xa6 ") == 2, "three fragments: %s", out.buf);
    CHECK(strncmp(out.buf, "\xe2\x80\xa6 ", 4) == 0, "leading ellipsis");
    CHECK(out.len > 4 && strcmp(out.buf + out.len - 4, " \xe2\x80\xa6") == 0, "trailing ellipsis");
    CHECK(strstr(out.buf, "<mark>Hà Nội</mark>") && strstr(out.buf, "<mark>Đà Nẵng</mark>") &&
              strstr(out.buf, "<mark>Tô Lâm</mark>"),
          "every term shown: %s", out.buf);
    CHECK(strstr(out.buf, "&amp; &lt;đối tác&gt;") != NULL, "escaped");
    CHECK(!strchr(out.buf, '\n'), "no line breaks");
    CHECK(visible_chars(out.buf) <= 300 + 20, "length %zu", visible_chars(out.buf));
    CHECK(visible_chars(out.buf) >= 200, "uses the room: %zu", visible_chars(out.buf));
    CHECK(dl_utf8_valid(out.buf, out.len), "valid UTF-8");
    CHECK(fragments_whole(out.buf, t.buf), "no cut words");

    /* one term: one fragment of about the whole target */
    static const char *const one[] = {"nang", 0};
    struct dl_hl *h1 = make(one, none, NULL);
    dl_buf_reset(&out);
    dl_hl_snippet(h1, t.buf, t.len, 300, &out);
    CHECK(count_str(out.buf, " \xe2\x80\xa6 ") == 0 && strstr(out.buf, "<mark>Nẵng</mark>"),
          "one fragment: %s", out.buf);
    CHECK(visible_chars(out.buf) <= 320 && visible_chars(out.buf) >= 250, "one fragment length %zu",
          visible_chars(out.buf));
    CHECK(dl_utf8_valid(out.buf, out.len) && fragments_whole(out.buf, t.buf), "one fragment whole");

    /* small targets */
    for (size_t target = 20; target <= 140; target += 40) {
        dl_buf_reset(&out);
        dl_hl_snippet(h, t.buf, t.len, target, &out);
        CHECK(visible_chars(out.buf) <= target + 20 && strstr(out.buf, "<mark>"),
              "target %zu: %zu chars", target, visible_chars(out.buf));
        CHECK(dl_utf8_valid(out.buf, out.len) && fragments_whole(out.buf, t.buf),
              "target %zu: whole words", target);
    }

    /* no match: the start of the text */
    static const char *const nothing[] = {"zzz", 0};
    struct dl_hl *h0 = make(nothing, none, NULL);
    dl_buf_reset(&out);
    dl_hl_snippet(h0, t.buf, t.len, 300, &out);
    CHECK(strncmp(out.buf, "Các bên", 7) == 0 && !strstr(out.buf, "<mark>"), "no match: start");
    CHECK(visible_chars(out.buf) <= 320 && visible_chars(out.buf) >= 250, "no match length %zu",
          visible_chars(out.buf));
    CHECK(strcmp(out.buf + out.len - 4, " \xe2\x80\xa6") == 0, "no match: trailing ellipsis");

    /* short text: all of it, no ellipsis, line breaks flattened */
    const char *s = "  Tô Lâm\nmet Xi Jinping.\n";
    dl_buf_reset(&out);
    dl_hl_snippet(h, s, strlen(s), 300, &out);
    CHECK_STR(out.buf, "<mark>Tô Lâm</mark> met Xi Jinping.", "short text");
    dl_buf_reset(&out);
    dl_hl_snippet(h, "", 0, 300, &out);
    CHECK_STR(out.buf, "", "empty text");

    /* a text with no spaces at all (CJK) is cut between characters */
    dl_buf_reset(&t);
    for (int i = 0; i < 300; i++) {
        dl_buf_adds(&t, i == 150 ? "首页" : "越南新闻");
    }
    static const char *const cjk[] = {"首", "页", 0};
    struct dl_hl *hc = make(cjk, none, NULL);
    dl_buf_reset(&out);
    dl_hl_snippet(hc, t.buf, t.len, 100, &out);
    CHECK(strstr(out.buf, "<mark>首页</mark>") && visible_chars(out.buf) <= 120 &&
              dl_utf8_valid(out.buf, out.len),
          "CJK snippet: %s", out.buf);

    /* a giant "word" is still cut on a character boundary */
    dl_buf_reset(&t);
    dl_buf_adds(&t, "lam ");
    for (int i = 0; i < 500; i++) {
        dl_buf_adds(&t, "ộ");
    }
    dl_buf_reset(&out);
    dl_hl_snippet(h, t.buf, t.len, 100, &out);
    CHECK(dl_utf8_valid(out.buf, out.len) && strstr(out.buf, "<mark>lam</mark>"),
          "giant word: valid UTF-8");

    dl_hl_free(hc);
    dl_hl_free(h0);
    dl_hl_free(h1);
    dl_hl_free(h);
    dl_buf_release(&out);
    dl_buf_release(&t);
}

/* A readout-sized (~9 KB) English body of one sentence repeated: every repetition's matches
 * are found, in order, and the snippet marks only those. How long this takes is measured by
 * bench/highlight_bench, not here. */
static void test_long_body(void)
{
    static const char sentence[] =
        "On behalf of the Party and State, General Secretary To Lam warmly "
        "congratulated the Congress on its resounding success, and the two sides "
        "agreed to deepen cooperation in trade, investment and energy. ";
    /* its matches: the two words of the name merged into one mark, a stem, a plain term; the
     * stopword "to" of "agreed to deepen" leads into no match, so it is not one */
    static const char *const want[] = {"To Lam", "congratulated", "trade"};
    enum { PER = sizeof want / sizeof want[0] };
    struct dl_buf body = DL_BUF_INIT, out = DL_BUF_INIT;
    size_t reps = 0;
    while (body.len < 9216) {
        dl_buf_adds(&body, sentence);
        reps++;
    }
    static const char *const terms[] = {"trade", "Ztrade", "to",         "lam",
                                        "Zto",   "Zlam",   "Zcongratul", 0};
    static const char *const none[] = {0};
    struct dl_hl *h = make(terms, none, NULL);
    struct dl_span *sp = NULL;
    size_t n = dl_hl_matches(h, body.buf, body.len, &sp);
    CHECK(n == PER * reps, "%zu spans in %zu sentences, want %zu", n, reps, PER * reps);
    size_t wrong = 0, first_wrong = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = want[i % PER];
        size_t len = sp[i].end - sp[i].start;
        if (len != strlen(w) || memcmp(body.buf + sp[i].start, w, len) != 0 ||
            sp[i].start < (i / PER) * (sizeof sentence - 1) ||
            sp[i].end > (i / PER + 1) * (sizeof sentence - 1)) {
            if (!wrong++) {
                first_wrong = i;
            }
        }
    }
    CHECK(wrong == 0, "%zu spans not the expected word in place, the first #%zu", wrong,
          first_wrong);
    free(sp);

    dl_hl_snippet(h, body.buf, body.len, 300, &out);
    size_t marks = 0, foreign = 0;
    for (const char *m = strstr(out.buf, "<mark>"); m; m = strstr(m, "<mark>")) {
        m += strlen("<mark>");
        const char *e = strstr(m, "</mark>");
        int known = 0;
        for (size_t k = 0; e && k < PER; k++) {
            known |= (size_t)(e - m) == strlen(want[k]) && memcmp(m, want[k], e - m) == 0;
        }
        marks++;
        foreign += !known;
    }
    CHECK(marks > 0 && foreign == 0, "the snippet marks %zu matches, %zu unexpected: %s", marks,
          foreign, out.buf);
    CHECK(visible_chars(out.buf) <= 300 + 20, "snippet length %zu", visible_chars(out.buf));
    dl_hl_free(h);
    dl_buf_release(&body);
    dl_buf_release(&out);
}

int main(void)
{
    test_markup();
    test_aliases();
    test_exact_forms();
    test_spans();
    test_scan();
    test_snippets();
    test_long_body();
    return dl_test_report();
}
