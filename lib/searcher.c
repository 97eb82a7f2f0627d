/*
 * searcher.c - one thread's search of one index (see searcher.h).
 *
 * A search, step by step (search_once): the query and the caller's filters
 * on the shim's builder; the Enquire over the page, counting facets unless
 * the cache has them; for a query of filters alone a second pass by date;
 * the totals; the readouts of the page; the facets; the spelling
 * suggestion.
 */
#include "dateline/searcher.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/fold.h"
#include "dateline/hitcache.h"
#include "dateline/record.h"
#include "dateline/schema.h"
#include "dateline/shardset.h"
#include "dateline/store.h"
#include "dateline/ties.h"
#include "dateline/written.h"

/* Searches whose exact totals and facets a searcher remembers. */
#define FACET_CACHE_SIZE 256
/* Runs of an operation at most: once more after the revision moved on, or a shard failed. */
#define ATTEMPTS 3
/* Queries whose written_as a searcher remembers (written.h's lookups are a round trip per
 * word and per shard on remote shards). */
#define WRITTEN_CACHE_SIZE 64
/* The readouts a searcher keeps (hitcache.h): 8 MB holds about 800 White House readouts, some
 * 1,600 per server on two cores; the benchmark's 50 queries read about 500. */
#define HIT_CACHE_BYTES (8u << 20)
/* Facets of sources and entities: at most this many values each. */
#define MAX_FACET_VALUES 20

/*
 * The weighting, chosen with bench/relevance.py (known-item queries on four corpora, and
 * Reuters-21578's topics as judgments; the figures are in the commit that set it): BM25+
 * (Lv and Zhai, CIKM 2011: a long readout's matching word never weighs less than delta),
 * with FTS5's k1 1.2, a stronger length normalisation b 0.85, and readouts shorter than a
 * fifth of the average normalised as that fifth. Xapian's default BM25 (k1 1, b 0.5,
 * min_normlen 0.5) ranked short readouts below the long briefings sharing their words.
 */
static const struct dl_xweight WEIGHTING = {1.2, 0.85, 0.2, 1.0};

/* The slots counted for the facets, in enum dl_facet_kind's order; the year and the month
 * facets both sum the days of the date slot (dl_facet_days), so it comes first and the
 * month's entry is not counted again. */
static const unsigned FACET_SLOTS[DL_FACET_COUNT - 1] = {
    DL_SLOT_DATE, DL_SLOT_SOURCE, DL_SLOT_PEOPLE, DL_SLOT_COUNTRIES, DL_SLOT_ORGS, DL_SLOT_KIND};

struct dl_searcher {
    struct dl_db *db; /* the index, or its shards that answer (conn's) */
    char *path;
    struct dl_shardset *set;    /* the shards and their health (borrowed), or NULL */
    struct dl_shardconn *conn;  /* with set: this searcher's connections */
    struct dl_db *aux;          /* with set: the auxiliary database (spelling, metadata) */
    struct dl_aliases *aliases; /* the revision's table, or NULL */
    struct dl_buf alias_text;   /* its text, to parse it again only when it changes */
    struct dl_fcache *facets;
    struct dl_hitcache *hits; /* the revision's readouts read last */
    struct dl_codec *codec;
    struct dl_xq *xq;
    struct written {  /* the revision's written_as of recent queries (a ring) */
        char *input;  /* the query as typed, or NULL: a free slot */
        char *result; /* its written_as, or NULL for none */
    } written[WRITTEN_CACHE_SIZE];
    size_t written_next;
};

/* One search in progress. */
struct run {
    struct dl_searcher *s;
    struct dl_qtree *q;
    const struct dl_search_params *p;
    struct dl_results *res;
    struct dl_error *err;
    int empty;                            /* nothing to search: every readout */
    struct dl_buf key;                    /* the facet cache's key */
    const struct dl_facet_counts *cached; /* the cache's counts, or NULL */
    struct dl_mset m;
};

void dl_results_release(struct dl_results *res)
{
    if (!res) {
        return;
    }
    for (size_t i = 0; i < res->nhits; i++) {
        dl_readout_release(&res->hits[i].doc);
        dl_explanation_release(&res->hits[i].explain);
        dl_found_release(&res->hits[i].found);
        dl_accounts_release(&res->hits[i].same_event);
    }
    free(res->hits);
    struct dl_facet_counts f = {0};
    memcpy(f.f, res->facets, sizeof f.f);
    dl_facet_counts_release(&f);
    dl_terms_release(&res->terms);
    free(res->suggestion);
    free(res->written_as);
    free(res->parsed);
    memset(res, 0, sizeof *res);
}

/* --- the searcher -------------------------------------------------------------------------- */

/* The alias table stored in the index; kept as it is when its text did not change. */
static int load_aliases(struct dl_searcher *s, struct dl_error *err)
{
    struct dl_buf text = DL_BUF_INIT;
    int rc = dl_db_get_meta(s->aux ? s->aux : s->db, DL_META_ALIASES, &text, err);
    if (rc == DL_OK && (text.len != s->alias_text.len ||
                        memcmp(text.buf, s->alias_text.buf, text.len) != 0 || !s->aliases)) {
        struct dl_error e = DL_ERROR_INIT;
        dl_aliases_free(s->aliases);
        s->aliases = NULL;
        if (text.len && dl_aliases_parse(text.buf, text.len, &s->aliases, &e) != DL_OK) {
            dl_log(DL_LOG_WARN, "ignoring the index's alias table: %s", e.msg);
            s->aliases = NULL;
        }
        dl_buf_reset(&s->alias_text);
        dl_buf_add(&s->alias_text, text.buf, text.len);
    }
    dl_buf_release(&text);
    return rc;
}

