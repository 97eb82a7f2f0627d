/*
 * common.h - status codes, error messages, allocation and logging.
 *
 * Every fallible function in dateline returns an int status: DL_OK (0) or
 * one of the negative DL_E* codes below. It may also take an optional
 * `struct dl_error *err` out-parameter (NULL allowed) that receives a
 * message saying what failed first, in lowercase, git style:
 *     cannot open 'x': No such file or directory
 *
 * Out-of-memory is not an error status: every allocation goes through
 * dl_xmalloc() and friends, which print the size and abort. Callers never
 * check their results for NULL.
 *
 * The only mutable globals in the program are the configuration and the
 * log level (dl_log_level below).
 */
#ifndef DATELINE_COMMON_H
#define DATELINE_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define DL_VERSION "0.1.0"

enum dl_status {
    DL_OK = 0,
    DL_EIO = -1,       /* a file or socket operation failed */
    DL_EPARSE = -2,    /* input could not be parsed */
    DL_EINVAL = -3,    /* an argument is out of range or malformed */
    DL_ENOTFOUND = -4, /* no such document, file or key */
    DL_EXAPIAN = -5,   /* Xapian threw; the message has its type and text */
    DL_ELOCKED = -6,   /* the index is locked by another writer */
    DL_EMODIFIED = -7, /* the revision being read was discarded: reopen and retry */
    DL_EENCODING = -8, /* text is not valid UTF-8 */
    DL_ELIMIT = -9,    /* a configured limit was exceeded */
    DL_ETIMEOUT = -10, /* a time budget ran out */
    DL_ENETWORK = -11, /* a remote shard did not answer (down, or slower than its timeout) */
};

struct dl_error {
    int code;      /* the status that was returned, DL_OK when unset */
    char msg[256]; /* NUL-terminated message, "" when unset */
};

/* clang-format off */
#define DL_ERROR_INIT {0, ""}
/* clang-format on */

/*
 * Fill `err` (if not NULL) with `code` and a printf-formatted message, and
 * return `code`, so that callers can write
 *     return dl_error_set(err, DL_EIO, "cannot open '%s': %s", path, strerror(errno));
 */
int dl_error_set(struct dl_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A short constant name for a status ("io", "parse", ...), for logs and JSON. */
const char *dl_status_name(int code);

/* Allocation: never return NULL; abort with a message on exhaustion. */
void *dl_xmalloc(size_t n);
void *dl_xcalloc(size_t nmemb, size_t size);
void *dl_xrealloc(void *p, size_t n);
char *dl_xstrdup(const char *s);
char *dl_xstrndup(const char *s, size_t n); /* copies at most n bytes, always NUL-terminates */
void *dl_xmemdup(const void *p, size_t n);  /* adds a NUL after n bytes for convenience */

/*
 * Logging to stderr. dl_log_level is the process-wide threshold (set once
 * from the command line); messages above it are dropped.
 */
enum dl_log_level { DL_LOG_ERROR = 0, DL_LOG_WARN = 1, DL_LOG_INFO = 2, DL_LOG_DEBUG = 3 };
extern int dl_log_level;
/* Non-zero: every line (dl_log's, and the server's access lines) starts with the UTC time,
 * "2026-11-30T14:05:09Z ": for a log file, which has no other clock (a terminal or journald
 * need none). Set once at start, like dl_log_level. */
extern int dl_log_time;
/* Write "YYYY-MM-DDTHH:MM:SSZ " (the current UTC time and a space) into out[0..cap); its
 * length, 0 when cap is too small (21 bytes are needed, with the NUL). */
size_t dl_log_stamp(char *out, size_t cap);
void dl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Monotonic clock in seconds, for timings and progress. */
double dl_now(void);

/*
 * The one 64-bit hash: FNV-1a. Stored in the index (origin terms, long ids)
 * and in its content digests, so it must never change. Hash a string in
 * one call, or in pieces: h = DL_HASH64_INIT, then h = dl_hash64_add(h, ...).
 * A different start (DL_HASH64_INIT ^ seed) gives a keyed variant.
 */
#define DL_HASH64_INIT 0xcbf29ce484222325ULL
static inline uint64_t dl_hash64_add(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
static inline uint64_t dl_hash64(const void *p, size_t n)
{
    return dl_hash64_add(DL_HASH64_INIT, p, n);
}

#endif
