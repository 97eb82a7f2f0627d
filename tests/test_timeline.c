/*
 * test_timeline.c - the /search page's timeline: bars from the month facet (gaps filled, the
 * newest kept), month ranges (leap years), and the SVG: a link and a title per bar with
 * matches, the current month marked, the text alternatives.
 */
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"
#include "dateline/timeline.h"
#include "dl_test.h"

/* "YYYY-MM:COUNT|..." into v (values borrowed from a static copy): how many. */
static size_t parse(const char *text, struct dl_facet *v, size_t cap, char *store)
{
    size_t n = 0;
    strcpy(store, text);
    for (char *p = store; *p && n < cap; n++) {
        char *end = p + strcspn(p, "|");
        char *colon = strchr(p, ':');
        *colon = '\0';
        v[n].value = p;
        v[n].count = strtoul(colon + 1, NULL, 10);
        p = *end ? end + 1 : end;
    }
    return n;
}

static void test_bars(void)
{
    static const struct {
        const char *in;
        size_t max;
        const char *want; /* bars oldest first, then "<earlier" */
        unsigned long earlier;
    } cases[] = {
        {"2026-03:4|2026-01:2", 10, "2026-01:2|2026-02:0|2026-03:4", 0},
        {"2026-01:1|2025-11:3", 10, "2025-11:3|2025-12:0|2026-01:1", 0}, /* over a new year */
        {"2026-03:4|2026-01:2|2025-12:5", 5, "2025-12:5|2026-01:2|2026-03:4", 0}, /* 2 + last */
        {"2026-03:4|2026-01:2|2025-12:5", 2, "2025:5|2026:6", 0},         /* more months: years */
        {"2026-03:4|1987-05:1|1987-02:2", 40, "1987:3|1988:0|2026:4", 0}, /* 40 years */
        {"2026-03:4|1987-05:1|1987-02:2", 39, "1988:0|1989:0|2026:4", 3}, /* the newest */
        {"2026-03:4|bad:9|2026-13:9|2026-3:9", 10, "2026-03:4", 0},       /* others skipped */
        {"1987-02:2|", 10, "1987-02:2", 0},
        {"", 10, "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_facet v[8];
        char store[128];
        struct dl_timeline_bar bars[64];
        unsigned long earlier = 99;
        size_t n = parse(cases[i].in, v, 8, store);
        size_t nb = dl_timeline_bars(v, n, bars, cases[i].max, &earlier);
        struct dl_buf got = DL_BUF_INIT;
        dl_buf_adds(&got, "");
        for (size_t k = 0; k < nb; k++) {
            if (k < 2 || k == nb - 1) { /* the first two and the last */
                dl_buf_addf(&got, "%s%s:%lu", k ? "|" : "", bars[k].key, bars[k].count);
            }
        }
        CHECK_STR(got.buf, cases[i].want, "bars of '%s' (%zu)", cases[i].in, cases[i].max);
        CHECK(earlier == cases[i].earlier, "earlier of '%s': %lu", cases[i].in, earlier);
        dl_buf_release(&got);
    }
}

static void test_ranges(void)
{
    static const struct {
        const char *month, *from, *to;
    } cases[] = {
        {"2024-02", "2024-02-01", "2024-02-29"},
        {"2026-02", "2026-02-01", "2026-02-28"},
        {"1900-02", "1900-02-01", "1900-02-28"},
        {"2000-02", "2000-02-01", "2000-02-29"},
        {"2026-12", "2026-12-01", "2026-12-31"},
        {"2026-04", "2026-04-01", "2026-04-30"},
        {"2026-00", "", ""},
        {"2026-1", "", ""},
        {"", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char from[11], to[11];
        int ok = dl_timeline_range(cases[i].month, from, to);
        CHECK(ok == (cases[i].from[0] != '\0'), "range of '%s' valid", cases[i].month);
        CHECK_STR(from, cases[i].from, "first day of '%s'", cases[i].month);
        CHECK_STR(to, cases[i].to, "last day of '%s'", cases[i].month);
    }
}

static void href(void *ctx, struct dl_buf *b, const char *from, const char *to)
{
    (void)ctx;
    dl_buf_addf(b, "/search?q=x&amp;from=%s&amp;to=%s", from, to);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static void test_render(void)
{
    struct dl_facet v[4];
    char store[128];
    size_t n = parse("2024-03:12|2024-02:1|2023-12:3", v, 4, store);
    struct dl_buf b = DL_BUF_INIT;
    dl_timeline_render(&b, v, n, "2024-02-01", "2024-02-29", href, NULL);
    CHECK(strstr(b.buf, "<svg viewBox=\"0 0 600 80\" width=\"100%\"") != NULL, "an inline SVG");
    CHECK(count(b.buf, "<a href=") == 3, "a link per month with matches (not January)");
    CHECK(strstr(b.buf, "href=\"/search?q=x&amp;from=2024-03-01&amp;to=2024-03-31\"") != NULL,
          "a bar links to its month");
    CHECK(strstr(b.buf, "<title>March 2024: 12 readouts</title>") != NULL &&
              strstr(b.buf, "<title>February 2024: 1 readout</title>") != NULL,
          "a title per bar");
    CHECK(count(b.buf, "aria-current") == 1 &&
              strstr(b.buf, "aria-current=\"true\"><title>February 2024") != NULL,
          "the month filtered on is current");
    CHECK(strstr(b.buf, "aria-label=\"Readouts per month, December 2023 to March 2024; the "
                        "most in March 2024: 12 readouts\"") != NULL,
          "the chart's summary");
    CHECK(strstr(b.buf, "<table class=\"visually-hidden\">") != NULL &&
              count(b.buf, "<tr><td>") == 3 &&
              strstr(b.buf, "<tr><td>December 2023</td><td>3</td></tr>") != NULL,
          "a hidden table of the months with matches");
    CHECK(strstr(b.buf, "<script") == NULL && count(b.buf, "http") == 1,
          "no script, no address but the SVG namespace");
    dl_buf_reset(&b);
    dl_timeline_render(&b, v, n, "2024-02-01", "2024-03-31", href, NULL);
    CHECK(count(b.buf, "aria-current") == 0, "two months selected: none current");
    dl_buf_reset(&b);
    n = parse("2026-03:4|1987-02:2", v, 4, store); /* 470 months: a bar per year */
    dl_timeline_render(&b, v, n, "1987-01-01", "1987-12-31", href, NULL);
    CHECK(count(b.buf, "<a href=") == 2 &&
              strstr(b.buf, "href=\"/search?q=x&amp;from=1987-01-01&amp;to=1987-12-31\" "
                            "class=\"current\" aria-current=\"true\"><title>1987: 2 readouts") &&
              strstr(b.buf, "aria-label=\"Readouts per year, 1987 to 2026; the most in 2026: "
                            "4 readouts\"") &&
              strstr(b.buf, "<th scope=\"col\">Year</th>"),
          "years: a bar per year, linking to the year, the year filtered on current");
    dl_buf_reset(&b);
    dl_timeline_render(&b, v, 0, NULL, NULL, href, NULL);
    CHECK(b.len == 0, "no month: no timeline");
    dl_buf_release(&b);
}

int main(void)
{
    test_bars();
    test_ranges();
    test_render();
    return dl_test_report();
}
