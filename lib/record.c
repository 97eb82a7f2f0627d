/* record.c - a readout as the index stores it (see record.h). */
#include "dateline/record.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "dateline/schema.h"

/*
 * zstd level for stored bodies: on the White House corpus level 3 gives
 * 2.57x at 180 MB/s, level 6 2.67x at 70 MB/s and level 9 2.70x at 41 MB/s
 * of one core; decompression runs at about 600 MB/s whatever the level.
 * Level 9 costs about 5% of indexing CPU, for an index no larger than Omega's.
 */
#define BODY_ZSTD_LEVEL 9

static const char ZSTD_MAGIC[4] = {'\x28', '\xb5', '\x2f', '\xfd'};

struct dl_codec {
    ZSTD_CCtx *zc; /* made on first use */
    ZSTD_DCtx *zd;
};

void dl_record_encode(const struct dl_readout *r, struct dl_buf *out)
{
    const char *fields[DL_DATA_NFIELDS] = {r->id,  r->title, r->date, r->dateline, r->source,
                                           r->url, r->lang,  NULL /* in DL_SLOT_BODY */};
    dl_buf_reset(out);
    for (int i = 0; i < DL_DATA_NFIELDS; i++) {
        if (fields[i]) {
            dl_buf_adds(out, fields[i]);
        }
        dl_buf_add(out, "", 1); /* the NUL after each field */
    }
}

void dl_record_decode(const char *data, size_t len, struct dl_readout *r)
{
    char **fields[DL_DATA_NFIELDS] = {&r->id,     &r->title, &r->date, &r->dateline,
                                      &r->source, &r->url,   &r->lang, &r->body};
    size_t pos = 0;
    for (int i = 0; i < DL_DATA_NFIELDS; i++) {
        const char *nul = pos < len ? memchr(data + pos, '\0', len - pos) : NULL;
        size_t end = nul ? (size_t)(nul - data) : len;
        *fields[i] = end > pos ? dl_xmemdup(data + pos, end - pos) : NULL;
        pos = end + 1;
    }
}

size_t dl_record_id_len(const char *data, size_t len)
{
    const char *nul = memchr(data, '\0', len);
    return nul ? (size_t)(nul - data) : len;
}

struct dl_codec *dl_codec_new(void)
{
    return dl_xcalloc(1, sizeof(struct dl_codec));
}

void dl_codec_free(struct dl_codec *c)
{
    if (c) {
        ZSTD_freeCCtx(c->zc);
        ZSTD_freeDCtx(c->zd);
        free(c);
    }
}

int dl_codec_compress(struct dl_codec *c, const char *body, size_t len, struct dl_buf *out,
                      struct dl_error *err)
{
    if (!c->zc) {
        if (!(c->zc = ZSTD_createCCtx())) {
            return dl_error_set(err, DL_EIO, "cannot make a zstd context");
        }
        /* No checksum: Xapian's blocks carry theirs. The size lets the reader allocate once. */
        ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, BODY_ZSTD_LEVEL);
        ZSTD_CCtx_setParameter(c->zc, ZSTD_c_checksumFlag, 0);
        ZSTD_CCtx_setParameter(c->zc, ZSTD_c_contentSizeFlag, 1);
    }
    dl_buf_reset(out);
    dl_buf_grow(out, ZSTD_compressBound(len));
    size_t n = ZSTD_compress2(c->zc, out->buf, out->cap - 1, body, len);
    if (ZSTD_isError(n)) {
        return dl_error_set(err, DL_EIO, "cannot compress a body: %s", ZSTD_getErrorName(n));
    }
    out->len = n;
    out->buf[n] = '\0';
    return DL_OK;
}

int dl_codec_decompress(struct dl_codec *c, const char *v, size_t len, char **body,
                        struct dl_error *err)
{
    *body = NULL;
    if (len < 4 || memcmp(v, ZSTD_MAGIC, 4) != 0) {
        *body = dl_xmemdup(v, len); /* "" when there is none */
        return DL_OK;
    }
    unsigned long long n = ZSTD_getFrameContentSize(v, len);
    if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR || n > DL_RECORD_BODY_MAX) {
        return dl_error_set(err, DL_EPARSE, "stored body has no valid zstd frame header");
    }
    if (!c->zd && !(c->zd = ZSTD_createDCtx())) {
        return dl_error_set(err, DL_EIO, "cannot make a zstd context");
    }
    char *b = dl_xmalloc((size_t)n + 1);
    size_t got = ZSTD_decompressDCtx(c->zd, b, (size_t)n, v, len);
    if (ZSTD_isError(got) || got != n) {
        free(b);
        return dl_error_set(err, DL_EPARSE, "stored body does not decompress: %s",
                            ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short");
    }
    b[n] = '\0';
    *body = b;
    return DL_OK;
}
