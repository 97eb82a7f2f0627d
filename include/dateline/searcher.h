/*
 * searcher.h - one thread's search of one index.
 *
 * A struct dl_searcher owns a read handle (db.h) and what belongs to the
 * index revision it reads: the alias table stored in the index
 * (DL_META_ALIASES), the cache of exact totals and facets (facets.h), a
 * body decompressor (record.h) and a query builder. A search takes a
 * parsed query (query.h), marks its names with the revision's aliases
 * (qtree.h), builds the Xapian query (qbuild.h) with the caller's
 * filters, runs it with dateline's weighting (BM25+, searcher.c), reads
 * the readouts of the page and, when nothing matched, asks for a spelling
 * suggestion.
 *
 * A searcher is used by one thread at a time (the server has one per
 * worker thread). When the index moves on while a search runs (a writer
 * committed twice, DL_EMODIFIED), the search reopens the index and runs
 * once more on the new revision; callers may retry once more themselves.
 */
#ifndef DATELINE_SEARCHER_H
#define DATELINE_SEARCHER_H

#include <stddef.h>

#include "dateline/alias.h"
#include "dateline/cluster.h"
#include "dateline/common.h"
#include "dateline/db.h"
#include "dateline/explain.h"
#include "dateline/facets.h"
#include "dateline/kind.h"
#include "dateline/qbuild.h"
#include "dateline/qtree.h"
#include "dateline/readout.h"
#include "dateline/store.h"

enum dl_sort {
    /* the weight (BM25+): scores fall with rank; a query with nothing to search or only
     * filters (every weight 0) lists the newest first */
    DL_SORT_RELEVANCE = 0,
    DL_SORT_DATE_DESC = 1, /* newest first, undated last */
    DL_SORT_DATE_ASC = 2,  /* oldest first, undated last */
    DL_SORT_INDEXED = 3,   /* the most recently first indexed first (DL_SLOT_INDEXED): feeds */
};

/* A filter on an entity the readouts name (the API's person=, country=, org=). */
struct dl_entity_filter {
    enum dl_entity type;
    const char *name; /* any of its forms (alias.h, dl_aliases_lookup); not NUL-terminated */
    size_t len;
};
#define DL_MAX_ENTITY_FILTERS 16

struct dl_search_params {
    size_t offset; /* first hit to return */
    size_t limit;  /* hits to return (0: counts only) */
    enum dl_sort sort;
    const char *from;             /* "YYYY-MM-DD" inclusive lower bound, or NULL */
    const char *to;               /* "YYYY-MM-DD" inclusive upper bound, or NULL */
    const char *indexed_from;     /* a DL_SLOT_INDEXED value (dl_schema_time_format): only
                                     readouts first indexed then or later; NULL for all */
    const char *source;           /* source filter as typed (slugged inside, as source:X), or
                                     NULL */
    unsigned long check_at_least; /* matches to examine for exact totals and facets */
    double time_limit;            /* seconds for the match, 0 = none */
    unsigned max_wildcard;        /* most terms one wildcard may expand to (0: 100) */
    int want_facets;              /* count years and sources */
    int explain;                  /* explain each hit's score (explain.h) */
    const struct dl_entity_filter *entities; /* all must hold (an unknown name: nothing) */
    size_t nentities;
    const enum dl_kind *kinds; /* meeting kinds (kind.h); all must hold */
    size_t nkinds;
    int undated;  /* only the readouts without a date (an export's last pages) */
    int collapse; /* one hit per same-event cluster (cluster.h), its best; total counts
                     clusters, and each hit lists the event's other accounts */
};

struct dl_hit {
    unsigned long rank;            /* 1-based position in the whole result list */
    double score;                  /* the weight (0 for pure filters and date orders) */
    struct dl_readout doc;         /* the stored readout */
    struct dl_explanation explain; /* with params.explain: what each part of q gives it */
    struct dl_found found;         /* the entities named in it (store.h) */
    struct dl_accounts same_event; /* with params.collapse: the event's other accounts, at
                                      most DL_SAME_EVENT_MAX of them (cluster.h) */
};
#define DL_SAME_EVENT_MAX 10

