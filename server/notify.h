/*
 * notify.h - dateline-serve and the service manager (systemd).
 *
 * Readiness and stopping are reported with sd_notify() (for Type=notify
 * units; nothing is sent when $NOTIFY_SOCKET is unset), and a listening
 * socket passed by socket activation ($LISTEN_FDS/$LISTEN_PID, as from a
 * .socket unit or systemd-socket-activate) is served instead of binding
 * --listen. Built without libsystemd (no DL_HAVE_SYSTEMD) every function
 * does nothing: no socket is ever taken, nothing is sent.
 */
#ifndef DL_SERVER_NOTIFY_H
#define DL_SERVER_NOTIFY_H

#include <sys/socket.h>

#include "dateline/common.h"

/*
 * The socket passed by socket activation, if any: DL_OK with *fd the
 * descriptor (kept open; the server's daemon closes it when it stops) and
 * *addr its address (getsockname), or *fd = -1 when none was passed.
 * DL_EINVAL with a message when what was passed cannot be served: more
 * than one socket, or not a listening IPv4/IPv6 stream socket. The
 * $LISTEN_* variables are removed from the environment either way.
 */
int dl_notify_listen_socket(int *fd, struct sockaddr_storage *addr, struct dl_error *err);
/* READY=1 with a STATUS= line (e.g. what is served where). */
void dl_notify_ready(const char *status);
/* STOPPING=1: shutdown has begun. */
void dl_notify_stopping(void);

#endif
