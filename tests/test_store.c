/*
 * test_store.c - what dateline writes for a readout, read back through the
 * shim: the terms of schema.h, values, data, the compressed body, ids,
 * hashes, origins, aliases (stored once), spelling, the schema check.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/db.h"
#include "dateline/record.h"
#include "dateline/schema.h"
#include "dateline/store.h"
#include "dl_test.h"

static char dir[64], idx[128];

static const char ALIASES[] = "Tô Lâm\tTo Lam\tSu Lin\t苏林\nViệt Nam\tVietnam\n";

static struct dl_readout R1 = {
    "vn/001.txt",
    "Tô Lâm visits Việt Nam",
    "2026-02-04",
    "HÀ NỘI (VNA)",
    "VNA/VNS",
    "https://example.org/1",
    "vi",
    "General Secretary To Lam met the minister. Congratulations! 越南首页 2026 Su Lin and Tô Lâm."};

/* Readouts with a after b within window positions (a phrase). */
static size_t phrase(struct dl_db *db, const char *a, const char *b, unsigned window)
{
    struct dl_xq *q = dl_xq_new();
    dl_xq_term(q, a, strlen(a), 1, 1);
    dl_xq_term(q, b, strlen(b), 1, 2);
    dl_xq_combine(q, DL_XOP_PHRASE, 2, window);
    struct dl_xenquire e = {.collapse_slot = -1};
    struct dl_mset m = {0};
    size_t n = dl_db_enquire(db, q, &e, 0, 10, &m, NULL) == DL_OK ? m.n : 99;
    dl_mset_release(&m);
    dl_xq_free(q);
    return n;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static unsigned long freq(struct dl_db *db, const char *term)
{
    unsigned long f = 0;
    dl_db_termfreq(db, term, strlen(term), &f, NULL);
    return f;
}

/* Every kind of term the schema promises, for R1. */
static void test_terms(struct dl_db *db)
{
    static const char *const present[] = {
        "to",          "lam",        "Zlam",      "Zminist",  "congratul" /* no: Z only */,
        "Zcongratul",  "Sto",        "Slam",      "ZSvisit",  "越",
        "越南",        "首页",       "2026",      "XAto-lam", "SXAto-lam",
        "SXAviet-nam", "XAviet-nam", "XSvna-vns", "XDha-noi", "XY2026",
        "Qvn/001.txt", "ha",         "noi",       "vna",      "vns",
        "XSvna",       "XSvns", /* each part of the source too */
    };
    for (size_t i = 0; i < sizeof present / sizeof present[0]; i++) {
        int want = strcmp(present[i], "congratul") != 0;
        CHECK((freq(db, present[i]) == 1) == want, "term '%s' %s", present[i],
              want ? "written" : "not written");
    }
    CHECK(freq(db, "Z2026") == 0 && freq(db, "Z越") == 0, "digits and CJK are not stemmed");
    CHECK(freq(db, "首越") == 0, "no bigram across a gap");
    CHECK(freq(db, "XSvn") == 0 && freq(db, "XSvna/vns") == 0, "source terms are whole slugs");
    struct dl_buf t = DL_BUF_INIT;
    dl_schema_origin_term(&t, "folder-a");
    CHECK(freq(db, t.buf) == 1 && t.len == 2 + 16, "origin term %s", t.buf);
    dl_buf_release(&t);

    /* Positions: the title's words, then after a gap the body's (no phrase spans both). */
    unsigned docid = 0;
    CHECK(dl_store_find(db, R1.id, &docid, NULL) == 0 && docid == 1, "find by id");
    CHECK(phrase(db, "lam", "visits", 2) == 1 && phrase(db, "Slam", "Svisits", 2) == 1,
          "title words adjacent, with and without the prefix");
    CHECK(phrase(db, "nam", "general", 2) == 0 && phrase(db, "nam", "general", 200) == 1,
          "the title's last word and the body's first: over the gap");

    struct dl_buf values[4] = {DL_BUF_INIT, DL_BUF_INIT, DL_BUF_INIT, DL_BUF_INIT};
    const unsigned slots[4] = {DL_SLOT_DATE, DL_SLOT_YEAR, DL_SLOT_SOURCE, DL_SLOT_HASH};
    CHECK(dl_db_document(db, docid, NULL, slots, values, 4, NULL) == 0, "values");
    CHECK_STR(values[0].buf, "20260204", "date value");
    CHECK_STR(values[1].buf, "2026", "year value");
    CHECK_STR(values[2].buf, "VNA/VNS", "source value as written");
    CHECK_STR(values[3].buf, "hash-1", "hash value");
    for (int k = 0; k < 4; k++) {
        dl_buf_release(&values[k]);
    }
}

static void test_round_trip(struct dl_store *w)
{
    struct dl_error err = DL_ERROR_INIT;
    struct dl_codec *c = dl_codec_new();
    struct dl_db *db = dl_store_db(w);
    struct dl_readout d;

    /* A large body survives the zstd round trip byte for byte; an empty one is "". */
    size_t biglen = 300000;
    char *big = malloc(biglen + 1);
    for (size_t i = 0; i < biglen; i++) {
        big[i] = "Tô Lâm met Xi Jinping in Hà Nội. "[i % 35]; /* 35 bytes, cut anywhere */
    }
    big[biglen] = '\0';
    struct dl_readout large = {"x/large.txt", "Large", NULL, NULL, NULL, NULL, NULL, big};
    struct dl_readout empty = {"x/empty.txt", "Empty", NULL, NULL, NULL, NULL, NULL, ""};
    CHECK(dl_store_put(w, &large, "o", "h", &err) == 0, "put a large body: %s", err.msg);
    CHECK(dl_store_put(w, &empty, "o", "h", &err) == 0, "put an empty body: %s", err.msg);
    memset(&d, 0, sizeof d);
    CHECK(dl_store_get(db, c, "x/large.txt", &d, &err) == 0, "get large body: %s", err.msg);
    CHECK(d.body && strlen(d.body) == biglen && memcmp(d.body, big, biglen) == 0,
          "large body read back intact");
    dl_readout_release(&d);
    CHECK(dl_store_get(db, c, "x/empty.txt", &d, &err) == 0 && d.body && !d.body[0] &&
              strcmp(d.title, "Empty") == 0 && !d.date && !d.url,
          "empty body read back, absent fields NULL");
    dl_readout_release(&d);
    free(big);

    CHECK(dl_store_get(db, c, R1.id, &d, &err) == 0, "get R1");
    CHECK_STR(d.body, R1.body, "body");
    CHECK_STR(d.dateline, R1.dateline, "dateline as written");
    CHECK_STR(d.url, R1.url, "url");
    dl_readout_release(&d);

    /* An id over 64 bytes is stored hashed, and found by itself only. */
    char long_id[300];
    memset(long_id, 'a', 299);
    long_id[299] = '\0';
    struct dl_readout lr = {long_id, NULL, NULL, NULL, NULL, NULL, NULL, "long"};
    CHECK(dl_store_put(w, &lr, "o", "h", &err) == 0, "put a long id");
    CHECK(dl_store_get(db, c, long_id, &d, &err) == 0 && strcmp(d.id, long_id) == 0,
          "long id round trip");
    dl_readout_release(&d);
    long_id[298] = 'b';
    CHECK(dl_store_get(db, c, long_id, &d, &err) == DL_ENOTFOUND, "another long id");
    dl_codec_free(c);

    struct dl_readout noid = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, "x"};
    CHECK(dl_store_put(w, &noid, "o", "h", &err) == DL_EINVAL && strstr(err.msg, "without an id"),
          "a readout without an id: %s", err.msg);
}