static void written_clear(struct dl_searcher *s)
{
    for (size_t i = 0; i < WRITTEN_CACHE_SIZE; i++) {
        free(s->written[i].input);
        free(s->written[i].result);
        s->written[i].input = s->written[i].result = NULL;
    }
}

/* dl_written_as() for q, remembered for the revision. */
static int written_as(struct dl_searcher *s, const struct dl_qtree *q, char **out,
                      struct dl_error *err)
{
    const char *in = q->input ? q->input : "";
    for (size_t i = 0; i < WRITTEN_CACHE_SIZE; i++) {
        struct written *w = &s->written[i];
        if (w->input && strlen(w->input) == q->ninput && memcmp(w->input, in, q->ninput) == 0) {
            *out = w->result ? dl_xstrdup(w->result) : NULL;
            return DL_OK;
        }
    }
    int rc = dl_written_as(s->db, q, s->aliases, out, err);
    if (rc == DL_OK && !memchr(in, '\0', q->ninput)) {
        struct written *w = &s->written[s->written_next++ % WRITTEN_CACHE_SIZE];
        free(w->input);
        free(w->result);
        w->input = dl_xmemdup(in, q->ninput);
        w->result = *out ? dl_xstrdup(*out) : NULL;
    }
    return rc;
}

/* The index at s->path into s: the shards of s->set that answer, or the database. */
static int open_index(struct dl_searcher *s, struct dl_error *err)
{
    if (!s->set) {
        return dl_db_open_read(&s->db, s->path, err);
    }
    int rc = dl_shardconn_open(&s->conn, s->set, err);
    s->db = rc == DL_OK ? dl_shardconn_db(s->conn) : NULL;
    const char *aux = dl_shardset_aux(s->set);
    struct dl_buf noted = DL_BUF_INIT;
    if (rc == DL_OK && !aux && dl_db_get_meta(s->db, DL_META_AUX, &noted, NULL) == DL_OK &&
        noted.len && access(noted.buf, R_OK) == 0) {
        aux = noted.buf; /* the stub is not beside the index: where the shards say it is */
    }
    if (rc == DL_OK && aux && (rc = dl_db_open_read(&s->aux, aux, err)) != DL_OK) {
        rc = dl_error_set(err, rc, "cannot open the auxiliary database '%s': %s", aux, err->msg);
    }
    dl_buf_release(&noted);
    return rc;
}

int dl_searcher_open_shards(struct dl_searcher **out, const char *path, struct dl_shardset *set,
                            struct dl_error *err)
{
    struct dl_searcher *s = dl_xcalloc(1, sizeof *s);
    *out = NULL;
    s->path = dl_xstrdup(path);
    s->set = set;
    dl_buf_init(&s->alias_text, 0);
    s->facets = dl_fcache_new(FACET_CACHE_SIZE);
    s->hits = dl_hitcache_new(HIT_CACHE_BYTES);
    s->codec = dl_codec_new();
    s->xq = dl_xq_new();
    int rc = open_index(s, err);
    if (rc == DL_OK) {
        rc = dl_store_check_schema(s->aux ? s->aux : s->db, path, err);
    }
    if (rc == DL_OK) {
        rc = load_aliases(s, err);
    }
    if (rc != DL_OK) {
        dl_searcher_free(s);
        return rc;
    }
    *out = s;
    return DL_OK;
}

int dl_searcher_open(struct dl_searcher **out, const char *path, struct dl_error *err)
{
    return dl_searcher_open_shards(out, path, NULL, err);
}

void dl_searcher_free(struct dl_searcher *s)
{
    if (!s) {
        return;
    }
    if (s->conn) {
        dl_shardconn_free(s->conn); /* s->db is its */
    } else {
        dl_db_free(s->db);
    }
    dl_db_free(s->aux);
    written_clear(s);
    free(s->path);
    dl_aliases_free(s->aliases);
    dl_buf_release(&s->alias_text);
    dl_fcache_free(s->facets);
    dl_hitcache_free(s->hits);
    dl_codec_free(s->codec);
    dl_xq_free(s->xq);
    free(s);
}

int dl_searcher_refresh(struct dl_searcher *s, int *changed, struct dl_error *err)
{
    int moved = 0, aux_moved = 0;
    int rc =
        s->conn ? dl_shardconn_refresh(s->conn, &moved, err) : dl_db_reopen(s->db, &moved, err);
    if (s->conn) {
        s->db = dl_shardconn_db(s->conn);
    }
    if (rc == DL_OK && s->aux) {
        rc = dl_db_reopen(s->aux, &aux_moved, err);
    }
    if (rc == DL_OK && (moved || aux_moved)) {
        dl_fcache_clear(s->facets); /* counts of the old revision (shards have no number) */
        dl_hitcache_clear(s->hits);
        written_clear(s);
        rc = load_aliases(s, err);
    }
    if (changed) {
        *changed = moved || aux_moved;
    }
    return rc;
}

void dl_searcher_shards(const struct dl_searcher *s, size_t *answering, size_t *total)
{
    *total = s->set ? dl_shardset_count(s->set) : 1;
    *answering = s->conn ? dl_shardconn_up(s->conn) : 1;
}

/*
 * After an operation failed with rc: DL_OK when running it again is worth it (the revision
 * it read was discarded; or a shard failed and was left out, others answering), else rc.
 */
