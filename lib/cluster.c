/*
 * cluster.c - the clustering pass (see cluster.h); the decisions are event.c's.
 */
#include "dateline/cluster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/event.h"
#include "dateline/kind.h"
#include "dateline/record.h"
#include "dateline/retags.h"
#include "dateline/store.h"
#include "dateline/schema.h"
#include "dateline/ties.h"

/* The values read per readout, in this order. */
enum { V_DATE, V_KIND, V_PEOPLE, V_COUNTRIES, V_ORGS, V_SOURCE, V_SIG, V_EVENT, NV };
static const unsigned slots[NV] = {DL_SLOT_DATE,      DL_SLOT_KIND, DL_SLOT_PEOPLE,
                                   DL_SLOT_COUNTRIES, DL_SLOT_ORGS, DL_SLOT_SOURCE,
                                   DL_SLOT_SIGNATURE, DL_SLOT_EVENT};

/* One readout as compared: its stored values and what event.h reads of them. */
struct facts {
    struct dl_buf data, v[NV];
    struct dl_event_sig sig;
    struct dl_event_facts f;
    const char *id; /* in data */
};

static void facts_init(struct facts *x)
{
    memset(x, 0, sizeof *x);
    dl_buf_init(&x->data, 0);
    for (int i = 0; i < NV; i++) {
        dl_buf_init(&x->v[i], 0);
    }
}

static void facts_release(struct facts *x)
{
    dl_buf_release(&x->data);
    for (int i = 0; i < NV; i++) {
        dl_buf_release(&x->v[i]);
    }
}

/* Field k of a stored record (record.h: NUL-terminated fields), or "". */
static const char *field(const struct dl_buf *data, int k)
{
    const char *p = data->buf, *end = data->buf + data->len;
    for (; k > 0 && p < end; k--) {
        p += strlen(p) + 1;
    }
    return p < end ? p : "";
}

static const char *or_null(const struct dl_buf *b)
{
    return b->len ? b->buf : NULL;
}

/*
 * One pass: the index read through `reader`, retags written into `w` (one database, or the
 * shards of reader's stub in its order) and noted in `tags` until the reader shows them.
 */
/* A record and values read, for load(). */
#define FACTS_CACHE 16384
struct cached {
    unsigned docid; /* 0: empty */
    struct dl_buf data, v[NV];
};

struct pass {
    struct dl_db *const *w;
    size_t nw;
    struct dl_db *reader;
    struct dl_retags *tags;
    struct dl_xq *q;
    struct dl_buf term;
    struct dl_cluster_stats *st;
    struct dl_error *err;
    struct cached *cache; /* FACTS_CACHE records read (load()) */
};

/*
 * The stored record and values of docid into x: from the pass's cache of them when it holds
 * docid, else read and kept there. A readout's candidates are the readouts of its days,
 * taken in date order: each is compared with every readout of those days, and the same
 * few thousand records were read again and again (a 524,616-readout index read 3 TB from
 * the page cache in 27 minutes of its pass). The cache is direct-mapped on the docid.
 */
static int load(struct pass *p, unsigned docid, struct facts *x)
{
    struct cached *c = &p->cache[docid % FACTS_CACHE];
    if (c->docid != docid) {
        int rc = dl_db_document(p->reader, docid, &c->data, slots, c->v, NV, p->err);
        if (rc != DL_OK) {
            c->docid = 0;
            return rc;
        }
        c->docid = docid;
    }
    dl_buf_reset(&x->data);
    dl_buf_add(&x->data, c->data.buf, c->data.len);
    for (int i = 0; i < NV; i++) {
        dl_buf_reset(&x->v[i]);
        dl_buf_add(&x->v[i], c->v[i].buf, c->v[i].len);
    }
    return DL_OK;
}

