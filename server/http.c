/*
 * http.c - libmicrohttpd glue: from a raw request to a queued response.
 *
 * The raw request target is taken from MHD_OPTION_URI_LOG_CALLBACK rather
 * than from the already-unescaped `url` MHD hands to the handler, so that
 * the server sees the bytes the client sent: %00, %2e%2e and invalid
 * UTF-8 can be refused instead of being silently truncated or decoded.
 * The object allocated there is the request's context until
 * MHD_OPTION_NOTIFY_COMPLETED, which writes the access-log line and frees it.
 *
 * What is refused before any route runs, in this order, on the first call
 * of the handler (headers read, body not): a Host header the server does
 * not answer to (421, access.c's dl_host_allowed: DNS rebinding; 400 for
 * none in HTTP/1.1, or two), a
 * request target over --max-uri (414), a client over its --rate (429),
 * CORS preflights (204), methods the route does not take (405), bodies
 * too large (413), and with --token requests without the token (401, or
 * 303 to /login for pages). Which methods a path takes, whether it is a
 * page and whether it is open without the token all come from the route
 * table (route.c).
 *
 * libmicrohttpd's connection timeout (--timeout) is an idle timeout: a
 * client sending a byte now and then would hold its connection for ever.
 * The reaper (reaper.h) therefore cuts off connections past their
 * deadline: a new connection must deliver its request line and headers
 * within --header-timeout of opening; a kept-alive one must start its next
 * request within --timeout of the previous response, and deliver the rest
 * of its headers within --header-timeout of its request line (MHD reports
 * the line through the URI callback; the first byte is not seen). The
 * header deadline is the shorter, so idle keep-alive connections stay
 * while slow or stalled requests go first. None of them holds a thread:
 * with epoll each MHD thread waits on all its connections at once.
 */
#include "dateline/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dateline/access.h"
#include "dateline/logline.h"
#include "dateline/metrics.h"

#include "dateline/api.h"
#include "dateline/config.h"
#include "dateline/fold.h"
#include "dateline/html.h"
#include "dateline/reaper.h"
#include "dateline/request.h"
#include "dateline/route.h"
#include "dateline/worker.h"

/* request.h's status codes are HTTP's, which MHD_queue_response() takes as they are. */
_Static_assert(DL_HTTP_OK == MHD_HTTP_OK && DL_HTTP_NO_CONTENT == MHD_HTTP_NO_CONTENT &&
                   DL_HTTP_SEE_OTHER == MHD_HTTP_SEE_OTHER &&
                   DL_HTTP_NOT_MODIFIED == MHD_HTTP_NOT_MODIFIED &&
                   DL_HTTP_BAD_REQUEST == MHD_HTTP_BAD_REQUEST &&
                   DL_HTTP_UNAUTHORIZED == MHD_HTTP_UNAUTHORIZED &&
                   DL_HTTP_FORBIDDEN == MHD_HTTP_FORBIDDEN &&
                   DL_HTTP_NOT_FOUND == MHD_HTTP_NOT_FOUND &&
                   DL_HTTP_METHOD_NOT_ALLOWED == MHD_HTTP_METHOD_NOT_ALLOWED &&
                   DL_HTTP_CONTENT_TOO_LARGE == MHD_HTTP_CONTENT_TOO_LARGE &&
                   DL_HTTP_URI_TOO_LONG == MHD_HTTP_URI_TOO_LONG &&
                   DL_HTTP_UNSUPPORTED_MEDIA_TYPE == MHD_HTTP_UNSUPPORTED_MEDIA_TYPE &&
                   DL_HTTP_MISDIRECTED_REQUEST == MHD_HTTP_MISDIRECTED_REQUEST &&
                   DL_HTTP_TOO_MANY_REQUESTS == MHD_HTTP_TOO_MANY_REQUESTS &&
                   DL_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE ==
                       MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE &&
                   DL_HTTP_SERVICE_UNAVAILABLE == MHD_HTTP_SERVICE_UNAVAILABLE,
               "request.h's status codes differ from libmicrohttpd's");

#define MAX_BODY 65536 /* request bodies larger than this are refused (GET has none anyway) */
#define LOG_URI_MAX 400
#define RATE_SLOTS 4096 /* clients the rate limit remembers */
#define COOKIE "dateline_token"

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; base-uri 'none'; form-action 'self'; "
                          "frame-ancestors 'none'";

