/*
 * store.c - readouts into the index and back (see store.h).
 *
 * The terms written per token mirror what the query builder (qbuild.c)
 * looks up: the positional word, "Z" + stem for words starting with a
 * letter, and for CJK the positional character plus a position-less
 * bigram of adjacent characters.
 */
#include "dateline/store.h"

#include <stdlib.h>
#include <string.h>

#include "dateline/event.h"
#include "dateline/fold.h"
#include "dateline/kind.h"
#include "dateline/schema.h"
#include "dateline/stem.h"
#include "dateline/strset.h"

/* Gap between the title's last position and the body's first: no phrase spans both. */
#define TITLE_GAP 100

struct tok {
    size_t off, len;   /* folded form in the arena */
    size_t start, end; /* bytes in the field */
    unsigned flags;    /* DL_TOKEN_* */
};

struct toks {
    struct tok *v;
    size_t n, cap;
    struct dl_buf arena; /* folded forms, each NUL-terminated */
    const char **ptrs;   /* the folded forms, for dl_aliases_scan */
    const char **raws;   /* the tokens as written, for forms that match only so */
    struct dl_buf rawarena;
    size_t capptrs;
};

struct dl_store {
    struct dl_db *db;
    const struct dl_aliases *aliases; /* borrowed */
    int spelling;
    struct dl_codec *codec;
    struct dl_xdoc *doc;    /* the document being built, reused */
    struct toks toks;       /* tokens of the field being indexed */
    struct dl_strset words; /* spelling words of the readout being put */
    struct dl_strset batch; /* spelling words since the last commit -> index in: */
    unsigned *batch_freq;   /* ... their frequencies */
    size_t batch_cap;
    struct dl_buf term, stem, value; /* scratch */
    struct dl_buf lower;             /* scratch: a token as written but for case */
    struct dl_strset spellings;      /* token as written -> offset of its dl_lower() form */
    struct dl_buf spellarena;        /* in here, each NUL-terminated */
    unsigned *groups;                /* alias forms found per group in the field */
    unsigned char *found;            /* groups found anywhere in the readout being put */
    size_t ngroups;
};

/* --- tokens ----------------------------------------------------------------------------- */

static int on_token(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                    unsigned flags)
{
    struct toks *t = ctx;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->v = dl_xrealloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n++] = (struct tok){t->arena.len, flen, start, end, flags};
    dl_buf_add(&t->arena, folded, flen + 1); /* with its NUL */
    return 0;
}

static void tokenize(struct toks *t, const char *s)
{
    t->n = 0;
    dl_buf_reset(&t->arena);
    if (s) {
        dl_tokenize(s, strlen(s), on_token, t);
    }
}

static const char *tok_text(const struct toks *t, size_t i)
{
    return t->arena.buf + t->v[i].off;
}

/* --- terms -------------------------------------------------------------------------------- */

/* s->term = prefix + a[0..alen) + b[0..blen) */
static void make_term(struct dl_store *s, const char *prefix, const char *a, size_t alen,
                      const char *b, size_t blen)
{
    dl_buf_reset(&s->term);
    dl_buf_adds(&s->term, prefix);
    dl_buf_add(&s->term, a, alen);
    dl_buf_add(&s->term, b, blen);
}

static void add_term(struct dl_store *s, const char *prefix, const char *a, size_t alen,
                     const char *b, size_t blen, unsigned wdf)
{
    make_term(s, prefix, a, alen, b, blen);
    dl_xdoc_add_term(s->doc, s->term.buf, s->term.len, wdf);
}

/* Does t[0..n) hold a byte that is not ASCII? (Only those tokens can carry diacritics.) */
static int has_non_ascii(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)t[i] >= 0x80) {
            return 1;
        }
    }
    return 0;
}

/*
 * raw[0..n) lowered (dl_lower), NUL-terminated, or NULL on invalid UTF-8. Memoised: the same
 * few thousand spellings come back in every readout, and utf8proc_map on each Vietnamese
 * token was 14% of indexing's instructions (callgrind, 500 VNTC readouts, -j1); the cache
 * makes that a hash probe. Emptied past SPELLINGS_MAX bytes.
 */
