/*
 * test_dbwatch.c - the stamp of the files an index is opened through: what changes it (a
 * folder renamed into place, a stub rewritten, a listed replica's stub rewritten, a path
 * appearing) and what does not (a commit's new files, another call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dateline/dbwatch.h"
#include "dl_test.h"

static char root[] = "/tmp/dl-dbwatch-XXXXXX";

static const char *at(const char *rel)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", root, rel);
    return p;
}

/* Write `text` to rel through a temporary file and a rename, as Xapian and dateline do. */
static void put(const char *rel, const char *text)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", at(rel));
    FILE *f = fopen(tmp, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, at(rel)) != 0) {
        perror(tmp);
        exit(1);
    }
}

static void dir(const char *rel)
{
    mkdir(at(rel), 0755);
}

enum { SAME, CHANGED };

/* One step: what it does to the files under root, and whether the stamp of the path moves. */
struct step {
    const char *what;
    const char *path; /* relative to root */
    void (*act)(void);
    int want;
};

static void nothing(void) {}

static void commit_plain(void)
{
    put("plain/iamglass", "revision 2"); /* a commit: new files in the folder */
    put("plain/changes1", "a changeset");
}

static void swap_plain(void)
{
    dir("plain.merged");
    put("plain.merged/iamglass", "merged");
    rename(at("plain"), at("plain.old"));
    rename(at("plain.merged"), at("plain"));
}

static void switch_replica(void)
{
    dir("replica/replica_1");
    put("replica/XAPIANDB", "# by xapian-replicate\nauto replica_1\n");
}

static void rewrite_replica_same(void)
{
    put("replica/XAPIANDB", "# by xapian-replicate\nauto replica_1\n");
}

static void commit_replica(void)
{
    put("replica/replica_1/iamglass", "revision 3");
}

static void switch_shard(void)
{
    put("sharded/shard-01/XAPIANDB", "auto replica_0\n");
}

static void commit_shard(void)
{
    put("sharded/shard-00/iamglass", "revision 9");
}

static void switch_stubfile_part(void)
{
    put("parts/b/XAPIANDB", "auto replica_1\n");
}

static void switch_spaced(void)
{
    put("spaced/my shard/XAPIANDB", "auto replica_1\n");
}

static void switch_aux(void)
{
    put("sharded/aux/XAPIANDB", "auto replica_1\n");
}

static void commit_aux(void)
{
    put("sharded/aux/replica_1", "revision 2");
}

static void create_missing(void)
{
    dir("later");
}

int main(void)
{
    if (!mkdtemp(root)) {
        perror(root);
        return 1;
    }
    dir("plain");
    put("plain/iamglass", "revision 1");
    dir("replica");
    dir("replica/replica_0");
    put("replica/XAPIANDB", "# by xapian-replicate\nauto replica_0\n");
    dir("sharded");
    put("sharded/XAPIANDB", "# dateline index of 2 shards\nauto shard-00\nauto shard-01\n"
                            "remote 127.0.0.1:1\n\n");
    dir("sharded/shard-00");
    put("sharded/shard-00/iamglass", "revision 1");
    dir("sharded/shard-01");
    put("sharded/shard-01/XAPIANDB", "auto replica_1\n");
    dir("sharded/aux");
    put("sharded/aux/XAPIANDB", "auto replica_0\n");
    dir("parts");
    dir("parts/b");
    put("parts/b/XAPIANDB", "auto replica_0\n");
    put("parts.stub", "glass parts/b\n");
    dir("spaced");
    dir("spaced/my shard");
    put("spaced/my shard/XAPIANDB", "auto replica_0\n");
    put("spaced/XAPIANDB", "  auto   my shard\r\n");

    static const struct step steps[] = {
        {"another call", "plain", nothing, SAME},
        {"a commit in a plain index", "plain", commit_plain, SAME},
        {"a merged index renamed into place", "plain", swap_plain, CHANGED},
        {"a replica switched to its other folder", "replica", switch_replica, CHANGED},
        {"its stub written again, the same text", "replica", rewrite_replica_same, CHANGED},
        {"a changeset applied to the replica", "replica", commit_replica, SAME},
        {"a commit in a shard", "sharded", commit_shard, SAME},
        {"a shard that is a replica switched", "sharded", switch_shard, CHANGED},
        {"the auxiliary database beside the stub, a replica, switched", "sharded", switch_aux,
         CHANGED},
        {"a commit in the auxiliary database", "sharded", commit_aux, SAME},
        {"a stub file's listed replica switched", "parts.stub", switch_stubfile_part, CHANGED},
        {"a listed path with a space, its replica switched", "spaced", switch_spaced, CHANGED},
        {"a missing path, called again", "later", nothing, SAME},
        {"the missing path created", "later", create_missing, CHANGED},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        const struct step *s = &steps[i];
        uint64_t before = dl_dbwatch_stamp(at(s->path));
        s->act();
        uint64_t after = dl_dbwatch_stamp(at(s->path));
        CHECK((before != after) == (s->want == CHANGED), "%s: the stamp of %s %s", s->what, s->path,
              s->want == CHANGED ? "changes" : "stays");
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0, "cleaned up");
    return dl_test_report();
}
