/*
 * http.c - libmicrohttpd glue: from a raw request to a queued response.
 *
 * The raw request target is taken from MHD_OPTION_URI_LOG_CALLBACK rather
 * than from the already-unescaped `url` MHD hands to the handler, so that
 * the server sees the bytes the client sent: %00, %2e%2e and invalid
 * UTF-8 can be refused instead of being silently truncated or decoded.
 * The object allocated there is the request's context until
 * MHD_OPTION_NOTIFY_COMPLETED, which writes the access-log line and frees it.
 */
#include "dateline/server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dateline/fold.h"
#include "dateline/schema.h"

#define MAX_BODY 65536 /* request bodies larger than this are refused (GET has none anyway) */
#define LOG_URI_MAX 400

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; base-uri 'none'; form-action 'self'; "
                          "frame-ancestors 'none'";

struct dl_server {
    struct MHD_Daemon *daemon;
    const struct dl_server_config *cfg;
    pthread_mutex_t lock;       /* guards workers */
    struct dl_worker **workers; /* one per MHD thread that served a request; freed at stop */
    size_t nworkers, capworkers;
    atomic_long inflight; /* requests between URI and completion */
};

/* One HTTP request, from its request line to its completion. */
struct request_ctx {
    struct dl_server *srv;
    double t0;       /* dl_now() at the request line */
    char *uri;       /* raw request target as sent */
    char method[12]; /* for the access log */
    unsigned status; /* status queued, 0 if none */
    uint64_t bytes;  /* body bytes queued */
    int answered;    /* a response has been queued */
};

/* The worker of the current MHD thread; the object itself is owned by the server. */
static _Thread_local struct dl_worker *t_worker;

/* --- workers ------------------------------------------------------------------ */

static int load_aliases(struct dl_worker *w, struct dl_error *err)
{
    struct dl_buf text = DL_BUF_INIT;
    struct dl_error e = DL_ERROR_INIT;
    int rc = dl_db_get_meta(w->db, DL_META_ALIASES, &text, &e);
    dl_aliases_free(w->aliases);
    w->aliases = NULL;
    if (rc == DL_EMODIFIED) {
        dl_buf_release(&text);
        return dl_error_set(err, rc, "%s", e.msg);
    }
    if (rc == DL_OK && text.len) {
        if (dl_aliases_parse(text.buf, text.len, &w->aliases, &e) != DL_OK) {
            dl_log(DL_LOG_WARN, "ignoring the index's alias table: %s", e.msg);
            w->aliases = NULL;
        }
    } else if (rc != DL_OK && rc != DL_ENOTFOUND) {
        dl_log(DL_LOG_WARN, "cannot read the index's alias table: %s", e.msg);
    }
    dl_buf_release(&text);
    w->aliases_loaded = 1;
    return DL_OK;
}

int dl_worker_refresh(struct dl_worker *w, const struct dl_server_config *cfg, struct dl_error *err)
{
    int changed = 0;
    int rc;
    if (w->db) {
        rc = dl_db_reopen(w->db, &changed, err);
        if (rc != DL_OK) {
            /* A handle that cannot reopen is not trusted again: start afresh. */
            dl_db_free(w->db);
            w->db = NULL;
        }
    }
    if (!w->db) {
        rc = dl_db_open_read(&w->db, cfg->db_path, err);
        if (rc != DL_OK) {
            w->db = NULL;
            return rc;
        }
        changed = 1;
    }
    unsigned long rev = dl_db_revision(w->db);
    if (changed || !w->aliases_loaded || rev != w->revision) {
        w->aliases_loaded = 0;
        rc = load_aliases(w, err);
        if (rc != DL_OK) {
            return rc;
        }
        w->revision = rev;
    }
    return DL_OK;
}

void dl_worker_release(struct dl_worker *w)
{
    dl_db_free(w->db);
    w->db = NULL;
    dl_aliases_free(w->aliases);
    w->aliases = NULL;
    w->aliases_loaded = 0;
    dl_buf_release(&w->scratch);
}

