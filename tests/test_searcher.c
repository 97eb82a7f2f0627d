/*
 * test_searcher.c - searching a real index in a temporary directory, end to
 * end from what is typed: folding, stemming, phrases, fields, filters,
 * sorts, facets, pages, names (aliases, also in CJK), the plain-words
 * retry, spelling, reading readouts, a reader across commits, the retry
 * after DatabaseModifiedError, opening errors.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/alias.h"
#include "dateline/buf.h"
#include "dateline/query.h"
#include "dateline/readout.h"
#include "dateline/schema.h"
#include "dateline/searcher.h"
#include "dateline/store.h"
#include "dl_test.h"

static const char ALIASES[] = "# test table\n@person\tTô Lâm\tTo Lam\tSu Lin\t苏林\n"
                              "@person\tXi Jinping\t习近平\n@country\tVietnam\tViệt Nam\t越南\n"
                              "@country\tChina\tTrung Quốc\t中国\n@org\tXinhua\t新华社\n";

/* 300 bytes with a multi-byte character across the cut: stored hashed (schema.h). */
static char long_id[320];

enum { D1, D2, D3, D4, D5, NDOCS };

static struct dl_readout docs[NDOCS] = {
    [D1] = {"vn/001.txt", "General Secretary Tô Lâm receives the Chinese delegation", "2026-02-04",
            "HÀ NỘI", "VNA/VNS", NULL, NULL,
            "General Secretary Tô Lâm received the delegation in Hà Nội on February 4. "
            "Prime Minister Phạm Minh Chính congratulated the two sides on the results of "
            "cooperation in Đà Nẵng."},
    [D2] = {"cn/002.txt", "Xi Jinping meets Su Lin", "2025-11-12", "BEIJING, Nov 12 (Xinhua)",
            "Xinhua", "https://example.org/cn/002", "zh",
            "President Xi Jinping met General Secretary Su Lin in Beijing and sent his "
            "congratulations. 首页新闻：越南和中国发展友好关系。"},
    [D3] = {"vn/003.txt", "Lam went to the market", "2024-06-01", NULL, "Reuters", NULL, NULL,
            "Lam said he would go to the market in the morning. Later Chinh, Minh and their "
            "friends visited Toronto."},
    [D4] = {"misc/004.txt", NULL, NULL, NULL, NULL, NULL, NULL,
            "An undated note: we congratulate the organisers. 首页"},
    [D5] = {long_id, "Energy cooperation talks", "2026-01-15", "ĐÀ NẴNG (VNA)", "VNA/VNS", NULL,
            "en", "Officials discussed railway and energy cooperation between the two countries."},
};

static const char *origin_of[NDOCS] = {"folder-a", "jsonl:b", "folder-a", "jsonl:b", "jsonl:b"};

static char dir[64], idx[128];
static struct dl_qtree tree = DL_QTREE_INIT;

/* ---- helpers ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Index of the readout with this id, or -1. */
static int doc_index(const char *id)
{
    for (int i = 0; i < NDOCS; i++) {
        if (id && strcmp(docs[i].id, id) == 0) {
            return i;
        }
    }
    return -1;
}

/* Hits as a string of 1-based document numbers ("1 5 2"), to compare in one CHECK_STR. */
static void hit_list(const struct dl_results *res, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < res->nhits; i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%d", i ? " " : "", doc_index(res->hits[i].doc.id) + 1);
    }
}

static struct dl_search_params params(void)
{
    struct dl_search_params p;
    memset(&p, 0, sizeof p);
    p.limit = 10;
    p.check_at_least = 100;
    p.max_wildcard = 50;
    return p;
}

/* Search for q (as typed) and return its hit list as a string (empty on error). */
static const char *run(struct dl_searcher *s, const char *q, const struct dl_search_params *p,
                       struct dl_results *res)
{
    static char list[128];
    struct dl_error err = DL_ERROR_INIT;
    memset(res, 0, sizeof *res);
    int rc = dl_query_parse(&tree, q, strlen(q), &err);
    CHECK(rc == 0, "parse '%s': %s", q, err.msg);
    rc = dl_searcher_search(s, &tree, p, res, &err);
    CHECK(rc == 0, "search '%s': rc %d %s", q, rc, err.msg);
    hit_list(res, list, sizeof list);
    return list;
}

static int has_term(const struct dl_results *res, const char *term)
{
    for (size_t i = 0; i < res->terms.n; i++) {
        if (strcmp(res->terms.v[i], term) == 0) {
            return 1;
        }
    }
    return 0;
}

/* "3 1 2" with its numbers sorted ("123"), for results in any order. */
static void sorted_digits(const char *got, char *out)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *c = got; *c; c++) {
        if (*c != ' ') {
            size_t k = len;
            while (k > 0 && out[k - 1] > *c) {
                k--;
            }
            memmove(out + k + 1, out + k, len - k + 1);
            out[k] = *c;
            len++;
        }
    }
}

static int put_all(struct dl_store *w)
{
    int rc = 0;
    for (int i = 0; i < NDOCS && rc == 0; i++) {
        char hash[32];
        snprintf(hash, sizeof hash, "hash-%d", i + 1);
        struct dl_error err = DL_ERROR_INIT;
        rc = dl_store_put(w, &docs[i], origin_of[i], hash, &err);
        CHECK(rc == 0, "put %d: %s", i + 1, err.msg);
    }
    return rc;
}

/* ---- the phases ---- */

static void build(void)
{
    struct dl_store *w = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_store_open(&w, idx, &err) == 0, "open for writing: %s", err.msg);
    if (!w) {
        return;
    }
    struct dl_aliases *a = NULL;
    CHECK(dl_aliases_parse(ALIASES, strlen(ALIASES), &a, &err) == 0, "aliases: %s", err.msg);
    CHECK(dl_store_set_aliases(w, a, ALIASES, strlen(ALIASES), NULL, &err) == 0, "set aliases: %s",
          err.msg);
    put_all(w);
    CHECK(dl_store_commit(w, &err) == 0, "commit: %s", err.msg);
    dl_store_free(w);
    dl_aliases_free(a);
}

