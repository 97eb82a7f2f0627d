/* fuzz_highlight.c - random text x random query terms. The first line of the input is a
 * query (parsed as the server does; the terms it marks, and its plain words also as exact
 * terms and stems), the rest is the text. Snippets and markup must be valid UTF-8 with
 * balanced <mark> tags, and spans must lie inside the text, in order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"
#include "dateline/stem.h"
#include "dateline/fold.h"
#include "dateline/highlight.h"
#include "dateline/qbuild.h"
#include "dateline/query.h"

static void check_html(const struct dl_buf *b)
{
    if (!dl_utf8_valid(b->buf, b->len)) {
        abort();
    }
    int open = 0;
    for (const char *p = b->buf; (p = strchr(p, '<')) != NULL; p++) {
        if (strncmp(p, "<mark>", 6) == 0) {
            if (open++) {
                abort();
            }
        } else if (strncmp(p, "</mark>", 7) == 0) {
            if (!open--) {
                abort();
            }
        } else {
            abort(); /* any other '<' is unescaped text */
        }
    }
    if (open) {
        abort();
    }
}

struct terms {
    char *v[64];
    size_t n;
    struct dl_buf stem;
};

static int add_term(void *ctx, const char *folded, size_t flen, size_t start, size_t end,
                    unsigned flags)
{
    struct terms *t = ctx;
    (void)start, (void)end;
    if (t->n + 2 > 64) {
        return 1;
    }
    t->v[t->n++] = dl_xstrdup(folded);
    if (!(flags & (DL_TOKEN_CJK | DL_TOKEN_DIGIT))) {
        dl_stem(folded, flen, &t->stem);
        struct dl_buf z = DL_BUF_INIT;
        dl_buf_addc(&z, 'Z');
        dl_buf_add(&z, t->stem.buf, t->stem.len);
        t->v[t->n++] = dl_buf_detach(&z, NULL);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t qlen = nl ? (size_t)(nl - s) : 0;
    const char *text = nl ? nl + 1 : s;
    size_t tlen = size - (size_t)(text - s);
    if (!dl_utf8_valid(text, tlen)) {
        return 0; /* stored bodies are always valid UTF-8 */
    }
    struct dl_qtree q = DL_QTREE_INIT;
    struct dl_terms marks = DL_TERMS_INIT;
    struct terms t = {{0}, 0, DL_BUF_INIT};
    if (dl_query_parse(&q, s, qlen, NULL) == 0) {
        struct dl_buf plain = DL_BUF_INIT;
        struct dl_qbuild o = {NULL, 0};
        dl_qtree_plain(&q, &plain);
        dl_tokenize(plain.buf, plain.len, add_term, &t);
        dl_buf_release(&plain);
        dl_qbuild(&q, &o, NULL, &marks);
        for (size_t i = 0; i < marks.n && t.n < 64; i++) {
            t.v[t.n++] = dl_xstrdup(marks.v[i]);
        }
    }
    struct dl_hl *h = dl_hl_new(t.v, t.n, marks.prefixes, marks.nprefixes, NULL);
    struct dl_buf out = DL_BUF_INIT;
    dl_hl_snippet(h, text, tlen, 300, &out);
    check_html(&out);
    dl_buf_reset(&out);
    dl_hl_markup(h, text, tlen, &out);
    check_html(&out);
    struct dl_span *spans = NULL;
    size_t n = dl_hl_matches(h, text, tlen, &spans);
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        if (spans[i].start < last || spans[i].end <= spans[i].start || spans[i].end > tlen ||
            spans[i].end16 <= spans[i].start16) {
            abort();
        }
        last = spans[i].end;
    }
    free(spans);
    dl_buf_release(&out);
    dl_hl_free(h);
    for (size_t i = 0; i < t.n; i++) {
        free(t.v[i]);
    }
    dl_buf_release(&t.stem);
    dl_terms_release(&marks);
    dl_qtree_release(&q);
    return 0;
}
