/*
 * stem.h - the English stemmer, the one the index was written with.
 *
 * Xapian's Porter2 ("en") stemmer, reached through the shim (lib/db.cc)
 * but needing no database: the indexer, the query builder and the
 * highlighter stem with it, so that "congratulate" in a query finds and
 * marks "congratulations" in a readout.
 */
#ifndef DATELINE_STEM_H
#define DATELINE_STEM_H

#include <stddef.h>

#include "dateline/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The stem of the folded word w[0..n) into out (replacing its contents). Thread-safe; never
 * fails (on an internal error the word itself is its stem). */
void dl_stem(const char *w, size_t n, struct dl_buf *out);

#ifdef __cplusplus
}
#endif

#endif
