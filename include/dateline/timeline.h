/*
 * timeline.h - the /search page's timeline: the month facet (facets.h) as a
 * small inline SVG bar chart, server-rendered.
 *
 * One bar per month from the oldest month with a match to the newest (the
 * months without one are gaps, so that the axis is time), at most
 * DL_TIMELINE_MAX_BARS of them: the newest; the matches of earlier months
 * are counted in the caption. Each bar with matches is a link to the search
 * restricted to its month (the caller writes the link: the page knows its
 * parameters), with a <title> ("March 2026: 12 readouts"). The chart
 * scales to its box (viewBox, width 100%), needs no script and no other
 * resource, and has text alternatives: an aria-label that sums it up and
 * a visually hidden table of the months and their counts.
 *
 * Undated readouts are in no month: the bars add up to the dated matches.
 */
#ifndef DATELINE_TIMELINE_H
#define DATELINE_TIMELINE_H

#include <stddef.h>

#include "dateline/buf.h"
#include "dateline/facets.h"

#define DL_TIMELINE_MAX_BARS 120 /* ten years of months */

/* One bar: a month and its matches. */
struct dl_timeline_bar {
    char month[8]; /* "YYYY-MM" */
    unsigned long count;
};

/*
 * The bars of months[0..n) (the month facet: "YYYY-MM" newest first; other values are
 * skipped), oldest first, every month between the oldest and the newest, into out[0..max);
 * returns how many. *earlier gets the matches of the months older than the first bar (when
 * the months span more than max).
 */
size_t dl_timeline_bars(const struct dl_facet *months, size_t n, struct dl_timeline_bar *out,
                        size_t max, unsigned long *earlier);

/* The first and last day of month "YYYY-MM" ("2024-02" -> "2024-02-01", "2024-02-29"): 1, or
 * 0 when month is not of that shape (from and to are then ""). */
int dl_timeline_month_range(const char *month, char from[11], char to[11]);

/* Write into b the href (HTML-escaped) of the search restricted to from..to ("YYYY-MM-DD"). */
typedef void (*dl_timeline_href_fn)(void *ctx, struct dl_buf *b, const char *from, const char *to);

/*
 * The timeline of months[0..n) as a <figure> into b (appended): nothing when no month has a
 * match. `from` and `to` are the search's own date filters ("" or NULL for none): the bar of
 * the month they select exactly is marked current.
 */
void dl_timeline_render(struct dl_buf *b, const struct dl_facet *months, size_t n, const char *from,
                        const char *to, dl_timeline_href_fn href, void *ctx);

#endif