#define SPELLINGS_MAX (8u << 20)
static const char *lowered(struct dl_store *s, const char *raw, size_t n)
{
    int at = dl_strset_find(&s->spellings, raw, n);
    if (at >= 0) {
        return s->spellarena.buf + at;
    }
    if (dl_lower(raw, n, &s->lower) != DL_OK) {
        return NULL;
    }
    if (s->spellarena.len > SPELLINGS_MAX) {
        dl_strset_clear(&s->spellings);
        dl_buf_reset(&s->spellarena);
    }
    at = (int)s->spellarena.len;
    dl_buf_add(&s->spellarena, s->lower.buf, s->lower.len);
    dl_buf_addc(&s->spellarena, '\0');
    dl_strset_add(&s->spellings, raw, n, at);
    return s->spellarena.buf + at;
}

/* The DL_PREFIX_WRITTEN term of token k of text, when its spelling is not its folded form. */
static void index_written(struct dl_store *s, const struct tok *k, const char *w, const char *text)
{
    const char *raw = text + k->start;
    size_t n = k->end - k->start;
    const char *low;
    if ((k->flags & (DL_TOKEN_CJK | DL_TOKEN_DIGIT)) || !has_non_ascii(raw, n) ||
        !(low = lowered(s, raw, n)) || strcmp(low, w) == 0) {
        return;
    }
    make_term(s, DL_PREFIX_WRITTEN, w, k->len, ":", 1);
    dl_buf_adds(&s->term, low);
    dl_xdoc_add_boolean(s->doc, s->term.buf, s->term.len);
}

/* The terms of token i (see the top of the file); title words also with DL_PREFIX_TITLE. */
static void index_token(struct dl_store *s, size_t i, const char *text, int title, unsigned pos)
{
    const struct toks *t = &s->toks;
    const struct tok *k = &t->v[i];
    const char *w = tok_text(t, i);
    dl_xdoc_add_posting(s->doc, w, k->len, pos);
    index_written(s, k, w, text);
    if (title) {
        make_term(s, DL_PREFIX_TITLE, w, k->len, "", 0);
        dl_xdoc_add_posting(s->doc, s->term.buf, s->term.len, pos);
    }
    if (k->flags & DL_TOKEN_CJK) {
        const struct tok *p = i ? &t->v[i - 1] : NULL;
        if (p && (p->flags & DL_TOKEN_CJK) && p->end == k->start) {
            add_term(s, "", tok_text(t, i - 1), p->len, w, k->len, 1);
            if (title) {
                add_term(s, DL_PREFIX_TITLE, tok_text(t, i - 1), p->len, w, k->len, 1);
            }
        }
    } else if (!(k->flags & DL_TOKEN_DIGIT)) {
        dl_stem(w, k->len, &s->stem);
        add_term(s, "Z", s->stem.buf, s->stem.len, "", 0, 1);
        if (title) {
            add_term(s, "Z" DL_PREFIX_TITLE, s->stem.buf, s->stem.len, "", 0, 1);
        }
        if (s->spelling) {
            dl_strset_add(&s->words, w, k->len, 0);
        }
    }
}

static int count_form(void *ctx, size_t group, size_t first, size_t ntokens)
{
    (void)first, (void)ntokens;
    ((unsigned *)ctx)[group]++;
    return 0;
}

/* The folded tokens of the field, and as written in text, as arrays for the alias scan. */
static void token_arrays(struct toks *t, const char *text)
{
    if (t->n > t->capptrs) {
        t->capptrs = t->n;
        t->ptrs = dl_xrealloc(t->ptrs, t->capptrs * sizeof *t->ptrs);
        t->raws = dl_xrealloc(t->raws, t->capptrs * sizeof *t->raws);
    }
    dl_buf_reset(&t->rawarena);
    for (size_t i = 0; i < t->n; i++) {
        t->ptrs[i] = tok_text(t, i);
        dl_buf_add(&t->rawarena, text + t->v[i].start, t->v[i].end - t->v[i].start);
        dl_buf_addc(&t->rawarena, '\0');
    }
    const char *p = t->rawarena.buf;
    for (size_t i = 0; i < t->n; i++) {
        t->raws[i] = p;
        p += strlen(p) + 1;
    }
}

