/*
 * main.c - dateline-serve: options, the index check, signals, shutdown.
 *
 * Exit status: 0 after SIGINT/SIGTERM, 1 when the index or the web
 * folder cannot be used or the socket cannot be bound, 2 for usage errors
 * (always one line on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dateline/access.h"
#include "dateline/buf.h"
#include "dateline/common.h"
#include "dateline/conf.h"
#include "dateline/config.h"
#include "dateline/db.h"
#include "dateline/http.h"
#include "dateline/schema.h"
#include "dateline/searcher.h"
#include "dateline/shardset.h"
#include "notify.h"

#ifndef DL_WEB_DIR
#define DL_WEB_DIR "web"
#endif
#ifndef DL_CONFIG_FILE
#define DL_CONFIG_FILE "/etc/dateline/dateline-serve.conf"
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
    "      --public              allow a non-loopback listen address (needs --allow-host)\n"
    "      --allow-host NAME     answer requests for host NAME (or NAME:PORT) too; repeat\n"
    "                            for more names. Always answered: localhost, 127.0.0.1,\n"
    "                            [::1] (with or without the port); any other Host gets 421,\n"
    "                            and so do requests without one unless bound to loopback\n"
    "  -t, --threads N           worker threads (default: number of cores)\n"
    "      --web DIR             folder served under /static/\n"
    "                            (default " DL_WEB_DIR ")\n"
    "\n"
    "Limits (past one: a 4xx with a JSON error, or an error page for pages, unless said):\n"
    "      --max-connections N   concurrent connections (default 4096; more are closed;\n"
    "                            lowered to fit the open-file limit, whose soft value is\n"
    "                            raised to the hard one at start)\n"
    "      --max-per-ip N        concurrent connections from one client address (default\n"
    "                            64, none with --trust-proxy; 0 = no limit; more are closed)\n"
    "      --header-timeout S    seconds a request's line and headers may take to arrive\n"
    "                            (default 10; at most --timeout)\n"
    "      --timeout S           seconds a kept-alive connection may wait for its next\n"
    "                            request, or any connection stay silent (default 30)\n"
    "      --query-timeout S     seconds one search may spend matching (default 2, 0 = none);\n"
    "                            past it counts are estimates (\"timed_out\": true)\n"
    "      --shard-timeout MS    milliseconds a remote shard may take to connect or answer\n"
    "                            (default 2000); past it, or when it is down, results come\n"
    "                            from the other shards, flagged, until it answers again\n"
    "      --check-at-least N    matches examined for exact totals and facets (default 20000)\n"
    "      --export-limit N      most rows one /api/export file may hold (default 100000)\n"
    "      --max-query BYTES     longest q (default 1000)\n"
    "      --max-terms N         most words in q (default 64)\n"
    "      --max-wildcards N     most prefix* words in q (default 16)\n"
    "      --max-wildcard N      terms each prefix* may expand to (default 100; the most\n"
    "                            frequent are kept)\n"
    "      --max-uri BYTES       longest request target (default 8192; 414)\n"
    "      --max-header-bytes N  memory for one request's line and headers (default 32768;\n"
    "                            libmicrohttpd answers 414 or 431 past it)\n"
    "\n"
    "Access (all off by default):\n"
    "      --token FILE          require the token in FILE (one line, at least 16 characters,\n"
    "                            not readable by others): Authorization: Bearer TOKEN, or the\n"
    "                            cookie set by the form at /login; /healthz and /static/ stay "
    "open\n"
    "      --cors ORIGIN         let pages from ORIGIN (https://host[:port]) call /api/;\n"
    "                            repeat for more origins\n"
    "      --rate N              requests per second per client address, in bursts of up to N\n"
    "                            (429 with Retry-After past it)\n"
    "      --trust-proxy         take the client address from the last X-Forwarded-For hop\n"
    "                            (only behind a reverse proxy that sets it)\n"
    "\n"
    "Other:\n"
    "      --config FILE         read options from FILE first: one long option a line,\n"
    "                            without the dashes (`threads 4`); the command line\n"
    "                            overrides it. Default, if it exists:\n"
    "                            " DL_CONFIG_FILE "\n"
    "      --no-config           read no configuration file\n"
    "      --check-config        check the configuration file and the options, then exit\n"
    "                            (0 when valid)\n"
    "      --log-format FORMAT   access log as `text` (default) or `json` lines\n"
    "      --log-file FILE       write the log (messages and access lines, each starting\n"
    "                            with the UTC time) to FILE, appended, not to stderr;\n"
    "                            SIGHUP opens it again (after logrotate moved it)\n"
    "  -q, --log-quiet           no access log\n"
    "  -v, --verbose             debug messages\n"
    "  -h, --help                show this help and exit\n"
    "  -V, --version             show the version and exit\n"
    "\n"
    "Routes: GET /, /search, /doc/ID, /api/search, /api/doc/ID, /api/entities, /healthz,\n"
    "/metrics (Prometheus), /static/FILE; with --token also GET and POST /login.\n"
    "SIGINT or SIGTERM stops accepting, finishes the requests in flight and exits 0.\n"
    "SIGHUP reads the configuration file again, applies the access log settings and\n"
    "opens --log-file again.\n";

enum {
    OPT_PUBLIC = 256,
    OPT_WEB,
    OPT_MAX_CONN,
    OPT_TIMEOUT,
    OPT_QUERY_TIMEOUT,
    OPT_SHARD_TIMEOUT,
    OPT_MAX_WILDCARD,
    OPT_CHECK,
    OPT_EXPORT_LIMIT,
    OPT_MAX_QUERY,
    OPT_MAX_TERMS,
    OPT_MAX_WILDCARDS,
    OPT_MAX_URI,
    OPT_MAX_HEADER,
    OPT_TOKEN,
    OPT_CORS,
    OPT_RATE,
    OPT_TRUST_PROXY,
    OPT_ALLOW_HOST,
    OPT_MAX_PER_IP,
    OPT_HEADER_TIMEOUT,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_CHECK_CONFIG,
    OPT_LOG_FORMAT,
    OPT_LOG_FILE,
};

#define MAX_CORS 32
#define MAX_HOSTS 32

struct options {
    struct dl_server_config cfg;
    const char *listen;    /* ADDR:PORT as given */
    const char *web;       /* --web as given, or NULL for the default */
    int public_ok;         /* --public */
    unsigned long threads; /* 0 = number of cores */
    unsigned long max_connections;
    long max_per_ip; /* -1: the default */
    unsigned long timeout;
    unsigned long header_timeout;
    unsigned long max_header;   /* --max-header-bytes */
    const char *token_file;     /* --token, or NULL */
    const char *cors[MAX_CORS]; /* --cors values, in argv */
    size_t ncors;
    const char *hosts[MAX_HOSTS]; /* --allow-host values, in argv */
    size_t nhosts;
    int check_config;            /* --check-config */
    const char *log_file;        /* --log-file, or NULL: stderr */
    unsigned long shard_timeout; /* --shard-timeout, ms (0: the default) */
};

