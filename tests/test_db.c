/*
 * test_db.c - the Xapian shim's verbs on a real database in a temporary
 * directory: opening and locking, documents, terms, positions, metadata,
 * synonyms, spelling, the query builder, the Enquire (sorts, counts,
 * value counts, collapsing), relevance feedback, compaction, revisions,
 * and the statuses Xapian's errors become.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/db.h"
#include "dateline/stem.h"
#include "dl_test.h"

static char dir[64];

enum { CHURN = 600 }; /* documents rewritten by test_revisions() */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* Document k of the test set: words, a date value (slot 0), a group value (slot 1). */
static const struct {
    const char *id, *words, *date, *group;
} DOCS[] = {
    {"a", "alpha beta gamma alpha", "20260101", "x"},
    {"b", "beta gamma delta", "20250101", "y"},
    {"c", "gamma delta epsilon alphabet", "", "x"},
    {"d", "delta epsilon zeta alpha beta", "20240101", "y"},
};
enum { NDOCS = sizeof DOCS / sizeof DOCS[0] };

static int put(struct dl_db *w, struct dl_xdoc *d, int k, struct dl_error *err)
{
    char term[64];
    dl_xdoc_clear(d);
    unsigned pos = 0;
    const char *p = DOCS[k].words;
    while (*p) {
        size_t n = strcspn(p, " ");
        dl_xdoc_add_posting(d, p, n, ++pos);
        p += n + (p[n] == ' ');
    }
    snprintf(term, sizeof term, "Q%s", DOCS[k].id);
    dl_xdoc_add_boolean(d, term, strlen(term));
    dl_xdoc_add_term(d, "Zweighty", 8, 3);
    if (*DOCS[k].date) {
        dl_xdoc_set_value(d, 0, DOCS[k].date, 8);
    }
    dl_xdoc_set_value(d, 1, DOCS[k].group, 1);
    dl_xdoc_set_data(d, DOCS[k].id, strlen(DOCS[k].id) + 1); /* with its NUL: data is bytes */
    return dl_db_replace(w, term, strlen(term), d, err);
}

static void build(const char *path)
{
    struct dl_db *w = NULL, *w2 = NULL;
    struct dl_error err = DL_ERROR_INIT, err2 = DL_ERROR_INIT;
    CHECK(dl_db_open_write(&w, path, &err) == 0, "open for writing: %s", err.msg);
    if (!w) {
        return;
    }
    int rc = dl_db_open_write(&w2, path, &err2);
    CHECK(rc == DL_ELOCKED && w2 == NULL, "a second writer: rc %d", rc);
    CHECK(strstr(err2.msg, path) != NULL, "the lock message names the index: %s", err2.msg);

    struct dl_xdoc *d = dl_xdoc_new();
    int failed = 0;
    for (int k = 0; k < NDOCS; k++) {
        failed += put(w, d, k, &err) != DL_OK;
    }
    CHECK(failed == 0, "every document stored: %s", err.msg);
    unsigned long n = 0;
    CHECK(dl_db_doccount(w, &n, &err) == 0 && n == NDOCS,
          "the writer counts what it has not "
          "committed: %lu",
          n);
    CHECK(dl_db_set_meta(w, "k", "v\0w", 3, &err) == 0, "set metadata");
    const char *keys[2] = {"alfa", "beeta"}, *terms[2] = {"alpha", "beta"};
    CHECK(dl_db_set_synonyms(w, keys, terms, 2, &err) == 0, "set synonyms");
    CHECK(dl_db_add_spelling(w, "gamma", 5, 2, &err) == 0 &&
              dl_db_add_spelling(w, "gamma", 5, 1, &err) == 0 &&
              dl_db_add_spelling(w, "delta", 5, 1, &err) == 0,
          "spelling data");
    CHECK(dl_db_commit(w, &err) == 0, "commit: %s", err.msg);
    CHECK(dl_db_set_synonyms(w, NULL, NULL, 0, &err) == 0, "clear the synonyms");
    /* A document with an impossible term: the error comes at dl_db_replace (and Xapian then
     * drops the whole uncommitted batch, which is discarded here anyway). */
    char huge[300];
    memset(huge, 'x', sizeof huge);
    dl_xdoc_clear(d);
    dl_xdoc_add_term(d, huge, sizeof huge, 1);
    rc = dl_db_replace(w, "Qhuge", 5, d, &err);
    CHECK(rc == DL_EXAPIAN && strstr(err.msg, "too long"), "a term over 245 bytes: %s", err.msg);
    dl_xdoc_free(d);
    dl_xdoc_free(NULL);
    dl_db_free(w);
}