/* The group term of every alias form in the field, as often as it occurs. */
static void index_aliases(struct dl_store *s, const char *text, int title)
{
    struct toks *t = &s->toks;
    if (!s->aliases || !t->n) {
        return;
    }
    token_arrays(t, text);
    memset(s->groups, 0, s->ngroups * sizeof *s->groups);
    dl_aliases_scan_raw(s->aliases, t->ptrs, t->raws, t->n, count_form, s->groups);
    for (size_t g = 0; g < s->ngroups; g++) {
        if (s->groups[g]) {
            s->found[g] = 1;
            const char *term = dl_aliases_group_term(s->aliases, g);
            add_term(s, "", term, strlen(term), "", 0, s->groups[g]);
            if (title) {
                add_term(s, DL_PREFIX_TITLE, term, strlen(term), "", 0, s->groups[g]);
            }
        }
    }
}

/* Index one field's text; positions run on across fields in *pos. */
static void index_field(struct dl_store *s, const char *text, int title, unsigned *pos)
{
    tokenize(&s->toks, text);
    for (size_t i = 0; i < s->toks.n; i++) {
        index_token(s, i, text, title, ++*pos);
    }
    index_aliases(s, text, title);
}

/* The entities found in the readout: per type their names, sorted, in a value slot. */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_entities(struct dl_store *s)
{
    static const unsigned slots[DL_ENTITY_COUNT] = {0, DL_SLOT_PEOPLE, DL_SLOT_COUNTRIES,
                                                    DL_SLOT_ORGS};
    const char **names = dl_xcalloc(s->ngroups ? s->ngroups : 1, sizeof *names);
    for (int type = 1; type < DL_ENTITY_COUNT; type++) {
        size_t n = 0;
        for (size_t g = 0; g < s->ngroups; g++) {
            if (s->found[g] && dl_aliases_type(s->aliases, g) == (enum dl_entity)type) {
                names[n++] = dl_aliases_name(s->aliases, g);
            }
        }
        qsort(names, n, sizeof *names, by_name);
        dl_buf_reset(&s->value);
        for (size_t i = 0; i < n; i++) {
            dl_buf_addf(&s->value, "%s%s", i ? DL_LIST_SEP : "", names[i]);
        }
        if (n) {
            dl_xdoc_set_value(s->doc, slots[type], s->value.buf, s->value.len);
        }
    }
    free(names);
    if (s->ngroups) { /* found is NULL without an alias table */
        memset(s->found, 0, s->ngroups);
    }
}

/* The boolean term prefix + slug of v[0..n), when the slug is not empty. */
static void add_slug_term(struct dl_store *s, const char *prefix, const char *v, size_t n)
{
    dl_buf_reset(&s->value);
    dl_slug(v, n, &s->value);
    if (s->value.len) {
        dl_schema_term(&s->term, prefix, s->value.buf, s->value.len);
        dl_xdoc_add_boolean(s->doc, s->term.buf, s->term.len);
    }
}

/* The DL_PREFIX_SOURCE terms: the source's slug and each of its parts' (schema.h). */
static void add_source_terms(struct dl_store *s, const char *source)
{
    size_t k = dl_schema_source_slugs(source, strlen(source), &s->value);
    const char *p = s->value.buf;
    for (; k > 0; k--) {
        size_t len = strlen(p);
        dl_schema_term(&s->term, DL_PREFIX_SOURCE, p, len);
        dl_xdoc_add_boolean(s->doc, s->term.buf, s->term.len);
        p += len + 1;
    }
}

