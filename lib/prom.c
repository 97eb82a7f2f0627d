/*
 * prom.c - Prometheus' text exposition format (see prom.h).
 */
#include "dateline/prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `s` with `\` and newline escaped, and `"` too when `quote`. */
static void add_escaped(struct dl_buf *b, const char *s, int quote)
{
    for (; *s; s++) {
        if (*s == '\\') {
            dl_buf_add(b, "\\\\", 2);
        } else if (*s == '\n') {
            dl_buf_add(b, "\\n", 2);
        } else if (*s == '"' && quote) {
            dl_buf_add(b, "\\\"", 2);
        } else {
            dl_buf_addc(b, *s);
        }
    }
}

void dl_prom_family(struct dl_buf *b, const char *name, const char *type, const char *help)
{
    dl_buf_addf(b, "# HELP %s ", name);
    add_escaped(b, help, 0);
    dl_buf_addf(b, "\n# TYPE %s %s\n", name, type);
}

const char *dl_prom_number(char *out, double v)
{
    if (isnan(v)) {
        return strcpy(out, "NaN");
    }
    if (isinf(v)) {
        return strcpy(out, v > 0 ? "+Inf" : "-Inf");
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) { /* 2^53: every integer exact */
        snprintf(out, DL_PROM_NUM_MAX, "%.0f", v);
        return out;
    }
    /* The fewest digits that read back as the same double. */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, DL_PROM_NUM_MAX, "%.*g", digits, v);
        if (strtod(out, NULL) == v) {
            break;
        }
    }
    return out;
}

static void add_name_labels(struct dl_buf *b, const char *name, const struct dl_prom_label *labels,
                            size_t nlabels)
{
    dl_buf_adds(b, name);
    if (!nlabels) {
        return;
    }
    dl_buf_addc(b, '{');
    for (size_t i = 0; i < nlabels; i++) {
        dl_buf_addf(b, "%s%s=\"", i ? "," : "", labels[i].name);
        add_escaped(b, labels[i].value, 1);
        dl_buf_addc(b, '"');
    }
    dl_buf_addc(b, '}');
}

void dl_prom_sample(struct dl_buf *b, const char *name, const struct dl_prom_label *labels,
                    size_t nlabels, double value)
{
    char num[DL_PROM_NUM_MAX];
    add_name_labels(b, name, labels, nlabels);
    dl_buf_addf(b, " %s\n", dl_prom_number(num, value));
}

void dl_prom_sample_u(struct dl_buf *b, const char *name, const struct dl_prom_label *labels,
                      size_t nlabels, unsigned long long value)
{
    add_name_labels(b, name, labels, nlabels);
    dl_buf_addf(b, " %llu\n", value);
}
