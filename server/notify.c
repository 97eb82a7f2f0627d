/*
 * notify.c - readiness, stopping and socket activation through libsystemd
 * (see notify.h). Without DL_HAVE_SYSTEMD these are no-ops.
 */
#include "notify.h"

#include <stdio.h>
#include <string.h>

#ifdef DL_HAVE_SYSTEMD
#include <errno.h>
#include <netinet/in.h>
#include <systemd/sd-daemon.h>

int dl_notify_listen_socket(int *fd, struct sockaddr_storage *addr, struct dl_error *err)
{
    *fd = -1;
    int n = sd_listen_fds(1);
    if (n < 0) {
        return dl_error_set(err, DL_EINVAL, "cannot take the sockets passed by systemd: %s",
                            strerror(-n));
    }
    if (n == 0) {
        return DL_OK;
    }
    if (n > 1) {
        return dl_error_set(err, DL_EINVAL,
                            "%d sockets passed by systemd: expected one listening TCP socket", n);
    }
    int s = SD_LISTEN_FDS_START;
    if (sd_is_socket_inet(s, AF_UNSPEC, SOCK_STREAM, 1, 0) <= 0) {
        return dl_error_set(err, DL_EINVAL,
                            "the socket passed by systemd is not a listening TCP socket "
                            "(IPv4 or IPv6)");
    }
    socklen_t len = sizeof *addr;
    memset(addr, 0, sizeof *addr);
    if (getsockname(s, (struct sockaddr *)addr, &len) != 0) {
        return dl_error_set(err, DL_EIO,
                            "cannot read the address of the socket passed by "
                            "systemd: %s",
                            strerror(errno));
    }
    *fd = s;
    return DL_OK;
}

void dl_notify_ready(const char *status)
{
    sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void dl_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1\nSTATUS=finishing requests in flight");
}

#else

int dl_notify_listen_socket(int *fd, struct sockaddr_storage *addr, struct dl_error *err)
{
    (void)addr;
    (void)err;
    *fd = -1;
    return DL_OK;
}

void dl_notify_ready(const char *status)
{
    (void)status;
}

void dl_notify_stopping(void) {}

#endif
