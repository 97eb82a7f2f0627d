/*
 * timeline.c - the month facet as an inline SVG bar chart (see timeline.h).
 *
 * The chart is drawn in a fixed coordinate box (VIEW_W x VIEW_H) that the
 * browser scales to the page's width; it holds no text (scaled text would be
 * unreadable on a phone), the words are in the caption, the bars' titles
 * and the hidden table.
 */
#include "dateline/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIEW_W 600.0 /* the viewBox */
#define VIEW_H 80.0
#define MIN_BAR 2.0 /* the height of a bar with one match among thousands: still seen */

static const char *const MONTH_NAMES[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

/* "YYYY-MM" as months since year 0 (year * 12 + month - 1), or -1 when not of that shape. */
static long month_index(const char *m)
{
    if (!m || strlen(m) != 7 || m[4] != '-') {
        return -1;
    }
    long v = 0;
    for (int i = 0; i < 7; i++) {
        if (i != 4 && (m[i] < '0' || m[i] > '9')) {
            return -1;
        }
        v = i == 4 ? v : v * 10 + (m[i] - '0');
    }
    long year = v / 100, month = v % 100;
    return month >= 1 && month <= 12 ? year * 12 + month - 1 : -1;
}

/* The key of bar `index` (a month index, or a year with per_year) into out[0..8): "YYYY-MM"
 * or "YYYY" (years 0..9999: four digits). */
static void format_key(long index, int per_year, char out[8])
{
    long y = (per_year ? index : index / 12) % 10000, m = index % 12 + 1;
    for (int i = 3; i >= 0; i--, y /= 10) {
        out[i] = (char)('0' + y % 10);
    }
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[per_year ? 4 : 7] = '\0';
}

/* The newest and oldest month indexes of months[0..n): 1, or 0 when none is valid. */
static int month_span(const struct dl_facet *months, size_t n, long *newest, long *oldest)
{
    *newest = *oldest = -1;
    for (size_t i = 0; i < n; i++) {
        long k = month_index(months[i].value);
        if (k >= 0) {
            *newest = *newest < 0 || k > *newest ? k : *newest;
            *oldest = *oldest < 0 || k < *oldest ? k : *oldest;
        }
    }
    return *newest >= 0;
}

size_t dl_timeline_bars(const struct dl_facet *months, size_t n, struct dl_timeline_bar *out,
                        size_t max, unsigned long *earlier)
{
    long newest, oldest;
    *earlier = 0;
    if (!month_span(months, n, &newest, &oldest) || max == 0) {
        return 0;
    }
    /* Too many months for the bars: a bar per year (a key is then a year). */
    int per_year = (size_t)(newest - oldest + 1) > max;
    long unit = per_year ? 12 : 1, span = newest / unit - oldest / unit + 1;
    size_t nb = (size_t)span < max ? (size_t)span : max;
    long first = newest / unit - (long)nb + 1;
    for (size_t i = 0; i < nb; i++) {
        format_key(first + (long)i, per_year, out[i].key);
        out[i].count = 0;
    }
    for (size_t i = 0; i < n; i++) {
        long k = month_index(months[i].value);
        if (k >= 0 && k / unit >= first) {
            out[k / unit - first].count += months[i].count;
        } else if (k >= 0) {
            *earlier += months[i].count;
        }
    }
    return nb;
}

static int leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The year of key "YYYY" (1 into *per_year) or "YYYY-MM" (0, and its month index), or -1. */
static long key_index(const char *key, int *per_year)
{
    *per_year = key && strlen(key) == 4 && strspn(key, "0123456789") == 4;
    return *per_year ? atol(key) : month_index(key);
}

int dl_timeline_range(const char *key, char from[11], char to[11])
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int per_year;
    long k = key_index(key, &per_year);
    from[0] = to[0] = '\0';
    if (k < 0) {
        return 0;
    }
    long first = per_year ? k * 12 : k, last = per_year ? k * 12 + 11 : k;
    int day = days[last % 12] + (last % 12 == 1 && leap(last / 12));
    format_key(first, 0, from);
    memcpy(from + 7, "-01", 4);
    format_key(last, 0, to);
    to[7] = '-';
    to[8] = (char)('0' + day / 10);
    to[9] = (char)('0' + day % 10);
    to[10] = '\0';
    return 1;
}

/* "March 2026" of "2026-03", "2026" of "2026". */
static void add_key_name(struct dl_buf *b, const char *key)
{
    int per_year;
    long k = key_index(key, &per_year);
    if (per_year) {
        dl_buf_addf(b, "%ld", k);
    } else {
        dl_buf_addf(b, "%s %ld", MONTH_NAMES[k % 12], k / 12);
    }
}

static void add_readouts(struct dl_buf *b, unsigned long n)
{
    dl_buf_addf(b, "%lu readout%s", n, n == 1 ? "" : "s");
}

/* The index of the bar with the most matches (the first of equals). */
static size_t busiest(const struct dl_timeline_bar *bars, size_t nb)
{
    size_t top = 0;
    for (size_t i = 1; i < nb; i++) {
        top = bars[i].count > bars[top].count ? i : top;
    }
    return top;
}

