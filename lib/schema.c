/* schema.c - the terms of the index contract (see schema.h). */
#include "dateline/schema.h"

#include <string.h>

#include "dateline/common.h"
#include "dateline/fold.h"

/* Bytes of a long value kept in front of its hash. */
#define TERM_KEEP 40

void dl_schema_term(struct dl_buf *out, const char *prefix, const char *v, size_t n)
{
    dl_buf_reset(out);
    dl_buf_adds(out, prefix);
    if (n <= DL_ID_TERM_MAX) {
        dl_buf_add(out, v, n);
        return;
    }
    size_t cut = TERM_KEEP;
    while (cut > 0 && ((unsigned char)v[cut] & 0xC0) == 0x80) {
        cut--;
    }
    dl_buf_add(out, v, cut);
    dl_buf_addf(out, "#%016llx", (unsigned long long)dl_hash64(v, n));
}

void dl_schema_origin_term(struct dl_buf *out, const char *origin)
{
    dl_buf_reset(out);
    dl_buf_addf(out, "%s%016llx", DL_PREFIX_ORIGIN,
                (unsigned long long)dl_hash64(origin, strlen(origin)));
}

int dl_schema_date(const char *d, char out[9])
{
    if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-') {
        return 0;
    }
    for (int i = 0, k = 0; i < 10; i++) {
        if (i != 4 && i != 7) {
            if (d[i] < '0' || d[i] > '9') {
                return 0;
            }
            out[k++] = d[i];
        }
    }
    out[8] = '\0';
    return 1;
}

/* What splits a combined source ("VNA/VNS", "CCTV / Xinhua", "新华社、央视"): whole UTF-8
 * sequences, so that matching at any byte never matches inside a character. */
static const char *const SOURCE_SEPARATORS[] = {
    "/", ",", ";", "&", "|", "+", "、", "，", "／", "；", "＆", "｜", "＋",
};

/* The length of the separator at s (n bytes left), or 0 when none starts there. */
static size_t source_separator(const char *s, size_t n)
{
    for (size_t k = 0; k < sizeof SOURCE_SEPARATORS / sizeof SOURCE_SEPARATORS[0]; k++) {
        size_t l = strlen(SOURCE_SEPARATORS[k]);
        if (l <= n && memcmp(s, SOURCE_SEPARATORS[k], l) == 0) {
            return l;
        }
    }
    return 0;
}

/* Is s[0..len) one of the NUL-terminated entries in buf[0..end)? */
static int has_entry(const char *buf, size_t end, const char *s, size_t len)
{
    for (size_t i = 0; i < end; i += strlen(buf + i) + 1) {
        if (strlen(buf + i) == len && memcmp(buf + i, s, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Append the slug of v[0..n) to out as an entry, unless it is empty or there: the new count. */
static size_t add_entry(struct dl_buf *out, size_t count, const char *v, size_t n)
{
    size_t start = out->len;
    dl_slug(v, n, out);
    size_t len = out->len - start;
    if (!len || has_entry(out->buf, start, out->buf + start, len)) {
        dl_buf_truncate(out, start);
        return count;
    }
    dl_buf_addc(out, '\0');
    return count + 1;
}

size_t dl_schema_source_slugs(const char *source, size_t n, struct dl_buf *out)
{
    dl_buf_reset(out);
    size_t count = add_entry(out, 0, source, n);
    size_t a = 0, i = 0;
    while (i < n) {
        size_t l = source_separator(source + i, n - i);
        if (l) {
            count = add_entry(out, count, source + a, i - a);
            a = i += l;
        } else {
            i++;
        }
    }
    return a ? add_entry(out, count, source + a, n - a) : count;
}
