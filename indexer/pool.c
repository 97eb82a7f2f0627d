/* pool.c - several writer threads filling shards of a fresh index (see pool.h). */
#include "dateline/pool.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dateline/buf.h"
#include "dateline/db.h"
#include "dateline/store.h"

#define QUEUE_CAP 64 /* readouts waiting per worker: enough to ride out a slow parse */

struct job {
    struct dl_readout doc; /* owned */
    char *origin;          /* owned */
    char hash[64];
    size_t bytes;
};

struct worker {
    struct dl_pool *pool;
    pthread_t thread;
    int started;         /* thread was created */
    char *path;          /* shard directory (owned) */
    struct dl_store *db; /* the shard's writer */
    struct job queue[QUEUE_CAP];
    size_t head, count; /* ring buffer of jobs */
    int closing;        /* no more jobs will come */
    pthread_cond_t nonempty, nonfull;
    unsigned long pending; /* changes since the shard's last commit */
    uint64_t pending_bytes;
};

struct dl_pool {
    struct dl_pool_config cfg;
    char *shards_dir; /* DIR.shards (owned) */
    struct worker *w;
    unsigned n;
    pthread_mutex_t lock; /* guards queues, stats and failure */
    struct dl_pool_stats stats;
    int failed;          /* a worker's writer failed */
    struct dl_error err; /* its error */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int dl_remove_tree(const char *path, struct dl_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT) {
        return DL_OK;
    }
    if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        return dl_error_set(err, DL_EIO, "cannot remove '%s': %s", path, strerror(errno));
    }
    return DL_OK;
}

static void fail(struct dl_pool *p, const struct dl_error *e)
{
    pthread_mutex_lock(&p->lock);
    if (!p->failed) {
        p->failed = 1;
        p->err = *e;
    }
    for (unsigned i = 0; i < p->n; i++) {
        pthread_cond_broadcast(&p->w[i].nonfull);
    }
    pthread_mutex_unlock(&p->lock);
}

static int commit_shard(struct worker *w, struct dl_error *e)
{
    if (!w->pending) {
        return DL_OK;
    }
    int rc = dl_store_commit(w->db, e);
    w->pending = 0;
    w->pending_bytes = 0;
    return rc;
}

/* Index one job into the worker's shard; returns DL_OK or a writer failure. */
static int index_job(struct worker *w, struct job *j, struct dl_buf *stored, struct dl_error *e)
{
    struct dl_pool *p = w->pool;
    int rc = dl_store_get_hash(dl_store_db(w->db), j->doc.id, stored, e);
    int existed = rc == DL_OK;
    if (rc != DL_OK && rc != DL_ENOTFOUND) {
        return rc;
    }
    if (existed && strcmp(stored->buf, j->hash) == 0) {
        pthread_mutex_lock(&p->lock);
        p->stats.unchanged++;
        pthread_mutex_unlock(&p->lock);
        return DL_OK;
    }
    rc = dl_store_put(w->db, &j->doc, j->origin, j->hash, e);
    if (rc == DL_EINVAL) {
        fprintf(stderr, "dateline-index: cannot index '%s': %s\n", j->doc.id, e->msg);
        pthread_mutex_lock(&p->lock);
        p->stats.skipped++;
        pthread_mutex_unlock(&p->lock);
        return DL_OK;
    }
    if (rc != DL_OK) {
        return rc;
    }
    pthread_mutex_lock(&p->lock);
    existed ? (void)p->stats.updated++ : (void)p->stats.added++;
    pthread_mutex_unlock(&p->lock);
    w->pending++;
    w->pending_bytes += j->bytes;
    if (w->pending >= p->cfg.batch_docs || w->pending_bytes >= p->cfg.batch_bytes) {
        return commit_shard(w, e);
    }
    return DL_OK;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct dl_pool *p = w->pool;
    struct dl_buf stored = DL_BUF_INIT;
    struct dl_error e = DL_ERROR_INIT;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (w->count == 0 && !w->closing && !p->failed) {
            pthread_cond_wait(&w->nonempty, &p->lock);
        }
        if (p->failed || (w->count == 0 && w->closing)) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        struct job j = w->queue[w->head];
        w->head = (w->head + 1) % QUEUE_CAP;
        w->count--;
        pthread_cond_signal(&w->nonfull);
        pthread_mutex_unlock(&p->lock);

        int rc = index_job(w, &j, &stored, &e);
        dl_readout_release(&j.doc);
        free(j.origin);
        if (rc != DL_OK) {
            fail(p, &e);
            break;
        }
    }
    if (!p->failed && commit_shard(w, &e) != DL_OK) {
        fail(p, &e);
    }
    dl_buf_release(&stored);
    return NULL;
}

