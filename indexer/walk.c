/* walk.c - enumerate readouts in folders and JSON Lines files (see walk.h). */
#include "dateline/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dateline/buf.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_jsonl(const char *path)
{
    return ends_with(path, ".jsonl") || ends_with(path, ".jsonl.gz");
}

static int is_txt(const char *name)
{
    return ends_with(name, ".txt") || ends_with(name, ".TXT");
}

char *dl_walk_origin(const char *path, struct dl_error *err)
{
    char *r = realpath(path, NULL);
    if (!r) {
        dl_error_set(err, errno == ENOENT ? DL_ENOTFOUND : DL_EIO, "cannot open '%s': %s", path,
                     strerror(errno));
        return NULL;
    }
    char *copy = dl_xstrdup(r);
    free(r);
    return copy;
}

/* Read a whole regular file into `out`. Returns 0 or an errno value. */
static int read_file(const char *path, struct dl_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return EISDIR;
    }
    if ((uint64_t)st.st_size > DL_WALK_MAX_FILE) {
        close(fd);
        return EFBIG;
    }
    dl_buf_reset(out);
    dl_buf_grow(out, (size_t)st.st_size);
    for (;;) {
        dl_buf_grow(out, 65536);
        ssize_t n = read(fd, out->buf + out->len, out->cap - out->len - 1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            close(fd);
            return e;
        }
        if (n == 0) {
            break;
        }
        out->len += (size_t)n;
        if (out->len > DL_WALK_MAX_FILE) {
            close(fd);
            return EFBIG;
        }
    }
    out->buf[out->len] = '\0';
    close(fd);
    return 0;
}

static int skip_name(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

struct folder_walk {
    const struct dl_walk_cb *cb;
    const char *origin;
    struct dl_buf path; /* current file path */
    size_t root_len;    /* bytes of path that are the folder given, plus '/' */
    struct dl_buf data;
    uint64_t done;
    int depth;
};

static int walk_dir(struct folder_walk *w)
{
    struct dirent **names;
    int n = scandir(w->path.buf, &names, skip_name, alphasort);
    if (n < 0) {
        w->cb->on_error(w->cb->ctx, w->path.buf, NULL, strerror(errno));
        return 0;
    }
    int rc = 0;
    size_t base = w->path.len;
    for (int i = 0; i < n; i++) {
        if (rc == 0) {
            dl_buf_truncate(&w->path, base);
            if (base && w->path.buf[base - 1] != '/') {
                dl_buf_addc(&w->path, '/');
            }
            dl_buf_adds(&w->path, names[i]->d_name);
            struct stat st, lst;
            if (lstat(w->path.buf, &lst) != 0) {
                w->cb->on_error(w->cb->ctx, w->path.buf, NULL, strerror(errno));
            } else if (S_ISDIR(lst.st_mode)) {
                if (w->depth < 64) {
                    w->depth++;
                    rc = walk_dir(w);
                    w->depth--;
                }
            } else if (is_txt(names[i]->d_name) &&
                       (S_ISREG(lst.st_mode) ||
                        (S_ISLNK(lst.st_mode) && stat(w->path.buf, &st) == 0 &&
                         S_ISREG(st.st_mode)))) {
                const char *id = w->path.buf + w->root_len;
                int e = read_file(w->path.buf, &w->data);
                if (e) {
                    w->cb->on_error(w->cb->ctx, w->path.buf, id,
                                    e == EFBIG ? "file too large" : strerror(e));
                } else {
                    w->done += w->data.len;
                    struct dl_walk_item it = {w->origin, id, w->path.buf, 0, w->data.buf,
                                              w->data.len, 0, w->done};
                    rc = w->cb->on_item(w->cb->ctx, &it);
                }
            }
        }
        free(names[i]);
    }
    free(names);
    dl_buf_truncate(&w->path, base);
    return rc;
}

static int walk_jsonl(const char *path, const char *origin, const struct dl_walk_cb *cb,
                      struct dl_error *err)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        return dl_error_set(err, DL_EIO, "cannot open '%s': %s", path, strerror(errno));
    }
    gzbuffer(gz, 256 * 1024);
    struct dl_buf line = DL_BUF_INIT;
    char chunk[65536];
    unsigned long lineno = 0;
    int rc = 0, eof = 0;
    while (!eof && rc == 0) {
        /* Assemble one line of any length from gzgets() chunks. */
        dl_buf_reset(&line);
        for (;;) {
            if (!gzgets(gz, chunk, sizeof chunk)) {
                int zerr;
                const char *msg = gzerror(gz, &zerr);
                if (zerr != Z_OK && zerr != Z_BUF_ERROR) {
                    rc = dl_error_set(err, DL_EIO, "cannot read '%s': %s", path, msg);
                }
                eof = 1;
                break;
            }
            size_t n = strlen(chunk);
            /* A NUL byte in the input would truncate the chunk; count it as the line's end. */
            dl_buf_add(&line, chunk, n);
            if (n && chunk[n - 1] == '\n') {
                break;
            }
            if (n < sizeof chunk - 1 && !gzeof(gz)) {
                break; /* embedded NUL: strlen stopped early */
            }
        }
        if (rc) {
            break;
        }
        if (line.len == 0 && eof) {
            break;
        }
        lineno++;
        while (line.len && (line.buf[line.len - 1] == '\n' || line.buf[line.len - 1] == '\r')) {
            line.buf[--line.len] = '\0';
        }
        size_t i = 0;
        while (i < line.len && (line.buf[i] == ' ' || line.buf[i] == '\t')) {
            i++;
        }
        if (i == line.len) {
            continue;
        }
        if (line.len > DL_WALK_MAX_FILE) {
            cb->on_error(cb->ctx, path, NULL, "line too long");
            continue;
        }
        struct dl_walk_item it = {origin, NULL, path, lineno, line.buf, line.len, 1,
                                  (uint64_t)gzoffset(gz)};
        rc = cb->on_item(cb->ctx, &it);
    }
    dl_buf_release(&line);
    gzclose(gz);
    return rc;
}

