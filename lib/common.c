/* common.c - errors, allocation, logging (see common.h). */
#include "dateline/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int dl_log_level = DL_LOG_INFO;
int dl_log_time;

int dl_error_set(struct dl_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *dl_status_name(int code)
{
    switch (code) {
    case DL_OK: return "ok";
    case DL_EIO: return "io";
    case DL_EPARSE: return "parse";
    case DL_EINVAL: return "invalid";
    case DL_ENOTFOUND: return "not_found";
    case DL_EXAPIAN: return "xapian";
    case DL_ELOCKED: return "locked";
    case DL_EMODIFIED: return "modified";
    case DL_EENCODING: return "encoding";
    case DL_ELIMIT: return "limit";
    case DL_ETIMEOUT: return "timeout";
    case DL_ENETWORK: return "network";
    default: return "error";
    }
}

static void oom(size_t n)
{
    fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
    abort();
}

void *dl_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        oom(n);
    }
    return p;
}

void *dl_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p) {
        oom(nmemb * size);
    }
    return p;
}

void *dl_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        oom(n);
    }
    return q;
}

char *dl_xstrdup(const char *s)
{
    return dl_xmemdup(s, strlen(s));
}

char *dl_xstrndup(const char *s, size_t n)
{
    const char *end = memchr(s, '\0', n);
    return dl_xmemdup(s, end ? (size_t)(end - s) : n);
}

void *dl_xmemdup(const void *p, size_t n)
{
    char *q = dl_xmalloc(n + 1);
    if (n) {
        memcpy(q, p, n);
    }
    q[n] = '\0';
    return q;
}

void dl_log(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (level > dl_log_level) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char line[2048];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    char stamp[32] = "";
    if (dl_log_time) {
        dl_log_stamp(stamp, sizeof stamp);
    }
    /* One write per line so that lines from several threads do not interleave. */
    if (level == DL_LOG_INFO) {
        fprintf(stderr, "%s%s\n", stamp, line);
    } else {
        fprintf(stderr, "%s%s: %s\n", stamp, names[level < 0 ? 0 : level > 3 ? 3 : level], line);
    }
}

size_t dl_log_stamp(char *out, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    if (cap < 22 || !gmtime_r(&now, &tm)) {
        return 0;
    }
    return strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ ", &tm);
}

double dl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