int dl_pool_new(struct dl_pool **out, const struct dl_pool_config *cfg, struct dl_error *err)
{
    *out = NULL;
    struct dl_pool *p = dl_xcalloc(1, sizeof *p);
    p->cfg = *cfg;
    p->n = cfg->workers;
    p->w = dl_xcalloc(p->n, sizeof *p->w);
    pthread_mutex_init(&p->lock, NULL);
    struct dl_buf b = DL_BUF_INIT;
    dl_buf_addf(&b, "%s.shards", cfg->dir);
    p->shards_dir = dl_buf_detach(&b, NULL);
    /* Leftovers of a killed run are of no use: the index they were for is still empty. */
    int rc = dl_remove_tree(p->shards_dir, err);
    if (rc == DL_OK && mkdir(p->shards_dir, 0755) != 0) {
        rc = dl_error_set(err, DL_EIO, "cannot create '%s': %s", p->shards_dir, strerror(errno));
    }
    for (unsigned i = 0; rc == DL_OK && i < p->n; i++) {
        struct worker *w = &p->w[i];
        w->pool = p;
        dl_buf_addf(&b, "%s/%u", p->shards_dir, i);
        w->path = dl_buf_detach(&b, NULL);
        pthread_cond_init(&w->nonempty, NULL);
        pthread_cond_init(&w->nonfull, NULL);
        rc = dl_store_open(&w->db, w->path, err);
        if (rc == DL_OK) {
            dl_store_set_spelling(w->db, cfg->spelling);
            rc = dl_store_set_aliases(w->db, cfg->aliases, cfg->alias_text, cfg->alias_len, NULL,
                                      err);
        }
        if (rc == DL_OK) {
            w->pending = 1; /* the shard's metadata needs a commit even if it gets no readout */
            if (pthread_create(&w->thread, NULL, work, w) != 0) {
                rc = dl_error_set(err, DL_EIO, "cannot start a writer thread: %s", strerror(errno));
            } else {
                w->started = 1;
            }
        }
    }
    if (rc != DL_OK) {
        dl_pool_free(p);
        return rc;
    }
    *out = p;
    return DL_OK;
}

int dl_pool_put(struct dl_pool *p, struct dl_readout *doc, const char *origin, const char *hash,
                size_t bytes)
{
    struct worker *w = &p->w[dl_hash64(doc->id, strlen(doc->id)) % p->n];
    pthread_mutex_lock(&p->lock);
    while (w->count == QUEUE_CAP && !p->failed) {
        pthread_cond_wait(&w->nonfull, &p->lock);
    }
    if (p->failed) {
        pthread_mutex_unlock(&p->lock);
        dl_readout_release(doc);
        return DL_EIO;
    }
    struct job *j = &w->queue[(w->head + w->count) % QUEUE_CAP];
    j->doc = *doc;
    memset(doc, 0, sizeof *doc);
    j->origin = dl_xstrdup(origin);
    snprintf(j->hash, sizeof j->hash, "%s", hash);
    j->bytes = bytes;
    w->count++;
    pthread_cond_signal(&w->nonempty);
    pthread_mutex_unlock(&p->lock);
    return DL_OK;
}

void dl_pool_stats(struct dl_pool *p, struct dl_pool_stats *st)
{
    pthread_mutex_lock(&p->lock);
    *st = p->stats;
    pthread_mutex_unlock(&p->lock);
}

static void stop(struct dl_pool *p)
{
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < p->n; i++) {
        p->w[i].closing = 1;
        pthread_cond_signal(&p->w[i].nonempty);
    }
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->n; i++) {
        if (p->w[i].started) {
            pthread_join(p->w[i].thread, NULL);
            p->w[i].started = 0;
        }
    }
}

int dl_pool_finish(struct dl_pool *p, struct dl_error *err)
{
    stop(p);
    for (unsigned i = 0; i < p->n; i++) {
        dl_store_free(p->w[i].db); /* committed by its thread; nothing is pending */
        p->w[i].db = NULL;
    }
    if (p->failed) {
        if (err) {
            *err = p->err;
        }
        return p->err.code ? p->err.code : DL_EIO;
    }
    return DL_OK;
}

int dl_pool_merge(struct dl_pool *p, const char *dest, struct dl_error *err)
{
    const char **srcs = dl_xcalloc(p->n, sizeof *srcs);
    for (unsigned i = 0; i < p->n; i++) {
        srcs[i] = p->w[i].path;
    }
    int rc = dl_db_compact(srcs, p->n, dest, err);
    free(srcs);
    return rc;
}

void dl_pool_free(struct dl_pool *p)
{
    if (!p) {
        return;
    }
    stop(p);
    for (unsigned i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        dl_store_free(w->db);
        for (size_t k = 0; k < w->count; k++) {
            struct job *j = &w->queue[(w->head + k) % QUEUE_CAP];
            dl_readout_release(&j->doc);
            free(j->origin);
        }
        if (w->path) {
            pthread_cond_destroy(&w->nonempty);
            pthread_cond_destroy(&w->nonfull);
        }
        free(w->path);
    }
    dl_remove_tree(p->shards_dir, NULL);
    free(p->shards_dir);
    free(p->w);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