struct dl_server {
    struct MHD_Daemon *daemon;
    const struct dl_server_config *cfg;
    pthread_mutex_t lock;       /* guards workers */
    struct dl_worker **workers; /* one per MHD thread that served a request; freed at stop */
    size_t nworkers, capworkers;
    atomic_long inflight;     /* requests between URI and completion */
    struct dl_rate *rate;     /* per-client buckets, or NULL without --rate */
    unsigned port;            /* the port bound, for the Host check */
    double head_timeout;      /* seconds a request's line and headers may take */
    double idle_timeout;      /* seconds a kept-alive connection may wait for its next request */
    struct dl_reaper *reaper; /* every open connection's deadline */
    atomic_int draining;      /* dl_server_stop() has begun: on_accept() refuses connections */

    struct dl_metrics *metrics; /* GET /metrics' counters */
    const char **route_names;   /* their route labels: the table's patterns */
};

/* One HTTP request, from its request line to its completion. */
struct request_ctx {
    struct dl_server *srv;
    double t0;        /* dl_now() at the request line */
    char *uri;        /* raw request target as sent */
    char method[12];  /* for the access log */
    unsigned status;  /* status queued, 0 if none */
    uint64_t bytes;   /* body bytes queued */
    int answered;     /* a response has been queued */
    int post;         /* a POST the route takes: its body is read into `form` */
    int form_too_big; /* the body went past DL_SERVE_MAX_FORM */
    struct dl_buf form;

    const struct dl_route *route; /* the route of the path (NULL: none), for the metrics */
};

/* The worker of the current MHD thread; the object itself is owned by the server. */
static _Thread_local struct dl_worker *t_worker;

/* --- workers ------------------------------------------------------------------ */

static struct dl_worker *current_worker(struct dl_server *srv)
{
    if (t_worker) {
        return t_worker;
    }
    struct dl_worker *w = dl_xmalloc(sizeof *w);
    dl_worker_init(w);
    pthread_mutex_lock(&srv->lock);
    if (srv->nworkers == srv->capworkers) {
        srv->capworkers = srv->capworkers ? 2 * srv->capworkers : 8;
        srv->workers = dl_xrealloc(srv->workers, srv->capworkers * sizeof *srv->workers);
    }
    srv->workers[srv->nworkers++] = w;
    pthread_mutex_unlock(&srv->lock);
    t_worker = w;
    return w;
}

/* --- who may ask ------------------------------------------------------------------ */

struct xff {
    const char *last; /* value of the last X-Forwarded-For header seen */
};

static enum MHD_Result last_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct xff *x = cls;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0) {
        x->last = value;
    }
    return MHD_YES;
}

/* An address as a rate-limit key: IPv4 (also IPv4-mapped), or the /64 of IPv6. */
static size_t addr_key(int family, const void *addr, unsigned char key[16])
{
    if (family == AF_INET) {
        memcpy(key, addr, 4);
        return 4;
    }
    const struct in6_addr *a6 = addr;
    if (IN6_IS_ADDR_V4MAPPED(a6)) {
        memcpy(key, a6->s6_addr + 12, 4);
        return 4;
    }
    /* One IPv6 client usually holds a whole /64. */
    memcpy(key, a6->s6_addr, 8);
    return 8;
}

/*
 * The client's rate-limit key: the peer address, or with --trust-proxy the
 * last address of the last X-Forwarded-For header (what the proxy appended;
 * anything before it came from the client and proves nothing).
 */
static size_t client_key(const struct dl_server_config *cfg, struct MHD_Connection *con,
                         unsigned char key[16])
{
    if (cfg->trust_proxy) {
        struct xff x = {NULL};
        MHD_get_connection_values(con, MHD_HEADER_KIND, last_xff, &x);
        if (x.last) {
            const char *comma = strrchr(x.last, ',');
            const char *a = comma ? comma + 1 : x.last;
            while (*a == ' ' || *a == '\t') {
                a++;
            }
            char ip[INET6_ADDRSTRLEN + 1];
            size_t n = strcspn(a, " \t");
            unsigned char bin[16];
            if (n < sizeof ip) {
                memcpy(ip, a, n);
                ip[n] = '\0';
                if (inet_pton(AF_INET, ip, bin) == 1) {
                    return addr_key(AF_INET, bin, key);
                }
                if (inet_pton(AF_INET6, ip, bin) == 1) {
                    return addr_key(AF_INET6, bin, key);
                }
            }
        }
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET) {
        return addr_key(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, key);
    }
    if (sa && sa->sa_family == AF_INET6) {
        return addr_key(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, key);
    }
    memset(key, 0, 16);
    return 1;
}

