/*
 * db.h - the C face of the Xapian shim (lib/db.cc, the project's only C++).
 *
 * All handles are opaque. Every entry point catches every C++ exception
 * and turns it into a status + struct dl_error message ("xapian
 * DatabaseLockError: ..."); no C++ type or exception crosses into C.
 *
 * Threads: a struct dl_db must be used by one thread at a time (Xapian has
 * no internal locking). The server opens one read handle per worker
 * thread. dl_stem() is safe from any thread (thread-local stemmer).
 *
 * Writing: dl_db_open_write() takes Xapian's write lock (DL_ELOCKED if
 * another writer holds it). Changes are buffered and become visible,
 * all at once, only at dl_db_commit(); dl_db_free() on a writer DISCARDS
 * uncommitted changes (it never commits behind the caller's back, so a
 * failed run leaves the previous revision as it was).
 *
 * Reading: a read handle opens a database directory or a Xapian stub file
 * listing shards ("auto PATH", "remote HOST:PORT"). Readers see the
 * revision current at open or at the last dl_db_reopen(). Searches that
 * fail with DL_EMODIFIED (a writer committed twice meanwhile) should be
 * retried after dl_db_reopen(); dl_db_search() and dl_db_get() already do
 * that once themselves.
 */
#ifndef DATELINE_DB_H
#define DATELINE_DB_H

#include <stddef.h>

#include "dateline/alias.h"
#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/readout.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dl_db;

/* --- opening --------------------------------------------------------------- */
int dl_db_open_write(struct dl_db **out, const char *path, struct dl_error *err);
int dl_db_open_read(struct dl_db **out, const char *path, struct dl_error *err);
void dl_db_free(struct dl_db *db); /* NULL is a no-op; discards uncommitted changes */

/* Pick up the newest committed revision. *changed (may be NULL) is set to 1 if it moved. */
int dl_db_reopen(struct dl_db *db, int *changed, struct dl_error *err);
unsigned long dl_db_doccount(struct dl_db *db);
unsigned long dl_db_revision(struct dl_db *db); /* 0 for sharded/remote databases */

/* --- writing ------------------------------------------------------------- */
/*
 * Use this alias table for the documents put from now on, and store it in
 * the index (as synonyms for every form, and as DL_META_ALIASES text for
 * the server). The table is borrowed: it must outlive the handle. Old
 * synonyms are replaced. Takes effect at the next commit. A table equal to
 * the stored one (same text) is only borrowed for tokenizing, and its
 * synonyms are not written again, so commits leave the synonym table alone.
 * *written (if not NULL) tells which: 1 if the table was stored (it needs a
 * commit even without any readout change), else 0.
 */
int dl_db_set_aliases(struct dl_db *db, const struct dl_aliases *a, const char *text, size_t len,
                      int *written, struct dl_error *err);

/* Build spelling data from indexed words (default on; costs indexing time). */
void dl_db_set_spelling(struct dl_db *db, int on);

/*
 * Add or replace the readout with r->id. `origin` names where it was read
 * from (a folder or a JSONL file, for dl_db_origin_ids), `hash` is the
 * content digest stored in DL_SLOT_HASH. Text is folded and tokenized with
 * dl_tokenize(); see schema.h for what is stored.
 */
int dl_db_put(struct dl_db *db, const struct dl_readout *r, const char *origin, const char *hash,
              struct dl_error *err);

/* Remove a readout by id. DL_ENOTFOUND if there is none. */
int dl_db_delete(struct dl_db *db, const char *id, struct dl_error *err);

/* The stored hash of readout `id` into `out` (replacing its contents); DL_ENOTFOUND if absent. */
int dl_db_get_hash(struct dl_db *db, const char *id, struct dl_buf *out, struct dl_error *err);

/* Call cb(ctx, id) for every readout put with this origin (committed or pending). */
typedef int (*dl_id_fn)(void *ctx, const char *id);
int dl_db_origin_ids(struct dl_db *db, const char *origin, dl_id_fn cb, void *ctx,
                     struct dl_error *err);

