/*
 * http.h - the daemon: libmicrohttpd from a socket to a queued response.
 *
 * The only module that speaks HTTP. It reads the raw request target,
 * refuses what no route will take (in the order given at the top of
 * http.c), decodes the path and the query string into a struct
 * dl_request, runs the route the table (route.h) names on this thread's
 * worker (worker.h), and turns the struct dl_reply into a response with
 * the security headers, writing one access-log line per request.
 *
 * Threads: libmicrohttpd runs a pool of worker threads; each creates its
 * struct dl_worker on its first request, and dl_server_stop() frees them
 * all. The configuration is borrowed for the server's whole life.
 */
#ifndef DATELINE_HTTP_H
#define DATELINE_HTTP_H

#include <stddef.h>

#include "dateline/common.h"

struct dl_server;
struct dl_server_config; /* config.h */
struct sockaddr;

struct dl_listen {
    const struct sockaddr *addr; /* address to bind (IPv4 or IPv6) */
    int listen_fd;               /* when > 0, a listening socket served instead of binding addr
                                    (socket activation; addr is then its address) */
    unsigned threads;            /* worker threads (>= 1) */
    unsigned max_connections;    /* concurrent connections */
    unsigned max_per_ip;         /* concurrent connections from one address, 0 = any */
    unsigned timeout;            /* idle seconds before a connection is closed (keep-alive) */
    unsigned header_timeout;     /* the most a request's line and headers may take (capped at
                                    timeout): see the top of http.c */
    size_t request_memory;       /* per-connection memory for the request line and headers */
};

/* Start serving. On failure returns DL_EIO with a message and *out = NULL. */
int dl_server_start(struct dl_server **out, const struct dl_server_config *cfg,
                    const struct dl_listen *l, struct dl_error *err);
/* The port actually bound (useful with port 0). */
unsigned dl_server_port(struct dl_server *s);
/*
 * Stop taking connections (each new one is closed as soon as accepted,
 * and each open one after its next response), wait up to `grace` seconds
 * for requests in flight to finish, stop the daemon and free everything
 * (NULL is a no-op): DL_OK.
 * If requests are still running after `grace`, returns DL_ETIMEOUT and
 * leaves everything as it is (stopping would wait for them forever): the
 * caller can only _exit().
 */
int dl_server_stop(struct dl_server *s, double grace);
/* The version of libmicrohttpd in use, for --version. */
const char *dl_server_mhd_version(void);

#endif