/* Documents where words[0..n) stand in this order within window positions (a phrase): how
 * the positions stored are seen. */
static unsigned long phrase(struct dl_db *db, const char *const *words, size_t n, unsigned window)
{
    struct dl_xq *q = dl_xq_new();
    struct dl_mset m = {0};
    struct dl_xenquire e = {DL_XSORT_RELEVANCE, 0, 0, 0, 0, NULL, 0, -1, {0, 0, 0, 0}, 0};
    for (size_t i = 0; i < n; i++) {
        dl_xq_term(q, words[i], strlen(words[i]), 1, 0);
    }
    dl_xq_combine(q, DL_XOP_PHRASE, n, window);
    unsigned long found = dl_db_enquire(db, q, &e, 0, 100, &m, NULL) == DL_OK ? m.estimated : 0;
    dl_mset_release(&m);
    dl_xq_free(q);
    return found;
}

static void test_documents(struct dl_db *r)
{
    struct dl_error err = DL_ERROR_INIT;
    unsigned long f = 0;
    CHECK(dl_db_termfreq(r, "gamma", 5, &f, &err) == 0 && f == 3, "termfreq gamma %lu", f);
    CHECK(dl_db_termfreq(r, "nothing", 7, &f, &err) == 0 && f == 0, "termfreq of no term");

    const char *ab[2] = {"alpha", "beta"}, *ga[2] = {"gamma", "alpha"}, *ba[2] = {"beta", "alpha"};
    CHECK(phrase(r, ab, 2, 2) == 2, "positions kept: 'alpha beta' in a and d");
    CHECK(phrase(r, ga, 2, 2) == 1, "... 'gamma alpha' in a (alpha at 1 and 4)");
    CHECK(phrase(r, ba, 2, 2) == 0, "... in their order: no 'beta alpha'");

    struct dl_buf data = DL_BUF_INIT, values[2] = {DL_BUF_INIT, DL_BUF_INIT};
    const unsigned slots[2] = {0, 1};
    CHECK(dl_db_document(r, 3, &data, slots, values, 2, &err) == 0, "document 3: %s", err.msg);
    CHECK(data.len == 2 && memcmp(data.buf, "c", 2) == 0, "its data, NUL and all");
    CHECK(values[0].len == 0 && strcmp(values[1].buf, "x") == 0, "its values ('' when unset)");
    CHECK(dl_db_document(r, 99, &data, NULL, NULL, 0, &err) == DL_ENOTFOUND, "no document 99");
    dl_buf_release(&data);
    dl_buf_release(&values[0]);
    dl_buf_release(&values[1]);

    struct dl_buf meta = DL_BUF_INIT;
    CHECK(dl_db_get_meta(r, "k", &meta, &err) == 0 && meta.len == 3 && meta.buf[2] == 'w',
          "metadata back, with its NUL");
    CHECK(dl_db_get_meta(r, "none", &meta, &err) == 0 && meta.len == 0, "missing key: ''");
    dl_buf_release(&meta);

    struct dl_buf s = DL_BUF_INIT;
    CHECK(dl_db_spelling(r, "gamme", 5, &s, &err) == 0, "spelling");
    CHECK_STR(s.buf, "gamma", "the spelling table was written at commit");
    dl_buf_release(&s);
}