static int recover(struct dl_searcher *s, int rc, struct dl_error *err)
{
    if (rc == DL_EMODIFIED) {
        return dl_searcher_refresh(s, NULL, err);
    }
    if (rc != DL_ENETWORK || !s->conn) {
        return rc;
    }
    int again = dl_shardconn_reconnect(s->conn, err); /* leaves out the shard that failed */
    s->db = dl_shardconn_db(s->conn);
    if (again == DL_OK) {
        dl_fcache_clear(s->facets);
        dl_hitcache_clear(s->hits); /* docids of the shards that answered */
        written_clear(s);
        again = load_aliases(s, err);
    }
    return again;
}

struct dl_db *dl_searcher_db(struct dl_searcher *s)
{
    return s->db;
}

const struct dl_aliases *dl_searcher_aliases(const struct dl_searcher *s)
{
    return s->aliases;
}

/* --- the query ------------------------------------------------------------------------------- */

/* The caller's from/to/source/entity filters on top of the query on the stack. */
static int add_filters(struct run *r)
{
    const struct dl_search_params *p = r->p;
    struct dl_xq *xq = r->s->xq;
    char from[9] = "", to[9] = "";
    const char *bad = NULL;
    if (p->from && !dl_schema_date(p->from, from)) {
        bad = p->from;
    } else if (p->to && !dl_schema_date(p->to, to)) {
        bad = p->to;
    }
    if (bad) {
        return dl_error_set(r->err, DL_EINVAL, "invalid date '%s': want YYYY-MM-DD", bad);
    }
    size_t n = 0;
    if (from[0] || to[0]) {
        dl_xq_value_range(xq, DL_SLOT_DATE, from, to);
        n++;
    }
    if (p->indexed_from && *p->indexed_from) {
        dl_xq_value_range(xq, DL_SLOT_INDEXED, p->indexed_from, NULL);
        n++;
    }
    if (p->source && *p->source) {
        struct dl_buf slug = DL_BUF_INIT, term = DL_BUF_INIT;
        dl_slug(p->source, strlen(p->source), &slug);
        dl_schema_term(&term, DL_PREFIX_SOURCE, slug.buf, slug.len);
        dl_xq_term(xq, term.buf, term.len, 1, 0);
        dl_buf_release(&slug);
        dl_buf_release(&term);
        n++;
    }
    struct dl_buf term = DL_BUF_INIT;
    for (size_t i = 0; i < p->nentities; i++, n++) {
        const struct dl_entity_filter *e = &p->entities[i];
        dl_qbuild_entity_term(r->s->aliases, e->type, e->name, e->len, &term);
        dl_xq_term(xq, term.buf, term.len, 1, 0);
    }
    for (size_t i = 0; i < p->nkinds; i++, n++) {
        dl_buf_reset(&term);
        dl_buf_addf(&term, "%s%s", DL_PREFIX_KIND, dl_kind_name(p->kinds[i]));
        dl_xq_term(xq, term.buf, term.len, 1, 0);
    }
    dl_buf_release(&term);
    if (p->undated) { /* every readout but those with a date value */
        dl_xq_all(xq);
        dl_xq_value_range(xq, DL_SLOT_DATE, "00000000", "99999999");
        dl_xq_combine(xq, DL_XOP_AND_NOT, 2, 0);
        n++;
    }
    if (n) {
        if (n > 1) {
            dl_xq_combine(xq, DL_XOP_AND, n, 0);
        }
        dl_xq_combine(xq, DL_XOP_FILTER, 2, 0);
    }
    return DL_OK;
}

/* The query of q (or of its plain words) with the filters, and the terms it marks. */
static int make_query(struct run *r, int plain)
{
    struct dl_qbuild o = {r->s->aliases, r->p->max_wildcard};
    dl_xq_reset(r->s->xq);
    dl_terms_release(&r->res->terms);
    if (plain) {
        dl_qbuild_plain(r->q, &o, r->s->xq, &r->res->terms);
    } else {
        dl_qbuild(r->q, &o, r->s->xq, &r->res->terms);
    }
    int rc = add_filters(r);
    return rc ? rc : dl_xq_status(r->s->xq, r->err);
}

/* --- the match ------------------------------------------------------------------------------- */

static void set_sort(const struct run *r, struct dl_xenquire *e)
{
    e->sort_slot = DL_SLOT_DATE;
    e->sort_descending = 1;
    if (r->p->sort == DL_SORT_DATE_DESC) {
        /* Undated readouts have an empty value, which sorts below every date. */
        e->sort = DL_XSORT_VALUE_THEN_RELEVANCE;
    } else if (r->p->sort == DL_SORT_INDEXED) {
        e->sort_slot = DL_SLOT_INDEXED;
        e->sort = DL_XSORT_VALUE_THEN_RELEVANCE;
    } else if (r->p->sort == DL_SORT_DATE_ASC) {
        e->sort = DL_XSORT_VALUE_MISSING_LAST;
        e->sort_descending = 0;
    } else {
        /* Ties in BM25 are rare; only all-equal weights (everything, or only filters) need
         * an order, the newest first. Fetching the date of every candidate for the
         * tie-break cost a fifth of a search. */
        e->sort = r->empty ? DL_XSORT_RELEVANCE_THEN_VALUE : DL_XSORT_RELEVANCE;
    }
}

/* The counts of a match set (values, totals) into the page's, which has none. */
static void take_counts(struct dl_mset *page, struct dl_mset *counts)
{
    struct dl_mset t = *page;
    page->values = counts->values, counts->values = t.values;
    page->nvalues = counts->nvalues, counts->nvalues = t.nvalues;
    page->ncount = counts->ncount, counts->ncount = t.ncount;
    page->estimated = counts->estimated;
    page->lower = counts->lower;
    page->upper = counts->upper;
}

/*
 * Whether the facets must be counted in a pass of their own, by relevance: Xapian 1.4 counts
 * a remote shard's documents twice in match spies when the order is by value and they sort
 * below the page (MultiMatch::get_mset calls the spy without its is_remote check on that
 * path; test_remote saw 41 dated readouts of 39 for an empty query, limit 10).
 */
