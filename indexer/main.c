/*
 * dateline-index - build or update a dateline index from folders of
 * readouts and JSON Lines exports.
 *
 * Every run is incremental: a readout whose bytes (and the alias table)
 * are unchanged is left alone, an edited one is replaced, and one that has
 * gone from a folder or JSONL file given again is removed. Changes are
 * committed in batches (each commit is atomic: readers see the previous
 * revision or the next, never half of one); if the run dies, the last
 * commit stands and the next run picks up where it stopped, because
 * everything committed is then "unchanged".
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dateline/alias.h"
#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/db.h"
#include "dateline/fold.h"
#include "dateline/pool.h"
#include "dateline/readout.h"
#include "dateline/schema.h"
#include "dateline/store.h"
#include "dateline/strset.h"
#include "dateline/walk.h"
#include "clusters.h"
#include "shards.h"

/* Bump when the parser or the schema changes what is stored: every readout is then re-indexed. */
#define PARSER_VERSION "p1"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* --- the run ------------------------------------------------------------------------- */

struct options {
    const char *dir;          /* index folder */
    const char *aliases;      /* alias file, NULL = none */
    const char *gazetteer;    /* gazetteer file read before it, NULL = none */
    int spelling;             /* build the spelling dictionary */
    int progress;             /* draw a progress bar (stderr is a terminal) */
    int quiet;                /* only errors and the summary */
    unsigned long batch_docs; /* commit after this many changed readouts */
    uint64_t batch_bytes;     /* ... or this many bytes of changed text */
    unsigned jobs;            /* writer threads for a fresh index (1 = no pool) */
    int jobs_given;           /* --jobs was given: use the pool even for small inputs */
    unsigned shards;          /* shards of a sharded index (0 = one database) */
};

/*
 * Changesets for replicas. Xapian's writer keeps the last N revisions' changes as files
 * DIR/changesN (xapian-replicate-server ships them) when XAPIAN_MAX_CHANGESETS=N is set; it
 * reads the variable at every commit. --changesets sets it before any database is opened.
 */
#define CHANGESETS_ENV "XAPIAN_MAX_CHANGESETS"

/*
 * A pool's writers fill temporary shards that are merged into a new database (a new UUID:
 * replicas take a full copy of it), so changesets of theirs could never be shipped: the
 * variable is taken away while they run (before they start, after they stop: no other thread
 * reads the environment then). Returns the value to give back to restore_changesets().
 */
static char *suspend_changesets(void)
{
    const char *v = getenv(CHANGESETS_ENV);
    char *saved = v ? dl_xstrdup(v) : NULL;
    unsetenv(CHANGESETS_ENV);
    return saved;
}

static void restore_changesets(char *saved)
{
    if (saved) {
        setenv(CHANGESETS_ENV, saved, 1);
        free(saved);
    }
}

struct run {
    const struct options *opt;
    const char *dir; /* the database written: DIR, or one shard of it */
    unsigned shard;  /* its shard number: only readouts of this shard are indexed */
    struct dl_store *db;
    struct dl_pool *pool;  /* set when a fresh index is built by several writers */
    char *changesets;      /* XAPIAN_MAX_CHANGESETS taken away while the pool runs */
    char alias_tag[17];    /* hash of the alias table, part of every readout's hash */
    struct dl_strset seen; /* ids met in the current origin */
    const char *origin;    /* current origin (borrowed from the walk) */
    unsigned long added, updated, unchanged, removed, skipped;
    unsigned long pending; /* changes since the last commit */
    uint64_t pending_bytes;
    unsigned long commits; /* successful commits this run */
    int failed;            /* a commit failed: stop */
    uint64_t bytes_total;  /* input bytes of all PATHs (progress) */
    uint64_t bytes_before; /* input bytes of the PATHs already finished */
    uint64_t bytes_read;   /* readout bytes processed (for MB/s) */
    double t0, last_draw;
    struct dl_buf text; /* decoded text of the current readout */
    struct dl_buf hash; /* stored hash of the current readout */
    struct dl_error err;
};

static void clear_progress(struct run *r)
{
    if (r->opt->progress && r->last_draw > 0) {
        fputs("\r\033[K", stderr);
    }
}

