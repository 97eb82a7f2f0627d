/* fuzz_fold.c - the tokenizer and folder on arbitrary bytes: offsets stay in bounds and in
 * order, folded tokens are valid UTF-8 no longer than DL_TOKEN_MAX, and dl_tokenize_some()
 * (whose 64-byte block scan is a separate code path) reports exactly the tokens of
 * dl_tokenize() that pass its filter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"
#include "dateline/fold.h"

struct state {
    size_t len;       /* input length */
    size_t last_end;  /* end of the previous token */
};

static int on_token(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                    unsigned flags)
{
    struct state *s = ctx;
    (void)flags;
    if (start >= end || end > s->len || start < s->last_end || flen == 0 || flen > DL_TOKEN_MAX ||
        strlen(folded) != flen || !dl_utf8_valid(folded, flen)) {
        abort();
    }
    s->last_end = end;
    return 0;
}

#define MAXTOK 8192

struct tokens {
    const unsigned char *filter; /* NULL: every token */
    size_t n;
    size_t start[MAXTOK], end[MAXTOK];
    unsigned hash[MAXTOK]; /* of the folded form */
};

static int collect(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                   unsigned flags)
{
    struct tokens *t = ctx;
    (void)flags;
    unsigned k = dl_token_key(folded, flen);
    if (t->filter && !(t->filter[k >> 3] & (1u << (k & 7)))) {
        return 0;
    }
    if (t->n == MAXTOK) {
        return 1;
    }
    unsigned h = 2166136261u;
    for (size_t i = 0; i < flen; i++) {
        h = (h ^ (unsigned char)folded[i]) * 16777619u;
    }
    t->start[t->n] = start;
    t->end[t->n] = end;
    t->hash[t->n++] = h;
    return 0;
}

/* The first input byte picks a filter density; the filter bits come from a PRNG it seeds. */
static void differential(const char *s, size_t size, unsigned char seed)
{
    static unsigned char filter[DL_TOKEN_FILTER_BYTES];
    static struct tokens all, some;
    uint32_t x = 0x9e3779b9u ^ seed;
    unsigned density = seed % 9; /* set a bit with probability density/8 */
    for (size_t i = 0; i < sizeof filter; i++) {
        unsigned char b = 0;
        for (int j = 0; j < 8; j++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            if ((x & 7) < density) {
                b |= (unsigned char)(1u << j);
            }
        }
        filter[i] = b;
    }
    all.filter = filter;
    all.n = 0;
    int rc_all = dl_tokenize(s, size, collect, &all);
    some.filter = NULL;
    some.n = 0;
    int rc_some = dl_tokenize_some(s, size, filter, collect, &some);
    if (rc_all || rc_some) {
        return; /* over MAXTOK tokens: not compared */
    }
    if (all.n != some.n) {
        abort();
    }
    for (size_t i = 0; i < all.n; i++) {
        if (all.start[i] != some.start[i] || all.end[i] != some.end[i] ||
            all.hash[i] != some.hash[i]) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct state st = {size, 0};
    dl_tokenize(s, size, on_token, &st);
    if (size > 1) {
        differential(s + 1, size - 1, data[0]);
    }

    struct dl_buf out = DL_BUF_INIT;
    if (dl_fold(s, size, &out) == 0 && !dl_utf8_valid(out.buf, out.len)) {
        abort();
    }
    dl_buf_reset(&out);
    dl_slug(s, size, &out);
    for (size_t i = 0; i < out.len; i++) {
        if (out.buf[i] == ' ' || (i == 0 && out.buf[i] == '-')) {
            abort();
        }
    }
    if (dl_utf8_valid(s, size)) {
        size_t n16 = dl_utf16_len(s, size);
        if (n16 > size) {
            abort();
        }
    }
    dl_buf_reset(&out);
    dl_cp1252_to_utf8(s, size, &out);
    if (!dl_utf8_valid(out.buf, out.len)) {
        abort();
    }
    dl_buf_release(&out);
    return 0;
}
