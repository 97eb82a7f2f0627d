/*
 * feed.h - GET /feed.atom: a search as an Atom feed (RFC 4287), for
 * following a story in a feed reader.
 *
 * The feed takes every parameter of /api/search (search.h; `limit`
 * defaults to DL_FEED_SIZE) and lists the matching readouts most recently
 * first indexed first (DL_SLOT_INDEXED, schema.h), whatever `sort` says.
 * Its id is a tag: URI of the server's host name and the canonical query,
 * so that it stays the same for one query; each entry's id is
 * "tag:dateline,2026:readout/" + the percent-encoded readout id, which
 * re-indexing does not change. Links are absolute, built from the Host
 * header (which http.c has checked). The ETag is a hash of the index
 * revision, the host and the canonical query: If-None-Match answers 304
 * without searching.
 *
 * Follows route.h's contract; client errors are JSON 4xx like the API's.
 */
#ifndef DATELINE_FEED_H
#define DATELINE_FEED_H

#include "dateline/common.h"
#include "dateline/request.h"

#define DL_FEED_SIZE 20 /* entries when no limit is given */

int dl_feed_atom(struct dl_request *rq, struct dl_reply *rep, struct dl_error *err);

#endif
