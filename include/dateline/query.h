/*
 * query.h - what a journalist types, read once into a typed tree.
 *
 * One grammar, one parser: dl_query_parse() reads the query language of
 * the README into a tree of typed nodes, each with the byte offsets of the
 * input it came from. Nothing else in dateline lexes query text: the
 * Xapian query (qbuild.h), the highlighter's terms and the spelling
 * suggestion all read this tree. Xapian's
 * QueryParser is not used at all, so a newer Xapian cannot change what a
 * query means.
 *
 * Words are cut and folded by the one tokenizer (fold.h), so a query word
 * is exactly a word the indexer wrote: case, diacritics and Unicode form
 * do not matter ("Tô Lâm" is the words "to" "lam").
 *
 * The language, loosest binding first:
 *   a XOR b            one of them, not both
 *   a OR b             either
 *   a AND b, a NOT b   both; a without b ("a AND NOT b" is "a NOT b")
 *   a b c              a run: every word must match (the default); in a run
 *                      -x must not match, +x is the same as x, and the
 *                      filters below restrict it
 *   NOT x              at the start of an operand: every readout but x
 * and the operands of a run:
 *   word               matches its stem ("congratulate" finds
 *                      "congratulations"); digits and CJK are not stemmed
 *   "a b", a-b         phrase: the words in order, side by side; words joined
 *                      by - . / \ @ ' & are a phrase too ("viet-nam", "u.s.")
 *   a NEAR b, a ADJ b  single words within 10 (NEAR/n, ADJ/n: n) words of
 *                      each other, ADJ in the order typed; chains allowed
 *   prefix*            every word starting with prefix
 *   CJK run            a run of CJK characters, matched by its characters
 *                      and adjacent pairs (the indexer's n-grams)
 *   (...)              a group; more than DL_QUERY_MAX_NESTING levels are
 *                      read as if the extra brackets were not there
 *   title:X            X (a word, "phrase", wildcard or (group)) in the title
 *   source:X dateline:X year:X   filters: X slugged as the indexer slugs it
 *                      (a source answers to its whole slug and to each part's:
 *                      source:vna finds VNA/VNS; schema.h)
 *   date:A..B          dates A to B inclusive (YYYY-MM-DD, YYYYMMDD, YYYY-MM
 *                      or YYYY; either end may be left out; date:A is that
 *                      day, month or year)
 * Operators are recognised in capitals only; "and", "or", "not" are words.
 *
 * The parser never rejects syntax, it drops what it cannot use: a binary
 * operator without an operand on each side, NEAR/ADJ next to anything but
 * a single word, '+' and a doubled NOT, empty groups and phrases, a '*'
 * that does not end a word (or ends a phrase or a CJK run), unknown fields
 * ("foo:bar" is two words), unbalanced brackets and quotes (closed at the
 * end). Its only errors are DL_EENCODING (not UTF-8) and DL_EINVAL (a date
 * that is not a calendar date, or an unreadable date range).
 *
 * The tree itself (its nodes, and what is read off it) is qtree.h. Alias
 * groups are marked afterwards by dl_qtree_alias(), since the alias table
 * belongs to an index revision, not to the query.
 */
#ifndef DATELINE_QUERY_H
#define DATELINE_QUERY_H

#include <stddef.h>

#include "dateline/common.h"
#include "dateline/qtree.h"

#define DL_QUERY_MAX_NESTING 32  /* deeper brackets are flattened */
#define DL_QUERY_NEAR_DEFAULT 10 /* NEAR, ADJ without /n */
#define DL_QUERY_NEAR_MAX 999    /* largest n of NEAR/n, ADJ/n */

/*
 * Parse s[0..n) (NUL bytes are separators) into t (initialised; its
 * previous contents are replaced). DL_OK, DL_EENCODING or DL_EINVAL (err
 * says which byte or date); on error t holds an empty tree.
 */
int dl_query_parse(struct dl_qtree *t, const char *s, size_t n, struct dl_error *err);

#endif
