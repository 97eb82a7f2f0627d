/*
 * access.c - who may ask: the shared token and its login page, the CORS
 * origins, and the per-client rate limit. http.c decides when each applies;
 * this file holds the parts that do not need a connection.
 */
#include "dateline/access.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dateline/config.h"

#define TOKEN_FILE_MAX 4096 /* a token file larger than this is not a token */
#define PROBE 8             /* slots of the rate table one client key may use */

/* --- the rate limit ------------------------------------------------------------ */

struct slot {
    unsigned char key[16]; /* client address (IPv4, or the /64 of IPv6) */
    unsigned char klen;    /* bytes of key, 0 for a free slot */
    double tokens;         /* requests the client may still make now */
    double last;           /* dl_now() of its last request */
};

struct dl_rate {
    pthread_mutex_t lock; /* guards slots */
    double rate, burst;
    uint64_t seed; /* random: a client cannot choose addresses that share slots */
    size_t mask;   /* slots - 1 (a power of two) */
    struct slot *slots;
};

struct dl_rate *dl_rate_new(double rate, double burst, size_t slots)
{
    struct dl_rate *r = dl_xcalloc(1, sizeof *r);
    size_t n = 16;
    while (n < slots && n < ((size_t)1 << 24)) {
        n <<= 1;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->rate = rate > 0 ? rate : 1;
    r->burst = burst >= 1 ? burst : 1;
    r->mask = n - 1;
    r->slots = dl_xcalloc(n, sizeof *r->slots);
    if (getrandom(&r->seed, sizeof r->seed, GRND_NONBLOCK) != (ssize_t)sizeof r->seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r->seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
    }
    return r;
}

void dl_rate_free(struct dl_rate *r)
{
    if (!r) {
        return;
    }
    pthread_mutex_destroy(&r->lock);
    free(r->slots);
    free(r);
}

static uint64_t hash_key(uint64_t seed, const unsigned char *k, size_t n)
{
    uint64_t h = dl_hash64_add(DL_HASH64_INIT ^ seed, k, n);
    /* splitmix64's finaliser: FNV's low bits alone are weak for the table index. */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

unsigned dl_rate_take(struct dl_rate *r, const void *key, size_t n, double now)
{
    if (n > 16) {
        n = 16;
    }
    size_t at = (size_t)hash_key(r->seed, key, n) & r->mask;
    unsigned wait = 0;
    pthread_mutex_lock(&r->lock);
    struct slot *s = NULL, *oldest = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        struct slot *t = &r->slots[(at + i) & r->mask];
        if (t->klen == 0) {
            /* Slots are replaced, never emptied: the key is not further along. */
            oldest = t;
            break;
        }
        if (t->klen == n && memcmp(t->key, key, n) == 0) {
            s = t;
            break;
        }
        if (!oldest || t->last < oldest->last) {
            oldest = t;
        }
    }
    if (!s) {
        s = oldest;
        memset(s->key, 0, sizeof s->key);
        memcpy(s->key, key, n);
        s->klen = (unsigned char)n;
        s->tokens = r->burst;
        s->last = now;
    }
    if (now > s->last) {
        s->tokens += (now - s->last) * r->rate;
        if (s->tokens > r->burst) {
            s->tokens = r->burst;
        }
        s->last = now;
    }
    if (s->tokens >= 1.0) {
        s->tokens -= 1.0;
    } else {
        double secs = ceil((1.0 - s->tokens) / r->rate);
        wait = secs < 1 ? 1 : secs > 3600 ? 3600 : (unsigned)secs;
    }
    pthread_mutex_unlock(&r->lock);
    return wait;
}

/* --- the token ----------------------------------------------------------------- */

int dl_token_equal(const struct dl_server_config *cfg, const char *given, size_t glen)
{
    if (!cfg->token || !given) {
        return 0;
    }
    /* Every byte of the token is compared whatever the input: only its length can leak. */
    const unsigned char *t = (const unsigned char *)cfg->token;
    const unsigned char *g = (const unsigned char *)given;
    unsigned diff = glen != cfg->token_len;
    for (size_t i = 0; i < cfg->token_len; i++) {
        diff |= t[i] ^ (i < glen ? g[i] : 0u);
    }
    return diff == 0;
}

static int token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* token68 (RFC 7235): what fits an Authorization header and a cookie unquoted. */
static int token68(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && token_char(s[i])) {
        i++;
    }
    if (i == 0) {
        return 0;
    }
    while (i < n && s[i] == '=') {
        i++;
    }
    return i == n;
}

