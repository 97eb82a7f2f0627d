/*
 * record.h - a readout as the index stores it, and back (schema.h):
 * the document data (the fields id, title, date, dateline, source, url,
 * lang, body, each followed by a NUL byte, the body field empty since
 * schema 2) and the body itself as one zstd frame in DL_SLOT_BODY.
 *
 * Needs no database: the store writes what dl_record_encode() and
 * dl_codec_compress() make, the searcher reads with dl_record_decode()
 * and dl_codec_decompress().
 */
#ifndef DATELINE_RECORD_H
#define DATELINE_RECORD_H

#include <stddef.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/readout.h"

/* The document data of r into out (replaced); its body is not in it (see above). */
void dl_record_encode(const struct dl_readout *r, struct dl_buf *out);

/*
 * Fill r (zeroed or released) from document data: each non-empty field
 * becomes a string, an empty one NULL. A schema 1 record has its body in
 * the data; otherwise r->body is left NULL for the caller to decompress.
 */
void dl_record_decode(const char *data, size_t len, struct dl_readout *r);

/* The id (first field) of document data, borrowed from it: *idlen bytes at the start. */
size_t dl_record_id_len(const char *data, size_t len);

/*
 * Body compression: zstd contexts, kept between calls because making them
 * costs more than compressing one readout. One per thread.
 */
struct dl_codec;
struct dl_codec *dl_codec_new(void);
void dl_codec_free(struct dl_codec *c); /* NULL is a no-op */

/* The stored form of body[0..len) into out (replaced): one zstd frame with its size. */
int dl_codec_compress(struct dl_codec *c, const char *body, size_t len, struct dl_buf *out,
                      struct dl_error *err);
/*
 * The body stored as v[0..len): *body is malloc'd and NUL-terminated ("" for
 * an empty value). A value that is not a zstd frame is the text itself
 * (no UTF-8 text starts like one). DL_EPARSE for a frame that does not
 * decompress, or claims more than DL_RECORD_BODY_MAX bytes.
 */
#define DL_RECORD_BODY_MAX (256u << 20)
int dl_codec_decompress(struct dl_codec *c, const char *v, size_t len, char **body,
                        struct dl_error *err);

#endif