static void test_search(struct dl_searcher *s)
{
    struct dl_results res;
    struct dl_search_params p = params();

    /* Folding + alias: the readouts naming him (Tô Lâm as typed, then Su Lin) ahead of the
     * distractor with both words apart ("Lam went to the market"). */
    CHECK_STR(run(s, "to lam", &p, &res), "1 2 3", "to lam");
    CHECK(res.total == 3 && res.total_exact, "to lam: total %lu", res.total);
    CHECK(has_term(&res, "XAto-lam") && has_term(&res, "Zlam"),
          "to lam: terms for the highlighter");
    CHECK(res.parsed && strstr(res.parsed, "SYNONYM") != NULL, "parsed: %s", res.parsed);
    CHECK(res.relaxed == 0 && res.suggestion == NULL, "to lam: not relaxed, no suggestion");
    CHECK(res.nhits == 3 && res.hits[0].score > res.hits[1].score &&
              res.hits[1].score > 1.5 * res.hits[2].score && res.hits[0].rank == 1 &&
              res.hits[2].rank == 3,
          "to lam: scores fall with rank, the distractor well behind");
    dl_results_release(&res);
    CHECK(res.hits == NULL && res.nhits == 0, "release zeroes the results");

    /* Paging is consistent: one hit per page gives the same order, ranks and scores as one
     * page of all. */
    for (size_t off = 0; off < 3; off++) {
        static const char *const want[] = {"1", "2", "3"};
        p = params();
        p.offset = off;
        p.limit = 1;
        CHECK_STR(run(s, "to lam", &p, &res), want[off], "to lam, page %zu of 1", off + 1);
        CHECK(res.nhits == 1 && res.hits[0].rank == off + 1, "to lam, page %zu: rank", off + 1);
        dl_results_release(&res);
    }

    static const struct {
        const char *q;
        const char *want; /* document numbers in rank order, or "*" + set in any order */
    } cases[] = {
        {"Tô Lâm", "1 2 3"},      /* folded as the indexer folds */
        {"su lin", "2 1"},        /* the name in the other direction (and the phrase) */
        {"congratulate", "*124"}, /* stemming: congratulated, congratulations */
        {"congratulations", "*124"},
        {"\"minh chinh\"", "1"}, /* phrase: "Chinh, Minh" in 3 is not one */
        {"minh chinh", "*13"},
        {"title:lam", "*13"},
        {"title:delegation", "1"},
        {"delegation NOT title:chinese", ""},
        {"cooperation -energy", "1"},
        {"railway OR market", "*35"},
        {"congrat*", "*124"},
        {"source:xinhua", "2"},
        {"source:vna-vns", "1 5"}, /* boolean only: newest first */
        {"source:vna", "1 5"},     /* each part of a combined source */
        {"source:VNS", "1 5"},
        {"source:vna/vns", "1 5"},
        {"source:\"VNA/VNS\"", "1 5"},
        {"source:vn", ""}, /* a part is whole, not a prefix */
        {"source:vns OR source:xinhua", "*125"},
        {"dateline:beijing", "2"},
        {"dateline:da-nang", "5"},
        {"year:2026", "1 5"},
        {"date:20250101..20251231", "2"},
        {"date:20260101..", "1 5"},
        {"date:..20241231", "3"},
        {"date:20250101..", "1 5 2"}, /* filters only: newest first, not in index order (1 2 5) */
        {"首页", "*24"},              /* CJK: unigrams + bigram */
        {"新闻", "2"},
        {"越南 中国", "2"},
        {"首页 congratulate", "*24"},
        {"2026", ""}, /* digits are words, but not in these bodies */
        {"4", "1"},
        {"lam AND toronto", "3"},
        {"NOT lam", "*245"},
        /* A CJK name finds its group, though neither readout writes 苏林 ... */
        {"苏林", "*12"},
        {"苏林 首页", "2"},
        {"苏林首页", "2"}, /* ... also inside a longer run of CJK */
        {"首页 OR 苏林", "*124"},
        {"lam NOT 苏林", "3"},
        /* ... but a quoted phrase or a field stays literal */
        {"\"苏林\"", ""},
        {"title:苏林", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = params();
        const char *got = run(s, cases[i].q, &p, &res);
        if (cases[i].want[0] == '*') {
            char sorted[64];
            sorted_digits(got, sorted);
            CHECK_STR(sorted, cases[i].want + 1, "query '%s' (any order) parsed %s", cases[i].q,
                      res.parsed);
        } else {
            CHECK_STR(got, cases[i].want, "query '%s' parsed %s", cases[i].q, res.parsed);
        }
        dl_results_release(&res);
    }

    /* The CJK form brings its group term, so the highlighter marks every form. */
    p = params();
    run(s, "苏林", &p, &res);
    CHECK(has_term(&res, "XAto-lam") && has_term(&res, "苏林"), "苏林: terms for the highlighter");
    CHECK(strstr(res.parsed, "XAto-lam") != NULL, "苏林 parsed: %s", res.parsed);
    CHECK(res.nhits > 0 &&
              strcmp(res.hits[0].doc.body, docs[doc_index(res.hits[0].doc.id)].body) == 0,
          "hits carry their stored body");
    dl_results_release(&res);

    /* A field covers one word, or a bracketed group; a name in the title words is the
     * group's title term, a name across fields the group anywhere (Xapian 1.4's rule). */
    CHECK_STR(run(s, "title:(su lin)", &p, &res), "2 1", "title:(su lin)");
    CHECK(res.relaxed == 0 && strstr(res.parsed, "SXAto-lam"), "title:(su lin): %s", res.parsed);
    dl_results_release(&res);
    run(s, "title:to lam", &p, &res);
    CHECK(res.total == 3 && strstr(res.parsed, "ZSto") && strstr(res.parsed, "XAto-lam"),
          "title:to lam = (title:to AND lam) or the name: %s", res.parsed);
    dl_results_release(&res);
}

/* dl_searcher_page: the list read two at a time is the search's list, in every order; rows
 * read without their bodies. */
static void test_pages(struct dl_searcher *s)
{
    static const enum dl_sort sorts[] = {DL_SORT_RELEVANCE, DL_SORT_DATE_DESC, DL_SORT_DATE_ASC};
    static const char *const queries[] = {"", "xi", "source:vna"};
    for (size_t k = 0; k < sizeof sorts / sizeof sorts[0]; k++) {
        for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
            struct dl_results res;
            struct dl_search_params p = params();
            p.sort = sorts[k];
            char want[128], got[128] = "";
            snprintf(want, sizeof want, "%s", run(s, queries[qi], &p, &res));
            dl_results_release(&res);
            struct dl_error err = DL_ERROR_INIT;
            p.limit = 2;
            size_t n = 2;
            int rc = DL_OK;
            for (p.offset = 0; rc == DL_OK && n == 2; p.offset += 2) {
                unsigned ids[2];
                rc = dl_searcher_page(s, &tree, &p, ids, &n, &err);
                for (size_t i = 0; rc == DL_OK && i < n; i++) {
                    struct dl_readout r = {0};
                    struct dl_found f = {0};
                    rc = dl_searcher_read(s, ids[i], &r, &f, &err);
                    CHECK(rc == DL_OK && r.body == NULL && r.id, "read %u without a body", ids[i]);
                    size_t len = strlen(got);
                    snprintf(got + len, sizeof got - len, "%s%d", len ? " " : "",
                             doc_index(r.id) + 1);
                    dl_readout_release(&r);
                    dl_found_release(&f);
                }
            }
            CHECK(rc == DL_OK, "pages of '%s': %s", queries[qi], err.msg);
            CHECK_STR(got, want, "pages of '%s', sort %d", queries[qi], (int)sorts[k]);
        }
    }
}