static int collect(void *ctx, const char *id)
{
    struct dl_buf *b = ctx;
    dl_buf_addf(b, "%s%s", b->len ? " " : "", id);
    return 0;
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/dl_test_store_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(idx, sizeof idx, "%s/idx", dir);
    struct dl_store *w = NULL, *w2 = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_store_open(&w, idx, &err) == 0, "open: %s", err.msg);
    if (!w) {
        return dl_test_report();
    }
    CHECK(dl_store_open(&w2, idx, &err) == DL_ELOCKED && !w2, "a second writer is refused");

    struct dl_aliases *a = NULL;
    int written = -1;
    CHECK(dl_aliases_parse(ALIASES, strlen(ALIASES), &a, &err) == 0, "aliases");
    CHECK(dl_store_set_aliases(w, a, ALIASES, strlen(ALIASES), &written, &err) == 0 && written == 1,
          "a new table is written");
    CHECK(dl_store_put(w, &R1, "folder-a", "hash-1", &err) == 0, "put R1: %s", err.msg);

    struct dl_buf ids = DL_BUF_INIT, h = DL_BUF_INIT;
    CHECK(dl_store_origin_ids(dl_store_db(w), "folder-a", collect, &ids, &err) == 0 &&
              strcmp(ids.buf, R1.id) == 0,
          "the writer sees its uncommitted readout: '%s'", ids.buf);
    CHECK(dl_store_commit(w, &err) == 0, "commit: %s", err.msg);
    CHECK(dl_store_set_aliases(w, a, ALIASES, strlen(ALIASES), &written, &err) == 0 && written == 0,
          "the same table again is not written");

    struct dl_db *db = dl_store_db(w);
    test_terms(db);
    CHECK(dl_db_get_meta(db, DL_META_SCHEMA, &h, &err) == 0 &&
              strcmp(h.buf, DL_SCHEMA_VERSION) == 0,
          "schema stored: %s", h.buf);
    CHECK(dl_db_get_meta(db, DL_META_ALIASES, &h, &err) == 0 && strcmp(h.buf, ALIASES) == 0,
          "alias text stored");
    CHECK(dl_store_get_hash(db, R1.id, &h, &err) == 0 && strcmp(h.buf, "hash-1") == 0, "hash");
    CHECK(dl_db_spelling(db, "ministr", 7, &h, &err) == 0 && strcmp(h.buf, "minister") == 0,
          "spelling fed from the words: '%s'", h.buf);
    test_round_trip(w);

    CHECK(dl_store_delete(w, R1.id, &err) == 0, "delete");
    CHECK(dl_store_delete(w, R1.id, &err) == DL_ENOTFOUND && strstr(err.msg, R1.id),
          "delete again: %s", err.msg);
    CHECK(dl_store_get_hash(db, R1.id, &h, &err) == DL_ENOTFOUND, "no hash for a deleted id");
    dl_buf_reset(&ids);
    CHECK(dl_store_origin_ids(db, "folder-a", collect, &ids, &err) == 0 && ids.len == 0,
          "and no origin either");
    dl_store_free(w); /* uncommitted: R1 is back for a new writer */
    dl_store_free(NULL);

    CHECK(dl_store_open(&w, idx, &err) == 0, "open again");
    CHECK(dl_store_check_schema(dl_store_db(w), idx, &err) == 0, "schema accepted");
    CHECK(dl_store_get_hash(dl_store_db(w), R1.id, &h, &err) == 0, "the delete was discarded");
    dl_store_free(w);
    dl_aliases_free(a);
    dl_buf_release(&ids);
    dl_buf_release(&h);
    if (!getenv("DL_KEEP")) {
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    return dl_test_report();
}
