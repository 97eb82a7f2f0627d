/*
 * store.h - readouts into the index and back: everything dateline writes
 * for a readout (schema.h), through the shim (db.h).
 *
 * Per readout: its words from the one tokenizer (fold.h) with positions,
 * "Z" + stem of each word that starts with a letter, for CJK the
 * characters with positions and each adjacent pair without, the same
 * again with DL_PREFIX_TITLE for the title, the group term of every alias
 * form found (alias.h), the id, source, dateline, year and origin terms,
 * the date, year, source and content-hash values, the compressed body and
 * the document data (record.h). Spelling data comes from the words.
 *
 * A struct dl_store is a writer: one per index and process (Xapian's
 * lock), used by one thread at a time. The reading functions take any
 * database handle, reader or writer (a writer sees its uncommitted
 * changes).
 */
#ifndef DATELINE_STORE_H
#define DATELINE_STORE_H

#include <stddef.h>

#include "dateline/alias.h"
#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/db.h"
#include "dateline/readout.h"
#include "dateline/record.h"

struct dl_store;

/*
 * Open (or create) the index at path for writing. An index written with
 * another DL_SCHEMA_VERSION is refused (DL_EINVAL, "rebuild it"); a new
 * one gets this version. DL_ELOCKED when another writer holds it.
 */
int dl_store_open(struct dl_store **out, const char *path, struct dl_error *err);
void dl_store_free(struct dl_store *s); /* NULL is a no-op; discards what was not committed */
struct dl_db *dl_store_db(struct dl_store *s); /* borrowed */

/*
 * Use alias table a (borrowed: it must outlive s; NULL for none) for the
 * readouts put from now on, and store it in the index: its text as
 * DL_META_ALIASES (what searchers load) and its forms as Xapian synonyms
 * of their group terms. A table whose text equals the stored one is only
 * used, not written again, so commits leave the synonym table alone.
 * *written (may be NULL) is 1 when the table was written (it then needs a
 * commit even if no readout changes), else 0.
 */
int dl_store_set_aliases(struct dl_store *s, const struct dl_aliases *a, const char *text,
                         size_t len, int *written, struct dl_error *err);
/* Feed the spelling table from the words put (default on; costs indexing time). */
void dl_store_set_spelling(struct dl_store *s, int on);

/*
 * Add or replace the readout with r->id. `origin` names where it was read
 * (a folder or a JSONL file, for dl_store_origin_ids), `hash` is the
 * content digest kept in DL_SLOT_HASH. DL_EINVAL without an id. The time
 * it is first put is kept in DL_SLOT_INDEXED; putting it again keeps that.
 */
int dl_store_put(struct dl_store *s, const struct dl_readout *r, const char *origin,
                 const char *hash, struct dl_error *err);
/* Remove the readout with this id; DL_ENOTFOUND when there is none. */
int dl_store_delete(struct dl_store *s, const char *id, struct dl_error *err);
/* Make every change since the last commit durable and visible, as one revision. */
int dl_store_commit(struct dl_store *s, struct dl_error *err);

/* --- reading (any handle) --------------------------------------------------------------- */
/*
 * DL_OK if db was written with this DL_SCHEMA_VERSION (or is empty), else DL_EINVAL saying so
 * in one line with the command that rebuilds the index at `path` (its folder; "DIR" in the
 * command when the path is too long to fit the message twice).
 */
int dl_store_check_schema(struct dl_db *db, const char *path, struct dl_error *err);
/* The docid of the readout with this id into *docid; DL_ENOTFOUND when none. */
int dl_store_find(struct dl_db *db, const char *id, unsigned *docid, struct dl_error *err);
/* Readout docid into r (zeroed or released; left empty on error), its body decompressed by c;
 * without c (NULL) the body is not read and r->body is NULL (an export's rows). */
int dl_store_read(struct dl_db *db, struct dl_codec *c, unsigned docid, struct dl_readout *r,
                  struct dl_error *err);
/* The id of readout docid into *id (malloc'd; "" when it has none), db being a struct dl_db:
 * a dl_name_fn (ties.h) for ordering ties by readout. */
int dl_store_id_of(void *db, unsigned docid, char **id, struct dl_error *err);
/* What the indexer found in a readout and keeps beside it (schema.h's entity and kind slots). */
struct dl_found {
    char *names[DL_ENTITY_COUNT]; /* per entity type: names joined by DL_LIST_SEP, or NULL
                                     when none ([DL_ENTITY_NONE] is always NULL) */
    char *kind;                   /* the meeting kind's name (kind.h), or NULL (none stored) */
    char *indexed;                /* when it was first indexed (DL_SLOT_INDEXED), or NULL */
    char *event;                  /* its same-event cluster key (DL_SLOT_EVENT), or NULL */
};
void dl_found_release(struct dl_found *f); /* frees and zeroes; safe on a zeroed struct */
/* dl_store_read(), and what was found in the readout into f (zeroed or released), in one
 * read of the document (a round trip on a remote shard). */
int dl_store_read_hit(struct dl_db *db, struct dl_codec *c, unsigned docid, struct dl_readout *r,
                      struct dl_found *f, struct dl_error *err);
/* dl_store_find() then dl_store_read(). */
int dl_store_get(struct dl_db *db, struct dl_codec *c, const char *id, struct dl_readout *r,
                 struct dl_error *err);
/* The stored content hash of readout id into out (replaced); DL_ENOTFOUND when none. */
int dl_store_get_hash(struct dl_db *db, const char *id, struct dl_buf *out, struct dl_error *err);
/*
 * cb(ctx, id) for every readout put with this origin (a writer also sees
 * what it has not committed). The ids are read first, so cb may delete.
 */
typedef int (*dl_id_fn)(void *ctx, const char *id);
int dl_store_origin_ids(struct dl_db *db, const char *origin, dl_id_fn cb, void *ctx,
                        struct dl_error *err);

#endif