static int collect(void *ctx, unsigned docid)
{
    struct dl_buf *b = ctx;
    dl_buf_addf(b, "%s%u", b->len ? " " : "", docid);
    return docid == 3 ? 7 : 0; /* stop after 3 */
}

static void test_postings(struct dl_db *r)
{
    struct dl_buf got = DL_BUF_INIT;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_db_postings(r, "delta", 5, collect, &got, &err) == 7, "the callback stops the walk");
    CHECK_STR(got.buf, "2 3", "delta's documents in docid order, up to the stop");
    dl_buf_reset(&got);
    CHECK(dl_db_postings(r, "nothing", 7, collect, &got, &err) == 0 && got.len == 0,
          "a term without documents");
    dl_buf_release(&got);
}

/* The docids of a match set, "1 3 2". */
static void ids(const struct dl_mset *m, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < m->n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%u", i ? " " : "", m->matches[i].docid);
    }
}

static void test_queries(void)
{
    struct dl_xq *q = dl_xq_new();
    struct dl_buf d = DL_BUF_INIT;
    struct dl_error err = DL_ERROR_INIT;
    static const struct {
        enum dl_xop op;
        const char *want;
    } ops[] = {
        {DL_XOP_AND, "Query((a@1 AND b@2))"},
        {DL_XOP_OR, "Query((a@1 OR b@2))"},
        {DL_XOP_AND_NOT, "Query((a@1 AND_NOT b@2))"},
        {DL_XOP_XOR, "Query((a@1 XOR b@2))"},
        {DL_XOP_AND_MAYBE, "Query((a@1 AND_MAYBE b@2))"},
        {DL_XOP_FILTER, "Query((a@1 FILTER b@2))"},
        {DL_XOP_NEAR, "Query((a@1 NEAR 3 b@2))"},
        {DL_XOP_PHRASE, "Query((a@1 PHRASE 3 b@2))"},
        {DL_XOP_SYNONYM, "Query((a@1 SYNONYM b@2))"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        dl_xq_reset(q);
        dl_xq_term(q, "a", 1, 1, 1);
        dl_xq_term(q, "b", 1, 1, 2);
        dl_xq_combine(q, ops[i].op, 2, 3);
        CHECK(dl_xq_status(q, &err) == 0 && dl_xq_depth(q) == 1, "op %zu builds", i);
        dl_xq_describe(q, &d, &err);
        CHECK_STR(d.buf, ops[i].want, "op %zu", i);
    }
    dl_xq_reset(q);
    dl_xq_wildcard(q, "alph", 4, 10);
    dl_xq_value_range(q, 0, "20250101", "");
    dl_xq_value_range(q, 0, NULL, "20251231");
    dl_xq_value_range(q, 0, "20250101", "20251231");
    dl_xq_all(q);
    dl_xq_scale(q, 0.0);
    CHECK(dl_xq_depth(q) == 5, "leaves stack up: %zu", dl_xq_depth(q));
    dl_xq_combine(q, DL_XOP_AND, 5, 0);
    dl_xq_describe(q, &d, &err);
    CHECK_STR(d.buf,
              "Query((WILDCARD SYNONYM alph AND VALUE_GE 0 20250101 AND VALUE_LE 0 20251231 AND "
              "VALUE_RANGE 0 20250101 20251231 AND 0 * <alldocuments>))",
              "leaves");
    /* The first error is kept, and what follows does nothing. */
    dl_xq_reset(q);
    dl_xq_term(q, "a", 1, 1, 0);
    dl_xq_combine(q, DL_XOP_AND, 2, 0);
    dl_xq_term(q, "b", 1, 1, 0);
    CHECK(dl_xq_status(q, &err) == DL_EINVAL && strstr(err.msg, "operands"), "too few operands: %s",
          err.msg);
    CHECK(dl_xq_depth(q) == 1, "nothing after the error: %zu", dl_xq_depth(q));
    dl_xq_reset(q);
    dl_xq_term(q, "a", 1, 1, 0);
    dl_xq_wildcard(q, "b", 1, 10);
    dl_xq_combine(q, DL_XOP_NEAR, 2, 3);
    CHECK(dl_xq_status(q, &err) == DL_EPARSE && strstr(err.msg, "refused"),
          "a query Xapian refuses: %s", err.msg);
    dl_buf_release(&d);
    dl_xq_free(q);
    dl_xq_free(NULL);
}

static void test_enquire(struct dl_db *r)
{
    struct dl_xq *q = dl_xq_new();
    struct dl_error err = DL_ERROR_INIT;
    struct dl_mset m = {0};
    char got[64];
    static const unsigned slots[1] = {1};
    struct dl_xenquire e = {DL_XSORT_RELEVANCE, 0, 0, 0, 100, slots, 1, -1, {0, 0, 0, 0}, 0};

    dl_xq_term(q, "alpha", 5, 1, 1);
    CHECK(dl_db_enquire(r, q, &e, 0, 10, &m, &err) == 0, "enquire: %s", err.msg);
    ids(&m, got, sizeof got);
    CHECK_STR(got, "1 4", "alpha: the document with it twice first");
    CHECK(m.matches[0].weight > m.matches[1].weight && m.max_possible > 0, "weights fall");
    CHECK(m.estimated == 2 && m.lower == 2 && m.upper == 2, "exact counts");
    CHECK(m.ncount == 1 && m.nvalues[0] == 2, "one slot counted, two values");
    if (m.ncount == 1 && m.nvalues[0] == 2) {
        CHECK(strcmp(m.values[0][0].value, "x") == 0 && m.values[0][0].count == 1 &&
                  strcmp(m.values[0][1].value, "y") == 0 && m.values[0][1].count == 1,
              "value counts, in value order");
    }
    double plain = m.n ? m.matches[0].weight : 0;
    dl_mset_release(&m);

    /* The weighting scheme is the caller's: BM25+ adds delta to every matching term; a
     * smaller k1 makes the second occurrence count for less. */
    static const struct {
        struct dl_xweight w;
        int more; /* 1: doc 1 weighs more than with Xapian's default, -1 less */
    } weights[] = {
        {{1.2, 0.75, 0.5, 1.0}, 1},
        {{0.5, 0.5, 0.5, 0.0}, -1},
    };
    for (size_t i = 0; i < sizeof weights / sizeof weights[0]; i++) {
        struct dl_xenquire w = {DL_XSORT_RELEVANCE, 0, 0, 0, 0, NULL, 0, -1, weights[i].w, 0};
        CHECK(dl_db_enquire(r, q, &w, 0, 10, &m, &err) == 0, "weighting %zu: %s", i, err.msg);
        double got_w = m.n ? m.matches[0].weight : 0;
        CHECK(m.n == 2 && (weights[i].more > 0 ? got_w > plain : got_w < plain),
              "weighting %zu: %g against Xapian's default %g", i, got_w, plain);
        dl_mset_release(&m);
    }

    /* A constant weight, ANDed with a term that adds none: every match weighs just that. */
    dl_xq_reset(q);
    dl_xq_term(q, "alpha", 5, 1, 1);
    dl_xq_scale(q, 0.0);
    dl_xq_constant(q, 0.25);
    dl_xq_combine(q, DL_XOP_AND, 2, 0);
    CHECK(dl_db_enquire(r, q, &e, 0, 10, &m, &err) == 0, "constant: %s", err.msg);
    CHECK(m.n == 2 && m.matches[0].weight == 0.25 && m.matches[1].weight == 0.25,
          "a constant bonus: %zu matches, %g", m.n, m.n ? m.matches[0].weight : 0.0);
    dl_mset_release(&m);
    dl_xq_reset(q);
    dl_xq_term(q, "alpha", 5, 1, 1);

    static const struct {
        enum dl_xsort sort;
        int descending;
        const char *want;
    } sorts[] = {
        {DL_XSORT_VALUE_THEN_RELEVANCE, 1, "1 2 4 3"}, /* newest first, undated last */
        {DL_XSORT_VALUE_MISSING_LAST, 0, "4 2 1 3"},   /* oldest first, undated last */
        {DL_XSORT_VALUE_MISSING_LAST, 1, "1 2 4 3"},
        {DL_XSORT_RELEVANCE_THEN_VALUE, 1, "1 2 4 3"}, /* all weights 0: by value */
    };
    dl_xq_reset(q);
    dl_xq_all(q);
    for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++) {
        struct dl_xenquire s = {sorts[i].sort, 0, sorts[i].descending, 0, 0, NULL, 0, -1,
                                {0, 0, 0, 0},  0};
        CHECK(dl_db_enquire(r, q, &s, 0, 10, &m, &err) == 0, "sort %zu: %s", i, err.msg);
        ids(&m, got, sizeof got);
        CHECK_STR(got, sorts[i].want, "sort %zu", i);
        CHECK(i < 3 || m.max_possible == 0, "everything weighs nothing");
        dl_mset_release(&m);
    }

    /* Collapsing on the group value keeps the best of each group. */
    dl_xq_reset(q);
    dl_xq_term(q, "gamma", 5, 1, 1);
    struct dl_xenquire c = {DL_XSORT_RELEVANCE, 0, 0, 0, 10, NULL, 0, 1, {0, 0, 0, 0}, 0};
    CHECK(dl_db_enquire(r, q, &c, 0, 10, &m, &err) == 0, "collapse: %s", err.msg);
    CHECK(m.n == 2 && m.matches[0].collapsed + m.matches[1].collapsed == 1,
          "3 gammas in 2 groups: %zu hits", m.n);
    dl_mset_release(&m);

    /* Pages. */
    dl_xq_reset(q);
    dl_xq_all(q);
    struct dl_xenquire pg = {
        DL_XSORT_VALUE_THEN_RELEVANCE, 0, 1, 0, 0, NULL, 0, -1, {0, 0, 0, 0}, 0};
    CHECK(dl_db_enquire(r, q, &pg, 1, 2, &m, &err) == 0, "a page");
    ids(&m, got, sizeof got);
    CHECK_STR(got, "2 4", "second and third");
    dl_mset_release(&m);

    dl_xq_reset(q);
    CHECK(dl_db_enquire(r, q, &e, 0, 10, &m, &err) == DL_EINVAL && m.n == 0 && !m.matches,
          "no query to run");
    dl_xq_free(q);
}

