/*
 * db.h - the Xapian shim: Xapian's nouns, typed, for C (lib/db.cc, the
 * project's only C++).
 *
 * The shim decides nothing. It opens databases, stores and reads
 * documents, builds queries from typed calls, runs an Enquire and hands
 * the match set back. What dateline stores and how it searches (schema,
 * aliases, CJK n-grams, weighting parameters, compression, caching) is C:
 * store.h, qbuild.h, searcher.h.
 *
 * Handles are opaque:
 *   struct dl_db    a database: for writing, or for reading (a directory, or
 *                   a stub file of shards "auto PATH", "remote HOST:PORT")
 *   struct dl_xdoc  a document being built for dl_db_replace()
 *   struct dl_xq    a query being built: a stack of Xapian queries
 * and struct dl_mset, the outcome of dl_db_enquire(), is plain data.
 * Every entry point catches every C++ exception and turns it into a status
 * and a message ("xapian DatabaseLockError: ..."). Strings handed out are
 * written into the caller's struct dl_buf or are borrowed from a handle
 * until its next call, as each function says.
 *
 * Threads: a handle is used by one thread at a time (Xapian has no
 * locking); the server gives each worker thread its own read handle.
 *
 * Writing: dl_db_open_write() takes Xapian's write lock (DL_ELOCKED when
 * another writer holds it). Changes are invisible, to readers and to the
 * disk, until dl_db_commit() makes them one revision; dl_db_free() on a
 * writer discards what was not committed.
 *
 * Reading: a read handle sees the revision current at open or at its last
 * dl_db_reopen(). Any read may fail with DL_EMODIFIED when a writer has
 * committed twice since: reopen and run the whole operation again (the
 * old revision's documents may be gone).
 */
#ifndef DATELINE_DB_H
#define DATELINE_DB_H

#include <stddef.h>

#include "dateline/buf.h"
#include "dateline/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dl_db;
struct dl_xdoc;
struct dl_xq;

/* --- databases ----------------------------------------------------------------------- */
int dl_db_open_write(struct dl_db **out, const char *path, struct dl_error *err);
int dl_db_open_read(struct dl_db **out, const char *path, struct dl_error *err);
/* A shard served by xapian-tcpsrv at host:port, for reading. timeout_ms bounds the
 * connection and every operation on it (Xapian::Remote::open's timeouts): past it, or when
 * the connection breaks, calls fail with DL_ENETWORK (the handle is then useless: free it). */
int dl_db_open_remote(struct dl_db **out, const char *host, unsigned port, unsigned timeout_ms,
                      struct dl_error *err);
/* One read handle searching parts[0..n) (read handles) as one database, as a stub file does.
 * The parts are shared, not copied: dl_db_reopen() on a part moves it here too; the parts
 * must outlive it. */
int dl_db_combine(struct dl_db **out, struct dl_db *const *parts, size_t n, struct dl_error *err);
void dl_db_free(struct dl_db *db); /* NULL is a no-op; a writer's uncommitted changes are lost */

/* Move to the newest committed revision; *changed (may be NULL) is 1 if it moved. */
int dl_db_reopen(struct dl_db *db, int *changed, struct dl_error *err);
/* Number of documents (a writer counts its uncommitted changes). */
int dl_db_doccount(struct dl_db *db, unsigned long *n, struct dl_error *err);
/* The revision read, or 0 where there is none (sharded and remote databases). */
unsigned long dl_db_revision(struct dl_db *db);

/* Make every change since the last commit durable and visible at once (writer). */
int dl_db_commit(struct dl_db *db, struct dl_error *err);

/*
 * Merge the committed databases srcs[0..n) (not open for writing) into a
 * new compacted one at dest, which must not exist. Documents get new
 * docids; terms, values, synonyms, spelling and metadata are kept (for a
 * metadata key in several sources, the first wins).
 */
int dl_db_compact(const char *const *srcs, size_t n, const char *dest, struct dl_error *err);

/* --- metadata, synonyms, spelling ------------------------------------------------------------ */
/* The user metadata under key into out (replaced); "" when absent or not kept (remote). */
int dl_db_get_meta(struct dl_db *db, const char *key, struct dl_buf *out, struct dl_error *err);
int dl_db_set_meta(struct dl_db *db, const char *key, const char *v, size_t len,
                   struct dl_error *err); /* writer */

/* Replace every synonym (writer): keys[i] gets terms[i], for i < n. */
int dl_db_set_synonyms(struct dl_db *db, const char *const *keys, const char *const *terms,
                       size_t n, struct dl_error *err);

/* Add freq to the spelling frequency of word[0..len) (writer; one call per word and batch:
 * store.c sums them). */
int dl_db_add_spelling(struct dl_db *db, const char *word, size_t len, unsigned freq,
                       struct dl_error *err);
/* cb(ctx, word, len, frequency) for every word of the spelling table, in word order (read
 * first); a non-zero return of cb stops and is returned. */
