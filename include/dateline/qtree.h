/*
 * qtree.h - a parsed query: typed nodes with offsets into what was typed.
 *
 * dl_query_parse() (query.h) makes the tree; everything else that reads a
 * query reads it here: the Xapian query and the highlighter's terms
 * (qbuild.h), the alias groups of an index revision (dl_qtree_alias), the
 * plain-words retry, the spelling suggestion (which replaces words at their offsets) and a
 * canonical text form for tests and logs.
 *
 * Nodes live in one array, children before their parents; a node's
 * children are a range of `kids` (node indices). A tree is used by one
 * thread at a time. It owns every string it points to.
 */
#ifndef DATELINE_QTREE_H
#define DATELINE_QTREE_H

#include <stddef.h>

#include "dateline/alias.h"
#include "dateline/buf.h"

enum dl_qkind {
    DL_Q_WORD,     /* a folded word (text); flags DL_QN_CJK (one CJK character), DL_QN_DIGIT */
    DL_Q_WILDCARD, /* every word starting with the folded prefix in text */
    DL_Q_PHRASE,   /* children: DL_Q_WORDs in order, side by side */
    DL_Q_CJK,      /* a run of CJK characters matched by its n-grams; children: the characters
                      (DL_Q_WORD, DL_QN_CJK), text: them joined */
    DL_Q_ALIAS,    /* children: the words (or one DL_Q_CJK) spelling a name of alias group
                      `group` (made by dl_qtree_alias) */
    DL_Q_FILTER,   /* field (SOURCE, DATELINE or YEAR) equal to the slug in text */
    DL_Q_RANGE,    /* dates: text "LO..HI", LO and HI "YYYYMMDD" or "" (open) */
    DL_Q_AND,      /* every child matches, but those flagged DL_QN_NEGATED, which must not */
    DL_Q_OR,       /* some child matches */
    DL_Q_XOR,      /* an odd number of children match */
    DL_Q_NOT,      /* children[0] matches and children[1] does not */
    DL_Q_NEAR,     /* children (DL_Q_WORDs) within `window` words of each other */
    DL_Q_ADJ,      /* children (DL_Q_WORDs) within `window` words, in order */
    DL_Q_ALL,      /* every readout (the left side of a leading NOT) */
};

enum dl_qfield {
    DL_QF_ANY = 0, /* the words of title, body, dateline and source */
    DL_QF_TITLE,   /* the words of the title */
    DL_QF_SOURCE,  /* filters */
    DL_QF_DATELINE,
    DL_QF_YEAR,
    DL_QF_KIND,   /* the slug of a meeting kind (kind.h) */
    DL_QF_PERSON, /* entity filters: the name as typed (quotes dropped), resolved by qbuild */
    DL_QF_COUNTRY,
    DL_QF_ORG,
};

enum dl_qflags {
    DL_QN_NEGATED = 1, /* typed with '-': as a child of a DL_Q_AND, must not match (and means
                          nothing elsewhere) */
    DL_QN_CJK = 2,     /* DL_Q_WORD: one CJK character */
    DL_QN_DIGIT = 4,   /* DL_Q_WORD: starts with a digit (never stemmed, as by the indexer) */
    DL_QN_JOINED = 8,  /* DL_Q_PHRASE: words joined by '-' and the like, not quoted */
    DL_QN_TYPED = 16,  /* DL_Q_AND: the operator AND was typed (not a run) */
};

struct dl_qnode {
    enum dl_qkind kind;
    enum dl_qfield field;
    unsigned flags;    /* DL_QN_* */
    unsigned window;   /* DL_Q_NEAR, DL_Q_ADJ: the largest n typed (NEAR/n), 0 for none */
    unsigned pos;      /* place among the query's words, from 1, as Xapian numbers query
                          terms (a CJK run takes one); 0 for nodes that are not words */
    long group;        /* DL_Q_ALIAS: index of the alias group in the table given */
    const char *text;  /* NUL-terminated, "" for kinds without text (owned by the tree) */
    size_t len;        /* bytes of text */
    size_t start, end; /* the input bytes it was read from, [start, end) */
    size_t first, n;   /* children: dl_qtree_child(t, node, 0 .. n - 1) */
    size_t first0, n0; /* the children before dl_qtree_alias() */
};