/* Does the request carry the token, as a Bearer header or as the login cookie? */
static int authorized(const struct dl_server_config *cfg, struct MHD_Connection *con)
{
    const char *h = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
    if (h && strncasecmp(h, "Bearer", 6) == 0 && (h[6] == ' ' || h[6] == '\t')) {
        const char *v = h + 7;
        while (*v == ' ' || *v == '\t') {
            v++;
        }
        size_t n = strlen(v);
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
            n--;
        }
        if (dl_token_equal(cfg, v, n)) {
            return 1;
        }
    }
    const char *ck = MHD_lookup_connection_value(con, MHD_COOKIE_KIND, COOKIE);
    return ck && dl_token_equal(cfg, ck, strlen(ck));
}

/* Is the client over its --rate? Then `rep` is a 429. */
static int rate_limited(struct dl_server *srv, struct MHD_Connection *con, struct dl_reply *rep)
{
    unsigned char key[16];
    size_t klen = client_key(srv->cfg, con, key);
    unsigned wait = dl_rate_take(srv->rate, key, klen, dl_now());
    if (!wait) {
        return 0;
    }
    dl_reply_error(rep, DL_HTTP_TOO_MANY_REQUESTS, "rate_limited",
                   "too many requests: at most %g a second; try again in %u s", srv->cfg->rate,
                   wait);
    rep->retry_after = wait;
    return 1;
}

/* Is the body refused by its announced size, or (a form) by its type? Then `rep` says why. */
static int body_refused(struct MHD_Connection *con, const struct request_ctx *c,
                        struct dl_reply *rep)
{
    unsigned long long max_body = c->post ? DL_SERVE_MAX_FORM : MAX_BODY;
    const char *clen = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
    if (clen && strtoull(clen, NULL, 10) > max_body) {
        dl_reply_error(rep, DL_HTTP_CONTENT_TOO_LARGE, "payload_too_large",
                       "request body too large: at most %llu bytes", max_body);
        return 1;
    }
    if (c->post) {
        const char *ct = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type");
        if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
            dl_reply_error(rep, DL_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                           "the login form must be sent as application/x-www-form-urlencoded");
            return 1;
        }
    }
    return 0;
}

static int accepts_html(struct MHD_Connection *con)
{
    const char *accept = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Accept");
    return accept && strstr(accept, "text/html") != NULL;
}

/* A request without the token: pages (and what a browser asks for) go to the login form. */
static void refuse_unauthorized(struct MHD_Connection *con, const struct dl_route *r,
                                struct dl_reply *rep)
{
    if (dl_route_html(r, accepts_html(con))) {
        dl_reply_release(rep);
        rep->status = DL_HTTP_SEE_OTHER;
        rep->location = "/login";
        rep->type = "text/html; charset=utf-8";
        dl_buf_adds(&rep->body, "<!DOCTYPE html>\n<title>Sign in</title>\n"
                                "<p><a href=\"/login\">Sign in</a> to search.</p>\n");
    } else {
        dl_reply_error(rep, DL_HTTP_UNAUTHORIZED, "unauthorized",
                       "this server needs a token: send Authorization: Bearer TOKEN");
    }
}

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    unsigned *n = cls;
    (void)kind;
    (void)value;
    *n += key && strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0;
    return MHD_YES;
}

/*
 * Is the request for a host this server does not answer to (421, against
 * DNS rebinding: access.c's dl_host_allowed), or its Host not as HTTP/1.1
 * requires: one, and present (400)? Then `rep` says why.
 */
