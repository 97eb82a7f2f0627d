/* rerank.c - the phrase rerank of the first page (see rerank.h). */
#include "dateline/rerank.h"

#include <stdlib.h>
#include <string.h>

/* Is p in the ascending v[0..n)? */
static int has_pos(const unsigned *v, size_t n, unsigned p)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < p) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < n && v[lo] == p;
}

/* Does some position of the first word start the whole phrase? */
static int consecutive(const struct dl_positions *pos, size_t nwords)
{
    for (size_t a = 0; a < pos[0].n; a++) {
        size_t k = 1;
        while (k < nwords && has_pos(pos[k].v, pos[k].n, pos[0].v[a] + (unsigned)k)) {
            k++;
        }
        if (k == nwords) {
            return 1;
        }
    }
    return 0;
}

int dl_rerank_find(const unsigned *docids, size_t n, const char *const *words, size_t nwords,
                   dl_positions_fn positions, void *ctx, char *phrase, struct dl_error *err)
{
    struct dl_positions pos[DL_RERANK_MAX_WORDS];
    memset(pos, 0, sizeof pos);
    int rc = DL_OK;
    if (nwords > DL_RERANK_MAX_WORDS || nwords == 0) {
        memset(phrase, 0, n);
        return DL_OK;
    }
    for (size_t i = 0; i < n && rc == DL_OK; i++) {
        size_t k = 0;
        /* Each lookup costs about 1.5 block reads: stop at the first missing word. */
        while (k < nwords && (rc = positions(ctx, docids[i], words[k], &pos[k], err)) == DL_OK &&
               pos[k].n) {
            k++;
        }
        phrase[i] = rc == DL_OK && k == nwords && consecutive(pos, nwords);
    }
    for (size_t k = 0; k < DL_RERANK_MAX_WORDS; k++) {
        free(pos[k].v);
    }
    return rc;
}

void dl_rerank_apply(size_t *order, double *score, const char *phrase, size_t n)
{
    if (n == 0) {
        return;
    }
    double top = score[order[0]];
    size_t *tmp = dl_xmalloc(n * sizeof *tmp);
    size_t k = 0;
    for (int want = 1; want >= 0; want--) {
        for (size_t i = 0; i < n; i++) {
            if (!phrase[i] == !want) {
                tmp[k++] = order[i];
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (phrase[i]) {
            score[order[i]] += top;
        }
    }
    memcpy(order, tmp, n * sizeof *tmp);
    free(tmp);
}