static void test_filters_sorts(struct dl_searcher *s)
{
    struct dl_results res;
    struct dl_search_params p;
    static const struct {
        const char *q, *from, *to, *source;
        enum dl_sort sort;
        const char *want;
    } cases[] = {
        {"", NULL, NULL, NULL, DL_SORT_RELEVANCE, "1 5 2 3 4"}, /* match all: newest first */
        {"   ", NULL, NULL, NULL, DL_SORT_DATE_DESC, "1 5 2 3 4"},
        {"", NULL, NULL, NULL, DL_SORT_DATE_ASC, "3 2 5 1 4"}, /* undated last both ways */
        {"", "2026-01-01", "2026-12-31", NULL, DL_SORT_RELEVANCE, "1 5"},
        {"", "2025-01-01", NULL, NULL, DL_SORT_DATE_ASC, "2 5 1"},
        {"", NULL, "2025-11-12", NULL, DL_SORT_DATE_DESC, "2 3"}, /* bounds are inclusive */
        {"", NULL, NULL, "VNA/VNS", DL_SORT_RELEVANCE, "1 5"},
        {"", NULL, NULL, "vna vns", DL_SORT_RELEVANCE, "1 5"}, /* slugged: same source */
        {"", NULL, NULL, "vna", DL_SORT_RELEVANCE, "1 5"},     /* a part of VNA/VNS */
        {"", NULL, NULL, "VNS", DL_SORT_RELEVANCE, "1 5"},
        {"", NULL, NULL, "Xinhua", DL_SORT_RELEVANCE, "2"},
        {"", NULL, NULL, "Nobody", DL_SORT_RELEVANCE, ""},
        {"cooperation", NULL, NULL, "VNA/VNS", DL_SORT_DATE_ASC, "5 1"},
        {"cooperation", "2026-02-01", NULL, "VNA/VNS", DL_SORT_RELEVANCE, "1"},
        {"congratulate", NULL, NULL, NULL, DL_SORT_DATE_DESC, "1 2 4"},
        {"congratulate", NULL, NULL, NULL, DL_SORT_DATE_ASC, "2 1 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = params();
        p.from = cases[i].from;
        p.to = cases[i].to;
        p.source = cases[i].source;
        p.sort = cases[i].sort;
        CHECK_STR(run(s, cases[i].q, &p, &res), cases[i].want, "filter case %zu ('%s' sort %d)", i,
                  cases[i].q, (int)cases[i].sort);
        if (!*cases[i].q && !cases[i].source) {
            CHECK(res.terms.n == 0, "match all has no term to highlight (%zu)", res.terms.n);
        }
        if (cases[i].sort != DL_SORT_RELEVANCE && res.nhits) {
            CHECK(res.hits[0].score == 0.0, "date sorts report no score");
        }
        dl_results_release(&res);
    }

    /* A malformed date filter is an argument error, not a crash or a silent no-op. */
    p = params();
    p.from = "2026-1-1";
    struct dl_error err = DL_ERROR_INIT;
    memset(&res, 0, sizeof res);
    dl_query_parse(&tree, "", 0, NULL);
    CHECK(dl_searcher_search(s, &tree, &p, &res, &err) == DL_EINVAL, "bad from date");
    CHECK(strstr(err.msg, "2026-1-1") != NULL, "message names the date: %s", err.msg);
    dl_results_release(&res);

    /* Pagination: the second page of the date order. */
    p = params();
    p.sort = DL_SORT_DATE_DESC;
    p.offset = 1;
    p.limit = 2;
    CHECK_STR(run(s, "", &p, &res), "5 2", "page offset 1 limit 2");
    CHECK(res.nhits == 2 && res.hits[0].rank == 2 && res.hits[1].rank == 3, "ranks of page 2");
    CHECK(res.total == 5 && res.total_exact == 1, "total of all pages %lu", res.total);
    dl_results_release(&res);
    p.offset = 4;
    CHECK_STR(run(s, "", &p, &res), "4", "last page");
    dl_results_release(&res);
    p.offset = 10;
    CHECK_STR(run(s, "", &p, &res), "", "past the end");
    CHECK(res.total == 5, "total past the end %lu", res.total);
    dl_results_release(&res);
    p.offset = 0;
    p.limit = 0;
    CHECK_STR(run(s, "", &p, &res), "", "limit 0: count only");
    CHECK(res.total == 5, "count only total %lu", res.total);
    dl_results_release(&res);
}

static void test_facets(struct dl_searcher *s)
{
    struct dl_results res;
    struct dl_search_params p = params();
    /* Years newest first (undated not counted), sources most frequent first. */
    p.want_facets = 1;
    run(s, "", &p, &res);
    CHECK(res.facets[DL_FACET_YEAR].n == 3, "3 years, got %zu", res.facets[DL_FACET_YEAR].n);
    if (res.facets[DL_FACET_YEAR].n == 3) {
        CHECK_STR(res.facets[DL_FACET_YEAR].v[0].value, "2026", "year 0");
        CHECK(res.facets[DL_FACET_YEAR].v[0].count == 2, "2026 count %lu",
              res.facets[DL_FACET_YEAR].v[0].count);
        CHECK_STR(res.facets[DL_FACET_YEAR].v[1].value, "2025", "year 1");
        CHECK_STR(res.facets[DL_FACET_YEAR].v[2].value, "2024", "year 2");
        CHECK(res.facets[DL_FACET_YEAR].v[2].count == 1, "2024 count");
    }
    CHECK(res.facets[DL_FACET_SOURCE].n == 3, "3 sources, got %zu", res.facets[DL_FACET_SOURCE].n);
    if (res.facets[DL_FACET_SOURCE].n == 3) {
        CHECK_STR(res.facets[DL_FACET_SOURCE].v[0].value, "VNA/VNS", "top source as written");
        CHECK(res.facets[DL_FACET_SOURCE].v[0].count == 2, "VNA/VNS count %lu",
              res.facets[DL_FACET_SOURCE].v[0].count);
        CHECK(res.facets[DL_FACET_SOURCE].v[1].count == 1 &&
                  res.facets[DL_FACET_SOURCE].v[2].count == 1,
              "other sources");
        CHECK_STR(res.facets[DL_FACET_SOURCE].v[1].value, "Reuters",
                  "ties in the order of their names");
    }
    dl_results_release(&res);

    run(s, "cooperation", &p, &res);
    CHECK(res.facets[DL_FACET_YEAR].n == 1 && res.facets[DL_FACET_SOURCE].n == 1,
          "facets follow the query");
    dl_results_release(&res);

    /* Counts are remembered per query: a repeat, another page or another order of the same
     * search reports the same exact total and facets, a different filter its own. */
    static const struct {
        size_t offset, limit;
        enum dl_sort sort;
        const char *source;
        const char *want;
        unsigned long total, y2026;
    } again[] = {
        {0, 10, DL_SORT_RELEVANCE, NULL, "1 5 2 3 4", 5, 2},
        {0, 10, DL_SORT_RELEVANCE, NULL, "1 5 2 3 4", 5, 2},
        {3, 1, DL_SORT_RELEVANCE, NULL, "3", 5, 2},
        {0, 2, DL_SORT_DATE_ASC, NULL, "3 2", 5, 2},
        {0, 10, DL_SORT_RELEVANCE, "VNA/VNS", "1 5", 2, 2},
        {1, 10, DL_SORT_RELEVANCE, "Xinhua", "", 1, 0},
    };
    for (size_t i = 0; i < sizeof again / sizeof again[0]; i++) {
        p = params();
        p.want_facets = 1;
        p.offset = again[i].offset;
        p.limit = again[i].limit;
        p.sort = again[i].sort;
        p.source = again[i].source;
        CHECK_STR(run(s, "", &p, &res), again[i].want, "facets again %zu", i);
        CHECK(res.total == again[i].total && res.total_exact, "facets again %zu: total %lu", i,
              res.total);
        unsigned long y2026 = 0;
        for (size_t k = 0; k < res.facets[DL_FACET_YEAR].n; k++) {
            y2026 += strcmp(res.facets[DL_FACET_YEAR].v[k].value, "2026") == 0
                         ? res.facets[DL_FACET_YEAR].v[k].count
                         : 0;
        }
        CHECK(y2026 == again[i].y2026 &&
                  res.facets[DL_FACET_SOURCE].n == (again[i].source ? 1u : 3u),
              "facets again %zu: 2026 count %lu, %zu sources", i, y2026,
              res.facets[DL_FACET_SOURCE].n);
        dl_results_release(&res);
    }
    p = params();
    run(s, "cooperation", &p, &res);
    CHECK(res.facets[DL_FACET_YEAR].n == 0 && res.facets[DL_FACET_YEAR].v == NULL,
          "no facets unless asked");
    dl_results_release(&res);
}

/* A tree Xapian refuses as built: NEAR over a wildcard (only single words are NEAR
 * operands in what the parser makes, so this is built by hand). */
static void refused_tree(struct dl_qtree *t, const char *wild)
{
    dl_qtree_reset(t);
    size_t c[2];
    c[0] = dl_qtree_add(t, DL_Q_WORD, DL_QF_ANY, 0, 3);
    dl_qtree_set_text(t, c[0], "lam", 3);
    c[1] = dl_qtree_add(t, DL_Q_WILDCARD, DL_QF_ANY, 9, 15);
    dl_qtree_set_text(t, c[1], wild, strlen(wild));
    if (strcmp(wild, "lam") == 0) { /* both wildcards: no plain word at all */
        t->nodes[c[0]].kind = DL_Q_WILDCARD;
    }
    size_t near = dl_qtree_add_parent(t, DL_Q_NEAR, DL_QF_ANY, c, 2);
    dl_qtree_finish(t, near, "lam NEAR congrat*", 17);
}

static void test_relaxed_and_suggest(struct dl_searcher *s)
{
    struct dl_results res;
    struct dl_search_params p = params();
    struct dl_error err = DL_ERROR_INIT;
    char list[64];

    memset(&res, 0, sizeof res);
    refused_tree(&tree, "congrat");
    CHECK(dl_searcher_search(s, &tree, &p, &res, &err) == DL_OK, "refused query: %s", err.msg);
    hit_list(&res, list, sizeof list);
    CHECK(res.relaxed == 1, "a query Xapian refuses is relaxed");
    CHECK(strlen(list) > 0 && res.total == 2, "its plain words still find lam: '%s'", list);
    dl_results_release(&res);

    refused_tree(&tree, "lam");
    memset(&res, 0, sizeof res);
    int rc = dl_searcher_search(s, &tree, &p, &res, &err);
    CHECK(rc == DL_EPARSE, "refused, with no plain word: DL_EPARSE, got %d", rc);
    CHECK(strstr(err.msg, "refused") != NULL, "refusal message: %s", err.msg);
    dl_results_release(&res);

    /* The suggestion is what was typed with its misspelt words replaced; operators, fields,
     * wildcards and numbers stay as they are. */
    static const struct {
        const char *q, *want; /* want NULL: no suggestion */
    } spell[] = {
        {"congratulatoins", "congratulations"},
        {"lam AND congratulatoins", "lam AND congratulations"},
        {"\"congratulatoins lam\" -xyzzy", "\"congratulations lam\" -xyzzy"},
        {"congratulatoins*", NULL},
        {"source:congratulatoins", NULL},
        {"title:(congratulatoins) congratulatoins", "title:(congratulatoins) congratulations"},
        {"zzqxv 20261", NULL},
        {"Congratulatoins, LAM!", "congratulations, LAM!"},
    };
    for (size_t i = 0; i < sizeof spell / sizeof spell[0]; i++) {
        p = params();
        run(s, spell[i].q, &p, &res);
        CHECK(res.total == 0, "'%s' finds nothing", spell[i].q);
        if (spell[i].want) {
            CHECK_STR(res.suggestion, spell[i].want, "spelling suggestion for '%s'", spell[i].q);
        } else {
            CHECK(res.suggestion == NULL, "no suggestion for '%s': '%s'", spell[i].q,
                  res.suggestion ? res.suggestion : "");
        }
        dl_results_release(&res);
    }
}

static int collect_id(void *ctx, const char *id)
{
    struct dl_buf *b = ctx;
    dl_buf_addf(b, "%s%d", b->len ? " " : "", doc_index(id) + 1);
    return 0;
}

/* Does part i of hit h list `form` among the forms found in the readout? */
static int has_form(const struct dl_hit *h, size_t i, const char *form)
{
    for (size_t k = 0; i < h->explain.nparts && k < h->explain.parts[i].nforms; k++) {
        if (strcmp(h->explain.parts[i].forms[k], form) == 0) {
            return 1;
        }
    }
    return 0;
}

/* explain: the parts' weights add up to each score, with the forms found in the readout. */
static void test_explain(struct dl_searcher *s)
{
    struct dl_results res;
    struct dl_search_params p = params();
    p.explain = 1;
    static const struct {
        const char *q;
        size_t nparts;
        const char *first; /* the first part as typed */
    } cases[] = {
        {"Tô Lâm congratulated", 2, "Tô Lâm"},
        {"railway OR congratulate", 2, "railway"},
        {"\"minh chinh\" cooperation source:\"VNA/VNS\" -energy", 2, "\"minh chinh\""},
        {"delegation", 1, "delegation"},
        {"source:\"VNA/VNS\"", 0, ""},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        run(s, cases[c].q, &p, &res);
        CHECK(res.nhits > 0, "explain '%s': hits", cases[c].q);
        for (size_t i = 0; i < res.nhits; i++) {
            const struct dl_hit *h = &res.hits[i];
            double sum = 0;
            for (size_t k = 0; k < h->explain.nparts; k++) {
                sum += h->explain.parts[k].weight;
                CHECK(h->explain.parts[k].weight > 0 || h->explain.parts[k].nforms == 0,
                      "explain '%s': a part that gives nothing has no form", cases[c].q);
            }
            CHECK(h->explain.nparts == cases[c].nparts, "explain '%s', hit %zu: %zu parts",
                  cases[c].q, i + 1, h->explain.nparts);
            CHECK(sum > h->score - 1e-9 * (1 + h->score) && sum < h->score + 1e-9 * (1 + h->score),
                  "explain '%s', hit %zu: the parts add up to the score (%g, %g)", cases[c].q,
                  i + 1, sum, h->score);
            CHECK(!cases[c].nparts || strcmp(h->explain.parts[0].query, cases[c].first) == 0,
                  "explain '%s': the first part as typed: '%s'", cases[c].q,
                  h->explain.nparts ? h->explain.parts[0].query : "");
        }
        if (c == 0 && res.nhits >= 2) {
            CHECK(has_form(&res.hits[0], 0, "Tô Lâm") && has_form(&res.hits[0], 1, "congratulated"),
                  "explain: the forms found in readout 1");
            CHECK(has_form(&res.hits[1], 0, "Su Lin") &&
                      has_form(&res.hits[1], 1, "congratulations"),
                  "explain: another spelling of the name, another form of the word");
        }
        dl_results_release(&res);
    }
    p.explain = 0;
    run(s, "Tô Lâm congratulated", &p, &res);
    CHECK(res.nhits && res.hits[0].explain.nparts == 0, "no explain unless asked");
    dl_results_release(&res);
}

/* "NAME:COUNT|..." of a facet. */
static const char *facet_string(const struct dl_facet_list *f)
{
    static char out[256];
    out[0] = '\0';
    for (size_t i = 0; i < f->n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s:%lu|", f->v[i].value, f->v[i].count);
    }
    return out;
}

/* People, countries, organisations: tagged at index time, filtered, counted, suggested. */
static void test_entities(struct dl_searcher *s)
{
    struct dl_results res;
    struct dl_search_params p = params();
    p.want_facets = 1;
    run(s, "", &p, &res);
    CHECK_STR(facet_string(&res.facets[DL_FACET_PEOPLE]), "Tô Lâm:2|Xi Jinping:1|", "people");
    CHECK_STR(facet_string(&res.facets[DL_FACET_COUNTRIES]), "China:1|Vietnam:1|", "countries");
    CHECK_STR(facet_string(&res.facets[DL_FACET_ORGS]), "Xinhua:1|", "orgs (the source's words)");
    CHECK_STR(facet_string(&res.facets[DL_FACET_KIND]), "other:3|meeting:2|",
              "kinds (receives, meets; no cue, not even \"Energy cooperation talks\")");
    dl_results_release(&res);

    p = params();
    CHECK_STR(run(s, "xi jinping", &p, &res), "2", "xi jinping");
    if (res.nhits == 1) {
        const struct dl_found *f = &res.hits[0].found;
        CHECK(f->names[DL_ENTITY_PERSON] &&
                  strcmp(f->names[DL_ENTITY_PERSON], "Tô Lâm\nXi Jinping") == 0 &&
                  f->names[DL_ENTITY_COUNTRY] &&
                  strcmp(f->names[DL_ENTITY_COUNTRY], "China\nVietnam") == 0 &&
                  f->names[DL_ENTITY_NONE] == NULL && f->kind && strcmp(f->kind, "meeting") == 0,
              "a hit's entities, sorted by name, and its kind");
    }
    dl_results_release(&res);

    static const struct {
        const char *q, *want; /* documents in any order */
    } cases[] = {
        {"person:\"su lin\"", "12"},
        {"person:苏林", "12"},
        {"person:lam", ""}, /* "Lam" alone tags nobody */
        {"person:\"to lam\" person:\"xi jinping\"", "2"},
        {"person:\"to lam\" OR person:\"xi jinping\"", "12"},
        {"country:越南", "2"},
        {"country:\"Việt Nam\"", "2"},
        {"country:\"to lam\"", ""}, /* a person is no country */
        {"org:新华社", "2"},
        {"congratulate -person:\"to lam\"", "4"},
        {"person:nobody", ""},
        {"kind:meeting", "12"},
        {"kind:MEETING kind:other", "12345"}, /* one kind per readout: ORed */
        {"kind:meeting person:\"xi jinping\"", "2"},
        {"kind:party", ""},
        {"cooperation -kind:meeting", "5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = params();
        char sorted[64];
        sorted_digits(run(s, cases[i].q, &p, &res), sorted);
        CHECK_STR(sorted, cases[i].want, "entity query '%s' parsed %s", cases[i].q, res.parsed);
        dl_results_release(&res);
    }

    /* The API's person=, country=, org= parameters: all must hold. */
    static const struct {
        struct dl_entity_filter f[2];
        size_t n;
        const char *want;
    } filters[] = {
        {{{DL_ENTITY_PERSON, "Su Lin", 6}}, 1, "12"},
        {{{DL_ENTITY_PERSON, "Su Lin", 6}, {DL_ENTITY_ORG, "xinhua", 6}}, 2, "2"},
        {{{DL_ENTITY_COUNTRY, "Su Lin", 6}}, 1, ""},
        {{{DL_ENTITY_PERSON, "Su Linx", 6}}, 1, "12"}, /* len counts, not the NUL */
    };
    static const enum dl_kind meeting[] = {DL_KIND_MEETING},
                              two[] = {DL_KIND_MEETING, DL_KIND_TALKS};
    p = params();
    p.kinds = meeting;
    p.nkinds = 1;
    char kinds[64];
    sorted_digits(run(s, "", &p, &res), kinds);
    CHECK_STR(kinds, "12", "kind filter");
    dl_results_release(&res);
    p.kinds = two;
    p.nkinds = 2;
    sorted_digits(run(s, "", &p, &res), kinds);
    CHECK_STR(kinds, "", "two kind filters: both must hold");
    dl_results_release(&res);
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        p = params();
        p.entities = filters[i].f;
        p.nentities = filters[i].n;
        char sorted[64];
        sorted_digits(run(s, "", &p, &res), sorted);
        CHECK_STR(sorted, filters[i].want, "entity filters %zu", i);
        dl_results_release(&res);
    }

    static const struct {
        enum dl_entity t;
        const char *prefix, *want;
    } prefixes[] = {
        {DL_ENTITY_NONE, "to l", "Tô Lâm:2|"},
        {DL_ENTITY_NONE, "苏", "Tô Lâm:2|"},
        {DL_ENTITY_NONE, "x", "Xi Jinping:1|Xinhua:1|"},
        {DL_ENTITY_PERSON, "x", "Xi Jinping:1|"},
        {DL_ENTITY_NONE, "", "Tô Lâm:2|China:1|Vietnam:1|Xi Jinping:1|Xinhua:1|"},
        {DL_ENTITY_NONE, "zz", ""},
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        struct dl_entity_hit hits[8];
        size_t n = 0;
        struct dl_error err = DL_ERROR_INIT;
        int rc = dl_searcher_entities(s, prefixes[i].t, prefixes[i].prefix,
                                      strlen(prefixes[i].prefix), hits, 8, &n, &err);
        char got[256] = "";
        for (size_t k = 0; k < n; k++) {
            size_t len = strlen(got);
            snprintf(got + len, sizeof got - len, "%s:%lu|", hits[k].name, hits[k].count);
        }
        CHECK(rc == DL_OK, "entities '%s': %s", prefixes[i].prefix, err.msg);
        CHECK_STR(got, prefixes[i].want, "entities for prefix '%s'", prefixes[i].prefix);
    }
}

/* written_as: how the readouts write what was typed without diacritics; and a word typed
 * with them ranks the readouts that write it so first. */
static void test_written(struct dl_searcher *s)
{
    static const struct {
        const char *q, *want; /* want "" for no written_as */
    } cases[] = {
        {"to lam", "Tô Lâm"},         /* a name: the gazetteer's spelling */
        {"TO LAM met", "Tô Lâm met"}, /* the rest as typed */
        {"su lin", ""},               /* no diacritics to add */
        {"ha noi", "hà nội"},         /* words: the readouts' spelling */
        {"Tô Lâm", ""},               /* typed with them already */
        {"cooperation -ha", ""},      /* nothing under '-' */
        {"\"ha noi\" delegation", "\"hà nội\" delegation"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_results res;
        struct dl_search_params p = params();
        run(s, cases[i].q, &p, &res);
        CHECK_STR(res.written_as ? res.written_as : "", cases[i].want, "written_as of '%s'",
                  cases[i].q);
        dl_results_release(&res);
    }
}

/* Two readouts alike but for the spelling of one name: typed with its diacritics, the one that
 * writes it so comes first, whichever was indexed first; typed without, they tie. */
static void test_spelling(void)
{
    char path[192];
    struct dl_error err = DL_ERROR_INIT;
    snprintf(path, sizeof path, "%s/spelling", dir);
    struct dl_store *w = NULL;
    struct dl_searcher *r = NULL;
    CHECK(dl_store_open(&w, path, &err) == 0, "spelling writer: %s", err.msg);
    static const char *const bodies[] = {"In Hanoi, To Lam met the delegation on Monday.",
                                         "In Hanoi, Tô Lâm met the delegation on Monday.",
                                         "In Hanoi, To Lam met the delegation on Monday."};
    for (int i = 0; w && i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "%d", i + 1);
        struct dl_readout d = {id, NULL, NULL, NULL, NULL, NULL, NULL, (char *)bodies[i]};
        CHECK(dl_store_put(w, &d, "o", "h", &err) == 0, "put %d: %s", i, err.msg);
    }
    CHECK(w && dl_store_commit(w, &err) == 0, "spelling commit: %s", err.msg);
    dl_store_free(w);
    CHECK(dl_searcher_open(&r, path, &err) == 0, "spelling reader: %s", err.msg);
    if (!r) {
        return;
    }
    static const struct {
        const char *q, *want;
    } cases[] = {{"Tô Lâm", "2"}, {"lâm", "2"}, {"to lam", "1"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_results res = {0};
        struct dl_search_params p = params();
        struct dl_qtree t = DL_QTREE_INIT;
        dl_query_parse(&t, cases[i].q, strlen(cases[i].q), NULL);
        int rc = dl_searcher_search(r, &t, &p, &res, &err);
        CHECK(rc == 0 && res.nhits == 3 && strcmp(res.hits[0].doc.id, cases[i].want) == 0,
              "'%s': readout %s first (got %s)", cases[i].q, cases[i].want,
              res.nhits ? res.hits[0].doc.id : "none");
        dl_results_release(&res);
        dl_qtree_release(&t);
    }
    dl_searcher_free(r);
}

static void test_get(struct dl_searcher *s)
{
    struct dl_readout d;
    struct dl_error err = DL_ERROR_INIT;
    memset(&d, 0, sizeof d);
    CHECK(dl_searcher_get(s, "vn/001.txt", &d, NULL, &err) == 0, "get 1: %s", err.msg);
    CHECK_STR(d.id, "vn/001.txt", "id");
    CHECK_STR(d.title, docs[D1].title, "title");
    CHECK_STR(d.date, "2026-02-04", "date");
    CHECK_STR(d.dateline, "HÀ NỘI", "dateline kept as written");
    CHECK_STR(d.source, "VNA/VNS", "source");
    CHECK_STR(d.url, NULL, "absent url");
    CHECK_STR(d.lang, NULL, "absent lang");
    CHECK_STR(d.body, docs[D1].body, "body is the original text");
    dl_readout_release(&d);

    CHECK(dl_searcher_get(s, long_id, &d, NULL, &err) == 0, "get long id: %s", err.msg);
    CHECK_STR(d.id, long_id, "long id round trip");
    CHECK_STR(d.lang, "en", "lang");
    dl_readout_release(&d);
    char other_id[320];
    memcpy(other_id, long_id, sizeof other_id);
    other_id[299] = 'b'; /* same first 40 bytes: only the hash tells them apart */
    CHECK(dl_searcher_get(s, other_id, &d, NULL, &err) == DL_ENOTFOUND,
          "a long id differing at its end");

    CHECK(dl_searcher_get(s, "misc/004.txt", &d, NULL, &err) == 0, "get undated");
    CHECK_STR(d.title, NULL, "no title");
    CHECK_STR(d.date, NULL, "no date");
    dl_readout_release(&d);

    CHECK(dl_searcher_get(s, "nope", &d, NULL, &err) == DL_ENOTFOUND, "get missing");
    CHECK(strstr(err.msg, "nope") != NULL, "message: %s", err.msg);
    CHECK(d.id == NULL, "readout untouched on error");

    struct dl_db *db = dl_searcher_db(s);
    struct dl_buf h = DL_BUF_INIT;
    CHECK(dl_store_get_hash(db, "cn/002.txt", &h, &err) == 0, "get hash");
    CHECK_STR(h.buf, "hash-2", "hash value");
    CHECK(dl_store_get_hash(db, long_id, &h, &err) == 0, "get hash long id");
    CHECK_STR(h.buf, "hash-5", "hash value replaced, not appended");
    CHECK(dl_store_get_hash(db, "nope", &h, &err) == DL_ENOTFOUND, "hash missing");
    dl_buf_release(&h);

    struct dl_buf ids = DL_BUF_INIT;
    CHECK(dl_store_origin_ids(db, "jsonl:b", collect_id, &ids, &err) == 0, "origin ids (reader)");
    CHECK_STR(ids.buf, "2 4 5", "origin jsonl:b");
    dl_buf_release(&ids);

    /* What a readout's page marks, without a search. */
    struct dl_terms terms = DL_TERMS_INIT;
    dl_query_parse(&tree, "Su Lin congrat*", 15, NULL);
    dl_searcher_terms(s, &tree, &terms);
    CHECK(terms.n == 3 && terms.nprefixes == 1, "terms of a page: %zu and %zu prefixes", terms.n,
          terms.nprefixes);
    dl_terms_release(&terms);
}

static unsigned long doccount(struct dl_searcher *s)
{
    unsigned long n = 0;
    dl_db_doccount(dl_searcher_db(s), &n, NULL);
    return n;
}

/* Writes after the first commit: replace, delete, discard, and a reader across commits. */
static void test_updates(struct dl_searcher *s)
{
    struct dl_error err = DL_ERROR_INIT;
    struct dl_results res;
    struct dl_search_params p = params();
    unsigned long rev0 = dl_db_revision(dl_searcher_db(s));
    CHECK(rev0 > 0, "revision after the first commit: %lu", rev0);

    /* Freed without commit: nothing happened. */
    struct dl_store *w = NULL;
    CHECK(dl_store_open(&w, idx, &err) == 0, "reopen writer: %s", err.msg);
    struct dl_readout extra = {"x/new.txt", NULL, NULL, NULL, NULL, NULL, NULL, "zebra crossing"};
    CHECK(dl_store_put(w, &extra, "folder-a", "h", &err) == 0, "put extra");
    CHECK(dl_store_delete(w, "vn/001.txt", &err) == 0, "delete (to be discarded)");
    dl_store_free(w);
    int changed = -1;
    CHECK(dl_searcher_refresh(s, &changed, &err) == 0 && changed == 0, "nothing committed: %d",
          changed);
    CHECK(doccount(s) == NDOCS, "doccount unchanged after discard");
    p.want_facets = 1; /* remembered: the counts must not outlive this revision */
    CHECK_STR(run(s, "zebra", &p, &res), "", "discarded document is not searchable");
    CHECK(res.total == 0 && res.total_exact && res.facets[DL_FACET_YEAR].n == 0,
          "no zebra, no years");
    dl_results_release(&res);

    /* The readout to be replaced, read once: the searcher keeps it (hitcache.h). */
    CHECK_STR(run(s, "toronto", &p, &res), "3", "3 before its replacement");
    CHECK(res.nhits == 1 && strstr(res.hits[0].doc.body, "oronto"), "its old body");
    dl_results_release(&res);

    /* Replace, delete, and commit several times while the reader keeps its old snapshot. */
    CHECK(dl_store_open(&w, idx, &err) == 0, "writer again: %s", err.msg);
    struct dl_readout d3 = docs[D3];
    d3.body = "Lam rode a zebra to the market.";
    CHECK(dl_store_put(w, &d3, "folder-a", "hash-3b", &err) == 0, "replace 3");
    CHECK(dl_store_delete(w, "misc/004.txt", &err) == 0, "delete 4: %s", err.msg);
    CHECK(dl_store_delete(w, "misc/004.txt", &err) == DL_ENOTFOUND, "delete twice");
    CHECK(dl_store_delete(w, "never", &err) == DL_ENOTFOUND, "delete unknown");
    CHECK(strstr(err.msg, "never") != NULL, "delete message names the id: %s", err.msg);
    CHECK(dl_store_commit(w, &err) == 0, "commit 1: %s", err.msg);
    int failed = 0;
    for (int round = 0; round < 4; round++) { /* rewrite everything: old blocks get reused */
        for (int i = 0; i < NDOCS; i++) {
            if (i != D3 && i != D4) {
                failed += dl_store_put(w, &docs[i], origin_of[i], "hash", &err) != DL_OK;
            }
        }
        failed += dl_store_put(w, &d3, "folder-a", "hash-3b", &err) != DL_OK;
        CHECK(dl_store_commit(w, &err) == 0, "commit round %d: %s", round, err.msg);
    }
    CHECK(failed == 0, "every rewrite stored: %d failed", failed);

    /* The old reader either still reads its revision or reopens by itself: never fails. */
    p = params();
    const char *got = run(s, "zebra", &p, &res);
    CHECK(strcmp(got, "") == 0 || strcmp(got, "3") == 0, "reader across commits: '%s'", got);
    dl_results_release(&res);
    struct dl_readout d;
    memset(&d, 0, sizeof d);
    CHECK(dl_searcher_get(s, "vn/001.txt", &d, NULL, &err) == 0, "get across commits: %s", err.msg);
    dl_readout_release(&d);

    CHECK(dl_searcher_refresh(s, &changed, &err) == 0, "reopen: %s", err.msg);
    CHECK(dl_db_revision(dl_searcher_db(s)) > rev0, "revision moved");
    CHECK(doccount(s) == NDOCS - 1, "doccount after delete: %lu", doccount(s));
    p.want_facets = 1;
    CHECK_STR(run(s, "zebra", &p, &res), "3", "replaced body is searched");
    CHECK(res.nhits == 1 && strcmp(res.hits[0].doc.body, d3.body) == 0,
          "the new body, not the one kept from the old revision: %s",
          res.nhits ? res.hits[0].doc.body : "(no hit)");
    CHECK(res.total == 1 && res.facets[DL_FACET_YEAR].n == 1 &&
              strcmp(res.facets[DL_FACET_YEAR].v[0].value, "2024") == 0,
          "counts of the new revision, not the remembered ones: total %lu", res.total);
    dl_results_release(&res);
    p = params();
    CHECK_STR(run(s, "toronto", &p, &res), "", "old body is gone");
    dl_results_release(&res);
    CHECK(dl_searcher_get(s, "misc/004.txt", &d, NULL, &err) == DL_ENOTFOUND,
          "deleted readout is gone");

    /* Aliases replaced: the old names go, the new ones come, the CJK form too. */
    const char *table2 = "Đà Nẵng\tDanang\n";
    struct dl_aliases *a2 = NULL;
    CHECK(dl_aliases_parse(table2, strlen(table2), &a2, &err) == 0, "table 2");
    CHECK(dl_store_set_aliases(w, a2, table2, strlen(table2), NULL, &err) == 0, "aliases 2");
    CHECK(dl_store_put(w, &docs[D1], "folder-a", "hash-1", &err) == 0, "reindex 1 with table 2");
    CHECK(dl_store_commit(w, &err) == 0, "commit aliases");
    dl_store_free(w);
    dl_aliases_free(a2);
    CHECK(dl_searcher_refresh(s, NULL, &err) == 0, "reopen after aliases");
    CHECK_STR(run(s, "su lin", &p, &res), "2", "old names gone (su lin only finds su lin)");
    dl_results_release(&res);
    CHECK_STR(run(s, "danang", &p, &res), "1", "new name finds the reindexed 'Đà Nẵng'");
    dl_results_release(&res);
    CHECK_STR(run(s, "苏林", &p, &res), "", "the CJK form went with its table");
    CHECK(!has_term(&res, "XAto-lam"), "苏林 no longer brings XAto-lam: %s", res.parsed);
    dl_results_release(&res);
}

/*
 * A reader whose revision a writer has overwritten (commits since its
 * snapshot reuse its blocks) gets DatabaseModifiedError from Xapian; the
 * searcher reopens and runs once more, so the caller sees no error. Needs
 * an index big enough that the reader has to read blocks it does not
 * already hold in memory.
 */
static void test_modified(void)
{
    enum { N = 600 };
    char path[192], id[32], body[600];
    struct dl_error err = DL_ERROR_INIT;
    snprintf(path, sizeof path, "%s/churn", dir);
    struct dl_store *w = NULL;
    struct dl_searcher *r = NULL, *r2 = NULL;
    CHECK(dl_store_open(&w, path, &err) == 0, "churn writer: %s", err.msg);
    if (!w) {
        return;
    }
    dl_store_set_spelling(w, 0);
    int failed = 0;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            snprintf(id, sizeof id, "doc/%d", i);
            int len = snprintf(body, sizeof body, "%s common ", round ? "beta" : "alpha");
            for (int k = 0; k < 40 && len < 500; k++) {
                len += snprintf(body + len, sizeof body - (size_t)len, "w%dx%d ", i * 7 + k, round);
            }
            struct dl_readout d = {id, NULL, "2020-01-01", NULL, "S", NULL, NULL, body};
            failed += dl_store_put(w, &d, "o", "h", &err) != DL_OK;
        }
        CHECK(dl_store_commit(w, &err) == 0, "churn commit %d: %s", round, err.msg);
        if (round == 0) {
            CHECK(dl_searcher_open(&r, path, &err) == 0, "churn reader: %s", err.msg);
            CHECK(dl_searcher_open(&r2, path, &err) == 0, "churn reader 2: %s", err.msg);
        }
    }
    CHECK(failed == 0, "churn: every put stored (%d failed)", failed);
    dl_store_free(w);
    if (!r || !r2) {
        dl_searcher_free(r);
        dl_searcher_free(r2);
        return;
    }
    struct dl_results res;
    struct dl_search_params p = params();
    p.limit = N;
    p.check_at_least = N;
    run(r, "common", &p, &res);
    CHECK(res.total == N && res.nhits == N, "search after 3 foreign commits: %lu", res.total);
    /* The old revision's blocks were reused, so this is only possible through the retry. */
    CHECK(res.nhits && strstr(res.hits[0].doc.body, "beta") != NULL,
          "search reopened by itself and sees the newest revision");
    dl_results_release(&res);
    dl_searcher_free(r);

    struct dl_readout d;
    memset(&d, 0, sizeof d);
    CHECK(dl_searcher_get(r2, "doc/599", &d, NULL, &err) == 0, "get after 3 foreign commits: %s",
          err.msg);
    CHECK(d.body && strncmp(d.body, "beta", 4) == 0, "get reopened by itself: %s",
          d.body ? d.body : "(null)");
    dl_readout_release(&d);
    dl_searcher_free(r2);
}

