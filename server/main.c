/*
 * main.c - dateline-serve: options, the index check, signals, shutdown.
 *
 * Exit status: 0 after SIGINT/SIGTERM, 1 when the index or the web
 * folder cannot be used or the socket cannot be bound, 2 for usage errors
 * (always one line on stderr).
 */
#include "dateline/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dateline/schema.h"

#ifndef DL_WEB_DIR
#define DL_WEB_DIR "web"
#endif
#ifndef DL_WEB_INSTALL_DIR
#define DL_WEB_INSTALL_DIR "/usr/local/share/dateline/web"
#endif

#define PROG "dateline-serve"

static const char usage_text[] =
    "Usage: " PROG " [OPTION]...\n"
    "Serve a dateline index over HTTP: a JSON API and server-rendered pages.\n"
    "\n"
    "  -d, --db DIR              index to serve (default ./dateline.db)\n"
    "  -l, --listen ADDR:PORT    address to listen on (default 127.0.0.1:8080;\n"
    "                            IPv6 as [::1]:8080; port 0 picks a free port)\n"
    "      --public              allow a non-loopback listen address\n"
    "  -t, --threads N           worker threads (default: number of cores)\n"
    "      --web DIR             folder served under /static/\n"
    "                            (default " DL_WEB_DIR ")\n"
    "      --max-connections N   concurrent connections (default 256)\n"
    "      --timeout S           idle seconds before a connection is closed (default 15)\n"
    "      --query-timeout S     seconds one search may spend matching (default 2, 0 = none)\n"
    "      --max-wildcard N      terms one wildcard may expand to (default 100)\n"
    "      --check-at-least N    matches examined for exact totals and facets (default 20000)\n"
    "  -q, --log-quiet           no access log\n"
    "  -v, --verbose             debug messages\n"
    "  -h, --help                show this help and exit\n"
    "  -V, --version             show the version and exit\n"
    "\n"
    "Routes: GET /, /search, /doc/ID, /api/search, /api/doc/ID, /healthz, /static/FILE.\n"
    "SIGINT or SIGTERM stops accepting, finishes the requests in flight and exits 0.\n";

enum {
    OPT_PUBLIC = 256,
    OPT_WEB,
    OPT_MAX_CONN,
    OPT_TIMEOUT,
    OPT_QUERY_TIMEOUT,
    OPT_MAX_WILDCARD,
    OPT_CHECK,
};

struct options {
    struct dl_server_config cfg;
    const char *listen;    /* ADDR:PORT as given */
    const char *web;       /* --web as given, or NULL for the default */
    int public_ok;         /* --public */
    unsigned long threads; /* 0 = number of cores */
    unsigned long max_connections;
    unsigned long timeout;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, PROG ": %s (see --help)\n", msg);
    return 2;
}

