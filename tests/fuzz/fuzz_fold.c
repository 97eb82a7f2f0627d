/* fuzz_fold.c - the tokenizer and folder on arbitrary bytes: offsets stay in bounds and in
 * order, folded tokens are valid UTF-8 no longer than DL_TOKEN_MAX. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct state st = {size, 0};
    dl_tokenize(s, size, on_token, &st);

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