static int remote_shards(const struct run *r)
{
    return r->s->set && dl_shardset_has_remote(r->s->set);
}

static int count_apart(const struct run *r, const struct dl_xenquire *e)
{
    /* oldest first on remote shards (oldest_first): its passes count only their part; and
     * in an order by value the spies of the facets and of the events (count_events) */
    int oldest = e->sort == DL_XSORT_VALUE_MISSING_LAST && !r->cached;
    int events = e->collapse_slot >= 0 && !r->cached;
    return remote_shards(r) && (oldest || ((e->ncount || events) && e->sort != DL_XSORT_RELEVANCE));
}

/*
 * Events are counted as the distinct cluster keys of the matches (every readout has one,
 * DL_SLOT_EVENT), counted by a spy beside the facets', not taken from the collapsed match:
 * Xapian's collapsed count is an estimate that overcounts once an event's best account
 * pushed its other one off a short page (39 for 35 events), and over remote shards, which
 * send only their page, accounts of one event on two shards collapse only when both are on
 * it. The spy's last slot, DL_SLOT_EVENT, is taken off again by take_events().
 */
static void count_events(struct dl_xenquire *e, unsigned *slots)
{
    memcpy(slots, FACET_SLOTS, sizeof FACET_SLOTS);
    e->count_slots = slots;
    slots[e->ncount++] = DL_SLOT_EVENT;
    e->check_at_least = e->check_at_least ? e->check_at_least : 1;
}

static void take_events(struct dl_mset *m, unsigned long check_at_least)
{
    size_t k = --m->ncount, n = m->nvalues[k];
    unsigned long seen = 0; /* matches the spy saw */
    for (size_t i = 0; i < n; i++) {
        seen += m->values[k][i].count;
        free(m->values[k][i].value);
    }
    free(m->values[k]);
    m->values[k] = NULL;
    m->nvalues[k] = 0;
    /* Every match seen (fewer than the match had to look at; collapsing blurs Xapian's
     * bounds): the count is exact. */
    if (seen < check_at_least || m->lower == m->upper) {
        m->estimated = m->lower = m->upper = n;
    } else if (n > m->lower) {
        m->lower = n;
    }
}

/*
 * Over remote shards, which of v[0..n) may stand for an event with other accounts though
 * they say they collapsed none (each shard collapses its own): all but those whose
 * accounts the searcher keeps and knows to be none.
 */
static char *maybe_shared(struct run *r, const struct dl_match *v, size_t n)
{
    char *also = dl_xcalloc(n ? n : 1, 1);
    struct dl_accounts a = {0};
    for (size_t k = 0; k < n; k++) {
        also[k] = !dl_hitcache_get_accounts(r->s->hits, v[k].docid, &a) || a.count > 0;
        dl_accounts_release(&a);
    }
    return also;
}

/*
 * dl_db_enquire() for the matches [first, first + want) of the query on the stack, ties in one
 * order whatever the index's layout (ties.h): a margin of DL_TIES_MARGIN more on each side is
 * found (wider while a run of ties crosses it, up to TIES_MARGIN_MAX), ordered, and cut off.
 */
#define TIES_MARGIN_MAX 4096
static int page_enquire(struct run *r, const struct dl_xenquire *e, size_t first, size_t want,
                        struct dl_mset *out)
{
    enum dl_ties_sort by = dl_ties_sort_of(e);
    size_t margin = DL_TIES_MARGIN, before;
    int rc;
    for (;;) {
        before = first < margin ? first : margin;
        size_t asked = before + want + margin;
        rc = dl_db_enquire(r->s->db, r->s->xq, e, first - before, asked, out, r->err);
        if (rc != DL_OK || margin >= TIES_MARGIN_MAX ||
            !dl_ties_cut(out->matches, out->n, before, want, first > before, out->n == asked)) {
            break;
        }
        margin *= 8;
        dl_mset_release(out);
    }
    if (rc == DL_OK) {
        rc = dl_ties_order(out->matches, out->n, by, dl_store_id_of, r->s->db, r->err);
    }
    if (rc == DL_OK && e->collapse_slot >= 0 && out->n > before) { /* the page's events */
        size_t n = out->n - before < want ? out->n - before : want;
        char *also = remote_shards(r) ? maybe_shared(r, out->matches + before, n) : NULL;
        rc = dl_ties_representatives(r->s->db, r->s->xq, e, DL_PREFIX_EVENT, out->matches + before,
                                     n, also, dl_store_id_of, r->s->db, r->err);
        free(also);
        if (rc == DL_OK) {
            rc = dl_ties_order(out->matches, out->n, by, dl_store_id_of, r->s->db, r->err);
        }
    }
    if (rc == DL_OK) {
        size_t skip = out->n < before ? out->n : before;
        size_t keep = out->n - skip < want ? out->n - skip : want;
        memmove(out->matches, out->matches + skip, keep * sizeof *out->matches);
        out->n = keep;
    }
    return rc;
}

/* The counting pass on remote shards (count_apart): by relevance, without collapsing. */
static int count_remote(struct run *r, struct dl_xenquire c, size_t first, size_t want,
                        struct dl_mset *counts)
{
    unsigned slots[DL_FACET_COUNT];
    int events = c.collapse_slot >= 0;
    c.sort = DL_XSORT_RELEVANCE;
    if (events) {
        count_events(&c, slots);
        c.collapse_slot = -1;
    }
    int rc = dl_db_enquire(r->s->db, r->s->xq, &c, first, want, counts, r->err);
    if (rc == DL_OK && events) {
        take_events(counts, 0); /* not collapsed: its bounds say when all were seen */
    }
    return rc;
}

