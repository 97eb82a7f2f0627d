/* shards.c - a sharded index folder (see shards.h). */
#include "shards.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dateline/db.h"
#include "dateline/schema.h"
#include "dateline/shardset.h"
#include "dateline/strset.h"

#define STUB "XAPIANDB"

int dl_shards_recorded(const char *dir)
{
    struct dl_buf p = DL_BUF_INIT;
    dl_buf_addf(&p, "%s/" STUB, dir);
    FILE *f = fopen(p.buf, "r");
    dl_buf_release(&p);
    if (!f) {
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    }
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned i;
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        if (sscanf(line, "auto shard-%u", &i) != 1 || i != (unsigned)n) {
            n = -1;
            break;
        }
        n++;
    }
    fclose(f);
    return n > DL_SHARDS_MAX ? -1 : n;
}

int dl_shards_is_plain(const char *dir)
{
    struct dl_buf p = DL_BUF_INIT;
    struct stat st;
    dl_buf_addf(&p, "%s/iamglass", dir);
    int plain = stat(p.buf, &st) == 0;
    dl_buf_release(&p);
    return plain;
}

int dl_shards_write_stub(const char *dir, unsigned n, struct dl_error *err)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        return dl_error_set(err, DL_EIO, "cannot create '%s': %s", dir, strerror(errno));
    }
    struct dl_buf tmp = DL_BUF_INIT, path = DL_BUF_INIT;
    dl_buf_addf(&tmp, "%s/" STUB ".tmp", dir);
    dl_buf_addf(&path, "%s/" STUB, dir);
    int rc = DL_OK;
    FILE *f = fopen(tmp.buf, "w");
    if (!f) {
        rc = dl_error_set(err, DL_EIO, "cannot create '%s': %s", tmp.buf, strerror(errno));
    } else {
        fprintf(f, "# dateline index of %u shards (dateline-index --shards %u)\n", n, n);
        for (unsigned i = 0; i < n; i++) {
            fprintf(f, "auto shard-%02u\n", i);
        }
        int bad = ferror(f);
        if (fclose(f) != 0 || bad) {
            rc = dl_error_set(err, DL_EIO, "cannot write '%s': %s", tmp.buf, strerror(errno));
        } else if (rename(tmp.buf, path.buf) != 0) {
            rc = dl_error_set(err, DL_EIO, "cannot rename '%s': %s", tmp.buf, strerror(errno));
        }
    }
    dl_buf_release(&tmp);
    dl_buf_release(&path);
    return rc;
}

void dl_shards_path(const char *dir, unsigned i, struct dl_buf *out)
{
    dl_buf_reset(out);
    dl_buf_addf(out, "%s/shard-%02u", dir, i);
}

unsigned dl_shards_of(const char *id, unsigned n)
{
    return n ? (unsigned)(dl_hash64(id, strlen(id)) % n) : 0;
}

/* --- the auxiliary database ------------------------------------------------------------------ */

struct aux_fill {
    struct dl_db *aux;
    struct dl_strset have; /* the aux's spelling words and their frequencies */
    struct dl_error *err;
};

static int collect(void *ctx, const char *word, size_t len, unsigned long freq)
{
    dl_strset_add(ctx, word, len, freq > INT32_MAX ? INT32_MAX : (int)freq);
    return DL_OK;
}

/* A word of the shards' spelling tables (Xapian sums their frequencies): what aux lacks. */
static int top_up(void *ctx, const char *word, size_t len, unsigned long freq)
{
    struct aux_fill *a = ctx;
    int have = dl_strset_find(&a->have, word, len);
    unsigned long had = have < 0 ? 0 : (unsigned long)have;
    return freq > had ? dl_db_add_spelling(a->aux, word, len, (unsigned)(freq - had), a->err)
                      : DL_OK;
}

/* The metadata searchers read (schema, alias table), from the shards (the first's) into aux. */
static int copy_meta(struct dl_db *all, struct dl_db *aux, struct dl_error *err)
{
    static const char *const keys[] = {DL_META_SCHEMA, DL_META_ALIASES};
    struct dl_buf v = DL_BUF_INIT;
    int rc = DL_OK;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && rc == DL_OK; i++) {
        rc = dl_db_get_meta(all, keys[i], &v, err);
        if (rc == DL_OK) {
            rc = dl_db_set_meta(aux, keys[i], v.buf ? v.buf : "", v.len, err);
        }
    }
    dl_buf_release(&v);
    return rc;
}

/* DL_META_AUX = aux in shard i of dir, unless it is there already (no commit then). */
static int note_aux(const char *dir, unsigned i, const char *aux, struct dl_error *err)
{
    struct dl_buf path = DL_BUF_INIT, v = DL_BUF_INIT;
    struct dl_db *db = NULL;
    dl_shards_path(dir, i, &path);
    int rc = dl_db_open_read(&db, path.buf, err);
    if (rc == DL_OK) {
        rc = dl_db_get_meta(db, DL_META_AUX, &v, err);
    }
    dl_db_free(db);
    db = NULL;
    if (rc == DL_OK && (v.len != strlen(aux) || memcmp(v.buf, aux, v.len) != 0) &&
        (rc = dl_db_open_write(&db, path.buf, err)) == DL_OK) {
        rc = dl_db_set_meta(db, DL_META_AUX, aux, strlen(aux), err);
        rc = rc == DL_OK ? dl_db_commit(db, err) : rc;
    }
    dl_db_free(db);
    dl_buf_release(&path);
    dl_buf_release(&v);
    return rc;
}

int dl_shards_write_aux(const char *dir, struct dl_error *err)
{
    struct dl_buf path = DL_BUF_INIT;
    dl_buf_addf(&path, "%s/%s", dir, DL_SHARDSET_AUX);
    struct dl_db *all = NULL;
    struct aux_fill a = {NULL, DL_STRSET_INIT, err};
    int rc = dl_db_open_read(&all, dir, err);
    if (rc == DL_OK) {
        rc = dl_db_open_write(&a.aux, path.buf, err);
    }
    if (rc == DL_OK) {
        rc = dl_db_spellings(a.aux, collect, &a.have, err);
    }
    if (rc == DL_OK) {
        rc = dl_db_spellings(all, top_up, &a, err);
    }
    if (rc == DL_OK && (rc = copy_meta(all, a.aux, err)) == DL_OK) {
        rc = dl_db_commit(a.aux, err);
    }
    dl_db_free(a.aux);
    dl_db_free(all);
    dl_strset_release(&a.have);
    char *abs = rc == DL_OK ? realpath(path.buf, NULL) : NULL;
    for (unsigned i = 0; abs && rc == DL_OK && i < (unsigned)dl_shards_recorded(dir); i++) {
        rc = note_aux(dir, i, abs, err);
    }
    free(abs);
    dl_buf_release(&path);
    return rc;
}
