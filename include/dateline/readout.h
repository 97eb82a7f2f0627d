/*
 * readout.h - one readout: its metadata and clean body, and the parsers
 * that produce it from a plain-text file or a JSON Lines record.
 *
 * A struct dl_readout owns all of its strings (heap, NUL-terminated, valid
 * UTF-8). Absent metadata is NULL, never "" and never invented (a missing
 * date is not taken from file times). dl_readout_release() frees the
 * strings and leaves every field NULL; it is safe on a zeroed struct.
 *
 * The text parser recognises, in the shapes found in real readouts:
 *   - site boilerplate, dropped: breadcrumbs ("Top Stories Location:
 *     首页>Top Stories"), "size: A A A", empty image markup ("![]() |"),
 *     photo captions behind image markup are kept as text;
 *   - title: a short heading line (no final full stop) before the lead;
 *     otherwise the first sentence of the lead, shortened to about 120
 *     characters at a word boundary with "…";
 *   - date (YYYY-MM-DD): a header token "2026-02-09" / "date 2026-02-09",
 *     else the first full date in the lead: "February 4, 2026",
 *     "On October 23, 2022", "4 February 2026", "Feb. 4, 2026";
 *   - dateline: "HÀ NỘI —" or "BEIJING, Nov 12 (Xinhua) —" at the start of
 *     the lead (stored without the dash, removed from the body);
 *   - source: a trailing agency tag "— VNA/VNS", "(Xinhua)" at the end of
 *     the body (stored as "VNA/VNS", removed from the body), else the
 *     agency named in the dateline;
 *   - body: the remaining text, paragraphs separated by "\n\n", lines
 *     inside a paragraph by "\n", leading/trailing spaces trimmed.
 */
#ifndef DATELINE_READOUT_H
#define DATELINE_READOUT_H

#include <stddef.h>

#include "dateline/common.h"

struct dl_readout {
    char *id;       /* unique id: path relative to the indexed folder, or the JSONL "id" */
    char *title;    /* heading or shortened first sentence; NULL if the text has none */
    char *date;     /* "YYYY-MM-DD", or NULL when the readout states none */
    char *dateline; /* "HÀ NỘI", "BEIJING, Nov 12 (Xinhua)", or NULL */
    char *source;   /* "VNA/VNS", "Xinhua", ..., or NULL */
    char *url;      /* JSONL "url", or NULL */
    char *lang;     /* JSONL "lang", or NULL */
    char *body;     /* clean body text, never NULL after a successful parse */
};

void dl_readout_release(struct dl_readout *r);

/*
 * Parse the plain-text readout `text[0..len)` (valid UTF-8; the caller
 * decodes other encodings first) into `r`, which must be zeroed or
 * released. `id` is copied. Returns DL_OK, or DL_EPARSE when there is no
 * text at all (empty or only boilerplate), or DL_EENCODING when the text
 * is not valid UTF-8 after all; `r` is left released on failure.
 */
int dl_readout_parse_text(struct dl_readout *r, const char *id, const char *text, size_t len,
                          struct dl_error *err);

/*
 * Fill `r` from one JSON Lines record (an object with "id" and "body",
 * optional "title", "date", "source", "url", "lang", "dateline"; other
 * fields ignored; null means absent). Metadata is taken as given, except
 * that a date longer than 10 characters is cut to YYYY-MM-DD and one that
 * is not a valid date is dropped. The body is used as is. Returns DL_OK or
 * DL_EPARSE with a message ("missing \"id\"", "not a JSON object", ...).
 */
int dl_readout_parse_json(struct dl_readout *r, const char *line, size_t len,
                          struct dl_error *err);

/*
 * Find a date in free text: returns 1 and writes "YYYY-MM-DD\0" to out
 * (11 bytes) for the first full date ("2026-02-09", "February 4, 2026",
 * "4 February 2026", "Feb. 4, 2026"); 0 when there is none. Exposed for
 * tests and for the query side.
 */
int dl_find_date(const char *text, size_t len, char out[11]);

/* Is "YYYY-MM-DD" a real calendar date (1000..9999)? */
int dl_date_valid(const char *s, size_t len);

#endif
