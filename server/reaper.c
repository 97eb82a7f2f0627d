/*
 * reaper.c - connection deadlines (reaper.h): a list of connections under
 * one mutex, walked by one thread five times a second.
 */
#include "dateline/reaper.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "dateline/common.h"

#define PERIOD_NS (200 * 1000000L)

struct dl_reaper_conn {
    struct dl_reaper_conn *prev, *next;
    int fd;          /* open while the entry is linked (reaper.h's contract) */
    double deadline; /* dl_now() by which it must have moved on, 0 = none */
};

struct dl_reaper {
    pthread_mutex_t lock; /* guards conns, every entry's deadline, stopping */
    pthread_cond_t wake;  /* tells the thread to stop */
    struct dl_reaper_conn *conns;
    int stopping;
    int running;
    pthread_t thread;
};

/*
 * Shut down the sockets past their deadline. The descriptor cannot have
 * been closed and reused while its entry is linked, and entries are
 * unlinked under the same lock.
 */
static void *reaper_main(void *arg)
{
    struct dl_reaper *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->stopping) {
        double now = dl_now();
        for (struct dl_reaper_conn *e = r->conns; e; e = e->next) {
            if (e->deadline > 0 && now > e->deadline) {
                shutdown(e->fd, SHUT_RDWR);
                e->deadline = 0;
            }
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += PERIOD_NS;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->wake, &r->lock, &ts);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

struct dl_reaper *dl_reaper_new(void)
{
    struct dl_reaper *r = dl_xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    if (pthread_create(&r->thread, NULL, reaper_main, r) == 0) {
        r->running = 1;
    } else {
        dl_log(DL_LOG_WARN, "cannot start the connection reaper: only idle connections time out");
    }
    return r;
}

void dl_reaper_free(struct dl_reaper *r)
{
    if (!r) {
        return;
    }
    if (r->running) {
        pthread_mutex_lock(&r->lock);
        r->stopping = 1;
        pthread_cond_signal(&r->wake);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->thread, NULL);
    }
    while (r->conns) {
        struct dl_reaper_conn *e = r->conns;
        r->conns = e->next;
        free(e);
    }
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

struct dl_reaper_conn *dl_reaper_add(struct dl_reaper *r, int fd, double within)
{
    struct dl_reaper_conn *e = dl_xcalloc(1, sizeof *e);
    e->fd = fd;
    e->deadline = within > 0 ? dl_now() + within : 0;
    pthread_mutex_lock(&r->lock);
    e->next = r->conns;
    if (r->conns) {
        r->conns->prev = e;
    }
    r->conns = e;
    pthread_mutex_unlock(&r->lock);
    return e;
}

void dl_reaper_remove(struct dl_reaper *r, struct dl_reaper_conn *e)
{
    if (!e) {
        return;
    }
    pthread_mutex_lock(&r->lock);
    if (e->prev) {
        e->prev->next = e->next;
    } else {
        r->conns = e->next;
    }
    if (e->next) {
        e->next->prev = e->prev;
    }
    pthread_mutex_unlock(&r->lock);
    free(e);
}

void dl_reaper_set(struct dl_reaper *r, struct dl_reaper_conn *e, double within, int sooner)
{
    double d = within > 0 ? dl_now() + within : 0;
    pthread_mutex_lock(&r->lock);
    if (!sooner || e->deadline <= 0 || d < e->deadline) {
        e->deadline = d;
    }
    pthread_mutex_unlock(&r->lock);
}