static int read_facts(struct pass *p, unsigned docid, struct facts *x)
{
    int rc = load(p, docid, x);
    if (rc != DL_OK) {
        return rc;
    }
    const char *given = dl_retags_get(p->tags, docid);
    if (given) { /* retagged by this pass (the cache and the reader may show the old key) */
        dl_buf_reset(&x->v[V_EVENT]);
        dl_buf_adds(&x->v[V_EVENT], given);
    }
    enum dl_kind kind = DL_KIND_OTHER;
    dl_kind_parse(x->v[V_KIND].buf, x->v[V_KIND].len, &kind);
    int has_sig = dl_event_sig_decode(x->v[V_SIG].buf, x->v[V_SIG].len, &x->sig) == 0;
    x->id = field(&x->data, 0);
    x->f = (struct dl_event_facts){or_null(&x->v[V_SOURCE]),
                                   field(&x->data, 6),
                                   dl_event_day(x->v[V_DATE].buf, x->v[V_DATE].len),
                                   kind,
                                   or_null(&x->v[V_PEOPLE]),
                                   or_null(&x->v[V_COUNTRIES]),
                                   or_null(&x->v[V_ORGS]),
                                   has_sig ? &x->sig : NULL};
    return DL_OK;
}

/* The members of cluster key as this pass left it (reader's docids, at most max into out[]);
 * *n gets how many. */
#define MEMBERS_MAX 256
static int members(struct pass *p, const char *key, unsigned *out, size_t max, size_t *n)
{
    unsigned stored[MEMBERS_MAX], given[MEMBERS_MAX];
    size_t ns = 0, k = 0;
    int rc = dl_cluster_members(p->reader, key, DL_EVENT_KEY_LEN, stored, MEMBERS_MAX, &ns, p->err);
    size_t ng = dl_retags_with(p->tags, key, given, MEMBERS_MAX);
    ng = ng < MEMBERS_MAX ? ng : MEMBERS_MAX;
    for (size_t i = 0; i < ng && k < max; i++) {
        out[k++] = given[i];
    }
    for (size_t i = 0; i < ns && k < max && rc == DL_OK; i++) {
        const char *now = dl_retags_get(p->tags, stored[i]);
        if (!now) { /* not retagged: still key's (retagged ones are in given[] if still so) */
            out[k++] = stored[i];
        }
    }
    *n = k;
    return rc;
}

/* The candidates' query: a compatible kind, dated within the window of day. */
static void candidate_query(struct dl_xq *q, const struct facts *x, struct dl_buf *term)
{
    size_t nk = 0;
    unsigned kinds = dl_event_kinds(x->f.kind);
    for (int k = 0; k < DL_KIND_COUNT; k++) {
        if (kinds & (1u << k)) {
            dl_buf_reset(term);
            dl_buf_addf(term, "%s%s", DL_PREFIX_KIND, dl_kind_name((enum dl_kind)k));
            dl_xq_term(q, term->buf, term->len, 1, 0);
            nk++;
        }
    }
    dl_xq_combine(q, DL_XOP_OR, nk, 0);
    /* A contact's window covers re-publications' too; other readouts (the most numerous)
     * are looked for on their own day only, or the pass would cost a week's readouts each. */
    int w = dl_event_window(x->f.kind);
    w = w && w < DL_EVENT_REPUB_DAYS ? DL_EVENT_REPUB_DAYS : w;
    for (long d = x->f.day - w; d <= x->f.day + w; d++) {
        char ymd[9];
        dl_event_ymd(d < 0 ? 0 : d, ymd);
        dl_buf_reset(term);
        dl_buf_addf(term, "%s%s", DL_PREFIX_DAY, ymd);
        dl_xq_term(q, term->buf, term->len, 1, 0);
    }
    dl_xq_combine(q, DL_XOP_OR, (size_t)(2 * w + 1), 0);
    dl_xq_combine(q, DL_XOP_FILTER, 2, 0);
}

/* Does the cluster `key` already hold an account from x's source in x's language that
 * does not re-publish x? A cluster has one account per source and language. */
static int taken(struct pass *p, const char *key, const struct facts *x, struct facts *m, int *rc)
{
    unsigned ids[32];
    size_t n = 0;
    *rc = members(p, key, ids, 32, &n);
    for (size_t i = 0; i < n && *rc == DL_OK; i++) {
        if ((*rc = read_facts(p, ids[i], m)) == DL_OK && strcmp(m->id, x->id) != 0 && m->f.source &&
            x->f.source && strcmp(m->f.source, x->f.source) == 0 &&
            strcmp(m->f.lang, x->f.lang) == 0 &&
            !(m->f.sig && x->f.sig &&
              dl_event_similarity(m->f.sig, x->f.sig) >= DL_EVENT_REPUB_SIM)) {
            return 1;
        }
    }
    return 0;
}

