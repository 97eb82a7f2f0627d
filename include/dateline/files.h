/*
 * files.h - /static/: the files of the web folder (CSS, JS, icons), and
 * /api/openapi.json, the API description kept there.
 *
 * Only regular files inside the canonical --web folder are served, found
 * by their real path (so a symbolic link cannot lead out of it); any path
 * that could name something else is refused before a file is touched.
 * The reply carries an open file descriptor that http.c hands to
 * libmicrohttpd (dl_reply_release closes it if it is never sent), an ETag
 * and a Cache-Control for an hour; If-None-Match gets a 304.
 */
#ifndef DATELINE_FILES_H
#define DATELINE_FILES_H

#include "dateline/common.h"
#include "dateline/request.h"

/*
 * GET /static/FILE (FILE in rq->arg, as sent in rq->raw_arg): the file, or
 * 400 for a path that could leave the folder, 404 for no such file.
 * Always DL_OK (route.h's contract).
 */
int dl_files_serve(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);

/*
 * GET /api/openapi.json: the API description, the file openapi.json of the
 * web folder (web/openapi.json), served as dl_files_serve() serves it.
 */
int dl_files_openapi(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);

#endif
