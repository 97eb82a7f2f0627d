/*
 * rerank.h - the phrase rerank of the first page.
 *
 * For a plain query of a few words ("to lam"), readouts that have the
 * words side by side and in order ("Tô Lâm") should come before those that
 * merely have both ("Lam went to ..."). Checking positions for every
 * candidate cost a third of a search's CPU; checking them for the first
 * page alone costs a few block reads per hit. So: of the first
 * DL_RERANK_WINDOW hits in BM25 order, those with the phrase move ahead of
 * the others, each group keeping its order, and their score gains the top
 * score so that scores still fall down the list. Pages past the window are
 * plain BM25, and the window holds the same hits whatever page is asked
 * for, so paging neither repeats nor skips a hit.
 *
 * No database here: positions come from a callback (the searcher's reads
 * them through the shim), so the logic is tested alone.
 */
#ifndef DATELINE_RERANK_H
#define DATELINE_RERANK_H

#include <stddef.h>

#include "dateline/common.h"
#include "dateline/db.h"

/* One page: its position lookups were 83 of a search's 152 block reads with 30, 29 with 10. */
#define DL_RERANK_WINDOW 10
#define DL_RERANK_MAX_WORDS 6 /* longer queries are not reranked */

/* The positions of word in document docid into out (replaced). */
typedef int (*dl_positions_fn)(void *ctx, unsigned docid, const char *word,
                               struct dl_positions *out, struct dl_error *err);

/*
 * phrase[i] = 1 when docids[i] has words[0..nwords) at consecutive
 * positions, for i < n. A document is read only until its first missing
 * word. Returns DL_OK or the first error of the callback.
 */
int dl_rerank_find(const unsigned *docids, size_t n, const char *const *words, size_t nwords,
                   dl_positions_fn positions, void *ctx, char *phrase, struct dl_error *err);

/*
 * Reorder order[0..n) (indices of hits in BM25 order, n <= the hits
 * given) so that the hits with phrase[i] come first, stably, and add
 * score[order_top] (the best score) to their scores.
 */
void dl_rerank_apply(size_t *order, double *score, const char *phrase, size_t n);

#endif
