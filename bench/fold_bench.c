/*
 * fold_bench.c - throughput of dl_tokenize() and dl_fold() on a text file.
 *
 *   fold_bench FILE [RUNS]
 *
 * The file is processed line by line (one JSONL document per line, about
 * the size the indexer hands the tokenizer); the best of RUNS passes is
 * reported in MB/s (10^6 bytes per second).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/fold.h"

struct count {
    size_t tokens; /* tokens seen */
    size_t bytes;  /* folded bytes seen, so the work cannot be optimised away */
};

static int count_cb(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                    unsigned flags)
{
    struct count *c = ctx;
    c->tokens++;
    c->bytes += flen + (unsigned char)folded[0];
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fold_bench FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    struct dl_buf text = DL_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        dl_buf_add(&text, chunk, n);
    }
    fclose(f);

    double best_tok = 1e9, best_fold = 1e9;
    struct count c = {0, 0};
    struct dl_buf out = DL_BUF_INIT;
    for (int r = 0; r < runs; r++) {
        c.tokens = c.bytes = 0;
        double t0 = dl_now();
        for (size_t i = 0; i < text.len;) {
            const char *nl = memchr(text.buf + i, '\n', text.len - i);
            size_t j = nl ? (size_t)(nl - text.buf) + 1 : text.len;
            dl_tokenize(text.buf + i, j - i, count_cb, &c);
            i = j;
        }
        double t1 = dl_now();
        for (size_t i = 0; i < text.len;) {
            const char *nl = memchr(text.buf + i, '\n', text.len - i);
            size_t j = nl ? (size_t)(nl - text.buf) + 1 : text.len;
            dl_buf_reset(&out);
            dl_fold(text.buf + i, j - i, &out);
            i = j;
        }
        double t2 = dl_now();
        best_tok = t1 - t0 < best_tok ? t1 - t0 : best_tok;
        best_fold = t2 - t1 < best_fold ? t2 - t1 : best_fold;
    }
    double mb = (double)text.len / 1e6;
    printf("%s: %.1f MB, %zu tokens; dl_tokenize %.0f MB/s, dl_fold %.0f MB/s (best of %d)\n",
           argv[1], mb, c.tokens, mb / best_tok, mb / best_fold, runs);
    dl_buf_release(&out);
    dl_buf_release(&text);
    return 0;
}
