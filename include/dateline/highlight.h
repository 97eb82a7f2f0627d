/*
 * highlight.h - marks query matches on the ORIGINAL text.
 *
 * Xapian's MSet::snippet() cannot mark folded matches in unfolded text
 * and costs ~20 ms per 9 KB document, so dateline has its own: one pass of
 * dl_tokenize() over the stored body; a token matches when its folded
 * form is a query term, its stem is a query stem, it starts with a
 * wildcard prefix, or it begins a run of tokens forming an alias variant
 * of an alias group in the query. Adjacent matches separated only by
 * spaces (or nothing, in CJK) are merged into one mark, so "Tô Lâm" and a
 * matched phrase are one <mark>.
 *
 * A struct dl_hl is built per request and is not shared between threads.
 */
#ifndef DATELINE_HIGHLIGHT_H
#define DATELINE_HIGHLIGHT_H

#include <stddef.h>

#include "dateline/alias.h"
#include "dateline/buf.h"

struct dl_hl;

/*
 * Build a highlighter from the query's index terms (struct dl_results
 * .terms: "lam", "Zlam", "ZSlam", "XAto-lam"; boolean filter terms XS/XD/XY/Q
 * are ignored) and wildcard prefixes. `aliases` may be NULL; it is
 * borrowed and must outlive the highlighter.
 */
struct dl_hl *dl_hl_new(char *const *terms, size_t nterms, char *const *prefixes, size_t nprefixes,
                        const struct dl_aliases *aliases);
void dl_hl_free(struct dl_hl *h);
/* Does the highlighter have anything to mark? */
int dl_hl_empty(const struct dl_hl *h);

struct dl_span {
    size_t start, end;     /* UTF-8 byte offsets, [start, end) */
    size_t start16, end16; /* the same in UTF-16 code units */
};

/*
 * All (merged) match spans of text[0..len) in order. *spans is malloc'd
 * (caller frees; NULL when none); returns the count.
 */
size_t dl_hl_matches(const struct dl_hl *h, const char *text, size_t len, struct dl_span **spans);

/*
 * One text's matches, found by a single dl_hl_scan() and shared by the
 * snippet and the match list (each would otherwise tokenize the text
 * again). Embedded: start from DL_HL_SPANS_INIT or dl_hl_spans_init(); the
 * memory is kept between scans, so one struct can serve every hit of a
 * request; dl_hl_spans_release() frees it.
 */
struct dl_hl_raw; /* private to highlight.c */
struct dl_hl_spans {
    struct dl_span *v;     /* merged display spans in text order, UTF-16 offsets filled (owned) */
    size_t n;              /* spans in v */
    struct dl_hl_raw *raw; /* per-term matches the snippet chooses fragments from (owned) */
    size_t nraw;           /* entries in raw */
    size_t capv, capraw;   /* allocated entries */
};
/* clang-format off */
#define DL_HL_SPANS_INIT {NULL, 0, NULL, 0, 0, 0}
/* clang-format on */

void dl_hl_spans_init(struct dl_hl_spans *s);
void dl_hl_spans_release(struct dl_hl_spans *s);

/* Find every match of text[0..len), replacing the previous contents of `s`. */
void dl_hl_scan(const struct dl_hl *h, const char *text, size_t len, struct dl_hl_spans *s);

/*
 * dl_hl_snippet() from `s`, the result of dl_hl_scan() on the same text
 * (the text is not tokenized again).
 */
void dl_hl_snippet_spans(const struct dl_hl *h, const struct dl_hl_spans *s, const char *text,
                         size_t len, size_t target, struct dl_buf *out);

/*
 * Append an HTML snippet: up to 3 fragments around the best matches, about
 * `target` characters in all, joined by " … ", never cutting a word or a
 * UTF-8 character, HTML-escaped, matches wrapped in <mark>…</mark>. With no
 * match, the start of the text. A leading/trailing "…" shows cut text.
 */
void dl_hl_snippet(const struct dl_hl *h, const char *text, size_t len, size_t target,
                   struct dl_buf *out);

/* Append the whole text HTML-escaped with every match marked (newlines kept). */
void dl_hl_markup(const struct dl_hl *h, const char *text, size_t len, struct dl_buf *out);
/* dl_hl_markup() from `s`, the result of dl_hl_scan() on the same text. */
void dl_hl_markup_spans(const struct dl_hl_spans *s, const char *text, size_t len,
                        struct dl_buf *out);

#endif
