/*
 * cluster.h - same-event clusters in an index: the pass that puts readouts
 * into the cluster of their other accounts (event.h decides what is one
 * event; this module finds the candidates and writes the keys).
 *
 * Every readout is stored with a cluster key (schema.h DL_SLOT_EVENT and
 * the term DL_PREFIX_EVENT + key), at first its own. The pass takes the
 * readouts first indexed since a time (DL_SLOT_INDEXED: those of one
 * indexing run) in date order and, for each, looks up its candidates, the
 * readouts of a compatible kind dated within the window (a query on the
 * DL_PREFIX_KIND and DL_PREFIX_DAY terms, at most DL_CLUSTER_CANDIDATES),
 * and joins the cluster of the best match: the readout and every member of
 * its present cluster take that key (a new readout that bridges two old
 * clusters joins the better one; old clusters are never merged or split).
 * Nothing else is re-clustered, so the cost grows with the run, not the index.
 *
 * Why a pass after the puts rather than at put time: a fresh index is
 * filled by parallel writers (indexer/pool.c), each blind to the others'
 * readouts until the merge, and a sharded one (--shards) keeps a
 * readout's other accounts in other shards. The pass runs once the run is
 * committed, on the whole index: readouts and candidates are read through
 * `reader` (the index, or the stub of all its shards), and each retag is
 * written into the shard holding its readout and noted (retags.h) until
 * the reader shows it.
 *
 * Candidates are looked for within the kind's window (event.h), at least DL_EVENT_REPUB_DAYS
 * for contacts; statements and other readouts on their own day only, so a re-publication of
 * one of those a day later is missed (they are most of an index: a week of them per readout
 * made the pass cost more than indexing).
 *
 * Limits: an edited readout keeps its key (its indexing time too) and is
 * not clustered again; a readout removed from the index leaves its cluster
 * with one account fewer, under the key it gave.
 */
#ifndef DATELINE_CLUSTER_H
#define DATELINE_CLUSTER_H

#include <stddef.h>

#include "dateline/common.h"
#include "dateline/db.h"
#include "dateline/readout.h"

#define DL_CLUSTER_CANDIDATES 200

struct dl_cluster_stats {
    unsigned long examined;   /* readouts of the run looked at */
    unsigned long candidates; /* candidates compared */
    unsigned long joined;     /* readouts that took another cluster's key */
    int stopped;              /* the progress function stopped the pass before the end */
};

/* Called every 64 readouts of a pass with those taken so far and all of them; a non-zero
 * return stops the pass (what it retagged stays, for the caller to commit or not). */
typedef int (*dl_cluster_progress_fn)(void *ctx, size_t done, size_t total);

/*
 * Cluster the readouts first indexed at or after `since` (a DL_SLOT_INDEXED value; NULL or
 * "" for all) of the index read through reader: one database (nw 1, writers[0] == reader)
 * or the stub of nw shards (writers[i] its shard i, in the stub's order). All of them are
 * taken in one order (date, then id), whichever shard holds each, and each retag goes to
 * the shard holding its readout: a sharded index gets the clusters one database of the
 * same readouts gets. The caller commits every writer. progress (may be NULL) is told how
 * far it is, and may stop it. st (may be NULL) gets the counts.
 */
int dl_cluster_pass(struct dl_db *const *writers, size_t nw, struct dl_db *reader,
                    const char *since, dl_cluster_progress_fn progress, void *ctx,
                    struct dl_cluster_stats *st, struct dl_error *err);

/*
 * The docids of the readouts with cluster key key[0..len) (at most max) into out[]; *n gets
 * how many. For the server's "other accounts" (one posting list read per hit).
 */
int dl_cluster_members(struct dl_db *db, const char *key, size_t len, unsigned *out, size_t max,
                       size_t *n, struct dl_error *err);

/* The other accounts of an event: readouts without their bodies. */
struct dl_accounts {
    struct dl_readout *v; /* (owned) */
    size_t n;
    unsigned long count; /* all the other accounts (n: at most the max asked for) */
};
void dl_accounts_release(struct dl_accounts *a); /* frees and zeroes; safe on a zeroed struct */
/*
 * The readouts with cluster key key[0..len) but the one with id self (at most max, in docid
 * order) into out (zeroed or released; released again on failure). One posting list and max
 * records read.
 */
int dl_cluster_accounts(struct dl_db *db, const char *key, size_t len, const char *self, size_t max,
                        struct dl_accounts *out, struct dl_error *err);

/*
 * Up to max readouts on the subject of readout docid that are not of its event (cluster key
 * key[0..len)), best first, one per event, into out (zeroed or released; count = n): the
 * best DL_RELATED_TERMS words of docid by relevance feedback (Xapian's TradEWeight, computed
 * in cluster.c with term frequencies over every shard; words, stems and CJK pairs, no filter
 * terms) searched for, its cluster left out; matches weighing under 40% of the best one are
 * left out too. The same readouts whatever the layout (ties in one order: ties.h).
 */
#define DL_RELATED_TERMS 20
int dl_cluster_related(struct dl_db *db, unsigned docid, const char *key, size_t len, size_t max,
                       struct dl_accounts *out, struct dl_error *err);

#endif