static int host_refused(struct dl_server *srv, struct MHD_Connection *con, const char *version,
                        struct dl_reply *rep)
{
    unsigned n = 0;
    MHD_get_connection_values(con, MHD_HEADER_KIND, count_host, &n);
    const char *host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (n > 1) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "more than one Host header");
    } else if (!host && version && strcmp(version, MHD_HTTP_VERSION_1_0) != 0) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "%s needs a Host header", version);
    } else if (!dl_host_allowed(srv->cfg, host, srv->port)) {
        if (host) {
            dl_reply_error(rep, DL_HTTP_MISDIRECTED_REQUEST, "misdirected_request",
                           "this server does not answer to the host name '%.100s' "
                           "(its operator can add it with --allow-host)",
                           host);
        } else {
            dl_reply_error(rep, DL_HTTP_MISDIRECTED_REQUEST, "misdirected_request",
                           "a Host header is required");
        }
    } else {
        return 0;
    }
    return 1;
}

/*
 * Refuse, on the first call, what no route will take (see the top of the
 * file for the order). The route is looked up by the raw target, whose
 * path is not decoded yet. Returns 1 with `rep` filled.
 */
static int early_refusal(struct dl_server *srv, struct MHD_Connection *con, struct request_ctx *c,
                         const char *method, const char *version, struct dl_reply *rep)
{
    const struct dl_server_config *cfg = srv->cfg;
    size_t ulen = strlen(c->uri);
    const struct dl_route *r = dl_route_find(c->uri, strcspn(c->uri, "?"));
    unsigned m = dl_method_of(method);
    c->route = r;
    rep->html = dl_route_html(r, 0);
    if (host_refused(srv, con, version, rep)) {
        return 1;
    }
    if (cfg->max_uri && ulen > cfg->max_uri) {
        dl_reply_error(rep, DL_HTTP_URI_TOO_LONG, "uri_too_long",
                       "request target too long: %zu bytes, at most %zu", ulen, cfg->max_uri);
        return 1;
    }
    if (srv->rate && rate_limited(srv, con, rep)) {
        return 1;
    }
    if (m == DL_METHOD_OPTIONS && dl_route_allows(r, m, cfg) &&
        dl_origin_allowed(cfg, MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Origin"))) {
        /* A CORS preflight: add_headers() adds the Access-Control-* headers. */
        rep->status = DL_HTTP_NO_CONTENT;
        rep->allow = dl_route_allow(r, cfg);
        return 1;
    }
    if ((m != DL_METHOD_GET && m != DL_METHOD_POST) || !dl_route_allows(r, m, cfg)) {
        dl_reply_error(rep, DL_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                       "method %.20s not allowed: use GET or HEAD", method);
        rep->allow = dl_route_allow(r, cfg);
        return 1;
    }
    c->post = m == DL_METHOD_POST;
    if (body_refused(con, c, rep)) {
        return 1;
    }
    if (cfg->token && !(r && (r->flags & DL_ROUTE_OPEN)) && !authorized(cfg, con)) {
        refuse_unauthorized(con, r, rep);
        return 1;
    }
    return 0;
}

/* Did a trusted proxy (--trust-proxy) say the client used https (X-Forwarded-Proto)? */
static int forwarded_https(const struct dl_server_config *cfg, struct MHD_Connection *con)
{
    const char *proto =
        cfg->trust_proxy ? MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Forwarded-Proto")
                         : NULL;
    return proto && strcasecmp(proto, "https") == 0;
}

/*
 * Decode the path and the query string and run the route the table names
 * (an unknown path is a 404). Errors take the route's format; on an
 * unknown path, the one the client's Accept header asks for.
 */
static void route(struct dl_server *srv, struct MHD_Connection *con, struct request_ctx *c,
                  struct dl_reply *rep)
{
    const struct dl_server_config *cfg = srv->cfg;
    const char *uri = c->uri;
    size_t ulen = strlen(uri);
    const char *qmark = memchr(uri, '?', ulen);
    size_t raw_plen = qmark ? (size_t)(qmark - uri) : ulen;
    const char *hash = memchr(uri, '#', ulen);
    size_t qs_end = hash ? (size_t)(hash - uri) : ulen;

    char *path = dl_xmalloc(raw_plen + 1);
    size_t plen = dl_url_decode(path, uri, raw_plen, 0);
    int path_ok =
        raw_plen && uri[0] == '/' && !memchr(path, '\0', plen) && dl_utf8_valid(path, plen);
    /* A path that cannot be decoded is looked up as sent, for the format of its 400. */
    const struct dl_route *r = path_ok ? dl_route_find(path, plen) : dl_route_find(uri, raw_plen);
    c->route = r;
    rep->html = r && (r->flags & DL_ROUTE_ACCEPT) && path_ok
                    ? accepts_html(con)
                    : dl_route_html(r, path_ok && accepts_html(con));

    struct dl_request rq = {
        .cfg = cfg,
        .method = c->post ? DL_METHOD_POST : DL_METHOD_GET,
        .path = path,
        .path_len = plen,
        .raw_path = uri,
        .raw_path_len = raw_plen,
        .if_none_match = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match"),
        .host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST),
        .https = forwarded_https(cfg, con),
        .body = c->form.buf,
        .body_len = c->form.len,
        .body_too_big = c->form_too_big,
        .t0 = c->t0,
    };
    rq.params.limits = &cfg->limits;
    struct dl_error err = DL_ERROR_INIT;

    if (!path_ok) {
        dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request",
                       raw_plen && uri[0] == '/' ? "invalid UTF-8 or NUL in the path"
                                                 : "the request target must be a path");
        goto out_path;
    }
    if (qmark && qs_end > raw_plen + 1) {
        int rc = dl_params_parse(&rq.params, qmark + 1, qs_end - raw_plen - 1, &err);
        rq.params.limits = &cfg->limits;
        if (rc != DL_OK) {
            dl_reply_error(rep, DL_HTTP_BAD_REQUEST, "bad_request", "%s", err.msg);
            goto out_params;
        }
    }
    rq.w = current_worker(srv);
    rq.metrics = srv->metrics;
    dl_route_run(r, &rq, rep);
    if (rq.w->reopened) {
        dl_metrics_reopened(srv->metrics);
        rq.w->reopened = 0;
    }
