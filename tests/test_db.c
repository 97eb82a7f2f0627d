/*
 * test_db.c - the Xapian shim end to end in a temporary directory: write,
 * commit, reopen read-only, search (folding, stemming, phrases, fields,
 * filters, sorts, facets, pages, aliases, CJK), get, replace, delete,
 * transactions, locking, concurrent commits, query fallback, errors.
 *
 * Query strings passed here are already what dl_query_normalize() would
 * produce: lower-case folded tokens with the syntax kept.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/alias.h"
#include "dateline/buf.h"
#include "dateline/db.h"
#include "dateline/readout.h"
#include "dateline/schema.h"
#include "dl_test.h"

static const char ALIASES[] = "# test table\nTô Lâm\tTo Lam\tSu Lin\t苏林\n";

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

/* ---- helpers ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
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

static struct dl_search_params params(const char *q)
{
    struct dl_search_params p;
    memset(&p, 0, sizeof p);
    p.query = q;
    /* The normaliser's plain form equals the query when it has no syntax at all. */
    p.fallback = q;
    for (const char *c = q; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == ' ' ||
              (unsigned char)*c >= 0x80)) {
            p.fallback = NULL;
        }
    }
    p.limit = 10;
    p.check_at_least = 100;
    p.max_wildcard = 50;
    return p;
}

/* Run a search and return its hit list as a string (empty on error). */
static const char *run(struct dl_db *db, const struct dl_search_params *p, struct dl_results *res)
{
    static char list[128];
    struct dl_error err = DL_ERROR_INIT;
    memset(res, 0, sizeof *res);
    int rc = dl_db_search(db, p, res, &err);
    CHECK(rc == 0, "search '%s': rc %d %s", p->query ? p->query : "(null)", rc, err.msg);
    hit_list(res, list, sizeof list);
    return list;
}

static int has_term(const struct dl_results *res, const char *term)
{
    for (size_t i = 0; i < res->nterms; i++) {
        if (strcmp(res->terms[i], term) == 0) {
            return 1;
        }
    }
    return 0;
}

static int put_all(struct dl_db *w)
{
    int rc = 0;
    for (int i = 0; i < NDOCS && rc == 0; i++) {
        char hash[32];
        snprintf(hash, sizeof hash, "hash-%d", i + 1);
        struct dl_error err = DL_ERROR_INIT;
        rc = dl_db_put(w, &docs[i], origin_of[i], hash, &err);
        CHECK(rc == 0, "put %d: %s", i + 1, err.msg);
    }
    return rc;
}

static int collect_id(void *ctx, const char *id)
{
    struct dl_buf *b = ctx;
    int i = doc_index(id);
    dl_buf_addf(b, "%s%d", b->len ? " " : "", i + 1);
    return 0;
}

/* ---- the phases ---- */

static void build(void)
{
    struct dl_db *w = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_db_open_write(&w, idx, &err) == 0, "open for writing: %s", err.msg);
    if (!w) {
        return;
    }

    struct dl_aliases *a = NULL;
    CHECK(dl_aliases_parse(ALIASES, strlen(ALIASES), &a, &err) == 0, "aliases: %s", err.msg);
    CHECK(dl_db_set_aliases(w, a, ALIASES, strlen(ALIASES), NULL, &err) == 0, "set aliases: %s", err.msg);
    put_all(w);

    /* A second writer is refused while this one holds the lock. */
    struct dl_db *w2 = NULL;
    struct dl_error err2 = DL_ERROR_INIT;
    int rc = dl_db_open_write(&w2, idx, &err2);
    CHECK(rc == DL_ELOCKED && w2 == NULL, "second writer: rc %d", rc);
    CHECK(strstr(err2.msg, idx) != NULL, "lock message names the index: %s", err2.msg);

    /* Pending documents are visible to the writer itself. */
    struct dl_buf ids = DL_BUF_INIT;
    CHECK(dl_db_origin_ids(w, "folder-a", collect_id, &ids, &err) == 0, "origin ids");
    CHECK_STR(ids.buf, "1 3", "origin folder-a (pending)");
    dl_buf_reset(&ids);
    CHECK(dl_db_origin_ids(w, "nowhere", collect_id, &ids, &err) == 0 && ids.len == 0,
          "unknown origin: no ids");
    dl_buf_release(&ids);

    CHECK(dl_db_commit(w, &err) == 0, "commit: %s", err.msg);
    CHECK(dl_db_doccount(w) == NDOCS, "writer doccount %lu", dl_db_doccount(w));
    dl_db_free(w);
    dl_aliases_free(a);
}

