/*
 * highlight_bench.c - the highlighter's steps on one readout-sized body, per
 * operation, as tests/test_highlight.c used to time dl_hl_snippet() itself.
 *
 *   highlight_bench [FILE [RUNS]]
 *
 * The body is FILE's first 9 KB (default: ../shared/readouts/003_*.txt next
 * to the source tree, a real English readout), else a sentence repeated to
 * 9 KB. The query is "trade To Lam congratulate" as index terms. Each of
 * dl_hl_new, dl_hl_scan, dl_hl_snippet_spans, dl_hl_snippet (scan and
 * snippet), dl_hl_matches and dl_hl_markup runs ITERS times per pass; the
 * best of RUNS passes (default 5) is printed in microseconds per call. The
 * target for dl_hl_snippet on 9 KB is under 100 us in a release build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/highlight.h"

#ifndef DL_SOURCE_ROOT
#define DL_SOURCE_ROOT "."
#endif

enum { ITERS = 300, BODY = 9216 };

static char *const terms[] = {"trade", "Ztrade", "to", "lam", "Zto", "Zlam", "Zcongratul"};
enum { NTERMS = sizeof terms / sizeof terms[0] };

static void load_body(const char *path, struct dl_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (f) {
        char buf[BODY];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        while (n && ((unsigned char)buf[n - 1] & 0xc0) == 0x80) {
            n--; /* do not end inside a character */
        }
        if (n && (unsigned char)buf[n - 1] >= 0xc0) {
            n--;
        }
        dl_buf_add(b, buf, n);
        return;
    }
    fprintf(stderr, "highlight_bench: %s: cannot read it, using a stand-in text\n", path);
    while (b->len < BODY) {
        dl_buf_adds(b, "On behalf of the Party and State, General Secretary To Lam warmly "
                       "congratulated the Congress on its resounding success, and the two sides "
                       "agreed to deepen cooperation in trade, investment and energy. ");
    }
}

enum op { OP_NEW, OP_SCAN, OP_SNIPPET_SPANS, OP_SNIPPET, OP_MATCHES, OP_MARKUP, NOPS };
static const char *const op_names[NOPS] = {"dl_hl_new",     "dl_hl_scan",    "dl_hl_snippet_spans",
                                           "dl_hl_snippet", "dl_hl_matches", "dl_hl_markup"};

int main(int argc, char **argv)
{
    const char *path =
        argc > 1 ? argv[1] : DL_SOURCE_ROOT "/../shared/readouts/003_1f740b23df7e1f93.txt";
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    struct dl_buf body = DL_BUF_INIT, out = DL_BUF_INIT;
    load_body(path, &body);
    struct dl_hl *h = dl_hl_new(terms, NTERMS, NULL, 0, NULL);
    struct dl_hl_spans sc = DL_HL_SPANS_INIT;
    double best[NOPS];
    for (int k = 0; k < NOPS; k++) {
        best[k] = 1e9;
    }
    size_t spans = 0;
    for (int r = 0; r < runs; r++) {
        for (int k = 0; k < NOPS; k++) {
            double t0 = dl_now();
            for (int i = 0; i < ITERS; i++) {
                struct dl_span *sp = NULL;
                switch ((enum op)k) {
                case OP_NEW:
                    dl_hl_free(dl_hl_new(terms, NTERMS, NULL, 0, NULL));
                    break;
                case OP_SCAN:
                    dl_hl_scan(h, body.buf, body.len, &sc);
                    break;
                case OP_SNIPPET_SPANS:
                    dl_buf_reset(&out);
                    dl_hl_snippet_spans(h, &sc, body.buf, body.len, 300, &out);
                    break;
                case OP_SNIPPET:
                    dl_buf_reset(&out);
                    dl_hl_snippet(h, body.buf, body.len, 300, &out);
                    break;
                case OP_MATCHES:
                    spans = dl_hl_matches(h, body.buf, body.len, &sp);
                    free(sp);
                    break;
                case OP_MARKUP:
                    dl_buf_reset(&out);
                    dl_hl_markup(h, body.buf, body.len, &out);
                    break;
                case NOPS:
                    break;
                }
            }
            double per = (dl_now() - t0) / ITERS;
            best[k] = per < best[k] ? per : best[k];
        }
    }
    printf("%zu-byte body, %zu match spans; us per call (best of %d x %d):\n", body.len, spans,
           runs, ITERS);
    for (int k = 0; k < NOPS; k++) {
        printf("  %-20s %8.1f\n", op_names[k], best[k] * 1e6);
    }
    dl_hl_spans_release(&sc);
    dl_hl_free(h);
    dl_buf_release(&body);
    dl_buf_release(&out);
    return 0;
}