typedef int (*dl_term_fn)(void *ctx, const char *term, size_t len, unsigned long termfreq);
int dl_db_spellings(struct dl_db *db, dl_term_fn cb, void *ctx, struct dl_error *err);
/* Xapian's spelling suggestion for word[0..len) into out (replaced); "" for none. */
int dl_db_spelling(struct dl_db *db, const char *word, size_t len, struct dl_buf *out,
                   struct dl_error *err);

/* --- terms and documents ------------------------------------------------------------------- */
/* Documents indexed by term[0..len) (0 when none). */
int dl_db_termfreq(struct dl_db *db, const char *term, size_t len, unsigned long *freq,
                   struct dl_error *err);
/* cb(ctx, term, len, termfreq) for the first max terms starting with prefix[0..len), in
 * term order; a non-zero return of cb stops and is returned. */
int dl_db_allterms(struct dl_db *db, const char *prefix, size_t len, size_t max, dl_term_fn cb,
                   void *ctx, struct dl_error *err);
/* The terms of document docid in term order, each with its wdf (within-document frequency)
 * in place of a term frequency: cb(ctx, term, len, wdf); a non-zero return stops it. */
int dl_db_doc_terms(struct dl_db *db, unsigned docid, dl_term_fn cb, void *ctx,
                    struct dl_error *err);
/*
 * freqs[i] = how many documents hold terms[i] (lens[i] bytes), over every shard: the
 * statistics of one match of them all, so one exchange per remote shard rather than one per
 * term (Database::get_termfreq() on remote shards is a round trip each).
 */
int dl_db_termfreqs(struct dl_db *db, const char *const *terms, const size_t *lens, size_t n,
                    unsigned long *freqs, struct dl_error *err);
/* The mean document length (the sum of a document's wdfs) over every shard. */
int dl_db_avlength(struct dl_db *db, double *avlen, struct dl_error *err);
/*
 * Call cb(ctx, docid) for every document indexed by term[0..len), in docid
 * order. The posting list is read first, so cb may change the database.
 * A non-zero return of cb stops the walk and is returned.
 */
typedef int (*dl_docid_fn)(void *ctx, unsigned docid);
int dl_db_postings(struct dl_db *db, const char *term, size_t len, dl_docid_fn cb, void *ctx,
                   struct dl_error *err);

/*
 * Document docid with slot's value v[0..len) and, in place of its term starting with prefix
 * (at most one is replaced), the boolean term prefix + v (writer): a readout's cluster key
 * (cluster.h). A missing docid is an error (Xapian's DocNotFoundError).
 */
int dl_db_retag(struct dl_db *db, unsigned docid, unsigned slot, const char *prefix, const char *v,
                size_t len, struct dl_error *err);

/*
 * The data of document docid into data (may be NULL) and its values in
 * slots[0..nslots) into values[0..nslots) (each replaced; "" when unset).
 * DL_ENOTFOUND when there is no such document.
 */
int dl_db_document(struct dl_db *db, unsigned docid, struct dl_buf *data, const unsigned *slots,
                   struct dl_buf *values, size_t nslots, struct dl_error *err);

/*
 * A document to store. Calls that fail (terms too long for the backend
 * are refused only when stored, by dl_db_replace) keep the first error,
 * which dl_db_replace() reports.
 */
struct dl_xdoc *dl_xdoc_new(void);
void dl_xdoc_free(struct dl_xdoc *d);  /* NULL is a no-op */
void dl_xdoc_clear(struct dl_xdoc *d); /* empty again, for the next document */
void dl_xdoc_add_posting(struct dl_xdoc *d, const char *term, size_t len, unsigned pos);
void dl_xdoc_add_term(struct dl_xdoc *d, const char *term, size_t len, unsigned wdf);
void dl_xdoc_add_boolean(struct dl_xdoc *d, const char *term, size_t len);
void dl_xdoc_set_value(struct dl_xdoc *d, unsigned slot, const char *v, size_t len);
void dl_xdoc_set_data(struct dl_xdoc *d, const char *data, size_t len);

/* Store d in place of the document(s) indexed by the unique term (writer). */
int dl_db_replace(struct dl_db *db, const char *term, size_t len, struct dl_xdoc *d,
                  struct dl_error *err);
/* Delete the documents indexed by the unique term (writer); DL_ENOTFOUND when none is. */
int dl_db_delete(struct dl_db *db, const char *term, size_t len, struct dl_error *err);

/* --- queries ---------------------------------------------------------------------------------- */
/*
 * Queries are built bottom-up on a stack: the leaf calls push one query,
 * dl_xq_combine() pops its operands and pushes the result. Calls never
 * fail one by one: the first error (an operator given too few operands,
 * an exception) is kept, later calls do nothing, and dl_xq_status()
 * reports it.
 */
enum dl_xop {
    DL_XOP_AND,
    DL_XOP_OR,
    DL_XOP_AND_NOT, /* the first, without the others */
    DL_XOP_XOR,
    DL_XOP_AND_MAYBE, /* the first; the others only add weight */
    DL_XOP_FILTER,    /* the first, restricted to the others, which add no weight */
    DL_XOP_NEAR,      /* terms within `window` positions */
    DL_XOP_PHRASE,    /* terms in order within `window` positions */
    DL_XOP_SYNONYM,   /* weighted as one term */
};

