/* test_rerank.c - the phrase rerank of the first page, on made-up positions (no database). */
#include <stdlib.h>
#include <string.h>

#include "dateline/rerank.h"
#include "dl_test.h"

/* Document d holds the words of TEXT[d] at positions 1, 2, ... */
static const char *const TEXT[] = {
    "lam went to the market",       /* 0: both words, not side by side */
    "general secretary to lam met", /* 1: the phrase */
    "to lam to lam",                /* 2: twice */
    "lam to",                       /* 3: the wrong order */
    "nothing here",                 /* 4 */
    "to x lam to lam",              /* 5: the phrase at the end */
};

static int lookups;

static int positions(void *ctx, unsigned docid, const char *word, struct dl_positions *out,
                     struct dl_error *err)
{
    (void)ctx, (void)err;
    lookups++;
    out->n = 0;
    if (docid == 99) {
        return DL_EMODIFIED;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%s", TEXT[docid]);
    unsigned pos = 0;
    for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) {
        pos++;
        if (strcmp(w, word) == 0) {
            if (out->n == out->cap) {
                out->cap = out->cap ? 2 * out->cap : 4;
                out->v = realloc(out->v, out->cap * sizeof *out->v);
            }
            out->v[out->n++] = pos;
        }
    }
    return DL_OK;
}

int main(void)
{
    const char *words[2] = {"to", "lam"};
    const unsigned docids[6] = {0, 1, 2, 3, 4, 5};
    char phrase[6];
    CHECK(dl_rerank_find(docids, 6, words, 2, positions, NULL, phrase, NULL) == DL_OK, "find");
    CHECK(memcmp(phrase, "\0\1\1\0\0\1", 6) == 0, "which hold the phrase: %d%d%d%d%d%d", phrase[0],
          phrase[1], phrase[2], phrase[3], phrase[4], phrase[5]);
    CHECK(lookups == 11, "a document is read until its first missing word: %d lookups", lookups);

    const char *one[1] = {"lam"};
    CHECK(dl_rerank_find(docids, 6, one, 1, positions, NULL, phrase, NULL) == DL_OK &&
              memcmp(phrase, "\1\1\1\1\0\1", 6) == 0,
          "a one-word phrase: every document with the word");
    const char *seven[7] = {"a", "b", "c", "d", "e", "f", "g"};
    lookups = 0;
    CHECK(dl_rerank_find(docids, 6, seven, 7, positions, NULL, phrase, NULL) == DL_OK &&
              lookups == 0 && memcmp(phrase, "\0\0\0\0\0\0", 6) == 0,
          "too many words: nothing read, nothing moved");
    const unsigned gone[2] = {1, 99};
    CHECK(dl_rerank_find(gone, 2, words, 2, positions, NULL, phrase, NULL) == DL_EMODIFIED,
          "the callback's error is returned");

    /* Hits 1, 2 and 5 of six move ahead, in their order, and gain the top score. */
    size_t order[6] = {0, 1, 2, 3, 4, 5};
    double score[6] = {6, 5, 4, 3, 2, 1};
    const char moved[6] = {0, 1, 1, 0, 0, 1};
    dl_rerank_apply(order, score, moved, 6);
    CHECK(order[0] == 1 && order[1] == 2 && order[2] == 5 && order[3] == 0 && order[4] == 3 &&
              order[5] == 4,
          "phrase hits first, each group in its order");
    CHECK(score[1] == 11 && score[2] == 10 && score[5] == 7 && score[0] == 6 && score[4] == 2,
          "their scores gain the top score, so scores still fall down the page");
    dl_rerank_apply(order, score, moved, 0);
    return dl_test_report();
}