/* "month" or "year": what a bar counts. */
static const char *unit_of(const struct dl_timeline_bar *bars)
{
    return strlen(bars[0].key) == 4 ? "year" : "month";
}

/* "Readouts per month, January 2021 to August 2026; the most in March 2024: 412 readouts" */
static void add_summary(struct dl_buf *b, const struct dl_timeline_bar *bars, size_t nb)
{
    size_t top = busiest(bars, nb);
    dl_buf_addf(b, "Readouts per %s, ", unit_of(bars));
    add_key_name(b, bars[0].key);
    if (nb > 1) {
        dl_buf_adds(b, " to ");
        add_key_name(b, bars[nb - 1].key);
    }
    dl_buf_adds(b, "; the most in ");
    add_key_name(b, bars[top].key);
    dl_buf_adds(b, ": ");
    add_readouts(b, bars[top].count);
}

/* The search's own date filters, which mark the bar they select exactly. */
struct current {
    const char *from, *to; /* "" or NULL for none */
};

/* One bar: a link around a full-height (invisible) column, easy to hit, and the bar itself. */
static void add_bar(struct dl_buf *b, const struct dl_timeline_bar *bar, double x, double slot,
                    double h, const struct current *cur, dl_timeline_href_fn href, void *ctx)
{
    char from[11], to[11];
    dl_timeline_range(bar->key, from, to);
    int current = cur->from && cur->to && strcmp(cur->from, from) == 0 && strcmp(cur->to, to) == 0;
    dl_buf_adds(b, "<a href=\"");
    href(ctx, b, from, to);
    dl_buf_addf(b, "\"%s><title>", current ? " class=\"current\" aria-current=\"true\"" : "");
    add_key_name(b, bar->key);
    dl_buf_adds(b, ": ");
    add_readouts(b, bar->count);
    dl_buf_addf(b,
                "</title><rect class=\"col\" x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"%.0f\" "
                "fill-opacity=\"0\"/><rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                "height=\"%.2f\" fill=\"currentColor\"/></a>\n",
                x, slot, VIEW_H, x + slot * 0.1, VIEW_H - h, slot * 0.8, h);
}

static void add_svg(struct dl_buf *b, const struct dl_timeline_bar *bars, size_t nb,
                    const struct current *cur, dl_timeline_href_fn href, void *ctx)
{
    double slot = VIEW_W / (double)nb;
    unsigned long top = bars[busiest(bars, nb)].count;
    dl_buf_addf(b,
                "<svg viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" height=\"72\" "
                "preserveAspectRatio=\"none\" role=\"group\" aria-label=\"",
                VIEW_W, VIEW_H);
    add_summary(b, bars, nb);
    dl_buf_adds(b, "\" xmlns=\"http://www.w3.org/2000/svg\">\n");
    for (size_t i = 0; i < nb; i++) {
        if (bars[i].count) {
            double h = (double)bars[i].count / (double)top * (VIEW_H - 1);
            add_bar(b, &bars[i], slot * (double)i, slot, h < MIN_BAR ? MIN_BAR : h, cur, href, ctx);
        }
    }
    dl_buf_addf(b,
                "<line class=\"axis\" x1=\"0\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
                "stroke=\"currentColor\" stroke-width=\"1\"/>\n</svg>\n",
                VIEW_H - 0.5, VIEW_W, VIEW_H - 0.5);
}

/* The bars with matches, as a table for screen readers. */
static void add_table(struct dl_buf *b, const struct dl_timeline_bar *bars, size_t nb)
{
    const char *unit = unit_of(bars);
    dl_buf_addf(b,
                "<table class=\"visually-hidden\"><caption>Readouts per %s</caption><thead><tr>"
                "<th scope=\"col\">%s</th><th scope=\"col\">Readouts</th></tr></thead><tbody>\n",
                unit, unit[0] == 'y' ? "Year" : "Month");
    for (size_t i = 0; i < nb; i++) {
        if (bars[i].count) {
            dl_buf_adds(b, "<tr><td>");
            add_key_name(b, bars[i].key);
            dl_buf_addf(b, "</td><td>%lu</td></tr>\n", bars[i].count);
        }
    }
    dl_buf_adds(b, "</tbody></table>\n");
}

void dl_timeline_render(struct dl_buf *b, const struct dl_facet *months, size_t n, const char *from,
                        const char *to, dl_timeline_href_fn href, void *ctx)
{
    struct dl_timeline_bar bars[DL_TIMELINE_MAX_BARS];
    unsigned long earlier = 0;
    size_t nb = dl_timeline_bars(months, n, bars, DL_TIMELINE_MAX_BARS, &earlier);
    if (nb == 0) {
        return;
    }
    struct current cur = {from, to};
    dl_buf_adds(b, "<figure class=\"timeline\">\n");
    add_svg(b, bars, nb, &cur, href, ctx);
    dl_buf_adds(b, "<figcaption>");
    add_summary(b, bars, nb);
    if (earlier) {
        dl_buf_adds(b, " (and ");
        add_readouts(b, earlier);
        dl_buf_adds(b, " before, not drawn)");
    }
    dl_buf_adds(b, "</figcaption>\n");
    add_table(b, bars, nb);
    dl_buf_adds(b, "</figure>\n");
}
