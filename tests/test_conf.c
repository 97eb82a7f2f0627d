/*
 * test_conf.c - server/conf.c: configuration lines into long options, and
 * the FILE:LINE of what is not an option line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dateline/buf.h"
#include "dateline/conf.h"
#include "dl_test.h"

/* The args of `c`, with their line numbers: "--a=1@1 --b@3". */
static char *args_of(const struct dl_conf *c)
{
    struct dl_buf b;
    dl_buf_init(&b, 0);
    for (size_t i = 0; i < c->n; i++) {
        dl_buf_addf(&b, "%s%s@%u", i ? " " : "", c->v[i].arg, c->v[i].line);
    }
    return dl_buf_detach(&b, NULL);
}

static void test_parse(void)
{
    static const struct {
        const char *what;
        const char *text;
        const char *want; /* the args, or NULL for an error */
        const char *msg;  /* the error message, when want is NULL */
    } cases[] = {
        {"empty file", "", "", NULL},
        {"blank lines and comments", "\n  \n# a comment\n   # indented\n\t\n", "", NULL},
        {"name value", "threads 4\n", "--threads=4@1", NULL},
        {"name=value", "threads=4\n", "--threads=4@1", NULL},
        {"spaces around =", "rate  =  2.5  \n", "--rate=2.5@1", NULL},
        {"tabs and CRLF", "\tdb\t/srv/x.db\r\n", "--db=/srv/x.db@1", NULL},
        {"a switch alone", "trust-proxy\n", "--trust-proxy@1", NULL},
        {"no newline at the end", "# c\nlog-quiet", "--log-quiet@2", NULL},
        {"# inside a value is kept", "token /etc/a#b\n", "--token=/etc/a#b@1", NULL},
        {"spaces inside a value are kept", "db /srv/my index\n", "--db=/srv/my index@1", NULL},
        {"an empty value after =", "threads =\n", "--threads=@1", NULL},
        {"repeated options in order", "cors https://a\n\ncors https://b\n",
         "--cors=https://a@1 --cors=https://b@3", NULL},
        {"line numbers count every line", "\n\n\nthreads 2\n", "--threads=2@4", NULL},
        {"dashes written", "--threads 4\n", NULL, "f.conf:1: expected an option name"},
        {"upper case", "Threads 4\n", NULL, "f.conf:1: expected an option name"},
        {"a name glued to junk", "threads:4\n", NULL, "f.conf:1: expected an option name"},
        {"the error's line", "threads 4\n# ok\nmax_query 5\n", NULL,
         "f.conf:3: expected an option name (lower case, without the dashes) then its value: "
         "'max_query 5'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dl_conf c = DL_CONF_INIT;
        struct dl_error err = DL_ERROR_INIT;
        int rc = dl_conf_parse(&c, "f.conf", cases[i].text, strlen(cases[i].text), &err);
        if (cases[i].want) {
            CHECK(rc == DL_OK, "%s: parses (%s)", cases[i].what, err.msg);
            char *got = args_of(&c);
            CHECK_STR(got, cases[i].want, "%s", cases[i].what);
            free(got);
        } else {
            CHECK(rc == DL_EPARSE, "%s: refused", cases[i].what);
            CHECK(strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) == 0,
                  "%s: message '%s' starts with '%s'", cases[i].what, err.msg, cases[i].msg);
        }
        dl_conf_release(&c);
        CHECK(c.n == 0 && c.v == NULL, "%s: released", cases[i].what);
    }
}

static void test_nul_and_long(void)
{
    struct dl_conf c = DL_CONF_INIT;
    struct dl_error err = DL_ERROR_INIT;
    static const char nul[] = "threads 4\nd\0b x\n";
    CHECK(dl_conf_parse(&c, "f.conf", nul, sizeof nul - 1, &err) == DL_EPARSE &&
              strcmp(err.msg, "f.conf:2: a NUL byte") == 0,
          "a NUL byte: refused with its line (%s)", err.msg);
    dl_conf_release(&c);
    char *big = malloc(5000);
    memset(big, 'a', 4999);
    big[4999] = '\0';
    CHECK(dl_conf_parse(&c, "f.conf", big, 4999, &err) == DL_EPARSE &&
              strstr(err.msg, "f.conf:1: line longer than") != NULL,
          "a 5000-byte line: refused (%s)", err.msg);
    free(big);
    dl_conf_release(&c);
}

static void test_load(void)
{
    struct dl_conf c = DL_CONF_INIT;
    struct dl_error err = DL_ERROR_INIT;
    CHECK(dl_conf_load(&c, "/nonexistent/dateline.conf", &err) == DL_ENOTFOUND,
          "a missing file: DL_ENOTFOUND");
    CHECK(strstr(err.msg, "cannot read '/nonexistent/dateline.conf'") != NULL, "its message: %s",
          err.msg);
    char path[] = "/tmp/dl-test-conf-XXXXXX";
    int fd = mkstemp(path);
    static const char text[] = "# x\nthreads 3\n";
    CHECK(fd >= 0 && write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1), "temp file");
    close(fd);
    CHECK(dl_conf_load(&c, path, &err) == DL_OK && c.n == 1 && c.v[0].line == 2 &&
              strcmp(c.v[0].arg, "--threads=3") == 0 && strcmp(c.path, path) == 0,
          "a file is read and parsed");
    unlink(path);
    dl_conf_release(&c);
}

int main(void)
{
    test_parse();
    test_nul_and_long();
    test_load();
    return dl_test_report();
}