/* The matches of b after those of a (whose docids share a's database). */
static void append_matches(struct dl_mset *a, const struct dl_mset *b)
{
    a->matches = dl_xrealloc(a->matches, (a->n + b->n + 1) * sizeof *a->matches);
    memcpy(a->matches + a->n, b->matches, b->n * sizeof *b->matches);
    a->n += b->n;
}

/*
 * Oldest first where the order cannot be a KeyMaker (DL_XSORT_VALUE_MISSING_LAST: Xapian's
 * remote backend takes none): the dated matches by date, then the undated ones by relevance,
 * as the KeyMaker orders them. The counts are another pass's (count_apart).
 */
static int oldest_first(struct run *r, struct dl_xenquire e, struct dl_mset *out)
{
    size_t first = r->p->offset, want = r->p->limit;
    struct dl_mset undated = {0};
    e.sort = DL_XSORT_VALUE_THEN_RELEVANCE;
    e.ncount = 0;
    e.check_at_least = first + want; /* fewer matches: all seen, the count exact */
    dl_xq_value_range(r->s->xq, DL_SLOT_DATE, "00000000", "99999999");
    dl_xq_combine(r->s->xq, DL_XOP_FILTER, 2, 0);
    int rc = page_enquire(r, &e, first, want, out);
    if (rc != DL_OK || out->n == want) {
        return rc;
    }
    size_t dated = out->upper;
    rc = make_query(r, r->res->relaxed);
    dl_xq_value_range(r->s->xq, DL_SLOT_DATE, "00000000", "99999999");
    dl_xq_combine(r->s->xq, DL_XOP_AND_NOT, 2, 0);
    e.sort = DL_XSORT_RELEVANCE;
    e.check_at_least = 0;
    if (rc == DL_OK) {
        rc = page_enquire(r, &e, first > dated ? first - dated : 0, want - out->n, &undated);
    }
    if (rc == DL_OK) {
        append_matches(out, &undated);
    }
    dl_mset_release(&undated);
    return rc;
}

/* The Enquire over the page, counting facets. */
static int match(struct run *r, double *elapsed)
{
    const struct dl_search_params *p = r->p;
    struct dl_xenquire e = {0};
    set_sort(r, &e);
    e.time_limit = p->time_limit;
    /* With the counts known, only the page itself has to be found. */
    e.check_at_least = r->cached ? 0 : p->check_at_least;
    e.count_slots = FACET_SLOTS;
    e.ncount = p->want_facets && !r->cached ? DL_FACET_COUNT - 1 : 0;
    e.collapse_slot = p->collapse ? DL_SLOT_EVENT : -1;
    e.weight = WEIGHTING;
    size_t first = p->offset, want = p->limit;
    double t0 = dl_now();
    dl_mset_release(&r->m);
    struct dl_mset counts = {0};
    int rc = DL_OK, apart = count_apart(r, &e);
    unsigned slots[DL_FACET_COUNT];
    int events = !apart && e.collapse_slot >= 0 && !r->cached;
    if (apart) {
        rc = count_remote(r, e, first, want, &counts);
        e.ncount = 0;
        e.check_at_least = 0;
    } else if (events) {
        count_events(&e, slots); /* beside the facets, in the match itself */
    }
    if (rc == DL_OK && e.sort == DL_XSORT_VALUE_MISSING_LAST && remote_shards(r)) {
        rc = oldest_first(r, e, &r->m);
    } else if (rc == DL_OK) {
        rc = page_enquire(r, &e, first, want, &r->m);
    }
    if (rc == DL_OK && apart) {
        take_counts(&r->m, &counts);
    }
    dl_mset_release(&counts);
    *elapsed = dl_now() - t0;
    if (rc == DL_OK && events) { /* a match the time limit cut short saw too few to be sure */
        int cut = p->time_limit > 0 && *elapsed >= p->time_limit;
        take_events(&r->m, cut ? 0 : e.check_at_least);
    }
    if (rc == DL_OK && p->sort == DL_SORT_RELEVANCE && !r->empty && r->m.n &&
        r->m.max_possible == 0) {
        /* Only filters ("source:vna"): every weight is 0, so the newest first, as for an
         * empty query. The counts are taken: this pass finds the page alone. */
        struct dl_mset counted = r->m;
        e.sort = DL_XSORT_RELEVANCE_THEN_VALUE;
        e.ncount = 0;
        e.check_at_least = 0;
        memset(&r->m, 0, sizeof r->m);
        rc = page_enquire(r, &e, first, want, &r->m);
        if (rc == DL_OK) {
            take_counts(&r->m, &counted); /* the first pass's (they were lost: no facets) */
        }
        dl_mset_release(&counted);
    }
    return rc;
}

/* --- the answer ------------------------------------------------------------------------------- */

static void set_totals(struct run *r, double elapsed)
{
    struct dl_results *res = r->res;
    if (r->cached) {
        res->total = r->cached->total;
        res->total_exact = r->cached->total_exact;
        return;
    }
    res->total = r->m.estimated;
    res->total_exact = r->m.lower == r->m.upper;
    res->timed_out = r->p->time_limit > 0 && elapsed >= r->p->time_limit && !res->total_exact;
}

/*
 * Which hits' events other readouts share (shared[k] for hit k, those with known[k] left
 * out): one match over the page's event keys, counting each key's readouts with a spy,
 * rather than a term frequency per hit (on remote shards that is a round trip per hit and
 * per shard).
 */
