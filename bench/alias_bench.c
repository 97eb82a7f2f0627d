/*
 * alias_bench.c - throughput of dl_aliases_scan(), the indexer's pass over
 * every token of every readout looking for name variants.
 *
 *   alias_bench [ALIASES.tsv [TEXT [RUNS]]]
 *
 * ALIASES defaults to the source tree's data/aliases.tsv. The tokens are
 * TEXT's, folded by dl_tokenize() and repeated up to a million; without
 * TEXT, a 15-word sentence holding four names ("to lam", "minh chinh", "ha
 * noi", "viet nam"), as tests/test_alias.c had when it timed this itself.
 * Prints the best of RUNS passes (default 5) in nanoseconds per token and
 * millions of tokens per second, and the hits per pass. The unit test's
 * old bound was 1M tokens in under 5 s with sanitizers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/alias.h"
#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/fold.h"

#ifndef DL_SOURCE_ROOT
#define DL_SOURCE_ROOT "."
#endif

enum { NTOKENS = 1000000 };

struct tokens {
    char **v;
    size_t n, cap;
};

static int add_token(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                     unsigned flags)
{
    struct tokens *t = ctx;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->v = realloc(t->v, t->cap * sizeof *t->v);
        if (!t->v) {
            abort();
        }
    }
    t->v[t->n++] = strndup(folded, flen);
    return 0;
}

static int count_hit(void *ctx, size_t group, size_t first, size_t n)
{
    (*(size_t *)ctx)++;
    return 0;
}

int main(int argc, char **argv)
{
    const char *table = argc > 1 ? argv[1] : DL_SOURCE_ROOT "/data/aliases.tsv";
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    struct dl_error err = DL_ERROR_INIT;
    struct dl_aliases *a = NULL;
    if (dl_aliases_load(table, &a, &err) != DL_OK) {
        fprintf(stderr, "alias_bench: %s\n", err.msg);
        return 1;
    }
    struct dl_buf text = DL_BUF_INIT;
    if (argc > 2) {
        FILE *f = fopen(argv[2], "rb");
        if (!f) {
            perror(argv[2]);
            return 1;
        }
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
            dl_buf_add(&text, chunk, n);
        }
        fclose(f);
    } else {
        dl_buf_adds(&text,
                    "the general secretary to lam met with minh chinh in ha noi on viet nam");
    }
    struct tokens once = {NULL, 0, 0};
    dl_tokenize(text.buf, text.len, add_token, &once);
    if (once.n == 0) {
        fprintf(stderr, "alias_bench: no tokens in the text\n");
        return 1;
    }
    const char **toks = malloc(NTOKENS * sizeof *toks);
    if (!toks) {
        abort();
    }
    for (size_t i = 0; i < NTOKENS; i++) {
        toks[i] = once.v[i % once.n];
    }

    double best = 1e9;
    size_t hits = 0;
    for (int r = 0; r < runs; r++) {
        hits = 0;
        double t0 = dl_now();
        dl_aliases_scan(a, toks, NTOKENS, count_hit, &hits);
        double dt = dl_now() - t0;
        best = dt < best ? dt : best;
    }
    printf("alias scan (%s, %zu groups): %d tokens, %zu hits; %.1f ns/token, %.1f M tokens/s "
           "(best of %d)\n",
           table, dl_aliases_ngroups(a), NTOKENS, hits, best / NTOKENS * 1e9, NTOKENS / best / 1e6,
           runs);
    free(toks);
    for (size_t i = 0; i < once.n; i++) {
        free(once.v[i]);
    }
    free(once.v);
    dl_buf_release(&text);
    dl_aliases_free(a);
    return 0;
}
