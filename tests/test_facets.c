/*
 * test_facets.c - the cache of exact totals and facets: hits, misses, eviction, revisions;
 * source facets merged to count what their filters find.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"

#include "dateline/common.h"
#include "dateline/facets.h"
#include "dl_test.h"

static struct dl_facet years[2] = {{"2026", 3}, {"2025", 1}};
static struct dl_facet sources[1] = {{"VNA", 4}};

/* Facets written "VALUE:COUNT|VALUE:COUNT" into v (values allocated): how many. */
static size_t parse_facets(const char *text, struct dl_facet *v, size_t cap)
{
    size_t n = 0;
    for (const char *p = text; *p && n < cap; n++) {
        const char *end = p + strcspn(p, "|");
        const char *colon = end;
        while (*colon != ':') {
            colon--;
        }
        v[n].value = dl_xstrndup(p, (size_t)(colon - p));
        v[n].count = strtoul(colon + 1, NULL, 10);
        p = *end ? end + 1 : end;
    }
    return n;
}

/* dl_facet_sources_merge, "VALUE:COUNT|..." in and out. */
static void test_sources_merge(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"VNA/VNS:3|VNA:2", "VNA:5|VNA/VNS:3"}, /* VNA's filter finds VNA/VNS too */
        {"VNS:1|VNA/VNS:2|VNA:1", "VNA:3|VNS:3|VNA/VNS:2"},
        {"Xinhua:4|Reuters:1", "Xinhua:4|Reuters:1"}, /* nothing combined: as counted */
        {"CCTV / Xinhua:2|Xinhua:1|CCTV:1", "CCTV:3|Xinhua:3|CCTV / Xinhua:2"},
        {"vna vns:1|VNA/VNS:3", "VNA/VNS:4"}, /* one slug: one facet, the frequent spelling */
        {"vna vns:2|VNA/VNS:2", "VNA/VNS:4"}, /* a tie: the first value */
        {"Xinhua/Xinhua:2|Xinhua:1", "Xinhua:3|Xinhua/Xinhua:2"},
        {"—:2|VNA:1", "—:2|VNA:1"}, /* no slug: kept as counted */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_facet v[8];
        size_t n = parse_facets(cases[i].in, v, 8);
        dl_facet_sources_merge(v, &n);
        struct dl_buf got = DL_BUF_INIT;
        for (size_t k = 0; k < n; k++) {
            dl_buf_addf(&got, "%s%s:%lu", k ? "|" : "", v[k].value, v[k].count);
            free(v[k].value);
        }
        CHECK_STR(got.buf, cases[i].want, "merge '%s'", cases[i].in);
        dl_buf_release(&got);
    }
}