/* "FILE:LINE" while the configuration file's options are parsed, for usage_error(). Only
 * main's thread parses options (at start and on SIGHUP). */
static const char *usage_where;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (usage_where) {
        fprintf(stderr, PROG ": %s: %s\n", usage_where, msg);
    } else {
        fprintf(stderr, PROG ": %s (see --help)\n", msg);
    }
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

/* "https://host" or "http://host:port", as browsers send Origin: no path, no slash at the end. */
static int origin_ok(const char *s)
{
    const char *rest = strncmp(s, "https://", 8) == 0  ? s + 8
                       : strncmp(s, "http://", 7) == 0 ? s + 7
                                                       : NULL;
    if (!rest || !*rest || strlen(s) > 255) {
        return 0;
    }
    for (const char *p = rest; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(".-:[]", *p))) {
            return 0; /* also refuses upper case: browsers send host names in lower case */
        }
    }
    return 1;
}

/* A Host header value: a name or IPv4 address, or [IPv6], then optionally :PORT. */
static int host_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255) {
        return 0;
    }
    const char *port = NULL;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close == s + 1 ||
            strspn(s + 1, "0123456789abcdefABCDEF:.") != (size_t)(close - s - 1)) {
            return 0;
        }
        if (close[1] && close[1] != ':') {
            return 0;
        }
        port = close[1] ? close + 2 : NULL;
    } else {
        size_t name = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
        if (name == 0 || (s[name] && s[name] != ':')) {
            return 0;
        }
        port = s[name] ? s + name + 1 : NULL;
    }
    unsigned long pn;
    return !port || parse_ulong(port, 1, 65535, &pn) == 0;
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
        {"max-per-ip", required_argument, NULL, OPT_MAX_PER_IP},
        {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
        {"query-timeout", required_argument, NULL, OPT_QUERY_TIMEOUT},
        {"shard-timeout", required_argument, NULL, OPT_SHARD_TIMEOUT},
        {"max-wildcard", required_argument, NULL, OPT_MAX_WILDCARD},
        {"check-at-least", required_argument, NULL, OPT_CHECK},
        {"export-limit", required_argument, NULL, OPT_EXPORT_LIMIT},
        {"max-query", required_argument, NULL, OPT_MAX_QUERY},
        {"max-terms", required_argument, NULL, OPT_MAX_TERMS},
        {"max-wildcards", required_argument, NULL, OPT_MAX_WILDCARDS},
        {"max-uri", required_argument, NULL, OPT_MAX_URI},
        {"max-header-bytes", required_argument, NULL, OPT_MAX_HEADER},
        {"token", required_argument, NULL, OPT_TOKEN},
        {"cors", required_argument, NULL, OPT_CORS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"trust-proxy", no_argument, NULL, OPT_TRUST_PROXY},
        {"allow-host", required_argument, NULL, OPT_ALLOW_HOST},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"no-config", no_argument, NULL, OPT_NO_CONFIG},
        {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"log-file", required_argument, NULL, OPT_LOG_FILE},
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
        case OPT_MAX_PER_IP:
            if (parse_ulong(optarg, 0, 100000, &v) != 0) {
                return usage_error("invalid --max-per-ip '%s': expected 0..100000 (0 = no limit)",
                                   optarg);
            }
            o->max_per_ip = (long)v;
            break;
        case OPT_HEADER_TIMEOUT:
            if (parse_ulong(optarg, 1, 86400, &o->header_timeout) != 0) {
                return usage_error("invalid --header-timeout '%s': expected 1..86400 seconds",
                                   optarg);
            }
            break;
        case OPT_QUERY_TIMEOUT:
            if (parse_seconds(optarg, 3600, &o->cfg.query_timeout) != 0) {
                return usage_error("invalid --query-timeout '%s': expected 0..3600 seconds",
                                   optarg);
            }
            break;
        case OPT_SHARD_TIMEOUT:
            if (parse_ulong(optarg, 1, 600000, &o->shard_timeout) != 0) {
                return usage_error("invalid --shard-timeout '%s': expected 1..600000 ms", optarg);
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
        case OPT_EXPORT_LIMIT:
            if (parse_ulong(optarg, 1, 100000000, &o->cfg.export_limit) != 0) {
                return usage_error("invalid --export-limit '%s': expected 1..100000000", optarg);
            }
            break;
        case OPT_MAX_QUERY:
            if (parse_ulong(optarg, 1, 65536, &v) != 0) {
                return usage_error("invalid --max-query '%s': expected 1..65536 bytes", optarg);
            }
            o->cfg.limits.max_query = v;
            break;
        case OPT_MAX_TERMS:
            if (parse_ulong(optarg, 1, 10000, &v) != 0) {
                return usage_error("invalid --max-terms '%s': expected 1..10000", optarg);
            }
            o->cfg.limits.max_terms = v;
            break;
        case OPT_MAX_WILDCARDS:
            if (parse_ulong(optarg, 1, 1000, &v) != 0) {
                return usage_error("invalid --max-wildcards '%s': expected 1..1000", optarg);
            }
            o->cfg.limits.max_wildcards = v;
            break;
        case OPT_MAX_URI:
            if (parse_ulong(optarg, 256, 1048576, &v) != 0) {
                return usage_error("invalid --max-uri '%s': expected 256..1048576 bytes", optarg);
            }
            o->cfg.max_uri = v;
            break;
        case OPT_MAX_HEADER:
            if (parse_ulong(optarg, 8192, 16777216, &o->max_header) != 0) {
                return usage_error("invalid --max-header-bytes '%s': expected 8192..16777216",
                                   optarg);
            }
            break;
        case OPT_TOKEN:
            o->token_file = optarg;
            break;
        case OPT_CORS:
            if (!origin_ok(optarg)) {
                return usage_error("invalid --cors '%s': expected an origin such as "
                                   "https://intranet.example or http://localhost:3000",
                                   optarg);
            }
            if (o->ncors == MAX_CORS) {
                return usage_error("too many --cors origins: at most %d", MAX_CORS);
            }
            o->cors[o->ncors++] = optarg;
            break;
        case OPT_RATE:
            if (parse_seconds(optarg, 100000, &o->cfg.rate) != 0 || o->cfg.rate <= 0) {
                return usage_error("invalid --rate '%s': expected requests per second, "
                                   "more than 0 and at most 100000",
                                   optarg);
            }
            break;
        case OPT_TRUST_PROXY:
            o->cfg.trust_proxy = 1;
            break;
        case OPT_ALLOW_HOST:
            if (!host_ok(optarg)) {
                return usage_error("invalid --allow-host '%s': expected a host name or address "
                                   "as clients send it, such as search.example.org, "
                                   "192.0.2.7:8080 or [2001:db8::7]",
                                   optarg);
            }
            if (o->nhosts == MAX_HOSTS) {
                return usage_error("too many --allow-host names: at most %d", MAX_HOSTS);
            }
            o->hosts[o->nhosts++] = optarg;
            break;
        case OPT_CONFIG: /* read before the rest: config_file() */
        case OPT_NO_CONFIG:
            break;
        case OPT_CHECK_CONFIG:
            o->check_config = 1;
            break;
        case OPT_LOG_FORMAT:
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
                return usage_error("invalid --log-format '%s': expected text or json", optarg);
            }
            o->cfg.log_json = optarg[0] == 'j';
            break;
        case OPT_LOG_FILE:
            if (!*optarg) {
                return usage_error("invalid --log-file '': expected a file name");
            }
            o->log_file = optarg;
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
            printf(PROG " %s (libmicrohttpd %s)\n", DL_VERSION, dl_server_mhd_version());
            return 0;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt && strncmp(argv[optind - 1], "--", 2) == 0) {
                return usage_error("option '%.*s' takes no value",
                                   (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
            }
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

/* --- file descriptors ------------------------------------------------------------- */

/*
 * Raise the soft limit on open files to the hard one (each connection is
 * one, and Debian's default soft limit is 1024), then lower *max_conn to
 * what the limit leaves, with a warning. Kept aside: 64 descriptors for
 * the daemon, the log and the web folder, and 16 per thread for its index.
 */
static void fit_fd_limit(unsigned long *max_conn, unsigned long threads)
{
    const unsigned long reserve = 64 + 16 * threads;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            rl.rlim_cur = was;
        }
    }
    if (rl.rlim_cur != RLIM_INFINITY && *max_conn + reserve > rl.rlim_cur) {
        unsigned long fit = rl.rlim_cur > reserve + 16 ? rl.rlim_cur - reserve : 16;
        dl_log(DL_LOG_WARN,
               PROG ": --max-connections %lu lowered to %lu: the open-file limit is %llu "
                    "(raise it with ulimit -n or LimitNOFILE=)",
               *max_conn, fit, (unsigned long long)rl.rlim_cur);
        *max_conn = fit;
    }
}

