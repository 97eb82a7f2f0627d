/* test_alias.c - alias table parsing, folding of forms, scanning, term lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/alias.h"
#include "dateline/buf.h"
#include "dateline/fold.h"
#include "dl_test.h"

static const char TABLE[] = "# people and places\n"
                            "\n"
                            "Tô Lâm\tTo Lam\tSu Lin\t苏林\n"
                            "   # indented comment\n"
                            "Phạm Minh Chính\tPham Minh Chinh\tMinh Chinh\n"
                            "Hà Nội\tHanoi\tHA NOI\r\n"
                            "Việt Nam\tVietnam\tViet Nam\n"
                            "  \t \n"
                            "Hồ Chí Minh City\tHo Chi Minh City\tSaigon\n"
                            "Hồ Chí Minh\tUncle Ho\n";

/* ---- parsing errors ---- */

static void test_parse_errors(void)
{
    static const struct {
        const char *text;
        int code;
        const char *msg; /* expected prefix of the message */
    } cases[] = {
        {"Tô Lâm\tTo Lam\nonly one form\n", -2, "line 2: "},
        {"# c\n\nSolo\n", -2, "line 3: "},
        {"Tô Lâm\t\t\n", -2, "line 1: "}, /* empty fields do not count */
        {"A B\t---\n", -2, "line 1: "},   /* no word in the second form */
        {"ok\tfine\nbad \xC3\x28\tx\n", -2, "line 2: invalid UTF-8"},
        {"x\xE2\x82\tyy\n", -2, "line 1: invalid UTF-8"}, /* truncated sequence */
        {"@people\tTô Lâm\tTo Lam\n", -2, "line 1: unknown type '@people'"},
        {"@person\n", -2, "line 1: an entity line needs a name"},
        {"@org\t--\n", -2, "line 1: an entity line needs a name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_aliases *a = (struct dl_aliases *)1;
        struct dl_error err = DL_ERROR_INIT;
        int rc = dl_aliases_parse(cases[i].text, strlen(cases[i].text), &a, &err);
        CHECK(rc == cases[i].code, "case %zu: rc %d", i, rc);
        CHECK(a == NULL, "case %zu: *out is NULL on error", i);
        CHECK(err.code == cases[i].code, "case %zu: err.code %d", i, err.code);
        CHECK(strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) == 0, "case %zu: msg '%s'", i,
              err.msg);
    }

    /* Comments, blank lines and an empty text are fine. */
    static const char *ok[] = {"", "\n\n", "# only a comment", "  # x\n\t\n"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct dl_aliases *a = NULL;
        int rc = dl_aliases_parse(ok[i], strlen(ok[i]), &a, NULL);
        CHECK(rc == 0 && a != NULL, "ok case %zu parses", i);
        CHECK(dl_aliases_ngroups(a) == 0, "ok case %zu has no group", i);
        dl_aliases_free(a);
    }
    dl_aliases_free(NULL);
}

/* ---- folding of forms and group terms ---- */

static void test_forms(const struct dl_aliases *a)
{
    CHECK(dl_aliases_ngroups(a) == 6, "6 groups, got %zu", dl_aliases_ngroups(a));

    static const struct {
        const char *term;
        const char *forms[5];
    } want[] = {
        {"XAto-lam", {"to lam", "su lin", "苏 林"}},
        {"XApham-minh-chinh", {"pham minh chinh", "minh chinh"}},
        {"XAha-noi", {"ha noi", "hanoi"}}, /* "HA NOI" folds to a form already there */
        {"XAviet-nam", {"viet nam", "vietnam"}},
        {"XAho-chi-minh-city", {"ho chi minh city", "saigon"}},
        {"XAho-chi-minh", {"ho chi minh", "uncle ho"}},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        long g = dl_aliases_find_term(a, want[i].term);
        CHECK(g == (long)i, "find_term(%s) = %ld", want[i].term, g);
        if (g < 0) {
            continue;
        }
        CHECK_STR(dl_aliases_group_term(a, (size_t)g), want[i].term, "group term %zu", i);
        size_t n = 0;
        while (n < 5 && want[i].forms[n]) {
            n++;
        }
        CHECK(dl_aliases_nforms(a, (size_t)g) == n, "group %s: %zu forms, got %zu", want[i].term, n,
              dl_aliases_nforms(a, (size_t)g));
        for (size_t f = 0; f < n; f++) {
            CHECK_STR(dl_aliases_form(a, (size_t)g, f), want[i].forms[f], "group %s form %zu",
                      want[i].term, f);
        }
    }
    CHECK(dl_aliases_find_term(a, "XAnobody") == -1, "unknown term");
    CHECK(dl_aliases_find_term(a, "to-lam") == -1, "term needs its prefix");
    CHECK(dl_aliases_find_term(a, "") == -1, "empty term");
    CHECK(dl_aliases_form(a, 0, 99) == NULL, "form out of range");
    CHECK(dl_aliases_group_term(a, 99) == NULL, "group out of range");
}

