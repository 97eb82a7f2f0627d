/* test_shardset.c - reading stubs (every line form, comments, relative paths, errors), the
 * auxiliary database beside them, and the shared health: who may try a failed shard, when. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dateline/shardset.h"
#include "dl_test.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Each stub and what it lists: the names joined by '|', or the start of the error. */
static const struct {
    const char *text, *want;
} STUBS[] = {
    {"auto shard-00\nauto shard-01\n", "shard-00|shard-01"},
    {"# a comment\n\n  remote 127.0.0.1:33301   # trailing\r\nremote [::1]:33302\n",
     "127.0.0.1:33301|[::1]:33302"},
    {"glass /srv/x\nremote host.example:1\n", "/srv/x|host.example:1"},
    {"auto my shards/a #1 \r\n", "my shards/a #1"},
    {"", "!it lists no shard"},
    {"# only comments\n", "!it lists no shard"},
    {"remote :xapian-progsrv /db\n", "!line 1: expected"},
    {"remote 127.0.0.1\n", "!line 1: expected"},
    {"remote 127.0.0.1:0\n", "!line 1: expected"},
    {"remote 127.0.0.1:65536\n", "!line 1: expected"},
    {"auto a\nremote h:12x\n", "!line 2: expected"},
    {"inmemory\n", "!line 1: expected"},
    {"auto\n", "!line 1: expected"},
};

static void test_stubs(void)
{
    char stub[128];
    snprintf(stub, sizeof stub, "%s/x.stub", dir);
    for (size_t i = 0; i < sizeof STUBS / sizeof STUBS[0]; i++) {
        write_file("x.stub", STUBS[i].text);
        struct dl_shardset *set = NULL;
        struct dl_error err = DL_ERROR_INIT;
        int rc = dl_shardset_open(&set, stub, 0, &err);
        char got[256] = "";
        if (rc != DL_OK) {
            const char *at = strstr(err.msg, STUBS[i].want + 1);
            snprintf(got, sizeof got, "!%s", at ? STUBS[i].want + 1 : err.msg);
            CHECK(rc == DL_EPARSE && set == NULL, "stub %zu: DL_EPARSE, no set", i);
        }
        for (size_t k = 0; set && k < dl_shardset_count(set); k++) {
            size_t n = strlen(got);
            snprintf(got + n, sizeof got - n, "%s%s", k ? "|" : "", dl_shardset_name(set, k));
        }
        CHECK_STR(got, STUBS[i].want, "stub %zu", i);
        dl_shardset_free(set);
    }
    dl_shardset_free(NULL);
}

static void test_paths(void)
{
    struct dl_shardset *set = NULL;
    struct dl_error err = DL_ERROR_INIT;
    char path[128];
    snprintf(path, sizeof path, "%s/missing.stub", dir);
    /* not a stub: opening it as a database gives "cannot open index ... build it" */
    CHECK(dl_shardset_open(&set, path, 0, &err) == DL_OK && set == NULL,
          "a path that is not there is no stub: no set");
    write_file("x.stub", "auto a\n");
    snprintf(path, sizeof path, "%s/x.stub/sub", dir);
    CHECK(dl_shardset_open(&set, path, 0, &err) == DL_OK && set == NULL,
          "nor is a path under a file");
    /* the local lines dbwatch.c reads too: the path to the end of the line, CR dropped */
    struct dl_buf out = DL_BUF_INIT;
    static const char line[] = "  glass my db\r\nauto next";
    CHECK(dl_shardset_local(line, sizeof line - 1, "/srv", &out) == 1 &&
              strcmp(out.buf, "/srv/my db") == 0,
          "a local line: %s", out.buf);
    CHECK(dl_shardset_local("remote h:1", 10, "/srv", &out) == 0 &&
              dl_shardset_local("# auto x", 8, "/srv", &out) == 0 &&
              dl_shardset_local("auto", 4, "/srv", &out) == 0,
          "remote, comment and bare lines are not local ones");
    dl_buf_release(&out);
    CHECK(dl_shardset_open(&set, dir, 0, &err) == DL_OK && set == NULL,
          "a folder without XAPIANDB is one database: no set");
    write_file("XAPIANDB", "auto shard-00\n");
    CHECK(dl_shardset_open(&set, dir, 0, &err) == DL_OK && set && dl_shardset_count(set) == 1,
          "a folder with XAPIANDB is a stub");
    CHECK(set && dl_shardset_aux(set) == NULL, "no aux folder: no auxiliary database");
    dl_shardset_free(set);
    snprintf(path, sizeof path, "%s/aux", dir);
    mkdir(path, 0700);
    CHECK(dl_shardset_open(&set, dir, 0, &err) == DL_OK && set && dl_shardset_aux(set) &&
              strcmp(dl_shardset_aux(set), path) == 0,
          "the aux folder beside the stub is the auxiliary database");
    /* A local shard's path is the stub's folder's: connecting opens it (and fails: none). */
    struct dl_db *db = NULL;
    CHECK(set && dl_shardset_connect(set, 0, &db, &err) != DL_OK && db == NULL &&
              strstr(err.msg, "shard-00"),
          "connecting to a shard that is not there fails, naming it: %s", err.msg);
    dl_shardset_free(set);
}