/* Date, year, source, dateline, origin and hash: the filters, facets and bookkeeping. */
static void add_metadata(struct dl_store *s, const struct dl_readout *r, const char *origin,
                         const char *hash)
{
    if (r->source && *r->source) {
        add_source_terms(s, r->source);
        dl_xdoc_set_value(s->doc, DL_SLOT_SOURCE, r->source, strlen(r->source));
    }
    if (r->dateline && *r->dateline) {
        add_slug_term(s, DL_PREFIX_DATELINE, r->dateline, strcspn(r->dateline, ",("));
    }
    const char *kind = dl_kind_name(dl_kind_classify(r->title, r->body));
    make_term(s, DL_PREFIX_KIND, kind, strlen(kind), "", 0);
    dl_xdoc_add_boolean(s->doc, s->term.buf, s->term.len);
    dl_xdoc_set_value(s->doc, DL_SLOT_KIND, kind, strlen(kind));
    char ymd[9];
    if (dl_schema_date(r->date, ymd)) {
        dl_xdoc_set_value(s->doc, DL_SLOT_DATE, ymd, 8);
        dl_xdoc_set_value(s->doc, DL_SLOT_YEAR, ymd, 4);
        make_term(s, DL_PREFIX_YEAR, ymd, 4, "", 0);
        dl_xdoc_add_boolean(s->doc, s->term.buf, s->term.len);
        make_term(s, DL_PREFIX_DAY, ymd, 8, "", 0);
        dl_xdoc_add_boolean(s->doc, s->term.buf, s->term.len);
    }
    if (origin && *origin) {
        dl_schema_origin_term(&s->term, origin);
        dl_xdoc_add_boolean(s->doc, s->term.buf, s->term.len);
    }
    if (hash && *hash) {
        dl_xdoc_set_value(s->doc, DL_SLOT_HASH, hash, strlen(hash));
    }
}

/* --- writing ------------------------------------------------------------------------------ */

int dl_store_open(struct dl_store **out, const char *path, struct dl_error *err)
{
    struct dl_db *db = NULL;
    *out = NULL;
    int rc = dl_db_open_write(&db, path, err);
    if (rc == DL_OK) {
        rc = dl_store_check_schema(db, path, err);
    }
    struct dl_buf v = DL_BUF_INIT;
    if (rc == DL_OK && (rc = dl_db_get_meta(db, DL_META_SCHEMA, &v, err)) == DL_OK && !v.len) {
        rc = dl_db_set_meta(db, DL_META_SCHEMA, DL_SCHEMA_VERSION, strlen(DL_SCHEMA_VERSION), err);
    }
    dl_buf_release(&v);
    if (rc != DL_OK) {
        dl_db_free(db);
        return rc;
    }
    struct dl_store *s = dl_xcalloc(1, sizeof *s);
    s->db = db;
    s->spelling = 1;
    dl_buf_init(&s->toks.arena, 0);
    dl_buf_init(&s->term, 0);
    dl_buf_init(&s->stem, 0);
    dl_buf_init(&s->value, 0);
    s->codec = dl_codec_new();
    s->doc = dl_xdoc_new();
    *out = s;
    return DL_OK;
}

void dl_store_free(struct dl_store *s)
{
    if (!s) {
        return;
    }
    dl_db_free(s->db);
    dl_codec_free(s->codec);
    dl_xdoc_free(s->doc);
    free(s->toks.v);
    free(s->toks.ptrs);
    free(s->toks.raws);
    dl_buf_release(&s->toks.arena);
    dl_buf_release(&s->toks.rawarena);
    dl_strset_release(&s->words);
    dl_strset_release(&s->batch);
    free(s->batch_freq);
    dl_buf_release(&s->term);
    dl_buf_release(&s->stem);
    dl_buf_release(&s->value);
    dl_buf_release(&s->lower);
    dl_strset_release(&s->spellings);
    dl_buf_release(&s->spellarena);
    free(s->groups);
    free(s->found);
    free(s);
}

struct dl_db *dl_store_db(struct dl_store *s)
{
    return s->db;
}

void dl_store_set_spelling(struct dl_store *s, int on)
{
    s->spelling = on != 0;
}

/* Every form of every group as a synonym of its group term (and title forms of title terms). */
static int write_synonyms(struct dl_store *s, const struct dl_aliases *a, struct dl_error *err)
{
    size_t n = 0, cap = 0;
    char **keys = NULL, **terms = NULL;
    for (size_t g = 0; a && g < dl_aliases_ngroups(a); g++) {
        const char *term = dl_aliases_group_term(a, g);
        for (size_t f = 0; f < dl_aliases_nforms(a, g); f++) {
            const char *form = dl_aliases_form(a, g, f);
            if (dl_aliases_form_raw(a, g, f)) {
                continue; /* "=US": as a folded synonym key it would be every "us" */
            }
            if (n + 2 > cap) {
                cap = cap ? 2 * cap : 64;
                keys = dl_xrealloc(keys, cap * sizeof *keys);
                terms = dl_xrealloc(terms, cap * sizeof *terms);
            }
            keys[n] = dl_xstrdup(form);
            terms[n++] = dl_xstrdup(term);
            /* title:FORM is looked up with the field's prefix */
            make_term(s, DL_PREFIX_TITLE, form, strlen(form), "", 0);
            keys[n] = dl_buf_detach(&s->term, NULL);
            make_term(s, DL_PREFIX_TITLE, term, strlen(term), "", 0);
            terms[n++] = dl_buf_detach(&s->term, NULL);
        }
    }
    int rc =
        dl_db_set_synonyms(s->db, (const char *const *)keys, (const char *const *)terms, n, err);
    for (size_t i = 0; i < n; i++) {
        free(keys[i]);
        free(terms[i]);
    }
    free(keys);
    free(terms);
    return rc;
}

