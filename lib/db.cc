/*
 * db.cc - the Xapian shim (see db.h): the project's only C++. Every extern "C" function
 * catches every exception (map_error() makes it a status and a message): no C++ type or
 * exception reaches C. Nothing here decides what dateline stores or searches: each function
 * is one Xapian operation (or a loop of one), typed for C. Strings reach C through the
 * caller's struct dl_buf, or are borrowed from a handle as db.h says.
 */
#include <xapian.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

extern "C" {
#include "dateline/db.h"
#include "dateline/stem.h"
}

struct dl_db {
    bool writer = false;
    std::string path;             /* as given, for messages */
    Xapian::WritableDatabase wdb; /* writer */
    Xapian::Database rdb;         /* reader */
    bool in_txn = false;          /* writer: a transaction is open (see dl_db_open_write) */
    bool remote = false;          /* reads a remote shard: a term frequency is a round trip */

    Xapian::Database &db()
    {
        return writer ? static_cast<Xapian::Database &>(wdb) : rdb;
    }
};

struct dl_xdoc {
    Xapian::Document doc;
    int status = DL_OK; /* the first failure, reported by dl_db_replace() */
    char msg[200] = "";
};

struct dl_xq {
    std::vector<Xapian::Query> stack;
    int status = DL_OK; /* the first failure; the calls after it do nothing */
    std::string msg;
};

