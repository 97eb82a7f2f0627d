/*
 * request.c - methods, the query string and replies: what every route
 * shares, with no knowledge of libmicrohttpd or of the routes.
 */
#include "dateline/request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/fold.h"

unsigned dl_method_of(const char *name)
{
    if (strcmp(name, "GET") == 0 || strcmp(name, "HEAD") == 0) {
        return DL_METHOD_GET;
    }
    if (strcmp(name, "POST") == 0) {
        return DL_METHOD_POST;
    }
    if (strcmp(name, "OPTIONS") == 0) {
        return DL_METHOD_OPTIONS;
    }
    return 0;
}

/* --- URL decoding and the query string ------------------------------------------ */

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

size_t dl_url_decode(char *dst, const char *src, size_t n, int plus)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '%' && i + 2 < n) {
            int hi = hexval((unsigned char)src[i + 1]);
            int lo = hexval((unsigned char)src[i + 2]);
            if (hi >= 0 && lo >= 0) {
                dst[o++] = (char)(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        dst[o++] = (plus && c == '+') ? ' ' : (char)c;
    }
    dst[o] = '\0';
    return o;
}

/* The longest prefix of the valid UTF-8 s[0..n) of at most `max` bytes that ends on a character. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max) {
        return n;
    }
    while (max && ((unsigned char)s[max] & 0xC0) == 0x80) {
        max--;
    }
    return max;
}

/* Decode the pair s[0..stop) (key, '=', value) into `out`; DL_OK or DL_EENCODING. */
static int decode_pair(struct dl_param *pr, const char *s, const char *stop, char **out,
                       struct dl_error *err)
{
    const char *eq = memchr(s, '=', (size_t)(stop - s));
    const char *kend = eq ? eq : stop;
    size_t klen = dl_url_decode(*out, s, (size_t)(kend - s), 1);
    pr->key = *out;
    *out += klen + 1;
    const char *vs = eq ? eq + 1 : stop;
    pr->vlen = dl_url_decode(*out, vs, (size_t)(stop - vs), 1);
    pr->val = *out;
    *out += pr->vlen + 1;
    if (!dl_utf8_valid(pr->key, klen) || memchr(pr->key, '\0', klen)) {
        return dl_error_set(err, DL_EENCODING, "invalid UTF-8 in a parameter name");
    }
    if (!dl_utf8_valid(pr->val, pr->vlen)) {
        return dl_error_set(err, DL_EENCODING, "invalid UTF-8 in parameter '%.*s'",
                            (int)utf8_cut(pr->key, klen, 40), pr->key);
    }
    return DL_OK;
}

int dl_params_parse(struct dl_params *p, const char *qs, size_t n, struct dl_error *err)
{
    p->v = NULL;
    p->n = 0;
    p->store = NULL;
    p->limits = NULL;
    if (n == 0) {
        return DL_OK;
    }
    size_t npairs = 1;
    for (size_t i = 0; i < n; i++) {
        npairs += qs[i] == '&';
    }
    if (npairs > DL_SERVE_MAX_PARAMS) {
        return dl_error_set(err, DL_ELIMIT, "too many parameters: %zu, at most %d", npairs,
                            DL_SERVE_MAX_PARAMS);
    }
    p->v = dl_xcalloc(npairs, sizeof *p->v);
    /* Decoded text is never longer than the raw; +2 for the NULs of key and value. */
    p->store = dl_xmalloc(n + 2 * npairs + 1);
    char *out = p->store;
    const char *s = qs, *end = qs + n;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        /* An empty key ("&&", "=x") is no parameter. */
        if (s < stop && *s != '=') {
            int rc = decode_pair(&p->v[p->n], s, stop, &out, err);
            if (rc != DL_OK) {
                return rc;
            }
            p->n++;
        }
        s = stop + 1;
    }
    return DL_OK;
}

void dl_params_release(struct dl_params *p)
{
    free(p->v);
    free(p->store);
    p->v = NULL;
    p->store = NULL;
    p->n = 0;
}

const char *dl_params_get(const struct dl_params *p, const char *key, size_t *len)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->v[i].key, key) == 0) {
            if (len) {
                *len = p->v[i].vlen;
            }
            return p->v[i].val;
        }
    }
    return NULL;
}

/* --- replies ----------------------------------------------------------------- */

void dl_reply_init(struct dl_reply *r, int html)
{
    memset(r, 0, sizeof *r);
    r->status = DL_HTTP_OK;
    r->type = "application/json";
    dl_buf_init(&r->body, 0);
    r->html = html;
    r->fd = -1;
}

void dl_reply_release(struct dl_reply *r)
{
    int html = r->html;
    dl_buf_release(&r->body);
    if (r->fd >= 0) {
        close(r->fd);
    }
    if (r->stream.done) {
        r->stream.done(r->stream.ctx);
    }
    dl_reply_init(r, html);
}

void dl_reply_error(struct dl_reply *r, unsigned status, const char *code, const char *fmt, ...)
{
    dl_reply_release(r);
    r->status = status;
    r->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    /* Messages quote client input: a cut must not leave half a UTF-8 character, and
     * anything else invalid (a method name) is replaced, so the JSON stays valid. */
    size_t len = strlen(r->message);
    for (size_t cut = 0; cut < 3 && len && !dl_utf8_valid(r->message, len); cut++) {
        r->message[--len] = '\0';
    }
    if (!dl_utf8_valid(r->message, len)) {
        for (size_t i = 0; i < len; i++) {
            if ((unsigned char)r->message[i] >= 0x80) {
                r->message[i] = '?';
            }
        }
    }
}
