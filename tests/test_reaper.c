/*
 * test_reaper.c - server/reaper.c: a connection past its deadline has its
 * socket shut down, one without a deadline or with a later one does not.
 *
 * Each case is a socketpair: the reaper watches one end, the test reads
 * the other (EOF: shut down). Deadlines are 0.1 s against 30 s, and the
 * test waits 1 s: the outcome does not depend on how fast the machine is.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dateline/reaper.h"
#include "dl_test.h"

/* 1 if the peer of `fd` shut its end down (EOF), 0 if it is still open. */
static int shut_down(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0;
}

static void test_deadlines(void)
{
    static const struct {
        const char *what;
        double add; /* the deadline given to dl_reaper_add */
        double set; /* then dl_reaper_set to this, if >= 0 */
        int sooner; /* with `sooner` */
        int want_cut;
    } cases[] = {
        {"past its deadline", 0.1, -1, 0, 1},
        {"no deadline", 0, -1, 0, 0},
        {"deadline far off", 30, -1, 0, 0},
        {"moved nearer", 30, 0.1, 0, 1},
        {"moved nearer, sooner", 30, 0.1, 1, 1},
        {"moved later", 0.1, 30, 0, 0},
        {"moved later, sooner: the nearer stays", 0.1, 30, 1, 1},
        {"deadline cleared", 0.1, 0, 0, 0},
        {"no deadline, then sooner", 0, 0.1, 1, 1},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    int fds[N][2];
    struct dl_reaper_conn *conns[N];
    struct dl_reaper *r = dl_reaper_new();
    for (size_t i = 0; i < N; i++) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]) != 0) {
            CHECK(0, "socketpair: errno %d", errno);
            return;
        }
        conns[i] = dl_reaper_add(r, fds[i][0], cases[i].add);
        if (cases[i].set >= 0) {
            dl_reaper_set(r, conns[i], cases[i].set, cases[i].sooner);
        }
    }
    usleep(1000000);
    for (size_t i = 0; i < N; i++) {
        CHECK(shut_down(fds[i][1]) == cases[i].want_cut, "%s: %s", cases[i].what,
              cases[i].want_cut ? "want shut down" : "want open");
    }
    /* Removing one leaves the others; free() frees what is still registered. */
    dl_reaper_remove(r, conns[0]);
    dl_reaper_remove(r, NULL);
    dl_reaper_free(r);
    dl_reaper_free(NULL);
    for (size_t i = 0; i < N; i++) {
        close(fds[i][0]);
        close(fds[i][1]);
    }
}

int main(void)
{
    test_deadlines();
    return dl_test_report();
}