static struct dl_worker *current_worker(struct dl_server *srv)
{
    if (t_worker) {
        return t_worker;
    }
    struct dl_worker *w = dl_xcalloc(1, sizeof *w);
    dl_buf_init(&w->scratch, 0);
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

/* --- URL decoding and the query string ------------------------------------------ */

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

size_t dl_url_decode(char *dst, const char *src, size_t n, int plus)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '%' && i + 2 < n) {
            int hi = hexval((unsigned char)src[i + 1]);
            int lo = hexval((unsigned char)src[i + 2]);
            if (hi >= 0 && lo >= 0) {
                dst[o++] = (char)(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        dst[o++] = (plus && c == '+') ? ' ' : (char)c;
    }
    dst[o] = '\0';
    return o;
}

int dl_params_parse(struct dl_params *p, const char *qs, size_t n, struct dl_error *err)
{
    p->v = NULL;
    p->n = 0;
    p->store = NULL;
    if (n == 0) {
        return DL_OK;
    }
    size_t npairs = 1;
    for (size_t i = 0; i < n; i++) {
        npairs += qs[i] == '&';
    }
    if (npairs > DL_SERVE_MAX_PARAMS) {
        return dl_error_set(err, DL_ELIMIT, "too many parameters: %zu, at most %d", npairs,
                            DL_SERVE_MAX_PARAMS);
    }
    p->v = dl_xcalloc(npairs, sizeof *p->v);
    /* Decoded text is never longer than the raw; +2 for the NULs of key and value. */
    p->store = dl_xmalloc(n + 2 * npairs + 1);
    char *out = p->store;
    const char *s = qs, *end = qs + n;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        const char *kend = eq ? eq : stop;
        if (kend > s) {
            struct dl_param *pr = &p->v[p->n];
            size_t klen = dl_url_decode(out, s, (size_t)(kend - s), 1);
            pr->key = out;
            out += klen + 1;
            const char *vs = eq ? eq + 1 : stop;
            pr->vlen = dl_url_decode(out, vs, (size_t)(stop - vs), 1);
            pr->val = out;
            out += pr->vlen + 1;
            if (!dl_utf8_valid(pr->key, klen) || memchr(pr->key, '\0', klen)) {
                return dl_error_set(err, DL_EENCODING, "invalid UTF-8 in a parameter name");
            }
            if (!dl_utf8_valid(pr->val, pr->vlen)) {
                return dl_error_set(err, DL_EENCODING, "invalid UTF-8 in parameter '%.40s'",
                                    pr->key);
            }
            p->n++;
        }
        s = stop + 1;
    }
    return DL_OK;
}

void dl_params_release(struct dl_params *p)
{
    free(p->v);
    free(p->store);
    p->v = NULL;
    p->store = NULL;
    p->n = 0;
}

const char *dl_params_get(const struct dl_params *p, const char *key, size_t *len)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->v[i].key, key) == 0) {
            if (len) {
                *len = p->v[i].vlen;
            }
            return p->v[i].val;
        }
    }
    return NULL;
}

/* --- replies ----------------------------------------------------------------- */

void dl_reply_init(struct dl_reply *r, int html)
{
    memset(r, 0, sizeof *r);
    r->status = MHD_HTTP_OK;
    r->type = "application/json";
    dl_buf_init(&r->body, 0);
    r->html = html;
    r->fd = -1;
}

void dl_reply_release(struct dl_reply *r)
{
    int html = r->html;
    dl_buf_release(&r->body);
    if (r->fd >= 0) {
        close(r->fd);
    }
    dl_reply_init(r, html);
}

void dl_reply_error(struct dl_reply *r, unsigned status, const char *code, const char *fmt, ...)
{
    dl_reply_release(r);
    r->status = status;
    r->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    /* Messages quote client input: a cut must not leave half a UTF-8 character, and
     * anything else invalid (a method name) is replaced, so the JSON stays valid. */
    size_t len = strlen(r->message);
    for (size_t cut = 0; cut < 3 && len && !dl_utf8_valid(r->message, len); cut++) {
        r->message[--len] = '\0';
    }
    if (!dl_utf8_valid(r->message, len)) {
        for (size_t i = 0; i < len; i++) {
            if ((unsigned char)r->message[i] >= 0x80) {
                r->message[i] = '?';
            }
        }
    }
}

/* --- static files --------------------------------------------------------------- */

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
 * rel is the decoded path after "/static/", raw the same part as sent.
 * Anything that could name a file outside the web folder is refused before
 * any file is touched; what is opened is then checked again by its real
 * path, which also catches symbolic links in intermediate folders.
 */
