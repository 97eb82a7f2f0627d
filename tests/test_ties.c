/* test_ties.c - one order for ties: runs found by weight (within 1e-9) and sort value, ordered
 * by the sort value where it follows the weight, then by collapse value or name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/ties.h"
#include "dl_test.h"

/* Names of docids: "n<docid>" with the digits reversed, so that name order is not docid
 * order; docid 99 cannot be named. */
static int calls;
static int name_of(void *ctx, unsigned docid, char **name, struct dl_error *err)
{
    (void)ctx;
    calls++;
    if (docid == 99) {
        *name = NULL;
        return dl_error_set(err, DL_EIO, "cannot read document 99");
    }
    char b[16];
    snprintf(b, sizeof b, "n%u%u", docid % 10, docid / 10);
    *name = strdup(b);
    return DL_OK;
}

struct m {
    unsigned docid;
    double weight;
    const char *collapse, *sort;
};

/* Each case: an order, matches as Xapian returned them, the docids wanted, reads wanted. */
static const struct {
    enum dl_ties_sort by;
    struct m in[6];
    const char *want;
    int reads;
} CASES[] = {
    /* no ties: untouched, nothing read */
    {DL_TIES_WEIGHT, {{1, 3.0, "", ""}, {2, 2.0, "", ""}, {3, 1.0, "", ""}}, "1 2 3", 0},
    /* equal weights, no collapse values: by name (n21 < n31 < n41 ... from docids 12, 13, 14) */
    {DL_TIES_WEIGHT, {{14, 2.0, "", ""}, {12, 2.0, "", ""}, {13, 2.0, "", ""}}, "12 13 14", 3},
    /* weights equal but for their last bits, as over shards */
    {DL_TIES_WEIGHT,
     {{5, 9.0, "", ""}, {14, 28.341609226546176, "", ""}, {12, 28.341609226546172, "", ""}},
     "5 12 14",
     2},
    /* a relative 1e-6 apart is no tie */
    {DL_TIES_WEIGHT, {{14, 2.000002, "", ""}, {12, 2.0, "", ""}}, "14 12", 0},
    /* distinct collapse values order a run without reading */
    {DL_TIES_WEIGHT, {{1, 2.0, "c9", ""}, {2, 2.0, "a1", ""}, {3, 2.0, "b5", ""}}, "2 3 1", 0},
    /* one collapse value missing: names */
    {DL_TIES_WEIGHT, {{13, 2.0, "c9", ""}, {12, 2.0, "", ""}}, "12 13", 2},
    /* by the sort value first: only the same value ties */
    {DL_TIES_KEY_THEN_WEIGHT,
     {{14, 0.0, "", "2024"}, {13, 0.0, "", "2024"}, {12, 0.0, "", "2023"}},
     "13 14 12",
     2},
    /* relevance, then the value descending: an equal weight orders by value again */
    {DL_TIES_WEIGHT_THEN_KEY_DESC,
     {{1, 5.0, "", "a"}, {2, 4.999999999999999, "", "c"}, {3, 5.0, "", "b"}},
     "2 3 1",
     0},
    {DL_TIES_WEIGHT_THEN_KEY_ASC,
     {{1, 5.0, "", "b"}, {2, 5.0, "", "a"}, {13, 5.0, "", "a"}, {12, 5.0, "", "a"}},
     "2 12 13 1",
     3}, /* names of the three "a" only: n20 n21 n31 */
};

static void run_cases(void)
{
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        struct dl_match v[6];
        size_t n = 0;
        memset(v, 0, sizeof v);
        for (; n < 6 && CASES[i].in[n].docid; n++) {
            v[n].docid = CASES[i].in[n].docid;
            v[n].weight = CASES[i].in[n].weight;
            snprintf(v[n].collapse_key, sizeof v[n].collapse_key, "%s", CASES[i].in[n].collapse);
            snprintf(v[n].sort_key, sizeof v[n].sort_key, "%s", CASES[i].in[n].sort);
        }
        struct dl_error err = DL_ERROR_INIT;
        calls = 0;
        CHECK(dl_ties_order(v, n, CASES[i].by, name_of, NULL, &err) == DL_OK, "case %zu: %s", i,
              err.msg);
        char got[64] = "";
        for (size_t k = 0; k < n; k++) {
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%u", k ? " " : "", v[k].docid);
        }
        CHECK_STR(got, CASES[i].want, "case %zu", i);
        CHECK(calls == CASES[i].reads, "case %zu: %d names read, not %d", i, calls, CASES[i].reads);
    }
}

static void test_errors(void)
{
    struct dl_match v[2] = {{12, 1.0, 0, "", ""}, {99, 1.0, 0, "", ""}};
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_ties_order(v, 2, DL_TIES_WEIGHT, name_of, NULL, &err) == DL_EIO &&
              strstr(err.msg, "99"),
          "a name that cannot be read: %s", err.msg);
    CHECK(v[0].docid == 12 && v[1].docid == 99, "the run is left as it was");
    CHECK(dl_ties_order(v, 0, DL_TIES_WEIGHT, name_of, NULL, &err) == DL_OK, "nothing to order");
    CHECK(dl_ties_equal(1.0, 1.0 + 1e-12) && !dl_ties_equal(1.0, 1.001) && dl_ties_equal(0, 0),
          "what a tie is");
}

/* When a run of ties crosses the margin around a page, a wider one is needed. */
static void test_cut(void)
{
    struct dl_match v[6] = {{1, 5.0, 0, "", ""}, {2, 4.0, 0, "", ""}, {3, 3.0, 0, "", ""},
                            {4, 3.0, 0, "", ""}, {5, 2.0, 0, "", ""}, {6, 1.0, 0, "", ""}};
    /* page v[1..3): 4.0 and 3.0, 3 more after it */
    CHECK(!dl_ties_cut(v, 6, 1, 2, 1, 1), "no run crosses the margin");
    v[5].weight = 3.0; /* the page's last ties with the last found: more may follow */
    CHECK(dl_ties_cut(v, 6, 1, 2, 1, 1), "a run crosses the end");
    CHECK(!dl_ties_cut(v, 6, 1, 2, 1, 0), "... but nothing follows");
    v[0].weight = 4.0; /* the page's first ties with the first found */
    CHECK(dl_ties_cut(v, 6, 1, 2, 1, 0), "a run crosses the start");
    CHECK(!dl_ties_cut(v, 6, 1, 2, 0, 0), "... but it is the first match");
    CHECK(!dl_ties_cut(v, 1, 1, 2, 1, 1), "nothing on the page");
    /* every weight 0 (browsing newest first): dates decide the edge, not ties */
    const char *dates[6] = {"20260105", "20260104", "20260103", "20260102", "20260101", "2025"};
    for (int i = 0; i < 6; i++) {
        v[i].weight = 0;
        snprintf(v[i].sort_key, sizeof v[i].sort_key, "%s", dates[i]);
    }
    CHECK(!dl_ties_cut(v, 6, 1, 2, 1, 1), "no tie outright");
    snprintf(v[5].sort_key, sizeof v[5].sort_key, "%s", "20260103");
    CHECK(dl_ties_cut(v, 6, 1, 2, 1, 1), "one date across the edge");
}

int main(void)
{
    test_cut();
    run_cases();
    test_errors();
    return dl_test_report();
}