static void test_search(struct dl_db *r)
{
    struct dl_results res;
    struct dl_search_params p;

    /* Folding + alias synonym + phrase boost: Tô Lâm first (phrase), then the
     * distractor with both words and Su Lin (synonym only), in BM25's order. */
    p = params("to lam");
    CHECK_STR(run(r, &p, &res), "1 3 2", "to lam");
    CHECK(res.total == 3 && res.total_exact, "to lam: total %lu", res.total);
    CHECK(has_term(&res, "XAto-lam") && has_term(&res, "Zlam") && has_term(&res, "lam"),
          "to lam: terms for the highlighter");
    CHECK(res.parsed && strstr(res.parsed, "SYNONYM") != NULL, "parsed: %s", res.parsed);
    CHECK(res.relaxed == 0 && res.suggestion == NULL, "to lam: not relaxed, no suggestion");
    CHECK(res.nhits == 3 && res.hits[0].score > 2 * res.hits[1].score && res.hits[0].rank == 1 &&
              res.hits[2].rank == 3,
          "to lam: the phrase match scores well ahead");
    dl_results_release(&res);
    CHECK(res.hits == NULL && res.nhits == 0, "release zeroes the results");

    /* The phrase rerank keeps paging consistent: one hit per page gives the same order,
     * ranks and scores as one page of all. */
    for (size_t off = 0; off < 3; off++) {
        static const char *const want[] = {"1", "3", "2"};
        p = params("to lam");
        p.offset = off;
        p.limit = 1;
        CHECK_STR(run(r, &p, &res), want[off], "to lam, page %zu of 1", off + 1);
        CHECK(res.nhits == 1 && res.hits[0].rank == off + 1, "to lam, page %zu: rank", off + 1);
        dl_results_release(&res);
    }

    static const struct {
        const char *q;
        const char *want; /* document numbers in rank order, or "*" + set in any order */
    } cases[] = {
        {"tô lâm", ""},           /* unfolded input is not what the normaliser sends */
        {"su lin", "2 1"},        /* the alias in the other direction (and the phrase) */
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
        {"dateline:beijing", "2"},
        {"dateline:da-nang", "5"},
        {"year:2026", "1 5"},
        {"date:20250101..20251231", "2"},
        {"date:20260101..", "1 5"},
        {"date:..20241231", "3"},
        {"date:20250101..", "1 5 2"}, /* filters only: newest first, not in index order (1 2 5) */
        {"首页", "*24"}, /* CJK: unigrams + bigram */
        {"新闻", "2"},
        {"越南 中国", "2"},
        {"首页 congratulate", "*24"},
        {"2026", ""}, /* digits are words, but not in these bodies */
        {"4", "1"},
        {"lam AND toronto", "3"},
        {"NOT lam", "*245"}, /* FLAG_PURE_NOT */
        /* A CJK alias form finds its group, though neither readout writes 苏林 ... */
        {"苏林", "*12"},
        {"苏林 首页", "2"},
        {"苏林首页", "2"}, /* ... also inside a longer run of CJK */
        {"首页 OR 苏林", "*124"},
        {"lam NOT 苏林", "3"},
        /* ... but a quoted phrase or a field stays literal, as for Latin forms */
        {"\"苏林\"", ""},
        {"title:苏林", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = params(cases[i].q);
        const char *got = run(r, &p, &res);
        if (cases[i].want[0] == '*') {
            char sorted[64] = "";
            for (const char *c = got; *c; c++) {
                if (*c != ' ') {
                    size_t len = strlen(sorted), k = len;
                    while (k > 0 && sorted[k - 1] > *c) {
                        k--;
                    }
                    memmove(sorted + k + 1, sorted + k, len - k + 1);
                    sorted[k] = *c;
                }
            }
            CHECK_STR(sorted, cases[i].want + 1, "query '%s' (any order) parsed %s", cases[i].q,
                      res.parsed);
        } else {
            CHECK_STR(got, cases[i].want, "query '%s' parsed %s", cases[i].q, res.parsed);
        }
        dl_results_release(&res);
    }

    /* The CJK form brings its group term, so the highlighter marks every form. */
    p = params("苏林");
    run(r, &p, &res);
    CHECK(has_term(&res, "XAto-lam") && has_term(&res, "苏林"), "苏林: terms for the highlighter");
    CHECK(strstr(res.parsed, "XAto-lam") != NULL, "苏林 parsed: %s", res.parsed);
    CHECK(res.nhits > 0 &&
              strcmp(res.hits[0].doc.body, docs[doc_index(res.hits[0].doc.id)].body) == 0,
          "hits carry their stored body");
    dl_results_release(&res);

    /* A field prefix covers one word, or a bracketed group. Xapian 1.4 looks
     * multi-word synonyms up without the field prefix, so the alias group
     * matches anywhere in the readout: 1 has Tô Lâm in its body only. */
    p = params("title:(su lin)");
    CHECK_STR(run(r, &p, &res), "2 1", "title:(su lin)");
    CHECK(res.relaxed == 0, "title:(su lin) parsed as is");
    dl_results_release(&res);
    p = params("title:to lam");
    run(r, &p, &res);
    CHECK(res.total == 3 && strstr(res.parsed, "ZSto") && strstr(res.parsed, "XAto-lam"),
          "title:to lam = (title:to AND lam) or the alias: %s", res.parsed);
    dl_results_release(&res);
}

static void test_filters_sorts(struct dl_db *r)
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
        {"", NULL, NULL, "Nobody", DL_SORT_RELEVANCE, ""},
        {"cooperation", NULL, NULL, "VNA/VNS", DL_SORT_DATE_ASC, "5 1"},
        {"cooperation", "2026-02-01", NULL, "VNA/VNS", DL_SORT_RELEVANCE, "1"},
        {"congratulate", NULL, NULL, NULL, DL_SORT_DATE_DESC, "1 2 4"},
        {"congratulate", NULL, NULL, NULL, DL_SORT_DATE_ASC, "2 1 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = params(cases[i].q);
        p.from = cases[i].from;
        p.to = cases[i].to;
        p.source = cases[i].source;
        p.sort = cases[i].sort;
        CHECK_STR(run(r, &p, &res), cases[i].want, "filter case %zu ('%s' sort %d)", i, cases[i].q,
                  (int)cases[i].sort);
        if (!*cases[i].q && !cases[i].source) {
            CHECK(res.nterms == 0, "match all has no term to highlight (%zu)", res.nterms);
        }
        if (cases[i].sort != DL_SORT_RELEVANCE && res.nhits) {
            CHECK(res.hits[0].score == 0.0, "date sorts report no score");
        }
        dl_results_release(&res);
    }

    /* A malformed date filter is an argument error, not a crash or a silent no-op. */
    p = params("");
    p.from = "2026-1-1";
    struct dl_error err = DL_ERROR_INIT;
    memset(&res, 0, sizeof res);
    CHECK(dl_db_search(r, &p, &res, &err) == DL_EINVAL, "bad from date");
    CHECK(strstr(err.msg, "2026-1-1") != NULL, "message names the date: %s", err.msg);
    dl_results_release(&res);

    /* Pagination: the second page of the date order. */
    p = params("");
    p.sort = DL_SORT_DATE_DESC;
    p.offset = 1;
    p.limit = 2;
    CHECK_STR(run(r, &p, &res), "5 2", "page offset 1 limit 2");
    CHECK(res.nhits == 2 && res.hits[0].rank == 2 && res.hits[1].rank == 3, "ranks of page 2");
    CHECK(res.total == 5 && res.total_exact == 1, "total of all pages %lu", res.total);
    dl_results_release(&res);
    p.offset = 4;
    CHECK_STR(run(r, &p, &res), "4", "last page");
    dl_results_release(&res);
    p.offset = 10;
    CHECK_STR(run(r, &p, &res), "", "past the end");
    CHECK(res.total == 5, "total past the end %lu", res.total);
    dl_results_release(&res);
    p.offset = 0;
    p.limit = 0;
    CHECK_STR(run(r, &p, &res), "", "limit 0: count only");
    CHECK(res.total == 5, "count only total %lu", res.total);
    dl_results_release(&res);

    /* Facets: years newest first (undated not counted), sources most frequent first. */
    p = params("");
    p.want_facets = 1;
    run(r, &p, &res);
    CHECK(res.nyears == 3, "3 years, got %zu", res.nyears);
    if (res.nyears == 3) {
        CHECK_STR(res.years[0].value, "2026", "year 0");
        CHECK(res.years[0].count == 2, "2026 count %lu", res.years[0].count);
        CHECK_STR(res.years[1].value, "2025", "year 1");
        CHECK_STR(res.years[2].value, "2024", "year 2");
        CHECK(res.years[2].count == 1, "2024 count");
    }
    CHECK(res.nsources == 3, "3 sources, got %zu", res.nsources);
    if (res.nsources == 3) {
        CHECK_STR(res.sources[0].value, "VNA/VNS", "top source as written");
        CHECK(res.sources[0].count == 2, "VNA/VNS count %lu", res.sources[0].count);
        CHECK(res.sources[1].count == 1 && res.sources[2].count == 1, "other sources");
    }
    dl_results_release(&res);

    p = params("cooperation");
    p.want_facets = 1;
    run(r, &p, &res);
    CHECK(res.nyears == 1 && res.nsources == 1, "facets follow the query");
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
        p = params("");
        p.want_facets = 1;
        p.offset = again[i].offset;
        p.limit = again[i].limit;
        p.sort = again[i].sort;
        p.source = again[i].source;
        CHECK_STR(run(r, &p, &res), again[i].want, "facets again %zu", i);
        CHECK(res.total == again[i].total && res.total_exact, "facets again %zu: total %lu", i,
              res.total);
        unsigned long y2026 = 0;
        for (size_t k = 0; k < res.nyears; k++) {
            y2026 += strcmp(res.years[k].value, "2026") == 0 ? res.years[k].count : 0;
        }
        CHECK(y2026 == again[i].y2026 && res.nsources == (again[i].source ? 1u : 3u),
              "facets again %zu: 2026 count %lu, %zu sources", i, y2026, res.nsources);
        dl_results_release(&res);
    }
    p = params("cooperation");
    run(r, &p, &res);
    CHECK(res.nyears == 0 && res.years == NULL, "no facets unless asked");
    dl_results_release(&res);
}

