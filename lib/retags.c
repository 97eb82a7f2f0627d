/*
 * retags.c - the keys a same-event pass gave (retags.h).
 *
 * One entry per docid, found by an open-addressing table of docids. Each key has a chain of
 * nodes, one per time an entry was given it, in a second table by key; an entry given
 * another key later gets a node in that key's chain, and only its newest node counts, so
 * nothing is ever unlinked. A pass gives keys to a few readouts in a hundred (355 of
 * 14,391 on the White House corpus), so all of it stays small.
 */
#include "dateline/retags.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/common.h"
#include "dateline/event.h"

struct entry {
    unsigned docid;
    char key[DL_EVENT_KEY_LEN + 1];
    size_t node; /* its newest node + 1: the one that lists it under its key */
};
struct node {
    size_t entry, next; /* next: the next node of the chain + 1 (0: none) */
};
struct chain {
    char key[DL_EVENT_KEY_LEN + 1];
    size_t head; /* first node + 1 (0: an empty slot) */
};

struct dl_retags {
    struct entry *v;
    size_t n;
    size_t *by_doc; /* entry + 1 (0: empty); dslots of them */
    size_t dslots;
    struct node *nodes;
    size_t nn;
    struct chain *by_key; /* kslots of them, nkeys taken */
    size_t kslots, nkeys;
};

static size_t doc_slot(const struct dl_retags *t, unsigned docid)
{
    size_t i = (size_t)(((uint64_t)docid * 0x9e3779b97f4a7c15u) >> 24) & (t->dslots - 1);
    while (t->by_doc[i] && t->v[t->by_doc[i] - 1].docid != docid) {
        i = (i + 1) & (t->dslots - 1);
    }
    return i;
}

static size_t key_slot(const struct dl_retags *t, const char *key)
{
    size_t i = (size_t)dl_hash64(key, strlen(key)) & (t->kslots - 1);
    while (t->by_key[i].head && strcmp(t->by_key[i].key, key) != 0) {
        i = (i + 1) & (t->kslots - 1);
    }
    return i;
}

static void grow_docs(struct dl_retags *t)
{
    free(t->by_doc);
    t->dslots = t->dslots ? 2 * t->dslots : 64;
    t->by_doc = dl_xcalloc(t->dslots, sizeof *t->by_doc);
    for (size_t e = 0; e < t->n; e++) {
        t->by_doc[doc_slot(t, t->v[e].docid)] = e + 1;
    }
}

static void grow_keys(struct dl_retags *t)
{
    struct chain *old = t->by_key;
    size_t n = t->kslots;
    t->kslots = n ? 2 * n : 64;
    t->by_key = dl_xcalloc(t->kslots, sizeof *t->by_key);
    for (size_t i = 0; i < n; i++) {
        if (old[i].head) {
            t->by_key[key_slot(t, old[i].key)] = old[i];
        }
    }
    free(old);
}

struct dl_retags *dl_retags_new(void)
{
    struct dl_retags *t = dl_xcalloc(1, sizeof *t);
    grow_docs(t);
    grow_keys(t);
    return t;
}

void dl_retags_free(struct dl_retags *t)
{
    if (t) {
        free(t->v);
        free(t->by_doc);
        free(t->nodes);
        free(t->by_key);
        free(t);
    }
}

void dl_retags_set(struct dl_retags *t, unsigned docid, const char *key)
{
    if (2 * (t->n + 1) > t->dslots) {
        grow_docs(t);
    }
    size_t s = doc_slot(t, docid);
    if (!t->by_doc[s]) {
        t->v = dl_xrealloc(t->v, (t->n + 1) * sizeof *t->v);
        t->v[t->n].docid = docid;
        t->v[t->n].node = 0;
        t->by_doc[s] = ++t->n;
    }
    struct entry *e = &t->v[t->by_doc[s] - 1];
    if (e->node && strncmp(e->key, key, DL_EVENT_KEY_LEN) == 0) {
        return; /* it has that key already */
    }
    memset(e->key, 0, sizeof e->key);
    memcpy(e->key, key, strnlen(key, DL_EVENT_KEY_LEN));

    if (2 * (t->nkeys + 1) > t->kslots) {
        grow_keys(t);
    }
    size_t k = key_slot(t, e->key);
    if (!t->by_key[k].head) {
        memcpy(t->by_key[k].key, e->key, sizeof e->key);
        t->nkeys++;
    }
    t->nodes = dl_xrealloc(t->nodes, (t->nn + 1) * sizeof *t->nodes);
    t->nodes[t->nn] = (struct node){(size_t)(e - t->v), t->by_key[k].head};
    t->by_key[k].head = ++t->nn;
    e->node = t->nn;
}

const char *dl_retags_get(const struct dl_retags *t, unsigned docid)
{
    size_t s = doc_slot(t, docid);
    return t->by_doc[s] ? t->v[t->by_doc[s] - 1].key : NULL;
}

size_t dl_retags_with(const struct dl_retags *t, const char *key, unsigned *out, size_t max)
{
    char k[DL_EVENT_KEY_LEN + 1] = {0};
    memcpy(k, key, strnlen(key, DL_EVENT_KEY_LEN));
    size_t n = 0;
    for (size_t i = t->by_key[key_slot(t, k)].head; i; i = t->nodes[i - 1].next) {
        const struct entry *e = &t->v[t->nodes[i - 1].entry];
        if (e->node != i) {
            continue; /* given another key since (or this one again: listed by that node) */
        }
        if (n < max) {
            out[n] = e->docid;
        }
        n++;
    }
    return n;
}
