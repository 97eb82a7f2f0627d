/*
 * prom.h - writing Prometheus' text exposition format (version 0.0.4).
 *
 * A scrape is metric families one after the other: each family is one
 * `# HELP` and one `# TYPE` line (dl_prom_family), then its samples
 * (dl_prom_sample / dl_prom_sample_u), one line each:
 *
 *     # HELP dateline_http_requests_total Requests answered, by route and status.
 *     # TYPE dateline_http_requests_total counter
 *     dateline_http_requests_total{route="/api/search",status="200"} 3
 *
 * The writer escapes what the format requires (in HELP text `\` and
 * newline; in label values `\`, `"` and newline) and writes values so
 * that they read back exactly: integers as integers, other numbers with
 * the fewest digits that round-trip, NaN, +Inf and -Inf by their names.
 * Metric and label names are the caller's and are not checked: they must
 * match [a-zA-Z_:][a-zA-Z0-9_:]* (label names without ':').
 *
 * Everything is appended to a dl_buf; nothing fails (dl_buf aborts on
 * out of memory, common.h).
 */
#ifndef DATELINE_PROM_H
#define DATELINE_PROM_H

#include <stddef.h>

#include "dateline/buf.h"

/* The Content-Type of a scrape in this format. */
#define DL_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct dl_prom_label {
    const char *name;  /* a label name */
    const char *value; /* any UTF-8 text; escaped when written */
};

/* `# HELP name help` and `# TYPE name type` (type: counter, gauge, histogram, summary,
 * untyped). */
void dl_prom_family(struct dl_buf *b, const char *name, const char *type, const char *help);

/* One sample line: name{labels} value. `nlabels` may be 0 (then no braces). */
void dl_prom_sample(struct dl_buf *b, const char *name, const struct dl_prom_label *labels,
                    size_t nlabels, double value);
/* The same with an integer value, written exactly (a double loses counts above 2^53). */
void dl_prom_sample_u(struct dl_buf *b, const char *name, const struct dl_prom_label *labels,
                      size_t nlabels, unsigned long long value);

/* A number as the format writes it (also for a histogram's `le` label): "3", "0.005", "+Inf".
 * `out` must have room for DL_PROM_NUM_MAX bytes. */
#define DL_PROM_NUM_MAX 32
const char *dl_prom_number(char *out, double v);

#endif