static void test_fallback_and_suggest(struct dl_db *r)
{
    struct dl_results res;
    struct dl_search_params p = params("lam AND");
    p.fallback = "lam and";
    const char *got = run(r, &p, &res);
    CHECK(res.relaxed == 1, "malformed query relaxed");
    CHECK(strlen(got) > 0, "relaxed query still finds lam: '%s'", got);
    dl_results_release(&res);

    p = params("lam AND");
    p.fallback = NULL;
    struct dl_error err = DL_ERROR_INIT;
    memset(&res, 0, sizeof res);
    int rc = dl_db_search(r, &p, &res, &err);
    CHECK(rc == DL_EPARSE, "no fallback: DL_EPARSE, got %d", rc);
    CHECK(strstr(err.msg, "Syntax") != NULL, "parse message: %s", err.msg);
    dl_results_release(&res);

    /* The suggestion is the normalised query with its misspelt words replaced;
     * operators, fields, wildcards and numbers stay as they are. */
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
    };
    for (size_t i = 0; i < sizeof spell / sizeof spell[0]; i++) {
        p = params(spell[i].q);
        run(r, &p, &res);
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

static void test_get(struct dl_db *r)
{
    struct dl_readout d;
    struct dl_error err = DL_ERROR_INIT;
    memset(&d, 0, sizeof d);
    CHECK(dl_db_get(r, "vn/001.txt", &d, &err) == 0, "get 1: %s", err.msg);
    CHECK_STR(d.id, "vn/001.txt", "id");
    CHECK_STR(d.title, docs[D1].title, "title");
    CHECK_STR(d.date, "2026-02-04", "date");
    CHECK_STR(d.dateline, "HÀ NỘI", "dateline kept as written");
    CHECK_STR(d.source, "VNA/VNS", "source");
    CHECK_STR(d.url, NULL, "absent url");
    CHECK_STR(d.lang, NULL, "absent lang");
    CHECK_STR(d.body, docs[D1].body, "body is the original text");
    dl_readout_release(&d);

    CHECK(dl_db_get(r, long_id, &d, &err) == 0, "get long id: %s", err.msg);
    CHECK_STR(d.id, long_id, "long id round trip");
    CHECK_STR(d.lang, "en", "lang");
    dl_readout_release(&d);
    char other_id[320];
    memcpy(other_id, long_id, sizeof other_id);
    other_id[299] = 'b'; /* same first 40 bytes: only the hash tells them apart */
    CHECK(dl_db_get(r, other_id, &d, &err) == DL_ENOTFOUND, "a long id differing at its end");

    CHECK(dl_db_get(r, "misc/004.txt", &d, &err) == 0, "get undated");
    CHECK_STR(d.title, NULL, "no title");
    CHECK_STR(d.date, NULL, "no date");
    dl_readout_release(&d);

    CHECK(dl_db_get(r, "nope", &d, &err) == DL_ENOTFOUND, "get missing");
    CHECK(strstr(err.msg, "nope") != NULL, "message: %s", err.msg);
    CHECK(d.id == NULL, "readout untouched on error");

    struct dl_buf h = DL_BUF_INIT;
    CHECK(dl_db_get_hash(r, "cn/002.txt", &h, &err) == 0, "get hash");
    CHECK_STR(h.buf, "hash-2", "hash value");
    CHECK(dl_db_get_hash(r, long_id, &h, &err) == 0, "get hash long id");
    CHECK_STR(h.buf, "hash-5", "hash value replaced, not appended");
    CHECK(dl_db_get_hash(r, "nope", &h, &err) == DL_ENOTFOUND, "hash missing");

    CHECK(dl_db_get_meta(r, DL_META_ALIASES, &h, &err) == 0, "meta aliases");
    CHECK_STR(h.buf, ALIASES, "alias text stored");
    CHECK(dl_db_get_meta(r, DL_META_SCHEMA, &h, &err) == 0, "meta schema");
    CHECK_STR(h.buf, DL_SCHEMA_VERSION, "schema stored");
    CHECK(dl_db_get_meta(r, "no-such-key", &h, &err) == 0 && h.len == 0, "missing key: empty");
    dl_buf_release(&h);

    struct dl_buf ids = DL_BUF_INIT;
    CHECK(dl_db_origin_ids(r, "jsonl:b", collect_id, &ids, &err) == 0, "origin ids (reader)");
    CHECK_STR(ids.buf, "2 4 5", "origin jsonl:b");
    dl_buf_release(&ids);

    struct dl_buf st = DL_BUF_INIT;
    dl_stem("congratulations", 15, &st);
    CHECK_STR(st.buf, "congratul", "dl_stem");
    dl_stem("lam", 3, &st);
    CHECK_STR(st.buf, "lam", "dl_stem replaces the contents");
    dl_buf_release(&st);
}

/* Writes after the first commit: replace, delete, discard, and a reader across commits. */
static void test_updates(struct dl_db *r)
{
    struct dl_error err = DL_ERROR_INIT;
    struct dl_results res;
    struct dl_search_params p;
    unsigned long rev0 = dl_db_revision(r);
    CHECK(rev0 > 0, "revision after the first commit: %lu", rev0);

    /* Freed without commit: nothing happened. */
    struct dl_db *w = NULL;
    CHECK(dl_db_open_write(&w, idx, &err) == 0, "reopen writer: %s", err.msg);
    struct dl_readout extra = {"x/new.txt", NULL, NULL, NULL, NULL, NULL, NULL, "zebra crossing"};
    CHECK(dl_db_put(w, &extra, "folder-a", "h", &err) == 0, "put extra");
    CHECK(dl_db_delete(w, "vn/001.txt", &err) == 0, "delete (to be discarded)");
    CHECK(dl_db_doccount(w) == NDOCS, "writer sees its pending changes");
    dl_db_free(w);
    int changed = -1;
    CHECK(dl_db_reopen(r, &changed, &err) == 0 && changed == 0, "nothing committed: %d", changed);
    CHECK(dl_db_doccount(r) == NDOCS, "doccount unchanged after discard");
    p = params("zebra");
    p.want_facets = 1; /* remembered: the counts must not outlive this revision */
    CHECK_STR(run(r, &p, &res), "", "discarded document is not searchable");
    CHECK(res.total == 0 && res.total_exact && res.nyears == 0, "no zebra, no years");
    dl_results_release(&res);

    /* Replace, delete, and commit twice while the reader keeps its old snapshot. */
    CHECK(dl_db_open_write(&w, idx, &err) == 0, "writer again: %s", err.msg);
    struct dl_readout d3 = docs[D3];
    d3.body = "Lam rode a zebra to the market.";
    CHECK(dl_db_put(w, &d3, "folder-a", "hash-3b", &err) == 0, "replace 3");
    CHECK(dl_db_doccount(w) == NDOCS, "replace keeps the doccount");
    CHECK(dl_db_delete(w, "misc/004.txt", &err) == 0, "delete 4: %s", err.msg);
    CHECK(dl_db_delete(w, "misc/004.txt", &err) == DL_ENOTFOUND, "delete twice");
    CHECK(dl_db_delete(w, "never", &err) == DL_ENOTFOUND, "delete unknown");
    CHECK(dl_db_commit(w, &err) == 0, "commit 1: %s", err.msg);
    for (int i = 0; i < 50; i++) { /* enough churn for glass to reuse the old blocks */
        char id[32];
        snprintf(id, sizeof id, "churn/%d", i);
        struct dl_readout c = {
            id,           "churn",
            "2020-01-01", NULL,
            "Churn",      NULL,
            NULL,         "filler words to rewrite the tables and reuse freed blocks"};
        dl_db_put(w, &c, "churn", "h", NULL);
    }
    CHECK(dl_db_commit(w, &err) == 0, "commit 2: %s", err.msg);
    for (int i = 0; i < 50; i++) {
        char id[32];
        snprintf(id, sizeof id, "churn/%d", i);
        dl_db_delete(w, id, NULL);
    }
    CHECK(dl_db_commit(w, &err) == 0, "commit 3: %s", err.msg);
    for (int round = 0; round < 4; round++) { /* rewrite everything: old blocks get reused */
        for (int i = 0; i < NDOCS; i++) {
            if (i != D3 && i != D4) {
                dl_db_put(w, &docs[i], origin_of[i], "hash", NULL);
            }
        }
        dl_db_put(w, &d3, "folder-a", "hash-3b", NULL);
        CHECK(dl_db_commit(w, &err) == 0, "commit round %d: %s", round, err.msg);
    }

    /* The old reader either still reads its revision or reopens by itself: never fails. */
    p = params("zebra");
    const char *got = run(r, &p, &res);
    CHECK(strcmp(got, "") == 0 || strcmp(got, "3") == 0, "reader across commits: '%s'", got);
    dl_results_release(&res);
    struct dl_readout d;
    memset(&d, 0, sizeof d);
    int rc = dl_db_get(r, "vn/001.txt", &d, &err);
    CHECK(rc == 0, "get across commits: %s", err.msg);
    dl_readout_release(&d);

    CHECK(dl_db_reopen(r, &changed, &err) == 0, "reopen: %s", err.msg);
    CHECK(dl_db_revision(r) > rev0, "revision moved: %lu > %lu", dl_db_revision(r), rev0);
    CHECK(dl_db_doccount(r) == NDOCS - 1, "doccount after delete: %lu", dl_db_doccount(r));
    p = params("zebra");
    p.want_facets = 1;
    CHECK_STR(run(r, &p, &res), "3", "replaced body is searched");
    CHECK(res.total == 1 && res.nyears == 1 && strcmp(res.years[0].value, "2024") == 0,
          "counts of the new revision, not the remembered ones: total %lu", res.total);
    dl_results_release(&res);
    p = params("toronto");
    CHECK_STR(run(r, &p, &res), "", "old body is gone");
    dl_results_release(&res);
    struct dl_buf h = DL_BUF_INIT;
    CHECK(dl_db_get_hash(r, "vn/003.txt", &h, &err) == 0, "hash after replace");
    CHECK_STR(h.buf, "hash-3b", "new hash");
    dl_buf_release(&h);
    memset(&d, 0, sizeof d);
    CHECK(dl_db_get(r, "misc/004.txt", &d, &err) == DL_ENOTFOUND, "deleted readout is gone");

    /* A large body survives the zstd round trip byte for byte (schema 3). */
    size_t biglen = 300000;
    char *big = malloc(biglen + 1);
    for (size_t i = 0; i < biglen; i++) {
        big[i] = "Tô Lâm met Xi Jinping in Hà Nội. "[i % 35]; /* 35 bytes, cut anywhere */
    }
    big[biglen] = '\0';
    struct dl_readout large = {"x/large.txt", "Large", NULL, NULL, NULL, NULL, NULL, big};
    CHECK(dl_db_put(w, &large, "o", "h", &err) == 0, "put large body");
    memset(&d, 0, sizeof d);
    CHECK(dl_db_get(w, "x/large.txt", &d, &err) == 0, "get large body: %s", err.msg);
    CHECK(d.body && strlen(d.body) == biglen && memcmp(d.body, big, biglen) == 0,
          "large body read back intact");
    dl_readout_release(&d);
    CHECK(dl_db_delete(w, "x/large.txt", &err) == 0, "delete large");
    free(big);

    /* An empty body is stored as empty (no value), and read back as "". */
    struct dl_readout empty = {"x/empty.txt", "Empty", NULL, NULL, NULL, NULL, NULL, ""};
    CHECK(dl_db_put(w, &empty, "o", "h", &err) == 0, "put empty body");
    memset(&d, 0, sizeof d);
    CHECK(dl_db_get(w, "x/empty.txt", &d, &err) == 0, "get empty body: %s", err.msg);
    CHECK(d.body && d.body[0] == '\0' && d.title && strcmp(d.title, "Empty") == 0,
          "empty body read back");
    dl_readout_release(&d);
    CHECK(dl_db_delete(w, "x/empty.txt", &err) == 0, "delete empty");

    /* Aliases replaced: the old synonyms go. */
    const char *table2 = "Đà Nẵng\tDanang\n";
    struct dl_aliases *a2 = NULL;
    CHECK(dl_aliases_parse(table2, strlen(table2), &a2, &err) == 0, "table 2");
    int written = -1;
    CHECK(dl_db_set_aliases(w, a2, table2, strlen(table2), &written, &err) == 0 && written == 1,
          "replace aliases: written %d", written);
    CHECK(dl_db_set_aliases(w, a2, table2, strlen(table2), &written, &err) == 0 && written == 0,
          "the same table again is not rewritten: written %d", written);
    CHECK(dl_db_put(w, &docs[D1], "folder-a", "hash-1", &err) == 0, "reindex 1 with table 2");
    CHECK(dl_db_commit(w, &err) == 0, "commit aliases");
    dl_db_free(w);
    dl_aliases_free(a2);
    CHECK(dl_db_reopen(r, NULL, &err) == 0, "reopen after aliases");
    p = params("su lin");
    CHECK_STR(run(r, &p, &res), "2", "old synonyms cleared (su lin only finds su lin)");
    dl_results_release(&res);
    p = params("danang");
    CHECK_STR(run(r, &p, &res), "1", "new synonym finds the reindexed 'Đà Nẵng'");
    dl_results_release(&res);
    p = params("苏林");
    CHECK_STR(run(r, &p, &res), "", "the CJK form went with its table");
    CHECK(!has_term(&res, "XAto-lam"), "苏林 no longer brings XAto-lam: %s", res.parsed);
    dl_results_release(&res);

    /* Readers and writers refuse each other's operations cleanly. */
    CHECK(dl_db_put(r, &extra, "o", "h", &err) == DL_EINVAL, "put on a reader");
    CHECK(dl_db_commit(r, &err) == DL_EINVAL, "commit on a reader");
}

/*
 * A reader whose revision a writer has overwritten (commits since its
 * snapshot reuse its blocks) gets DatabaseModifiedError from Xapian; the
 * shim reopens and reruns the search once, so the caller sees no error.
 * Needs an index big enough that the reader has to read blocks it does not
 * already hold in memory.
 */
static void test_modified(void)
{
    enum { N = 600 };
    char path[192], id[32], body[600];
    struct dl_error err = DL_ERROR_INIT;
    snprintf(path, sizeof path, "%s/churn", dir);
    struct dl_db *w = NULL, *r = NULL, *r2 = NULL;
    CHECK(dl_db_open_write(&w, path, &err) == 0, "churn writer: %s", err.msg);
    if (!w) {
        return;
    }
    dl_db_set_spelling(w, 0);
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            snprintf(id, sizeof id, "doc/%d", i);
            int len = snprintf(body, sizeof body, "%s common ", round ? "beta" : "alpha");
            for (int k = 0; k < 40 && len < 500; k++) {
                len += snprintf(body + len, sizeof body - (size_t)len, "w%dx%d ", i * 7 + k, round);
            }
            struct dl_readout d = {id, NULL, "2020-01-01", NULL, "S", NULL, NULL, body};
            dl_db_put(w, &d, "o", "h", NULL);
        }
        CHECK(dl_db_commit(w, &err) == 0, "churn commit %d: %s", round, err.msg);
        if (round == 0) {
            CHECK(dl_db_open_read(&r, path, &err) == 0, "churn reader: %s", err.msg);
            CHECK(dl_db_open_read(&r2, path, &err) == 0, "churn reader 2: %s", err.msg);
        }
    }
    dl_db_free(w);
    if (!r) {
        return;
    }
    struct dl_results res;
    struct dl_search_params p = params("common");
    p.limit = N;
    p.check_at_least = N;
    run(r, &p, &res);
    CHECK(res.total == N && res.nhits == N, "search after 3 foreign commits: %lu", res.total);
    /* The old revision's blocks were reused, so this is only possible through the retry. */
    CHECK(res.nhits && strstr(res.hits[0].doc.body, "beta") != NULL,
          "search reopened by itself and sees the newest revision");
    dl_results_release(&res);
    dl_db_free(r);

    struct dl_readout d;
    memset(&d, 0, sizeof d);
    int rc = dl_db_get(r2, "doc/599", &d, &err);
    CHECK(rc == 0, "get after 3 foreign commits: %s", err.msg);
    CHECK(d.body && strncmp(d.body, "beta", 4) == 0, "get reopened by itself: %s",
          d.body ? d.body : "(null)");
    dl_readout_release(&d);
    dl_db_free(r2);
}

