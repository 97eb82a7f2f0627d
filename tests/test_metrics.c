/*
 * test_metrics.c - server/metrics.c: what dl_metrics_end() records shows
 * in dl_metrics_write()'s text: by route pattern and status, cumulative
 * histogram buckets, rejections by status, in flight; and counts from
 * several threads at once are all there (the counters are atomics).
 */
#include <pthread.h>
#include <string.h>

#include "dateline/metrics.h"
#include "dl_test.h"

/* Route labels as http.c gives them: the route table's patterns. */
static const char *const routes[] = {"/api/search", "/api/doc/", "/healthz"};
#define NROUTES (sizeof routes / sizeof routes[0])

static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++) {
        if ((p == text || p[-1] == '\n') && p[n] == '\n') {
            return 1;
        }
    }
    return 0;
}

static void test_recorded(void)
{
    struct dl_metrics *m = dl_metrics_new(routes, NROUTES);
    enum { search, doc, unmatched = NROUTES };
    const struct {
        size_t r;
        unsigned status;
        double seconds;
    } reqs[] = {
        {search, 200, 0.002}, {search, 200, 0.02},     {search, 200, 3}, {search, 400, 0.0001},
        {doc, 404, 0.001},    {unmatched, 404, 0.001}, {search, 421, 0}, {search, 429, 0},
        {search, 414, 0},     {search, 0, 0.5}, /* no response: only in flight moves */
    };
    size_t n = sizeof reqs / sizeof reqs[0];
    for (size_t i = 0; i < n; i++) {
        dl_metrics_begin(m);
    }
    dl_metrics_begin(m); /* one still running */
    for (size_t i = 0; i < n; i++) {
        dl_metrics_end(m, reqs[i].r, reqs[i].status, 100, reqs[i].seconds);
    }
    dl_metrics_query_timeout(m);
    dl_metrics_refused_connection(m);
    dl_metrics_end(m, 1000, 200, 0, 0); /* past the routes: unmatched */
    dl_metrics_begin(m);
    struct dl_buf b;
    dl_buf_init(&b, 0);
    dl_metrics_write(m, &b);
    static const char *const want[] = {
        "dateline_http_requests_total{route=\"/api/search\",status=\"200\"} 3",
        "dateline_http_requests_total{route=\"/api/search\",status=\"400\"} 1",
        "dateline_http_requests_total{route=\"/api/doc/\",status=\"404\"} 1",
        "dateline_http_requests_total{route=\"unmatched\",status=\"404\"} 1",
        "dateline_http_requests_total{route=\"unmatched\",status=\"200\"} 1",
        "dateline_http_request_duration_seconds_bucket{route=\"/api/search\",le=\"0.0005\"} 4",
        "dateline_http_request_duration_seconds_bucket{route=\"/api/search\",le=\"0.0025\"} 5",
        "dateline_http_request_duration_seconds_bucket{route=\"/api/search\",le=\"0.025\"} 6",
        "dateline_http_request_duration_seconds_bucket{route=\"/api/search\",le=\"2.5\"} 6",
        "dateline_http_request_duration_seconds_bucket{route=\"/api/search\",le=\"5\"} 7",
        "dateline_http_request_duration_seconds_bucket{route=\"/api/search\",le=\"+Inf\"} 7",
        "dateline_http_request_duration_seconds_count{route=\"/api/search\"} 7",
        "dateline_http_response_bytes_total{route=\"/api/search\"} 700",
        "dateline_http_requests_in_flight 1",
        "dateline_http_rejected_total{reason=\"misdirected\"} 1",
        "dateline_http_rejected_total{reason=\"uri_too_long\"} 1",
        "dateline_http_rejected_total{reason=\"body_too_large\"} 0",
        "dateline_http_rejected_total{reason=\"connection_refused\"} 1",
        "dateline_http_rate_limited_total 1",
        "dateline_search_timeouts_total 1",
        "# TYPE dateline_http_request_duration_seconds histogram",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK(has_line(b.buf, want[i]), "line: %s", want[i]);
    }
    CHECK(!strstr(b.buf, "status=\"0\""), "a request without a response has no status");
    CHECK(!strstr(b.buf, "route=\"/healthz\""), "a route without requests is left out");
    CHECK(!strstr(b.buf, "last_reopen"), "no reopen yet: no reopen gauge");
    dl_metrics_reopened(m);
    dl_buf_reset(&b);
    dl_metrics_write(m, &b);
    CHECK(strstr(b.buf, "\ndateline_index_last_reopen_timestamp_seconds 1") != NULL,
          "after a reopen: its unix time (1.7e9 and more)");
    dl_buf_release(&b);
    dl_metrics_free(m);
    dl_metrics_free(NULL);
}

#define THREADS 4
#define PER_THREAD 20000

static void *hammer(void *arg)
{
    struct dl_metrics *m = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        dl_metrics_begin(m);
        dl_metrics_end(m, 0, 200, 1, 0.001);
    }
    return NULL;
}

static void test_threads(void)
{
    struct dl_metrics *m = dl_metrics_new(routes, NROUTES);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        pthread_create(&t[i], NULL, hammer, m);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
    }
    struct dl_buf b;
    dl_buf_init(&b, 0);
    dl_metrics_write(m, &b);
    char line[160];
    snprintf(line, sizeof line,
             "dateline_http_requests_total{route=\"/api/search\",status=\"200\"} %d",
             THREADS * PER_THREAD);
    CHECK(has_line(b.buf, line), "%d threads: no count lost (%s)", THREADS, line);
    CHECK(has_line(b.buf, "dateline_http_requests_in_flight 0"), "all ended: none in flight");
    dl_buf_release(&b);
    dl_metrics_free(m);
}

int main(void)
{
    test_recorded();
    test_threads();
    return dl_test_report();
}