namespace
{

/* Turn the exception being handled into a status and a message. Called only inside a catch
 * block; subclasses are tested before their bases. */
int map_error(struct dl_error *err, const std::string &path)
{
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        return dl_error_set(err, DL_ELOCKED, "cannot open index '%s' for writing: %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::DatabaseModifiedError &e) {
        return dl_error_set(err, DL_EMODIFIED, "index '%s' changed while reading: %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::DatabaseOpeningError &e) { /* and DatabaseNotFoundError */
        bool none = std::strcmp(e.get_type(), "DatabaseNotFoundError") == 0;
        return dl_error_set(err, none ? DL_ENOTFOUND : DL_EIO, "cannot open index '%s': %s",
                            path.c_str(), e.get_msg().c_str());
    } catch (const Xapian::DocNotFoundError &e) {
        return dl_error_set(err, DL_ENOTFOUND, "no such document in index '%s': %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::NetworkError &e) { /* and NetworkTimeoutError */
        return dl_error_set(err, DL_ENETWORK, "shard '%s' did not answer: %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::DatabaseCreateError &e) {
        return dl_error_set(err, DL_EIO, "cannot create index '%s': %s", path.c_str(),
                            e.get_msg().c_str());
    } catch (const Xapian::Error &e) {
        /* get_error_string() is the errno text behind I/O errors ("File too large"). */
        const char *why = e.get_error_string();
        return dl_error_set(err, DL_EXAPIAN, "xapian %s: %s%s%s%s", e.get_type(),
                            e.get_msg().c_str(), why ? " (" : "", why ? why : "", why ? ")" : "");
    } catch (const std::bad_alloc &) {
        std::fputs("fatal: out of memory in the xapian shim\n", stderr);
        std::abort();
    } catch (...) {
        return dl_error_set(err, DL_EXAPIAN, "unknown c++ exception");
    }
}

/* map_error() for a query Xapian refuses (DL_EPARSE), or anything else. */
int map_query_error(struct dl_error *err, const std::string &path)
{
    try {
        throw;
    } catch (const Xapian::Error &e) {
        std::string t = e.get_type();
        if (t != "InvalidArgumentError" && t != "UnimplementedError" && t != "WildcardError") {
            return map_error(err, path);
        }
        return dl_error_set(err, DL_EPARSE, "xapian refused the query: %s", e.get_msg().c_str());
    } catch (...) {
        return map_error(err, path);
    }
}

void set_buf(struct dl_buf *out, const std::string &s)
{
    dl_buf_reset(out);
    dl_buf_add(out, s.data(), s.size());
}

/* f() with every exception turned into a status: the catch of each entry point. */
template <class F> int guard(const std::string &path, struct dl_error *err, F f)
{
    try {
        if constexpr (std::is_void_v<decltype(f())>) {
            f(); /* a lambda that cannot fail but by throwing */
            return DL_OK;
        } else {
            return f();
        }
    } catch (...) {
        return map_error(err, path);
    }
}

/* guard() for what only a writer may do. */
template <class F> int guard_writer(struct dl_db *h, const char *what, struct dl_error *err, F f)
{
    if (!h || !h->writer) {
        return dl_error_set(err, DL_EINVAL, "cannot %s: index not opened for writing", what);
    }
    return guard(h->path, err, f);
}

/* A new handle (out of memory is fatal, as in dl_xmalloc()). */
template <class T> T *make()
{
    try {
        return new T;
    } catch (...) {
        std::fputs("fatal: out of memory in the xapian shim\n", stderr);
        std::abort();
    }
}

/* Delete a handle; destructors of Xapian objects may throw. */
template <class T> void destroy(T *p)
{
    try {
        delete p;
    } catch (...) {
    }
}

/* Xapian's operator for each enum dl_xop, in its order. */
const Xapian::Query::op XOPS[] = {
    Xapian::Query::OP_AND,  Xapian::Query::OP_OR,        Xapian::Query::OP_AND_NOT,
    Xapian::Query::OP_XOR,  Xapian::Query::OP_AND_MAYBE, Xapian::Query::OP_FILTER,
    Xapian::Query::OP_NEAR, Xapian::Query::OP_PHRASE,    Xapian::Query::OP_SYNONYM,
};

/* Keep the first failure of a builder call (see db.h). */
void xq_fail(struct dl_xq *q, int status, const std::string &msg)
{
    if (q->status == DL_OK) {
        q->status = status;
        q->msg = msg;
    }
}

/* f() on a document, keeping the first failure for dl_db_replace() (see db.h). */
template <class F> void xdoc_do(struct dl_xdoc *d, F f)
{
    try {
        f();
    } catch (...) {
        struct dl_error e = DL_ERROR_INIT;
        int rc = map_error(&e, "");
        if (d->status == DL_OK) {
            d->status = rc;
            std::snprintf(d->msg, sizeof d->msg, "%s", e.msg);
        }
    }
}

/* f() on a query being built, unless an earlier call failed (see db.h). */
template <class F> void xq_do(struct dl_xq *q, F f)
{
    try {
        if (q->status == DL_OK) {
            f();
        }
    } catch (...) {
        struct dl_error e = DL_ERROR_INIT;
        int rc = map_query_error(&e, "");
        xq_fail(q, rc, e.msg);
    }
}

void set_sort(Xapian::Enquire &enq, const struct dl_xenquire *e, Xapian::KeyMaker *key)
{
    bool desc = e->sort_descending != 0;
    if (e->sort == DL_XSORT_RELEVANCE_THEN_VALUE) {
        enq.set_sort_by_relevance_then_value(e->sort_slot, desc);
    } else if (e->sort == DL_XSORT_VALUE_THEN_RELEVANCE) {
        enq.set_sort_by_value_then_relevance(e->sort_slot, desc);
    } else if (e->sort == DL_XSORT_VALUE_MISSING_LAST) {
        enq.set_sort_by_key_then_relevance(key, desc);
    } else {
        enq.set_sort_by_relevance();
    }
}

void set_weighting(Xapian::Enquire &enq, const struct dl_xweight *w)
{
    if (w->k1 > 0 && w->delta > 0) {
        enq.set_weighting_scheme(
            Xapian::BM25PlusWeight(w->k1, 0, 1, w->b, w->min_normlen, w->delta));
    } else if (w->k1 > 0) {
        enq.set_weighting_scheme(Xapian::BM25Weight(w->k1, 0, 1, w->b, w->min_normlen));
    }
}

/* The values counted by a spy, into a C array. */
void copy_values(const Xapian::ValueCountMatchSpy &spy, struct dl_value_count **out, size_t *n)
{
    std::vector<std::pair<std::string, Xapian::doccount>> v;
    for (Xapian::TermIterator t = spy.values_begin(); t != spy.values_end(); ++t) {
        v.emplace_back(*t, t.get_termfreq());
    }
    *out = static_cast<struct dl_value_count *>(dl_xcalloc(v.size() + 1, sizeof **out));
    for (*n = 0; *n < v.size(); ++*n) {
        const std::string &t = v[*n].first;
        (*out)[*n] = {static_cast<char *>(dl_xmemdup(t.data(), t.size())), t.size(), v[*n].second};
    }
}

void run_enquire(struct dl_db *h, const Xapian::Query &q, const struct dl_xenquire *e, size_t first,
                 size_t max, struct dl_mset *m)
{
    /* The spies and the key outlive the Enquire that points at them. */
    std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
    Xapian::MultiValueKeyMaker key; /* DL_XSORT_VALUE_MISSING_LAST: an empty value sorts last */
    key.add_value(e->sort_slot, false, e->sort_descending ? "" : "\xff");
    Xapian::Enquire enq(h->db());
    enq.set_query(q);
    set_sort(enq, e, &key);
    set_weighting(enq, &e->weight);
    enq.set_time_limit(e->time_limit > 0 ? e->time_limit : 0.0);
    enq.set_collapse_key(Xapian::valueno(e->collapse_slot), /* -1 is Xapian::BAD_VALUENO */
                         Xapian::doccount(e->collapse_max ? e->collapse_max : 1));
    for (size_t k = 0; k < e->ncount; k++) {
        spies.emplace_back(new Xapian::ValueCountMatchSpy(e->count_slots[k]));
        enq.add_matchspy(spies.back().get());
    }
    Xapian::MSet ms = enq.get_mset(Xapian::doccount(first), Xapian::doccount(max),
                                   Xapian::doccount(e->check_at_least));
    m->matches = static_cast<struct dl_match *>(dl_xcalloc(ms.size() + 1, sizeof *m->matches));
    for (Xapian::MSetIterator i = ms.begin(); i != ms.end(); ++i) {
        struct dl_match *x = &m->matches[m->n++];
        *x = {*i, i.get_weight(), i.get_collapse_count(), "", ""};
        std::snprintf(x->collapse_key, sizeof x->collapse_key, "%s", i.get_collapse_key().c_str());
        std::snprintf(x->sort_key, sizeof x->sort_key, "%s", i.get_sort_key().c_str());
    }
    m->estimated = ms.get_matches_estimated();
    m->lower = ms.get_matches_lower_bound();
    m->upper = ms.get_matches_upper_bound();
    m->max_possible = ms.get_max_possible();
    m->values = static_cast<struct dl_value_count **>(dl_xcalloc(spies.size() + 1, sizeof(void *)));
    m->nvalues = static_cast<size_t *>(dl_xcalloc(spies.size() + 1, sizeof(size_t)));
    for (m->ncount = 0; m->ncount < spies.size(); m->ncount++) {
        copy_values(*spies[m->ncount], &m->values[m->ncount], &m->nvalues[m->ncount]);
    }
}

} // namespace

/* --- databases ------------------------------------------------------------------------- */

/* A new handle on path, set up by open(h); *out stays NULL on failure. */
template <class F> int open_db(struct dl_db **out, const char *path, struct dl_error *err, F open)
{
    struct dl_db *h = make<dl_db>();
    h->path = path;
    *out = nullptr;
    int rc = guard(h->path, err, [&] { open(h); });
    if (rc == DL_OK) {
        *out = h;
    } else {
        destroy(h);
    }
    return rc;
}

extern "C" int dl_db_open_write(struct dl_db **out, const char *path, struct dl_error *err)
{
    return open_db(out, path, err, [&](struct dl_db *h) {
        h->writer = true;
        h->wdb = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN);
        /* Every change goes into one transaction, so nothing reaches readers (or the disk
         * as a revision) before dl_db_commit(); freeing without a commit discards it. */
        h->wdb.begin_transaction(true);
        h->in_txn = true;
    });
}

extern "C" int dl_db_open_read(struct dl_db **out, const char *path, struct dl_error *err)
{
    return open_db(out, path, err, [&](struct dl_db *h) { h->rdb = Xapian::Database(path); });
}

extern "C" int dl_db_open_remote(struct dl_db **out, const char *host, unsigned port,
                                 unsigned timeout_ms, struct dl_error *err)
{
    auto open = [&](struct dl_db *h) {
        h->rdb = Xapian::Remote::open(host, port, timeout_ms);
        h->remote = true;
    };
    return open_db(out, (std::string(host) + ":" + std::to_string(port)).c_str(), err, open);
}

extern "C" int dl_db_combine(struct dl_db **out, struct dl_db *const *parts, size_t n,
                             struct dl_error *err)
{
    return open_db(out, "(shards)", err, [&](struct dl_db *h) {
        for (size_t i = 0; i < n; i++) {
            h->rdb.add_database(parts[i]->rdb); /* shares the part: its reopen() is ours */
            h->remote = h->remote || parts[i]->remote;
        }
    });
}

extern "C" void dl_db_free(struct dl_db *h)
{
    if (!h) {
        return;
    }
    try {
        /* A reader is not closed: dl_db_combine() shares its parts, closed with the last. */
        if (h->writer && h->in_txn) {
            h->in_txn = false;
            h->wdb.cancel_transaction(); /* discard: never commit behind the caller */
        }
        if (h->writer) {
            h->wdb.close();
        }
    } catch (...) {
        struct dl_error e = DL_ERROR_INIT;
        map_error(&e, h->path);
        dl_log(DL_LOG_WARN, "closing index '%s': %s", h->path.c_str(), e.msg);
    }
    destroy(h);
}

extern "C" int dl_db_reopen(struct dl_db *h, int *changed, struct dl_error *err)
{
    return guard(h->path, err, [&] {
        int moved = h->db().reopen();
        if (changed) {
            *changed = moved;
        }
    });
}

extern "C" int dl_db_doccount(struct dl_db *h, unsigned long *n, struct dl_error *err)
{
    *n = 0;
    return guard(h->path, err, [&] { *n = h->db().get_doccount(); });
}

extern "C" unsigned long dl_db_revision(struct dl_db *h)
{
    try {
        return h->db().get_revision(); /* throws for sharded and remote databases */
    } catch (...) {
        return 0;
    }
}

extern "C" int dl_db_commit(struct dl_db *h, struct dl_error *err)
{
    return guard_writer(h, "commit", err, [&] {
        if (h->in_txn) {
            h->in_txn = false;
            h->wdb.commit_transaction();
        }
        h->wdb.begin_transaction(true);
        h->in_txn = true;
    });
}

extern "C" int dl_db_compact(const char *const *srcs, size_t n, const char *dest,
                             struct dl_error *err)
{
    if (n == 0) {
        return dl_error_set(err, DL_EINVAL, "cannot merge: no source database");
    }
    return guard(dest, err, [&] {
        Xapian::Database all;
        for (size_t i = 0; i < n; i++) {
            all.add_database(Xapian::Database(srcs[i]));
        }
        all.compact(dest, Xapian::Compactor::STANDARD); /* not FULLER: later runs update it */
    });
}

/* --- metadata, synonyms, spelling ------------------------------------------------------- */

extern "C" int dl_db_get_meta(struct dl_db *h, const char *key, struct dl_buf *out,
                              struct dl_error *err)
{
    return guard(h->path, err, [&] { set_buf(out, h->db().get_metadata(key)); });
}

extern "C" int dl_db_set_meta(struct dl_db *h, const char *key, const char *v, size_t len,
                              struct dl_error *err)
{
    return guard_writer(h, "set metadata", err,
                        [&] { h->wdb.set_metadata(key, std::string(v, len)); });
}

extern "C" int dl_db_set_synonyms(struct dl_db *h, const char *const *keys,
                                  const char *const *terms, size_t n, struct dl_error *err)
{
    return guard_writer(h, "set synonyms", err, [&] {
        std::vector<std::string> old(h->wdb.synonym_keys_begin(), h->wdb.synonym_keys_end());
        for (const std::string &k : old) {
            h->wdb.clear_synonyms(k);
        }
        for (size_t i = 0; i < n; i++) {
            h->wdb.add_synonym(keys[i], terms[i]);
        }
    });
}

extern "C" int dl_db_add_spelling(struct dl_db *h, const char *word, size_t len, unsigned freq,
                                  struct dl_error *err)
{
    return guard_writer(h, "add spelling data", err,
                        [&] { h->wdb.add_spelling(std::string(word, len), freq); });
}

extern "C" int dl_db_spelling(struct dl_db *h, const char *word, size_t len, struct dl_buf *out,
                              struct dl_error *err)
{
    /* remote shards keep no spelling data: "" (the searcher asks its auxiliary database) */
    return guard(h->path, err,
                 [&] { set_buf(out, h->db().get_spelling_suggestion(std::string(word, len))); });
}

/* --- terms and documents --------------------------------------------------------------------- */

extern "C" int dl_db_termfreq(struct dl_db *h, const char *term, size_t len, unsigned long *freq,
                              struct dl_error *err)
{
    *freq = 0;
    return guard(h->path, err, [&] { *freq = h->db().get_termfreq(std::string(term, len)); });
}

/* Pairs (term, frequency) read by read(v) first, then each given to cb (which may change the
 * database, and may not throw); a non-zero return of cb stops and is returned. */
template <class F>
int read_terms(struct dl_db *h, dl_term_fn cb, void *ctx, struct dl_error *err, F read)
{
    std::vector<std::pair<std::string, Xapian::doccount>> v;
    int rc = guard(h->path, err, [&] { read(v); });
    for (size_t i = 0; i < v.size() && rc == DL_OK; i++) {
        rc = cb(ctx, v[i].first.data(), v[i].first.size(), v[i].second);
    }
    return rc;
}

extern "C" int dl_db_allterms(struct dl_db *h, const char *prefix, size_t len, size_t max,
                              dl_term_fn cb, void *ctx, struct dl_error *err)
{
    std::string p(prefix, len);
    return read_terms(h, cb, ctx, err, [&](auto &v) {
        for (auto t = h->db().allterms_begin(p); t != h->db().allterms_end(p) && v.size() < max;
             ++t) {
            v.emplace_back(*t, t.get_termfreq());
        }
    });
}

extern "C" int dl_db_spellings(struct dl_db *h, dl_term_fn cb, void *ctx, struct dl_error *err)
{
    return read_terms(h, cb, ctx, err, [&](auto &v) {
        for (auto t = h->db().spellings_begin(); t != h->db().spellings_end(); ++t) {
            v.emplace_back(*t, t.get_termfreq());
        }
    });
}

extern "C" int dl_db_doc_terms(struct dl_db *h, unsigned docid, dl_term_fn cb, void *ctx,
                               struct dl_error *err)
{
    return read_terms(h, cb, ctx, err, [&](auto &v) {
        for (auto t = h->db().termlist_begin(docid); t != h->db().termlist_end(docid); ++t) {
            v.emplace_back(*t, t.get_wdf());
        }
    });
}

extern "C" int dl_db_termfreqs(struct dl_db *h, const char *const *terms, const size_t *lens,
                               size_t n, unsigned long *freqs, struct dl_error *err)
{
    return guard(h->path, err, [&] {
        std::vector<std::string> v;
        for (size_t i = 0; i < n; i++) {
            v.emplace_back(terms[i], lens[i]);
        }
        Xapian::Enquire enq(h->db()); /* remote only: locally a lookup each is cheaper */
        enq.set_query(
            Xapian::Query(Xapian::Query::OP_OR, v.begin(), h->remote ? v.end() : v.begin()));
        Xapian::MSet m = h->remote ? enq.get_mset(0, 0) : Xapian::MSet();
        for (size_t i = 0; i < n; i++) {
            freqs[i] = h->remote ? m.get_termfreq(v[i]) : h->db().get_termfreq(v[i]);
        }
    });
}

extern "C" int dl_db_avlength(struct dl_db *h, double *avlen, struct dl_error *err)
{
    *avlen = 0;
    return guard(h->path, err, [&] { *avlen = h->db().get_avlength(); });
}

extern "C" int dl_db_postings(struct dl_db *h, const char *term, size_t len, dl_docid_fn cb,
                              void *ctx, struct dl_error *err)
{
    std::vector<Xapian::docid> ids;
    int rc = guard(h->path, err, [&] {
        std::string t(term, len);
        ids.assign(h->db().postlist_begin(t), h->db().postlist_end(t));
    });
    for (size_t i = 0; i < ids.size() && rc == DL_OK; i++) {
        rc = cb(ctx, ids[i]);
    }
    return rc;
}

extern "C" int dl_db_retag(struct dl_db *h, unsigned docid, unsigned slot, const char *prefix,
                           const char *v, size_t len, struct dl_error *err)
{
    return guard_writer(h, "retag a document", err, [&] {
        Xapian::Document doc = h->wdb.get_document(docid);
        const std::string p(prefix), val(v, len);
        Xapian::TermIterator t = doc.termlist_begin();
        t.skip_to(p);
        if (t != doc.termlist_end() && (*t).compare(0, p.size(), p) == 0) {
            doc.remove_term(*t); /* one such term per document (db.h) */
        }
        doc.add_boolean_term(p + val);
        doc.add_value(slot, val);
        h->wdb.replace_document(docid, doc);
    });
}

extern "C" int dl_db_document(struct dl_db *h, unsigned docid, struct dl_buf *data,
                              const unsigned *slots, struct dl_buf *values, size_t nslots,
                              struct dl_error *err)
{
    return guard(h->path, err, [&]() -> int {
        Xapian::Document doc = h->db().get_document(docid); /* DL_ENOTFOUND: map_error() */
        if (data) {
            set_buf(data, doc.get_data());
        }
        for (size_t k = 0; k < nslots; k++) {
            set_buf(&values[k], doc.get_value(slots[k]));
        }
        return DL_OK;
    });
}

extern "C" struct dl_xdoc *dl_xdoc_new(void)
{
    return make<dl_xdoc>();
}

extern "C" void dl_xdoc_free(struct dl_xdoc *d)
{
    destroy(d);
}

extern "C" void dl_xdoc_clear(struct dl_xdoc *d)
{
    d->status = DL_OK;
    d->msg[0] = '\0';
    xdoc_do(d, [&] { d->doc = Xapian::Document(); });
}

extern "C" void dl_xdoc_add_posting(struct dl_xdoc *d, const char *term, size_t len, unsigned pos)
{
    xdoc_do(d, [&] { d->doc.add_posting(std::string(term, len), pos); });
}

extern "C" void dl_xdoc_add_term(struct dl_xdoc *d, const char *term, size_t len, unsigned wdf)
{
    xdoc_do(d, [&] { d->doc.add_term(std::string(term, len), wdf); });
}

extern "C" void dl_xdoc_add_boolean(struct dl_xdoc *d, const char *term, size_t len)
{
    xdoc_do(d, [&] { d->doc.add_boolean_term(std::string(term, len)); });
}

extern "C" void dl_xdoc_set_value(struct dl_xdoc *d, unsigned slot, const char *v, size_t len)
{
    xdoc_do(d, [&] { d->doc.add_value(slot, std::string(v, len)); });
}

extern "C" void dl_xdoc_set_data(struct dl_xdoc *d, const char *data, size_t len)
{
    xdoc_do(d, [&] { d->doc.set_data(std::string(data, len)); });
}

extern "C" int dl_db_replace(struct dl_db *h, const char *term, size_t len, struct dl_xdoc *d,
                             struct dl_error *err)
{
    return guard_writer(h, "store a document", err, [&]() -> int {
        if (d->status != DL_OK) {
            return dl_error_set(err, d->status, "%s", d->msg);
        }
        h->wdb.replace_document(std::string(term, len), d->doc);
        return DL_OK;
    });
}

extern "C" int dl_db_delete(struct dl_db *h, const char *term, size_t len, struct dl_error *err)
{
    return guard_writer(h, "delete a document", err, [&]() -> int {
        std::string t(term, len);
        if (!h->wdb.term_exists(t)) {
            return dl_error_set(err, DL_ENOTFOUND, "no document indexed by that term");
        }
        h->wdb.delete_document(t);
        return DL_OK;
    });
}

/* --- queries ---------------------------------------------------------------------------------- */

extern "C" struct dl_xq *dl_xq_new(void)
{
    return make<dl_xq>();
}

extern "C" void dl_xq_free(struct dl_xq *q)
{
    destroy(q);
}

extern "C" void dl_xq_reset(struct dl_xq *q)
{
    q->stack.clear();
    q->status = DL_OK;
    q->msg.clear();
}

extern "C" void dl_xq_term(struct dl_xq *q, const char *term, size_t len, unsigned wqf,
                           unsigned pos)
{
    xq_do(q, [&] { q->stack.emplace_back(std::string(term, len), wqf, pos); });
}

extern "C" void dl_xq_wildcard(struct dl_xq *q, const char *prefix, size_t len, unsigned max)
{
    xq_do(q, [&] {
        q->stack.emplace_back(Xapian::Query::OP_WILDCARD, std::string(prefix, len), max,
                              Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                              Xapian::Query::OP_SYNONYM);
    });
}

extern "C" void dl_xq_value_range(struct dl_xq *q, unsigned slot, const char *lo, const char *hi)
{
    xq_do(q, [&] {
        bool has_lo = lo && *lo, has_hi = hi && *hi;
        if (has_lo && has_hi) {
            q->stack.emplace_back(Xapian::Query::OP_VALUE_RANGE, slot, lo, hi);
        } else if (has_lo || has_hi) {
            q->stack.emplace_back(has_lo ? Xapian::Query::OP_VALUE_GE : Xapian::Query::OP_VALUE_LE,
                                  slot, has_lo ? lo : hi);
        } else {
            q->stack.emplace_back(std::string()); /* no bound: every document */
        }
    });
}

extern "C" void dl_xq_all(struct dl_xq *q)
{
    /* Not Query::MatchAll: that is one static object, and copying it bumps its reference
     * count without atomics, which two server threads corrupted (ASan saw a use after
     * free). The empty term is what MatchAll is made of. */
    xq_do(q, [&] { q->stack.emplace_back(std::string()); });
}

extern "C" void dl_xq_combine(struct dl_xq *q, enum dl_xop op, size_t n, unsigned window)
{
    xq_do(q, [&] {
        if (n == 0 || n > q->stack.size()) {
            xq_fail(q, DL_EINVAL, "query operator without enough operands");
            return;
        }
        auto first = q->stack.end() - std::ptrdiff_t(n);
        bool positional = op == DL_XOP_NEAR || op == DL_XOP_PHRASE;
        if (unsigned(op) >= sizeof XOPS / sizeof XOPS[0]) {
            throw Xapian::InvalidArgumentError("unknown query operator");
        }
        Xapian::Query r(XOPS[op], first, q->stack.end(), positional ? window : 0);
        q->stack.erase(first, q->stack.end());
        q->stack.push_back(std::move(r));
    });
}

extern "C" void dl_xq_scale(struct dl_xq *q, double factor)
{
    xq_do(q, [&] {
        if (q->stack.empty()) {
            xq_fail(q, DL_EINVAL, "nothing to scale");
        } else {
            q->stack.back() =
                Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q->stack.back(), factor);
        }
    });
}

extern "C" void dl_xq_constant(struct dl_xq *q, double weight) /* released: the query owns it */
{
    xq_do(q, [&] {
        q->stack.emplace_back((new Xapian::FixedWeightPostingSource(weight))->release());
    });
}

extern "C" void dl_xq_dup(struct dl_xq *q, int pop)
{
    xq_do(q, [&] {
        if (q->stack.empty()) {
            xq_fail(q, DL_EINVAL, pop ? "nothing to pop" : "nothing to copy");
        } else if (pop) {
            q->stack.pop_back();
        } else {
            q->stack.push_back(q->stack.back());
        }
    });
}

extern "C" size_t dl_xq_depth(const struct dl_xq *q)
{
    return q->stack.size();
}

extern "C" int dl_xq_status(const struct dl_xq *q, struct dl_error *err)
{
    return q->status == DL_OK ? DL_OK : dl_error_set(err, q->status, "%s", q->msg.c_str());
}

extern "C" int dl_xq_describe(const struct dl_xq *q, struct dl_buf *out, struct dl_error *err)
{
    return guard("", err, [&] {
        set_buf(out, q->stack.empty() ? std::string() : q->stack.back().get_description());
    });
}

/* --- enquire ------------------------------------------------------------------------------ */

extern "C" int dl_db_enquire(struct dl_db *h, const struct dl_xq *q, const struct dl_xenquire *e,
                             size_t first, size_t max, struct dl_mset *out, struct dl_error *err)
{
    std::memset(out, 0, sizeof *out);
    int rc = dl_xq_status(q, err);
    if (rc == DL_OK && q->stack.empty()) {
        rc = dl_error_set(err, DL_EINVAL, "no query to run");
    }
    try {
        if (rc == DL_OK) {
            run_enquire(h, q->stack.back(), e, first, max, out);
        }
    } catch (...) {
        rc = map_query_error(err, h->path);
    }
    if (rc != DL_OK) {
        dl_mset_release(out);
    }
    return rc;
}

/* --- the stemmer, and nothing after it: a shim stays short (issue 9: under 800 lines) --- */

extern "C" void dl_stem(const char *w, size_t n, struct dl_buf *out)
{
    try {
        thread_local Xapian::Stem stemmer("en");
        set_buf(out, stemmer(std::string(w, n)));
    } catch (...) {
        set_buf(out, std::string(w, n)); /* no stem is better than no word */
    }
}