static int parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') {
        return -1;
    }
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double hi, double *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') {
        return -1;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= 0 && v <= hi)) {
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"public", no_argument, NULL, OPT_PUBLIC},
        {"web", required_argument, NULL, OPT_WEB},
        {"max-connections", required_argument, NULL, OPT_MAX_CONN},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"query-timeout", required_argument, NULL, OPT_QUERY_TIMEOUT},
        {"max-wildcard", required_argument, NULL, OPT_MAX_WILDCARD},
        {"check-at-least", required_argument, NULL, OPT_CHECK},
        {"log-quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    unsigned long v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:l:t:qvhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->cfg.db_path = optarg;
            break;
        case 'l':
            o->listen = optarg;
            break;
        case 't':
            if (parse_ulong(optarg, 1, 1024, &o->threads) != 0) {
                return usage_error("invalid --threads '%s': expected 1..1024", optarg);
            }
            break;
        case OPT_PUBLIC:
            o->public_ok = 1;
            break;
        case OPT_WEB:
            o->web = optarg;
            break;
        case OPT_MAX_CONN:
            if (parse_ulong(optarg, 1, 100000, &o->max_connections) != 0) {
                return usage_error("invalid --max-connections '%s': expected 1..100000", optarg);
            }
            break;
        case OPT_TIMEOUT:
            if (parse_ulong(optarg, 1, 86400, &o->timeout) != 0) {
                return usage_error("invalid --timeout '%s': expected 1..86400 seconds", optarg);
            }
            break;
        case OPT_QUERY_TIMEOUT:
            if (parse_seconds(optarg, 3600, &o->cfg.query_timeout) != 0) {
                return usage_error("invalid --query-timeout '%s': expected 0..3600 seconds",
                                   optarg);
            }
            break;
        case OPT_MAX_WILDCARD:
            if (parse_ulong(optarg, 1, 100000, &v) != 0) {
                return usage_error("invalid --max-wildcard '%s': expected 1..100000", optarg);
            }
            o->cfg.max_wildcard = (unsigned)v;
            break;
        case OPT_CHECK:
            if (parse_ulong(optarg, 0, 100000000, &o->cfg.check_at_least) != 0) {
                return usage_error("invalid --check-at-least '%s': expected 0..100000000", optarg);
            }
            break;
        case 'q':
            o->cfg.access_log = 0;
            break;
        case 'v':
            dl_log_level = DL_LOG_DEBUG;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':
            printf(PROG " %s (libmicrohttpd %s)\n", DL_VERSION, MHD_get_version());
            return 0;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt) {
                return usage_error("unknown option '-%c'", optopt);
            }
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return usage_error("unexpected argument '%s'", argv[optind]);
    }
    return -1; /* go on */
}

/* --- the listen address --------------------------------------------------------- */

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) {
            return 1;
        }
        return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

/* "127.0.0.1:8080", "[::1]:8080", "localhost:8080" into *out (freeaddrinfo'd by the caller). */
static int resolve_listen(const char *spec, struct addrinfo **out)
{
    char host[256];
    const char *port;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host) {
            return usage_error("invalid --listen '%s': expected ADDR:PORT", spec);
        }
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host ||
            memchr(spec, ':', (size_t)(colon - spec))) {
            return usage_error("invalid --listen '%s': expected ADDR:PORT", spec);
        }
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
        port = colon + 1;
    }
    unsigned long pn;
    if (parse_ulong(port, 0, 65535, &pn) != 0) {
        return usage_error("invalid port in --listen '%s': expected 0..65535", spec);
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, out);
    if (rc != 0) {
        return usage_error("cannot resolve --listen '%s': %s", spec, gai_strerror(rc));
    }
    return 0;
}

static void format_addr(const struct sockaddr *sa, unsigned port, char *out, size_t n)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof host);
        snprintf(out, n, "http://%s:%u/", host, port);
    } else {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof host);
        snprintf(out, n, "http://[%s]:%u/", host, port);
    }
}

/* --- the web folder ----------------------------------------------------------------- */

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The canonical web folder into `out` (PATH_MAX), or -1 with a message printed. */
static int find_web(const char *given, char *out)
{
    if (given) {
        if (!is_dir(given) || !realpath(given, out)) {
            fprintf(stderr, PROG ": cannot use --web '%s': %s\n", given,
                    is_dir(given) ? strerror(errno) : "not a folder");
            return -1;
        }
        return 0;
    }
    if ((is_dir(DL_WEB_DIR) && realpath(DL_WEB_DIR, out)) ||
        (is_dir(DL_WEB_INSTALL_DIR) && realpath(DL_WEB_INSTALL_DIR, out))) {
        return 0;
    }
    dl_log(DL_LOG_WARN, "no web folder (tried %s and %s): /static/ will answer 404", DL_WEB_DIR,
           DL_WEB_INSTALL_DIR);
    snprintf(out, PATH_MAX, "%s", DL_WEB_DIR);
    return 0;
}

/* --- the index ------------------------------------------------------------------------ */

