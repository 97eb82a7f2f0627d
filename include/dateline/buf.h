/*
 * buf.h - a growable byte buffer (git's strbuf, trimmed).
 *
 * Invariants: `buf` is never NULL and buf[len] is always '\0', so a buffer
 * can be passed to any function expecting a C string (embedded NULs aside).
 * A buffer set up with DL_BUF_INIT or dl_buf_init() owns no memory until
 * something is added; dl_buf_release() frees it and leaves the buffer
 * re-usable as if freshly initialised.
 *
 * dl_buf_detach() hands the storage to the caller (who must free() it) and
 * re-initialises the buffer.
 */
#ifndef DATELINE_BUF_H
#define DATELINE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct dl_buf {
    char *buf;  /* contents, always NUL-terminated; never NULL */
    size_t len; /* bytes used, not counting the terminating NUL */
    size_t cap; /* bytes allocated, 0 while buf points at the static empty string */
};

extern char dl_buf_empty[];
#define DL_BUF_INIT {dl_buf_empty, 0, 0}

void dl_buf_init(struct dl_buf *b, size_t hint);
void dl_buf_release(struct dl_buf *b);
char *dl_buf_detach(struct dl_buf *b, size_t *len); /* OUT len may be NULL; result never NULL */
void dl_buf_grow(struct dl_buf *b, size_t extra);   /* ensure room for `extra` more bytes */
void dl_buf_reset(struct dl_buf *b);                /* len = 0, memory kept */
void dl_buf_truncate(struct dl_buf *b, size_t len); /* len must be <= b->len */

void dl_buf_add(struct dl_buf *b, const void *p, size_t n);
void dl_buf_adds(struct dl_buf *b, const char *s);
void dl_buf_addc(struct dl_buf *b, char c);
void dl_buf_addf(struct dl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dl_buf_vaddf(struct dl_buf *b, const char *fmt, va_list ap);

/* Append `p` with & < > " ' replaced by HTML entities. */
void dl_buf_add_html(struct dl_buf *b, const char *p, size_t n);
/*
 * Append `p` as XML 1.0 character data or attribute value: & < > " ' as
 * entities; characters XML 1.0 does not allow (C0 controls but tab, LF and
 * CR; U+FFFE, U+FFFF) dropped; a byte that is not UTF-8 as U+FFFD.
 */
void dl_buf_add_xml(struct dl_buf *b, const char *p, size_t n);
/*
 * Append `p` as the inside of a JSON string (no quotes added); `p` must be
 * valid UTF-8. Besides what JSON requires, < > & are written \u003c \u003e
 * \u0026 and U+2028/2029 as \u2028 \u2029, so that no string in a JSON
 * answer is markup to a browser that sniffs it or a page that embeds it.
 */
void dl_buf_add_json(struct dl_buf *b, const char *p, size_t n);
/* Append `p` percent-encoded for a URL query component or path segment (RFC 3986 unreserved kept). */
void dl_buf_add_url(struct dl_buf *b, const char *p, size_t n);
/* Append the whole file at path: 0, or -errno when it cannot be opened or read (b then holds
 * what was read; the caller words the message). */
int dl_buf_read_file(struct dl_buf *b, const char *path);

#endif
