/* shards.c - a sharded index folder (see shards.h). */
#include "shards.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
