/*
 * test_qtree.c - what is read off a parsed query: names of an alias table
 * (marked, then undone for another table), the words of a plain query,
 * and the spelling suggestion (words replaced at their offsets).
 */
#include <string.h>

#include "dateline/query.h"
#include "dl_test.h"

static const char ALIASES[] =
    "@person\tTô Lâm\tTo Lam\tSu Lin\t苏林\nViệt Nam\tVietnam\t越南\nChina\tTrung Quốc\n"
    "@person\tLương Cường\n@country\tUnited States\t=US\n";

/* A compact dump: names as <group:words>, runs as [..], other operators by name. */
static void dump(const struct dl_qtree *t, const struct dl_qnode *nd, int in_run,
                 struct dl_buf *out)
{
    static const char *const names[] = {"W",   "*",  "PHRASE", "CJK", "ALIAS", "F",   "R",
                                        "AND", "OR", "XOR",    "NOT", "NEAR",  "ADJ", "ALL"};
    dl_buf_adds(out, in_run && (nd->flags & DL_QN_NEGATED) ? "-" : "");
    dl_buf_adds(out, nd->field == DL_QF_TITLE ? "title:" : "");
    if (nd->kind == DL_Q_WORD || nd->kind == DL_Q_CJK) {
        dl_buf_adds(out, nd->text);
        return;
    }
    if (nd->kind == DL_Q_ALIAS) {
        dl_buf_addf(out, "<%ld:", nd->group);
    } else if (nd->kind == DL_Q_AND && !(nd->flags & DL_QN_TYPED)) {
        dl_buf_adds(out, "[");
    } else {
        dl_buf_addf(out, "%s(", names[nd->kind]);
    }
    for (size_t i = 0; i < nd->n; i++) {
        dl_buf_adds(out, i ? " " : "");
        dump(t, dl_qtree_child(t, nd, i), nd->kind == DL_Q_AND, out);
    }
    dl_buf_adds(out, nd->kind == DL_Q_ALIAS                               ? ">"
                     : nd->kind == DL_Q_AND && !(nd->flags & DL_QN_TYPED) ? "]"
                                                                          : ")");
}

static void dump_tree(const struct dl_qtree *t, struct dl_buf *out)
{
    dl_buf_reset(out);
    if (dl_qtree_root(t)) {
        dump(t, dl_qtree_root(t), 0, out);
    }
}

static void test_names(const struct dl_aliases *a)
{
    static const struct {
        const char *q, *want;
    } cases[] = {
        {"to lam", "[<0:to lam>]"},
        {"Tô Lâm met Su Lin", "[<0:to lam> met <0:su lin>]"},
        {"vietnam", "<1:vietnam>"}, /* a lone word */
        {"vietnam OR china", "OR(<1:vietnam> <2:china>)"},
        {"viet nam -china", "[<1:viet nam> -<2:china>]"}, /* '-': the name is excluded */
        {"to -lam", "[to -lam]"},                         /* a '-' word ends a name */
        {"to AND lam", "AND(to lam)"},                    /* so does an operator */
        {"\"to lam\" viet-nam", "[PHRASE(to lam) PHRASE(viet nam)]"}, /* phrases stay */
        {"to NEAR lam", "NEAR(to lam)"},
        {"title:(to lam) x", "[[title:<0:title:to title:lam>] x]"}, /* the title's name */
        {"title:to lam", "[<0:title:to lam>]"}, /* across fields: the name anywhere */
        {"苏林", "<0:苏林>"},
        {"苏林首页", "[<0:苏林> 首页]"}, /* split out of a longer run */
        {"x 越南首页苏林", "[x <1:越南> 首页 <0:苏林>]"},
        {"lam OR 首页苏林", "OR(lam [首页 <0:苏林>])"},
        {"-苏林首页 x", "[-[<0:苏林> 首页] x]"},
        {"title:苏林", "title:苏林"}, /* a CJK run in the title stays itself */
        {"to lamb", "[to lamb]"},
        /* the words as typed: marks, and forms that match only as written */
        {"tố làm", "[to lam]"},
        {"TÔ LÂM", "[<0:to lam>]"},
        {"luống cuống Lương Cường", "[luong cuong <3:luong cuong>]"},
        {"US talks", "[<4:us> talks]"},
        {"us talks", "[us talks]"},
    };
    struct dl_qtree t = DL_QTREE_INIT;
    struct dl_buf got = DL_BUF_INIT, before = DL_BUF_INIT, after = DL_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(dl_query_parse(&t, cases[i].q, strlen(cases[i].q), NULL) == 0, "parse %zu", i);
        dump_tree(&t, &before);
        dl_qtree_alias(&t, a);
        dump_tree(&t, &got);
        CHECK_STR(got.buf, cases[i].want, "names in '%s'", cases[i].q);
        dl_qtree_alias(&t, a);
        dump_tree(&t, &after);
        CHECK_STR(after.buf, got.buf, "marking twice is marking once: '%s'", cases[i].q);
        dl_qtree_alias(&t, NULL);
        dump_tree(&t, &after);
        CHECK_STR(after.buf, before.buf, "no table undoes the names: '%s'", cases[i].q);
        CHECK(t.nnodes == t.nparsed, "and the nodes made for them");
    }
    dl_qtree_release(&t);
    dl_buf_release(&got);
    dl_buf_release(&before);
    dl_buf_release(&after);
}