int dl_store_set_aliases(struct dl_store *s, const struct dl_aliases *a, const char *text,
                         size_t len, int *written, struct dl_error *err)
{
    if (written) {
        *written = 0;
    }
    s->aliases = a;
    free(s->groups);
    s->ngroups = a ? dl_aliases_ngroups(a) : 0;
    s->groups = dl_xcalloc(s->ngroups ? s->ngroups : 1, sizeof *s->groups);
    free(s->found);
    s->found = dl_xcalloc(s->ngroups ? s->ngroups : 1, 1);
    struct dl_buf stored = DL_BUF_INIT;
    int rc = dl_db_get_meta(s->db, DL_META_ALIASES, &stored, err);
    int same = rc == DL_OK && stored.len == len && (!len || memcmp(stored.buf, text, len) == 0);
    dl_buf_release(&stored);
    if (rc != DL_OK || same) {
        /* Stored by an earlier commit. Writing it again would change the synonym table at
         * every commit, for nothing. */
        return rc;
    }
    rc = write_synonyms(s, a, err);
    if (rc == DL_OK) {
        rc = dl_db_set_meta(s->db, DL_META_ALIASES, text ? text : "", text ? len : 0, err);
    }
    if (rc == DL_OK && written) {
        *written = 1;
    }
    return rc;
}

/*
 * The readout's words to the spelling table, each once per readout: summed per word until
 * the commit (flush_spelling), as one add_spelling() per distinct word and batch instead of
 * one per readout halved indexing time (measured on the White House corpus).
 */
static int feed_spelling(struct dl_store *s, struct dl_error *err)
{
    (void)err;
    for (size_t i = 0; i < s->words.cap; i++) {
        if (!s->words.keys[i]) {
            continue;
        }
        int at = dl_strset_find(&s->batch, s->words.keys[i], s->words.lens[i]);
        if (at < 0) {
            at = (int)s->batch.n;
            if ((size_t)at == s->batch_cap) {
                s->batch_cap = s->batch_cap ? 2 * s->batch_cap : 1024;
                s->batch_freq = dl_xrealloc(s->batch_freq, s->batch_cap * sizeof *s->batch_freq);
            }
            dl_strset_add(&s->batch, s->words.keys[i], s->words.lens[i], at);
            s->batch_freq[at] = 0;
        }
        s->batch_freq[at]++;
    }
    dl_strset_clear(&s->words);
    return DL_OK;
}

/* The batch's spelling words to the database, before its commit. */
static int flush_spelling(struct dl_store *s, struct dl_error *err)
{
    int rc = DL_OK;
    for (size_t i = 0; i < s->batch.cap && rc == DL_OK; i++) {
        if (s->batch.keys[i]) {
            rc = dl_db_add_spelling(s->db, s->batch.keys[i], s->batch.lens[i],
                                    s->batch_freq[s->batch.vals[i]], err);
        }
    }
    dl_strset_clear(&s->batch);
    return rc;
}

/* DL_SLOT_INDEXED: the time the readout with this id was first put, kept when it is put
 * again (an edit), else now; and its cluster key (DL_SLOT_EVENT, DL_PREFIX_EVENT), kept
 * likewise, else its own. */