struct best {
    double score;
    char key[DL_EVENT_KEY_LEN + 1];
};

/* The best match of x among its candidates, into *b (score 0: none). Candidates beyond
 * DL_CLUSTER_CANDIDATES are cut in the order of their signatures, which no layout changes
 * (docids do). */
static int best_match(struct pass *p, const struct facts *x, struct best *b)
{
    b->score = 0;
    dl_xq_reset(p->q);
    candidate_query(p->q, x, &p->term);
    struct dl_xenquire e = {
        .sort = DL_XSORT_VALUE_THEN_RELEVANCE, .sort_slot = DL_SLOT_SIGNATURE, .collapse_slot = -1};
    struct dl_mset m = {0};
    int rc = dl_db_enquire(p->reader, p->q, &e, 0, DL_CLUSTER_CANDIDATES, &m, p->err);
    struct facts c, m2;
    facts_init(&c);
    facts_init(&m2);
    for (size_t i = 0; i < m.n && rc == DL_OK; i++) {
        if ((rc = read_facts(p, m.matches[i].docid, &c)) != DL_OK || strcmp(c.id, x->id) == 0 ||
            c.v[V_EVENT].len != DL_EVENT_KEY_LEN) {
            continue;
        }
        p->st->candidates++;
        double s = dl_event_match(&x->f, &c.f);
        /* ties: the smaller key, so that the outcome does not depend on docids */
        char key[DL_EVENT_KEY_LEN + 1];
        memcpy(key, c.v[V_EVENT].buf, DL_EVENT_KEY_LEN + 1);
        if ((s > b->score || (s > 0 && s == b->score && strcmp(key, b->key) < 0)) &&
            !taken(p, key, x, &m2, &rc)) {
            b->score = s;
            memcpy(b->key, key, DL_EVENT_KEY_LEN + 1);
        }
    }
    facts_release(&c);
    facts_release(&m2);
    dl_mset_release(&m);
    return rc;
}

/* Every member of x's cluster (x with them) to the key b->key: in the shard holding each,
 * and noted for the reader. */
static int join(struct pass *p, const struct facts *x, const struct best *b)
{
    unsigned ids[MEMBERS_MAX];
    size_t n = 0;
    int rc = members(p, x->v[V_EVENT].buf, ids, MEMBERS_MAX, &n);
    for (size_t i = 0; i < n && rc == DL_OK; i++) {
        size_t shard = p->nw > 1 ? (ids[i] - 1) % p->nw : 0; /* Xapian's docids over shards */
        unsigned local = p->nw > 1 ? (unsigned)((ids[i] - 1) / p->nw + 1) : ids[i];
        rc = dl_db_retag(p->w[shard], local, DL_SLOT_EVENT, DL_PREFIX_EVENT, b->key,
                         DL_EVENT_KEY_LEN, p->err);
        dl_retags_set(p->tags, ids[i], b->key);
    }
    return rc;
}

/* The readouts indexed since `since`, in date order then id order (not docids: those
 * depend on the layout), into *m. */
static int run_docids(struct pass *p, const char *since, struct dl_mset *m)
{
    unsigned long n = 0;
    int rc = dl_db_doccount(p->reader, &n, p->err);
    if (rc != DL_OK || n == 0) {
        return rc;
    }
    struct dl_xq *q = dl_xq_new();
    if (since && *since) {
        dl_xq_value_range(q, DL_SLOT_INDEXED, since, NULL);
    } else {
        dl_xq_all(q);
    }
    struct dl_xenquire e = {
        .sort = DL_XSORT_VALUE_THEN_RELEVANCE, .sort_slot = DL_SLOT_DATE, .collapse_slot = -1};
    rc = dl_db_enquire(p->reader, q, &e, 0, n, m, p->err);
    if (rc == DL_OK) {
        rc =
            dl_ties_order(m->matches, m->n, dl_ties_sort_of(&e), dl_store_id_of, p->reader, p->err);
    }
    dl_xq_free(q);
    return rc;
}

