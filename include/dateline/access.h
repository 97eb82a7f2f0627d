/*
 * access.h - who may ask: the shared token and its login page, the CORS
 * origins, and the per-client rate limit.
 *
 * http.c decides when each applies (the order of the refusals is at the
 * top of http.c; which paths are open without the token is in the route
 * table, route.c); this module holds the parts that need no connection.
 * The token itself belongs to main.c (struct dl_server_config); nothing
 * here keeps a copy of it.
 */
#ifndef DATELINE_ACCESS_H
#define DATELINE_ACCESS_H

#include <stddef.h>

#include "dateline/common.h"
#include "dateline/request.h"

struct dl_server_config; /* config.h */

/* --- the rate limit ------------------------------------------------------------ */

/*
 * Per-client token buckets: `rate` requests per second, bursts of `burst`.
 * The table holds at most `slots` clients; a new client takes the place of
 * the one seen least recently among those its key may use, which can only
 * give that one a fresh bucket. Thread-safe (one mutex).
 */
struct dl_rate;
struct dl_rate *dl_rate_new(double rate, double burst, size_t slots);
void dl_rate_free(struct dl_rate *r);
/*
 * Take one request for the client `key[0..n)` (n <= 16) at time `now`
 * (dl_now()). Returns 0 when allowed, else the whole seconds (>= 1) after
 * which the next request will be.
 */
unsigned dl_rate_take(struct dl_rate *r, const void *key, size_t n, double now);

/* --- the token ----------------------------------------------------------------- */

/* 1 if given[0..glen) equals the configured token; time independent of where they differ. */
int dl_token_equal(const struct dl_server_config *cfg, const char *given, size_t glen);
/*
 * Read a token file: trimmed, token68 characters only, at least
 * DL_TOKEN_MIN bytes, and not readable or writable by others. *out is
 * allocated (the caller frees it) or NULL on error (DL_EIO, DL_EINVAL).
 */
#define DL_TOKEN_MIN 16
int dl_token_load(const char *path, char **out, size_t *len, struct dl_error *err);

/* --- CORS ---------------------------------------------------------------------- */

/* 1 if `origin` is one of the --cors origins (exact match). */
int dl_origin_allowed(const struct dl_server_config *cfg, const char *origin);

/* --- the Host header ------------------------------------------------------------ */

/*
 * 1 if a request whose Host header is `host` (NULL: none, as HTTP/1.0
 * allows) is for this server, bound to `port`; else http.c answers 421.
 * The names it answers to: localhost, 127.0.0.1 and [::1] always (a
 * browser sends them only for pages loaded from this machine), and each
 * --allow-host; a NAME matches Host NAME and NAME:port, a NAME:PORT only
 * itself. Names compare without case. Without Host: only on a loopback
 * bind (cfg->loopback). A page of a hostile site whose name was rebound
 * to this server's address sends its own name, so DNS rebinding gets 421.
 */
int dl_host_allowed(const struct dl_server_config *cfg, const char *host, unsigned port);

/* --- the login page ------------------------------------------------------------ */

/* Fill `rep` with the login page; `message` (may be NULL) is shown above the form. */
void dl_page_login(struct dl_reply *rep, const char *message);
/*
 * The /login route (only with --token): GET shows the form; POST checks
 * the form's token and, when it is right, sets the cookie and sends the
 * client to /. Always DL_OK (route.h's contract), the answer in `rep`.
 */
int dl_access_login(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);

#endif
