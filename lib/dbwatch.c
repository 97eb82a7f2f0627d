/* dbwatch.c - notice that an index was switched under its readers (see dbwatch.h). */
#include "dateline/dbwatch.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dateline/buf.h"
#include "dateline/shardset.h"

#define STUB "XAPIANDB"

/* FNV-1a over 64-bit words. */
static uint64_t add(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x100000001b3ull;
}

/*
 * Add the identity of `path` to h: a folder's device and inode (its times change with every
 * commit), a file's inode, size and times (a stub rewritten in place or renamed over). *st
 * is zeroed when it cannot be read.
 */
static uint64_t add_path(uint64_t h, const char *path, struct stat *st)
{
    if (stat(path, st) != 0) {
        memset(st, 0, sizeof *st);
        return add(h, 1);
    }
    h = add(add(h, (uint64_t)st->st_dev), (uint64_t)st->st_ino);
    if (S_ISDIR(st->st_mode)) {
        return h;
    }
    h = add(add(h, (uint64_t)st->st_size), (uint64_t)st->st_mtim.tv_sec);
    h = add(add(h, (uint64_t)st->st_mtim.tv_nsec), (uint64_t)st->st_ctim.tv_sec);
    return add(h, (uint64_t)st->st_ctim.tv_nsec);
}

/* Add a database path and, when it is a folder, its stub DIR/XAPIANDB (if any). */
static uint64_t add_db(uint64_t h, const char *path, struct dl_buf *tmp, struct stat *st)
{
    h = add_path(h, path, st);
    if (S_ISDIR(st->st_mode)) {
        dl_buf_reset(tmp);
        dl_buf_addf(tmp, "%s/" STUB, path);
        struct stat sub;
        h = add_path(h, tmp->buf, &sub);
    }
    return h;
}

uint64_t dl_dbwatch_stamp(const char *path)
{
    struct dl_buf stub = DL_BUF_INIT, dir = DL_BUF_INIT, entry = DL_BUF_INIT;
    struct stat st, sub;
    uint64_t h = add(0xcbf29ce484222325ull, 0);
    h = add_path(h, path, &st);
    int listed = S_ISREG(st.st_mode); /* a stub file */
    if (S_ISDIR(st.st_mode)) {
        dl_buf_addf(&dir, "%s", path);
        dl_buf_addf(&stub, "%s/" STUB, path);
        h = add_path(h, stub.buf, &sub);
        listed = S_ISREG(sub.st_mode);
    } else if (listed) {
        const char *slash = strrchr(path, '/');
        if (slash) {
            dl_buf_addf(&dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
        } else {
            dl_buf_addf(&dir, ".");
        }
        dl_buf_addf(&stub, "%s", path);
    }
    /* One read: a stub is a few lines (a longer one is cut, its stamp stays stable). */
    char text[8192];
    ssize_t n = 0;
    int fd = listed ? open(stub.buf, O_RDONLY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        n = read(fd, text, sizeof text - 1);
        close(fd);
    }
    text[n > 0 ? n : 0] = '\0';
    for (const char *line = text; *line;) {
        if (dl_shardset_local(line, strcspn(line, "\n"), dir.buf, &entry)) {
            h = add_db(h, entry.buf, &stub, &st); /* stub: a scratch buffer from here on */
        }
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : line + strlen(line);
    }
    if (listed) {
        dl_buf_reset(&entry); /* the auxiliary database beside a stub (shardset.h) */
        dl_buf_addf(&entry, "%s/%s", dir.buf, DL_SHARDSET_AUX);
        h = add_db(h, entry.buf, &stub, &st);
    }
    dl_buf_release(&stub);
    dl_buf_release(&dir);
    dl_buf_release(&entry);
    return h;
}