/* The token in buf[0..n) (the file's bytes) into *out, or an error naming `path`. */
static int check_token(const char *path, const char *buf, size_t n, char **out, size_t *len,
                       struct dl_error *err)
{
    if (n > TOKEN_FILE_MAX) {
        return dl_error_set(err, DL_EINVAL, "cannot use token file '%s': larger than %d bytes",
                            path, TOKEN_FILE_MAX);
    }
    size_t a = 0, b = n;
    while (a < b && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\r' || buf[a] == '\n')) {
        a++;
    }
    while (b > a &&
           (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r' || buf[b - 1] == '\n')) {
        b--;
    }
    if (a == b) {
        return dl_error_set(err, DL_EINVAL, "cannot use token file '%s': it is empty", path);
    }
    if (!token68(buf + a, b - a)) {
        return dl_error_set(err, DL_EINVAL,
                            "cannot use token file '%s': the token may only hold letters, "
                            "digits and -._~+/ (then '=' padding), on one line",
                            path);
    }
    if (b - a < DL_TOKEN_MIN) {
        return dl_error_set(err, DL_EINVAL,
                            "cannot use token file '%s': the token has %zu characters, at least "
                            "%d are needed",
                            path, b - a, DL_TOKEN_MIN);
    }
    char *tok = dl_xmalloc(b - a + 1);
    memcpy(tok, buf + a, b - a);
    tok[b - a] = '\0';
    *out = tok;
    *len = b - a;
    return DL_OK;
}

int dl_token_load(const char *path, char **out, size_t *len, struct dl_error *err)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return dl_error_set(err, DL_EIO, "cannot read token file '%s': %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return dl_error_set(err, DL_EINVAL, "cannot use token file '%s': not a regular file", path);
    }
    if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
        close(fd);
        return dl_error_set(err, DL_EINVAL,
                            "cannot use token file '%s': other users may read or change it "
                            "(mode %03o; chmod 600 it)",
                            path, (unsigned)(st.st_mode & 0777));
    }
    char buf[TOKEN_FILE_MAX + 1];
    size_t n = 0;
    for (;;) {
        ssize_t got = read(fd, buf + n, sizeof buf - n);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            int e = errno;
            close(fd);
            return dl_error_set(err, DL_EIO, "cannot read token file '%s': %s", path, strerror(e));
        }
        if (got == 0 || (n += (size_t)got) == sizeof buf) {
            break;
        }
    }
    close(fd);
    int rc = check_token(path, buf, n, out, len, err);
    explicit_bzero(buf, sizeof buf); /* the secret stays only in *out */
    return rc;
}

/* --- CORS ---------------------------------------------------------------------- */

int dl_origin_allowed(const struct dl_server_config *cfg, const char *origin)
{
    if (!origin) {
        return 0;
    }
    for (size_t i = 0; i < cfg->ncors; i++) {
        if (strcmp(cfg->cors[i], origin) == 0) {
            return 1;
        }
    }
    return 0;
}

/* --- the Host header ---------------------------------------------------------------- */