out_params:
    dl_params_release(&rq.params);
out_path:
    free(path);
}

/* --- libmicrohttpd callbacks ------------------------------------------------------ */

/*
 * Accept policy: once dl_server_stop() has begun, every new connection is
 * closed as soon as it is accepted. This, not MHD_quiesce_daemon(), is how
 * the server stops taking connections; see dl_server_stop() for why.
 */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct dl_server *srv = cls;
    (void)addr;
    (void)addrlen;
    if (atomic_load(&srv->draining)) {
        dl_metrics_refused_connection(srv->metrics);
        return MHD_NO;
    }
    return MHD_YES;
}

static void add_headers(struct MHD_Response *r, const struct dl_server_config *cfg,
                        struct MHD_Connection *con, const struct dl_reply *rep)
{
    if (rep->status != DL_HTTP_NO_CONTENT) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rep->type);
    }
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, rep->cache ? rep->cache : "no-store");
    if (rep->allow) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rep->allow);
    }
    if (rep->etag[0]) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, rep->etag);
    }
    if (rep->location) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rep->location);
    }
    if (rep->disposition) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, rep->disposition);
    }
    if (rep->status == DL_HTTP_UNAUTHORIZED) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"dateline\"");
    }
    if (rep->retry_after) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", rep->retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    if (rep->set_cookie && cfg->token) {
        /* Secure only when a trusted proxy says the client used https: plain http drops it. */
        struct dl_buf ck = DL_BUF_INIT;
        dl_buf_addf(&ck, COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/%s", cfg->token,
                    forwarded_https(cfg, con) ? "; Secure" : "");
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, ck.buf);
        explicit_bzero(ck.buf, ck.len);
        dl_buf_release(&ck);
    }
    if (cfg->ncors) {
        /* Caches must not serve one origin's answer to another. */
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Origin");
        const char *origin = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Origin");
        if (dl_origin_allowed(cfg, origin)) {
            MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            if (rep->status == DL_HTTP_NO_CONTENT) {
                MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, HEAD");
                MHD_add_response_header(r, "Access-Control-Allow-Headers", "Authorization");
                MHD_add_response_header(r, "Access-Control-Max-Age", "600");
            } else {
                MHD_add_response_header(r, "Access-Control-Expose-Headers", "Retry-After");
            }
        }
    }
}