/* ---- scanning ---- */

struct hits {
    char text[512]; /* "group:first+n " per hit */
};

static int record(void *ctx, size_t group, size_t first, size_t n)
{
    struct hits *h = ctx;
    size_t len = strlen(h->text);
    snprintf(h->text + len, sizeof h->text - len, "%zu:%zu+%zu ", group, first, n);
    return 0;
}

struct toks {
    char *tok[64];
    char *raw[64];
    size_t n;
    const char *src;
};

static int collect(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                   unsigned flags)
{
    struct toks *t = ctx;
    (void)flags;
    if (t->n < 64) {
        t->raw[t->n] = t->src ? strndup(t->src + start, end - start) : NULL;
        t->tok[t->n++] = strndup(folded, flen);
    }
    return 0;
}

static void test_scan(const struct dl_aliases *a)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"General Secretary Tô Lâm met Su Lin.", "0:2+2 0:5+2 "},
        {"TO LAM", "0:0+2 "},
        {"to", ""}, /* a form's first token alone is no match */
        {"lam to", ""},
        /* matches do not overlap: "minh chinh" inside the full name is not a second hit */
        {"Phạm Minh Chính and Minh Chinh", "1:0+3 1:4+2 "},
        /* longest first: the city, not the person, at token 0; the person form
         * "minh chinh" does not start anywhere here */
        {"Hồ Chí Minh City, not Hồ Chí Minh", "4:0+4 5:5+3 "},
        {"苏林总书记", "0:0+2 "}, /* CJK form: two single-character tokens */
        {"苏 林", "0:0+2 "},
        {"Hà Nội Việt Nam Hanoi vietnam", "2:0+2 3:2+2 2:4+1 3:5+1 "},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct toks t = {{0}, {0}, 0, NULL};
        dl_tokenize(cases[i].text, strlen(cases[i].text), collect, &t);
        struct hits h = {""};
        int rc = dl_aliases_scan(a, (const char *const *)t.tok, t.n, record, &h);
        CHECK(rc == 0, "scan %zu rc", i);
        CHECK_STR(h.text, cases[i].want, "scan '%s'", cases[i].text);
        for (size_t k = 0; k < t.n; k++) {
            free(t.tok[k]);
        }
    }
}

static int stop_at_first(void *ctx, size_t group, size_t first, size_t n)
{
    (*(int *)ctx)++;
    (void)group;
    (void)first;
    (void)n;
    return 7;
}

static void test_scan_stop(const struct dl_aliases *a)
{
    const char *toks[] = {"to", "lam", "su", "lin"};
    int calls = 0;
    CHECK(dl_aliases_scan(a, toks, 4, stop_at_first, &calls) == 7, "callback value returned");
    CHECK(calls == 1, "scan stopped after the first hit, %d calls", calls);
    calls = 0;
    CHECK(dl_aliases_scan(NULL, toks, 4, stop_at_first, &calls) == 0 && calls == 0,
          "NULL table scans nothing");
}

/* Two lines with the same first form are one group (one term names one group). */
static void test_merge(void)
{
    const char *text = "Tô Lâm\tTo Lam\nTO LAM\tSu Lin\n";
    struct dl_aliases *a = NULL;
    CHECK(dl_aliases_parse(text, strlen(text), &a, NULL) == 0, "merge parses");
    CHECK(dl_aliases_ngroups(a) == 1, "merged into one group");
    CHECK(dl_aliases_nforms(a, 0) == 2, "forms deduplicated: %zu", dl_aliases_nforms(a, 0));
    CHECK_STR(dl_aliases_form(a, 0, 1), "su lin", "second line's form");
    dl_aliases_free(a);
}

/* The gazetteer's lines: types, names, forms that match only as written, lookups, and the
 * user's untyped lines extending an entity they share a form with. */