struct dl_qtree {
    struct dl_qnode *nodes; /* (owned) */
    size_t nnodes, capnodes;
    size_t *kids; /* every child list (owned) */
    size_t nkids, capkids;
    size_t root;            /* the root's index, DL_QTREE_NONE for a query with nothing to
                               search (empty, or only syntax), which matches every readout */
    size_t root0;           /* the root before dl_qtree_alias() */
    size_t nparsed, nkids0; /* nodes and kids made before dl_qtree_alias() */
    char *input;            /* a copy of what was parsed, NUL-terminated (owned; NULL before) */
    size_t ninput;          /* its bytes */
    /* what was typed, for the server's limits (filled by the parser) */
    size_t nwords;    /* words (tokens) */
    size_t nops;      /* operators, quotes, brackets and field names */
    size_t max_depth; /* deepest bracket nesting as typed */
    size_t nprefixes; /* distinct wildcard prefixes */
};

#define DL_QTREE_NONE ((size_t)-1)
/* clang-format off */
#define DL_QTREE_INIT {NULL, 0, 0, NULL, 0, 0, DL_QTREE_NONE, DL_QTREE_NONE, 0, 0, NULL, 0, \
                       0, 0, 0, 0}
/* clang-format on */

void dl_qtree_init(struct dl_qtree *t);
void dl_qtree_release(struct dl_qtree *t); /* frees everything; t is as after dl_qtree_init() */
void dl_qtree_reset(struct dl_qtree *t);   /* empties t, keeping its memory */

/* The root node, or NULL when the query has nothing to search (it matches everything). */
const struct dl_qnode *dl_qtree_root(const struct dl_qtree *t);
/* Child i (< node->n) of node. */
const struct dl_qnode *dl_qtree_child(const struct dl_qtree *t, const struct dl_qnode *node,
                                      size_t i);

/* --- building (the parser, and tests) ----------------------------------------------------- */
/* A new childless node; returns its index. Pointers to nodes are valid until the next add. */
size_t dl_qtree_add(struct dl_qtree *t, enum dl_qkind kind, enum dl_qfield field, size_t start,
                    size_t end);
/* Set node i's text to a copy of s[0..n). */
void dl_qtree_set_text(struct dl_qtree *t, size_t i, const char *s, size_t n);
/* A new node over the children c[0..n) (n >= 1), spanning their offsets; returns its index. */
size_t dl_qtree_add_parent(struct dl_qtree *t, enum dl_qkind kind, enum dl_qfield field,
                           const size_t *c, size_t n);
/* A DL_Q_CJK node at position pos over the characters c[0..n) (n >= 1), its text theirs. */
size_t dl_qtree_add_cjk(struct dl_qtree *t, const size_t *c, size_t n, unsigned pos);
/* Replace node i's children by c[0..n). */
void dl_qtree_set_kids(struct dl_qtree *t, size_t i, const size_t *c, size_t n);
/*
 * The tree is complete with this root (or DL_QTREE_NONE), parsed from
 * input[0..n) (copied; node offsets refer to it): what dl_qtree_alias()
 * returns to.
 */
void dl_qtree_finish(struct dl_qtree *t, size_t root, const char *input, size_t n);

/* --- reading ------------------------------------------------------------------------------- */
/*
 * Mark the names of alias table `a` (NULL: none): consecutive positive
 * words of one field in a run, or a lone word operand, that spell a form
 * of a group become a DL_Q_ALIAS over them; a form written in CJK inside a
 * CJK run is split out of it the same way. Longest forms first, no
 * overlap (dl_aliases_scan). Words of phrases, NEAR/ADJ and wildcards are
 * never names. Calling it again (another revision's table) first undoes
 * the last call.
 */
void dl_qtree_alias(struct dl_qtree *t, const struct dl_aliases *a);

/*
 * Append the words that must match, space separated, in the order typed:
 * every positive word and CJK run outside phrases too, but nothing under
 * a NOT's right side or a '-'; no wildcard, filter or range.
 */
void dl_qtree_plain(const struct dl_qtree *t, struct dl_buf *out);

/*
 * The spelling suggestion: the input with each word replaced by fn's
 * suggestion for it. fn(ctx, word, len, out) returns 1 with another word
 * in out, 0 for none, or a negative status, which stops the walk and is
 * returned. Asked for: the words typed with no field, in phrases and
 * names too, but not wildcards, CJK, numbers (all digits) or filter
 * values. Returns 1 and sets out (replaced) when a word changed, else 0.
 */
typedef int (*dl_respell_fn)(void *ctx, const char *word, size_t len, struct dl_buf *out);
int dl_qtree_respell(const struct dl_qtree *t, dl_respell_fn fn, void *ctx, struct dl_buf *out);

/*
 * Append a canonical text form of t in the query language, for tests and
 * logs: positive operands of a run first, then "-x"; brackets only where
 * precedence needs them; a field on each word ("title:to title:lam");
 * names shown as the words they are.
 */
void dl_qtree_format(const struct dl_qtree *t, struct dl_buf *out);

#endif