static int set_indexed(struct dl_store *s, const char *id, struct dl_error *err)
{
    unsigned docid;
    const unsigned slots[2] = {DL_SLOT_INDEXED, DL_SLOT_EVENT};
    struct dl_buf v[2] = {DL_BUF_INIT, DL_BUF_INIT};
    struct dl_error miss = DL_ERROR_INIT; /* not found is no error here */
    int rc = dl_store_find(s->db, id, &docid, &miss);
    if (rc == DL_OK) {
        rc = dl_db_document(s->db, docid, NULL, slots, v, 2, err);
    } else if (rc == DL_ENOTFOUND) {
        rc = DL_OK;
    } else if (err) {
        *err = miss;
    }
    if (rc == DL_OK && v[0].len != DL_TIME_LEN) {
        char now[DL_TIME_LEN + 1];
        dl_schema_time_format(dl_schema_time_now(), now);
        dl_buf_reset(&v[0]);
        dl_buf_add(&v[0], now, DL_TIME_LEN);
    }
    if (rc == DL_OK && v[1].len != DL_EVENT_KEY_LEN) {
        char key[DL_EVENT_KEY_LEN + 1];
        dl_event_key(id, key);
        dl_buf_reset(&v[1]);
        dl_buf_add(&v[1], key, DL_EVENT_KEY_LEN);
    }
    if (rc == DL_OK) {
        dl_xdoc_set_value(s->doc, DL_SLOT_INDEXED, v[0].buf, v[0].len);
        dl_xdoc_set_value(s->doc, DL_SLOT_EVENT, v[1].buf, v[1].len);
        make_term(s, DL_PREFIX_EVENT, v[1].buf, v[1].len, "", 0);
        dl_xdoc_add_boolean(s->doc, s->term.buf, s->term.len);
    }
    dl_buf_release(&v[0]);
    dl_buf_release(&v[1]);
    return rc;
}

/* DL_SLOT_SIGNATURE: the readout's MinHash signature (event.h). */
static void add_signature(struct dl_store *s, const struct dl_readout *r)
{
    struct dl_event_sig sig;
    unsigned char enc[DL_EVENT_SIG_BYTES];
    dl_event_sign(r->title, r->body, &sig);
    dl_event_sig_encode(&sig, enc);
    dl_xdoc_set_value(s->doc, DL_SLOT_SIGNATURE, (const char *)enc, sizeof enc);
}

int dl_store_put(struct dl_store *s, const struct dl_readout *r, const char *origin,
                 const char *hash, struct dl_error *err)
{
    if (!r->id || !*r->id) {
        return dl_error_set(err, DL_EINVAL, "cannot add a readout without an id");
    }
    dl_xdoc_clear(s->doc);
    dl_strset_clear(&s->words);
    unsigned pos = 0;
    index_field(s, r->title, 1, &pos);
    pos += TITLE_GAP;
    index_field(s, r->body, 0, &pos);
    /* The dateline and the source are searchable words too: "ha noi" must find a readout
     * whose only mention of Hà Nội is its "HÀ NỘI —" dateline. */
    const char *meta[2] = {r->dateline, r->source};
    for (int k = 0; k < 2; k++) {
        if (meta[k] && *meta[k]) {
            pos += TITLE_GAP;
            index_field(s, meta[k], 0, &pos);
        }
    }
    add_entities(s);
    add_metadata(s, r, origin, hash);
    add_signature(s, r);
    int rc = DL_OK;
    if (r->body && *r->body &&
        (rc = dl_codec_compress(s->codec, r->body, strlen(r->body), &s->value, err)) == DL_OK) {
        dl_xdoc_set_value(s->doc, DL_SLOT_BODY, s->value.buf, s->value.len);
    }
    dl_record_encode(r, &s->value);
    dl_xdoc_set_data(s->doc, s->value.buf, s->value.len);
    if (rc == DL_OK) {
        rc = feed_spelling(s, err);
    }
    if (rc == DL_OK) {
        rc = set_indexed(s, r->id, err);
    }
    dl_schema_term(&s->term, DL_PREFIX_ID, r->id, strlen(r->id));
    dl_xdoc_add_boolean(s->doc, s->term.buf, s->term.len);
    return rc == DL_OK ? dl_db_replace(s->db, s->term.buf, s->term.len, s->doc, err) : rc;
}