static void test_open_errors(void)
{
    struct dl_db *db = (struct dl_db *)1;
    struct dl_error err = DL_ERROR_INIT;
    char missing[192];
    snprintf(missing, sizeof missing, "%s/does-not-exist", dir);
    int rc = dl_db_open_read(&db, missing, &err);
    CHECK(rc == DL_ENOTFOUND || rc == DL_EIO, "missing index: rc %d", rc);
    CHECK(db == NULL, "no handle on error");
    CHECK(strncmp(err.msg, "cannot open index '", 19) == 0 && strstr(err.msg, missing),
          "clear message: %s", err.msg);

    snprintf(missing, sizeof missing, "%s/no/such/parent", dir);
    rc = dl_db_open_write(&db, missing, &err);
    CHECK(rc != 0 && db == NULL, "writer in a missing directory: rc %d %s", rc, err.msg);

    /* A stub file naming the index opens like the index itself. */
    char stub[192];
    snprintf(stub, sizeof stub, "%s/all.stub", dir);
    FILE *f = fopen(stub, "w");
    fputs("# shards\nauto idx\n", f);
    fclose(f);
    rc = dl_db_open_read(&db, stub, &err);
    CHECK(rc == 0, "open stub: %s", err.msg);
    CHECK(dl_db_doccount(db) == NDOCS - 1, "stub doccount %lu", dl_db_doccount(db));
    dl_db_free(db);
    dl_db_free(NULL);
}

int main(void)
{
    memset(long_id, 'a', 300);
    memcpy(long_id + 38, "ộ", 3); /* straddles the 40-byte cut of bounded_term() */
    long_id[300] = '\0';

    snprintf(dir, sizeof dir, "/tmp/dl_test_db_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(idx, sizeof idx, "%s/idx", dir);

    build();
    struct dl_db *r = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_db_open_read(&r, idx, &err) == 0, "open read: %s", err.msg);
    if (r) {
        CHECK(dl_db_doccount(r) == NDOCS, "doccount %lu", dl_db_doccount(r));
        test_search(r);
        test_filters_sorts(r);
        test_fallback_and_suggest(r);
        test_get(r);
        test_updates(r);
        dl_db_free(r);
    }
    test_modified();
    test_open_errors();

    if (!getenv("DL_KEEP")) { /* DL_KEEP=1 leaves the indexes for xapian-delve */
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    return dl_test_report();
}