/* --- the index ------------------------------------------------------------------------ */

/* The shards of a stub, shared by the workers (cfg->shards; NULL for one database). */
static int open_shards(struct options *o)
{
    struct dl_error err = DL_ERROR_INIT;
    int rc = dl_shardset_open(&o->cfg.shards, o->cfg.db_path, (unsigned)o->shard_timeout, &err);
    if (rc == DL_EPARSE) {
        /* Xapian reads more forms than the set ("remote :PROGRAM ..."): let it serve them. */
        dl_log(DL_LOG_WARN,
               PROG ": %s; serving the stub as Xapian reads it, without leaving out "
                    "shards that fail",
               err.msg);
    } else if (rc != DL_OK) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        return 1;
    }
    if (o->cfg.shards && !dl_shardset_has_remote(o->cfg.shards)) {
        /* Only local databases: Xapian opens the stub itself at every open, so the index
         * follows a stub rewritten under it (a replica switched by xapian-replicate's full
         * copy, doc/replicas.md), where a set keeps the paths it read at the start. */
        dl_shardset_free(o->cfg.shards);
        o->cfg.shards = NULL;
    }
    return 0;
}

/* Open the index once to fail early with a clear message; print what is served. */
static int check_index(const struct options *o, unsigned long *docs, unsigned long *rev)
{
    const char *path = o->cfg.db_path;
    struct dl_searcher *s = NULL;
    struct dl_error err = DL_ERROR_INIT;
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, PROG ": cannot open index '%s': %s (build it with dateline-index)\n", path,
                strerror(errno));
        return 1;
    }
    /* The library's messages name the index ("cannot open index '...': ...") or say what to
     * do about it ("...: rebuild it (rm -r ...)"). */
    int rc = dl_searcher_open_shards(&s, path, o->cfg.shards, &err);
    if (rc == DL_OK) {
        rc = dl_db_doccount(dl_searcher_db(s), docs, &err);
        *rev = dl_db_revision(dl_searcher_db(s));
    }
    dl_searcher_free(s);
    if (rc != DL_OK) {
        fprintf(stderr, PROG ": index '%s': %s\n", path, err.msg);
        return 1;
    }
    return 0;
}

