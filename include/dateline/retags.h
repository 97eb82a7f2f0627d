/*
 * retags.h - the cluster keys a same-event pass gave that its reader does not show yet.
 *
 * Over a sharded index the pass (cluster.h) reads through the stub of every shard and
 * writes each retag into the shard holding the readout; the reader shows what was
 * committed, not what the writers hold. The pass notes every key it gives here, by the
 * reader's docid, and reads through it: a readout's key, and a cluster's members.
 *
 * Not thread-safe; one per pass. Keys are DL_EVENT_KEY_LEN hex digits (event.h).
 */
#ifndef DATELINE_RETAGS_H
#define DATELINE_RETAGS_H

#include <stddef.h>

struct dl_retags;

struct dl_retags *dl_retags_new(void);
void dl_retags_free(struct dl_retags *t); /* NULL is a no-op */
/* docid now has key (DL_EVENT_KEY_LEN characters; a longer one is cut). */
void dl_retags_set(struct dl_retags *t, unsigned docid, const char *key);
/* The key given to docid (NUL-terminated, valid until the next set), or NULL: none given. */
const char *dl_retags_get(const struct dl_retags *t, unsigned docid);
/* The docids given key, at most max of them into out[]; how many there are. */
size_t dl_retags_with(const struct dl_retags *t, const char *key, unsigned *out, size_t max);

#endif
