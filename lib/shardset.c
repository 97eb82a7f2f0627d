/*
 * shardset.c - an index's shards and their health (see shardset.h).
 */
#include "dateline/shardset.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Seconds between two reopens of a worker's shard connections (dl_shardconn_refresh). */
#define REOPEN_EVERY 0.05
/* The wait before trying a failed shard again: doubling from the first to the last. */
#define FIRST_WAIT 0.25
#define LAST_WAIT 5.0

struct shard {
    char *path; /* a local shard, or NULL */
    char *host; /* a remote one: host (brackets removed) and port */
    unsigned port;
    char *name; /* as the stub names it */
    /* health, under the set's lock */
    int down;
    unsigned long failures; /* in all */
    unsigned streak;        /* failures since it last answered */
    double next_try;        /* when down: the earliest time of the next try */
};

struct dl_shardset {
    pthread_mutex_t lock;
    struct shard *v;
    size_t n;
    unsigned timeout_ms;
    char *aux;
};

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "HOST:PORT" or "[V6]:PORT" into sh; 0, or -1 when malformed. */
static int parse_remote(const char *arg, struct shard *sh)
{
    const char *colon = strrchr(arg, ':');
    char *end = NULL;
    if (!colon || colon == arg || arg[0] == ':') {
        return -1;
    }
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || port == 0 || port > 65535) {
        return -1;
    }
    const char *h = arg;
    size_t len = (size_t)(colon - arg);
    if (h[0] == '[' && len > 2 && h[len - 1] == ']') {
        h++, len -= 2;
    }
    sh->host = dl_xmemdup(h, len);
    sh->port = (unsigned)port;
    return 0;
}

int dl_shardset_local(const char *line, size_t len, const char *dir, struct dl_buf *out)
{
    const char *end = line + len;
    while (line < end && (*line == ' ' || *line == '\t')) {
        line++;
    }
    size_t type = 0;
    while (line + type < end && !strchr(" \t\r\n", line[type])) {
        type++;
    }
    const char *arg = line + type;
    while (arg < end && (*arg == ' ' || *arg == '\t')) {
        arg++;
    }
    size_t n = 0;
    while (arg + n < end && arg[n] != '\r' && arg[n] != '\n') {
        n++;
    }
    if (n == 0 || !((type == 4 && memcmp(line, "auto", 4) == 0) ||
                    (type == 5 && memcmp(line, "glass", 5) == 0))) {
        return 0; /* a remote shard, a comment, a blank or bare line */
    }
    dl_buf_reset(out);
    if (arg[0] != '/') {
        dl_buf_addf(out, "%s/", dir);
    }
    dl_buf_add(out, arg, n);
    return 1;
}

/* One line of the stub (trimmed, not a comment) into a new shard of set. As Xapian reads it,
 * a local shard's path runs to the end of the line (it may hold spaces, or a '#'). */
static int add_line(struct dl_shardset *set, const char *base, char *line, const char *stub,
                    int lineno, struct dl_error *err)
{
    struct dl_buf path = DL_BUF_INIT;
    int local = dl_shardset_local(line, strlen(line), base, &path);
    char *arg = line + strcspn(line, " \t");
    if (*arg) {
        *arg++ = '\0';
        arg += strspn(arg, " \t");
    }
    struct shard sh = {0};
    if (strcmp(line, "remote") == 0) {
        arg[strcspn(arg, " \t")] = '\0'; /* HOST:PORT, then maybe a comment (Xapian's atoi) */
    }
    if (*arg && strcmp(line, "remote") == 0 && parse_remote(arg, &sh) == 0) {
        sh.name = dl_xstrdup(arg);
    } else if (local) {
        sh.path = dl_buf_detach(&path, NULL);
        sh.name = dl_xstrdup(arg);
    } else {
        return dl_error_set(err, DL_EPARSE,
                            "cannot read shard list '%s': line %d: expected 'auto PATH' or "
                            "'remote HOST:PORT', not '%.60s %.60s'",
                            stub, lineno, line, arg);
    }
    set->v = dl_xrealloc(set->v, (set->n + 1) * sizeof *set->v);
    set->v[set->n++] = sh;
    return DL_OK;
}

static int parse_stub(struct dl_shardset *set, const char *stub, const char *base,
                      struct dl_error *err)
{
    struct dl_buf text = DL_BUF_INIT;
    int rc = dl_buf_read_file(&text, stub);
    if (rc != DL_OK) {
        dl_buf_release(&text);
        return dl_error_set(err, DL_EIO, "cannot read shard list '%s': %s", stub, strerror(-rc));
    }
    int lineno = 0;
    for (char *save = NULL, *line = strtok_r(text.buf, "\n", &save); line && rc == DL_OK;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++; /* (blank lines are skipped by strtok_r: the number is of non-blank ones) */
        line += strspn(line, " \t\r");
        if (line[0] == '#') {
            continue; /* a comment: as Xapian, only a whole line */
        }
        size_t n = strlen(line);
        while (n && isspace((unsigned char)line[n - 1])) {
            line[--n] = '\0';
        }
        if (n) {
            rc = add_line(set, base, line, stub, lineno, err);
        }
    }
    dl_buf_release(&text);
    if (rc == DL_OK && set->n == 0) {
        rc = dl_error_set(err, DL_EPARSE, "cannot read shard list '%s': it lists no shard", stub);
    }
    return rc;
}

