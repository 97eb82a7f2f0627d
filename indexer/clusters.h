/*
 * clusters.h - the indexer's same-event pass (lib/cluster.c) over what one
 * run added, once everything is committed: the whole index is visible then,
 * whichever writer of a pool or shard put each readout (cluster.h says why).
 */
#ifndef DL_INDEXER_CLUSTERS_H
#define DL_INDEXER_CLUSTERS_H

#include "dateline/cluster.h"
#include "dateline/common.h"

/*
 * Cluster the readouts of index `dir` first indexed at or after `since` (a DL_SLOT_INDEXED
 * value) and commit: with shards > 0, shard by shard, looking for other accounts in all of
 * them through dir's stub; progress (may be NULL) as dl_cluster_pass() has it. *seconds gets
 * the time taken. DL_OK or an error in err.
 */
int dl_index_clusters(const char *dir, unsigned shards, const char *since,
                      dl_cluster_progress_fn progress, void *ctx, struct dl_cluster_stats *st,
                      double *seconds, struct dl_error *err);

#endif