static int collect_wdf(void *ctx, const char *term, size_t len, unsigned long wdf)
{
    struct dl_buf *b = ctx;
    dl_buf_addf(b, "%s%.*s:%lu", b->len ? " " : "", (int)len, term, wdf);
    return 0;
}

/* What relevance feedback reads (cluster.c): a document's terms with their wdf, frequencies
 * over every part of a combined database, the mean length. */
static void test_feedback_stats(struct dl_db *r)
{
    struct dl_buf got = DL_BUF_INIT;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_db_doc_terms(r, 1, collect_wdf, &got, &err) == 0, "terms of 1: %s", err.msg);
    CHECK_STR(got.buf, "Qa:0 Zweighty:3 alpha:2 beta:1 gamma:1", "document 1's terms, wdf");
    CHECK(dl_db_doc_terms(r, 99, collect_wdf, &got, &err) == DL_ENOTFOUND, "no document 99");
    dl_buf_release(&got);

    const char *terms[] = {"gamma", "delta", "alpha", "nothere", "Qc"};
    const size_t lens[] = {5, 5, 5, 7, 2};
    unsigned long tf[5] = {0}, tf2[5] = {0};
    double avlen = 0, avlen2 = 0;
    CHECK(dl_db_termfreqs(r, terms, lens, 5, tf, &err) == 0, "termfreqs: %s", err.msg);
    CHECK(tf[0] == 3 && tf[1] == 3 && tf[2] == 2 && tf[3] == 0 && tf[4] == 1,
          "frequencies %lu %lu %lu %lu %lu", tf[0], tf[1], tf[2], tf[3], tf[4]);
    CHECK(dl_db_avlength(r, &avlen, &err) == 0 && avlen == 7.0, "mean length 28/4: %g", avlen);

    struct dl_db *both = NULL, *parts[2] = {r, r};
    CHECK(dl_db_combine(&both, parts, 2, &err) == 0, "combine: %s", err.msg);
    CHECK(both && dl_db_termfreqs(both, terms, lens, 5, tf2, &err) == 0 && tf2[0] == 6 &&
              tf2[2] == 4 && tf2[3] == 0 && tf2[4] == 2,
          "over two parts, every part counts: %lu %lu %lu %lu", tf2[0], tf2[2], tf2[3], tf2[4]);
    CHECK(both && dl_db_avlength(both, &avlen2, &err) == 0 && avlen2 == 7.0,
          "the same mean length: %g", avlen2);
    dl_db_free(both);
}