/* --- options: defaults, the configuration file, the command line ------------------ */

static void options_default(struct options *o)
{
    *o = (struct options){
        .cfg =
            {
                .db_path = "./dateline.db",
                .query_timeout = 2.0,
                .max_wildcard = 100,
                .check_at_least = 20000,
                .export_limit = 100000,
                .access_log = 1,
                .limits = {.max_query = DL_SERVE_MAX_QUERY,
                           .max_terms = DL_SERVE_MAX_TERMS,
                           .max_wildcards = DL_SERVE_MAX_WILDCARDS},
                .max_uri = DL_SERVE_MAX_URI,
            },
        .listen = "127.0.0.1:8080",
        .max_connections = 4096,
        .max_per_ip = -1,
        .timeout = 30,
        .header_timeout = 10,
        .max_header = 32768,
    };
}

/*
 * The configuration file argv names: --config FILE (or --config=FILE),
 * none with --no-config, else the default one. Looked up before getopt
 * runs, since the file's options come first (the command line overrides
 * them). *explicit: 1 when named by --config (then it must exist).
 */
static const char *config_file(int argc, char **argv, int *explicit)
{
    const char *path = DL_CONFIG_FILE;
    *explicit = 0;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--no-config") == 0) {
            return NULL;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[++i];
            *explicit = 1;
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;
            *explicit = 1;
        }
    }
    return path;
}

