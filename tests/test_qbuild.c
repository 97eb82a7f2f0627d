/*
 * test_qbuild.c - the Xapian query built from a parsed query, as Xapian
 * describes it, and the terms the highlighter gets: no database needed.
 * The descriptions read like QueryParser's for the same queries (checked
 * against Xapian 1.4.22's QueryParser when the builder replaced it).
 */
#include <string.h>

#include "dateline/qbuild.h"
#include "dateline/query.h"
#include "dl_test.h"

static const char ALIASES[] = "@person\tTô Lâm\tTo Lam\tSu Lin\t苏林\n"
                              "@country\tViệt Nam\tVietnam\t越南\n@country\tUnited States\t=US\n";

static const struct {
    const char *q;
    const char *query; /* Xapian's description */
    const char *terms; /* for the highlighter; prefixes with '*' */
} cases[] = {
    {"to lam", "Query((((Zto@1 AND Zlam@2) SYNONYM XAto-lam@1) AND_MAYBE XAto-lam@1))",
     "Zto Zlam XAto-lam"},
    {"Tô Lâm met xi",
     "Query(((((Zto@1 AND Zlam@2) SYNONYM XAto-lam@1) AND_MAYBE XAto-lam@1) AND (Zmet@3 OR met@3) "
     "AND (Zxi@4 OR xi@4)))",
     "Zto Zlam XAto-lam Zmet met Zxi xi"},
    {"vietnam -china",
     "Query((((Zvietnam@1 SYNONYM XAviet-nam@1) AND_MAYBE XAviet-nam@1) AND_NOT Zchina@2))",
     "Zvietnam XAviet-nam"},
    {"2026 talks", "Query((2026@1 AND (Ztalk@2 OR talks@2)))", "2026 Ztalk talks"},
    {"\"Minh Chính\" visit", "Query(((minh@1 PHRASE 2 chinh@2) AND (Zvisit@3 OR visit@3)))",
     "minh chinh Zvisit visit"},
    {"viet-nam", "Query((viet@1 PHRASE 2 nam@2))", "viet nam"},
    {"title:Tô Lâm", "Query((((ZSto@1 AND Zlam@2) SYNONYM XAto-lam@1) AND_MAYBE XAto-lam@1))",
     "ZSto Zlam XAto-lam"},
    {"title:(su lin)", "Query((((ZSsu@1 AND ZSlin@2) SYNONYM SXAto-lam@1) AND_MAYBE SXAto-lam@1))",
     "ZSsu ZSlin XAto-lam"},
    {"title:\"to lam\"", "Query((Sto@1 PHRASE 2 Slam@2))", "Sto Slam"},
    {"lam NEAR trung", "Query((lam@1 NEAR 11 trung@2))", "lam trung"},
    {"lam NEAR/3 trung ADJ x", "Query(((lam@1 NEAR 4 trung@2) AND (Zx@3 OR x@3)))",
     "lam trung Zx x"},
    {"a ADJ b ADJ/2 c", "Query((a@1 PHRASE 4 b@2 PHRASE 4 c@3))", "a b c"},
    {"strat* title:plan*", "Query((WILDCARD SYNONYM strat AND WILDCARD SYNONYM Splan))",
     "strat* plan*"},
    {"首页", "Query((首@1 AND 首页@1 AND 页@1))", "首 首页 页"},
    {"越南首页 news",
     "Query(((((越@1 AND 越南@1 AND 南@1) SYNONYM XAviet-nam@1) AND_MAYBE XAviet-nam@1) AND "
     "(首@1 AND 首页@1 AND 页@1) AND (Znews@2 OR news@2)))",
     "越 越南 南 XAviet-nam 首 首页 页 Znews news"},
    {"苏林首页",
     "Query(((((苏@1 AND 苏林@1 AND 林@1) SYNONYM XAto-lam@1) AND_MAYBE XAto-lam@1) AND (首@1 AND "
     "首页@1 AND 页@1)))",
     "苏 苏林 林 XAto-lam 首 首页 页"},
    {"title:苏林", "Query((S苏@1 AND S苏林@1 AND S林@1))", "S苏 S苏林 S林"},
    {"\"首页新闻\"", "Query((首@1 PHRASE 4 页@2 PHRASE 4 新@3 PHRASE 4 闻@4))", "首 页 新 闻"},
    {"source:\"VNA/VNS\" lam", "Query(((Zlam@1 OR lam@1) FILTER XSvna-vns))", "Zlam lam"},
    {"source:xinhua source:vna year:2026 -dateline:beijing",
     "Query((0 * ((XSxinhua OR XSvna) AND XY2026) AND_NOT XDbeijing))", ""},
    {"date:2026-01..2026-02 talks",
     "Query(((Ztalk@1 OR talks@1) FILTER VALUE_RANGE 0 20260101 20260228))", "Ztalk talks"},
    {"date:..2025", "Query(VALUE_LE 0 20251231)", ""},
    {"source:xinhua", "Query(0 * XSxinhua)", ""},
    {"kind:Call kind:talks", "Query(0 * (XKcall OR XKtalks))", ""},
    {"kind:party", "Query(0 * XK\\x01)", ""},
    {"person:苏林 talks", "Query(((Ztalk@1 OR talks@1) FILTER XAto-lam))", "Ztalk talks"},
    {"person:\"to lam\" person:vietnam", "Query(0 * (XAto-lam AND XA\\x01))", ""},
    {"country:US country:us", "Query(0 * (XAunited-states AND XA\\x01))", ""},
    {"country:Vietnam OR country:越南", "Query((0 * XAviet-nam OR 0 * XAviet-nam))", ""},
    {"-trump", "Query((<alldocuments> AND_NOT Ztrump@1))", ""},
    {"-a -b source:x", "Query((0 * XSx AND_NOT (Za@1 OR Zb@2)))", ""},
    {"a OR b AND c", "Query(((Za@1 OR a@1) OR ((Zb@2 OR b@2) AND (Zc@3 OR c@3))))",
     "Za a Zb b Zc c"},
    {"a XOR b", "Query(((Za@1 OR a@1) XOR (Zb@2 OR b@2)))", "Za a Zb b"},
    {"lam NOT (a OR b)", "Query(((Zlam@1 OR lam@1) AND_NOT (Za@2 OR Zb@3)))", "Zlam lam"},
    {"NOT lam", "Query((<alldocuments> AND_NOT Zlam@1))", ""},
    {"a AND NOT b", "Query(((Za@1 OR a@1) AND_NOT Zb@2))", "Za a"},
    {"(a b) c -(d e)",
     "Query(((((Za@1 OR a@1) AND (Zb@2 OR b@2)) AND (Zc@3 OR c@3)) AND_NOT (Zd@4 AND Ze@5)))",
     "Za a Zb b Zc c"},
    {"", "Query(<alldocuments>)", ""},
    {"AND OR", "Query(<alldocuments>)", ""},

};