static void test_writer_only(struct dl_db *r)
{
    struct dl_error err = DL_ERROR_INIT;
    struct dl_xdoc *d = dl_xdoc_new();
    CHECK(dl_db_replace(r, "Qz", 2, d, &err) == DL_EINVAL, "replace on a reader");
    CHECK(dl_db_delete(r, "Qa", 2, &err) == DL_EINVAL, "delete on a reader");
    CHECK(dl_db_commit(r, &err) == DL_EINVAL && strstr(err.msg, "not opened for writing"),
          "commit on a reader: %s", err.msg);
    CHECK(dl_db_set_meta(r, "k", "v", 1, &err) == DL_EINVAL, "metadata on a reader");
    CHECK(dl_db_add_spelling(r, "w", 1, 1, &err) == DL_EINVAL, "spelling on a reader");
    CHECK(dl_db_retag(r, 1, 9, "XE", "k", 1, &err) == DL_EINVAL, "retag on a reader");
    dl_xdoc_free(d);
}

/* dl_db_retag: the value and the one prefixed term change, the rest of the document stays. */
static void test_retag(const char *path)
{
    struct dl_error err = DL_ERROR_INIT;
    struct dl_db *w = NULL;
    CHECK(dl_db_open_write(&w, path, &err) == 0, "open: %s", err.msg);
    if (!w) {
        return;
    }
    struct dl_xdoc *d = dl_xdoc_new();
    dl_xdoc_add_posting(d, "alpha", 5, 1);
    dl_xdoc_add_posting(d, "beta", 4, 2);
    dl_xdoc_add_boolean(d, "XEold", 5);
    dl_xdoc_add_boolean(d, "XF", 2);
    dl_xdoc_add_boolean(d, "XZ", 2);
    dl_xdoc_add_boolean(d, "Qr", 2);
    dl_xdoc_set_value(d, 9, "old", 3);
    dl_xdoc_set_data(d, "r", 1);
    CHECK(dl_db_replace(w, "Qr", 2, d, &err) == 0, "stored: %s", err.msg);
    CHECK(dl_db_retag(w, 1, 9, "XE", "new", 3, &err) == 0, "retag: %s", err.msg);
    unsigned long f[6] = {9, 9, 9, 9, 9, 9};
    const char *terms[6] = {"XEold", "XEnew", "XF", "XZ", "alpha", "Qr"};
    for (int i = 0; i < 6; i++) {
        dl_db_termfreq(w, terms[i], strlen(terms[i]), &f[i], &err);
    }
    CHECK(f[0] == 0 && f[1] == 1, "the old key term gone, the new one there: %lu %lu", f[0], f[1]);
    CHECK(f[2] == 1 && f[3] == 1 && f[4] == 1 && f[5] == 1, "the other terms kept");
    struct dl_buf v = DL_BUF_INIT;
    const unsigned slot = 9;
    CHECK(dl_db_document(w, 1, &v, &slot, &v, 1, &err) == 0 && strcmp(v.buf, "new") == 0,
          "the value: %s", v.buf);
    struct dl_xq *q = dl_xq_new();
    dl_xq_term(q, "alpha", 5, 1, 1);
    dl_xq_term(q, "beta", 4, 1, 2);
    dl_xq_combine(q, DL_XOP_PHRASE, 2, 2);
    struct dl_xenquire e = {.collapse_slot = -1};
    struct dl_mset m = {0};
    CHECK(dl_db_enquire(w, q, &e, 0, 10, &m, &err) == 0 && m.n == 1, "positions kept: a phrase");
    dl_mset_release(&m);
    CHECK(dl_db_retag(w, 7, 9, "XE", "k", 1, &err) != DL_OK, "no document 7");
    dl_xq_free(q);
    dl_buf_release(&v);
    dl_xdoc_free(d);
    dl_db_free(w);
}