int dl_cluster_pass(struct dl_db *const *writers, size_t nw, struct dl_db *reader,
                    const char *since, dl_cluster_progress_fn progress, void *ctx,
                    struct dl_cluster_stats *st, struct dl_error *err)
{
    struct dl_cluster_stats local = {0, 0, 0, 0};
    struct pass p = {writers,          nw,          reader,
                     dl_retags_new(),  dl_xq_new(), DL_BUF_INIT,
                     st ? st : &local, err,         dl_xcalloc(FACTS_CACHE, sizeof(struct cached))};
    memset(p.st, 0, sizeof *p.st);
    for (size_t i = 0; i < FACTS_CACHE; i++) {
        dl_buf_init(&p.cache[i].data, 0);
        for (int k = 0; k < NV; k++) {
            dl_buf_init(&p.cache[i].v[k], 0);
        }
    }
    struct dl_mset m = {0};
    int rc = run_docids(&p, since, &m);
    struct facts x;
    facts_init(&x);
    for (size_t i = 0; i < m.n && rc == DL_OK; i++) {
        if (progress && i % 64 == 0 && progress(ctx, i, m.n)) {
            p.st->stopped = 1;
            break;
        }
        rc = read_facts(&p, m.matches[i].docid, &x);
        if (rc != DL_OK || x.f.day < 0 || x.v[V_EVENT].len != DL_EVENT_KEY_LEN) {
            continue;
        }
        p.st->examined++;
        struct best b;
        rc = best_match(&p, &x, &b);
        if (rc == DL_OK && b.score > 0 && strcmp(b.key, x.v[V_EVENT].buf) != 0) {
            rc = join(&p, &x, &b);
            p.st->joined++;
        }
    }
    facts_release(&x);
    dl_buf_release(&p.term);
    dl_xq_free(p.q);
    dl_retags_free(p.tags);
    for (size_t i = 0; i < FACTS_CACHE; i++) {
        dl_buf_release(&p.cache[i].data);
        for (int k = 0; k < NV; k++) {
            dl_buf_release(&p.cache[i].v[k]);
        }
    }
    free(p.cache);
    dl_mset_release(&m);
    return rc;
}

struct members {
    unsigned *out;
    size_t max, n;
};

static int add_member(void *ctx, unsigned docid)
{
    struct members *m = ctx;
    if (m->n == m->max) {
        return 1;
    }
    m->out[m->n++] = docid;
    return 0;
}

int dl_cluster_members(struct dl_db *db, const char *key, size_t len, unsigned *out, size_t max,
                       size_t *n, struct dl_error *err)
{
    struct dl_buf term = DL_BUF_INIT;
    dl_buf_adds(&term, DL_PREFIX_EVENT);
    dl_buf_add(&term, key, len);
    struct members m = {out, max, 0};
    int rc = dl_db_postings(db, term.buf, term.len, add_member, &m, err);
    dl_buf_release(&term);
    *n = m.n;
    return rc < 0 ? rc : DL_OK;
}

void dl_accounts_release(struct dl_accounts *a)
{
    if (!a) {
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        dl_readout_release(&a->v[i]);
    }
    free(a->v);
    memset(a, 0, sizeof *a);
}