/* One shard's turns: up, failed, tried by one caller after the wait, failed again (a longer
 * wait), back up. */
static void test_health(void)
{
    char stub[128];
    snprintf(stub, sizeof stub, "%s/h.stub", dir);
    write_file("h.stub", "remote 127.0.0.1:1\nremote 127.0.0.1:2\n");
    struct dl_shardset *set = NULL;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_shardset_open(&set, stub, 50, &err) == DL_OK && set, "open: %s", err.msg);
    if (!set) {
        return;
    }
    double t = 1000.0;
    CHECK(dl_shardset_may_try(set, 0, t) && dl_shardset_may_try(set, 0, t) &&
              !dl_shardset_is_down(set, 0) && dl_shardset_failures(set, 0) == 0,
          "an up shard may be used by everyone");
    dl_shardset_failed(set, 0, "refused", t);
    CHECK(dl_shardset_is_down(set, 0) && dl_shardset_failures(set, 0) == 1 &&
              !dl_shardset_is_down(set, 1),
          "failed: down, one failure, the other shard untouched");
    CHECK(!dl_shardset_may_try(set, 0, t + 0.2), "not tried before 250 ms");
    CHECK(dl_shardset_may_try(set, 0, t + 0.3) && !dl_shardset_may_try(set, 0, t + 0.3),
          "after it, one caller tries; the others wait");
    dl_shardset_failed(set, 0, "refused again", t + 0.3);
    CHECK(!dl_shardset_may_try(set, 0, t + 0.7) && dl_shardset_may_try(set, 0, t + 0.9),
          "failing again: the next try after 500 ms");
    for (int i = 0; i < 10; i++) {
        dl_shardset_failed(set, 0, "still refused", t + 1);
    }
    CHECK(dl_shardset_may_try(set, 0, t + 100) && !dl_shardset_may_try(set, 0, t + 104.9) &&
              dl_shardset_may_try(set, 0, t + 105.1),
          "the wait stops growing at 5 s");
    dl_shardset_ok(set, 0);
    CHECK(!dl_shardset_is_down(set, 0) && dl_shardset_may_try(set, 0, t + 106) &&
              dl_shardset_may_try(set, 0, t + 106) && dl_shardset_failures(set, 0) == 12,
          "answered: up for everyone; its failures stay counted");
    struct dl_db *db = NULL;
    CHECK(dl_shardset_connect(set, 1, &db, &err) == DL_ENETWORK && db == NULL &&
              strstr(err.msg, "127.0.0.1:2"),
          "a remote shard that does not listen: DL_ENETWORK, naming it: %s", err.msg);
    dl_shardset_free(set);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/dl_test_shardset_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_stubs();
    test_paths();
    test_health();
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return dl_test_report();
}
