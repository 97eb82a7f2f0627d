/*
 * logline.h - an access-log line as JSON (--log-format json).
 *
 * One object per request, on one line, for log shippers:
 *   {"time":"2026-11-30T13:40:00.123Z","method":"GET","uri":"/api/search?q=x",
 *    "status":200,"bytes":1234,"ms":1.23,"aborted":false}
 * "time" is left out when the caller gives none (under journald, which
 * stamps each line itself); "status" is null when no response was sent.
 * The uri is the raw request target, cut at 400 bytes; every byte outside
 * printable ASCII is written \u00XX, so the line is valid JSON (and ASCII)
 * whatever the client sent.
 */
#ifndef DATELINE_LOGLINE_H
#define DATELINE_LOGLINE_H

#include <stdint.h>

#include "dateline/buf.h"

struct dl_logline {
    double time;        /* unix seconds, or < 0: no "time" */
    const char *method; /* "" when unknown */
    const char *uri;    /* the raw target */
    unsigned status;    /* 0: none */
    uint64_t bytes;
    double ms;
    int aborted;
};

/* Append the line (with its '\n') to b. */
void dl_logline_json(struct dl_buf *b, const struct dl_logline *l);

#endif