int dl_walk_probe(const char *path, uint64_t *bytes, struct dl_error *err)
{
    struct stat st;
    *bytes = 0;
    if (stat(path, &st) != 0) {
        return dl_error_set(err, errno == ENOENT ? DL_ENOTFOUND : DL_EIO, "cannot open '%s': %s",
                            path, strerror(errno));
    }
    if (S_ISREG(st.st_mode)) {
        if (!is_jsonl(path) && !is_txt(path)) {
            return dl_error_set(err, DL_EINVAL,
                                "cannot index '%s': expected a folder, a .txt, .jsonl or "
                                ".jsonl.gz file",
                                path);
        }
        *bytes = (uint64_t)st.st_size;
        return DL_OK;
    }
    if (!S_ISDIR(st.st_mode)) {
        return dl_error_set(err, DL_EINVAL, "cannot index '%s': not a file or folder", path);
    }
    /* Sum the sizes of the .txt files below, for the progress bar's ETA. */
    struct dl_buf p = DL_BUF_INIT;
    dl_buf_adds(&p, path);
    DIR *stack[64];
    size_t lens[64];
    int depth = 0;
    stack[0] = opendir(p.buf);
    lens[0] = p.len;
    if (!stack[0]) {
        int e = errno;
        dl_buf_release(&p);
        return dl_error_set(err, DL_EIO, "cannot open '%s': %s", path, strerror(e));
    }
    while (depth >= 0) {
        struct dirent *d = readdir(stack[depth]);
        if (!d) {
            closedir(stack[depth--]);
            continue;
        }
        if (d->d_name[0] == '.') {
            continue;
        }
        dl_buf_truncate(&p, lens[depth]);
        dl_buf_addc(&p, '/');
        dl_buf_adds(&p, d->d_name);
        struct stat lst;
        if (lstat(p.buf, &lst) != 0) {
            continue;
        }
        if (S_ISDIR(lst.st_mode)) {
            if (depth + 1 < 64) {
                DIR *sub = opendir(p.buf);
                if (sub) {
                    stack[++depth] = sub;
                    lens[depth] = p.len;
                }
            }
        } else if (is_txt(d->d_name)) {
            struct stat st2;
            if (stat(p.buf, &st2) == 0 && S_ISREG(st2.st_mode)) {
                *bytes += (uint64_t)st2.st_size;
            }
        }
    }
    dl_buf_release(&p);
    return DL_OK;
}

int dl_walk(const char *path, const struct dl_walk_cb *cb, struct dl_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        return dl_error_set(err, errno == ENOENT ? DL_ENOTFOUND : DL_EIO, "cannot open '%s': %s",
                            path, strerror(errno));
    }
    char *origin = dl_walk_origin(path, err);
    if (!origin) {
        return err ? err->code : DL_EIO;
    }
    int rc = DL_OK;
    if (S_ISDIR(st.st_mode)) {
        struct folder_walk w = {cb, origin, DL_BUF_INIT, 0, DL_BUF_INIT, 0, 0};
        dl_buf_adds(&w.path, path);
        while (w.path.len > 1 && w.path.buf[w.path.len - 1] == '/') {
            dl_buf_truncate(&w.path, w.path.len - 1);
        }
        w.root_len = w.path.len + 1;
        rc = walk_dir(&w);
        dl_buf_release(&w.path);
        dl_buf_release(&w.data);
    } else if (S_ISREG(st.st_mode) && is_jsonl(path)) {
        rc = walk_jsonl(path, origin, cb, err);
    } else if (S_ISREG(st.st_mode) && is_txt(path)) {
        struct dl_buf data = DL_BUF_INIT;
        const char *slash = strrchr(path, '/');
        const char *id = slash ? slash + 1 : path;
        int e = read_file(path, &data);
        if (e) {
            rc = dl_error_set(err, DL_EIO, "cannot read '%s': %s", path,
                              e == EFBIG ? "file too large" : strerror(e));
        } else {
            struct dl_walk_item it = {origin, id, path, 0, data.buf, data.len, 0, data.len};
            rc = cb->on_item(cb->ctx, &it);
        }
        dl_buf_release(&data);
    } else {
        rc = dl_error_set(err, DL_EINVAL,
                          "cannot index '%s': expected a folder, a .txt, .jsonl or .jsonl.gz file",
                          path);
    }
    free(origin);
    return rc;
}