/* A speller that knows three words, and fails on "boom". */
static int speller(void *ctx, const char *word, size_t len, struct dl_buf *out)
{
    static const char *const fixes[][2] = {
        {"congratulatoins", "congratulations"}, {"presidnet", "president"}, {"lam", "lam"}};
    ++*(int *)ctx;
    if (len == 4 && memcmp(word, "boom", 4) == 0) {
        return DL_EMODIFIED;
    }
    for (size_t i = 0; i < 3; i++) {
        if (strlen(fixes[i][0]) == len && memcmp(fixes[i][0], word, len) == 0) {
            dl_buf_reset(out);
            dl_buf_adds(out, fixes[i][1]);
            return strcmp(fixes[i][0], fixes[i][1]) != 0;
        }
    }
    return 0;
}

static void test_respell(void)
{
    static const struct {
        const char *q, *want; /* NULL: nothing changed */
        int asked;            /* words the speller was asked about */
    } cases[] = {
        {"Congratulatoins, LAM!", "congratulations, LAM!", 2},
        {"presidnet -x \"lam presidnet\"", "president -x \"lam president\"", 4},
        {"title:presidnet presidnet*", NULL, 0}, /* fields and wildcards are left alone */
        {"source:presidnet 2026 首页", NULL, 0}, /* so are filters, numbers and CJK */
        {"lam", NULL, 1},
        {"b presidnet OR a presidnet", "b president OR a president", 4},
    };
    struct dl_qtree t = DL_QTREE_INIT;
    struct dl_buf out = DL_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int asked = 0;
        dl_query_parse(&t, cases[i].q, strlen(cases[i].q), NULL);
        dl_buf_reset(&out);
        int changed = dl_qtree_respell(&t, speller, &asked, &out);
        CHECK(changed == (cases[i].want != NULL), "'%s': changed %d", cases[i].q, changed);
        if (cases[i].want) {
            CHECK_STR(out.buf, cases[i].want, "respelt '%s'", cases[i].q);
        }
        CHECK(asked == cases[i].asked, "'%s': %d words asked", cases[i].q, asked);
    }
    int asked = 0;
    dl_query_parse(&t, "presidnet boom", 14, NULL);
    CHECK(dl_qtree_respell(&t, speller, &asked, &out) == DL_EMODIFIED, "the speller's error");
    dl_qtree_release(&t);
    dl_buf_release(&out);
}

int main(void)
{
    struct dl_aliases *a = NULL;
    CHECK(dl_aliases_parse(ALIASES, strlen(ALIASES), &a, NULL) == 0, "aliases");
    test_names(a);
    test_respell();
    dl_aliases_free(a);
    return dl_test_report();
}
