/*
 * fuzz_query.c - the query language end to end on arbitrary bytes: the
 * parser's tree (well formed, its canonical form stable), the names
 * of an alias table, the Xapian query the shim builds from it, and a whole
 * search (filters, facets, spelling) on a small index made at
 * start in /dev/shm (memory; /tmp where there is none). Never crashes,
 * never fails but with a client's error.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/fold.h"
#include "dateline/qbuild.h"
#include "dateline/query.h"
#include "dateline/searcher.h"
#include "dateline/store.h"

static const char ALIASES[] = "Tô Lâm\tTo Lam\tSu Lin\t苏林\nViệt Nam\tVietnam\t越南\n";
static const char *const BODIES[] = {
    "General Secretary Tô Lâm met President Xi Jinping in Hà Nội; congratulations on the talks.",
    "Su Lin and Xi Jinping: a phone call. 越南和中国发展友好关系。首页新闻",
    "Lam went to the market in Toronto. Strategy, strategic partnership, 2026 plans.",
};

static char dir[64];
static struct dl_searcher *searcher;
static struct dl_aliases *aliases;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    dl_searcher_free(searcher);
    dl_aliases_free(aliases);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(dir, sizeof dir, "%s/dl_fuzz_query_XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    struct dl_store *w = NULL;
    char idx[96];
    if (!mkdtemp(dir) || snprintf(idx, sizeof idx, "%s/idx", dir) < 0 ||
        dl_store_open(&w, idx, NULL) != DL_OK ||
        dl_aliases_parse(ALIASES, strlen(ALIASES), &aliases, NULL) != DL_OK ||
        dl_store_set_aliases(w, aliases, ALIASES, strlen(ALIASES), NULL, NULL) != DL_OK) {
        abort();
    }
    for (size_t i = 0; i < 3; i++) {
        char id[8], date[16];
        snprintf(id, sizeof id, "d%zu", i);
        snprintf(date, sizeof date, "202%zu-01-1%zu", 4 + i, i);
        struct dl_readout r = {id,   "Talks",          date, "HÀ NỘI", i ? "Xinhua" : "VNA", NULL,
                               NULL, (char *)BODIES[i]};
        if (dl_store_put(w, &r, "fuzz", "h", NULL) != DL_OK) {
            abort();
        }
    }
    if (dl_store_commit(w, NULL) != DL_OK) {
        abort();
    }
    dl_store_free(w);
    if (dl_searcher_open(&searcher, idx, NULL) != DL_OK) {
        abort();
    }
    atexit(cleanup);
    return 0;
}

/*
 * The canonical form is canonical: once written and parsed again it stays
 * the same. (Not always after the first pass: a word whose folded form holds
 * what the tokenizer cuts, such as NFKC's "l\u00b7" for U+0140, is written as
 * folded and read again as two words.)
 */
static void check_round_trip(const struct dl_qtree *t)
{
    struct dl_buf a = DL_BUF_INIT, b = DL_BUF_INIT;
    struct dl_qtree u = DL_QTREE_INIT;
    dl_qtree_format(t, &a);
    for (int pass = 0; pass < 2; pass++) {
        if (!dl_utf8_valid(a.buf, a.len) || dl_query_parse(&u, a.buf, a.len, NULL) != DL_OK) {
            abort();
        }
        dl_buf_reset(&b);
        dl_qtree_format(&u, &b);
        if (pass == 1 && strcmp(a.buf, b.buf) != 0) {
            abort();
        }
        dl_buf_reset(&a);
        dl_buf_add(&a, b.buf, b.len);
    }
    dl_qtree_release(&u);
    dl_buf_release(&a);
    dl_buf_release(&b);
}

/* Offsets inside the input, children before parents. */
static void check_tree(const struct dl_qtree *t, size_t size)
{
    for (size_t i = 0; i < t->nnodes; i++) {
        const struct dl_qnode *nd = &t->nodes[i];
        if (nd->start > nd->end || nd->end > size || strlen(nd->text) != nd->len) {
            abort();
        }
        for (size_t k = 0; k < nd->n; k++) {
            if (t->kids[nd->first + k] >= i) {
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dl_qtree t = DL_QTREE_INIT;
    if (dl_query_parse(&t, (const char *)data, size, NULL) != DL_OK) {
        dl_qtree_release(&t);
        return 0;
    }
    check_tree(&t, size);
    check_round_trip(&t);

    /* The shim's query, alone and with every table state. */
    struct dl_xq *q = dl_xq_new();
    struct dl_qbuild o = {aliases, 5};
    for (int k = 0; k < 2; k++) {
        struct dl_terms terms = DL_TERMS_INIT;
        dl_qtree_alias(&t, k ? aliases : NULL);
        dl_xq_reset(q);
        dl_qbuild(&t, &o, q, &terms);
        int rc = dl_xq_status(q, NULL);
        if (rc != DL_OK && rc != DL_EPARSE) {
            abort();
        }
        dl_terms_release(&terms);
    }
    dl_xq_free(q);

    /* A whole search, as the server runs it. */
    struct dl_search_params p = {.offset = size % 3,
                                 .limit = 1 + size % 4,
                                 .sort = size % 3,
                                 .check_at_least = 100,
                                 .max_wildcard = 5,
                                 .want_facets = (int)(size & 1),
                                 .time_limit = 1.0,
                                 .explain = size % 7 < 3,
                                 .source = size % 5 == 0 ? "VNA" : NULL};
    struct dl_results res;
    memset(&res, 0, sizeof res);
    struct dl_error err = DL_ERROR_INIT;
    int rc = dl_searcher_search(searcher, &t, &p, &res, &err);
    if (rc != DL_OK && rc != DL_EPARSE) {
        fprintf(stderr, "search failed: %d %s\n", rc, err.msg);
        abort();
    }
    if (rc == DL_OK && (res.nhits > p.limit || res.total > 3)) {
        abort();
    }
    int explained = rc == DL_OK && p.explain && p.sort == DL_SORT_RELEVANCE && !res.relaxed;
    for (size_t i = 0; explained && i < res.nhits; i++) {
        /* explain: the parts' weights add up to the score (past the parts left out) */
        double sum = 0;
        for (size_t k = 0; k < res.hits[i].explain.nparts; k++) {
            sum += res.hits[i].explain.parts[k].weight;
        }
        if (res.hits[i].explain.nparts < DL_EXPLAIN_MAX_PARTS &&
            fabs(sum - res.hits[i].score) > 1e-6 * (1 + res.hits[i].score)) {
            fprintf(stderr, "explain: parts %g, score %g\n", sum, res.hits[i].score);
            abort();
        }
    }
    dl_results_release(&res);
    dl_qtree_release(&t);
    return 0;
}
