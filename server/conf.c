/*
 * conf.c - the configuration file's lines into long options (see conf.h).
 */
#include "dateline/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"

#define LINE_MAX_BYTES 4096

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static int name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
}

static void add_line(struct dl_conf *c, const char *name, size_t nlen, const char *value,
                     size_t vlen, unsigned line)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->v = dl_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    struct dl_conf_line *l = &c->v[c->n++];
    l->name = dl_xstrndup(name, nlen);
    l->value = value ? dl_xstrndup(value, vlen) : NULL;
    size_t alen = 2 + nlen + (value ? 1 + vlen : 0) + 1;
    l->arg = dl_xmalloc(alen);
    snprintf(l->arg, alen, "--%s%s%s", l->name, value ? "=" : "", value ? l->value : "");
    l->line = line;
}

/* One line (no newline) into `c`; -1 with err set when it is not an option line. */
static int parse_line(struct dl_conf *c, const char *path, unsigned line, const char *s, size_t n,
                      struct dl_error *err)
{
    if (memchr(s, '\0', n)) {
        return dl_error_set(err, DL_EPARSE, "%s:%u: a NUL byte", path, line);
    }
    if (n > LINE_MAX_BYTES) {
        return dl_error_set(err, DL_EPARSE, "%s:%u: line longer than %d bytes", path, line,
                            LINE_MAX_BYTES);
    }
    size_t i = 0;
    while (i < n && is_blank(s[i])) {
        i++;
    }
    while (n > i && is_blank(s[n - 1])) {
        n--;
    }
    if (i == n || s[i] == '#') {
        return 0;
    }
    size_t name = i;
    while (i < n && name_char(s[i])) {
        i++;
    }
    size_t nlen = i - name;
    if (nlen == 0 || s[name] == '-' || (i < n && !is_blank(s[i]) && s[i] != '=')) {
        return dl_error_set(err, DL_EPARSE,
                            "%s:%u: expected an option name (lower case, without the dashes) "
                            "then its value: '%.*s'",
                            path, line, (int)(n - name > 80 ? 80 : n - name), s + name);
    }
    while (i < n && is_blank(s[i])) {
        i++;
    }
    int eq = i < n && s[i] == '=';
    if (eq) {
        i++;
        while (i < n && is_blank(s[i])) {
            i++;
        }
    }
    /* "name =" with nothing after it is an empty value, which the option will refuse */
    add_line(c, s + name, nlen, i < n || eq ? s + i : NULL, n - i, line);
    return 0;
}

int dl_conf_parse(struct dl_conf *c, const char *path, const char *text, size_t len,
                  struct dl_error *err)
{
    if (!c->path) {
        c->path = dl_xstrdup(path);
    }
    unsigned line = 1;
    for (size_t at = 0; at < len; line++) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (parse_line(c, path, line, text + at, end - at, err) != 0) {
            return DL_EPARSE;
        }
        at = end + 1;
    }
    return DL_OK;
}

int dl_conf_load(struct dl_conf *c, const char *path, struct dl_error *err)
{
    struct dl_buf b = DL_BUF_INIT;
    int rc = dl_buf_read_file(&b, path);
    rc = rc != 0 ? dl_error_set(err, rc == -ENOENT ? DL_ENOTFOUND : DL_EIO, "cannot read '%s': %s",
                                path, strerror(-rc))
                 : dl_conf_parse(c, path, b.buf, b.len, err);
    dl_buf_release(&b);
    return rc;
}

void dl_conf_release(struct dl_conf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].value);
        free(c->v[i].arg);
    }
    free(c->v);
    free(c->path);
    *c = (struct dl_conf)DL_CONF_INIT;
}