int dl_shardset_open(struct dl_shardset **out, const char *path, unsigned timeout_ms,
                     struct dl_error *err)
{
    struct dl_buf stub = DL_BUF_INIT, base = DL_BUF_INIT;
    *out = NULL;
    if (is_dir(path)) {
        dl_buf_addf(&stub, "%s/XAPIANDB", path);
        dl_buf_adds(&base, path);
        struct stat st;
        if (stat(stub.buf, &st) != 0) {
            dl_buf_release(&stub);
            dl_buf_release(&base);
            return DL_OK; /* one database */
        }
    } else if (is_file(path)) {
        dl_buf_adds(&stub, path);
        const char *slash = strrchr(path, '/');
        dl_buf_add(&base, slash ? path : ".", slash ? (size_t)(slash - path) + (slash == path) : 1);
    } else {
        return DL_OK; /* not there: one database, and opening it says so */
    }
    struct dl_shardset *set = dl_xcalloc(1, sizeof *set);
    pthread_mutex_init(&set->lock, NULL);
    set->timeout_ms = timeout_ms ? timeout_ms : DL_SHARDSET_TIMEOUT_MS;
    int rc = parse_stub(set, stub.buf, base.buf, err);
    dl_buf_addf(&base, "/%s", DL_SHARDSET_AUX);
    if (rc == DL_OK && is_dir(base.buf)) {
        set->aux = dl_buf_detach(&base, NULL);
    }
    dl_buf_release(&stub);
    dl_buf_release(&base);
    if (rc != DL_OK) {
        dl_shardset_free(set);
        return rc;
    }
    *out = set;
    return DL_OK;
}

void dl_shardset_free(struct dl_shardset *set)
{
    if (!set) {
        return;
    }
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].path);
        free(set->v[i].host);
        free(set->v[i].name);
    }
    free(set->v);
    free(set->aux);
    pthread_mutex_destroy(&set->lock);
    free(set);
}

size_t dl_shardset_count(const struct dl_shardset *set)
{
    return set->n;
}

const char *dl_shardset_name(const struct dl_shardset *set, size_t i)
{
    return set->v[i].name;
}

int dl_shardset_has_remote(const struct dl_shardset *set)
{
    for (size_t i = 0; i < set->n; i++) {
        if (set->v[i].host) {
            return 1;
        }
    }
    return 0;
}

const char *dl_shardset_aux(const struct dl_shardset *set)
{
    return set->aux;
}

int dl_shardset_connect(const struct dl_shardset *set, size_t i, struct dl_db **out,
                        struct dl_error *err)
{
    const struct shard *sh = &set->v[i];
    if (sh->host) {
        return dl_db_open_remote(out, sh->host, sh->port, set->timeout_ms, err);
    }
    return dl_db_open_read(out, sh->path, err);
}

/* The wait before the next try of a shard that failed streak + 1 times in a row. */
static double wait_after(unsigned streak)
{
    double wait = FIRST_WAIT * (double)(1u << (streak < 5 ? streak : 5));
    return wait < LAST_WAIT ? wait : LAST_WAIT;
}

int dl_shardset_may_try(struct dl_shardset *set, size_t i, double now)
{
    struct shard *sh = &set->v[i];
    pthread_mutex_lock(&set->lock);
    int yes = !sh->down || now >= sh->next_try;
    if (sh->down && yes) {
        sh->next_try = now + wait_after(sh->streak); /* this caller's turn: not the others' */
    }
    pthread_mutex_unlock(&set->lock);
    return yes;
}

void dl_shardset_failed(struct dl_shardset *set, size_t i, const char *why, double now)
{
    struct shard *sh = &set->v[i];
    pthread_mutex_lock(&set->lock);
    int was_up = !sh->down;
    sh->failures++;
    sh->streak = was_up ? 0 : sh->streak + 1;
    sh->down = 1;
    sh->next_try = now + wait_after(sh->streak);
    pthread_mutex_unlock(&set->lock);
    if (was_up) {
        dl_log(DL_LOG_WARN, "shard %s failed, searching the others: %s", sh->name, why);
    }
}

void dl_shardset_ok(struct dl_shardset *set, size_t i)
{
    struct shard *sh = &set->v[i];
    pthread_mutex_lock(&set->lock);
    int was_down = sh->down;
    sh->down = 0;
    sh->streak = 0;
    pthread_mutex_unlock(&set->lock);
    if (was_down) {
        dl_log(DL_LOG_INFO, "shard %s answers again", sh->name);
    }
}

unsigned long dl_shardset_failures(struct dl_shardset *set, size_t i)
{
    pthread_mutex_lock(&set->lock);
    unsigned long n = set->v[i].failures;
    pthread_mutex_unlock(&set->lock);
    return n;
}