static int shared_events(struct run *r, size_t n, const char *known, char *shared)
{
    static const unsigned slot = DL_SLOT_EVENT;
    struct dl_xenquire e = {.sort = DL_XSORT_RELEVANCE,
                            .check_at_least = 1000000,
                            .count_slots = &slot,
                            .ncount = 1,
                            .collapse_slot = -1,
                            .weight = WEIGHTING};
    struct dl_xq *q = dl_xq_new();
    struct dl_buf term = DL_BUF_INIT;
    struct dl_mset m = {0};
    size_t keys = 0;
    for (size_t k = 0; k < n; k++) {
        const char *key = r->res->hits[k].found.event;
        if (key && !known[k]) {
            dl_schema_term(&term, DL_PREFIX_EVENT, key, strlen(key));
            dl_xq_term(q, term.buf, term.len, 1, 0);
            keys++;
        }
    }
    if (keys > 1) {
        dl_xq_combine(q, DL_XOP_OR, keys, 0);
    }
    int rc = keys ? dl_db_enquire(r->s->db, q, &e, 0, 0, &m, r->err) : DL_OK;
    for (size_t k = 0; rc == DL_OK && m.ncount && k < n; k++) {
        const char *key = r->res->hits[k].found.event;
        for (size_t i = 0; key && !known[k] && i < m.nvalues[0]; i++) {
            shared[k] |= m.values[0][i].count > 1 && strcmp(m.values[0][i].value, key) == 0;
        }
    }
    dl_mset_release(&m);
    dl_buf_release(&term);
    dl_xq_free(q);
    return rc;
}

/* The other accounts of the page's events, where there are some (collapse): those kept
 * with the readouts (hitcache.h), else read, and kept. */
static int read_accounts(struct run *r, size_t n)
{
    char *known = dl_xcalloc(n ? 2 * n : 1, 1), *shared = known + n;
    size_t unknown = 0;
    for (size_t k = 0; k < n; k++) {
        known[k] = (char)dl_hitcache_get_accounts(r->s->hits, r->m.matches[k].docid,
                                                  &r->res->hits[k].same_event);
        unknown += !known[k];
    }
    int rc = unknown ? shared_events(r, n, known, shared) : DL_OK;
    for (size_t k = 0; k < n && rc == DL_OK; k++) {
        struct dl_hit *hit = &r->res->hits[k];
        const char *key = hit->found.event;
        if (!known[k] && shared[k]) { /* a posting list and a few records: bounded */
            rc = dl_cluster_accounts(r->s->db, key, strlen(key), hit->doc.id, DL_SAME_EVENT_MAX,
                                     &hit->same_event, r->err);
        }
        if (!known[k] && rc == DL_OK) {
            dl_hitcache_put_accounts(r->s->hits, r->m.matches[k].docid, &hit->same_event);
        }
    }
    free(known);
    return rc;
}

/* The page's readouts, in the match set's order: the score is Xapian's weight. */
static int read_hits(struct run *r)
{
    size_t n = r->m.n < r->p->limit ? r->m.n : r->p->limit;
    int rc = DL_OK;
    r->res->hits = dl_xcalloc(n ? n : 1, sizeof *r->res->hits);
    for (size_t k = 0; k < n && rc == DL_OK; k++) {
        struct dl_hit *hit = &r->res->hits[k];
        hit->rank = r->p->offset + k + 1;
        /* No weight for date orders, where it does not rank. */
        hit->score = r->p->sort == DL_SORT_RELEVANCE ? r->m.matches[k].weight : 0.0;
        unsigned docid = r->m.matches[k].docid;
        if (!dl_hitcache_get(r->s->hits, docid, &hit->doc, &hit->found)) {
            rc = dl_store_read_hit(r->s->db, r->s->codec, docid, &hit->doc, &hit->found, r->err);
            if (rc == DL_OK) {
                dl_hitcache_put(r->s->hits, docid, &hit->doc, &hit->found);
            }
        }
        r->res->nhits += rc == DL_OK;
    }
    if (rc == DL_OK && r->p->collapse) {
        rc = read_accounts(r, r->res->nhits);
    }
    return rc; /* on failure the caller releases every hit read (dl_results_release) */
}

/* The values Xapian counted in facet slot k, as facets (values copied). */
static struct dl_facet *slot_values(const struct dl_mset *m, int k, size_t *n)
{
    *n = (size_t)k < m->ncount ? m->nvalues[k] : 0;
    struct dl_facet *v = dl_xcalloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; i < *n; i++) {
        const struct dl_value_count *c = &m->values[k][i];
        v[i] = (struct dl_facet){dl_xmemdup(c->value, c->len), c->count};
    }
    return v;
}

static void free_values(struct dl_facet *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].value);
    }
    free(v);
}

/* The counts of the match set: years and months newest first (both from the days), the most
 * frequent sources, each counting what its filter finds (dl_facet_sources_merge), the most frequent
 * entities of each type (their slots hold lists: each distinct list is split into its names). */
static void counted_facets(const struct run *r, struct dl_facet_counts *f)
{
    f->total = r->res->total;
    f->total_exact = r->res->total_exact;
    for (int k = 0; k < DL_FACET_COUNT; k++) {
        size_t n;
        struct dl_facet_list *out = &f->f[k];
        if (k == DL_FACET_YEAR || k == DL_FACET_MONTH) { /* every month: the timeline */
            struct dl_facet *v = slot_values(&r->m, DL_FACET_YEAR, &n);
            dl_facet_days(v, n, k == DL_FACET_MONTH, out);
            free_values(v, n);
            continue;
        }
        struct dl_facet *v = slot_values(&r->m, k, &n);
        if (k == DL_FACET_SOURCE) {
            dl_facet_sources_merge(v, &n);
            *out = (struct dl_facet_list){v, n};
        } else { /* lists of names, or one kind each (which splits into itself, sorted) */
            dl_facet_split(v, n, DL_LIST_SEP, (size_t)-1, out);
            free_values(v, n);
        }
        for (size_t i = MAX_FACET_VALUES; i < out->n; i++) {
            free(out->v[i].value);
        }
        out->n = out->n < MAX_FACET_VALUES ? out->n : MAX_FACET_VALUES;
    }
}

