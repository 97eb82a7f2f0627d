/*
 * query.h - from what a journalist types to what Xapian's QueryParser reads.
 *
 * Xapian's QueryParser neither folds diacritics nor splits words the way
 * our tokenizer does, and folding the whole string would lowercase the
 * operators. dl_query_normalize() rewrites the query so that every word is
 * replaced by the folded tokens dl_tokenize() gives for it (the same terms
 * the indexer wrote), while the query syntax survives:
 *   - AND OR NOT XOR NEAR (upper-case, standalone) stay operators;
 *   - "phrases", (groups), leading -word / +word, trailing prefix* stay;
 *   - title:WORDS keeps its field; source:X becomes source:<slug of X>
 *     (X may be "quoted"); date:A..B keeps A..B (YYYY-MM-DD, either end may be
 *     empty, one end may be a single date date:2026-02-09) and becomes
 *     date:YYYYMMDD..YYYYMMDD; an invalid date is an error;
 *   - CJK runs are kept as written (QueryParser makes the n-grams);
 *   - every other character becomes a space.
 * It also produces the plain-words form (tokens only, no syntax) used if
 * QueryParser still rejects the query, and the wildcard prefixes (the
 * highlighter needs them: Xapian does not report wildcard expansions).
 */
#ifndef DATELINE_QUERY_H
#define DATELINE_QUERY_H

#include <stddef.h>

#include "dateline/buf.h"
#include "dateline/common.h"

struct dl_query {
    struct dl_buf text;    /* normalised query for QueryParser */
    struct dl_buf plain;   /* tokens only, space separated */
    char **prefixes;       /* folded wildcard prefixes ("strateg" for strateg*) */
    size_t nprefixes;
    size_t nterms;         /* words (tokens) in the query */
    size_t nops;           /* operators, quotes, brackets and fields */
    size_t max_depth;      /* deepest nesting of brackets */
};

void dl_query_init(struct dl_query *q);
void dl_query_release(struct dl_query *q);

/*
 * Normalise `s[0..n)` into q (initialised; previous contents replaced).
 * Errors: DL_EENCODING (invalid UTF-8), DL_EINVAL (a date that is not a
 * calendar date, "date:" with an unreadable range). Limits are checked by
 * the caller against nterms/nprefixes/max_depth.
 */
int dl_query_normalize(struct dl_query *q, const char *s, size_t n, struct dl_error *err);

#endif