/* Open the index once to fail early with a clear message; print what is served. */
static int check_index(const char *path, unsigned long *docs, unsigned long *rev)
{
    struct dl_db *db = NULL;
    struct dl_error err = DL_ERROR_INIT;
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, PROG ": cannot open index '%s': %s (build it with dateline-index)\n", path,
                strerror(errno));
        return 1;
    }
    if (dl_db_open_read(&db, path, &err) != DL_OK) {
        /* The library's message already names the index ("cannot open index '...': ..."). */
        fprintf(stderr, PROG ": %s\n", err.msg);
        return 1;
    }
    struct dl_buf schema = DL_BUF_INIT;
    int rc = dl_db_get_meta(db, DL_META_SCHEMA, &schema, &err);
    if (rc == DL_OK && schema.len && strcmp(schema.buf, DL_SCHEMA_VERSION) != 0) {
        fprintf(stderr,
                PROG ": index '%s' has schema %s, this server reads schema " DL_SCHEMA_VERSION
                     ": rebuild it with dateline-index\n",
                path, schema.buf);
        dl_buf_release(&schema);
        dl_db_free(db);
        return 1;
    }
    if (rc != DL_OK || !schema.len) {
        dl_log(DL_LOG_WARN, "index '%s' does not record its schema version", path);
    }
    dl_buf_release(&schema);
    *docs = dl_db_doccount(db);
    *rev = dl_db_revision(db);
    dl_db_free(db);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = {
        .cfg =
            {
                .db_path = "./dateline.db",
                .query_timeout = 2.0,
                .max_wildcard = 100,
                .check_at_least = 20000,
                .access_log = 1,
            },
        .listen = "127.0.0.1:8080",
        .max_connections = 256,
        .timeout = 15,
    };
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) {
        return rc;
    }
    struct addrinfo *ai = NULL;
    if (resolve_listen(o.listen, &ai) != 0) {
        return 2;
    }
    if (!is_loopback(ai->ai_addr) && !o.public_ok) {
        freeaddrinfo(ai);
        fprintf(stderr, PROG ": refusing to listen on non-loopback address '%s' without --public\n",
                o.listen);
        return 2;
    }
    if (o.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = n > 0 ? (unsigned long)n : 1;
    }
    char web[PATH_MAX];
    unsigned long docs = 0, rev = 0;
    if (find_web(o.web, web) != 0 || check_index(o.cfg.db_path, &docs, &rev) != 0) {
        freeaddrinfo(ai);
        return 1;
    }
    o.cfg.web_dir = web;

    /* Signals are taken by sigwait() below; every thread started from here inherits the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct dl_listen l = {
        .addr = ai->ai_addr,
        .threads = (unsigned)o.threads,
        .max_connections = (unsigned)o.max_connections,
        .timeout = (unsigned)o.timeout,
    };
    struct dl_server *srv = NULL;
    struct dl_error err = DL_ERROR_INIT;
    if (dl_server_start(&srv, &o.cfg, &l, &err) != DL_OK) {
        fprintf(stderr, PROG ": cannot listen on %s: %s\n", o.listen, err.msg);
        freeaddrinfo(ai);
        return 1;
    }
    char url[INET6_ADDRSTRLEN + 32];
    format_addr(ai->ai_addr, dl_server_port(srv), url, sizeof url);
    freeaddrinfo(ai);
    dl_log(DL_LOG_INFO, PROG ": serving '%s' (%lu readouts, revision %lu) at %s with %lu thread%s",
           o.cfg.db_path, docs, rev, url, o.threads, o.threads == 1 ? "" : "s");

    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    dl_log(DL_LOG_INFO, PROG ": %s: finishing requests in flight", strsignal(sig));
    if (dl_server_stop(srv, o.cfg.query_timeout + 8.0) != DL_OK) {
        /* Threads are stuck in a request: exit without running destructors under them. */
        dl_log(DL_LOG_ERROR, PROG ": exiting without waiting for them");
        _exit(1);
    }
    dl_log(DL_LOG_INFO, PROG ": stopped");
    return 0;
}