struct dl_xq *dl_xq_new(void);
void dl_xq_free(struct dl_xq *q);  /* NULL is a no-op */
void dl_xq_reset(struct dl_xq *q); /* an empty stack and no error */
/* A term, with its within-query frequency and position (1..; 0 for none). */
void dl_xq_term(struct dl_xq *q, const char *term, size_t len, unsigned wqf, unsigned pos);
/* Every term starting with prefix[0..len), at most max of them (the most frequent), as one. */
void dl_xq_wildcard(struct dl_xq *q, const char *prefix, size_t len, unsigned max);
/* Documents whose value in slot is within [lo, hi] (strings; NULL or "" for an open end). */
void dl_xq_value_range(struct dl_xq *q, unsigned slot, const char *lo, const char *hi);
void dl_xq_all(struct dl_xq *q); /* every document, weight 0 */
/* Replace the top n (>= 1) queries by op over them, in the order pushed (window: for
 * DL_XOP_NEAR and DL_XOP_PHRASE, the positions they must fall within; ignored otherwise). */
void dl_xq_combine(struct dl_xq *q, enum dl_xop op, size_t n, unsigned window);
void dl_xq_scale(struct dl_xq *q, double factor); /* the top query's weights times factor */
/* Every document, each with this weight (Xapian::FixedWeightPostingSource): ANDed with a
 * boolean term, a constant bonus for the documents that have it. */
void dl_xq_constant(struct dl_xq *q, double weight);
/* A copy of the top query pushed (pop 0), or the top query dropped (pop 1). */
void dl_xq_dup(struct dl_xq *q, int pop);
size_t dl_xq_depth(const struct dl_xq *q);
int dl_xq_status(const struct dl_xq *q, struct dl_error *err);
/* Xapian's description of the top query into out (replaced). */
int dl_xq_describe(const struct dl_xq *q, struct dl_buf *out, struct dl_error *err);

/* --- enquire ------------------------------------------------------------------------------- */
enum dl_xsort {
    DL_XSORT_RELEVANCE,            /* weight */
    DL_XSORT_RELEVANCE_THEN_VALUE, /* weight, ties by the value */
    DL_XSORT_VALUE_THEN_RELEVANCE, /* the value, ties by weight */
    DL_XSORT_VALUE_MISSING_LAST,   /* the value, documents without one after all others;
                                      ties by weight */
};

/*
 * The weighting scheme: Xapian::BM25PlusWeight(k1, 0, 1, b, min_normlen,
 * delta) when delta > 0, else Xapian::BM25Weight(k1, 0, 1, b, min_normlen);
 * k1 == 0: Xapian's default BM25Weight (k1 1, b 0.5, min_normlen 0.5).
 */
struct dl_xweight {
    double k1, b, min_normlen, delta;
};

struct dl_xenquire {
    enum dl_xsort sort;
    unsigned sort_slot;
    int sort_descending;          /* value sorts: largest first */
    double time_limit;            /* seconds after which counting stops, 0 = none */
    unsigned long check_at_least; /* matches to examine at least (exact counts) */
    const unsigned *count_slots;  /* count the values of these slots over the matches examined */
    size_t ncount;
    int collapse_slot; /* keep only the best match per value of this slot; -1 = no collapse */
    struct dl_xweight weight;
    unsigned collapse_max; /* with collapse_slot: keep the best this many per value (0: 1) */
};

/* One match. */
struct dl_match {
    unsigned docid;
    double weight;
    unsigned long collapsed; /* matches of its collapse value folded into it */
    char collapse_key[32];   /* its collapse value ("" when not collapsing; cut at 31 bytes) */
    char sort_key[32];       /* the value or key it was sorted by ("" by relevance; cut too) */
};

/* One value of a counted slot and the number of matches examined that have it. */
struct dl_value_count {
    char *value; /* NUL-terminated (owned) */
    size_t len;
    unsigned long count;
};

/* What an Enquire found: plain data, copied out of Xapian. */
struct dl_mset {
    struct dl_match *matches; /* the matches asked for, best first (owned) */
    size_t n;
    unsigned long estimated, lower, upper; /* matches in all: estimate and bounds (equal when
                                              exact) */
    double max_possible;                   /* 0 when no match can weigh anything */
    struct dl_value_count **values;        /* per count_slots[k]: in value order (owned) */
    size_t *nvalues;
    size_t ncount;
};

/*
 * Run the top query of q with the options e; find up to max matches from
 * rank first into out (zeroed or released). DL_EPARSE when Xapian refuses
 * the query itself.
 */
int dl_db_enquire(struct dl_db *db, const struct dl_xq *q, const struct dl_xenquire *e,
                  size_t first, size_t max, struct dl_mset *out, struct dl_error *err);
void dl_mset_release(struct dl_mset *m); /* frees and zeroes; safe on a zeroed struct */

#ifdef __cplusplus
}
#endif

#endif