/* Changes are invisible until committed, discarded when the writer goes without a commit. */
static void test_revisions(const char *path, struct dl_db *r)
{
    struct dl_error err = DL_ERROR_INIT;
    struct dl_db *w = NULL;
    unsigned long rev0 = dl_db_revision(r), n = 0;
    int changed = -1;
    CHECK(dl_db_open_write(&w, path, &err) == 0, "writer: %s", err.msg);
    CHECK(dl_db_delete(w, "Qa", 2, &err) == 0, "delete a");
    CHECK(dl_db_delete(w, "Qa", 2, &err) == DL_ENOTFOUND, "delete a twice");
    dl_db_free(w);
    CHECK(dl_db_reopen(r, &changed, &err) == 0 && changed == 0, "nothing committed");
    CHECK(dl_db_doccount(r, &n, &err) == 0 && n == NDOCS, "discarded: %lu", n);

    CHECK(dl_db_open_write(&w, path, &err) == 0, "writer again: %s", err.msg);
    CHECK(dl_db_delete(w, "Qa", 2, &err) == 0 && dl_db_commit(w, &err) == 0, "delete, commit");
    CHECK(dl_db_reopen(r, &changed, &err) == 0 && changed == 1, "the reader moves");
    CHECK(dl_db_revision(r) > rev0, "to a later revision");
    CHECK(dl_db_doccount(r, &n, &err) == 0 && n == NDOCS - 1, "without a: %lu", n);

    /* A reader two commits behind reads discarded blocks: DL_EMODIFIED, then reopen. */
    struct dl_db *old = NULL;
    struct dl_xdoc *d = dl_xdoc_new();
    int rc = DL_OK, failed = 0;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < CHURN; i++) {
            char id[32], word[32];
            snprintf(id, sizeof id, "Qchurn%d", i);
            dl_xdoc_clear(d);
            for (int k = 0; k < 40; k++) { /* words of this round only: every block changes */
                int n = snprintf(word, sizeof word, "w%dx%d", i * 7 + k, round);
                dl_xdoc_add_posting(d, word, (size_t)n, (unsigned)k + 1);
            }
            dl_xdoc_add_posting(d, "churn", 5, 41);
            dl_xdoc_set_data(d, "churn data", 10);
            dl_xdoc_add_boolean(d, id, strlen(id));
            failed += dl_db_replace(w, id, strlen(id), d, &err) != DL_OK;
        }
        failed += dl_db_commit(w, &err) != DL_OK;
        if (round == 0) {
            CHECK(dl_db_open_read(&old, path, &err) == 0, "a reader, soon behind");
        }
    }
    CHECK(failed == 0, "churn stored: %s", err.msg);
    struct dl_buf data = DL_BUF_INIT;
    for (unsigned id = 1; id <= 2 * CHURN && rc == DL_OK; id++) {
        rc = dl_db_document(old, id, &data, NULL, NULL, 0, &err);
        rc = rc == DL_ENOTFOUND ? DL_OK : rc;
    }
    CHECK(rc == DL_EMODIFIED && strstr(err.msg, "changed while reading"),
          "a reader behind two commits: rc %d %s", rc, err.msg);
    CHECK(dl_db_reopen(old, NULL, &err) == 0 &&
              dl_db_document(old, NDOCS + 1, &data, NULL, NULL, 0, &err) == 0 && data.len == 10 &&
              memcmp(data.buf, "churn data", 10) == 0,
          "after reopen it reads again");
    dl_buf_release(&data);
    dl_xdoc_free(d);
    dl_db_free(old);
    dl_db_free(w);
}

