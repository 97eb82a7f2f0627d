/* schema.c - the terms of the index contract (see schema.h). */
#include "dateline/schema.h"

#include <string.h>

#include "dateline/common.h"

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