int dl_cluster_accounts(struct dl_db *db, const char *key, size_t len, const char *self, size_t max,
                        struct dl_accounts *out, struct dl_error *err)
{
    dl_accounts_release(out);
    struct dl_buf term = DL_BUF_INIT;
    dl_buf_adds(&term, DL_PREFIX_EVENT);
    dl_buf_add(&term, key, len);
    unsigned long freq = 0;
    int rc = dl_db_termfreq(db, term.buf, term.len, &freq, err);
    size_t cap = max + 1, n = 0;
    unsigned *ids = dl_xcalloc(cap, sizeof *ids);
    if (rc == DL_OK && freq > 1) { /* alone in its cluster: nothing more to read */
        rc = dl_cluster_members(db, key, len, ids, cap, &n, err);
    }
    out->v = dl_xcalloc(n ? n : 1, sizeof *out->v);
    for (size_t i = 0; i < n && rc == DL_OK && out->n < max; i++) {
        struct dl_readout *r = &out->v[out->n];
        if ((rc = dl_store_read(db, NULL, ids[i], r, err)) == DL_OK) {
            if (r->id && self && strcmp(r->id, self) == 0) {
                dl_readout_release(r);
            } else {
                out->n++;
            }
        }
    }
    out->count = freq > 0 ? freq - 1 : 0;
    free(ids);
    dl_buf_release(&term);
    if (rc != DL_OK) {
        dl_accounts_release(out); /* nothing for the caller to free on failure */
    }
    return rc;
}

/* Related readouts weigh at least this share of the best one's weight. */
#define RELATED_CUTOFF 0.4

/* Expand-set terms worth searching: words ("lam"), stems ("Zlam"), CJK; not filters. */
static int keep_term(const char *term, size_t len)
{
    unsigned char c = (unsigned char)term[0];
    if (len && term[0] == 'Z') {
        c = len > 1 ? (unsigned char)term[1] : 'Z';
    }
    return len > 0 && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9');
}

/* A readout's terms (those keep_term() keeps) and its length, for its expand set. */
struct eterm {
    char *term;
    size_t len;
    unsigned long wdf, tf;
    double w;
};
struct doc_terms {
    struct eterm *v;
    size_t n, cap;
    unsigned long doclen; /* the sum of every term's wdf, as Xapian's document length */
};

static int collect_term(void *ctx, const char *term, size_t len, unsigned long wdf)
{
    struct doc_terms *d = ctx;
    d->doclen += wdf;
    if (keep_term(term, len)) {
        if (d->n == d->cap) {
            d->cap = d->cap ? 2 * d->cap : 256;
            d->v = dl_xrealloc(d->v, d->cap * sizeof *d->v);
        }
        /* a wdf of 0 counts as 1, as Xapian's expand weighting has it */
        d->v[d->n++] = (struct eterm){dl_xmemdup(term, len), len, wdf ? wdf : 1, 0, 0.0};
    }
    return 0;
}

