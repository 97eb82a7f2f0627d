/*
 * slow_epoll_del.c - an LD_PRELOAD module for test_shutdown.py: epoll_ctl(EPOLL_CTL_DEL) called
 * from the process's main thread sleeps DL_EPOLL_DEL_DELAY_US microseconds (default 20000)
 * before it runs; every other call passes straight through.
 *
 * Why: libmicrohttpd 0.9.75's MHD_quiesce_daemon(), called from dateline-serve's main thread,
 * reads a worker's listen_socket_in_epoll and then removes the listen socket from that
 * worker's epoll set, while the worker thread may remove it too (MHD_epoll() does so once it
 * sees was_quiesced). Whoever comes second gets ENOENT, and the main thread's path panics on
 * it. Between the read and the removal there are only a few instructions, so the race is hit
 * about once in thousands of stops; sleeping there gives every worker that wakes up meanwhile
 * the time to come first, which makes the abort all but certain with the old shutdown code.
 * The server no longer removes anything from an epoll set in its main thread, so with the fix
 * this module changes nothing and the test checks only that stopping under load exits 0.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

typedef int (*epoll_ctl_fn)(int, int, int, struct epoll_event *);

static epoll_ctl_fn real_epoll_ctl(void)
{
    static epoll_ctl_fn fn;
    if (!fn) {
        /* dlsym() returns an object pointer; copy it rather than cast it to a function's. */
        void *sym = dlsym(RTLD_NEXT, "epoll_ctl");
        memcpy(&fn, &sym, sizeof fn);
    }
    return fn;
}

static void delay(void)
{
    const char *env = getenv("DL_EPOLL_DEL_DELAY_US");
    long us = env ? strtol(env, NULL, 10) : 20000;
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
    if (op == EPOLL_CTL_DEL && gettid() == getpid()) {
        delay();
    }
    return real_epoll_ctl()(epfd, op, fd, event);
}