/* Make every change since the last commit durable and visible, atomically. */
int dl_db_commit(struct dl_db *db, struct dl_error *err);

/* --- reading ------------------------------------------------------------- */
/* The index's stored alias text (DL_META_ALIASES), malloc'd into *text; "" when none. */
int dl_db_get_meta(struct dl_db *db, const char *key, struct dl_buf *out, struct dl_error *err);

/* Fetch a stored readout by id into `r` (zeroed or released). DL_ENOTFOUND if absent. */
int dl_db_get(struct dl_db *db, const char *id, struct dl_readout *r, struct dl_error *err);

enum dl_sort {
    /* BM25; of the first 10 hits of a plain multi-word query, those with the words as a
     * phrase come first; an empty or filter-only query (all weights 0) lists the newest first */
    DL_SORT_RELEVANCE = 0,
    DL_SORT_DATE_DESC = 1, /* newest first, undated last */
    DL_SORT_DATE_ASC = 2,  /* oldest first, undated last */
};

struct dl_search_params {
    const char *query;        /* normalised query (dl_query_normalize), "" = match all */
    const char *fallback;     /* plain-words form, parsed if `query` is rejected; may be NULL */
    size_t offset;            /* first hit to return */
    size_t limit;             /* hits to return */
    enum dl_sort sort;
    const char *from;         /* "YYYY-MM-DD" inclusive lower bound, or NULL */
    const char *to;           /* "YYYY-MM-DD" inclusive upper bound, or NULL */
    const char *source;       /* source filter as typed (slugged inside), or NULL */
    unsigned long check_at_least; /* matches to examine for exact totals and facets */
    double time_limit;        /* seconds for the match, 0 = none */
    unsigned max_wildcard;    /* most terms one wildcard may expand to */
    int want_facets;          /* count years and sources */
};

struct dl_hit {
    unsigned long rank;       /* 1-based position in the full result list */
    double score;             /* BM25 weight (0 for pure filters and date sorts) */
    struct dl_readout doc;    /* the stored readout */
};

struct dl_facet {
    char *value;              /* "2026", "VNA/VNS" */
    unsigned long count;
};

struct dl_results {
    unsigned long total;       /* estimated number of matches */
    int total_exact;           /* 1 when total is exact */
    struct dl_hit *hits;
    size_t nhits;
    struct dl_facet *years;    /* newest year first */
    size_t nyears;
    struct dl_facet *sources;  /* most frequent first */
    size_t nsources;
    char **terms;              /* the query's terms as indexed ("lam", "Zlam", "XAto-lam"), for
                                  the highlighter */
    size_t nterms;
    char *suggestion;          /* spelling suggestion when there are few matches, or NULL */
    int relaxed;               /* 1 when the query was rejected and `fallback` was used */
    int timed_out;             /* 1 when time_limit cut counting short */
    char *parsed;              /* Xapian's description of the final query (debugging) */
};

/* Run a search. `res` must be zeroed; release it with dl_results_release(). */
int dl_db_search(struct dl_db *db, const struct dl_search_params *p, struct dl_results *res,
                 struct dl_error *err);
void dl_results_release(struct dl_results *res);

/* --- maintenance ------------------------------------------------------------ */
/*
 * Merge the databases `srcs[0..n)` (committed, not open for writing) into a
 * new compacted database at `dest`, which must not exist. Documents get
 * new docids; ids (Q terms), synonyms, spelling data and metadata are kept
 * (for metadata present in several sources, the first wins).
 */
int dl_db_compact(const char *const *srcs, size_t n, const char *dest, struct dl_error *err);

/* --- text helpers from Xapian -------------------------------------------- */
/* English stem of the folded word w[0..n) into out (replacing its contents). Thread-safe. */
void dl_stem(const char *w, size_t n, struct dl_buf *out);

#ifdef __cplusplus
}
#endif

#endif
