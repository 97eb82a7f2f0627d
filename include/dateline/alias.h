/*
 * alias.h - name variants ("Tô Lâm", "To Lam", "Su Lin", "苏林").
 *
 * An alias file is UTF-8 text, one person or place per line, its forms
 * separated by tabs; '#' starts a comment line; blank lines are ignored.
 * The first form names the group. Forms are compared folded and token by
 * token (dl_tokenize), so "Tô Lâm", "to lam" and "TO LAM" are one form.
 *
 * At index time the indexer scans each readout's token stream for every
 * form and adds the group's term (DL_PREFIX_ALIAS + slug of the first
 * form); the index stores each form as a Xapian synonym key of that term,
 * so a query for any form finds readouts that use any other. The server
 * uses the same table to highlight the variant actually written.
 *
 * A struct dl_aliases is immutable after parsing and may be shared
 * between threads.
 */
#ifndef DATELINE_ALIAS_H
#define DATELINE_ALIAS_H

#include <stddef.h>

#include "dateline/common.h"

struct dl_aliases;

/* Parse alias text. On error (invalid UTF-8, a line with one form) returns
 * DL_EPARSE with "line N: ..." and *out = NULL. */
int dl_aliases_parse(const char *text, size_t len, struct dl_aliases **out, struct dl_error *err);
/* Read and parse a file. */
int dl_aliases_load(const char *path, struct dl_aliases **out, struct dl_error *err);
void dl_aliases_free(struct dl_aliases *a);

size_t dl_aliases_ngroups(const struct dl_aliases *a);
/* The group's index term, e.g. "XAto-lam" (owned by `a`). */
const char *dl_aliases_group_term(const struct dl_aliases *a, size_t group);
/* Number of forms of a group, and form i as folded tokens joined by ' ' ("to lam"). */
size_t dl_aliases_nforms(const struct dl_aliases *a, size_t group);
const char *dl_aliases_form(const struct dl_aliases *a, size_t group, size_t form);
/* Index of the group whose term is `term` (with prefix), or -1. */
long dl_aliases_find_term(const struct dl_aliases *a, const char *term);

/*
 * Scan a sequence of folded tokens. For every place where a form of a
 * group starts at token i and spans n tokens, call cb(ctx, group, i, n).
 * Longest forms win where several start at the same token, and matches do
 * not overlap: scanning resumes after a match. Returns 0 or the first
 * non-zero value of cb.
 */
typedef int (*dl_alias_fn)(void *ctx, size_t group, size_t first, size_t ntokens);
int dl_aliases_scan(const struct dl_aliases *a, const char *const *tokens, size_t ntokens,
                    dl_alias_fn cb, void *ctx);

#endif
