/*
 * walk.h - the indexer's inputs: folders of readouts and JSON Lines files.
 *
 * dl_walk() visits one PATH given on the command line and calls back once
 * per readout found, in a stable order (folders sorted by name, JSONL files
 * line by line), with the raw bytes; it neither decodes nor parses them.
 *   - a folder is walked recursively for "*.txt" files (hidden entries and
 *     symlinked folders are skipped, so a link loop cannot trap it); a
 *     file's id is its path relative to that folder;
 *   - a ".jsonl" or ".jsonl.gz" file yields one item per non-blank line
 *     (the id is inside the record);
 *   - a single ".txt" file yields itself, with its file name as id.
 * Every item carries its `origin`: the canonical path of the folder or
 * JSONL file, which the indexer stores so that a later run over the same
 * origin can remove readouts that have disappeared from it.
 *
 * Problems with one file (unreadable, too large) go to `on_error` and the
 * walk goes on; such a file's id is still reported to `on_skip` so that it
 * is not mistaken for a deleted one. Only a PATH that cannot be opened at
 * all makes dl_walk() fail.
 */
#ifndef DATELINE_WALK_H
#define DATELINE_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "dateline/common.h"

/* Files larger than this are reported and skipped: no readout is 64 MB. */
#define DL_WALK_MAX_FILE (64u << 20)

struct dl_walk_item {
    const char *origin;  /* canonical folder or JSONL file path */
    const char *id;      /* relative path for text files; NULL for JSONL lines */
    const char *path;    /* the file, for messages */
    unsigned long line;  /* 1-based line number in a JSONL file, 0 for text files */
    const char *data;    /* raw bytes (borrowed until the callback returns) */
    size_t len;
    int is_json;         /* 1 for a JSONL record */
    uint64_t done;       /* input bytes consumed so far in this PATH (compressed for .gz) */
};

struct dl_walk_cb {
    /* A readout; a non-zero return stops the walk and is returned by dl_walk(). */
    int (*on_item)(void *ctx, const struct dl_walk_item *it);
    /* A file that could not be read (path, reason); id may be NULL. */
    void (*on_error)(void *ctx, const char *path, const char *id, const char *reason);
    void *ctx;
};

/* Is PATH a kind of input dl_walk() understands? Fills *bytes with its size on disk
 * (the sum of the .txt files for a folder), for progress. */
int dl_walk_probe(const char *path, uint64_t *bytes, struct dl_error *err);

int dl_walk(const char *path, const struct dl_walk_cb *cb, struct dl_error *err);

/* Canonical origin string for PATH (realpath), malloc'd; NULL with err set if it does not exist. */
char *dl_walk_origin(const char *path, struct dl_error *err);

#endif
