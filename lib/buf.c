/* buf.c - growable byte buffer (see buf.h). */
#include "dateline/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/common.h"

char dl_buf_empty[1];

void dl_buf_init(struct dl_buf *b, size_t hint)
{
    b->buf = dl_buf_empty;
    b->len = 0;
    b->cap = 0;
    if (hint) {
        dl_buf_grow(b, hint);
    }
}

void dl_buf_release(struct dl_buf *b)
{
    if (b->cap) {
        free(b->buf);
    }
    dl_buf_init(b, 0);
}

char *dl_buf_detach(struct dl_buf *b, size_t *len)
{
    if (!b->cap) {
        dl_buf_grow(b, 1);
    }
    char *p = b->buf;
    if (len) {
        *len = b->len;
    }
    dl_buf_init(b, 0);
    return p;
}

void dl_buf_grow(struct dl_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap = cap + cap / 2 + 16;
    }
    if (b->cap) {
        b->buf = dl_xrealloc(b->buf, cap);
    } else {
        b->buf = dl_xmalloc(cap);
        b->buf[0] = '\0';
    }
    b->cap = cap;
}

void dl_buf_reset(struct dl_buf *b)
{
    dl_buf_truncate(b, 0);
}

void dl_buf_truncate(struct dl_buf *b, size_t len)
{
    if (!b->cap) {
        return;
    }
    b->len = len < b->len ? len : b->len;
    b->buf[b->len] = '\0';
}

void dl_buf_add(struct dl_buf *b, const void *p, size_t n)
{
    if (!n) {
        return;
    }
    dl_buf_grow(b, n);
    memcpy(b->buf + b->len, p, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void dl_buf_adds(struct dl_buf *b, const char *s)
{
    dl_buf_add(b, s, strlen(s));
}

void dl_buf_addc(struct dl_buf *b, char c)
{
    dl_buf_grow(b, 1);
    b->buf[b->len++] = c;
    b->buf[b->len] = '\0';
}

void dl_buf_vaddf(struct dl_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n < 0) {
        return;
    }
    if ((size_t)n < sizeof small) {
        dl_buf_add(b, small, (size_t)n);
        return;
    }
    dl_buf_grow(b, (size_t)n);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void dl_buf_addf(struct dl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dl_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void dl_buf_add_html(struct dl_buf *b, const char *p, size_t n)
{
    size_t run = 0;
    dl_buf_grow(b, n);
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (p[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        dl_buf_add(b, p + run, i - run);
        dl_buf_adds(b, rep);
        run = i + 1;
    }
    dl_buf_add(b, p + run, n - run);
}

void dl_buf_add_json(struct dl_buf *b, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    dl_buf_grow(b, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        char esc[8];
        size_t elen = 2;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
        } else if (c == '\n') {
            memcpy(esc, "\\n", 2);
        } else if (c == '\r') {
            memcpy(esc, "\\r", 2);
        } else if (c == '\t') {
            memcpy(esc, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            /* < > & too: a reflected string can never become markup (or end a <script>). */
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        } else if (c == 0xe2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 &&
                   ((unsigned char)p[i + 2] == 0xa8 || (unsigned char)p[i + 2] == 0xa9)) {
            /* U+2028/2029 are valid JSON but break JavaScript string literals. */
            memcpy(esc, (unsigned char)p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            elen = 6;
            dl_buf_add(b, p + run, i - run);
            dl_buf_add(b, esc, elen);
            i += 2;
            run = i + 1;
            continue;
        } else {
            continue;
        }
        dl_buf_add(b, p + run, i - run);
        dl_buf_add(b, esc, elen);
        run = i + 1;
    }
    dl_buf_add(b, p + run, n - run);
}

void dl_buf_add_url(struct dl_buf *b, const char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            dl_buf_addc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            dl_buf_add(b, e, 3);
        }
    }
}

/* Bytes of the valid UTF-8 sequence at p[0..n) (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] < 0x80                    ? 1
                 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2
                 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
                 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                                : 0;
    if (len == 0 || len > n) {
        return 0;
    }
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xc0) != 0x80) {
            return 0;
        }
    }
    /* overlong three- and four-byte forms, surrogates, past U+10FFFF */
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)) {
        return 0;
    }
    return len;
}

void dl_buf_add_xml(struct dl_buf *b, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    dl_buf_grow(b, n);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = utf8_len(s + i, n - i);
        if (len == 0) {
            dl_buf_adds(b, "\xef\xbf\xbd"); /* U+FFFD for a byte that is not UTF-8 */
            i++;
            continue;
        }
        if (c == '&') {
            dl_buf_adds(b, "&amp;");
        } else if (c == '<') {
            dl_buf_adds(b, "&lt;");
        } else if (c == '>') {
            dl_buf_adds(b, "&gt;");
        } else if (c == '"') {
            dl_buf_adds(b, "&quot;");
        } else if (c == '\'') {
            dl_buf_adds(b, "&#39;");
        } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
                   (len == 3 && c == 0xef && s[i + 1] == 0xbf && s[i + 2] >= 0xbe)) {
            /* not a character in XML 1.0 (C0 controls but tab and newlines, U+FFFE/FFFF) */
        } else {
            dl_buf_add(b, p + i, len);
        }
        i += len;
    }
}

int dl_buf_read_file(struct dl_buf *b, const char *path)
{
    FILE *f = fopen(path, "rbe");
    if (!f) {
        return -errno;
    }
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        dl_buf_add(b, chunk, n);
    }
    int rc = ferror(f) ? -(errno ? errno : EIO) : 0;
    fclose(f);
    return rc;
}