/* A streamed body (request.h) as libmicrohttpd's content reader. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct dl_stream *st = cls;
    (void)pos;
    long n = st->fill(st->ctx, buf, max);
    return n > 0    ? (ssize_t)n
           : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM
                    : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
    struct dl_stream *st = cls;
    st->done(st->ctx);
    free(st);
}

static enum MHD_Result queue_reply(struct dl_server *srv, struct MHD_Connection *con,
                                   struct request_ctx *c, struct dl_reply *rep)
{
    if (rep->code) {
        if (rep->html) {
            dl_page_error_body(rep);
        } else {
            dl_api_error_body(rep);
        }
    }
    struct MHD_Response *r;
    if (rep->fd >= 0) {
        c->bytes = rep->fd_size;
        r = MHD_create_response_from_fd64(rep->fd_size, rep->fd);
        if (!r) {
            close(rep->fd);
        }
        rep->fd = -1; /* MHD closes it with the response */
    } else if (rep->stream.fill) {
        struct dl_stream *st = dl_xmalloc(sizeof *st);
        *st = rep->stream;
        memset(&rep->stream, 0, sizeof rep->stream); /* MHD frees it with the response */
        c->bytes = 0;                                /* not known in advance */
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, st,
                                              stream_free);
        if (!r) {
            stream_free(st);
        }
    } else {
        size_t len;
        char *body = dl_buf_detach(&rep->body, &len);
        c->bytes = len;
        r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
        if (!r) {
            free(body);
        }
    }
    if (!r) {
        return MHD_NO;
    }
    add_headers(r, srv->cfg, con, rep);
    if (atomic_load(&srv->draining)) {
        /*
         * dl_server_stop() waits for the requests in flight to end, but
         * keep-alive clients would go on starting new ones on the
         * connections they hold, and under steady load the count never
         * reached zero: the wait ran out and the server exited 1.
         */
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    c->status = rep->status;
    enum MHD_Result ok = MHD_queue_response(con, rep->status, r);
    MHD_destroy_response(r);
    return ok;
}

/* --- connection deadlines (see the top of the file) --------------------------------- */

/* Move the connection's deadline (reaper.h's dl_reaper_set). */
static void conn_set_deadline(struct dl_server *srv, struct MHD_Connection *con, double within,
                              int sooner)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci && ci->socket_context) {
        dl_reaper_set(srv->reaper, ci->socket_context, within, sooner);
    }
}

/* Register each connection with the reaper, due its request head; MHD closes the socket after
 * NOTIFY_CLOSED, when it is unregistered. */
static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct dl_server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci) {
            *socket_context = dl_reaper_add(srv->reaper, ci->connect_fd, srv->head_timeout);
        }
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        dl_reaper_remove(srv->reaper, *socket_context);
        *socket_context = NULL;
    }
}