static void test_compact_and_stubs(const char *a)
{
    struct dl_error err = DL_ERROR_INIT;
    char b[192], merged[192], stub[192];
    path_of(b, sizeof b, "b");
    path_of(merged, sizeof merged, "merged");
    path_of(stub, sizeof stub, "two.stub");
    struct dl_db *w = NULL, *r = NULL;
    struct dl_xdoc *d = dl_xdoc_new();
    CHECK(dl_db_open_write(&w, b, &err) == 0, "second database");
    dl_xdoc_add_posting(d, "omega", 5, 1);
    CHECK(dl_db_replace(w, "Qomega", 6, d, &err) == 0 && dl_db_commit(w, &err) == 0, "one doc");
    dl_db_free(w);
    dl_xdoc_free(d);

    const char *srcs[2] = {a, b};
    CHECK(dl_db_compact(srcs, 2, merged, &err) == 0, "compact: %s", err.msg);
    CHECK(dl_db_compact(srcs, 0, merged, &err) == DL_EINVAL, "compact nothing");
    unsigned long n = 0;
    CHECK(dl_db_open_read(&r, merged, &err) == 0 && dl_db_doccount(r, &n, &err) == 0 &&
              n == CHURN + NDOCS - 1 + 1,
          "merged: %lu documents", n);
    dl_db_free(r);

    FILE *f = fopen(stub, "w");
    fprintf(f, "auto %s\nauto b\n", a);
    fclose(f);
    CHECK(dl_db_open_read(&r, stub, &err) == 0, "a stub of two: %s", err.msg);
    CHECK(dl_db_doccount(r, &n, &err) == 0 && n == CHURN + NDOCS - 1 + 1, "both counted: %lu", n);
    CHECK(dl_db_revision(r) == 0, "shards have no revision number");
    dl_db_free(r);
}

