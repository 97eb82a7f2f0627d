/*
 * metrics.c - the server's counters and the GET /metrics scrape (see
 * metrics.h).
 */
#include "dateline/metrics.h"

#include <stdatomic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dateline/prom.h"

/*
 * Latency buckets, in seconds: a search answers in a few milliseconds, a
 * slow one in tens or hundreds; --query-timeout defaults to seconds.
 */
static const double bucket_le[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                   0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof bucket_le / sizeof bucket_le[0])

/* Statuses 100..599 each have a counter: no lookup on the hot path. */
#define STATUS_MIN 100
#define NSTATUS 500

/* One route's counters (one more for the paths no route takes). */
struct route_counts {
    atomic_ulong status[NSTATUS];
    atomic_ulong bucket[NBUCKETS + 1]; /* not cumulative; [NBUCKETS]: above the last bound */
    atomic_ullong sum_ns;              /* latencies, in nanoseconds */
    atomic_ullong bytes;               /* body bytes sent */
};

/* Requests refused before routing, by why (a status only these refusals produce). */
static const struct {
    unsigned status;
    const char *reason;
} rejections[] = {
    {DL_HTTP_MISDIRECTED_REQUEST, "misdirected"},
    {DL_HTTP_URI_TOO_LONG, "uri_too_long"},
    {DL_HTTP_CONTENT_TOO_LARGE, "body_too_large"},
};
#define NREJECTIONS (sizeof rejections / sizeof rejections[0])

struct dl_metrics {
    const char *const *names;           /* the routes' labels (borrowed), nroutes - 1 */
    size_t nroutes;                     /* the routes + 1 ("unmatched") */
    struct route_counts *routes;        /* nroutes of them */
    atomic_long inflight;               /* requests begun and not ended */
    atomic_ulong timeouts;              /* searches cut short by --query-timeout */
    atomic_ulong rate_limited;          /* 429s */
    atomic_ulong rejected[NREJECTIONS]; /* by rejections[] */
    atomic_ulong refused_connections;   /* closed at accept while stopping */
    atomic_llong reopened_ms;           /* unix milliseconds of the last reopen, 0: none */
};

#define ADD(counter, n) atomic_fetch_add_explicit(&(counter), (n), memory_order_relaxed)
#define LOAD(counter) atomic_load_explicit(&(counter), memory_order_relaxed)

struct dl_metrics *dl_metrics_new(const char *const *routes, size_t nroutes)
{
    struct dl_metrics *m = dl_xcalloc(1, sizeof *m);
    m->names = routes;
    m->nroutes = nroutes + 1;
    /* calloc's zero bytes are zero atomics on every platform we build for (lock-free ints) */
    m->routes = dl_xcalloc(m->nroutes, sizeof *m->routes);
    return m;
}

void dl_metrics_free(struct dl_metrics *m)
{
    if (!m) {
        return;
    }
    free(m->routes);
    free(m);
}

void dl_metrics_begin(struct dl_metrics *m)
{
    ADD(m->inflight, 1);
}

void dl_metrics_end(struct dl_metrics *m, size_t route, unsigned status, uint64_t bytes,
                    double seconds)
{
    atomic_fetch_sub_explicit(&m->inflight, 1, memory_order_relaxed);
    if (status < STATUS_MIN || status >= STATUS_MIN + NSTATUS) {
        return;
    }
    struct route_counts *rc = &m->routes[route < m->nroutes ? route : m->nroutes - 1];
    ADD(rc->status[status - STATUS_MIN], 1);
    size_t b = 0;
    while (b < NBUCKETS && seconds > bucket_le[b]) {
        b++;
    }
    ADD(rc->bucket[b], 1);
    ADD(rc->sum_ns, (unsigned long long)(seconds > 0 ? seconds * 1e9 : 0));
    ADD(rc->bytes, bytes);
    if (status == DL_HTTP_TOO_MANY_REQUESTS) {
        ADD(m->rate_limited, 1);
    }
    for (size_t i = 0; i < NREJECTIONS; i++) {
        if (status == rejections[i].status) {
            ADD(m->rejected[i], 1);
        }
    }
}

void dl_metrics_refused_connection(struct dl_metrics *m)
{
    ADD(m->refused_connections, 1);
}

void dl_metrics_query_timeout(struct dl_metrics *m)
{
    ADD(m->timeouts, 1);
}

void dl_metrics_reopened(struct dl_metrics *m)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* dl_now() is monotonic: no use to a dashboard */
    long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    atomic_store_explicit(&m->reopened_ms, ms, memory_order_relaxed);
}

/* --- the text: requests ---------------------------------------------------------- */

static const char *route_label(const struct dl_metrics *m, size_t i)
{
    return i + 1 < m->nroutes ? m->names[i] : "unmatched";
}