/* The terms as one string: words, then prefixes with '*'. */
static void terms_string(const struct dl_terms *t, struct dl_buf *out)
{
    dl_buf_reset(out);
    for (size_t i = 0; i < t->n; i++) {
        dl_buf_addf(out, "%s%s", out->len ? " " : "", t->v[i]);
    }
    for (size_t i = 0; i < t->nprefixes; i++) {
        dl_buf_addf(out, "%s%s*", out->len ? " " : "", t->prefixes[i]);
    }
}

static void test_cases(const struct dl_aliases *a)
{
    struct dl_qtree t = DL_QTREE_INIT;
    struct dl_xq *q = dl_xq_new();
    struct dl_buf d = DL_BUF_INIT, got = DL_BUF_INIT;
    struct dl_qbuild o = {a, 0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_terms terms = DL_TERMS_INIT, only = DL_TERMS_INIT;
        CHECK(dl_query_parse(&t, cases[i].q, strlen(cases[i].q), NULL) == 0, "parse %zu", i);
        dl_qtree_alias(&t, a);
        dl_xq_reset(q);
        dl_qbuild(&t, &o, q, &terms);
        CHECK(dl_xq_status(q, NULL) == DL_OK && dl_xq_depth(q) == 1, "'%s': one query", cases[i].q);
        dl_xq_describe(q, &d, NULL);
        CHECK_STR(d.buf, cases[i].query, "query of '%s'", cases[i].q);
        terms_string(&terms, &got);
        CHECK_STR(got.buf, cases[i].terms, "terms of '%s'", cases[i].q);
        dl_qbuild(&t, &o, NULL, &only); /* terms alone: the same */
        terms_string(&only, &d);
        CHECK_STR(d.buf, got.buf, "terms without a query, '%s'", cases[i].q);
        dl_terms_release(&terms);
        dl_terms_release(&only);
    }
    dl_qtree_release(&t);
    dl_xq_free(q);
    dl_buf_release(&d);
    dl_buf_release(&got);
}

static void test_plain_and_limits(const struct dl_aliases *a)
{
    struct dl_qtree t = DL_QTREE_INIT;
    struct dl_xq *q = dl_xq_new();
    struct dl_buf d = DL_BUF_INIT;
    struct dl_qbuild o = {a, 0};
    const char *s = "(to OR -b) \"c d\" 首页新闻 lam* NOT e";
    dl_query_parse(&t, s, strlen(s), NULL);
    dl_qbuild_plain(&t, &o, q, NULL);
    dl_xq_describe(q, &d, NULL);
    CHECK_STR(d.buf,
              "Query(((Zto@1 OR to@1) AND (Zc@2 OR c@2) AND (Zd@3 OR d@3) AND (首@4 AND 首页@4 AND "
              "页@4 AND 页新@4 AND 新@4 AND 新闻@4 AND 闻@4)))",
              "the plain words: no NOT, no '-', no wildcard; a phrase's words, a CJK run whole");

    /* A tree marked with another table: its names are searched as their words. */
    dl_query_parse(&t, "to lam", 6, NULL);
    dl_qtree_alias(&t, a);
    struct dl_qbuild none = {NULL, 0};
    dl_xq_reset(q);
    dl_qbuild(&t, &none, q, NULL);
    dl_xq_describe(q, &d, NULL);
    CHECK_STR(d.buf, "Query((Zto@1 AND Zlam@2))", "no table: the words alone");
    dl_qtree_release(&t);
    dl_xq_free(q);
    dl_buf_release(&d);

    struct dl_terms terms = DL_TERMS_INIT;
    dl_terms_add(&terms, "a", 1);
    dl_terms_add(&terms, "a", 1);
    dl_terms_add_prefix(&terms, "a", 1);
    dl_terms_add_prefix(&terms, "a", 1);
    dl_terms_add(&terms, "", 0);
    CHECK(terms.n == 1 && terms.nprefixes == 1, "each once; a prefix is not a term: %zu %zu",
          terms.n, terms.nprefixes);
    dl_terms_release(&terms);
    CHECK(terms.n == 0 && terms.v == NULL, "released");
}

int main(void)
{
    struct dl_aliases *a = NULL;
    CHECK(dl_aliases_parse(ALIASES, strlen(ALIASES), &a, NULL) == 0, "aliases");
    test_cases(a);
    test_plain_and_limits(a);
    dl_aliases_free(a);
    return dl_test_report();
}
