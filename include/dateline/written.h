/*
 * written.h - a query typed without diacritics, as the readouts write it:
 * "to lam" -> "Tô Lâm", "hoi dam" -> "hội đàm" (the API's "written_as").
 *
 * Folding lets "to lam" find "Tô Lâm"; this says how the index spells what
 * was typed, so that a journalist sees the name as the readouts write it
 * (and can search that spelling, which ranks it first: qbuild.h).
 *   - a name (an alias group, alias.h) typed without diacritics becomes
 *     the group's name when that name folds to what was typed;
 *   - any other word typed without them becomes the spelling that most of
 *     the readouts holding the word use (the store keeps each spelling with
 *     diacritics as a DL_PREFIX_WRITTEN term, schema.h): when more than half
 *     of them write it one way, that way.
 * Words under '-' or NOT, filters, digits and CJK are left as typed.
 */
#ifndef DATELINE_WRITTEN_H
#define DATELINE_WRITTEN_H

#include "dateline/alias.h"
#include "dateline/common.h"
#include "dateline/db.h"
#include "dateline/qtree.h"

/*
 * The input of t (parsed, names marked with a) with its words as the index writes them into
 * *out (malloc'd), or *out = NULL when nothing would change. Errors are the index's
 * (DL_EMODIFIED when it moved on).
 */
int dl_written_as(struct dl_db *db, const struct dl_qtree *t, const struct dl_aliases *a,
                  char **out, struct dl_error *err);

#endif