int dl_store_delete(struct dl_store *s, const char *id, struct dl_error *err)
{
    dl_schema_term(&s->term, DL_PREFIX_ID, id, strlen(id));
    int rc = dl_db_delete(s->db, s->term.buf, s->term.len, err);
    if (rc == DL_ENOTFOUND) {
        return dl_error_set(err, DL_ENOTFOUND, "cannot delete '%s': no such readout", id);
    }
    return rc;
}

int dl_store_commit(struct dl_store *s, struct dl_error *err)
{
    int rc = flush_spelling(s, err);
    return rc == DL_OK ? dl_db_commit(s->db, err) : rc;
}

/* --- reading -------------------------------------------------------------------------------- */

/* Longest path put in the rebuild command: two copies must fit in struct dl_error. */
#define REBUILD_PATH_MAX 72

int dl_store_check_schema(struct dl_db *db, const char *path, struct dl_error *err)
{
    struct dl_buf v = DL_BUF_INIT;
    int rc = dl_db_get_meta(db, DL_META_SCHEMA, &v, err);
    if (rc == DL_OK && v.len && strcmp(v.buf, DL_SCHEMA_VERSION) != 0) {
        const char *dir = strlen(path) <= REBUILD_PATH_MAX ? path : "DIR";
        rc = dl_error_set(err, DL_EINVAL,
                          "the index has schema %.20s, this program reads and writes %s: "
                          "rebuild it (rm -r '%s' && dateline-index -d '%s' PATH...)",
                          v.buf, DL_SCHEMA_VERSION, dir, dir);
    }
    dl_buf_release(&v);
    return rc;
}

static int first_docid(void *ctx, unsigned docid)
{
    *(unsigned *)ctx = docid;
    return 1; /* one is enough */
}

int dl_store_find(struct dl_db *db, const char *id, unsigned *docid, struct dl_error *err)
{
    struct dl_buf term = DL_BUF_INIT;
    dl_schema_term(&term, DL_PREFIX_ID, id, strlen(id));
    *docid = 0;
    int rc = dl_db_postings(db, term.buf, term.len, first_docid, docid, err);
    dl_buf_release(&term);
    if (rc < 0) {
        return rc;
    }
    return *docid ? DL_OK : dl_error_set(err, DL_ENOTFOUND, "no readout with id '%s'", id);
}

int dl_store_read(struct dl_db *db, struct dl_codec *c, unsigned docid, struct dl_readout *r,
                  struct dl_error *err)
{
    struct dl_buf data = DL_BUF_INIT, body = DL_BUF_INIT;
    const unsigned slot = DL_SLOT_BODY;
    int rc = dl_db_document(db, docid, &data, &slot, &body, c ? 1 : 0, err);
    if (rc == DL_OK) {
        dl_record_decode(data.buf, data.len, r);
        if (!r->body && c) { /* since schema 2 the body is in its value slot */
            rc = dl_codec_decompress(c, body.buf, body.len, &r->body, err);
        }
        if (rc != DL_OK) {
            dl_readout_release(r);
        }
    }
    dl_buf_release(&data);
    dl_buf_release(&body);
    return rc;
}

void dl_found_release(struct dl_found *f)
{
    if (!f) {
        return;
    }
    for (int t = 0; t < DL_ENTITY_COUNT; t++) {
        free(f->names[t]);
    }
    free(f->kind);
    free(f->indexed);
    free(f->event);
    memset(f, 0, sizeof *f);
}

/* The slots a hit is read with: the body, then what dl_found holds. */
#define HIT_SLOTS (DL_ENTITY_COUNT + 3)
static const unsigned hit_slots[HIT_SLOTS] = {DL_SLOT_BODY,      DL_SLOT_KIND, DL_SLOT_PEOPLE,
                                              DL_SLOT_COUNTRIES, DL_SLOT_ORGS, DL_SLOT_INDEXED,
                                              DL_SLOT_EVENT};

