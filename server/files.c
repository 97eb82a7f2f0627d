/*
 * files.c - /static/: the files of the web folder, with their type, an
 * ETag and a 304 for a client that has the file already; /api/openapi.json,
 * one of them.
 */
#include "dateline/files.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dateline/config.h"

static const char *content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".json", "application/json"},
        {".html", "text/html; charset=utf-8"},
        {".woff2", "font/woff2"},
        {".webmanifest", "application/manifest+json"},
    };
    const char *dot = strrchr(name, '.');
    if (dot && !strchr(dot, '/')) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            if (strcmp(dot, types[i].ext) == 0) {
                return types[i].type;
            }
        }
    }
    return "application/octet-stream";
}

static int has_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        if (strncasecmp(s + i, needle, m) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * Could rel (decoded) or raw (as sent) name anything outside the web
 * folder, or a hidden file? Encoded dots and slashes are refused outright.
 */
static int suspicious(const char *raw, size_t raw_len, const char *rel, size_t rel_len)
{
    return rel_len == 0 || has_ci(raw, raw_len, "%2e") || has_ci(raw, raw_len, "%2f") ||
           has_ci(raw, raw_len, "%5c") || has_ci(raw, raw_len, "%00") ||
           memchr(rel, '\0', rel_len) || strstr(rel, "..") || strstr(rel, "//") ||
           strchr(rel, '\\') || rel[0] == '.' || strstr(rel, "/.");
}

/* The regular file `rel` of the web folder, opened; -1 if there is none (or it leads out). */
static int open_inside(const char *web_dir, const char *rel, struct stat *st)
{
    struct dl_buf path = DL_BUF_INIT;
    dl_buf_addf(&path, "%s/%s", web_dir, rel);
    int fd = open(path.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    dl_buf_release(&path);
    if (fd < 0 || fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    /* What was opened is checked again by its real path: this catches symbolic links in
     * intermediate folders, which O_NOFOLLOW does not. */
    char proc[64], real[PATH_MAX];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    size_t wl = strlen(web_dir);
    if (!realpath(proc, real) || strncmp(real, web_dir, wl) != 0 || real[wl] != '/') {
        close(fd);
        return -1;
    }
    /* Blocking reads again: MHD reads the file itself (sendfile). */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int dl_files_serve(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    const char *rel = rq->arg;
    if (suspicious(rq->raw_arg, rq->raw_arg_len, rel, rq->arg_len)) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "invalid static file path");
        return DL_OK;
    }
    struct stat st;
    int fd = open_inside(rq->cfg->web_dir, rel, &st);
    if (fd < 0) {
        dl_reply_error(rep, DL_HTTP_NOT_FOUND, "not_found", "no static file '%s'", rel);
        return DL_OK;
    }
    snprintf(rep->etag, sizeof rep->etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtime);
    rep->type = content_type(rel);
    rep->cache = "public, max-age=3600";
    if (rq->if_none_match && strstr(rq->if_none_match, rep->etag)) {
        close(fd);
        rep->status = DL_HTTP_NOT_MODIFIED;
        return DL_OK;
    }
    rep->fd = fd;
    rep->fd_size = (uint64_t)st.st_size;
    return DL_OK;
}

int dl_files_openapi(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    static const char name[] = "openapi.json";
    rq->arg = rq->raw_arg = name;
    rq->arg_len = rq->raw_arg_len = sizeof name - 1;
    return dl_files_serve(rq, rep, err);
}
