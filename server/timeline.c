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

/* "YYYY-MM" of a month index into out[0..8) (years 0..9999: four digits). */
static void format_month(long index, char out[8])
{
    long y = index / 12 % 10000, m = index % 12 + 1;
    for (int i = 3; i >= 0; i--, y /= 10) {
        out[i] = (char)('0' + y % 10);
    }
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '\0';
}

size_t dl_timeline_bars(const struct dl_facet *months, size_t n, struct dl_timeline_bar *out,
                        size_t max, unsigned long *earlier)
{
    long newest = -1, oldest = -1;
    *earlier = 0;
    for (size_t i = 0; i < n; i++) {
        long k = month_index(months[i].value);
        if (k >= 0) {
            newest = newest < 0 || k > newest ? k : newest;
            oldest = oldest < 0 || k < oldest ? k : oldest;
        }
    }
    if (newest < 0 || max == 0) {
        return 0;
    }
    size_t nb = (size_t)(newest - oldest + 1) < max ? (size_t)(newest - oldest + 1) : max;
    long first = newest - (long)nb + 1;
    for (size_t i = 0; i < nb; i++) {
        format_month(first + (long)i, out[i].month);
        out[i].count = 0;
    }
    for (size_t i = 0; i < n; i++) {
        long k = month_index(months[i].value);
        if (k >= first) {
            out[k - first].count += months[i].count;
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

int dl_timeline_month_range(const char *month, char from[11], char to[11])
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long k = month_index(month);
    from[0] = to[0] = '\0';
    if (k < 0) {
        return 0;
    }
    int last = days[k % 12] + (k % 12 == 1 && leap(k / 12));
    format_month(k, from);
    memcpy(from + 7, "-01", 4);
    format_month(k, to);
    to[7] = '-';
    to[8] = (char)('0' + last / 10);
    to[9] = (char)('0' + last % 10);
    to[10] = '\0';
    return 1;
}

/* "March 2026" of "2026-03". */
static void add_month_name(struct dl_buf *b, const char *month)
{
    long k = month_index(month);
    dl_buf_addf(b, "%s %ld", MONTH_NAMES[k % 12], k / 12);
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

/* "readouts per month from January 2021 to August 2026; the most, 412, in March 2024" */
static void add_summary(struct dl_buf *b, const struct dl_timeline_bar *bars, size_t nb)
{
    size_t top = busiest(bars, nb);
    dl_buf_adds(b, "Readouts per month, ");
    add_month_name(b, bars[0].month);
    if (nb > 1) {
        dl_buf_adds(b, " to ");
        add_month_name(b, bars[nb - 1].month);
    }
    dl_buf_adds(b, "; the most in ");
    add_month_name(b, bars[top].month);
    dl_buf_adds(b, ": ");
    add_readouts(b, bars[top].count);
}

/* One bar: a link around a full-height (invisible) column, easy to hit, and the bar itself. */
static void add_bar(struct dl_buf *b, const struct dl_timeline_bar *bar, double x, double slot,
                    double h, int current, dl_timeline_href_fn href, void *ctx)
{
    char from[11], to[11];
    dl_timeline_month_range(bar->month, from, to);
    dl_buf_adds(b, "<a href=\"");
    href(ctx, b, from, to);
    dl_buf_addf(b, "\"%s><title>", current ? " class=\"current\" aria-current=\"true\"" : "");
    add_month_name(b, bar->month);
    dl_buf_adds(b, ": ");
    add_readouts(b, bar->count);
    dl_buf_addf(b,
                "</title><rect class=\"col\" x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"%.0f\" "
                "fill-opacity=\"0\"/><rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                "height=\"%.2f\" fill=\"currentColor\"/></a>\n",
                x, slot, VIEW_H, x + slot * 0.1, VIEW_H - h, slot * 0.8, h);
}

static void add_svg(struct dl_buf *b, const struct dl_timeline_bar *bars, size_t nb,
                    const char *current, dl_timeline_href_fn href, void *ctx)
{
    double slot = VIEW_W / (double)nb;
    unsigned long top = bars[busiest(bars, nb)].count;
    dl_buf_addf(
        b,
        "<svg viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" height=\"72\" preserveAspectRatio=\"none\" "
        "role=\"group\" aria-label=\"",
        VIEW_W, VIEW_H);
    add_summary(b, bars, nb);
    dl_buf_adds(b, "\" xmlns=\"http://www.w3.org/2000/svg\">\n");
    for (size_t i = 0; i < nb; i++) {
        if (bars[i].count) {
            double h = (double)bars[i].count / (double)top * (VIEW_H - 1);
            add_bar(b, &bars[i], slot * (double)i, slot, h < MIN_BAR ? MIN_BAR : h,
                    current && strcmp(current, bars[i].month) == 0, href, ctx);
        }
    }
    dl_buf_addf(b,
                "<line class=\"axis\" x1=\"0\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
                "stroke=\"currentColor\" stroke-width=\"1\"/>\n</svg>\n",
                VIEW_H - 0.5, VIEW_W, VIEW_H - 0.5);
}

/* The months with matches, as a table for screen readers. */
static void add_table(struct dl_buf *b, const struct dl_timeline_bar *bars, size_t nb)
{
    dl_buf_adds(b, "<table class=\"visually-hidden\"><caption>Readouts per month</caption>"
                   "<thead><tr><th scope=\"col\">Month</th><th scope=\"col\">Readouts</th></tr>"
                   "</thead><tbody>\n");
    for (size_t i = 0; i < nb; i++) {
        if (bars[i].count) {
            dl_buf_adds(b, "<tr><td>");
            add_month_name(b, bars[i].month);
            dl_buf_addf(b, "</td><td>%lu</td></tr>\n", bars[i].count);
        }
    }
    dl_buf_adds(b, "</tbody></table>\n");
}

/* The month that from..to selects exactly ("YYYY-MM"), or "" . */
static void current_month(const char *from, const char *to, char out[8])
{
    char f[11], t[11];
    out[0] = '\0';
    if (from && to && strlen(from) == 10 && memcmp(from, to, 7) == 0) {
        memcpy(out, from, 7);
        out[7] = '\0';
        if (!dl_timeline_month_range(out, f, t) || strcmp(f, from) || strcmp(t, to)) {
            out[0] = '\0';
        }
    }
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
    char current[8];
    current_month(from, to, current);
    dl_buf_adds(b, "<figure class=\"timeline\">\n");
    add_svg(b, bars, nb, current, href, ctx);
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
