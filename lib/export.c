/* export.c - search results as CSV or NDJSON rows (see export.h). */
#include "dateline/export.h"

#include <string.h>

#include "dateline/schema.h"

/* The columns, in order; the list columns are the last two. */
static const char *const COLUMNS[] = {"id",  "date", "title",  "source",   "dateline",
                                      "url", "kind", "people", "countries"};
#define NCOLUMNS (sizeof COLUMNS / sizeof COLUMNS[0])
#define NSCALARS 7 /* id .. kind */

int dl_export_format_parse(const char *name, enum dl_export_format *out)
{
    if (name && strcmp(name, "csv") == 0) {
        *out = DL_EXPORT_CSV;
    } else if (name && strcmp(name, "ndjson") == 0) {
        *out = DL_EXPORT_NDJSON;
    } else {
        return -1;
    }
    return 0;
}

const char *dl_export_content_type(enum dl_export_format f)
{
    return f == DL_EXPORT_CSV ? "text/csv; charset=utf-8; header=present" : "application/x-ndjson";
}

const char *dl_export_extension(enum dl_export_format f)
{
    return f == DL_EXPORT_CSV ? "csv" : "ndjson";
}

void dl_export_csv_field(struct dl_buf *b, const char *s, size_t n)
{
    if (!s || !n) {
        return;
    }
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++) {
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    }
    if (!quote) {
        dl_buf_add(b, s, n);
        return;
    }
    dl_buf_addc(b, '"');
    for (const char *p = s, *end = s + n; p < end;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        size_t len = q ? (size_t)(q - p) + 1 : (size_t)(end - p);
        dl_buf_add(b, p, len); /* up to and with the quote, which is then doubled */
        if (q) {
            dl_buf_addc(b, '"');
        }
        p += len;
    }
    dl_buf_addc(b, '"');
}

void dl_export_begin(struct dl_buf *b, enum dl_export_format f, int bom)
{
    if (f != DL_EXPORT_CSV) {
        return;
    }
    if (bom) {
        dl_buf_adds(b, "\xEF\xBB\xBF");
    }
    for (size_t i = 0; i < NCOLUMNS; i++) {
        dl_buf_adds(b, i ? "," : "");
        dl_buf_adds(b, COLUMNS[i]);
    }
    dl_buf_adds(b, "\r\n");
}

/* A list of names joined by DL_LIST_SEP: "; "-joined CSV field, or a JSON array. */
static void add_list(struct dl_buf *b, enum dl_export_format f, const char *names)
{
    struct dl_buf joined = DL_BUF_INIT;
    dl_buf_adds(b, f == DL_EXPORT_CSV ? "" : "[");
    for (const char *p = names; p && *p;) {
        const char *e = strstr(p, DL_LIST_SEP);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (f == DL_EXPORT_CSV) {
            dl_buf_adds(&joined, p == names ? "" : "; ");
            dl_buf_add(&joined, p, len);
        } else {
            dl_buf_adds(b, p == names ? "\"" : ",\"");
            dl_buf_add_json(b, p, len);
            dl_buf_addc(b, '"');
        }
        p = e ? e + strlen(DL_LIST_SEP) : p + len;
    }
    if (f == DL_EXPORT_CSV) {
        dl_export_csv_field(b, joined.buf, joined.len);
    } else {
        dl_buf_addc(b, ']');
    }
    dl_buf_release(&joined);
}

static void add_scalar(struct dl_buf *b, enum dl_export_format f, size_t col, const char *v)
{
    if (f == DL_EXPORT_CSV) {
        dl_buf_adds(b, col ? "," : "");
        dl_export_csv_field(b, v, v ? strlen(v) : 0);
        return;
    }
    dl_buf_addf(b, "%s\"%s\":", col ? "," : "{", COLUMNS[col]);
    if (!v) {
        dl_buf_adds(b, "null");
        return;
    }
    dl_buf_addc(b, '"');
    dl_buf_add_json(b, v, strlen(v));
    dl_buf_addc(b, '"');
}

void dl_export_row(struct dl_buf *b, enum dl_export_format f, const struct dl_readout *r,
                   const struct dl_found *found)
{
    const char *kind = found ? found->kind : NULL;
    const char *v[NSCALARS] = {r->id, r->date, r->title, r->source, r->dateline, r->url, kind};
    for (size_t i = 0; i < NSCALARS; i++) {
        add_scalar(b, f, i, v[i]);
    }
    const enum dl_entity lists[] = {DL_ENTITY_PERSON, DL_ENTITY_COUNTRY};
    for (size_t i = 0; i < 2; i++) {
        if (f == DL_EXPORT_CSV) {
            dl_buf_addc(b, ',');
        } else {
            dl_buf_addf(b, ",\"%s\":", COLUMNS[NSCALARS + i]);
        }
        add_list(b, f, found ? found->names[lists[i]] : NULL);
    }
    dl_buf_adds(b, f == DL_EXPORT_CSV ? "\r\n" : "}\n");
}