int dl_shardset_is_down(struct dl_shardset *set, size_t i)
{
    pthread_mutex_lock(&set->lock);
    int down = set->v[i].down;
    pthread_mutex_unlock(&set->lock);
    return down;
}

/* --- one thread's connections ----------------------------------------------------------------- */

struct dl_shardconn {
    struct dl_shardset *set;
    struct dl_db **parts; /* shard i's connection, or NULL while it is left out */
    unsigned long *seen;  /* shard i's failures when it was connected */
    struct dl_db *db;     /* the parts connected, as one */
    size_t up;            /* how many */
    double reopened;      /* dl_now() at the last reopen of the parts */
};

static void drop(struct dl_shardconn *c, size_t i)
{
    dl_db_free(c->parts[i]);
    c->parts[i] = NULL;
}

/* db again, over the parts connected now (it shares them: the old one goes first). */
static int rebuild(struct dl_shardconn *c, struct dl_error *err)
{
    struct dl_db **up = dl_xcalloc(c->set->n, sizeof *up);
    c->up = 0;
    for (size_t i = 0; i < c->set->n; i++) {
        if (c->parts[i]) {
            up[c->up++] = c->parts[i];
        }
    }
    dl_db_free(c->db);
    c->db = NULL;
    int rc = dl_db_combine(&c->db, up, c->up, err);
    free(up);
    return rc;
}

/* Shard i, connected or not: *changed when it joined or left; reopened when `reopen`. */
static void check_part(struct dl_shardconn *c, size_t i, double now, int reopen, int *moved,
                       int *changed, struct dl_error *e)
{
    struct dl_shardset *set = c->set;
    if (c->parts[i] && dl_shardset_failures(set, i) != c->seen[i]) {
        drop(c, i); /* another thread saw it fail: this connection is not trusted either */
        *changed = 1;
    }
    if (c->parts[i] && !reopen) {
        return;
    }
    if (c->parts[i]) {
        int m = 0;
        if (dl_db_reopen(c->parts[i], &m, e) == DL_OK) {
            *moved |= m;
            return;
        }
        dl_shardset_failed(set, i, e->msg, now);
        drop(c, i);
        *changed = 1;
    } else if (dl_shardset_may_try(set, i, now)) {
        unsigned long failures = dl_shardset_failures(set, i);
        if (dl_shardset_connect(set, i, &c->parts[i], e) == DL_OK) {
            c->seen[i] = failures;
            dl_shardset_ok(set, i);
            *changed = 1;
        } else {
            dl_shardset_failed(set, i, e->msg, now);
        }
    }
}

int dl_shardconn_refresh(struct dl_shardconn *c, int *moved, struct dl_error *err)
{
    struct dl_error e = DL_ERROR_INIT;
    int m = 0, changed = !c->db;
    double now = dl_now();
    /* A reopen is a round trip to each remote shard: at most every REOPEN_EVERY, so that
     * a busy worker does not pay it on every request (a new revision shows that much later). */
    int reopen = !c->db || now - c->reopened >= REOPEN_EVERY;
    c->reopened = reopen ? now : c->reopened;
    for (size_t i = 0; i < c->set->n; i++) {
        check_part(c, i, now, reopen, &m, &changed, &e);
    }
    int rc = changed ? rebuild(c, err) : DL_OK;
    if (moved) {
        *moved = m || changed;
    }
    if (rc == DL_OK && c->up == 0) {
        rc = dl_error_set(err, DL_ENETWORK, "no shard answers (of %zu): %s", c->set->n,
                          e.msg[0] ? e.msg : "all are waiting for their next try");
    }
    return rc;
}

int dl_shardconn_open(struct dl_shardconn **out, struct dl_shardset *set, struct dl_error *err)
{
    struct dl_shardconn *c = dl_xcalloc(1, sizeof *c);
    c->set = set;
    c->parts = dl_xcalloc(set->n, sizeof *c->parts);
    c->seen = dl_xcalloc(set->n, sizeof *c->seen);
    int rc = dl_shardconn_refresh(c, NULL, err);
    if (rc != DL_OK) {
        dl_shardconn_free(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

void dl_shardconn_free(struct dl_shardconn *c)
{
    if (!c) {
        return;
    }
    dl_db_free(c->db); /* before the parts it shares */
    for (size_t i = 0; i < c->set->n; i++) {
        dl_db_free(c->parts[i]);
    }
    free(c->parts);
    free(c->seen);
    free(c);
}

int dl_shardconn_reconnect(struct dl_shardconn *c, struct dl_error *err)
{
    dl_db_free(c->db); /* before the parts it shares */
    c->db = NULL;
    for (size_t i = 0; i < c->set->n; i++) {
        drop(c, i);
    }
    return dl_shardconn_refresh(c, NULL, err);
}

struct dl_db *dl_shardconn_db(struct dl_shardconn *c)
{
    return c->db;
}

size_t dl_shardconn_up(const struct dl_shardconn *c)
{
    return c->up;
}
