/*
 * qbuild.h - a parsed query (qtree.h) as a Xapian query, and as the terms
 * the highlighter marks.
 *
 * The mapping, node by node (terms as the store writes them, store.h):
 *   word        "Z" + stem OR the word itself (its exact form scores once
 *               more: "talks" ranks "talks" above "talked"), or the word
 *               alone when it starts with a digit; title:word "ZS" + stem
 *               OR "S" + the word; under '-' or NOT, the stem alone
 *   phrase      the words themselves (not stemmed), in order side by side
 *   NEAR, ADJ   the words themselves within n (default 10) positions,
 *               ADJ in order
 *   wildcard    every term starting with the prefix, at most max_wildcard
 *               of them (the most frequent), weighted as one term
 *   CJK run     all its characters and adjacent pairs
 *   name        (alias) its words' query (stems only), or the group term:
 *               the two weighted as one term (Xapian's OP_SYNONYM); the
 *               group term once more (AND_MAYBE) for readouts naming the
 *               person in any spelling
 *   filter      the slug's term, "date:" a value range, person:/country:/
 *               org: the entity's group term (alias.h): restrict a run
 *               without weight (alone: every readout they allow, weight 0)
 *   run         its operands ANDed, restricted by its filters (filters of
 *               one field ORed, fields ANDed), without its '-' operands
 *   AND OR XOR NOT   the same operators; a leading NOT: every readout but
 *               its operand
 * Words are numbered as Xapian numbers query terms, so descriptions read
 * like QueryParser's. Query objects need no database, so all of this is
 * testable without one (tests/test_qbuild.c compares descriptions).
 */
#ifndef DATELINE_QBUILD_H
#define DATELINE_QBUILD_H

#include <stddef.h>

#include "dateline/alias.h"
#include "dateline/db.h"
#include "dateline/qtree.h"
#include "dateline/strset.h"

/*
 * The highlighter's input (highlight.h, dl_hl_new): index terms ("lam",
 * "Zlam", "ZSlam", "XAto-lam", CJK n-grams) of what must match, each
 * once, and the folded wildcard prefixes. Nothing under NOT or '-', no
 * filter. Embedded: DL_TERMS_INIT, then dl_terms_release().
 */
struct dl_terms {
    char **v; /* (owned) */
    size_t n, cap;
    char **prefixes; /* (owned) */
    size_t nprefixes, capprefixes;
    struct dl_strset seen; /* both, for uniqueness */
};
/* clang-format off */
#define DL_TERMS_INIT {NULL, 0, 0, NULL, 0, 0, DL_STRSET_INIT}
/* clang-format on */
void dl_terms_add(struct dl_terms *t, const char *term, size_t len);
void dl_terms_add_prefix(struct dl_terms *t, const char *prefix, size_t len);
void dl_terms_release(struct dl_terms *t); /* leaves t empty and reusable */

struct dl_qbuild {
    const struct dl_aliases *aliases; /* the table the tree was marked with (NULL: none) */
    unsigned max_wildcard;            /* most terms a wildcard expands to; 0: 100 */
};

/*
 * Push one query for t onto q (NULL: none is built; a tree with nothing to
 * search: every readout, weight 0) and add what it marks to terms (NULL:
 * nothing is collected). Errors stay in q (dl_xq_status).
 */
void dl_qbuild(const struct dl_qtree *t, const struct dl_qbuild *o, struct dl_xq *q,
               struct dl_terms *terms);

/*
 * The filter term of an entity of type t named name[0..len) (any of its forms, alias.h's
 * dl_aliases_lookup) into out (replaced): its group term, or a term no readout has when
 * no entity of that type has that name (a NULL table: none has).
 */
void dl_qbuild_entity_term(const struct dl_aliases *a, enum dl_entity t, const char *name,
                           size_t len, struct dl_buf *out);

/*
 * The parts of t whose weights add up to a readout's score, for explain=1:
 * the operands of the root's run, AND or OR but filters and '-' operands,
 * or the root itself; at most max of them into parts (borrowed from t).
 * Returns how many (0 for a query of filters alone or nothing to search).
 */
size_t dl_qbuild_parts(const struct dl_qtree *t, const struct dl_qnode **parts, size_t max);

/* dl_qbuild() of one node of t, as if it were the root (a part of dl_qbuild_parts). */
void dl_qbuild_node(const struct dl_qtree *t, const struct dl_qnode *node,
                    const struct dl_qbuild *o, struct dl_xq *q, struct dl_terms *terms);

/*
 * The same for the plain words of t (dl_qtree_plain): the query searched
 * when Xapian refuses the one dl_qbuild() made. Names are found in them
 * again with o->aliases.
 */
void dl_qbuild_plain(const struct dl_qtree *t, const struct dl_qbuild *o, struct dl_xq *q,
                     struct dl_terms *terms);

#endif