static void write_requests(const struct dl_metrics *m, struct dl_buf *b)
{
    static const char name[] = "dateline_http_requests_total";
    dl_prom_family(b, name, "counter", "HTTP requests answered, by route pattern and status.");
    for (size_t i = 0; i < m->nroutes; i++) {
        for (unsigned s = 0; s < NSTATUS; s++) {
            unsigned long n = LOAD(m->routes[i].status[s]);
            if (n) {
                char status[8];
                snprintf(status, sizeof status, "%u", s + STATUS_MIN);
                struct dl_prom_label l[] = {{"route", route_label(m, i)}, {"status", status}};
                dl_prom_sample_u(b, name, l, 2, n);
            }
        }
    }
}

/* Routes with at least one request (the others would only add zeros). */
static int route_used(const struct route_counts *rc)
{
    for (size_t k = 0; k <= NBUCKETS; k++) {
        if (LOAD(rc->bucket[k])) {
            return 1;
        }
    }
    return 0;
}

static void write_histogram(const struct dl_metrics *m, struct dl_buf *b)
{
    static const char name[] = "dateline_http_request_duration_seconds";
    dl_prom_family(b, name, "histogram",
                   "Time from the request line to the response queued, by route pattern.");
    for (size_t i = 0; i < m->nroutes; i++) {
        const struct route_counts *rc = &m->routes[i];
        if (!route_used(rc)) {
            continue;
        }
        unsigned long long cum = 0;
        char le[DL_PROM_NUM_MAX];
        struct dl_prom_label l[] = {{"route", route_label(m, i)}, {"le", le}};
        for (size_t k = 0; k <= NBUCKETS; k++) {
            cum += LOAD(rc->bucket[k]);
            dl_prom_number(le, k < NBUCKETS ? bucket_le[k] : INFINITY);
            dl_prom_sample_u(b, "dateline_http_request_duration_seconds_bucket", l, 2, cum);
        }
        dl_prom_sample(b, "dateline_http_request_duration_seconds_sum", l, 1,
                       (double)LOAD(rc->sum_ns) / 1e9);
        dl_prom_sample_u(b, "dateline_http_request_duration_seconds_count", l, 1, cum);
    }
}

static void write_bytes(const struct dl_metrics *m, struct dl_buf *b)
{
    static const char name[] = "dateline_http_response_bytes_total";
    dl_prom_family(b, name, "counter", "Response body bytes sent, by route pattern.");
    for (size_t i = 0; i < m->nroutes; i++) {
        if (route_used(&m->routes[i])) {
            struct dl_prom_label l = {"route", route_label(m, i)};
            dl_prom_sample_u(b, name, &l, 1, LOAD(m->routes[i].bytes));
        }
    }
}

static void write_counter(struct dl_buf *b, const char *name, const char *type, const char *help,
                          unsigned long long v)
{
    dl_prom_family(b, name, type, help);
    dl_prom_sample_u(b, name, NULL, 0, v);
}

static void write_refusals(const struct dl_metrics *m, struct dl_buf *b)
{
    static const char name[] = "dateline_http_rejected_total";
    dl_prom_family(b, name, "counter",
                   "Requests refused before routing (421, 414, 413), and connections closed "
                   "as soon as accepted while the server stops, by reason.");
    for (size_t i = 0; i < NREJECTIONS; i++) {
        struct dl_prom_label l = {"reason", rejections[i].reason};
        dl_prom_sample_u(b, name, &l, 1, LOAD(m->rejected[i]));
    }
    struct dl_prom_label l = {"reason", "connection_refused"};
    dl_prom_sample_u(b, name, &l, 1, LOAD(m->refused_connections));
    write_counter(b, "dateline_http_rate_limited_total", "counter",
                  "Requests refused with 429 for going over --rate.", LOAD(m->rate_limited));
}

void dl_metrics_write(const struct dl_metrics *m, struct dl_buf *b)
{
    write_requests(m, b);
    write_histogram(m, b);
    write_bytes(m, b);
    long inflight = LOAD(m->inflight);
    dl_prom_family(b, "dateline_http_requests_in_flight", "gauge",
                   "Requests begun and not yet completed (this scrape included).");
    dl_prom_sample(b, "dateline_http_requests_in_flight", NULL, 0, (double)inflight);
    write_refusals(m, b);
    write_counter(b, "dateline_search_timeouts_total", "counter",
                  "Searches whose counting --query-timeout cut short.", LOAD(m->timeouts));
    long long ms = atomic_load_explicit(&m->reopened_ms, memory_order_relaxed);
    if (ms) {
        dl_prom_family(b, "dateline_index_last_reopen_timestamp_seconds", "gauge",
                       "When a worker last opened the index or moved to a new revision.");
        dl_prom_sample(b, "dateline_index_last_reopen_timestamp_seconds", NULL, 0,
                       (double)ms / 1000.0);
    }
    dl_prom_family(b, "dateline_build_info", "gauge",
                   "Always 1; the label says which version is running.");
    struct dl_prom_label l = {"version", DL_VERSION};
    dl_prom_sample_u(b, "dateline_build_info", &l, 1, 1);
}