static void set_facets(struct run *r)
{
    struct dl_facet_counts f = {0};
    if (r->cached) {
        dl_facet_counts_copy(&f, r->cached);
    } else {
        counted_facets(r, &f);
        /* estimates too: the same search of the same revision estimates the same (at 524k
         * readouts the common words match more than check_at_least, and were counted anew by
         * every search: 176 QPS at c=16 in bench/growth.sh) */
        if (!r->res->timed_out) {
            dl_fcache_put(r->s->facets, r->key.buf, r->key.len, dl_db_revision(r->s->db), &f);
        }
    }
    memcpy(r->res->facets, f.f, sizeof f.f);
}

static int suggest(void *ctx, const char *word, size_t len, struct dl_buf *out)
{
    struct run *r = ctx;
    int rc = dl_db_spelling(r->s->aux ? r->s->aux : r->s->db, word, len, out, r->err);
    if (rc != DL_OK) {
        return rc;
    }
    return out->len && (out->len != len || memcmp(out->buf, word, len) != 0);
}

/* The match set's identity: what the facet cache's entries are keyed by. */
static void cache_key(struct run *r)
{
    const struct dl_search_params *p = r->p;
    dl_buf_reset(&r->key);
    dl_buf_addf(&r->key, "%zu:", r->q->ninput);
    dl_buf_add(&r->key, r->q->input ? r->q->input : "", r->q->ninput);
    dl_buf_addf(&r->key, "|%s|%s|%s|%u|%lu%s", p->from ? p->from : "-", p->to ? p->to : "-",
                p->source ? p->source : "", p->max_wildcard, p->check_at_least,
                p->undated ? "|u" : "");
    dl_buf_adds(&r->key, p->collapse ? "|c" : "");
    dl_buf_addf(&r->key, "|i%s", p->indexed_from ? p->indexed_from : "-");
    for (size_t i = 0; i < p->nkinds; i++) {
        dl_buf_addf(&r->key, "|k%d", (int)p->kinds[i]);
    }
    for (size_t i = 0; i < p->nentities; i++) { /* type, length, name: unambiguous */
        dl_buf_addf(&r->key, "|%d:%zu:", (int)p->entities[i].type, p->entities[i].len);
        dl_buf_add(&r->key, p->entities[i].name, p->entities[i].len);
    }
    r->cached = dl_fcache_get(r->s->facets, r->key.buf, r->key.len, dl_db_revision(r->s->db));
}

/* The score of each hit of the page, part by part (explain.h); not for a relaxed query,
 * whose tree is not what was searched. */
static int explain_hits(struct run *r)
{
    struct dl_qbuild o = {r->s->aliases, r->p->max_wildcard};
    struct dl_explain_ctx c = {r->s->db, r->s->xq, r->q, &o, &WEIGHTING};
    int rc = DL_OK;
    if (r->res->relaxed || r->p->sort != DL_SORT_RELEVANCE) {
        return DL_OK;
    }
    for (size_t i = 0; i < r->res->nhits && rc == DL_OK; i++) {
        rc = dl_explain(&c, &r->res->hits[i].doc, &r->res->hits[i].explain, r->err);
    }
    return rc;
}

/* --- a search ------------------------------------------------------------------------------- */

/* Match, falling back to the plain words if Xapian refuses the query as built. */
static int match_or_relax(struct run *r, double *elapsed)
{
    int rc = make_query(r, 0);
    if (rc == DL_OK) {
        rc = match(r, elapsed);
    }
    struct dl_buf plain = DL_BUF_INIT;
    if (rc == DL_EPARSE && !r->empty) {
        dl_qtree_plain(r->q, &plain);
    }
    if (plain.len) { /* with no word to search, the refusal stands */
        dl_log(DL_LOG_WARN, "searching the plain words of '%.200s': %s",
               r->q->input ? r->q->input : "", r->err ? r->err->msg : "refused");
        r->res->relaxed = 1;
        rc = make_query(r, 1);
        if (rc == DL_OK) {
            rc = match(r, elapsed);
        }
    }
    dl_buf_release(&plain);
    return rc;
}

static int search_once(struct run *r)
{
    struct dl_results *res = r->res;
    double elapsed = 0;
    dl_searcher_shards(r->s, &res->shards_answering, &res->shards);
    dl_qtree_alias(r->q, r->s->aliases);
    r->empty = dl_qtree_root(r->q) == NULL;
    if (r->p->want_facets) {
        cache_key(r);
    }
    int rc = match_or_relax(r, &elapsed);
    if (rc == DL_OK) {
        set_totals(r, elapsed);
        rc = read_hits(r);
    }
    if (rc == DL_OK && r->p->want_facets) {
        set_facets(r);
    }
    struct dl_buf b = DL_BUF_INIT;
    if (rc == DL_OK && dl_xq_describe(r->s->xq, &b, NULL) == DL_OK) {
        res->parsed = dl_buf_detach(&b, NULL);
    }
    if (rc == DL_OK && r->p->explain) {
        rc = explain_hits(r);
    }
    if (rc == DL_OK && !r->empty && !res->relaxed) {
        rc = written_as(r->s, r->q, &res->written_as, r->err);
    }
    /* Only now: Xapian also "corrects" words that exist. */
    if (rc == DL_OK && res->total == 0 && !r->empty) {
        int changed = dl_qtree_respell(r->q, suggest, r, &b);
        rc = changed < 0 ? changed : DL_OK;
        res->suggestion = changed > 0 ? dl_buf_detach(&b, NULL) : NULL;
    }
    dl_buf_release(&b);
    dl_mset_release(&r->m);
    return rc;
}

