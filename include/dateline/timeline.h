/*
 * timeline.h - the /search page's timeline: the month facet (facets.h) as a
 * small inline SVG bar chart, server-rendered.
 *
 * One bar per month from the oldest month with a match to the newest (the
 * months without one are gaps, so that the axis is time); when they are
 * more than DL_TIMELINE_MAX_BARS, one bar per year instead (Reuters' 1987
 * and the 2020s in one index), and past that many years the newest; the
 * matches before the first bar are counted in the caption. Each bar with
 * matches is a link to the search restricted to its month or year (the
 * caller writes the link: the page knows its parameters), with a <title>
 * ("March 2026: 12 readouts"). The chart
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

/* One bar: a month or a year, and its matches. */
struct dl_timeline_bar {
    char key[8]; /* "YYYY-MM", or "YYYY" when the bars are years */
    unsigned long count;
};

/*
 * The bars of months[0..n) (the month facet: "YYYY-MM" newest first; other values are
 * skipped), oldest first, every month between the oldest and the newest (every year, when
 * that is more than max months), into out[0..max); returns how many. *earlier gets the
 * matches before the first bar (when even the years are more than max).
 */
size_t dl_timeline_bars(const struct dl_facet *months, size_t n, struct dl_timeline_bar *out,
                        size_t max, unsigned long *earlier);

/* The first and last day of a bar's key: "2024-02" -> "2024-02-01", "2024-02-29"; "1987" ->
 * "1987-01-01", "1987-12-31". 1, or 0 when key is of neither shape (from and to are then ""). */
int dl_timeline_range(const char *key, char from[11], char to[11]);

/* Write into b the href (HTML-escaped) of the search restricted to from..to ("YYYY-MM-DD"). */
typedef void (*dl_timeline_href_fn)(void *ctx, struct dl_buf *b, const char *from, const char *to);

/*
 * The timeline of months[0..n) as a <figure> into b (appended): nothing when no month has a
 * match. `from` and `to` are the search's own date filters ("" or NULL for none): the bar
 * whose month or year they select exactly is marked current.
 */
void dl_timeline_render(struct dl_buf *b, const struct dl_facet *months, size_t n, const char *from,
                        const char *to, dl_timeline_href_fn href, void *ctx);

#endif