static void test_errors_and_stem(void)
{
    struct dl_db *db = (struct dl_db *)1;
    struct dl_error err = DL_ERROR_INIT;
    char missing[192];
    path_of(missing, sizeof missing, "does-not-exist");
    int rc = dl_db_open_read(&db, missing, &err);
    CHECK((rc == DL_ENOTFOUND || rc == DL_EIO) && db == NULL, "missing index: rc %d", rc);
    CHECK(strncmp(err.msg, "cannot open index '", 19) == 0 && strstr(err.msg, missing),
          "clear message: %s", err.msg);
    path_of(missing, sizeof missing, "no/such/parent");
    rc = dl_db_open_write(&db, missing, &err);
    CHECK(rc != 0 && db == NULL, "a writer in a missing directory: rc %d %s", rc, err.msg);
    dl_db_free(NULL);

    struct dl_buf st = DL_BUF_INIT;
    dl_stem("congratulations", 15, &st);
    CHECK_STR(st.buf, "congratul", "dl_stem");
    dl_stem("lam", 3, &st);
    CHECK_STR(st.buf, "lam", "dl_stem replaces the contents");
    dl_buf_release(&st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/dl_test_db_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char a[192];
    path_of(a, sizeof a, "a");
    build(a);
    struct dl_db *r = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_db_open_read(&r, a, &err) == 0, "open read: %s", err.msg);
    if (r) {
        test_documents(r);
        test_postings(r);
        test_enquire(r);
        test_feedback_stats(r);
        test_writer_only(r);
        test_revisions(a, r);
        dl_db_free(r);
        test_compact_and_stubs(a);
    }
    char rt[192];
    path_of(rt, sizeof rt, "retag");
    test_retag(rt);
    test_queries();
    test_errors_and_stem();
    if (!getenv("DL_KEEP")) {
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    return dl_test_report();
}