int dl_searcher_search(struct dl_searcher *s, struct dl_qtree *q, const struct dl_search_params *p,
                       struct dl_results *res, struct dl_error *err)
{
    struct run r = {.s = s, .q = q, .p = p, .res = res, .err = err, .key = DL_BUF_INIT};
    int rc = search_once(&r);
    /* A writer committed twice since our snapshot, or a shard failed: the whole search again
     * on the new revision (hits of the old one may be gone), or on the other shards. */
    for (int n = 1; n < ATTEMPTS && rc != DL_OK && recover(s, rc, err) == DL_OK; n++) {
        dl_results_release(res);
        rc = search_once(&r);
    }
    if (rc != DL_OK) {
        dl_results_release(res);
    }
    dl_buf_release(&r.key);
    return rc;
}

/* --- the whole list, page by page -------------------------------------------------------- */

int dl_searcher_page(struct dl_searcher *s, struct dl_qtree *q, const struct dl_search_params *p,
                     unsigned *ids, size_t *n, struct dl_error *err)
{
    struct dl_search_params page = *p;
    page.want_facets = 0;
    page.explain = 0;
    page.check_at_least = 0;
    page.time_limit = 0;
    struct dl_results res = {0};
    struct run r = {.s = s, .q = q, .p = &page, .res = &res, .err = err, .key = DL_BUF_INIT};
    double elapsed;
    *n = 0;
    dl_qtree_alias(q, s->aliases);
    r.empty = dl_qtree_root(q) == NULL;
    int rc = match_or_relax(&r, &elapsed);
    for (size_t i = 0; rc == DL_OK && i < r.m.n && i < page.limit; i++) {
        ids[(*n)++] = r.m.matches[i].docid;
    }
    dl_mset_release(&r.m);
    dl_results_release(&res);
    return rc;
}

int dl_searcher_read(struct dl_searcher *s, unsigned docid, struct dl_readout *r,
                     struct dl_found *f, struct dl_error *err)
{
    return dl_store_read_hit(s->db, NULL, docid, r, f, err);
}

static int get_once(struct dl_searcher *s, const char *id, struct dl_readout *r, struct dl_found *f,
                    struct dl_error *err)
{
    unsigned docid;
    int rc = dl_store_find(s->db, id, &docid, err);
    if (rc == DL_OK && f) {
        return dl_store_read_hit(s->db, s->codec, docid, r, f, err);
    }
    return rc == DL_OK ? dl_store_read(s->db, s->codec, docid, r, err) : rc;
}

int dl_searcher_get(struct dl_searcher *s, const char *id, struct dl_readout *r, struct dl_found *f,
                    struct dl_error *err)
{
    int rc = get_once(s, id, r, f, err);
    for (int n = 1; n < ATTEMPTS && rc != DL_OK && recover(s, rc, err) == DL_OK; n++) {
        rc = get_once(s, id, r, f, err);
    }
    return rc;
}

void dl_searcher_terms(struct dl_searcher *s, struct dl_qtree *q, struct dl_terms *terms)
{
    struct dl_qbuild o = {s->aliases, 0};
    dl_qtree_alias(q, s->aliases);
    dl_qbuild(q, &o, NULL, terms);
}

/* --- entity suggestions ----------------------------------------------------------------------- */

static int by_count_then_name(const void *pa, const void *pb)
{
    const struct dl_entity_hit *x = pa, *y = pb;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

static int entities_once(struct dl_searcher *s, enum dl_entity t, const char *prefix, size_t len,
                         struct dl_entity_hit *out, size_t max, size_t *n, struct dl_error *err)
{
    const struct dl_aliases *a = s->aliases;
    size_t cap = 0, k = 0;
    struct dl_entity_hit *all = NULL;
    int rc = DL_OK;
    for (size_t g = 0; g < dl_aliases_ngroups(a) && rc == DL_OK; g++) {
        enum dl_entity type = dl_aliases_type(a, g);
        if (type == DL_ENTITY_NONE || (t != DL_ENTITY_NONE && type != t) ||
            !dl_aliases_has_prefix(a, g, prefix, len)) {
            continue;
        }
        const char *term = dl_aliases_group_term(a, g);
        unsigned long count = 0;
        rc = dl_db_termfreq(s->db, term, strlen(term), &count, err);
        if (rc == DL_OK && count) {
            if (k == cap) {
                cap = cap ? 2 * cap : 32;
                all = dl_xrealloc(all, cap * sizeof *all);
            }
            all[k++] = (struct dl_entity_hit){dl_aliases_name(a, g), type, count};
        }
    }
    if (k) {
        qsort(all, k, sizeof *all, by_count_then_name);
    }
    *n = rc == DL_OK ? (k < max ? k : max) : 0;
    memcpy(out, all ? all : out, *n * sizeof *out);
    free(all);
    return rc;
}

int dl_searcher_entities(struct dl_searcher *s, enum dl_entity t, const char *prefix, size_t len,
                         struct dl_entity_hit *out, size_t max, size_t *n, struct dl_error *err)
{
    int rc = entities_once(s, t, prefix, len, out, max, n, err);
    for (int k = 1; k < ATTEMPTS && rc != DL_OK && recover(s, rc, err) == DL_OK; k++) {
        rc = entities_once(s, t, prefix, len, out, max, n, err);
    }
    return rc;
}
