/* test_hitcache.c - the readouts a searcher keeps: copies in and out, the least recently used
 * going first past the budget, what is too big for it, the accounts kept beside a readout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/hitcache.h"
#include "dl_test.h"

/* A readout whose body is n bytes of 'x', its id "doc-<docid>". */
static void make(struct dl_readout *r, struct dl_found *f, unsigned docid, size_t n)
{
    char id[32];
    snprintf(id, sizeof id, "doc-%u", docid);
    memset(r, 0, sizeof *r);
    memset(f, 0, sizeof *f);
    r->id = strdup(id);
    r->title = strdup("Tô Lâm meets Xi Jinping");
    r->body = calloc(n + 1, 1);
    memset(r->body, 'x', n);
    f->event = strdup("20251112-1");
    f->names[DL_ENTITY_PERSON] = strdup("Tô Lâm");
}

static void put(struct dl_hitcache *c, unsigned docid, size_t n)
{
    struct dl_readout r;
    struct dl_found f;
    make(&r, &f, docid, n);
    dl_hitcache_put(c, docid, &r, &f);
    dl_readout_release(&r);
    dl_found_release(&f);
}

/* Which of docids 1..9 the cache keeps, as a string of their digits. */
static void kept(struct dl_hitcache *c, char *out)
{
    for (unsigned d = 1; d <= 9; d++) {
        struct dl_readout r = {0};
        struct dl_found f = {0};
        if (dl_hitcache_get(c, d, &r, &f)) {
            *out++ = (char)('0' + d);
        }
        dl_readout_release(&r);
        dl_found_release(&f);
    }
    *out = '\0';
}

/* Each case: a budget, then operations ("p3" puts docid 3 with a 1000-byte body, "P3" with a
 * 100,000-byte one, "g3" gets it, "c" clears), and which docids are kept then. The budget
 * holds three small entries, not four. Gets in kept() refresh too, so each case reads once. */
static const struct {
    size_t budget;
    const char *ops, *want;
} CASES[] = {
    {4000, "p1p2p3", "123"},
    {4000, "p1p2p3p4", "234"},   /* the oldest goes */
    {4000, "p1p2p3g1p4", "134"}, /* a get makes it the newest */
    {4000, "p1p2p3p1p4", "134"}, /* so does putting it again */
    {4000, "p1P2p3", "13"},      /* too big for the budget: not kept */
    {4000, "p1p2cp3", "3"},      /* cleared */
    {0, "p1p2", ""},             /* a budget of 0 keeps nothing */
    {250000, "P1P2p3", "123"},
};

static void run_cases(void)
{
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        struct dl_hitcache *c = dl_hitcache_new(CASES[i].budget);
        for (const char *op = CASES[i].ops; *op; op++) {
            unsigned d = (unsigned)(op[1] - '0');
            if (*op == 'p' || *op == 'P') {
                put(c, d, *op == 'p' ? 1000 : 100000);
            } else if (*op == 'g') {
                struct dl_readout r = {0};
                struct dl_found f = {0};
                dl_hitcache_get(c, d, &r, &f);
                dl_readout_release(&r);
                dl_found_release(&f);
            } else if (*op == 'c') {
                dl_hitcache_clear(c);
            }
            op += *op != 'c';
        }
        char got[16];
        kept(c, got);
        CHECK_STR(got, CASES[i].want, "case %zu (%s)", i, CASES[i].ops);
        size_t entries, bytes;
        dl_hitcache_usage(c, &entries, &bytes);
        CHECK(entries == strlen(CASES[i].want) && bytes <= CASES[i].budget,
              "case %zu: %zu entries, %zu bytes", i, entries, bytes);
        dl_hitcache_free(c);
    }
}

/* What comes out is a copy of what went in, and the caller's copy may go. */
static void test_copies(void)
{
    struct dl_hitcache *c = dl_hitcache_new(1 << 20);
    put(c, 7, 50);
    struct dl_readout r = {.id = strdup("stale")};
    struct dl_found f = {0};
    CHECK(dl_hitcache_get(c, 7, &r, &f) == 1, "docid 7 kept");
    CHECK_STR(r.id, "doc-7", "its id");
    CHECK_STR(r.title, "Tô Lâm meets Xi Jinping", "its title");
    CHECK(r.body && strlen(r.body) == 50 && r.date == NULL, "its body, no date");
    CHECK_STR(f.event, "20251112-1", "its event");
    CHECK_STR(f.names[DL_ENTITY_PERSON], "Tô Lâm", "its people");
    CHECK(dl_hitcache_get(c, 8, &r, &f) == 0 && r.id && strcmp(r.id, "doc-7") == 0,
          "a docid not kept leaves r as it was");
    dl_readout_release(&r);
    dl_found_release(&f);
    dl_hitcache_free(c);
    dl_hitcache_free(NULL);
}

/* Accounts: none until put, a copy after, gone when the readout is put again. */
static void test_accounts(void)
{
    struct dl_hitcache *c = dl_hitcache_new(1 << 20);
    struct dl_accounts a = {0}, got = {0};
    dl_hitcache_put_accounts(c, 3, &a); /* docid 3 is not kept: nothing */
    CHECK(dl_hitcache_get_accounts(c, 3, &got) == 0, "no accounts without the readout");
    put(c, 3, 10);
    CHECK(dl_hitcache_get_accounts(c, 3, &got) == 0, "no accounts before they are put");
    dl_hitcache_put_accounts(c, 3, &a);
    CHECK(dl_hitcache_get_accounts(c, 3, &got) == 1 && got.n == 0, "none is an answer too");
    a.n = 2, a.count = 5;
    a.v = calloc(2, sizeof *a.v);
    a.v[0].id = strdup("xinhua-1");
    a.v[1].id = strdup("vna-2");
    a.v[1].title = strdup("Hội đàm");
    dl_hitcache_put_accounts(c, 3, &a);
    dl_accounts_release(&a);
    CHECK(dl_hitcache_get_accounts(c, 3, &got) == 1 && got.n == 2 && got.count == 5,
          "two of five accounts kept");
    CHECK_STR(got.v[0].id, "xinhua-1", "the first");
    CHECK_STR(got.v[1].title, "Hội đàm", "the second's title");
    dl_accounts_release(&got);
    put(c, 3, 10);
    CHECK(dl_hitcache_get_accounts(c, 3, &got) == 0, "put again: its accounts are gone");
    size_t entries, bytes;
    dl_hitcache_usage(c, &entries, &bytes);
    CHECK(entries == 1 && bytes < 1000, "one entry, its accounts no longer counted (%zu)", bytes);
    dl_hitcache_free(c);
}

int main(void)
{
    run_cases();
    test_copies();
    test_accounts();
    return dl_test_report();
}
