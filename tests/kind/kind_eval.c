/*
 * kind_eval.c - dl_kind_classify() against the hand-labelled readouts.
 *
 *   kind_eval [--errors | --errors=all] [--min=PCT] LABELS CORPUS_DIR
 *
 * Reads LABELS (tests/kind/labels.tsv: corpus file, id, label, reason), finds each document in
 * CORPUS_DIR/<corpus file> (JSON Lines, gzip'd), classifies its title and body and prints the
 * accuracy on the tuning part, the held-out part and all (README.md says how the parts are
 * chosen), the accuracy per corpus file, and the confusion tables of all and of the held-out
 * part (rows: label, columns: predicted). --errors lists the tuning part's errors (what the rules
 * were tuned on),
 * --errors=all every error. Exits 1 when the accuracy on all is under PCT (default 90) or a
 * labelled document is missing, 77 when CORPUS_DIR is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/kind.h"
#include "dateline/readout.h"
#include "dateline/strset.h"

struct row {
    char *file, *id, *reason;
    enum dl_kind label, got;
    int held; /* in the held-out part */
    int found;
};

struct rows {
    struct row *v;
    size_t n, cap;
};

static int split_fields(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++) {
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    }
    return n;
}

static int read_labels(const char *path, struct rows *rows)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        return -1;
    }
    char line[4096];
    int lineno = 0, bad = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        char *f[4];
        enum dl_kind k;
        if (split_fields(line, f, 4) != 4 || dl_kind_parse(f[2], strlen(f[2]), &k) != DL_OK) {
            fprintf(stderr, "%s:%d: want: file, id, kind, reason\n", path, lineno);
            bad = 1;
            continue;
        }
        if (rows->n == rows->cap) {
            rows->cap = rows->cap ? 2 * rows->cap : 256;
            rows->v = dl_xrealloc(rows->v, rows->cap * sizeof *rows->v);
        }
        struct row *r = &rows->v[rows->n++];
        memset(r, 0, sizeof *r);
        r->file = dl_xstrdup(f[0]);
        r->id = dl_xstrdup(f[1]);
        r->reason = dl_xstrdup(f[3]);
        r->label = k;
    }
    fclose(fp);
    return bad ? -1 : 0;
}

/* The held-out part: per label, the 1st, 4th, 7th, ... document in the order of the hash of its
 * id. Depends on ids and labels only. */
static const struct rows *sort_rows;
static int by_hash(const void *a, const void *b)
{
    const struct row *x = &sort_rows->v[*(const size_t *)a], *y = &sort_rows->v[*(const size_t *)b];
    uint64_t hx = dl_hash64(x->id, strlen(x->id)), hy = dl_hash64(y->id, strlen(y->id));
    return hx < hy ? -1 : hx > hy ? 1 : strcmp(x->id, y->id);
}

static void mark_held_out(struct rows *rows)
{
    size_t *idx = dl_xmalloc((rows->n + 1) * sizeof *idx);
    sort_rows = rows;
    for (int k = 0; k < DL_KIND_COUNT; k++) {
        size_t m = 0;
        for (size_t i = 0; i < rows->n; i++) {
            if ((int)rows->v[i].label == k) {
                idx[m++] = i;
            }
        }
        qsort(idx, m, sizeof *idx, by_hash);
        for (size_t j = 0; j < m; j++) {
            rows->v[idx[j]].held = j % 3 == 0;
        }
    }
    free(idx);
}

/* The "id" of a corpus line: its first key in these files; NULL when the line is otherwise. */
static const char *line_id(const char *line, size_t *n)
{
    static const char prefix[] = "{\"id\": \"";
    if (strncmp(line, prefix, sizeof prefix - 1) != 0) {
        return NULL;
    }
    const char *s = line + sizeof prefix - 1, *e = strchr(s, '"');
    if (!e) {
        return NULL;
    }
    *n = (size_t)(e - s);
    return s;
}

/* Read one line of any length; 0 at the end of the file. */
static int gz_line(gzFile gz, struct dl_buf *line)
{
    char chunk[65536];
    dl_buf_reset(line);
    while (gzgets(gz, chunk, sizeof chunk)) {
        size_t n = strlen(chunk);
        dl_buf_add(line, chunk, n);
        if (n && chunk[n - 1] == '\n') {
            break;
        }
    }
    return line->len > 0;
}

static int classify_file(const char *dir, const char *file, struct rows *rows)
{
    struct dl_strset want = DL_STRSET_INIT;
    for (size_t i = 0; i < rows->n; i++) {
        if (strcmp(rows->v[i].file, file) == 0) {
            dl_strset_add(&want, rows->v[i].id, strlen(rows->v[i].id), (int)i);
        }
    }
    struct dl_buf path = DL_BUF_INIT, line = DL_BUF_INIT;
    dl_buf_addf(&path, "%s/%s", dir, file);
    gzFile gz = gzopen(path.buf, "rb");
    if (!gz) {
        fprintf(stderr, "cannot open '%s'\n", path.buf);
        dl_buf_release(&path);
        dl_strset_release(&want);
        return -1;
    }
    gzbuffer(gz, 256 * 1024);
    while (gz_line(gz, &line)) {
        size_t n;
        const char *id = line_id(line.buf, &n);
        int i = id ? dl_strset_find(&want, id, n) : -1;
        if (i < 0) {
            continue;
        }
        struct dl_readout r = {0};
        struct dl_error err = DL_ERROR_INIT;
        if (dl_readout_parse_json(&r, line.buf, line.len, &err) != DL_OK) {
            fprintf(stderr, "%s: %s: %s\n", file, rows->v[i].id, err.msg);
            continue;
        }
        rows->v[i].got = dl_kind_classify(r.title, r.body);
        rows->v[i].found = 1;
        dl_readout_release(&r);
    }
    gzclose(gz);
    dl_buf_release(&line);
    dl_buf_release(&path);
    dl_strset_release(&want);
    return 0;
}

