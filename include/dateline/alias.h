/*
 * alias.h - name variants ("Tô Lâm", "To Lam", "Su Lin", "苏林").
 *
 * An alias file is UTF-8 text, one person or place per line, its forms
 * separated by tabs; '#' starts a comment line; blank lines are ignored.
 * The first form names the group. Forms are compared folded and token by
 * token (dl_tokenize), so "Tô Lâm", "to lam" and "TO LAM" are one form.
 *
 * The gazetteer (data/gazetteer.tsv) is the same format with two more
 * things: a line may start with a type field, "@person", "@country" or
 * "@org", which makes the group an entity of that type (tagged, filtered
 * and counted by the searcher); and a form written "=US" matches only as
 * written, case and diacritics included (folded, "US" would be every "us").
 * A later line adds its forms to an earlier group when its first form names
 * that group, or, for an untyped line (the user's aliases.tsv read after
 * the gazetteer), when it shares a form with one: so a user's line extends
 * an entity instead of splitting it.
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

/* What a group is. DL_ENTITY_NONE: a plain alias group (an untyped line). */
enum dl_entity {
    DL_ENTITY_NONE = 0,
    DL_ENTITY_PERSON,
    DL_ENTITY_COUNTRY,
    DL_ENTITY_ORG,
    DL_ENTITY_COUNT
};
/* "person", "country", "org" ("" for DL_ENTITY_NONE). */
const char *dl_entity_name(enum dl_entity t);

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
/* The group's type, and its name as the table writes its first form ("Tô Lâm"). */
enum dl_entity dl_aliases_type(const struct dl_aliases *a, size_t group);
const char *dl_aliases_name(const struct dl_aliases *a, size_t group);
/* Form i as written when it matches only as written ("=US": "US"), else NULL. */
const char *dl_aliases_form_raw(const struct dl_aliases *a, size_t group, size_t form);
/*
 * The group of type t (DL_ENTITY_NONE: of any type) one of whose forms, or
 * whose name, is name[0..len) (folded and tokenized as forms are; an exact
 * form must be written as it is), or -1. "to lam", "苏林", "Su Lin" all
 * give Tô Lâm's group.
 */
long dl_aliases_lookup(const struct dl_aliases *a, enum dl_entity t, const char *name, size_t len);

/*
 * Does a form (or the name) of group g have a word starting with prefix[0..len)? The prefix
 * is folded and tokenized as forms are, its last token may be cut short ("to l", "lam",
 * "苏"); forms that match only as written ("=US") compare as written. A prefix without a
 * word ("", " ") is a prefix of every group.
 */
int dl_aliases_has_prefix(const struct dl_aliases *a, size_t group, const char *prefix, size_t len);

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
/*
 * The same, with raw[i] the token as written (NUL-terminated) beside each
 * folded token, so that forms that match only as written ("=US") are found
 * too; dl_aliases_scan() is this with raw NULL, where they never match.
 * With raw tokens, marks count too: a token written with diacritics matches
 * a form only if one of its spellings has the same marks on that token
 * ("Tô Lâm", "To Lam", "Tô Lam" are Tô Lâm; "tố làm" is not); an entity's
 * form without a marked spelling matches only unmarked text ("Li Xi", not
 * "lì xì"). Untyped alias lines accept any marks.
 */
int dl_aliases_scan_raw(const struct dl_aliases *a, const char *const *tokens,
                        const char *const *raw, size_t ntokens, dl_alias_fn cb, void *ctx);

#endif