static void serve_static(const struct dl_server_config *cfg, struct MHD_Connection *con,
                         const char *raw, size_t raw_len, const char *rel, size_t rel_len,
                         struct dl_reply *rep)
{
    if (rel_len == 0 || has_ci(raw, raw_len, "%2e") || has_ci(raw, raw_len, "%2f") ||
        has_ci(raw, raw_len, "%5c") || has_ci(raw, raw_len, "%00") || memchr(rel, '\0', rel_len) ||
        strstr(rel, "..") || strstr(rel, "//") || strchr(rel, '\\') || rel[0] == '.' ||
        strstr(rel, "/.")) {
        dl_reply_error(rep, MHD_HTTP_BAD_REQUEST, "bad_request", "invalid static file path");
        return;
    }
    struct dl_buf path = DL_BUF_INIT;
    dl_buf_addf(&path, "%s/%s", cfg->web_dir, rel);
    int fd = open(path.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    dl_buf_release(&path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) {
            close(fd);
        }
        dl_reply_error(rep, MHD_HTTP_NOT_FOUND, "not_found", "no static file '%s'", rel);
        return;
    }
    char proc[64], real[PATH_MAX];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    size_t wl = strlen(cfg->web_dir);
    if (!realpath(proc, real) || strncmp(real, cfg->web_dir, wl) != 0 || real[wl] != '/') {
        close(fd);
        dl_reply_error(rep, MHD_HTTP_NOT_FOUND, "not_found", "no static file '%s'", rel);
        return;
    }
    /* Blocking reads again: MHD reads the file itself (sendfile). */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    snprintf(rep->etag, sizeof rep->etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtime);
    rep->type = content_type(rel);
    rep->cache = "public, max-age=3600";
    const char *inm = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match");
    if (inm && strstr(inm, rep->etag)) {
        close(fd);
        rep->status = MHD_HTTP_NOT_MODIFIED;
        return;
    }
    rep->fd = fd;
    rep->fd_size = (uint64_t)st.st_size;
}

/* --- routing ----------------------------------------------------------------- */

static int is_page(const char *path)
{
    return strcmp(path, "/") == 0 || strcmp(path, "/search") == 0 || strncmp(path, "/doc/", 5) == 0;
}

/* Errors of page routes are pages; of other non-API paths, pages if the client takes HTML. */
static int wants_html(struct MHD_Connection *con, const char *path)
{
    if (is_page(path)) {
        return 1;
    }
    if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/healthz") == 0 ||
        strncmp(path, "/static/", 8) == 0) {
        return 0;
    }
    const char *accept = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Accept");
    return accept && strstr(accept, "text/html") != NULL;
}

typedef int (*route_fn)(struct dl_request *rq, const char *arg, struct dl_reply *rep,
                        struct dl_error *err);

static int r_api_search(struct dl_request *rq, const char *arg, struct dl_reply *rep,
                        struct dl_error *err)
{
    return dl_api_search(rq, rep, err);
}

static int r_api_health(struct dl_request *rq, const char *arg, struct dl_reply *rep,
                        struct dl_error *err)
{
    return dl_api_health(rq, rep, err);
}

static int r_page_home(struct dl_request *rq, const char *arg, struct dl_reply *rep,
                       struct dl_error *err)
{
    return dl_page_home(rq, rep, err);
}

static int r_page_search(struct dl_request *rq, const char *arg, struct dl_reply *rep,
                         struct dl_error *err)
{
    return dl_page_search(rq, rep, err);
}

/*
 * Run a route that reads the index: refresh this thread's handle, run, and
 * if a commit discarded the revision while it ran, do both once more.
 */
static void run_indexed(struct dl_server *srv, struct dl_request *rq, route_fn fn, const char *arg,
                        struct dl_reply *rep)
{
    struct dl_error err = DL_ERROR_INIT;
    int rc = DL_OK;
    rq->w = current_worker(srv);
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = dl_worker_refresh(rq->w, srv->cfg, &err);
        if (rc == DL_OK) {
            rc = fn(rq, arg, rep, &err);
        }
        if (rc != DL_EMODIFIED) {
            break;
        }
        dl_reply_release(rep);
    }
    if (rc != DL_OK) {
        dl_log(DL_LOG_ERROR, "%s: %s", rq->path, err.msg);
        /* The details (paths, Xapian's words) are for the log, not for clients. */
        dl_reply_error(rep, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                       "the search index cannot be read right now (%s)", dl_status_name(rc));
    }
}

/*
 * Refuse, on the first call, what no route will take: methods other than
 * GET and HEAD, and bodies over MAX_BODY. Returns 1 with `rep` filled.
 */
static int early_refusal(struct MHD_Connection *con, struct request_ctx *c, const char *method,
                         struct dl_reply *rep)
{
    const char *uri = c->uri;
    int page =
        strcmp(uri, "/") == 0 || strncmp(uri, "/search", 7) == 0 || strncmp(uri, "/doc/", 5) == 0;
    rep->html = page;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        dl_reply_error(rep, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                       "method %.20s not allowed: use GET or HEAD", method);
        rep->allow = "GET, HEAD";
        return 1;
    }
    const char *clen = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
    if (clen && strtoull(clen, NULL, 10) > MAX_BODY) {
        dl_reply_error(rep, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large",
                       "request body too large: at most %d bytes", MAX_BODY);
        return 1;
    }
    return 0;
}

