/*
 * conf.h - dateline-serve's configuration file: lines of long options.
 *
 * The file (/etc/dateline/dateline-serve.conf, or --config FILE) holds one
 * long option per line, without its dashes: `name value`, `name=value`
 * (spaces around '=' allowed) or `name` alone for a switch. Blank lines
 * and lines whose first non-blank character is '#' are skipped; a '#'
 * elsewhere is part of the value (a token file path may hold one).
 * Leading and trailing blanks of the value are dropped; there is no
 * quoting.
 *
 * This module knows nothing of the options themselves: each line becomes
 * the argument "--name=value" (or "--name"), which the program's own
 * getopt_long() parser reads, so the file takes exactly the options the
 * command line takes and there is one list of them. The line number of
 * each is kept for the messages of that parser ("FILE:LINE: ...").
 *
 * Ownership: a struct dl_conf owns its strings until dl_conf_release();
 * the parser may keep pointers into them (optarg) for as long.
 */
#ifndef DATELINE_CONF_H
#define DATELINE_CONF_H

#include <stddef.h>

#include "dateline/common.h"

struct dl_conf_line {
    char *name;    /* the option's name ("threads") */
    char *value;   /* its value, or NULL for a line with the name alone */
    char *arg;     /* "--name=value" or "--name", for getopt_long() */
    unsigned line; /* 1-based line number in the file */
};

struct dl_conf {
    char *path;             /* the file, as named */
    struct dl_conf_line *v; /* the option lines, in file order */
    size_t n, cap;
};

#define DL_CONF_INIT                                                                               \
    {                                                                                              \
        NULL, NULL, 0, 0                                                                           \
    }

/*
 * Parse `len` bytes of `text`, the contents of `path` (used in messages),
 * appending to `c`. On a line that is not an option (a name that is not
 * [a-z0-9-]+, a NUL byte, a line over 4096 bytes) returns DL_EPARSE with
 * err "PATH:LINE: message"; `c` then holds the lines before it.
 */
int dl_conf_parse(struct dl_conf *c, const char *path, const char *text, size_t len,
                  struct dl_error *err);
/* Read `path` and parse it. DL_ENOTFOUND when it does not exist, DL_EIO when it cannot be
 * read, each with err "cannot read 'PATH': ..."; else as dl_conf_parse(). */
int dl_conf_load(struct dl_conf *c, const char *path, struct dl_error *err);
/* Free everything `c` holds; it is DL_CONF_INIT again. */
void dl_conf_release(struct dl_conf *c);

#endif
