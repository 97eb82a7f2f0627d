/*
 * config.h - what the operator chose for dateline-serve.
 *
 * main.c fills one struct dl_server_config from the command line before
 * the server starts; every other module only reads it, from any thread,
 * through the pointer it was given (struct dl_request's `cfg`). The
 * strings it points to belong to main.c and outlive the server.
 *
 * A header without a .c: there is nothing to do with a configuration but
 * read it.
 */
#ifndef DATELINE_CONFIG_H
#define DATELINE_CONFIG_H

#include <stdatomic.h>
#include <stddef.h>

struct dl_shardset;

/* Defaults of the limits on q an operator may change. */
#define DL_SERVE_MAX_QUERY 1000   /* bytes of q */
#define DL_SERVE_MAX_TERMS 64     /* words in q */
#define DL_SERVE_MAX_WILDCARDS 16 /* prefix* terms in q */
#define DL_SERVE_MAX_URI 8192     /* default bytes of the request target (--max-uri) */

/* The limits on q an operator may change (--max-query, --max-terms, --max-wildcards). */
struct dl_limits {
    size_t max_query;     /* bytes of q */
    size_t max_terms;     /* words in q */
    size_t max_wildcards; /* prefix* terms in q */
};

struct dl_server_config {
    const char *db_path;          /* index directory or stub file */
    struct dl_shardset *shards;   /* a stub's shards and their health (shardset.h), or NULL */
    const char *web_dir;          /* canonical (realpath) folder served under /static/ */
    double query_timeout;         /* seconds for one Xapian match, 0 = none */
    unsigned max_wildcard;        /* most terms one wildcard may expand to */
    unsigned long check_at_least; /* matches examined for exact totals and facets */
    unsigned long export_limit;   /* rows of one /api/export at most (0: the default) */
    atomic_int access_log;        /* one line per request on stderr (SIGHUP may change it) */
    atomic_int log_json;          /* ... as JSON lines (SIGHUP may change it) */
    int log_time;                 /* JSON access lines carry the time (not under journald) */
    struct dl_limits limits;      /* on q; zeros mean the DL_SERVE_MAX_* defaults */
    size_t max_uri;               /* bytes of the request target, longer is a 414 */
    /* access control (access.c); all off when zero/NULL */
    const char *token;       /* the shared secret (token68 characters), or NULL */
    size_t token_len;        /* bytes of token */
    const char *const *cors; /* allowed Origins ("https://host[:port]"), ncors of them */
    size_t ncors;
    double rate;     /* requests per second per client (burst: the same), 0 = none */
    int trust_proxy; /* client address from X-Forwarded-For's last hop */
    /* the Host header (access.c's dl_host_allowed) */
    const char *const *allow_hosts; /* --allow-host NAME or NAME:PORT, nallow_hosts of them */
    size_t nallow_hosts;
    int loopback; /* bound to a loopback address: requests without Host are taken */
};

#endif