static void route(struct dl_server *srv, struct MHD_Connection *con, struct request_ctx *c,
                  struct dl_reply *rep)
{
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
    rep->html = path_ok && wants_html(con, path);

    struct dl_request rq = {.cfg = srv->cfg, .path = path, .path_len = plen, .t0 = c->t0};
    struct dl_error err = DL_ERROR_INIT;

    if (!path_ok) {
        dl_reply_error(rep, MHD_HTTP_BAD_REQUEST, "bad_request",
                       raw_plen && uri[0] == '/' ? "invalid UTF-8 or NUL in the path"
                                                 : "the request target must be a path");
        goto out_path;
    }
    if (qmark && qs_end > raw_plen + 1) {
        if (dl_params_parse(&rq.params, qmark + 1, qs_end - raw_plen - 1, &err) != DL_OK) {
            dl_reply_error(rep, MHD_HTTP_BAD_REQUEST, "bad_request", "%s", err.msg);
            goto out_params;
        }
    }

    if (strcmp(path, "/api/search") == 0) {
        run_indexed(srv, &rq, r_api_search, NULL, rep);
    } else if (strncmp(path, "/api/doc/", 9) == 0 && plen > 9) {
        run_indexed(srv, &rq, dl_api_doc, path + 9, rep);
    } else if (strcmp(path, "/healthz") == 0) {
        run_indexed(srv, &rq, r_api_health, NULL, rep);
    } else if (strcmp(path, "/") == 0) {
        run_indexed(srv, &rq, r_page_home, NULL, rep);
    } else if (strcmp(path, "/search") == 0) {
        run_indexed(srv, &rq, r_page_search, NULL, rep);
    } else if (strncmp(path, "/doc/", 5) == 0 && plen > 5) {
        run_indexed(srv, &rq, dl_page_doc, path + 5, rep);
    } else if (strncmp(path, "/static/", 8) == 0) {
        serve_static(srv->cfg, con, uri + 8, raw_plen - 8, path + 8, plen - 8, rep);
    } else {
        dl_reply_error(rep, MHD_HTTP_NOT_FOUND, "not_found", "no such page: %s", path);
    }
out_params:
    dl_params_release(&rq.params);
out_path:
    free(path);
}

/* --- libmicrohttpd callbacks ------------------------------------------------------ */

static void add_headers(struct MHD_Response *r, const struct dl_reply *rep)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rep->type);
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
}

static enum MHD_Result queue_reply(struct MHD_Connection *con, struct request_ctx *c,
                                   struct dl_reply *rep)
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
    add_headers(r, rep);
    c->status = rep->status;
    enum MHD_Result ok = MHD_queue_response(con, rep->status, r);
    MHD_destroy_response(r);
    return ok;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    struct dl_server *srv = cls;
    struct request_ctx *c = dl_xcalloc(1, sizeof *c);
    c->srv = srv;
    c->t0 = dl_now();
    c->uri = dl_xstrdup(uri ? uri : "");
    atomic_fetch_add(&srv->inflight, 1);
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
    if (c->answered || *upload_data_size) {
        *upload_data_size = 0; /* discard any body: no route reads one */
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
        if (!early_refusal(con, c, method, &rep)) {
            dl_reply_release(&rep);
            return MHD_YES;
        }
    } else {
        route(srv, con, c, &rep);
    }
    c->answered = 1;
    enum MHD_Result ok = queue_reply(con, c, &rep);
    dl_reply_release(&rep);
    return ok;
}

static void log_access(const struct request_ctx *c, enum MHD_RequestTerminationCode toe)
{
    char line[LOG_URI_MAX * 4 + 128];
    size_t o = 0;
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

static void on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct dl_server *srv = cls;
    struct request_ctx *c = *req_cls;
    if (!c) {
        return;
    }
    if (srv->cfg->access_log) {
        log_access(c, toe);
    }
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
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: with it a second server could share the port. */
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, l->addr, MHD_OPTION_ARRAY, pool, MHD_OPTION_CONNECTION_LIMIT,
        l->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, l->timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
    if (!srv->daemon) {
        int e = errno;
        pthread_mutex_destroy(&srv->lock);
        free(srv);
        return dl_error_set(err, DL_EIO, "cannot start the HTTP server: %s",
                            e ? strerror(e) : "unknown error");
    }
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
    MHD_socket lsock = MHD_quiesce_daemon(s->daemon);
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
    if (lsock != MHD_INVALID_SOCKET) {
        close(lsock);
    }
    for (size_t i = 0; i < s->nworkers; i++) {
        dl_worker_release(s->workers[i]);
        free(s->workers[i]);
    }
    free(s->workers);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return DL_OK;
}
