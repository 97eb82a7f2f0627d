/* strset.c - a set of byte strings with values (see strset.h). */
#include "dateline/strset.h"

#include <stdlib.h>
#include <string.h>

#include "dateline/common.h"

static size_t slot_of(const struct dl_strset *s, const char *k, size_t n)
{
    size_t i = (size_t)dl_hash64(k, n) & (s->cap - 1);
    while (s->keys[i] && !(s->lens[i] == n && memcmp(s->keys[i], k, n) == 0)) {
        i = (i + 1) & (s->cap - 1);
    }
    return i;
}

int dl_strset_find(const struct dl_strset *s, const char *k, size_t n)
{
    if (s->n == 0) {
        return -1;
    }
    size_t i = slot_of(s, k, n);
    return s->keys[i] ? s->vals[i] : -1;
}

static void grow(struct dl_strset *s)
{
    struct dl_strset old = *s;
    s->cap = s->cap ? 2 * s->cap : 16;
    s->keys = dl_xcalloc(s->cap, sizeof *s->keys);
    s->lens = dl_xcalloc(s->cap, sizeof *s->lens);
    s->vals = dl_xcalloc(s->cap, sizeof *s->vals);
    for (size_t i = 0; i < old.cap; i++) {
        if (old.keys[i]) {
            size_t j = slot_of(s, old.keys[i], old.lens[i]);
            s->keys[j] = old.keys[i];
            s->lens[j] = old.lens[i];
            s->vals[j] = old.vals[i];
        }
    }
    free(old.keys);
    free(old.lens);
    free(old.vals);
}

int dl_strset_add(struct dl_strset *s, const char *k, size_t n, int v)
{
    if (2 * (s->n + 1) > s->cap) {
        grow(s);
    }
    size_t i = slot_of(s, k, n);
    if (s->keys[i]) {
        return 0;
    }
    s->keys[i] = dl_xmemdup(k, n);
    s->lens[i] = n;
    s->vals[i] = v;
    s->n++;
    return 1;
}

void dl_strset_clear(struct dl_strset *s)
{
    for (size_t i = 0; i < s->cap && s->n; i++) {
        if (s->keys[i]) {
            free(s->keys[i]);
            s->keys[i] = NULL;
            s->n--;
        }
    }
    s->n = 0;
}

void dl_strset_release(struct dl_strset *s)
{
    dl_strset_clear(s);
    free(s->keys);
    free(s->lens);
    free(s->vals);
    memset(s, 0, sizeof *s);
}
