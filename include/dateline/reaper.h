/*
 * reaper.h - connection deadlines: a thread that shuts down the sockets of
 * connections past theirs.
 *
 * libmicrohttpd's connection timeout is an idle one, reset by every byte,
 * so a client trickling its request would hold its connection for ever.
 * http.c registers each connection here with a deadline and moves it as
 * the connection goes (see the top of http.c for which deadline when).
 * About five times a second the reaper shutdown()s every socket past its
 * deadline; libmicrohttpd then sees the end of the stream and closes the
 * connection itself, so nothing here ever closes a descriptor.
 *
 * Threads: every function may be called from any thread (one mutex). A
 * connection's descriptor must stay open while it is registered: remove it
 * before it is closed (MHD's NOTIFY_CLOSED comes before its close()).
 */
#ifndef DATELINE_REAPER_H
#define DATELINE_REAPER_H

struct dl_reaper;
struct dl_reaper_conn;

/*
 * Start the reaper thread. Never NULL: when the thread cannot start, a
 * warning is logged and connections are only registered, never cut off.
 */
struct dl_reaper *dl_reaper_new(void);
/* Stop the thread and free the reaper and every connection still registered (NULL: no-op). */
void dl_reaper_free(struct dl_reaper *r);

/* Register the connection on socket `fd`, due `within` seconds from now (0: no deadline). */
struct dl_reaper_conn *dl_reaper_add(struct dl_reaper *r, int fd, double within);
/* Unregister and free `e` (NULL: no-op); its socket is not touched. */
void dl_reaper_remove(struct dl_reaper *r, struct dl_reaper_conn *e);
/*
 * Move the deadline of `e` to `within` seconds from now (0: none). With
 * `sooner`, a deadline already nearer stays.
 */
void dl_reaper_set(struct dl_reaper *r, struct dl_reaper_conn *e, double within, int sooner);

#endif