static void test_open_errors(void)
{
    struct dl_searcher *s = (struct dl_searcher *)1;
    struct dl_error err = DL_ERROR_INIT;
    char missing[192];
    snprintf(missing, sizeof missing, "%s/does-not-exist", dir);
    int rc = dl_searcher_open(&s, missing, &err);
    CHECK(rc == DL_ENOTFOUND || rc == DL_EIO, "missing index: rc %d", rc);
    CHECK(s == NULL, "no searcher on error");
    CHECK(strncmp(err.msg, "cannot open index '", 19) == 0 && strstr(err.msg, missing),
          "clear message: %s", err.msg);

    /* A stub file naming the index opens like the index itself. */
    char stub[192];
    snprintf(stub, sizeof stub, "%s/all.stub", dir);
    FILE *f = fopen(stub, "w");
    fputs("# shards\nauto idx\n", f);
    fclose(f);
    rc = dl_searcher_open(&s, stub, &err);
    CHECK(rc == 0, "open stub: %s", err.msg);
    if (rc == 0) {
        CHECK(doccount(s) == NDOCS - 1, "stub doccount %lu", doccount(s));
        CHECK(dl_searcher_aliases(s) != NULL, "the stub's index has its aliases");
    }
    dl_searcher_free(s);
    dl_searcher_free(NULL);

    /* An index of another schema is refused by readers and writers alike. */
    char old[192];
    snprintf(old, sizeof old, "%s/old", dir);
    struct dl_db *db = NULL;
    CHECK(dl_db_open_write(&db, old, &err) == 0, "make an old index");
    dl_db_set_meta(db, DL_META_SCHEMA, "2", 1, &err);
    CHECK(dl_db_commit(db, &err) == 0, "commit the old schema");
    dl_db_free(db);
    /* One line that says how: the command names this index. */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rebuild it (rm -r '%s' && dateline-index -d '%s' PATH...)", old,
             old);
    CHECK(dl_searcher_open(&s, old, &err) == DL_EINVAL && strstr(err.msg, cmd) &&
              !strchr(err.msg, '\n'),
          "reader refuses schema 2: %s", err.msg);
    struct dl_store *w = NULL;
    CHECK(dl_store_open(&w, old, &err) == DL_EINVAL && w == NULL && strstr(err.msg, "schema 2") &&
              strstr(err.msg, cmd),
          "writer refuses schema 2: %s", err.msg);
    /* A path too long to fit twice is "DIR" in the command, never a cut path. */
    char deep[320];
    snprintf(deep, sizeof deep, "%s/old-%0100d", dir, 0);
    CHECK(rename(old, deep) == 0, "move the old index deeper");
    CHECK(dl_searcher_open(&s, deep, &err) == DL_EINVAL &&
              strstr(err.msg, "rm -r 'DIR' && dateline-index -d 'DIR' PATH...)"),
          "long path: %s", err.msg);
}

int main(void)
{
    memset(long_id, 'a', 300);
    memcpy(long_id + 38, "ộ", 3); /* straddles the 40-byte cut of dl_schema_term() */
    long_id[300] = '\0';

    snprintf(dir, sizeof dir, "/tmp/dl_test_searcher_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(idx, sizeof idx, "%s/idx", dir);

    build();
    struct dl_searcher *s = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_searcher_open(&s, idx, &err) == 0, "open read: %s", err.msg);
    if (s) {
        CHECK(doccount(s) == NDOCS, "doccount %lu", doccount(s));
        test_search(s);
        test_filters_sorts(s);
        test_pages(s);
        test_facets(s);
        test_relaxed_and_suggest(s);
        test_explain(s);
        test_entities(s);
        test_written(s);
        test_get(s);
        test_updates(s);
        dl_searcher_free(s);
    }
    test_modified();
    test_spelling();
    test_open_errors();
    dl_qtree_release(&tree);

    if (!getenv("DL_KEEP")) { /* DL_KEEP=1 leaves the indexes for xapian-delve */
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    return dl_test_report();
}
