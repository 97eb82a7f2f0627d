/*
 * stage_bench.c - where one search request's time goes, without HTTP: the
 * server's steps for /api/search run in-process over a query list.
 *
 *   stage_bench INDEX QUERIES [RUNS]
 *
 * Per query: dl_query_parse, dl_searcher_search (names, the Xapian query,
 * the match, facets and the loading of ten readouts, bodies decompressed),
 * dl_hl_new, then per hit
 * dl_hl_scan + dl_hl_snippet_spans (the highlighting). Prints the mean
 * microseconds of CPU time (this thread's, so that other load on the machine
 * disturbs the figures less than wall time) per query of each step and the
 * top-10 body bytes scanned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/highlight.h"
#include "dateline/query.h"
#include "dateline/searcher.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: stage_bench INDEX QUERIES [RUNS]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    struct dl_error err = DL_ERROR_INIT;
    struct dl_searcher *s = NULL;
    if (dl_searcher_open(&s, argv[1], &err) != DL_OK) {
        fprintf(stderr, "stage_bench: %s\n", err.msg);
        return 1;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    char *qs[1000];
    size_t nq = 0;
    char line[1024];
    while (nq < 1000 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] && line[0] != '#') {
            qs[nq++] = strdup(line);
        }
    }
    fclose(f);

    double t_norm = 0, t_search = 0, t_hlnew = 0, t_scan = 0, t_snip = 0;
    size_t bytes = 0, spans = 0, n = 0;
    struct dl_hl_spans sc = DL_HL_SPANS_INIT;
    struct dl_buf out = DL_BUF_INIT;
    for (int r = 0; r < runs; r++) {
        for (size_t i = 0; i < nq; i++) {
            double t0 = cpu_now();
            struct dl_qtree q = DL_QTREE_INIT;
            if (dl_query_parse(&q, qs[i], strlen(qs[i]), &err) != DL_OK) {
                dl_qtree_release(&q);
                continue;
            }
            double t1 = cpu_now();
            size_t limit = getenv("LIMIT") ? (size_t)atoi(getenv("LIMIT")) : 10;
            struct dl_search_params p = {.limit = limit,
                                         .check_at_least = 20000,
                                         .time_limit = 1.0,
                                         .max_wildcard = 100,
                                         .want_facets = 1};
            struct dl_results res;
            memset(&res, 0, sizeof res);
            if (dl_searcher_search(s, &q, &p, &res, &err) != DL_OK) {
                fprintf(stderr, "stage_bench: %s: %s\n", qs[i], err.msg);
                return 1;
            }
            double t2 = cpu_now();
            const struct dl_terms *t = &res.terms;
            struct dl_hl *hl =
                dl_hl_new(t->v, t->n, t->prefixes, t->nprefixes, dl_searcher_aliases(s));
            double t3 = cpu_now(), scan = 0, snip = 0;
            for (size_t h = 0; h < res.nhits; h++) {
                const char *body = res.hits[h].doc.body ? res.hits[h].doc.body : "";
                size_t len = strlen(body);
                double a = cpu_now();
                dl_hl_scan(hl, body, len, &sc);
                double b = cpu_now();
                dl_buf_reset(&out);
                dl_hl_snippet_spans(hl, &sc, body, len, 240, &out);
                snip += cpu_now() - b;
                scan += b - a;
                bytes += len;
                spans += sc.n;
            }
            dl_hl_free(hl);
            dl_results_release(&res);
            dl_qtree_release(&q);
            t_norm += t1 - t0;
            t_search += t2 - t1;
            t_hlnew += t3 - t2;
            t_scan += scan;
            t_snip += snip;
            n++;
        }
    }
    double us = 1e6 / (double)n;
    printf("%zu queries x %d runs: per query (us) parse %.1f  search+load %.1f  hl_new %.1f  "
           "scan %.1f  snippet %.1f  total %.1f\n",
           nq, runs, t_norm * us, t_search * us, t_hlnew * us, t_scan * us, t_snip * us,
           (t_norm + t_search + t_hlnew + t_scan + t_snip) * us);
    printf("top-10 bodies %.1f KB per query, %.0f match spans per query\n",
           (double)bytes / (double)n / 1024.0, (double)spans / (double)n);
    dl_hl_spans_release(&sc);
    dl_buf_release(&out);
    dl_searcher_free(s);
    for (size_t i = 0; i < nq; i++) {
        free(qs[i]);
    }
    return 0;
}