static const char GAZ[] = "@person\tTô Lâm\tTo Lam\tSu Lin\t苏林\n"
                          "@country\tUnited States\tUSA\t=US\t=U.S.\tHoa Kỳ\tHoà Kỳ\t美国\n"
                          "@org\tASEAN\n"
                          "@country\tVietnam\tViệt Nam\t越南\n"
                          "Viet Nam\tVN-land\tvietnam\n" /* untyped: joins Vietnam */
                          "Hà Nội\tHanoi\n";

static void test_entities(void)
{
    struct dl_aliases *a = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_aliases_parse(GAZ, strlen(GAZ), &a, &err) == 0, "gazetteer parses: %s", err.msg);
    if (!a) {
        return;
    }
    CHECK(dl_aliases_ngroups(a) == 5, "5 groups (the untyped Viet Nam line joined Vietnam): %zu",
          dl_aliases_ngroups(a));
    static const struct {
        size_t g;
        enum dl_entity type;
        const char *name, *typename;
    } groups[] = {
        {0, DL_ENTITY_PERSON, "Tô Lâm", "person"},
        {1, DL_ENTITY_COUNTRY, "United States", "country"},
        {2, DL_ENTITY_ORG, "ASEAN", "org"},
        {3, DL_ENTITY_COUNTRY, "Vietnam", "country"},
        {4, DL_ENTITY_NONE, "Hà Nội", ""},
    };
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        CHECK(dl_aliases_type(a, groups[i].g) == groups[i].type, "group %zu: type", i);
        CHECK_STR(dl_aliases_name(a, groups[i].g), groups[i].name, "group %zu: name", i);
        CHECK_STR(dl_entity_name(dl_aliases_type(a, groups[i].g)), groups[i].typename,
                  "group %zu: type name", i);
    }
    CHECK_STR(dl_aliases_form_raw(a, 1, 2), "US", "=US is kept as written");
    CHECK(dl_aliases_form_raw(a, 1, 1) == NULL, "USA matches folded");

    static const struct {
        enum dl_entity t;
        const char *name;
        long want;
    } lookups[] = {
        {DL_ENTITY_PERSON, "to lam", 0},    {DL_ENTITY_PERSON, "苏林", 0},
        {DL_ENTITY_NONE, "SU LIN", 0},      {DL_ENTITY_COUNTRY, "to lam", -1},
        {DL_ENTITY_COUNTRY, "US", 1},       {DL_ENTITY_COUNTRY, "us", -1},
        {DL_ENTITY_COUNTRY, "u.s.", -1},    {DL_ENTITY_COUNTRY, "united states", 1},
        {DL_ENTITY_ORG, "asean", 2},        {DL_ENTITY_COUNTRY, "vn-land", 3},
        {DL_ENTITY_COUNTRY, "Viet Nam", 3}, {DL_ENTITY_NONE, "hanoi", 4},
        {DL_ENTITY_NONE, "", -1},           {DL_ENTITY_PERSON, "lam", -1},
        {DL_ENTITY_PERSON, "tố làm", -1},   {DL_ENTITY_PERSON, "TÔ LÂM", 0},
        {DL_ENTITY_PERSON, "Tô Lam", 0},    {DL_ENTITY_NONE, "Hanoï", 4},
        {DL_ENTITY_ORG, "ÁSEAN", -1},
    };
    for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
        long g = dl_aliases_lookup(a, lookups[i].t, lookups[i].name, strlen(lookups[i].name));
        CHECK(g == lookups[i].want, "lookup %s '%s': %ld", dl_entity_name(lookups[i].t),
              lookups[i].name, g);
    }

    /* "=US" matches "US" as written only, and only when the scan has the raw tokens. */
    static const struct {
        const char *text;
        int raw;
        const char *want;
    } scans[] = {
        {"the US and us", 1, "1:1+1 "},
        {"the US and us", 0, ""},
        {"talks in the U.S. with USA", 1, "1:3+2 1:6+1 "},
        {"Su Lin visited the United States", 1, "0:0+2 1:4+2 "},
        /* Marks: a spelling's, none, or one token's; not other words that fold alike. */
        {"TÔ LÂM and To Lam and Tô Lam", 1, "0:0+2 0:3+2 0:6+2 "},
        {"To\xcc\x82 La\xcc\x82m (decomposed)", 1, "0:0+2 "},
        {"anh tố làm chứng", 1, ""},
        {"anh tố làm chứng", 0, "0:1+2 "},
        {"Hoà Kỳ, Hòa Kỳ, Hoa Kỷ", 1, "1:0+2 1:2+2 "},
        {"ASEAN, ÁSEAN", 1, "2:0+1 "},
        {"Hà Nội, Hà Noi, Hà Nọi, Hanoï", 1, "4:0+2 4:2+2 4:6+1 "},
    };
    for (size_t i = 0; i < sizeof scans / sizeof scans[0]; i++) {
        struct toks t = {{0}, {0}, 0, scans[i].text};
        dl_tokenize(scans[i].text, strlen(scans[i].text), collect, &t);
        struct hits h = {""};
        dl_aliases_scan_raw(a, (const char *const *)t.tok,
                            scans[i].raw ? (const char *const *)t.raw : NULL, t.n, record, &h);
        CHECK_STR(h.text, scans[i].want, "scan '%s'%s", scans[i].text,
                  scans[i].raw ? "" : " without raw tokens");
        for (size_t k = 0; k < t.n; k++) {
            free(t.tok[k]);
            free(t.raw[k]);
        }
    }
    dl_aliases_free(a);
}