struct dl_results {
    unsigned long total; /* estimated number of matches */
    int total_exact;     /* 1 when total is exact */
    struct dl_hit *hits;
    size_t nhits;
    /* with want_facets (facets.h): years and months newest first; the most frequent sources, each
     * counting what its filter finds (dl_facet_sources_merge: "VNA" counts VNA/VNS too);
     * the most frequent people, countries and organisations named */
    struct dl_facet_list facets[DL_FACET_COUNT];
    struct dl_terms terms;   /* what the highlighter marks (qbuild.h) */
    char *suggestion;        /* the query respelt, when nothing matched; or NULL */
    char *written_as;        /* the query as the readouts write its words, when typed without
                                their diacritics ("to lam" -> "Tô Lâm"); or NULL */
    int relaxed;             /* 1 when Xapian refused the query and its plain words were
                                searched instead */
    int timed_out;           /* 1 when time_limit cut counting short */
    char *parsed;            /* Xapian's description of the query run (for logs) */
    size_t shards;           /* shards of the index (1: one database) */
    size_t shards_answering; /* of them, those searched: fewer when some failed (shardset.h) */
};

/* Free everything in res and zero it. Safe on a zeroed struct. */
void dl_results_release(struct dl_results *res);

struct dl_searcher;

/*
 * Open the index (a directory or a stub file) at path, refusing another
 * schema version (DL_EINVAL, "rebuild it"), and load its alias table.
 */
int dl_searcher_open(struct dl_searcher **out, const char *path, struct dl_error *err);
/*
 * The same, for a server: with set (shardset.h; NULL: as dl_searcher_open), the index is
 * set's shards, each with its own connection, and those that fail are left out of searches
 * (results say how many were searched) until set says to try them again; its auxiliary
 * database gives the spelling table and the alias table. DL_ENETWORK when no shard answers.
 */
struct dl_shardset;
int dl_searcher_open_shards(struct dl_searcher **out, const char *path, struct dl_shardset *set,
                            struct dl_error *err);
void dl_searcher_free(struct dl_searcher *s); /* NULL is a no-op */
/* Move to the newest revision (*changed, may be NULL: 1 if it moved) and reload its aliases;
 * with shards, also leave out those that fail and take back those whose turn has come. */
int dl_searcher_refresh(struct dl_searcher *s, int *changed, struct dl_error *err);
/* Shards searched now, of *total (1 and 1 for one database). */
void dl_searcher_shards(const struct dl_searcher *s, size_t *answering, size_t *total);
struct dl_db *dl_searcher_db(struct dl_searcher *s); /* borrowed */
/* The revision's alias table, or NULL (borrowed; valid until the next refresh). */
const struct dl_aliases *dl_searcher_aliases(const struct dl_searcher *s);

/*
 * Search for q (its names are marked for this revision) with p; res must
 * be zeroed. DL_OK, or DL_EINVAL for a malformed from/to date, or the
 * index's status (DL_EMODIFIED once more after the internal retry).
 */
int dl_searcher_search(struct dl_searcher *s, struct dl_qtree *q, const struct dl_search_params *p,
                       struct dl_results *res, struct dl_error *err);
/*
 * The whole result list page by page (an export): the docids of matches [p->offset,
 * p->offset + p->limit) of q with p's filters and order into ids[0..p->limit), *n how many
 * (fewer: the list ended). No facets, no time limit, no retry: DL_EMODIFIED when a writer
 * discarded the revision read, which a caller reading a list in several calls must not
 * cross silently (the pages of two revisions do not add up to one list).
 */
int dl_searcher_page(struct dl_searcher *s, struct dl_qtree *q, const struct dl_search_params *p,
                     unsigned *ids, size_t *n, struct dl_error *err);
/* Matched readout docid without its body into r (zeroed or released), and what was found in
 * it into f (zeroed or released). No retry (as dl_searcher_page). */
int dl_searcher_read(struct dl_searcher *s, unsigned docid, struct dl_readout *r,
                     struct dl_found *f, struct dl_error *err);
/* The readout with this id into r (zeroed or released), and what was found in it into f
 * (NULL: not read); DL_ENOTFOUND when none. */
int dl_searcher_get(struct dl_searcher *s, const char *id, struct dl_readout *r, struct dl_found *f,
                    struct dl_error *err);
/* One entity suggested for a prefix. */
struct dl_entity_hit {
    const char *name; /* borrowed from the searcher's alias table: valid until the next call */
    enum dl_entity type;
    unsigned long count; /* readouts naming it */
};
/*
 * The entities (of type t; DL_ENTITY_NONE: any) one of whose forms has a word starting with
 * prefix[0..len) (alias.h, dl_aliases_has_prefix), most often named first (ties by name), at
 * most max into out[]; *n gets how many. Entities no readout names are left out.
 */
int dl_searcher_entities(struct dl_searcher *s, enum dl_entity t, const char *prefix, size_t len,
                         struct dl_entity_hit *out, size_t max, size_t *n, struct dl_error *err);

/* What q marks, without searching (a readout's page): into terms (DL_TERMS_INIT). */
void dl_searcher_terms(struct dl_searcher *s, struct dl_qtree *q, struct dl_terms *terms);

#endif