/* A hit from its document's data and its hit_slots values v (copied). */
static int decode_hit(const struct dl_buf *data, const struct dl_buf *v, struct dl_codec *c,
                      struct dl_readout *r, struct dl_found *f, struct dl_error *err)
{
    int rc = DL_OK;
    memset(f, 0, sizeof *f);
    dl_record_decode(data->buf, data->len, r);
    if (!r->body && c) { /* since schema 2 the body is in its value slot */
        rc = dl_codec_decompress(c, v[0].buf, v[0].len, &r->body, err);
    }
    if (rc != DL_OK) {
        dl_readout_release(r);
        return rc;
    }
    for (int t = 0; t < HIT_SLOTS - 1; t++) { /* the kind, names, when, the event */
        const struct dl_buf *x = &v[t + 1];
        char *val = x->len ? dl_xmemdup(x->buf, x->len) : NULL;
        *(t == HIT_SLOTS - 2     ? &f->event
          : t == DL_ENTITY_COUNT ? &f->indexed
          : t                    ? &f->names[t]
                                 : &f->kind) = val;
    }
    return DL_OK;
}

int dl_store_read_hit(struct dl_db *db, struct dl_codec *c, unsigned docid, struct dl_readout *r,
                      struct dl_found *f, struct dl_error *err)
{
    /* One read of the document for both: on a remote shard each read is a round trip. */
    enum { N = HIT_SLOTS };
    struct dl_buf data = DL_BUF_INIT, v[N];
    for (int k = 0; k < N; k++) {
        dl_buf_init(&v[k], 0);
    }
    memset(f, 0, sizeof *f);
    /* without c the body is not read: an export's rows */
    int rc = dl_db_document(db, docid, &data, hit_slots + !c, v + !c, N - !c, err);
    if (rc == DL_OK) {
        rc = decode_hit(&data, v, c, r, f, err);
    }
    for (int k = 0; k < N; k++) {
        dl_buf_release(&v[k]);
    }
    dl_buf_release(&data);
    return rc;
}

int dl_store_id_of(void *db, unsigned docid, char **id, struct dl_error *err)
{
    struct dl_readout d = {0};
    int rc = dl_store_read(db, NULL, docid, &d, err);
    *id = dl_xstrdup(rc == DL_OK && d.id ? d.id : "");
    dl_readout_release(&d);
    return rc;
}

int dl_store_get(struct dl_db *db, struct dl_codec *c, const char *id, struct dl_readout *r,
                 struct dl_error *err)
{
    unsigned docid;
    int rc = dl_store_find(db, id, &docid, err);
    return rc == DL_OK ? dl_store_read(db, c, docid, r, err) : rc;
}

int dl_store_get_hash(struct dl_db *db, const char *id, struct dl_buf *out, struct dl_error *err)
{
    unsigned docid;
    const unsigned slot = DL_SLOT_HASH;
    int rc = dl_store_find(db, id, &docid, err);
    return rc == DL_OK ? dl_db_document(db, docid, NULL, &slot, out, 1, err) : rc;
}

struct ids {
    struct dl_db *db;
    struct dl_buf data;
    char **v;
    size_t n, cap;
    int rc;
    struct dl_error *err;
};

static int collect_id(void *ctx, unsigned docid)
{
    struct ids *ids = ctx;
    ids->rc = dl_db_document(ids->db, docid, &ids->data, NULL, NULL, 0, ids->err);
    if (ids->rc != DL_OK) {
        return ids->rc;
    }
    if (ids->n == ids->cap) {
        ids->cap = ids->cap ? 2 * ids->cap : 64;
        ids->v = dl_xrealloc(ids->v, ids->cap * sizeof *ids->v);
    }
    ids->v[ids->n++] = dl_xmemdup(ids->data.buf, dl_record_id_len(ids->data.buf, ids->data.len));
    return 0;
}

int dl_store_origin_ids(struct dl_db *db, const char *origin, dl_id_fn cb, void *ctx,
                        struct dl_error *err)
{
    struct ids ids = {db, DL_BUF_INIT, NULL, 0, 0, DL_OK, err};
    struct dl_buf term = DL_BUF_INIT;
    dl_schema_origin_term(&term, origin);
    int rc = dl_db_postings(db, term.buf, term.len, collect_id, &ids, err);
    /* Collected first: the callback may delete documents of this posting list. */
    for (size_t i = 0; i < ids.n && rc == DL_OK; i++) {
        rc = cb(ctx, ids.v[i]);
    }
    for (size_t i = 0; i < ids.n; i++) {
        free(ids.v[i]);
    }
    free(ids.v);
    dl_buf_release(&ids.data);
    dl_buf_release(&term);
    return rc;
}
