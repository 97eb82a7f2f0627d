/*
 * request.h - one HTTP request as the routes see it, and the reply they build.
 *
 * The leaf of dateline-serve: it knows HTTP's status codes and methods as
 * plain numbers and includes no other server module's header, so that
 * every route (api.c, html.c, access.c, files.c) and search.c can use it
 * without knowing libmicrohttpd or each other. http.c fills a
 * struct dl_request from the connection and turns a struct dl_reply into
 * a response; nothing here touches a socket.
 *
 * Ownership: a struct dl_request borrows everything it points to from
 * http.c for the duration of one route call, except `params`, which it
 * owns (dl_params_release). A struct dl_reply owns its body and its file
 * descriptor until http.c hands them to libmicrohttpd; dl_reply_release()
 * frees both and leaves the reply initialised.
 *
 * Errors: dl_params_parse() returns a status with a message in `err`;
 * a route turns a client error into a reply with dl_reply_error(), which
 * cannot fail.
 */
#ifndef DATELINE_REQUEST_H
#define DATELINE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "dateline/buf.h"
#include "dateline/common.h"

struct dl_limits;        /* config.h */
struct dl_server_config; /* config.h */
struct dl_worker;        /* worker.h */
struct dl_metrics;       /* metrics.h */

/* The HTTP status codes dateline answers with (RFC 9110 numbers, checked against
 * libmicrohttpd's in http.c). */
enum dl_http_status {
    DL_HTTP_OK = 200,
    DL_HTTP_NO_CONTENT = 204,
    DL_HTTP_SEE_OTHER = 303,
    DL_HTTP_NOT_MODIFIED = 304,
    DL_HTTP_BAD_REQUEST = 400,
    DL_HTTP_UNAUTHORIZED = 401,
    DL_HTTP_FORBIDDEN = 403,
    DL_HTTP_NOT_FOUND = 404,
    DL_HTTP_METHOD_NOT_ALLOWED = 405,
    DL_HTTP_CONTENT_TOO_LARGE = 413,
    DL_HTTP_URI_TOO_LONG = 414,
    DL_HTTP_UNSUPPORTED_MEDIA_TYPE = 415,
    DL_HTTP_MISDIRECTED_REQUEST = 421,
    DL_HTTP_TOO_MANY_REQUESTS = 429,
    DL_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE = 431,
    DL_HTTP_SERVICE_UNAVAILABLE = 503,
};

/* The methods a route may take, as bits (a route's set is an OR of them). */
enum dl_method {
    DL_METHOD_GET = 1 << 0,     /* GET, and HEAD (libmicrohttpd drops the body) */
    DL_METHOD_POST = 1 << 1,    /* a form in the body (see DL_SERVE_MAX_FORM) */
    DL_METHOD_OPTIONS = 1 << 2, /* a CORS preflight, answered only with --cors */
};

/* The method named `name` (case-sensitive, as HTTP says), or 0 for any other. */
unsigned dl_method_of(const char *name);

#define DL_SERVE_MAX_PARAMS 64 /* query-string parameters */
#define DL_SERVE_MAX_FORM 4096 /* bytes of a POST body (the login form) */

/* --- the query string ------------------------------------------------------- */
struct dl_param {
    const char *key; /* decoded, NUL-terminated, valid UTF-8 */
    const char *val; /* decoded, NUL-terminated, valid UTF-8 ("" for "key" alone) */
    size_t vlen;     /* bytes of val (val may contain NUL from %00) */
};

struct dl_params {
    struct dl_param *v; /* in query-string order */
    size_t n;
    char *store;                    /* one allocation holding every decoded key and value */
    const struct dl_limits *limits; /* set by the caller for dl_search_parse; NULL = defaults */
};

/*
 * Decode a raw query string (without '?'): '&'-separated key=value pairs,
 * '+' and %XX decoded, a malformed %-escape kept literally. Returns DL_OK,
 * DL_EENCODING when a key or value is not valid UTF-8 (`err` names the
 * parameter), or DL_ELIMIT past DL_SERVE_MAX_PARAMS. `p` is always left
 * releasable; p->limits is set to NULL.
 */
