/*
 * explain.h - why a readout ranks where it does (the API's explain=1).
 *
 * A readout's score is the sum of what each part of the query gives it
 * (qbuild.h, dl_qbuild_parts: the words, names, phrases of a run). For
 * each part, dl_explain() asks Xapian for the weight that part alone
 * gives that one readout under the same weighting (an Enquire of the
 * part FILTERed by the readout's id term: Xapian's own figures, not a
 * copy of its formula), and finds with the highlighter the forms of it
 * written in the readout's title, body, dateline and source ("talks",
 * "talked"; "Tô Lâm" for "to lam").
 *
 * Costs one Enquire per part and one highlighter pass per part over the
 * readout: for explain=1 only, never for a plain search.
 */
#ifndef DATELINE_EXPLAIN_H
#define DATELINE_EXPLAIN_H

#include <stddef.h>

#include "dateline/common.h"
#include "dateline/db.h"
#include "dateline/qbuild.h"
#include "dateline/qtree.h"
#include "dateline/readout.h"

#define DL_EXPLAIN_MAX_PARTS 32 /* parts explained; a longer query's rest is left out */
#define DL_EXPLAIN_MAX_FORMS 8  /* distinct forms listed per part */

/* One part of the query and what it gives a readout. */
struct dl_explain_part {
    char *query;   /* the part as typed ("talks", "Tô Lâm", "\"joint statement\"") (owned) */
    double weight; /* its share of the score: the shares add up to the score */
    char **forms;  /* distinct forms of it in the title, body, dateline and source, as
                      written (owned) */
    size_t nforms;
};

struct dl_explanation {
    struct dl_explain_part *parts; /* (owned) */
    size_t nparts;
};

/* What dl_explain() reads: the index, a builder to reuse, the query, how it was built. */
struct dl_explain_ctx {
    struct dl_db *db;
    struct dl_xq *xq;              /* reset and reused */
    const struct dl_qtree *q;      /* the query searched, aliases marked */
    const struct dl_qbuild *build; /* the options it was built with */
    const struct dl_xweight *weight;
};

/*
 * Fill out (zeroed or released) for the readout doc of the results. On
 * error (the index moved on: DL_EMODIFIED; Xapian failed) out holds what
 * was explained so far.
 */
int dl_explain(const struct dl_explain_ctx *c, const struct dl_readout *doc,
               struct dl_explanation *out, struct dl_error *err);

/* Free everything in x and zero it; safe on a zeroed struct. */
void dl_explanation_release(struct dl_explanation *x);

#endif
