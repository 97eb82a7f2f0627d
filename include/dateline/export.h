/*
 * export.h - search results as rows of a file: CSV (RFC 4180) or NDJSON.
 *
 * One row per readout, the columns in EXPORT_COLUMNS' order: id, date,
 * title, source, dateline, url, kind, people, countries. A field absent
 * from the readout is empty in CSV and null in NDJSON; the list fields
 * (people, countries: names joined by DL_LIST_SEP in the store) are joined
 * with "; " in CSV and arrays in NDJSON.
 *
 * CSV follows RFC 4180: rows end with CRLF, a field holding a comma, a
 * double quote, CR or LF is quoted and its quotes doubled; the first row
 * names the columns; with a BOM the file starts with U+FEFF (for
 * spreadsheet programs that read CSV as another encoding without it).
 * NDJSON is one JSON object per line, ending with LF. Both are UTF-8 as
 * stored (readouts are valid UTF-8).
 *
 * Pure functions that append to a struct dl_buf: the server streams rows
 * through a small buffer, so that an export's memory does not grow with
 * its rows.
 */
#ifndef DATELINE_EXPORT_H
#define DATELINE_EXPORT_H

#include <stddef.h>

#include "dateline/buf.h"
#include "dateline/readout.h"
#include "dateline/store.h"

enum dl_export_format {
    DL_EXPORT_CSV,
    DL_EXPORT_NDJSON,
};

/* "csv" or "ndjson" into *out: 0, or -1 for any other name (*out unchanged). */
int dl_export_format_parse(const char *name, enum dl_export_format *out);
/* "text/csv; charset=utf-8; header=present" or "application/x-ndjson". */
const char *dl_export_content_type(enum dl_export_format f);
/* The file name extension: "csv" or "ndjson". */
const char *dl_export_extension(enum dl_export_format f);

/* What comes before the first row: for CSV the BOM (when bom) and the column names' row;
 * nothing for NDJSON. */
void dl_export_begin(struct dl_buf *b, enum dl_export_format f, int bom);
/* One row: readout r (its body is not exported) and what was found in it (f may be NULL). */
void dl_export_row(struct dl_buf *b, enum dl_export_format f, const struct dl_readout *r,
                   const struct dl_found *found);
/* One CSV field s[0..n) (NULL: empty), quoted when it needs to be. */
void dl_export_csv_field(struct dl_buf *b, const char *s, size_t n);

#endif