int dl_params_parse(struct dl_params *p, const char *qs, size_t n, struct dl_error *err);
void dl_params_release(struct dl_params *p);
/* The first value of `key`, or NULL; *len (may be NULL) gets its length. */
const char *dl_params_get(const struct dl_params *p, const char *key, size_t *len);

/*
 * Percent-decode src[0..n) into dst (room for n + 1 bytes), '+' becoming
 * a space when `plus`. Returns the decoded length; dst is NUL-terminated.
 */
size_t dl_url_decode(char *dst, const char *src, size_t n, int plus);

/* --- replies ------------------------------------------------------------------- */
/*
 * A body written while it is sent (an export), in place of a reply's `body`: http.c calls
 * fill(ctx, buf, max) on the connection's thread until it returns 0 (the end) or -1 (a
 * failure: the connection is cut, so the client sees a body that did not end); fill returns
 * how many bytes (1..max) it wrote into buf otherwise. done(ctx) frees ctx, once, whether the
 * body was sent or not (dl_reply_release, or libmicrohttpd after the response).
 */
struct dl_stream {
    long (*fill)(void *ctx, char *buf, size_t max);
    void (*done)(void *ctx);
    void *ctx; /* owned by the reply until handed over */
};

struct dl_reply {
    unsigned status;      /* a DL_HTTP_* code, DL_HTTP_OK unless set */
    const char *type;     /* Content-Type (static string) */
    struct dl_buf body;   /* the body, handed to libmicrohttpd without copying */
    const char *code;     /* error code ("bad_request") when status >= 400, else NULL */
    char message[320];    /* error message for the client */
    int html;             /* render errors as an HTML page rather than JSON */
    const char *allow;    /* Allow header for 405, or NULL */
    const char *cache;    /* Cache-Control, or NULL for "no-store" */
    char etag[48];        /* ETag for static files, "" when none */
    int fd;               /* static file to send instead of body, or -1 */
    uint64_t fd_size;     /* bytes of fd */
    const char *location; /* Location header (redirects), or NULL */
    unsigned retry_after; /* Retry-After seconds (429), 0 for none */
    int set_cookie;       /* 1: set the login cookie (the token), 0: nothing */

    /* an export: the body streamed (fill set; `body` unused), and its Content-Disposition */
    struct dl_stream stream;
    const char *disposition; /* static string, or NULL */
};

void dl_reply_init(struct dl_reply *r, int html);
void dl_reply_release(struct dl_reply *r); /* closes fd, frees body and stream; keeps `html` */
/*
 * Turn `r` into an error reply (body discarded); the message is printf-formatted,
 * cut to fit on a character boundary, and any other invalid UTF-8 in it replaced by '?'.
 */
void dl_reply_error(struct dl_reply *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* --- one request as a route sees it ------------------------------------- */
struct dl_request {
    const struct dl_server_config *cfg;
    struct dl_worker *w; /* this thread's index state; refreshed for routes that read the index */
    struct dl_metrics *metrics; /* the server's counters (metrics.h) */
    unsigned method;            /* DL_METHOD_GET or DL_METHOD_POST (what the route allowed) */
    const char *path;           /* decoded path, valid UTF-8 without NUL */
    size_t path_len;
    const char *raw_path; /* the path as sent (before '?'), not NUL-terminated at raw_path_len */
    size_t raw_path_len;
    const char *arg; /* what follows a prefix route's prefix in `path` ("ID" of /doc/ID), or "" */
    size_t arg_len;
    const char *raw_arg; /* raw_path from the same byte offset as `arg` in `path` */
    size_t raw_arg_len;
    struct dl_params params;   /* decoded query string */
    const char *if_none_match; /* the If-None-Match header, or NULL */
    const char *host;          /* the Host header (checked by http.c), or NULL */
    int https; /* a trusted proxy (--trust-proxy) says the client used https (X-Forwarded-Proto) */
    const char *body;          /* a POST body, NUL-terminated ("" for none) */
    size_t body_len;
    int body_too_big; /* the POST body went past DL_SERVE_MAX_FORM (and was dropped) */
    double t0;        /* dl_now() when the request arrived */
};

#endif