static void print_accuracy(const struct rows *rows, const char *name, int part)
{
    size_t n = 0, ok = 0;
    for (size_t i = 0; i < rows->n; i++) {
        const struct row *r = &rows->v[i];
        if (part < 0 || r->held == part) {
            n++;
            ok += r->got == r->label;
        }
    }
    printf("%-9s %5.1f%%  (%zu of %zu)\n", name, n ? 100.0 * ok / n : 0.0, ok, n);
}

static void print_per_file(const struct rows *rows)
{
    for (size_t i = 0; i < rows->n; i++) {
        const char *f = rows->v[i].file;
        size_t first = 0;
        while (strcmp(rows->v[first].file, f) != 0) {
            first++;
        }
        if (first != i) {
            continue; /* printed with its first row */
        }
        size_t n = 0, ok = 0;
        for (size_t j = i; j < rows->n; j++) {
            if (strcmp(rows->v[j].file, f) == 0) {
                n++;
                ok += rows->v[j].got == rows->v[j].label;
            }
        }
        printf("  %-36s %5.1f%%  (%zu of %zu)\n", f, 100.0 * ok / n, ok, n);
    }
}

/* part: 0 tuning, 1 held-out, -1 all */
static void print_confusion(const struct rows *rows, const char *name, int part)
{
    size_t m[DL_KIND_COUNT][DL_KIND_COUNT] = {{0}};
    for (size_t i = 0; i < rows->n; i++) {
        if (part < 0 || rows->v[i].held == part) {
            m[rows->v[i].label][rows->v[i].got]++;
        }
    }
    printf("\nconfusion, %s (rows: label, columns: predicted)\n%-10s", name, "");
    for (int c = 0; c < DL_KIND_COUNT; c++) {
        printf("%10s", dl_kind_name((enum dl_kind)c));
    }
    printf("\n");
    for (int l = 0; l < DL_KIND_COUNT; l++) {
        printf("%-10s", dl_kind_name((enum dl_kind)l));
        for (int c = 0; c < DL_KIND_COUNT; c++) {
            printf("%10zu", m[l][c]);
        }
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    int errors = 0; /* 1: the tuning part's errors, 2: all errors */
    double min = 90.0;
    const char *labels = NULL, *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--errors") == 0) {
            errors = 1;
        } else if (strcmp(argv[i], "--errors=all") == 0) {
            errors = 2;
        } else if (strncmp(argv[i], "--min=", 6) == 0) {
            min = atof(argv[i] + 6);
        } else if (!labels) {
            labels = argv[i];
        } else if (!dir) {
            dir = argv[i];
        }
    }
    if (!labels || !dir) {
        fprintf(stderr,
                "usage: kind_eval [--errors | --errors=all] [--min=PCT] LABELS CORPUS_DIR\n");
        return 2;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("skipped: ../shared/corpus is absent\n");
        return 77;
    }
    struct rows rows = {0};
    if (read_labels(labels, &rows) != 0 || rows.n == 0) {
        return 1;
    }
    mark_held_out(&rows);
    for (size_t i = 0; i < rows.n; i++) {
        size_t first = 0;
        while (strcmp(rows.v[first].file, rows.v[i].file) != 0) {
            first++;
        }
        if (first == i && classify_file(dir, rows.v[i].file, &rows) != 0) {
            return 1;
        }
    }
    int missing = 0;
    for (size_t i = 0; i < rows.n; i++) {
        const struct row *r = &rows.v[i];
        if (!r->found) {
            printf("missing: %s %s\n", r->file, r->id);
            missing = 1;
        } else if (r->got != r->label && (errors == 2 || (errors == 1 && !r->held))) {
            printf("%-9s got %-9s %s %s  (%s)\n", dl_kind_name(r->label), dl_kind_name(r->got),
                   r->held ? "held-out" : "tuning", r->id, r->reason);
        }
    }
    print_accuracy(&rows, "tuning", 0);
    print_accuracy(&rows, "held-out", 1);
    print_accuracy(&rows, "all", -1);
    print_per_file(&rows);
    print_confusion(&rows, "all", -1);
    print_confusion(&rows, "held-out", 1);
    size_t ok = 0;
    for (size_t i = 0; i < rows.n; i++) {
        ok += rows.v[i].got == rows.v[i].label;
    }
    double all = 100.0 * ok / rows.n;
    if (all < min) {
        printf("FAIL: accuracy %.1f%% is under %.1f%%\n", all, min);
    }
    for (size_t i = 0; i < rows.n; i++) {
        free(rows.v[i].file);
        free(rows.v[i].id);
        free(rows.v[i].reason);
    }
    free(rows.v);
    return missing || all < min ? 1 : 0;
}
