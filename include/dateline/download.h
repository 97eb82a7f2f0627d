/*
 * download.h - GET /api/export: every match of a search as a CSV or NDJSON
 * file (export.h), streamed.
 *
 * Every parameter of /api/search selects and orders the rows (q, the
 * filters, sort, offset), plus format (csv, the default, or ndjson), bom
 * (1: CSV starts with a BOM) and limit (rows at most: 1..the server's
 * --export-limit, which is also the default). An answer is a file:
 * Content-Disposition attachment, "dateline-export.csv" or ".ndjson".
 *
 * The export opens its own searcher (so one index revision serves the
 * whole file, whatever the worker thread's searcher does in between) and
 * reads the list DL_EXPORT_PAGE matches at a time (dl_searcher_page),
 * formatting one page into a buffer that libmicrohttpd drains before the
 * next is read: its own memory does not grow with the rows. Xapian's
 * does while finding a page at a large offset (a heap of offset + page
 * entries), so date orders page through a date cursor instead (see
 * download.c); the undated readouts (last in a date order) and the
 * relevance order of a query are read at growing offsets. The first page is
 * read before answering, so that a bad query is a 400 and a failing index a
 * 503; if a writer discards the revision later (two commits during one
 * export), the connection is cut (the client sees a body that did not end)
 * and the log says after how many rows: two revisions' pages are not one
 * list.
 *
 * Follows route.h's contract.
 */
#ifndef DATELINE_DOWNLOAD_H
#define DATELINE_DOWNLOAD_H

#include "dateline/common.h"
#include "dateline/request.h"

#define DL_EXPORT_PAGE 1000            /* matches read at a time */
#define DL_EXPORT_LIMIT_DEFAULT 100000 /* rows of one export (--export-limit) */

/* GET /api/export?q=...&format=csv|ndjson: the file of every match. */
int dl_api_export(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);

#endif
