/*
 * scrape.c - GET /metrics: the counters (metrics.h), the index and the
 * process, in Prometheus' text format (see scrape.h).
 */
#include "dateline/scrape.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dateline/db.h"
#include "dateline/metrics.h"
#include "dateline/prom.h"
#include "dateline/config.h"
#include "dateline/searcher.h"
#include "dateline/shardset.h"
#include "dateline/worker.h"

/* --- the scrape: the process (from /proc/self, as Prometheus' client libraries do) ---- */

struct proc_stat {
    double cpu_seconds;   /* user + system */
    double start_time;    /* unix seconds */
    double virtual_bytes; /* vsize */
    double resident_bytes;
};

/* The system's boot time (unix seconds) from /proc/stat's btime, or 0. */
static double boot_time(void)
{
    FILE *f = fopen("/proc/stat", "re");
    if (!f) {
        return 0;
    }
    char line[256];
    unsigned long long btime = 0;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "btime %llu", &btime) == 1) {
            break;
        }
    }
    fclose(f);
    return (double)btime;
}

/* Fields 14-15 (utime, stime), 22 (starttime), 23 (vsize) and 24 (rss) of /proc/self/stat,
 * counted after the command name, which may hold spaces and parentheses. */
static int read_proc_stat(struct proc_stat *ps)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "re");
    if (!f) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long utime, stime, start, vsize;
    long long rss;
    if (!p || sscanf(p + 1,
                     " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
                     "%*d %*d %llu %llu %lld",
                     &utime, &stime, &start, &vsize, &rss) != 5) {
        return -1;
    }
    double tick = (double)sysconf(_SC_CLK_TCK);
    ps->cpu_seconds = (double)(utime + stime) / tick;
    ps->start_time = boot_time() + (double)start / tick;
    ps->virtual_bytes = (double)vsize;
    ps->resident_bytes = (double)rss * (double)sysconf(_SC_PAGESIZE);
    return 0;
}

/* Open file descriptors: the entries of /proc/self/fd but the one reading it. */
static long open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        return -1;
    }
    long n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n - 1;
}

static void gauge(struct dl_buf *b, const char *name, const char *type, const char *help, double v)
{
    dl_prom_family(b, name, type, help);
    dl_prom_sample(b, name, NULL, 0, v);
}

static void write_process(struct dl_buf *b)
{
    struct proc_stat ps;
    if (read_proc_stat(&ps) == 0) {
        gauge(b, "process_cpu_seconds_total", "counter",
              "Total user and system CPU time spent in seconds.", ps.cpu_seconds);
        gauge(b, "process_start_time_seconds", "gauge",
              "Start time of the process since unix epoch in seconds.", ps.start_time);
        gauge(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
              ps.virtual_bytes);
        gauge(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
              ps.resident_bytes);
    }
    long fds = open_fds();
    if (fds >= 0) {
        gauge(b, "process_open_fds", "gauge", "Number of open file descriptors.", (double)fds);
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        gauge(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
              rl.rlim_cur == RLIM_INFINITY ? INFINITY : (double)rl.rlim_cur);
    }
}

/* --- the scrape: the index, and the route --------------------------------------------- */

/* A sharded index's shards: 1 for each that answers, 0 for each left out (shardset.h). */
static void write_shards(struct dl_shardset *set, struct dl_buf *b)
{
    if (!set) {
        return;
    }
    dl_prom_family(b, "dateline_shard_up", "gauge",
                   "1 when the shard answers, 0 when searches leave it out.");
    for (size_t i = 0; i < dl_shardset_count(set); i++) {
        struct dl_prom_label l = {"shard", dl_shardset_name(set, i)};
        dl_prom_sample_u(b, "dateline_shard_up", &l, 1, !dl_shardset_is_down(set, i));
    }
    dl_prom_family(b, "dateline_shard_failures_total", "counter",
                   "Failures of the shard (broken connections, timeouts) since the start.");
    for (size_t i = 0; i < dl_shardset_count(set); i++) {
        struct dl_prom_label l = {"shard", dl_shardset_name(set, i)};
        dl_prom_sample_u(b, "dateline_shard_failures_total", &l, 1,
                         dl_shardset_failures(set, i));
    }
}

/* Documents and revision of the newest revision; nothing (and a log line) without an index. */
static void write_index(struct dl_request *rq, struct dl_buf *b)
{
    struct dl_error err = DL_ERROR_INIT;
    unsigned long docs = 0;
    int rc = dl_worker_refresh(rq->w, rq->cfg, &err);
    if (rc == DL_OK) {
        rc = dl_db_doccount(dl_searcher_db(rq->w->searcher), &docs, &err);
    }
    if (rc != DL_OK) {
        dl_log(DL_LOG_WARN, "/metrics: no index gauges: %s", err.msg);
        return;
    }
    if (rq->w->reopened) {
        dl_metrics_reopened(rq->metrics);
        rq->w->reopened = 0;
    }
    gauge(b, "dateline_index_documents", "gauge", "Documents in the index revision served.",
          (double)docs);
    gauge(b, "dateline_index_revision", "gauge", "The index revision served.",
          (double)dl_db_revision(dl_searcher_db(rq->w->searcher)));
    write_shards(rq->cfg->shards, b);
}

int dl_scrape_serve(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    (void)err;
    struct dl_buf *b = &rep->body;
    rep->type = DL_PROM_CONTENT_TYPE;
    write_index(rq, b); /* first: it may note a reopen */
    dl_metrics_write(rq->metrics, b);
    write_process(b);
    return DL_OK;
}