static void test_load(void)
{
    char path[] = "/tmp/dl_alias_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0) {
        return;
    }
    const char *text = "Đà Nẵng\tDa Nang\tDanang\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
    close(fd);
    struct dl_aliases *a = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_aliases_load(path, &a, &err) == 0, "load: %s", err.msg);
    CHECK(dl_aliases_find_term(a, "XAda-nang") == 0, "loaded group term");
    CHECK_STR(dl_aliases_form(a, 0, 1), "danang",
              "loaded form (\"Da Nang\" folded into the first)");
    dl_aliases_free(a);

    FILE *f = fopen(path, "w");
    fputs("one\ttwo\nthree\n", f);
    fclose(f);
    a = NULL;
    CHECK(dl_aliases_load(path, &a, &err) == -2 && a == NULL, "load of a bad file fails");
    CHECK(strstr(err.msg, "line 2: ") != NULL && strstr(err.msg, path) != NULL,
          "message names file and line: %s", err.msg);
    unlink(path);

    CHECK(dl_aliases_load("/nonexistent/aliases.tsv", &a, &err) == -1, "missing file -> EIO");
    CHECK(strncmp(err.msg, "cannot open '/nonexistent/aliases.tsv'", 38) == 0, "msg: %s", err.msg);
}

struct group_hits {
    size_t n[8]; /* hits per group */
    size_t total;
};

static int count_hit(void *ctx, size_t group, size_t first, size_t n)
{
    struct group_hits *h = ctx;
    (void)first;
    (void)n;
    if (group < sizeof h->n / sizeof h->n[0]) {
        h->n[group]++;
    }
    h->total++;
    return 0;
}

/* A long token stream (the indexer scans every token of every readout): each name is found at
 * every one of its places, including one cut off at the end. Its speed is bench/alias_bench's. */
static void test_scan_long(const struct dl_aliases *a)
{
    /* 15 tokens holding "to lam" (group 0), "minh chinh" (1), "ha noi" (2), "viet nam" (3) */
    static const char *words[] = {"the", "general", "secretary", "to",    "lam",
                                  "met", "with",    "minh",      "chinh", "in",
                                  "ha",  "noi",     "on",        "viet",  "nam"};
    enum { W = sizeof words / sizeof words[0], N = 200000 }; /* 13,333 x 15 + "... to lam" */
    const char **toks = malloc(N * sizeof *toks);
    for (size_t i = 0; i < N; i++) {
        toks[i] = words[i % W];
    }
    struct group_hits h;
    memset(&h, 0, sizeof h);
    CHECK(dl_aliases_scan(a, toks, N, count_hit, &h) == 0, "long scan rc");
    size_t whole = N / W; /* the last 5 tokens end with "to lam" */
    CHECK(h.n[0] == whole + 1, "to lam: %zu hits, want %zu", h.n[0], whole + 1);
    for (size_t g = 1; g <= 3; g++) {
        CHECK(h.n[g] == whole, "group %zu: %zu hits, want %zu", g, h.n[g], whole);
    }
    CHECK(h.total == 4 * whole + 1, "%zu hits in all, want %zu", h.total, 4 * whole + 1);
    free(toks);
}

int main(void)
{
    test_parse_errors();

    struct dl_aliases *a = NULL;
    struct dl_error err = DL_ERROR_INIT;
    int rc = dl_aliases_parse(TABLE, strlen(TABLE), &a, &err);
    CHECK(rc == 0, "parse table: %s", err.msg);
    if (a) {
        test_forms(a);
        test_scan(a);
        test_scan_stop(a);
        test_scan_long(a);
        dl_aliases_free(a);
    }
    test_merge();
    test_entities();
    test_load();
    return dl_test_report();
}