/* Options that make no sense in the file. */
static int file_only_refuses(const char *name)
{
    static const char *const refused[] = {"config", "no-config", "check-config", "help", "version"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (strcmp(name, refused[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * Defaults, then the configuration file's options (read into `conf`, which
 * must outlive `o`: optarg points into it), then argv's. -1 to go on, else
 * the exit status (an error was printed as one line; FILE:LINE: for the
 * file's). `quiet_missing`: a missing default file is no error.
 */
static int load_options(struct options *o, struct dl_conf *conf, int argc, char **argv)
{
    options_default(o);
    int explicit;
    const char *path = config_file(argc, argv, &explicit);
    struct dl_error err = DL_ERROR_INIT;
    if (path) {
        int rc = dl_conf_load(conf, path, &err);
        if (rc == DL_ENOTFOUND && !explicit) {
            path = NULL;
        } else if (rc != DL_OK) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            return 2;
        }
    }
    char where[PATH_MAX + 16];
    for (size_t i = 0; path && i < conf->n; i++) {
        const struct dl_conf_line *l = &conf->v[i];
        snprintf(where, sizeof where, "%s:%u", path, l->line);
        usage_where = where;
        char *args[] = {PROG, l->arg, NULL};
        optind = 0; /* glibc: start afresh */
        int rc = file_only_refuses(l->name)
                     ? usage_error("option '%s' cannot be set in a configuration file", l->name)
                     : parse_args(2, args, o);
        usage_where = NULL;
        if (rc >= 0) {
            return rc;
        }
    }
    optind = 0;
    return parse_args(argc, argv, o);
}

/* Send stderr (messages, access lines, sanitizer reports) to path, appended: 0 or -errno.
 * The file open before is closed by dup2(): a rotated log is let go. */
static int open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        return -errno;
    }
    int rc = dup2(fd, STDERR_FILENO) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

/*
 * SIGHUP: read the configuration file and the command line again, and
 * apply what can change while serving (the access log's settings). An
 * invalid configuration leaves the running one as it is; the log says
 * why in one line (FILE:LINE: ...) and that nothing changed.
 */
static void reload(struct options *live, int argc, char **argv)
{
    struct options o;
    struct dl_conf conf = DL_CONF_INIT;
    int rc = load_options(&o, &conf, argc, argv);
    if (rc >= 0) {
        dl_log(DL_LOG_WARN, PROG ": SIGHUP: the configuration is invalid: still running the "
                                 "previous one");
    } else {
        int lrc = o.log_file ? open_log(o.log_file) : 0; /* logrotate moved the old one */
        if (lrc != 0) {
            dl_log(DL_LOG_WARN,
                   PROG ": SIGHUP: cannot open log file '%s': %s: still writing to "
                        "the previous one",
                   o.log_file, strerror(-lrc));
        }
        atomic_store(&live->cfg.access_log, atomic_load(&o.cfg.access_log));
        atomic_store(&live->cfg.log_json, atomic_load(&o.cfg.log_json));
        dl_log(DL_LOG_INFO,
               PROG ": SIGHUP: reloaded %s: access log %s; other options apply at restart",
               conf.path ? conf.path : "the command line",
               !atomic_load(&o.cfg.access_log) ? "off"
               : atomic_load(&o.cfg.log_json)  ? "json"
                                               : "text");
    }
    dl_conf_release(&conf);
}

int main(int argc, char **argv)
{
    struct options o;
    static struct dl_conf conf = DL_CONF_INIT; /* static: reachable at every exit (LSan) */
    int rc = load_options(&o, &conf, argc, argv);
    if (rc >= 0) {
        return rc;
    }
    /* A socket passed by systemd (notify.h) is served instead of --listen, with its address. */
    struct sockaddr_storage passed;
    int passed_fd = -1;
    struct dl_error nerr = DL_ERROR_INIT;
    if (dl_notify_listen_socket(&passed_fd, &passed, &nerr) != DL_OK) {
        fprintf(stderr, PROG ": %s\n", nerr.msg);
        return 1;
    }
    struct addrinfo *ai = NULL;
    if (passed_fd < 0 && resolve_listen(o.listen, &ai) != 0) {
        return 2;
    }
    const struct sockaddr *addr = passed_fd >= 0 ? (const struct sockaddr *)&passed : ai->ai_addr;
    int is_loopback_listen = is_loopback(addr);
    if (!is_loopback_listen && !o.public_ok) {
        freeaddrinfo(ai);
        fprintf(stderr, PROG ": refusing to listen on non-loopback address '%s' without --public\n",
                passed_fd >= 0 ? "(the socket passed by systemd)" : o.listen);
        return 2;
    }
    if (o.public_ok && !o.nhosts) {
        /* Else every request from elsewhere would be a 421: say so now, not per request. */
        freeaddrinfo(ai);
        fprintf(stderr,
                PROG ": --public needs at least one --allow-host NAME: the name (or address) "
                     "clients use to reach the server\n");
        return 2;
    }
    o.cfg.loopback = is_loopback_listen;
    o.cfg.allow_hosts = o.hosts;
    o.cfg.nallow_hosts = o.nhosts;
    if (o.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = n > 0 ? (unsigned long)n : 1;
    }
    char web[PATH_MAX];
    unsigned long docs = 0, rev = 0;
    if (find_web(o.web, web) != 0 ||
        (!o.check_config && (open_shards(&o) != 0 || check_index(&o, &docs, &rev) != 0))) {
        freeaddrinfo(ai);
        return 1;
    }
    o.cfg.web_dir = web;
    o.cfg.cors = o.cors;
    o.cfg.ncors = o.ncors;
    char *token = NULL;
    if (o.token_file) {
        struct dl_error terr = DL_ERROR_INIT;
        if (dl_token_load(o.token_file, &token, &o.cfg.token_len, &terr) != DL_OK) {
            fprintf(stderr, PROG ": %s\n", terr.msg);
            freeaddrinfo(ai);
            return 1;
        }
        o.cfg.token = token;
    }
    if (o.log_file) {
        /* Checked (and created) here, so that --check-config finds a folder that is missing. */
        int lfd = open(o.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (lfd < 0 || (!o.check_config && open_log(o.log_file) != 0)) {
            fprintf(stderr, PROG ": cannot open log file '%s': %s\n", o.log_file, strerror(errno));
            if (lfd >= 0) {
                close(lfd);
            }
            freeaddrinfo(ai);
            free(token);
            return 1;
        }
        close(lfd);
        dl_log_time = 1;
    }
    if (o.check_config) {
        freeaddrinfo(ai);
        free(token);
        printf(PROG ": %s: configuration ok\n", conf.path ? conf.path : "no configuration file");
        return 0;
    }
    o.cfg.log_time = o.log_file || !getenv("JOURNAL_STREAM"); /* journald stamps lines itself */

    /* Signals are taken by sigwait() below; every thread started from here inherits the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    fit_fd_limit(&o.max_connections, o.threads);
    if (o.max_per_ip < 0) {
        /* Behind a proxy every connection comes from the proxy's address. */
        o.max_per_ip = o.cfg.trust_proxy ? 0 : 64;
    }
    struct dl_listen l = {
        .addr = addr,
        .listen_fd = passed_fd,
        .threads = (unsigned)o.threads,
        .max_connections = (unsigned)o.max_connections,
        .max_per_ip = (unsigned)o.max_per_ip,
        .timeout = (unsigned)o.timeout,
        .header_timeout = (unsigned)o.header_timeout,
        .request_memory = o.max_header,
    };
    struct dl_server *srv = NULL;
    struct dl_error err = DL_ERROR_INIT;
    if (dl_server_start(&srv, &o.cfg, &l, &err) != DL_OK) {
        fprintf(stderr, PROG ": cannot listen on %s: %s\n", o.listen, err.msg);
        freeaddrinfo(ai);
        free(token);
        return 1;
    }
    char url[INET6_ADDRSTRLEN + 32];
    format_addr(addr, dl_server_port(srv), url, sizeof url);
    freeaddrinfo(ai);
    dl_log(DL_LOG_INFO, PROG ": serving '%s' (%lu readouts, revision %lu) at %s with %lu thread%s",
           o.cfg.db_path, docs, rev, url, o.threads, o.threads == 1 ? "" : "s");
    if (o.cfg.token || o.cfg.ncors || o.cfg.rate > 0) {
        dl_log(DL_LOG_INFO, PROG ": access: %s; CORS for %zu origin%s; rate limit %s",
               o.cfg.token ? "token required" : "open (no --token)", o.cfg.ncors,
               o.cfg.ncors == 1 ? "" : "s", o.cfg.rate > 0 ? "on" : "off");
    }
    if (!o.cfg.token && !is_loopback_listen) {
        dl_log(DL_LOG_WARN, PROG ": no --token: anyone who can reach %s can search the index", url);
    }
    char status[sizeof url + 64];
    snprintf(status, sizeof status, "serving %lu readouts at %s", docs, url);
    dl_notify_ready(status);

    int sig = 0;
    for (;;) {
        while (sigwait(&stop, &sig) != 0) {
        }
        if (sig != SIGHUP) {
            break;
        }
        reload(&o, argc, argv);
    }
    dl_log(DL_LOG_INFO, PROG ": %s: finishing requests in flight", strsignal(sig));
    dl_notify_stopping();
    if (dl_server_stop(srv, o.cfg.query_timeout + 8.0) != DL_OK) {
        /* Threads are stuck in a request: exit without running destructors under them. */
        dl_log(DL_LOG_ERROR, PROG ": exiting without waiting for them");
        _exit(1);
    }
    if (token) {
        explicit_bzero(token, o.cfg.token_len);
        free(token);
    }
    dl_shardset_free(o.cfg.shards);
    dl_log(DL_LOG_INFO, PROG ": stopped");
    return 0;
}