static void draw_progress(struct run *r, uint64_t done, int force)
{
    if (!r->opt->progress) {
        return;
    }
    double now = dl_now();
    if (!force && now - r->last_draw < 0.2) {
        return;
    }
    r->last_draw = now;
    double el = now - r->t0;
    uint64_t at = r->bytes_before + done;
    double frac = r->bytes_total ? (double)at / (double)r->bytes_total : 0;
    if (frac > 1) {
        frac = 1;
    }
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++) {
        bar[i] = i < fill ? '#' : '-';
    }
    bar[30] = '\0';
    unsigned long docs = r->added + r->updated + r->unchanged + r->skipped;
    if (r->pool) {
        struct dl_pool_stats st;
        dl_pool_stats(r->pool, &st);
        docs = st.added + st.updated + st.unchanged + st.skipped + r->skipped;
    }
    double mbs = el > 0 ? (double)r->bytes_read / 1e6 / el : 0;
    double eta = frac > 0.001 ? el / frac - el : 0;
    fprintf(stderr, "\r\033[K[%s] %3d%% %lu docs  %.1f MB/s  ETA %d:%02d", bar, (int)(frac * 100),
            docs, mbs, (int)eta / 60, (int)eta % 60);
}

static void report(struct run *r, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(struct run *r, const char *path, const char *fmt, ...)
{
    clear_progress(r);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dateline-index: %s: ", path);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int commit(struct run *r)
{
    if (!r->pending) {
        return 0;
    }
    if (dl_store_commit(r->db, &r->err) != DL_OK) {
        clear_progress(r);
        fprintf(stderr, "dateline-index: cannot commit to '%s': %s\n", r->dir, r->err.msg);
        r->failed = 1;
        return -1;
    }
    r->commits++;
    r->pending = 0;
    r->pending_bytes = 0;
    return 0;
}

static void readout_hash(struct run *r, const char *data, size_t len, char out[64])
{
    uint64_t h = dl_hash64(data, len);
    snprintf(out, 64, "%s-%s-%016llx-%zu", PARSER_VERSION, r->alias_tag, (unsigned long long)h,
             len);
}

/* Make `r->text` valid UTF-8 without NUL bytes (NUL separates stored fields). */
static void decode(struct run *r, const struct dl_walk_item *it)
{
    dl_buf_reset(&r->text);
    if (dl_utf8_valid(it->data, it->len)) {
        dl_buf_add(&r->text, it->data, it->len);
    } else if (it->is_json && r->shard > 0) {
        dl_cp1252_to_utf8(it->data, it->len, &r->text); /* shard 0's run warned */
    } else {
        if (it->line) {
            report(r, it->path, "line %lu: not valid UTF-8; decoded as Windows-1252", it->line);
        } else {
            report(r, it->path, "not valid UTF-8; decoded as Windows-1252");
        }
        dl_cp1252_to_utf8(it->data, it->len, &r->text);
    }
    size_t w = 0;
    for (size_t i = 0; i < r->text.len; i++) {
        if (r->text.buf[i] != '\0') {
            r->text.buf[w++] = r->text.buf[i];
        }
    }
    dl_buf_truncate(&r->text, w);
}

/* Look up the stored hash of `id`: 1 unchanged, 0 new or changed (*existed set), -1 error. */
static int check_unchanged(struct run *r, const struct dl_walk_item *it, const char *id,
                           const char *hash, int *existed)
{
    int rc = dl_store_get_hash(dl_store_db(r->db), id, &r->hash, &r->err);
    if (rc != DL_OK && rc != DL_ENOTFOUND) {
        report(r, it->path, "cannot look up '%s': %s", id, r->err.msg);
        return -1;
    }
    *existed = rc == DL_OK;
    return rc == DL_OK && strcmp(r->hash.buf, hash) == 0;
}

/* Whether readout `id` belongs in the database this run writes. */
static int mine(const struct run *r, const char *id)
{
    return dl_shards_of(id, r->opt->shards) == r->shard;
}

static int on_item(void *ctx, const struct dl_walk_item *it)
{
    struct run *r = ctx;
    if (interrupted) {
        return 1;
    }
    if (!it->is_json && !mine(r, it->id)) {
        return 0; /* another shard's */
    }
    if (!it->is_json || r->shard == 0) {
        r->bytes_read += it->len; /* once, whichever shard the readout goes to */
    }
    char hash[64];
    readout_hash(r, it->data, it->len, hash);
    int existed = 0, same;

    /* A text file's id is known before parsing: skip unchanged ones without decoding.
     * (A pool fills an empty index: its workers compare hashes within their shards.) */
    if (!it->is_json && !r->pool) {
        dl_strset_add(&r->seen, it->id, strlen(it->id), 0);
        same = check_unchanged(r, it, it->id, hash, &existed);
        if (same != 0) {
            same > 0 ? (void)r->unchanged++ : (void)r->skipped++;
            draw_progress(r, it->done, 0);
            return 0;
        }
    }
    struct dl_readout doc = {0};
    decode(r, it);
    int rc;
    if (it->is_json) {
        rc = dl_readout_parse_json(&doc, r->text.buf, r->text.len, &r->err);
    } else {
        rc = dl_readout_parse_text(&doc, it->id, r->text.buf, r->text.len, &r->err);
    }
    if (rc != DL_OK && it->is_json && r->shard > 0) {
        goto out_doc; /* shard 0's run reported it */
    } else if (rc != DL_OK) {
        if (it->is_json) {
            report(r, it->path, "line %lu: skipped: %s", it->line, r->err.msg);
        } else {
            report(r, it->path, "skipped: %s", r->err.msg);
        }
        r->skipped++;
        goto out_doc;
    }
    if (it->is_json && !mine(r, doc.id)) {
        goto out_doc; /* another shard's */
    }
    if (r->pool) {
        if (dl_pool_put(r->pool, &doc, r->origin, hash, it->len) != DL_OK) {
            r->failed = 1; /* the worker's error is reported by dl_pool_finish() */
            return 1;
        }
        draw_progress(r, it->done, 0);
        return 0;
    }
    if (it->is_json) {
        dl_strset_add(&r->seen, doc.id, strlen(doc.id), 0);
        same = check_unchanged(r, it, doc.id, hash, &existed);
        if (same != 0) {
            same > 0 ? (void)r->unchanged++ : (void)r->skipped++;
            goto out_doc;
        }
    }
    rc = dl_store_put(r->db, &doc, r->origin, hash, &r->err);
    if (rc == DL_EINVAL) {
        report(r, it->path, "cannot index '%s': %s", doc.id, r->err.msg);
        r->skipped++;
        goto out_doc;
    } else if (rc != DL_OK) {
        /* The writer itself failed (disk full, I/O error): stop, keep the last commit. */
        report(r, it->path, "cannot index '%s': %s", doc.id, r->err.msg);
        r->failed = 1;
        dl_readout_release(&doc);
        return 1;
    }
    if (existed) {
        r->updated++;
    } else {
        r->added++;
    }
    r->pending++;
    r->pending_bytes += it->len;
    if (r->pending >= r->opt->batch_docs || r->pending_bytes >= r->opt->batch_bytes) {
        if (commit(r) != 0) {
            dl_readout_release(&doc);
            return 1;
        }
    }
out_doc:
    dl_readout_release(&doc);
    draw_progress(r, it->done, 0);
    return 0;
}

static void on_walk_error(void *ctx, const char *path, const char *id, const char *reason)
{
    struct run *r = ctx;
    if (id ? !mine(r, id) : r->shard > 0) {
        return; /* another shard's, or reported by shard 0's run */
    }
    report(r, path, "skipped: %s", reason);
    r->skipped++;
    if (id) {
        dl_strset_add(&r->seen, id, strlen(id), 0);
    }
}

struct sweep {
    struct run *r;
    struct dl_strset gone; /* ids to delete, collected before deleting */
};

static int collect_gone(void *ctx, const char *id)
{
    struct sweep *s = ctx;
    if (dl_strset_find(&s->r->seen, id, strlen(id)) < 0) {
        dl_strset_add(&s->gone, id, strlen(id), 0);
    }
    return 0;
}

/* Remove readouts of this origin that the walk no longer found. */
static void sweep_origin(struct run *r, const char *origin)
{
    struct sweep s = {r, DL_STRSET_INIT};
    if (dl_store_origin_ids(dl_store_db(r->db), origin, collect_gone, &s, &r->err) != DL_OK) {
        report(r, origin, "cannot list indexed readouts: %s", r->err.msg);
        dl_strset_release(&s.gone);
        return;
    }
    for (size_t i = 0; i < s.gone.cap; i++) {
        if (s.gone.keys[i]) {
            if (dl_store_delete(r->db, s.gone.keys[i], &r->err) == DL_OK) {
                r->removed++;
                r->pending++;
            } else {
                report(r, s.gone.keys[i], "cannot remove: %s", r->err.msg);
            }
        }
    }
    dl_strset_release(&s.gone);
}

/* --- a fresh index built by several writers ------------------------------------------ */

/* Use a pool when the index is empty, the input is large enough to gain, and jobs > 1. */
static int start_pool(struct run *r, const struct dl_aliases *aliases, const char *alias_text)
{
    struct stat st;
    unsigned long docs = 1;
    if (dl_db_doccount(dl_store_db(r->db), &docs, &r->err) != DL_OK) {
        fprintf(stderr, "dateline-index: cannot read '%s': %s\n", r->dir, r->err.msg);
        return -1;
    }
    if (r->opt->jobs < 2 || docs != 0 || (!r->opt->jobs_given && r->bytes_total < (8u << 20)) ||
        stat(r->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return 0;
    }
    struct dl_pool_config cfg = {r->dir,
                                 r->opt->jobs,
                                 aliases,
                                 alias_text,
                                 alias_text ? strlen(alias_text) : 0,
                                 r->opt->spelling,
                                 r->opt->batch_docs,
                                 r->opt->batch_bytes};
    r->changesets = suspend_changesets();
    if (dl_pool_new(&r->pool, &cfg, &r->err) != DL_OK) {
        restore_changesets(r->changesets);
        r->changesets = NULL;
        fprintf(stderr, "dateline-index: cannot start %u writers: %s\n", r->opt->jobs, r->err.msg);
        return -1;
    }
    return 0;
}

/*
 * Wait for the writers, merge their shards into DIR.merged and put it in
 * place of DIR (which holds the empty revision this run started from). A
 * failure at any step leaves DIR as it was.
 */
static void finish_pool(struct run *r)
{
    int rc = dl_pool_finish(r->pool, &r->err); /* the writers have stopped */
    restore_changesets(r->changesets);
    r->changesets = NULL;
    struct dl_pool_stats st;
    dl_pool_stats(r->pool, &st);
    r->added += st.added;
    r->updated += st.updated;
    r->unchanged += st.unchanged;
    r->skipped += st.skipped;
    if (rc != DL_OK || r->failed || interrupted) {
        if (rc != DL_OK) {
            clear_progress(r);
            fprintf(stderr, "dateline-index: cannot index into '%s': %s\n", r->dir, r->err.msg);
        }
        r->failed = 1;
        dl_pool_free(r->pool);
        r->pool = NULL;
        return;
    }
    struct dl_buf merged = DL_BUF_INIT, old = DL_BUF_INIT;
    dl_buf_addf(&merged, "%s.merged", r->dir);
    dl_buf_addf(&old, "%s.old", r->dir);
    dl_store_free(r->db); /* the empty revision: nothing of it is kept */
    r->db = NULL;
    rc = dl_remove_tree(merged.buf, &r->err);
    if (rc == DL_OK) {
        rc = dl_pool_merge(r->pool, merged.buf, &r->err);
    }
    if (rc == DL_OK) {
        rc = dl_remove_tree(old.buf, &r->err);
    }
    if (rc == DL_OK && rename(r->dir, old.buf) != 0) {
        rc = dl_error_set(&r->err, DL_EIO, "cannot rename '%s': %s", r->dir, strerror(errno));
    } else if (rc == DL_OK && rename(merged.buf, r->dir) != 0) {
        rc = dl_error_set(&r->err, DL_EIO, "cannot rename '%s': %s", merged.buf, strerror(errno));
        rename(old.buf, r->dir); /* put the empty index back */
    }
    if (rc == DL_OK) {
        dl_remove_tree(old.buf, NULL);
        r->commits++;
    } else {
        clear_progress(r);
        fprintf(stderr, "dateline-index: cannot merge into '%s': %s\n", r->dir, r->err.msg);
        dl_remove_tree(merged.buf, NULL);
        r->failed = 1;
    }
    dl_buf_release(&merged);
    dl_buf_release(&old);
    dl_pool_free(r->pool);
    r->pool = NULL;
}

static void usage(FILE *f)
{
    fputs("usage: dateline-index [-d DIR] [options] PATH...\n"
          "\n"
          "Index readouts into DIR (default ./dateline.db), creating it if needed.\n"
          "PATH is a folder (walked recursively for .txt files; a readout's id is its\n"
          "path relative to the folder), a .txt file, or a .jsonl / .jsonl.gz export\n"
          "(one JSON object per line: id, title, date, source, url, lang, body).\n"
          "Runs are incremental: unchanged readouts are skipped, edited ones replaced,\n"
          "and readouts gone from a folder or file given again are removed.\n"
          "\n"
          "options:\n"
          "  -d, --db DIR         index folder (default ./dateline.db)\n"
          "      --aliases FILE   your name-variant table (TSV) replacing the default\n"
          "                       data/aliases.tsv; read after the gazetteer, its lines\n"
          "                       add forms to the entities they share a form with\n"
          "      --no-aliases     use no alias table\n"
          "      --gazetteer FILE people, countries, organisations and their forms in\n"
          "                       every script (default data/gazetteer.tsv)\n"
          "      --no-gazetteer   use no gazetteer (no entities are tagged)\n"
          "      --no-spelling    do not build the spelling dictionary (faster)\n"
          "      --batch N        commit after every N changed readouts (default 2000)\n"
          "      --batch-mb N     ... or after N MB of changed text (default 4;\n"
          "                       small batches are faster and bound memory)\n"
          "      --shards N       split a new index into N shards DIR/shard-NN (2..64)\n"
          "                       and a stub DIR/XAPIANDB serving them as one\n"
          "                       (dateline-serve -d DIR); later runs keep the count\n"
          "      --changesets N   keep the changes of the last N commits for replicas\n"
          "                       (XAPIAN_MAX_CHANGESETS; 0 = none), so that\n"
          "                       xapian-replicate ships changes, not copies\n"
          "  -j, --jobs N         writer threads when filling an empty index (default: the\n"
          "                       number of cores; 1 = one writer)\n"
          "  -q, --quiet          no progress bar\n"
          "  -h, --help           show this help\n"
          "      --version        show the version\n"
          "\n"
          "exit status: 0 index committed (or already up to date), 1 nothing could be\n"
          "committed (the previous revision is intact), 2 usage error.\n",
          f);
}

/* The installed data file `name`, else the source tree's, else NULL (static storage). */
static const char *default_data(const char *name)
{
    static char paths[2][4096];
    static int next;
    const char *dirs[] = {
#ifdef DL_DATADIR
        DL_DATADIR,
#endif
#ifdef DL_SOURCE_DATA
        DL_SOURCE_DATA,
#endif
        NULL,
    };
    for (size_t i = 0; dirs[i]; i++) {
        char *p = paths[next];
        snprintf(p, sizeof paths[0], "%s/%s", dirs[i], name);
        if (access(p, R_OK) == 0) {
            next = (next + 1) % 2;
            return p;
        }
    }
    return NULL;
}

/* Append the file at path to text, checking that it parses alone (errors name the file). */
static int read_table(struct run *r, const char *path, struct dl_buf *text)
{
    size_t start = text->len;
    int rc = dl_buf_read_file(text, path);
    if (rc != 0) {
        fprintf(stderr, "dateline-index: cannot open '%s': %s\n", path, strerror(-rc));
        return -1;
    }
    struct dl_aliases *a = NULL;
    if (dl_aliases_parse(text->buf + start, text->len - start, &a, &r->err) != DL_OK) {
        fprintf(stderr, "dateline-index: %s: %s\n", path, r->err.msg);
        return -1;
    }
    dl_aliases_free(a);
    if (text->len && text->buf[text->len - 1] != '\n') {
        dl_buf_addc(text, '\n');
    }
    return 0;
}

static int parse_count(const char *s, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v == 0 || s[0] == '-') {
        return -1;
    }
    *out = v;
    return 0;
}

/* Load the alias table and store it in the index if it changed. Returns 0 or -1. */
static int setup_aliases(struct run *r, struct dl_aliases **out, char **text_out)
{
    const struct options *o = r->opt;
    memcpy(r->alias_tag, "0000000000000000", 17);
    *out = NULL;
    *text_out = NULL;
    struct dl_buf text = DL_BUF_INIT;
    /* The gazetteer first: the user's lines then extend its entities (alias.h). */
    if ((o->gazetteer && read_table(r, o->gazetteer, &text) != 0) ||
        (o->aliases && read_table(r, o->aliases, &text) != 0)) {
        dl_buf_release(&text);
        return -1;
    }
    if (text.len) {
        if (dl_aliases_parse(text.buf, text.len, out, &r->err) != DL_OK) {
            fprintf(stderr, "dateline-index: the gazetteer and aliases together: %s\n", r->err.msg);
            dl_buf_release(&text);
            return -1;
        }
        snprintf(r->alias_tag, sizeof r->alias_tag, "%016llx",
                 (unsigned long long)dl_hash64(text.buf, text.len));
    }
    int written = 0;
    int rc = dl_store_set_aliases(r->db, *out, text.buf, text.len, &written, &r->err);
    r->pending += written; /* new synonyms need a commit even if no readout changes */
    if (rc != DL_OK) {
        fprintf(stderr, "dateline-index: cannot store aliases: %s\n", r->err.msg);
        dl_buf_release(&text);
        return -1;
    }
    *text_out = dl_buf_detach(&text, NULL);
    return 0;
}

/*
 * One database of the run: open r->dir, store the alias table, walk every
 * PATH (indexing the readouts of r->shard) and commit. Returns 1 when a PATH
 * could not be walked, else 0; sets r->failed when nothing could be committed.
 */
static int index_db(struct run *r, int argc, char **argv)
{
    if (dl_store_open(&r->db, r->dir, &r->err) != DL_OK) {
        fprintf(stderr, "dateline-index: cannot open index '%s': %s\n", r->dir, r->err.msg);
        r->failed = 1;
        return 0;
    }
    dl_store_set_spelling(r->db, r->opt->spelling);
    struct dl_aliases *aliases = NULL;
    char *alias_text = NULL;
    if (setup_aliases(r, &aliases, &alias_text) != 0 || start_pool(r, aliases, alias_text) != 0) {
        r->failed = 1;
    }
    int walk_failed = 0;
    for (int i = optind; i < argc && !r->failed && !interrupted; i++) {
        uint64_t bytes = 0;
        dl_walk_probe(argv[i], &bytes, NULL);
        char *origin = dl_walk_origin(argv[i], &r->err);
        if (!origin) {
            fprintf(stderr, "dateline-index: %s\n", r->err.msg);
            walk_failed = 1;
            continue;
        }
        r->origin = origin;
        struct dl_walk_cb cb = {on_item, on_walk_error, r};
        int rc = dl_walk(argv[i], &cb, &r->err);
        if (rc < 0) {
            clear_progress(r);
            fprintf(stderr, "dateline-index: %s\n", r->err.msg);
            walk_failed = 1;
        } else if (rc == 0 && !r->failed && !interrupted && !r->pool) {
            sweep_origin(r, origin);
        }
        dl_strset_release(&r->seen);
        free(origin);
        r->bytes_before += bytes;
    }
    if (r->pool) {
        finish_pool(r);
    } else if (!r->failed) {
        commit(r);
    }
    dl_store_free(r->db);
    r->db = NULL;
    dl_aliases_free(aliases);
    free(alias_text);
    return walk_failed;
}

/* The same-event pass's progress on the terminal (with --progress); stops it when
 * interrupted. */
static int cluster_progress(void *ctx, size_t done, size_t total)
{
    struct run *r = ctx;
    double now = dl_now();
    if (r->opt->progress && now - r->last_draw >= 0.2) {
        r->last_draw = now;
        fprintf(stderr, "\r\033[Ksame-event pass: %zu of %zu readouts", done, total);
    }
    return interrupted != 0;
}

/* The same-event pass over what the run put (clusters.h), once it is all committed. */
static void cluster_run(struct run *r, const char *since)
{
    struct dl_cluster_stats st;
    double secs = 0;
    int rc = dl_index_clusters(r->opt->dir, r->opt->shards, since, cluster_progress, r, &st, &secs,
                               &r->err);
    if (r->opt->progress) {
        fputs("\r\033[K", stderr);
    }
    if (rc != DL_OK) {
        fprintf(stderr, "dateline-index: cannot cluster '%s': %s\n", r->opt->dir, r->err.msg);
        r->failed = 1;
        return;
    }
    if (!r->opt->quiet) {
        fprintf(stderr,
                "same-event pass: %lu readouts%s, %lu joined other accounts, %lu candidates, "
                "%.1f s\n",
                st.examined, st.stopped ? " (stopped)" : "", st.joined, st.candidates, secs);
    }
}

/*
 * Settle o->shards against DIR: a sharded DIR keeps its recorded count
 * (given again or not), a plain one cannot become sharded. 0 or -1 (said).
 */
static int pick_shards(struct options *o)
{
    int recorded = dl_shards_recorded(o->dir);
    if (recorded < 0) {
        fprintf(stderr, "dateline-index: '%s/XAPIANDB' is not a dateline shard list\n", o->dir);
        return -1;
    }
    if (recorded > 0 && o->shards && (unsigned)recorded != o->shards) {
        fprintf(stderr,
                "dateline-index: index '%s' has %d shards, not %u: index into a new folder "
                "to change the count\n",
                o->dir, recorded, o->shards);
        return -1;
    }
    if (recorded == 0 && o->shards && dl_shards_is_plain(o->dir)) {
        fprintf(stderr,
                "dateline-index: index '%s' is not sharded: index into a new folder to "
                "shard it\n",
                o->dir);
        return -1;
    }
    if (recorded > 0) {
        o->shards = (unsigned)recorded;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = {"./dateline.db", NULL, NULL, 1, 0, 0, 2000, 4ull << 20, 0, 0, 0};
    int no_aliases = 0, no_gazetteer = 0;
    const char *changesets = NULL; /* --changesets, else the environment's */
    enum {
        OPT_ALIASES = 256,
        OPT_NO_ALIASES,
        OPT_GAZETTEER,
        OPT_NO_GAZETTEER,
        OPT_NO_SPELLING,
        OPT_BATCH,
        OPT_BATCH_MB,
        OPT_SHARDS,
        OPT_CHANGESETS,
        OPT_VERSION
    };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"aliases", required_argument, NULL, OPT_ALIASES},
        {"no-aliases", no_argument, NULL, OPT_NO_ALIASES},
        {"gazetteer", required_argument, NULL, OPT_GAZETTEER},
        {"no-gazetteer", no_argument, NULL, OPT_NO_GAZETTEER},
        {"no-spelling", no_argument, NULL, OPT_NO_SPELLING},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"batch-mb", required_argument, NULL, OPT_BATCH_MB},
        {"shards", required_argument, NULL, OPT_SHARDS},
        {"changesets", required_argument, NULL, OPT_CHANGESETS},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    int c;
    unsigned long n;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:j:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.dir = optarg;
            break;
        case OPT_ALIASES:
            o.aliases = optarg;
            break;
        case OPT_NO_ALIASES:
            no_aliases = 1;
            break;
        case OPT_GAZETTEER:
            o.gazetteer = optarg;
            break;
        case OPT_NO_GAZETTEER:
            no_gazetteer = 1;
            break;
        case OPT_NO_SPELLING:
            o.spelling = 0;
            break;
        case OPT_BATCH:
            if (parse_count(optarg, &o.batch_docs) != 0) {
                fprintf(stderr,
                        "dateline-index: invalid --batch '%s': expected a positive number\n",
                        optarg);
                return 2;
            }
            break;
        case OPT_BATCH_MB:
            if (parse_count(optarg, &n) != 0 || n > 65536) {
                fprintf(stderr, "dateline-index: invalid --batch-mb '%s': expected 1..65536\n",
                        optarg);
                return 2;
            }
            o.batch_bytes = (uint64_t)n << 20;
            break;
        case OPT_SHARDS:
            if (parse_count(optarg, &n) != 0 || n < 2 || n > DL_SHARDS_MAX) {
                fprintf(stderr, "dateline-index: invalid --shards '%s': expected 2..64\n", optarg);
                return 2;
            }
            o.shards = (unsigned)n;
            break;
        case OPT_CHANGESETS:
            if (strcmp(optarg, "0") != 0 && (parse_count(optarg, &n) != 0 || n > 100000)) {
                fprintf(stderr, "dateline-index: invalid --changesets '%s': expected 0..100000\n",
                        optarg);
                return 2;
            }
            changesets = optarg;
            break;
        case 'j':
            if (parse_count(optarg, &n) != 0 || n > 64) {
                fprintf(stderr, "dateline-index: invalid --jobs '%s': expected 1..64\n", optarg);
                return 2;
            }
            o.jobs = (unsigned)n;
            o.jobs_given = 1;
            break;
        case 'q':
            o.quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("dateline-index %s\n", DL_VERSION);
            return 0;
        case ':':
            fprintf(stderr, "dateline-index: option '%s' needs a value (see --help)\n",
                    argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "dateline-index: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind >= argc) {
        fputs("dateline-index: no PATH to index (see --help)\n", stderr);
        return 2;
    }
    /* Before any database is opened (Xapian reads it at every commit). */
    if (changesets && strcmp(changesets, "0") == 0) {
        unsetenv(CHANGESETS_ENV);
    } else if (changesets) {
        setenv(CHANGESETS_ENV, changesets, 1);
    }
    if (!no_aliases && !o.aliases) {
        o.aliases = default_data("aliases.tsv");
    }
    if (no_aliases) {
        o.aliases = NULL;
    }
    if (!no_gazetteer && !o.gazetteer) {
        o.gazetteer = default_data("gazetteer.tsv");
    }
    if (no_gazetteer) {
        o.gazetteer = NULL;
    }
    o.progress = !o.quiet && isatty(2);
    if (!o.jobs) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        o.jobs = cores < 1 ? 1 : cores > 8 ? 8 : (unsigned)cores;
    }

    struct run r = {0};
    r.opt = &o;
    r.text = (struct dl_buf)DL_BUF_INIT;
    r.hash = (struct dl_buf)DL_BUF_INIT;
    r.t0 = dl_now();
    char since[DL_TIME_LEN + 1]; /* what this run puts is indexed from now: the pass's */
    dl_schema_time_format(dl_schema_time_now(), since);

    /* Check every PATH before touching the index: a typo should not cost a run. */
    for (int i = optind; i < argc; i++) {
        uint64_t bytes;
        if (dl_walk_probe(argv[i], &bytes, &r.err) != DL_OK) {
            fprintf(stderr, "dateline-index: %s\n", r.err.msg);
            return r.err.code == DL_EINVAL ? 2 : 1;
        }
        r.bytes_total += bytes;
    }

    /* A stub already there is left alone: a rewritten one has dateline-serve open the index
     * afresh (dbwatch.h) instead of moving to the new revision. */
    int stub_written = dl_shards_recorded(o.dir) > 0;
    if (pick_shards(&o) != 0) {
        return 2;
    }
    if (o.shards && !stub_written && dl_shards_write_stub(o.dir, o.shards, &r.err) != DL_OK) {
        fprintf(stderr, "dateline-index: %s\n", r.err.msg);
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int walk_failed = 0;
    if (!o.shards) {
        r.dir = o.dir;
        walk_failed = index_db(&r, argc, argv);
    }
    struct dl_buf shard = DL_BUF_INIT;
    for (unsigned i = 0; i < o.shards && !r.failed && !interrupted; i++) {
        dl_shards_path(o.dir, i, &shard);
        r.dir = shard.buf;
        r.shard = i;
        r.bytes_before = 0;
        walk_failed |= index_db(&r, argc, argv);
    }
    r.dir = o.dir;
    if (o.shards && !r.failed && !interrupted && dl_shards_write_aux(o.dir, &r.err) != DL_OK) {
        fprintf(stderr, "dateline-index: cannot write the auxiliary database: %s\n", r.err.msg);
        r.failed = 1;
    }
    draw_progress(&r, 0, 1);
    clear_progress(&r);
    if (!r.failed && !interrupted && r.added + r.updated > 0) {
        cluster_run(&r, since);
    }

    double el = dl_now() - r.t0;
    unsigned long docs = r.added + r.updated + r.unchanged + r.skipped;
    fprintf(stderr,
            "%lu added, %lu updated, %lu unchanged, %lu removed, %lu skipped in %.1f s "
            "(%.0f docs/s, %.1f MB/s)\n",
            r.added, r.updated, r.unchanged, r.removed, r.skipped, el,
            el > 0 ? (double)docs / el : 0.0, el > 0 ? (double)r.bytes_read / 1e6 / el : 0.0);
    if (!r.failed && !interrupted && r.commits == 0 && !walk_failed) {
        fprintf(stderr, "index '%s' is up to date\n", o.dir);
    }
    int status = 0;
    if (r.failed) {
        status = 1;
    } else if (interrupted) {
        fputs("dateline-index: interrupted; the work committed so far is kept\n", stderr);
        status = 1;
    } else if (walk_failed) {
        status = 1;
    }
    dl_buf_release(&shard);
    dl_buf_release(&r.text);
    dl_buf_release(&r.hash);
    return status;
}
