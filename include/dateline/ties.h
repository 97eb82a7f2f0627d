/*
 * ties.h - one order for matches of equal weight, whatever the index's layout.
 *
 * Xapian orders matches of equal weight (and equal sort value) by docid, and
 * a docid depends on the layout: one database numbers readouts as they were
 * added, shards interleave theirs. It also sums a match's weight in an order
 * that follows each shard's posting list sizes, so weights equal over one
 * database may differ in their last bits over shards. Either way one index
 * and the same readouts in shards, local or remote, would list ties in
 * another order, and a tie across the edge of a page could put another
 * readout on it.
 *
 * dl_ties_order() sorts each run of ties (weights within a relative 1e-9,
 * and the same sort value when the value comes first) as Xapian meant to:
 * by the sort value when it comes after the weight, then by their collapse
 * values when they all have distinct ones (the event keys: no read needed),
 * else by a name the caller gives for each docid (the readout's id), which
 * no layout changes. Callers ask
 * Xapian for DL_TIES_MARGIN more matches on each side of a page and cut the
 * page after ordering, so that a tie across its edge is ordered whole.
 */
#ifndef DATELINE_TIES_H
#define DATELINE_TIES_H

#include <stddef.h>

#include "dateline/common.h"
#include "dateline/db.h"

#define DL_TIES_MARGIN 8

/* The name of docid into *name (malloc'd), for ordering ties: DL_OK, or an error. */
typedef int (*dl_name_fn)(void *ctx, unsigned docid, char **name, struct dl_error *err);

/* What a tie is, after the order asked of Xapian (dl_ties_sort_of()). */
enum dl_ties_sort {
    DL_TIES_WEIGHT,               /* by relevance: equal weights */
    DL_TIES_WEIGHT_THEN_KEY_ASC,  /* by relevance, then the sort value (ascending): equal  */
    DL_TIES_WEIGHT_THEN_KEY_DESC, /* weights, ordered again by the value, then by name */
    DL_TIES_KEY_THEN_WEIGHT,      /* by the sort value first: the same value, equal weights */
};
enum dl_ties_sort dl_ties_sort_of(const struct dl_xenquire *e);

/* Order each run of ties in v[0..n) as above; name (with ctx) is called only for runs whose
 * collapse values do not tell them apart. Its errors are returned, v then partly ordered. */
int dl_ties_order(struct dl_match *v, size_t n, enum dl_ties_sort by, dl_name_fn name, void *ctx,
                  struct dl_error *err);

/*
 * Whether the page v[before, before + want) of the n matches found may hold the wrong
 * members of a run of ties: its first one ties with v[0] and there are matches before
 * v[0] (more_before), or its last one ties with v[n - 1] and there may be more after it
 * (more_after). Then the caller asks for a wider margin.
 */
int dl_ties_cut(const struct dl_match *v, size_t n, size_t before, size_t want, int more_before,
                int more_after);

/*
 * Collapsing keeps the best match of each collapse value, and among matches of equal weight
 * the one Xapian meets first, which depends on the layout too. For each of v[0..n) that
 * collapsed others (collapsed > 0), take instead the one of its value's matches that comes
 * first in the order above, and of those with also[k] set (may be NULL) too: over remote
 * shards a match whose value's other matches were on other shards may say it collapsed
 * none. One more match of the query on top of q (left as it was),
 * filtered on those values' terms (term_prefix + value), e as for the page. An error, and
 * v unchanged, when that match fails.
 */
int dl_ties_representatives(struct dl_db *db, struct dl_xq *q, const struct dl_xenquire *e,
                            const char *term_prefix, struct dl_match *v, size_t n, const char *also,
                            dl_name_fn name, void *ctx, struct dl_error *err);

/* Whether two weights are a tie (within a relative 1e-9). */
int dl_ties_equal(double a, double b);

#endif