/* dl_facet_split: "NAMES:COUNT|..." in (names joined by '\n'), "NAME:COUNT|..." out. */
static void test_split(void)
{
    static const struct {
        const char *in;
        size_t max;
        const char *want;
    } cases[] = {
        {"Tô Lâm\nXi Jinping:3|Xi Jinping:2|Wang Yi\nXi Jinping:1", 10,
         "Xi Jinping:6|Tô Lâm:3|Wang Yi:1|"},
        {"b\na:2|a\nb:2|c:4", 10, "a:4|b:4|c:4|"}, /* ties by name */
        {"b\na:2|a\nb:2|c:4", 2, "a:4|b:4|"},
        {"a\n\nb:1|:5", 10, "a:1|b:1|"}, /* empty names are no names */
        {"", 10, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_facet v[8];
        char buf[256], *save = NULL;
        size_t n = 0;
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        for (char *tok = strtok_r(buf, "|", &save); tok && n < 8;
             tok = strtok_r(NULL, "|", &save)) {
            char *colon = strrchr(tok, ':');
            *colon = '\0';
            v[n++] = (struct dl_facet){tok, strtoul(colon + 1, NULL, 10)};
        }
        struct dl_facet_list out;
        dl_facet_split(v, n, "\n", cases[i].max, &out);
        struct dl_buf got = DL_BUF_INIT;
        for (size_t k = 0; k < out.n; k++) {
            dl_buf_addf(&got, "%s:%lu|", out.v[k].value, out.v[k].count);
            free(out.v[k].value);
        }
        free(out.v);
        CHECK_STR(got.buf ? got.buf : "", cases[i].want, "split '%s' (max %zu)", cases[i].in,
                  cases[i].max);
        dl_buf_release(&got);
    }
    CHECK_STR(dl_facet_name(DL_FACET_PEOPLE), "people", "facet names");
    CHECK_STR(dl_facet_name(DL_FACET_COUNT), "", "no name past the last");
}

/* dl_facet_days: day values in value order in, years or months newest first out. */
static void test_days(void)
{
    static const struct {
        const char *in;
        int months;
        const char *want;
    } cases[] = {
        {"20260105:2|20260131:1|20260201:4", 1, "2026-02:4|2026-01:3"},
        {"20260105:2|20260131:1|20260201:4", 0, "2026:7"},
        {"19870226:1|20251231:2|20260101:3", 1, "2026-01:3|2025-12:2|1987-02:1"},
        {"19870226:1|20251231:2|20260101:3", 0, "2026:3|2025:2|1987:1"},
        {"2026:1|2026010:1|20260101x:1|20260101:5", 1, "2026-01:5"}, /* not days: left out */
        {"20260101:1|abcdefgh:2|20260115:1", 1, "2026-01:2"},        /* a bad value between two */
        {"", 1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_facet v[8];
        struct dl_facet_list out;
        size_t n = parse_facets(cases[i].in, v, 8);
        dl_facet_days(v, n, cases[i].months, &out);
        struct dl_buf got = DL_BUF_INIT;
        dl_buf_adds(&got, "");
        for (size_t k = 0; k < out.n; k++) {
            dl_buf_addf(&got, "%s%s:%lu", k ? "|" : "", out.v[k].value, out.v[k].count);
            free(out.v[k].value);
        }
        for (size_t k = 0; k < n; k++) {
            free(v[k].value);
        }
        free(out.v);
        CHECK_STR(got.buf, cases[i].want, "%s of '%s'", cases[i].months ? "months" : "years",
                  cases[i].in);
        dl_buf_release(&got);
    }
    CHECK_STR(dl_facet_name(DL_FACET_MONTH), "month", "the month facet's name");
}

int main(void)
{
    test_sources_merge();
    test_split();
    test_days();
    struct dl_fcache *c = dl_fcache_new(3);
    struct dl_facet_counts v = {4, 1, {{years, 2}, {sources, 1}}};
    CHECK(dl_fcache_get(c, "a", 1, 7) == NULL, "an empty cache misses");
    dl_fcache_put(c, "a", 1, 7, &v);
    v.total = 99; /* the cache keeps its own copy */
    years[0].value = "changed";
    const struct dl_facet_counts *got = dl_fcache_get(c, "a", 1, 7);
    CHECK(got && got->total == 4 && got->f[DL_FACET_YEAR].n == 2 &&
              strcmp(got->f[DL_FACET_YEAR].v[0].value, "2026") == 0 &&
              got->f[DL_FACET_SOURCE].v[0].count == 4 && got->f[DL_FACET_PEOPLE].n == 0,
          "a hit gives what was put, copied");
    years[0].value = "2026";
    CHECK(dl_fcache_get(c, "ab", 2, 7) == NULL && dl_fcache_get(c, "a\0", 2, 7) == NULL,
          "keys are compared whole");

    dl_fcache_put(c, "b", 1, 7, &v);
    dl_fcache_put(c, "c", 1, 7, &v);
    CHECK(dl_fcache_get(c, "a", 1, 7) != NULL, "a is used again");
    dl_fcache_put(c, "d", 1, 7, &v); /* full: the least recently used, b, goes */
    CHECK(dl_fcache_get(c, "b", 1, 7) == NULL, "the least recently used entry was evicted");
    CHECK(dl_fcache_get(c, "a", 1, 7) && dl_fcache_get(c, "c", 1, 7) && dl_fcache_get(c, "d", 1, 7),
          "the others stay");
    dl_fcache_put(c, "a", 1, 7, &(struct dl_facet_counts){1, 0, {{NULL, 0}}});
    CHECK(dl_fcache_get(c, "a", 1, 7)->total == 4, "a key already there is not replaced");

    CHECK(dl_fcache_get(c, "a", 1, 8) == NULL, "another revision: everything is forgotten");
    CHECK(dl_fcache_get(c, "c", 1, 7) == NULL, "also when asked about the old one again");
    dl_fcache_put(c, "e", 1, 8, &v);
    dl_fcache_clear(c);
    CHECK(dl_fcache_get(c, "e", 1, 8) == NULL, "cleared");

    struct dl_facet_counts copy = {0};
    dl_facet_counts_copy(&copy, &v);
    CHECK(copy.f[DL_FACET_YEAR].n == 2 && copy.f[DL_FACET_YEAR].v[1].value != years[1].value,
          "a deep copy");
    CHECK(copy.total == 99 && copy.total_exact == 1, "with the total and whether it is exact");
    dl_facet_counts_release(&copy);
    v.total_exact = 0;
    dl_facet_counts_copy(&copy, &v);
    CHECK(copy.total_exact == 0, "an estimate stays an estimate");
    dl_facet_counts_release(&copy);
    CHECK(copy.f[DL_FACET_YEAR].v == NULL && copy.f[DL_FACET_YEAR].n == 0, "released and zeroed");
    dl_fcache_free(c);
    dl_fcache_free(NULL);
    return dl_test_report();
}