/* --- libmicrohttpd callbacks ------------------------------------------------------ */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    struct dl_server *srv = cls;
    struct request_ctx *c = dl_xcalloc(1, sizeof *c);
    c->srv = srv;
    c->t0 = dl_now();
    c->uri = dl_xstrdup(uri ? uri : "");
    dl_buf_init(&c->form, 0);
    atomic_fetch_add(&srv->inflight, 1);
    dl_metrics_begin(srv->metrics);
    /* The request line is in: the rest of the head is due within the head timeout. */
    conn_set_deadline(srv, con, srv->head_timeout, 1);
    return c;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct dl_server *srv = cls;
    struct request_ctx *c = *req_cls;
    if (!c) {
        /* Only if MHD skipped the URI callback; fall back to its decoded url. */
        c = on_uri(srv, url, con);
        *req_cls = c;
    }
    if (c->answered) {
        *upload_data_size = 0; /* discard the rest of a refused body */
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Only a POST a route takes (the login form) gets this far with a body; other
         * bodies are read and dropped. */
        if (c->post && !c->form_too_big) {
            if (c->form.len + *upload_data_size <= DL_SERVE_MAX_FORM) {
                dl_buf_add(&c->form, upload_data, *upload_data_size);
            } else {
                c->form_too_big = 1;
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct dl_reply rep;
    dl_reply_init(&rep, 0);
    if (!c->method[0]) {
        /*
         * First call: headers only. Answering now makes MHD close the
         * connection, which is right for requests refused outright (their
         * body is never read) but wasteful for the rest, answered on the
         * next call.
         */
        snprintf(c->method, sizeof c->method, "%s", method);
        conn_set_deadline(srv, con, 0, 0);
        if (!early_refusal(srv, con, c, method, version, &rep)) {
            dl_reply_release(&rep);
            return MHD_YES;
        }
    } else {
        route(srv, con, c, &rep);
    }
    c->answered = 1;
    enum MHD_Result ok = queue_reply(srv, con, c, &rep);
    dl_reply_release(&rep);
    return ok;
}

static void log_access(const struct request_ctx *c, enum MHD_RequestTerminationCode toe)
{
    char line[LOG_URI_MAX * 4 + 160];
    size_t o = dl_log_time ? dl_log_stamp(line, sizeof line) : 0; /* --log-file */
    o += (size_t)snprintf(line + o, sizeof line - o, "%s ", c->method[0] ? c->method : "-");
    for (const unsigned char *p = (const unsigned char *)c->uri; *p && o < LOG_URI_MAX + 16; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\') {
            o += (size_t)snprintf(line + o, sizeof line - o, "\\x%02x", *p);
        } else {
            line[o++] = (char)*p;
        }
    }
    char status[12] = "-";
    if (c->status) {
        snprintf(status, sizeof status, "%u", c->status);
    }
    o += (size_t)snprintf(line + o, sizeof line - o, " %s %llu %.2fms%s\n", status,
                          (unsigned long long)c->bytes, (dl_now() - c->t0) * 1000.0,
                          toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    if (o > sizeof line - 1) {
        o = sizeof line - 1;
        line[o - 1] = '\n';
    }
    /* One write per line: lines from several threads must not interleave. */
    ssize_t wr = write(STDERR_FILENO, line, o);
    (void)wr;
}

/* The same as one JSON line (--log-format json: logline.h). */
static void log_access_json(const struct request_ctx *c, enum MHD_RequestTerminationCode toe)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct dl_logline l = {
        .time = c->srv->cfg->log_time ? (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 : -1,
        .method = c->method,
        .uri = c->uri,
        .status = c->status,
        .bytes = c->bytes,
        .ms = (dl_now() - c->t0) * 1000.0,
        .aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK,
    };
    struct dl_buf b;
    dl_buf_init(&b, 256);
    dl_logline_json(&b, &l);
    ssize_t wr = write(STDERR_FILENO, b.buf, b.len); /* one write per line, as above */
    (void)wr;
    dl_buf_release(&b);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct dl_server *srv = cls;
    struct request_ctx *c = *req_cls;
    if (!c) {
        return;
    }
    dl_metrics_end(srv->metrics, dl_route_index(c->route), c->status, c->bytes, dl_now() - c->t0);
    if (atomic_load(&srv->cfg->access_log)) {
        if (atomic_load(&srv->cfg->log_json)) {
            log_access_json(c, toe);
        } else {
            log_access(c, toe);
        }
    }
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        conn_set_deadline(srv, con, srv->idle_timeout, 0); /* kept alive, for the next request */
    }
    explicit_bzero(c->form.buf, c->form.len); /* it held the token */
    dl_buf_release(&c->form);
    free(c->uri);
    free(c);
    *req_cls = NULL;
    atomic_fetch_sub(&srv->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) {
        msg[--n] = '\0';
    }
    dl_log(DL_LOG_WARN, "libmicrohttpd: %s", msg);
}

/* --- lifetime -------------------------------------------------------------------- */

int dl_server_start(struct dl_server **out, const struct dl_server_config *cfg,
                    const struct dl_listen *l, struct dl_error *err)
{
    *out = NULL;
    struct dl_server *srv = dl_xcalloc(1, sizeof *srv);
    srv->cfg = cfg;
    pthread_mutex_init(&srv->lock, NULL);
    atomic_init(&srv->inflight, 0);
    atomic_init(&srv->draining, 0);
    srv->idle_timeout = l->timeout ? l->timeout : 30;
    srv->head_timeout = l->header_timeout && l->header_timeout < srv->idle_timeout
                            ? l->header_timeout
                            : srv->idle_timeout;
    if (cfg->rate > 0) {
        srv->rate = dl_rate_new(cfg->rate, cfg->rate < 1 ? 1 : cfg->rate, RATE_SLOTS);
    }
    srv->reaper = dl_reaper_new(); /* before the daemon: on_connection() registers with it */
    srv->route_names = dl_xcalloc(dl_route_count(), sizeof *srv->route_names);
    for (size_t i = 0; i < dl_route_count(); i++) {
        srv->route_names[i] = dl_route_at(i)->path;
    }
    srv->metrics = dl_metrics_new(srv->route_names, dl_route_count());

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES) {
        flags |= MHD_USE_EPOLL;
    } else {
        flags |= MHD_USE_AUTO;
    }
    if (l->addr->sa_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    /* A pool of one is no pool: MHD warns about it, so the option is left out. */
    struct MHD_OptionItem pool[] = {
        {l->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)l->threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* A socket passed by the service manager is served as it is, else addr is bound. */
    struct MHD_OptionItem where[] = {
        l->listen_fd > 0 ? (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, l->listen_fd, NULL}
                         : (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, (void *)l->addr},
        {MHD_OPTION_END, 0, NULL},
    };
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: with it a second server could share the port. */
    srv->daemon = MHD_start_daemon(
        flags, 0, on_accept, srv, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_ARRAY, where, MHD_OPTION_ARRAY, pool, MHD_OPTION_CONNECTION_LIMIT,
        l->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, l->max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, l->timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        l->request_memory ? l->request_memory : (size_t)32768, MHD_OPTION_URI_LOG_CALLBACK, on_uri,
        srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, srv, MHD_OPTION_END);
    int e = errno;
    if (!srv->daemon) {
        dl_reaper_free(srv->reaper);
        dl_rate_free(srv->rate);
        dl_metrics_free(srv->metrics);
        free(srv->route_names);
        pthread_mutex_destroy(&srv->lock);
        free(srv);
        return dl_error_set(err, DL_EIO, "cannot start the HTTP server: %s",
                            e ? strerror(e) : "unknown error");
    }
    srv->port = dl_server_port(srv);
    *out = srv;
    return DL_OK;
}

unsigned dl_server_port(struct dl_server *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

int dl_server_stop(struct dl_server *s, double grace)
{
    if (!s) {
        return DL_OK;
    }
    /*
     * New connections are refused through on_accept(), not with
     * MHD_quiesce_daemon(), which can abort the process with epoll in
     * libmicrohttpd 0.9.75 (and still in 1.0.1): it sets a worker's
     * was_quiesced and then takes the listen socket out of that worker's
     * epoll set from this thread (daemon.c:5521-5532), while the worker's
     * MHD_epoll() takes it out as soon as it sees was_quiesced
     * (daemon.c:4931-4941, or 4965-4977). Both read listen_socket_in_epoll
     * before either clears it, so a worker awake at that moment can remove
     * it first; the second removal fails with ENOENT, which only the
     * worker's first path tolerates: MHD_PANIC "Failed to remove listen FD
     * from epoll set" (daemon.c:5531 here, 4976 in a worker), SIGABRT.
     * MHD_stop_daemon() takes nothing out of an epoll set from this thread:
     * it signals the workers, joins them and closes the listen socket.
     */
    atomic_store(&s->draining, 1);
    double deadline = dl_now() + grace;
    while (atomic_load(&s->inflight) > 0 && dl_now() < deadline) {
        usleep(10000);
    }
    /*
     * Requests still in flight now are either handlers that will not
     * return (MHD_stop_daemon would join their threads forever) or
     * connections whose response is still being sent: give the latter a
     * moment, then give up.
     */
    long left = atomic_load(&s->inflight);
    if (left > 0) {
        dl_log(DL_LOG_ERROR, "%ld request(s) still running after %.0f s", left, grace);
        return DL_ETIMEOUT;
    }
    MHD_stop_daemon(s->daemon);
    /* MHD notified every close: nothing is registered any more. */
    dl_reaper_free(s->reaper);
    dl_rate_free(s->rate);
    dl_metrics_free(s->metrics);
    free(s->route_names);
    for (size_t i = 0; i < s->nworkers; i++) {
        dl_worker_release(s->workers[i]);
        free(s->workers[i]);
    }
    free(s->workers);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return DL_OK;
}

const char *dl_server_mhd_version(void)
{
    return MHD_get_version();
}