static int by_weight(const void *a, const void *b)
{
    const struct eterm *x = a, *y = b;
    if (x->w != y->w) {
        return x->w > y->w ? -1 : 1;
    }
    int c = memcmp(x->term, y->term, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/*
 * Each term's weight as Xapian's TradEWeight gives it for one relevant document (expand_k
 * 1): log(1.5 (N - tf + 0.5) / ((tf - 0.5) 0.5)) x 2 wdf / (doclen / avlen + wdf).
 */
static void weigh(struct doc_terms *d, unsigned long n_docs, double avlen)
{
    double norm = avlen > 0 ? (double)d->doclen / avlen : 1.0;
    for (size_t i = 0; i < d->n; i++) {
        struct eterm *t = &d->v[i];
        double tf = t->tf ? (double)t->tf : 1.0;
        double tw = log(1.5 * ((double)n_docs - tf + 0.5) / ((tf - 0.5) * 0.5));
        t->w = 2.0 * (double)t->wdf / (norm + (double)t->wdf) * tw;
    }
}

/*
 * The best max terms of readout docid to find readouts like it, pushed on q: relevance
 * feedback computed here rather than by Xapian's ESet, which over shards estimates each
 * term's frequency from the shard holding the readout (a sharded index related other
 * readouts than one database), or asks each remote shard for each term (a round trip per
 * term: 340 ms a readout over two shards). One termlist read and one exchange of
 * statistics instead, with frequencies over every shard.
 */
static int related_terms(struct dl_db *db, unsigned docid, size_t max, struct dl_xq *q,
                         struct dl_error *err)
{
    struct doc_terms d = {0};
    unsigned long n_docs = 0;
    double avlen = 0;
    int rc = dl_db_doc_terms(db, docid, collect_term, &d, err);
    if (rc == DL_OK && d.n) {
        const char **terms = dl_xcalloc(d.n, sizeof *terms);
        size_t *lens = dl_xcalloc(d.n, sizeof *lens);
        unsigned long *tf = dl_xcalloc(d.n, sizeof *tf);
        for (size_t i = 0; i < d.n; i++) {
            terms[i] = d.v[i].term, lens[i] = d.v[i].len;
        }
        if ((rc = dl_db_termfreqs(db, terms, lens, d.n, tf, err)) == DL_OK &&
            (rc = dl_db_doccount(db, &n_docs, err)) == DL_OK) {
            rc = dl_db_avlength(db, &avlen, err);
        }
        for (size_t i = 0; i < d.n; i++) {
            d.v[i].tf = tf[i];
        }
        free(terms), free(lens), free(tf);
    }
    if (rc == DL_OK) {
        weigh(&d, n_docs, avlen);
        qsort(d.v, d.n, sizeof *d.v, by_weight);
    }
    for (size_t i = 0; i < d.n; i++) {
        if (rc == DL_OK && i < max && d.v[i].w > 0) { /* as Xapian's ESet: no weight, no term */
            dl_xq_term(q, d.v[i].term, d.v[i].len, 1, 0);
        }
        free(d.v[i].term);
    }
    free(d.v);
    return rc;
}

int dl_cluster_related(struct dl_db *db, unsigned docid, const char *key, size_t len, size_t max,
                       struct dl_accounts *out, struct dl_error *err)
{
    dl_accounts_release(out);
    struct dl_xq *q = dl_xq_new();
    int rc = related_terms(db, docid, DL_RELATED_TERMS, q, err);
    size_t n = dl_xq_depth(q);
    struct dl_mset m = {0};
    if (rc == DL_OK && n) {
        dl_xq_combine(q, DL_XOP_OR, n, 0);
        struct dl_buf term = DL_BUF_INIT;
        dl_buf_adds(&term, DL_PREFIX_EVENT);
        dl_buf_add(&term, key, len);
        dl_xq_term(q, term.buf, term.len, 1, 0);
        dl_xq_combine(q, DL_XOP_AND_NOT, 2, 0);
        dl_buf_release(&term);
        /* ties by cluster key, one hit per key: the same order from shards as from one index */
        struct dl_xenquire e = {.sort = DL_XSORT_RELEVANCE_THEN_VALUE,
                                .sort_slot = DL_SLOT_EVENT,
                                .collapse_slot = DL_SLOT_EVENT};
        rc = dl_xq_status(q, err);
        /* ties in one order, whatever the layout (ties.h): all of a run crossing the page */
        for (size_t margin = DL_TIES_MARGIN; rc == DL_OK; margin *= 8) {
            dl_mset_release(&m);
            rc = dl_db_enquire(db, q, &e, 0, max + margin, &m, err);
            if (margin >= 512 || !dl_ties_cut(m.matches, m.n, 0, max, 0, m.n == max + margin)) {
                break;
            }
        }
        if (rc == DL_OK) {
            rc = dl_ties_order(m.matches, m.n, dl_ties_sort_of(&e), dl_store_id_of, db, err);
            m.n = m.n < max ? m.n : max;
        }
        if (rc == DL_OK) { /* which account stands for each event: one order too */
            rc = dl_ties_representatives(db, q, &e, DL_PREFIX_EVENT, m.matches, m.n, NULL,
                                         dl_store_id_of, db, err);
        }
        if (rc == DL_OK) {
            rc = dl_ties_order(m.matches, m.n, dl_ties_sort_of(&e), dl_store_id_of, db, err);
        }
    }
    out->v = dl_xcalloc(m.n ? m.n : 1, sizeof *out->v);
    for (size_t i = 0; i < m.n && rc == DL_OK; i++) {
        if (m.matches[i].weight < RELATED_CUTOFF * m.matches[0].weight) {
            break; /* a word or two in common ("the", "said") is no subject */
        }
        if ((rc = dl_store_read(db, NULL, m.matches[i].docid, &out->v[out->n], err)) == DL_OK) {
            out->n++;
        }
    }
    out->count = out->n;
    dl_mset_release(&m);
    dl_xq_free(q);
    return rc;
}
