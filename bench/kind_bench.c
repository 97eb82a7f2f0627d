/*
 * kind_bench.c - the cost of dl_kind_classify() per readout, and what it says about a corpus.
 *
 *   kind_bench [--list] [FILE.jsonl.gz] [RUNS]
 *
 * FILE (default ../shared/corpus/whitehouse_briefing_room.jsonl.gz next to the source tree) is
 * read whole and parsed into readouts first; then every readout is classified, RUNS times
 * (default 5), and the best pass is reported in nanoseconds per readout, with how many readouts
 * got each kind. The time is the thread's CPU time, so that a busy machine preempting the bench
 * does not count (the cache it shares still does: take the best of several runs). --list prints "kind<TAB>id<TAB>title" for every readout instead (to read what
 * the rules do on a whole corpus).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/kind.h"
#include "dateline/readout.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct doc {
    char *id, *title, *body;
};

static int read_docs(const char *path, struct doc **docs, size_t *n)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        perror(path);
        return -1;
    }
    gzbuffer(gz, 256 * 1024);
    struct dl_buf line = DL_BUF_INIT;
    char chunk[65536];
    size_t cap = 0;
    for (;;) {
        dl_buf_reset(&line);
        while (gzgets(gz, chunk, sizeof chunk)) {
            size_t l = strlen(chunk);
            dl_buf_add(&line, chunk, l);
            if (l && chunk[l - 1] == '\n') {
                break;
            }
        }
        if (line.len == 0) {
            break;
        }
        struct dl_readout r = {0};
        if (dl_readout_parse_json(&r, line.buf, line.len, NULL) != DL_OK) {
            continue;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            *docs = dl_xrealloc(*docs, cap * sizeof **docs);
        }
        (*docs)[(*n)++] = (struct doc){r.id, r.title, r.body};
        r.id = r.title = r.body = NULL;
        dl_readout_release(&r);
    }
    dl_buf_release(&line);
    gzclose(gz);
    return 0;
}

int main(int argc, char **argv)
{
    int list = 0, runs = 5;
    const char *path = DL_SOURCE_ROOT "/../shared/corpus/whitehouse_briefing_room.jsonl.gz";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) {
            list = 1;
        } else if (strstr(argv[i], ".jsonl")) {
            path = argv[i];
        } else {
            runs = atoi(argv[i]);
        }
    }
    struct doc *docs = NULL;
    size_t n = 0;
    if (read_docs(path, &docs, &n) != 0 || n == 0) {
        return 1;
    }
    size_t count[DL_KIND_COUNT] = {0};
    if (list) {
        for (size_t i = 0; i < n; i++) {
            enum dl_kind k = dl_kind_classify(docs[i].title, docs[i].body);
            printf("%s\t%s\t%s\n", dl_kind_name(k), docs[i].id, docs[i].title ? docs[i].title : "");
        }
        return 0;
    }
    double best = 1e9;
    for (int r = 0; r < runs; r++) {
        memset(count, 0, sizeof count);
        double t0 = cpu_now();
        for (size_t i = 0; i < n; i++) {
            count[dl_kind_classify(docs[i].title, docs[i].body)]++;
        }
        double t = cpu_now() - t0;
        best = t < best ? t : best;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        bytes += strlen(docs[i].body);
    }
    printf("%s: %zu readouts, %.1f KB body on average; dl_kind_classify %.0f ns per readout "
           "(best of %d)\n",
           path, n, bytes / 1024.0 / n, best * 1e9 / n, runs);
    for (int k = 0; k < DL_KIND_COUNT; k++) {
        printf("  %-9s %6zu\n", dl_kind_name((enum dl_kind)k), count[k]);
    }
    for (size_t i = 0; i < n; i++) {
        free(docs[i].id);
        free(docs[i].title);
        free(docs[i].body);
    }
    free(docs);
    return 0;
}