/* Does Host `host[0..n)` name `name` (NAME or NAME:PORT), on `port`? */
static int host_is(const char *host, size_t n, const char *name, unsigned port)
{
    size_t nlen = strlen(name);
    if (n < nlen || strncasecmp(host, name, nlen) != 0) {
        return 0;
    }
    if (n == nlen) {
        return 1;
    }
    /* NAME, and the Host adds a port: only the bound one. NAME:PORT matched whole above. */
    const char *bracket = strrchr(name, ']');
    if (host[nlen] != ':' || strchr(bracket ? bracket : name, ':')) {
        return 0;
    }
    char want[8];
    snprintf(want, sizeof want, "%u", port);
    return n - nlen - 1 == strlen(want) && memcmp(host + nlen + 1, want, n - nlen - 1) == 0;
}

int dl_host_allowed(const struct dl_server_config *cfg, const char *host, unsigned port)
{
    static const char *const local[] = {"localhost", "127.0.0.1", "[::1]"};
    if (!host) {
        return cfg->loopback;
    }
    size_t n = strlen(host);
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        if (host_is(host, n, local[i], port)) {
            return 1;
        }
    }
    for (size_t i = 0; i < cfg->nallow_hosts; i++) {
        if (host_is(host, n, cfg->allow_hosts[i], port)) {
            return 1;
        }
    }
    return 0;
}

/* --- the login page ---------------------------------------------------------------- */

void dl_page_login(struct dl_reply *rep, const char *message)
{
    struct dl_buf *b = &rep->body;
    dl_buf_reset(b);
    rep->type = "text/html; charset=utf-8";
    dl_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>Sign in – dateline</title>\n"
                   "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
                   "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n"
                   "</head>\n<body>\n"
                   "<header class=\"top\"><span class=\"brand\">dateline</span></header>\n"
                   "<main id=\"main\" class=\"login\">\n<h1>Sign in</h1>\n");
    if (message && *message) {
        dl_buf_adds(b, "<p class=\"note\" role=\"alert\">");
        dl_buf_add_html(b, message, strlen(message));
        dl_buf_adds(b, "</p>\n");
    }
    dl_buf_adds(b, "<form class=\"search\" action=\"/login\" method=\"post\">\n"
                   "<label for=\"token\">Access token</label>\n<div class=\"row\">"
                   "<input id=\"token\" name=\"token\" type=\"password\" required autofocus "
                   "autocomplete=\"current-password\" maxlength=\"1024\"> "
                   "<button type=\"submit\">Sign in</button></div>\n</form>\n"
                   "<p>Ask the people who run this server for the token.</p>\n"
                   "</main>\n</body>\n</html>\n");
}

int dl_access_login(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err)
{
    rep->html = 1; /* the form's own errors are pages, whatever the Accept header says */
    if (rq->method != DL_METHOD_POST) {
        dl_page_login(rep, NULL);
        return DL_OK;
    }
    if (rq->body_too_big) {
        dl_reply_error(rep, DL_HTTP_CONTENT_TOO_LARGE, "payload_too_large",
                       "request body too large: at most %d bytes", DL_SERVE_MAX_FORM);
        return DL_OK;
    }
    struct dl_params form;
    struct dl_error perr = DL_ERROR_INIT;
    size_t len = 0;
    const char *tok = NULL;
    if (dl_params_parse(&form, rq->body, rq->body_len, &perr) == DL_OK) {
        tok = dl_params_get(&form, "token", &len);
    }
    if (tok && dl_token_equal(rq->cfg, tok, len)) {
        rep->status = DL_HTTP_SEE_OTHER;
        rep->location = "/";
        rep->set_cookie = 1;
        rep->type = "text/html; charset=utf-8";
        dl_buf_adds(&rep->body, "<!DOCTYPE html>\n<title>Signed in</title>\n"
                                "<p>Signed in: <a href=\"/\">search</a>.</p>\n");
    } else {
        dl_page_login(rep, tok ? "That token is not right: try again." : "Type the token.");
        rep->status = DL_HTTP_UNAUTHORIZED;
    }
    dl_params_release(&form);
    return DL_OK;
}
